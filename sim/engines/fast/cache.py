"""Where numba keeps the compiled kernels: the user's cache folder, unless the user says.

numba writes its cache beside the source (``__pycache__``) when that folder is writable, which
an installed package's often is not. ccsim sets ``NUMBA_CACHE_DIR`` to
``$XDG_CACHE_HOME/ccsim/numba`` (``~/.cache/ccsim/numba`` by default) when the user has not set
it, before numba reads it, so that every install, read-only or not, compiles once per machine.
numba keeps a separate cache for each source folder below it and recompiles a function when its
own source file changes; a kernel whose callees alone changed (say ``events.py``) is loaded as
it was, so delete the folder after editing those.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def user_cache_dir() -> Path:
    """Return the folder for ccsim's numba cache: ``$XDG_CACHE_HOME/ccsim/numba``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ccsim" / "numba"


def use_user_cache() -> None:
    """Point numba's cache at :func:`user_cache_dir` unless ``NUMBA_CACHE_DIR`` is set.

    Sets the environment variable (read by numba on import, and by worker processes) and, if
    numba is already imported, its configuration.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    folder = str(user_cache_dir())
    os.environ["NUMBA_CACHE_DIR"] = folder
    config = sys.modules.get("numba.core.config")
    if config is not None:
        config.CACHE_DIR = folder  # type: ignore[attr-defined]

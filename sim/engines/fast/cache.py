"""Where numba keeps the compiled kernels: the user's cache folder, unless the user says.

numba writes its cache beside the source (``__pycache__``) when that folder is writable, which
an installed package's often is not. ccsim sets ``NUMBA_CACHE_DIR`` to
``$XDG_CACHE_HOME/ccsim/numba`` (``~/.cache/ccsim/numba`` by default) when the user has not set
it, before numba reads it, so that every install, read-only or not, compiles once per machine.
numba recompiles a function only when its own source file changes, not when a function it
calls does (``events.py``, ``sampling.py``); so the folder is named by a fingerprint of every
source the kernels are compiled from, and an edit to any of them starts a fresh cache.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

_ENGINES = Path(__file__).resolve().parents[1]
KERNEL_SOURCES = (*sorted((_ENGINES / "fast").glob("*.py")), _ENGINES / "sampling.py")
"""Every source the kernels are compiled from (the fast engine and the shared sampling)."""


def user_cache_dir() -> Path:
    """Return the folder for ccsim's numba cache: ``$XDG_CACHE_HOME/ccsim/numba``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ccsim" / "numba"


def source_fingerprint(sources: tuple[Path, ...] = KERNEL_SOURCES) -> str:
    """Return a short hex digest of the sources' names and contents."""
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def kernel_cache_dir() -> Path:
    """Return the cache folder of these sources: :func:`user_cache_dir` / their fingerprint."""
    return user_cache_dir() / source_fingerprint()


def use_user_cache() -> None:
    """Point numba's cache at :func:`kernel_cache_dir` unless ``NUMBA_CACHE_DIR`` is set.

    Folders of other source versions beside it are left alone (another checkout may use
    them); deleting ``user_cache_dir()`` is always safe.

    Sets the environment variable (read by numba on import, and by worker processes) and, if
    numba is already imported, its configuration.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    folder = str(kernel_cache_dir())
    os.environ["NUMBA_CACHE_DIR"] = folder
    config = sys.modules.get("numba.core.config")
    if config is not None:
        config.CACHE_DIR = folder  # type: ignore[attr-defined]

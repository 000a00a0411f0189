"""Files written whole or not at all: a temporary name in the target's folder, then a rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

TEMP_PREFIX = ".tmp-"
"""Prefix of the temporary files; a kill can leave one behind, never a half-written target."""


def atomic_write(target: Path, write: Callable[[Path], object]) -> None:
    """Write ``target`` through ``write(temporary_path)``, flush it to disk, rename it into place.

    A reader sees the old file or the new one, never part of one; on an error the temporary
    file is removed and the old file is untouched.
    """
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=TEMP_PREFIX, suffix=target.suffix)
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        with temporary.open("rb+") as stream:
            os.fsync(stream.fileno())
        os.chmod(temporary, new_file_mode())  # mkstemp files are private (0o600); results are not
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def new_file_mode() -> int:
    """Return the mode ``open()`` would give a new file: ``0o666`` less the process umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask

"""Files written whole or not at all: a temporary name in the target's folder, then a rename."""

from __future__ import annotations

import os
import stat
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


class InputRefused(ValueError):  # noqa: N818 (it is refused input, not a failure of ours)
    """A file that is not read: not a regular file, or larger than its documented limit."""


def read_bounded(path: Path, limit_bytes: int) -> bytes:
    """Return the bytes of a regular file of at most ``limit_bytes``.

    A FIFO, a device or a folder is refused before it is opened (reading a FIFO waits for a
    writer, a device may never end), and a file larger than the limit is refused by its size
    and never read past the limit (it may grow while it is read).

    Raises
    ------
    OSError
        When the file does not exist or cannot be opened.
    InputRefused
        When it is not a regular file or is larger than ``limit_bytes``.
    """
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "a FIFO, device or socket"
        raise InputRefused(f"is not a regular file (got {kind})")
    with path.open("rb") as stream:
        data = stream.read(limit_bytes + 1)
    if len(data) > limit_bytes:
        raise InputRefused(
            f"is larger than the limit of {limit_bytes // 2**20} MiB "
            f"(got {path.stat().st_size / 2**20:.0f} MiB or more)"
        )
    return data


def new_file_mode() -> int:
    """Return the mode ``open()`` would give a new file: ``0o666`` less the process umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask

"""Files written whole or not at all: a temporary name in the target's folder, then a rename."""

from __future__ import annotations

import errno
import glob
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

TEMP_PREFIX = ".tmp-"
"""Prefix of the temporary files; a kill can leave one behind, never a half-written target."""


def atomic_write(target: Path, write: Callable[[Path], object]) -> None:
    """Write ``target`` through ``write(temporary_path)``, flush it to disk, rename it into place.

    A reader sees the old file or the new one, never part of one; on an error the temporary
    file is removed and the old file is untouched. Temporary files a kill left behind for this
    target are removed first.

    Raises
    ------
    OSError
        When the target cannot be written (a folder in its place, no permission, a full disk),
        with the target as its file name.
    """
    remove_leftovers(target.parent, target.name)
    temporary = staged_file(target)
    try:
        write(temporary)
        with temporary.open("rb+") as stream:
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise on_target(error, target) from error
        raise


def staged_file(target: Path) -> Path:
    """Create the temporary file beside ``target`` that is written before renaming it into place.

    Its name is :data:`TEMP_PREFIX`, the target's name and a random part, so that leftovers of a
    killed run are found by name; its mode is that of a new file (``mkstemp`` makes it private).

    Raises
    ------
    IsADirectoryError
        When ``target`` is a folder: the rename would fail after all the work.
    """
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(target))
    handle, name = tempfile.mkstemp(
        dir=target.parent, prefix=f"{TEMP_PREFIX}{target.name}.", suffix=target.suffix
    )
    os.close(handle)
    os.chmod(name, new_file_mode())
    return Path(name)


def remove_leftovers(folder: Path, name: str) -> None:
    """Remove the temporary files of target ``name`` that a killed run left in ``folder``.

    Two runs writing the same file at the same moment are not supported (the later rename would
    win anyway); one run's leftovers never survive the next.
    """
    if folder.is_dir():
        for path in folder.glob(f"{TEMP_PREFIX}{glob.escape(name)}.*"):
            path.unlink(missing_ok=True)


def on_target(error: OSError, target: Path) -> OSError:
    """Return ``error`` re-addressed to ``target`` (a failed rename names the temporary file)."""
    return OSError(error.errno, error.strerror, str(target))


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


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a CSV cell as a formula."""


def write_table_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as CSV without its index, numbers to 6 significant digits.

    Text cells that a spreadsheet would run as a formula (a name starting with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return, and not a number) get a leading ``'``, as
    spreadsheet programs themselves mark text: a user-chosen name can never become a formula.
    """
    spreadsheet_safe(frame).to_csv(path, index=False, float_format="%.6g")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of a table whose text cells a spreadsheet would run as formulas are marked.

    Such cells (see :func:`write_table_csv`) get a leading ``'``; the CSV and xlsx copies of a
    table hold the same text.
    """
    safe = frame.copy()
    for column in safe.select_dtypes(include=["object", "string"]).columns:
        safe[column] = safe[column].map(_spreadsheet_text)
    return safe


def _spreadsheet_text(value: object) -> object:
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS) or len(value) < 2:
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value

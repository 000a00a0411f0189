"""Pick a call-log reader: the documented CSV format or the "Anonymous Bank" format."""

from __future__ import annotations

from pathlib import Path

from sim.calibration.bank import read_bank_log
from sim.calibration.calllog import CallLog, read_call_log
from sim.errors import UsageError

LOG_FORMATS = ("auto", "ccsim", "bank")
"""Values of ``format``: ``auto`` tells the format by the file's header."""


def read_any_log(path: str | Path, log_format: str = "auto") -> CallLog:
    """Read a call log in either known format.

    Parameters
    ----------
    path : str or Path
        The file.
    log_format : {"auto", "ccsim", "bank"}
        ``ccsim``: the documented CSV format; ``bank``: the tab-separated "Anonymous Bank"
        format; ``auto``: ``bank`` when the header line is tab-separated, else ``ccsim``.

    Returns
    -------
    CallLog
        The calls.

    Raises
    ------
    UsageError
        For an unknown format.
    ScenarioError
        For an unreadable file or a bad row, from the reader.
    """
    if log_format not in LOG_FORMATS:
        expected = ", ".join(LOG_FORMATS)
        raise UsageError(f"format must be one of {expected} (got {log_format!r})")
    if log_format == "auto":
        log_format = "bank" if "\t" in _header_line(Path(path)) else "ccsim"
    return read_bank_log(path) if log_format == "bank" else read_call_log(path)


def _header_line(path: Path) -> str:
    """Return the file's first line; empty when it cannot be read (the reader says why)."""
    try:
        with path.open(encoding="utf-8-sig") as handle:
            return handle.readline()
    except (OSError, UnicodeDecodeError):
        return ""

"""Pure unit conversions: clock strings, hours, rates."""

from __future__ import annotations

import re

SECONDS_PER_MINUTE = 60.0
SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86400.0

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def clock_to_s(text: str) -> float:
    """Convert a clock time ``"HH:MM"`` (00:00 to 24:00) to seconds after midnight.

    Parameters
    ----------
    text : str
        Time of day, 24-hour clock; ``"24:00"`` means the end of the day.

    Returns
    -------
    float
        Seconds after midnight.

    Raises
    ------
    ValueError
        If the text is not a valid clock time.
    """
    match = _CLOCK.match(text.strip())
    if match is None:
        raise ValueError(f"expected a clock time HH:MM (got {text!r})")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes > 0):
        raise ValueError(f"expected a clock time between 00:00 and 24:00 (got {text!r})")
    return hours * SECONDS_PER_HOUR + minutes * SECONDS_PER_MINUTE


def s_to_clock(seconds: float) -> str:
    """Format seconds after midnight as ``"HH:MM"`` (minutes rounded down)."""
    minutes = int(seconds // SECONDS_PER_MINUTE)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def per_hour_to_per_s(rate_per_h: float) -> float:
    """Convert a rate per hour to a rate per second."""
    return rate_per_h / SECONDS_PER_HOUR

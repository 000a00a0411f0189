"""Validation problems: an error that knows the sub-path of the field at fault, and messages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.scenario.calendar import Calendar

from sim.scenario.limits import MAX_SHOWN_CHARS


class FieldError(ValueError):
    """Raised inside validators to point at a field below the model being validated.

    Parameters
    ----------
    subpath : str
        Dotted path relative to the model (``"cv"``, ``"volume.profile"``).
    message : str
        What is wrong, with the offending value.
    """

    def __init__(self, subpath: str, message: str) -> None:
        self.subpath = subpath
        self.message = message
        super().__init__(message)


def shown(value: object, limit: int = MAX_SHOWN_CHARS) -> str:
    """Return ``repr(value)`` cut to ``limit`` characters, so a huge bad value stays short."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"


def not_utf8(error: UnicodeDecodeError) -> str:
    """Describe a file that is not UTF-8 text: the first bad byte and its offset."""
    byte = error.object[error.start : error.start + 1].hex()
    return f"is not UTF-8 text (got byte 0x{byte} at offset {error.start})"


def check_known(path: str, what: str, name: str, known: Collection[str]) -> None:
    """Raise a :class:`FieldError` at ``path`` unless ``name`` is one of the ``known`` names.

    Parameters
    ----------
    path : str
        Field path of the name.
    what : str
        What the name should name (``call type``, ``tier``, ...), for the message.
    name : str
        The name given.
    known : collection of str
        The names defined, in scenario order.
    """
    if name not in known:
        expected = ", ".join(known) or "none defined"
        raise FieldError(path, f"unknown {what}, expected one of: {expected} (got {name!r})")


def check_day(path: str, day: int, n_days: int) -> None:
    """Raise a :class:`FieldError` at ``path`` unless ``day`` is a day of the calendar.

    Parameters
    ----------
    path : str
        Field path of the day.
    day : int
        The day given (0-based, already >= 0).
    n_days : int
        Days of the calendar.
    """
    if day >= n_days:
        raise FieldError(path, f"must be a day of the calendar, 0 to {n_days - 1} (got {day})")


def check_date(path: str, text: str, calendar: Calendar | None) -> None:
    """Raise a :class:`FieldError` at ``path`` unless an ISO date is a day of the calendar.

    Parameters
    ----------
    path : str
        Field path of the date.
    text : str
        The date given, ``YYYY-MM-DD`` (already a valid date).
    calendar : Calendar or None
        The scenario's calendar: it must have a ``start_date``.
    """
    if calendar is None or calendar.start_date is None:
        message = f"needs calendar.start_date to know the days' dates (got {text})"
        raise FieldError(subpath=path, message=message)
    first, last = calendar.date_of(0), calendar.date_of(calendar.days - 1)
    if not first <= dt.date.fromisoformat(text) <= last:  # type: ignore[operator]
        message = f"must be a date of the calendar, {first} to {last} (got {text})"
        raise FieldError(subpath=path, message=message)

"""The calendar: simulated days, their dates and weekdays, and each day's opening hours.

Without ``start_date`` the days are numbered and every day keeps the same hours
(``open``-``close``). With it, day ``d`` is the date ``start_date + d`` and its hours come, in
this order, from ``dates`` (that date), ``hours`` (its weekday) or ``open``-``close``. All days
share one interval grid: from the earliest opening to the latest closing written in the calendar;
the intervals of a day outside its own hours are closed.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BeforeValidator, Field, field_validator, model_validator

from sim.scenario.fields import Clock, Frozen
from sim.scenario.problems import FieldError, check_date
from sim.units import SECONDS_PER_MINUTE, clock_to_s, s_to_clock

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday names, Monday first (``datetime.date.weekday()`` order)."""
CLOSED = "closed"
MAX_DAYS = 366
"""Most days a calendar may simulate."""

DayHours = tuple[float, float] | None
"""A day's opening and closing, seconds after midnight; None when the day is closed."""


def _date_to_text(value: object) -> object:
    # YAML reads an unquoted 2027-01-04 as a date: keep it as the ISO text the model stores.
    return value.isoformat() if isinstance(value, dt.date) else value


def _valid_date_at(path: str, text: str) -> str:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise FieldError(path, f"must be an ISO date YYYY-MM-DD (got {text!r})") from None
    return text


def _valid_date(text: str) -> str:
    return _valid_date_at("", text)


IsoDate = Annotated[str, BeforeValidator(_date_to_text), AfterValidator(_valid_date)]
"""A date ``"YYYY-MM-DD"`` (quoted or not in YAML)."""

Hours = Literal["closed"] | list[Clock]
"""Opening hours of a day: ``closed`` or one ``["HH:MM", "HH:MM"]`` span."""


def check_weekday(path: str, name: str) -> None:
    """Raise a :class:`FieldError` at ``path`` unless ``name`` is a weekday name."""
    if name not in WEEKDAYS:
        message = f"unknown weekday, expected one of: {', '.join(WEEKDAYS)} (got {name!r})"
        raise FieldError(subpath=path, message=message)


def day_label(start_date: str | None, day: int, undated: str = "d") -> str:
    """Name a day of the calendar for people: ``"2027-01-04 Mon"``, or ``"d3"`` without dates.

    Every table, plot, CSV and message that names a day uses this.

    Parameters
    ----------
    start_date : str or None
        ISO date of day 0, or None for a calendar without dates.
    day : int
        Day of the calendar, from 0.
    undated : str
        What goes before the index without dates (``"d"``: ``d3``; ``"day "``: ``day 3``).

    Returns
    -------
    str
        The date and its weekday, or the prefix and the index.
    """
    if start_date is None:
        return f"{undated}{day}"
    date = dt.date.fromisoformat(start_date) + dt.timedelta(days=day)
    return f"{date.isoformat()} {WEEKDAYS[date.weekday()].capitalize()}"


class Calendar(Frozen):
    """Opening days and hours, cut into planning intervals.

    Attributes
    ----------
    days : int
        Number of consecutive days simulated (day ``d`` starts ``d * 86400`` s after the start),
        1 to 366.
    start_date : str, optional
        ISO date of day 0; gives every day a date and a weekday (needed by ``hours`` and
        ``dates``).
    open, close : str
        Opening and closing clock times ``"HH:MM"`` of every day without other hours; calls
        arrive only in ``[open, close)``.
    hours : dict of str to hours
        Weekday (``mon`` ... ``sun``) -> ``closed`` or ``["HH:MM", "HH:MM"]``.
    dates : dict of str to hours
        ISO date of the calendar -> ``closed`` or ``["HH:MM", "HH:MM"]`` (holidays, late
        openings); a date's hours win over its weekday's.
    interval_minutes : {15, 30, 60}
        Planning interval length.
    at_close : {"drain", "drop"}
        ``drain``: agents on duty at closing stay until no call waits (their extra time is
        overtime); ``drop``: calls still waiting at closing are dropped (counted as offered).
    """

    days: int = Field(default=1, ge=1, le=MAX_DAYS)
    start_date: IsoDate | None = None
    open: Clock = "08:00"
    close: Clock = "20:00"
    hours: dict[str, Hours] = Field(default_factory=dict)
    dates: dict[str, Hours] = Field(default_factory=dict)
    interval_minutes: Literal[15, 30, 60] = 30
    at_close: Literal["drain", "drop"] = "drain"

    @field_validator("hours", "dates", mode="before")
    @classmethod
    def _one_span_a_day(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        for key, hours in value.items():
            if isinstance(hours, list) and (
                len(hours) != 2 or any(isinstance(item, list) for item in hours)
            ):
                message = (
                    'must be closed or one span ["HH:MM", "HH:MM"]: one opening a day, spans '
                    f"cannot overlap or repeat (got {hours})"
                )
                raise FieldError(subpath=str(_date_to_text(key)), message=message)
        return {_date_to_text(key): hours for key, hours in value.items()}

    @model_validator(mode="after")
    def _hours_fit(self) -> Self:
        self._check_span("close", self.open, self.close)
        if (self.hours or self.dates) and self.start_date is None:
            field = "hours" if self.hours else "dates"
            message = f"needs start_date: hours by weekday and date need dates (got {field})"
            raise FieldError(subpath=field, message=message)
        for name, hours in self.hours.items():
            check_weekday(f"hours.{name}", name)
            self._check_hours(f"hours.{name}", hours)
        for text, hours in self.dates.items():
            check_date(f"dates.{text}", _valid_date_at(f"dates.{text}", text), self)
            self._check_hours(f"dates.{text}", hours)
        if all(self.day_hours_s(day) is None for day in range(self.days)):
            message = f"every day of the calendar is closed (got {self.days} day(s), all closed)"
            raise FieldError(subpath="hours", message=message)
        self._check_grid()
        return self

    def _check_hours(self, path: str, hours: Hours) -> None:
        if not isinstance(hours, str):
            self._check_span(path, hours[0], hours[1])

    @staticmethod
    def _check_span(path: str, open_clock: str, close_clock: str) -> None:
        if clock_to_s(close_clock) <= clock_to_s(open_clock):
            what = "must be after open" if path == "close" else "closing must be after opening"
            raise FieldError(subpath=path, message=f"{what} {open_clock} (got {close_clock})")

    def _check_grid(self) -> None:
        open_s, _ = self.grid_s()
        interval_s = self.interval_minutes * SECONDS_PER_MINUTE
        for path, hours in self._given_hours():
            for clock in hours:
                if (clock_to_s(clock) - open_s) % interval_s != 0:
                    message = (
                        f"opening hours {hours[0]}-{hours[1]} must fall on the "
                        f"{self.interval_minutes}-minute interval grid that starts at "
                        f"{s_to_clock(open_s)} (got {clock})"
                    )
                    raise FieldError(subpath=path, message=message)

    def _given_hours(self) -> list[tuple[str, list[str]]]:
        """Every span written in the calendar, with its path (closed days left out)."""
        spans = [("close", [self.open, self.close])]
        spans += [(f"hours.{k}", v) for k, v in self.hours.items() if not isinstance(v, str)]
        spans += [(f"dates.{k}", v) for k, v in self.dates.items() if not isinstance(v, str)]
        return spans

    def date_of(self, day: int) -> dt.date | None:
        """Return the date of a day of the calendar (None without ``start_date``)."""
        if self.start_date is None:
            return None
        return dt.date.fromisoformat(self.start_date) + dt.timedelta(days=day)

    def weekday_of(self, day: int) -> str | None:
        """Return the weekday name (``mon`` ... ``sun``) of a day (None without dates)."""
        date = self.date_of(day)
        return None if date is None else WEEKDAYS[date.weekday()]

    def day_of(self, date: dt.date) -> int:
        """Return the day of the calendar that falls on a date (may lie outside the calendar)."""
        assert self.start_date is not None
        return (date - dt.date.fromisoformat(self.start_date)).days

    def _own_hours(self, day: int) -> Hours | None:
        """Return the hours that ``dates`` or ``hours`` give a day (None: the default ones)."""
        date = self.date_of(day)
        if date is None:
            return None
        return self.dates.get(date.isoformat(), self.hours.get(WEEKDAYS[date.weekday()]))

    def day_hours_s(self, day: int) -> DayHours:
        """Return a day's opening and closing, seconds after midnight, or None when closed."""
        hours = self._own_hours(day)
        if hours is None:
            hours = [self.open, self.close]
        if isinstance(hours, str):
            return None
        return clock_to_s(hours[0]), clock_to_s(hours[1])

    def grid_s(self) -> tuple[float, float]:
        """Return the shared interval grid's start and end, seconds after midnight.

        The earliest opening and latest closing written: ``open``-``close`` and every span of
        ``hours`` and ``dates`` (so the grid does not change with ``days``).
        """
        spans = [(clock_to_s(a), clock_to_s(b)) for _, (a, b) in self._given_hours()]
        return min(s for s, _ in spans), max(e for _, e in spans)

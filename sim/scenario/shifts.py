"""Shift patterns, breaks, overtime and roster rows, and the working day each one gives an agent.

All instants here are seconds after midnight of the agent's working day; the plan adds the
day's start. Checks that need the calendar (opening hours, days) live in
:mod:`sim.scenario.checks`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal, Self, TypeVar

from pydantic import Field, field_validator, model_validator

from sim.scenario.fields import Clock, Count, DayRow, Frozen, Span
from sim.scenario.problems import FieldError
from sim.units import SECONDS_PER_HOUR, SECONDS_PER_MINUTE, clock_to_s, s_to_clock

ShiftForm = Literal["fixed", "staggered", "split"]
T = TypeVar("T")


@dataclass(frozen=True)
class Duty:
    """One agent's working day.

    Attributes
    ----------
    segments : tuple of (float, float)
        On-duty spans ``(start_s, end_s)``, seconds after midnight, in time order.
    breaks : tuple of (float, float)
        Scheduled breaks ``(start_s, length_s)``: start in seconds after midnight, length in
        seconds, in time order.
    """

    segments: tuple[tuple[float, float], ...]
    breaks: tuple[tuple[float, float], ...] = ()

    @property
    def end_s(self) -> float:
        """End of the last segment, seconds after midnight."""
        return self.segments[-1][1]

    def extended(self, extra_s: float) -> Duty:
        """Return the day with the last segment ending ``extra_s`` seconds later (overtime)."""
        *first, (start, end) = self.segments
        return replace(self, segments=(*first, (start, end + extra_s)))

    def merged(self, other: Duty) -> Duty:
        """Return the day working the segments and breaks of both (a split shift by rows)."""
        return Duty(
            tuple(sorted(self.segments + other.segments)), tuple(sorted(self.breaks + other.breaks))
        )


def span_s(span: list[str]) -> tuple[float, float]:
    """Convert a ``["HH:MM", "HH:MM"]`` pair to ``(start_s, end_s)``, seconds after midnight."""
    return clock_to_s(span[0]), clock_to_s(span[1])


def span_text(start_s: float, end_s: float) -> str:
    """Format a span as ``HH:MM-HH:MM``."""
    return f"{s_to_clock(start_s)}-{s_to_clock(end_s)}"


class Break(Frozen):
    """A break at a fixed offset from the shift's start, or at a clock time.

    Attributes
    ----------
    after_h : float, optional
        Hours after the start of the shift's first segment.
    at : str, optional
        Clock time ``"HH:MM"`` (exactly one of ``after_h`` and ``at``).
    minutes : float
        Length, minutes (> 0).
    """

    after_h: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    at: Clock | None = None
    minutes: float = Field(gt=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _one_anchor(self) -> Self:
        if (self.after_h is None) == (self.at is None):
            got = "both" if self.at is not None else "neither"
            raise FieldError("", f"give exactly one of after_h and at (got {got})")
        return self

    def window_s(self, first_start_s: float) -> tuple[float, float]:
        """Return ``(start_s, length_s)`` for a shift whose first segment starts at that time."""
        start = clock_to_s(self.at) if self.at is not None else first_start_s
        offset = (self.after_h or 0.0) * SECONDS_PER_HOUR
        return start + offset, self.minutes * SECONDS_PER_MINUTE


class Shift(Frozen):
    """A shift pattern: fixed, staggered or split (the fields given decide which).

    Attributes
    ----------
    start : str, optional
        Fixed and staggered: clock time of the (first) start.
    length_h : float, optional
        Fixed and staggered: length, hours.
    end : str, optional
        Fixed: clock time of the end, instead of ``length_h``.
    every_minutes : {15, 30, 60}, optional
        Staggered: a start every so many minutes from ``start`` to ``until``.
    until : str, optional
        Staggered: clock time of the last possible start.
    segments : list of ["HH:MM", "HH:MM"], optional
        Split: the working spans of the day, in order, not overlapping.
    breaks : list of Break or str
        Breaks of every agent on the shift, or the name of a break pattern.
    days : list of int or str, optional
        Days of the calendar worked: day indices (0-based) and weekday names (``mon`` ...
        ``sun``, every open day of that weekday; needs ``calendar.start_date``). Default: every
        open day.
    """

    start: Clock | None = None
    length_h: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    end: Clock | None = None
    every_minutes: Literal[15, 30, 60] | None = None
    until: Clock | None = None
    segments: list[Span] | None = Field(default=None, min_length=1)
    breaks: list[Break] | str = Field(default_factory=list)
    days: list[Count | str] | None = Field(default=None, min_length=1)

    @property
    def form(self) -> ShiftForm:
        """``split`` with segments, ``staggered`` with every_minutes, ``fixed`` otherwise."""
        if self.segments is not None:
            return "split"
        return "staggered" if self.every_minutes is not None else "fixed"

    @model_validator(mode="after")
    def _fields_fit_form(self) -> Self:
        if self.form == "split":
            self._refuse("start", "length_h", "end", "every_minutes", "until")
            self._check_segments()
        elif self.form == "staggered":
            self._refuse("end")
            self._require("start", "until", "length_h")
            if clock_to_s(_given(self.until)) < clock_to_s(_given(self.start)):
                message = f"must not be before start {self.start} (got {self.until!r})"
                raise FieldError(subpath="until", message=message)
        else:
            self._refuse("until")
            self._check_fixed()
        self._check_days()
        return self

    def _refuse(self, *fields: str) -> None:
        for field in fields:
            value = getattr(self, field)
            if value is not None:
                message = f"is not used by a {self.form} shift (got {value!r})"
                raise FieldError(subpath=field, message=message)

    def _require(self, *fields: str) -> None:
        for field in fields:
            if getattr(self, field) is None:
                raise FieldError(field, f"is required for a {self.form} shift")

    def _check_fixed(self) -> None:
        self._require("start")
        if (self.length_h is None) == (self.end is None):
            got = "both" if self.end is not None else "neither"
            raise FieldError("length_h", f"give exactly one of length_h and end (got {got})")
        if self.end is not None and clock_to_s(self.end) <= clock_to_s(_given(self.start)):
            raise FieldError("end", f"must be after start {self.start} (got {self.end!r})")

    def _check_segments(self) -> None:
        previous_end = -1.0
        for i, segment in enumerate(_given(self.segments)):
            start, end = span_s(segment)
            if end <= start:
                raise FieldError(f"segments[{i}]", f"must end after it starts (got {segment})")
            if start < previous_end:
                message = (
                    f"starts at {segment[0]}, before the previous segment ends at "
                    f"{s_to_clock(previous_end)} (got {segment})"
                )
                raise FieldError(subpath=f"segments[{i}]", message=message)
            previous_end = end

    def _check_days(self) -> None:
        days = self.days or []
        for i, day in enumerate(days):
            if day in days[:i]:
                raise FieldError(f"days[{i}]", f"lists day {day} a second time (got {day})")

    def first_starts_s(self) -> list[float]:
        """Return the start of the first segment for each variant of the pattern.

        Returns
        -------
        list of float
            Seconds after midnight: one start for fixed and split shifts; ``start``,
            ``start + every``, ... up to ``until`` for staggered shifts.
        """
        if self.segments is not None:
            return [clock_to_s(self.segments[0][0])]
        start = clock_to_s(_given(self.start))
        if self.every_minutes is None:
            return [start]
        every = self.every_minutes * SECONDS_PER_MINUTE
        n_starts = int((clock_to_s(_given(self.until)) - start) // every) + 1
        return [start + i * every for i in range(n_starts)]

    def agent_start_s(self, agent: int) -> float:
        """Return the first start of the group's ``agent``-th agent on this shift (round robin).

        Parameters
        ----------
        agent : int
            Position of the agent among the group's agents on this shift, from 0.

        Returns
        -------
        float
            Seconds after midnight: agent ``i`` takes start ``i mod n_starts``.
        """
        starts = self.first_starts_s()
        return starts[agent % len(starts)]

    def duty(self, first_start_s: float, breaks: list[Break]) -> Duty:
        """Return the working day of an agent on the variant starting at ``first_start_s``.

        Parameters
        ----------
        first_start_s : float
            One of :meth:`first_starts_s`, seconds after midnight.
        breaks : list of Break
            The shift's breaks, the pattern name already resolved.

        Returns
        -------
        Duty
            Segments and breaks in seconds after midnight (breaks in time order).
        """
        if self.segments is not None:
            segments = tuple(span_s(segment) for segment in self.segments)
        elif self.end is not None:
            segments = ((first_start_s, clock_to_s(self.end)),)
        else:
            segments = ((first_start_s, first_start_s + _given(self.length_h) * SECONDS_PER_HOUR),)
        windows = tuple(sorted(b.window_s(first_start_s) for b in breaks))
        return Duty(segments, windows)


class Overtime(Frozen):
    """Voluntary overtime: the first agents of a shift in a group stay longer.

    Attributes
    ----------
    shift : str
        Name of a shift pattern the group works.
    agents : int
        How many of the group's agents on that shift extend it (the first ones).
    minutes : float
        Minutes added to the end of their last segment (> 0).
    """

    shift: str
    agents: Count
    minutes: float = Field(gt=0, allow_inf_nan=False)


class RosterRow(DayRow):
    """One shift segment of one agent, as in a roster CSV row.

    Attributes
    ----------
    agent : str
        Agent identifier; several rows of an agent and day make a split shift.
    start, end : str
        Clock times of the segment.
    day : int, optional
        Day of the calendar (0-based); absent: every day.
    breaks : list of ["HH:MM", "HH:MM"]
        Breaks inside the segment; also ``"HH:MM-HH:MM;HH:MM-HH:MM"`` as in the CSV.
    """

    agent: str = Field(min_length=1)
    start: Clock
    end: Clock
    breaks: list[Span] = Field(default_factory=list)

    @field_validator("breaks", mode="before")
    @classmethod
    def _split_text(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        pairs = [part.split("-") for part in value.split(";") if part.strip()]
        if any(len(pair) != 2 for pair in pairs):
            message = f"expected HH:MM-HH:MM spans separated by ';' (got {value!r})"
            raise FieldError(subpath="", message=message)
        return [[clock.strip() for clock in pair] for pair in pairs]

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if clock_to_s(self.end) <= clock_to_s(self.start):
            raise FieldError("end", f"must be after start {self.start} (got {self.end!r})")
        for span in self.breaks:
            start, end = span_s(span)
            if end <= start:
                message = f"each break must end after it starts (got {span_text(start, end)})"
                raise FieldError(subpath="breaks", message=message)
        return self

    def duty(self) -> Duty:
        """Return the row's segment and breaks as a working day."""
        windows = sorted((start, end - start) for start, end in map(span_s, self.breaks))
        return Duty(((clock_to_s(self.start), clock_to_s(self.end)),), tuple(windows))


def _given(value: T | None) -> T:
    """Return a field the form's validation has made sure of (narrows ``X | None`` to X)."""
    assert value is not None
    return value

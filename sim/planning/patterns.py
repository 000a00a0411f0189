"""The shift patterns a schedule may use, read from a YAML file, and the shifts they allow.

A *family* of patterns is a shift shape (one segment of ``length_h`` hours, or a split shift of
several segments with unpaid gaps) with fixed break offsets, a cost, and a grid of start times;
each start gives one :class:`ShiftVariant`. The file format is in
``docs/reference/planning.md``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, Self

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, model_validator

from sim.errors import ScenarioError
from sim.planning.rules import NonNegative, Sized, WeekRules
from sim.scenario.fields import Clock, Count, Positive
from sim.scenario.load import read_yaml, validate_fields
from sim.scenario.problems import FieldError
from sim.scenario.roster import span_coverage
from sim.scenario.shifts import Duty
from sim.units import SECONDS_PER_HOUR, SECONDS_PER_MINUTE, clock_to_s, s_to_clock

MAX_BREAK_PLACEMENTS = 64
"""Most ways a family's breaks may be placed (the product of each break's window positions)."""


def _check_whole_minutes(path: str, hours: float) -> None:
    """Raise a :class:`FieldError` unless ``hours`` is a whole number of minutes."""
    minutes = hours * 60.0
    if abs(minutes - round(minutes)) > 1e-6:
        raise FieldError(path, f"must be a whole number of minutes (got {hours:g} h)")


class Starts(Sized):
    """The start times of a family: every ``every_minutes`` from ``earliest`` to ``latest``.

    Attributes
    ----------
    earliest : str
        Clock time ``"HH:MM"`` of the first start.
    latest : str, optional
        Clock time of the last possible start (default: ``earliest``, a single start).
    every_minutes : int
        Minutes between two starts (>= 1).
    """

    earliest: Clock
    latest: Clock | None = None
    every_minutes: int = Field(default=30, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.latest is not None and clock_to_s(self.latest) < clock_to_s(self.earliest):
            message = f"must not be before earliest {self.earliest} (got {self.latest!r})"
            raise FieldError("latest", message)
        return self

    def starts_s(self) -> list[float]:
        """Return the start times, seconds after midnight, earliest first."""
        first = clock_to_s(self.earliest)
        last = clock_to_s(self.latest) if self.latest is not None else first
        step = self.every_minutes * SECONDS_PER_MINUTE
        return [first + i * step for i in range(int((last - first) // step) + 1)]


class PatternBreak(Sized):
    """A break at a fixed offset from the start of the shift, or anywhere in a window.

    Attributes
    ----------
    after_h : float
        Hours after the start of the shift's first segment (>= 0): the break's start, or the
        earliest start of its window.
    minutes : float
        Length, minutes (> 0).
    paid : bool
        Whether the break is paid time (lunch usually is not).
    latest_after_h : float, optional
        A break window: the break may start at ``after_h``, then every ``every_minutes``, up
        to ``latest_after_h`` hours after the shift's start; the schedule chooses where.
    every_minutes : int
        Minutes between two positions of a break window (default 30).
    """

    after_h: NonNegative
    minutes: Positive
    paid: bool = True
    latest_after_h: NonNegative | None = None
    every_minutes: int = Field(default=30, ge=1)

    @model_validator(mode="after")
    def _window_ordered(self) -> Self:
        if self.latest_after_h is not None and self.latest_after_h < self.after_h:
            message = f"must not be before after_h {self.after_h:g} (got {self.latest_after_h:g})"
            raise FieldError("latest_after_h", message)
        return self

    def window_s(self) -> tuple[float, float]:
        """Return ``(offset_s, length_s)`` of the earliest position, seconds from the start."""
        return self.after_h * SECONDS_PER_HOUR, self.minutes * SECONDS_PER_MINUTE

    def offsets_s(self) -> list[float]:
        """Return every start offset of the break, seconds from the shift's start, in order."""
        first = self.after_h * SECONDS_PER_HOUR
        if self.latest_after_h is None:
            return [first]
        step = self.every_minutes * SECONDS_PER_MINUTE
        count = int((self.latest_after_h * SECONDS_PER_HOUR - first) // step) + 1
        return [first + i * step for i in range(count)]


class Family(Sized):
    """A shift shape with its start times, breaks and cost.

    Attributes
    ----------
    starts : Starts
        Start times of the first segment.
    length_h : float, optional
        One segment of this many hours (exactly one of ``length_h`` and ``segments_h``).
    segments_h : list of float, optional
        A split shift: lengths of its segments, hours, in order (at least two).
    gap_h : float, optional
        Split shifts: unpaid hours between two segments (required with ``segments_h``).
    breaks : list of PatternBreak
        Breaks, in time order, each inside one segment.
    part_time : bool
        Whether the shift counts as part-time for the part-time share limit.
    cost_per_paid_hour : float, optional
        Cost of a paid hour (segments less unpaid breaks); default: the file's.
    cost_per_shift : float, optional
        Cost of one shift instead of a cost per paid hour.
    """

    starts: Starts
    length_h: Positive | None = None
    segments_h: Annotated[list[Positive], Field(min_length=2)] | None = None
    gap_h: Positive | None = None
    breaks: list[PatternBreak] = Field(default_factory=list)
    part_time: bool = False
    cost_per_paid_hour: NonNegative | None = None
    cost_per_shift: NonNegative | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        self._check_shape()
        if self.cost_per_paid_hour is not None and self.cost_per_shift is not None:
            message = "give at most one of cost_per_paid_hour and cost_per_shift (got both)"
            raise FieldError("cost_per_shift", message)
        self._check_minutes()
        self._check_breaks()
        return self

    def _check_shape(self) -> None:
        if (self.length_h is None) == (self.segments_h is None):
            got = "both" if self.length_h is not None else "neither"
            message = f"give exactly one of length_h and segments_h (got {got})"
            raise FieldError("length_h", message)
        if (self.gap_h is None) != (self.segments_h is None):
            message = "is required with segments_h and only with them"
            got = "none" if self.gap_h is None else f"{self.gap_h:g}"
            raise FieldError("gap_h", f"{message} (got {got})")

    def _check_minutes(self) -> None:
        if self.length_h is not None:
            _check_whole_minutes("length_h", self.length_h)
        for i, hours in enumerate(self.segments_h or []):
            _check_whole_minutes(f"segments_h[{i}]", hours)
        if self.gap_h is not None:
            _check_whole_minutes("gap_h", self.gap_h)
        for i, pause in enumerate(self.breaks):
            _check_whole_minutes(f"breaks[{i}].after_h", pause.after_h)
            _check_whole_minutes(f"breaks[{i}].minutes", pause.minutes / 60.0)
            if pause.latest_after_h is not None:
                _check_whole_minutes(f"breaks[{i}].latest_after_h", pause.latest_after_h)

    def _check_breaks(self) -> None:
        previous_end_s = 0.0
        for i, pause in enumerate(self.breaks):
            offsets_s, length_s = pause.offsets_s(), pause.window_s()[1]
            got = f"(got after_h {pause.after_h:g})"
            if offsets_s[0] < previous_end_s:
                message = f"must start after the previous break ends {got}"
                raise FieldError(f"breaks[{i}]", message)
            first, last = offsets_s[0], offsets_s[-1] + length_s
            if not any(a <= first and last <= b for a, b in self.offsets_s()):
                message = f"must lie inside one segment of the shift {got}"
                raise FieldError(f"breaks[{i}]", message)
            previous_end_s = offsets_s[-1] + length_s
        placements = math.prod(len(pause.offsets_s()) for pause in self.breaks)
        if placements > MAX_BREAK_PLACEMENTS:
            message = (
                f"break windows allow {placements} placements, at most {MAX_BREAK_PLACEMENTS}: "
                "narrow a window or widen its every_minutes"
            )
            raise FieldError("breaks", message)

    def offsets_s(self) -> list[tuple[float, float]]:
        """Return each segment's ``(start, end)`` offset from the shift's start, seconds."""
        lengths_h = self.segments_h if self.segments_h is not None else [self.length_h or 0.0]
        spans, start_s = [], 0.0
        for length_h in lengths_h:
            spans.append((start_s, start_s + length_h * SECONDS_PER_HOUR))
            start_s += (length_h + (self.gap_h or 0.0)) * SECONDS_PER_HOUR
        return spans

    def duty(self, start_s: float, break_offsets_s: tuple[float, ...] | None = None) -> Duty:
        """Return the working day of a shift starting at ``start_s`` (seconds after midnight).

        ``break_offsets_s`` places the breaks (offsets from the start, seconds, one per break,
        as :meth:`break_placements` gives them); default: each break at its earliest.
        """
        segments = tuple((start_s + a, start_s + b) for a, b in self.offsets_s())
        if break_offsets_s is None:
            break_offsets_s = tuple(pause.window_s()[0] for pause in self.breaks)
        breaks = tuple(
            (start_s + offset, pause.window_s()[1])
            for offset, pause in zip(break_offsets_s, self.breaks, strict=True)
        )
        return Duty(segments, breaks)

    def break_placements(self) -> list[tuple[float, ...]]:
        """Return every way to place the breaks: one offset per break, seconds from the start."""
        return list(itertools.product(*(pause.offsets_s() for pause in self.breaks)))

    def length_s(self) -> float:
        """Return the time from the shift's start to its end, seconds (gaps included)."""
        return self.offsets_s()[-1][1]

    def first_last_start_s(self) -> tuple[float, float]:
        """Return the earliest and latest start, seconds after midnight."""
        starts = self.starts.starts_s()
        return starts[0], starts[-1]

    def paid_h(self) -> float:
        """Return the paid hours of a shift: segments less unpaid breaks."""
        worked_s = sum(b - a for a, b in self.offsets_s())
        unpaid_s = sum(pause.window_s()[1] for pause in self.breaks if not pause.paid)
        return (worked_s - unpaid_s) / SECONDS_PER_HOUR

    def cost(self, default_per_paid_hour: float | None) -> float:
        """Return the cost of one shift: per shift, or per paid hour (the family's or default)."""
        if self.cost_per_shift is not None:
            return self.cost_per_shift
        per_paid_hour = self.cost_per_paid_hour
        if per_paid_hour is None:
            per_paid_hour = default_per_paid_hour or 0.0
        return per_paid_hour * self.paid_h()


class Limits(Sized):
    """Limits on a schedule.

    Attributes
    ----------
    max_part_time_share : float, optional
        Largest share of the day's agents on part-time shifts, in [0, 1].
    min_agents : int
        Fewest agents on the phones in every interval of the opening hours (>= 0).
    max_agents : int, optional
        Most agents (shifts) in a day.
    """

    max_part_time_share: float | None = Field(default=None, ge=0, le=1)
    min_agents: Count = 0
    max_agents: Count | None = None

    def overridden(self, **given: float | None) -> Limits:
        """Return these limits with the values ``given`` (those not None) in their place."""
        chosen = {name: value for name, value in given.items() if value is not None}
        return Limits.model_validate({**self.model_dump(), **chosen})


class Patterns(Sized):
    """A patterns file: opening hours, cost defaults, limits and the families of shifts.

    Attributes
    ----------
    open, close : str, optional
        Opening hours ``"HH:MM"``; default: those of the requirements (first interval start,
        last interval end). Every shift lies within them.
    interval_minutes : {15, 30, 60}, optional
        Planning interval; default: the smallest gap between two starts of the requirements.
    cost_per_paid_hour : float, optional
        Default cost of a paid hour for families that give no cost.
    unmet_penalty : float, optional
        Cost of one agent missing for one interval; default: 1000 times the dearest shift.
    limits : Limits
        Part-time share, minimum agents per interval, maximum agents.
    families : dict of str to Family
        The shift families, by name.
    week : WeekRules, optional
        Work rules, group limits and seats of the weekly roster (``ccsim plan week``); the
        day-by-day schedule does not use them.
    """

    open: Clock | None = None
    close: Clock | None = None
    interval_minutes: Literal[15, 30, 60] | None = None
    cost_per_paid_hour: NonNegative | None = None
    unmet_penalty: Positive | None = None
    limits: Limits = Limits()
    families: Annotated[dict[str, Family], Field(min_length=1)]
    week: WeekRules | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (
            self.open is not None
            and self.close is not None
            and clock_to_s(self.close) <= clock_to_s(self.open)
        ):
            raise FieldError("close", f"must be after open {self.open} (got {self.close!r})")
        for name, family in self.families.items():
            costs = (self.cost_per_paid_hour, family.cost_per_paid_hour, family.cost_per_shift)
            if all(cost is None for cost in costs):
                message = "needs cost_per_paid_hour or cost_per_shift, here or at the top"
                raise FieldError(f"families.{name}", message)
        if self.week is not None:
            try:
                self.week.check(self.families)
            except FieldError as error:
                raise FieldError(f"week.{error.subpath}", error.message) from None
        return self


def load_patterns(path: str | Path) -> Patterns:
    """Read and validate a patterns file.

    Parameters
    ----------
    path : str or Path
        YAML patterns file.

    Raises
    ------
    ScenarioError
        ``FILE: FIELD.PATH: what is wrong (got VALUE)``.
    """
    return validate_fields(Patterns, read_yaml(Path(path), str(path)), str(path))


@dataclass(frozen=True)
class ShiftVariant:
    """One shift a schedule can give agents: a family at one start time.

    Attributes
    ----------
    family : str
        Name of its family.
    duty : Duty
        Segments and breaks, seconds after midnight.
    part_time : bool
        Whether it counts as part-time.
    paid_h : float
        Paid hours.
    cost : float
        Cost of one agent on it.
    """

    family: str
    duty: Duty
    part_time: bool
    paid_h: float
    cost: float

    @property
    def start_s(self) -> float:
        """Start of the first segment, seconds after midnight."""
        return self.duty.segments[0][0]

    @property
    def label(self) -> str:
        """``FAMILY HH:MM``: the family and its start."""
        return f"{self.family} {s_to_clock(self.start_s)}"

    def on_phones(self, interval_starts_s: NDArray[np.float64], interval_s: float) -> NDArray:
        """Return the share of each interval the agent works, breaks deducted (float64[I])."""
        pauses = [(start, start + length) for start, length in self.duty.breaks]
        return spans_coverage(self.duty.segments, interval_starts_s, interval_s) - spans_coverage(
            pauses, interval_starts_s, interval_s
        )


def spans_coverage(
    spans: tuple[tuple[float, float], ...] | list[tuple[float, float]],
    interval_starts_s: NDArray[np.float64],
    interval_s: float,
) -> NDArray[np.float64]:
    """Return the share of each interval that the spans ``(start_s, end_s)`` cover together."""
    shares = [span_coverage(a, b, interval_starts_s, interval_s) for a, b in spans]
    return np.sum(shares, axis=0) if shares else np.zeros(len(interval_starts_s))


def shift_variants(
    patterns: Patterns, source: str, open_s: float, close_s: float
) -> tuple[ShiftVariant, ...]:
    """Return every shift the families allow, family by family, earliest start first.

    A family whose breaks have windows gives one variant per start and break placement.

    Parameters
    ----------
    patterns : Patterns
        The validated patterns file.
    source : str
        The patterns file, for messages.
    open_s, close_s : float
        Opening hours, seconds after midnight.

    Raises
    ------
    ScenarioError
        When a shift would start before opening or end after closing.
    """
    variants = []
    for name, family in patterns.families.items():
        cost = family.cost(patterns.cost_per_paid_hour)
        for start_s in family.starts.starts_s():
            for placement in family.break_placements():
                duty = family.duty(start_s, placement)
                _check_hours(duty, f"families.{name}.starts", source, (open_s, close_s))
                variants.append(ShiftVariant(name, duty, family.part_time, family.paid_h(), cost))
    return tuple(variants)


def _check_hours(duty: Duty, field: str, source: str, hours: tuple[float, float]) -> None:
    """Refuse a shift that starts before opening or ends after closing (seconds after midnight)."""
    (open_s, close_s), start = hours, s_to_clock(duty.segments[0][0])
    if duty.segments[0][0] < open_s:
        message = f"starts before opening {s_to_clock(open_s)} (got a start at {start})"
        raise ScenarioError(source, field, message)
    if duty.end_s > close_s:
        message = (
            f"ends after closing {s_to_clock(close_s)} "
            f"(got the shift starting at {start}, ending at {s_to_clock(duty.end_s)})"
        )
        raise ScenarioError(source, field, message)

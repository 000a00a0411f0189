"""Weekly work rules: the ``week`` section of a patterns file, and the tours each rule allows.

A *work rule* is a contract: paid hours per week, days worked per week, how the days off fall,
the earliest start and latest end of a working day, the shift families a person on it may work,
its cost and whether it is part-time. Each person of a weekly roster works one rule and one of
its families all week; the days worked form a *day pattern* (seven bits, Monday first) that the
rule allows. The week is a cycle — the roster repeats week after week — so Sunday and the
following Monday are consecutive days. The file format is in ``docs/reference/planning.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Protocol, Self

from pydantic import Field, model_validator

from sim.scenario.fields import Clock, Count, Frozen, Positive
from sim.scenario.problems import FieldError
from sim.scenario.sizes import check_raw_sizes
from sim.units import clock_to_s

DAYS_PER_WEEK = 7
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DEFAULT_FULL_TIME_H = 40.0
"""Paid hours per week of one full-time equivalent, unless the file says otherwise."""
DEFAULT_TIME_LIMIT_S = 60.0
"""Longest solve of the weekly program, seconds, unless the file says otherwise."""
MAX_TIME_LIMIT_S = 3600.0
DEFAULT_MIP_GAP = 0.02
"""HiGHS stops when the roster is within this share of its best bound, unless the file says.

2%: on small groups a whole person is a few percent of the cost, so HiGHS proves a tighter gap
only slowly (asked for 1%, the 3-group benchmark week is still 1.4% from its bound after 60 s)."""

DayNumber = Annotated[int, Field(ge=1, le=DAYS_PER_WEEK)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class Sized(Frozen):
    """A planning-file model whose numbers are checked against the size limits first.

    Its own checks do arithmetic on the numbers (hours into minutes, costs into sums), so a
    number beyond its limit (``*_h`` hours, any number's magnitude; see
    :mod:`sim.scenario.sizes`) is refused before they run.
    """

    @model_validator(mode="before")
    @classmethod
    def _sizes(cls, data: object) -> object:
        check_raw_sizes(data)
        return data


def weekday_of(day: int) -> int:
    """Return the weekday (Monday 0 … Sunday 6) of day ``day`` of the planning week.

    The planning week starts on a Monday: day ``d`` is weekday ``d mod 7``. This is the one
    place that maps days to weekdays.
    """
    return day % DAYS_PER_WEEK


class _FamilyShape(Protocol):
    """What the rules need of a shift family: its paid hours and its start times."""

    def paid_h(self) -> float: ...

    def first_last_start_s(self) -> tuple[float, float]: ...

    def length_s(self) -> float: ...


class HoursRange(Sized):
    """Contracted paid hours per week.

    Attributes
    ----------
    min, max : float
        Fewest and most paid hours a week (0 <= min <= max).
    """

    min: NonNegative
    max: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.max < self.min:
            raise FieldError("max", f"must be at least min {self.min:g} (got {self.max:g})")
        return self


class DaysRange(Sized):
    """Days worked per week, a range.

    Attributes
    ----------
    min, max : int
        Fewest and most days worked a week, 1 to 7.
    """

    min: DayNumber
    max: DayNumber

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.max < self.min:
            raise FieldError("max", f"must be at least min {self.min} (got {self.max})")
        return self


class WorkRule(Sized):
    """A weekly contract.

    Attributes
    ----------
    hours_per_week : HoursRange
        Paid hours a week (shifts' paid hours summed over the days worked).
    days_per_week : int or DaysRange
        Days worked a week: exactly so many, or a range.
    families : list of str
        Shift families of the patterns file a person on the rule may work (one of them, every
        day of the week).
    consecutive_days_off : bool
        Whether the days off form one block (the week taken as a cycle: Sunday-Monday is a
        block).
    max_consecutive_days : int, optional
        Most working days in a row, the week taken as a cycle.
    earliest_start, latest_end : str, optional
        No shift starts before ``earliest_start`` or ends after ``latest_end`` (``"HH:MM"``).
    cost_per_hour : float, optional
        Cost of a paid hour; default: the family's cost (per paid hour or per shift).
    part_time : bool
        Whether the rule counts as part-time for a group's part-time share limit.
    """

    hours_per_week: HoursRange
    days_per_week: DayNumber | DaysRange
    families: Annotated[list[str], Field(min_length=1)]
    consecutive_days_off: bool = False
    max_consecutive_days: DayNumber | None = None
    earliest_start: Clock | None = None
    latest_end: Clock | None = None
    cost_per_hour: NonNegative | None = None
    part_time: bool = False

    @model_validator(mode="after")
    def _hours_ordered(self) -> Self:
        if (
            self.earliest_start is not None
            and self.latest_end is not None
            and clock_to_s(self.latest_end) <= clock_to_s(self.earliest_start)
        ):
            message = (
                f"must be after earliest_start {self.earliest_start} (got {self.latest_end!r})"
            )
            raise FieldError("latest_end", message)
        return self

    def day_counts(self) -> range:
        """Return the numbers of days a week the rule allows."""
        if isinstance(self.days_per_week, int):
            return range(self.days_per_week, self.days_per_week + 1)
        return range(self.days_per_week.min, self.days_per_week.max + 1)

    def day_patterns(self) -> list[tuple[int, ...]]:
        """Return the day patterns the rule allows: the days worked, Monday 0, as tuples.

        A pattern is allowed when its number of days is one of :meth:`day_counts`, no run of
        working days (cyclic) is longer than ``max_consecutive_days`` and, with
        ``consecutive_days_off``, its days off form one cyclic block.
        """
        patterns = []
        for mask in range(1, 1 << DAYS_PER_WEEK):
            worked = tuple(d for d in range(DAYS_PER_WEEK) if mask >> d & 1)
            if len(worked) not in self.day_counts():
                continue
            if self.max_consecutive_days is not None and (
                longest_cyclic_run(worked) > self.max_consecutive_days
            ):
                continue
            off = tuple(d for d in range(DAYS_PER_WEEK) if not mask >> d & 1)
            if self.consecutive_days_off and cyclic_blocks(off) > 1:
                continue
            patterns.append(worked)
        return patterns

    def fits_hours(self, days: int, paid_h: float) -> bool:
        """Return whether ``days`` shifts of ``paid_h`` paid hours fit the contracted hours."""
        hours = days * paid_h
        return self.hours_per_week.min - 1e-9 <= hours <= self.hours_per_week.max + 1e-9

    def check(self, families: Mapping[str, _FamilyShape]) -> None:
        """Raise a :class:`FieldError` unless the rule can be worked.

        Every family named must exist, give some number of days allowed whose paid hours fit
        the contract, and have a start within ``earliest_start`` to ``latest_end``; and some day
        pattern must satisfy the day rules.
        """
        for i, name in enumerate(self.families):
            if name not in families:
                expected = ", ".join(families)
                message = f"unknown shift family, expected one of: {expected} (got {name!r})"
                raise FieldError(f"families[{i}]", message)
            self._check_family(f"families[{i}]", name, families[name])
        patterns = self.day_patterns()
        if not patterns:
            message = (
                f"no week of {self._days_text()} working days has at most "
                f"{self.max_consecutive_days} in a row"
                + (" and its days off in one block" if self.consecutive_days_off else "")
            )
            raise FieldError("days_per_week", message)
        for name in self.families:
            paid_h = families[name].paid_h()
            if not any(self.fits_hours(len(days), paid_h) for days in patterns):
                counts = sorted({len(days) for days in patterns})
                message = (
                    f"cannot be met with family {name}: the day rules allow weeks of "
                    f"{', '.join(map(str, counts))} days, giving "
                    + ", ".join(f"{n * paid_h:g}" for n in counts)
                    + f" h, outside {self.hours_per_week.min:g}-{self.hours_per_week.max:g}"
                )
                raise FieldError("hours_per_week", message)

    def _days_text(self) -> str:
        counts = self.day_counts()
        return str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"

    def _check_family(self, path: str, name: str, family: _FamilyShape) -> None:
        paid_h = family.paid_h()
        if not any(self.fits_hours(days, paid_h) for days in self.day_counts()):
            hours = self.hours_per_week
            message = (
                f"cannot be met: {self._days_text()} days of family {name} "
                f"({paid_h:g} paid h) give "
                + ", ".join(f"{days * paid_h:g}" for days in self.day_counts())
                + f" h, outside hours_per_week {hours.min:g}-{hours.max:g}"
            )
            raise FieldError("hours_per_week", message)
        earliest_s = clock_to_s(self.earliest_start) if self.earliest_start else 0.0
        latest_s = clock_to_s(self.latest_end) if self.latest_end else float("inf")
        if family.length_s() > latest_s - earliest_s:
            message = (
                f"family {name} lasts {family.length_s() / 3600:g} h, longer than "
                f"earliest_start {self.earliest_start}-latest_end {self.latest_end}"
            )
            raise FieldError(path, message)
        first_s, last_s = family.first_last_start_s()
        if last_s < earliest_s or first_s + family.length_s() > latest_s:
            message = (
                f"no start of family {name} lies within "
                f"{self.earliest_start or '00:00'}-{self.latest_end or '24:00'} (got {name!r})"
            )
            raise FieldError(path, message)


def longest_cyclic_run(worked: tuple[int, ...]) -> int:
    """Return the longest run of consecutive days in ``worked``, Sunday followed by Monday."""
    if len(worked) == DAYS_PER_WEEK:
        return DAYS_PER_WEEK
    days = set(worked)
    longest = 0
    for day in days:
        if (day - 1) % DAYS_PER_WEEK in days:
            continue  # not the first day of a run
        length = 1
        while (day + length) % DAYS_PER_WEEK in days:
            length += 1
        longest = max(longest, length)
    return longest


def cyclic_blocks(days: tuple[int, ...]) -> int:
    """Return how many blocks of consecutive days ``days`` form, Sunday followed by Monday."""
    present = set(days)
    if len(present) == DAYS_PER_WEEK:
        return 1
    return sum(1 for day in present if (day - 1) % DAYS_PER_WEEK not in present)


class GroupRules(Sized):
    """Limits on one group's people in the weekly roster.

    Attributes
    ----------
    rules : list of str, optional
        The work rules the group's people may work; default every rule of the file.
    max_headcount : int, optional
        Most people in the group.
    max_part_time_share : float, optional
        Largest share of the group's people on part-time rules, in [0, 1].
    """

    rules: Annotated[list[str], Field(min_length=1)] | None = None
    max_headcount: Count | None = None
    max_part_time_share: float | None = Field(default=None, ge=0, le=1)


class WeekRules(Sized):
    """The ``week`` section of a patterns file: work rules, group limits and seats.

    Attributes
    ----------
    rules : dict of str to WorkRule
        The work rules, by name (at least one).
    groups : dict of str to GroupRules
        Limits per group, by the group's name; a group not named may work every rule.
    seats : int, optional
        Seats of the centre: people on duty at once, every group together, at most.
    full_time_h : float
        Paid hours a week of one full-time equivalent (FTE), default 40.
    time_limit_s : float
        Longest solve of the weekly program, seconds (default 60); the best roster found by
        then is kept.
    mip_gap : float
        HiGHS stops when the roster's objective is within this share of its best bound
        (default 0.02).
    """

    rules: Annotated[dict[str, WorkRule], Field(min_length=1)]
    groups: dict[str, GroupRules] = Field(default_factory=dict)
    seats: Count | None = None
    full_time_h: Positive = DEFAULT_FULL_TIME_H
    time_limit_s: float = Field(default=DEFAULT_TIME_LIMIT_S, gt=0, le=MAX_TIME_LIMIT_S)
    mip_gap: float = Field(default=DEFAULT_MIP_GAP, ge=0, lt=1)

    @model_validator(mode="after")
    def _known_rules(self) -> Self:
        for group, limits in self.groups.items():
            for i, name in enumerate(limits.rules or []):
                if name not in self.rules:
                    expected = ", ".join(self.rules)
                    message = f"unknown work rule, expected one of: {expected} (got {name!r})"
                    raise FieldError(f"groups.{group}.rules[{i}]", message)
        return self

    def check(self, families: Mapping[str, _FamilyShape]) -> None:
        """Raise a :class:`FieldError` (path below ``week``) unless every rule can be worked."""
        for name, rule in self.rules.items():
            try:
                rule.check(families)
            except FieldError as error:
                raise FieldError(f"rules.{name}.{error.subpath}", error.message) from None

    def rules_of(self, group: str) -> list[str]:
        """Return the names of the work rules a group may work."""
        limits = self.groups.get(group)
        return list(self.rules) if limits is None or limits.rules is None else limits.rules

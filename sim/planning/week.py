"""The weekly roster: how many people of each group work which tour, one integer program a week.

A *tour kind* ``k`` is a group, a work rule and one of its shift families. A person on kind
``k`` works one of the rule's day patterns ``w`` (the days worked of the week) and, on each
worked day, one shift of the family: a start within the rule's hours and a placement of the
breaks in their windows. The start may differ from day to day. Enumerating every (pattern,
start per day) would give ``starts ** days`` columns; instead the program counts people per
pattern and shifts per day apart and ties them together (an *implicit* tour formulation), so
the columns grow as ``patterns + 7 * shifts`` per kind::

    minimise    sum_kw c_k |w| z_kw + M sum_gdi u_gdi
    subject to  sum_v y_kdv - sum_{w: d in w} z_kw = 0        every kind k and day d
                sum_{k in g} sum_v a_iv y_kdv + u_gdi >= r_gdi  every group g, day d, interval i
                sum_k sum_v s_iv y_kdv <= seats                  every day d and interval i
                sum_{k in g} sum_w z_kw <= max_headcount_g
                sum_{k in g} sum_w (q_k - share_g) z_kw <= 0
                z, y >= 0 integer, u >= 0;  y_kdv = 0 when v lies outside day d's hours

``z_kw`` are people on kind ``k`` and pattern ``w``, ``y_kdv`` shifts of kind ``k`` worked on
day ``d`` on shift variant ``v``, ``a_iv`` the share of interval ``i`` that variant ``v`` is on
the phones (breaks deducted), ``s_iv`` 1 when ``v`` is on duty at some time in ``i`` (the seat
is held through breaks), ``c_k`` the cost of one shift of kind ``k`` and ``q_k`` 1 for
part-time rules. Any shifts per day that match the day counts of the patterns can be handed
out to people, so each person works exactly its pattern's days, one shift of its family each:
every work rule holds by construction, and the roster checks them again on the output. A small
cost on shifts of days without demand (``IDLE_DAY_SHARE``) breaks ties towards days off there.

A rule that does not order the days (no days off in a block, no run limit that binds) needs
no patterns: its people are one column ``N_k``, paid by the shift, with at most ``N_k`` shifts a
day and the week's shifts between the fewest and most days times ``N_k``
(:meth:`WeekProgram.people` hands them out in turn).

*Rounding cuts.* People and shifts are whole, and the LP relaxation above spreads fractions of
them (a desk of 22.09 full-timers with 9.47 part-timers at the 30% share), which whole people
cannot match: it lies several percent below the cheapest roster on small desks. Each count a
roster makes whole — per group its people (all, full-time, part-time) and its shifts on each day
— is minimised by the LP with every interval covered; a minimum ``m`` with a fraction gives the
cut ``count >= ceil(m)``, kept by every roster that covers every interval, and the pass repeats
with the cuts found (:meth:`WeekProgram.rounding_cuts`). A roster leaving an agent missing costs
at least the penalty of the least shortfall an interval can have
(:meth:`WeekProgram.unmet_floor`), so the bounds of the program with the cuts, capped at that,
bound every roster.

The program is solved by :func:`scipy.optimize.milp` (HiGHS); its LP relaxation bounds the
cost of any roster. See ``docs/reference/planning.md``.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array, csr_array

from sim.errors import CcsimError, ScenarioError, UsageError
from sim.planning.patterns import Patterns, ShiftVariant, shift_variants, spans_coverage
from sim.planning.requirements import IntervalGrid, RequiredAgents
from sim.planning.rules import DAYS_PER_WEEK, WEEKDAY_NAMES, WeekRules, weekday_of
from sim.planning.schedule import DEFAULT_PENALTY_FACTOR, demand_on, opening_grid, segment_rows
from sim.scenario import Scenario
from sim.scenario.roster import Week, staff_of
from sim.scenario.shifts import span_text
from sim.units import SECONDS_PER_HOUR, clock_to_s, s_to_clock

IDLE_DAY_SHARE = 1e-4
"""Extra cost of a shift on a day without demand, as a share of the shift's cost."""
MAX_COLUMNS = 200_000
"""Most integer columns of one weekly program (people per pattern and shifts per day)."""
ROUNDING_ROUNDS = 3
"""Most passes over the counts that :meth:`WeekProgram.rounding_cuts` rounds up."""
ROUNDING_TOLERANCE = 1e-5
"""An LP minimum within this of a whole number counts as whole (solver tolerance)."""
ROUNDING_TIME_SHARE = 0.1
"""Share of ``week.time_limit_s`` after which no more rounding cuts are sought."""


@dataclass(frozen=True)
class WeekDays:
    """The seven days planned: each one's date, weekday and opening hours.

    Attributes
    ----------
    dates : tuple of (str or None)
        ISO date of each day, None for a week without dates.
    weekdays : tuple of str
        Weekday of each day, ``Mon`` ... ``Sun``.
    hours_s : tuple of ((float, float) or None)
        Each day's opening and closing, seconds after midnight; None when closed.
    """

    dates: tuple[str | None, ...]
    weekdays: tuple[str, ...]
    hours_s: tuple[tuple[float, float] | None, ...]


def undated_week(open_s: float, close_s: float) -> WeekDays:
    """Return a week without dates: day ``d`` is weekday ``d`` (Monday 0), open every day."""
    return WeekDays(
        (None,) * DAYS_PER_WEEK,
        tuple(WEEKDAY_NAMES[weekday_of(day)] for day in range(DAYS_PER_WEEK)),
        ((open_s, close_s),) * DAYS_PER_WEEK,
    )


def scenario_week(scenario: Scenario, source: str) -> WeekDays:
    """Return the week of a 7-day scenario's calendar: its dates, weekdays and hours per day.

    Without ``calendar.start_date`` day ``d`` is weekday ``d`` (Monday 0).

    Raises
    ------
    ScenarioError
        When the calendar does not have 7 days.
    """
    if scenario.n_days != DAYS_PER_WEEK:
        message = f"the weekly roster plans 7 days (got a calendar of {scenario.n_days})"
        raise ScenarioError(source, "calendar.days", message)
    days = range(DAYS_PER_WEEK)
    dated = scenario.start_date is not None
    return WeekDays(
        tuple(scenario.day_label(day).split()[0] if dated else None for day in days),
        tuple(
            (scenario.weekday_of(day) or "").capitalize() or WEEKDAY_NAMES[weekday_of(day)]
            for day in days
        ),
        tuple(scenario.day_hours_s(day) for day in days),
    )


@dataclass(frozen=True)
class FixedStaff:
    """People of the base scenario's groups that the weekly roster leaves as they are.

    They keep their own staffing (a fixed roster) in the scenario the roster goes into and
    hold seats like the people rostered.

    Attributes
    ----------
    groups : tuple of str
        The groups, in scenario order.
    weeks : tuple of Week
        Each person's working days (days 0 to 6).
    """

    groups: tuple[str, ...]
    weeks: tuple[Week, ...]

    def present(self, grid: IntervalGrid) -> NDArray[np.float64]:
        """Return people on duty at some time of each interval (holding a seat), float64[7, I]."""
        starts_s = grid.starts_s()
        present = np.zeros((DAYS_PER_WEEK, len(starts_s)))
        for week in self.weeks:
            for day, duty in enumerate(week[:DAYS_PER_WEEK]):
                if duty is not None:
                    present[day] += spans_coverage(duty.segments, starts_s, grid.interval_s) > 0
        return present


def fixed_staff(scenario: Scenario, planned: Collection[str]) -> FixedStaff:
    """Return the people of a scenario's groups other than ``planned`` (see :class:`FixedStaff`)."""
    names = list(scenario.groups)
    staff = staff_of(scenario)
    kept = [i for i, group in enumerate(staff.agent_group) if names[group] not in planned]
    return FixedStaff(
        tuple(name for name in names if name not in planned),
        tuple(staff.weeks[i] for i in kept),
    )


@dataclass(frozen=True)
class TourKind:
    """People of one group on one work rule and one shift family.

    Attributes
    ----------
    group, rule, family : str
        The group, the work rule and the shift family.
    part_time : bool
        Whether the rule is part-time.
    patterns : tuple of tuple of int
        The day patterns allowed (days worked, Monday 0) whose paid hours fit the contract;
        empty for a kind with ``day_counts``.
    day_counts : (int, int) or None
        For a rule that does not order the days (no days off in a block, no run limit that
        binds): the fewest and most days a person works. Its people are then one column and
        any days that add up are allowed (see :meth:`WeekProgram.people`); None otherwise.
    variants : tuple of ShiftVariant
        The shifts a person may work on a worked day: starts within the rule's hours, each
        break placement.
    shift_cost : float
        Cost of one shift: the rule's cost per hour times the paid hours, else the family's.
    """

    group: str
    rule: str
    family: str
    part_time: bool
    patterns: tuple[tuple[int, ...], ...]
    day_counts: tuple[int, int] | None
    variants: tuple[ShiftVariant, ...]
    shift_cost: float

    @property
    def n_people_columns(self) -> int:
        """Columns that count the kind's people: one per pattern, or one for free days."""
        return len(self.patterns) if self.day_counts is None else 1

    @property
    def n_columns(self) -> int:
        """Columns of the kind in the program: its people and its shifts on every day."""
        return self.n_people_columns + DAYS_PER_WEEK * len(self.variants)


@dataclass(frozen=True)
class Person:
    """One person of the weekly roster.

    Attributes
    ----------
    person : str
        Identifier ``GROUP-RULE-NNN``.
    kind : TourKind
        Group, rule and family.
    shifts : tuple of (ShiftVariant or None)
        The shift worked on each day of the week, None on days off.
    """

    person: str
    kind: TourKind
    shifts: tuple[ShiftVariant | None, ...]

    @property
    def paid_h(self) -> float:
        """Paid hours of the week."""
        return sum(shift.paid_h for shift in self.shifts if shift is not None)

    @property
    def days_worked(self) -> tuple[int, ...]:
        """Days worked, Monday 0."""
        return tuple(day for day, shift in enumerate(self.shifts) if shift is not None)


@dataclass(frozen=True)
class WeekRoster:
    """The weekly roster of several groups, its coverage, cost and bounds.

    Attributes
    ----------
    grid : IntervalGrid
        Opening hours cut into intervals; days 0 to 6.
    days : WeekDays
        Date, weekday and opening hours of each day.
    groups : tuple of str
        The groups, in the order of the requirements.
    people : tuple of Person
        Every person, group by group.
    required, on_phones, unmet : dict of str to float64[7, I]
        Per group: the requirement (at least the minimum agents on days with demand), agents
        on the phones (breaks deducted, mean over each interval) and agents missing.
    present : dict of str to float64[7, I]
        Per group: people on duty at some time of each interval (holding a seat).
    seats : int or None
        Seats of the centre.
    cost : float
        Cost of every shift of the week.
    idle_cost : float
        The program's tie-break: ``IDLE_DAY_SHARE`` of a shift's cost for each shift on a day
        its group has no demand (part of the objective and of the bounds, not of the cost).
    unmet_penalty : float
        Cost of one agent missing for one interval.
    lp_bound : float
        Optimum of the LP relaxation (cost plus penalties): no roster does better.
    best_bound : float
        The best lower bound proved: HiGHS's bound when it stopped (the LP relaxation
        tightened by its cuts and branching), at least the LP bound; no roster does better.
    full_time_h : float
        Paid hours a week of one full-time equivalent.
    solver_status : str
        HiGHS's message: optimal within the gap, or stopped at the time limit.
    n_columns : int
        Integer columns of the program.
    fixed_present : float64[7, I] or None
        People of the base scenario's other groups (a fixed roster) holding seats in each
        interval; None without them.
    """

    grid: IntervalGrid
    days: WeekDays
    groups: tuple[str, ...]
    people: tuple[Person, ...]
    required: dict[str, NDArray[np.float64]]
    on_phones: dict[str, NDArray[np.float64]]
    unmet: dict[str, NDArray[np.float64]]
    present: dict[str, NDArray[np.float64]]
    seats: int | None
    cost: float
    idle_cost: float
    unmet_penalty: float
    lp_bound: float
    best_bound: float
    full_time_h: float
    solver_status: str
    n_columns: int
    fixed_present: NDArray[np.float64] | None = None

    @property
    def seats_used(self) -> NDArray[np.float64]:
        """Seats used per day and interval: every group's people present (float64[7, I]).

        The people of the groups left as they are (:attr:`fixed_present`) included.
        """
        used = np.sum(list(self.present.values()), axis=0)
        return used if self.fixed_present is None else used + self.fixed_present

    @property
    def total_unmet(self) -> float:
        """Agent-intervals missing over every group and day."""
        return float(sum(unmet.sum() for unmet in self.unmet.values()))

    @property
    def objective(self) -> float:
        """The program's objective: cost, penalty of the unmet demand and idle-day tie-break."""
        return self.cost + self.unmet_penalty * self.total_unmet + self.idle_cost

    @property
    def gap(self) -> float:
        """Share of the objective above the best bound (0 when the objective is 0).

        No roster is cheaper than the best bound, so the roster costs at most this share more
        than the cheapest one (the optimality gap HiGHS stops at, ``week.mip_gap``).
        """
        return _share_above(self.objective, self.best_bound)

    @property
    def lp_gap(self) -> float:
        """Share of the objective above the LP bound (0 when the objective is 0).

        At least :attr:`gap`: the LP relaxation lets people be fractions, which whole people
        cannot match, so even the cheapest roster can lie more than ``week.mip_gap`` above it.
        """
        return _share_above(self.objective, self.lp_bound)


def _share_above(objective: float, bound: float) -> float:
    """Return the share of ``objective`` above ``bound``, at least 0 (0 for a zero objective)."""
    return max(objective - bound, 0.0) / objective if objective else 0.0


def week_rules(patterns: Patterns, source: str) -> WeekRules:
    """Return the patterns file's ``week`` section, refusing a file without one."""
    if patterns.week is None:
        message = "has no week section: the weekly roster needs work rules (week.rules)"
        raise ScenarioError(source, "week", message)
    return patterns.week


def tour_kinds(
    groups: tuple[str, ...], patterns: Patterns, source: str, grid: IntervalGrid
) -> list[TourKind]:
    """Return every (group, rule, family) with its day patterns and shifts, groups in order.

    Raises
    ------
    ScenarioError
        When a shift falls outside the opening hours, or a rule leaves a family no start.
    """
    week = week_rules(patterns, source)
    variants = shift_variants(patterns, source, grid.open_s, grid.close_s)
    kinds = []
    for group in groups:
        for rule_name in week.rules_of(group):
            rule = week.rules[rule_name]
            for family in rule.families:
                kind = _kind(group, rule_name, family, variants, patterns)
                if not kind.variants:
                    message = (
                        f"no start of family {family} lies within "
                        f"{rule.earliest_start or '00:00'}-{rule.latest_end or '24:00'}"
                    )
                    raise ScenarioError(source, f"week.rules.{rule_name}.families", message)
                kinds.append(kind)
    return kinds


def _kind(
    group: str, rule_name: str, family: str, variants: tuple[ShiftVariant, ...], patterns: Patterns
) -> TourKind:
    """Return the tour kind of a group, a rule and a family: its day patterns, shifts, cost."""
    assert patterns.week is not None
    rule = patterns.week.rules[rule_name]
    earliest_s = clock_to_s(rule.earliest_start) if rule.earliest_start else 0.0
    latest_s = clock_to_s(rule.latest_end) if rule.latest_end else float("inf")
    allowed = tuple(
        v
        for v in variants
        if v.family == family and v.start_s >= earliest_s and v.duty.end_s <= latest_s
    )
    paid_h = patterns.families[family].paid_h()
    family_cost = patterns.families[family].cost(patterns.cost_per_paid_hour)
    cost = family_cost if rule.cost_per_hour is None else rule.cost_per_hour * paid_h
    counts = [n for n in rule.day_counts() if rule.fits_hours(n, paid_h)]
    orders_days = rule.consecutive_days_off or (
        rule.max_consecutive_days is not None and rule.max_consecutive_days < max(counts)
    )
    if not orders_days:
        free = (min(counts), max(counts))
        return TourKind(group, rule_name, family, rule.part_time, (), free, allowed, cost)
    day_patterns = tuple(w for w in rule.day_patterns() if rule.fits_hours(len(w), paid_h))
    return TourKind(group, rule_name, family, rule.part_time, day_patterns, None, allowed, cost)


def week_grid(
    requirements: Mapping[str, RequiredAgents], patterns: Patterns, source: str
) -> IntervalGrid:
    """Return the week's opening hours on the requirements' interval grid, days 0 to 6.

    The opening hours are the patterns file's, else from the earliest interval of any
    requirement to the end of the latest.

    Raises
    ------
    ScenarioError
        When the requirements' interval lengths differ, a requirement names a day past the
        week, or the opening hours are not whole intervals.
    """
    first = next(iter(requirements.values()))
    for required in requirements.values():
        if required.grid.interval_s != first.grid.interval_s:
            message = (
                f"has {required.grid.interval_s / 60:g}-minute intervals, "
                f"{first.source} has {first.grid.interval_s / 60:g}-minute ones"
            )
            raise ScenarioError(required.source, "column interval_start", message)
        days = [day for day in required.grid.days if day is not None]
        if days and max(days) >= DAYS_PER_WEEK:
            message = f"must be a day of the week, 0 to {DAYS_PER_WEEK - 1} (got {max(days)})"
            raise ScenarioError(required.source, "column day", message)
    open_s = min(r.grid.open_s for r in requirements.values())
    close_s = max(r.grid.close_s for r in requirements.values())
    span = replace(
        first.grid, open_s=open_s, n_intervals=round((close_s - open_s) / first.grid.interval_s)
    )
    grid = opening_grid(RequiredAgents(first.source, span, first.agents), patterns, source)
    return replace(grid, days=tuple(range(DAYS_PER_WEEK)))


def week_demand(grid: IntervalGrid, required: RequiredAgents, source: str) -> NDArray[np.float64]:
    """Return a group's requirement on the week's grid (float64[7, I]; 0 where not given).

    Requirements without days hold every day of the week.
    """
    agents = np.zeros((DAYS_PER_WEEK, required.grid.n_intervals))
    if required.grid.days == (None,):
        agents[:] = required.agents[0]
    else:
        agents[[day for day in required.grid.days if day is not None]] = required.agents
    weekly = RequiredAgents(required.source, replace(required.grid, days=grid.days), agents)
    return demand_on(grid, weekly, source)


def plan_week(
    requirements: Mapping[str, RequiredAgents],
    patterns: Patterns,
    source: str,
    days: WeekDays | None = None,
    fixed: FixedStaff | None = None,
) -> WeekRoster:
    """Choose the people of every group and their tours that cover the week at least cost.

    The program of :func:`week_program`, solved by :meth:`WeekProgram.best_roster`.

    Returns
    -------
    WeekRoster
        The roster (within ``week.mip_gap`` of HiGHS's bound, or the best found within
        ``week.time_limit_s``), with the unmet demand where limits bind.
    """
    program, demand = week_program(requirements, patterns, source, days, fixed)
    return program.best_roster(demand)


def week_program(
    requirements: Mapping[str, RequiredAgents],
    patterns: Patterns,
    source: str,
    days: WeekDays | None = None,
    fixed: FixedStaff | None = None,
) -> tuple[WeekProgram, dict[str, NDArray[np.float64]]]:
    """Return the weekly program of the groups and each group's requirement on its grid.

    Parameters
    ----------
    requirements : mapping of str to RequiredAgents
        Per group, the agents to schedule per day and interval (:func:`read_requirements`);
        the groups' requirements are covered by their own people only.
    patterns : Patterns
        Shift families, the ``week`` section (work rules, group limits, seats) and limits
        (``min_agents`` applies on the days a group has demand).
    source : str
        The patterns file, for messages.
    days : WeekDays, optional
        Dates, weekdays and opening hours of the days (:func:`scenario_week`); a shift is
        worked on a day only within that day's hours, never on a closed day. Default: no
        dates, day ``d`` weekday ``d``, open every day (:func:`undated_week`).
    fixed : FixedStaff, optional
        People of groups left as they are (:func:`fixed_staff`): they hold seats, so the
        roster's people get the seats they leave.

    Returns
    -------
    (WeekProgram, dict of str to float64[7, I])
        The program and the requirements (at least ``min_agents`` on days with demand).

    Raises
    ------
    ScenarioError
        Bad rules, shifts outside the opening hours, requirements outside them or past the
        week, a group limit naming a group without requirements, fewer seats than the fixed
        people on duty at once.
    UsageError
        When the program would have more than ``MAX_COLUMNS`` columns.
    """
    if not requirements:
        raise UsageError("give the requirements of at least one group")
    week = week_rules(patterns, source)
    groups = tuple(requirements)
    for name in week.groups:
        if name not in requirements:
            expected = ", ".join(groups)
            message = (
                f"names a group without requirements, expected one of: {expected} (got {name!r})"
            )
            raise ScenarioError(source, f"week.groups.{name}", message)
    grid = week_grid(requirements, patterns, source)
    demand = {
        group: _with_minimum(week_demand(grid, required, source), patterns.limits.min_agents)
        for group, required in requirements.items()
    }
    kinds = tour_kinds(groups, patterns, source, grid)
    days = undated_week(grid.open_s, grid.close_s) if days is None else days
    taken = None
    if fixed is not None:
        taken = fixed.present(grid)
        check_fixed_seats(week, taken, fixed, (grid, days), source)
    program = WeekProgram(
        grid,
        days,
        groups=groups,
        kinds=kinds,
        week=week,
        unmet_penalty=patterns.unmet_penalty,
        seats_taken=taken,
    )
    return program, demand


def check_fixed_seats(
    week: WeekRules,
    taken: NDArray[np.float64],
    fixed: FixedStaff,
    calendar: tuple[IntervalGrid, WeekDays],
    source: str,
) -> None:
    """Raise a :class:`ScenarioError` when the fixed people alone need more than the seats.

    ``taken`` is their presence per day and interval (:meth:`FixedStaff.present`).
    """
    if week.seats is None or taken.max(initial=0.0) <= week.seats:
        return
    grid, days = calendar
    day, interval = np.unravel_index(int(np.argmax(taken)), taken.shape)
    when = f"{days.weekdays[day]} {s_to_clock(float(grid.starts_s()[interval]))}"
    message = (
        f"fewer seats than the {taken.max():g} people the fixed roster of "
        f"{', '.join(fixed.groups)} has on duty at {when} (got {week.seats})"
    )
    raise ScenarioError(source, "week.seats", message)


def _with_minimum(demand: NDArray[np.float64], min_agents: int) -> NDArray[np.float64]:
    """Return the demand raised to ``min_agents`` on the days that have any demand."""
    open_days = demand.max(axis=1, keepdims=True) > 0
    return np.where(open_days, np.maximum(demand, min_agents), demand)


class WeekProgram:
    """The weekly program's matrices, its solution, and the people it gives.

    Parameters
    ----------
    grid : IntervalGrid
        Opening hours and intervals, days 0 to 6.
    days : WeekDays
        Each day's opening hours (a shift outside them is not worked that day).
    groups : tuple of str
        The groups.
    kinds : list of TourKind
        The tour kinds, group by group.
    week : WeekRules
        Group limits, seats, full-time hours and time limit.
    unmet_penalty : float, optional
        Cost of one agent missing for one interval; default 1000 times the dearest week.
    seats_taken : float64[7, I], optional
        Seats held by people outside the program (a fixed roster), per day and interval.
    """

    def __init__(
        self,
        grid: IntervalGrid,
        days: WeekDays,
        *,
        groups: tuple[str, ...],
        kinds: list[TourKind],
        week: WeekRules,
        unmet_penalty: float | None,
        seats_taken: NDArray[np.float64] | None = None,
    ) -> None:
        self.grid, self.days, self.groups, self.kinds, self.week = grid, days, groups, kinds, week
        self.seats_taken = seats_taken
        n_columns = sum(kind.n_columns for kind in kinds)
        if n_columns > MAX_COLUMNS:
            raise UsageError(
                f"the weekly program would have {n_columns} columns, at most {MAX_COLUMNS}: "
                "fewer starts (every_minutes), break positions, rules or families"
            )
        starts_s = grid.starts_s()
        self._cover = [
            np.column_stack([v.on_phones(starts_s, grid.interval_s) for v in kind.variants])
            for kind in kinds
        ]
        self._seat = [
            np.column_stack([holds_seat(v, starts_s, grid.interval_s) for v in kind.variants])
            for kind in kinds
        ]
        self._z_at, self._y_at, at = [], [], 0
        for kind in kinds:
            self._z_at.append(at)
            self._y_at.append(at + kind.n_people_columns)
            at += kind.n_columns
        self.n_integer = at
        week_costs = [kind.shift_cost * most_days(kind) for kind in kinds]
        self.penalty = unmet_penalty or DEFAULT_PENALTY_FACTOR * max(
            max(week_costs, default=1.0), 1.0
        )

    @property
    def _n_intervals(self) -> int:
        return self.grid.n_intervals

    def _costs(self, demand: Mapping[str, NDArray[np.float64]]) -> NDArray[np.float64]:
        """Return the objective's coefficients: a week of each pattern, a missing agent.

        A shift on a day its group has no demand costs ``IDLE_DAY_SHARE`` of the shift more:
        the cost is the same on any day, and this breaks the tie towards days off there.
        """
        costs = np.zeros(self.n_integer)
        for k, kind in enumerate(self.kinds):
            z_at, y_at, n_v = self._z_at[k], self._y_at[k], len(kind.variants)
            if kind.day_counts is None:  # a pattern's week; its shifts are paid through it
                costs[z_at:y_at] = [kind.shift_cost * len(w) for w in kind.patterns]
            else:  # people on free days are paid by the shift
                costs[y_at : y_at + DAYS_PER_WEEK * n_v] = kind.shift_cost
            for day in np.flatnonzero(demand[kind.group].max(axis=1) <= 0):
                first = y_at + day * n_v
                costs[first : first + n_v] += IDLE_DAY_SHARE * max(kind.shift_cost, 1.0)
        n_unmet = len(self.groups) * DAYS_PER_WEEK * self._n_intervals
        return np.concatenate([costs, np.full(n_unmet, self.penalty)])

    def _linking(self) -> LinearConstraint:
        """Rows tying each kind's shifts per day to its people.

        Patterns: per day, shifts worked minus the people whose pattern works it, = 0. Free
        days: per day, shifts worked minus people <= 0 (nobody twice a day), and the week's
        shifts between the fewest and the most days times the people.
        """
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        lower: list[float] = []
        upper: list[float] = []

        def add_row(entries: list[tuple[int, float]], low: float, high: float) -> None:
            for col, val in entries:
                rows.append(len(lower))
                cols.append(col)
                vals.append(val)
            lower.append(low)
            upper.append(high)

        for k, kind in enumerate(self.kinds):
            n_v, z_at = len(kind.variants), self._z_at[k]
            shifts = [
                [(self._y_at[k] + day * n_v + v, 1.0) for v in range(n_v)]
                for day in range(DAYS_PER_WEEK)
            ]
            if kind.day_counts is None:
                for day in range(DAYS_PER_WEEK):
                    owners = [(z_at + w, -1.0) for w, p in enumerate(kind.patterns) if day in p]
                    add_row(shifts[day] + owners, 0.0, 0.0)
                continue
            fewest, most = kind.day_counts
            for day in range(DAYS_PER_WEEK):
                add_row([*shifts[day], (z_at, -1.0)], -np.inf, 0.0)
            week = [entry for day in shifts for entry in day]
            add_row([*week, (z_at, -float(most))], -np.inf, 0.0)
            add_row([*week, (z_at, -float(fewest))], 0.0, np.inf)
        matrix = coo_array((vals, (rows, cols)), shape=(len(lower), self._n_columns_all()))
        return LinearConstraint(csr_array(matrix), lb=lower, ub=upper)

    def _n_columns_all(self) -> int:
        return self.n_integer + len(self.groups) * DAYS_PER_WEEK * self._n_intervals

    def _per_interval(self, matrices: list[NDArray[np.float64]], by_group: bool) -> coo_array:
        """Rows (group, day, interval), or (day, interval): the matrices' entries every day."""
        n_i = self._n_intervals
        rows, cols, vals = [], [], []
        for k, (kind, matrix) in enumerate(zip(self.kinds, matrices, strict=True)):
            interval, variant = np.nonzero(matrix)
            block = self.groups.index(kind.group) if by_group else 0
            for day in range(DAYS_PER_WEEK):
                rows.append((block * DAYS_PER_WEEK + day) * n_i + interval)
                cols.append(self._y_at[k] + day * len(kind.variants) + variant)
                vals.append(matrix[interval, variant])
        n_rows = (len(self.groups) if by_group else 1) * DAYS_PER_WEEK * n_i
        rows.append(np.zeros(0, dtype=np.int64))  # no kinds: an empty matrix
        cols.append(np.zeros(0, dtype=np.int64))
        vals.append(np.zeros(0))
        if by_group:  # the unmet demand of each row
            rows.append(np.arange(n_rows))
            cols.append(self.n_integer + np.arange(n_rows))
            vals.append(np.ones(n_rows))
        return coo_array(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(n_rows, self._n_columns_all()),
        )

    def _group_rows(self) -> tuple[list[NDArray[np.float64]], list[float]]:
        """Headcount and part-time share rows of the groups that limit them."""
        rows, upper = [], []
        for group in self.groups:
            limits = self.week.groups.get(group)
            if limits is None:
                continue
            people = np.zeros(self._n_columns_all())
            part_time = np.zeros(self._n_columns_all())
            for kind, z_at in zip(self.kinds, self._z_at, strict=True):
                if kind.group == group:
                    people[z_at : z_at + kind.n_people_columns] = 1.0
                    part_time[z_at : z_at + kind.n_people_columns] = float(kind.part_time)
            if limits.max_headcount is not None:
                rows.append(people)
                upper.append(float(limits.max_headcount))
            share = limits.max_part_time_share
            if share is not None:
                rows.append(part_time - share * people)
                upper.append(0.0)
        return rows, upper

    def _upper_bounds(self) -> NDArray[np.float64]:
        """Return the columns' upper bounds: 0 for a shift outside its day's opening hours."""
        upper = np.full(self._n_columns_all(), np.inf)
        for k, kind in enumerate(self.kinds):
            n_v = len(kind.variants)
            for day, hours in enumerate(self.days.hours_s):
                closed = [
                    hours is None or v.start_s < hours[0] or v.duty.end_s > hours[1]
                    for v in kind.variants
                ]
                first = self._y_at[k] + day * n_v
                upper[first : first + n_v][closed] = 0.0
        return upper

    def _constraints(self, demand: Mapping[str, NDArray[np.float64]]) -> list[LinearConstraint]:
        required = np.concatenate([demand[group].ravel() for group in self.groups])
        constraints = [
            self._linking(),
            LinearConstraint(csr_array(self._per_interval(self._cover, True)), lb=required),
        ]
        if self.week.seats is not None:
            seats = csr_array(self._per_interval(self._seat, False))
            free = float(self.week.seats) - (
                0.0 if self.seats_taken is None else self.seats_taken.ravel()
            )
            constraints.append(LinearConstraint(seats, ub=free))
        rows, upper = self._group_rows()
        if rows:
            constraints.append(LinearConstraint(np.vstack(rows), ub=np.array(upper)))
        return constraints

    def solve(
        self,
        demand: Mapping[str, NDArray[np.float64]],
        *,
        integral: bool,
        cuts: LinearConstraint | None = None,
    ) -> tuple[NDArray[np.float64], float, str]:
        """Return the integer columns' values, HiGHS's bound and its message.

        The bound is the LP optimum for the relaxation, and the best bound HiGHS proved when
        it stopped for the integer program.

        Parameters
        ----------
        demand : mapping of str to float64[7, I]
            Each group's requirement.
        integral : bool
            Whole people and shifts (the integer program), or its LP relaxation.
        cuts : LinearConstraint, optional
            Rounding cuts (:meth:`rounding_cuts`) added to the program.
        """
        n_all = self._n_columns_all()
        integrality = np.zeros(n_all)
        integrality[: self.n_integer] = int(integral)
        constraints = self._constraints(demand) + ([] if cuts is None else [cuts])
        result = milp(
            self._costs(demand),
            integrality=integrality,
            bounds=Bounds(np.zeros(n_all), self._upper_bounds()),
            constraints=constraints,
            options={"mip_rel_gap": self.week.mip_gap, "time_limit": self.week.time_limit_s},
        )
        if result.x is None:
            raise CcsimError(f"the weekly roster solver found no solution: {result.message}")
        bound = getattr(result, "mip_dual_bound", None) if integral else None
        return (
            result.x[: self.n_integer],
            float(result.fun if bound is None else bound),
            str(result.message),
        )

    def best_roster(self, demand: Mapping[str, NDArray[np.float64]]) -> WeekRoster:
        """Return the roster of the integer program with the rounding cuts, and its bounds.

        The cuts (:meth:`rounding_cuts`) hold for every roster that covers every interval, so
        with them the LP bound and HiGHS's bound are bounds on those rosters; a roster leaving
        an agent missing costs at least :meth:`unmet_floor`, so the lesser of the two bounds
        every roster. When the roster found leaves agents missing anyway (whole people cannot
        cover what the LP covers) the program is solved again without the cuts, which could
        have cut off the cheapest shortfall.
        """
        cuts = self.rounding_cuts(demand)
        counts, best_bound, status = self.solve(demand, integral=True, cuts=cuts)
        people = self.people(counts)
        if cuts is not None and self.shortfall(people, demand) > 0:
            cuts = None
            counts, best_bound, status = self.solve(demand, integral=True)
            people = self.people(counts)
        _, lp_bound, _ = self.solve(demand, integral=False, cuts=cuts)
        if cuts is not None:
            floor = self.unmet_floor(demand)
            lp_bound, best_bound = min(lp_bound, floor), min(best_bound, floor)
        return self.roster(people, demand, (lp_bound, best_bound), status)

    def shortfall(self, people: list[Person], demand: Mapping[str, NDArray[np.float64]]) -> float:
        """Return the agent-intervals ``people`` leave missing, every group and day."""
        return self.roster(people, demand, (0.0, 0.0), "").total_unmet

    def rounding_cuts(self, demand: Mapping[str, NDArray[np.float64]]) -> LinearConstraint | None:
        """Return rows of whole counts, each at least the least whole number covering allows.

        The counts are, per group, its people (all, full-time, part-time) and its shifts on
        each day. Each is minimised by the LP with every interval covered and the cuts found so
        far; a minimum ``m`` with a fraction gives the row ``count >= ceil(m)``, which every
        roster covering every interval keeps (its counts are whole). ``ROUNDING_ROUNDS``
        passes, or fewer when one finds nothing or ``ROUNDING_TIME_SHARE`` of the time limit
        has passed (each cut holds alone). A roster leaving some agent missing may break them,
        so bounds found with the cuts hold up to :meth:`unmet_floor`.

        Returns
        -------
        LinearConstraint or None
            The cuts; None when no roster covers every interval in the LP (limits bind), or
            no count has a fraction.
        """
        upper = self._upper_bounds()
        upper[self.n_integer :] = 0.0  # every interval covered
        bounds = Bounds(np.zeros(self._n_columns_all()), upper)
        constraints = self._constraints(demand)
        rows: list[NDArray[np.float64]] = []
        lower: list[float] = []
        deadline = time.monotonic() + ROUNDING_TIME_SHARE * self.week.time_limit_s
        for _ in range(ROUNDING_ROUNDS):
            found = False
            for row in self._count_rows():
                if time.monotonic() > deadline:
                    break
                extra = [LinearConstraint(np.array(rows), lb=lower)] if rows else []
                result = milp(row, bounds=bounds, constraints=constraints + extra)
                if result.x is None:
                    return None
                least = np.ceil(result.fun - ROUNDING_TOLERANCE)
                if least - result.fun > ROUNDING_TOLERANCE:
                    rows.append(row)
                    lower.append(float(least))
                    found = True
            if not found:
                break
        return LinearConstraint(np.array(rows), lb=lower) if rows else None

    def _count_rows(self) -> list[NDArray[np.float64]]:
        """Rows counting, per group, its people (all, full-time, part-time) and day's shifts."""
        rows = []
        for group in self.groups:
            kinds = [k for k, kind in enumerate(self.kinds) if kind.group == group]
            for part_time in (None, False, True):
                row = np.zeros(self._n_columns_all())
                for k in kinds:
                    if part_time is None or self.kinds[k].part_time == part_time:
                        row[self._z_at[k] : self._y_at[k]] = 1.0
                rows.append(row)
            for day in range(DAYS_PER_WEEK):
                row = np.zeros(self._n_columns_all())
                for k in kinds:
                    n_v = len(self.kinds[k].variants)
                    first = self._y_at[k] + day * n_v
                    row[first : first + n_v] = 1.0
                rows.append(row)
        return [row for row in rows if row.any()]

    def unmet_floor(self, demand: Mapping[str, NDArray[np.float64]]) -> float:
        """Return the least objective of a roster that leaves some agent missing.

        Agents on the phones in an interval are whole multiples of ``step`` (the greatest
        common divisor of the shifts' seconds on the phones in an interval, over the interval),
        so a requirement ``r`` not met lacks at least ``r`` minus the largest multiple below
        it; the penalty times the least such shortfall is the floor (infinite without demand).
        """
        interval_s = self.grid.interval_s
        shares = np.concatenate([np.ravel(cover) for cover in self._cover])
        seconds = np.append(shares * interval_s, interval_s)
        whole = np.rint(seconds).astype(np.int64)
        if np.abs(seconds - whole).max() > 1e-6:  # fractions of a second: no step
            return 0.0
        step = float(np.gcd.reduce(whole[whole > 0])) / interval_s
        required = np.concatenate([demand[group].ravel() for group in self.groups])
        required = required[required > 0]
        if required.size == 0:
            return float("inf")
        below = (np.ceil(required / step - 1e-9) - 1.0) * step
        return self.penalty * float((required - below).min())

    def people(self, values: NDArray[np.float64]) -> list[Person]:
        """Return the people of a solution, each with its days and shifts.

        Patterns: on each day, the kind's people who work it take that day's shifts in the
        order of the variants (earliest start first), so a person keeps about the same place
        every day. Free days: the week's shifts, day by day, go to the people in turn
        (shift ``j`` to person ``j mod N``); a day has at most ``N`` shifts, so nobody works
        twice a day, and each person gets the week's shifts / ``N`` rounded down or up, within
        the rule's days because the week's shifts are.
        """
        counts = np.rint(values).astype(np.int64)
        people: list[Person] = []
        numbered: dict[tuple[str, str], int] = {}
        for k, kind in enumerate(self.kinds):
            n_v, y_at = len(kind.variants), self._y_at[k]
            worked = [
                [
                    v
                    for v, n in enumerate(counts[y_at + d * n_v : y_at + (d + 1) * n_v])
                    for _ in range(n)
                ]
                for d in range(DAYS_PER_WEEK)
            ]
            people_counts = counts[self._z_at[k] : y_at]
            if kind.day_counts is None:
                weeks = self._pattern_weeks(kind, people_counts, worked)
            else:
                weeks = self._free_weeks(kind, int(people_counts[0]), worked)
            for week_shifts in weeks:
                key = (kind.group, kind.rule)
                numbered[key] = numbered.get(key, 0) + 1
                name = f"{kind.group}-{kind.rule}-{numbered[key]:03d}"
                people.append(Person(name, kind, tuple(week_shifts)))
        return people

    @staticmethod
    def _pattern_weeks(
        kind: TourKind, people_counts: NDArray[np.int64], worked: list[list[int]]
    ) -> list[list[ShiftVariant | None]]:
        owners = [w for w, n in enumerate(people_counts) for _ in range(n)]
        weeks: list[list[ShiftVariant | None]] = [[None] * DAYS_PER_WEEK for _ in owners]
        for day, shifts in enumerate(worked):
            workers = [p for p, w in enumerate(owners) if day in kind.patterns[w]]
            _check_count(kind, day, len(shifts), len(workers), equal=True)
            for p, v in zip(workers, shifts, strict=True):
                weeks[p][day] = kind.variants[v]
        return weeks

    @staticmethod
    def _free_weeks(
        kind: TourKind, n_people: int, worked: list[list[int]]
    ) -> list[list[ShiftVariant | None]]:
        weeks: list[list[ShiftVariant | None]] = [[None] * DAYS_PER_WEEK for _ in range(n_people)]
        turn = 0
        for day, shifts in enumerate(worked):
            _check_count(kind, day, len(shifts), n_people, equal=False)
            for v in shifts:
                weeks[turn % n_people][day] = kind.variants[v]
                turn += 1
        return weeks

    def roster(
        self,
        people: list[Person],
        demand: Mapping[str, NDArray[np.float64]],
        bounds: tuple[float, float],
        status: str,
    ) -> WeekRoster:
        """Return the roster of ``people``: coverage, seats used, cost and the bounds.

        ``bounds`` are the LP relaxation's optimum and HiGHS's best bound.
        """
        starts_s, interval_s = self.grid.starts_s(), self.grid.interval_s
        shape = (DAYS_PER_WEEK, self._n_intervals)
        on_phones = {group: np.zeros(shape) for group in self.groups}
        present = {group: np.zeros(shape) for group in self.groups}
        for person in people:
            for day, shift in enumerate(person.shifts):
                if shift is None:
                    continue
                on_phones[person.kind.group][day] += shift.on_phones(starts_s, interval_s)
                present[person.kind.group][day] += holds_seat(shift, starts_s, interval_s)
        unmet = {
            group: np.clip(np.round(demand[group] - on_phones[group], 9), 0.0, None)
            for group in self.groups
        }
        cost = sum(person.kind.shift_cost * len(person.days_worked) for person in people)
        idle_cost = sum(
            IDLE_DAY_SHARE * max(person.kind.shift_cost, 1.0)
            for person in people
            for day in person.days_worked
            if demand[person.kind.group][day].max() <= 0
        )
        return WeekRoster(
            grid=self.grid,
            days=self.days,
            groups=self.groups,
            people=tuple(people),
            required=dict(demand),
            on_phones=on_phones,
            unmet=unmet,
            present=present,
            seats=self.week.seats,
            cost=float(cost),
            idle_cost=float(idle_cost),
            unmet_penalty=self.penalty,
            lp_bound=bounds[0],
            best_bound=max(bounds),
            full_time_h=self.week.full_time_h,
            solver_status=status,
            n_columns=self.n_integer,
            fixed_present=self.seats_taken,
        )


def most_days(kind: TourKind) -> int:
    """Return the most days a person of the kind works in a week."""
    if kind.day_counts is not None:
        return kind.day_counts[1]
    return max(len(w) for w in kind.patterns)


def _check_count(kind: TourKind, day: int, n_shifts: int, n_people: int, *, equal: bool) -> None:
    """Refuse a solution whose shifts of a day do not fit the people (a solver failure)."""
    if n_shifts == n_people or (not equal and n_shifts <= n_people):
        return
    raise CcsimError(
        f"the weekly roster solver returned {n_shifts} shifts of "
        f"{kind.group}/{kind.rule}/{kind.family} on day {day} for {n_people} people"
    )


def holds_seat(shift: ShiftVariant, starts_s: NDArray[np.float64], interval_s: float) -> NDArray:
    """Return 1 for each interval the shift is on duty at some time (breaks hold the seat)."""
    on_duty = spans_coverage(shift.duty.segments, starts_s, interval_s)
    return (on_duty > 0).astype(np.float64)


PEOPLE_COLUMNS = (
    "person",
    "group",
    "rule",
    "day",
    "date",
    "weekday",
    "shift",
    "start",
    "end",
    "paid_h",
    "segments",
    "breaks",
)


def people_table(roster: WeekRoster) -> pd.DataFrame:
    """Return the people roster: one row per person and day of the week.

    Returns
    -------
    pandas.DataFrame
        ``person``, ``group``, ``rule``, ``day`` (0-6), ``date`` (ISO, empty without dates),
        ``weekday`` (``Mon``), ``shift`` (the
        family, ``off`` on a day off), ``start`` and ``end`` (clock times of the first
        segment's start and the last one's end), ``paid_h``, ``segments`` and ``breaks``
        (``HH:MM-HH:MM`` joined by ``;``); empty on days off.
    """
    rows = []
    for person in roster.people:
        for day, shift in enumerate(person.shifts):
            row: dict[str, Any] = {
                "person": person.person,
                "group": person.kind.group,
                "rule": person.kind.rule,
                "day": day,
                "date": roster.days.dates[day],
                "weekday": roster.days.weekdays[day],
                "shift": "off" if shift is None else shift.family,
            }
            if shift is not None:
                row |= {
                    "start": s_to_clock(shift.start_s),
                    "end": s_to_clock(shift.duty.end_s),
                    "paid_h": shift.paid_h,
                    "segments": ";".join(span_text(a, b) for a, b in shift.duty.segments),
                    "breaks": ";".join(span_text(a, a + n) for a, n in shift.duty.breaks),
                }
            rows.append(row)
    return pd.DataFrame(rows, columns=list(PEOPLE_COLUMNS))


def group_table(roster: WeekRoster) -> pd.DataFrame:
    """Return per group: headcount, part-time people, FTE, hours, cost and unmet demand.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``headcount`` (people), ``part_time`` (people on part-time rules), ``fte``
        (paid hours of the week / the full-time hours), ``paid_h`` (shifts' paid hours),
        ``agent_h`` (hours on duty, breaks included), ``phone_h`` (hours on the phones, breaks
        deducted), ``required_h`` (the requirement in agent-hours), ``unmet_h`` (agent-hours
        missing) and ``cost``.
    """
    hours = roster.grid.interval_s / SECONDS_PER_HOUR
    rows = []
    for group in roster.groups:
        people = [p for p in roster.people if p.kind.group == group]
        paid_h = sum(p.paid_h for p in people)
        on_duty_s = sum(
            sum(b - a for a, b in shift.duty.segments)
            for p in people
            for shift in p.shifts
            if shift is not None
        )
        rows.append(
            {
                "group": group,
                "headcount": len(people),
                "part_time": sum(p.kind.part_time for p in people),
                "fte": paid_h / roster.full_time_h,
                "paid_h": paid_h,
                "agent_h": on_duty_s / SECONDS_PER_HOUR,
                "phone_h": roster.on_phones[group].sum() * hours,
                "required_h": roster.required[group].sum() * hours,
                "unmet_h": roster.unmet[group].sum() * hours,
                "cost": sum(p.kind.shift_cost * len(p.days_worked) for p in people),
            }
        )
    return pd.DataFrame(rows)


def week_interval_table(roster: WeekRoster) -> pd.DataFrame:
    """Return requirement and coverage per group, day and interval, with the seats used.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``day``, ``date``, ``weekday``, ``interval_start``, ``required``, ``on_phones``
        (agents, breaks deducted, mean over the interval), ``unmet`` (agents missing),
        ``present`` (the group's people on duty at some time of the interval, breaks
        included) and ``seats_used`` (every group's people present).
    """
    grid = roster.grid
    n_i = grid.n_intervals
    frames = [
        pd.DataFrame(
            {
                "group": group,
                "day": np.repeat(np.arange(DAYS_PER_WEEK), n_i),
                "date": np.repeat(np.array(roster.days.dates, dtype=object), n_i),
                "weekday": np.repeat(roster.days.weekdays, n_i),
                "interval_start": np.tile(grid.labels(), DAYS_PER_WEEK),
                "required": roster.required[group].ravel(),
                "on_phones": roster.on_phones[group].ravel(),
                "unmet": roster.unmet[group].ravel(),
                "present": roster.present[group].ravel(),
                "seats_used": roster.seats_used.ravel(),
            }
        )
        for group in roster.groups
    ]
    return pd.concat(frames, ignore_index=True)


def scenario_roster_rows(roster: WeekRoster, group: str) -> list[dict[str, Any]]:
    """Return a group's people as a scenario's roster rows: the person is the agent.

    One row per person, worked day and shift segment (``agent,start,end,day,breaks``), in the
    roster CSV format of ``docs/reference/scenario.md``.
    """
    rows = []
    for person in roster.people:
        if person.kind.group == group:
            for day, shift in enumerate(person.shifts):
                if shift is not None:
                    rows += segment_rows(person.person, shift, day)
    return rows

"""Shift schedules at least cost: how many agents work each shift, as an integer program.

For each day, with ``x_p`` the agents on shift variant ``p`` and ``u_i`` the agents missing in
interval ``i``::

    minimise    sum_p cost_p x_p + M sum_i u_i
    subject to  sum_p a_ip x_p + u_i >= r_i            every interval i of the opening hours
                sum_p x_p <= max_agents                (when given)
                sum_p (part_p - share) x_p <= 0        (part-time share, when given)
                x_p >= 0 integer, u_i >= 0

``a_ip`` is the share of interval ``i`` that an agent on shift ``p`` is on the phones (its
segments less its breaks), ``r_i = max(required_i, min_agents)`` and ``M`` the penalty of one
agent missing for one interval. Coverage is soft, so a schedule always exists: when the limits
make the requirement impossible, the unmet demand ``u`` says where and by how much. The program
is solved with :func:`scipy.optimize.milp` (HiGHS); its LP relaxation gives a lower bound on the
cost of any schedule. See ``docs/reference/planning.md``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp

from sim.errors import CcsimError, ScenarioError
from sim.planning.patterns import Limits, Patterns, ShiftVariant, shift_variants
from sim.planning.requirements import IntervalGrid, RequiredAgents
from sim.scenario import load_scenario, scenario_from_dict
from sim.scenario.inputs import rebased_inputs
from sim.scenario.load import read_yaml
from sim.scenario.schema import STAFFING_FORMS
from sim.scenario.shifts import span_text
from sim.units import SECONDS_PER_MINUTE, clock_to_s, s_to_clock

MIP_REL_GAP = 1e-6
"""HiGHS stops when the schedule's cost is within this share of the best bound."""
TIME_LIMIT_S = 120.0
"""Longest solve of one day's program, seconds; the best schedule found by then is kept."""
DEFAULT_PENALTY_FACTOR = 1000.0
"""Default penalty of one agent missing for one interval, in units of the dearest shift."""
ROSTER_COLUMNS = ("agent", "start", "end", "day", "breaks")


@dataclass(frozen=True)
class DaySchedule:
    """The optimal schedule of one day.

    Attributes
    ----------
    day : int or None
        Day (0-based), or None when the requirements hold every day.
    agents : int64[P]
        Agents on each shift variant.
    required : float64[I]
        Agents to have on the phones: the requirement, at least the minimum agents.
    on_phones : float64[I]
        Agents on the phones in the schedule, breaks deducted (mean over the interval).
    unmet : float64[I]
        Agents missing, ``max(0, required - on_phones)``.
    cost : float
        Cost of the shifts.
    lp_bound : float
        Optimum of the LP relaxation (cost plus penalties): no schedule does better.
    """

    day: int | None
    agents: NDArray[np.int64]
    required: NDArray[np.float64]
    on_phones: NDArray[np.float64]
    unmet: NDArray[np.float64]
    cost: float
    lp_bound: float


@dataclass(frozen=True)
class Schedule:
    """Agents per shift variant for every day, with coverage, cost and the LP bound.

    Attributes
    ----------
    grid : IntervalGrid
        The opening hours, cut into planning intervals, and the days.
    variants : tuple of ShiftVariant
        Every shift the patterns allow.
    days : tuple of DaySchedule
        One schedule per day of the grid.
    unmet_penalty : float
        Cost of one agent missing for one interval.
    """

    grid: IntervalGrid
    variants: tuple[ShiftVariant, ...]
    days: tuple[DaySchedule, ...]
    unmet_penalty: float

    @property
    def cost(self) -> float:
        """Cost of every shift of every day."""
        return sum(day.cost for day in self.days)

    @property
    def unmet(self) -> float:
        """Agent-intervals missing over every day."""
        return float(sum(day.unmet.sum() for day in self.days))

    @property
    def objective(self) -> float:
        """Cost plus the penalty of the unmet demand."""
        return self.cost + self.unmet_penalty * self.unmet

    @property
    def lp_bound(self) -> float:
        """Lower bound on the objective: the LP relaxations' optima summed over the days."""
        return sum(day.lp_bound for day in self.days)

    @property
    def gap(self) -> float:
        """Share of the objective above the LP bound (0 when the objective is 0)."""
        return (self.objective - self.lp_bound) / self.objective if self.objective else 0.0


@dataclass(frozen=True)
class CoverProgram:
    """The covering integer program: agents per shift variant for a requirement per interval.

    Attributes
    ----------
    coverage : float64[I, P]
        Share of interval i that an agent on variant p is on the phones.
    costs : float64[P]
        Cost of one agent on each variant.
    part_time : bool[P]
        Whether each variant is part-time.
    penalty : float
        Cost of one agent missing for one interval.
    limits : Limits
        Part-time share and maximum agents (the minimum is in the requirement).
    """

    coverage: NDArray[np.float64]
    costs: NDArray[np.float64]
    part_time: NDArray[np.bool_]
    penalty: float
    limits: Limits

    def solve(
        self,
        required: NDArray[np.float64],
        *,
        integral: bool,
        fewest: NDArray[np.float64] | None = None,
    ) -> tuple[NDArray[np.float64], float]:
        """Return the agents per variant and the objective, integral or LP relaxation.

        Parameters
        ----------
        required : float64[I]
            Agents to have on the phones in each interval.
        integral : bool
            Whole agents (the integer program), or its LP relaxation.
        fewest : float64[P], optional
            Fewest agents on each variant (default 0).
        """
        n_intervals, n_variants = self.coverage.shape
        objective = np.concatenate([self.costs, np.full(n_intervals, self.penalty)])
        lower = np.zeros(n_variants) if fewest is None else fewest
        result = milp(
            objective,
            integrality=np.concatenate([np.full(n_variants, int(integral)), np.zeros(n_intervals)]),
            bounds=Bounds(np.concatenate([lower, np.zeros(n_intervals)]), np.inf),
            constraints=self._constraints(required),
            options={"mip_rel_gap": MIP_REL_GAP, "time_limit": TIME_LIMIT_S},
        )
        if result.x is None:
            raise CcsimError(f"the schedule solver found no solution: {result.message}")
        return result.x[:n_variants], float(result.fun)

    def _constraints(self, required: NDArray[np.float64]) -> list[LinearConstraint]:
        n_intervals, n_variants = self.coverage.shape
        no_unmet = np.zeros(n_intervals)
        constraints = [
            LinearConstraint(np.hstack([self.coverage, np.eye(n_intervals)]), lb=required)
        ]
        if self.limits.max_agents is not None:
            every_agent = np.concatenate([np.ones(n_variants), no_unmet])
            constraints.append(LinearConstraint(every_agent, ub=self.limits.max_agents))
        share = self.limits.max_part_time_share
        if share is not None and self.part_time.any():
            excess = np.concatenate([self.part_time - share, no_unmet])
            constraints.append(LinearConstraint(excess, ub=0.0))
        return constraints


def optimise_schedule(
    required: RequiredAgents, patterns: Patterns, source: str, limits: Limits | None = None
) -> Schedule:
    """Choose the agents per shift variant that cover the requirement at least cost.

    Parameters
    ----------
    required : RequiredAgents
        Agents to schedule per day and interval (:func:`read_requirements`).
    patterns : Patterns
        Opening hours, shift families, costs and limits.
    source : str
        The patterns file, for messages.
    limits : Limits, optional
        Limits to use instead of the patterns file's.

    Returns
    -------
    Schedule
        The optimal schedule of every day (within a relative gap of ``MIP_REL_GAP``), with
        the unmet demand where the limits do not allow covering the requirement.

    Raises
    ------
    ScenarioError
        When a shift falls outside the opening hours, or the requirement needs agents outside
        them.

    Notes
    -----
    Days are independent programs. Agents on the phones are counted as the mean over each
    interval, so a 15-minute break in a 30-minute interval removes half an agent.
    """
    grid = opening_grid(required, patterns, source)
    demand = demand_on(grid, required, source)
    variants = shift_variants(patterns, source, grid.open_s, grid.close_s)
    costs = np.array([variant.cost for variant in variants])
    limits = patterns.limits if limits is None else limits
    program = CoverProgram(
        coverage=np.column_stack(
            [variant.on_phones(grid.starts_s(), grid.interval_s) for variant in variants]
        ),
        costs=costs,
        part_time=np.array([variant.part_time for variant in variants]),
        penalty=patterns.unmet_penalty or DEFAULT_PENALTY_FACTOR * max(costs.max(), 1.0),
        limits=limits,
    )
    days = tuple(
        _schedule_day(program, day, np.maximum(demand[index], limits.min_agents))
        for index, day in enumerate(grid.days)
    )
    return Schedule(grid, variants, days, program.penalty)


def _schedule_day(
    program: CoverProgram, day: int | None, required: NDArray[np.float64]
) -> DaySchedule:
    agents = np.rint(program.solve(required, integral=True)[0]).astype(np.int64)
    _, lp_bound = program.solve(required, integral=False)
    on_phones = program.coverage @ agents
    unmet = np.clip(np.round(required - on_phones, 9), 0.0, None)
    cost = float(program.costs @ agents)
    return DaySchedule(day, agents, required, on_phones, unmet, cost, lp_bound)


def opening_grid(required: RequiredAgents, patterns: Patterns, source: str) -> IntervalGrid:
    """Return the opening hours (the patterns file's, else the requirements') cut in intervals."""
    given = required.grid
    open_s = clock_to_s(patterns.open) if patterns.open is not None else given.open_s
    close_s = clock_to_s(patterns.close) if patterns.close is not None else given.close_s
    first = (given.open_s - open_s) / given.interval_s
    n_intervals = (close_s - open_s) / given.interval_s
    if first != round(first) or n_intervals != round(n_intervals):
        message = (
            f"opening hours {s_to_clock(open_s)}-{s_to_clock(close_s)} are not whole "
            f"{given.interval_s / SECONDS_PER_MINUTE:g}-minute intervals of the requirements "
            f"(got requirements from {s_to_clock(given.open_s)})"
        )
        raise ScenarioError(source, "open", message)
    return IntervalGrid(open_s, given.interval_s, round(n_intervals), given.days)


def demand_on(grid: IntervalGrid, required: RequiredAgents, source: str) -> NDArray[np.float64]:
    """Return the requirement on the opening hours' grid (float64[D, I]; 0 where not given)."""
    given = required.grid
    columns = round((given.open_s - grid.open_s) / grid.interval_s) + np.arange(given.n_intervals)
    inside = (columns >= 0) & (columns < grid.n_intervals)
    outside = np.flatnonzero(~inside & (required.agents > 0).any(axis=0))
    if outside.size:
        message = (
            f"needs agents at {given.labels()[outside[0]]}, outside the opening hours "
            f"{s_to_clock(grid.open_s)}-{s_to_clock(grid.close_s)} of {source}"
        )
        raise ScenarioError(required.source, "", message)
    demand = np.zeros((len(grid.days), grid.n_intervals))
    demand[:, columns[inside]] = required.agents[:, inside]
    return demand


def shift_table(schedule: Schedule) -> pd.DataFrame:
    """Return the shifts worked: one row per day and shift variant with agents.

    Returns
    -------
    pandas.DataFrame
        ``day`` (Int64, NA for every day), ``family``, ``start``, ``end`` (clock times of the
        first segment's start and the last one's end), ``part_time``, ``paid_h``, ``cost``
        (per shift) and ``agents``.
    """
    rows = [
        (
            day.day,
            variant.family,
            s_to_clock(variant.start_s),
            s_to_clock(variant.duty.end_s),
            variant.part_time,
            variant.paid_h,
            variant.cost,
            int(agents),
        )
        for day in schedule.days
        for variant, agents in zip(schedule.variants, day.agents, strict=True)
        if agents > 0
    ]
    columns = ["day", "family", "start", "end", "part_time", "paid_h", "cost", "agents"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({"day": "Int64", "agents": "int64"})


def interval_table(schedule: Schedule) -> pd.DataFrame:
    """Return requirement and coverage per day and interval.

    Returns
    -------
    pandas.DataFrame
        ``day`` (Int64), ``interval_start``, ``required`` (at least the minimum agents),
        ``on_phones`` (scheduled agents, breaks deducted) and ``unmet`` (agents missing).
    """
    grid = schedule.grid
    return pd.DataFrame(
        {
            "day": grid.day_column(grid.n_intervals),
            "interval_start": np.tile(grid.labels(), len(grid.days)),
            "required": np.concatenate([day.required for day in schedule.days]),
            "on_phones": np.concatenate([day.on_phones for day in schedule.days]),
            "unmet": np.concatenate([day.unmet for day in schedule.days]),
        }
    )


def roster_rows(schedule: Schedule) -> list[dict[str, Any]]:
    """Return the roster: one row per agent and shift segment, as a scenario's roster takes it.

    Agents are named ``FAMILY-HHMM-K`` (``dDAY-`` in front when the requirements name days);
    a row's ``breaks`` are the breaks inside its segment, ``HH:MM-HH:MM`` joined by ``;``.
    Keys without a value (``day`` for every day, ``breaks`` without breaks) are left out.
    """
    rows = []
    for day in schedule.days:
        prefix = f"d{day.day}-" if day.day is not None else ""
        numbered: Counter[str] = Counter()  # variants of one start differ by break placement
        for variant, agents in zip(schedule.variants, day.agents, strict=True):
            agent = f"{prefix}{variant.family}-{s_to_clock(variant.start_s).replace(':', '')}"
            for _ in range(int(agents)):
                numbered[agent] += 1
                rows += segment_rows(f"{agent}-{numbered[agent]:02d}", variant, day.day)
    return rows


def segment_rows(agent: str, variant: ShiftVariant, day: int | None) -> list[dict[str, Any]]:
    """Return the roster rows of one agent on one shift: one per segment, with its breaks."""
    rows = []
    for start, end in variant.duty.segments:
        pauses = [span_text(a, a + length) for a, length in variant.duty.breaks if start <= a < end]
        row: dict[str, Any] = {"agent": agent, "start": s_to_clock(start), "end": s_to_clock(end)}
        if day is not None:
            row["day"] = day
        if pauses:
            row["breaks"] = ";".join(pauses)
        rows.append(row)
    return rows


def roster_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Return roster rows as the roster CSV's table (``agent,start,end,day,breaks``)."""
    frame = pd.DataFrame(rows, columns=list(ROSTER_COLUMNS))
    return frame.astype({"day": "Int64"})


def scenario_with_roster(
    base: str | Path,
    group: str | None,
    folder: str | Path,
    rows: list[dict[str, Any]],
    roster_name: str = "roster.csv",
) -> str:
    """Return a copy of a base scenario whose group is staffed by the roster, as YAML text.

    The copy is meant for ``folder``, beside the roster file ``roster_name``: the group's
    ``headcount``, ``shifts`` or ``roster`` (and ``overtime``) give way to ``roster:
    roster_name``, and the base's other CSV inputs are renamed to resolve from ``folder``. The
    copy is validated (with the roster rows inline) before it is returned; ``folder`` is
    created for that if need be, so that the renamed inputs can be read from it.

    Parameters
    ----------
    base : str or Path
        The base scenario file.
    group : str or None
        The group to staff; None picks the base's only group.
    folder : str or Path
        Folder the copy will be written to.
    rows : list of dict
        Roster rows (:func:`roster_rows`).
    roster_name : str
        File name of the roster, relative to ``folder``.

    Raises
    ------
    ScenarioError
        When the base is invalid, the group unknown, or the roster does not fit the base
        (days, opening hours).
    """
    name = _staffed_group(load_scenario(base).groups, group, str(base))
    return scenario_with_rosters(base, folder, {name: (roster_name, rows)})


def scenario_with_rosters(
    base: str | Path, folder: str | Path, rosters: dict[str, tuple[str, list[dict[str, Any]]]]
) -> str:
    """Return a copy of a base scenario whose groups are staffed by rosters, as YAML text.

    As :func:`scenario_with_roster`, for several groups: ``rosters`` maps each group to staff
    to its roster file name (relative to ``folder``) and rows.

    Raises
    ------
    ScenarioError
        When the base is invalid, a group unknown, or a roster does not fit the base.
    """
    source, target = str(base), Path(folder)
    groups = load_scenario(base).groups
    for name in rosters:
        _staffed_group(groups, name, source)
    raw = rebased_inputs(read_yaml(Path(base), source), Path(base).parent, target)

    def with_rosters(use_rows: bool) -> dict[str, Any]:
        staffed = dict(raw["groups"])
        for name, (roster_name, rows) in rosters.items():
            kept = {
                key: value
                for key, value in raw["groups"][name].items()
                if key not in (*STAFFING_FORMS, "overtime")
            }
            staffed[name] = {**kept, "roster": rows if use_rows else roster_name}
        return {**raw, "groups": staffed}

    target.mkdir(parents=True, exist_ok=True)
    scenario_from_dict(with_rosters(True), source=str(target / "scenario.yaml"), base_dir=target)
    staffed = ", ".join(f"{name} staffed by {file}" for name, (file, _) in rosters.items())
    plural = "s" if len(rosters) > 1 else ""
    header = f"# {Path(base).name} with group{plural} {staffed}\n"
    return header + yaml.safe_dump(
        with_rosters(False),
        sort_keys=False,
        default_flow_style=None,
        allow_unicode=True,
        width=100,
    )


def _staffed_group(groups: dict[str, Any], group: str | None, source: str) -> str:
    if group is None and len(groups) == 1:
        return next(iter(groups))
    if group not in groups:
        message = f"name the group to staff, one of: {', '.join(groups)} (got {group!r})"
        raise ScenarioError(source, "groups", message)
    return group

"""Simulation-based staffing of a group on shifts: the schedule re-solved with agents added.

A group staffed by shift patterns is planned as agents per *shift start*: a fixed or split
shift is one start, a staggered shift one start per offset (written back to the scenario as a
fixed shift named ``SHIFT_HHMM``). Every agent on a start works its shift on the shift's days,
and is on the phones in each interval of each day for the share of the interval inside its
segments less its breaks, times ``1 - absenteeism`` (expected agents present).

The requirement the group must cover in each day and interval (Erlang's start,
:mod:`sim.planning.demand`) less its overtime, in expectation, at the least paid hours, is an
integer program (:class:`~sim.planning.schedule.CoverProgram`, HiGHS). Each round of
the simulation raises the requirement by one agent in every interval that misses, and the
program is solved again with no start losing agents, so staffing only grows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim.errors import UsageError
from sim.planning.patterns import Limits, spans_coverage
from sim.planning.schedule import DEFAULT_PENALTY_FACTOR, CoverProgram
from sim.scenario import Scenario
from sim.units import SECONDS_PER_HOUR, SECONDS_PER_MINUTE, s_to_clock


@dataclass(frozen=True)
class ShiftStart:
    """One start of one of the group's shifts: a column of the covering program.

    Attributes
    ----------
    shift : str
        The scenario's shift pattern.
    name : str
        Its name in the staffed scenario: the pattern's own, or ``SHIFT_HHMM`` for one start of
        a staggered pattern.
    start_s : float
        First start, seconds after midnight.
    on_duty : float64[D * I]
        Share of each day's interval that one agent on it is on the phones (breaks deducted).
    paid_h : float
        Hours on duty over the calendar (segments, breaks included).
    """

    shift: str
    name: str
    start_s: float
    on_duty: NDArray[np.float64]
    paid_h: float


def shift_starts(scenario: Scenario, group: str, source: str) -> list[ShiftStart]:
    """Return every start of the group's shift patterns, in the group's order.

    Raises
    ------
    UsageError
        When a staggered pattern carries overtime (overtime goes to the first agents of a
        pattern, which a plan by start cannot say), or a start's name is taken.
    """
    spec = scenario.groups[group]
    overtime = {entry.shift for entry in spec.overtime}
    starts: list[ShiftStart] = []
    for name in spec.shifts or {}:
        shift = scenario.shifts[name]
        first_starts = shift.first_starts_s()
        if len(first_starts) > 1 and name in overtime:
            raise UsageError(
                f"{source}: groups.{group}.overtime: simulation-based staffing plans staggered "
                f"shifts by start and cannot keep overtime on one (got shift {name!r})"
            )
        for start_s in first_starts:
            label = name if len(first_starts) == 1 else f"{name}_{_hhmm(start_s)}"
            if label != name and label in scenario.shifts:
                raise UsageError(
                    f"{source}: shifts.{label}: the name is needed for a start of the staggered "
                    f"shift {name!r}; rename it"
                )
            duty = shift.duty(start_s, scenario.breaks_of(shift))
            starts.append(
                ShiftStart(
                    shift=name,
                    name=label,
                    start_s=start_s,
                    on_duty=_week_cover(scenario, duty.segments, duty.breaks, shift.days),
                    paid_h=_worked_days(scenario, shift.days)
                    * sum(end - begin for begin, end in duty.segments)
                    / SECONDS_PER_HOUR,
                )
            )
    return starts


def _hhmm(start_s: float) -> str:
    return s_to_clock(start_s).replace(":", "")


def _worked_days(scenario: Scenario, days: list[int | str] | None) -> int:
    return len(scenario.working_days(days))


def _week_cover(
    scenario: Scenario,
    segments: tuple[tuple[float, float], ...],
    breaks: tuple[tuple[float, float], ...],
    days: list[int | str] | None,
) -> NDArray[np.float64]:
    """Return the on-phone share of every day's interval (float64[D * I]) of one agent."""
    starts_s = scenario.open_s + np.arange(scenario.n_intervals, dtype=np.float64) * (
        scenario.interval_s
    )
    pauses = [(start, start + length) for start, length in breaks]
    day_cover = spans_coverage(segments, starts_s, scenario.interval_s) - spans_coverage(
        pauses, starts_s, scenario.interval_s
    )
    worked = np.zeros(scenario.n_days)
    worked[scenario.working_days(days)] = 1.0
    return np.outer(worked, day_cover).ravel()


def overtime_on_phones(scenario: Scenario, group: str) -> NDArray[np.float64]:
    """Return the group's agents on the phones in overtime, expected (float64[D * I])."""
    spec = scenario.groups[group]
    cover = np.zeros(scenario.n_days * scenario.n_intervals)
    for entry in spec.overtime:
        shift = scenario.shifts[entry.shift]
        end_s = shift.duty(shift.first_starts_s()[0], []).end_s
        extra = ((end_s, end_s + entry.minutes * SECONDS_PER_MINUTE),)
        cover += entry.agents * _week_cover(scenario, extra, (), shift.days)
    return cover * (1.0 - spec.absenteeism)


class ShiftStaffer:
    """Agents per shift start of one group, grown round by round.

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    group : str
        The group on shifts to staff.
    required : float64[D * I]
        Agents the group must have on the phones in each day's interval, expected (Erlang's
        start, :func:`sim.planning.demand.start_requirements`); its overtime counts towards it.
    source : str
        File named in errors.
    """

    def __init__(
        self, scenario: Scenario, group: str, required: NDArray[np.float64], source: str
    ) -> None:
        self._group = group
        self.starts = shift_starts(scenario, group, source)
        spec = scenario.groups[group]
        overtime = overtime_on_phones(scenario, group)
        self._overtime = overtime / (1.0 - spec.absenteeism)
        self._on_duty = np.column_stack([start.on_duty for start in self.starts])
        self.paid_h = np.array([start.paid_h for start in self.starts])
        self._program = CoverProgram(
            coverage=self._on_duty * (1.0 - spec.absenteeism),
            costs=self.paid_h,
            part_time=np.zeros(len(self.starts), dtype=bool),
            penalty=DEFAULT_PENALTY_FACTOR * max(self.paid_h.max(), 1.0),
            limits=Limits(),
        )
        self._fewest = self._overtime_floor(scenario)
        self._required = np.clip(required - overtime, 0.0, None)
        self.agents = self._solve()
        self.erlang_agents = self.agents.copy()

    def _overtime_floor(self, scenario: Scenario) -> NDArray[np.float64]:
        """Fewest agents per start: those the group's overtime names."""
        overtime = {entry.shift: entry.agents for entry in scenario.groups[self._group].overtime}
        return np.array([float(overtime.get(start.shift, 0)) for start in self.starts])

    def _solve(self) -> NDArray[np.int64]:
        counts, _ = self._program.solve(self._required, integral=True, fewest=self._fewest)
        return np.rint(counts).astype(np.int64)

    def add(self, short: NDArray[np.bool_]) -> bool:
        """Ask one agent more on the phones where ``short``; return whether agents were added."""
        self._required = self._required + short
        self._fewest = self.agents.astype(np.float64)
        before = self.agents
        self.agents = self._solve()
        return bool((self.agents > before).any())

    def reach(self) -> NDArray[np.bool_]:
        """Return the days' intervals where one of the group's shifts works."""
        return np.asarray((self._on_duty > 0.0).any(axis=1))

    def on_duty(self) -> NDArray[np.float64]:
        """Return the group's agents on the phones per day and interval, before absence."""
        return self._on_duty @ self.agents + self._overtime

    def staffed(self, document: dict[str, Any]) -> dict[str, Any]:
        """Return the scenario with the group working the agents per start (plain data)."""
        patterns = dict(document.get("shifts") or {})
        for start in self.starts:
            if start.name != start.shift:
                fixed = {
                    key: value
                    for key, value in patterns[start.shift].items()
                    if key not in ("every_minutes", "until")
                }
                patterns[start.name] = {**fixed, "start": s_to_clock(start.start_s)}
        worked = {s.name: int(n) for s, n in zip(self.starts, self.agents, strict=True) if n > 0}
        groups = {**document["groups"]}
        groups[self._group] = {**groups[self._group], "shifts": worked}
        return {**document, "shifts": patterns, "groups": groups}

    def shift_table(self) -> pd.DataFrame:
        """Return per start: Erlang's agents, the agents found, the uplift and paid hours."""
        return pd.DataFrame(
            {
                "group": self._group,
                "shift": [start.name for start in self.starts],
                "start": [s_to_clock(start.start_s) for start in self.starts],
                "erlang": self.erlang_agents,
                "agents": self.agents,
                "uplift": self.agents - self.erlang_agents,
                "paid_h_per_agent": self.paid_h,
            }
        )

"""Staffing of a scenario: every agent's working days, the roster events and the scheduled time.

A group's agents come from its staffing form (headcount per interval, shift patterns or roster
rows). Each agent has a :data:`Week`: one :class:`~sim.scenario.shifts.Duty` (or None) per day
of the calendar. Time is seconds since midnight of day 0, as in the plan.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

from sim.scenario.schema import Group, Scenario
from sim.scenario.shifts import Duty, RosterRow
from sim.units import SECONDS_PER_MINUTE

Week = tuple[Duty | None, ...]
"""One agent's duty on each day of the calendar (None: not working)."""


class RosterKind(IntEnum):
    """Staffing events; at equal times they happen in this order, then by agent."""

    CLOSE = 0  # the day closes: waiting calls are dropped if the scenario says so or no one is on
    OFF = 1  # shift end: an idle agent leaves, a busy one finishes the call first
    OFF_DRAIN = 2  # shift end at closing with drain: stay while calls wait
    BREAK = 3  # a break (length in roster_length_s) starts; a busy agent finishes the call first
    ON = 4  # shift start


@dataclass(frozen=True)
class Staff:
    """Every agent of a scenario, group by group in scenario order.

    Attributes
    ----------
    agent_group : list of int
        Group index of each agent.
    weeks : list of Week
        Each agent's working days.
    """

    agent_group: list[int]
    weeks: list[Week]


@dataclass(frozen=True)
class RosterEvents:
    """Staffing events sorted by ``(at, kind, who)``; ``E`` events.

    Attributes
    ----------
    at : float64[E]
        Instants, seconds since midnight of day 0.
    kind : int64[E]
        :class:`RosterKind` of each event.
    who : int64[E]
        The agent, or the day for CLOSE.
    day : int64[E]
        Day of the event.
    length_s : float64[E]
        Break length for BREAK events, seconds (0 otherwise).
    """

    at: NDArray[np.float64]
    kind: NDArray[np.int64]
    who: NDArray[np.int64]
    day: NDArray[np.int64]
    length_s: NDArray[np.float64]


def staff_of(scenario: Scenario) -> Staff:
    """Return the agents of a validated scenario and their working days.

    Within a group, agents follow the staffing: by headcount, agent ``i`` works the intervals
    where ``i < headcount``; by shifts, pattern by pattern in the group's order, agent ``i`` of
    a staggered pattern taking start ``i mod n_starts`` and the first ``n`` of a pattern taking
    its overtime; by roster, agents in order of first appearance.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.

    Returns
    -------
    Staff
        Group and working days of every agent.
    """
    agent_group: list[int] = []
    weeks: list[Week] = []
    for index, group in enumerate(scenario.groups.values()):
        group_weeks = _group_weeks(scenario, group)
        agent_group += [index] * len(group_weeks)
        weeks += group_weeks
    return Staff(agent_group, weeks)


def _group_weeks(scenario: Scenario, group: Group) -> list[Week]:
    if group.roster is not None:
        return _roster_weeks(group.roster, scenario)
    if group.shifts is not None:
        return _shift_weeks(scenario, group)
    assert group.headcount is not None
    return _headcount_weeks(scenario, group.headcount)


def _headcount_weeks(scenario: Scenario, headcount: int | list[int]) -> list[Week]:
    """Agent ``i`` works the intervals where ``i < headcount`` that are open on each day."""
    counts = headcount if isinstance(headcount, list) else [headcount] * scenario.n_intervals
    open_masks = [_open_mask(scenario, day) for day in range(scenario.n_days)]
    weeks: list[Week] = []
    for agent in range(max(counts, default=0)):
        wanted = [count > agent for count in counts]
        week = [
            _interval_duty(scenario, [w and o for w, o in zip(wanted, mask, strict=True)])
            for mask in open_masks
        ]
        weeks.append(tuple(week))
    return weeks


def _open_mask(scenario: Scenario, day: int) -> list[bool]:
    """Return whether each planning interval of the grid is open on a day."""
    opened = scenario.open_intervals(day)
    return [interval in opened for interval in range(scenario.n_intervals)]


def _interval_duty(scenario: Scenario, on: list[bool]) -> Duty | None:
    """Return the working day on duty in the intervals where ``on`` is true (None: none)."""
    spans = _spans(on)
    if not spans:
        return None
    open_s, interval_s = scenario.open_s, scenario.interval_s
    return Duty(tuple((open_s + a * interval_s, open_s + b * interval_s) for a, b in spans))


def _spans(on: list[bool]) -> list[tuple[int, int]]:
    """Return ``[start, end)`` index ranges where ``on`` is true."""
    padded = np.concatenate([[False], on, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _shift_weeks(scenario: Scenario, group: Group) -> list[Week]:
    overtime = {entry.shift: entry for entry in group.overtime}
    weeks: list[Week] = []
    for name, count in (group.shifts or {}).items():
        shift = scenario.shifts[name]
        breaks = scenario.breaks_of(shift)
        days = scenario.working_days(shift.days)
        for agent in range(count):
            duty = shift.duty(shift.agent_start_s(agent), breaks)
            if name in overtime and agent < overtime[name].agents:
                duty = duty.extended(overtime[name].minutes * SECONDS_PER_MINUTE)
            weeks.append(tuple(duty if day in days else None for day in range(scenario.n_days)))
    return weeks


def _roster_weeks(rows: list[RosterRow], scenario: Scenario) -> list[Week]:
    """Agents in order of first appearance; a row without a day works every open day."""
    duties: dict[str, dict[int, Duty]] = {}  # agent -> day -> duty, agents by first appearance
    for row in rows:
        days = duties.setdefault(row.agent, {})
        for day in scenario.working_days(None if row.day is None else [row.day]):
            days[day] = days[day].merged(row.duty()) if day in days else row.duty()
    return [tuple(days.get(day) for day in range(scenario.n_days)) for days in duties.values()]


def roster_events(
    staff: Staff, day_start_at: NDArray[np.float64], close_at: NDArray[np.float64], *, drain: bool
) -> RosterEvents:
    """Return the sorted staffing events of every agent and day.

    Per agent, day and segment: ON at its start and OFF at its end (OFF_DRAIN when it ends at
    its day's closing and the centre drains); BREAK at each break's start; plus CLOSE at each
    day's closing.

    Parameters
    ----------
    staff : Staff
        Agents and their working days.
    day_start_at : float64[D]
        Midnight of each day, seconds.
    close_at : float64[D]
        Closing instant of each day, seconds (days may close at different times).
    drain : bool
        Whether agents on duty at closing stay while calls wait.

    Returns
    -------
    RosterEvents
        Events sorted by ``(at, kind, who)``.
    """
    events: list[tuple[float, int, int, int, float]] = [
        (float(at), RosterKind.CLOSE, day, day, 0.0) for day, at in enumerate(close_at)
    ]
    for agent, week in enumerate(staff.weeks):
        for day, duty in enumerate(week):
            if duty is not None:
                midnight = float(day_start_at[day])
                drain_at = float(close_at[day]) - midnight if drain else None
                events += _duty_events(duty, midnight, agent, day, drain_at)
    events.sort()
    at, kind, who, days, length_s = zip(*events, strict=True)
    return RosterEvents(
        np.array(at, dtype=np.float64),
        np.array(kind, dtype=np.int64),
        np.array(who, dtype=np.int64),
        np.array(days, dtype=np.int64),
        np.array(length_s, dtype=np.float64),
    )


def _duty_events(
    duty: Duty, midnight: float, agent: int, day: int, drain_at: float | None
) -> Iterator[tuple[float, int, int, int, float]]:
    """Yield ``(at, kind, agent, day, length_s)`` of one agent-day; OFF_DRAIN at ``drain_at``."""
    for start, end in duty.segments:
        off = RosterKind.OFF_DRAIN if end == drain_at else RosterKind.OFF
        yield midnight + start, RosterKind.ON, agent, day, 0.0
        yield midnight + end, off, agent, day, 0.0
    for start, length in duty.breaks:
        yield midnight + start, RosterKind.BREAK, agent, day, length


def scheduled_time(
    staff: Staff, scenario: Scenario
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return the scheduled agents and breaks per day, interval and group.

    Parameters
    ----------
    staff : Staff
        Agents and their working days.
    scenario : Scenario
        The scenario (calendar and number of groups).

    Returns
    -------
    tuple of float64[D, I, G]
        Scheduled agent time in each planning interval divided by the interval's length
        (agents on duty on average, breaks not subtracted), and scheduled break time likewise.
    """
    shape = (scenario.n_days, scenario.n_intervals, len(scenario.groups))
    agents, breaks = np.zeros(shape), np.zeros(shape)
    offsets = np.arange(scenario.n_intervals, dtype=np.float64) * scenario.interval_s
    interval_starts = scenario.open_s + offsets
    for group, week in zip(staff.agent_group, staff.weeks, strict=True):
        for duty, days in _days_by_duty(week).items():
            for start, end in duty.segments:
                agents[days, :, group] += span_coverage(
                    start, end, interval_starts, scenario.interval_s
                )
            for start, length in duty.breaks:
                cover = span_coverage(start, start + length, interval_starts, scenario.interval_s)
                breaks[days, :, group] += cover
    return agents, breaks


def _days_by_duty(week: Week) -> dict[Duty, list[int]]:
    days: dict[Duty, list[int]] = {}
    for day, duty in enumerate(week):
        if duty is not None:
            days.setdefault(duty, []).append(day)
    return days


def span_coverage(
    start: float, end: float, interval_starts: NDArray[np.float64], interval_s: float
) -> NDArray[np.float64]:
    """Return the fraction of each interval that the span ``[start, end)`` covers.

    Parameters
    ----------
    start, end : float
        The span, seconds after midnight.
    interval_starts : float64[I]
        Starts of the intervals, seconds after midnight.
    interval_s : float
        Length of every interval, seconds.

    Returns
    -------
    float64[I]
        Share of each interval inside the span, in [0, 1].
    """
    overlap = np.minimum(end, interval_starts + interval_s) - np.maximum(start, interval_starts)
    return np.clip(overlap, 0.0, None) / interval_s

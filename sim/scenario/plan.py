"""Scenario -> Plan: the deterministic tables both engines run (no randomness here).

Time is seconds since midnight of day 0. Day ``d`` opens at ``d * 86400 + open_s``. Each day has
``n_intervals`` planning intervals and, for agent time only, one extra *after-close* slot that
runs until the next opening (drain time after closing is counted there).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.scenario.distributions import HandleTime, Patience, dist_parameters
from sim.scenario.schema import CallType, Group, Scenario
from sim.units import SECONDS_PER_DAY


class RosterKind(IntEnum):
    """Staffing events; at equal times they happen in this order, then by agent."""

    CLOSE = 0  # the day closes: waiting calls are dropped if the scenario says so or no one is on
    OFF = 1  # shift end: an idle agent leaves, a busy one finishes the call first
    OFF_DRAIN = 2  # shift end at closing with drain: stay while calls wait
    ON = 3  # shift start


@dataclass(frozen=True, eq=False)
class Plan:
    """Everything the engines need, as arrays; indices follow the scenario's order.

    Attributes
    ----------
    name : str
        Scenario name.
    call_types, groups : tuple of str
        Names; call type ``k`` and group ``g`` are positions in these tuples.
    n_days, n_intervals : int
        Days, and planning intervals per day.
    interval_s : float
        Planning interval length, seconds.
    warmup_intervals : int
        Leading intervals of day 0 left out of KPIs (steady state).
    open_at, close_at : float64[n_days]
        Opening and closing instants, seconds.
    segment_start_at, segment_end_at : float64[n_days * n_intervals]
        Arrival segments (the planning intervals, day after day).
    rate_per_s : float64[n_call_types, n_days * n_intervals]
        Arrival rate of each call type in each segment, calls per second.
    priority : int64[n_call_types]
        Higher is served first.
    handle_code, handle_p1, handle_p2 : int64, float64, float64 [n_call_types]
        Talk time distribution (see :class:`~sim.scenario.distributions.DistCode`).
    acw_s : float64[n_call_types]
        After-call work, seconds.
    patience_code, patience_p1, patience_p2 : int64, float64, float64 [n_call_types]
        Patience distribution.
    agent_group : int64[n_agents]
        Group of each agent.
    roster_at, roster_kind, roster_who : float64, int64, int64 [n_events]
        Staffing events sorted by (time, kind, who); ``who`` is the agent, or the day for CLOSE.
    slot_start_at : float64[n_days * (n_intervals + 1)]
        Start of each agent-time slot: the intervals of a day, then its after-close slot.
    scheduled_agents : int64[n_days, n_intervals, n_groups]
        Agents scheduled on duty in each interval.
    threshold_s, short_abandon_s, sl_target : float
        Service-level threshold, short-abandon limit (seconds) and target.
    sl_definition : str
        Service-level definition.
    drops_at_close : bool
        Whether calls still waiting at closing are dropped.
    steady_state : bool
        One stationary period: the drain after the horizon is left out of agent KPIs.
    """

    name: str
    call_types: tuple[str, ...]
    groups: tuple[str, ...]
    n_days: int
    n_intervals: int
    interval_s: float
    warmup_intervals: int
    open_at: NDArray[np.float64]
    close_at: NDArray[np.float64]
    segment_start_at: NDArray[np.float64]
    segment_end_at: NDArray[np.float64]
    rate_per_s: NDArray[np.float64]
    priority: NDArray[np.int64]
    handle_code: NDArray[np.int64]
    handle_p1: NDArray[np.float64]
    handle_p2: NDArray[np.float64]
    acw_s: NDArray[np.float64]
    patience_code: NDArray[np.int64]
    patience_p1: NDArray[np.float64]
    patience_p2: NDArray[np.float64]
    agent_group: NDArray[np.int64]
    roster_at: NDArray[np.float64]
    roster_kind: NDArray[np.int64]
    roster_who: NDArray[np.int64]
    slot_start_at: NDArray[np.float64]
    scheduled_agents: NDArray[np.int64]
    threshold_s: float
    short_abandon_s: float
    sl_target: float
    sl_definition: str
    drops_at_close: bool
    steady_state: bool

    @property
    def n_call_types(self) -> int:
        """Number of call types."""
        return len(self.call_types)

    @property
    def n_agents(self) -> int:
        """Number of agents (all who are ever on duty)."""
        return len(self.agent_group)

    @property
    def n_slots(self) -> int:
        """Agent-time slots per day: the intervals plus the after-close slot."""
        return self.n_intervals + 1

    def expected_calls(self) -> float:
        """Return the expected number of offered calls of one replication."""
        return float(np.sum(self.rate_per_s * (self.segment_end_at - self.segment_start_at)))


def build_plan(scenario: Scenario) -> Plan:
    """Derive the engines' tables from a validated scenario.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.

    Returns
    -------
    Plan
        Deterministic arrays; equal scenarios give equal plans.
    """
    n_days, n_intervals, interval_s = scenario.n_days, scenario.n_intervals, scenario.interval_s
    day_start_at: NDArray[np.float64] = np.arange(n_days, dtype=np.float64) * SECONDS_PER_DAY
    open_at = day_start_at + scenario.open_s
    close_at = day_start_at + scenario.close_s
    offsets = np.arange(n_intervals) * interval_s
    segment_start_at = (open_at[:, None] + offsets[None, :]).ravel()
    slot_offsets = np.arange(n_intervals + 1) * interval_s
    headcounts = [_headcount(group, n_intervals) for group in scenario.groups.values()]
    agent_group, roster = _roster(headcounts, open_at, interval_s, scenario.drops_at_close)
    call_types = list(scenario.call_types.values())
    sl = scenario.service_level
    return Plan(
        name=scenario.name,
        call_types=tuple(scenario.call_types),
        groups=tuple(scenario.groups),
        n_days=n_days,
        n_intervals=n_intervals,
        interval_s=interval_s,
        warmup_intervals=scenario.warmup_intervals,
        open_at=open_at,
        close_at=close_at,
        segment_start_at=segment_start_at,
        segment_end_at=segment_start_at + interval_s,
        rate_per_s=_rates(call_types, n_days, n_intervals, interval_s),
        priority=np.array([c.priority for c in call_types], dtype=np.int64),
        **_dist_columns("handle", [c.handle_time for c in call_types]),
        acw_s=np.array([c.handle_time.acw_s for c in call_types], dtype=np.float64),
        **_dist_columns("patience", [c.patience for c in call_types]),
        agent_group=agent_group,
        roster_at=roster[0],
        roster_kind=roster[1],
        roster_who=roster[2],
        slot_start_at=(open_at[:, None] + slot_offsets[None, :]).ravel(),
        scheduled_agents=np.stack([np.tile(h, (n_days, 1)) for h in headcounts], axis=-1),
        threshold_s=sl.threshold_s,
        short_abandon_s=sl.short_abandon_s,
        sl_target=sl.target,
        sl_definition=sl.definition,
        drops_at_close=scenario.drops_at_close,
        steady_state=scenario.steady_state is not None,
    )


def _rates(
    call_types: list[CallType], n_days: int, n_intervals: int, interval_s: float
) -> NDArray[np.float64]:
    per_day = np.array([c.volume.calls_per_interval(n_intervals, interval_s) for c in call_types])
    return np.tile(per_day / interval_s, (1, n_days))


def _dist_columns(prefix: str, specs: list[HandleTime] | list[Patience]) -> dict[str, NDArray[Any]]:
    rows = [dist_parameters(s.dist, s.mean_s, s.cv) for s in specs]
    return {
        f"{prefix}_code": np.array([int(r[0]) for r in rows], dtype=np.int64),
        f"{prefix}_p1": np.array([r[1] for r in rows], dtype=np.float64),
        f"{prefix}_p2": np.array([r[2] for r in rows], dtype=np.float64),
    }


def _headcount(group: Group, n_intervals: int) -> NDArray[np.int64]:
    if isinstance(group.headcount, list):
        return np.array(group.headcount, dtype=np.int64)
    return np.full(n_intervals, group.headcount, dtype=np.int64)


def _roster(
    headcounts: list[NDArray[np.int64]], open_at: NDArray[np.float64], interval_s: float, drop: bool
) -> tuple[NDArray[np.int64], tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]]:
    """Turn per-interval headcounts into agents and sorted ON/OFF/CLOSE events.

    Agent ``i`` of a group is on duty in interval ``j`` when ``i < headcount[j]``: headcount
    changes add or remove the highest-numbered agents at interval boundaries.
    """
    n_intervals = len(headcounts[0])
    close_offset = n_intervals * interval_s
    off_at_close = RosterKind.OFF if drop else RosterKind.OFF_DRAIN
    events: list[tuple[float, int, int]] = []
    agent_group: list[int] = []
    for group, headcount in enumerate(headcounts):
        first_agent = len(agent_group)
        agent_group.extend([group] * int(headcount.max(initial=0)))
        for i in range(int(headcount.max(initial=0))):
            for start, end in _spans(headcount > i):
                for day_open in open_at:
                    end_kind = off_at_close if end == n_intervals else RosterKind.OFF
                    events.append((day_open + start * interval_s, RosterKind.ON, first_agent + i))
                    events.append((day_open + end * interval_s, end_kind, first_agent + i))
    events += [(day_open + close_offset, RosterKind.CLOSE, d) for d, day_open in enumerate(open_at)]
    events.sort()
    at = np.array([e[0] for e in events], dtype=np.float64)
    kind = np.array([int(e[1]) for e in events], dtype=np.int64)
    who = np.array([e[2] for e in events], dtype=np.int64)
    return np.array(agent_group, dtype=np.int64), (at, kind, who)


def _spans(on: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Return ``[start, end)`` index ranges where ``on`` is true."""
    padded = np.concatenate([[False], on, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]

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
    BREAK = 3  # a break (length in roster_length_s) starts; a busy agent finishes the call first
    ON = 4  # shift start


@dataclass(frozen=True, eq=False)
class Plan:
    """Everything the engines need, as arrays; indices follow the scenario's order.

    ``K`` call types, ``G`` groups, ``A`` agents, ``D`` days, ``I`` intervals per day,
    ``S = D * I`` arrival segments (the planning intervals, day after day), ``R`` routing
    entries per call type, ``E`` roster events.

    Attributes
    ----------
    name : str
        Scenario name.
    call_types, groups, tiers : tuple of str
        Names; call type ``k``, group ``g`` and tier ``t`` are positions in these tuples.
    group_role : tuple of str
        Role of each group (``agent``, ``temp``, ...).
    n_days, n_intervals : int
        Days, and planning intervals per day.
    interval_s : float
        Planning interval length, seconds.
    warmup_intervals : int
        Leading intervals of day 0 left out of KPIs (steady state).
    open_at, close_at : float64[D]
        Opening and closing instants, seconds.
    segment_start_at, segment_end_at : float64[S]
        Arrival segments.
    rate_per_s : float64[K, S]
        Expected arrival rate of each call type in each segment, calls per second (before the
        day's busyness multiplier).
    day_cv_shared : float
        CV of a gamma(mean 1) volume multiplier drawn once per day for all call types (0: none).
    day_cv : float64[K]
        CV of a gamma(mean 1) volume multiplier drawn per day and call type (0: none).
    priority : int64[K]
        Higher is served first.
    handle_code : int64[K]
        Talk time distribution (see :class:`~sim.scenario.distributions.DistCode`).
    handle_p1, handle_p2 : float64[K, S]
        Its parameters for calls arriving in each segment.
    acw_s : float64[K, S]
        After-call work, seconds, by segment of arrival.
    patience_code : int64[K]
        Patience distribution.
    patience_p1, patience_p2 : float64[K, S]
        Its parameters by segment of arrival.
    redial_probability : float64[K]
        Probability that a caller who abandons calls again.
    redial_delay_s : float64[K]
        Mean (exponential) delay before that redial, seconds.
    repeat_delay_s : float64[K]
        Mean (exponential) delay before an unresolved call comes back as a repeat call, seconds.
    skill_tier : int64[G, K]
        Tier of each group's skill in each call type; -1 when the group lacks the skill.
    tier_factor : float64[G, K]
        Handle-time factor of that tier (NaN without the skill).
    tier_fcr : float64[G, K]
        First-contact resolution probability of that tier (NaN without the skill).
    routing_group : int64[K, R]
        Groups a call type is offered to, in preference order; -1 pads.
    routing_after_s : float64[K, R]
        Wait after which that group may take the call (0: at once).
    absenteeism : float64[G]
        Probability that an agent-day of the group is absent (drawn per replication).
    agent_group : int64[A]
        Group of each agent.
    roster_at : float64[E]
        Staffing event instants, sorted with kind and who.
    roster_kind : int64[E]
        :class:`RosterKind` of each event.
    roster_who : int64[E]
        The agent, or the day for CLOSE.
    roster_day : int64[E]
        Day of the event (an absent agent-day drops the agent's events of that day).
    roster_length_s : float64[E]
        Break length for BREAK events, seconds (0 otherwise).
    breaks_shorten : bool
        A break delayed by a call still ends at its scheduled end (True), or lasts its full
        length from when the call ends (False).
    slot_start_at : float64[D * (I + 1)]
        Start of each agent-time slot: the intervals of a day, then its after-close slot.
    scheduled_agents : int64[D, I, G]
        Agents whose shift covers each interval (breaks and absences not subtracted).
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
    tiers: tuple[str, ...]
    group_role: tuple[str, ...]
    n_days: int
    n_intervals: int
    interval_s: float
    warmup_intervals: int
    open_at: NDArray[np.float64]
    close_at: NDArray[np.float64]
    segment_start_at: NDArray[np.float64]
    segment_end_at: NDArray[np.float64]
    rate_per_s: NDArray[np.float64]
    day_cv_shared: float
    day_cv: NDArray[np.float64]
    priority: NDArray[np.int64]
    handle_code: NDArray[np.int64]
    handle_p1: NDArray[np.float64]
    handle_p2: NDArray[np.float64]
    acw_s: NDArray[np.float64]
    patience_code: NDArray[np.int64]
    patience_p1: NDArray[np.float64]
    patience_p2: NDArray[np.float64]
    redial_probability: NDArray[np.float64]
    redial_delay_s: NDArray[np.float64]
    repeat_delay_s: NDArray[np.float64]
    skill_tier: NDArray[np.int64]
    tier_factor: NDArray[np.float64]
    tier_fcr: NDArray[np.float64]
    routing_group: NDArray[np.int64]
    routing_after_s: NDArray[np.float64]
    absenteeism: NDArray[np.float64]
    agent_group: NDArray[np.int64]
    roster_at: NDArray[np.float64]
    roster_kind: NDArray[np.int64]
    roster_who: NDArray[np.int64]
    roster_day: NDArray[np.int64]
    roster_length_s: NDArray[np.float64]
    breaks_shorten: bool
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
    def n_groups(self) -> int:
        """Number of agent groups."""
        return len(self.groups)

    @property
    def n_agents(self) -> int:
        """Number of agents (all who are ever on duty)."""
        return len(self.agent_group)

    @property
    def n_slots(self) -> int:
        """Agent-time slots per day: the intervals plus the after-close slot."""
        return self.n_intervals + 1

    def expected_calls(self) -> float:
        """Return the expected number of fresh calls of one replication (no redials, repeats)."""
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
    n_types, n_groups, n_segments = len(call_types), len(scenario.groups), n_days * n_intervals
    sl = scenario.service_level
    return Plan(
        name=scenario.name,
        call_types=tuple(scenario.call_types),
        groups=tuple(scenario.groups),
        tiers=("standard",),
        group_role=("agent",) * n_groups,
        n_days=n_days,
        n_intervals=n_intervals,
        interval_s=interval_s,
        warmup_intervals=scenario.warmup_intervals,
        open_at=open_at,
        close_at=close_at,
        segment_start_at=segment_start_at,
        segment_end_at=segment_start_at + interval_s,
        rate_per_s=_rates(call_types, n_days, n_intervals, interval_s),
        day_cv_shared=0.0,
        day_cv=np.zeros(n_types),
        priority=np.array([c.priority for c in call_types], dtype=np.int64),
        **_dist_columns("handle", [c.handle_time for c in call_types], n_segments),
        acw_s=np.repeat([[c.handle_time.acw_s] for c in call_types], n_segments, axis=1).astype(
            np.float64
        ),
        **_dist_columns("patience", [c.patience for c in call_types], n_segments),
        redial_probability=np.zeros(n_types),
        redial_delay_s=np.zeros(n_types),
        repeat_delay_s=np.zeros(n_types),
        skill_tier=np.zeros((n_groups, n_types), dtype=np.int64),
        tier_factor=np.ones((n_groups, n_types)),
        tier_fcr=np.ones((n_groups, n_types)),
        routing_group=np.zeros((n_types, 1), dtype=np.int64),
        routing_after_s=np.zeros((n_types, 1)),
        absenteeism=np.zeros(n_groups),
        agent_group=agent_group,
        roster_at=roster[0],
        roster_kind=roster[1],
        roster_who=roster[2],
        roster_day=roster[3],
        roster_length_s=np.zeros(len(roster[0])),
        breaks_shorten=False,
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


def _dist_columns(
    prefix: str, specs: list[HandleTime] | list[Patience], n_segments: int
) -> dict[str, NDArray[Any]]:
    rows = [dist_parameters(s.dist, s.mean_s, s.cv) for s in specs]
    return {
        f"{prefix}_code": np.array([int(r[0]) for r in rows], dtype=np.int64),
        f"{prefix}_p1": np.repeat([[r[1]] for r in rows], n_segments, axis=1).astype(np.float64),
        f"{prefix}_p2": np.repeat([[r[2]] for r in rows], n_segments, axis=1).astype(np.float64),
    }


def _headcount(group: Group, n_intervals: int) -> NDArray[np.int64]:
    if isinstance(group.headcount, list):
        return np.array(group.headcount, dtype=np.int64)
    return np.full(n_intervals, group.headcount, dtype=np.int64)


def _roster(
    headcounts: list[NDArray[np.int64]], open_at: NDArray[np.float64], interval_s: float, drop: bool
) -> tuple[
    NDArray[np.int64],
    tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]],
]:
    """Turn per-interval headcounts into agents and sorted ON/OFF/CLOSE events.

    Agent ``i`` of a group is on duty in interval ``j`` when ``i < headcount[j]``: headcount
    changes add or remove the highest-numbered agents at interval boundaries. Each event is
    ``(at, kind, who, day)``.
    """
    n_intervals = len(headcounts[0])
    close_offset = n_intervals * interval_s
    off_at_close = RosterKind.OFF if drop else RosterKind.OFF_DRAIN
    events: list[tuple[float, int, int, int]] = []
    agent_group: list[int] = []
    for group, headcount in enumerate(headcounts):
        first_agent = len(agent_group)
        agent_group.extend([group] * int(headcount.max(initial=0)))
        for i in range(int(headcount.max(initial=0))):
            for start, end in _spans(headcount > i):
                for day, day_open in enumerate(open_at):
                    end_kind = off_at_close if end == n_intervals else RosterKind.OFF
                    events.append(
                        (day_open + start * interval_s, RosterKind.ON, first_agent + i, day)
                    )
                    events.append((day_open + end * interval_s, end_kind, first_agent + i, day))
    events += [
        (day_open + close_offset, RosterKind.CLOSE, d, d) for d, day_open in enumerate(open_at)
    ]
    events.sort()
    at = np.array([e[0] for e in events], dtype=np.float64)
    kind = np.array([int(e[1]) for e in events], dtype=np.int64)
    who = np.array([e[2] for e in events], dtype=np.int64)
    day = np.array([e[3] for e in events], dtype=np.int64)
    return np.array(agent_group, dtype=np.int64), (at, kind, who, day)


def _spans(on: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Return ``[start, end)`` index ranges where ``on`` is true."""
    padded = np.concatenate([[False], on, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]

"""Scenario -> Plan: the deterministic tables both engines run (no randomness here).

Time is seconds since midnight of day 0. Day ``d``'s interval grid starts at
``d * 86400 + open_s`` (the calendar's earliest opening). Each day has ``n_intervals`` planning
intervals, those outside the day's own hours closed, and, for agent time only, one extra
*after-close* slot from the day's own closing until the next day's grid (drain time after
closing is counted there).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.scenario.calendar import day_label
from sim.scenario.controls import Activate, Calm, Outbound, ToInbound
from sim.scenario.distributions import DistCode, HandleTime, Patience, dist_parameters
from sim.scenario.limits import MAX_CONCURRENT
from sim.scenario.roster import RosterKind, Staff, roster_events, scheduled_time, staff_of
from sim.scenario.schema import HOURS_PER_DAY, ForecastRow, Scenario, Volume
from sim.units import SECONDS_PER_DAY, SECONDS_PER_HOUR, SECONDS_PER_MINUTE, s_to_clock

__all__ = ["GroupKind", "Plan", "RosterKind", "build_plan"]


class GroupKind(IntEnum):
    """How a group's agents work (from the group's role)."""

    INBOUND = 0  # agent, temp: on the phones whenever on duty
    BLENDED = 1  # buffer pool: outbound while inbound is calm, inbound when the queue builds
    RESERVE = 2  # supervisor, reserve: off the phones unless activated


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
        Role of each group (``agent``, ``temp``, ``blended``, ``supervisor``, ``reserve``).
    group_kind : int64[G]
        :class:`GroupKind` of each group.
    wage_per_hour : float64[G]
        Pay per staffed agent-hour (0 when not given).
    n_days, n_intervals : int
        Days, and planning intervals per day.
    interval_s : float
        Planning interval length, seconds.
    warmup_intervals : int
        Leading intervals of day 0 left out of KPIs (steady state).
    open_at, close_at : float64[D]
        Each day's own opening and closing instants, seconds (equal on a closed day: the
        start of its interval grid).
    segment_start_at, segment_end_at : float64[S]
        Arrival segments: the planning intervals of the shared grid; a closed interval has
        ``end == start`` (no arrivals, redials and repeats then are lost).
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
    handle_values : float64[K, M]
        The values of empirical talk times, sorted (``handle_p2`` of them; zeros after).
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
    redial_max_attempts : int64[K]
        Most redials one caller makes (0 when the type has no redials); a repeat call starts
        a new count.
    repeat_delay_s : float64[K]
        Mean (exponential) delay before an unresolved call comes back as a repeat call, seconds.
    repeat_max_attempts : int64[K]
        Most repeat calls of one caller's matter (redials in between do not reset the count).
    type_lines : int64[K]
        Lines of each call type's own (-1: no limit of its own); see ``centre_lines``.
    bot_in_front : bool[K]
        Whether a bot is in front of the call type (its other ``bot_*`` entries apply).
    bot_resolve_share, bot_abandon_share : float64[K]
        Shares of the contacts entering the bot that it resolves, and that hang up in it
        (0 without a bot).
    bot_handover_factor : float64[K]
        Handle-time multiplier of a contact the bot hands over (1 without a bot).
    bot_time_code : int64[K]
        Distribution of the time in the bot (:class:`~sim.scenario.distributions.DistCode`;
        NONE without a bot).
    bot_time_p1, bot_time_p2 : float64[K]
        Its parameters (NaN without a bot).
    skill_tier : int64[G, K]
        Tier of each group's skill in each call type; -1 when the group lacks the skill.
    tier_factor : float64[G, K]
        Handle-time factor of that tier (NaN without the skill).
    tier_fcr : float64[G, K]
        First-contact resolution probability of that tier (NaN without the skill).
    routing_group : int64[K, R]
        Groups a call type is offered to, in preference order; -1 pads.
    routing_after_s : float64[K, R]
        Wait after which that group may take the call (0: at once; inf where the group pads).
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
        Start of each agent-time slot: the intervals of a day, then its after-close slot, which
        starts at the day's own closing (the intervals after it are empty slots there).
    scheduled_agents : float64[D, I, G]
        Scheduled agent time in each interval divided by the interval's length: agents on duty
        on average (breaks and absences not subtracted; overtime included, drain after closing
        not).
    scheduled_breaks : float64[D, I, G]
        Scheduled break time in each interval divided by the interval's length.
    outbound_attempt_s : float64[G]
        Dial and ring time of every outbound attempt of a blended group, seconds (NaN: none).
    outbound_contact_probability : float64[G]
        Probability that an attempt reaches someone (0 for other groups).
    outbound_talk_code : int64[G]
        Talk time distribution of contacts (:class:`~sim.scenario.distributions.DistCode`,
        encoded as handle time is; NONE where there is none).
    outbound_talk_p1, outbound_talk_p2 : float64[G]
        Its parameters (NaN where there is none).
    outbound_wrap_s : float64[G]
        Wrap-up after a contact, seconds (0 for other groups).
    outbound_list_size : int64[G]
        Records a blended group may dial per day; -1: unlimited.
    control_queue_on : float64[G]
        Trigger (to inbound, or activation): waiting calls of the group's call types at least
        this (inf: no queue trigger).
    control_wait_on_s : float64[G]
        Trigger: the oldest of those calls has waited at least this, seconds (inf: none).
    control_sl_below : float64[G]
        Trigger (reserves): service level over the sliding window below this (0: none). The
        window counts the calls that left the group's queues (answered or abandoned); good ones
        were answered within ``threshold_s``.
    control_sl_window_s : float64[G]
        That window, seconds (0: none).
    control_queue_off : float64[G]
        Calm: waiting calls of the group's call types at most this ...
    control_calm_s : float64[G]
        ... for at least this long, seconds: back to outbound, or deactivation (0 and 0 for
        inbound groups).
    control_preempt : bool[G]
        A switch to inbound cuts outbound calls short (otherwise they finish first).
    control_min_outbound : int64[G]
        Agents of a blended group kept dialling when it works inbound (0 for other groups).
    control_max_active : int64[G]
        Reserves of the group on the phones at most at once: ``max_active``, or every agent of
        the group when absent (0 for other groups).
    control_min_stay_s : float64[G]
        An activated reserve stays on the phones at least this long, seconds (0 for other
        groups).
    staffing_hold : bool[G]
        ``staffing_drop: hold_count``: a call starts with an agent of the group only while
        fewer of its agents are on inbound calls (those past their shift end included) than
        are on shift.
    threshold_s, short_abandon_s, sl_target : float
        Service-level threshold, short-abandon limit (seconds) and target.
    sl_definition : str
        Service-level definition.
    drops_at_close : bool
        Whether calls still waiting at closing are dropped.
    steady_state : bool
        One stationary period: the drain after the horizon is left out of agent KPIs.
    seat_per_day, overtime_premium : float
        Cost of a seat for a day, and the overtime premium (fraction of the wage).
    price_per_call, price_per_hour : float
        Contract revenue per answered call and per staffed agent hour (0 without a contract).
    penalty_below, penalty_share : float
        Service level below which the penalty applies, and the share of the revenue it takes
        (0: no penalty).
    penalty_by_day : bool
        The penalty is judged day by day (else on the whole run).
    start_date : str, optional
        ISO date of day 0 (None: the days have no dates).
    centre_lines : int
        Lines of the whole centre, shared by every call type (-1: no limit). A call needs a line
        of its type's own (``type_lines``) and one of the centre's, where each is limited.
    bot_ports : int
        Licensed bot ports: the most contacts in bots at once, every call type together
        (-1: no limit).
    group_max_chats : int64[G]
        Chat sessions one agent of the group holds at once (``max_concurrent.chat``, 1..10).
    group_chat_slowdown : float64[G, MAX_CONCURRENT]
        Handle-time factor of a chat session started as the agent's ``n``-th, at column
        ``n - 1`` (1 past the group's ``max_concurrent.chat``).
    group_voice_while_chatting : bool[G]
        An agent holding chat sessions may take a voice call.
    type_chat : bool[K], optional
        Which call types are chats (None: none is).
    is_email : bool[K]
        Whether each call type is email (deferred work from a backlog; no voice tallies).
    email_start_at, email_end_at : float64[H]
        Email arrival segments: every clock hour of every calendar day (in steady state, the
        planning intervals), around the clock; none without email.
    email_rate_per_s : float64[K, H]
        Expected email arrival rate of each call type in each email segment, items per second
        (zero for voice types; before the day's busyness multiplier).
    response_target_s : float64[K]
        Email response target, seconds (inf: none, and for voice types).
    response_share : float64[K]
        Share of items to answer within it (NaN: none).
    horizon_end_at : float
        End of the simulated span: midnight after the last day (the steady state's horizon);
        email items still waiting then are carried over.
    """

    name: str
    call_types: tuple[str, ...]
    groups: tuple[str, ...]
    tiers: tuple[str, ...]
    group_role: tuple[str, ...]
    group_kind: NDArray[np.int64]
    wage_per_hour: NDArray[np.float64]
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
    handle_values: NDArray[np.float64]
    acw_s: NDArray[np.float64]
    patience_code: NDArray[np.int64]
    patience_p1: NDArray[np.float64]
    patience_p2: NDArray[np.float64]
    redial_probability: NDArray[np.float64]
    redial_delay_s: NDArray[np.float64]
    redial_max_attempts: NDArray[np.int64]
    repeat_delay_s: NDArray[np.float64]
    repeat_max_attempts: NDArray[np.int64]
    type_lines: NDArray[np.int64]
    bot_in_front: NDArray[np.bool_]
    bot_resolve_share: NDArray[np.float64]
    bot_abandon_share: NDArray[np.float64]
    bot_handover_factor: NDArray[np.float64]
    bot_time_code: NDArray[np.int64]
    bot_time_p1: NDArray[np.float64]
    bot_time_p2: NDArray[np.float64]
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
    scheduled_agents: NDArray[np.float64]
    scheduled_breaks: NDArray[np.float64]
    outbound_attempt_s: NDArray[np.float64]
    outbound_contact_probability: NDArray[np.float64]
    outbound_talk_code: NDArray[np.int64]
    outbound_talk_p1: NDArray[np.float64]
    outbound_talk_p2: NDArray[np.float64]
    outbound_wrap_s: NDArray[np.float64]
    outbound_list_size: NDArray[np.int64]
    control_queue_on: NDArray[np.float64]
    control_wait_on_s: NDArray[np.float64]
    control_sl_below: NDArray[np.float64]
    control_sl_window_s: NDArray[np.float64]
    control_queue_off: NDArray[np.float64]
    control_calm_s: NDArray[np.float64]
    control_preempt: NDArray[np.bool_]
    control_min_outbound: NDArray[np.int64]
    control_max_active: NDArray[np.int64]
    control_min_stay_s: NDArray[np.float64]
    staffing_hold: NDArray[np.bool_]
    group_max_chats: NDArray[np.int64]
    group_chat_slowdown: NDArray[np.float64]
    group_voice_while_chatting: NDArray[np.bool_]
    threshold_s: float
    short_abandon_s: float
    sl_target: float
    sl_definition: str
    drops_at_close: bool
    steady_state: bool
    seat_per_day: float = 0.0
    overtime_premium: float = 0.0
    price_per_call: float = 0.0
    price_per_hour: float = 0.0
    penalty_below: float = 0.0
    penalty_share: float = 0.0
    penalty_by_day: bool = True
    start_date: str | None = None
    centre_lines: int = -1
    bot_ports: int = -1
    type_chat: NDArray[np.bool_] | None = None
    is_email: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    email_start_at: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    email_end_at: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    email_rate_per_s: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 0)))
    response_target_s: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    response_share: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    horizon_end_at: float = 0.0

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
    def has_controls(self) -> bool:
        """Whether some group is blended or a reserve (controls run after every event)."""
        return bool(np.any(self.group_kind != GroupKind.INBOUND))

    @property
    def has_lines(self) -> bool:
        """Whether some calls need a line and may be blocked (centre or call type ``lines``)."""
        return self.centre_lines >= 0 or bool(np.any(self.type_lines >= 0))

    @property
    def has_bot(self) -> bool:
        """Whether a bot is in front of some call type."""
        return bool(np.any(self.bot_in_front))

    @property
    def has_hold(self) -> bool:
        """Whether some group keeps its calls below its agents on shift (``hold_count``)."""
        return bool(np.any(self.staffing_hold))

    @property
    def has_chat(self) -> bool:
        """Whether some call type is a chat (agents may hold several sessions at once)."""
        return bool(np.any(self.chat_types))

    @property
    def chat_types(self) -> NDArray[np.bool_]:
        """Whether each call type is a chat, bool[K]."""
        if self.type_chat is None:
            return np.zeros(self.n_call_types, dtype=bool)
        return self.type_chat

    @property
    def group_takes_chat(self) -> NDArray[np.bool_]:
        """Whether each group has a skill in some chat call type, bool[G]."""
        return np.asarray((self.skill_tier[:, self.chat_types] >= 0).any(axis=1), dtype=bool)

    @property
    def voice_call_types(self) -> tuple[str, ...]:
        """Names of the call types that are not email (those of the call KPIs)."""
        if not self.has_email:
            return self.call_types
        return tuple(
            n for n, email in zip(self.call_types, self.is_email, strict=True) if not email
        )

    @property
    def has_email(self) -> bool:
        """Whether some call type is email (a backlog worked between calls)."""
        return bool(np.any(self.is_email))

    @property
    def has_channels(self) -> bool:
        """Whether some call type is a chat or email (agent time is then split by channel)."""
        return self.has_chat or self.has_email

    @property
    def warmup_end_at(self) -> float:
        """Instant the steady-state warm-up ends (0 without one), seconds."""
        if self.warmup_intervals == 0:
            return 0.0
        return float(self.segment_start_at[self.warmup_intervals])

    @property
    def has_money(self) -> bool:
        """Whether the scenario gives seat or overtime costs, or a contract."""
        terms = (self.seat_per_day, self.overtime_premium, self.price_per_call, self.price_per_hour)
        return any(value > 0 for value in terms)

    @property
    def n_slots(self) -> int:
        """Agent-time slots per day: the intervals plus the after-close slot."""
        return self.n_intervals + 1

    def interval_label(self, day: int, interval: int) -> str:
        """Label an interval start: the day's label and the clock time.

        ``"08:30"`` for a lone day without a date, else ``"d2 08:30"`` or
        ``"2027-01-05 Tue 08:30"``; hours since the start in steady state.
        """
        start_at = float(self.segment_start_at[day * self.n_intervals + interval])
        if self.steady_state:
            return f"{start_at / 3600.0:g}h"
        clock = s_to_clock(start_at - day * SECONDS_PER_DAY)
        if self.n_days == 1 and self.start_date is None:
            return clock
        return f"{self.day_label(day)} {clock}"

    def day_label(self, day: int, undated: str = "d") -> str:
        """Name a day for people: ``"2027-01-04 Mon"`` with dates, else ``"d3"``.

        Without dates, ``undated`` and the index (see :func:`~sim.scenario.calendar.day_label`).
        """
        return day_label(self.start_date, day, undated)

    @property
    def interval_open(self) -> NDArray[np.bool_]:
        """Whether each planning interval of each day is open, bool[D, I]."""
        lengths = self.segment_end_at - self.segment_start_at
        return (lengths > 0).reshape(self.n_days, self.n_intervals)

    def expected_calls(self) -> float:
        """Return the expected number of fresh calls of one replication (no redials, repeats).

        Email items count too.
        """
        voice = np.sum(self.rate_per_s * (self.segment_end_at - self.segment_start_at))
        email = np.sum(self.email_rate_per_s * (self.email_end_at - self.email_start_at))
        return float(voice + email)


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
    day_start_at = np.arange(n_days, dtype=np.float64) * SECONDS_PER_DAY
    open_at, close_at = _day_hours_at(scenario, day_start_at)
    grid_at = day_start_at[:, None] + scenario.open_s + np.arange(n_intervals) * interval_s
    is_open = _open_table(scenario)
    segment_start_at = grid_at.ravel()
    slot_start_at = np.hstack([np.minimum(grid_at, close_at[:, None]), close_at[:, None]]).ravel()
    staff = staff_of(scenario)
    roster = roster_events(staff, day_start_at, close_at, drain=not scenario.drops_at_close)
    scheduled_agents, scheduled_breaks = scheduled_time(staff, scenario)
    call_types = list(scenario.call_types.values())
    handle = _dist_table([c.handle_time for c in call_types], _talk_means(scenario))
    patience = _dist_table([c.patience for c in call_types], _means(scenario, "patience"))
    skill_tier, tier_factor, tier_fcr = _skill_table(scenario)
    routing_group, routing_after_s = _routing_table(scenario)
    acw_s = np.array([c.handle_time.acw_s for c in call_types], dtype=np.float64)
    sl = scenario.service_level
    return Plan(
        name=scenario.name,
        call_types=tuple(scenario.call_types),
        groups=tuple(scenario.groups),
        tiers=tuple(scenario.tier_table),
        group_role=tuple(group.role for group in scenario.groups.values()),
        **_group_tables(scenario, staff),
        n_days=n_days,
        n_intervals=n_intervals,
        interval_s=interval_s,
        warmup_intervals=scenario.warmup_intervals,
        open_at=open_at,
        close_at=close_at,
        segment_start_at=segment_start_at,
        segment_end_at=segment_start_at + interval_s * is_open.ravel(),
        rate_per_s=_calls_per_segment(scenario) * scenario.busyness.multiplier / interval_s,
        day_cv_shared=scenario.busyness.day_cv,
        day_cv=np.array([c.volume.day_cv for c in call_types], dtype=np.float64),
        priority=np.array([c.priority for c in call_types], dtype=np.int64),
        handle_code=handle.code,
        handle_values=_empirical_values([c.handle_time for c in call_types]),
        handle_p1=handle.p1,
        handle_p2=handle.p2,
        acw_s=np.repeat(acw_s[:, None], n_days * n_intervals, axis=1),
        patience_code=patience.code,
        patience_p1=patience.p1,
        patience_p2=patience.p2,
        redial_probability=np.array(
            [c.redial.probability if c.redial else 0.0 for c in call_types]
        ),
        redial_delay_s=np.array([c.redial.delay_mean_s if c.redial else 0.0 for c in call_types]),
        redial_max_attempts=np.array(
            [c.redial.max_attempts if c.redial else 0 for c in call_types], dtype=np.int64
        ),
        repeat_delay_s=np.array([c.repeat.delay_mean_s for c in call_types], dtype=np.float64),
        repeat_max_attempts=np.array([c.repeat.max_attempts for c in call_types], dtype=np.int64),
        type_lines=np.array(
            [-1 if c.lines is None else c.lines for c in call_types], dtype=np.int64
        ),
        centre_lines=-1 if scenario.lines is None else scenario.lines,
        **_bot_tables(scenario),
        type_chat=np.array([c.channel == "chat" for c in call_types], dtype=bool),
        skill_tier=skill_tier,
        tier_factor=tier_factor,
        tier_fcr=tier_fcr,
        routing_group=routing_group,
        routing_after_s=routing_after_s,
        absenteeism=np.array([g.absenteeism for g in scenario.groups.values()], dtype=np.float64),
        agent_group=np.array(staff.agent_group, dtype=np.int64),
        roster_at=roster.at,
        roster_kind=roster.kind,
        roster_who=roster.who,
        roster_day=roster.day,
        roster_length_s=roster.length_s,
        breaks_shorten=scenario.break_policy == "shorten",
        slot_start_at=slot_start_at,
        scheduled_agents=scheduled_agents,
        scheduled_breaks=scheduled_breaks,
        threshold_s=sl.threshold_s,
        short_abandon_s=sl.short_abandon_s,
        sl_target=sl.target,
        sl_definition=sl.definition,
        drops_at_close=scenario.drops_at_close,
        steady_state=scenario.steady_state is not None,
        start_date=scenario.start_date,
        **_money_terms(scenario),
        **_email_tables(scenario),
    )


def _day_hours_at(
    scenario: Scenario, day_start_at: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return each day's opening and closing instants; a closed day opens and closes at once.

    A closed day's instants are the start of its interval grid (its CLOSE event happens there).
    """
    hours = [scenario.day_hours_s(day) for day in range(scenario.n_days)]
    open_s = np.array([h[0] if h else scenario.open_s for h in hours], dtype=np.float64)
    close_s = np.array([h[1] if h else scenario.open_s for h in hours], dtype=np.float64)
    return day_start_at + open_s, day_start_at + close_s


def _open_table(scenario: Scenario) -> NDArray[np.bool_]:
    """Return whether each planning interval of each day is open, bool[D, I]."""
    table = np.zeros((scenario.n_days, scenario.n_intervals), dtype=bool)
    for day in range(scenario.n_days):
        opened = scenario.open_intervals(day)
        table[day, opened.start : opened.stop] = True
    return table


def _forecast_segments(scenario: Scenario, call_type: str) -> Iterator[tuple[ForecastRow, int]]:
    """Yield each forecast row of a call type with every arrival segment it covers."""
    for row in scenario.forecast_rows(call_type):
        interval = scenario.interval_of(row.interval_start)
        assert interval is not None  # validated
        for day in scenario.forecast_days(row):
            yield row, day * scenario.n_intervals + interval


def _calls_per_segment(scenario: Scenario) -> NDArray[np.float64]:
    """Return the expected calls of each call type in each arrival segment, float64[K, S].

    Closed intervals get none, nor email types (:func:`_email_tables`). A call type's own volume
    is multiplied by its day's weekday factor; the ``daily`` form spreads the day's calls over
    the day's open intervals by the (weekday's) profile.
    """
    n_days, n_intervals = scenario.n_days, scenario.n_intervals
    is_open = _open_table(scenario)
    calls = np.zeros((len(scenario.call_types), n_days, n_intervals))
    for k, (name, call_type) in enumerate(scenario.call_types.items()):
        if call_type.channel == "email":
            continue  # around the clock: see _email_tables
        if call_type.volume.forms:
            calls[k] = _own_volume(scenario, call_type.volume, is_open)
        for row, segment in _forecast_segments(scenario, name):
            calls[k].flat[segment] = row.volume
    return calls.reshape(len(scenario.call_types), n_days * n_intervals)


def _own_volume(
    scenario: Scenario, volume: Volume, is_open: NDArray[np.bool_]
) -> NDArray[np.float64]:
    """Return the expected calls of a call type's own volume form per day and interval.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    volume : Volume
        The call type's volume (a form is given).
    is_open : bool[D, I]
        Open intervals of each day.

    Returns
    -------
    float64[D, I]
        Expected calls: zero while closed, times the weekday factor; a ``daily`` volume is the
        day's total over its open intervals (weights renormalised to them).
    """
    calls = np.zeros(is_open.shape)
    for day in range(scenario.n_days):
        weekday = scenario.weekday_of(day)
        per_day = np.array(
            volume.calls_per_interval(scenario.n_intervals, scenario.interval_s, weekday)
        )
        if not is_open[day].all():
            per_day = np.where(is_open[day], per_day, 0.0)
            open_total = per_day.sum()
            if volume.daily is not None and open_total > 0:
                per_day *= volume.daily / open_total
        calls[day] = per_day * volume.weekday_factors.get(weekday or "", 1.0)
    return calls


def _email_tables(scenario: Scenario) -> dict[str, Any]:
    """Return the email fields of a plan: which types are email, their arrivals and targets.

    Email segments are the clock hours of every calendar day (arrivals go on while closed),
    each with its hour's share of the type's day (``Volume.items_per_hour``) times the day's
    weekday factor and the busyness multiplier; in steady state they are the planning intervals
    at the stationary rate. Without email there are no segments.
    """
    call_types = list(scenario.call_types.values())
    is_email = np.array([c.channel == "email" for c in call_types], dtype=bool)
    if scenario.steady_state is not None:
        horizon_end_at = scenario.close_s
        starts = np.arange(scenario.n_intervals) * scenario.interval_s
        lengths = np.full(len(starts), scenario.interval_s)
    else:
        horizon_end_at = scenario.n_days * SECONDS_PER_DAY
        starts = np.arange(scenario.n_days * HOURS_PER_DAY) * SECONDS_PER_HOUR
        lengths = np.full(len(starts), SECONDS_PER_HOUR)
    if not is_email.any():
        starts, lengths = starts[:0], lengths[:0]
    rate = np.zeros((len(call_types), len(starts)))
    for k in np.flatnonzero(is_email):
        volume = call_types[k].volume
        if scenario.steady_state is not None:
            assert volume.per_hour is not None  # validated
            rate[k] = volume.per_hour / SECONDS_PER_HOUR
            continue
        per_hour = np.array(volume.items_per_hour()) / SECONDS_PER_HOUR
        factors = [
            volume.weekday_factors.get(scenario.weekday_of(day) or "", 1.0)
            for day in range(scenario.n_days)
        ]
        rate[k] = np.concatenate([per_hour * factor for factor in factors])
    targets = [c.response_target for c in call_types]
    return {
        "is_email": is_email,
        "email_start_at": starts.astype(np.float64),
        "email_end_at": (starts + lengths).astype(np.float64),
        "email_rate_per_s": rate * scenario.busyness.multiplier,
        "response_target_s": np.array(
            [t.within_h * SECONDS_PER_HOUR if t else np.inf for t in targets], dtype=np.float64
        ),
        "response_share": np.array([t.share if t else np.nan for t in targets], dtype=np.float64),
        "horizon_end_at": float(horizon_end_at),
    }


def _money_terms(scenario: Scenario) -> dict[str, Any]:
    """Seat cost, overtime premium, prices and the penalty of a scenario (zeros when absent)."""
    contract, costs = scenario.contract, scenario.costs
    penalty = contract.sl_penalty if contract is not None else None
    return {
        "seat_per_day": costs.seat_per_day,
        "overtime_premium": costs.overtime_premium,
        "price_per_call": (contract.price_per_handled_call or 0.0) if contract else 0.0,
        "price_per_hour": (contract.price_per_hour or 0.0) if contract else 0.0,
        "penalty_below": penalty.below if penalty is not None else 0.0,
        "penalty_share": penalty.percent_of_invoice / 100.0 if penalty is not None else 0.0,
        "penalty_by_day": penalty is None or penalty.period == "day",
    }


def _bot_tables(scenario: Scenario) -> dict[str, Any]:
    """Return the plan's ``bot_*`` fields: each call type's bot, and the centre's ports."""
    bots = [call_type.bot for call_type in scenario.call_types.values()]
    times = [
        dist_parameters(bot.time.dist, bot.time.mean_s, bot.time.cv)
        if bot is not None
        else (DistCode.NONE, math.nan, math.nan)
        for bot in bots
    ]
    return {
        "bot_in_front": np.array([bot is not None for bot in bots], dtype=bool),
        "bot_resolve_share": np.array([bot.resolve_share if bot else 0.0 for bot in bots]),
        "bot_abandon_share": np.array([bot.abandon_share if bot else 0.0 for bot in bots]),
        "bot_handover_factor": np.array([bot.handover_factor if bot else 1.0 for bot in bots]),
        "bot_time_code": np.array([int(code) for code, _, _ in times], dtype=np.int64),
        "bot_time_p1": np.array([p1 for _, p1, _ in times], dtype=np.float64),
        "bot_time_p2": np.array([p2 for _, _, p2 in times], dtype=np.float64),
        "bot_ports": -1 if scenario.bot_ports is None else scenario.bot_ports,
    }


def _talk_means(scenario: Scenario) -> NDArray[np.float64]:
    """Return the mean talk time by call type and arrival segment, seconds, float64[K, S].

    ``handle_time.mean_s`` (one value, or the day's list repeated every day), replaced by the
    forecast's ``aht_s - acw_s`` where a forecast row gives ``aht_s``.
    """
    means = _means(scenario, "handle_time")
    for k, (name, call_type) in enumerate(scenario.call_types.items()):
        for row, segment in _forecast_segments(scenario, name):
            if row.aht_s is not None:
                means[k, segment] = row.aht_s - call_type.handle_time.acw_s
    return means


def _means(scenario: Scenario, field: str) -> NDArray[np.float64]:
    """Return each call type's ``field.mean_s`` per arrival segment, float64[K, S] (NaN: none).

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    field : {"handle_time", "patience"}
        Which distribution's means; a per-interval list repeats every day.
    """
    rows = [
        getattr(call_type, field).means_per_interval(scenario.n_intervals)
        for call_type in scenario.call_types.values()
    ]
    per_day = np.array(rows, dtype=np.float64)  # None (no mean) becomes NaN
    return np.tile(per_day, (1, scenario.n_days))


@dataclass(frozen=True)
class _DistTable:
    """Distribution code per call type and parameters per call type and segment."""

    code: NDArray[np.int64]
    p1: NDArray[np.float64]
    p2: NDArray[np.float64]


def _dist_table(specs: Sequence[HandleTime | Patience], means: NDArray[np.float64]) -> _DistTable:
    """Convert each call type's distribution with each segment's mean to engine parameters.

    An empirical distribution gets the scale that brings its values' mean to the segment's
    mean (``p1``, 1 without ``mean_s``) and the number of its values (``p2``).

    Parameters
    ----------
    specs : list of HandleTime or Patience
        One specification per call type (distribution name and CV).
    means : float64[K, S]
        Mean per call type and arrival segment, seconds; NaN where there is none (``none``).
    """
    codes = np.zeros(len(specs), dtype=np.int64)
    p1, p2 = np.zeros(means.shape), np.zeros(means.shape)
    for k, spec in enumerate(specs):
        values = getattr(spec, "values_s", None)
        if values is not None:
            codes[k] = DistCode.EMPIRICAL
            p1[k] = means[k] / (math.fsum(values) / len(values))
            p2[k] = len(values)
            continue
        for segment, mean in enumerate(means[k]):
            mean_s = None if math.isnan(mean) else float(mean)
            code, p1[k, segment], p2[k, segment] = dist_parameters(spec.dist, mean_s, spec.cv)
            codes[k] = code
    return _DistTable(codes, p1, p2)


def _empirical_values(specs: Sequence[HandleTime]) -> NDArray[np.float64]:
    """Return each call type's empirical values, sorted, one row each (0 past the last)."""
    rows = [sorted(spec.values_s or []) for spec in specs]
    table = np.zeros((len(rows), max(1, *(len(row) for row in rows))))
    for k, row in enumerate(rows):
        table[k, : len(row)] = row
    return table


def _skill_table(
    scenario: Scenario,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """Return the tier of each group's skill in each call type, with its factor and FCR.

    Returns
    -------
    tuple of (int64[G, K], float64[G, K], float64[G, K])
        Tier index (-1 without the skill), handle-time factor and FCR (NaN without the skill).
    """
    tiers = list(scenario.tier_table)
    call_types = list(scenario.call_types)
    skill_tier = np.full((len(scenario.groups), len(call_types)), -1, dtype=np.int64)
    for g, group in enumerate(scenario.groups):
        for call_type, tier in scenario.skills_of(group).items():
            skill_tier[g, call_types.index(call_type)] = tiers.index(tier)
    table = scenario.tier_table.values()
    factors = np.array([tier.handle_time_factor for tier in table], dtype=np.float64)
    fcr = np.array([tier.fcr for tier in table], dtype=np.float64)
    has_skill = skill_tier >= 0
    return (
        skill_tier,
        np.where(has_skill, factors[skill_tier], np.nan),
        np.where(has_skill, fcr[skill_tier], np.nan),
    )


def _routing_table(scenario: Scenario) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Return each call type's groups in preference order and their overflow delays.

    Returns
    -------
    tuple of (int64[K, R], float64[K, R])
        Group indices padded with -1, and the wait in seconds after which each may take the
        call, padded with inf.
    """
    routings = [scenario.routing_of(call_type) for call_type in scenario.call_types]
    width = max(len(entries) for entries in routings)
    groups = list(scenario.groups)
    routing_group = np.full((len(routings), width), -1, dtype=np.int64)
    routing_after_s = np.full((len(routings), width), np.inf)
    for k, entries in enumerate(routings):
        routing_group[k, : len(entries)] = [groups.index(entry.group) for entry in entries]
        routing_after_s[k, : len(entries)] = [entry.after_s for entry in entries]
    return routing_group, routing_after_s


def inbound_group_tables(n_groups: int) -> dict[str, Any]:
    """Return the per-group arrays of ``n_groups`` inbound groups (the :class:`Plan` fields).

    No wage, NaN outbound parameters, thresholds that never fire (inf, 0) and no limits.
    """
    never = np.full(n_groups, np.inf)
    return {
        "group_kind": np.full(n_groups, GroupKind.INBOUND, dtype=np.int64),
        "wage_per_hour": np.zeros(n_groups),
        "outbound_attempt_s": np.full(n_groups, np.nan),
        "outbound_contact_probability": np.zeros(n_groups),
        "outbound_talk_code": np.zeros(n_groups, dtype=np.int64),
        "outbound_talk_p1": np.full(n_groups, np.nan),
        "outbound_talk_p2": np.full(n_groups, np.nan),
        "outbound_wrap_s": np.zeros(n_groups),
        "outbound_list_size": np.full(n_groups, -1, dtype=np.int64),
        "control_queue_on": never,
        "control_wait_on_s": never.copy(),
        "control_sl_below": np.zeros(n_groups),
        "control_sl_window_s": np.zeros(n_groups),
        "control_queue_off": np.zeros(n_groups),
        "control_calm_s": np.zeros(n_groups),
        "control_preempt": np.zeros(n_groups, dtype=bool),
        "control_min_outbound": np.zeros(n_groups, dtype=np.int64),
        "control_max_active": np.zeros(n_groups, dtype=np.int64),
        "control_min_stay_s": np.zeros(n_groups),
        "staffing_hold": np.zeros(n_groups, dtype=bool),
        "group_max_chats": np.ones(n_groups, dtype=np.int64),
        "group_chat_slowdown": np.ones((n_groups, MAX_CONCURRENT)),
        "group_voice_while_chatting": np.zeros(n_groups, dtype=bool),
    }


def _group_tables(scenario: Scenario, staff: Staff) -> dict[str, Any]:
    """Return the per-group arrays: kind, wage, outbound work and control thresholds.

    Groups without outbound work or controls get NaN outbound parameters, thresholds that never
    fire (inf, 0) and no limits; a blended group that never reaches anyone (contact probability
    0, no talk time) keeps the NaN talk parameters of code NONE.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    staff : Staff
        Its agents: a reserve group without ``max_active`` may activate all of its agents.
    """
    n_groups = len(scenario.groups)
    tables = inbound_group_tables(n_groups)
    tables["wage_per_hour"] = np.array([g.wage_per_hour for g in scenario.groups.values()])
    tables["staffing_hold"] = np.array(
        [
            (g.staffing_drop or scenario.staffing_drop) == "hold_count"
            for g in scenario.groups.values()
        ],
        dtype=bool,
    )
    for g, group in enumerate(scenario.groups.values()):
        tables["group_max_chats"][g] = group.max_chats
        factors = group.chat_slowdown or [1.0] * group.max_chats
        tables["group_chat_slowdown"][g, : group.max_chats] = factors[: group.max_chats]
        tables["group_voice_while_chatting"][g] = group.voice_while_chatting
    agents_of = np.bincount(np.array(staff.agent_group, dtype=np.int64), minlength=n_groups)
    for g, group in enumerate(scenario.groups.values()):
        if group.outbound is not None and group.switch is not None:
            tables["group_kind"][g] = GroupKind.BLENDED
            _fill_outbound(tables, g, group.outbound)
            _fill_trigger(tables, g, group.switch.to_inbound, group.switch.to_outbound)
            tables["control_preempt"][g] = group.switch.preempt
            tables["control_min_outbound"][g] = group.switch.min_outbound
        elif group.activate is not None:
            activate = group.activate
            tables["group_kind"][g] = GroupKind.RESERVE
            _fill_trigger(tables, g, activate, group.deactivate or Calm())
            if activate.or_service_level_below is not None:
                assert activate.window_minutes is not None  # validated
                tables["control_sl_below"][g] = activate.or_service_level_below
                tables["control_sl_window_s"][g] = activate.window_minutes * SECONDS_PER_MINUTE
            max_active = activate.max_active
            tables["control_max_active"][g] = agents_of[g] if max_active is None else max_active
            tables["control_min_stay_s"][g] = activate.min_stay_minutes * SECONDS_PER_MINUTE
    return tables


def _fill_outbound(tables: dict[str, Any], g: int, outbound: Outbound) -> None:
    """Write a blended group's outbound work into column ``g`` of the tables."""
    tables["outbound_attempt_s"][g] = outbound.attempt_s
    tables["outbound_contact_probability"][g] = outbound.contact_probability
    if outbound.talk is not None:
        talk = outbound.talk
        code, p1, p2 = dist_parameters(talk.dist, talk.mean_s, talk.cv)
        tables["outbound_talk_code"][g] = code
        tables["outbound_talk_p1"][g], tables["outbound_talk_p2"][g] = p1, p2
    tables["outbound_wrap_s"][g] = outbound.wrap_s
    if outbound.list_size is not None:
        tables["outbound_list_size"][g] = outbound.list_size


def _fill_trigger(tables: dict[str, Any], g: int, on: ToInbound | Activate, off: Calm) -> None:
    """Write a group's queue and wait triggers and its calm rule into column ``g``."""
    if on.queue_at_least is not None:
        tables["control_queue_on"][g] = on.queue_at_least
    if on.or_oldest_wait_s is not None:
        tables["control_wait_on_s"][g] = on.or_oldest_wait_s
    tables["control_queue_off"][g] = off.queue_at_most
    tables["control_calm_s"][g] = off.for_s


def expected_fresh_calls(scenario: Scenario) -> float:
    """Return the expected fresh calls of one replication, every call type, day and interval.

    The busyness multiplier is included, email items too; redials and repeat calls are not.
    """
    voice = float(_calls_per_segment(scenario).sum()) * scenario.busyness.multiplier
    email = _email_tables(scenario)
    durations_s = email["email_end_at"] - email["email_start_at"]
    return voice + float(np.sum(email["email_rate_per_s"] * durations_s))

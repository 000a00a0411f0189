"""Plan -> FastModel: the plan's tables as a few contiguous arrays of the kernel's dtypes."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from sim.engines.sampling import takes_draw
from sim.engines.tables import bot_draws, call_draws, eligible_after_s, line_capacity
from sim.scenario.plan import GroupKind, Plan

# Columns of FastModel.type_i, type_f and roster_i.
PRIORITY, HANDLE_CODE, PATIENCE_CODE, REDIAL_MAX_ATTEMPTS, REPEAT_MAX_ATTEMPTS, CHAT = range(6)
REDIAL_PROBABILITY, REDIAL_DELAY_S, REPEAT_DELAY_S = range(3)
ROSTER_KIND, ROSTER_WHO = range(2)
# Columns of FastModel.bot_i and bot_f.
BOT_IN_FRONT, BOT_TIME_CODE, BOT_TIME_DRAWS = range(3)
BOT_RESOLVE, BOT_ABANDON, BOT_FACTOR, BOT_TIME_P1, BOT_TIME_P2 = range(5)
# Plan fields with one entry per group, in the column order of FastModel.group_i (then whether
# the talk distribution takes a draw, and the group's row of outbound draws) and group_f.
GROUP_INT_TABLES = (
    "group_kind",
    "outbound_list_size",
    "control_min_outbound",
    "control_max_active",
    "control_preempt",
    "outbound_talk_code",
    "staffing_hold",
)
GROUP_FLOAT_TABLES = (
    "outbound_attempt_s",
    "outbound_contact_probability",
    "outbound_talk_p1",
    "outbound_talk_p2",
    "outbound_wrap_s",
    "control_queue_on",
    "control_wait_on_s",
    "control_sl_below",
    "control_sl_window_s",
    "control_queue_off",
    "control_calm_s",
    "control_min_stay_s",
)
GROUP_TABLES = GROUP_INT_TABLES + GROUP_FLOAT_TABLES
GROUP_KIND, LIST_SIZE, MIN_OUTBOUND, MAX_ACTIVE, PREEMPT, TALK_CODE, HOLD = range(7)
TALK_DRAWS, OUTBOUND_ROW, MAX_CHATS, VOICE_WHILE_CHATTING = 7, 8, 9, 10
FIRST_AGENT, END_AGENT = 11, 12
ATTEMPT_S, CONTACT_PROBABILITY, TALK_P1, TALK_P2, WRAP_S = range(5)
QUEUE_ON, WAIT_ON_S, SL_BELOW, SL_WINDOW_S, QUEUE_OFF, CALM_S, MIN_STAY_S = range(5, 12)
SLOWDOWN = 12  # group_f[g, SLOWDOWN + n - 1]: chat slow-down factor at n sessions


class FastModel(NamedTuple):
    """Read-only inputs of the kernel (``K`` call types, ``G`` groups, ``S`` segments).

    Attributes
    ----------
    segment_start_at, segment_end_at : float64[S]
        Arrival segments (planning intervals), seconds.
    type_i : int64[K, 6]
        Priority, handle distribution code, patience distribution code, most redials per caller,
        most repeat calls per matter, chat (0/1).
    type_f : float64[K, 3]
        Redial probability, mean redial delay (s), mean repeat delay (s).
    type_draws : bool[K, 6]
        Which per-call draws a call takes (see :func:`sim.engines.sampling.call_draws`).
    handle_p1, handle_p2, acw_s, patience_p1, patience_p2 : float64[K, S]
        Distribution parameters and after-call work by segment of arrival.
    handle_values : float64[K, M]
        Values of empirical talk times (see :attr:`sim.scenario.Plan.handle_values`).
    skill_tier : int64[G, K]
        Tier of each group's skill (-1: none).
    tier_factor, tier_fcr : float64[G, K]
        Handle-time factor and first-contact resolution of each group's skill (NaN: none).
    eligible_after_s : float64[G, K]
        Wait after which a group may take a call type (inf when not in its routing).
    routing_group : int64[K, R]
        Preference order of groups per call type (-1 pads).
    routing_after_s : float64[K, R]
        Overflow delay of each routing entry, seconds.
    agent_group : int64[A]
        Group of each agent.
    group_i : int64[G, 13]
        Kind (:class:`~sim.scenario.plan.GroupKind`), daily call-list size (-1: unlimited),
        minimum agents kept outbound, most reserves active, pre-emption (0/1), outbound talk
        distribution code, ``hold_count`` (0/1), whether the talk distribution takes a draw
        (0/1), the group's row in the outbound draws (:func:`outbound_rows`), most chat
        sessions per agent, voice while chatting (0/1), and the range of agent numbers its
        agents lie in (:func:`agent_ranges`).
    group_f : float64[G, 12 + MAX_CONCURRENT]
        Outbound attempt time (s), contact probability, talk parameters, wrap-up (s); control
        thresholds: queue on, oldest wait on (s), service level below, its window (s), queue
        off, calm time (s), minimum stay (s); the chat slow-down factor at 1, 2, ... sessions.
    line_capacity : int64[K + 1]
        Lines of each call type's own, then the centre's (-1: no limit), see
        :func:`sim.engines.tables.line_capacity`.
    roster_at : float64[E]
        Staffing event instants.
    roster_i : int64[E, 2]
        Kind and agent (or day) of each staffing event.
    roster_length_s : float64[E]
        Break lengths, seconds.
    slot_start_at : float64[n_days * (n_intervals + 1)]
        Agent-time slot starts.
    n_intervals : int
        Planning intervals per day.
    threshold_s, short_abandon_s : float
        Service-level threshold and short-abandon limit, seconds.
    drops_at_close, breaks_shorten : bool
        Closing and break policies.
    bot_i : int64[K, 3]
        Whether a bot is in front of the type (0/1), its time distribution code, and whether
        that takes a draw (0/1).
    bot_f : float64[K, 5]
        Its resolved share, hung-up share, hand-over factor and time parameters.
    bot_ports : int
        Licensed bot ports (-1: no limit).
    is_email : bool[K]
        Which call types are email.
    response_target_s : float64[K]
        Email response targets, seconds (inf: none).
    email_start_at, email_end_at : float64[H]
        Email arrival segments, seconds (none without email).
    mark_at : float64[2 * n_days]
        Each day's opening then closing instant, day after day: the backlog is noted there.
    interval_s : float
        Planning interval length, seconds.
    warmup_end_at, horizon_end_at : float
        End of the steady-state warm-up (0 without one) and of the horizon, seconds.
    """

    segment_start_at: NDArray[np.float64]
    segment_end_at: NDArray[np.float64]
    type_i: NDArray[np.int64]
    type_f: NDArray[np.float64]
    type_draws: NDArray[np.bool_]
    handle_p1: NDArray[np.float64]
    handle_p2: NDArray[np.float64]
    handle_values: NDArray[np.float64]
    acw_s: NDArray[np.float64]
    patience_p1: NDArray[np.float64]
    patience_p2: NDArray[np.float64]
    skill_tier: NDArray[np.int64]
    tier_factor: NDArray[np.float64]
    tier_fcr: NDArray[np.float64]
    eligible_after_s: NDArray[np.float64]
    routing_group: NDArray[np.int64]
    routing_after_s: NDArray[np.float64]
    agent_group: NDArray[np.int64]
    group_i: NDArray[np.int64]
    group_f: NDArray[np.float64]
    line_capacity: NDArray[np.int64]
    roster_at: NDArray[np.float64]
    roster_i: NDArray[np.int64]
    roster_length_s: NDArray[np.float64]
    slot_start_at: NDArray[np.float64]
    n_intervals: int
    threshold_s: float
    short_abandon_s: float
    drops_at_close: bool
    breaks_shorten: bool
    bot_i: NDArray[np.int64]
    bot_f: NDArray[np.float64]
    bot_ports: int
    is_email: NDArray[np.bool_]
    response_target_s: NDArray[np.float64]
    email_start_at: NDArray[np.float64]
    email_end_at: NDArray[np.float64]
    mark_at: NDArray[np.float64]
    interval_s: float
    warmup_end_at: float
    horizon_end_at: float


def outbound_rows(plan: Plan) -> NDArray[np.int64]:
    """Row of each blended group in the kernel's outbound draws (in group order); -1 others."""
    blended = plan.group_kind == GroupKind.BLENDED
    return np.where(blended, np.cumsum(blended) - 1, -1).astype(np.int64)


def agent_ranges(plan: Plan) -> NDArray[np.int64]:
    """Lowest agent number of each group's agents and one past the highest, int64[G, 2].

    A scenario numbers agents group by group, so the range holds the group's agents only (a
    hand-made plan's may hold others, which the kernel skips); a group without agents has the
    empty range (0, 0).
    """
    ranges = np.zeros((plan.n_groups, 2), dtype=np.int64)
    for g in range(plan.n_groups):
        mine = np.flatnonzero(plan.agent_group == g)
        if len(mine):
            ranges[g] = mine[0], mine[-1] + 1
    return ranges


def pack(plan: Plan) -> FastModel:
    """Copy the plan's tables into the kernel's layout.

    Raises
    ------
    ValueError
        When a per-group table does not have one entry per group (the kernel does not check
        its indices).
    """
    for name in GROUP_TABLES:
        shape = np.shape(getattr(plan, name))
        if shape != (plan.n_groups,):
            message = f"plan.{name} has shape {shape}, expected ({plan.n_groups},): one per group"
            raise ValueError(message)

    def f64(values: object) -> NDArray[np.float64]:
        return np.ascontiguousarray(values, dtype=np.float64)

    def i64(values: object) -> NDArray[np.int64]:
        return np.ascontiguousarray(values, dtype=np.int64)

    return FastModel(
        segment_start_at=f64(plan.segment_start_at),
        segment_end_at=f64(plan.segment_end_at),
        type_i=i64(
            np.stack(
                [
                    plan.priority,
                    plan.handle_code,
                    plan.patience_code,
                    plan.redial_max_attempts,
                    plan.repeat_max_attempts,
                    plan.chat_types,
                ],
                axis=1,
            )
        ),
        type_f=f64(
            np.stack([plan.redial_probability, plan.redial_delay_s, plan.repeat_delay_s], axis=1)
        ),
        type_draws=np.ascontiguousarray(call_draws(plan)),
        handle_p1=f64(plan.handle_p1),
        handle_p2=f64(plan.handle_p2),
        handle_values=f64(plan.handle_values),
        acw_s=f64(plan.acw_s),
        patience_p1=f64(plan.patience_p1),
        patience_p2=f64(plan.patience_p2),
        skill_tier=i64(plan.skill_tier),
        tier_factor=f64(plan.tier_factor),
        tier_fcr=f64(plan.tier_fcr),
        eligible_after_s=f64(eligible_after_s(plan)),
        routing_group=i64(plan.routing_group),
        routing_after_s=f64(plan.routing_after_s),
        agent_group=i64(plan.agent_group),
        group_i=i64(
            np.stack(
                [getattr(plan, name) for name in GROUP_INT_TABLES]
                + [[takes_draw(int(code)) for code in plan.outbound_talk_code]]
                + [outbound_rows(plan), plan.group_max_chats, plan.group_voice_while_chatting]
                + list(agent_ranges(plan).T),
                axis=1,
            ).reshape(-1, len(GROUP_INT_TABLES) + 6)
        ),
        group_f=f64(
            np.hstack(
                [
                    np.stack([getattr(plan, name) for name in GROUP_FLOAT_TABLES], axis=1).reshape(
                        -1, len(GROUP_FLOAT_TABLES)
                    ),
                    np.reshape(plan.group_chat_slowdown, (plan.n_groups, -1)),
                ]
            )
        ),
        line_capacity=i64(line_capacity(plan)),
        roster_at=f64(plan.roster_at),
        roster_i=i64(np.stack([plan.roster_kind, plan.roster_who], axis=1).reshape(-1, 2)),
        roster_length_s=f64(plan.roster_length_s),
        slot_start_at=f64(plan.slot_start_at),
        n_intervals=plan.n_intervals,
        threshold_s=float(plan.threshold_s),
        short_abandon_s=float(plan.short_abandon_s),
        drops_at_close=bool(plan.drops_at_close),
        breaks_shorten=bool(plan.breaks_shorten),
        bot_i=i64(
            np.stack(
                [plan.bot_in_front, plan.bot_time_code, bot_draws(plan)[:, 0]], axis=1
            ).reshape(-1, 3)
        ),
        bot_f=f64(
            np.stack(
                [
                    plan.bot_resolve_share,
                    plan.bot_abandon_share,
                    plan.bot_handover_factor,
                    plan.bot_time_p1,
                    plan.bot_time_p2,
                ],
                axis=1,
            ).reshape(-1, 5)
        ),
        bot_ports=int(plan.bot_ports),
        is_email=np.ascontiguousarray(plan.is_email, dtype=np.bool_),
        response_target_s=f64(plan.response_target_s),
        email_start_at=f64(plan.email_start_at),
        email_end_at=f64(plan.email_end_at),
        mark_at=f64(np.stack([plan.open_at, plan.close_at], axis=1).ravel()),
        interval_s=float(plan.interval_s),
        warmup_end_at=plan.warmup_end_at,
        horizon_end_at=float(plan.horizon_end_at),
    )

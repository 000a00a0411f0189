"""The numba kernel: one replication of the contact centre, event by event.

The next event is the earliest of four sources: the next roster event (a sorted array), the
first entry of an event heap (service ends, overflow deadlines, redials and repeat calls, break
ends), the first of the waiting calls' patience deadlines (a heap of their own, which a call
leaves when answered or dropped), and the next fresh arrival of each call type. Events at the
same instant follow :class:`~sim.engines.base.EventRank`, then the order they were scheduled.

Waiting calls sit in one first-in first-out queue per call type. A call that leaves the queue
without an agent (abandonment, drop) only changes its state; queues skip such calls when they
reach the head.

The handlers are closures inside :func:`simulate_replication`: numba inlines them and they reach
the state arrays directly. Separate ``@njit`` functions taking those arrays as arguments ran about
ten times slower (every call passes and reference-counts each array), see ``docs/design.md``.
Mutable scalars live in ``counters``. The kernel never raises: a full buffer or an exhausted
block of draws sets a status code, and the wrapper reruns the replication with more room.

:func:`kernel` compiles one copy per feature set (controls or not, records or not), with the code
of the features left out pruned before compilation.

Email items (``_EMAIL``) arrive in their own segments around the clock, wait in their type's
queue (the backlog) and are taken only when no voice call the agent could take waits; they are
never dropped, and those left at the end are carried over. They have tallies of their own.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numba import njit

from sim.engines.base import (
    AGENT_SUMS,
    BACKLOG_AT,
    CALL_COUNTS,
    CALL_SUMS,
    EMAIL_AGES,
    EMAIL_COUNTS,
    GROUP_COUNTS,
    BotPath,
    ControlKind,
    EventRank,
    Origin,
    OutboundOutcome,
    Outcome,
)
from sim.engines.fast.events import (
    NO_REFCOUNTS,
    add_span,
    borrow,
    deadline_settle,
    event_key,
    event_payload,
    heap_pop,
    heap_push,
    heap_replace_top,
    instant_push,
    instants_due,
    keep_alive,
    new_empty,
    new_zeros,
    payload_fields,
    ring_index,
)
from sim.engines.fast.pack import (
    ATTEMPT_S,
    BOT_ABANDON,
    BOT_FACTOR,
    BOT_IN_FRONT,
    BOT_RESOLVE,
    BOT_TIME_CODE,
    BOT_TIME_DRAWS,
    BOT_TIME_P1,
    BOT_TIME_P2,
    CALM_S,
    CHAT,
    CONTACT_PROBABILITY,
    END_AGENT,
    FIRST_AGENT,
    GROUP_KIND,
    HANDLE_CODE,
    HOLD,
    LIST_SIZE,
    MAX_ACTIVE,
    MAX_CHATS,
    MIN_OUTBOUND,
    MIN_STAY_S,
    OUTBOUND_ROW,
    PATIENCE_CODE,
    PREEMPT,
    PRIORITY,
    QUEUE_OFF,
    QUEUE_ON,
    REDIAL_DELAY_S,
    REDIAL_MAX_ATTEMPTS,
    REDIAL_PROBABILITY,
    REPEAT_DELAY_S,
    REPEAT_MAX_ATTEMPTS,
    ROSTER_KIND,
    ROSTER_WHO,
    SL_BELOW,
    SL_WINDOW_S,
    SLOWDOWN,
    TALK_CODE,
    TALK_DRAWS,
    TALK_P1,
    TALK_P2,
    VOICE_WHILE_CHATTING,
    WAIT_ON_S,
    WRAP_S,
)
from sim.engines.fast.pipeline import PruneBeforeInlining
from sim.engines.sampling import (
    EMPIRICAL,
    email_segment,
    empirical_value,
    next_arrival_delay,
    scale_variate,
    segment_at,
)
from sim.scenario.distributions import DistCode
from sim.scenario.limits import MAX_CONCURRENT, MAX_REDIAL_ATTEMPTS
from sim.scenario.plan import GroupKind, RosterKind
from sim.units import SECONDS_PER_DAY

# Those taking arrays without reference counting, as the array routines of events.py.
_scale_variate = njit(cache=True)(scale_variate)
_empirical_value = njit(cache=True, **NO_REFCOUNTS)(empirical_value)
_next_arrival_delay = njit(cache=True, **NO_REFCOUNTS)(next_arrival_delay)
_segment_at = njit(cache=True, **NO_REFCOUNTS)(segment_at)
_email_segment = njit(cache=True, **NO_REFCOUNTS)(email_segment)

# Feature switches, read as globals so that numba prunes the code of a feature a plan does not
# use: some group is blended or a reserve (the controls, outbound attempts, spans off the
# phones); records are written; calls need lines (and may be blocked); some group keeps its
# count (``staffing_drop: hold_count``); a bot is in front of some call type; some call type is
# a chat; some call type is email. :func:`kernel` compiles one copy per combination.
_CONTROLS = True
_KEEP = True
_LINES = True
_HOLD = True
_BOT = True
_CHAT = True
_EMAIL = True

STATUS_OK, STATUS_CALLS_FULL, STATUS_HEAP_FULL, STATUS_DRAWS_EXHAUSTED = range(4)
STATUS_OUTBOUND_EXHAUSTED, STATUS_RECORDS_FULL = 4, 5

# counters[...]
N_CALLS, N_SHIFTS, N_BREAKS, STATUS = range(4)
_SEQ, _HEAP_SIZE, _ROSTER_NEXT, _NOW_SLOT = range(4, 8)
N_OUTBOUND, N_OFF_PHONE, N_CONTROLS, _N_EXITS, _N_PENDING = range(8, 13)
EXHAUSTED_BLOCK = 13  # with STATUS_DRAWS_EXHAUSTED: purpose * 2K + stream of the block
# the call an event brings (type, -1 for none; its arrival segment; redial and repeat counts
# packed with its origin as in an arrival event), created where the event loop routes calls
_ARRIVING_TYPE, _ARRIVING_SEGMENT, _ARRIVING_COUNTS = 14, 15, 16
_BOT_SESSIONS = 17  # contacts in a bot now
_MARK_NEXT = 18  # the next opening or closing whose email backlog is still to be noted
_N_FREE, _N_SLOTS = 19, 20  # call slots: free ones (in free_slots), ever used
_TOP_TAKEN = 21  # 1 while the heap's first event was handled but not yet removed (see schedule)
_DEADLINES = 22  # entries in the deadline heap
N_COUNTERS = 23
_CHAT_STAMP = N_COUNTERS  # with chats: the next agent_i[:, _A_SINCE] stamp
# draw_span[purpose, stream, :] = (start, stop) of the block in draws; purposes as
# sim.rng.CALL_PURPOSES; stream k fresh, K + k secondary
ARRIVAL_DRAWS, HANDLE_DRAWS, PATIENCE_DRAWS = range(3)
REDIAL_DECISION_DRAWS, REDIAL_DELAY_DRAWS, REPEAT_DECISION_DRAWS, REPEAT_DELAY_DRAWS = range(3, 7)
BOT_TIME_DRAWS_ROW, BOT_OUTCOME_DRAWS_ROW = 7, 8
# type_draws columns (the per-call purposes after arrivals)
_DRAWS_REDIAL, _DRAWS_REPEAT = 2, 4
# calls: call_i[c, :], call_f[c, :] by slot c, a row reused once the call is over (see
# create_call); the call's number (creation order, its record's index) and its references
_C_TYPE, _C_SEGMENT, _C_STATE, _C_ORIGIN, _C_REDIALS, _C_REPEATS = range(6)
_C_NUMBER, _C_REFS = 6, 7
_C_ARRIVED_AT, _C_TALK_S, _C_PATIENCE_S = range(3)
_C_REDIAL_U, _C_REDIAL_E, _C_REPEAT_U, _C_REPEAT_E = range(3, 7)
# with a bot: call_i[c, _C_BOT_PATH] (a BotPath code), call_f[c, _C_ENTERED_AT / _C_FACTOR]
_C_BOT_PATH, _C_ENTERED_AT, _C_FACTOR = 8, 7, 8
_WAITING = 0  # other states are Outcome codes
# queues: queue[k, i] holds call slots; q_pos[k, :]
_HEAD, _COUNT = range(2)
# agents: agent_i[a, :], agent_f[a, :]
_A_STATE, _A_LEAVING, _A_STAMP, _A_BREAK_TOKEN = range(4)
_A_ATTEMPT_TOKEN, _A_ATTEMPT_OUTCOME, _A_ACTIVE = range(4, 7)
_A_ON_AT, _A_OFF_AT, _A_BREAK_LENGTH_S, _A_BREAK_DUE_END_AT, _A_BREAK_START_AT = range(5)
_A_ATTEMPT_START_AT, _A_ATTEMPT_TALK_S, _A_ACTIVATED_AT, _A_OFF_PHONE_SINCE = range(5, 9)
# with chats: sessions held and the order agents reached them; start of the agent's span of
# work in hand (NaN: none) and of their span holding sessions
_A_SESSIONS, _A_SINCE = 7, 8
_A_BUSY_SINCE, _A_CHAT_SINCE = 9, 10
_OFF, _IDLE, _BUSY, _ON_BREAK, _OUTBOUND, _OFF_PHONE = range(6)
_CHATTING = 6  # holding chat sessions, not on a voice call
_STAYS, _AFTER_CALL, _WHEN_QUEUE_EMPTY = range(3)
# what an agent does after a call or an attempt
_DONE, _GO_ON, _DRAIN = range(3)
# idle lines: idle[g, slot, :] = (agent, stamp); idle_pos[g, :] = (head, count)
_IDLE_AGENT, _IDLE_STAMP = range(2)
# heap payload kinds
_SERVICE_END, _ABANDON, _OVERFLOW, _ARRIVAL, _BREAK_END, _OUTBOUND_END, _BOT_END = range(7)
# groups: group_s[g, :] (control state), calm_since[g]
_GS_INBOUND, _GS_DIALLING, _GS_ACTIVE = range(3)
_GS_WINDOW_FIRST, _GS_WINDOW_NEXT, _GS_WINDOW_CALLS, _GS_WINDOW_GOOD = range(3, 7)
_INBOUND_KIND, _BLENDED, _RESERVE = (
    int(GroupKind.INBOUND),
    int(GroupKind.BLENDED),
    int(GroupKind.RESERVE),
)
# outbound_draws[purpose, the group's OUTBOUND_ROW, i]
CONTACT_DRAWS, TALK_DRAWS_ROW = range(2)
# fresh arrivals: next_i[k, :]
_NEXT_SEGMENT, _NEXT_KEY = range(2)

_ROSTER_RANK = int(EventRank.ROSTER)
_BREAK_END_RANK = int(EventRank.BREAK_END)
_SERVICE_END_RANK = int(EventRank.SERVICE_END)
_OUTBOUND_END_RANK = int(EventRank.OUTBOUND_END)
_ABANDON_RANK = int(EventRank.ABANDON)
_OVERFLOW_RANK = int(EventRank.OVERFLOW)
_ARRIVAL_RANK = int(EventRank.ARRIVAL)
_BOT_END_RANK = int(EventRank.BOT_END)
_ANSWERED, _ABANDONED, _DROPPED, _BLOCKED, _CARRIED = (
    int(Outcome.ANSWERED),
    int(Outcome.ABANDONED),
    int(Outcome.DROPPED),
    int(Outcome.BLOCKED),
    int(Outcome.CARRIED),
)
_BOT_RESOLVED, _BOT_ABANDONED = int(Outcome.BOT_RESOLVED), int(Outcome.BOT_ABANDONED)
_BOT_ENTERED, _BOT_BYPASSED = int(BotPath.ENTERED), int(BotPath.BYPASSED)
_FRESH, _REDIAL, _REPEAT = int(Origin.FRESH), int(Origin.REDIAL), int(Origin.REPEAT)
# an arrival event's second field: origin | redials << _ORIGIN_BITS | repeats << _REPEATS_SHIFT
# (the caller's counts, each at most MAX_REDIAL_ATTEMPTS < 2**_COUNT_BITS)
_ORIGIN_BITS, _ORIGIN_MASK, _COUNT_BITS = 2, 3, 8
_REPEATS_SHIFT, _COUNT_MASK = _ORIGIN_BITS + _COUNT_BITS, 2**_COUNT_BITS - 1
assert MAX_REDIAL_ATTEMPTS <= _COUNT_MASK
_CLOSE, _OFF_DRAIN, _BREAK, _ON = (
    int(RosterKind.CLOSE),
    int(RosterKind.OFF_DRAIN),
    int(RosterKind.BREAK),
    int(RosterKind.ON),
)
_EXPONENTIAL = int(DistCode.EXPONENTIAL)
_OFFERED, _N_ANSWERED, _N_ABANDONED, _N_DROPPED, _N_SHORT, _N_ANSWERED_T, _N_ABANDONED_T = range(7)
_N_REDIALS, _N_REPEATS, _N_REDIALS_GIVEN_UP, _N_REPEATS_GIVEN_UP = 7, 8, 9, 10
_N_WAITED, _N_BLOCKED = 11, 12
_N_BOT_ENTERED, _N_BOT_RESOLVED, _N_BOT_ABANDONED, _N_BOT_HANDED_OVER, _N_BOT_BYPASSED = range(
    13, 18
)
_WAIT_ANSWERED, _WAIT_ALL, _HANDLE = range(len(CALL_SUMS))
_STAFFED, _BUSY_TIME, _OVERTIME, _BREAK_TIME, _OUTBOUND_TIME, _OFF_PHONE_TIME = range(6)
_SESSION_TIME, _CHAT_TIME, _VOICE_TIME, _EMAIL_TIME = 6, 7, 8, 9
_HANDLED, _GROUP_HANDLE_S = range(2)
_E_ARRIVED, _E_ANSWERED, _E_WITHIN, _E_CARRIED, _E_OVERDUE = range(len(EMAIL_COUNTS))
_E_AGE_ANSWERED, _E_AGE_CARRIED, _E_MAX_ANSWERED, _E_MAX_CARRIED = range(len(EMAIL_AGES))
_ATTEMPTS, _CONTACTS = range(2)
_NO_CONTACT, _CONTACT, _CUT_OFF = (
    int(OutboundOutcome.NO_CONTACT),
    int(OutboundOutcome.CONTACT),
    int(OutboundOutcome.CUT_OFF),
)
_TO_INBOUND, _TO_OUTBOUND, _ACTIVATE, _DEACTIVATE = (
    int(ControlKind.TO_INBOUND),
    int(ControlKind.TO_OUTBOUND),
    int(ControlKind.ACTIVATE),
    int(ControlKind.DEACTIVATE),
)
# group_counts columns: attempts, contacts, then one per ControlKind
_CONTROL_COUNT_BASE = 2

# Record rows.
_ARRIVED_AT, _ANSWERED_AT, _LEFT_AT, _ENDED_AT, _HANDLE_S, _PATIENCE_S = range(6)
_R_TYPE, _R_DAY, _R_INTERVAL, _R_ORIGIN, _R_OUTCOME, _R_GROUP, _R_AGENT, _R_TIER = range(8)
_R_REDIAL_GIVEN_UP, _R_REPEAT_GIVEN_UP = 8, 9
_ENTERED_AT, _R_BOT_PATH = 6, 10  # rows written with a bot only
_SHIFT_ON_AT, _SHIFT_OFF_AT, _SHIFT_SCHEDULED_OFF_AT = range(3)
_SHIFT_AGENT, _SHIFT_GROUP = range(2)
_OB_START_AT, _OB_END_AT, _OB_TALK_S = range(3)
_OB_GROUP, _OB_AGENT, _OB_OUTCOME = range(3)

assert CALL_COUNTS[_N_BLOCKED:] == (
    "blocked",
    "bot_entered",
    "bot_resolved",
    "bot_abandoned",
    "bot_handed_over",
    "bot_bypassed",
)
assert AGENT_SUMS[_SESSION_TIME:] == ("session_s", "chat_s", "voice_s", "email_s")
assert len(BACKLOG_AT) == 2  # a day's opening, then its closing
assert GROUP_COUNTS[_CONTROL_COUNT_BASE:] == (
    "to_inbound",
    "to_outbound",
    "activations",
    "deactivations",
)


class Output(NamedTuple):
    """Per-replication outputs the kernel fills: tallies always, records when kept.

    Attributes
    ----------
    call_counts : int64[n_segments, n_call_types, len(CALL_COUNTS)]
    call_sums : float64[n_segments, n_call_types, len(CALL_SUMS)]
        By arrival segment (day-major planning intervals).
    agent_sums : float64[n_days * (n_intervals + 1), n_groups, len(AGENT_SUMS)]
    group_calls : float64[n_segments, n_groups, n_call_types, 2]
        Calls answered by each group, and their handle time, by arrival segment.
    group_counts : int64[n_days * (n_intervals + 1), n_groups, len(GROUP_COUNTS)]
        Outbound attempts and contacts by slot of the attempt's start; control actions by slot.
    rec_f : float64[6, call_capacity]
    rec_i : int64[10, call_capacity]
        Call records indexed by call number (with a bot, one more row each: the instant the
        contact reached the centre, and its :class:`~sim.engines.base.BotPath`).
    shift_f : float64[3, shift_capacity]
    shift_i : int64[2, shift_capacity]
        Shift records in the order agents leave.
    break_f : float64[2, break_capacity]
    break_i : int64[2, break_capacity]
        Break records (start, end; agent, group) in the order breaks end.
    outbound_f : float64[3, outbound_capacity]
    outbound_i : int64[3, outbound_capacity]
        Outbound attempts (start, end, talk; group, agent, outcome) in the order they end.
    off_phone_f : float64[2, records_capacity]
    off_phone_i : int64[2, records_capacity]
        Reserves' spans off the phones (start, end; agent, group) in the order they end.
    control_f : float64[1, records_capacity]
    control_i : int64[3, records_capacity]
        Control actions (at; group, agent, kind) in the order they happen.
    email_counts : int64[n_days, n_call_types, len(EMAIL_COUNTS)]
    email_ages : float64[n_days, n_call_types, len(EMAIL_AGES)]
        Email items by day of arrival (see :class:`~sim.engines.base.Tallies`).
    backlog : int64[n_days, n_call_types, len(BACKLOG_AT)]
        Email items waiting just before each day's opening and closing.
    """

    call_counts: np.ndarray
    call_sums: np.ndarray
    agent_sums: np.ndarray
    group_calls: np.ndarray
    rec_f: np.ndarray
    rec_i: np.ndarray
    shift_f: np.ndarray
    shift_i: np.ndarray
    break_f: np.ndarray
    break_i: np.ndarray
    group_counts: np.ndarray
    outbound_f: np.ndarray
    outbound_i: np.ndarray
    off_phone_f: np.ndarray
    off_phone_i: np.ndarray
    control_f: np.ndarray
    control_i: np.ndarray
    email_counts: np.ndarray
    email_ages: np.ndarray
    backlog: np.ndarray


def simulate_replication(
    model, rate_per_s, roster_kept, draws, draw_span, outbound_draws, out, capacity
):
    """Simulate one replication, filling ``out``.

    Parameters
    ----------
    model : FastModel
        The packed plan.
    rate_per_s : float64[n_call_types, n_segments + n_email_segments]
        This replication's arrival rates (busyness applied): in the planning segments, then (with
        email) in the email segments.
    roster_kept : bool[n_events]
        Roster events that happen (absent agent-days removed).
    draws : float64[n_draws]
        Standard variates of the replication's per-call streams (see ``sim.rng``), one block
        per stream, each consumed in creation order of the calls of its stream (the bot's
        streams in the order contacts enter the bot).
    draw_span : int64[len(CALL_PURPOSES), 2 * n_call_types, 2]
        Start and stop of each stream's block in ``draws`` (equal for a stream never drawn).
        Each start is moved past the draws taken: the caller reads what each stream used.
    outbound_draws : float64[2, n_blended_groups, n_attempts]
        Per blended group (at row ``OUTBOUND_ROW`` of its ``group_i``): a uniform per outbound
        attempt (contact or not) and a standard variate per contact (talk time), each consumed
        in the order attempts start.
    out : Output
        Zeroed tallies and record buffers.
    capacity : int
        Calls the replication may create (also the queue and heap sizes).

    Returns
    -------
    int64[N_COUNTERS]
        Counters: ``N_CALLS`` calls; ``N_SHIFTS``, ``N_BREAKS``, ``N_OUTBOUND``,
        ``N_OFF_PHONE`` and ``N_CONTROLS`` records; the ``STATUS`` code.
    """
    # Borrowed (not reference-counted) views of every array the handlers touch; the arguments
    # stay alive with the caller, the state arrays allocated here are kept alive to the end.
    segment_start_at, segment_end_at = borrow(model.segment_start_at), borrow(model.segment_end_at)
    type_i, type_f, type_draws = (
        borrow(model.type_i),
        borrow(model.type_f),
        borrow(model.type_draws),
    )
    handle_p1, handle_p2, acw_s = (
        borrow(model.handle_p1),
        borrow(model.handle_p2),
        borrow(model.acw_s),
    )
    handle_values = borrow(model.handle_values)
    patience_p1, patience_p2 = borrow(model.patience_p1), borrow(model.patience_p2)
    tier_factor, tier_fcr = borrow(model.tier_factor), borrow(model.tier_fcr)
    eligible_after_s, skill_tier = borrow(model.eligible_after_s), borrow(model.skill_tier)
    routing_group, routing_after_s = borrow(model.routing_group), borrow(model.routing_after_s)
    agent_group, roster_at = borrow(model.agent_group), borrow(model.roster_at)
    group_i, group_f = borrow(model.group_i), borrow(model.group_f)
    roster_i, roster_length_s = borrow(model.roster_i), borrow(model.roster_length_s)
    slot_start_at, n_intervals = borrow(model.slot_start_at), model.n_intervals
    threshold_s, short_abandon_s = model.threshold_s, model.short_abandon_s
    call_counts, call_sums = borrow(out.call_counts), borrow(out.call_sums)
    agent_sums, group_calls = borrow(out.agent_sums), borrow(out.group_calls)
    rec_f, rec_i = borrow(out.rec_f), borrow(out.rec_i)
    shift_f, shift_i, break_f, break_i = (
        borrow(out.shift_f),
        borrow(out.shift_i),
        borrow(out.break_f),
        borrow(out.break_i),
    )
    group_counts = borrow(out.group_counts)
    outbound_f, outbound_i = borrow(out.outbound_f), borrow(out.outbound_i)
    off_phone_f, off_phone_i = borrow(out.off_phone_f), borrow(out.off_phone_i)
    control_f, control_i = borrow(out.control_f), borrow(out.control_i)
    rate_per_s, roster_kept, draws = borrow(rate_per_s), borrow(roster_kept), borrow(draws)
    outbound_draws = borrow(outbound_draws)
    n_types, n_groups = type_i.shape[0], tier_factor.shape[0]
    n_agents, n_roster, n_slots = agent_group.shape[0], roster_at.shape[0], slot_start_at.shape[0]
    n_days = segment_start_at.shape[0] // n_intervals
    idle_capacity = n_agents + n_roster + 1
    # Service and outbound ends, stale break and outbound ends (with chats: a session end per
    # session an agent may hold, and a call's), and per call: overflows, a redial or repeat
    # (and with a bot, the end of its bot time). Deadlines: one per call at most.
    agent_events = (MAX_CONCURRENT + 3 if _CHAT else 3) * n_agents
    per_call = routing_group.shape[1] + (2 if _BOT else 1)
    heap_capacity = agent_events + n_roster + per_call * capacity

    owned_counters = new_zeros(N_COUNTERS + 1 if _CHAT else N_COUNTERS, np.int64)
    draw_span = borrow(draw_span)
    owned_call_i = new_empty((capacity, 9 if _BOT else 8), np.int32)
    owned_free_slots = new_empty(capacity, np.int64)
    owned_call_f = new_empty((capacity, 9 if _BOT else 7), np.float64)
    owned_queue = new_empty((n_types, capacity), np.int64)
    owned_q_pos = new_zeros((n_types, 2), np.int64)
    owned_agent_i = new_zeros((n_agents, 9 if _CHAT else 7), np.int64)
    owned_agent_f = new_zeros((n_agents, 11 if _CHAT else 9), np.float64)
    owned_idle = new_empty((n_groups, idle_capacity, 2), np.int64)
    owned_idle_pos = new_zeros((n_groups, 2), np.int64)
    owned_heap_at = new_empty(heap_capacity, np.float64)
    owned_heap_key = new_empty(heap_capacity, np.int64)
    owned_heap_payload = new_empty(heap_capacity, np.int64)
    owned_deadline_at = new_empty(capacity, np.float64)
    owned_deadline_key = new_empty(capacity, np.int64)
    owned_deadline_call = new_empty(capacity, np.int64)
    owned_deadline_position = new_empty(capacity, np.int64)  # per call slot, -1 for none
    # the latest deadline taken out before its instant (a stale abandonment event processed
    # at that instant would have been the run's last event if nothing came after it)
    owned_latest_dropped = new_zeros(1, np.float64)
    owned_next_at = new_empty(n_types, np.float64)
    owned_next_i = new_zeros((n_types, 2), np.int64)
    owned_waiting = new_zeros(n_types, np.int64)
    owned_group_s = new_zeros((n_groups, 7), np.int64)
    owned_calm_since = new_empty(n_groups, np.float64)
    owned_list_used = new_zeros((n_groups, n_days), np.int64)
    owned_outbound_drawn = new_zeros((2, n_groups), np.int64)
    exits_capacity = capacity if _CONTROLS else 0
    owned_exit_at = new_empty(exits_capacity, np.float64)
    owned_exit_i = new_empty((exits_capacity, 2), np.int64)  # call type, good (0/1)
    owned_pending = new_empty((n_agents, 2), np.int64)  # agent, drain (0/1)
    # a new call's draws, by purpose
    owned_call_draws = new_zeros(REPEAT_DELAY_DRAWS + 1, np.float64)
    # lines: per pool (call types, then the centre) the lines in use and a heap of the instants
    # answered callers hang up; agents on inbound calls and on shift per group (hold_count)
    line_capacity = borrow(model.line_capacity)
    line_heap_capacity = max(line_capacity.max(), 0) if _LINES else 0
    owned_lines_used = new_zeros(n_types + 1, np.int64)
    owned_line_n = new_zeros(n_types + 1, np.int64)
    owned_line_free_at = new_empty((n_types + 1, line_heap_capacity), np.float64)
    owned_busy = new_zeros(n_groups, np.int64)
    owned_on_shift = new_zeros(n_groups, np.int64)
    counters = borrow(owned_counters)
    call_i, call_f, queue, q_pos = (
        borrow(owned_call_i),
        borrow(owned_call_f),
        borrow(owned_queue),
        borrow(owned_q_pos),
    )
    free_slots = borrow(owned_free_slots)
    agent_i, agent_f = borrow(owned_agent_i), borrow(owned_agent_f)
    idle, idle_pos = borrow(owned_idle), borrow(owned_idle_pos)
    heap_at, heap_key, heap_payload = (
        borrow(owned_heap_at),
        borrow(owned_heap_key),
        borrow(owned_heap_payload),
    )
    deadline_at, deadline_key, deadline_call = (
        borrow(owned_deadline_at),
        borrow(owned_deadline_key),
        borrow(owned_deadline_call),
    )
    deadline_position, latest_dropped = (
        borrow(owned_deadline_position),
        borrow(owned_latest_dropped),
    )
    next_at, next_i = borrow(owned_next_at), borrow(owned_next_i)
    waiting, group_s = borrow(owned_waiting), borrow(owned_group_s)
    calm_since, list_used = borrow(owned_calm_since), borrow(owned_list_used)
    outbound_drawn = borrow(owned_outbound_drawn)
    exit_at, exit_i, pending = borrow(owned_exit_at), borrow(owned_exit_i), borrow(owned_pending)
    call_draws = borrow(owned_call_draws)
    lines_used, line_n = borrow(owned_lines_used), borrow(owned_line_n)
    line_free_at = borrow(owned_line_free_at)
    busy, on_shift = borrow(owned_busy), borrow(owned_on_shift)
    next_at[:] = math.inf
    calm_since[:] = math.nan
    for g in range(n_groups):
        group_s[g, _GS_INBOUND] = group_i[g, GROUP_KIND] != _BLENDED
    if _CHAT:
        agent_f[:, _A_BUSY_SINCE] = math.nan

    # -- scheduling and draws ---------------------------------------------------------------

    def key_for(rank):
        seq = counters[_SEQ]
        counters[_SEQ] = seq + 1
        return event_key(rank, seq)

    def schedule(at, rank, kind, a, b):
        """Put an event in the heap; the first after a heap event takes that event's place.

        A heap event's handler leaves the event in the heap, marked taken: one it schedules
        replaces it in one pass (an agent ending a call and answering a waiting one), and the
        event loop removes it if none did. The heap holds the same events either way.
        """
        size = counters[_HEAP_SIZE]
        if counters[_TOP_TAKEN]:
            counters[_TOP_TAKEN] = 0
            heap_replace_top(
                heap_at, heap_key, heap_payload, size, at, key_for(rank), event_payload(kind, a, b)
            )
            return
        if size == heap_capacity:
            counters[STATUS] = STATUS_HEAP_FULL
            return
        counters[_HEAP_SIZE] = heap_push(
            heap_at, heap_key, heap_payload, size, at, key_for(rank), event_payload(kind, a, b)
        )

    def take_draw(purpose, stream):
        i = draw_span[purpose, stream, 0]
        if i >= draw_span[purpose, stream, 1]:
            counters[STATUS] = STATUS_DRAWS_EXHAUSTED
            counters[EXHAUSTED_BLOCK] = purpose * draw_span.shape[1] + stream
            return 0.0
        draw_span[purpose, stream, 0] = i + 1
        return draws[i]

    def take_outbound_draw(row, group):
        i = outbound_drawn[row, group]
        if i >= outbound_draws.shape[2]:
            counters[STATUS] = STATUS_OUTBOUND_EXHAUSTED
            return 0.0
        outbound_drawn[row, group] = i + 1
        return outbound_draws[row, group_i[group, OUTBOUND_ROW], i]

    # -- records and tallies ----------------------------------------------------------------

    def write_call(call, outcome, left_at):
        """Write the record of the call in slot ``call``, at its number; return the number."""
        segment, n = call_i[call, _C_SEGMENT], call_i[call, _C_NUMBER]
        rec_f[_ARRIVED_AT, n] = call_f[call, _C_ARRIVED_AT]
        rec_f[_ANSWERED_AT, n] = math.nan
        rec_f[_LEFT_AT, n] = left_at
        rec_f[_ENDED_AT, n] = math.nan
        rec_f[_HANDLE_S, n] = math.nan
        rec_f[_PATIENCE_S, n] = call_f[call, _C_PATIENCE_S]
        rec_i[_R_TYPE, n] = call_i[call, _C_TYPE]
        rec_i[_R_DAY, n] = segment // n_intervals
        rec_i[_R_INTERVAL, n] = segment % n_intervals
        rec_i[_R_ORIGIN, n] = call_i[call, _C_ORIGIN]
        rec_i[_R_OUTCOME, n] = outcome
        rec_i[_R_GROUP, n] = -1
        rec_i[_R_AGENT, n] = -1
        rec_i[_R_TIER, n] = -1
        rec_i[_R_REDIAL_GIVEN_UP, n] = 0
        rec_i[_R_REPEAT_GIVEN_UP, n] = 0
        if _BOT:
            rec_f[_ENTERED_AT, n] = call_f[call, _C_ENTERED_AT]
            rec_i[_R_BOT_PATH, n] = call_i[call, _C_BOT_PATH]
        return n

    def release(call):
        """Drop one reference to the call in slot ``call``; free the slot after the last.

        A call holds one reference from its creation until it is over (answered, abandoned,
        dropped, blocked or kept by the bot), one while in its queue's ring (until the queue
        skips or drains it) and one per heap event naming it (until the event is popped). A freed
        slot keeps its contents until :func:`create_call` reuses it: only the event loop creates
        calls, after the handlers, so a handler may still read a call it has just released.
        """
        refs = call_i[call, _C_REFS] - 1
        call_i[call, _C_REFS] = refs
        if refs == 0:
            n_free = counters[_N_FREE]
            free_slots[n_free] = call
            counters[_N_FREE] = n_free + 1

    def settle_deadline(size, i, at, key, call):
        """Place the deadline ``(at, key, call)`` at free index ``i`` of the heap ``[:size]``."""
        deadline_settle(
            deadline_at, deadline_key, deadline_call, deadline_position, size, i, at, key, call
        )

    def remove_deadline(i):
        """Take the entry at index ``i`` out of the deadline heap; return its call."""
        call = deadline_call[i]
        deadline_position[call] = -1
        size = counters[_DEADLINES] - 1
        counters[_DEADLINES] = size
        if i < size:  # the last entry takes the free place
            settle_deadline(size, i, deadline_at[size], deadline_key[size], deadline_call[size])
        return call

    def drop_deadline(call):
        """Take a call answered or dropped out of the deadline heap, if it is in it.

        The only other ways out of the queue: abandoning (the deadline taken first), and email
        carried over after the event loop, which ends with no deadline left.
        """
        i = deadline_position[call]
        if i >= 0:
            latest_dropped[0] = max(latest_dropped[0], deadline_at[i])
            remove_deadline(i)
            release(call)  # the entry's reference

    def note_exit(k, good, now):
        """Log a call leaving its queue (answered or abandoned) for service-level windows."""
        if _CONTROLS:
            n = counters[_N_EXITS]
            counters[_N_EXITS] = n + 1
            exit_at[n] = now
            exit_i[n, 0] = k
            exit_i[n, 1] = good

    def release_lines(k):
        """Free the lines a call of type ``k`` held (it leaves without talking to an agent)."""
        for pool in (np.int64(k), n_types):
            if line_capacity[pool] >= 0:
                lines_used[pool] -= 1

    def leave_queue(call, outcome, now):
        """Take a waiting call off without an agent (abandoned or dropped): tally, record it."""
        call_i[call, _C_STATE] = outcome
        k, segment = call_i[call, _C_TYPE], call_i[call, _C_SEGMENT]
        waiting[k] -= 1
        wait_s = now - call_f[call, _C_ARRIVED_AT]
        if outcome == _ABANDONED:
            note_exit(k, False, now)
            call_counts[segment, k, _N_ABANDONED] += 1
            if wait_s < short_abandon_s:
                call_counts[segment, k, _N_SHORT] += 1
            if wait_s <= threshold_s:
                call_counts[segment, k, _N_ABANDONED_T] += 1
        else:
            call_counts[segment, k, _N_DROPPED] += 1
        if wait_s > 0:
            call_counts[segment, k, _N_WAITED] += 1
        call_sums[segment, k, _WAIT_ALL] += wait_s
        if _KEEP:
            write_call(call, outcome, now)
        if _LINES:
            release_lines(k)
        release(call)

    def end_shift(now, agent):
        """Tally and record the agent's shift as ending now (overtime past the scheduled end)."""
        group = agent_group[agent]
        on_at, off_at = agent_f[agent, _A_ON_AT], agent_f[agent, _A_OFF_AT]
        add_span(agent_sums, slot_start_at, group, _STAFFED, on_at, now, -1)
        add_span(agent_sums, slot_start_at, group, _OVERTIME, off_at, now, -1)
        if _KEEP:
            n = counters[N_SHIFTS]
            counters[N_SHIFTS] = n + 1
            shift_f[_SHIFT_ON_AT, n] = on_at
            shift_f[_SHIFT_OFF_AT, n] = now
            shift_f[_SHIFT_SCHEDULED_OFF_AT, n] = off_at
            shift_i[_SHIFT_AGENT, n] = agent
            shift_i[_SHIFT_GROUP, n] = group

    def leave(now, agent):
        end_shift(now, agent)
        if agent_i[agent, _A_ACTIVE]:
            agent_i[agent, _A_ACTIVE] = 0
            group_s[agent_group[agent], _GS_ACTIVE] -= 1
        agent_i[agent, _A_STATE] = _OFF

    def record_row(counter, capacity):
        """Take the next row of a record buffer: its index, or -1 (and a status) when full."""
        n = counters[counter]
        if n == capacity:
            counters[STATUS] = STATUS_RECORDS_FULL
            return -1
        counters[counter] = n + 1
        return n

    def record_control(group, agent, kind, now):
        """Count and record a control action taken now."""
        group_counts[counters[_NOW_SLOT], group, _CONTROL_COUNT_BASE + kind] += 1
        if _KEEP:
            n = record_row(N_CONTROLS, control_f.shape[1])
            if n < 0:
                return
            control_f[0, n] = now
            control_i[0, n] = group
            control_i[1, n] = agent
            control_i[2, n] = kind

    def end_off_phone(agent, now):
        """Tally and record the span a reserve spent off the phones, ending now."""
        group, start_at = agent_group[agent], agent_f[agent, _A_OFF_PHONE_SINCE]
        add_span(agent_sums, slot_start_at, group, _OFF_PHONE_TIME, start_at, now, -1)
        if _KEEP:
            n = record_row(N_OFF_PHONE, off_phone_f.shape[1])
            if n < 0:
                return
            off_phone_f[0, n] = start_at
            off_phone_f[1, n] = now
            off_phone_i[0, n] = agent
            off_phone_i[1, n] = group

    # -- idle lines: one per group, longest idle first; entries of agents who left are skipped

    def push_idle(agent):
        group = agent_group[agent]
        agent_i[agent, _A_STATE] = _IDLE
        agent_i[agent, _A_STAMP] += 1
        slot = ring_index(idle_pos[group, _HEAD] + idle_pos[group, _COUNT], idle_capacity)
        idle[group, slot, _IDLE_AGENT] = agent
        idle[group, slot, _IDLE_STAMP] = agent_i[agent, _A_STAMP]
        idle_pos[group, _COUNT] += 1

    def first_idle(group):
        """Return the longest-idle agent of ``group`` (still in line), or -1."""
        while idle_pos[group, _COUNT] > 0:
            slot = idle_pos[group, _HEAD]
            agent = idle[group, slot, _IDLE_AGENT]
            if (
                agent_i[agent, _A_STATE] == _IDLE
                and agent_i[agent, _A_STAMP] == idle[group, slot, _IDLE_STAMP]
            ):
                return agent
            idle_pos[group, _HEAD] = ring_index(slot + 1, idle_capacity)
            idle_pos[group, _COUNT] -= 1
        return -1

    def pop_first_idle(group):
        """Take the agent at the head of ``group``'s line, just found by :func:`first_idle`."""
        slot = idle_pos[group, _HEAD]
        idle_pos[group, _HEAD] = ring_index(slot + 1, idle_capacity)
        idle_pos[group, _COUNT] -= 1
        return idle[group, slot, _IDLE_AGENT]

    def pop_idle(group):
        agent = first_idle(group)
        if agent >= 0:
            pop_first_idle(group)
        return agent

    # -- queues -----------------------------------------------------------------------------

    def head(k):
        """Return the first call of queue ``k`` still waiting (dropping the others), or -1."""
        while q_pos[k, _COUNT] > 0:
            call = queue[k, q_pos[k, _HEAD]]
            if call_i[call, _C_STATE] == _WAITING:
                return call
            q_pos[k, _HEAD] = ring_index(q_pos[k, _HEAD] + 1, capacity)
            q_pos[k, _COUNT] -= 1
            release(call)
        return -1

    def goes_before(call, other):
        """Whether ``call`` is served before ``other``: higher priority, then longer wait."""
        priority, other_priority = (
            type_i[call_i[call, _C_TYPE], PRIORITY],
            type_i[call_i[other, _C_TYPE], PRIORITY],
        )
        if priority != other_priority:
            return priority > other_priority
        arrived_at, other_arrived_at = call_f[call, _C_ARRIVED_AT], call_f[other, _C_ARRIVED_AT]
        if arrived_at != other_arrived_at:
            return arrived_at < other_arrived_at
        return call_i[call, _C_NUMBER] < call_i[other, _C_NUMBER]

    def next_call_for(group, now, voice, chat):
        """Return the waiting call ``group`` takes next (eligible heads only), or -1.

        ``voice``, ``chat``: whether calls of each channel may be taken (with chats).
        """
        best = -1
        for k in range(n_types):
            if eligible_after_s[group, k] == math.inf or (_EMAIL and model.is_email[k]):
                continue
            if _CHAT and not (chat if type_i[k, CHAT] else voice):
                continue
            call = head(k)
            if call < 0 or now < call_f[call, _C_ARRIVED_AT] + eligible_after_s[group, k]:
                continue
            if best < 0 or goes_before(call, best):
                best = call
        return best

    def drop_waiting(now):
        for k in range(n_types):
            if _EMAIL and model.is_email[k]:
                continue  # the backlog is never dropped
            while q_pos[k, _COUNT] > 0:
                call = queue[k, q_pos[k, _HEAD]]
                q_pos[k, _HEAD] = ring_index(q_pos[k, _HEAD] + 1, capacity)
                q_pos[k, _COUNT] -= 1
                if call_i[call, _C_STATE] == _WAITING:
                    drop_deadline(call)
                    leave_queue(call, _DROPPED, now)
                release(call)

    # -- answering --------------------------------------------------------------------------

    def stamp(agent):
        """Note that ``agent`` reached its current sessions now (after those stamped before)."""
        agent_i[agent, _A_SINCE] = counters[_CHAT_STAMP]
        counters[_CHAT_STAMP] += 1

    def start_contact(agent, k, now, ended_at):
        """Set ``agent`` to a contact of type ``k`` answered now: state, sessions, agent time."""
        group = agent_group[agent]
        if math.isnan(agent_f[agent, _A_BUSY_SINCE]):
            agent_f[agent, _A_BUSY_SINCE] = now
        if not type_i[k, CHAT]:
            agent_i[agent, _A_STATE] = _BUSY
            return
        if agent_i[agent, _A_SESSIONS] == 0:
            agent_f[agent, _A_CHAT_SINCE] = now
        agent_i[agent, _A_SESSIONS] += 1
        add_span(
            agent_sums, slot_start_at, group, _SESSION_TIME, now, ended_at, counters[_NOW_SLOT]
        )
        agent_i[agent, _A_STATE] = _CHATTING
        stamp(agent)

    def repeat(call, k, now, talk_s):
        """Make unresolved ``call`` come back, unless its matter made the most repeat calls."""
        repeats = call_i[call, _C_REPEATS]
        if repeats < type_i[k, REPEAT_MAX_ATTEMPTS]:
            delay_s = type_f[k, REPEAT_DELAY_S] * call_f[call, _C_REPEAT_E]
            later = _REPEAT | ((repeats + 1) << _REPEATS_SHIFT)
            schedule(now + (talk_s + delay_s), _ARRIVAL_RANK, _ARRIVAL, k, later)
            return
        call_counts[call_i[call, _C_SEGMENT], k, _N_REPEATS_GIVEN_UP] += 1
        if _KEEP:
            rec_i[_R_REPEAT_GIVEN_UP, call_i[call, _C_NUMBER]] = 1

    def tally_email(call, k, count, age, age_s):
        """Tally an email item answered or carried over (``count`` and ``age`` columns).

        Items of a steady-state warm-up are left out. An item counts within the target when
        answered within it, and overdue when carried over already older than it.
        """
        if call_f[call, _C_ARRIVED_AT] < model.warmup_end_at:
            return
        day = call_i[call, _C_SEGMENT] // n_intervals
        out.email_counts[day, k, count] += 1
        out.email_ages[day, k, age] += age_s
        out.email_ages[day, k, age + 2] = max(out.email_ages[day, k, age + 2], age_s)
        if count == _E_ANSWERED and age_s <= model.response_target_s[k]:
            out.email_counts[day, k, _E_WITHIN] += 1
        elif count == _E_CARRIED and age_s > model.response_target_s[k]:
            out.email_counts[day, k, _E_OVERDUE] += 1

    def next_email_for(group):
        """Return the email item ``group`` takes next (highest priority, oldest), or -1."""
        best = -1
        for k in range(n_types):
            if not model.is_email[k] or eligible_after_s[group, k] != 0.0:
                continue
            call = head(k)
            if call >= 0 and (best < 0 or goes_before(call, best)):
                best = call
        return best

    def note_backlog(until_at):
        """Note the backlog of each opening and closing up to ``until_at`` (events before it)."""
        while (
            counters[_MARK_NEXT] < model.mark_at.shape[0]
            and model.mark_at[counters[_MARK_NEXT]] <= until_at
        ):
            m = counters[_MARK_NEXT]
            for k in range(n_types):
                if model.is_email[k]:
                    out.backlog[m // 2, k, m % 2] = waiting[k]
            counters[_MARK_NEXT] = m + 1

    def carry_backlog(now):
        """Carry over the email items still waiting: they leave at the horizon's end (or now)."""
        end_at = max(now, model.horizon_end_at)
        for k in range(n_types):
            if not model.is_email[k]:
                continue
            while q_pos[k, _COUNT] > 0:
                call = queue[k, q_pos[k, _HEAD]]
                q_pos[k, _HEAD] = ring_index(q_pos[k, _HEAD] + 1, capacity)
                q_pos[k, _COUNT] -= 1
                if call_i[call, _C_STATE] == _WAITING:
                    call_i[call, _C_STATE] = _CARRIED
                    waiting[k] -= 1
                    tally_email(
                        call, k, _E_CARRIED, _E_AGE_CARRIED, end_at - call_f[call, _C_ARRIVED_AT]
                    )
                    if _KEEP:
                        write_call(call, _CARRIED, end_at)

    def tally_channel_time(k, group, now, ended_at):
        """Add a voice call's or an email item's handle span to its channel's agent time.

        Chat time is tallied as the agent's spans holding sessions (``_CHAT_TIME``).
        """
        if _EMAIL and model.is_email[k]:
            column = _EMAIL_TIME
        elif _CHAT and type_i[k, CHAT]:
            return
        else:
            column = _VOICE_TIME
        add_span(agent_sums, slot_start_at, group, column, now, ended_at, counters[_NOW_SLOT])

    def answer(call, agent, now):
        """``agent`` answers ``call`` now: tally, record, schedule its end and any repeat call."""
        k, segment, group = call_i[call, _C_TYPE], call_i[call, _C_SEGMENT], agent_group[agent]
        factor = tier_factor[group, k]
        if _BOT:
            factor = factor * call_f[call, _C_FACTOR]
        if _CHAT and type_i[k, CHAT]:
            factor *= group_f[group, SLOWDOWN + agent_i[agent, _A_SESSIONS]]
        talk_s = factor * call_f[call, _C_TALK_S]
        handle_s = talk_s + factor * acw_s[k, segment]
        ended_at = now + handle_s
        wait_s = now - call_f[call, _C_ARRIVED_AT]
        call_i[call, _C_STATE] = _ANSWERED
        drop_deadline(call)
        note_exit(k, wait_s <= threshold_s, now)
        if _EMAIL and model.is_email[k]:
            tally_email(call, k, _E_ANSWERED, _E_AGE_ANSWERED, wait_s)
        else:
            call_counts[segment, k, _N_ANSWERED] += 1
            if wait_s <= threshold_s:
                call_counts[segment, k, _N_ANSWERED_T] += 1
            if wait_s > 0:
                call_counts[segment, k, _N_WAITED] += 1
            call_sums[segment, k, _WAIT_ANSWERED] += wait_s
            call_sums[segment, k, _WAIT_ALL] += wait_s
            call_sums[segment, k, _HANDLE] += handle_s
            group_calls[segment, group, k, _HANDLED] += 1.0
            group_calls[segment, group, k, _GROUP_HANDLE_S] += handle_s
        if not _CHAT:
            add_span(
                agent_sums, slot_start_at, group, _BUSY_TIME, now, ended_at, counters[_NOW_SLOT]
            )
        if _CHAT or _EMAIL:
            tally_channel_time(k, group, now, ended_at)
        if _KEEP:
            n = write_call(call, _ANSWERED, now + talk_s)
            rec_f[_ANSWERED_AT, n] = now
            rec_f[_ENDED_AT, n] = ended_at
            rec_f[_HANDLE_S, n] = handle_s
            rec_i[_R_GROUP, n] = group
            rec_i[_R_AGENT, n] = agent
            rec_i[_R_TIER, n] = skill_tier[group, k]
        if _CHAT:
            start_contact(agent, k, now, ended_at)
        else:
            agent_i[agent, _A_STATE] = _BUSY
        if _HOLD:
            busy[group] += 1
        if _LINES:  # the caller keeps their lines until they hang up
            for pool in (np.int64(k), n_types):
                if line_capacity[pool] >= 0:
                    line_n[pool] = instant_push(line_free_at, pool, line_n[pool], now + talk_s)
        schedule(ended_at, _SERVICE_END_RANK, _SERVICE_END, agent, type_i[k, CHAT] if _CHAT else 0)
        if type_draws[k, _DRAWS_REPEAT] and call_f[call, _C_REPEAT_U] >= tier_fcr[group, k]:
            repeat(call, k, now, talk_s)
        release(call)

    def redial(call, k, now):
        """Make the caller of abandoned ``call`` redial later, unless they made the most redials."""
        redials = call_i[call, _C_REDIALS]
        if redials < type_i[k, REDIAL_MAX_ATTEMPTS]:
            delay_s = type_f[k, REDIAL_DELAY_S] * call_f[call, _C_REDIAL_E]
            later = (
                _REDIAL
                | ((redials + 1) << _ORIGIN_BITS)
                | (call_i[call, _C_REPEATS] << _REPEATS_SHIFT)
            )
            schedule(now + delay_s, _ARRIVAL_RANK, _ARRIVAL, k, later)
            return
        call_counts[call_i[call, _C_SEGMENT], k, _N_REDIALS_GIVEN_UP] += 1
        if _KEEP:
            rec_i[_R_REDIAL_GIVEN_UP, call_i[call, _C_NUMBER]] = 1

    def maybe_redial(call, k, now):
        """Let the caller of a call that got no agent (abandoned, blocked) redial, if drawn so."""
        if (
            type_draws[k, _DRAWS_REDIAL]
            and call_f[call, _C_REDIAL_U] < type_f[k, REDIAL_PROBABILITY]
        ):
            redial(call, k, now)

    def admit(call, now):
        """Give an arriving call a line of each limited pool it needs, or block it.

        A blocked call is tallied and recorded, and its caller may redial. Returns whether the
        call was admitted.
        """
        if _BOT and call_i[call, _C_BOT_PATH] == _BOT_ENTERED:
            return True  # handed over by the bot: it holds its lines since it arrived
        k = call_i[call, _C_TYPE]
        full = False
        for pool in (np.int64(k), n_types):
            if line_capacity[pool] >= 0:
                size = instants_due(line_free_at, pool, line_n[pool], now)
                lines_used[pool] -= line_n[pool] - size
                line_n[pool] = size
                full = full or lines_used[pool] >= line_capacity[pool]
        if not full:
            for pool in (np.int64(k), n_types):
                if line_capacity[pool] >= 0:
                    lines_used[pool] += 1
            return True
        call_i[call, _C_STATE] = _BLOCKED
        call_counts[call_i[call, _C_SEGMENT], k, _N_BLOCKED] += 1
        if _KEEP:
            write_call(call, _BLOCKED, now)
        maybe_redial(call, k, now)
        release(call)
        return False

    def enters_bot(call, now):
        """Let an admitted call take a free port of its type's bot; return whether it did.

        A call that finds every port busy is bypassed (it queues for people at once); one
        handed over by the bot does not enter again. Entering takes the bot time's draw and
        the outcome's uniform, and schedules the end of the bot time with how it ends.
        """
        k = call_i[call, _C_TYPE]
        bot_i, bot_f = model.bot_i, model.bot_f
        if not bot_i[k, BOT_IN_FRONT] or call_i[call, _C_BOT_PATH] == _BOT_ENTERED:
            return False
        segment = call_i[call, _C_SEGMENT]
        if 0 <= model.bot_ports <= counters[_BOT_SESSIONS]:
            call_i[call, _C_BOT_PATH] = _BOT_BYPASSED
            call_counts[segment, k, _N_BOT_BYPASSED] += 1
            return False
        counters[_BOT_SESSIONS] += 1
        call_i[call, _C_BOT_PATH] = _BOT_ENTERED
        call_counts[segment, k, _N_BOT_ENTERED] += 1
        stream = k if call_i[call, _C_ORIGIN] == _FRESH else n_types + k
        variate = take_draw(BOT_TIME_DRAWS_ROW, stream) if bot_i[k, BOT_TIME_DRAWS] else 0.0
        u = take_draw(BOT_OUTCOME_DRAWS_ROW, stream)
        bot_s = _scale_variate(
            bot_i[k, BOT_TIME_CODE], bot_f[k, BOT_TIME_P1], bot_f[k, BOT_TIME_P2], variate
        )
        outcome = 0  # handed over
        if u < bot_f[k, BOT_RESOLVE]:
            outcome = _BOT_RESOLVED
        elif u < bot_f[k, BOT_RESOLVE] + bot_f[k, BOT_ABANDON]:
            outcome = _BOT_ABANDONED
        schedule(now + bot_s, _BOT_END_RANK, _BOT_END, call, outcome)
        call_i[call, _C_REFS] += 1
        return True

    def leave_bot(call, outcome, now):
        """End a call's bot time; return whether it is handed over (to be routed now).

        Resolved or hung up, it leaves (and leaves the people's offered count: it never
        reached them). Handed over, it joins the people's queue now with its handle time
        scaled, or is dropped when the centre is closed.
        """
        counters[_BOT_SESSIONS] -= 1
        k, segment = call_i[call, _C_TYPE], call_i[call, _C_SEGMENT]
        if outcome != 0:
            call_i[call, _C_STATE] = outcome
            call_counts[segment, k, _OFFERED] -= 1
            origin = call_i[call, _C_ORIGIN]
            if origin == _REDIAL:
                call_counts[segment, k, _N_REDIALS] -= 1
            elif origin == _REPEAT:
                call_counts[segment, k, _N_REPEATS] -= 1
            kept = _N_BOT_RESOLVED if outcome == _BOT_RESOLVED else _N_BOT_ABANDONED
            call_counts[segment, k, kept] += 1
            if _KEEP:
                write_call(call, outcome, now)
            if _LINES:
                release_lines(k)
            release(call)
            return False
        call_counts[segment, k, _N_BOT_HANDED_OVER] += 1
        call_f[call, _C_ARRIVED_AT] = now
        call_f[call, _C_FACTOR] = model.bot_f[k, BOT_FACTOR]
        if _segment_at(now, segment_start_at, segment_end_at) < 0:
            waiting[k] += 1  # it joins the closed queue and leaves it at once
            leave_queue(call, _DROPPED, now)
            return False
        return True

    def held(group):
        """Whether ``group`` keeps its count (``hold_count``) and has no place for a call now."""
        if not _HOLD:
            return False
        return group_i[group, HOLD] == 1 and busy[group] >= on_shift[group]

    def take_next_call(agent, now):
        """Take the waiting call ``agent`` answers next off its queue's count (-1 if none)."""
        call = next_call_for(agent_group[agent], now, True, True)
        if call >= 0:
            waiting[call_i[call, _C_TYPE]] -= 1
        return call

    def offer_to_group(group, now):
        """Find the longest-idle agent of ``group`` and the next call (a call became eligible).

        Returns the call and the agent who answers it, or -1 and -1.
        """
        if held(group) or first_idle(group) < 0:
            return -1, -1
        call = next_call_for(group, now, True, True)
        if _EMAIL and call < 0:
            call = next_email_for(group)
        if call < 0:
            return -1, -1
        waiting[call_i[call, _C_TYPE]] -= 1
        return call, pop_first_idle(group)

    def on_phones(agent):
        """Whether the agent takes inbound calls (a reserve only when activated)."""
        if not _CONTROLS:
            return True
        return agent_i[agent, _A_ACTIVE] == 1 or group_i[agent_group[agent], GROUP_KIND] != _RESERVE

    # -- chats (see the SimPy centre's chat rules) --------------------------------------------

    def takes(agent):
        """Whether a chatting agent takes a voice call, and a chat, now.

        One whose shift ended (without drain) or whose break fell due takes nothing new.
        """
        if agent_i[agent, _A_STATE] != _CHATTING:
            return False, False
        if agent_i[agent, _A_LEAVING] == _AFTER_CALL or agent_f[agent, _A_BREAK_LENGTH_S] > 0.0:
            return False, False
        group = agent_group[agent]
        return (
            group_i[group, VOICE_WHILE_CHATTING] == 1,
            agent_i[agent, _A_SESSIONS] < group_i[group, MAX_CHATS],
        )

    def agent_for(group, k):
        """Return the agent of ``group`` who takes a contact of type ``k`` now, or -1.

        The longest-idle agent; else, among the chatting agents who may take it, the one with
        the fewest sessions who reached that count first.
        """
        if held(group):
            return -1
        best = first_idle(group)
        if best >= 0:
            return best
        for agent in range(group_i[group, FIRST_AGENT], group_i[group, END_AGENT]):
            if agent_group[agent] != group:
                continue
            voice, chat = takes(agent)
            if not (chat if type_i[k, CHAT] else voice):
                continue
            if (
                best < 0
                or agent_i[agent, _A_SESSIONS] < agent_i[best, _A_SESSIONS]
                or (
                    agent_i[agent, _A_SESSIONS] == agent_i[best, _A_SESSIONS]
                    and agent_i[agent, _A_SINCE] < agent_i[best, _A_SINCE]
                )
            ):
                best = agent
        return best

    def offer_contact(group, k, now):
        """Find the agent of ``group`` who takes type ``k`` and the next contact they may take.

        Returns the contact and the agent, or -1 and -1 (an overflow with chats).
        """
        agent = agent_for(group, k)
        if agent < 0:
            return -1, -1
        idle_agent = agent_i[agent, _A_STATE] == _IDLE
        voice, chat = (True, True) if idle_agent else takes(agent)
        call = next_call_for(group, now, voice, chat)
        if call < 0:
            return -1, -1
        waiting[call_i[call, _C_TYPE]] -= 1
        if idle_agent:
            pop_first_idle(group)
        return call, agent

    def take_more(agent, now):
        """Let a chatting agent take waiting contacts while they may."""
        while True:
            voice, chat = takes(agent)
            if not (voice or chat):
                return
            call = next_call_for(agent_group[agent], now, voice, chat)
            if call < 0:
                return
            waiting[call_i[call, _C_TYPE]] -= 1
            answer(call, agent, now)

    def end_contact(agent, chat, now):
        """End a call or a chat session of ``agent``; return whether no work is left in hand."""
        group = agent_group[agent]
        if chat:
            agent_i[agent, _A_SESSIONS] -= 1
            if agent_i[agent, _A_SESSIONS] == 0:
                start_at = agent_f[agent, _A_CHAT_SINCE]
                add_span(agent_sums, slot_start_at, group, _CHAT_TIME, start_at, now, -1)
            if agent_i[agent, _A_STATE] == _BUSY:  # a session ended during a voice call
                return False
        if agent_i[agent, _A_SESSIONS] > 0:  # a session ended, or a voice call while chatting
            agent_i[agent, _A_STATE] = _CHATTING
            stamp(agent)
            return False
        add_span(
            agent_sums, slot_start_at, group, _BUSY_TIME, agent_f[agent, _A_BUSY_SINCE], now, -1
        )
        agent_f[agent, _A_BUSY_SINCE] = math.nan
        return True

    # -- agents: outbound attempts, breaks, free agents, reserves (controls decide) ----------

    def today(now):
        return min(math.floor(now / SECONDS_PER_DAY), n_days - 1)

    def dials(group, now):
        """Whether a free agent of ``group`` dials now (see the SimPy centre's ``dials``)."""
        if not _CONTROLS:
            return False
        if group_i[group, GROUP_KIND] != _BLENDED:
            return False
        if (
            group_s[group, _GS_INBOUND]
            and group_s[group, _GS_DIALLING] >= group_i[group, MIN_OUTBOUND]
        ):
            return False
        size = group_i[group, LIST_SIZE]
        return size < 0 or list_used[group, today(now)] < size

    def start_attempt(agent, now):
        """Dial the next record of the list: ring, and talk and wrap up when someone answers."""
        group = agent_group[agent]
        list_used[group, today(now)] += 1
        attempt_s = group_f[group, ATTEMPT_S]
        if take_outbound_draw(CONTACT_DRAWS, group) < group_f[group, CONTACT_PROBABILITY]:
            variate = (
                take_outbound_draw(TALK_DRAWS_ROW, group) if group_i[group, TALK_DRAWS] else 0.0
            )
            talk_s = _scale_variate(
                group_i[group, TALK_CODE], group_f[group, TALK_P1], group_f[group, TALK_P2], variate
            )
            duration_s = attempt_s + talk_s + group_f[group, WRAP_S]
            agent_i[agent, _A_ATTEMPT_OUTCOME] = _CONTACT
        else:
            talk_s = math.nan
            duration_s = attempt_s
            agent_i[agent, _A_ATTEMPT_OUTCOME] = _NO_CONTACT
        agent_f[agent, _A_ATTEMPT_START_AT] = now
        agent_f[agent, _A_ATTEMPT_TALK_S] = talk_s
        agent_i[agent, _A_STATE] = _OUTBOUND
        agent_i[agent, _A_ATTEMPT_TOKEN] += 1
        group_s[group, _GS_DIALLING] += 1
        token = agent_i[agent, _A_ATTEMPT_TOKEN]
        schedule(now + duration_s, _OUTBOUND_END_RANK, _OUTBOUND_END, agent, token)

    def start_break(agent, now, end_at):
        agent_i[agent, _A_STATE] = _ON_BREAK
        agent_i[agent, _A_BREAK_TOKEN] += 1
        agent_f[agent, _A_BREAK_START_AT] = now
        agent_f[agent, _A_BREAK_LENGTH_S] = 0.0
        schedule(end_at, _BREAK_END_RANK, _BREAK_END, agent, agent_i[agent, _A_BREAK_TOKEN])

    def end_break(agent, now):
        group, start_at = agent_group[agent], agent_f[agent, _A_BREAK_START_AT]
        add_span(agent_sums, slot_start_at, group, _BREAK_TIME, start_at, now, -1)
        if _KEEP:
            n = counters[N_BREAKS]
            counters[N_BREAKS] = n + 1
            break_f[0, n] = start_at
            break_f[1, n] = now
            break_i[0, n] = agent
            break_i[1, n] = group

    def go_off_phone(agent, now):
        agent_i[agent, _A_STATE] = _OFF_PHONE
        agent_f[agent, _A_OFF_PHONE_SINCE] = now

    def free_agent(agent, now, drain):
        """Set a free agent to work: dial, go off the phones, answer, or wait in line.

        With ``drain`` (their shift ended at a closing with drain) they only answer a waiting
        call, or else leave. Returns the call they answer now (-1 if none), which the caller
        answers: :func:`answer` has one call site per caller of this function.
        """
        if _CONTROLS and not drain and not on_phones(agent):
            go_off_phone(agent, now)
            return -1
        if _CONTROLS and not drain and dials(agent_group[agent], now):
            start_attempt(agent, now)
            return -1
        if on_phones(agent) and (drain or not held(agent_group[agent])):
            call = take_next_call(agent, now)
            if _EMAIL and call < 0 and not drain:  # nobody stays past their shift for email
                call = next_email_for(agent_group[agent])
                if call >= 0:
                    waiting[call_i[call, _C_TYPE]] -= 1
            if call >= 0:
                return call
        if drain:
            leave(now, agent)
        else:
            push_idle(agent)
        return -1

    def after_work(agent, now):
        """Leave or take a break that fell due, after a call or an attempt.

        Returns ``_DONE``, or ``_GO_ON`` / ``_DRAIN`` when the caller is to call
        :func:`free_agent` (without / with drain). Numba inlines every call site of a closure,
        so the big ones have few.
        """
        leaving = agent_i[agent, _A_LEAVING]
        if leaving == _AFTER_CALL:
            leave(now, agent)
            return _DONE
        if leaving == _WHEN_QUEUE_EMPTY:
            return _DRAIN
        if agent_f[agent, _A_BREAK_LENGTH_S] > 0.0:
            if model.breaks_shorten:
                # Written as now + delay, as SimPy schedules it, so both engines round alike.
                end_at = now + (agent_f[agent, _A_BREAK_DUE_END_AT] - now)
            else:
                end_at = now + agent_f[agent, _A_BREAK_LENGTH_S]
            if end_at > now:
                start_break(agent, now, end_at)
                return _DONE
            agent_f[agent, _A_BREAK_LENGTH_S] = 0.0
        return _GO_ON

    def end_attempt(agent, now, cut):
        """Tally and record the agent's outbound attempt as ending now (cut short or not)."""
        group, start_at = agent_group[agent], agent_f[agent, _A_ATTEMPT_START_AT]
        outcome = _CUT_OFF if cut else agent_i[agent, _A_ATTEMPT_OUTCOME]
        agent_i[agent, _A_ATTEMPT_TOKEN] += 1
        group_s[group, _GS_DIALLING] -= 1
        add_span(agent_sums, slot_start_at, group, _OUTBOUND_TIME, start_at, now, -1)
        slot = max(np.searchsorted(slot_start_at, start_at, side="right") - 1, 0)
        group_counts[slot, group, _ATTEMPTS] += 1
        if outcome == _CONTACT:
            group_counts[slot, group, _CONTACTS] += 1
        if _KEEP:
            n = record_row(N_OUTBOUND, outbound_f.shape[1])
            if n < 0:
                return
            outbound_f[_OB_START_AT, n] = start_at
            outbound_f[_OB_END_AT, n] = now
            outbound_f[_OB_TALK_S, n] = agent_f[agent, _A_ATTEMPT_TALK_S]
            outbound_i[_OB_GROUP, n] = group
            outbound_i[_OB_AGENT, n] = agent
            outbound_i[_OB_OUTCOME, n] = outcome

    def free_later(agent, drain):
        """Leave an agent the controls set free to :func:`run_controls` (one call site).

        The SimPy engine frees them at once; freeing them after the group's rules is the same:
        those rules never look at them again (a switch to inbound cuts attempts, which only
        depends on the agents still dialling; an activation is the group's last action).
        """
        n = counters[_N_PENDING]
        pending[n, 0] = agent
        pending[n, 1] = drain
        counters[_N_PENDING] = n + 1

    def activate(agent, now):
        """Put a reserve who is off the phones on the phones."""
        end_off_phone(agent, now)
        group = agent_group[agent]
        agent_i[agent, _A_ACTIVE] = 1
        agent_f[agent, _A_ACTIVATED_AT] = now
        group_s[group, _GS_ACTIVE] += 1
        record_control(group, agent, _ACTIVATE, now)
        free_later(agent, False)

    def deactivate(agent, now):
        """Release an active reserve: off the phones now if idle, else after the call or break."""
        group = agent_group[agent]
        agent_i[agent, _A_ACTIVE] = 0
        group_s[group, _GS_ACTIVE] -= 1
        record_control(group, agent, _DEACTIVATE, now)
        if agent_i[agent, _A_STATE] == _IDLE:
            go_off_phone(agent, now)  # as free_agent; its idle-line entry goes stale

    # -- controls (see the SimPy engine's controls module) ----------------------------------

    def queue_of(group, now):
        """Return the group's queue length and the oldest wait in it (s)."""
        n_waiting, oldest_wait_s = 0, 0.0
        for k in range(n_types):
            if skill_tier[group, k] >= 0 and waiting[k] > 0:
                n_waiting += waiting[k]
                oldest_wait_s = max(oldest_wait_s, now - call_f[head(k), _C_ARRIVED_AT])
        return n_waiting, oldest_wait_s

    def service_level_low(group, now):
        """Whether the service level over the group's sliding window is below its threshold."""
        window_s = group_f[group, SL_WINDOW_S]
        if window_s <= 0.0:
            return False
        while group_s[group, _GS_WINDOW_NEXT] < counters[_N_EXITS]:
            n = group_s[group, _GS_WINDOW_NEXT]
            if skill_tier[group, exit_i[n, 0]] >= 0:
                group_s[group, _GS_WINDOW_CALLS] += 1
                group_s[group, _GS_WINDOW_GOOD] += exit_i[n, 1]
            group_s[group, _GS_WINDOW_NEXT] = n + 1
        since = now - window_s
        while group_s[group, _GS_WINDOW_FIRST] < group_s[group, _GS_WINDOW_NEXT]:
            n = group_s[group, _GS_WINDOW_FIRST]
            if exit_at[n] > since:
                break
            if skill_tier[group, exit_i[n, 0]] >= 0:
                group_s[group, _GS_WINDOW_CALLS] -= 1
                group_s[group, _GS_WINDOW_GOOD] -= exit_i[n, 1]
            group_s[group, _GS_WINDOW_FIRST] = n + 1
        calls = group_s[group, _GS_WINDOW_CALLS]
        return calls > 0 and group_s[group, _GS_WINDOW_GOOD] < group_f[group, SL_BELOW] * calls

    def triggered(group, n_waiting, oldest_wait_s, now):
        return (
            n_waiting >= group_f[group, QUEUE_ON]
            or oldest_wait_s >= group_f[group, WAIT_ON_S]
            or service_level_low(group, now)
        )

    def calm_long_enough(group, n_waiting, now):
        """Update the calm clock (trigger not holding) and say whether it ran ``calm_s``."""
        if n_waiting > group_f[group, QUEUE_OFF]:
            calm_since[group] = math.nan
            return False
        if math.isnan(calm_since[group]):
            calm_since[group] = now
        return now - calm_since[group] >= group_f[group, CALM_S]

    def to_inbound(group, now):
        group_s[group, _GS_INBOUND] = 1
        calm_since[group] = math.nan
        record_control(group, -1, _TO_INBOUND, now)
        if not group_i[group, PREEMPT]:
            return  # agents on outbound calls switch when each call ends
        for agent in range(n_agents):
            if group_s[group, _GS_DIALLING] <= group_i[group, MIN_OUTBOUND]:
                break
            if agent_group[agent] == group and agent_i[agent, _A_STATE] == _OUTBOUND:
                end_attempt(agent, now, True)
                then = after_work(agent, now)
                if then != _DONE:
                    free_later(agent, then == _DRAIN)

    def control_blended(group, now):
        n_waiting, oldest_wait_s = queue_of(group, now)
        on = triggered(group, n_waiting, oldest_wait_s, now)
        if not group_s[group, _GS_INBOUND]:
            if on:
                to_inbound(group, now)
        elif on:
            calm_since[group] = math.nan
        elif calm_long_enough(group, n_waiting, now):
            group_s[group, _GS_INBOUND] = 0
            calm_since[group] = math.nan
            record_control(group, -1, _TO_OUTBOUND, now)
        while first_idle(group) >= 0 and dials(group, now):
            start_attempt(pop_first_idle(group), now)

    def control_reserve(group, now):
        n_waiting, oldest_wait_s = queue_of(group, now)
        if triggered(group, n_waiting, oldest_wait_s, now):
            calm_since[group] = math.nan
            if group_s[group, _GS_ACTIVE] < group_i[group, MAX_ACTIVE]:
                for agent in range(n_agents):
                    if agent_group[agent] == group and agent_i[agent, _A_STATE] == _OFF_PHONE:
                        activate(agent, now)
                        break
        elif calm_long_enough(group, n_waiting, now):
            min_stay_s = group_f[group, MIN_STAY_S]
            for agent in range(n_agents):
                if (
                    agent_group[agent] == group
                    and agent_i[agent, _A_ACTIVE]
                    and now - agent_f[agent, _A_ACTIVATED_AT] >= min_stay_s
                ):
                    deactivate(agent, now)

    def run_controls(now):
        """Evaluate every controlled group's rules once, in group order."""
        for group in range(n_groups):
            kind = group_i[group, GROUP_KIND]
            if kind == _BLENDED:
                control_blended(group, now)
            elif kind == _RESERVE:
                control_reserve(group, now)
            for n in range(counters[_N_PENDING]):
                agent = pending[n, 0]
                call = free_agent(agent, now, pending[n, 1] == 1)
                if call >= 0:
                    answer(call, agent, now)
            counters[_N_PENDING] = 0

    # -- calls arriving ---------------------------------------------------------------------

    def create_call(k, origin, segment, now, counts):
        """Create a call: number it, give it a slot, take its draws, count it offered.

        ``counts``: its caller's redials and repeat calls, this call included, packed as in an
        arrival event (origin bits aside). Returns the call's slot (-1 if out of room). Slots
        are reused once their calls are over (see :func:`release`): the rows in use stay few
        and in cache, where a row per call number touched each row once, and a day of 200,000
        calls spent about a quarter of its time faulting in fresh pages.
        """
        number = counters[N_CALLS]
        if number == capacity:
            counters[STATUS] = STATUS_CALLS_FULL
            return -1
        counters[N_CALLS] = number + 1
        # The most recently freed slot (its row likely still in cache), else a new one.
        n_free = counters[_N_FREE]
        if n_free > 0:
            call = free_slots[n_free - 1]
            counters[_N_FREE] = n_free - 1
        else:
            call = counters[_N_SLOTS]
            counters[_N_SLOTS] = call + 1
        call_i[call, _C_NUMBER] = number
        call_i[call, _C_REFS] = 1
        deadline_position[call] = -1
        stream = k if origin == _FRESH else n_types + k
        call_i[call, _C_TYPE] = k
        call_i[call, _C_SEGMENT] = segment
        call_i[call, _C_STATE] = _WAITING
        call_i[call, _C_ORIGIN] = origin
        call_i[call, _C_REDIALS] = (counts >> _ORIGIN_BITS) & _COUNT_MASK
        call_i[call, _C_REPEATS] = counts >> _REPEATS_SHIFT
        call_f[call, _C_ARRIVED_AT] = now
        if _BOT:
            call_i[call, _C_BOT_PATH] = 0
            call_f[call, _C_ENTERED_AT] = now
            call_f[call, _C_FACTOR] = 1.0
        # One call site of take_draw: the kernel inlines each call site, so fewer compile faster.
        for purpose in range(HANDLE_DRAWS, REPEAT_DELAY_DRAWS + 1):
            taken = type_draws[k, purpose - HANDLE_DRAWS]
            call_draws[purpose] = take_draw(purpose, stream) if taken else 0.0
        code = type_i[k, HANDLE_CODE]
        variate = call_draws[HANDLE_DRAWS]
        if code == EMPIRICAL:
            call_f[call, _C_TALK_S] = _empirical_value(
                handle_p1[k, segment], handle_p2[k, segment], variate, handle_values[k]
            )
        else:
            call_f[call, _C_TALK_S] = _scale_variate(
                code, handle_p1[k, segment], handle_p2[k, segment], variate
            )
        code = type_i[k, PATIENCE_CODE]
        call_f[call, _C_PATIENCE_S] = _scale_variate(
            code, patience_p1[k, segment], patience_p2[k, segment], call_draws[PATIENCE_DRAWS]
        )
        call_f[call, _C_REDIAL_U] = call_draws[REDIAL_DECISION_DRAWS]
        call_f[call, _C_REDIAL_E] = call_draws[REDIAL_DELAY_DRAWS]
        call_f[call, _C_REPEAT_U] = call_draws[REPEAT_DECISION_DRAWS]
        call_f[call, _C_REPEAT_E] = call_draws[REPEAT_DELAY_DRAWS]
        if _EMAIL and model.is_email[k]:
            if now >= model.warmup_end_at:
                out.email_counts[segment // n_intervals, k, _E_ARRIVED] += 1
        else:
            call_counts[segment, k, _OFFERED] += 1
            if origin == _REDIAL:
                call_counts[segment, k, _N_REDIALS] += 1
            elif origin == _REPEAT:
                call_counts[segment, k, _N_REPEATS] += 1
        return call

    def route(call, now):
        """Offer a new call to its groups in preference order; queue it if none is free.

        Returns the agent who answers it now (-1 if queued).
        """
        k = call_i[call, _C_TYPE]
        for r in range(routing_group.shape[1]):
            group = routing_group[k, r]
            if group < 0:
                break
            if routing_after_s[k, r] > 0.0 or held(group):
                continue
            if _CHAT:
                agent = agent_for(group, k)
                if agent >= 0 and agent_i[agent, _A_STATE] == _IDLE:
                    pop_first_idle(group)
            else:
                agent = pop_idle(group)
            if agent >= 0:
                return agent
        slot = ring_index(q_pos[k, _HEAD] + q_pos[k, _COUNT], capacity)
        queue[k, slot] = call
        q_pos[k, _COUNT] += 1
        waiting[k] += 1
        call_i[call, _C_REFS] += 1
        for r in range(routing_group.shape[1]):
            group = routing_group[k, r]
            if group < 0:
                break
            if routing_after_s[k, r] > 0.0:
                schedule(now + routing_after_s[k, r], _OVERFLOW_RANK, _OVERFLOW, call, group)
                call_i[call, _C_REFS] += 1
        patience_s = call_f[call, _C_PATIENCE_S]
        if patience_s < math.inf:
            size = counters[_DEADLINES] + 1
            counters[_DEADLINES] = size
            settle_deadline(size, size - 1, now + patience_s, key_for(_ABANDON_RANK), call)
            call_i[call, _C_REFS] += 1
        return -1

    def schedule_fresh_arrival(k, now, segment):
        unit_exponential = take_draw(ARRIVAL_DRAWS, k)
        if _EMAIL and model.is_email[k]:
            delay_s, next_segment = _next_arrival_delay(
                now,
                segment,
                unit_exponential,
                model.email_start_at,
                model.email_end_at,
                rate_per_s[k, segment_start_at.shape[0] :],
            )
        else:
            delay_s, next_segment = _next_arrival_delay(
                now, segment, unit_exponential, segment_start_at, segment_end_at, rate_per_s[k]
            )
        next_at[k] = now + delay_s
        next_i[k, _NEXT_SEGMENT] = next_segment
        next_i[k, _NEXT_KEY] = key_for(_ARRIVAL_RANK)

    # -- event handlers ---------------------------------------------------------------------

    def bring_call(k, segment, counts):
        """Make the event loop create a call of type ``k`` (see ``_ARRIVING_TYPE``)."""
        counters[_ARRIVING_TYPE] = k
        counters[_ARRIVING_SEGMENT] = segment
        counters[_ARRIVING_COUNTS] = counts

    def on_fresh_arrival(k, now):
        """Bring the next fresh call of type ``k`` and draw the arrival after it."""
        segment = next_i[k, _NEXT_SEGMENT]
        arriving = segment
        if _EMAIL and model.is_email[k]:  # counted in a planning segment (see email_segment)
            arriving = _email_segment(now, segment_start_at, n_intervals, model.interval_s)
        bring_call(k, arriving, _FRESH)
        schedule_fresh_arrival(k, now, segment)

    def on_event(kind, a, b, now):
        """Handle the first heap event, or a deadline (``_ABANDON``, its call's slot in ``a``).

        Returns whether it changed anything (a live event); the agent it leaves free to work
        (-1 if none) and whether they drain; a call (-1 if none) with the agent who answers it
        now, or -1 when the call just arrived and is to be routed.
        """
        if kind in (_ABANDON, _OVERFLOW, _BOT_END):
            release(a)  # the event's reference: the call stays readable during this event
        if kind == _ABANDON:
            leave_queue(a, _ABANDONED, now)
            maybe_redial(a, call_i[a, _C_TYPE], now)
        elif kind == _OVERFLOW:
            if call_i[a, _C_STATE] != _WAITING:
                return False, -1, False, -1, -1
            if _CHAT:
                call, agent = offer_contact(b, call_i[a, _C_TYPE], now)
            else:
                call, agent = offer_to_group(b, now)
            return True, -1, False, call, agent
        elif kind == _ARRIVAL:
            segment = _segment_at(now, segment_start_at, segment_end_at)
            if segment < 0:  # redials and repeat calls due while the centre is closed are lost
                return False, -1, False, -1, -1
            bring_call(a, segment, b)
        elif _BOT and kind == _BOT_END:
            if leave_bot(a, b, now):
                return True, -1, False, a, -1
        elif kind == _BREAK_END:
            if agent_i[a, _A_STATE] != _ON_BREAK or agent_i[a, _A_BREAK_TOKEN] != b:
                return False, -1, False, -1, -1  # the shift ended meanwhile
            end_break(a, now)
            return True, a, False, -1, -1
        else:  # the end of a call or of an outbound attempt
            if _CONTROLS and kind == _OUTBOUND_END:
                if agent_i[a, _A_STATE] != _OUTBOUND or agent_i[a, _A_ATTEMPT_TOKEN] != b:
                    return False, -1, False, -1, -1  # cut short meanwhile
                end_attempt(a, now, False)
            if _HOLD and kind == _SERVICE_END:
                busy[agent_group[a]] -= 1
            if _CHAT and kind == _SERVICE_END and not end_contact(a, b == 1, now):
                return True, -1, False, -1, a  # still chatting: may take more (see take_more)
            then = after_work(a, now)
            if then != _DONE:
                return True, a, then == _DRAIN, -1, -1
            if _HOLD and kind == _SERVICE_END and group_i[agent_group[a], HOLD]:
                # the agent left or went on a break: a held place may have come free
                call, agent = offer_to_group(agent_group[a], now)
                return True, -1, False, call, agent
        return True, -1, False, -1, -1

    def someone_to_serve():
        """Whether an agent on duty at closing will still take calls (not only finish one)."""
        for agent in range(n_agents):
            state = agent_i[agent, _A_STATE]
            if state == _IDLE or (
                (state in (_BUSY, _OUTBOUND) or (_CHAT and state == _CHATTING))
                and agent_i[agent, _A_LEAVING] != _AFTER_CALL
            ):
                return True
        return False

    def on_agent_roster(kind, agent, r, now):
        """Apply a shift start, break or shift end; return the agent if now free to work."""
        state = agent_i[agent, _A_STATE]
        working = state in (_BUSY, _OUTBOUND) or (_CHAT and state == _CHATTING)
        if _HOLD and kind != _BREAK:
            on_shift[agent_group[agent]] += 1 if kind == _ON else -1
        if kind == _ON:
            if state != _OFF:
                # Still on duty (say on a call from the previous shift): that shift's record
                # ends now and a new one starts; the agent carries on as they are.
                end_shift(now, agent)
            agent_f[agent, _A_ON_AT] = now
            agent_i[agent, _A_LEAVING] = _STAYS
            if state == _OFF:
                return agent
        elif kind == _BREAK:
            if state in (_IDLE, _OFF_PHONE):
                if _CONTROLS and state == _OFF_PHONE:
                    end_off_phone(agent, now)
                start_break(agent, now, now + roster_length_s[r])
            elif working and agent_i[agent, _A_LEAVING] == _STAYS:
                agent_f[agent, _A_BREAK_LENGTH_S] = roster_length_s[r]
                agent_f[agent, _A_BREAK_DUE_END_AT] = now + roster_length_s[r]
        else:
            agent_f[agent, _A_OFF_AT] = now
            agent_f[agent, _A_BREAK_LENGTH_S] = 0.0
            if working:
                agent_i[agent, _A_LEAVING] = (
                    _WHEN_QUEUE_EMPTY if kind == _OFF_DRAIN else _AFTER_CALL
                )
            elif state != _OFF:
                if _CONTROLS and state == _OFF_PHONE:
                    end_off_phone(agent, now)
                elif state == _ON_BREAK:
                    end_break(agent, now)
                leave(now, agent)
        return -1

    def on_roster(now):
        """Apply the next staffing event (events of absent agent-days were skipped).

        Returns the agent it leaves free to work (-1 if none).
        """
        r = counters[_ROSTER_NEXT]
        counters[_ROSTER_NEXT] = r + 1
        kind, agent = roster_i[r, ROSTER_KIND], roster_i[r, ROSTER_WHO]
        if kind == _CLOSE:
            if model.drops_at_close or not someone_to_serve():
                drop_waiting(now)
            return -1
        return on_agent_roster(kind, agent, r, now)

    def on_shift_again(now):
        """Offer a held place to a call after a roster event, if it freed one.

        A shift start of an agent still on duty puts one more agent on shift without a free
        agent to use the place. Returns a call and the agent who answers it, or -1 and -1.
        """
        r = counters[_ROSTER_NEXT] - 1
        if roster_i[r, ROSTER_KIND] != _ON:
            return -1, -1
        group = agent_group[roster_i[r, ROSTER_WHO]]
        if not group_i[group, HOLD]:
            return -1, -1
        return offer_to_group(group, now)

    # -- the event loop ---------------------------------------------------------------------

    counters[_ARRIVING_TYPE] = -1
    for k in range(n_types):
        schedule_fresh_arrival(k, 0.0, 0)
    last_at = 0.0
    roster_key = event_key(_ROSTER_RANK, 0)
    # Roster events happen at previous + (planned - previous), as SimPy schedules its roster
    # process: a double cannot always be reached exactly from another as now + delay, and this
    # way both engines round alike (whole-second instants, as scenarios give, are exact).
    roster_clock = 0.0
    # The next roster instant and the end of the clock slot of now, kept in locals: they change
    # only after a roster event and once a slot.
    roster_next_at = -1.0  # to be found
    slot_end_at = slot_start_at[1] if n_slots > 1 else math.inf
    while counters[STATUS] == STATUS_OK:
        if counters[_TOP_TAKEN]:  # the last heap event scheduled none to take its place
            counters[_TOP_TAKEN] = 0
            counters[_HEAP_SIZE] = heap_pop(heap_at, heap_key, heap_payload, counters[_HEAP_SIZE])
        if roster_next_at < 0.0:
            while counters[_ROSTER_NEXT] < n_roster and not roster_kept[counters[_ROSTER_NEXT]]:
                counters[_ROSTER_NEXT] += 1
            r = counters[_ROSTER_NEXT]
            roster_next_at = (
                roster_clock + (roster_at[r] - roster_clock) if r < n_roster else math.inf
            )
        at = roster_next_at
        key = roster_key
        source = 0
        if counters[_HEAP_SIZE] > 0 and (
            heap_at[0] < at or (heap_at[0] == at and heap_key[0] < key)
        ):
            at, key, source = heap_at[0], heap_key[0], 1
        if counters[_DEADLINES] > 0 and (
            deadline_at[0] < at or (deadline_at[0] == at and deadline_key[0] < key)
        ):
            at, key, source = deadline_at[0], deadline_key[0], 2
        for k in range(n_types):
            if next_at[k] < at or (next_at[k] == at and next_i[k, _NEXT_KEY] < key):
                at, key, source = next_at[k], next_i[k, _NEXT_KEY], 3 + k
        if at == math.inf:
            break
        if _EMAIL:
            note_backlog(at)
        last_at = at
        # Time only moves forward: keep the clock slot of `at` at hand for busy-time tallies.
        if at >= slot_end_at:
            while (
                counters[_NOW_SLOT] + 1 < n_slots and slot_start_at[counters[_NOW_SLOT] + 1] <= at
            ):
                counters[_NOW_SLOT] += 1
            slot = counters[_NOW_SLOT]
            slot_end_at = slot_start_at[slot + 1] if slot + 1 < n_slots else math.inf
        # Every roster event and fresh arrival is live; heap events may be stale. The handlers
        # leave creating and routing a call, freeing an agent and answering to here: one call
        # site each (the kernel inlines every call site). An event frees an agent or brings a
        # call, never both.
        live, free, drain, call, agent = True, -1, False, -1, -1
        if source == 0:
            roster_clock = at
            roster_next_at = -1.0
            free = on_roster(at)
            if _HOLD and free < 0:
                call, agent = on_shift_again(at)
        elif source <= 2:
            if source == 1:
                kind, a, b = payload_fields(heap_payload[0])
                counters[_TOP_TAKEN] = 1  # removed above, or replaced by the next one scheduled
            else:
                kind, a, b = _ABANDON, remove_deadline(0), 0  # a call still waiting
            live, free, drain, call, agent = on_event(kind, a, b, at)
        else:
            on_fresh_arrival(source - 3, at)
        k = counters[_ARRIVING_TYPE]
        if k >= 0:
            counters[_ARRIVING_TYPE] = -1
            counts = counters[_ARRIVING_COUNTS]
            segment = counters[_ARRIVING_SEGMENT]
            call = create_call(k, counts & _ORIGIN_MASK, segment, at, counts)
            live = call >= 0
        if free >= 0:
            call, agent = free_agent(free, at, drain), free
        elif call >= 0 and agent < 0:
            if _LINES and not admit(call, at):
                call = -1  # blocked
            elif _BOT and enters_bot(call, at):
                call = -1  # in the bot until its bot time ends
            else:
                agent = route(call, at)
        if call >= 0 and agent >= 0:
            answer(call, agent, at)
        if _CHAT and agent >= 0:
            take_more(agent, at)
        if live and _CONTROLS:
            run_controls(at)
    if counters[STATUS] == STATUS_OK:
        last_at = max(last_at, latest_dropped[0])
        drop_waiting(last_at)  # only calls nobody was ever going to serve are left
        if _EMAIL:
            note_backlog(math.inf)
            carry_backlog(last_at)
    keep_alive(
        (
            owned_call_i,
            owned_call_f,
            owned_free_slots,
            owned_queue,
            owned_q_pos,
            owned_agent_i,
            owned_agent_f,
            owned_idle,
            owned_idle_pos,
            owned_heap_at,
            owned_heap_key,
            owned_heap_payload,
            owned_deadline_at,
            owned_deadline_key,
            owned_deadline_call,
            owned_deadline_position,
            owned_latest_dropped,
            owned_next_at,
            owned_next_i,
            owned_waiting,
            owned_group_s,
            owned_calm_since,
            owned_list_used,
            owned_outbound_drawn,
            owned_exit_at,
            owned_exit_i,
            owned_pending,
            owned_lines_used,
            owned_line_n,
            owned_line_free_at,
            owned_busy,
            owned_on_shift,
        )
    )
    return owned_counters


_KERNELS: dict[tuple[bool, ...], Callable[..., np.ndarray]] = {}


def kernel(
    controls: bool,
    keep: bool,
    lines: bool = False,
    hold: bool = False,
    bot: bool = False,
    chat: bool = False,
    email: bool = False,
) -> Callable[..., np.ndarray]:
    """Return :func:`simulate_replication` compiled for a feature set.

    Parameters
    ----------
    controls : bool
        Some group is blended or a reserve (``Plan.has_controls``).
    keep : bool
        Records are written into ``out`` (tallies always are).
    lines : bool
        Calls need lines and may be blocked (``Plan.has_lines``).
    hold : bool
        Some group keeps its count at a staffing drop (``Plan.has_hold``).
    bot : bool
        A bot is in front of some call type (``Plan.has_bot``).
    chat : bool
        Some call type is a chat (``Plan.has_chat``).
    email : bool
        Some call type is email (``Plan.has_email``).

    Returns
    -------
    numba dispatcher
        Compiled on its first call, or loaded from numba's disk cache. The code of a feature left
        out is pruned before compilation: a plain inbound run never compiles the controls, and an
        inbound run of tallies never compiles the records (the engine runs plans with controls
        with records, kept or not).
    """
    features = (
        bool(controls),
        bool(keep),
        bool(lines),
        bool(hold),
        bool(bot),
        bool(chat),
        bool(email),
    )
    if features not in _KERNELS:
        switches = ("_CONTROLS", "_KEEP", "_LINES", "_HOLD", "_BOT", "_CHAT", "_EMAIL")
        scope = {**globals(), **dict(zip(switches, features, strict=True))}
        code = simulate_replication.__code__
        function = types.FunctionType(code, scope, code.co_name)
        function.__doc__ = simulate_replication.__doc__
        # numba names a function's cache files after its qualified name: one per feature set.
        function.__qualname__ = f"{code.co_name}_{''.join(str(int(f)) for f in features)}"
        _KERNELS[features] = njit(cache=True, nogil=True, pipeline_class=PruneBeforeInlining)(
            function
        )
    return _KERNELS[features]

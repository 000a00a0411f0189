"""The numba kernel: one replication of the contact centre, event by event.

Events are not kept in one general heap. The next event is the earliest of three sources, each
cheap to query: the next roster event (a sorted array), the first busy agent to become free (a
heap with at most one entry per agent), and the next arrival of each call type. Ties follow
:class:`~sim.engines.base.EventRank`, then the schedule sequence number (first in, first out).

Abandonment is lazy: a waiting call is not an event. When an agent looks for work, or the day
closes, calls at the head of a queue whose deadline has passed are recorded as abandoned at their
deadline. That gives the same records as explicit abandon events because nothing else reacts to
an abandonment, and a call whose deadline equals the instant an agent looks is still waiting
(abandonment ranks after roster and service-end events).

The handlers are closures inside :func:`simulate_replication`: numba inlines them and they reach
the state arrays directly. Separate ``@njit`` functions taking those arrays as arguments ran about
ten times slower (every call passes and reference-counts each array), see ``docs/design.md``.
Mutable scalars live in ``counters``. The kernel never raises: a full buffer or an exhausted
block of draws sets a status code, and the wrapper reruns the replication with more room.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from sim.engines.base import AGENT_SUMS, CALL_COUNTS, CALL_SUMS, Outcome
from sim.engines.fast.events import add_span, heap_pop, heap_push
from sim.engines.fast.pack import (
    ACW_S,
    HANDLE_CODE,
    HANDLE_P1,
    HANDLE_P2,
    PATIENCE_CODE,
    PATIENCE_P1,
    PATIENCE_P2,
    PRIORITY,
    ROSTER_KIND,
    ROSTER_WHO,
)
from sim.engines.sampling import next_arrival_delay, scale_variate
from sim.scenario.distributions import DistCode
from sim.scenario.plan import RosterKind

_scale_variate = njit(cache=True, inline="always")(scale_variate)
_next_arrival_delay = njit(cache=True, inline="always")(next_arrival_delay)

STATUS_OK, STATUS_QUEUE_FULL, STATUS_RECORDS_FULL, STATUS_DRAWS_EXHAUSTED = range(4)

# counters[...]
N_CALLS, N_SHIFTS, STATUS = range(3)
_SEQ, _HEAP_SIZE, _IDLE_HEAD, _IDLE_COUNT, _ROSTER_NEXT, _NOW_SLOT = range(3, 9)
N_COUNTERS = 9
# draws[purpose, call_type, i] and drawn[call_type, purpose]
ARRIVAL_DRAWS, HANDLE_DRAWS, PATIENCE_DRAWS = range(3)
# queues: q_i[k, slot, :], q_f[k, slot, :], q_pos[k, :]
_Q_CALL, _Q_SEGMENT = range(2)
_Q_ARRIVED_AT, _Q_DEADLINE_AT, _Q_TALK_S, _Q_PATIENCE_S = range(4)
_HEAD, _COUNT = range(2)
# agents: agent_i[a, :], agent_f[a, :]; heap_i[j, :]; idle[j, :]; next_i[k, :]
_STATE, _LEAVING, _STAMP = range(3)
_ON_AT, _OFF_AT = range(2)
_HEAP_AGENT = 1
_IDLE_AGENT, _IDLE_STAMP = range(2)
_NEXT_SEGMENT, _NEXT_SEQ = range(2)

_ROSTER_EVENT, _SERVICE_END_EVENT, _ARRIVAL_EVENT = range(3)
_OFF, _IDLE, _BUSY = 0, 1, 2  # agent state
_STAYS, _AFTER_CALL, _WHEN_QUEUE_EMPTY = 0, 1, 2  # what a busy agent does when the call ends

_ANSWERED, _ABANDONED, _DROPPED = (
    int(Outcome.ANSWERED),
    int(Outcome.ABANDONED),
    int(Outcome.DROPPED),
)
_CLOSE, _ON, _OFF_DRAIN = int(RosterKind.CLOSE), int(RosterKind.ON), int(RosterKind.OFF_DRAIN)
_EXPONENTIAL, _LOGNORMAL, _GAMMA = (
    int(DistCode.EXPONENTIAL),
    int(DistCode.LOGNORMAL),
    int(DistCode.GAMMA),
)
_OFFERED, _N_ANSWERED, _N_ABANDONED, _N_DROPPED, _N_SHORT, _N_ANSWERED_T, _N_ABANDONED_T = range(
    len(CALL_COUNTS)
)
_WAIT_ANSWERED, _WAIT_ALL, _HANDLE = range(len(CALL_SUMS))
_STAFFED, _BUSY_TIME, _OVERTIME = range(len(AGENT_SUMS))

# Record rows.
_ARRIVED_AT, _ANSWERED_AT, _LEFT_AT, _ENDED_AT, _HANDLE_S, _PATIENCE_S = range(6)
_CALL_TYPE, _DAY, _INTERVAL, _OUTCOME, _GROUP, _AGENT = range(6)
_SHIFT_ON_AT, _SHIFT_OFF_AT, _SHIFT_SCHEDULED_OFF_AT = range(3)
_SHIFT_AGENT, _SHIFT_GROUP = range(2)


class Output(NamedTuple):
    """Per-replication outputs the kernel fills: tallies always, records when ``keep``.

    Attributes
    ----------
    call_counts : int64[n_days * n_intervals, n_call_types, len(CALL_COUNTS)]
    call_sums : float64[n_days * n_intervals, n_call_types, len(CALL_SUMS)]
        By arrival segment (day-major planning intervals).
    agent_sums : float64[n_days * (n_intervals + 1), n_groups, len(AGENT_SUMS)]
    keep : bool
    rec_f : float64[6, call_capacity]
    rec_i : int64[6, call_capacity]
        Call records indexed by call number.
    shift_f : float64[3, shift_capacity]
    shift_i : int64[2, shift_capacity]
        Shift records in the order agents leave.
    """

    call_counts: np.ndarray
    call_sums: np.ndarray
    agent_sums: np.ndarray
    keep: bool
    rec_f: np.ndarray
    rec_i: np.ndarray
    shift_f: np.ndarray
    shift_i: np.ndarray


@njit(cache=True, nogil=True)
def simulate_replication(model, draws, out, queue_capacity):
    """Simulate one replication, filling ``out``.

    Parameters
    ----------
    model : FastModel
        The packed plan.
    draws : float64[3, n_call_types, n_draws]
        Standard variates of the replication's streams: arrival (unit exponential), handle and
        patience, each consumed in the call type's arrival order.
    out : Output
        Zeroed tallies and record buffers.
    queue_capacity : int
        Slots per call-type queue.

    Returns
    -------
    int64[N_COUNTERS]
        Counters: ``N_CALLS`` calls, ``N_SHIFTS`` shift records and the ``STATUS`` code.
    """
    segment_start_at, segment_end_at, rate_per_s = (
        model.segment_start_at,
        model.segment_end_at,
        model.rate_per_s,
    )
    type_f, type_i, agent_group = model.type_f, model.type_i, model.agent_group
    roster_at, roster_i, slot_start_at = model.roster_at, model.roster_i, model.slot_start_at
    n_intervals, threshold_s, short_abandon_s = (
        model.n_intervals,
        model.threshold_s,
        model.short_abandon_s,
    )
    call_counts, call_sums, agent_sums = out.call_counts, out.call_sums, out.agent_sums
    keep, rec_f, rec_i, shift_f, shift_i = out.keep, out.rec_f, out.rec_i, out.shift_f, out.shift_i
    n_types, n_agents, n_roster = type_i.shape[0], agent_group.shape[0], roster_at.shape[0]

    counters = np.zeros(N_COUNTERS, dtype=np.int64)
    drawn = np.zeros((n_types, 3), dtype=np.int64)
    q_i = np.empty((n_types, queue_capacity, 2), dtype=np.int64)  # written before read
    q_f = np.empty((n_types, queue_capacity, 4))
    q_pos = np.zeros((n_types, 2), dtype=np.int64)
    agent_i = np.zeros((n_agents, 3), dtype=np.int64)
    agent_f = np.zeros((n_agents, 2))
    idle = np.zeros((n_agents + n_roster + 1, 2), dtype=np.int64)
    heap_at = np.zeros(max(n_agents, 1))
    heap_i = np.zeros((max(n_agents, 1), 2), dtype=np.int64)
    next_at = np.full(n_types, math.inf)
    next_i = np.zeros((n_types, 2), dtype=np.int64)

    def take_seq():
        seq = counters[_SEQ]
        counters[_SEQ] = seq + 1
        return seq

    def draw_value(purpose, k, code, p1, p2):
        """Return a value of ``(code, p1, p2)``; only random distributions take a draw."""
        variate = 0.0
        if code in (_EXPONENTIAL, _LOGNORMAL, _GAMMA):
            i = drawn[k, purpose]
            if i < draws.shape[2]:
                variate = draws[purpose, k, i]
                drawn[k, purpose] = i + 1
            else:
                counters[STATUS] = STATUS_DRAWS_EXHAUSTED
        return _scale_variate(code, p1, p2, variate)

    # -- records, and idle agents (a ring, longest idle first; stale entries are skipped) ----

    def write_call(call, k, segment, arrived_at, patience_s, outcome, left_at):
        rec_f[_ARRIVED_AT, call] = arrived_at
        rec_f[_ANSWERED_AT, call] = math.nan
        rec_f[_LEFT_AT, call] = left_at
        rec_f[_ENDED_AT, call] = math.nan
        rec_f[_HANDLE_S, call] = math.nan
        rec_f[_PATIENCE_S, call] = patience_s
        rec_i[_CALL_TYPE, call] = k
        rec_i[_DAY, call] = segment // n_intervals
        rec_i[_INTERVAL, call] = segment % n_intervals
        rec_i[_OUTCOME, call] = outcome
        rec_i[_GROUP, call] = -1
        rec_i[_AGENT, call] = -1

    def push_idle(agent):
        agent_i[agent, _STATE] = _IDLE
        agent_i[agent, _STAMP] += 1
        slot = (counters[_IDLE_HEAD] + counters[_IDLE_COUNT]) % idle.shape[0]
        idle[slot, _IDLE_AGENT] = agent
        idle[slot, _IDLE_STAMP] = agent_i[agent, _STAMP]
        counters[_IDLE_COUNT] += 1

    def pop_idle():
        while counters[_IDLE_COUNT] > 0:
            slot = counters[_IDLE_HEAD]
            counters[_IDLE_HEAD] = (slot + 1) % idle.shape[0]
            counters[_IDLE_COUNT] -= 1
            agent = idle[slot, _IDLE_AGENT]
            if (
                agent_i[agent, _STATE] == _IDLE
                and agent_i[agent, _STAMP] == idle[slot, _IDLE_STAMP]
            ):
                return agent
        return -1

    # -- leaving the queue without an agent, and agents leaving -----------------------------

    def pop_unanswered(k, outcome, left_at):
        """Remove the head of queue ``k``, tallying and recording it with ``outcome``."""
        slot = q_pos[k, _HEAD]
        q_pos[k, _HEAD] = (slot + 1) % q_i.shape[1]
        q_pos[k, _COUNT] -= 1
        arrived_at = q_f[k, slot, _Q_ARRIVED_AT]
        segment = q_i[k, slot, _Q_SEGMENT]
        wait_s = left_at - arrived_at
        if outcome == _ABANDONED:
            call_counts[segment, k, _N_ABANDONED] += 1
            if wait_s < short_abandon_s:
                call_counts[segment, k, _N_SHORT] += 1
            if wait_s <= threshold_s:
                call_counts[segment, k, _N_ABANDONED_T] += 1
        else:
            call_counts[segment, k, _N_DROPPED] += 1
        call_sums[segment, k, _WAIT_ALL] += wait_s
        if keep:
            call = q_i[k, slot, _Q_CALL]
            if call >= rec_f.shape[1]:
                counters[STATUS] = STATUS_RECORDS_FULL
                return
            write_call(call, k, segment, arrived_at, q_f[k, slot, _Q_PATIENCE_S], outcome, left_at)

    def purge_abandoned(now, k):
        """Record the calls at the head of queue ``k`` whose patience ran out before ``now``."""
        while q_pos[k, _COUNT] > 0:
            deadline_at = q_f[k, q_pos[k, _HEAD], _Q_DEADLINE_AT]
            if deadline_at >= now:
                return
            pop_unanswered(k, _ABANDONED, deadline_at)

    def drop_waiting(now):
        """Empty the queues at closing: expired calls abandon at their deadline, others drop."""
        for k in range(n_types):
            # Not purge_abandoned: an expired call may wait behind a head that has not expired.
            while q_pos[k, _COUNT] > 0:
                deadline_at = q_f[k, q_pos[k, _HEAD], _Q_DEADLINE_AT]
                if deadline_at < now:
                    pop_unanswered(k, _ABANDONED, deadline_at)
                else:
                    pop_unanswered(k, _DROPPED, now)

    def anyone_to_serve():
        """Return whether an agent on duty will take another call (not one past a shift end)."""
        for agent in range(n_agents):
            if agent_i[agent, _STATE] != _OFF and agent_i[agent, _LEAVING] != _AFTER_CALL:
                return True
        return False

    def flush_queues(now):
        """End of the run: waiting calls abandon at their deadline (dropped if they never would)."""
        for k in range(n_types):
            while q_pos[k, _COUNT] > 0:
                deadline_at = q_f[k, q_pos[k, _HEAD], _Q_DEADLINE_AT]
                if deadline_at < math.inf:
                    pop_unanswered(k, _ABANDONED, deadline_at)
                else:
                    pop_unanswered(k, _DROPPED, now)

    def end_shift(now, agent):
        """Tally and record the agent's shift as ending now (overtime past the scheduled end)."""
        group = agent_group[agent]
        on_at, off_at = agent_f[agent, _ON_AT], agent_f[agent, _OFF_AT]
        add_span(agent_sums, slot_start_at, group, _STAFFED, on_at, now)
        add_span(agent_sums, slot_start_at, group, _OVERTIME, off_at, now)
        if keep:
            n = counters[N_SHIFTS]
            counters[N_SHIFTS] = n + 1
            shift_f[_SHIFT_ON_AT, n] = on_at
            shift_f[_SHIFT_OFF_AT, n] = now
            shift_f[_SHIFT_SCHEDULED_OFF_AT, n] = off_at
            shift_i[_SHIFT_AGENT, n] = agent
            shift_i[_SHIFT_GROUP, n] = group

    def leave(now, agent):
        end_shift(now, agent)
        agent_i[agent, _STATE] = _OFF

    # -- answering --------------------------------------------------------------------------

    def goes_before(k, other):
        """Whether the head of queue ``k`` goes before the head of queue ``other``."""
        if type_i[k, PRIORITY] != type_i[other, PRIORITY]:
            return type_i[k, PRIORITY] > type_i[other, PRIORITY]
        head, other_head = q_pos[k, _HEAD], q_pos[other, _HEAD]
        arrived_at, other_arrived_at = (
            q_f[k, head, _Q_ARRIVED_AT],
            q_f[other, other_head, _Q_ARRIVED_AT],
        )
        if arrived_at != other_arrived_at:
            return arrived_at < other_arrived_at
        return q_i[k, head, _Q_CALL] < q_i[other, other_head, _Q_CALL]

    def select_queue(now):
        """Return the call type whose head call goes next, or -1 when nobody waits."""
        best = -1
        for k in range(n_types):
            purge_abandoned(now, k)
            if q_pos[k, _COUNT] > 0 and (best < 0 or goes_before(k, best)):
                best = k
        return best

    def answer(now, k, call, segment, arrived_at, talk_s, patience_s, agent):
        """``agent`` answers the call now: tally, record, and schedule the end of its handling."""
        handle_s = talk_s + type_f[k, ACW_S]
        ended_at = now + handle_s
        wait_s = now - arrived_at
        group = agent_group[agent]
        call_counts[segment, k, _N_ANSWERED] += 1
        if wait_s <= threshold_s:
            call_counts[segment, k, _N_ANSWERED_T] += 1
        call_sums[segment, k, _WAIT_ANSWERED] += wait_s
        call_sums[segment, k, _WAIT_ALL] += wait_s
        call_sums[segment, k, _HANDLE] += handle_s
        add_span(agent_sums, slot_start_at, group, _BUSY_TIME, now, ended_at, counters[_NOW_SLOT])
        if keep:
            if call >= rec_f.shape[1]:
                counters[STATUS] = STATUS_RECORDS_FULL
                return
            write_call(call, k, segment, arrived_at, patience_s, _ANSWERED, now + talk_s)
            rec_f[_ANSWERED_AT, call] = now
            rec_f[_ENDED_AT, call] = ended_at
            rec_f[_HANDLE_S, call] = handle_s
            rec_i[_GROUP, call] = group
            rec_i[_AGENT, call] = agent
        agent_i[agent, _STATE] = _BUSY
        counters[_HEAP_SIZE] = heap_push(
            heap_at, heap_i, counters[_HEAP_SIZE], ended_at, take_seq(), agent
        )

    def take_next_call(now, agent):
        """Answer the waiting call of the highest priority (ties: longest wait); False if none."""
        k = select_queue(now)
        if k < 0:
            return False
        slot = q_pos[k, _HEAD]
        q_pos[k, _HEAD] = (slot + 1) % q_i.shape[1]
        q_pos[k, _COUNT] -= 1
        answer(
            now, k, q_i[k, slot, _Q_CALL], q_i[k, slot, _Q_SEGMENT], q_f[k, slot, _Q_ARRIVED_AT],
            q_f[k, slot, _Q_TALK_S], q_f[k, slot, _Q_PATIENCE_S], agent,
        )  # fmt: skip
        return True

    # -- event handlers ---------------------------------------------------------------------

    def enqueue(now, k, call, segment, talk_s, patience_s):
        capacity = q_i.shape[1]
        if q_pos[k, _COUNT] == capacity:
            counters[STATUS] = STATUS_QUEUE_FULL
            return
        slot = (q_pos[k, _HEAD] + q_pos[k, _COUNT]) % capacity
        q_pos[k, _COUNT] += 1
        q_i[k, slot, _Q_CALL] = call
        q_i[k, slot, _Q_SEGMENT] = segment
        q_f[k, slot, _Q_ARRIVED_AT] = now
        q_f[k, slot, _Q_DEADLINE_AT] = now + patience_s
        q_f[k, slot, _Q_TALK_S] = talk_s
        q_f[k, slot, _Q_PATIENCE_S] = patience_s

    def schedule_arrival(k, now, segment):
        unit_exponential = draw_value(ARRIVAL_DRAWS, k, _EXPONENTIAL, 1.0, 0.0)
        delay_s, next_segment = _next_arrival_delay(
            now, segment, unit_exponential, segment_start_at, segment_end_at, rate_per_s[k]
        )
        next_at[k] = now + delay_s
        next_i[k, _NEXT_SEGMENT] = next_segment
        next_i[k, _NEXT_SEQ] = take_seq()

    def on_arrival(now, k):
        """Take an arrival of type ``k``: draw its times, schedule the next one, route it."""
        segment = next_i[k, _NEXT_SEGMENT]
        talk_s = draw_value(
            HANDLE_DRAWS, k, type_i[k, HANDLE_CODE], type_f[k, HANDLE_P1], type_f[k, HANDLE_P2]
        )
        patience_s = draw_value(
            PATIENCE_DRAWS,
            k,
            type_i[k, PATIENCE_CODE],
            type_f[k, PATIENCE_P1],
            type_f[k, PATIENCE_P2],
        )
        call = counters[N_CALLS]
        counters[N_CALLS] = call + 1
        schedule_arrival(k, now, segment)
        call_counts[segment, k, _OFFERED] += 1
        agent = pop_idle()
        if agent >= 0:
            answer(now, k, call, segment, now, talk_s, patience_s, agent)
        else:
            enqueue(now, k, call, segment, talk_s, patience_s)

    def on_service_end(now):
        """Free the first busy agent: it leaves, takes the next call, or waits."""
        agent = heap_i[0, _HEAP_AGENT]
        counters[_HEAP_SIZE] = heap_pop(heap_at, heap_i, counters[_HEAP_SIZE])
        leaving = agent_i[agent, _LEAVING]
        if leaving == _AFTER_CALL:
            leave(now, agent)
        elif not take_next_call(now, agent):
            if leaving == _WHEN_QUEUE_EMPTY:
                leave(now, agent)
            else:
                push_idle(agent)

    def shift_start(now, agent):
        busy = agent_i[agent, _STATE] == _BUSY
        if busy:
            # Still on a call from the previous shift: that shift ends now and the agent carries on.
            end_shift(now, agent)
        agent_f[agent, _ON_AT] = now
        agent_i[agent, _LEAVING] = _STAYS
        if not busy and not take_next_call(now, agent):
            push_idle(agent)

    def on_roster(now):
        """Apply the next staffing event."""
        r = counters[_ROSTER_NEXT]
        counters[_ROSTER_NEXT] = r + 1
        kind, agent = roster_i[r, ROSTER_KIND], roster_i[r, ROSTER_WHO]
        if kind == _CLOSE:
            if model.drops_at_close or not anyone_to_serve():
                drop_waiting(now)
        elif kind == _ON:
            shift_start(now, agent)
        else:
            agent_f[agent, _OFF_AT] = now
            if agent_i[agent, _STATE] == _BUSY:
                agent_i[agent, _LEAVING] = _WHEN_QUEUE_EMPTY if kind == _OFF_DRAIN else _AFTER_CALL
            else:
                leave(now, agent)

    # -- the event loop ---------------------------------------------------------------------

    for k in range(n_types):
        schedule_arrival(k, 0.0, 0)
    last_at = 0.0
    n_slots = slot_start_at.shape[0]
    while counters[STATUS] == STATUS_OK:
        r = counters[_ROSTER_NEXT]
        roster_next_at = roster_at[r] if r < n_roster else math.inf
        free_at = heap_at[0] if counters[_HEAP_SIZE] > 0 else math.inf
        k_next = 0
        for k in range(1, n_types):
            if next_at[k] < next_at[k_next] or (
                next_at[k] == next_at[k_next] and next_i[k, _NEXT_SEQ] < next_i[k_next, _NEXT_SEQ]
            ):
                k_next = k
        arrival_at = next_at[k_next]
        if roster_next_at < math.inf and roster_next_at <= free_at and roster_next_at <= arrival_at:
            source, now = _ROSTER_EVENT, roster_next_at
        elif free_at < math.inf and free_at <= arrival_at:
            source, now = _SERVICE_END_EVENT, free_at
        elif arrival_at < math.inf:
            source, now = _ARRIVAL_EVENT, arrival_at
        else:
            flush_queues(last_at)
            break
        last_at = now
        # Time only moves forward: keep the clock slot of `now` at hand for busy-time tallies.
        while counters[_NOW_SLOT] + 1 < n_slots and slot_start_at[counters[_NOW_SLOT] + 1] <= now:
            counters[_NOW_SLOT] += 1
        if source == _ROSTER_EVENT:
            on_roster(now)
        elif source == _SERVICE_END_EVENT:
            on_service_end(now)
        else:
            on_arrival(now, k_next)
    return counters

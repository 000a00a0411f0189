"""Records -> tallies: the reference computation of every sufficient statistic from call records.

The fast engine also tallies inside its kernel; a test checks that both give the same numbers.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
from numpy.typing import NDArray

from sim.engines.base import (
    AGENT_SUMS,
    CALL_COUNTS,
    CALL_SUMS,
    GROUP_CALLS,
    GROUP_COUNTS,
    BotPath,
    CallRecords,
    ControlKind,
    Origin,
    OutboundOutcome,
    Outcome,
    Records,
    Tallies,
)
from sim.scenario.plan import Plan


def tally_records(records: Records, plan: Plan, reps: int, first_rep: int = 0) -> Tallies:
    """Tally the records of ``reps`` replications.

    Parameters
    ----------
    records : Records
        Records of replications ``first_rep .. first_rep + reps - 1``.
    plan : Plan
        The plan that produced them (for the interval and slot layout).
    reps : int
        Number of replications.
    first_rep : int
        Number of the first replication; it goes into the tallies' slot 0.

    Returns
    -------
    Tallies
        Counts and sums by replication, day, interval of arrival and call type (and group for
        answered calls), and agent time, outbound attempts and control actions by replication,
        day, clock slot and group.
    """
    tallies = Tallies.zeros(plan, reps)
    records = records.renumbered(-first_rep)
    email = plan.is_email[records.calls.call_type]
    _tally_calls(tallies, _select(records.calls, ~email), plan)
    _tally_group_calls(tallies, _select(records.calls, ~email))
    _tally_email(tallies, _select(records.calls, email), plan)
    _tally_agent_time(tallies, records, plan)
    _tally_group_counts(tallies, records, plan)
    return tallies


def _tally_calls(tallies: Tallies, calls: CallRecords, plan: Plan) -> None:
    shape = tallies.call_counts.shape[:4]
    cell = np.ravel_multi_index((calls.rep, calls.day, calls.interval, calls.call_type), shape)
    size = int(np.prod(shape))
    answered = calls.outcome == Outcome.ANSWERED
    abandoned = calls.outcome == Outcome.ABANDONED
    # a contact the bot kept (resolved, hung up) never reached people: not offered to them
    kept = np.isin(calls.outcome, (Outcome.BOT_RESOLVED, Outcome.BOT_ABANDONED))
    reached = ~kept
    entered = calls.bot_path == BotPath.ENTERED
    wait_s = np.where(
        reached, np.where(answered, calls.answered_at, calls.left_at) - calls.arrived_at, 0.0
    )
    within_t = wait_s <= plan.threshold_s
    counts = {
        "offered": reached,
        "answered": answered,
        "abandoned": abandoned,
        "dropped": calls.outcome == Outcome.DROPPED,
        "short_abandoned": abandoned & (wait_s < plan.short_abandon_s),
        "answered_within_t": answered & within_t,
        "abandoned_within_t": abandoned & within_t,
        "redials": reached & (calls.origin == Origin.REDIAL),
        "repeats": reached & (calls.origin == Origin.REPEAT),
        "redials_given_up": calls.redial_given_up == 1,
        "repeats_given_up": calls.repeat_given_up == 1,
        "waited": wait_s > 0,
        "blocked": calls.outcome == Outcome.BLOCKED,
        "bot_entered": entered,
        "bot_resolved": calls.outcome == Outcome.BOT_RESOLVED,
        "bot_abandoned": calls.outcome == Outcome.BOT_ABANDONED,
        "bot_handed_over": entered & reached,
        "bot_bypassed": calls.bot_path == BotPath.BYPASSED,
    }
    sums = {
        "wait_answered_s": np.where(answered, wait_s, 0.0),
        "wait_all_s": wait_s,
        "handle_s": np.where(answered, calls.handle_s, 0.0),
    }
    for name in CALL_COUNTS:
        flat = np.bincount(cell, weights=counts[name], minlength=size)
        tallies.count(name)[...] = np.rint(flat).astype(np.int64).reshape(shape)
    for name in CALL_SUMS:
        tallies.call_sum(name)[...] = np.bincount(cell, weights=sums[name], minlength=size).reshape(
            shape
        )


def _select(calls: CallRecords, rows: NDArray[np.bool_]) -> CallRecords:
    """Return the call records of the chosen rows."""
    return CallRecords(**{f.name: getattr(calls, f.name)[rows] for f in fields(calls)})


def _tally_email(tallies: Tallies, items: CallRecords, plan: Plan) -> None:
    """Tally email items by day of arrival, and the backlog at each opening and closing.

    Items arriving in a steady-state warm-up are left out of the counts and ages, not of the
    backlog.
    """
    reps, days, types = tallies.email_counts.shape[:3]
    answered = items.outcome == Outcome.ANSWERED
    carried = items.outcome == Outcome.CARRIED
    age_s = np.where(answered, items.answered_at, items.left_at) - items.arrived_at
    target_s = plan.response_target_s[items.call_type]
    counted = items.arrived_at >= plan.warmup_end_at
    counts = {
        "email_arrived": counted,
        "email_answered": counted & answered,
        "email_within_target": counted & answered & (age_s <= target_s),
        "email_carried": counted & carried,
        "email_carried_overdue": counted & carried & (age_s > target_s),
    }
    cell = np.ravel_multi_index((items.rep, items.day, items.call_type), (reps, days, types))
    for name, chosen in counts.items():
        flat = np.bincount(cell[chosen], minlength=reps * days * types)
        tallies.email_count(name)[...] = flat.reshape(reps, days, types)
    for outcome, total, most in (
        (answered, "email_age_answered_s", "email_age_answered_max_s"),
        (carried, "email_age_carried_s", "email_age_carried_max_s"),
    ):
        chosen = counted & outcome
        flat = np.bincount(cell[chosen], weights=age_s[chosen], minlength=reps * days * types)
        tallies.email_age(total)[...] = flat.reshape(reps, days, types)
        largest = np.zeros(reps * days * types)
        np.maximum.at(largest, cell[chosen], age_s[chosen])
        tallies.email_age(most)[...] = largest.reshape(reps, days, types)
    for name, marks_at in (("backlog_open", plan.open_at), ("backlog_close", plan.close_at)):
        for day, mark_at in enumerate(marks_at):
            waiting = (items.arrived_at < mark_at) & ~(items.answered_at < mark_at)
            tallies.backlog_at(name)[:, day] = np.bincount(
                items.rep[waiting] * types + items.call_type[waiting], minlength=reps * types
            ).reshape(reps, types)


def _tally_group_calls(tallies: Tallies, calls: CallRecords) -> None:
    answered = calls.outcome == Outcome.ANSWERED
    shape = tallies.group_calls.shape[:5]
    index = (calls.rep, calls.day, calls.interval, calls.group, calls.call_type)
    cell = np.ravel_multi_index(tuple(column[answered] for column in index), shape)
    size = int(np.prod(shape))
    weights = {"handled": np.ones(len(cell)), "handle_s": calls.handle_s[answered]}
    for name in GROUP_CALLS:
        tallies.group_call(name)[...] = np.bincount(
            cell, weights=weights[name], minlength=size
        ).reshape(shape)


def _tally_agent_time(tallies: Tallies, records: Records, plan: Plan) -> None:
    calls, shifts, breaks = records.calls, records.shifts, records.breaks
    outbound, off_phone = records.outbound, records.off_phone
    answered = calls.outcome == Outcome.ANSWERED
    chat = answered & plan.chat_types[calls.call_type]
    email = answered & plan.is_email[calls.call_type]
    # the channels' handle time is tallied only where there is more than one channel
    voice = answered & ~chat & ~email & plan.has_channels
    spans = {
        # with chats an agent is busy while any contact is in hand: the union of their spans
        "busy_s": _work_spans(calls, answered, merge=plan.has_chat),
        "session_s": (
            calls.rep[chat],
            calls.group[chat],
            calls.answered_at[chat],
            calls.ended_at[chat],
        ),
        "chat_s": _work_spans(calls, chat, merge=True),
        "voice_s": _work_spans(calls, voice, merge=False),
        "email_s": _work_spans(calls, email, merge=False),
        "staffed_s": (shifts.rep, shifts.group, shifts.on_at, shifts.off_at),
        "overtime_s": (shifts.rep, shifts.group, shifts.scheduled_off_at, shifts.off_at),
        "break_s": (breaks.rep, breaks.group, breaks.start_at, breaks.end_at),
        "outbound_s": (outbound.rep, outbound.group, outbound.start_at, outbound.end_at),
        "off_phone_s": (off_phone.rep, off_phone.group, off_phone.start_at, off_phone.end_at),
    }
    reps, days, slots, groups = tallies.agent_sums.shape[:4]
    for name in AGENT_SUMS:
        rep, group, start_at, end_at = spans[name]
        flat = _span_seconds_by_slot(
            plan.slot_start_at, rep, group, start_at, end_at, n_reps=reps, n_groups=groups
        )
        tallies.agent_sum(name)[...] = flat.reshape(reps, days, slots, groups)


def _work_spans(
    calls: CallRecords, chosen: NDArray[np.bool_], *, merge: bool
) -> tuple[NDArray[np.int32], NDArray[np.int16], NDArray[np.float64], NDArray[np.float64]]:
    """Return the spans agents held the chosen answered calls: (rep, group, start, end).

    With ``merge``, the spans of one agent that overlap become one (the span from the first
    start to the last end while some call is in hand); spans that only touch stay apart, as
    the kernel ends a span when the agent's hands are empty and starts the next one.
    """
    rep, agent, group = calls.rep[chosen], calls.agent[chosen], calls.group[chosen]
    start_at, end_at = calls.answered_at[chosen], calls.ended_at[chosen]
    if not merge or not len(rep):
        return rep, group, start_at, end_at
    order = np.lexsort((start_at, agent, rep))
    rep, agent, group = rep[order], agent[order], group[order]
    start_at, end_at = start_at[order], end_at[order]
    same = (rep[1:] == rep[:-1]) & (agent[1:] == agent[:-1])
    # running end of the agent's spans so far: a span starting before it continues the union
    reach_at = _running_max_by_run(end_at, np.concatenate([[False], same]))
    first = np.concatenate([[True], ~same | (start_at[1:] >= reach_at[:-1])])
    last = np.concatenate([first[1:], [True]])
    return rep[first], group[first], start_at[first], reach_at[last]


def _running_max_by_run(
    values: NDArray[np.float64], continues: NDArray[np.bool_]
) -> NDArray[np.float64]:
    """Return the running maximum of ``values``, restarting where ``continues`` is False."""
    result = values.copy()
    for i in range(1, len(values)):
        if continues[i] and result[i - 1] > result[i]:
            result[i] = result[i - 1]
    return result


def _tally_group_counts(tallies: Tallies, records: Records, plan: Plan) -> None:
    outbound, controls = records.outbound, records.controls
    contact = outbound.outcome == OutboundOutcome.CONTACT
    events = {
        "attempts": (outbound.rep, outbound.group, outbound.start_at),
        "contacts": (outbound.rep[contact], outbound.group[contact], outbound.start_at[contact]),
    }
    for name, kind in zip(GROUP_COUNTS[2:], ControlKind, strict=True):
        chosen = controls.kind == kind
        events[name] = (controls.rep[chosen], controls.group[chosen], controls.at[chosen])
    reps, days, slots, groups = tallies.group_counts.shape[:4]
    n_slots = days * slots
    for name in GROUP_COUNTS:
        rep, group, at = events[name]
        slot = np.maximum(np.searchsorted(plan.slot_start_at, at, side="right") - 1, 0)
        cell = (rep.astype(np.int64) * n_slots + slot) * groups + group
        flat = np.bincount(cell, minlength=reps * n_slots * groups)
        tallies.group_count(name)[...] = flat.reshape(reps, days, slots, groups)


def _span_seconds_by_slot(
    slot_start_at: NDArray[np.float64],
    rep: NDArray[np.int32],
    group: NDArray[np.int16],
    start_at: NDArray[np.float64],
    end_at: NDArray[np.float64],
    *,
    n_reps: int,
    n_groups: int,
) -> NDArray[np.float64]:
    """Seconds of the spans ``[start_at, end_at)`` in each (rep, clock slot, group) cell.

    A span is cut at slot boundaries exactly as the kernel cuts it (``stop - t`` per slot).
    """
    n_slots = len(slot_start_at)
    total = np.zeros(n_reps * n_slots * n_groups)
    keep = end_at > start_at
    rep, group, t, end_at = rep[keep], group[keep], start_at[keep], end_at[keep]
    slot = np.maximum(np.searchsorted(slot_start_at, t, side="right") - 1, 0)
    slot_end_at = np.append(slot_start_at[1:], np.inf)
    while len(t):
        stop = np.minimum(end_at, slot_end_at[slot])
        cell = (rep.astype(np.int64) * n_slots + slot) * n_groups + group
        total += np.bincount(cell, weights=stop - t, minlength=total.size)
        more = stop < end_at
        rep, group, t, end_at, slot = (
            rep[more],
            group[more],
            stop[more],
            end_at[more],
            slot[more] + 1,
        )
    return total

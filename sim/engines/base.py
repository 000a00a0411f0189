"""What both engines share: event ranks, outcome codes, record and tally layouts, the interface.

Simultaneous events happen in the order of :class:`EventRank` (lowest first), then in the order
they were scheduled (first in, first out). ``docs/background/model.md`` explains why.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from enum import IntEnum
from typing import Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray

from sim.scenario.plan import Plan


class EventRank(IntEnum):
    """Order of events at the same instant (SimPy's own urgent/normal priorities are 0 and 1)."""

    ROSTER = 2  # closing, shift ends, breaks due, shift starts
    BREAK_END = 3  # an agent comes back from a break
    SERVICE_END = 4  # an agent finishes a call (after-call work included)
    OUTBOUND_END = 5  # a blended agent finishes an outbound attempt (wrap-up included)
    ABANDON = 6  # a caller's patience runs out
    OVERFLOW = 7  # a waiting call becomes eligible for a secondary group
    ARRIVAL = 8  # a new call (fresh, redial or repeat)
    BOT_END = 9  # a contact's time in the bot ends (resolved, hung up, or handed over)


class Outcome(IntEnum):
    """How a call left the queue."""

    ANSWERED = 1
    ABANDONED = 2
    DROPPED = 3  # still waiting at closing when the scenario drops calls, or no agent was on duty
    BLOCKED = 4  # arrived when every line it needs was in use: never queued
    CARRIED = 5  # an email item still in the backlog at the end of the horizon
    BOT_RESOLVED = 6  # resolved by the bot in front of its call type: never reached people
    BOT_ABANDONED = 7  # hung up in the bot: never reached people


class OutboundOutcome(IntEnum):
    """How an outbound attempt ended."""

    NO_CONTACT = 0  # nobody answered: the attempt took its dial and ring time
    CONTACT = 1  # someone answered: dial, talk and wrap-up
    CUT_OFF = 2  # cut short by a switch to inbound with pre-emption


class ControlKind(IntEnum):
    """What a control did."""

    TO_INBOUND = 0  # a blended group turned to inbound
    TO_OUTBOUND = 1  # a blended group went back to outbound
    ACTIVATE = 2  # a reserve agent came on the phones
    DEACTIVATE = 3  # a reserve agent was released (leaves the phones after any call)


class BotPath(IntEnum):
    """What a contact met in front of the people's queue."""

    NONE = 0  # no bot in front of its type (or blocked before reaching it)
    ENTERED = 1  # held a bot port for its bot time
    BYPASSED = 2  # every bot port was busy: queued for people at once


class Origin(IntEnum):
    """Why a call was made."""

    FRESH = 0  # from the arrival process
    REDIAL = 1  # a caller who abandoned calls again
    REPEAT = 2  # an unresolved contact comes back


CALL_COUNTS = (
    "offered",
    "answered",
    "abandoned",
    "dropped",
    "short_abandoned",
    "answered_within_t",
    "abandoned_within_t",
    "redials",
    "repeats",
    "redials_given_up",
    "repeats_given_up",
    "waited",
    "blocked",
    "bot_entered",
    "bot_resolved",
    "bot_abandoned",
    "bot_handed_over",
    "bot_bypassed",
)
CALL_SUMS = ("wait_answered_s", "wait_all_s", "handle_s")
AGENT_SUMS = (
    "staffed_s",
    "busy_s",
    "overtime_s",
    "break_s",
    "outbound_s",
    "off_phone_s",
    "session_s",
    "chat_s",
    "voice_s",
    "email_s",
)
GROUP_CALLS = ("handled", "handle_s")
GROUP_COUNTS = ("attempts", "contacts", "to_inbound", "to_outbound", "activations", "deactivations")
EMAIL_COUNTS = (
    "email_arrived",
    "email_answered",
    "email_within_target",
    "email_carried",
    "email_carried_overdue",
)
# the two sums, then their maxima in the same order (the kernel finds a maximum two columns on)
EMAIL_AGES = (
    "email_age_answered_s",
    "email_age_carried_s",
    "email_age_answered_max_s",
    "email_age_carried_max_s",
)
BACKLOG_AT = ("backlog_open", "backlog_close")


@dataclass(frozen=True, eq=False)
class CallRecords:
    """One row per offered call, columnar; ``*_at`` are instants (s), NaN = did not happen.

    Attributes
    ----------
    rep, call_id : replication and call number (order of arrival within the replication).
    call_type, day, interval : call type index, day and planning interval of arrival.
    origin : :class:`Origin` code (fresh, redial, repeat).
    arrived_at, answered_at : arrival in the people's queue and answer instants; a contact the
        bot handed over arrives in the people's queue at the end of its bot time, one the bot
        kept (resolved, hung up) at ``entered_at``.
    left_at : when the caller left (end of talk, abandonment, drop, arrival when blocked, end
        of the bot time when the bot kept it); the caller held a line from ``entered_at`` to
        ``left_at``.
    ended_at : when the agent finished after-call work (answered calls).
    outcome : :class:`Outcome` code.
    group, agent, tier : who answered, and the tier of their skill (-1 when not answered).
    handle_s : talk plus after-call work of answered calls (tier factor applied), seconds.
    patience_s : the caller's drawn patience, seconds (inf when callers never abandon).
    redial_given_up : 1 when the caller abandoned and would have redialled but had already made
        the type's ``redial.max_attempts`` redials, so gave up; else 0.
    repeat_given_up : 1 when the answered call was unresolved and would have come back but its
        matter had already made the type's ``repeat.max_attempts`` repeat calls; else 0.
    entered_at : when the contact reached the centre (before any bot; ``arrived_at`` without
        one).
    bot_path : :class:`BotPath` code (none, entered the bot, bypassed it).
    """

    rep: NDArray[np.int32]
    call_id: NDArray[np.int64]
    call_type: NDArray[np.int16]
    day: NDArray[np.int16]
    interval: NDArray[np.int32]
    origin: NDArray[np.int8]
    arrived_at: NDArray[np.float64]
    answered_at: NDArray[np.float64]
    left_at: NDArray[np.float64]
    ended_at: NDArray[np.float64]
    outcome: NDArray[np.int8]
    group: NDArray[np.int16]
    agent: NDArray[np.int32]
    tier: NDArray[np.int16]
    handle_s: NDArray[np.float64]
    patience_s: NDArray[np.float64]
    redial_given_up: NDArray[np.int8]
    repeat_given_up: NDArray[np.int8]
    entered_at: NDArray[np.float64]
    bot_path: NDArray[np.int8]

    def __len__(self) -> int:
        return len(self.call_id)


@dataclass(frozen=True, eq=False)
class ShiftRecords:
    """One row per agent shift actually worked, columnar.

    Attributes
    ----------
    rep, agent, group : replication, agent and group indices.
    on_at : shift start instant.
    off_at : instant the agent left (after finishing a call past the shift end).
    scheduled_off_at : planned shift end; ``off_at - scheduled_off_at`` is overtime.
    """

    rep: NDArray[np.int32]
    agent: NDArray[np.int32]
    group: NDArray[np.int16]
    on_at: NDArray[np.float64]
    off_at: NDArray[np.float64]
    scheduled_off_at: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.agent)


@dataclass(frozen=True, eq=False)
class BreakRecords:
    """One row per break actually taken, columnar.

    Attributes
    ----------
    rep, agent, group : replication, agent and group indices.
    start_at, end_at : when the break started (after any call in progress) and ended.
    """

    rep: NDArray[np.int32]
    agent: NDArray[np.int32]
    group: NDArray[np.int16]
    start_at: NDArray[np.float64]
    end_at: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.agent)


@dataclass(frozen=True, eq=False)
class OutboundRecords:
    """One row per outbound attempt of a blended agent, columnar.

    Attributes
    ----------
    rep, group, agent : replication, group and agent indices.
    start_at, end_at : when the attempt started (dialling) and ended (after wrap-up, or cut).
    outcome : :class:`OutboundOutcome` code.
    talk_s : talk time of a contact, seconds (NaN without one).
    """

    rep: NDArray[np.int32]
    group: NDArray[np.int16]
    agent: NDArray[np.int32]
    start_at: NDArray[np.float64]
    end_at: NDArray[np.float64]
    outcome: NDArray[np.int8]
    talk_s: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.agent)


@dataclass(frozen=True, eq=False)
class OffPhoneRecords:
    """One row per span a reserve agent spent on duty but off the phones (not on a break).

    Attributes
    ----------
    rep, agent, group : replication, agent and group indices.
    start_at, end_at : the span.
    """

    rep: NDArray[np.int32]
    agent: NDArray[np.int32]
    group: NDArray[np.int16]
    start_at: NDArray[np.float64]
    end_at: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.agent)


@dataclass(frozen=True, eq=False)
class ControlRecords:
    """One row per control action, in the order they happened, columnar.

    Attributes
    ----------
    rep, group : replication and group indices.
    agent : the reserve agent (de)activated; -1 for a blended group's switch.
    at : instant of the action.
    kind : :class:`ControlKind` code.
    """

    rep: NDArray[np.int32]
    group: NDArray[np.int16]
    agent: NDArray[np.int32]
    at: NDArray[np.float64]
    kind: NDArray[np.int8]

    def __len__(self) -> int:
        return len(self.agent)


@dataclass(frozen=True, eq=False)
class Records:
    """Every record of some replications, each kind sorted as its engine documents."""

    calls: CallRecords
    shifts: ShiftRecords
    breaks: BreakRecords
    outbound: OutboundRecords
    off_phone: OffPhoneRecords
    controls: ControlRecords

    def renumbered(self, offset: int) -> Records:
        """Return the records with ``offset`` added to every replication number."""
        if offset == 0:
            return self
        return Records(
            **{
                name: replace(
                    getattr(self, name), rep=(getattr(self, name).rep + offset).astype(np.int32)
                )
                for name in RECORD_KINDS
            }
        )

    @classmethod
    def concat(cls, parts: list[Records]) -> Records:
        """Concatenate the records of replications, kind by kind, in the given order."""
        return cls(
            **{
                name: concat_records([getattr(p, name) for p in parts], kind)
                for name, kind in RECORD_KINDS.items()
            }
        )


@dataclass(frozen=True, eq=False)
class Tallies:
    """Sufficient statistics per replication, the input of every KPI.

    Attributes
    ----------
    call_counts : int64[reps, n_days, n_intervals, n_call_types, len(CALL_COUNTS)]
        Counts by interval of arrival (see :data:`CALL_COUNTS`).
    call_sums : float64[reps, n_days, n_intervals, n_call_types, len(CALL_SUMS)]
        Sums of waits and handle times by interval of arrival, seconds.
    agent_sums : float64[reps, n_days, n_intervals + 1, n_groups, len(AGENT_SUMS)]
        Agent time by clock slot (the last slot of a day is after closing), seconds. ``busy_s``
        counts an agent's contacts in hand once (with chats, the union of their spans);
        ``session_s`` every chat session; ``chat_s`` the time holding at least one session;
        ``voice_s`` the handle time of voice calls and ``email_s`` that of email items (every
        contact counted; both 0 unless the plan has chat or email call types).
    group_calls : float64[reps, n_days, n_intervals, n_groups, n_call_types, len(GROUP_CALLS)]
        Calls each group answered and their handle time, by interval of arrival.
    group_counts : int64[reps, n_days, n_intervals + 1, n_groups, len(GROUP_COUNTS)]
        Outbound attempts and contacts (by slot of the attempt's start) and control actions (by
        slot of the action), see :data:`GROUP_COUNTS`.
    email_counts : int64[reps, n_days, n_call_types, len(EMAIL_COUNTS)]
        Email items by calendar day of arrival (steady-state warm-up arrivals left out): arrived,
        answered, answered within the response target, carried over, carried over already older
        than the target at the end of the horizon. Email items are in no call tally.
    email_ages : float64[reps, n_days, n_call_types, len(EMAIL_AGES)]
        Sums and maxima of the ages of those items, seconds: answered items at their answer
        (the wait), carried items at the end of the horizon.
    backlog : int64[reps, n_days, n_call_types, len(BACKLOG_AT)]
        Email items waiting just before each day's opening and closing instants (arrived
        before, not yet answered).
    """

    call_counts: NDArray[np.int64]
    call_sums: NDArray[np.float64]
    agent_sums: NDArray[np.float64]
    group_calls: NDArray[np.float64]
    group_counts: NDArray[np.int64]
    email_counts: NDArray[np.int64]
    email_ages: NDArray[np.float64]
    backlog: NDArray[np.int64]

    @staticmethod
    def _shapes(plan: Plan, reps: int) -> dict[str, tuple[tuple[int, ...], type[np.generic]]]:
        """Each field's shape and dtype for ``reps`` replications of ``plan``."""
        calls = (reps, plan.n_days, plan.n_intervals, plan.n_call_types)
        agents = (reps, plan.n_days, plan.n_slots, plan.n_groups, len(AGENT_SUMS))
        groups = (reps, plan.n_days, plan.n_intervals, plan.n_groups, plan.n_call_types)
        email = (reps, plan.n_days, plan.n_call_types)
        return {
            "call_counts": ((*calls, len(CALL_COUNTS)), np.int64),
            "call_sums": ((*calls, len(CALL_SUMS)), np.float64),
            "agent_sums": (agents, np.float64),
            "group_calls": ((*groups, len(GROUP_CALLS)), np.float64),
            "group_counts": ((*agents[:4], len(GROUP_COUNTS)), np.int64),
            "email_counts": ((*email, len(EMAIL_COUNTS)), np.int64),
            "email_ages": ((*email, len(EMAIL_AGES)), np.float64),
            "backlog": ((*email, len(BACKLOG_AT)), np.int64),
        }

    @classmethod
    def zeros(cls, plan: Plan, reps: int) -> Tallies:
        """Return empty tallies shaped for ``reps`` replications of ``plan``."""
        return cls(
            **{
                name: np.zeros(shape, dtype=dtype)
                for name, (shape, dtype) in cls._shapes(plan, reps).items()
            }
        )

    @classmethod
    def bytes_per_rep(cls, plan: Plan) -> int:
        """Return the bytes the tallies of one replication of ``plan`` take."""
        return sum(
            math.prod(shape) * np.dtype(dtype).itemsize
            for shape, dtype in cls._shapes(plan, 1).values()
        )

    @classmethod
    def concat(cls, parts: list[Tallies]) -> Tallies:
        """Stack the tallies of consecutive batches of replications, in the given order."""
        return cls(
            **{
                f.name: np.concatenate([getattr(part, f.name) for part in parts])
                for f in fields(cls)
            }
        )

    def head(self, reps: int) -> Tallies:
        """Return the tallies of the first ``reps`` replications."""
        return Tallies(**{f.name: getattr(self, f.name)[:reps] for f in fields(self)})

    @property
    def reps(self) -> int:
        """Number of replications."""
        return int(self.call_counts.shape[0])

    def count(self, name: str) -> NDArray[np.int64]:
        """Return one call count, shaped ``[reps, days, intervals, call_types]``."""
        return self.call_counts[..., CALL_COUNTS.index(name)]

    def call_sum(self, name: str) -> NDArray[np.float64]:
        """Return one call sum, shaped ``[reps, days, intervals, call_types]``."""
        return self.call_sums[..., CALL_SUMS.index(name)]

    def agent_sum(self, name: str) -> NDArray[np.float64]:
        """Return one agent-time sum, shaped ``[reps, days, slots, groups]``."""
        return self.agent_sums[..., AGENT_SUMS.index(name)]

    def group_call(self, name: str) -> NDArray[np.float64]:
        """Return one group call tally, shaped ``[reps, days, intervals, groups, call_types]``."""
        return self.group_calls[..., GROUP_CALLS.index(name)]

    def group_count(self, name: str) -> NDArray[np.int64]:
        """Return one group count, shaped ``[reps, days, slots, groups]``."""
        return self.group_counts[..., GROUP_COUNTS.index(name)]

    def email_count(self, name: str) -> NDArray[np.int64]:
        """Return one email count, shaped ``[reps, days, call_types]``."""
        return self.email_counts[..., EMAIL_COUNTS.index(name)]

    def email_age(self, name: str) -> NDArray[np.float64]:
        """Return one email age sum or maximum, shaped ``[reps, days, call_types]``."""
        return self.email_ages[..., EMAIL_AGES.index(name)]

    def backlog_at(self, name: str) -> NDArray[np.int64]:
        """Return the backlog at each day's opening or closing, ``[reps, days, call_types]``."""
        return self.backlog[..., BACKLOG_AT.index(name)]


@dataclass(frozen=True, eq=False)
class Trace:
    """Fixed standard variates that replace the draws of some per-call streams.

    A trace-driven run replays recorded calls: the arrival stream of a call type yields the unit
    exponentials that put its fresh calls at the recorded instants (then ``inf``: no more
    calls), and its handle-time stream the standard variates of the recorded handle times.
    Every replication uses the same trace; streams it does not name draw as usual.

    Attributes
    ----------
    variates : dict of (int, int) to float64 array
        ``(purpose, index)`` (see :func:`sim.rng.stream`) -> the variates, consumed in order.
    """

    variates: dict[tuple[int, int], NDArray[np.float64]]

    def longest(self) -> int:
        """Return the length of the longest variate sequence (0 for an empty trace)."""
        return max((len(values) for values in self.variates.values()), default=0)


@dataclass(frozen=True, eq=False)
class EngineOutput:
    """What an engine returns: records when kept, tallies when the engine makes them itself."""

    records: Records | None
    tallies: Tallies | None


ProgressCallback = Callable[[int], None]
RecordsT = TypeVar(
    "RecordsT",
    CallRecords,
    ShiftRecords,
    BreakRecords,
    OutboundRecords,
    OffPhoneRecords,
    ControlRecords,
)
RECORD_KINDS: dict[str, type] = {
    "calls": CallRecords,
    "shifts": ShiftRecords,
    "breaks": BreakRecords,
    "outbound": OutboundRecords,
    "off_phone": OffPhoneRecords,
    "controls": ControlRecords,
}


class Engine(Protocol):
    """A simulation engine: runs replications of a plan from a seed."""

    name: str
    always_records: bool  # records made whatever keep_records says (tallied from them)

    def run(
        self,
        plan: Plan,
        *,
        seed: int,
        reps: int,
        keep_records: bool,
        workers: int | None = None,
        progress: ProgressCallback | None = None,
        first_rep: int = 0,
        trace: Trace | None = None,
    ) -> EngineOutput:
        """Simulate ``reps`` replications; replication ``r`` uses the streams of ``(seed, r)``.

        Parameters
        ----------
        plan : Plan
            What to simulate.
        seed : int
            Run seed.
        reps : int
            Number of replications: ``first_rep .. first_rep + reps - 1``.
        keep_records : bool
            Return call and shift records (always true for engines without native tallies).
        workers : int, optional
            Threads or processes; never changes the numbers.
        progress : callable, optional
            Called with the number of replications just finished.
        first_rep : int
            Number of the first replication, so that a run can be extended in batches: records
            carry the replication's number, tallies are indexed from 0 (``r - first_rep``).
        trace : Trace, optional
            Variates that replace the draws of some per-call streams (trace-driven runs).

        Returns
        -------
        EngineOutput
            Records and/or tallies.
        """
        ...


def concat_records(parts: list[RecordsT], kind: type[RecordsT]) -> RecordsT:
    """Concatenate record blocks column by column (in the given order)."""
    return kind(
        **{
            f.name: np.concatenate([getattr(p, f.name) for p in parts])
            if parts
            else np.empty(0, dtype=column_dtype(kind, f.name))
            for f in fields(kind)
        }
    )


_INT_COLUMNS = {
    "rep": np.int32,
    "call_id": np.int64,
    "call_type": np.int16,
    "day": np.int16,
    "interval": np.int32,
    "origin": np.int8,
    "outcome": np.int8,
    "group": np.int16,
    "agent": np.int32,
    "tier": np.int16,
    "kind": np.int8,
    "redial_given_up": np.int8,
    "repeat_given_up": np.int8,
    "bot_path": np.int8,
}


def column_dtype(kind: type, name: str) -> type:
    """Return the dtype of a record column (integers as declared, the rest float64)."""
    return _INT_COLUMNS.get(name, np.float64)

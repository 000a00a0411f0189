"""The switch of the SimPy engine: queues, agents, and the rules that match them.

Rules (``docs/background/model.md``):

* an arriving call goes to the longest-idle agent of the first group in its routing order that
  has one; a group with an overflow delay may take it only once it has waited that long;
* a freed agent takes, among the call types its group may take, the waiting call of the highest
  priority, ties by longest wait; a blended agent whose group dials instead starts an outbound
  attempt, and a reserve agent who is not activated goes off the phones;
* at a shift end an idle agent leaves; a busy one finishes the call (or outbound attempt), then
  leaves; at closing with *drain* the agents on duty stay while calls wait;
* a break that falls due during a call starts when the call ends;
* at closing, waiting calls are dropped when the scenario drops them or nobody will serve them;
* a call holds a line of each limited pool it needs (its type's, the centre's) from its arrival
  until it leaves; one arriving when a pool is full is blocked, and its caller may redial;
* a ``hold_count`` group starts no call while its agents on calls (those finishing past their
  shift end included) are not fewer than its agents on shift;
* a call of a type with a bot takes a free bot port for its bot time, then is resolved, hangs
  up, or joins the people's queue with its handle time scaled (a hand-over due while the
  centre is closed is dropped); with every port busy it queues for people at once;
* after every event the controls of blended and reserve groups run (:mod:`.controls`);
* chats: an agent holds up to the group's ``max_concurrent.chat`` sessions at once, each
  stretched by the slow-down factor of the count it starts at; a contact goes to the agent of
  the group with the fewest sessions (idle agents first, longest idle), ties to the one that
  reached its count first; an agent below the limit takes more waiting contacts when a session
  ends; an agent holding sessions takes a voice call only when the group's
  ``voice_while_chatting`` says so, and an agent on a voice call takes no chat;
* email items wait in their type's queue (the backlog) and go to an agent only when no voice
  call the agent could take waits; draining agents take none; the backlog is never dropped,
  and what is left at the end is carried over.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import simpy

from sim.engines.base import BotPath, ControlKind, EventRank, Origin, OutboundOutcome, Outcome
from sim.engines.sampling import (
    TraceVariates,
    scale_variate,
    segment_at,
    standard_variate,
    takes_draw,
)
from sim.engines.simpy.agents import WORKING, Agent, Attempt, Leaving, State
from sim.engines.simpy.controls import Controls
from sim.engines.simpy.events import RankedTimeout
from sim.engines.simpy.recorder import Recorder
from sim.engines.tables import (
    DRAW_REPEAT_DECISION,
    bot_draws,
    call_draws,
    eligible_after_s,
    line_capacity,
)
from sim.scenario.plan import GroupKind, Plan, RosterKind
from sim.units import SECONDS_PER_DAY


@dataclass(eq=False)
class Call:
    """One call; ``taken`` succeeds with the answering agent, or with None when dropped."""

    call_id: int
    call_type: int
    segment: int
    origin: Origin
    arrived_at: float
    talk_s: float
    patience_s: float
    redial: tuple[float, float]  # (decision uniform, unit-exponential delay)
    repeat: tuple[float, float]
    taken: simpy.Event = field(repr=False)
    redials: int = 0  # times its caller has redialled, this call included
    repeats: int = 0  # repeat calls of its caller's matter, this call included
    waiting: bool = True
    entered_at: float = math.nan  # reached the centre (arrived_at until a bot hands it over)
    bot_path: BotPath = BotPath.NONE
    handle_factor: float = 1.0  # the bot's hand-over factor once handed over


@dataclass(eq=False)
class BotStreams:
    """The per-call streams of the bot's draws (fresh, then secondary, as in :mod:`sim.rng`)."""

    time: tuple[np.random.Generator | TraceVariates, ...]  # a standard variate per contact
    outcome: tuple[np.random.Generator | TraceVariates, ...]  # a uniform per contact


@dataclass(eq=False)
class OutboundStreams:
    """The draws of one blended group's outbound attempts, in the order attempts start."""

    contact: np.random.Generator  # one uniform per attempt
    talk: np.random.Generator  # one standard variate per contact


class Centre:
    """Queues and agents of one replication.

    Parameters
    ----------
    env : simpy.Environment
        The environment.
    plan : Plan
        What is simulated.
    recorder : Recorder
        Where outcomes are written.
    call_arrives : callable
        ``call_arrives(call_type, origin, redials, repeats)``: makes a redial or repeat call arrive
        now, with the counts of its :class:`Call`.
    outbound_streams : dict of int to OutboundStreams
        Streams of each blended group.
    bot_streams : BotStreams
        Streams of the bots' draws.
    """

    def __init__(
        self,
        env: simpy.Environment,
        plan: Plan,
        recorder: Recorder,
        call_arrives: Callable[[int, Origin, int, int], None],
        outbound_streams: dict[int, OutboundStreams],
        *,
        bot_streams: BotStreams,
    ) -> None:
        self.env = env
        self.plan = plan
        self.recorder = recorder
        self.call_arrives = call_arrives
        self.outbound_streams = outbound_streams
        self.bot_streams = bot_streams
        self.bot_draws = bot_draws(plan)
        self.bot_sessions = 0  # contacts in a bot now, every call type together
        self.agents = [Agent(index=i, group=int(g)) for i, g in enumerate(plan.agent_group)]
        self.group_agents: list[list[Agent]] = [[] for _ in plan.groups]
        for agent in self.agents:
            self.group_agents[agent.group].append(agent)
        self.queues: list[deque[Call]] = [deque() for _ in plan.call_types]
        self.idle: list[deque[Agent]] = [deque() for _ in plan.groups]  # longest idle first
        self.eligible_after_s = eligible_after_s(plan)
        self.draws = call_draws(plan)
        self.inbound = [kind != GroupKind.BLENDED for kind in plan.group_kind]
        self.n_dialling = [0] * plan.n_groups
        self.n_active = [0] * plan.n_groups
        self.list_used = np.zeros((plan.n_groups, plan.n_days), dtype=np.int64)
        self.controls = Controls(self) if plan.has_controls else None
        self.line_capacity = line_capacity(plan)
        self.lines_used = [0] * len(self.line_capacity)
        # per pool, a heap of the instants answered callers hang up (their lines come free)
        self.line_frees: list[list[float]] = [[] for _ in self.line_capacity]
        self.on_shift = [0] * plan.n_groups
        self.busy = [0] * plan.n_groups  # agents on inbound calls, past their shift end included
        self.chat = plan.chat_types
        self.has_chat = plan.has_chat
        self.n_since = 0  # stamps of Agent.since

    # -- calls ------------------------------------------------------------------------------

    def admit(self, call: Call) -> bool:
        """Give an arriving call a line of each limited pool it needs, or block it.

        A call finding a pool full is recorded as blocked, and its caller may redial as after
        an abandonment. Returns whether the call was admitted.
        """
        pools = self._line_pools(call.call_type)
        for pool in pools:
            self._free_lines(pool)
        if all(self.lines_used[pool] < self.line_capacity[pool] for pool in pools):
            for pool in pools:
                self.lines_used[pool] += 1
            return True
        call.waiting = False
        given_up = self._redial(call)
        self._record_call(call, Outcome.BLOCKED, left_at=self.env.now, redial_given_up=given_up)
        self._after_event()
        return False

    def enter_bot(self, call: Call) -> tuple[float, Outcome | None] | None:
        """Let an admitted call take a free bot port of its type's bot.

        Returns None when its type has no bot or every port is busy (bypassed: it queues for
        people at once). Otherwise the bot time (s) and how it ends: resolved, hung up, or
        None (handed over); the draws are taken here, one of each per contact entering.
        """
        plan, k = self.plan, call.call_type
        if not plan.bot_in_front[k]:
            return None
        if 0 <= plan.bot_ports <= self.bot_sessions:
            call.bot_path = BotPath.BYPASSED
            return None
        self.bot_sessions += 1
        call.bot_path = BotPath.ENTERED
        index = k if call.origin is Origin.FRESH else plan.n_call_types + k
        code, p1 = int(plan.bot_time_code[k]), float(plan.bot_time_p1[k])
        variate = 0.0
        if self.bot_draws[k, 0]:
            variate = standard_variate(self.bot_streams.time[index], code, p1)
        bot_s = scale_variate(code, p1, float(plan.bot_time_p2[k]), variate)
        u = self.bot_streams.outcome[index].random()
        resolve = float(plan.bot_resolve_share[k])
        outcome: Outcome | None = None
        if u < resolve:
            outcome = Outcome.BOT_RESOLVED
        elif u < resolve + float(plan.bot_abandon_share[k]):
            outcome = Outcome.BOT_ABANDONED
        self._after_event()
        return bot_s, outcome

    def leave_bot(self, call: Call, outcome: Outcome | None) -> bool:
        """End a call's bot time: resolved or hung up (it leaves), or handed over to people.

        A hand-over joins the people's queue now, its handle time scaled by the hand-over
        factor; due while the centre is closed, it is dropped. Returns whether it is to be
        routed.
        """
        self.bot_sessions -= 1
        k = call.call_type
        if outcome is not None:
            call.waiting = False
            self._release_lines(k)
            self._record_call(call, outcome, left_at=self.env.now)
            self._after_event()
            return False
        call.arrived_at = self.env.now
        call.handle_factor = float(self.plan.bot_handover_factor[k])
        if segment_at(self.env.now, self.plan.segment_start_at, self.plan.segment_end_at) < 0:
            self.queues[k].append(call)  # it joins the closed queue and leaves it at once
            self._leave_queue(call, Outcome.DROPPED)
            self._after_event()
            return False
        return True

    def route(self, call: Call) -> bool:
        """Give a new call to the first group in its routing order with an idle agent.

        Returns True when answered; otherwise the call waits in its call type's queue.
        """
        k = call.call_type
        answered = False
        for group, after_s in zip(
            self.plan.routing_group[k], self.plan.routing_after_s[k], strict=True
        ):
            if group < 0:
                break
            agent = self._agent_for(group, k) if after_s == 0.0 else None
            if agent is not None:
                if agent.state is State.IDLE:
                    self.idle[group].popleft()
                self._answer(call, agent)
                self._take_more(agent)
                answered = True
                break
        if not answered:
            self.queues[k].append(call)
        self._after_event()
        return answered

    def overflow(self, call: Call, group: int) -> None:
        """Let the longest-idle agent of ``group`` take the next call (a call became eligible)."""
        if call.waiting:
            if self.has_chat:
                self._offer_contact(group, call.call_type)
            else:
                self._offer(group)
            self._after_event()

    def abandon(self, call: Call) -> None:
        """Take a caller whose patience ran out off the queue; maybe they redial later.

        A caller who has made the type's most redials gives up.
        """
        given_up = self._redial(call)
        self._leave_queue(call, Outcome.ABANDONED, redial_given_up=given_up)
        self._after_event()

    def _redial(self, call: Call) -> bool:
        """Make the caller of a call that got no agent redial later, if the redial draw says so.

        Returns True when the caller would redial but has made the type's most redials.
        """
        k = call.call_type
        decision, delay = call.redial
        probability = self.plan.redial_probability[k]
        if not (probability > 0.0 and decision < probability):
            return False
        if call.redials >= self.plan.redial_max_attempts[k]:
            return True
        delay_s = float(self.plan.redial_delay_s[k]) * delay
        self._later(delay_s, k, Origin.REDIAL, call.redials + 1, call.repeats)
        return False

    def finish(self, agent: Agent, call: Call) -> None:
        """End a call or chat session; an agent free of all work leaves, rests or works on.

        One who leaves or takes a break frees a held place.
        """
        group, leaving = agent.group, agent.leaving
        self.busy[group] -= 1
        if self.chat[call.call_type]:
            agent.sessions -= 1
            if agent.state is State.BUSY:  # a session ended during a voice call
                self._after_event()
                return
        if agent.sessions > 0:  # a session ended, or a voice call while chatting
            agent.state = State.CHAT
            self._stamp(agent)
            self._take_more(agent)
            self._after_event()
            return
        self._after_work(agent)
        gone = agent.state is State.ON_BREAK or (
            agent.state is State.OFF and leaving is Leaving.AFTER_CALL
        )
        if gone and self.plan.staffing_hold[group]:
            self._offer(group)
        self._after_event()

    def outbound_end(self, agent: Agent, token: int) -> None:
        """End an outbound attempt (unless it was cut short meanwhile)."""
        if agent.state is State.OUTBOUND and agent.attempt_token == token:
            self._end_attempt(agent, cut=False)
            self._after_work(agent)
            self._after_event()

    def _after_work(self, agent: Agent) -> None:
        """Leave, take a break that fell due, or go on working, after a call or an attempt."""
        if agent.leaving is Leaving.AFTER_CALL:
            self._leave(agent)
        elif agent.leaving is Leaving.WHEN_QUEUE_EMPTY:
            if not self._on_phones(agent) or not self._take_next_call(agent, email=False):
                self._leave(agent)
        elif agent.break_due_s > 0.0:
            self._start_due_break(agent)
        else:
            self.free(agent)

    def _after_event(self) -> None:
        if self.controls is not None:
            self.controls.run()

    # -- roster -----------------------------------------------------------------------------

    def roster_event(self, kind: RosterKind, who: int, length_s: float) -> None:
        """Apply one staffing event (``who`` is an agent, or a day for CLOSE)."""
        if kind is RosterKind.CLOSE:
            self._close()
        else:
            agent = self.agents[who]
            if kind is RosterKind.ON:
                self._shift_start(agent)
            elif kind is RosterKind.BREAK:
                self._break_due(agent, length_s)
            else:
                self._shift_end(agent, drain=kind is RosterKind.OFF_DRAIN)
        self._after_event()

    def break_end(self, agent: Agent, token: int) -> None:
        """End a break (unless the shift ended meanwhile): back to work."""
        if agent.state is State.ON_BREAK and agent.break_token == token:
            self._record_break(agent)
            self.free(agent)
            self._after_event()

    def _shift_start(self, agent: Agent) -> None:
        on_duty = agent.state is not State.OFF
        self.on_shift[agent.group] += 1
        if on_duty:
            # Still on duty (say on a call from the previous shift): that shift's record ends
            # now and a new one starts; the agent carries on as they are.
            self._record_shift(agent)
        agent.on_at, agent.leaving = self.env.now, Leaving.STAYS
        if not on_duty:
            self.free(agent)
        elif self.plan.staffing_hold[agent.group]:
            self._offer(agent.group)  # one more agent on shift: a held place may come free

    def _shift_end(self, agent: Agent, *, drain: bool) -> None:
        self.on_shift[agent.group] -= 1
        agent.scheduled_off_at = self.env.now
        agent.break_due_s = 0.0
        if agent.state in WORKING:
            agent.leaving = Leaving.WHEN_QUEUE_EMPTY if drain else Leaving.AFTER_CALL
        elif agent.state is not State.OFF:
            self._stop_waiting(agent)
            if agent.state is State.ON_BREAK:
                self._record_break(agent)
            self._leave(agent)

    def _break_due(self, agent: Agent, length_s: float) -> None:
        if agent.state in (State.IDLE, State.OFF_PHONE):
            self._stop_waiting(agent)
            self._start_break(agent, length_s)
        elif agent.state in WORKING and agent.leaving is Leaving.STAYS:
            agent.break_due_s = length_s
            agent.break_due_end_at = self.env.now + length_s

    def _stop_waiting(self, agent: Agent) -> None:
        """Take an idle agent out of line, or end a reserve's time off the phones."""
        if agent.state is State.IDLE:
            self.idle[agent.group].remove(agent)
        elif agent.state is State.OFF_PHONE:
            self._record_off_phone(agent)

    def _start_due_break(self, agent: Agent) -> None:
        if self.plan.breaks_shorten:
            delay_s = agent.break_due_end_at - self.env.now
        else:
            delay_s = agent.break_due_s
        agent.break_due_s = 0.0
        if delay_s > 0.0:
            self._start_break(agent, delay_s)
        else:
            self.free(agent)

    def _start_break(self, agent: Agent, delay_s: float) -> None:
        agent.state = State.ON_BREAK
        agent.break_token += 1
        agent.break_started_at = self.env.now
        agent.break_due_s = 0.0
        token = agent.break_token
        end = RankedTimeout(self.env, delay_s, EventRank.BREAK_END)
        end.callbacks.append(lambda _: self.break_end(agent, token))

    def _close(self) -> None:
        someone_to_serve = any(
            agent.state is State.IDLE
            or (agent.state in WORKING and agent.leaving is not Leaving.AFTER_CALL)
            for agent in self.agents
        )
        if self.plan.drops_at_close or not someone_to_serve:
            self.drop_waiting()

    def drop_waiting(self) -> None:
        """Drop every waiting voice call now (at closing, or at the end of the run)."""
        for k, queue in enumerate(self.queues):
            if self.plan.is_email[k]:
                continue
            for call in list(queue):
                self._leave_queue(call, Outcome.DROPPED)
                call.taken.succeed(None)

    def carry_backlog(self) -> None:
        """Record the email items still waiting at the end of the run as carried over.

        They leave at the end of the horizon, or now if agents worked past it.
        """
        left_at = max(self.env.now, self.plan.horizon_end_at)
        for k in np.flatnonzero(self.plan.is_email):
            for call in self.queues[k]:
                call.waiting = False
                self._record_call(call, Outcome.CARRIED, left_at=left_at)
            self.queues[k].clear()

    def _leave(self, agent: Agent) -> None:
        self._record_shift(agent)
        if agent.active:
            agent.active = False
            self.n_active[agent.group] -= 1
        agent.state = State.OFF

    # -- matching ---------------------------------------------------------------------------

    def free(self, agent: Agent) -> None:
        """Set a free agent on shift to work: dial, go off the phones, answer, or wait in line."""
        group = agent.group
        if not self._on_phones(agent):
            agent.state = State.OFF_PHONE
            agent.off_phone_since = self.env.now
        elif self.dials(group):
            self.start_attempt(agent)
        elif self._held(group) or not self._take_next_call(agent, email=True):
            agent.state = State.IDLE
            self.idle[group].append(agent)

    def _held(self, group: int) -> bool:
        """Whether ``group`` keeps its count (``hold_count``) and has no place for a call now."""
        return bool(self.plan.staffing_hold[group]) and self.busy[group] >= self.on_shift[group]

    def _offer(self, group: int) -> None:
        """Let the longest-idle agent of ``group`` take the next call it may, if it has a place."""
        if self.idle[group] and not self._held(group):
            best = self._pop_next_call_for(group, email=True)
            if best is not None:
                self._answer(best, self.idle[group].popleft())

    def _on_phones(self, agent: Agent) -> bool:
        """Whether the agent takes inbound calls (a reserve only when activated)."""
        return agent.active or self.plan.group_kind[agent.group] != GroupKind.RESERVE

    def _take_next_call(self, agent: Agent, *, email: bool) -> bool:
        call = self._pop_next_call_for(agent.group, email=email)
        if call is None:
            return False
        self._answer(call, agent)
        self._take_more(agent)
        return True

    def _pop_next_call_for(
        self, group: int, *, voice: bool = True, chat: bool = True, email: bool = False
    ) -> Call | None:
        """Take off its queue the call ``group`` serves next: highest priority, longest wait.

        Only the head of each queue can go: later calls of a type have waited less, so a group
        whose overflow delay the head has not reached may take none of them. ``voice`` and
        ``chat``: whether calls of each channel may be taken. Email items come after every
        call and chat, whatever the priorities, and only with ``email``.
        """
        now = self.env.now
        is_email = self.plan.is_email
        heads = [
            queue[0]
            for k, queue in enumerate(self.queues)
            if queue
            and not is_email[k]
            and now >= queue[0].arrived_at + self.eligible_after_s[group, k]
            and (chat if self.chat[k] else voice)
        ]
        if not heads and email:
            heads = [
                queue[0]
                for k, queue in enumerate(self.queues)
                if queue and is_email[k] and self.eligible_after_s[group, k] == 0.0
            ]
        if not heads:
            return None
        best = min(heads, key=lambda c: (-self.plan.priority[c.call_type], c.arrived_at, c.call_id))
        return self.queues[best.call_type].popleft()

    # -- chats ------------------------------------------------------------------------------

    def _stamp(self, agent: Agent) -> None:
        """Note that ``agent`` reached its current sessions now (after those stamped before)."""
        agent.since = self.n_since
        self.n_since += 1

    def _takes(self, agent: Agent) -> tuple[bool, bool]:
        """Whether a chatting agent takes a voice call, and a chat, now.

        One whose shift ended (without drain) or whose break fell due takes nothing new.
        """
        if agent.state is not State.CHAT:
            return False, False
        if agent.leaving is Leaving.AFTER_CALL or agent.break_due_s > 0.0:
            return False, False
        group = agent.group
        voice = bool(self.plan.group_voice_while_chatting[group])
        return voice, agent.sessions < self.plan.group_max_chats[group]

    def _agent_for(self, group: int, call_type: int) -> Agent | None:
        """Return the agent of ``group`` who takes a contact of ``call_type`` now, or None.

        The longest-idle agent; else, among the chatting agents who may take it, the one with
        the fewest sessions who reached that count first.
        """
        if self._held(group):
            return None
        if self.idle[group]:
            return self.idle[group][0]
        if not self.has_chat:
            return None
        chat = bool(self.chat[call_type])
        takers = [a for a in self.group_agents[group] if self._takes(a)[int(chat)]]
        return min(takers, key=lambda a: (a.sessions, a.since), default=None)

    def _offer_contact(self, group: int, call_type: int) -> None:
        """Let the agent of ``group`` who takes ``call_type`` take the next contact they may."""
        agent = self._agent_for(group, call_type)
        if agent is None:
            return
        if agent.state is State.IDLE:
            call = self._pop_next_call_for(group)
        else:
            voice, chat = self._takes(agent)
            call = self._pop_next_call_for(group, voice=voice, chat=chat)
        if call is not None:
            if agent.state is State.IDLE:
                self.idle[group].popleft()
            self._answer(call, agent)
            self._take_more(agent)

    def _take_more(self, agent: Agent) -> None:
        """Let a chatting agent take waiting contacts while they may."""
        while True:
            voice, chat = self._takes(agent)
            if not (voice or chat):
                return
            call = self._pop_next_call_for(agent.group, voice=voice, chat=chat)
            if call is None:
                return
            self._answer(call, agent)

    def _answer(self, call: Call, agent: Agent) -> None:
        """Let ``agent`` answer ``call``: the tier scales handle time; unresolved calls repeat.

        A chat session is also stretched by the group's slow-down factor of the sessions the
        agent holds with it.
        """
        call.waiting = False
        k, group = call.call_type, agent.group
        factor = float(self.plan.tier_factor[group, k]) * call.handle_factor
        if self.chat[k]:
            agent.sessions += 1
            factor *= float(self.plan.group_chat_slowdown[group, agent.sessions - 1])
        talk_s = factor * call.talk_s
        handle_s = talk_s + factor * float(self.plan.acw_s[k, call.segment])
        agent.state = State.CHAT if self.chat[k] else State.BUSY  # one on a call takes no chat
        if agent.state is State.CHAT:
            self._stamp(agent)
        self.busy[group] += 1
        self._hold_lines(k, self.env.now + talk_s)
        decision, delay = call.repeat
        repeats = bool(
            self.draws[k, DRAW_REPEAT_DECISION] and decision >= self.plan.tier_fcr[group, k]
        )
        given_up = repeats and bool(call.repeats >= self.plan.repeat_max_attempts[k])
        self._record_call(
            call,
            Outcome.ANSWERED,
            left_at=self.env.now + talk_s,
            agent=agent,
            handle_s=handle_s,
            repeat_given_up=given_up,
        )
        call.taken.succeed((agent, handle_s))
        if repeats and not given_up:
            delay_s = talk_s + float(self.plan.repeat_delay_s[k]) * delay
            self._later(delay_s, k, Origin.REPEAT, 0, call.repeats + 1)

    def _later(
        self, delay_s: float, call_type: int, origin: Origin, redials: int, repeats: int
    ) -> None:
        """Make a redial or repeat call arrive after ``delay_s`` (counts as for a Call)."""
        due = RankedTimeout(self.env, delay_s, EventRank.ARRIVAL)
        due.callbacks.append(lambda _: self.call_arrives(call_type, origin, redials, repeats))

    def _leave_queue(self, call: Call, outcome: Outcome, *, redial_given_up: bool = False) -> None:
        self.queues[call.call_type].remove(call)
        call.waiting = False
        self._release_lines(call.call_type)
        self._record_call(call, outcome, left_at=self.env.now, redial_given_up=redial_given_up)

    # -- lines ------------------------------------------------------------------------------

    def _line_pools(self, call_type: int) -> list[int]:
        """Return the limited pools of lines a call of ``call_type`` needs a line of."""
        centre = len(self.line_capacity) - 1
        return [pool for pool in (call_type, centre) if self.line_capacity[pool] >= 0]

    def _release_lines(self, call_type: int) -> None:
        """Free the lines of a call that leaves without talking to an agent."""
        for pool in self._line_pools(call_type):
            self.lines_used[pool] -= 1

    def _hold_lines(self, call_type: int, until_at: float) -> None:
        """Keep an answered caller's lines until they hang up (the end of talk)."""
        for pool in self._line_pools(call_type):
            heapq.heappush(self.line_frees[pool], until_at)

    def _free_lines(self, pool: int) -> None:
        """Free the lines of ``pool`` whose answered callers have hung up by now."""
        frees = self.line_frees[pool]
        while frees and frees[0] <= self.env.now:
            heapq.heappop(frees)
            self.lines_used[pool] -= 1

    # -- outbound work and reserves (the controls decide, these act) ------------------------

    def dials(self, group: int) -> bool:
        """Whether a free agent of ``group`` dials now.

        Agents of a blended group dial while it works outbound, or while fewer than its minimum
        dial when it works inbound, as long as today's list has records left.
        """
        plan = self.plan
        if plan.group_kind[group] != GroupKind.BLENDED:
            return False
        wants = not self.inbound[group] or self.n_dialling[group] < plan.control_min_outbound[group]
        return wants and self.list_left(group)

    def list_left(self, group: int) -> bool:
        """Whether today's call list of ``group`` has a record left."""
        size = int(self.plan.outbound_list_size[group])
        return size < 0 or self.list_used[group, self._today()] < size

    def _today(self) -> int:
        return min(math.floor(self.env.now / SECONDS_PER_DAY), self.plan.n_days - 1)

    def start_attempt(self, agent: Agent) -> None:
        """Dial the next record of the list: ring, and talk and wrap up when someone answers."""
        plan, group = self.plan, agent.group
        self.list_used[group, self._today()] += 1
        streams = self.outbound_streams[group]
        attempt_s = float(plan.outbound_attempt_s[group])
        if streams.contact.random() < plan.outbound_contact_probability[group]:
            code = int(plan.outbound_talk_code[group])
            p1, p2 = float(plan.outbound_talk_p1[group]), float(plan.outbound_talk_p2[group])
            variate = standard_variate(streams.talk, code, p1) if takes_draw(code) else 0.0
            talk_s = scale_variate(code, p1, p2, variate)
            duration_s = attempt_s + talk_s + float(plan.outbound_wrap_s[group])
            agent.attempt = Attempt(self.env.now, OutboundOutcome.CONTACT, talk_s)
        else:
            duration_s = attempt_s
            agent.attempt = Attempt(self.env.now, OutboundOutcome.NO_CONTACT, math.nan)
        agent.state = State.OUTBOUND
        agent.attempt_token += 1
        self.n_dialling[group] += 1
        token = agent.attempt_token
        end = RankedTimeout(self.env, duration_s, EventRank.OUTBOUND_END)
        end.callbacks.append(lambda _: self.outbound_end(agent, token))

    def cut_attempt(self, agent: Agent) -> None:
        """Cut an outbound attempt short (pre-emption) and set the agent to work."""
        self._end_attempt(agent, cut=True)
        self._after_work(agent)

    def _end_attempt(self, agent: Agent, *, cut: bool) -> None:
        attempt = agent.attempt
        assert attempt is not None
        agent.attempt, agent.attempt_token = None, agent.attempt_token + 1
        self.n_dialling[agent.group] -= 1
        self.recorder.outbound(
            group=agent.group,
            agent=agent.index,
            start_at=attempt.start_at,
            end_at=self.env.now,
            outcome=int(OutboundOutcome.CUT_OFF if cut else attempt.outcome),
            talk_s=attempt.talk_s,
        )

    def activate(self, agent: Agent) -> None:
        """Put a reserve who is off the phones on the phones."""
        self._record_off_phone(agent)
        agent.active, agent.activated_at = True, self.env.now
        self.n_active[agent.group] += 1
        self.record_control(agent.group, agent.index, ControlKind.ACTIVATE)
        self.free(agent)

    def deactivate(self, agent: Agent) -> None:
        """Release an active reserve: off the phones now if idle, else after the call or break."""
        agent.active = False
        self.n_active[agent.group] -= 1
        self.record_control(agent.group, agent.index, ControlKind.DEACTIVATE)
        if agent.state is State.IDLE:
            self.idle[agent.group].remove(agent)
            self.free(agent)

    # -- records ----------------------------------------------------------------------------

    def record_control(self, group: int, agent: int, kind: ControlKind) -> None:
        """Record a control action taken now."""
        self.recorder.control(group=group, agent=agent, at=self.env.now, kind=int(kind))

    def _record_call(
        self,
        call: Call,
        outcome: Outcome,
        *,
        left_at: float,
        agent: Agent | None = None,
        handle_s: float = math.nan,
        redial_given_up: bool = False,
        repeat_given_up: bool = False,
    ) -> None:
        day, interval = divmod(call.segment, self.plan.n_intervals)
        answered_at = self.env.now if agent is not None else math.nan
        group = agent.group if agent is not None else -1
        if self.controls is not None and outcome in (Outcome.ANSWERED, Outcome.ABANDONED):
            wait_s = self.env.now - call.arrived_at
            good = outcome is Outcome.ANSWERED and wait_s <= self.plan.threshold_s
            self.controls.queue_exit(call.call_type, good)
        self.recorder.call(
            call_id=call.call_id,
            call_type=call.call_type,
            day=day,
            interval=interval,
            origin=int(call.origin),
            arrived_at=call.arrived_at,
            answered_at=answered_at,
            left_at=left_at,
            ended_at=answered_at + handle_s,
            outcome=int(outcome),
            group=group,
            agent=agent.index if agent is not None else -1,
            tier=int(self.plan.skill_tier[group, call.call_type]) if agent is not None else -1,
            handle_s=handle_s,
            patience_s=call.patience_s,
            redial_given_up=int(redial_given_up),
            repeat_given_up=int(repeat_given_up),
            entered_at=call.entered_at,
            bot_path=int(call.bot_path),
        )

    def _record_shift(self, agent: Agent) -> None:
        self.recorder.shift(
            agent=agent.index,
            group=agent.group,
            on_at=agent.on_at,
            off_at=self.env.now,
            scheduled_off_at=agent.scheduled_off_at,
        )

    def _record_break(self, agent: Agent) -> None:
        self.recorder.agent_break(
            agent=agent.index,
            group=agent.group,
            start_at=agent.break_started_at,
            end_at=self.env.now,
        )

    def _record_off_phone(self, agent: Agent) -> None:
        self.recorder.off_phone(
            agent=agent.index,
            group=agent.group,
            start_at=agent.off_phone_since,
            end_at=self.env.now,
        )

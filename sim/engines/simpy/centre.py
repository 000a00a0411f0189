"""The switch of the SimPy engine: queues, agents, and the rules that match them.

Rules (``docs/background/model.md``):

* an arriving call goes to the longest-idle agent of the first group in its routing order that
  has one; a group with an overflow delay may take it only once it has waited that long;
* a freed agent takes, among the call types its group may take, the waiting call of the highest
  priority, ties by longest wait;
* at a shift end an idle agent leaves; a busy one finishes the call, then leaves; at closing with
  *drain* the agents on duty stay while calls wait;
* a break that falls due during a call starts when the call ends;
* at closing, waiting calls are dropped when the scenario drops them or nobody will serve them.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

import simpy

from sim.engines.base import EventRank, Origin, Outcome
from sim.engines.simpy.events import RankedTimeout
from sim.engines.simpy.recorder import Recorder
from sim.engines.tables import DRAW_REPEAT_DECISION, call_draws, eligible_after_s
from sim.scenario.plan import Plan, RosterKind


class State(Enum):
    """Where an agent is."""

    OFF = "off"
    IDLE = "idle"
    BUSY = "busy"
    ON_BREAK = "on break"


class Leaving(Enum):
    """What a busy agent does when the current call ends."""

    STAYS = "stays"  # on shift: take the next call
    AFTER_CALL = "after call"  # shift over: leave
    WHEN_QUEUE_EMPTY = "when queue empty"  # closing with drain: serve until nobody waits


@dataclass(eq=False)
class Agent:
    """One agent and where they are in their shift."""

    index: int
    group: int
    state: State = State.OFF
    leaving: Leaving = Leaving.STAYS
    on_at: float = math.nan
    scheduled_off_at: float = math.nan
    break_due_s: float = 0.0  # length of a break that fell due during a call
    break_due_end_at: float = math.nan
    break_started_at: float = math.nan
    break_token: int = 0


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
    waiting: bool = True


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
        ``call_arrives(call_type, origin)``: makes a redial or repeat call arrive now.
    """

    def __init__(
        self,
        env: simpy.Environment,
        plan: Plan,
        recorder: Recorder,
        call_arrives: Callable[[int, Origin], None],
    ) -> None:
        self.env = env
        self.plan = plan
        self.recorder = recorder
        self.call_arrives = call_arrives
        self.agents = [Agent(index=i, group=int(g)) for i, g in enumerate(plan.agent_group)]
        self.queues: list[deque[Call]] = [deque() for _ in plan.call_types]
        self.idle: list[deque[Agent]] = [deque() for _ in plan.groups]  # longest idle first
        self.eligible_after_s = eligible_after_s(plan)
        self.draws = call_draws(plan)

    # -- calls ------------------------------------------------------------------------------

    def route(self, call: Call) -> bool:
        """Give a new call to the first group in its routing order with an idle agent.

        Returns True when answered; otherwise the call waits in its call type's queue.
        """
        k = call.call_type
        for group, after_s in zip(
            self.plan.routing_group[k], self.plan.routing_after_s[k], strict=True
        ):
            if group < 0:
                break
            if after_s == 0.0 and self.idle[group]:
                self._answer(call, self.idle[group].popleft())
                return True
        self.queues[k].append(call)
        return False

    def overflow(self, call: Call, group: int) -> None:
        """Let the longest-idle agent of ``group`` take the next call (a call became eligible)."""
        if not call.waiting or not self.idle[group]:
            return
        best = self._pop_next_call_for(group)
        if best is not None:
            self._answer(best, self.idle[group].popleft())

    def abandon(self, call: Call) -> None:
        """Take a caller whose patience ran out off the queue; maybe they redial later."""
        self._leave_queue(call, Outcome.ABANDONED)
        k = call.call_type
        decision, delay = call.redial
        if self.plan.redial_probability[k] > 0.0 and decision < self.plan.redial_probability[k]:
            self._later(float(self.plan.redial_delay_s[k]) * delay, k, Origin.REDIAL)

    def finish(self, agent: Agent) -> None:
        """Free an agent after a call: leave, take a break that fell due, or take the next call."""
        if agent.leaving is Leaving.AFTER_CALL:
            self._leave(agent)
        elif agent.leaving is Leaving.WHEN_QUEUE_EMPTY:
            if not self._take_next_call(agent):
                self._leave(agent)
        elif agent.break_due_s > 0.0:
            self._start_due_break(agent)
        else:
            self._free(agent)

    # -- roster -----------------------------------------------------------------------------

    def roster_event(self, kind: RosterKind, who: int, length_s: float) -> None:
        """Apply one staffing event (``who`` is an agent, or a day for CLOSE)."""
        if kind is RosterKind.CLOSE:
            self._close()
            return
        agent = self.agents[who]
        if kind is RosterKind.ON:
            self._shift_start(agent)
        elif kind is RosterKind.BREAK:
            self._break_due(agent, length_s)
        else:
            self._shift_end(agent, drain=kind is RosterKind.OFF_DRAIN)

    def break_end(self, agent: Agent, token: int) -> None:
        """End a break (unless the shift ended meanwhile): back to the phones."""
        if agent.state is State.ON_BREAK and agent.break_token == token:
            self._record_break(agent)
            self._free(agent)

    def _shift_start(self, agent: Agent) -> None:
        on_duty = agent.state is not State.OFF
        if on_duty:
            # Still on duty (say on a call from the previous shift): that shift's record ends
            # now and a new one starts; the agent carries on as they are.
            self._record_shift(agent)
        agent.on_at, agent.leaving = self.env.now, Leaving.STAYS
        if not on_duty:
            self._free(agent)

    def _shift_end(self, agent: Agent, *, drain: bool) -> None:
        agent.scheduled_off_at = self.env.now
        agent.break_due_s = 0.0
        if agent.state is State.BUSY:
            agent.leaving = Leaving.WHEN_QUEUE_EMPTY if drain else Leaving.AFTER_CALL
        elif agent.state is not State.OFF:
            if agent.state is State.IDLE:
                self.idle[agent.group].remove(agent)
            else:
                self._record_break(agent)
            self._leave(agent)

    def _break_due(self, agent: Agent, length_s: float) -> None:
        if agent.state is State.IDLE:
            self.idle[agent.group].remove(agent)
            self._start_break(agent, length_s)
        elif agent.state is State.BUSY and agent.leaving is Leaving.STAYS:
            agent.break_due_s = length_s
            agent.break_due_end_at = self.env.now + length_s

    def _start_due_break(self, agent: Agent) -> None:
        if self.plan.breaks_shorten:
            delay_s = agent.break_due_end_at - self.env.now
        else:
            delay_s = agent.break_due_s
        agent.break_due_s = 0.0
        if delay_s > 0.0:
            self._start_break(agent, delay_s)
        else:
            self._free(agent)

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
            or (agent.state is State.BUSY and agent.leaving is not Leaving.AFTER_CALL)
            for agent in self.agents
        )
        if self.plan.drops_at_close or not someone_to_serve:
            self.drop_waiting()

    def drop_waiting(self) -> None:
        """Drop every waiting call now (at closing, or at the end of the run)."""
        for queue in self.queues:
            for call in list(queue):
                self._leave_queue(call, Outcome.DROPPED)
                call.taken.succeed(None)

    def _leave(self, agent: Agent) -> None:
        self._record_shift(agent)
        agent.state = State.OFF

    # -- matching ---------------------------------------------------------------------------

    def _free(self, agent: Agent) -> None:
        if not self._take_next_call(agent):
            agent.state = State.IDLE
            self.idle[agent.group].append(agent)

    def _take_next_call(self, agent: Agent) -> bool:
        call = self._pop_next_call_for(agent.group)
        if call is None:
            return False
        self._answer(call, agent)
        return True

    def _pop_next_call_for(self, group: int) -> Call | None:
        """Take off its queue the call ``group`` serves next: highest priority, longest wait.

        Only the head of each queue can go: later calls of a type have waited less, so a group
        whose overflow delay the head has not reached may take none of them.
        """
        now = self.env.now
        heads = [
            queue[0]
            for k, queue in enumerate(self.queues)
            if queue and now >= queue[0].arrived_at + self.eligible_after_s[group, k]
        ]
        if not heads:
            return None
        best = min(heads, key=lambda c: (-self.plan.priority[c.call_type], c.arrived_at, c.call_id))
        return self.queues[best.call_type].popleft()

    def _answer(self, call: Call, agent: Agent) -> None:
        """Let ``agent`` answer ``call``: the tier scales handle time; unresolved calls repeat."""
        call.waiting = False
        k, group = call.call_type, agent.group
        factor = float(self.plan.tier_factor[group, k])
        talk_s = factor * call.talk_s
        handle_s = talk_s + factor * float(self.plan.acw_s[k, call.segment])
        agent.state = State.BUSY
        self._record_call(
            call, Outcome.ANSWERED, left_at=self.env.now + talk_s, agent=agent, handle_s=handle_s
        )
        call.taken.succeed((agent, handle_s))
        decision, delay = call.repeat
        if self.draws[k, DRAW_REPEAT_DECISION] and decision >= self.plan.tier_fcr[group, k]:
            self._later(talk_s + float(self.plan.repeat_delay_s[k]) * delay, k, Origin.REPEAT)

    def _later(self, delay_s: float, call_type: int, origin: Origin) -> None:
        """Make a redial or repeat call arrive after ``delay_s``."""
        due = RankedTimeout(self.env, delay_s, EventRank.ARRIVAL)
        due.callbacks.append(lambda _: self.call_arrives(call_type, origin))

    def _leave_queue(self, call: Call, outcome: Outcome) -> None:
        self.queues[call.call_type].remove(call)
        call.waiting = False
        self._record_call(call, outcome, left_at=self.env.now)

    # -- records ----------------------------------------------------------------------------

    def _record_call(
        self,
        call: Call,
        outcome: Outcome,
        *,
        left_at: float,
        agent: Agent | None = None,
        handle_s: float = math.nan,
    ) -> None:
        day, interval = divmod(call.segment, self.plan.n_intervals)
        answered_at = self.env.now if agent is not None else math.nan
        group = agent.group if agent is not None else -1
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

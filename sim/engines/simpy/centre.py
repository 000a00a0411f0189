"""The switch of the SimPy engine: queues, idle agents, and the rules that match them.

Rules (``docs/background/model.md``):

* an arriving call goes to the longest-idle agent, else waits in its call type's queue;
* a freed agent takes the waiting call of the highest priority, ties by longest wait;
* at a shift end an idle agent leaves; a busy one finishes the call, then leaves; at closing with
  *drain* the agents on duty stay while calls wait;
* at closing, waiting calls are dropped when the scenario drops them or no agent is on duty.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from enum import Enum

import simpy

from sim.engines.base import Outcome
from sim.engines.simpy.recorder import Recorder
from sim.scenario.plan import Plan, RosterKind


class Leaving(Enum):
    """What an agent does when the current call ends."""

    STAYS = "stays"  # on shift: take the next call
    AFTER_CALL = "after call"  # shift over: leave
    WHEN_QUEUE_EMPTY = "when queue empty"  # closing with drain: serve until nobody waits


@dataclass(eq=False)
class Agent:
    """One agent and where they are in their shift."""

    index: int
    group: int
    on_duty: bool = False
    busy: bool = False
    leaving: Leaving = Leaving.STAYS
    on_at: float = math.nan
    scheduled_off_at: float = math.nan


@dataclass(eq=False)
class Call:
    """One caller; ``taken`` succeeds with the answering agent, or with None when dropped."""

    call_id: int
    call_type: int
    segment: int
    arrived_at: float
    talk_s: float
    handle_s: float
    patience_s: float
    taken: simpy.Event = field(repr=False)


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
    """

    def __init__(self, env: simpy.Environment, plan: Plan, recorder: Recorder) -> None:
        self.env = env
        self.plan = plan
        self.recorder = recorder
        self.agents = [Agent(index=i, group=int(g)) for i, g in enumerate(plan.agent_group)]
        self.queues: list[deque[Call]] = [deque() for _ in plan.call_types]
        self.idle: deque[Agent] = deque()  # longest idle first
        self.n_calls = 0

    # -- calls -------------------------------------------------------------------------------

    def new_call(self, call_type: int, segment: int, talk_s: float, patience_s: float) -> Call:
        """Create the next call (numbered in arrival order)."""
        call = Call(
            call_id=self.n_calls,
            call_type=call_type,
            segment=segment,
            arrived_at=self.env.now,
            talk_s=talk_s,
            handle_s=talk_s + float(self.plan.acw_s[call_type]),
            patience_s=patience_s,
            taken=self.env.event(),
        )
        self.n_calls += 1
        return call

    def arrive(self, call: Call) -> None:
        """Give an arriving call to the longest-idle agent, or queue it."""
        if self.idle:
            self._answer(call, self.idle.popleft())
        else:
            self.queues[call.call_type].append(call)

    def abandon(self, call: Call) -> None:
        """Take a caller whose patience ran out off the queue."""
        self.queues[call.call_type].remove(call)
        self._record(call, Outcome.ABANDONED, left_at=self.env.now)

    def finish(self, agent: Agent) -> None:
        """Free an agent whose call (and after-call work) ended."""
        agent.busy = False
        if agent.leaving is Leaving.AFTER_CALL:
            self._leave(agent)
        elif agent.leaving is Leaving.WHEN_QUEUE_EMPTY:
            call = self._next_call()
            if call is None:
                self._leave(agent)
            else:
                self._answer(call, agent)
        else:
            self._take_next_or_wait(agent)

    # -- roster --------------------------------------------------------------------------------

    def roster_event(self, kind: RosterKind, who: int) -> None:
        """Apply one staffing event (``who`` is an agent, or a day for CLOSE)."""
        if kind is RosterKind.CLOSE:
            self._close()
        elif kind is RosterKind.ON:
            self._shift_start(self.agents[who])
        else:
            self._shift_end(self.agents[who], drain=kind is RosterKind.OFF_DRAIN)

    def _shift_start(self, agent: Agent) -> None:
        if agent.busy:
            # Still finishing a call from the previous shift: that shift ends now, this one
            # starts now, and the agent simply carries on.
            self._leave(agent)
            agent.on_duty, agent.leaving, agent.on_at = True, Leaving.STAYS, self.env.now
            return
        agent.on_duty, agent.leaving, agent.on_at = True, Leaving.STAYS, self.env.now
        self._take_next_or_wait(agent)

    def _shift_end(self, agent: Agent, *, drain: bool) -> None:
        agent.scheduled_off_at = self.env.now
        if agent.busy:
            agent.leaving = Leaving.WHEN_QUEUE_EMPTY if drain else Leaving.AFTER_CALL
        else:
            self.idle.remove(agent)
            self._leave(agent)

    def _close(self) -> None:
        # An agent finishing a call past their shift end is not on duty: they would not serve
        # the queue, and calls left waiting would never be answered.
        someone_on_duty = any(
            agent.on_duty and agent.leaving is not Leaving.AFTER_CALL for agent in self.agents
        )
        if self.plan.drops_at_close or not someone_on_duty:
            for queue in self.queues:
                while queue:
                    call = queue.popleft()
                    self._record(call, Outcome.DROPPED, left_at=self.env.now)
                    call.taken.succeed(None)

    def _leave(self, agent: Agent) -> None:
        agent.on_duty = False
        self.recorder.shift(
            agent=agent.index,
            group=agent.group,
            on_at=agent.on_at,
            off_at=self.env.now,
            scheduled_off_at=agent.scheduled_off_at,
        )

    # -- matching ------------------------------------------------------------------------------

    def _take_next_or_wait(self, agent: Agent) -> None:
        call = self._next_call()
        if call is None:
            self.idle.append(agent)
        else:
            self._answer(call, agent)

    def _next_call(self) -> Call | None:
        """Pop the waiting call of the highest priority; ties go to the longest wait."""
        heads = [queue[0] for queue in self.queues if queue]
        if not heads:
            return None
        best = min(heads, key=lambda c: (-self.plan.priority[c.call_type], c.arrived_at, c.call_id))
        return self.queues[best.call_type].popleft()

    def _answer(self, call: Call, agent: Agent) -> None:
        agent.busy = True
        self._record(call, Outcome.ANSWERED, left_at=self.env.now + call.talk_s, agent=agent)
        call.taken.succeed(agent)

    def _record(
        self, call: Call, outcome: Outcome, *, left_at: float, agent: Agent | None = None
    ) -> None:
        day, interval = divmod(call.segment, self.plan.n_intervals)
        if agent is None:
            answered_at, handle_s, group, index = math.nan, math.nan, -1, -1
        else:
            answered_at, handle_s, group, index = (
                self.env.now,
                call.handle_s,
                agent.group,
                agent.index,
            )
        self.recorder.call(
            call_id=call.call_id,
            call_type=call.call_type,
            day=day,
            interval=interval,
            arrived_at=call.arrived_at,
            patience_s=call.patience_s,
            outcome=outcome,
            left_at=left_at,
            answered_at=answered_at,
            handle_s=handle_s,
            group=group,
            agent=index,
        )

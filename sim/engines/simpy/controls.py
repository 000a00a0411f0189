"""The controls of blended and reserve groups, run by the centre after every event.

For each such group, in group order (``docs/background/model.md``, "Controls"):

* the *trigger* holds when the group's queue (waiting calls of the call types it has skills
  in) is at least ``queue_on``, or the oldest of them has waited at least ``wait_on_s``, or
  (reserves) the service level of the calls that left those queues within the last
  ``sl_window_s`` is below ``sl_below``;
* it is *calm* when the trigger does not hold and the queue is at most ``queue_off``; the calm
  clock starts at the first event that finds it calm and stops at the first that does not;
* a blended group that dials turns to inbound when the trigger holds, and back to outbound when
  it has been calm for ``calm_s``;
* a reserve group activates one more agent (the lowest-numbered off the phones) at each event
  where the trigger holds, up to ``max_active``; when it has been calm for ``calm_s`` it
  releases every active agent who has been on the phones for ``min_stay_s``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.engines.base import ControlKind
from sim.engines.simpy.agents import State
from sim.scenario.plan import GroupKind

if TYPE_CHECKING:
    from sim.engines.simpy.centre import Centre


class Controls:
    """Trigger and calm state of every blended and reserve group of one replication.

    Parameters
    ----------
    centre : Centre
        The centre whose queues the controls watch and whose agents they move.
    """

    def __init__(self, centre: Centre) -> None:
        self.centre = centre
        plan = centre.plan
        self.groups = [int(g) for g in np.flatnonzero(plan.group_kind != GroupKind.INBOUND)]
        self.skills = [
            [int(k) for k in np.flatnonzero(plan.skill_tier[g] >= 0)] for g in range(plan.n_groups)
        ]
        self.calm_since = [math.nan] * plan.n_groups
        # Calls that left a queue (answered or abandoned), in order: (at, call type, good).
        self.exits: list[tuple[float, int, bool]] = []
        self.window_first = [0] * plan.n_groups  # first exit still in the group's window
        self.window_next = [0] * plan.n_groups  # first exit not yet counted
        self.window_calls = [0] * plan.n_groups
        self.window_good = [0] * plan.n_groups

    def queue_exit(self, call_type: int, good: bool) -> None:
        """Note a call leaving its queue now; ``good``: answered within the threshold."""
        self.exits.append((self.centre.env.now, call_type, good))

    def run(self) -> None:
        """Evaluate every controlled group's rules once, in group order."""
        kinds = self.centre.plan.group_kind
        for group in self.groups:
            if kinds[group] == GroupKind.BLENDED:
                self._blended(group)
            else:
                self._reserve(group)

    # -- what the groups see ----------------------------------------------------------------

    def _triggered(self, group: int) -> tuple[bool, int]:
        """Return whether the group's trigger holds, and its queue length."""
        centre, plan = self.centre, self.centre.plan
        now = centre.env.now
        waiting, oldest_wait_s = 0, 0.0
        for k in self.skills[group]:
            queue = centre.queues[k]
            if queue:
                waiting += len(queue)
                oldest_wait_s = max(oldest_wait_s, now - queue[0].arrived_at)
        triggered = (
            waiting >= plan.control_queue_on[group]
            or oldest_wait_s >= plan.control_wait_on_s[group]
            or self._service_level_low(group)
        )
        return triggered, waiting

    def _service_level_low(self, group: int) -> bool:
        """Whether the service level over the group's sliding window is below its threshold."""
        plan = self.centre.plan
        window_s = plan.control_sl_window_s[group]
        if window_s <= 0.0:
            return False
        skill = plan.skill_tier[group]
        exits = self.exits
        while self.window_next[group] < len(exits):
            _, k, good = exits[self.window_next[group]]
            if skill[k] >= 0:
                self.window_calls[group] += 1
                self.window_good[group] += good
            self.window_next[group] += 1
        since = self.centre.env.now - window_s
        while self.window_first[group] < self.window_next[group]:
            at, k, good = exits[self.window_first[group]]
            if at > since:
                break
            if skill[k] >= 0:
                self.window_calls[group] -= 1
                self.window_good[group] -= good
            self.window_first[group] += 1
        calls = self.window_calls[group]
        return calls > 0 and self.window_good[group] < plan.control_sl_below[group] * calls

    def _calm_long_enough(self, group: int, waiting: int) -> bool:
        """Update the calm clock (trigger not holding) and say whether it ran ``calm_s``."""
        plan, now = self.centre.plan, self.centre.env.now
        if waiting > plan.control_queue_off[group]:
            self.calm_since[group] = math.nan
            return False
        if math.isnan(self.calm_since[group]):
            self.calm_since[group] = now
        return now - self.calm_since[group] >= plan.control_calm_s[group]

    # -- blended groups ---------------------------------------------------------------------

    def _blended(self, group: int) -> None:
        centre = self.centre
        triggered, waiting = self._triggered(group)
        if not centre.inbound[group]:
            if triggered:
                self._to_inbound(group)
        elif triggered:
            self.calm_since[group] = math.nan
        elif self._calm_long_enough(group, waiting):
            centre.inbound[group] = False
            self.calm_since[group] = math.nan
            centre.record_control(group, -1, ControlKind.TO_OUTBOUND)
        idle = centre.idle[group]
        while idle and centre.dials(group):
            centre.start_attempt(idle.popleft())

    def _to_inbound(self, group: int) -> None:
        centre, plan = self.centre, self.centre.plan
        centre.inbound[group] = True
        self.calm_since[group] = math.nan
        centre.record_control(group, -1, ControlKind.TO_INBOUND)
        if not plan.control_preempt[group]:
            return  # agents on outbound calls switch when each call ends
        for agent in centre.group_agents[group]:
            if centre.n_dialling[group] <= plan.control_min_outbound[group]:
                break
            if agent.state is State.OUTBOUND:
                centre.cut_attempt(agent)

    # -- reserve groups ---------------------------------------------------------------------

    def _reserve(self, group: int) -> None:
        centre, plan = self.centre, self.centre.plan
        triggered, waiting = self._triggered(group)
        if triggered:
            self.calm_since[group] = math.nan
            if centre.n_active[group] < plan.control_max_active[group]:
                for agent in centre.group_agents[group]:
                    if agent.state is State.OFF_PHONE:
                        centre.activate(agent)
                        break
        elif self._calm_long_enough(group, waiting):
            now, min_stay_s = centre.env.now, plan.control_min_stay_s[group]
            for agent in centre.group_agents[group]:
                if agent.active and now - agent.activated_at >= min_stay_s:
                    centre.deactivate(agent)

"""A SimPy timeout with an explicit rank, so simultaneous events follow the model's order."""

from __future__ import annotations

import simpy
from simpy.events import EventPriority

from sim.engines.base import EventRank


class RankedTimeout(simpy.Event):
    """A timeout processed after earlier-ranked events at the same instant.

    SimPy orders its queue by ``(time, priority, insertion)``; its own events use priorities 0 and
    1, so every ranked event (2 and up) runs after the immediate consequences of the previous one.

    Parameters
    ----------
    env : simpy.Environment
        The environment.
    delay_s : float
        Seconds from now.
    rank : EventRank
        Position among events at the same instant.
    """

    def __init__(self, env: simpy.Environment, delay_s: float, rank: EventRank) -> None:
        super().__init__(env)
        # As simpy.Timeout does: an already-successful event, scheduled with our priority.
        self._ok = True
        self._value = None
        env.schedule(self, EventPriority(int(rank)), delay_s)

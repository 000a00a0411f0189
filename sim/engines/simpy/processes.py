"""The SimPy processes of a contact centre: arrivals, callers and the roster."""

from __future__ import annotations

import math
from collections.abc import Generator

import numpy as np
import simpy

from sim.engines.base import EventRank
from sim.engines.sampling import next_arrival_delay, scale_variate, standard_variate
from sim.engines.simpy.centre import Call, Centre
from sim.engines.simpy.events import RankedTimeout
from sim.rng import ReplicationStreams
from sim.scenario.plan import Plan, RosterKind

Process = Generator[simpy.Event, object, None]


def arrivals(
    env: simpy.Environment, centre: Centre, plan: Plan, call_type: int, streams: ReplicationStreams
) -> Process:
    """Generate the calls of one call type, each with its own talk time and patience."""
    segment = 0
    rates = plan.rate_per_s[call_type]
    handle_dist = (
        int(plan.handle_code[call_type]),
        float(plan.handle_p1[call_type]),
        float(plan.handle_p2[call_type]),
    )
    patience_dist = (
        int(plan.patience_code[call_type]),
        float(plan.patience_p1[call_type]),
        float(plan.patience_p2[call_type]),
    )
    while True:
        unit_exponential = streams.arrivals[call_type].standard_exponential()
        delay_s, segment = next_arrival_delay(
            env.now, segment, unit_exponential, plan.segment_start_at, plan.segment_end_at, rates
        )
        if delay_s == math.inf:
            return
        yield RankedTimeout(env, delay_s, EventRank.ARRIVAL)
        talk_s = _draw(streams.handle[call_type], *handle_dist)
        patience_s = _draw(streams.patience[call_type], *patience_dist)
        call = centre.new_call(call_type, segment, talk_s, patience_s)
        env.process(caller(env, centre, call))


def caller(env: simpy.Environment, centre: Centre, call: Call) -> Process:
    """Wait for an agent (or hang up when patience runs out), talk, and let the agent wrap up."""
    centre.arrive(call)
    if not call.taken.triggered:
        if call.patience_s == math.inf:
            yield call.taken
        else:
            yield call.taken | RankedTimeout(env, call.patience_s, EventRank.ABANDON)
            if not call.taken.triggered:
                centre.abandon(call)
                return
    agent = call.taken.value
    if agent is None:  # dropped at closing
        return
    yield RankedTimeout(env, call.handle_s, EventRank.SERVICE_END)
    centre.finish(agent)


def roster(env: simpy.Environment, centre: Centre, plan: Plan) -> Process:
    """Open and close shifts and days at the planned instants."""
    for at, kind, who in zip(plan.roster_at, plan.roster_kind, plan.roster_who, strict=True):
        yield RankedTimeout(env, float(at) - env.now, EventRank.ROSTER)
        centre.roster_event(RosterKind(int(kind)), int(who))


def _draw(rng: np.random.Generator, code: int, p1: float, p2: float) -> float:
    return scale_variate(code, p1, p2, standard_variate(rng, code, p1))

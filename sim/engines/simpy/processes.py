"""The SimPy processes of a contact centre: arrivals, callers and the roster."""

from __future__ import annotations

import math
from collections.abc import Generator
from functools import partial

import numpy as np
import simpy

from sim.engines.base import EventRank, Origin
from sim.engines.replication import Realisation
from sim.engines.sampling import (
    EMPIRICAL,
    TraceVariates,
    email_segment,
    empirical_value,
    next_arrival_delay,
    scale_variate,
    segment_at,
    standard_variate,
)
from sim.engines.simpy.centre import Call, Centre
from sim.engines.simpy.events import RankedTimeout
from sim.engines.tables import (
    DRAW_HANDLE,
    DRAW_PATIENCE,
    DRAW_REDIAL_DECISION,
    DRAW_REPEAT_DECISION,
)
from sim.rng import Purpose
from sim.scenario.plan import Plan, RosterKind

Process = Generator[simpy.Event, object, None]
Streams = dict[Purpose, tuple[np.random.Generator | TraceVariates, ...]]


class CallFactory:
    """Creates calls: numbers them in order of arrival and takes their per-call draws.

    A call of type ``k`` draws from the streams of index ``k`` when fresh and ``K + k`` when a
    redial or a repeat call, in the order calls of that stream are created.
    """

    def __init__(
        self, env: simpy.Environment, plan: Plan, streams: Streams, centre: Centre
    ) -> None:
        self.env = env
        self.plan = plan
        self.streams = streams
        self.centre = centre
        self.n_calls = 0

    def create(
        self, call_type: int, origin: Origin, segment: int, redials: int = 0, repeats: int = 0
    ) -> Call:
        """Make call number ``n`` of type ``call_type`` arriving now in ``segment``.

        ``redials`` and ``repeats``: its caller's counts, this call included (see :class:`Call`).
        """
        plan, k = self.plan, call_type
        index = k if origin is Origin.FRESH else plan.n_call_types + k
        draws = self.centre.draws[k]

        def draw(purpose: Purpose, code: int, p1: float, p2: float, taken: bool) -> float:
            variate = standard_variate(self.streams[purpose][index], code, p1) if taken else 0.0
            if code == EMPIRICAL:  # talk times only
                return empirical_value(p1, p2, variate, plan.handle_values[k])
            return scale_variate(code, p1, p2, variate)

        def pair(decision: Purpose, delay: Purpose, taken: bool) -> tuple[float, float]:
            if not taken:
                return (math.nan, math.nan)
            return (
                self.streams[decision][index].random(),
                self.streams[delay][index].standard_exponential(),
            )

        talk_s = draw(
            Purpose.HANDLE,
            int(plan.handle_code[k]),
            float(plan.handle_p1[k, segment]),
            float(plan.handle_p2[k, segment]),
            bool(draws[DRAW_HANDLE]),
        )
        patience_s = draw(
            Purpose.PATIENCE,
            int(plan.patience_code[k]),
            float(plan.patience_p1[k, segment]),
            float(plan.patience_p2[k, segment]),
            bool(draws[DRAW_PATIENCE]),
        )
        call = Call(
            call_id=self.n_calls,
            call_type=k,
            segment=segment,
            origin=origin,
            arrived_at=self.env.now,
            talk_s=talk_s,
            patience_s=patience_s,
            redial=pair(
                Purpose.REDIAL_DECISION, Purpose.REDIAL_DELAY, bool(draws[DRAW_REDIAL_DECISION])
            ),
            repeat=pair(
                Purpose.REPEAT_DECISION, Purpose.REPEAT_DELAY, bool(draws[DRAW_REPEAT_DECISION])
            ),
            taken=self.env.event(),
            redials=redials,
            repeats=repeats,
            entered_at=self.env.now,
        )
        self.n_calls += 1
        return call

    def arrive_later_call(self, call_type: int, origin: Origin, redials: int, repeats: int) -> None:
        """Make a redial or repeat call arrive now (lost while the centre is closed).

        ``redials`` and ``repeats``: its caller's counts, this call included (see :class:`Call`).
        """
        segment = segment_at(self.env.now, self.plan.segment_start_at, self.plan.segment_end_at)
        if segment >= 0:
            call = self.create(call_type, origin, int(segment), redials, repeats)
            self.env.process(caller(self.env, self.centre, call))


def fresh_arrivals(
    env: simpy.Environment,
    factory: CallFactory,
    call_type: int,
    realisation: Realisation,
    streams: Streams,
) -> Process:
    """Generate the fresh calls of one call type (Poisson, rate by segment).

    Email items arrive in the email segments (around the clock) and are counted in the
    planning segment of :func:`~sim.engines.sampling.email_segment`.
    """
    plan = factory.plan
    email = bool(plan.is_email[call_type])
    if email:
        start_at, end_at = plan.email_start_at, plan.email_end_at
        rate_per_s = realisation.email_rate_per_s[call_type]
    else:
        start_at, end_at = plan.segment_start_at, plan.segment_end_at
        rate_per_s = realisation.rate_per_s[call_type]
    segment = 0
    while True:
        unit_exponential = streams[Purpose.ARRIVALS][call_type].standard_exponential()
        delay_s, segment = next_arrival_delay(
            env.now, segment, unit_exponential, start_at, end_at, rate_per_s
        )
        if delay_s == math.inf:
            return
        yield RankedTimeout(env, delay_s, EventRank.ARRIVAL)
        arrival_segment = segment
        if email:
            arrival_segment = email_segment(
                env.now, plan.segment_start_at, plan.n_intervals, plan.interval_s
            )
        call = factory.create(call_type, Origin.FRESH, arrival_segment)
        env.process(caller(env, factory.centre, call))


def caller(env: simpy.Environment, centre: Centre, call: Call) -> Process:
    """Wait for an agent (or hang up when patience runs out), talk, and let the agent wrap up.

    A call that finds every line it needs in use is blocked and ends here. One that takes a bot
    port spends its bot time there first, and may end there.
    """
    if not centre.admit(call):
        return
    bot = centre.enter_bot(call)
    if bot is not None:
        bot_s, outcome = bot
        yield RankedTimeout(env, bot_s, EventRank.BOT_END)
        if not centre.leave_bot(call, outcome):
            return
    if not centre.route(call):
        plan = centre.plan
        k = call.call_type
        for group, after_s in zip(plan.routing_group[k], plan.routing_after_s[k], strict=True):
            if group >= 0 and after_s > 0.0:
                due = RankedTimeout(env, float(after_s), EventRank.OVERFLOW)
                due.callbacks.append(partial(_overflow, centre, call, int(group)))
        if call.patience_s == math.inf:
            yield call.taken
        else:
            yield call.taken | RankedTimeout(env, call.patience_s, EventRank.ABANDON)
            if not call.taken.triggered:
                centre.abandon(call)
                return
    if call.taken.value is None:  # dropped at closing
        return
    agent, handle_s = call.taken.value
    yield RankedTimeout(env, handle_s, EventRank.SERVICE_END)
    centre.finish(agent, call)


def _overflow(centre: Centre, call: Call, group: int, _: simpy.Event) -> None:
    centre.overflow(call, group)


def roster(env: simpy.Environment, centre: Centre, plan: Plan, realisation: Realisation) -> Process:
    """Open and close shifts, breaks and days as planned (absent agent-days skipped)."""
    events = zip(
        plan.roster_at, plan.roster_kind, plan.roster_who, plan.roster_length_s, strict=True
    )
    for kept, (at, kind, who, length_s) in zip(realisation.roster_kept, events, strict=True):
        if kept:
            yield RankedTimeout(env, float(at) - env.now, EventRank.ROSTER)
            centre.roster_event(RosterKind(int(kind)), int(who), float(length_s))

"""The readable engine: one SimPy environment per replication."""

from __future__ import annotations

import numpy as np
import simpy

from sim.engines.base import EngineOutput, ProgressCallback, Records, Trace
from sim.engines.replication import draw_realisation
from sim.engines.sampling import TraceVariates
from sim.engines.simpy.centre import BotStreams, Centre, OutboundStreams
from sim.engines.simpy.processes import CallFactory, Streams, fresh_arrivals, roster
from sim.engines.simpy.recorder import Recorder
from sim.rng import CALL_PURPOSES, Purpose, call_streams, stream
from sim.scenario.plan import GroupKind, Plan


def simulate_replication(plan: Plan, seed: int, rep: int, trace: Trace | None = None) -> Records:
    """Run one replication to the end (the last call served or gone) and return its records.

    Parameters
    ----------
    plan : Plan
        What to simulate.
    seed : int
        Run seed; the replication draws from the streams of ``(seed, rep)``.
    rep : int
        Replication number.
    trace : Trace, optional
        Variates that replace the draws of some per-call streams.

    Returns
    -------
    Records
        Calls sorted by call number; shifts, breaks, outbound attempts and spans off the phones
        by agent and start; control actions in the order they happened.
    """
    env = simpy.Environment()
    recorder = Recorder(rep)
    realisation = draw_realisation(plan, seed, rep)
    streams = _call_streams(plan, seed, rep, trace)
    # The centre makes redials and repeat calls arrive through the factory, which needs the centre.
    outbound_streams = {
        int(g): OutboundStreams(
            contact=stream(seed, rep, Purpose.OUTBOUND_CONTACT, int(g)),
            talk=stream(seed, rep, Purpose.OUTBOUND_TALK, int(g)),
        )
        for g in np.flatnonzero(plan.group_kind == GroupKind.BLENDED)
    }
    centre = Centre(
        env,
        plan,
        recorder,
        # the factory is made next: the lambda looks it up when a call comes back
        lambda k, origin, redials, repeats: factory.arrive_later_call(  # noqa: PLW0108
            k, origin, redials, repeats
        ),
        outbound_streams,
        bot_streams=BotStreams(
            time=streams[Purpose.BOT_TIME], outcome=streams[Purpose.BOT_OUTCOME]
        ),
    )
    factory = CallFactory(env, plan, streams, centre)
    env.process(roster(env, centre, plan, realisation))
    for call_type in range(plan.n_call_types):
        env.process(fresh_arrivals(env, factory, call_type, realisation, streams))
    env.run()
    centre.drop_waiting()  # only calls nobody was ever going to serve are left
    centre.carry_backlog()
    return recorder.records()


def _call_streams(plan: Plan, seed: int, rep: int, trace: Trace | None) -> Streams:
    """Return the per-call streams of a replication, those a trace names replaced."""
    streams: Streams = {
        purpose: call_streams(seed, rep, purpose, plan.n_call_types) for purpose in CALL_PURPOSES
    }
    for (purpose, index), values in (trace.variates if trace is not None else {}).items():
        replaced = list(streams[Purpose(purpose)])
        replaced[index] = TraceVariates(values)
        streams[Purpose(purpose)] = tuple(replaced)
    return streams


class SimpyEngine:
    """Replications one after another in SimPy; always returns records."""

    name = "simpy"
    always_records = True

    def run(
        self,
        plan: Plan,
        *,
        seed: int,
        reps: int,
        keep_records: bool = True,
        workers: int | None = None,
        progress: ProgressCallback | None = None,
        first_rep: int = 0,
        trace: Trace | None = None,
    ) -> EngineOutput:
        """Simulate ``reps`` replications (see :class:`sim.engines.base.Engine`).

        ``keep_records`` and ``workers`` are accepted for the common interface; this engine
        always keeps records and runs in one thread.
        """
        parts = []
        for rep in range(first_rep, first_rep + reps):
            parts.append(simulate_replication(plan, seed, rep, trace))
            if progress is not None:
                progress(1)
        return EngineOutput(records=Records.concat(parts), tallies=None)

"""The readable engine: one SimPy environment per replication."""

from __future__ import annotations

import simpy

from sim.engines.base import (
    BreakRecords,
    CallRecords,
    EngineOutput,
    ProgressCallback,
    ShiftRecords,
    concat_records,
)
from sim.engines.replication import draw_realisation
from sim.engines.simpy.centre import Centre
from sim.engines.simpy.processes import CallFactory, fresh_arrivals, roster
from sim.engines.simpy.recorder import Recorder
from sim.rng import CALL_PURPOSES, call_streams
from sim.scenario.plan import Plan


def simulate_replication(
    plan: Plan, seed: int, rep: int
) -> tuple[CallRecords, ShiftRecords, BreakRecords]:
    """Run one replication to the end (the last call served or gone) and return its records.

    Parameters
    ----------
    plan : Plan
        What to simulate.
    seed : int
        Run seed; the replication draws from the streams of ``(seed, rep)``.
    rep : int
        Replication number.

    Returns
    -------
    tuple of (CallRecords, ShiftRecords, BreakRecords)
        Calls sorted by call number; shifts and breaks by agent and start.
    """
    env = simpy.Environment()
    recorder = Recorder(rep)
    realisation = draw_realisation(plan, seed, rep)
    streams = {
        purpose: call_streams(seed, rep, purpose, plan.n_call_types) for purpose in CALL_PURPOSES
    }
    # The centre makes redials and repeat calls arrive through the factory, which needs the centre.
    centre = Centre(env, plan, recorder, lambda k, origin: factory.arrive_later_call(k, origin))  # noqa: PLW0108 (factory is made next)
    factory = CallFactory(env, plan, streams, centre)
    env.process(roster(env, centre, plan, realisation))
    for call_type in range(plan.n_call_types):
        env.process(fresh_arrivals(env, factory, call_type, realisation.rate_per_s, streams))
    env.run()
    centre.drop_waiting()  # only calls nobody was ever going to serve are left
    return recorder.calls(), recorder.shifts(), recorder.breaks()


class SimpyEngine:
    """Replications one after another in SimPy; always returns records."""

    name = "simpy"

    def run(
        self,
        plan: Plan,
        *,
        seed: int,
        reps: int,
        keep_records: bool = True,
        workers: int | None = None,
        progress: ProgressCallback | None = None,
    ) -> EngineOutput:
        """Simulate ``reps`` replications (see :class:`sim.engines.base.Engine`).

        ``keep_records`` and ``workers`` are accepted for the common interface; this engine
        always keeps records and runs in one thread.
        """
        calls, shifts, breaks = [], [], []
        for rep in range(reps):
            rep_calls, rep_shifts, rep_breaks = simulate_replication(plan, seed, rep)
            calls.append(rep_calls)
            shifts.append(rep_shifts)
            breaks.append(rep_breaks)
            if progress is not None:
                progress(1)
        return EngineOutput(
            calls=concat_records(calls, CallRecords),
            shifts=concat_records(shifts, ShiftRecords),
            breaks=concat_records(breaks, BreakRecords),
            tallies=None,
        )

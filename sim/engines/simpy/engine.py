"""The readable engine: one SimPy environment per replication."""

from __future__ import annotations

import simpy

from sim.engines.base import (
    CallRecords,
    EngineOutput,
    ProgressCallback,
    ShiftRecords,
    concat_records,
)
from sim.engines.simpy.centre import Centre
from sim.engines.simpy.processes import arrivals, roster
from sim.engines.simpy.recorder import Recorder
from sim.rng import replication_streams
from sim.scenario.plan import Plan


def simulate_replication(plan: Plan, seed: int, rep: int) -> tuple[CallRecords, ShiftRecords]:
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
    tuple of (CallRecords, ShiftRecords)
        Calls sorted by call number; shifts by agent and start.
    """
    env = simpy.Environment()
    recorder = Recorder(rep)
    centre = Centre(env, plan, recorder)
    streams = replication_streams(seed, rep, plan.n_call_types)
    env.process(roster(env, centre, plan))
    for call_type in range(plan.n_call_types):
        env.process(arrivals(env, centre, plan, call_type, streams))
    env.run()
    return recorder.calls(), recorder.shifts()


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
        calls, shifts = [], []
        for rep in range(reps):
            rep_calls, rep_shifts = simulate_replication(plan, seed, rep)
            calls.append(rep_calls)
            shifts.append(rep_shifts)
            if progress is not None:
                progress(1)
        return EngineOutput(
            calls=concat_records(calls, CallRecords),
            shifts=concat_records(shifts, ShiftRecords),
            tallies=None,
        )

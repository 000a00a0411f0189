"""The fast engine: pack the plan, run the numba kernel per replication, in parallel threads.

Each replication owns its streams and its slice of the output arrays, so the thread count never
changes the numbers. The kernel releases the GIL; thread start-up costs little.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from sim.engines.base import (
    AGENT_SUMS,
    CallRecords,
    EngineOutput,
    ProgressCallback,
    ShiftRecords,
    Tallies,
    concat_records,
)
from sim.engines.fast.kernel import (
    N_CALLS,
    N_SHIFTS,
    STATUS,
    STATUS_DRAWS_EXHAUSTED,
    STATUS_OK,
    STATUS_QUEUE_FULL,
    Output,
    simulate_replication,
)
from sim.engines.fast.pack import FastModel, pack
from sim.engines.sampling import standard_variates, takes_draw
from sim.rng import replication_streams
from sim.scenario.plan import Plan, RosterKind

_EMPTY_F = np.zeros((6, 1))
_EMPTY_I = np.zeros((6, 1), dtype=np.int64)
_EMPTY_SHIFT_F = np.zeros((3, 1))
_EMPTY_SHIFT_I = np.zeros((2, 1), dtype=np.int64)


@dataclass
class _Capacity:
    """Buffer sizes; a replication that overflows one is rerun with it doubled."""

    queue: int
    calls: int
    draws: int

    @classmethod
    def for_plan(cls, plan: Plan) -> _Capacity:
        # Poisson totals rarely exceed mean + 8 sd; overflow only costs a rerun.
        per_type = plan.rate_per_s @ (plan.segment_end_at - plan.segment_start_at)
        biggest = float(per_type.max(initial=0.0))
        total = float(per_type.sum())
        return cls(
            queue=int(biggest + 8 * math.sqrt(biggest) + 64),
            calls=int(total + 8 * math.sqrt(total) + 64),
            draws=int(biggest + 8 * math.sqrt(biggest) + 64),
        )


class FastEngine:
    """Numba kernel, replications spread over threads."""

    name = "fast"

    def run(
        self,
        plan: Plan,
        *,
        seed: int,
        reps: int,
        keep_records: bool = False,
        workers: int | None = None,
        progress: ProgressCallback | None = None,
    ) -> EngineOutput:
        """Simulate ``reps`` replications (see :class:`sim.engines.base.Engine`).

        Tallies are always returned; call and shift records only with ``keep_records``.
        ``workers`` defaults to the number of CPUs.
        """
        model = pack(plan)
        tallies = Tallies.zeros(plan, reps)
        runner = _ReplicationRunner(plan, model, seed, tallies, keep_records)
        records: list[tuple[CallRecords, ShiftRecords] | None] = [None] * reps
        n_workers = max(1, min(workers or os.cpu_count() or 1, reps))
        if reps > 0:
            records[0] = runner.run(0)  # compiles (once per machine) outside the thread pool
            if progress is not None:
                progress(1)
        chunks = _chunks(1, reps, n_workers)
        with ThreadPoolExecutor(max_workers=n_workers) as pool:
            for chunk, results in zip(chunks, pool.map(runner.run_all, chunks), strict=True):
                records[chunk.start : chunk.stop] = results
                if progress is not None:
                    progress(len(chunk))
        if not keep_records:
            return EngineOutput(calls=None, shifts=None, tallies=tallies)
        kept = [r for r in records if r is not None]
        return EngineOutput(
            calls=concat_records([c for c, _ in kept], CallRecords),
            shifts=concat_records([s for _, s in kept], ShiftRecords),
            tallies=tallies,
        )


class _ReplicationRunner:
    """Runs one replication into its slice of the tallies, growing buffers when needed."""

    def __init__(
        self, plan: Plan, model: FastModel, seed: int, tallies: Tallies, keep: bool
    ) -> None:
        self.plan = plan
        self.model = model
        self.seed = seed
        self.tallies = tallies
        self.keep = keep
        self.capacity = _Capacity.for_plan(plan)
        self.n_shift_slots = 2 * int(np.sum(plan.roster_kind == RosterKind.ON)) + 1

    def run_all(self, reps: range) -> list[tuple[CallRecords, ShiftRecords] | None]:
        """Simulate the replications ``reps`` one after another."""
        return [self.run(rep) for rep in reps]

    def run(self, rep: int) -> tuple[CallRecords, ShiftRecords] | None:
        """Simulate replication ``rep``; return its records when kept."""
        capacity = _Capacity(self.capacity.queue, self.capacity.calls, self.capacity.draws)
        while True:
            out = self._output(rep, capacity)
            draws = self._draws(rep, capacity.draws)
            counters = simulate_replication(self.model, draws, out, capacity.queue)
            status = counters[STATUS]
            if status == STATUS_OK:
                break
            if status == STATUS_QUEUE_FULL:
                capacity.queue *= 2
            elif status == STATUS_DRAWS_EXHAUSTED:
                capacity.draws *= 2
            else:
                capacity.calls *= 2
        if not self.keep:
            return None
        return _call_records(rep, out, int(counters[N_CALLS])), _shift_records(
            rep, out, int(counters[N_SHIFTS])
        )

    def _draws(self, rep: int, n: int) -> np.ndarray:
        """Draw the replication's standard variates, ``n`` per call type and purpose."""
        plan = self.plan
        streams = replication_streams(self.seed, rep, plan.n_call_types)
        draws = np.empty((3, plan.n_call_types, n))  # purposes that take no draw stay unread
        for k in range(plan.n_call_types):
            draws[0, k] = streams.arrivals[k].standard_exponential(n)
            for row, rng, code, p1 in (
                (1, streams.handle[k], plan.handle_code[k], plan.handle_p1[k]),
                (2, streams.patience[k], plan.patience_code[k], plan.patience_p1[k]),
            ):
                if takes_draw(int(code)):
                    draws[row, k] = standard_variates(rng, int(code), float(p1), n)
        return draws

    def _output(self, rep: int, capacity: _Capacity) -> Output:
        t = self.tallies
        for array in (t.call_counts[rep], t.call_sums[rep], t.agent_sums[rep]):
            array[...] = 0
        plan = self.plan
        agent_shape = (plan.n_days * plan.n_slots, len(plan.groups), len(AGENT_SUMS))
        keep = self.keep
        segments = plan.n_days * plan.n_intervals
        return Output(
            call_counts=t.call_counts[rep].reshape(segments, plan.n_call_types, -1),
            call_sums=t.call_sums[rep].reshape(segments, plan.n_call_types, -1),
            agent_sums=t.agent_sums[rep].reshape(agent_shape),
            keep=keep,
            rec_f=np.empty((6, capacity.calls)) if keep else _EMPTY_F,
            rec_i=np.empty((6, capacity.calls), dtype=np.int64) if keep else _EMPTY_I,
            shift_f=np.empty((3, self.n_shift_slots)) if keep else _EMPTY_SHIFT_F,
            shift_i=np.empty((2, self.n_shift_slots), dtype=np.int64) if keep else _EMPTY_SHIFT_I,
        )


def _chunks(start: int, stop: int, n_workers: int) -> list[range]:
    """Split replications into contiguous chunks: a few per worker, for balance and progress."""
    size = max(1, min(32, -(-(stop - start) // (4 * n_workers))))
    return [range(a, min(a + size, stop)) for a in range(start, stop, size)]


def _call_records(rep: int, out: Output, n_calls: int) -> CallRecords:
    f, i = out.rec_f[:, :n_calls], out.rec_i[:, :n_calls]
    return CallRecords(
        rep=np.full(n_calls, rep, dtype=np.int32),
        call_id=np.arange(n_calls, dtype=np.int64),
        call_type=i[0].astype(np.int16),
        day=i[1].astype(np.int16),
        interval=i[2].astype(np.int32),
        arrived_at=f[0].copy(),
        answered_at=f[1].copy(),
        left_at=f[2].copy(),
        ended_at=f[3].copy(),
        outcome=i[3].astype(np.int8),
        group=i[4].astype(np.int16),
        agent=i[5].astype(np.int32),
        handle_s=f[4].copy(),
        patience_s=f[5].copy(),
    )


def _shift_records(rep: int, out: Output, n_shifts: int) -> ShiftRecords:
    f, i = out.shift_f[:, :n_shifts], out.shift_i[:, :n_shifts]
    order = np.lexsort((f[0], i[0]))  # by agent, then shift start, as the SimPy engine sorts
    return ShiftRecords(
        rep=np.full(n_shifts, rep, dtype=np.int32),
        agent=i[0][order].astype(np.int32),
        group=i[1][order].astype(np.int16),
        on_at=f[0][order],
        off_at=f[1][order],
        scheduled_off_at=f[2][order],
    )

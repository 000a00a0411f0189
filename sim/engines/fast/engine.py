"""The fast engine: pack the plan, run the numba kernel per replication, in parallel threads.

Each replication owns its streams and its slice of the output arrays, so the thread count never
changes the numbers. The kernel releases the GIL; thread start-up costs little.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from sim.engines.base import (
    AGENT_SUMS,
    BACKLOG_AT,
    CALL_COUNTS,
    CALL_SUMS,
    EMAIL_AGES,
    EMAIL_COUNTS,
    GROUP_CALLS,
    GROUP_COUNTS,
    BreakRecords,
    CallRecords,
    ControlRecords,
    EngineOutput,
    OffPhoneRecords,
    OutboundRecords,
    ProgressCallback,
    Records,
    RecordsT,
    ShiftRecords,
    Tallies,
    Trace,
    column_dtype,
)
from sim.engines.fast.kernel import (
    EXHAUSTED_BLOCK,
    N_BREAKS,
    N_CALLS,
    N_CONTROLS,
    N_OFF_PHONE,
    N_OUTBOUND,
    N_SHIFTS,
    STATUS,
    STATUS_CALLS_FULL,
    STATUS_DRAWS_EXHAUSTED,
    STATUS_HEAP_FULL,
    STATUS_OK,
    STATUS_OUTBOUND_EXHAUSTED,
    STATUS_RECORDS_FULL,
    Output,
    kernel,
)
from sim.engines.fast.pack import FastModel, pack
from sim.engines.replication import RealisationDrawer, realisation_varies
from sim.engines.sampling import fill_standard_variates
from sim.engines.tables import bot_draws, call_draws
from sim.rng import CALL_PURPOSES, Purpose, seed_words, seeded_stream
from sim.scenario.plan import GroupKind, Plan, RosterKind


def _no_records(n_float: int, n_int: int) -> tuple[np.ndarray, np.ndarray]:
    """One-column buffers for records that are not kept (the kernel never writes them)."""
    return np.zeros((n_float, 1)), np.zeros((n_int, 1), dtype=np.int64)


@dataclass
class _Capacity:
    """Buffer sizes; a replication that overflows one is rerun with it doubled.

    ``attempts``: outbound draws per blended group (and outbound records per group);
    ``records``: spans off the phones and control actions; ``draw_scale[purpose, stream]``:
    the factor on a block of per-call draws (see :func:`draw_block_sizes`). The numbers drawn
    never depend on these sizes: a bigger block starts with the same variates.
    """

    calls: int
    attempts: int
    records: int
    draw_scale: np.ndarray

    @classmethod
    def for_plan(cls, plan: Plan) -> _Capacity:
        # Poisson totals rarely exceed mean + 8 sd; busy days, redials and repeat calls add more.
        # Overflow only costs a rerun.
        per_type = plan.rate_per_s @ (plan.segment_end_at - plan.segment_start_at)
        per_type = per_type + plan.email_rate_per_s @ (plan.email_end_at - plan.email_start_at)
        spread = 1.0 + 3.0 * max(plan.day_cv_shared, float(plan.day_cv.max(initial=0.0)))
        secondary = 1.0 + float(plan.redial_probability.max(initial=0.0))
        secondary += float(_unresolved_share(plan).max(initial=0.0))
        total = float(per_type.sum()) * spread * secondary
        return cls(
            calls=int(total + 8 * math.sqrt(total) + 64),
            attempts=_attempts_bound(plan),
            records=4 * len(plan.roster_at) + 256,
            draw_scale=np.ones((len(CALL_PURPOSES), 2 * plan.n_call_types)),
        )

    def copy(self) -> _Capacity:
        """Return an independent copy (its draw scales too)."""
        return replace(self, draw_scale=self.draw_scale.copy())

    def keep_larger(self, other: _Capacity) -> None:
        """Take every size of ``other`` that is larger: later replications start from them."""
        self.calls = max(self.calls, other.calls)
        self.attempts = max(self.attempts, other.attempts)
        self.records = max(self.records, other.records)
        np.maximum(self.draw_scale, other.draw_scale, out=self.draw_scale)

    def grow(self, status: int, exhausted_block: int) -> None:
        """Double the buffer that ran out (``status`` and the block from the kernel)."""
        if status == STATUS_DRAWS_EXHAUSTED:
            self.draw_scale.flat[exhausted_block] *= 2.0
        elif status in (STATUS_CALLS_FULL, STATUS_HEAP_FULL):
            self.calls *= 2
        elif status == STATUS_OUTBOUND_EXHAUSTED:
            self.attempts *= 2
        elif status == STATUS_RECORDS_FULL:
            self.records *= 2
            self.attempts *= 2


def _attempts_bound(plan: Plan) -> int:
    """Outbound attempts a blended group may make: all its agents dialling all opening hours.

    Each attempt lasts at least its dial time and, on average, the wrap-up of its contacts (talk
    time only adds). Returns 1 when no group dials; a replication that needs more is rerun.
    """
    blended = np.flatnonzero(plan.group_kind == GroupKind.BLENDED)
    if blended.size == 0:
        return 1
    open_s = float(np.sum(plan.segment_end_at - plan.segment_start_at))
    sizes = np.bincount(plan.agent_group, minlength=plan.n_groups)[blended]
    shortest_mean_s = (
        plan.outbound_attempt_s[blended]
        + plan.outbound_contact_probability[blended] * plan.outbound_wrap_s[blended]
    )
    most = float(np.max(sizes * open_s / shortest_mean_s))
    return int(most + 8 * math.sqrt(most)) + 64


class FastEngine:
    """Numba kernel, replications spread over threads."""

    name = "fast"
    always_records = False

    def run(
        self,
        plan: Plan,
        *,
        seed: int,
        reps: int,
        keep_records: bool = False,
        workers: int | None = None,
        progress: ProgressCallback | None = None,
        first_rep: int = 0,
        trace: Trace | None = None,
    ) -> EngineOutput:
        """Simulate ``reps`` replications (see :class:`sim.engines.base.Engine`).

        Tallies are always returned; call and shift records only with ``keep_records``.
        ``workers`` defaults to the number of CPUs.
        """
        model = pack(plan)
        tallies = Tallies.zeros(plan, reps)
        runner = _ReplicationRunner(plan, model, seed, tallies, keep_records, first_rep, trace)
        records: list[Records | None] = [None] * reps
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
            return EngineOutput(records=None, tallies=tallies)
        return EngineOutput(
            records=Records.concat([r for r in records if r is not None]), tallies=tallies
        )


class _ReplicationRunner:
    """Runs one replication into its slice of the tallies, growing buffers when needed.

    Slot ``i`` of the tallies holds replication ``first_rep + i``; the tallies start at zero.
    What does not depend on the replication is worked out once, here: the streams drawn and how,
    the buffer shapes, and for a plan without busyness or absenteeism the realisation and the
    draws it expects. Each thread reuses its buffers from one replication to the next.
    """

    def __init__(
        self,
        plan: Plan,
        model: FastModel,
        seed: int,
        tallies: Tallies,
        keep: bool,
        first_rep: int,
        trace: Trace | None,
    ) -> None:
        self.plan = plan
        self.model = model
        self.seed = seed
        self.tallies = tallies
        self.keep = keep
        self.first_rep = first_rep
        self.traced = trace.variates if trace is not None else {}
        self.capacity = _Capacity.for_plan(plan)
        self.n_shift_slots = 2 * int(np.sum(plan.roster_kind == RosterKind.ON)) + 1
        self.n_break_slots = int(np.sum(plan.roster_kind == RosterKind.BREAK)) + 1
        self.draws_taken = _draws_taken(plan)
        for purpose, index in self.traced:
            self.draws_taken[CALL_PURPOSES.index(Purpose(purpose)), index] = True
        self.blocks = _draw_blocks(plan, self.draws_taken)
        self.blended = _blended_talk(plan)
        self.realisation = RealisationDrawer(plan)
        # where each stream of the realisation sits among a slot's seeds (after the others)
        first = len(self.blocks) + 2 * len(self.blended)
        self.realisation_seed = {key: first + i for i, key in enumerate(self.realisation.streams())}
        self.stream_seeds = self._stream_seeds(tallies.reps)
        self.secondary_share = _SecondaryShare(_secondary_share(plan))
        self.fixed = None if realisation_varies(plan) else self._realisation(first_rep)
        self.tally_shapes = _tally_shapes(plan)
        bot_rows = int(plan.has_bot)  # the instant of entering the centre, and the bot path
        self.record_rows = {
            "rec": (6 + bot_rows, 10 + bot_rows),
            "shift": (3, 2),
            "break": (2, 2),
            "outbound": (3, 3),
            "off_phone": (2, 2),
            "control": (1, 3),
        }
        # A plan with any feature beyond plain inbound (controls, lines, hold_count, a bot,
        # chats, email) always runs the kernel that writes records (kept or not): each feature
        # set then has one kernel to compile, not two, and a copy without records would
        # compile almost as long again for little speed.
        features = (plan.has_controls, plan.has_lines, plan.has_hold, plan.has_bot)
        self.writes_records = keep or any((*features, plan.has_chat, plan.has_email))
        self.no_records = {name: _no_records(*rows) for name, rows in self.record_rows.items()}
        self.no_outbound = np.zeros((2, 1, 1))  # read only by blended groups
        self.scratch = _Scratch()
        self.kernel = kernel(
            plan.has_controls,
            self.writes_records,
            plan.has_lines,
            plan.has_hold,
            plan.has_bot,
            plan.has_chat,
            plan.has_email,
        )

    def run_all(self, slots: range) -> list[Records | None]:
        """Simulate the replications of tally slots ``slots`` one after another."""
        return [self.run(slot) for slot in slots]

    def run(self, slot: int) -> Records | None:
        """Simulate the replication of tally slot ``slot``; return its records when kept."""
        rep = self.first_rep + slot
        rate_per_s, roster_kept, fresh_calls = self.fixed or self._realisation(rep)
        n_blocks, n_outbound = len(self.blocks), 2 * len(self.blended)
        call_seeds = self.stream_seeds[slot, :n_blocks]
        outbound_seeds = self.stream_seeds[slot, n_blocks : n_blocks + n_outbound]
        capacity = self.capacity.copy()
        tries = 0
        while True:
            out = self._output(slot, capacity, rerun=tries > 0)
            sizes = self.block_sizes(fresh_calls, capacity)
            draws, draw_span = self._draws(call_seeds, sizes)
            counters = self.kernel(
                self.model,
                rate_per_s,
                roster_kept,
                draws,
                draw_span,
                self._outbound_draws(outbound_seeds, capacity.attempts),
                out,
                capacity.calls,
            )
            status = int(counters[STATUS])
            if status == STATUS_OK:
                # the kernel moved each block's start past the draws it took
                used = sizes - (draw_span[:, :, 1] - draw_span[:, :, 0])
                self.secondary_share.learn(used, fresh_calls)
                break
            capacity.grow(status, int(counters[EXHAUSTED_BLOCK]))
            tries += 1
        if tries:
            self.capacity.keep_larger(capacity)  # a race between threads only changes sizes
        if not self.keep:
            return None
        return Records(
            calls=_call_records(rep, out, int(counters[N_CALLS]), self.plan.has_bot),
            shifts=_shift_records(rep, out, int(counters[N_SHIFTS])),
            breaks=_break_records(rep, out, int(counters[N_BREAKS])),
            outbound=_outbound_records(rep, out, int(counters[N_OUTBOUND])),
            off_phone=_off_phone_records(rep, out, int(counters[N_OFF_PHONE])),
            controls=_control_records(rep, out, int(counters[N_CONTROLS])),
        )

    def block_sizes(self, fresh_calls: np.ndarray, capacity: _Capacity) -> np.ndarray:
        """Return the sizes of a try's per-call blocks: ``int64[len(CALL_PURPOSES), 2K]``.

        From the replication's expected fresh calls of each type, the secondary share known so
        far and the capacity's scales; 0 for a block not drawn.
        """
        expected = _block_expectations(fresh_calls, self.secondary_share.now())
        return _scaled_block_sizes(expected, capacity.draw_scale) * self.draws_taken

    def _realisation(self, rep: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Draw replication ``rep``'s realisation for the kernel.

        Returns its arrival rates (the email segments after the planning segments, per
        second), the roster events kept, and the expected fresh calls of each call type
        (:func:`_fresh_calls`).
        """
        seeds, where = self.stream_seeds[rep - self.first_rep], self.realisation_seed
        realisation = self.realisation.draw(
            lambda purpose, index: seeded_stream(seeds[where[(purpose, index)]])
        )
        rate_per_s = realisation.rate_per_s
        if self.plan.has_email:  # the email segments follow the planning segments
            rate_per_s = np.hstack([rate_per_s, realisation.email_rate_per_s])
        return rate_per_s, realisation.roster_kept, _fresh_calls(self.plan, rate_per_s)

    def _stream_seeds(self, reps: int) -> np.ndarray:
        """Return the seeds of the streams of tally slots ``0..reps - 1``: ``uint64[reps, n, 4]``.

        Per slot, the per-call streams of :attr:`blocks` in order, then each blended group's
        contact and talk streams, then the streams of the realisation (busyness, absences); all
        computed at once (:func:`sim.rng.seed_words`).
        """
        keys = [(int(block.purpose), block.stream_index) for block in self.blocks]
        for group, _, _ in self.blended:
            keys += [(int(Purpose.OUTBOUND_CONTACT), group), (int(Purpose.OUTBOUND_TALK), group)]
        keys += [(int(purpose), index) for purpose, index in self.realisation_seed]
        stream_keys = np.empty((reps, len(keys), 3), dtype=np.int64)
        stream_keys[:, :, 0] = self.first_rep + np.arange(reps)[:, None]
        stream_keys[:, :, 1:] = keys
        return seed_words(self.seed, stream_keys.reshape(-1, 3)).reshape(reps, len(keys), 4)

    def _draws(self, seeds: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Draw each per-call stream's block of ``sizes[purpose, stream]`` standard variates.

        ``seeds[i]`` seeds the stream of block ``i`` (:meth:`_stream_seeds`).

        Returns the blocks laid end to end (in this thread's reused buffer) and
        ``span[purpose, stream] = (start, stop)``. A traced stream starts with its traced
        values (and has room for one more draw).
        """
        for (purpose, index), values in self.traced.items():
            row = CALL_PURPOSES.index(Purpose(purpose))
            sizes[row, index] = max(sizes[row, index], len(values) + 1)
        stop = np.cumsum(sizes).reshape(sizes.shape)
        span = np.stack([stop - sizes, stop], axis=-1)
        draws = self.scratch.take("draws", (int(stop[-1, -1]),), np.float64)
        bounds = span.tolist()
        for block, words in zip(self.blocks, seeds, strict=True):
            start, end = bounds[block.row][block.stream_index]
            block.fill(seeded_stream(words), draws[start:end])
            traced = self.traced.get((int(block.purpose), block.stream_index))
            if traced is not None:
                draws[start : start + len(traced)] = traced
        return draws, span

    def _outbound_draws(self, seeds: np.ndarray, n: int) -> np.ndarray:
        """Draw ``n`` contact uniforms and talk variates for every blended group.

        ``seeds[2 * i]`` and ``seeds[2 * i + 1]`` seed blended group ``i``'s contact and talk
        streams (:meth:`_stream_seeds`).
        """
        if not self.blended:
            return self.no_outbound
        draws = self.scratch.take("outbound", (2, len(self.blended), n), np.float64)
        for row, (_, code, p1) in enumerate(self.blended):
            seeded_stream(seeds[2 * row]).random(out=draws[0, row])
            fill_standard_variates(seeded_stream(seeds[2 * row + 1]), code, p1, draws[1, row])
        return draws

    def _buffers(self, name: str, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the float and int rows of records ``name`` for ``n`` records."""
        if not self.writes_records:
            return self.no_records[name]
        n_float, n_int = self.record_rows[name]
        return (
            self.scratch.take(f"{name}_f", (n_float, n), np.float64),
            self.scratch.take(f"{name}_i", (n_int, n), np.int64),
        )

    def _output(self, slot: int, capacity: _Capacity, *, rerun: bool) -> Output:
        """Return the kernel's outputs: tally slot ``slot`` (zeroed for a rerun) and buffers."""
        arrays = {
            name: getattr(self.tallies, name)[slot].reshape(shape)
            for name, shape in self.tally_shapes.items()
        }
        if rerun:
            for array in arrays.values():
                array[...] = 0
        lengths = {
            "rec": capacity.calls,
            "shift": self.n_shift_slots,
            "break": self.n_break_slots,
            "outbound": max(1, len(self.blended) * capacity.attempts),
            "off_phone": capacity.records,
            "control": capacity.records,
        }
        for name, n in lengths.items():
            arrays[f"{name}_f"], arrays[f"{name}_i"] = self._buffers(name, n)
        return Output(**arrays)


class _Scratch(threading.local):
    """Arrays one thread reuses from one replication to the next.

    A fresh large array is fresh memory, and the system's first touch of each of its pages
    costs time (on the multi-skill week, about 700 pages of draws per replication).
    """

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def take(self, name: str, shape: tuple[int, ...], dtype: type[np.generic]) -> np.ndarray:
        """Return an uninitialised C-contiguous array of ``shape``: the memory of ``name``."""
        size = math.prod(shape)
        flat = self.arrays.get(name)
        if flat is None or flat.size < size:
            flat = self.arrays[name] = np.empty(size, dtype=dtype)
        return flat[:size].reshape(shape)


class _Block(NamedTuple):
    """A per-call stream drawn in every replication: its block, and how it is filled."""

    row: int  # the purpose's index in CALL_PURPOSES
    stream_index: int  # k fresh, K + k secondary
    purpose: Purpose
    fill: Callable[[np.random.Generator, np.ndarray], object]


def _draw_blocks(plan: Plan, taken: np.ndarray) -> list[_Block]:
    """Return the blocks of the streams ``taken`` (``bool[len(CALL_PURPOSES), 2K]``), in order."""
    blocks = []
    for row, index in zip(*np.nonzero(taken), strict=True):
        purpose = CALL_PURPOSES[row]
        k = int(index) % plan.n_call_types
        blocks.append(_Block(int(row), int(index), purpose, _variate_filler(plan, purpose, k)))
    return blocks


def _variate_filler(
    plan: Plan, purpose: Purpose, k: int
) -> Callable[[np.random.Generator, np.ndarray], object]:
    """Return what fills a block with the standard variates of call type ``k``'s ``purpose``."""
    if purpose in (Purpose.REDIAL_DECISION, Purpose.REPEAT_DECISION, Purpose.BOT_OUTCOME):
        return lambda rng, out: rng.random(out=out)
    if purpose == Purpose.HANDLE:
        code, p1 = int(plan.handle_code[k]), float(plan.handle_p1[k, 0])
    elif purpose == Purpose.PATIENCE:
        code, p1 = int(plan.patience_code[k]), float(plan.patience_p1[k, 0])
    elif purpose == Purpose.BOT_TIME:
        code, p1 = int(plan.bot_time_code[k]), float(plan.bot_time_p1[k])
    else:  # arrivals and delays
        return lambda rng, out: rng.standard_exponential(out=out)
    return lambda rng, out: fill_standard_variates(rng, code, p1, out)


def _blended_talk(plan: Plan) -> list[tuple[int, int, float]]:
    """Return each blended group with its talk time's distribution code and first parameter."""
    blended = np.flatnonzero(plan.group_kind == GroupKind.BLENDED)
    return [
        (int(g), int(plan.outbound_talk_code[g]), float(plan.outbound_talk_p1[g])) for g in blended
    ]


def _tally_shapes(plan: Plan) -> dict[str, tuple[int, ...]]:
    """Return the shape of one replication of each tally array in the kernel's layout."""
    segments, slots = plan.n_days * plan.n_intervals, plan.n_days * plan.n_slots
    k, g = plan.n_call_types, plan.n_groups
    email = (plan.n_days, k)
    return {
        "call_counts": (segments, k, len(CALL_COUNTS)),
        "call_sums": (segments, k, len(CALL_SUMS)),
        "agent_sums": (slots, g, len(AGENT_SUMS)),
        "group_calls": (segments, g, k, len(GROUP_CALLS)),
        "group_counts": (slots, g, len(GROUP_COUNTS)),
        "email_counts": (*email, len(EMAIL_COUNTS)),
        "email_ages": (*email, len(EMAIL_AGES)),
        "backlog": (*email, len(BACKLOG_AT)),
    }


def draw_block_sizes(
    plan: Plan,
    rate_per_s: np.ndarray,
    secondary_share: np.ndarray,
    scale: np.ndarray,
) -> np.ndarray:
    """Return ``int64[len(CALL_PURPOSES), 2K]``: variates per per-call stream in a replication.

    ``rate_per_s`` covers the planning segments, then (with email) the email segments.
    A fresh stream of call type ``k`` (arrival gaps, handle times, patience, decisions) takes
    one variate per fresh call, plus one arrival gap that finds no further arrival; its size is
    the expected fresh calls of this replication (busyness applied, ``rate_per_s``) plus eight
    Poisson standard deviations plus 64. A secondary stream (redials and repeat calls) is sized
    the same way from ``secondary_share`` of the fresh calls. ``scale`` multiplies a block
    that ran out in an earlier try; running out only costs a rerun with the same numbers.
    """
    expected = _block_expectations(_fresh_calls(plan, rate_per_s), secondary_share)
    return _scaled_block_sizes(expected, scale)


def _fresh_calls(plan: Plan, rate_per_s: np.ndarray) -> np.ndarray:
    """Return ``float64[K]``: the expected fresh calls of each type under ``rate_per_s``."""
    durations_s = plan.segment_end_at - plan.segment_start_at
    if plan.has_email:
        durations_s = np.concatenate([durations_s, plan.email_end_at - plan.email_start_at])
    return rate_per_s @ durations_s


def _block_expectations(fresh_calls: np.ndarray, secondary_share: np.ndarray) -> np.ndarray:
    """Return ``float64[2K]``: the unscaled block size of each stream (:func:`draw_block_sizes`)."""
    expected = np.concatenate([fresh_calls, fresh_calls * secondary_share])
    return expected + 8.0 * np.sqrt(expected) + 64.0


def _scaled_block_sizes(per_stream: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Return the block sizes ``ceil(per_stream * scale)``, ``int64[len(CALL_PURPOSES), 2K]``."""
    return np.ceil(per_stream[None, :] * scale).astype(np.int64)


def _secondary_share(plan: Plan) -> np.ndarray:
    """Return ``float64[K]``: a first guess of redials and repeat calls per fresh call.

    A quarter of the redial probability (a redial follows an abandonment only) plus the
    largest share of answered calls that repeat (:func:`_unresolved_share`). A guess too
    small only grows its block.
    """
    return 0.25 * plan.redial_probability + _unresolved_share(plan)


class _SecondaryShare:
    """Redials and repeat calls per fresh call, of each type, to size the secondary blocks.

    A first guess from the plan (:func:`_secondary_share`, made to be large) until a
    replication has run; then the largest share the replications run so far used, but at
    least a quarter of the guess (a day that happened to have no redials says little about
    the next). The engine runs the first replication alone, so every other one is sized from
    what it used. Sizes never change the numbers drawn; a block too small costs a rerun of
    the replication, as much time as some hundred replications' surplus draws.
    """

    def __init__(self, guess: np.ndarray) -> None:
        self.guess = guess
        self.seen: np.ndarray | None = None
        self.lock = threading.Lock()

    def now(self) -> np.ndarray:
        """Return the share to size the next replication's blocks with, ``float64[K]``."""
        seen = self.seen
        return self.guess if seen is None else np.maximum(seen, self.guess / 4.0)

    def learn(self, used: np.ndarray, fresh_calls: np.ndarray) -> None:
        """Take in a replication's draws per block (``used``) and its expected fresh calls.

        Each secondary call takes one draw from each of its type's secondary blocks that are
        drawn, so the largest of them counts that type's secondary calls.
        """
        k = fresh_calls.shape[0]
        secondary = used[:, k:].max(axis=0)
        share = np.divide(secondary, fresh_calls, out=np.zeros(k), where=fresh_calls > 0.0)
        with self.lock:
            self.seen = share if self.seen is None else np.maximum(self.seen, share)


def _unresolved_share(plan: Plan) -> np.ndarray:
    """Return ``float64[K]``: one minus the lowest first-contact resolution serving each type."""
    return 1.0 - np.nan_to_num(plan.tier_fcr, nan=1.0).min(axis=0, initial=1.0)


def _draws_taken(plan: Plan) -> np.ndarray:
    """Which (purpose, stream) blocks calls will draw from: bool[len(CALL_PURPOSES), 2K].

    Redials and repeat calls go through the bot as fresh calls do, so a type's secondary
    stream draws for its bot too when it has secondary calls.
    """
    # [K, 8]: handle, patience, redial pair, repeat pair, bot time, bot outcome
    per_call = np.concatenate([call_draws(plan), bot_draws(plan)], axis=1)
    secondary = per_call[:, 2] | per_call[:, 4]
    fresh = np.concatenate([np.ones((plan.n_call_types, 1), dtype=bool), per_call], axis=1)
    later = np.concatenate(
        [np.zeros((plan.n_call_types, 1), dtype=bool), per_call & secondary[:, None]], axis=1
    )
    return np.concatenate([fresh, later], axis=0).T


def _chunks(start: int, stop: int, n_workers: int) -> list[range]:
    """Split replications into contiguous chunks: a few per worker, for balance and progress."""
    size = max(1, min(32, -(-(stop - start) // (4 * n_workers))))
    return [range(a, min(a + size, stop)) for a in range(start, stop, size)]


def _call_records(rep: int, out: Output, n_calls: int, bot: bool) -> CallRecords:
    """Build the call records; without a bot, entering the centre is arriving in the queue."""
    f, i = out.rec_f[:, :n_calls], out.rec_i[:, :n_calls]
    return CallRecords(
        rep=np.full(n_calls, rep, dtype=np.int32),
        call_id=np.arange(n_calls, dtype=np.int64),
        call_type=i[0].astype(np.int16),
        day=i[1].astype(np.int16),
        interval=i[2].astype(np.int32),
        origin=i[3].astype(np.int8),
        arrived_at=f[0].copy(),
        answered_at=f[1].copy(),
        left_at=f[2].copy(),
        ended_at=f[3].copy(),
        outcome=i[4].astype(np.int8),
        group=i[5].astype(np.int16),
        agent=i[6].astype(np.int32),
        tier=i[7].astype(np.int16),
        handle_s=f[4].copy(),
        patience_s=f[5].copy(),
        redial_given_up=i[8].astype(np.int8),
        repeat_given_up=i[9].astype(np.int8),
        entered_at=f[6].copy() if bot else f[0].copy(),
        bot_path=i[10].astype(np.int8) if bot else np.zeros(n_calls, dtype=np.int8),
    )


def _by_agent(
    kind: type[RecordsT],
    rep: int,
    rows: tuple[np.ndarray, np.ndarray],
    ints: tuple[str, ...],
    floats: tuple[str, ...],
) -> RecordsT:
    """Build records of ``kind`` from the kernel's float and int rows.

    ``floats`` and ``ints`` name the rows; records are sorted by agent, then by the first float
    column (a start), as the SimPy engine sorts them.
    """
    f, i = rows
    order = np.lexsort((f[0], i[ints.index("agent")]))
    columns = {name: i[r][order].astype(column_dtype(kind, name)) for r, name in enumerate(ints)}
    columns |= {name: f[r][order] for r, name in enumerate(floats)}
    return kind(rep=np.full(len(order), rep, dtype=np.int32), **columns)


def _shift_records(rep: int, out: Output, n: int) -> ShiftRecords:
    rows = (out.shift_f[:, :n], out.shift_i[:, :n])
    return _by_agent(
        ShiftRecords, rep, rows, ("agent", "group"), ("on_at", "off_at", "scheduled_off_at")
    )


def _break_records(rep: int, out: Output, n: int) -> BreakRecords:
    rows = (out.break_f[:, :n], out.break_i[:, :n])
    return _by_agent(BreakRecords, rep, rows, ("agent", "group"), ("start_at", "end_at"))


def _outbound_records(rep: int, out: Output, n: int) -> OutboundRecords:
    rows = (out.outbound_f[:, :n], out.outbound_i[:, :n])
    return _by_agent(
        OutboundRecords,
        rep,
        rows,
        ("group", "agent", "outcome"),
        ("start_at", "end_at", "talk_s"),
    )


def _off_phone_records(rep: int, out: Output, n: int) -> OffPhoneRecords:
    rows = (out.off_phone_f[:, :n], out.off_phone_i[:, :n])
    return _by_agent(OffPhoneRecords, rep, rows, ("agent", "group"), ("start_at", "end_at"))


def _control_records(rep: int, out: Output, n: int) -> ControlRecords:
    f, i = out.control_f[:, :n], out.control_i[:, :n]
    return ControlRecords(
        rep=np.full(n, rep, dtype=np.int32),
        group=i[0].astype(np.int16),
        agent=i[1].astype(np.int32),
        at=f[0].copy(),
        kind=i[2].astype(np.int8),
    )

"""Run a scenario: plan it, simulate it with an engine, and tally the result."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sim.engines import get_engine
from sim.engines.base import (
    BreakRecords,
    CallRecords,
    ControlRecords,
    OffPhoneRecords,
    OutboundRecords,
    ProgressCallback,
    Records,
    ShiftRecords,
    Tallies,
    Trace,
)
from sim.errors import UsageError
from sim.scenario import Plan, Scenario, build_plan
from sim.scenario.limits import MAX_KEPT_CALLS, MAX_REPS, MAX_TALLY_BYTES, MAX_WORKERS

StatusCallback = Callable[[str], None]
"""Told, in a few words, each step of a long computation (a status line for a terminal)."""


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """What a run produced.

    Attributes
    ----------
    plan : Plan
        The plan simulated.
    engine : str
        Engine name.
    seed, reps : int
        Run seed and number of replications.
    tallies : Tallies
        Sufficient statistics of every replication (input of every KPI).
    records : Records or None
        Records, when kept (also as the properties ``calls``, ``shifts``, ...).
    """

    plan: Plan
    engine: str
    seed: int
    reps: int
    tallies: Tallies
    records: Records | None

    @property
    def calls(self) -> CallRecords | None:
        """Call records, when kept."""
        return self.records.calls if self.records is not None else None

    @property
    def shifts(self) -> ShiftRecords | None:
        """Shift records, when kept."""
        return self.records.shifts if self.records is not None else None

    @property
    def breaks(self) -> BreakRecords | None:
        """Break records, when kept."""
        return self.records.breaks if self.records is not None else None

    @property
    def outbound(self) -> OutboundRecords | None:
        """Outbound attempt records, when kept."""
        return self.records.outbound if self.records is not None else None

    @property
    def off_phone(self) -> OffPhoneRecords | None:
        """Records of reserves' time off the phones, when kept."""
        return self.records.off_phone if self.records is not None else None

    @property
    def controls(self) -> ControlRecords | None:
        """Control action records, when kept."""
        return self.records.controls if self.records is not None else None


def check_kept_size(
    plans: Sequence[Plan],
    reps: int,
    *,
    records: bool = False,
    what: str = "replications of this scenario",
) -> None:
    """Refuse runs whose kept results would pass the limits on replications and memory.

    Parameters
    ----------
    plans : sequence of Plan
        What is simulated, each for ``reps`` replications, all kept together (one run, or the
        scenarios of a comparison).
    reps : int
        Replications of each.
    records : bool
        Whether call records are kept too.
    what : str
        Names the replications in the message.

    Raises
    ------
    UsageError
        Beyond :data:`~sim.scenario.limits.MAX_REPS` replications, tallies of more than
        :data:`~sim.scenario.limits.MAX_TALLY_BYTES`, or records of more than
        :data:`~sim.scenario.limits.MAX_KEPT_CALLS` expected calls; the message says how many
        replications fit.
    """
    check_tally_bytes(sum(Tallies.bytes_per_rep(plan) for plan in plans), reps, what)
    per_rep_calls = sum(plan.expected_calls() for plan in plans)
    if records and reps * per_rep_calls > MAX_KEPT_CALLS:
        fit = int(MAX_KEPT_CALLS // max(per_rep_calls, 1.0))
        raise UsageError(
            f"{reps:,} {what} keep the records of about {reps * per_rep_calls:,.0f} calls, "
            f"more than the limit of {MAX_KEPT_CALLS:,}: at most {fit:,} (got {reps:,})"
        )


def check_tally_bytes(per_rep_bytes: int, reps: int, what: str) -> None:
    """Refuse too many replications, or tallies (``per_rep_bytes`` each) past the limit.

    The limits: :data:`~sim.scenario.limits.MAX_REPS` and
    :data:`~sim.scenario.limits.MAX_TALLY_BYTES`. ``what`` names the replications in the
    message ("replications of every point").
    """
    if reps > MAX_REPS:
        raise UsageError(f"at most {MAX_REPS:,} replications may run together (got {reps:,})")
    if reps * per_rep_bytes > MAX_TALLY_BYTES:
        raise UsageError(
            f"{reps:,} {what} keep {reps * per_rep_bytes / 2**30:,.1f} GiB of tallies "
            f"({per_rep_bytes / 2**10:,.1f} KiB each), more than the limit of "
            f"{MAX_TALLY_BYTES / 2**30:.0f} GiB: at most {MAX_TALLY_BYTES // per_rep_bytes:,} "
            f"(got {reps:,})"
        )


def simulate(
    scenario: Scenario | Plan,
    *,
    reps: int = 100,
    seed: int = 1,
    engine: str = "fast",
    keep_records: bool = False,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    first_rep: int = 0,
    trace: Trace | None = None,
) -> SimulationResult:
    """Simulate ``reps`` replications of a scenario.

    Parameters
    ----------
    scenario : Scenario or Plan
        What to simulate.
    reps : int
        Replications (at least 1).
    seed : int
        Run seed (>= 0); replication ``r`` depends on ``(seed, r)`` only.
    engine : {"fast", "simpy"}
        Engine; both give the same call records on the same seed.
    keep_records : bool
        Keep call and shift records (the SimPy engine always makes them).
    workers : int, optional
        Threads of the fast engine; never changes the numbers.
    progress : callable, optional
        Called with the number of replications just finished.
    first_rep : int
        Number of the first replication (>= 0): replications ``first_rep .. first_rep + reps - 1``
        run, so a run can be extended in batches with the same numbers as one long run.
    trace : Trace, optional
        Variates that replace the draws of some per-call streams: recorded arrivals and handle
        times for a trace-driven run (see :mod:`sim.engines.sampling`).

    Returns
    -------
    SimulationResult
        Tallies, and records when kept.
    """
    if reps < 1:
        raise UsageError(f"reps must be at least 1 (got {reps})")
    if seed < 0:
        raise UsageError(f"seed must be >= 0 (got {seed})")
    if first_rep < 0:
        raise UsageError(f"first_rep must be >= 0 (got {first_rep})")
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        raise UsageError(f"workers must be 1 to {MAX_WORKERS:,} (got {workers})")
    plan = scenario if isinstance(scenario, Plan) else build_plan(scenario)
    chosen = get_engine(engine)
    check_kept_size([plan], reps, records=keep_records or chosen.always_records)
    output = chosen.run(
        plan,
        seed=seed,
        reps=reps,
        keep_records=keep_records,
        workers=workers,
        progress=progress,
        first_rep=first_rep,
        trace=trace,
    )
    tallies = output.tallies
    if tallies is None:
        assert output.records is not None
        # Imported here: sim.results loads pandas and scipy, which simulating does not need.
        from sim.results.tallies import tally_records  # noqa: PLC0415

        tallies = tally_records(output.records, plan, reps, first_rep)
    return SimulationResult(
        plan=plan,
        engine=engine,
        seed=seed,
        reps=reps,
        tallies=tallies,
        records=output.records if keep_records else None,
    )


def warm_up(workers: int, report: Callable[[str, float], None] | None = None) -> str:
    """Compile the fast engine's kernels ahead of the first run; return numba's cache folder.

    See :func:`sim.engines.fast.warmup.warm_up`: ``workers`` kernels compile at once, each in a
    child process, and ``report`` is called with each kernel's name and seconds.
    """
    from sim.engines.fast.warmup import warm_up as compile_kernels  # noqa: PLC0415 (numba)

    return compile_kernels(workers, report)

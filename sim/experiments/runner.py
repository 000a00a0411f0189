"""Run an experiment: each design point's replications, resumable, locally or on a dask cluster.

Replication ``r`` of every point draws from the streams of ``(seed, r)``, and arrivals, handle
times and patience are keyed by call type, never by staffing: every point sees the same calls
(common random numbers), and a point's replications can be run in any batches, in any order, on
any machine, with the same numbers. A point is run in batches of consecutive replications; after
each batch its file is rewritten whole (:mod:`sim.experiments.store`), so an interruption loses
at most the batches in flight. With precision targets, batches are added until the 95%
confidence half-width of each target KPI is small enough, or ``max_replications`` is reached.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim import __version__
from sim.engines.base import Tallies
from sim.errors import UsageError
from sim.experiments.compare import centre_totals
from sim.experiments.design import DesignPoint, Experiment
from sim.experiments.store import ResultStore
from sim.results.summary import mean_ci
from sim.scenario import Plan
from sim.scenario.limits import MAX_REPS, MAX_TALLY_BYTES
from sim.simulation import check_tally_bytes, simulate

LOCAL_CLUSTER = "local"
CONNECT_TIMEOUT_S = 10.0
"""How long to try reaching a dask scheduler before giving up."""


@dataclass(frozen=True)
class Settings:
    """How many replications each point needs.

    Attributes
    ----------
    replications : int
        Replications of every point (the first batch when precision targets are given).
    max_replications : int
        Most replications of a point, whatever the precision reached.
    precision : dict of str to float
        KPI -> target half-width of its 95% confidence interval (whole run, whole centre).
    """

    replications: int
    max_replications: int
    precision: dict[str, float] = field(default_factory=dict)


def run_settings(
    experiment: Experiment,
    *,
    replications: int | None = None,
    precision: dict[str, float] | None = None,
    max_replications: int | None = None,
) -> Settings:
    """Return the experiment file's settings, with those given here taking precedence.

    Every point may reach its most replications (``max_replications`` with precision targets,
    else ``replications``); their tallies together must fit the memory limit
    (:func:`~sim.simulation.check_tally_bytes`). A ``max_replications`` nobody gave is lowered
    to what fits (never below ``replications``).

    Raises
    ------
    UsageError
        For replications out of range, or points whose tallies would not fit.
    """
    spec = experiment.spec
    precision = dict(precision if precision is not None else spec.precision)
    reps = replications if replications is not None else spec.replications
    most = max_replications if max_replications is not None else spec.max_replications
    if not 2 <= reps <= MAX_REPS:
        raise UsageError(f"replications must be 2 to {MAX_REPS:,} (got {reps})")
    if most < reps:
        raise UsageError(f"max replications ({most}) must be at least the replications ({reps})")
    per_rep_bytes = sum(Tallies.bytes_per_rep(point.plan) for point in experiment.points)
    if precision and max_replications is None and "max_replications" not in spec.model_fields_set:
        most = max(reps, min(most, MAX_TALLY_BYTES // per_rep_bytes))
    check_tally_bytes(per_rep_bytes, most if precision else reps, "replications of every point")
    return Settings(replications=reps, max_replications=most, precision=precision)


@dataclass(frozen=True)
class PointState:
    """Where a design point stands.

    Attributes
    ----------
    name, fingerprint : str
        The point.
    reps : int
        Replications stored.
    wanted : int
        Replications still to run (0: done).
    half_widths : dict of str to float
        Current 95% CI half-width of each precision KPI (NaN when not defined).
    capped : bool
        Done because ``max_replications`` was reached before the precision targets.
    """

    name: str
    fingerprint: str
    reps: int
    wanted: int
    half_widths: dict[str, float]
    capped: bool = False

    @property
    def done(self) -> bool:
        """True when the point needs no more replications."""
        return self.wanted == 0


def point_state(point: DesignPoint, tallies: Tallies | None, settings: Settings) -> PointState:
    """Decide how many more replications a point needs, from what it has.

    Below ``replications``, the rest of them. Then, for each precision KPI whose half-width is
    above its target, the replications that would bring it down to the target if the standard
    deviation stayed as estimated (at most twice as many as now, and not past
    ``max_replications``). A KPI that is undefined in all but one replication cannot be
    estimated and holds nothing up.
    """
    reps = tallies.reps if tallies is not None else 0
    halves: dict[str, float] = {}
    if tallies is not None and settings.precision:
        halves = half_widths(tallies, point.plan, tuple(settings.precision))
    state = PointState(point.name, point.fingerprint, reps, 0, halves)
    if reps < settings.replications:
        return _with(state, wanted=settings.replications - reps)
    short = {
        kpi: halves[kpi] / target
        for kpi, target in settings.precision.items()
        if math.isfinite(halves[kpi]) and halves[kpi] > target
    }
    if not short:
        return state
    if reps >= settings.max_replications:
        return _with(state, capped=True)
    needed = math.ceil(1.1 * reps * max(short.values()) ** 2)
    total = min(settings.max_replications, max(reps + 1, min(2 * reps, needed)))
    return _with(state, wanted=total - reps)


def _with(state: PointState, **changes: Any) -> PointState:
    return PointState(**{**state.__dict__, **changes})


def half_widths(tallies: Tallies, plan: Plan, kpis: tuple[str, ...]) -> dict[str, float]:
    """Return the 95% confidence half-width of whole-run KPIs (NaN when undefined)."""
    per_rep = centre_totals(tallies, plan, kpis)
    halves = {}
    for kpi in kpis:
        values = per_rep[kpi].to_numpy(dtype=float)
        _, low, high, _ = mean_ci(values[~np.isnan(values)])
        halves[kpi] = (high - low) / 2
    return halves


@dataclass(frozen=True)
class Progress:
    """Progress of a run, for a progress bar.

    Attributes
    ----------
    points_done, points_total : int
        Points that need nothing more, of all.
    reps_done, reps_planned : int
        Replications run in this run, of those planned so far (precision targets can add).
    elapsed_s : float
        Seconds since the run started.
    """

    points_done: int
    points_total: int
    reps_done: int
    reps_planned: int
    elapsed_s: float

    @property
    def eta_s(self) -> float:
        """Seconds left at the rate so far (NaN before the first replication)."""
        if self.reps_done == 0:
            return math.nan
        return self.elapsed_s * (self.reps_planned - self.reps_done) / self.reps_done


ProgressFn = Callable[[Progress], None]


@dataclass(frozen=True)
class Batch:
    """Replications ``first_rep .. first_rep + reps - 1`` of the point at ``point``."""

    point: int
    first_rep: int
    reps: int


class StaleResultsError(UsageError):
    """The store holds results of points whose definition has changed."""


def changed_points(experiment: Experiment, store: ResultStore) -> list[str]:
    """Return the points whose definition changed since the store's results were made.

    Points are matched by name with the store's manifest; a point whose fingerprint differs (its
    scenario, seed, engine or the ccsim version changed) is changed. When the store holds
    another experiment, every point of it that has results counts.
    """
    manifest = store.read_manifest()
    if manifest is None:
        return []
    previous = {p["name"]: p["fingerprint"] for p in manifest.get("points", [])}
    if manifest.get("experiment") != experiment.spec.name:
        return [name for name, fp in previous.items() if store.point_path(fp).exists()]
    return [
        point.name
        for point in experiment.points
        if point.name in previous and previous[point.name] != point.fingerprint
    ]


def check_store(experiment: Experiment, store: ResultStore, *, restart: bool) -> None:
    """Refuse to mix results of a changed experiment with new ones, unless restarting.

    With ``restart``, point files that no current point owns are deleted instead.

    Raises
    ------
    StaleResultsError
        Naming the changed points (:func:`changed_points`) and what to do.
    """
    if restart:
        current = {point.fingerprint for point in experiment.points}
        store.remove([fp for fp in store.stored() if fp not in current])
        return
    changed = changed_points(experiment, store)
    if changed:
        shown = ", ".join(repr(name) for name in changed[:5])
        more = f" and {len(changed) - 5} more" if len(changed) > 5 else ""
        raise StaleResultsError(
            f"{experiment.source}: {len(changed)} design point(s) changed since their results "
            f"in {store.folder} were made ({shown}{more}): run with --restart to discard "
            "the old results, or use another --store"
        )


def point_states(
    experiment: Experiment, store: ResultStore, settings: Settings
) -> list[PointState]:
    """Return where every point stands, from its file."""
    return [
        point_state(point, store.read(point.fingerprint), settings) for point in experiment.points
    ]


def run_experiment(
    experiment: Experiment,
    store: ResultStore,
    settings: Settings,
    *,
    cluster: str | None = None,
    workers: int | None = None,
    restart: bool = False,
    progress: ProgressFn | None = None,
) -> list[PointState]:
    """Run what every design point still needs and store it.

    Parameters
    ----------
    experiment : Experiment
        The loaded experiment.
    store : ResultStore
        Where results are (and go).
    settings : Settings
        Replications, maximum and precision targets.
    cluster : str, optional
        Address of a dask.distributed scheduler, or ``"local"`` for a local cluster of
        ``workers`` processes; default: run here, the fast engine using ``workers`` threads.
    workers : int, optional
        Threads (here) or worker processes (local cluster); never changes the numbers.
    restart : bool
        Discard results of points whose definition changed (see :func:`check_store`).
    progress : callable, optional
        Called with a :class:`Progress` as replications finish.

    Returns
    -------
    list of PointState
        Every point's state at the end, in design order.
    """
    store.clean_temporary()
    check_store(experiment, store, restart=restart)
    points = experiment.points
    tallies = {p.fingerprint: store.read(p.fingerprint) for p in points}
    states = [point_state(p, tallies[p.fingerprint], settings) for p in points]
    store.write_manifest(manifest(experiment, states, settings))
    tracker = _Tracker(progress, states)

    def finished(batch: Batch, part: Tallies) -> list[Batch]:
        point = points[batch.point]
        before = tallies[point.fingerprint]
        whole = part if before is None else Tallies.concat([before, part])
        tallies[point.fingerprint] = whole
        store.write(point.name, point.fingerprint, whole)
        states[batch.point] = state = point_state(point, whole, settings)
        store.write_manifest(manifest(experiment, states, settings))
        tracker.update(states, added=state.wanted)
        return [Batch(batch.point, state.reps, state.wanted)] if state.wanted else []

    batches = [Batch(i, s.reps, s.wanted) for i, s in enumerate(states) if s.wanted]
    spec = experiment.spec
    job = _Job([p.plan for p in points], spec.seed, spec.engine, finished, tracker.reps)
    with _executor(cluster, workers) as execute:
        execute(batches, job)
    return states


def manifest(
    experiment: Experiment, states: list[PointState], settings: Settings
) -> dict[str, Any]:
    """Return the manifest document of an experiment's store."""
    spec = experiment.spec
    return {
        "experiment": spec.name,
        "source": experiment.source,
        "fingerprint": experiment.fingerprint,
        "ccsim_version": __version__,
        "seed": spec.seed,
        "engine": spec.engine,
        "replications": settings.replications,
        "max_replications": settings.max_replications,
        "precision": settings.precision,
        "points": [
            {
                "name": point.name,
                "levels": point.levels,
                "fingerprint": point.fingerprint,
                "file": f"points/{point.fingerprint}.parquet",
                "reps": state.reps,
                "done": state.done,
                "capped": state.capped,
                "half_widths": {k: _json_float(v) for k, v in state.half_widths.items()},
            }
            for point, state in zip(experiment.points, states, strict=True)
        ],
    }


def _json_float(value: float) -> float | None:
    return value if math.isfinite(value) else None


class _Tracker:
    """Counts replications and finished points; calls the progress callback."""

    def __init__(self, callback: ProgressFn | None, states: list[PointState]) -> None:
        self.callback = callback
        self.started = time.monotonic()
        self.points_total = len(states)
        self.points_done = sum(s.done for s in states)
        self.reps_done = 0
        self.reps_planned = sum(s.wanted for s in states)
        self._notify()

    def reps(self, n: int) -> None:
        self.reps_done += n
        self._notify()

    def update(self, states: list[PointState], added: int) -> None:
        self.points_done = sum(s.done for s in states)
        self.reps_planned += added
        self._notify()

    def _notify(self) -> None:
        if self.callback is not None:
            elapsed = time.monotonic() - self.started
            self.callback(
                Progress(
                    self.points_done,
                    self.points_total,
                    self.reps_done,
                    self.reps_planned,
                    elapsed,
                )
            )


@dataclass(frozen=True)
class _Job:
    """What every batch of a run shares, and where its results go."""

    plans: list[Plan]
    seed: int
    engine: str
    finished: Callable[[Batch, Tallies], list[Batch]]
    on_reps: Callable[[int], None]


Execute = Callable[[list[Batch], _Job], None]


@contextmanager
def _executor(cluster: str | None, workers: int | None) -> Iterator[Execute]:
    if cluster is None:
        yield _local(workers)
        return
    with _dask_client(cluster, workers) as client:
        yield _on_cluster(client)


def _local(workers: int | None) -> Execute:
    """Run batches here, one point at a time (a point's next batch before the next point)."""

    def execute(batches: list[Batch], job: _Job) -> None:
        queue = deque(batches)
        while queue:
            batch = queue.popleft()
            result = simulate(
                job.plans[batch.point],
                reps=batch.reps,
                seed=job.seed,
                engine=job.engine,
                workers=workers,
                progress=job.on_reps,
                first_rep=batch.first_rep,
            )
            queue.extendleft(reversed(job.finished(batch, result.tallies)))

    return execute


def simulate_chunk(
    plan: Plan, seed: int, engine: str, first_rep: int, reps: int
) -> tuple[str, Tallies]:
    """Run replications from ``first_rep`` on a cluster worker (one thread), with its version."""
    result = simulate(plan, reps=reps, seed=seed, engine=engine, workers=1, first_rep=first_rep)
    return __version__, result.tallies


def _on_cluster(client: Any) -> Execute:
    """Run batches as chunks of replications on a dask cluster, as workers free up."""
    from distributed import as_completed  # noqa: PLC0415 (only cluster runs need dask)

    n_workers = max(1, sum(client.nthreads().values()))

    def execute(batches: list[Batch], job: _Job) -> None:
        futures = as_completed()
        owner: dict[Any, tuple[Batch, int]] = {}
        parts: dict[Batch, list[Tallies | None]] = {}

        def submit(batch: Batch) -> None:
            size = max(1, math.ceil(batch.reps / (2 * n_workers)))
            starts = range(batch.first_rep, batch.first_rep + batch.reps, size)
            parts[batch] = [None] * len(starts)
            for k, start in enumerate(starts):
                n = min(size, batch.first_rep + batch.reps - start)
                plan = job.plans[batch.point]
                future = client.submit(
                    simulate_chunk, plan, job.seed, job.engine, start, n, pure=False
                )
                owner[future] = (batch, k)
                futures.add(future)

        for batch in batches:
            submit(batch)
        for future in futures:
            batch, k = owner.pop(future)
            version, chunk = future.result()
            if version != __version__:
                raise UsageError(
                    f"the cluster's workers run ccsim {version}, this is {__version__}: "
                    "install the same version on the workers"
                )
            parts[batch][k] = chunk
            job.on_reps(chunk.reps)
            done = parts[batch]
            if all(part is not None for part in done):
                del parts[batch]
                whole = Tallies.concat([part for part in done if part is not None])
                for follow_up in job.finished(batch, whole):
                    submit(follow_up)

    return execute


@contextmanager
def _dask_client(address: str, workers: int | None) -> Iterator[Any]:
    try:
        from distributed import Client, LocalCluster  # noqa: PLC0415
    except ImportError:  # pragma: no cover - dask.distributed is a dependency
        raise UsageError("--cluster needs dask.distributed: pip install distributed") from None
    if address == LOCAL_CLUSTER:
        with (
            LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            ) as local,
            Client(local) as client,
        ):
            yield client
        return
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as error:
        raise UsageError(f"cannot reach the dask scheduler at {address} ({error})") from None
    with client:
        yield client

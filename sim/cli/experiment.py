"""``ccsim experiment run|status|report``: experiment files, their stored results and reports."""

from __future__ import annotations

import math
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sim.cli.options import (
    StatusLine,
    clock_text,
    quiet_option,
    reps_option,
    terminal_stderr,
    workers_option,
)
from sim.scenario.limits import MAX_REPS

if TYPE_CHECKING:
    from sim.experiments import Progress


@click.group()
def experiment() -> None:
    """Experiment files: design points on common random numbers, resumable results, reports."""


def _store_option(function: Any) -> Any:
    return click.option(
        "--store",
        "store_dir",
        type=click.Path(file_okay=False),
        default=None,
        help="Results folder [default: out/experiments/NAME].",
    )(function)


def _reps_option(function: Any) -> Any:
    return reps_option(None, "Replications per point [the file's].", minimum=2)(function)


def _precision_option(function: Any) -> Any:
    return click.option(
        "--precision",
        "precision",
        multiple=True,
        metavar="KPI=HALF_WIDTH",
        callback=_parse_precision,
        help="Add replications until the 95% CI half-width of KPI is at most HALF_WIDTH in "
        "every point (repeatable; e.g. service_level=0.005).",
    )(function)


def _parse_precision(
    _context: click.Context, _parameter: click.Parameter, values: tuple[str, ...]
) -> dict[str, float] | None:
    from sim.experiments.design import KNOWN_KPIS  # noqa: PLC0415

    targets = {}
    for value in values:
        kpi, _, width = value.partition("=")
        if kpi not in KNOWN_KPIS:
            raise click.BadParameter(f"{kpi!r} is not a KPI (got {value!r})")
        try:
            targets[kpi] = float(width)
        except ValueError:
            raise click.BadParameter(f"the half-width must be a number (got {value!r})") from None
        if not math.isfinite(targets[kpi]) or targets[kpi] <= 0:
            raise click.BadParameter(f"the half-width must be > 0 (got {value!r})")
    return targets or None


@experiment.command(name="run")
@click.argument("file", type=click.Path(dir_okay=False))
@_store_option
@_reps_option
@_precision_option
@click.option(
    "--max-reps",
    type=click.IntRange(2, MAX_REPS),
    default=None,
    help="Most replications of a point with --precision [file's max_replications].",
)
@click.option(
    "--cluster",
    default=None,
    metavar="ADDRESS",
    help="Run on a dask.distributed scheduler (tcp://host:8786), or 'local' for a local "
    "cluster of --workers processes. Same numbers as a local run.",
)
@workers_option(
    "Threads here, or processes of a local cluster [the CPUs]; never change the numbers."
)
@click.option("--restart", is_flag=True, help="Discard the results of changed points first.")
@quiet_option
def experiment_run(
    *,
    file: str,
    store_dir: str | None,
    reps: int | None,
    precision: dict[str, float] | None,
    max_reps: int | None,
    cluster: str | None,
    workers: int | None,
    restart: bool,
    quiet: bool,
) -> None:
    """Run what the design points of FILE still need; points already done are skipped."""
    from sim.experiments import (  # noqa: PLC0415
        ResultStore,
        load_experiment,
        run_experiment,
        run_settings,
    )

    loaded = load_experiment(file)
    settings = run_settings(
        loaded, replications=reps, precision=precision, max_replications=max_reps
    )
    store = ResultStore(store_dir or _default_store(loaded.spec.name))
    bar = StatusLine(enabled=terminal_stderr(quiet))

    def report(progress: Progress) -> None:
        stop_if_interrupted()
        bar.show(_experiment_line(progress))

    try:
        with _ctrl_c_seen() as stop_if_interrupted:
            states = run_experiment(
                loaded,
                store,
                settings,
                cluster=cluster,
                workers=workers,
                restart=restart,
                progress=report,
            )
    except KeyboardInterrupt:
        bar.close()
        click.echo(
            f"interrupted: finished points are kept in {store.folder}; run again to resume",
            err=True,
        )
        sys.exit(130)
    bar.close()
    click.echo(
        f"{loaded.spec.name}: {len(states)} points, engine {loaded.spec.engine}, seed "
        f"{loaded.spec.seed}, results in {store.folder}"
    )
    click.echo(_states_table(states, settings.precision))


@experiment.command(name="status")
@click.argument("file", type=click.Path(dir_okay=False))
@_store_option
@_reps_option
@_precision_option
def experiment_status(
    *,
    file: str,
    store_dir: str | None,
    reps: int | None,
    precision: dict[str, float] | None,
) -> None:
    """Tell which design points of FILE are done, partly done or not started.

    A point is done when it holds the replications asked for: the file's, or those of --reps
    (give the same --reps as the run it checks).
    """
    from sim.experiments import ResultStore, load_experiment, point_states, run_settings  # noqa: PLC0415
    from sim.experiments.runner import changed_points  # noqa: PLC0415

    loaded = load_experiment(file)
    settings = run_settings(loaded, replications=reps, precision=precision)
    store = ResultStore(store_dir or _default_store(loaded.spec.name))
    changed = changed_points(loaded, store)
    states = point_states(loaded, store, settings)
    done = sum(state.done for state in states)
    source = "--reps" if reps is not None else "the file's replications"
    click.echo(
        f"{loaded.spec.name}: {done} of {len(states)} points done with "
        f"{settings.replications} replications ({source}) ({store.folder})"
    )
    click.echo(_states_table(states, settings.precision))
    if changed:
        click.echo(
            f"note: {len(changed)} point(s) changed since the stored results were made "
            f"({', '.join(changed)}): `ccsim experiment run --restart` discards them"
        )


@experiment.command(name="report")
@click.argument("file", type=click.Path(dir_okay=False))
@_store_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder for the report [default: STORE/report].",
)
def experiment_report(*, file: str, store_dir: str | None, out_dir: str | None) -> None:
    """Write the table (CSV, Markdown), plots and a self-contained HTML page of FILE's results."""
    from sim.experiments import ResultStore, experiment_tables, load_experiment  # noqa: PLC0415
    from sim.report import markdown_table, write_experiment_report  # noqa: PLC0415

    loaded = load_experiment(file)
    store = ResultStore(store_dir or _default_store(loaded.spec.name))
    tables = experiment_tables(loaded, store)
    written = write_experiment_report(out_dir or store.folder / "report", tables)
    click.echo(markdown_table(tables))
    if tables.missing:
        click.echo(
            f"note: {len(tables.missing)} point(s) have no results yet: {', '.join(tables.missing)}"
        )
    click.echo(f"wrote {', '.join(str(path) for path in written)}")


def _default_store(name: str) -> Path:
    return Path("out") / "experiments" / name


def _states_table(states: Sequence[Any], precision: dict[str, float]) -> str:
    header = ["point", "replications", "state", *(f"±{kpi}" for kpi in precision)]
    rows = [header]
    for state in states:
        if state.done:
            status = "done (max replications)" if state.capped else "done"
        elif state.reps:
            status = f"partial, {state.wanted} more to run"
        else:
            status = "not started"
        halves = [
            f"{state.half_widths[kpi]:.4g}" if kpi in state.half_widths else "-"
            for kpi in precision
        ]
        rows.append([state.name, str(state.reps), status, *halves])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


@contextmanager
def _ctrl_c_seen() -> Iterator[Callable[[], None]]:
    """Make Ctrl-C stop a run even when the first KeyboardInterrupt is lost.

    Python raises KeyboardInterrupt wherever the main thread is; inside some library code (an
    attribute lookup that numpy makes on a comparison, say) it can be swallowed. The handler
    also records the request, and the function yielded raises it again at the next progress
    report. A SIGINT ignored by the parent (a background job) stays ignored.
    """
    requested: list[int] = []

    def on_sigint(signum: int, _frame: object) -> None:
        requested.append(signum)
        raise KeyboardInterrupt

    def check() -> None:
        if requested:
            raise KeyboardInterrupt

    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield check
        return
    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield check
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _experiment_line(progress: Progress) -> str:
    """Return the status line of a run: points and replications done, elapsed time and ETA."""
    eta = progress.eta_s
    return (
        f"points {progress.points_done}/{progress.points_total}  "
        f"replications {progress.reps_done}/{progress.reps_planned}  "
        f"{clock_text(progress.elapsed_s)} elapsed"
        + (f", ETA {clock_text(eta)}" if math.isfinite(eta) else "")
    )

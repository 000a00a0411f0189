"""The ``ccsim`` command line: parse, call the ``sim`` API, print. No model logic here."""

from __future__ import annotations

import json
import math
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click

from sim import __version__
from sim.analytic import QueueKpis, agents_required, queue_kpis
from sim.engines import ENGINE_NAMES
from sim.engines.base import ProgressCallback
from sim.errors import CcsimError, UsageError
from sim.scenario import load_scenario

if TYPE_CHECKING:
    from sim.experiments import Progress

_ERLANG_KPIS = ("p_wait", "service_level", "asa_s", "occupancy")


def _out_dir_option(default: str, help_text: str) -> Any:
    """Return the ``--out`` folder option of a command that writes files there."""
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False),
        default=default,
        show_default=True,
        help=help_text,
    )


_seed_option = click.option(
    "--seed", type=click.IntRange(min=0), default=1, show_default=True, help="Run seed."
)
_engine_option = click.option(
    "--engine", type=click.Choice(ENGINE_NAMES), default="fast", show_default=True
)


def _search_options(validation_help: str) -> Any:
    """Return the options of a simulation-based search: replications and the fresh seed."""

    def decorate(function: Any) -> Any:
        function = click.option("--validation-seed", type=int, default=None, help=validation_help)(
            function
        )
        return click.option(
            "--reps",
            type=click.IntRange(min=10),
            default=200,
            show_default=True,
            help="Replications.",
        )(function)

    return decorate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ccsim")
@click.option("--debug", is_flag=True, help="Show the traceback of errors.")
def cli(debug: bool) -> None:
    """Contact-centre simulator: Erlang yardsticks and two simulation engines."""


@cli.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
def validate(scenario: str) -> None:
    """Check a scenario file and print what it describes."""
    loaded = load_scenario(scenario)
    mode = "steady state" if loaded.steady_state is not None else f"{loaded.n_days} day(s)"
    click.echo(
        f"{scenario}: valid — {loaded.name}: {len(loaded.call_types)} call type(s), "
        f"{len(loaded.groups)} group(s), {mode}, {loaded.n_intervals} intervals of "
        f"{loaded.interval_s / 60:g} min"
    )


@cli.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option(
    "--reps", type=click.IntRange(min=1), default=100, show_default=True, help="Replications."
)
@_seed_option
@_engine_option
@_out_dir_option("out", "Folder for tables and plots.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the table.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Threads (fast engine); never changes the numbers.",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def run(
    *,
    scenario: str,
    reps: int,
    seed: int,
    engine: str,
    out_dir: str,
    as_json: bool,
    workers: int | None,
    quiet: bool,
) -> None:
    """Simulate a scenario, print its KPIs and write tables and plots to OUT."""
    # Imported here so that the other commands start without pandas, scipy and matplotlib.
    from sim.report import console_table, kpis_json, write_run_report  # noqa: PLC0415
    from sim.results import summarize  # noqa: PLC0415
    from sim.simulation import simulate  # noqa: PLC0415

    loaded = load_scenario(scenario)
    with _progress(reps, enabled=not quiet and sys.stderr.isatty()) as progress:
        result = simulate(
            loaded, reps=reps, seed=seed, engine=engine, workers=workers, progress=progress
        )
    summary = summarize(result.tallies, result.plan)
    written = write_run_report(out_dir, summary, result.plan)
    if as_json:
        document = {
            "engine": engine,
            "reps": reps,
            "seed": seed,
            "kpis": kpis_json(summary, result.plan),
        }
        click.echo(json.dumps(document, indent=2))
        return
    click.echo(f"{loaded.name}: {reps} replications, engine {engine}, seed {seed}")
    click.echo(console_table(summary, result.plan))
    click.echo(f"wrote {', '.join(str(path) for path in written)}")


@cli.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--reps", type=click.IntRange(min=2), default=100, show_default=True, help="Replications."
)
@click.option(
    "--seed", type=click.IntRange(min=0), default=1, show_default=True, help="Run seed, shared."
)
@_engine_option
@_out_dir_option("out/compare", "Folder for compare.csv and the plot.")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Threads (fast engine).")
def compare(
    *,
    scenarios: tuple[str, ...],
    reps: int,
    seed: int,
    engine: str,
    out_dir: str,
    workers: int | None,
) -> None:
    """Compare scenarios on the same seed: KPIs side by side and paired differences.

    The first scenario is the baseline; every replication of every scenario sees the same
    arrivals, handle times and patience, so differences are measured with little noise.
    """
    from sim.experiments import compare_scenarios  # noqa: PLC0415 (pandas and numba load late)
    from sim.report import comparison_console, write_comparison_report  # noqa: PLC0415

    loaded = {}
    for path in scenarios:
        scenario = load_scenario(path)
        loaded[scenario.name if scenario.name not in loaded else Path(path).stem] = scenario
    comparison = compare_scenarios(loaded, reps=reps, seed=seed, engine=engine, workers=workers)
    tables = (comparison.table, comparison.differences)
    written = write_comparison_report(
        out_dir, comparison.names, comparison.summaries, comparison.plans, tables
    )
    click.echo(f"{len(loaded)} scenarios, {reps} replications each, engine {engine}, seed {seed}")
    click.echo(comparison_console(comparison.names, *tables))
    click.echo(f"wrote {', '.join(str(path) for path in written)}")


_log_format_option = click.option(
    "--format",
    "log_format",
    type=click.Choice(("auto", "ccsim", "bank")),
    default="auto",
    show_default=True,
    help="Call-log format: the documented CSV (ccsim), the Anonymous Bank's TSV, or by header.",
)


@cli.command(name="calibrate")
@click.argument("log", type=click.Path(dir_okay=False))
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False),
    required=True,
    help="Scenario YAML file to write.",
)
@_log_format_option
@click.option(
    "--interval-minutes",
    type=int,
    default=30,
    show_default=True,
    help="Planning interval: 15, 30 or 60.",
)
@click.option(
    "--weekdays",
    default=None,
    metavar="DAYS",
    help="Weekdays to use, e.g. sun,mon,tue,wed,thu [those with at least half the busiest "
    "weekday's volume].",
)
@click.option(
    "--handle",
    type=click.Choice(("lognormal", "empirical")),
    default="lognormal",
    show_default=True,
    help="Handle-time distribution: a lognormal with the data's mean and CV, or the data's "
    "own shape (200 quantiles).",
)
def calibrate_command(
    *,
    log: str,
    out_path: str,
    log_format: str,
    interval_minutes: int,
    weekdays: str | None,
    handle: str,
) -> None:
    """Estimate a scenario from a call log, write it to OUT and print what was estimated."""
    from sim.calibration import (  # noqa: PLC0415 (pandas and scipy load late)
        calibrate,
        calibration_report,
        read_any_log,
        write_scenario,
    )

    calibration = calibrate(
        read_any_log(log, log_format),
        interval_minutes=interval_minutes,
        weekdays=weekdays.split(",") if weekdays is not None else None,
    )
    write_scenario(calibration, out_path, handle=handle)
    click.echo(calibration_report(calibration))
    click.echo(f"wrote {out_path}")


@cli.group()
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
@click.option(
    "--reps", type=click.IntRange(min=2), default=None, help="Replications per point [file's]."
)
@_precision_option
@click.option(
    "--max-reps",
    type=click.IntRange(min=2),
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
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Threads here, or processes of a local cluster; never changes the numbers.",
)
@click.option("--restart", is_flag=True, help="Discard the results of changed points first.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
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
    bar = _ExperimentBar(enabled=not quiet and sys.stderr.isatty())

    def report(progress: Progress) -> None:
        stop_if_interrupted()
        bar.show(progress)

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
@_precision_option
def experiment_status(
    *, file: str, store_dir: str | None, precision: dict[str, float] | None
) -> None:
    """Tell which design points of FILE are done, partly done or not started."""
    from sim.experiments import ResultStore, load_experiment, point_states, run_settings  # noqa: PLC0415
    from sim.experiments.runner import changed_points  # noqa: PLC0415

    loaded = load_experiment(file)
    settings = run_settings(loaded, precision=precision)
    store = ResultStore(store_dir or _default_store(loaded.spec.name))
    changed = changed_points(loaded, store)
    states = point_states(loaded, store, settings)
    done = sum(state.done for state in states)
    click.echo(f"{loaded.spec.name}: {done} of {len(states)} points done ({store.folder})")
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


@cli.group()
def plan() -> None:
    """Planning: agents needed per interval, and shift schedules at least cost."""


@plan.command(name="requirements")
@click.argument("forecast", type=click.Path(dir_okay=False))
@click.option(
    "--target",
    type=click.FloatRange(min=0, max=1, min_open=True, max_open=True),
    required=True,
    help="Service-level target (fraction answered within the threshold).",
)
@click.option(
    "--threshold-s",
    type=click.FloatRange(min=0),
    default=20.0,
    show_default=True,
    help="Service-level threshold, seconds.",
)
@click.option(
    "--patience-s",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Mean patience, seconds: Erlang A instead of Erlang C.",
)
@click.option(
    "--shrinkage",
    type=click.FloatRange(min=0, max=1, max_open=True),
    default=0.0,
    show_default=True,
    help="Share of scheduled time off the phones (absence, training; not scheduled breaks).",
)
@click.option("--by-call-type", is_flag=True, help="Size each call type apart (no pooling).")
@click.option(
    "--aht-s",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="AHT, seconds, of forecast rows whose aht_s is empty.",
)
@click.option(
    "--interval-minutes",
    type=click.Choice(["15", "30", "60"]),
    default=None,
    help="Interval length [default: the gap between the forecast's interval starts].",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False),
    default="out/requirements.csv",
    show_default=True,
    help="Requirements CSV to write.",
)
def plan_requirements(
    *,
    forecast: str,
    target: float,
    threshold_s: float,
    patience_s: float | None,
    shrinkage: float,
    by_call_type: bool,
    aht_s: float | None,
    interval_minutes: str | None,
    out_file: str,
) -> None:
    """Agents needed per interval of FORECAST: Erlang C (or A), then shrinkage."""
    from sim.planning import (  # noqa: PLC0415 (pandas and scipy load late)
        ServiceGoal,
        interval_requirements,
        read_forecast,
        write_requirements,
    )
    from sim.report.planning import requirements_console  # noqa: PLC0415

    loaded = read_forecast(
        forecast,
        interval_minutes=int(interval_minutes) if interval_minutes else None,
        default_aht_s=aht_s,
    )
    goal = ServiceGoal(target=target, threshold_s=threshold_s, patience_s=patience_s)
    frame = interval_requirements(loaded, goal, shrinkage=shrinkage, by_call_type=by_call_type)
    write_requirements(frame, out_file)
    formula = "Erlang C" if patience_s is None else f"Erlang A (patience {patience_s:g} s)"
    click.echo(
        f"{forecast}: {formula}, target {100 * target:g}% within {threshold_s:g} s, "
        f"shrinkage {100 * shrinkage:g}%"
    )
    click.echo(requirements_console(frame, loaded.grid.interval_s))
    click.echo(f"wrote {out_file}")


@plan.command(name="staff")
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option(
    "--group",
    "groups",
    required=True,
    multiple=True,
    help="Group to staff (headcount per interval, or agents per shift); repeat for several.",
)
@click.option(
    "--target",
    type=click.FloatRange(min=0, max=1, min_open=True, max_open=True),
    default=None,
    help="Service level per interval [the scenario's target].",
)
@click.option(
    "--confidence",
    type=click.FloatRange(min=0, max=1, min_open=True, max_open=True),
    default=0.9,
    show_default=True,
    help="Share of replications in which every interval (or the day) must reach the target.",
)
@click.option(
    "--criterion",
    type=click.Choice(["interval", "day"]),
    default="interval",
    show_default=True,
    help="What must reach the target: every interval's service level, or the day's.",
)
@_search_options("Seed of the check on fresh random numbers [seed + 1000].")
@_seed_option
@_engine_option
@_out_dir_option("out/staff", "Folder for staffing.csv and scenario.yaml.")
def plan_staff(
    *,
    scenario: str,
    groups: tuple[str, ...],
    target: float | None,
    confidence: float,
    criterion: Literal["interval", "day"],
    reps: int,
    validation_seed: int | None,
    seed: int,
    engine: str,
    out_dir: str,
) -> None:
    """Staff groups from Erlang, adding agents where the simulation misses the target."""
    from sim.planning.staffing import simulated_staffing, staffed_scenario_yaml  # noqa: PLC0415
    from sim.report.planning import staffing_console, write_staffing  # noqa: PLC0415
    from sim.scenario.load import read_yaml  # noqa: PLC0415

    result = simulated_staffing(
        read_yaml(Path(scenario), scenario),
        group=groups,
        target=target,
        confidence=confidence,
        criterion=criterion,
        reps=reps,
        seed=seed,
        validation_seed=validation_seed,
        engine=engine,
        source=scenario,
        base_dir=Path(scenario).parent,
    )
    scenario_yaml = staffed_scenario_yaml(result, Path(scenario).parent, Path(out_dir))
    written = write_staffing(out_dir, result.intervals, scenario_yaml, result.shifts)
    click.echo(
        staffing_console(
            result.intervals,
            rounds=result.rounds,
            met=result.met,
            validated=result.validated,
            interval_s=result.interval_s,
            day_shares=(result.day_search, result.day_fresh),
            shifts=result.shifts,
        )
    )
    click.echo(f"wrote {', '.join(str(path) for path in written)}")


@plan.command(name="schedule")
@click.argument("requirements", type=click.Path(dir_okay=False))
@click.option(
    "--patterns",
    "patterns_file",
    type=click.Path(dir_okay=False),
    required=True,
    help="Shift patterns file (YAML).",
)
@_out_dir_option(
    "out/schedule",
    "Folder for roster.csv, shifts.csv, intervals.csv, coverage.png (and scenario.yaml).",
)
@click.option(
    "--scenario",
    "base",
    type=click.Path(dir_okay=False),
    default=None,
    help="Base scenario: also write OUT/scenario.yaml, a copy whose group works the roster.",
)
@click.option("--group", default=None, help="Group of --scenario to staff [its only group].")
@click.option(
    "--max-part-time",
    type=click.FloatRange(min=0, max=1),
    default=None,
    help="Largest share of agents on part-time shifts [patterns file's].",
)
@click.option(
    "--min-agents",
    type=click.IntRange(min=0),
    default=None,
    help="Fewest agents on the phones in every interval [patterns file's].",
)
@click.option(
    "--max-agents",
    type=click.IntRange(min=0),
    default=None,
    help="Most agents in a day [patterns file's].",
)
def plan_schedule(
    *,
    requirements: str,
    patterns_file: str,
    out_dir: str,
    base: str | None,
    group: str | None,
    max_part_time: float | None,
    min_agents: int | None,
    max_agents: int | None,
) -> None:
    """Least-cost shifts covering REQUIREMENTS: a roster the simulator runs."""
    from sim.planning import (  # noqa: PLC0415 (pandas and scipy load late)
        interval_table,
        load_patterns,
        optimise_schedule,
        read_requirements,
        roster_rows,
        roster_table,
        scenario_with_roster,
        shift_table,
    )
    from sim.report.planning import schedule_console, write_schedule_report  # noqa: PLC0415

    if group is not None and base is None:
        raise UsageError("--group names a group of --scenario; give --scenario too")
    patterns = load_patterns(patterns_file)
    limits = patterns.limits.overridden(
        max_part_time_share=max_part_time, min_agents=min_agents, max_agents=max_agents
    )
    required = read_requirements(requirements, interval_minutes=patterns.interval_minutes)
    schedule = optimise_schedule(required, patterns, patterns_file, limits)
    rows = roster_rows(schedule)
    scenario = scenario_with_roster(base, group, out_dir, rows) if base is not None else None
    shifts, intervals = shift_table(schedule), interval_table(schedule)
    written = write_schedule_report(out_dir, shifts, intervals, roster_table(rows), scenario)
    click.echo(
        schedule_console(
            shifts,
            intervals,
            cost=schedule.cost,
            objective=schedule.objective,
            lp_bound=schedule.lp_bound,
            gap=schedule.gap,
        )
    )
    if scenario is None:
        click.echo(
            f"to run it, staff a scenario group with: roster: {Path(out_dir) / 'roster.csv'}"
        )
    click.echo(f"wrote {', '.join(str(path) for path in written)}")


_price_type = click.FloatRange(min=0, min_open=True)


@cli.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option(
    "--sl-target",
    type=click.FloatRange(min=0, max=1, min_open=True, max_open=True),
    default=None,
    help="Contractual service level over the day [the contract's sl_penalty.below, else the "
    "scenario's target].",
)
@click.option(
    "--confidence",
    type=click.FloatRange(min=0, max=1, min_open=True, max_open=True),
    default=0.95,
    show_default=True,
    help="Share of days whose service level must reach the target.",
)
@click.option("--price-per-call", type=_price_type, default=None, help="Price per handled call.")
@click.option(
    "--price-per-hour", type=_price_type, default=None, help="Price per staffed agent hour."
)
@click.option("--group", default=None, help="Group to staff [the only group of role agent].")
@click.option(
    "--markup",
    type=click.FloatRange(min=0),
    default=0.15,
    show_default=True,
    help="Share on top of the mean cost when the price is quoted (no price given anywhere).",
)
@_search_options("Seed of the volume cases, fresh random numbers [seed + 1000].")
@_seed_option
@_engine_option
@_out_dir_option("out/bid", "Folder for bid.csv, groups.csv, scenario.yaml and bid.png.")
def bid(
    *,
    scenario: str,
    sl_target: float | None,
    confidence: float,
    price_per_call: float | None,
    price_per_hour: float | None,
    group: str | None,
    markup: float,
    reps: int,
    validation_seed: int | None,
    seed: int,
    engine: str,
    out_dir: str,
) -> None:
    """Size an outsourcing bid: least staffing for the contract, its cost, price and margin."""
    from sim.planning.bid import bid_scenario_yaml, size_bid  # noqa: PLC0415
    from sim.report.bid import bid_console, write_bid  # noqa: PLC0415
    from sim.scenario.load import read_yaml  # noqa: PLC0415

    result = size_bid(
        read_yaml(Path(scenario), scenario),
        group=group,
        sl_target=sl_target,
        confidence=confidence,
        price_per_call=price_per_call,
        price_per_hour=price_per_hour,
        markup=markup,
        reps=reps,
        seed=seed,
        validation_seed=validation_seed,
        engine=engine,
        source=scenario,
        base_dir=Path(scenario).parent,
    )
    scenario_yaml = bid_scenario_yaml(result, Path(scenario).parent, Path(out_dir))
    written = write_bid(out_dir, result, scenario_yaml)
    click.echo(bid_console(result))
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


class _ExperimentBar:
    """One status line on stderr: points and replications done, elapsed time and ETA."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.width = 0

    def show(self, progress: Progress) -> None:
        if not self.enabled:
            return
        eta = progress.eta_s
        line = (
            f"points {progress.points_done}/{progress.points_total}  "
            f"replications {progress.reps_done}/{progress.reps_planned}  "
            f"{_clock(progress.elapsed_s)} elapsed"
            + (f", ETA {_clock(eta)}" if math.isfinite(eta) else "")
        )
        self.width = max(self.width, len(line))
        click.echo("\r" + line.ljust(self.width), nl=False, err=True)

    def close(self) -> None:
        if self.width:
            click.echo(err=True)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"


@cli.command()
@click.argument("log", type=click.Path(dir_okay=False))
@_log_format_option
@click.option(
    "--interval-minutes",
    type=click.Choice(["15", "30", "60"]),
    default="60",
    show_default=True,
    help="Interval of the comparison.",
)
@click.option(
    "--staffing",
    type=click.Choice(["busy", "serving"]),
    default="busy",
    show_default=True,
    help="Agents on the phones per 15 minutes: busy time rounded up (a lower bound) or those "
    "seen serving (an upper bound).",
)
@click.option(
    "--reps", type=click.IntRange(min=1), default=20, show_default=True, help="Replications a day."
)
@_seed_option
@_engine_option
@_out_dir_option("out/replay", "Folder for replay.csv, replay_errors.csv and replay.png.")
def replay(
    *,
    log: str,
    log_format: str,
    interval_minutes: str,
    staffing: str,
    reps: int,
    seed: int,
    engine: str,
    out_dir: str,
) -> None:
    """Simulate each day of LOG with its own calls and compare with what happened.

    Every day runs with its recorded arrivals and handle times, the agents on the phones
    estimated for each 15 minutes, and the patience estimated from the log; the per-interval
    Erlang A prediction is shown beside it.
    """
    from sim.calibration import read_any_log  # noqa: PLC0415
    from sim.calibration.replay import replay as replay_days  # noqa: PLC0415
    from sim.report.replay import errors_text, write_replay_report  # noqa: PLC0415

    calls = read_any_log(log, log_format)
    result = replay_days(
        calls,
        staffing=staffing,
        compare_minutes=int(interval_minutes),
        reps=reps,
        seed=seed,
        engine=engine,
    )
    title = (
        f"{Path(log).name}: {result.days} days replayed, {reps} replications each, "
        f"staffing: agents {staffing}"
    )
    written = write_replay_report(out_dir, result.table, result.errors, title)
    click.echo(title)
    if result.left_out:
        click.echo(f"{result.left_out} calls outside the opening hours were not replayed")
    click.echo(errors_text(result.errors))
    click.echo(f"wrote {', '.join(str(path) for path in written)}")


def _queue_options(function: Any) -> Any:
    options = [
        click.option(
            "--calls-per-hour",
            type=click.FloatRange(min=0),
            required=True,
            help="Offered calls per hour.",
        ),
        click.option(
            "--aht-s",
            type=click.FloatRange(min=0, min_open=True),
            required=True,
            help="Average handle time, seconds.",
        ),
        click.option(
            "--threshold-s",
            type=click.FloatRange(min=0),
            default=20.0,
            show_default=True,
            help="Service-level threshold, seconds.",
        ),
        click.option(
            "--patience-s",
            type=click.FloatRange(min=0, min_open=True),
            default=None,
            help="Mean patience, seconds (Erlang A).",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON object."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@cli.command()
@_queue_options
@click.option("--agents", type=click.IntRange(min=1), required=True, help="Agents on the phones.")
def erlang(
    *,
    calls_per_hour: float,
    aht_s: float,
    threshold_s: float,
    patience_s: float | None,
    as_json: bool,
    agents: int,
) -> None:
    """Steady-state KPIs of one queue: Erlang C, or Erlang A with --patience-s."""
    kpis = queue_kpis(
        calls_per_hour=calls_per_hour,
        aht_s=aht_s,
        agents=agents,
        threshold_s=threshold_s,
        patience_s=patience_s,
    )
    _print_queue(kpis, patience_s, as_json)


@cli.command()
@_queue_options
@click.option(
    "--target",
    type=click.FloatRange(min=0, max=1, min_open=True, max_open=True),
    required=True,
    help="Service-level target (fraction).",
)
def staff(
    *,
    calls_per_hour: float,
    aht_s: float,
    threshold_s: float,
    patience_s: float | None,
    as_json: bool,
    target: float,
) -> None:
    """Fewest agents whose service level reaches the target (Erlang C, or A with --patience-s)."""
    staffing = agents_required(
        calls_per_hour=calls_per_hour,
        aht_s=aht_s,
        threshold_s=threshold_s,
        target=target,
        patience_s=patience_s,
    )
    _print_queue(staffing.kpis, patience_s, as_json)


def _print_queue(kpis: QueueKpis, patience_s: float | None, as_json: bool) -> None:
    names = (
        "agents",
        "offered_load_erlangs",
        *_ERLANG_KPIS,
        *(("p_abandon",) if patience_s is not None else ()),
        "stable",
    )
    values = {name: asdict(kpis)[name] for name in names}
    if as_json:
        click.echo(
            json.dumps({name: _json_number(value) for name, value in values.items()}, indent=2)
        )
        return
    for name, value in values.items():
        click.echo(f"{name:>22}  {_format(value)}")
    if not kpis.stable:
        click.echo(
            f"note: offered load {kpis.offered_load_erlangs:g} erlangs >= {kpis.agents} agents: "
            "without abandonment the queue grows without bound (no steady state)"
        )


def _format(value: object) -> str:
    if isinstance(value, bool | int):
        return str(value)
    assert isinstance(value, float)
    return "inf" if math.isinf(value) else f"{value:.6g}"


def _json_number(value: object) -> object:
    return None if isinstance(value, float) and not math.isfinite(value) else value


@contextmanager
def _progress(reps: int, *, enabled: bool) -> Iterator[ProgressCallback | None]:
    if not enabled:
        yield None
        return
    with click.progressbar(length=reps, label="replications", file=sys.stderr) as bar:
        yield bar.update


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line; user errors print one line and exit with code 2."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        cli.main(args=args, prog_name="ccsim", standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as error:
        _show_click_error(error)
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except CcsimError as error:
        if "--debug" in args:
            raise
        click.echo(f"error: {error}", err=True)
        sys.exit(2)


def _show_click_error(error: click.ClickException) -> None:
    """Print an invalid option or argument as one ``error:`` line, like every user error."""
    message = error.format_message()
    if "\n" in message:  # a bare ``ccsim``: click's NoArgsIsHelpError carries the help text
        error.show()
        return
    click.echo(f"error: {message}", err=True)

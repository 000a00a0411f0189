"""The ``ccsim`` command line: parse, call the ``sim`` API, print. No model logic here."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from sim import __version__
from sim.analytic import QueueKpis, agents_required, queue_kpis
from sim.engines import ENGINE_NAMES
from sim.engines.base import ProgressCallback
from sim.errors import CcsimError
from sim.scenario import load_scenario

_ERLANG_KPIS = ("p_wait", "service_level", "asa_s", "occupancy")


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
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True, help="Run seed.")
@click.option("--engine", type=click.Choice(ENGINE_NAMES), default="fast", show_default=True)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default="out",
    show_default=True,
    help="Folder for tables and plots.",
)
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
@click.option("--engine", type=click.Choice(ENGINE_NAMES), default="fast", show_default=True)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default="out/compare",
    show_default=True,
    help="Folder for compare.csv and the plot.",
)
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

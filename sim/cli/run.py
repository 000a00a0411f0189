"""``ccsim validate``, ``ccsim run``, ``ccsim compare`` and ``ccsim warm-up``: run scenarios."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sim.cli.options import (
    RUN_REPS,
    engine_option,
    given,
    json_option,
    load_with_sets,
    out_dir_option,
    progress_bar,
    quiet_option,
    reps_option,
    seed_option,
    set_option,
    status_line,
    terminal_stderr,
    workers_option,
)
from sim.scenario import Scenario, load_scenario
from sim.scenario.stability import overload_warning

if TYPE_CHECKING:
    import pandas as pd

    from sim.results.money import ContractResult
    from sim.results.summary import Summary
    from sim.simulation import SimulationResult

_WORKERS_HELP = "Threads of the fast engine [the CPUs]; never change the numbers."


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
def validate(scenario: str) -> None:
    """Check a scenario file and print what it describes."""
    loaded = load_scenario(scenario)
    mode = "steady state" if loaded.steady_state is not None else f"{loaded.n_days} day(s)"
    if loaded.start_date is not None:
        last = loaded.day_label(loaded.n_days - 1)
        mode += f" {loaded.day_label(0)} to {last}, {len(loaded.open_days())} open"
    click.echo(
        f"{scenario}: valid — {loaded.name}: {len(loaded.call_types)} call type(s), "
        f"{len(loaded.groups)} group(s), {mode}, {loaded.n_intervals} intervals of "
        f"{loaded.interval_s / 60:g} min"
    )
    _warn_if_overloaded(loaded)


def _warn_if_overloaded(scenario: Scenario) -> None:
    """Print a warning on stderr when a steady state cannot settle (as ``ccsim erlang`` does)."""
    warning = overload_warning(scenario)
    if warning is not None:
        click.echo(f"warning: {warning}", err=True)


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@reps_option(RUN_REPS, "Replications.")
@seed_option
@engine_option
@out_dir_option("out", "Folder for tables and plots (with --json: only when given).")
@json_option
@click.option(
    "--plots/--no-plots", default=True, show_default=True, help="Draw the three plots into OUT."
)
@workers_option(_WORKERS_HELP)
@quiet_option
@set_option
def run(
    *,
    scenario: str,
    sets: tuple[str, ...],
    reps: int,
    seed: int,
    engine: str,
    out_dir: str,
    as_json: bool,
    plots: bool,
    workers: int | None,
    quiet: bool,
) -> None:
    """Simulate a scenario, print its KPIs and write tables and plots to OUT.

    With ``--json`` nothing is written unless ``--out`` is given.
    """
    # Imported here so that the other commands start without numba; pandas loads only for the
    # tables (files or console), matplotlib only for the plots.
    from sim.results.money import evaluate_contract  # noqa: PLC0415
    from sim.simulation import simulate  # noqa: PLC0415

    loaded = load_with_sets(scenario, sets)
    _warn_if_overloaded(loaded)
    with progress_bar(reps, enabled=terminal_stderr(quiet)) as progress:
        result = simulate(
            loaded, reps=reps, seed=seed, engine=engine, workers=workers, progress=progress
        )
    contract = evaluate_contract(result.tallies, result.plan, loaded)
    email = _email_summary(result)
    if as_json:
        if given("out_dir"):
            _write_report(out_dir, result, contract, email, plots)
        document = _run_json(
            result, engine=engine, reps=reps, seed=seed, contract=contract, email=email
        )
        click.echo(json.dumps(document, indent=2))
        return
    summary, written = _write_report(out_dir, result, contract, email, plots)
    from sim.report.contract import contract_console  # noqa: PLC0415
    from sim.report.email import email_console  # noqa: PLC0415
    from sim.report.tables import console_table  # noqa: PLC0415

    click.echo(f"{loaded.name}: {reps} replications, engine {engine}, seed {seed}")
    click.echo(console_table(summary, result.plan))
    if contract is not None:
        click.echo("\n" + contract_console(contract))
    if email is not None:
        click.echo("\n" + email_console(email))
    click.echo(f"wrote {', '.join(str(path) for path in written)}")


def _email_summary(result: SimulationResult) -> pd.DataFrame | None:
    """Return the email KPIs of a run whose plan has email types (else None)."""
    if not result.plan.has_email:
        return None
    from sim.results.email import summarize_email  # noqa: PLC0415 (pandas)

    return summarize_email(result.tallies, result.plan)


def _write_report(
    out_dir: str,
    result: SimulationResult,
    contract: ContractResult | None,
    email: pd.DataFrame | None,
    plots: bool,
) -> tuple[Summary, list[Path]]:
    """Summarize a run with its period tables and write them (and the plots) to ``out_dir``."""
    from sim.report.contract import contract_table  # noqa: PLC0415
    from sim.report.outputs import write_run_report  # noqa: PLC0415
    from sim.results import summarize  # noqa: PLC0415

    summary = summarize(result.tallies, result.plan)
    table = contract_table(contract) if contract is not None else None
    written = write_run_report(out_dir, summary, result.plan, table, plots=plots, email=email)
    return summary, written


def _run_json(
    result: SimulationResult,
    *,
    engine: str,
    reps: int,
    seed: int,
    contract: ContractResult | None,
    email: pd.DataFrame | None,
) -> dict[str, Any]:
    """Return the document ``ccsim run --json`` prints, from whole-run totals (no pandas)."""
    from sim.report.contract import contract_json  # noqa: PLC0415
    from sim.report.tables import channel_json, chat_json, kpis_json  # noqa: PLC0415
    from sim.results.summary import run_totals  # noqa: PLC0415

    plan = result.plan
    totals = run_totals(result.tallies, plan)
    document = {"engine": engine, "reps": reps, "seed": seed, "kpis": kpis_json(totals, plan)}
    if plan.has_chat:
        document["chat"] = chat_json(totals, plan)
    if plan.has_channels:
        document["occupancy_by_channel"] = channel_json(totals, plan)
    if contract is not None:
        document["contract"] = contract_json(contract)
    if email is not None:
        from sim.report.email import email_json  # noqa: PLC0415

        document["email"] = email_json(email)
    return document


@click.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(dir_okay=False))
@reps_option(RUN_REPS, "Replications of each scenario.", minimum=2)
@seed_option
@engine_option
@out_dir_option("out/compare", "Folder for compare.csv and the plot.")
@workers_option(_WORKERS_HELP)
@quiet_option
@set_option
def compare(
    *,
    scenarios: tuple[str, ...],
    sets: tuple[str, ...],
    reps: int,
    seed: int,
    engine: str,
    out_dir: str,
    workers: int | None,
    quiet: bool,
) -> None:
    """Compare scenarios on the same seed: KPIs side by side and paired differences.

    The first scenario is the baseline; every replication of every scenario sees the same
    arrivals, handle times and patience, so differences are measured with little noise.
    """
    from sim.experiments import compare_scenarios  # noqa: PLC0415 (pandas and numba load late)
    from sim.report import comparison_console, write_comparison_report  # noqa: PLC0415

    loaded = {}
    for path in scenarios:
        scenario = load_with_sets(path, sets)
        loaded[scenario.name if scenario.name not in loaded else Path(path).stem] = scenario
    with status_line(enabled=terminal_stderr(quiet)) as status:
        comparison = compare_scenarios(
            loaded, reps=reps, seed=seed, engine=engine, workers=workers, status=status
        )
    tables = (comparison.table, comparison.differences)
    written = write_comparison_report(
        out_dir, comparison.names, comparison.summaries, comparison.plans, tables
    )
    click.echo(f"{len(loaded)} scenarios, {reps} replications each, engine {engine}, seed {seed}")
    click.echo(comparison_console(comparison.names, *tables))
    click.echo(f"wrote {', '.join(str(path) for path in written)}")


@click.command("warm-up")
@workers_option("Kernels compiled at once, each in its own process [the CPUs].")
def warm_up(workers: int | None) -> None:
    """Compile the fast engine once, so that later runs start at once.

    The compiled kernels go to numba's cache: NUMBA_CACHE_DIR when set, else the user's cache
    folder ($XDG_CACHE_HOME/ccsim/numba). A run compiles only the kernel it needs when it is
    not there yet.
    """
    from sim.simulation import warm_up as compile_kernels  # noqa: PLC0415

    click.echo("compiling the fast engine")
    folder = compile_kernels(
        workers or os.cpu_count() or 1,
        lambda name, seconds: click.echo(f"  {name}: {seconds:.1f} s"),
    )
    click.echo(f"cached in {folder}")

"""``ccsim bid``: size and price an outsourcing bid."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sim.cli.options import (
    confidence_option,
    engine_option,
    old_name,
    out_dir_option,
    quiet_option,
    search_options,
    seed_option,
    status_line,
    target_option,
    terminal_stderr,
    warn_if_few_reps,
)

_price_type = click.FloatRange(min=0, min_open=True)


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@target_option(
    "Contractual service level over the day [the contract's day service-level target, else its "
    "sl_penalty.below, else the scenario's target].",
    dest="sl_target",
)
@old_name("--sl-target", "sl_target", click.FloatRange(min=0, max=1, min_open=True, max_open=True))
@confidence_option(
    "Share of replications in which every day's service level reaches the target and every "
    "contract target holds."
)
@click.option("--price-per-call", type=_price_type, default=None, help="Price per handled call.")
@click.option(
    "--price-per-hour", type=_price_type, default=None, help="Price per staffed agent hour."
)
@click.option(
    "--group",
    multiple=True,
    help="Group to staff; repeat for several, staffed jointly [the only group of role agent].",
)
@click.option(
    "--margin",
    type=click.FloatRange(min=0, max=1, max_open=True),
    default=None,
    help="Margin to reach, a share of the revenue: scales every price of the contract to it.",
)
@click.option(
    "--markup",
    type=click.FloatRange(min=0),
    default=0.15,
    show_default=True,
    help="Share on top of the mean cost when the price is quoted (no price given anywhere).",
)
@click.option(
    "--forecast-cv",
    type=click.FloatRange(min=0),
    default=None,
    help="CV of the forecast-error volume case: a gamma multiplier with mean 1 per day (0: no "
    "such case) [the scenario's busyness.day_cv].",
)
@search_options("Seed of the volume cases, fresh random numbers [seed + 1000].")
@seed_option
@engine_option
@out_dir_option("out/bid", "Folder for bid.csv, groups.csv, scenario.yaml and bid.png.")
@quiet_option
def bid(
    *,
    scenario: str,
    sl_target: float | None,
    confidence: float,
    price_per_call: float | None,
    price_per_hour: float | None,
    group: tuple[str, ...],
    margin: float | None,
    markup: float,
    forecast_cv: float | None,
    reps: int,
    validation_seed: int | None,
    seed: int,
    engine: str,
    out_dir: str,
    quiet: bool,
) -> None:
    """Size an outsourcing bid: least staffing for the contract, its cost, price and margin.

    Exit code 0 when the bid holds on the fresh seed (the day's service level and every target
    of the contract with the confidence asked), 1 when it does not, 2 for bad input.
    """
    from sim.planning.bid import bid_scenario_yaml, size_bid  # noqa: PLC0415
    from sim.report.bid import bid_console, write_bid  # noqa: PLC0415
    from sim.scenario.load import read_yaml  # noqa: PLC0415

    with status_line(enabled=terminal_stderr(quiet)) as status:
        result = size_bid(
            read_yaml(Path(scenario), scenario),
            group=group or None,
            sl_target=sl_target,
            margin=margin,
            confidence=confidence,
            price_per_call=price_per_call,
            price_per_hour=price_per_hour,
            markup=markup,
            reps=reps,
            seed=seed,
            validation_seed=validation_seed,
            forecast_cv=forecast_cv,
            engine=engine,
            source=scenario,
            base_dir=Path(scenario).parent,
            status=status,
        )
    warn_if_few_reps(confidence, reps)
    scenario_yaml = bid_scenario_yaml(result, Path(scenario).parent, Path(out_dir))
    written = write_bid(out_dir, result, scenario_yaml)
    click.echo(bid_console(result))
    click.echo(f"wrote {', '.join(str(path) for path in written)}")
    if not result.holds:
        sys.exit(1)

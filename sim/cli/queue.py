"""``ccsim erlang`` and ``ccsim staff``: one queue in steady state, by formula."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from typing import Any

import click

from sim.analytic import QueueKpis, queue_kpis, staffing_for_goals
from sim.cli.options import (
    amount_option,
    json_option,
    patience_option,
    shrinkage_option,
    target_option,
    threshold_option,
)
from sim.errors import UsageError

_ERLANG_KPIS = ("p_wait", "service_level", "asa_s", "occupancy")


def _queue_options(function: Any) -> Any:
    options = [
        amount_option("--calls-per-hour", "Offered calls per hour."),
        amount_option("--aht-s", "Average handle time, seconds.", positive=True),
        threshold_option,
        patience_option,
        json_option,
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.command()
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
    _print_queue(
        kpis, patience_s, as_json, given={"threshold_s": threshold_s, "patience_s": patience_s}
    )


@click.command()
@_queue_options
@target_option("Service-level target (fraction answered within the threshold).")
@click.option(
    "--asa-target-s",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Largest average speed of answer, seconds.",
)
@click.option(
    "--max-occupancy",
    type=click.FloatRange(min=0, max=1, min_open=True),
    default=None,
    help="Largest occupancy of the agents on the phones (fraction).",
)
@shrinkage_option("Share of scheduled time off the phones: scheduled = agents / (1 - shrinkage).")
def staff(
    *,
    calls_per_hour: float,
    aht_s: float,
    threshold_s: float,
    patience_s: float | None,
    as_json: bool,
    target: float | None,
    asa_target_s: float | None,
    max_occupancy: float | None,
    shrinkage: float,
) -> None:
    """Fewest agents meeting every goal given (Erlang C, or A with --patience-s).

    Goals: --target (service level), --asa-target-s, --max-occupancy; at least one.
    """
    if target is None and asa_target_s is None and max_occupancy is None:
        raise UsageError("give at least one goal: --target, --asa-target-s or --max-occupancy")
    staffing = staffing_for_goals(
        calls_per_hour=calls_per_hour,
        aht_s=aht_s,
        threshold_s=threshold_s,
        target=target,
        asa_target_s=asa_target_s,
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
        patience_s=patience_s,
    )
    goals = {
        "target": target,
        "threshold_s": threshold_s,
        "asa_target_s": asa_target_s,
        "max_occupancy": max_occupancy,
        "shrinkage": shrinkage,
        "patience_s": patience_s,
    }
    extra = {"scheduled": staffing.scheduled, "binding_goal": staffing.binding}
    _print_queue(staffing.kpis, patience_s, as_json, given=goals, extra=extra)


def _print_queue(
    kpis: QueueKpis,
    patience_s: float | None,
    as_json: bool,
    *,
    given: dict[str, float | None],
    extra: dict[str, object] | None = None,
) -> None:
    """Print the inputs used (``None`` ones left out), the KPIs, then ``extra`` results."""
    names = (
        "agents",
        "offered_load_erlangs",
        *_ERLANG_KPIS,
        *(("p_abandon",) if patience_s is not None else ()),
        "stable",
    )
    values: dict[str, object] = {name: value for name, value in given.items() if value is not None}
    values.update({name: asdict(kpis)[name] for name in names})
    values.update(extra or {})
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
    if isinstance(value, bool | int | str):
        return str(value)
    assert isinstance(value, float)
    return "inf" if math.isinf(value) else f"{value:.6g}"


def _json_number(value: object) -> object:
    return None if isinstance(value, float) and not math.isfinite(value) else value

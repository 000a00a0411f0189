"""``ccsim estimate``: quick estimates for chat, email and a promotion day, by formula."""

from __future__ import annotations

import json
import math

import click

from sim.analytic.channels import (
    chat_agents_required,
    email_agents_to_clear,
    email_workload_h,
    promotion_estimate,
)
from sim.cli.options import (
    amount_option,
    json_option,
    max_concurrent_option,
    parse_factors,
    patience_option,
    slowdown_option,
    target_option,
    threshold_option,
)


@click.group()
def estimate() -> None:
    """Quick estimates by formula: chat agents, email agents, a promotion day's agents."""


@estimate.command(name="chat")
@amount_option("--chats-per-hour", "Offered chats per hour.")
@amount_option(
    "--session-s", "Mean session length when the agent holds one session, seconds.", positive=True
)
@max_concurrent_option
@slowdown_option
@threshold_option
@target_option("Share of chats answered (first response) within the threshold.", required=True)
@patience_option
@json_option
def estimate_chat(
    *,
    chats_per_hour: float,
    session_s: float,
    max_concurrent: int,
    slowdown: str | None,
    threshold_s: float,
    target: float,
    patience_s: float | None,
    as_json: bool,
) -> None:
    """Chat agents: Erlang C (or A) on agents x max-concurrent slots, sessions at full load."""
    staffing = chat_agents_required(
        chats_per_hour=chats_per_hour,
        session_s=session_s,
        max_concurrent=max_concurrent,
        slowdown=parse_factors(slowdown),
        threshold_s=threshold_s,
        target=target,
        patience_s=patience_s,
    )
    _print_values(
        {
            "agents": staffing.agents,
            "slots": staffing.slots,
            "session_at_full_load_s": staffing.session_s,
            "service_level": staffing.kpis.service_level,
            "asa_s": staffing.kpis.asa_s,
            "slot_occupancy": staffing.kpis.occupancy,
        },
        as_json,
    )


@estimate.command(name="email")
@amount_option("--items-per-hour", "Items arriving per hour while the agents work.")
@amount_option(
    "--backlog", "Items waiting at the start (e.g. the overnight backlog at opening).", default=0.0
)
@amount_option("--aht-s", "Mean handle time of an item, seconds.", positive=True)
@amount_option("--within-h", "Response-time target, hours.", positive=True)
@json_option
def estimate_email(
    *, items_per_hour: float, backlog: float, aht_s: float, within_h: float, as_json: bool
) -> None:
    """Email agents that clear the backlog and the new items within the target (fluid model)."""
    agents = email_agents_to_clear(
        backlog_items=backlog, items_per_hour=items_per_hour, aht_s=aht_s, within_h=within_h
    )
    workload = email_workload_h(items=backlog + items_per_hour * within_h, aht_s=aht_s)
    _print_values({"agents": agents, "workload_h_within_target": workload}, as_json)


@estimate.command(name="promotion")
@amount_option("--sales", "Sales expected on the day.")
@amount_option("--order-value", "Average order value (same money as --sales).", positive=True)
@click.option(
    "--conversion",
    type=click.FloatRange(min=0, max=1, min_open=True, max_open=True),
    required=True,
    help="Share of receptions (pre-sale chats) that end in an order.",
)
@amount_option("--per-agent", "Receptions one agent handles in a day.", positive=True)
@json_option
def estimate_promotion(
    *, sales: float, order_value: float, conversion: float, per_agent: float, as_json: bool
) -> None:
    """Receptions = sales / order value / conversion; agents = receptions / per agent."""
    result = promotion_estimate(
        sales=sales,
        average_order_value=order_value,
        conversion=conversion,
        receptions_per_agent_per_day=per_agent,
    )
    _print_values(
        {"orders": result.orders, "receptions": result.receptions, "agents": result.agents},
        as_json,
    )


def _print_values(values: dict[str, int | float], as_json: bool) -> None:
    if as_json:
        finite = {k: None if math.isinf(v) else v for k, v in values.items()}
        click.echo(json.dumps(finite, indent=2))
        return
    for name, value in values.items():
        text = str(value) if isinstance(value, int) else f"{value:.6g}"
        click.echo(f"{name:>24}  {text}")

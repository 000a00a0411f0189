"""A run's contract: the targets block, the money block, ``contract.csv`` and the JSON entry."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.report.tables import aligned_rows
from sim.results.money import (
    COST_COMPONENTS,
    REVENUE_COMPONENTS,
    ContractResult,
    Money,
)
from sim.results.targets import TargetOutcome, TargetsResult

if TYPE_CHECKING:
    import pandas as pd

TARGET_COLUMNS = (
    "mean",
    "ci_low",
    "ci_high",
    "p_met",
    "p_met_low",
    "p_met_high",
    "p_all_met",
    "p_all_met_low",
    "p_all_met_high",
)
CSV_COLUMNS = ("section", "item", "period", *TARGET_COLUMNS)
TOTALS = ("total_cost", "revenue", "penalties", "bonuses", "margin")
CONSOLE_PERIODS = ("month", "year")


def contract_table(result: ContractResult) -> pd.DataFrame:
    """Return ``contract.csv``: targets, headcount and money, one row each.

    Columns :data:`CSV_COLUMNS`. ``section`` is ``target`` (item: the target; period: its
    period; the KPI's mean and CI and the P(met) columns), ``joint`` (P(every target met)),
    ``headcount`` (item: role; mean: headcount) or ``money`` (item: component or total;
    period: day, week, month or year; mean and CI).
    """
    import pandas as pd  # noqa: PLC0415 (``ccsim run --json`` needs no pandas)

    rows: list[dict[str, Any]] = []
    if result.targets is not None:
        rows += [_target_row(outcome) for outcome in result.targets.outcomes]
        rows.append(_joint_row(result.targets))
    rows += [
        {"section": "headcount", "item": role, "mean": count}
        for role, count in headcount_of(result.money).items()
    ]
    rows += [{"section": "money", **row} for row in _roll_up_rows(result.money)]
    return pd.DataFrame(rows, columns=list(CSV_COLUMNS))


def contract_console(result: ContractResult) -> str:
    """Return the targets block (if any) and the money block for the console."""
    blocks = []
    if result.targets is not None:
        blocks.append(targets_console(result.targets))
    blocks.append(money_console(result.money))
    return "\n\n".join(blocks)


def contract_json(result: ContractResult) -> dict[str, Any]:
    """Return the contract as plain data: targets with P(met), joint P, headcount, money."""
    document: dict[str, Any] = {}
    if result.targets is not None:
        document["targets"] = [
            {"target": o.target.label, **_numbers(_target_row(o), TARGET_COLUMNS)}
            for o in result.targets.outcomes
        ]
        document["joint"] = _numbers(_joint_row(result.targets), TARGET_COLUMNS[6:])
    document["headcount"] = headcount_of(result.money)
    money: dict[str, dict[str, Any]] = {}
    for row in _roll_up_rows(result.money):
        money.setdefault(row["item"], {})[row["period"]] = _numbers(
            row, ("mean", "ci_low", "ci_high")
        )
    document["money"] = money
    return document


def _target_row(outcome: TargetOutcome) -> dict[str, Any]:
    row = {"section": "target", "item": outcome.target.label, "period": outcome.target.period}
    return row | {name: getattr(outcome, name) for name in TARGET_COLUMNS}


def _joint_row(targets: TargetsResult) -> dict[str, Any]:
    return {
        "section": "joint",
        "item": "every target",
        "p_all_met": targets.joint,
        "p_all_met_low": targets.joint_low,
        "p_all_met_high": targets.joint_high,
    }


def headcount_of(money: Money) -> dict[str, float]:
    """Return the headcount by role, agent FTE, seat-lines and hires a month, by name."""
    staff = money.headcount
    return {
        "agent_fte": staff.agent_fte,
        "agents": staff.agents,
        **staff.overhead,
        "seat_lines": staff.seat_lines,
        "hires_per_month": staff.hires_per_month,
    }


def _roll_up_rows(money: Money) -> list[dict[str, Any]]:
    """Return the roll-up rows of the items shown (see :func:`_money_items`), in order."""
    order = {item: i for i, item in enumerate(_money_items(money))}
    rows = [row for row in money.roll_up() if row["item"] in order]
    return sorted(rows, key=lambda row: order[row["item"]])  # stable: periods stay in order


def _money_items(money: Money) -> list[str]:
    """Components that are not zero in every replication, then the totals."""
    parts = [
        name
        for name, values in money.yearly.items()
        if name not in TOTALS and np.any(values != 0.0)
    ]
    return [*parts, *TOTALS]


def targets_console(targets: TargetsResult) -> str:
    """Return one row per target: periods, mean (95% CI), P(period met), P(all met); joint P."""
    header = ["target", "periods", "mean (95% CI)", "P(period met) [95%]", "P(all met) [95%]"]
    rows = [header]
    for outcome in targets.outcomes:
        kpi = outcome.target.kpi
        rows.append(
            [
                outcome.target.label,
                str(outcome.met.shape[1]),
                _kpi_with_ci(kpi, outcome.mean, outcome.ci_low, outcome.ci_high),
                share_text(outcome.p_met, outcome.p_met_low, outcome.p_met_high),
                share_text(outcome.p_all_met, outcome.p_all_met_low, outcome.p_all_met_high),
            ]
        )
    joint = share_text(targets.joint, targets.joint_low, targets.joint_high)
    rows.append(["every target, every period", "", "", "", joint])
    return aligned_rows(rows)


def money_console(money: Money) -> str:
    """Return the headcount line and each money item per month and year (95% CIs)."""
    staff = headcount_of(money)
    people = ", ".join(
        f"{role.replace('_', ' ')} {count:g}"
        for role, count in staff.items()
        if role not in {"agent_fte", "hires_per_month"}
    )
    lines = [
        f"headcount: {people}; agent FTE {staff['agent_fte']:.1f}, "
        f"hires {staff['hires_per_month']:.2f} a month"
    ]
    table = {(row["item"], row["period"]): row for row in _roll_up_rows(money)}
    header = ["money", *(f"per {period} (95% CI)" for period in CONSOLE_PERIODS)]
    rows = [header]
    for item in _money_items(money):
        label = _money_label(item)
        cells = []
        for period in CONSOLE_PERIODS:
            row = table[(item, period)]
            cells.append(_amount(row["mean"], row["ci_low"], row["ci_high"]))
        rows.append([label, *cells])
    lines.append(aligned_rows(rows))
    lines.append(
        f"a year is {money.open_days} open days like the simulated ones; a month 1/12 of it"
    )
    return "\n".join(lines)


def _money_label(item: str) -> str:
    if item in COST_COMPONENTS or item in TOTALS:
        return item.replace("_", " ")
    if item in REVENUE_COMPONENTS:
        return "revenue per " + item.removeprefix("revenue_").replace("_", " ")
    return item.replace("_", " ") if item == "sla_penalty" else item


def _kpi_with_ci(kpi: str, mean: float, low: float, high: float) -> str:
    if math.isnan(mean):
        return "n/a"
    if kpi == "asa_s":
        ci = "" if math.isnan(low) else f" [{low:.1f}, {high:.1f}]"
        return f"{mean:.1f} s{ci}"
    ci = "" if math.isnan(low) else f" [{100 * low:.1f}%, {100 * high:.1f}%]"
    return f"{100 * mean:.1f}%{ci}"


def share_text(share: float, low: float, high: float) -> str:
    """Return a probability and its interval: ``0.95 [0.91, 0.97]``."""
    return f"{share:.2f} [{low:.2f}, {high:.2f}]"


def _amount(mean: float, low: float, high: float) -> str:
    if math.isnan(low) or high - low < 0.5:
        return f"{mean:,.0f}"
    return f"{mean:,.0f} [{low:,.0f}, {high:,.0f}]"


def _numbers(row: dict[str, Any], names: tuple[str, ...]) -> dict[str, float | None]:
    values = {name: row.get(name) for name in names}
    return {
        name: None if value is None or not np.isfinite(value) else float(value)
        for name, value in values.items()
    }

"""A bid as a proposal people read: ``bid.html`` (one self-contained page) and ``bid.xlsx``.

Both hold the same tables (:func:`proposal_tables`): the assumptions, the headcount by role,
the money by component per month and year, the targets with P(met), the year's money and
P(loss) per volume case, the margin per price factor, P(bid met) per headcount step, and the
volume cases of the bid. The page adds two charts: the bid figure (``bid.png``) and the
distribution of the year's margin per volume case.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from sim.report.contract import contract_table, headcount_of
from sim.report.experiment_report import STYLE, html_figure
from sim.results.summary import mean_ci
from sim.results.targets import wilson_interval

if TYPE_CHECKING:
    from sim.planning.bid import BidResult

YEARLY_ITEMS = ("total_cost", "revenue", "penalties", "bonuses", "margin")
"""The year's totals compared across volume cases."""
SHEET_TITLES = {
    "assumptions": "Assumptions",
    "headcount": "Headcount by role",
    "money": "Cost and revenue by component, per month and year (100% of the forecast)",
    "targets": "Targets at 100% of the forecast on the fresh seed",
    "yearly": "The year per volume case",
    "sensitivity": "The year's margin per volume case and price factor",
    "headcount_meets": "P(bid met) and the year's margin with agents added per interval",
    "cases": "Volume cases, per day",
}
"""Each table's title, in page and workbook order."""


def proposal_tables(result: BidResult) -> dict[str, pd.DataFrame]:
    """Return the proposal's tables by name (see :data:`SHEET_TITLES`).

    Without a contract or costs the headcount is the staffing's peak agents per group and the
    money, targets and year tables are empty.
    """
    contract = result.forecast_contract
    heads: list[tuple[str, float]] = [
        ("group " + name, count) for name, count in result.headcount.items()
    ]
    empty = pd.DataFrame()
    money = targets = yearly = empty
    if contract is not None:
        heads += list(headcount_of(contract.money).items())
        table = contract_table(contract)
        money = table[(table["section"] == "money") & table["period"].isin(["month", "year"])]
        money = money[["item", "period", "mean", "ci_low", "ci_high"]]
        targets = table[table["section"].isin(["target", "joint"])].drop(columns="section")
        yearly = _yearly_cases(result)
    return {
        "assumptions": _assumptions(result),
        "headcount": pd.DataFrame(heads, columns=["role", "count"]),
        "money": money.reset_index(drop=True),
        "targets": targets.reset_index(drop=True),
        "yearly": yearly,
        "sensitivity": result.sensitivity,
        "headcount_meets": result.headcount_table,
        "cases": result.cases,
    }


def _assumptions(result: BidResult) -> pd.DataFrame:
    staffing = result.staffing
    rows: list[tuple[str, Any]] = [
        ("scenario", result.name),
        ("groups staffed", result.group),
        ("service level over the day", staffing.target),
        ("confidence", staffing.confidence),
        ("replications", result.reps),
        ("search seed", result.seed),
        ("fresh seed (volume cases)", staffing.fresh_seed),
        ("engine", result.engine),
        ("prices", "; ".join(f"{price:g} per {unit}" for unit, price in result.price_forms)),
    ]
    costs = result.document.get("costs", {})
    rows += [
        (f"costs.{name}", value) for name, value in costs.items() if not isinstance(value, dict)
    ]
    if result.margin_goal is not None:
        rows.append(("margin asked", result.margin_goal.margin))
        rows.append(("price factor for it", result.margin_goal.factor))
    rows.append(
        (
            "verdict",
            "holds" if result.holds else "does NOT hold: " + ", ".join(result.failed_targets),
        )
    )
    return pd.DataFrame([(name, str(value)) for name, value in rows], columns=["item", "value"])


def _yearly_cases(result: BidResult) -> pd.DataFrame:
    """Return the year's totals (mean, 95% CI) and P(loss) (Wilson) of each volume case."""
    rows: list[tuple[Any, ...]] = []
    for volume, contract in result.contracts.items():
        yearly = contract.money.yearly
        rows.extend((volume, item, *mean_ci(yearly[item])[:3]) for item in YEARLY_ITEMS)
        loss = float((yearly["margin"] < 0).mean())
        rows.append((volume, "p_loss", loss, *wilson_interval(loss, len(yearly["margin"]))))
    return pd.DataFrame(rows, columns=["volume_pct", "item", "mean", "ci_low", "ci_high"])


def margin_figure(result: BidResult) -> Figure:
    """Histogram of the year's margin over the replications, one panel per volume case."""
    cases = list(result.contracts.items())
    figure = Figure(figsize=(11, 3.6), layout="constrained")
    panels = figure.subplots(1, max(len(cases), 1), sharey=True, squeeze=False)[0]
    for axes, (volume, contract) in zip(panels, cases, strict=False):
        margin = contract.money.yearly["margin"]
        axes.hist(margin, bins=20, color="tab:blue", alpha=0.75)
        axes.axvline(0.0, color="tab:red", linestyle="--", linewidth=1, label="break-even")
        axes.axvline(float(margin.mean()), color="black", linewidth=1.5, label="mean")
        loss = float((margin < 0).mean())
        axes.set_title(f"{result.case_label(volume)}: P(loss) {loss:.2f}")
        axes.set_xlabel("margin a year, currency units")
    panels[0].set_ylabel("replications")
    panels[0].legend(fontsize="small")
    return figure


def proposal_html(
    result: BidResult, tables: dict[str, pd.DataFrame], pngs: dict[str, bytes]
) -> str:
    """Return ``bid.html``: one self-contained page (inline style, charts as data URIs).

    Parameters
    ----------
    result : BidResult
        The bid.
    tables : dict of str to pandas.DataFrame
        :func:`proposal_tables`.
    pngs : dict of str to bytes
        PNG bytes of ``bid.png`` and ``margin.png``.
    """
    title = html.escape(result.name)
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}: bid</title>\n<style>{STYLE}</style>\n</head>",
        f"<body>\n<main>\n<h1>Bid: {title}</h1>",
    ]
    for name, heading in SHEET_TITLES.items():
        if not tables[name].empty:
            parts += [f"<h2>{html.escape(heading)}</h2>", _html_table(tables[name])]
    parts += [
        "<h2>Charts</h2>",
        html_figure(
            pngs["bid.png"],
            "Cost, revenue and margin; service level",
            "Per volume case: costs stacked, revenue marked, margin written above; the service "
            "level over the day (95% CI) and the share of days meeting the target.",
        ),
    ]
    if "margin.png" in pngs:
        parts.append(
            html_figure(
                pngs["margin.png"],
                "The year's margin",
                "Per volume case: the year's margin of each replication, its mean and 0.",
            )
        )
    parts.append("</main>\n</body>\n</html>\n")
    return "\n".join(parts)


def _html_table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = "".join(
            f"<td>{html.escape(_text(v))}</td>"
            if isinstance(v, int | float | np.number)
            else f'<td class="text">{html.escape(_text(v))}</td>'
            for v in record
        )
        rows.append(f"<tr>{cells}</tr>")
    body = "\n".join(rows)
    table = f"<table>\n<thead><tr>{head}</tr></thead>\n{body}\n</table>"
    return f'<div class="table-wrap">\n{table}\n</div>'


def _text(value: object) -> str:
    if isinstance(value, float | np.floating):
        number = float(value)
        if np.isnan(number):
            return ""
        return f"{number:,.4g}" if abs(number) < 10 else f"{number:,.0f}"
    return str(value)


def write_xlsx(tables: dict[str, pd.DataFrame], path: Path) -> None:
    """Write the proposal's tables to ``bid.xlsx``, one sheet each (numbers as numbers)."""
    book = Workbook()
    book.remove(book.active)
    for name, heading in SHEET_TITLES.items():
        frame = tables[name]
        sheet = book.create_sheet(name)
        sheet.append([heading])
        sheet.append([str(c) for c in frame.columns])
        for record in frame.itertuples(index=False):
            sheet.append([_cell_value(v) for v in record])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text stays text: a name never becomes a formula
        for i, column in enumerate(frame.columns, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = float(
                max(12, len(str(column)) + 2)
            )
    book.save(path)


def _cell_value(value: object) -> object:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else float(value)
    return value

"""The console table, the figure and the files of a bid (``ccsim bid``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.report.contract import contract_table, money_console, share_text, targets_console
from sim.report.outputs import save_png, write_all, write_csv, write_text
from sim.report.proposal import margin_figure, proposal_html, proposal_tables, write_xlsx
from sim.report.tables import aligned_rows
from sim.results.money import ContractResult
from sim.results.summary import mean_ci
from sim.results.targets import wilson_interval

if TYPE_CHECKING:
    from sim.planning.bid import BidResult, MarginPrice

BID_FILES = ("bid.csv", "groups.csv", "scenario.yaml", "bid.png")
CONTRACT_FILES = ("contract.csv", "margin.png")
"""Written after :data:`BID_FILES` when the scenario has a contract or costs."""
PROPOSAL_FILES = ("bid.xlsx", "bid.html")
"""The proposal, written last."""

PRICE_ROW = ("price", "", "price")
"""The first row that needs a single price (left out for contracts priced by forms)."""
# Rows of the console's volume table: label, KPI, how its value is written (see _FORMATS).
CASE_ROWS: tuple[tuple[str, str, str], ...] = (
    ("offered calls", "offered", "count"),
    ("answered calls", "answered", "count"),
    ("service level", "service_level", "fraction"),
    ("P(day SL >= target)", "p_day_sl_met", "share"),
    ("paid hours", "staffed_h", "count"),
    ("seats", "seats", "count"),
    ("wages", "base_wage_cost", "money"),
    ("reserves' phone time", "reserve_phone_cost", "money"),
    ("overtime premium", "overtime_cost", "money"),
    ("seat cost", "seat_cost", "money"),
    ("total cost", "total_cost", "money"),
    PRICE_ROW,
    ("revenue", "revenue", "money"),
    ("expected SLA penalty", "sla_penalty", "money"),
    ("margin", "margin", "money"),
    ("margin %", "margin_pct", "percent"),
)
_FORMATS: dict[str, Callable[[float], str]] = {
    "count": lambda value: f"{value:,.1f}",
    "fraction": lambda value: f"{100 * value:.1f}%",
    "share": lambda value: f"{value:.2f}",
    "money": lambda value: f"{value:,.0f}",
    "price": lambda value: f"{value:,.4f}",
    "percent": lambda value: f"{value:.1f}%",
}
# Stacked parts of the cost bars: KPI, legend label, colour.
COST_STACK = (
    ("base_wage_cost", "wages", "tab:blue"),
    ("reserve_phone_cost", "reserves' phone time", "tab:cyan"),
    ("overtime_cost", "overtime premium", "tab:orange"),
    ("seat_cost", "seats", "tab:gray"),
    ("sla_penalty", "expected SLA penalty", "tab:red"),
)


def bid_console(result: BidResult) -> str:
    """Return the headline, the volume cases side by side, the contract and the verdict."""
    price = None if result.priced_by_forms else price_kpi(result)
    blocks = [headline(result), case_console(result.cases, price, result.case_label)]
    if result.forecast_contract is not None:
        blocks.append(contract_block(result, result.forecast_contract))
    blocks.append(verdict(result))
    return "\n\n".join(blocks)


def contract_block(result: BidResult, contract: ContractResult) -> str:
    """Return the targets and money of the forecast case, the yearly cases and the margin price."""
    staffing = result.staffing
    lines = []
    if contract.targets is not None:
        lines.append(
            f"targets at 100% of the forecast on the fresh seed {staffing.fresh_seed}; "
            f"each must hold with P(period met) >= {staffing.confidence:g}:"
        )
        lines.append(targets_console(contract.targets))
    lines.append(money_console(contract.money))
    lines.append(yearly_console(result))
    lines.append(sensitivity_console(result.sensitivity, result.case_label))
    if not result.headcount_table.empty:
        lines.append(headcount_console(result.headcount_table, result.staffing.confidence))
    if result.margin_goal is not None:
        lines.append(margin_line(result.margin_goal, result))
    return "\n".join(lines)


def yearly_console(result: BidResult) -> str:
    """Return the yearly money of each volume case: means [95% CI] and P(loss) [Wilson]."""
    volumes = list(result.contracts)
    rows = [["a year", *(result.case_label(volume) for volume in volumes)]]
    for item in ("total_cost", "revenue", "penalties", "bonuses", "margin"):
        cells = []
        for volume in volumes:
            mean, low, high, _ = mean_ci(result.contracts[volume].money.yearly[item])
            cells.append(
                _cell(pd.Series({"mean": mean, "ci_low": low, "ci_high": high}), _FORMATS["money"])
            )
        rows.append([item.replace("_", " "), *cells])
    losses = [loss_share(result.contracts[volume].money.yearly["margin"]) for volume in volumes]
    rows.append(["P(loss)", *(share_text(*loss) for loss in losses)])
    return aligned_rows(rows)


def sensitivity_console(sensitivity: pd.DataFrame, label: Callable[[int], str]) -> str:
    """Return the yearly margin [95% CI] and P(loss) per volume case (rows) and price factor."""
    factors = sorted(sensitivity["price_factor"].unique())
    rows = [["margin a year", *(f"every price x {factor:g}" for factor in factors)]]
    for volume in dict.fromkeys(sensitivity["volume_pct"].tolist()):
        cases = sensitivity[sensitivity["volume_pct"] == volume]
        cells = []
        for _, row in cases.sort_values("price_factor").iterrows():
            margin = _cell(row, _FORMATS["money"])
            cells.append(f"{margin}, P(loss) {float(row['p_loss']):.2f}")
        rows.append([label(volume), *cells])
    return aligned_rows(rows)


def headcount_console(table: pd.DataFrame, confidence: float) -> str:
    """Return P(bid met) [Wilson] and the yearly margin [95% CI] per headcount step."""
    rows = [["agents per interval", "agent-hours", "P(bid met)", "margin a year", "P(loss)"]]
    for _, row in table.iterrows():
        p_met = share_text(float(row["p_met"]), float(row["p_met_low"]), float(row["p_met_high"]))
        flag = "" if row["p_met"] >= confidence else " (below the confidence)"
        margin = pd.Series(
            {"mean": row["margin"], "ci_low": row["margin_low"], "ci_high": row["margin_high"]}
        )
        rows.append(
            [
                f"{int(row['step']):+d}" if row["step"] else "as staffed",
                f"{float(row['agent_h']):,.1f}",
                p_met + flag,
                _cell(margin, _FORMATS["money"]),
                f"{float(row['p_loss']):.2f}",
            ]
        )
    heading = (
        "headcount x P(bid met) at 100% of the forecast on the fresh seed (every day's service "
        "level and every target met):"
    )
    return heading + "\n" + aligned_rows(rows)


def loss_share(margin: np.ndarray) -> tuple[float, float, float]:
    """Return the share of replications whose yearly margin is below 0, and its Wilson interval."""
    share = float((margin < 0).mean())
    return (share, *wilson_interval(share, len(margin)))


def margin_line(goal: MarginPrice, result: BidResult) -> str:
    """Return the prices that reach the margin asked, and the margin's distribution there."""
    asked = f"{100 * goal.margin:g}%"
    if np.isnan(goal.factor):
        return (
            f"margin {asked}: no price reaches it (revenue less penalties, plus bonuses, does "
            "not exceed that share of the revenue)"
        )
    mean, low, high, _ = mean_ci(goal.yearly_margin)
    loss = share_text(*loss_share(goal.yearly_margin))
    prices = forms_text(result.price_forms, goal.factor)
    return (
        f"margin {asked}: every price x {goal.factor:.4f} ({prices}); "
        f"margin a year {mean:,.0f} [{low:,.0f}, {high:,.0f}], P(loss) {loss}"
    )


def verdict(result: BidResult) -> str:
    """Return whether the bid holds on the fresh seed and, if not, what fails."""
    confidence = f"{100 * result.staffing.confidence:g}%"
    day_level = f"service level over the day >= {100 * result.staffing.target:g}%"
    contract = result.forecast_contract
    if result.holds and (contract is None or contract.targets is None):
        return f"bid holds: {day_level} with {confidence} confidence on the fresh seed"
    if result.holds:
        return f"bid holds: every target met with {confidence} confidence on the fresh seed"
    failures = list(result.failed_targets)
    if not result.staffing.validated:
        failures.insert(0, day_level)
    text = f"bid does NOT hold at {confidence} confidence on the fresh seed: " + "; ".join(failures)
    if result.staffing.unreachable:
        blocked = "; ".join(result.staffing.unreachable)
        text += f"\nthe search stopped: agents cannot reach {blocked}"
    return text


def headline(result: BidResult) -> str:
    """Return what was found: staffing, uplift over Erlang, day shares on both seeds, price."""
    staffing = result.staffing
    target = f"{100 * staffing.target:g}%"
    uplift_h = result.staffed_group_h - result.erlang_h
    share = uplift_h / result.erlang_h if result.erlang_h else float("nan")
    heads = ", ".join(f"{name} {count}" for name, count in result.headcount.items())
    lines = [
        f"{result.name}: bid for service level >= {target} over the day on "
        f"{100 * staffing.confidence:g}% of days; {result.reps} replications, "
        f"engine {result.engine}",
        f"staffing found: {result.group} {result.staffed_group_h:g} agent-hours, peak "
        f"{sum(result.headcount[g] for g in result.staffed_groups)} agents ({staffing.rounds} "
        "rounds from Erlang)",
        f"Erlang vs simulation: Erlang asks {result.erlang_h:g} agent-hours; uplift "
        f"{uplift_h:+g} agent-hours ({100 * share:+.1f}%)",
        f"headcount (peak agents): {heads}",
        f"P(day SL >= {target}): {staffing.day_search:.2f} on the search seed {result.seed} "
        f"(target {'met' if staffing.met else 'NOT met'}), {staffing.day_fresh:.2f} on the fresh "
        f"seed {staffing.fresh_seed} ({'holds' if staffing.validated else 'does NOT hold'})",
        price_line(result),
        f"volume cases on the fresh seed {staffing.fresh_seed}: the same calls at 90%, 100% and "
        f"110% of the forecast{error_case_text(result.forecast_cv)}; means [95% CI], money per day",
    ]
    return "\n".join(lines)


def error_case_text(forecast_cv: float) -> str:
    """Return how the headline names the forecast-error case (empty without one)."""
    if forecast_cv == 0:
        return ""
    return (
        f", and the forecast times a gamma multiplier per day with mean 1 and CV {forecast_cv:g} "
        "(forecast error)"
    )


def price_kpi(result: BidResult) -> str:
    """Return the KPI of the price charged: per staffed hour or per handled call."""
    return "price_per_hour" if result.price_per_hour > 0 else "price_per_handled_call"


def price_line(result: BidResult) -> str:
    """Return the price charged and where it comes from."""
    if result.quote is not None:
        quote = result.quote
        return (
            f"price: {result.price_per_call:,.4f} per handled call, QUOTED: mean total cost "
            f"{quote.total_cost:,.2f} x (1 + markup {quote.markup:g}) / mean answered calls "
            f"{quote.answered:,.1f} (search seed {quote.seed})"
        )
    if result.priced_by_forms:
        return "price: " + forms_text(result.price_forms, 1.0) + " (the contract's price forms)"
    if price_kpi(result) == "price_per_hour":
        return f"price: {result.price_per_hour:,.4f} per staffed agent hour"
    return f"price: {result.price_per_call:,.4f} per handled call"


def forms_text(forms: list[tuple[str, float]], factor: float) -> str:
    """Return price forms as text, each unit price times ``factor``: ``3.9000 per handled call``."""
    return " + ".join(
        f"{factor * unit_price:,.4f} per {unit.replace('_', ' ')}" for unit, unit_price in forms
    )


def case_console(cases: pd.DataFrame, price: str | None, title: Callable[[int], str]) -> str:
    """Return one row per KPI, one column per volume case: mean [95% CI].

    Parameters
    ----------
    cases : pandas.DataFrame
        ``volume_pct``, ``kpi``, ``mean``, ``ci_low``, ``ci_high``.
    price : str or None
        The KPI of the price charged (``price_per_handled_call`` or ``price_per_hour``); None
        when the contract prices by ``price`` forms, whose revenue and margin are yearly only
        (the rows from the price on are left out).
    title : callable
        A case's column title from its ``volume_pct`` (:meth:`BidResult.case_label`).
    """
    volumes = cases["volume_pct"].unique().tolist()
    table = cases.set_index(["kpi", "volume_pct"])
    rows = [["volume", *(title(volume) for volume in volumes)]]
    shown = CASE_ROWS if price is not None else CASE_ROWS[: CASE_ROWS.index(PRICE_ROW)]
    for label, kpi, style in shown:
        stats = [table.loc[(kpi or str(price), volume)] for volume in volumes]
        rows.append([label, *(_cell(row, _FORMATS[style]) for row in stats)])
    return aligned_rows(rows)


def _cell(row: pd.Series, write: Callable[[float], str]) -> str:
    mean, low, high = (float(row[name]) for name in ("mean", "ci_low", "ci_high"))
    if np.isnan(mean):
        return "n/a"
    if np.isnan(low) or low == high:
        return write(mean)
    return f"{write(mean)} [{write(low)}, {write(high)}]"


def bid_figure(result: BidResult) -> Figure:
    """Per volume case: stacked costs with revenue and margin; service level and P(met) vs target.

    Left, one bar per volume case: the mean cost components (wages, reserves' phone time,
    overtime premium, seats) and the expected SLA penalty stacked, the mean revenue as a black
    line; the gap between them is the margin, written above. A contract priced by ``price``
    forms is drawn per year from its money (cost grouped: agents, overhead staff, hiring and
    training, seats, expected penalties; revenue with its bonuses). Right: the mean service
    level with its 95% CI and the share of days reaching the target, against the target and the
    confidence asked.
    """
    figure = Figure(figsize=(11, 4.8), layout="constrained")
    money, service = figure.subplots(1, 2, width_ratios=(3, 2))
    _money_panel(money, result)
    _service_panel(service, result)
    return figure


def _money_panel(axes: Axes, result: BidResult) -> None:
    volumes, x = _volume_axis(axes, result.cases)
    stack, revenue, margin, margin_pct, per = _money_bars(result, volumes)
    bottom = np.zeros(len(volumes))
    for label, colour, values in stack:
        axes.bar(x, values, 0.6, bottom=bottom, color=colour, label=label)
        bottom += values
    axes.hlines(revenue, x - 0.38, x + 0.38, color="black", linewidth=2.5, label="revenue")
    for position, i, top in zip(x, range(len(volumes)), np.maximum(bottom, revenue), strict=True):
        axes.annotate(
            f"margin {margin[i]:,.0f}\n({margin_pct[i]:.1f}%)",
            (float(position), float(top)),
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize="small",
        )
    axes.set_ylim(0, 1.18 * max(bottom.max(), revenue.max()) or 1.0)
    axes.set_ylabel(f"per {per}, currency units (means)")
    axes.set_title(f"{result.name}: cost, revenue and margin")
    _legend_below(axes, columns=3)


# Stacked parts of the yearly cost bars of a contract priced by forms: label, colour, items.
YEARLY_STACK = (
    ("agents", "tab:blue", ("agent_wages", "overtime_premium", "redundancy")),
    ("overhead staff", "tab:purple", ("team_leaders", "supervisors", "qa", "trainers")),
    ("hiring and training", "tab:olive", ("recruitment", "training")),
    ("seats", "tab:gray", ("seats_per_day", "seat_lines")),
    ("expected penalties", "tab:red", ("penalties",)),
)


def _money_bars(
    result: BidResult, volumes: list[int]
) -> tuple[list[tuple[str, str, np.ndarray]], np.ndarray, np.ndarray, np.ndarray, str]:
    """Return the cost stack, revenue, margin and margin % of each case, and their period.

    Per day from the bid's KPIs; per year from the contract's money when it is priced by forms
    (revenue then includes the bonuses).
    """
    if result.priced_by_forms and result.contracts:

        def mean_of(items: tuple[str, ...]) -> np.ndarray:
            yearly = [result.contracts[volume].money.yearly for volume in volumes]
            return np.array([sum(float(y[item].mean()) for item in items) for y in yearly])

        stack = [(label, colour, mean_of(items)) for label, colour, items in YEARLY_STACK]
        revenue = mean_of(("revenue", "bonuses"))
        margin = mean_of(("margin",))
        return stack, revenue, margin, 100 * margin / mean_of(("revenue",)), "year"
    means = result.cases.set_index(["kpi", "volume_pct"])["mean"]

    def day(kpi: str) -> np.ndarray:
        return np.array([means[(kpi, volume)] for volume in volumes])

    stack = [(label, colour, day(kpi)) for kpi, label, colour in COST_STACK]
    return stack, day("revenue"), day("margin"), day("margin_pct"), "day"


def _service_panel(axes: Axes, result: BidResult) -> None:
    cases = result.cases.set_index(["kpi", "volume_pct"])
    volumes, x = _volume_axis(axes, result.cases)
    level = cases.loc["service_level"].loc[volumes]
    met = cases.loc["p_day_sl_met"].loc[volumes, "mean"].to_numpy()
    target, confidence = result.staffing.target, result.staffing.confidence
    axes.bar(x, 100 * met, 0.6, color="tab:green", alpha=0.35, label="P(day SL >= target)")
    axes.errorbar(
        x,
        100 * level["mean"].to_numpy(),
        yerr=100 * np.vstack([level["mean"] - level["ci_low"], level["ci_high"] - level["mean"]]),
        fmt="o",
        color="tab:blue",
        capsize=4,
        label="service level (95% CI)",
    )
    axes.axhline(
        100 * target, color="black", linestyle="--", linewidth=1, label=f"target {100 * target:g}%"
    )
    axes.axhline(
        100 * confidence,
        color="tab:green",
        linestyle=":",
        linewidth=1.2,
        label=f"confidence asked {100 * confidence:g}%",
    )
    axes.set_ylim(0, 105)
    axes.set_ylabel("percent")
    axes.set_title("service level over the day; days meeting it")
    _legend_below(axes, columns=2)


def _legend_below(axes: Axes, *, columns: int) -> None:
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=columns, fontsize="small")


def _volume_axis(axes: Axes, cases: pd.DataFrame) -> tuple[list[int], np.ndarray]:
    """Label the x axis with the volume cases; return them and their positions."""
    volumes = [int(volume) for volume in cases["volume_pct"].unique()]
    x = np.arange(len(volumes))
    labels = [f"{volume}% volume" if volume else "forecast error" for volume in volumes]
    axes.set_xticks(x, labels)
    return volumes, x


def write_bid(directory: str | Path, result: BidResult, scenario_yaml: str) -> list[Path]:
    """Write the files of a bid, all or nothing (:func:`bid_files` names them, in order).

    ``bid.csv``, ``groups.csv``, ``scenario.yaml``, ``bid.png``; with a contract or costs also
    ``contract.csv`` (the targets, headcount and yearly money of the forecast case, as ``ccsim
    run`` writes it) and ``margin.png`` (the year's margin per volume case); then the proposal,
    ``bid.xlsx`` and ``bid.html`` (:mod:`sim.report.proposal`; the page is written last and
    embeds the charts).

    Parameters
    ----------
    directory : str or Path
        The folder (made when missing).
    result : BidResult
        The bid.
    scenario_yaml : str
        The staffed, priced scenario as YAML, its CSV names valid from ``directory``.
    """
    pngs: dict[str, bytes] = {}  # filled by the figure writers, read by the page (last)

    def figure_writer(name: str, make: Callable[[BidResult], Figure]) -> Callable[[Path], None]:
        def write(path: Path) -> None:
            save_png(make(result), path)
            pngs[name] = path.read_bytes()

        return write

    tables = proposal_tables(result)
    writers: dict[str, Callable[[Path], None]] = {
        "bid.csv": lambda path: write_csv(result.cases, path),
        "groups.csv": lambda path: write_csv(result.groups, path),
        "scenario.yaml": lambda path: write_text(scenario_yaml, path),
        "bid.png": figure_writer("bid.png", bid_figure),
    }
    contract = result.forecast_contract
    if contract is not None:
        writers["contract.csv"] = lambda path: write_csv(contract_table(contract), path)
        writers["margin.png"] = figure_writer("margin.png", margin_figure)
    writers["bid.xlsx"] = lambda path: write_xlsx(tables, path)
    writers["bid.html"] = lambda path: write_text(proposal_html(result, tables, pngs), path)
    assert list(writers) == bid_files(has_contract=contract is not None)
    return write_all(directory, writers)


def bid_files(*, has_contract: bool) -> list[str]:
    """Return the names of the files a bid writes, in order."""
    return [*BID_FILES, *(CONTRACT_FILES if has_contract else ()), *PROPOSAL_FILES]

"""Figures from summary frames (matplotlib's object API; the caller saves them)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.results.kpis import ALL
from sim.results.summary import Summary
from sim.scenario.plan import Plan


def service_level_by_interval(summary: Summary, plan: Plan) -> Figure:
    """Service level per interval of arrival: mean and 95% confidence band, with the target."""
    figure = _kpi_by_interval(summary, plan, "service_level", "service level", percent=True)
    axes = figure.axes[0]
    axes.axhline(
        100 * plan.sl_target,
        color="black",
        linestyle="--",
        linewidth=1,
        label=f"target {100 * plan.sl_target:.0f}%",
    )
    axes.set_ylim(0, 102)
    axes.legend(loc="lower left", fontsize="small")
    return figure


def asa_by_interval(summary: Summary, plan: Plan) -> Figure:
    """Average speed of answer (mean wait of answered calls) per interval, with 95% band."""
    return _kpi_by_interval(summary, plan, "asa_s", "ASA (s)", percent=False)


def offered_vs_agents(summary: Summary, plan: Plan) -> Figure:
    """Offered calls per interval (bars) against agents scheduled, present and on break (lines)."""
    centre = _series(
        summary.intervals, ALL, ("offered", "agents", "agents_scheduled", "agents_on_break")
    )
    labels = _labels(centre, plan)
    x = np.arange(len(labels))
    figure = Figure(figsize=(10, 4.5), layout="constrained")
    axes = figure.subplots()
    axes.bar(x, centre["offered"]["mean"], color="tab:blue", alpha=0.6, label="offered calls")
    axes.set_ylabel("offered calls per interval")
    agents_axes = axes.twinx()
    lines = (
        ("agents_scheduled", "agents scheduled", "tab:gray", "--"),
        ("agents", "agents present", "tab:red", "-"),
        ("agents_on_break", "agents on break", "tab:orange", ":"),
    )
    for kpi, label, color, style in lines:
        agents_axes.plot(
            x, centre[kpi]["mean"], color=color, linestyle=style, marker=".", label=label
        )
    agents_axes.set_ylabel("agents (mean over the interval)")
    agents_axes.set_ylim(bottom=0)
    x_labels(axes, x, labels)
    axes.set_title(f"{plan.name}: offered calls and agents")
    # Below the plot, not over it: inside, it hid the right axis and the busiest intervals.
    figure.legend(loc="outside lower center", ncols=4, fontsize="small")
    return figure


def compare_service_level(
    names: tuple[str, ...], summaries: dict[str, Summary], plans: dict[str, Plan]
) -> Figure:
    """Service level by interval of each compared scenario, with 95% confidence bands.

    When some scenario has blended or reserve groups, three panels instead, each with 95% CI
    error bars per interval: service level, outbound contacts and reserve phone hours.
    """
    if any(plan.has_controls for plan in plans.values()):
        return _compare_panels(names, summaries, plans)
    figure = Figure(figsize=(10, 4.5), layout="constrained")
    axes = figure.subplots()
    baseline = plans[names[0]]
    for name in names:
        series = _series(summaries[name].intervals, ALL, ("service_level",))
        x = np.arange(len(series))
        sl = series["service_level"]
        line = axes.plot(x, 100 * sl["mean"], marker=".", label=name)[0]
        axes.fill_between(
            x, 100 * sl["ci_low"], 100 * sl["ci_high"], color=line.get_color(), alpha=0.2
        )
    labels = _labels(_series(summaries[names[0]].intervals, ALL, ("service_level",)), baseline)
    x_labels(axes, np.arange(len(labels)), labels)
    axes.axhline(100 * baseline.sl_target, color="black", linestyle="--", linewidth=1)
    axes.set_ylim(0, 102)
    axes.set_ylabel("service level %")
    axes.set_title("service level by interval of arrival (mean, 95% CI), same seed")
    axes.legend(fontsize="small")
    return figure


COMPARE_PANELS = (
    ("service_level", "service level %", 100.0),
    ("outbound_contacts", "outbound contacts", 1.0),
    ("reserve_phone_h", "reserve phone hours", 1.0),
)


def _compare_panels(
    names: tuple[str, ...], summaries: dict[str, Summary], plans: dict[str, Plan]
) -> Figure:
    """Service level, outbound contacts and reserve phone hours by interval, CI error bars."""
    figure = Figure(figsize=(10, 10), layout="constrained")
    panels = figure.subplots(len(COMPARE_PANELS), 1, sharex=True)
    baseline = plans[names[0]]
    offsets = np.linspace(-0.2, 0.2, len(names)) if len(names) > 1 else np.zeros(1)
    for axes, (kpi, label, scale) in zip(panels, COMPARE_PANELS, strict=True):
        for offset, name in zip(offsets, names, strict=True):
            stats = _series(summaries[name].intervals, ALL, (kpi,))[kpi]
            x = np.arange(len(stats)) + offset
            mean = scale * stats["mean"].to_numpy(dtype=float)
            errors = np.vstack(
                [
                    mean - scale * stats["ci_low"].to_numpy(dtype=float),
                    scale * stats["ci_high"].to_numpy(dtype=float) - mean,
                ]
            )
            axes.errorbar(x, mean, yerr=np.nan_to_num(errors), marker=".", capsize=2, label=name)
        axes.set_ylabel(label)
        axes.set_ylim(bottom=0)
    panels[0].axhline(100 * baseline.sl_target, color="black", linestyle="--", linewidth=1)
    panels[0].set_ylim(0, 102)
    panels[0].set_title("by interval (mean, 95% CI), same seed")
    panels[0].legend(fontsize="small")
    labels = _labels(_series(summaries[names[0]].intervals, ALL, ("service_level",)), baseline)
    x_labels(panels[-1], np.arange(len(labels)), labels)
    return figure


def _kpi_by_interval(
    summary: Summary, plan: Plan, kpi: str, label: str, *, percent: bool
) -> Figure:
    figure = Figure(figsize=(10, 4.5), layout="constrained")
    axes = figure.subplots()
    scale = 100.0 if percent else 1.0
    names = [*plan.voice_call_types, ALL] if len(plan.voice_call_types) > 1 else [ALL]
    for name in names:
        series = _series(summary.intervals, name, (kpi,))[kpi]
        x = np.arange(len(series))
        line = axes.plot(x, scale * series["mean"], marker=".", label=name)[0]
        axes.fill_between(
            x,
            scale * series["ci_low"],
            scale * series["ci_high"],
            color=line.get_color(),
            alpha=0.2,
        )
    labels = _labels(_series(summary.intervals, ALL, (kpi,)), plan)
    x_labels(axes, np.arange(len(labels)), labels)
    axes.set_ylabel(label + (" %" if percent and "%" not in label else ""))
    axes.set_ylim(bottom=0)  # waits and shares start at 0: a floating axis exaggerates change
    axes.set_title(f"{plan.name}: {label} by interval of arrival (mean, 95% CI)")
    if len(names) > 1:
        axes.legend(fontsize="small")
    return figure


def _series(intervals: pd.DataFrame, call_type: str, kpis: tuple[str, ...]) -> pd.DataFrame:
    """Wide frame indexed by (day, interval) with a (kpi, stat) column index, for one call type.

    A KPI undefined in every interval (say ASA of a call type nobody answered) has no summary
    rows; its columns are NaN so that it plots as an empty line.
    """
    rows = intervals[intervals["call_type"] == call_type]
    wide = rows.pivot_table(
        index=["day", "interval"],
        columns="kpi",
        values=["mean", "ci_low", "ci_high"],
        observed=True,
        dropna=False,
    ).swaplevel(axis=1)
    return wide.reindex(columns=pd.MultiIndex.from_product([kpis, ["mean", "ci_low", "ci_high"]]))


def _labels(series: pd.DataFrame, plan: Plan) -> list[str]:
    return [plan.interval_label(int(day), int(interval)) for day, interval in series.index]


def x_labels(axes: object, x: np.ndarray, labels: list[str]) -> None:
    """Label the x axis at ``x``, at most about 16 labels shown, rotated."""
    step = max(1, len(labels) // 16)
    axes.set_xticks(x[::step], labels[::step], rotation=45, ha="right")  # type: ignore[attr-defined]
    axes.set_xlabel("interval start")  # type: ignore[attr-defined]

"""Week views of a run of several days: a table per day and interval x day heatmaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from numpy.typing import NDArray

from sim.results.kpis import ALL
from sim.results.summary import POOLED_KPIS, Summary
from sim.scenario.plan import Plan

DAY_KPIS = ("offered", "answered", "service_level", "asa_s", "abandon_rate", "occupancy")
"""KPIs of the per-day table (all call types together), each with its mean and 95% CI."""

HEATMAP_KPIS = ("service_level", "asa_s", "occupancy")
"""KPIs drawn as interval x day heatmaps, in the order of :data:`WEEK_FILES`' pictures."""


def has_week_views(plan: Plan) -> bool:
    """Tell whether a run gets week views: a calendar of several days."""
    return plan.n_days > 1 and not plan.steady_state


def day_table(summary: Summary, plan: Plan) -> pd.DataFrame:
    """Return one row per day: its label, KPIs of all call types with 95% CIs, P(meets target).

    Parameters
    ----------
    summary : Summary
        The run's summaries.
    plan : Plan
        The plan run (for day labels).

    Returns
    -------
    pandas.DataFrame
        Columns ``day``, ``label`` (``2027-01-04 Mon``; ``day 3`` without dates), ``open``
        (whether the day opened), then ``<kpi>_mean``, ``<kpi>_ci_low``, ``<kpi>_ci_high`` for
        :data:`DAY_KPIS` (and ``<kpi>_pooled`` for ratios: the ratio of the sums over the
        replications, see :data:`~sim.results.summary.POOLED_KPIS`), then ``p_meet``: the
        share of replications whose service level that day reached the target. A closed day's
        KPIs are empty, its offered count 0.
    """
    rows = summary.days[(summary.days["call_type"] == ALL) & summary.days["kpi"].isin(DAY_KPIS)]
    table = pd.DataFrame({"day": np.arange(plan.n_days)})
    table["label"] = [plan.day_label(day, "day ") for day in range(plan.n_days)]
    table["open"] = np.any(plan.interval_open, axis=1).tolist()
    for kpi in DAY_KPIS:
        cells = rows[rows["kpi"] == kpi].set_index("day")
        for stat in ("mean", "ci_low", "ci_high", *(("pooled",) if kpi in POOLED_KPIS else ())):
            table[f"{kpi}_{stat}"] = cells[stat].reindex(table["day"]).to_numpy()
    table.loc[~table["open"], [f"offered_{s}" for s in ("mean", "ci_low", "ci_high")]] = 0.0
    meets = rows[rows["kpi"] == "service_level"].set_index("day")["p_meet"]
    table["p_meet"] = meets.reindex(table["day"]).to_numpy()
    return table


def interval_grid(summary: Summary, plan: Plan, kpi: str) -> NDArray[np.float64]:
    """Return a KPI's mean over all call types per day and interval, float64[D, I].

    Cells where the KPI is undefined (closed intervals, no calls) are NaN.
    """
    rows = summary.intervals[
        (summary.intervals["call_type"] == ALL) & (summary.intervals["kpi"] == kpi)
    ]
    grid = np.full((plan.n_days, plan.n_intervals), np.nan)
    grid[rows["day"].to_numpy(int), rows["interval"].to_numpy(int)] = rows["mean"].to_numpy()
    return grid


def week_heatmap(summary: Summary, plan: Plan, kpi: str) -> Figure:
    """Draw a KPI as a heatmap: intervals across, days (date and weekday) down.

    The service level is drawn as its difference from the target, in percentage points, on a
    diverging colour map centred at 0 (red below the target, blue above); ASA and occupancy on
    sequential maps. Closed or empty cells are left grey. Long calendars keep the picture at
    most about 25 inches tall and label about 60 days.

    Parameters
    ----------
    summary : Summary
        The run's summaries.
    plan : Plan
        The plan run.
    kpi : {"service_level", "asa_s", "occupancy"}
        The KPI drawn.
    """
    grid = interval_grid(summary, plan, kpi)
    figure = Figure(figsize=(11, 1.2 + min(0.38 * plan.n_days, 24.0)), layout="constrained")
    axes = figure.subplots()
    axes.set_facecolor("0.85")
    if kpi == "service_level":
        values = 100 * (grid - plan.sl_target)
        reach = max(float(np.nanmax(np.abs(values), initial=0.0)), 1.0)
        norm = TwoSlopeNorm(vcenter=0.0, vmin=-reach, vmax=reach)
        image = axes.imshow(values, aspect="auto", cmap="RdBu", norm=norm, interpolation="none")
        label = f"service level minus target {100 * plan.sl_target:.0f}% (points)"
    else:
        values = 100 * grid if kpi == "occupancy" else grid
        cmap = "viridis" if kpi == "occupancy" else "magma_r"
        image = axes.imshow(values, aspect="auto", cmap=cmap, interpolation="none")
        label = "occupancy %" if kpi == "occupancy" else "ASA (s)"
    figure.colorbar(image, ax=axes, label=label)
    clocks = [plan.interval_label(0, j).split(" ")[-1] for j in range(plan.n_intervals)]
    step = max(1, plan.n_intervals // 16)
    axes.set_xticks(np.arange(plan.n_intervals)[::step], clocks[::step], rotation=45, ha="right")
    days = np.arange(plan.n_days)[:: max(1, plan.n_days // 60)]  # at most about 60 labels
    axes.set_yticks(days, [plan.day_label(int(day)) for day in days])
    axes.set_xlabel("interval start")
    axes.set_title(f"{plan.name}: {label} by interval and day (mean)")
    return figure

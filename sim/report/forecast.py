"""Forecast reports: the backtest's scores, its dates, and forecast against actual with the band.

The numbers come from :mod:`sim.forecast`; this module formats, plots and writes them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.forecast import BASELINE, HORIZONS, METHODS, Backtest
from sim.report.outputs import save_png, write_all, write_csv
from sim.report.tables import aligned_rows

BACKTEST_FILES = ("backtest.csv", "backtest_days.csv", "backtest.png")


def scores_frame(result: Backtest) -> pd.DataFrame:
    """One row per method and horizon: errors, coverage and the ratio to the baseline's WAPE."""
    rows = []
    for score in result.scores:
        baseline = result.score(BASELINE, score.horizon)
        rows.append(
            {
                "horizon": score.horizon,
                "method": score.method,
                "interval_wape": score.interval_wape,
                "interval_rmse": score.interval_rmse,
                "day_wape": score.day_wape,
                "day_rmse": score.day_rmse,
                "interval_coverage": score.interval_coverage,
                "day_coverage": score.day_coverage,
                "banded_days": score.banded_days,
                "interval_wape_vs_naive": score.interval_wape / baseline.interval_wape,
                "day_wape_vs_naive": score.day_wape / baseline.day_wape,
            }
        )
    return pd.DataFrame(rows).sort_values(["horizon", "method"], key=_order, kind="stable")


def _order(column: pd.Series) -> pd.Series:
    """Sort horizons day before week, and methods in their order with the baseline first."""
    order = list(HORIZONS) if column.name == "horizon" else list(METHODS)
    return column.map(order.index)


def scores_text(result: Backtest) -> str:
    """Format the scores as an aligned table: WAPE and RMSE per interval and per day, coverage."""
    level = f"{100 * result.level:.0f}%"
    header = [
        "horizon",
        "method",
        "WAPE int",
        "RMSE int",
        "WAPE day",
        "RMSE day",
        f"{level} cover int",
        f"{level} cover day",
        "WAPE int/naive",
        "WAPE day/naive",
    ]
    rows = [header]
    rows.extend(
        [
            str(row["horizon"]),
            str(row["method"]),
            _percent(row["interval_wape"]),
            f"{row['interval_rmse']:,.1f}",
            _percent(row["day_wape"]),
            f"{row['day_rmse']:,.1f}",
            _percent(row["interval_coverage"]),
            _percent(row["day_coverage"]),
            f"{row['interval_wape_vs_naive']:.3f}",
            f"{row['day_wape_vs_naive']:.3f}",
        ]
        for row in scores_frame(result).to_dict("records")
    )
    return aligned_rows(rows)


def days_frame(result: Backtest) -> pd.DataFrame:
    """One row per scored date, method and horizon: the daily totals and their band."""
    scored = result.dates[-result.scored :]
    actual = result.actual[-result.scored :].sum(axis=(1, 2))
    rows: list[dict[str, object]] = []
    for method, horizon in result.low:
        forecast = result.forecasts[(method, horizon)][-result.scored :].sum(axis=(1, 2))
        low = result.day_low[(method, horizon)].sum(axis=1)
        high = result.day_high[(method, horizon)].sum(axis=1)
        rows.extend(
            {
                "date": day.isoformat(),
                "horizon": horizon,
                "method": method,
                "actual": actual[n],
                "forecast": forecast[n],
                "low": low[n],
                "high": high[n],
            }
            for n, day in enumerate(scored)
        )
    return pd.DataFrame(rows)


def backtest_figure(result: Backtest, method: str, title: str) -> Figure:
    """Plot the day-ahead forecast against actual with the prediction band.

    Top: daily totals; bottom: the calls of every interval of the scored dates, end to end
    (call types added, and their bands too).
    """
    key = (method, "day")
    scored = slice(len(result.dates) - result.scored, len(result.dates))
    actual = result.actual[scored].sum(axis=2)
    forecast = result.forecasts[key][scored].sum(axis=2)
    figure = Figure(figsize=(11, 7), layout="constrained")
    days_axes, cells_axes = figure.subplots(2, 1)
    x = np.arange(result.scored)
    days_axes.fill_between(
        x,
        result.day_low[key].sum(axis=1),
        result.day_high[key].sum(axis=1),
        color="tab:blue",
        alpha=0.2,
        label=f"{100 * result.level:.0f}% prediction interval",
    )
    days_axes.plot(x, forecast.sum(axis=1), color="tab:blue", marker=".", label=method)
    days_axes.plot(x, actual.sum(axis=1), color="black", marker=".", label="actual")
    ticks = x[:: max(1, result.scored // 12)]
    days_axes.set_xticks(ticks, [result.dates[scored][t].isoformat() for t in ticks])
    days_axes.tick_params(axis="x", labelrotation=30, labelsize="small")
    days_axes.set_ylabel("calls per day")
    days_axes.legend(fontsize="small")
    cells = np.arange(actual.size)
    cells_axes.fill_between(
        cells,
        result.low[key].sum(axis=2).ravel(),
        result.high[key].sum(axis=2).ravel(),
        color="tab:blue",
        alpha=0.2,
        step="mid",
    )
    cells_axes.plot(cells, forecast.ravel(), color="tab:blue", linewidth=0.8)
    cells_axes.plot(cells, actual.ravel(), color="black", linewidth=0.6)
    cells_axes.set_xlabel("interval of the scored dates, end to end")
    cells_axes.set_ylabel("calls per interval")
    figure.suptitle(f"{title}: day-ahead {method} against actual")
    return figure


def write_backtest_report(
    directory: str | Path, result: Backtest, method: str, title: str
) -> list[Path]:
    """Write ``backtest.csv``, ``backtest_days.csv`` and ``backtest.png`` into a folder."""
    writers: list[Callable[[Path], None]] = [
        lambda path: write_csv(scores_frame(result), path),
        lambda path: write_csv(days_frame(result), path),
        lambda path: save_png(backtest_figure(result, method, title), path),
    ]
    return write_all(directory, dict(zip(BACKTEST_FILES, writers, strict=True)))


def _percent(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{100 * value:.1f}%"

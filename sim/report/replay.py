"""Replay reports: observed, simulated and Erlang A KPIs of real days, by interval.

The tables come from :mod:`sim.calibration.replay`; this module formats, plots and writes them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.report.outputs import save_png, write_all, write_csv
from sim.report.plots import x_labels
from sim.report.tables import aligned_rows

REPLAY_FILES = ("replay.csv", "replay_errors.csv", "replay.png")
SOURCES = (
    ("observed", "observed", "black", "-"),
    ("simulated", "simulated (replay)", "tab:blue", "-"),
    ("erlang_a", "Erlang A", "tab:orange", "--"),
)
_PERCENT_KPIS = ("answer_rate", "abandon_rate", "p_wait")


def replay_figure(table: pd.DataFrame, title: str) -> Figure:
    """Each KPI by interval of the day, mean over the days replayed: observed and predicted.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per day, interval and KPI: ``day``, ``interval`` (clock label), ``kpi``,
        ``observed``, ``simulated``, ``erlang_a``.
    title : str
        Figure title.

    Returns
    -------
    Figure
        A panel per KPI; rates in percent, times in seconds.
    """
    kpis = list(dict.fromkeys(table["kpi"]))
    figure = Figure(figsize=(11, 3.2 * ((len(kpis) + 1) // 2)), layout="constrained")
    panels = np.atleast_1d(figure.subplots((len(kpis) + 1) // 2, 2)).ravel()
    labels = sorted(dict.fromkeys(table["interval"]))
    x = np.arange(len(labels))
    for axes, kpi in zip(panels, kpis, strict=False):
        means = table[table["kpi"] == kpi].groupby("interval")[[s[0] for s in SOURCES]].mean()
        means = means.reindex(labels)
        scale = 100.0 if kpi in _PERCENT_KPIS else 1.0
        for column, label, color, style in SOURCES:
            values = scale * means[column]
            axes.plot(x, values, color=color, linestyle=style, marker=".", label=label)
        axes.set_title(kpi, fontsize="medium")
        axes.set_ylabel("%" if scale == 100.0 else "s")
        axes.set_ylim(bottom=0)
        axes.grid(alpha=0.3)
        x_labels(axes, x, labels)
    for axes in panels[len(kpis) :]:
        axes.set_visible(False)
    panels[0].legend(fontsize="small")
    figure.suptitle(title)
    return figure


def errors_text(errors: pd.DataFrame) -> str:
    """Format the error table: a row per KPI, mean absolute errors of replay and Erlang A.

    Parameters
    ----------
    errors : pandas.DataFrame
        ``kpi``, ``cells`` (day-intervals compared), ``observed_mean``, ``mae_simulated``,
        ``mae_erlang_a``.

    Returns
    -------
    str
        Aligned columns; rates in percent and their errors in percentage points (pt).
    """
    header = ["kpi", "cells", "observed mean", "MAE replay", "MAE Erlang A"]
    rows = [header]
    for row in errors.to_dict("records"):
        percent = row["kpi"] in _PERCENT_KPIS
        mean, *maes = (float(row[c]) for c in ("observed_mean", "mae_simulated", "mae_erlang_a"))
        rows.append(
            [
                str(row["kpi"]),
                str(row["cells"]),
                _percent(mean, "%") if percent else _seconds(mean),
                *(_percent(mae, " pt") if percent else _seconds(mae) for mae in maes),
            ]
        )
    return aligned_rows(rows)


def write_replay_report(
    directory: str | Path, table: pd.DataFrame, errors: pd.DataFrame, title: str
) -> list[Path]:
    """Write ``replay.csv`` (every day and interval), ``replay_errors.csv`` and ``replay.png``."""
    writers: list[Callable[[Path], None]] = [
        lambda path: write_csv(table, path),
        lambda path: write_csv(errors, path),
        lambda path: save_png(replay_figure(table, title), path),
    ]
    return write_all(directory, dict(zip(REPLAY_FILES, writers, strict=True)))


def _percent(value: float, unit: str) -> str:
    return "n/a" if not np.isfinite(value) else f"{100 * value:.1f}{unit}"


def _seconds(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:.1f} s"

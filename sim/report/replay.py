"""Replay reports: observed KPIs of real days by interval, the replay's and the baselines'.

The tables come from :mod:`sim.calibration.replay`; this module formats, plots and writes them.
Only the rows of every call type together (``call_type`` ``all``) are plotted.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.calibration.calibrate import ALL_CALLS
from sim.calibration.replay import PREDICTORS
from sim.report.outputs import save_png, write_all, write_csv
from sim.report.plots import x_labels
from sim.report.tables import aligned_rows

REPLAY_FILES = ("replay.csv", "replay_errors.csv", "replay.png")
SOURCES = (
    ("observed", "observed", "black", "-"),
    ("simulated", "simulated (replay)", "tab:blue", "-"),
    ("erlang_a", "Erlang A", "tab:orange", "--"),
    ("flat", "flat guess", "tab:gray", ":"),
)
MIN_TYPE_CELLS = 20
"""A call type gets its own lines in the report with at least this many day-intervals scored."""
_PERCENT_KPIS = ("answer_rate", "abandon_rate", "p_wait")


def replay_figure(table: pd.DataFrame, title: str) -> Figure:
    """Each KPI by interval of the day, mean over the days replayed: observed and predicted.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per day, interval, call type and KPI: ``day``, ``interval`` (clock label),
        ``call_type``, ``kpi``, ``observed``, ``simulated``, ``erlang_a``, ``flat``.
    title : str
        Figure title.

    Returns
    -------
    Figure
        A panel per KPI; rates in percent, times in seconds.
    """
    table = table[table["call_type"] == ALL_CALLS]
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


def errors_text(errors: pd.DataFrame, min_offered: int) -> str:
    """Format the errors of every call type together: a block of predictors per KPI.

    Parameters
    ----------
    errors : pandas.DataFrame
        :func:`sim.calibration.replay.replay_errors`: ``call_type``, ``kpi``, ``predictor``,
        ``cells``, ``observed_mean``, ``mae``, ``bias``, ``corr``, ``skill``.
    min_offered : int
        Offered calls a day-interval needs to be scored (named when none has that many).

    Returns
    -------
    str
        Aligned columns; rates in percent and their errors in percentage points (pt); or one
        line saying that no day-interval had enough calls.
    """
    rows = errors[errors["call_type"] == ALL_CALLS]
    if rows.empty:
        return (
            f"no day-interval has at least {min_offered} offered calls: no errors to report "
            "(the table has every interval)"
        )
    header = ["kpi", "predictor", "cells", "observed mean", "MAE", "bias", "corr", "skill"]
    lines = [header]
    for kpi, block in rows.groupby("kpi", sort=False):
        for i, row in enumerate(block.to_dict("records")):
            value = _formatter(str(kpi))
            lines.append(
                [
                    str(kpi) if i == 0 else "",
                    PREDICTORS[str(row["predictor"])],
                    str(row["cells"]),
                    value(float(row["observed_mean"]), "%"),
                    value(float(row["mae"]), " pt"),
                    value(float(row["bias"]), " pt", signed=True),
                    _fraction(float(row["corr"])),
                    _fraction(float(row["skill"])),
                ]
            )
    return aligned_rows(lines)


def call_types_text(errors: pd.DataFrame) -> str:
    """Format the replay's and the flat guess's errors per call type with enough day-intervals.

    Parameters
    ----------
    errors : pandas.DataFrame
        As for :func:`errors_text`.

    Returns
    -------
    str
        A row per call type (with at least :data:`MIN_TYPE_CELLS` day-intervals scored) and
        KPI, each MAE over its own day-intervals (the skill over those both predict); empty
        when no call type has that many.
    """
    own = errors[errors["call_type"] != ALL_CALLS]
    replayed = own[(own["predictor"] == "simulated") & (own["cells"] >= MIN_TYPE_CELLS)]
    if replayed.empty:
        return ""
    flat_mae = own[own["predictor"] == "flat"].set_index(["call_type", "kpi"])["mae"]
    lines = [["call type", "kpi", "cells", "MAE replay", "MAE flat guess", "skill"]]
    for row in replayed.to_dict("records"):
        value = _formatter(str(row["kpi"]))
        lines.append(
            [
                str(row["call_type"]),
                str(row["kpi"]),
                str(row["cells"]),
                value(float(row["mae"]), " pt"),
                value(float(flat_mae.get((row["call_type"], row["kpi"]), np.nan)), " pt"),
                _fraction(float(row["skill"])),
            ]
        )
    return aligned_rows(lines)


def _formatter(kpi: str) -> Callable[..., str]:
    """Return how a KPI's values are written: percent (errors in points) or seconds."""
    percent = kpi in _PERCENT_KPIS

    def written(value: float, unit: str, *, signed: bool = False) -> str:
        if not np.isfinite(value):
            return "n/a"
        sign = "+" if signed else ""
        return f"{100 * value:{sign}.1f}{unit}" if percent else f"{value:{sign}.1f} s"

    return written


def _fraction(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:+.2f}"


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

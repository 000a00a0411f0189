"""Experiment reports: precomputed tables -> CSV, Markdown, three plots and one HTML page.

An experiment is a base scenario plus design points (a grid of factors or named variants) run
on common random numbers; :mod:`sim.experiments` computes every statistic and hands them over
as an :class:`ExperimentTables`. This module computes nothing statistical: it formats, plots
and writes.

Conventions shared by every output:

* fractions (:func:`is_fraction`: service level, abandon, answer and other ``*_rate`` KPIs,
  occupancy (and by channel), ``p_wait``, the email share answered within target) show as
  percent with one decimal, their differences in points (pt);
* other KPIs (hours ``*_h``, seconds ``*_s``, counts, costs) keep their unit, with decimals
  chosen per KPI from the size of its largest mean (:func:`kpi_decimals`);
* every interval is a 95% confidence interval over replications; differences are paired
  replication by replication (common random numbers) against the baseline point.
"""

from __future__ import annotations

import base64
import html
import math
import numbers
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.report.outputs import save_png, write_all, write_csv
from sim.report.plots import x_labels
from sim.results.experiment import ExperimentTables
from sim.results.kpis import CHANNEL_KPIS

EXPERIMENT_REPORT_FILES = (
    "table.csv",
    "table.md",
    "kpis.png",
    "differences.png",
    "service_level_by_interval.png",
    "report.html",
)
FRACTION_KPIS = (
    "service_level",
    "abandon_rate",
    "answer_rate",
    "occupancy",
    *CHANNEL_KPIS,
    "p_wait",
    "p_meet",
    "concurrency_utilisation",
    "email_within_target_share",
)
STATS = ("mean", "ci_low", "ci_high")
TABLE_COLUMNS = ("point", "kpi", *STATS, "sd", "n_reps")
DIFFERENCE_COLUMNS = ("point", "kpi", *STATS, "sd", "n_pairs")
INTERVAL_COLUMNS = ("point", "label", *STATS)
PANEL_COLUMNS = 4  # most KPI panels per row of the plots
FIGURE_WIDTH = 11.0  # widest figure, inches (1210 px at the 110 dpi of the PNG files)


def write_experiment_report(directory: str | Path, report: ExperimentTables) -> list[Path]:
    """Write the files of :data:`EXPERIMENT_REPORT_FILES` into a folder, all or nothing.

    Each figure is rendered once: its PNG file is written, then the same bytes are embedded in
    ``report.html`` (the HTML is written last).

    Parameters
    ----------
    directory : str or Path
        Folder to write into; created when missing.
    report : ExperimentTables
        The experiment's tables.

    Returns
    -------
    list of Path
        The files written, in :data:`EXPERIMENT_REPORT_FILES` order.

    Raises
    ------
    ValueError
        When a table lacks a column or a name clashes; nothing is written then.
    """
    check_report(report)
    pngs: dict[str, bytes] = {}  # filled by the figure writers, read by the HTML writer (last)

    def figure_writer(name: str) -> Callable[[Path], None]:
        def write(path: Path) -> None:
            save_png(FIGURE_MAKERS[name](report), path)
            pngs[name] = path.read_bytes()

        return write

    writers: dict[str, Callable[[Path], None]] = {
        "table.csv": lambda path: write_csv(experiment_table(report), path),
        "table.md": lambda path: _text(markdown_table(report) + "\n", path),
        **{name: figure_writer(name) for name in FIGURE_MAKERS},
        "report.html": lambda path: _text(html_report(report, pngs), path),
    }
    return write_all(directory, writers)


def _text(text: str, path: Path) -> None:
    path.write_text(text, encoding="utf-8")


def check_report(report: ExperimentTables) -> None:
    """Raise ``ValueError`` when a table of ``report`` lacks a column the report reads.

    Also rejects factor names that clash with the columns of ``table.csv`` and a baseline
    that is not a point.
    """
    required = (
        ("factors", report.factors, ("point",)),
        ("table", report.table, TABLE_COLUMNS),
        ("differences", report.differences, DIFFERENCE_COLUMNS),
        ("intervals", report.intervals, INTERVAL_COLUMNS),
    )
    for name, frame, columns in required:
        missing = [column for column in columns if column not in frame.columns]
        if missing:
            raise ValueError(f"experiment report: {name} lacks columns {missing}")
    clashes = sorted(set(report.factor_names) & {*_csv_columns([]), *TABLE_COLUMNS})
    if clashes:
        raise ValueError(f"experiment report: factor names clash with table columns {clashes}")
    if report.baseline not in report.points:
        raise ValueError(f"experiment report: baseline {report.baseline!r} is not a point")


# --- tables ------------------------------------------------------------------------------


def experiment_table(report: ExperimentTables) -> pd.DataFrame:
    """Return ``table.csv``: one row per point and KPI, with the paired difference.

    Columns: ``point``, the factor columns, ``kpi``, ``mean``, ``ci_low``, ``ci_high``,
    ``n_reps``, ``diff_mean``, ``diff_ci_low``, ``diff_ci_high`` (NaN for the baseline), in the
    row order of ``report.table``.
    """
    differences = report.differences[["point", "kpi", *STATS]].rename(
        columns={stat: f"diff_{stat}" for stat in STATS}
    )
    table = report.table[["point", "kpi", *STATS, "n_reps"]]
    joined = table.merge(report.factors, on="point", how="left", validate="many_to_one")
    joined = joined.merge(differences, on=["point", "kpi"], how="left", validate="one_to_one")
    return joined[_csv_columns(report.factor_names)]


def _csv_columns(factor_names: list[str]) -> list[str]:
    diffs = [f"diff_{stat}" for stat in STATS]
    return ["point", *factor_names, "kpi", *STATS, "n_reps", *diffs]


def markdown_table(report: ExperimentTables) -> str:
    """Return ``table.md``: a header line, then a GitHub Markdown table with a row per point.

    Columns: ``point``, the factors, each KPI as ``mean [low, high]``, then ``Δ kpi`` for each
    KPI: the paired difference from the baseline as ``+x.x [a, b]`` (``baseline`` in the
    baseline's row). Pipes in text are escaped.
    """
    header, rows = table_cells(report)
    lead = 1 + len(report.factor_names)  # text columns, left-aligned; numbers right-aligned
    lines = [_markdown_row(header)]
    lines.append("|" + "|".join("---" if i < lead else "--:" for i in range(len(header))) + "|")
    lines += [_markdown_row(row) for row in rows]
    return f"{summary_line(report)}\n\n" + "\n".join(lines)


def _markdown_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def summary_line(report: ExperimentTables) -> str:
    """Return ``Experiment NAME: engine E, seed S, N replications per point``."""
    return (
        f"Experiment {report.name}: engine {report.engine}, seed {report.seed}, "
        f"{replications_text(report)} replications per point"
    )


def replications_text(report: ExperimentTables) -> str:
    """Return the replications per point, ``"200"``, or ``"100 to 400"`` when they differ."""
    counts = pd.to_numeric(report.table["n_reps"], errors="coerce").dropna()
    if counts.empty:
        return "n/a"
    low, high = int(counts.min()), int(counts.max())
    return str(low) if low == high else f"{low} to {high}"


def table_cells(report: ExperimentTables) -> tuple[list[str], list[list[str]]]:
    """Return the header and the rows of the report table as formatted text cells.

    The same cells make ``table.md`` and the table of ``report.html``.
    """
    factors = report.factor_names
    header = ["point", *factors, *report.kpis, *(f"Δ {kpi}" for kpi in report.kpis)]
    table = report.table.set_index(["point", "kpi"])
    differences = report.differences.set_index(["point", "kpi"])
    decimals = {kpi: kpi_decimals(report.table, kpi) for kpi in report.kpis}
    rows = []
    for _, factor_row in report.factors.iterrows():
        point = str(factor_row["point"])
        cells = [point, *(_level_text(factor_row[name]) for name in factors)]
        cells += [_cell(table, point, kpi, decimals[kpi]) for kpi in report.kpis]
        cells += [
            "baseline"
            if point == report.baseline
            else _cell(differences, point, kpi, decimals[kpi], sign=True)
            for kpi in report.kpis
        ]
        rows.append(cells)
    return header, rows


def _cell(frame: pd.DataFrame, point: str, kpi: str, decimals: int, *, sign: bool = False) -> str:
    """Format the estimate of ``(point, kpi)`` in ``frame``; ``n/a`` when it has no row."""
    if (point, kpi) not in frame.index:
        return "n/a"
    values = [float(frame.loc[(point, kpi), stat]) for stat in STATS]  # type: ignore[arg-type]
    return format_estimate(*values, percent=is_fraction(kpi), decimals=decimals, sign=sign)


def _level_text(level: object) -> str:
    """Return a factor level as text: whole floats without ``.0``, others as ``str``."""
    if isinstance(level, float) and level.is_integer():
        return str(int(level))
    return str(level)


def is_fraction(kpi: str) -> bool:
    """Return whether a KPI is a fraction shown as percent (:data:`FRACTION_KPIS`, ``*_rate``).

    A per-day KPI (``"service_level Mon"``) is judged by its name before the day.
    """
    base = kpi.split(" ", maxsplit=1)[0]
    return base in FRACTION_KPIS or base.endswith("_rate")


def kpi_decimals(table: pd.DataFrame, kpi: str) -> int:
    """Return the decimals to show a KPI with, from its largest absolute mean in ``table``.

    Fractions show as percent with 1; other KPIs with 0 from 1000 on (counts of calls, costs),
    1 from 1 (seconds, hours), else 2.
    """
    if is_fraction(kpi):
        return 1
    means = pd.to_numeric(table.loc[table["kpi"] == kpi, "mean"], errors="coerce").abs()
    largest = float(means.max()) if means.notna().any() else 0.0
    if largest >= 1000:
        return 0
    return 1 if largest >= 1 else 2


def format_estimate(
    mean: float, low: float, high: float, *, percent: bool, decimals: int, sign: bool = False
) -> str:
    """Format a mean and its 95% CI as ``mean [low, high]``.

    Parameters
    ----------
    mean, low, high : float
        The estimate and its confidence limits, in the KPI's unit (fractions as fractions).
    percent : bool
        Show a fraction as percent: ``61.4% [61.0, 61.7]``, or ``+9.1 pt [8.8, 9.4]`` with
        ``sign``.
    decimals : int
        Decimals of every number shown.
    sign : bool
        Show the sign of the mean (a difference).

    Returns
    -------
    str
        ``n/a`` for a NaN mean; the mean alone when the CI is NaN (a single replication).
    """
    if math.isnan(mean):
        return "n/a"
    scale, unit = (100.0, " pt" if sign else "%") if percent else (1.0, "")
    form = f"{'+' if sign else ''}.{decimals}f"
    text = f"{scale * mean:{form}}{unit}"
    if math.isnan(low) or math.isnan(high):
        return text
    return f"{text} [{scale * low:.{decimals}f}, {scale * high:.{decimals}f}]"


# --- plots -------------------------------------------------------------------------------


def kpis_figure(report: ExperimentTables) -> Figure:
    """Whole-run KPIs of every point: a panel per KPI, each point's mean with its 95% CI.

    The x axis is the factor level when the design has one numeric factor (a line), the first
    factor's level with a line per level of the second when it has two and the first is
    numeric, else the point names. Fractions show as percent; the service-level panel has the
    target as a dashed line.
    """
    figure, panels = _panel_grid(len(report.kpis), height=2.9)
    numeric = _numeric_factors(report.factors)
    for axes, kpi in zip(panels, report.kpis, strict=False):
        rows = report.table[report.table["kpi"] == kpi].merge(report.factors, on="point")
        scale = 100.0 if is_fraction(kpi) else 1.0
        if len(numeric) == 1 and len(report.factor_names) == 1:
            _lines(axes, rows, scale, numeric[0], None)
        elif len(report.factor_names) == 2 and report.factor_names[0] in numeric:
            _lines(axes, rows, scale, report.factor_names[0], report.factor_names[1])
        else:
            _categories(axes, rows, scale, report.points)
        if kpi.split(" ")[0] == "service_level":
            _target_line(axes, report.sl_target)
        axes.set_title(kpi, fontsize="medium")
        axes.set_ylabel(_unit_label(kpi))
        axes.grid(alpha=0.3)
    if panels[0].get_legend_handles_labels()[0]:
        panels[0].legend(fontsize="small")
    figure.suptitle(f"{report.name}: whole run by point (mean, 95% CI)")
    return figure


def _lines(axes: Axes, rows: pd.DataFrame, scale: float, x: str, by: str | None) -> None:
    """Plot means against a numeric factor: a line per level of ``by`` (nudged apart), or one.

    The x ticks are the factor's levels when there are at most 12.
    """
    groups = [(None, rows)] if by is None else list(rows.groupby(by, sort=False))
    span = float(np.ptp(rows[x].to_numpy(dtype=float))) or 1.0
    nudges = np.linspace(-0.01, 0.01, len(groups)) * span if len(groups) > 1 else [0.0]
    for (level, group), nudge in zip(groups, nudges, strict=True):
        ordered = group.sort_values(x)
        label = None if by is None else f"{by} = {_level_text(level)}"
        _errorbar(
            axes,
            ordered[x].to_numpy(dtype=float) + nudge,
            scale * ordered[list(STATS)],
            label=label,
        )
    levels = sorted(set(rows[x].to_numpy(dtype=float)))
    if len(levels) <= 12:  # tick the levels themselves when they are few
        axes.set_xticks(levels, [_level_text(level) for level in levels])
    axes.set_xlabel(x)


def _categories(axes: Axes, rows: pd.DataFrame, scale: float, points: list[str]) -> None:
    """Plot means at one x position per point, design order, point names as rotated labels."""
    ordered = rows.set_index("point").reindex(points)
    x = np.arange(len(points))
    _errorbar(axes, x, scale * ordered[list(STATS)], fmt="o")
    axes.set_xticks(x, points, rotation=30, ha="right", fontsize="small")


def _errorbar(
    axes: Axes, x: np.ndarray, stats: pd.DataFrame, *, fmt: str = "o-", label: str | None = None
) -> None:
    """Plot means at ``x`` with their 95% CIs as error bars (``stats``: mean, ci_low, ci_high)."""
    mean, low, high = (stats[stat].to_numpy(dtype=float) for stat in STATS)
    errors = np.nan_to_num(np.vstack([mean - low, high - mean]))
    axes.errorbar(x, mean, yerr=errors, fmt=fmt, capsize=3, markersize=5, label=label)


def differences_figure(report: ExperimentTables) -> Figure:
    """Paired differences point - baseline: a panel per KPI, horizontal 95% CI error bars.

    Points are listed top to bottom in design order, with a vertical line at zero. With a
    single point there is nothing to compare: one panel says so.
    """
    others = [point for point in report.points if point != report.baseline]
    if not others or report.differences.empty:
        return _note_figure("no other point to compare", f"differences from {report.baseline}")
    height = max(2.2, 1.3 + 0.3 * len(others))
    figure, panels = _panel_grid(len(report.kpis), height=height, share_y=True)
    y = np.arange(len(others))
    for axes, kpi in zip(panels, report.kpis, strict=False):
        rows = report.differences[report.differences["kpi"] == kpi]
        rows = rows.set_index("point").reindex(others)
        scale = 100.0 if is_fraction(kpi) else 1.0
        mean, low, high = (scale * rows[stat].to_numpy(dtype=float) for stat in STATS)
        errors = np.nan_to_num(np.vstack([mean - low, high - mean]))
        axes.errorbar(mean, y, xerr=errors, fmt="o", capsize=3, markersize=5)
        axes.axvline(0, color="black", linewidth=1)
        axes.set_yticks(y, others, fontsize="small")
        axes.set_title(kpi, fontsize="medium")
        axes.set_xlabel(_unit_label(kpi, difference=True))
        axes.grid(axis="x", alpha=0.3)
        axes.margins(x=0.15)
    panels[0].set_ylim(len(others) - 0.5, -0.5)  # shared: design order, top to bottom
    figure.suptitle(
        f"{report.name}: paired difference from the baseline {report.baseline} (mean, 95% CI)"
    )
    return figure


def interval_figure(report: ExperimentTables) -> Figure:
    """Service level by interval of arrival: a line per point with its 95% CI band, target."""
    if report.intervals.empty:
        return _note_figure("no interval results", "service level by interval")
    figure = Figure(figsize=(10, 4.5), layout="constrained")
    axes = figure.subplots()
    labels: list[str] = []
    for point, rows in report.intervals.groupby("point", sort=False):
        x = np.arange(len(rows))
        mean, low, high = (100 * rows[stat].to_numpy(dtype=float) for stat in STATS)
        line = axes.plot(x, mean, marker=".", label=str(point))[0]
        axes.fill_between(x, low, high, color=line.get_color(), alpha=0.2)
        labels = labels or [str(label) for label in rows["label"]]
    x_labels(axes, np.arange(len(labels)), labels)
    _target_line(axes, report.sl_target)
    axes.set_ylim(0, 102)
    axes.set_ylabel("service level %")
    axes.set_title(f"{report.name}: service level by interval of arrival (mean, 95% CI)")
    axes.legend(loc="lower left", fontsize="small")
    return figure


def _panel_grid(count: int, *, height: float, share_y: bool = False) -> tuple[Figure, list[Axes]]:
    """Make ``count`` panels in rows of equal length (at most :data:`PANEL_COLUMNS`).

    ``height`` is that of a row, inches; spare panels of the last row are hidden.
    """
    rows = max(1, math.ceil(count / PANEL_COLUMNS))
    columns = max(1, math.ceil(count / rows))
    width = min(FIGURE_WIDTH, 2.8 * columns + 0.6)
    figure = Figure(figsize=(width, height * rows + 0.5), layout="constrained")
    grid = figure.subplots(rows, columns, squeeze=False, sharey=share_y)
    panels = list(grid.flat)
    for spare in panels[count:]:
        spare.set_visible(False)
    return figure, panels[: max(count, 1)]


def _note_figure(note: str, title: str) -> Figure:
    """Make a single empty panel with a centred note."""
    figure = Figure(figsize=(6, 2.5), layout="constrained")
    axes = figure.subplots()
    axes.text(0.5, 0.5, note, ha="center", va="center", transform=axes.transAxes)
    axes.set_xticks([])
    axes.set_yticks([])
    axes.set_title(title)
    return figure


def _target_line(axes: Axes, target: float) -> None:
    axes.axhline(
        100 * target, color="black", linestyle="--", linewidth=1, label=f"target {100 * target:g}%"
    )


def _unit_label(kpi: str, *, difference: bool = False) -> str:
    if is_fraction(kpi):
        return "pt" if difference else "%"
    for suffix, unit in (("_s", "s"), ("_h", "h")):
        if kpi.endswith(suffix):
            return unit
    return ""


def _numeric_factors(factors: pd.DataFrame) -> list[str]:
    """Factor columns whose levels are all real numbers (booleans are not)."""
    return [
        str(column)
        for column in factors.columns
        if column != "point"
        and all(
            isinstance(level, numbers.Real) and not isinstance(level, bool | np.bool_)
            for level in factors[column]
        )
    ]


# The figures of the report by file name, in EXPERIMENT_REPORT_FILES order.
FIGURE_MAKERS: dict[str, Callable[[ExperimentTables], Figure]] = {
    "kpis.png": kpis_figure,
    "differences.png": differences_figure,
    "service_level_by_interval.png": interval_figure,
}


# --- HTML --------------------------------------------------------------------------------

FIGURES = (
    (
        "kpis.png",
        "Whole-run KPIs of every point",
        "Each point's mean over replications with its 95% confidence interval.",
    ),
    (
        "differences.png",
        "Paired differences from the baseline",
        "Each point minus the baseline, replication by replication, with the 95% confidence "
        "interval of the mean difference; the vertical line is zero (no change).",
    ),
    (
        "service_level_by_interval.png",
        "Service level by interval of arrival",
        "Mean service level by interval with its 95% confidence band; the dashed line is "
        "the target.",
    ),
)
HOW_TO_READ = (
    "Every interval is a 95% confidence interval over replications. All points run on the same "
    "seed, so replication r of every point sees the same calls (common random numbers). The "
    "differences from the baseline are measured replication by replication and their intervals "
    "are much tighter than the intervals of the two means: two points whose intervals overlap "
    "can still differ clearly. A difference whose interval excludes zero is a change the "
    "replications support; rates and shares are in percent and their differences in "
    "percentage points (pt)."
)
STYLE = """
body { margin: 0; background: #f6f7f9; color: #1d2329;
  font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1160px; margin: 0 auto; padding: 24px 32px 40px; background: #fff; }
h1 { font-size: 1.7em; margin: 0.2em 0 0.6em; overflow-wrap: anywhere; }
h2 { font-size: 1.25em; margin: 1.6em 0 0.5em; border-bottom: 1px solid #dde1e6; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.meta dt { font-weight: 600; color: #4a5561; }
dl.meta dd { margin: 0; }
.description p { margin: 0 0 0.4em; }
.description p:last-child { margin-bottom: 0; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #c9ced6; padding: 4px 8px; white-space: nowrap; }
th { background: #eef1f5; }
td { text-align: right; }
td.text { text-align: left; }
tr.baseline td { background: #fff8e1; }
tr.section th { text-align: left; background: #dde4ee; }
figure { margin: 20px 0; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid #e3e6ea; }
figcaption { color: #4a5561; font-size: 0.92em; margin-top: 4px; }
"""


def html_report(report: ExperimentTables, pngs: dict[str, bytes]) -> str:
    """Return ``report.html``: one self-contained page (inline style, images as data URIs).

    Parameters
    ----------
    report : ExperimentTables
        The experiment's tables.
    pngs : dict of str to bytes
        PNG bytes by file name, for every figure of :data:`FIGURES`.

    Returns
    -------
    str
        The page; every text from the report is HTML-escaped.
    """
    title = html.escape(report.name)
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}: experiment report</title>\n<style>{STYLE}</style>\n</head>",
        f"<body>\n<main>\n<h1>Experiment {title}</h1>",
        _html_meta(report),
        "<h2>Results by point</h2>",
        _html_table(report),
        "<h2>Plots</h2>",
        *(html_figure(pngs[name], caption, text) for name, caption, text in FIGURES),
        f"<h2>How to read this</h2>\n<p>{html.escape(HOW_TO_READ)}</p>",
        "</main>\n</body>\n</html>\n",
    ]
    return "\n".join(parts)


def _html_meta(report: ExperimentTables) -> str:
    """Return the definition list of the experiment's settings and description."""
    items = [
        ("experiment file", report.source),
        ("engine", report.engine),
        ("seed", str(report.seed)),
        ("baseline", report.baseline),
        ("replications per point", replications_text(report)),
    ]
    if report.precision:
        items.append(("precision targets (95% CI half-width)", precision_text(report.precision)))
    rows = [f"<dt>{html.escape(term)}</dt><dd>{html.escape(value)}</dd>" for term, value in items]
    paragraphs = [p.strip() for p in report.description.split("\n\n") if p.strip()]
    if paragraphs:
        text = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
        rows.append(f'<dt>description</dt><dd class="description">{text}</dd>')
    return '<dl class="meta">\n' + "\n".join(rows) + "\n</dl>"


def precision_text(precision: dict[str, float]) -> str:
    """Return the precision targets as ``service_level ±1 pt, asa_s ±2`` (fractions in pt)."""
    return ", ".join(
        f"{kpi} ±{100 * width:g} pt" if is_fraction(kpi) else f"{kpi} ±{width:g}"
        for kpi, width in precision.items()
    )


def _html_table(report: ExperimentTables) -> str:
    """Return the cells of :func:`table_cells` as one HTML table, half as wide.

    The KPI columns come once: a first section of rows holds each point's means, a second
    each point's ``Δ`` cells (its paired difference from the baseline).
    """
    header, rows = table_cells(report)
    lead = 1 + len(report.factor_names)
    count = len(report.kpis)
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header[: lead + count])
    sections = (
        ("mean [95% CI]", [row[: lead + count] for row in rows]),
        (
            f"paired difference from the baseline {report.baseline} [95% CI]",
            [row[:lead] + row[lead + count :] for row in rows],
        ),
    )
    bodies = "".join(
        f'<tbody>\n<tr class="section"><th colspan="{lead + count}">{html.escape(title)}</th>'
        "</tr>\n"
        + "".join(_html_row(cells, lead, report.baseline) + "\n" for cells in section)
        + "</tbody>\n"
        for title, section in sections
    )
    table = f"<table>\n<thead><tr>{head}</tr></thead>\n{bodies}</table>"
    return f'<div class="table-wrap">\n{table}\n</div>'


def _html_row(cells: list[str], lead: int, baseline: str) -> str:
    """Return a table row: ``lead`` text cells, then numbers; the baseline's row marked."""
    kind = ' class="baseline"' if cells[0] == baseline else ""
    return (
        f"<tr{kind}>"
        + "".join(
            f'<td class="text">{html.escape(c)}</td>' if i < lead else f"<td>{html.escape(c)}</td>"
            for i, c in enumerate(cells)
        )
        + "</tr>"
    )


def html_figure(png: bytes, caption: str, text: str) -> str:
    """Return a figure with the PNG embedded as a base64 data URI, alt text and caption."""
    data = base64.b64encode(png).decode("ascii")
    alt = html.escape(f"{caption}. {text}")
    return (
        f'<figure>\n<img src="data:image/png;base64,{data}" alt="{alt}">\n'
        f"<figcaption><strong>{html.escape(caption)}.</strong> {html.escape(text)}</figcaption>"
        "\n</figure>"
    )

"""Write a run's tables and plots into a folder, all or nothing."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import matplotlib
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.text import Text
from openpyxl import Workbook

from sim.files import (
    on_target,
    remove_leftovers,
    spreadsheet_safe,
    staged_file,
    write_table_csv,
)
from sim.report.plots import (
    asa_by_interval,
    compare_service_level,
    offered_vs_agents,
    service_level_by_interval,
)
from sim.report.tables import comparison_table, group_table, interval_table, summary_table
from sim.report.week import HEATMAP_KPIS, day_table, has_week_views, week_heatmap
from sim.results.summary import Summary
from sim.scenario.plan import Plan

RUN_FILES = (
    "intervals.csv",
    "summary.csv",
    "groups.csv",
    "intervals.xlsx",
    "service_level_by_interval.png",
    "asa_by_interval.png",
    "offered_vs_agents.png",
)
WEEK_FILES = ("days.csv", "days.xlsx", *(f"week_{kpi}.png" for kpi in HEATMAP_KPIS))
"""Written besides :data:`RUN_FILES` for a calendar of several days (see ``has_week_views``)."""
XLSX_MAX_ROWS = 1_048_575
"""Data rows of one spreadsheet sheet (a sheet holds 1,048,576 rows with the header)."""


COMPARE_FILES = ("compare.csv", "compare_service_level.png")


def write_run_report(
    directory: str | Path,
    summary: Summary,
    plan: Plan,
    contract: pd.DataFrame | None = None,
    *,
    plots: bool = True,
    email: pd.DataFrame | None = None,
) -> list[Path]:
    """Write a run's tables, their xlsx copies and plots into a folder.

    The tables ``intervals``, ``summary``, ``groups`` as CSV, the interval table also as xlsx,
    and three plots; for a calendar of several days also the day table (CSV and xlsx) and the
    interval x day heatmaps; with a contract, ``contract.csv``; with email, ``email.csv``.
    Without ``plots``, no PNG.

    Parameters
    ----------
    directory : str or Path
        The folder.
    summary : Summary
        The run's KPI summaries.
    plan : Plan
        The plan simulated.
    contract : pandas.DataFrame, optional
        The contract table, written to ``contract.csv`` after the others when given.
    email : pandas.DataFrame, optional
        The email KPIs (:func:`sim.results.email.summarize_email`), written to ``email.csv``
        last when given.
    plots : bool
        Whether to draw the plots (the tables are always written).

    Returns
    -------
    list of Path
        The files written, in :data:`RUN_FILES` then :data:`WEEK_FILES` order (see
        :func:`write_all` for how).
    """
    intervals = interval_table(summary, plan)
    writers: list[Callable[[Path], None]] = [
        lambda path: write_csv(intervals, path),
        lambda path: write_csv(summary_table(summary, plan), path),
        lambda path: write_csv(group_table(summary, plan), path),
        lambda path: write_xlsx(intervals, path, "intervals"),
        lambda path: save_png(service_level_by_interval(summary, plan), path),
        lambda path: save_png(asa_by_interval(summary, plan), path),
        lambda path: save_png(offered_vs_agents(summary, plan), path),
    ]
    files = dict(zip(RUN_FILES, writers, strict=True))
    if has_week_views(plan):
        days = day_table(summary, plan)
        week: list[Callable[[Path], None]] = [
            lambda path: write_csv(days, path),
            lambda path: write_xlsx(days, path, "days"),
            *(_heatmap_writer(summary, plan, kpi) for kpi in HEATMAP_KPIS),
        ]
        files |= dict(zip(WEEK_FILES, week, strict=True))
    if contract is not None:
        files["contract.csv"] = lambda path: write_csv(contract, path)
    if email is not None:
        files["email.csv"] = lambda path: write_csv(email, path)
    if not plots:
        files = {name: write for name, write in files.items() if not name.endswith(".png")}
    return write_all(directory, files)


def _heatmap_writer(summary: Summary, plan: Plan, kpi: str) -> Callable[[Path], None]:
    return lambda path: save_png(week_heatmap(summary, plan, kpi), path)


def write_comparison_report(
    directory: str | Path,
    names: tuple[str, ...],
    summaries: dict[str, Summary],
    plans: dict[str, Plan],
    tables: tuple[pd.DataFrame, pd.DataFrame],
) -> list[Path]:
    """Write ``compare.csv`` (KPIs and paired differences) and the service-level plot.

    ``tables`` are the comparison's side-by-side KPIs and paired differences.
    """
    writers: list[Callable[[Path], None]] = [
        lambda path: write_csv(comparison_table(*tables), path),
        lambda path: save_png(compare_service_level(names, summaries, plans), path),
    ]
    return write_all(directory, dict(zip(COMPARE_FILES, writers, strict=True)))


def write_all(directory: str | Path, writers: dict[str, Callable[[Path], None]]) -> list[Path]:
    """Write files into ``directory``, all or nothing.

    Each file is first written beside its target under a temporary name; only when all are
    written are they renamed into place, so a failure leaves earlier results untouched and no
    temporary file behind (those a killed run left are removed first).

    Raises
    ------
    OSError
        When a file cannot be written, with that file as its file name.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[Path, Path]] = []
    current = folder
    try:
        for name, write in writers.items():
            current = folder / name
            remove_leftovers(folder, name)
            staged.append((staged_file(current), current))
            write(staged[-1][0])
        for temporary, current in staged:  # ``current`` names the file at fault
            os.replace(temporary, current)
    except BaseException as error:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise on_target(error, current) from error
        raise
    return [target for _, target in staged]


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as CSV without its index, numbers to 6 significant digits.

    Names that a spreadsheet would read as a formula are marked as text
    (:func:`sim.files.write_table_csv`).
    """
    write_table_csv(frame, path)


def write_xlsx(frame: pd.DataFrame, path: Path, sheet: str) -> None:
    """Write a table as an xlsx workbook with the CSV's columns and full-precision numbers.

    A table longer than a sheet (:data:`XLSX_MAX_ROWS`) continues on sheets ``NAME 2``, ...
    each with the header. Empty values are empty cells.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    path : Path
        The file to write.
    sheet : str
        Name of the (first) sheet.
    """
    book = Workbook(write_only=True)
    _append_sheets(book, frame, sheet)
    book.save(path)


def write_xlsx_sheets(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    """Write tables as the sheets of one xlsx workbook, as :func:`write_xlsx` writes one.

    Text a spreadsheet would run as a formula is marked as in :func:`write_csv`, so the sheets
    hold what the CSV copies of the tables hold.
    """
    book = Workbook(write_only=True)
    for name, frame in sheets.items():
        _append_sheets(book, spreadsheet_safe(frame), name)
    book.save(path)


def _append_sheets(book: Workbook, frame: pd.DataFrame, sheet: str) -> None:
    """Append a table to a write-only workbook: sheet ``sheet``, then ``sheet 2``, ... if long."""
    columns = [str(name) for name in frame.columns]
    values = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
    for part, first in enumerate(range(0, max(len(values), 1), XLSX_MAX_ROWS)):
        worksheet = book.create_sheet(sheet if part == 0 else f"{sheet} {part + 1}")
        worksheet.append(columns)
        for row in values[first : first + XLSX_MAX_ROWS]:
            worksheet.append(row)


def write_text(text: str, path: Path) -> None:
    """Write text (a scenario, a report) as UTF-8."""
    path.write_text(text, encoding="utf-8")


def save_png(figure: Figure, path: Path) -> None:
    """Save a figure as PNG at the reports' resolution (110 dpi), every text shown literally.

    Names come from users, and matplotlib reads ``$...$`` in a text as mathematics (a name such
    as ``cost $5 $ day`` would fail to save): texts already made, and tick labels made while
    drawing, are shown as written.
    """
    for text in figure.findobj(Text):
        text.set_parse_math(False)
    with matplotlib.rc_context({"text.parse_math": False}):
        figure.savefig(path, dpi=110, format="png")

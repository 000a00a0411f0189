"""Console tables and files of the weekly roster (``ccsim plan week``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd

from sim.report.outputs import save_png, write_all, write_csv, write_text, write_xlsx_sheets
from sim.report.planning import SCENARIO_FILE, coverage_figure
from sim.report.tables import aligned_rows

PEOPLE_FILE = "people_roster.csv"
WORKBOOK_FILE = "people_roster.xlsx"
GROUPS_FILE = "groups.csv"
INTERVALS_FILE = "intervals.csv"
SHEETS = ("people", "groups", "intervals")
"""Sheets of the workbook: the people roster, the groups and the intervals, as the CSV files."""


@dataclass(frozen=True)
class WeekTables:
    """The tables of a weekly roster.

    Attributes
    ----------
    people : pandas.DataFrame
        One row per person and day (``sim.planning.week.people_table``).
    groups : pandas.DataFrame
        Headcount, FTE and hours per group (``sim.planning.week.group_table``).
    intervals : pandas.DataFrame
        Requirement, coverage and seats per group, day and interval
        (``sim.planning.week.week_interval_table``).
    rosters : dict of str to pandas.DataFrame
        Per group, its scenario roster file name and rows (``agent,start,end,day,breaks``).
    """

    people: pd.DataFrame
    groups: pd.DataFrame
    intervals: pd.DataFrame
    rosters: dict[str, pd.DataFrame]


def roster_file(group: str) -> str:
    """Return the file name of a group's scenario roster: ``roster_GROUP.csv``."""
    return f"roster_{group}.csv"


def coverage_file(group: str) -> str:
    """Return the file name of a group's coverage plot: ``coverage_GROUP.png``."""
    return f"coverage_{group}.png"


def write_week_report(
    directory: str | Path, tables: WeekTables, scenario_yaml: str | None = None
) -> list[Path]:
    """Write the weekly roster's files, all or nothing.

    Returns
    -------
    list of Path
        ``people_roster.csv``, ``people_roster.xlsx`` (sheets ``people``, ``groups``,
        ``intervals``), ``groups.csv``, ``intervals.csv``, per group ``roster_GROUP.csv`` and
        ``coverage_GROUP.png``, and ``scenario.yaml`` when given.
    """
    sheets = dict(zip(SHEETS, (tables.people, tables.groups, tables.intervals), strict=True))
    writers: dict[str, Callable[[Path], None]] = {
        PEOPLE_FILE: lambda path: write_csv(tables.people, path),
        WORKBOOK_FILE: lambda path: write_xlsx_sheets(sheets, path),
        GROUPS_FILE: lambda path: write_csv(tables.groups, path),
        INTERVALS_FILE: lambda path: write_csv(tables.intervals, path),
    }
    for group, rows in tables.rosters.items():
        intervals = tables.intervals[tables.intervals["group"] == group]
        writers[roster_file(group)] = partial(write_csv, rows)
        writers[coverage_file(group)] = partial(_save_coverage, intervals)
    if scenario_yaml is not None:
        writers[SCENARIO_FILE] = lambda path: write_text(scenario_yaml, path)
    return write_all(directory, writers)


def _save_coverage(intervals: pd.DataFrame, path: Path) -> None:
    save_png(coverage_figure(intervals), path)


def week_console(
    tables: WeekTables,
    *,
    cost: float,
    objective: float,
    lp_bound: float,
    best_bound: float,
    gaps: tuple[float, float],
    seats: int | None,
    solver_status: str,
) -> str:
    """Return the groups, people per weekday, cost with its bounds and gaps, and unmet demand.

    Parameters
    ----------
    tables : WeekTables
        The roster's tables.
    cost, objective : float
        Cost of the shifts, and the program's objective (cost, unmet penalty and idle-day
        tie-break; shown when it differs from the cost).
    lp_bound : float
        Optimum of the LP relaxation.
    best_bound : float
        The best lower bound proved (HiGHS's when it stopped, at least the LP bound).
    gaps : (float, float)
        Share of the objective above the best bound, and above the LP bound.
    seats : int or None
        Seats of the centre.
    solver_status : str
        HiGHS's message.
    """
    groups = tables.groups
    totals = (
        f"people: {groups['headcount'].sum()} ({groups['part_time'].sum()} part-time); "
        f"FTE {groups['fte'].sum():.1f}; paid hours {groups['paid_h'].sum():,.1f}\n"
        f"cost: {cost:,.2f}   "
        + (f"objective: {objective:,.2f}   " if f"{objective:.2f}" != f"{cost:.2f}" else "")
        + f"lower bound: {best_bound:,.2f}   gap: {100 * gaps[0]:.2f}%\n"
        + f"LP lower bound: {lp_bound:,.2f}   gap to it: {100 * gaps[1]:.2f}%\n"
        + f"solver: {solver_status}\n"
        + _seats_line(tables.intervals, seats)
        + "\n"
        + _unmet_line(tables.intervals)
    )
    return "\n\n".join([_group_rows(groups), _weekday_rows(tables), totals])


def _group_rows(groups: pd.DataFrame) -> str:
    header = [
        "group",
        "people",
        "part-time",
        "FTE",
        "paid h",
        "agent h",
        "phone h",
        "required h",
        "unmet h",
        "cost",
    ]
    body = [
        [
            str(row.group),
            str(row.headcount),
            str(row.part_time),
            f"{row.fte:.1f}",
            f"{row.paid_h:,.1f}",
            f"{row.agent_h:,.1f}",
            f"{row.phone_h:,.1f}",
            f"{row.required_h:,.1f}",
            f"{row.unmet_h:g}",
            f"{row.cost:,.2f}",
        ]
        for row in groups.itertuples()
    ]
    return aligned_rows([header, *body])


def _weekday_rows(tables: WeekTables) -> str:
    """People at work per group and weekday, and the most seats used that day."""
    people = tables.people[tables.people["shift"] != "off"]
    days = tables.intervals.groupby("day", sort=True)
    weekday = days["weekday"].first()
    dates = days["date"].first()
    seats = days["seats_used"].max()
    groups = list(tables.groups["group"])
    working = pd.crosstab(people["group"], people["day"]).reindex(
        index=groups, columns=weekday.index, fill_value=0
    )
    header = ["day", *(f"{group} people" for group in groups), "peak seats"]
    body = [
        [
            f"{day} {dates[day] if isinstance(dates[day], str) else ''} {weekday[day]}".replace(
                "  ", " "
            ),
            *(str(working.loc[group, day]) for group in groups),
            f"{seats[day]:g}",
        ]
        for day in weekday.index
    ]
    return aligned_rows([header, *body])


def _seats_line(intervals: pd.DataFrame, seats: int | None) -> str:
    used = intervals["seats_used"].max()
    return f"seats: at most {used:g} used" + (f" of {seats}" if seats is not None else "")


def _unmet_line(intervals: pd.DataFrame) -> str:
    short = intervals[intervals["unmet"] > 0]
    if short.empty:
        return "unmet demand: none"
    places = ", ".join(
        f"{row.group} {row.weekday} {row.interval_start} {row.unmet:g}"
        for row in short.itertuples()
    )
    return (
        f"unmet demand: {short['unmet'].sum():g} agent-intervals short "
        f"(agents missing, breaks deducted): {places}"
    )

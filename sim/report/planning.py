"""Console tables, the coverage plot and the files of the planning commands."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.report.outputs import save_png, write_all, write_csv, write_text
from sim.report.plots import x_labels
from sim.report.tables import aligned_rows

SCHEDULE_FILES = ("roster.csv", "shifts.csv", "intervals.csv", "coverage.png")
SCENARIO_FILE = "scenario.yaml"


def requirements_console(frame: pd.DataFrame, interval_s: float) -> str:
    """Return requirements as an aligned table, with a total line.

    Parameters
    ----------
    frame : pandas.DataFrame
        Requirements per interval (``day``, ``interval_start``, ``call_type``, ``volume``,
        ``aht_s``, ``load_erlangs``, ``on_phones``, ``scheduled``, ``service_level``).
    interval_s : float
        Length of an interval, seconds (for the scheduled agent-hours).
    """
    columns = {
        **_day_column(frame),
        "interval": list(frame["interval_start"]),
        "call type": list(frame["call_type"]),
        "volume": _formatted(frame["volume"], "{:.1f}"),
        "AHT s": _formatted(frame["aht_s"], "{:.0f}"),
        "erlangs": _formatted(frame["load_erlangs"], "{:.2f}"),
        "on phones": _formatted(frame["on_phones"], "{}"),
        "scheduled": _formatted(frame["scheduled"], "{}"),
        "SL": _formatted(100 * frame["service_level"], "{:.1f}%"),
    }
    scheduled_h = frame["scheduled"].sum() * interval_s / 3600.0
    total = (
        f"total: {frame['volume'].sum():.1f} calls; {scheduled_h:.1f} scheduled agent-hours; "
        f"peak {frame['scheduled'].max()} scheduled agents"
    )
    return _table(columns) + "\n" + total


def schedule_console(
    shifts: pd.DataFrame,
    intervals: pd.DataFrame,
    *,
    cost: float,
    objective: float,
    lp_bound: float,
    gap: float,
) -> str:
    """Return the shifts worked, coverage per interval, cost, LP bound, gap and unmet demand.

    Parameters
    ----------
    shifts : pandas.DataFrame
        Shifts worked (``day``, ``family``, ``start``, ``end``, ``part_time``, ``paid_h``,
        ``cost``, ``agents``).
    intervals : pandas.DataFrame
        Requirement and coverage (``day``, ``interval_start``, ``required``, ``on_phones``,
        ``unmet``), agents.
    cost : float
        Cost of the shifts.
    objective : float
        Cost plus the penalty of the unmet demand (shown when above the cost).
    lp_bound : float
        Lower bound of the LP relaxation (cost plus unmet penalties).
    gap : float
        Share of the objective above the bound.
    """
    agents = int(shifts["agents"].sum())
    part_time = int(shifts.loc[shifts["part_time"], "agents"].sum())
    share = part_time / agents if agents else 0.0
    paid_h = float((shifts["paid_h"] * shifts["agents"]).sum())
    totals = (
        f"agents: {agents} ({part_time} part-time, {100 * share:.1f}%); paid hours: {paid_h:.1f}\n"
        f"cost: {cost:,.2f}   "
        + (f"with unmet penalty: {objective:,.2f}   " if objective > cost else "")
        + f"LP lower bound: {lp_bound:,.2f}   gap: {100 * gap:.2f}%\n"
        + _unmet_line(intervals)
    )
    return "\n\n".join([_shift_table(shifts), _interval_table(intervals), totals])


def _shift_table(shifts: pd.DataFrame) -> str:
    columns = {
        **_day_column(shifts),
        "shift": list(shifts["family"]),
        "start": list(shifts["start"]),
        "end": list(shifts["end"]),
        "part-time": ["yes" if flag else "no" for flag in shifts["part_time"]],
        "paid h": _formatted(shifts["paid_h"], "{:.2f}"),
        "cost/shift": _formatted(shifts["cost"], "{:,.2f}"),
        "agents": _formatted(shifts["agents"], "{}"),
    }
    return _table(columns)


def _interval_table(intervals: pd.DataFrame) -> str:
    columns = {
        **_day_column(intervals),
        "interval": list(intervals["interval_start"]),
        "required": _formatted(intervals["required"], "{:g}"),
        "on phones": _formatted(intervals["on_phones"], "{:g}"),
        "unmet": [f"{value:g}" if value > 0 else "" for value in intervals["unmet"]],
    }
    return _table(columns)


def _table(columns: dict[str, list[str]]) -> str:
    rows = [list(columns), *map(list, zip(*columns.values(), strict=True))]
    return aligned_rows(rows)


def _formatted(values: Iterable[object], spec: str) -> list[str]:
    """Format each value with ``spec``; missing values (NA, NaN) as ``-``."""
    return ["-" if pd.isna(value) else spec.format(value) for value in values]  # type: ignore[call-overload]


def _day_column(frame: pd.DataFrame) -> dict[str, list[str]]:
    """Return the ``day`` column as text, or nothing when no row names a day."""
    return {} if frame["day"].isna().all() else {"day": _formatted(frame["day"], "{}")}


def _unmet_line(intervals: pd.DataFrame) -> str:
    short = intervals[intervals["unmet"] > 0]
    if short.empty:
        return "unmet demand: none"
    places = ", ".join(
        f"{label} {unmet:g}" for label, unmet in zip(_labels(short), short["unmet"], strict=True)
    )
    return (
        f"unmet demand: {short['unmet'].sum():g} agent-intervals short "
        f"(agents missing, breaks deducted): {places}"
    )


def _labels(intervals: pd.DataFrame) -> list[str]:
    """Return ``HH:MM`` per interval, ``day D HH:MM`` when the rows name days."""
    return [
        start if pd.isna(day) else f"day {day} {start}"
        for day, start in zip(intervals["day"], intervals["interval_start"], strict=True)
    ]


def coverage_figure(intervals: pd.DataFrame) -> Figure:
    """Plot required against scheduled agents on the phones per interval, unmet demand in red.

    Parameters
    ----------
    intervals : pandas.DataFrame
        Requirement and coverage per interval (``day``, ``interval_start``, ``required``,
        ``on_phones`` with breaks deducted, ``unmet``), agents.
    """
    x = np.arange(len(intervals))
    figure = Figure(figsize=(10, 4.5), layout="constrained")
    axes = figure.subplots()
    on_phones, unmet = intervals["on_phones"], intervals["unmet"]
    axes.bar(x, on_phones, color="tab:blue", alpha=0.6, label="scheduled on the phones")
    if (unmet > 0).any():
        axes.bar(x, unmet, bottom=on_phones, color="tab:red", label="unmet demand")
    edges = np.arange(len(x) + 1) - 0.5
    axes.stairs(intervals["required"], edges, baseline=None, color="black", label="required")
    top = max((on_phones + unmet).max(), intervals["required"].max())
    axes.set_ylim(0, 1.12 * top if top > 0 else 1)
    axes.set_ylabel("agents (mean over the interval, breaks deducted)")
    x_labels(axes, x, _labels(intervals))
    axes.set_title("requirement and scheduled agents per interval")
    axes.legend(loc="upper right", fontsize="small")
    return figure


def write_schedule_report(
    directory: str | Path,
    shifts: pd.DataFrame,
    intervals: pd.DataFrame,
    roster: pd.DataFrame,
    scenario_yaml: str | None = None,
) -> list[Path]:
    """Write a schedule's roster, shifts, coverage table and plot (and scenario), all or nothing.

    Returns
    -------
    list of Path
        ``roster.csv``, ``shifts.csv``, ``intervals.csv``, ``coverage.png`` and, when
        ``scenario_yaml`` is given, ``scenario.yaml``.
    """
    files: list[Callable[[Path], None]] = [
        lambda path: write_csv(roster, path),
        lambda path: write_csv(shifts, path),
        lambda path: write_csv(intervals, path),
        lambda path: save_png(coverage_figure(intervals), path),
    ]
    writers = dict(zip(SCHEDULE_FILES, files, strict=True))
    if scenario_yaml is not None:
        writers[SCENARIO_FILE] = lambda path: write_text(scenario_yaml, path)
    return write_all(directory, writers)


STAFFING_FILES = ("staffing.csv", SCENARIO_FILE)
SHIFT_STAFFING_FILE = "shifts.csv"


def write_staffing(
    directory: str | Path,
    intervals: pd.DataFrame,
    scenario_yaml: str,
    shifts: pd.DataFrame | None = None,
) -> list[Path]:
    """Write the staffing table, the staffed scenario and any shift table, all or nothing."""
    files: list[Callable[[Path], None]] = [
        lambda path: write_csv(intervals, path),
        lambda path: write_text(scenario_yaml, path),
    ]
    writers = dict(zip(STAFFING_FILES, files, strict=True))
    if shifts is not None:
        writers[SHIFT_STAFFING_FILE] = lambda path: write_csv(shifts, path)
    return write_all(directory, writers)


def staffing_console(
    intervals: pd.DataFrame,
    *,
    rounds: int,
    met: bool,
    validated: bool,
    interval_s: float,
    day_shares: tuple[float, float] | None = None,
    shifts: pd.DataFrame | None = None,
) -> str:
    """Per interval (or per shift and day): Erlang's staffing, the one found, shares reached.

    Parameters
    ----------
    intervals : pandas.DataFrame
        ``interval``, ``erlang``, ``agents``, ``uplift``, ``p_search``, ``p_fresh`` (and
        ``day`` on several days).
    rounds : int
        Rounds of adding agents.
    met, validated : bool
        The criterion holds on the search seed, on the fresh seed.
    interval_s : float
        Interval length, seconds (agent-hours = agents x interval_s / 3600).
    day_shares : tuple of float, optional
        Share of replications whose day service level reaches the target, on the search and the
        fresh seed: printed as a second summary line when given.
    shifts : pandas.DataFrame, optional
        Groups on shifts: agents per shift start (``group``, ``shift``, ``start``, ``erlang``,
        ``agents``, ``uplift``, ``paid_h_per_agent``); then the table shows the shift starts
        and one line per day instead of every interval.
    """
    hours = interval_s / 3600.0
    erlang_h = float(intervals["erlang"].sum()) * hours
    extra_h = float(intervals["uplift"].sum()) * hours
    share = extra_h / erlang_h if erlang_h else float("nan")
    if shifts is None:
        table = _interval_staffing_rows(intervals)
        uplift = f"{extra_h:g} agent-hours ({100 * share:.1f}%)"
    else:
        table = _shift_staffing_rows(shifts) + "\n\n" + _day_staffing_rows(intervals, hours)
        paid_erlang = float((shifts["erlang"] * shifts["paid_h_per_agent"]).sum())
        paid = float((shifts["agents"] * shifts["paid_h_per_agent"]).sum())
        uplift = (
            f"{int(shifts['uplift'].sum()):+d} agents ({int(shifts['erlang'].sum())} -> "
            f"{int(shifts['agents'].sum())}), {paid - paid_erlang:+,.0f} paid hours "
            f"({100 * (paid - paid_erlang) / paid_erlang:+.1f}%), {extra_h:+,.1f} agent-hours "
            f"on the phones ({100 * share:+.1f}%)"
        )
    summary = (
        f"rounds: {rounds}; uplift over Erlang: {uplift}; "
        f"target {'met' if met else 'NOT met'} on the search seed, "
        f"{'holds' if validated else 'does NOT hold'} on a fresh seed"
    )
    if day_shares is not None:
        summary += (
            f"\nday service level reaches the target in {day_shares[0]:.2f} of replications "
            f"(search seed), {day_shares[1]:.2f} (fresh seed)"
        )
    return table + "\n" + summary


def _interval_staffing_rows(intervals: pd.DataFrame) -> str:
    rows = [["interval", "Erlang", "agents", "uplift", "P search", "P fresh seed"]]
    rows += [
        [
            str(row.interval),
            str(row.erlang),
            str(row.agents),
            f"{row.uplift:+d}",
            f"{row.p_search:.2f}",
            f"{row.p_fresh:.2f}",
        ]
        for row in intervals.itertuples(index=False)
    ]
    return aligned_rows(rows)


def _shift_staffing_rows(shifts: pd.DataFrame) -> str:
    rows = [["group", "shift", "start", "paid h", "Erlang", "agents", "uplift"]]
    rows += [
        [
            str(row.group),
            str(row.shift),
            str(row.start),
            f"{row.paid_h_per_agent:g}",
            str(row.erlang),
            str(row.agents),
            f"{row.uplift:+d}",
        ]
        for row in shifts.itertuples(index=False)
    ]
    return aligned_rows(rows)


def _day_staffing_rows(intervals: pd.DataFrame, hours: float) -> str:
    """One line per day: agent-hours on the phones at Erlang's staffing and the one found."""
    frame = intervals if "day" in intervals else intervals.assign(day=0)
    rows = [["day", "Erlang h", "agents h", "lowest P search", "lowest P fresh seed"]]
    rows += [
        [
            f"d{day}",
            f"{cells['erlang'].sum() * hours:.1f}",
            f"{cells['agents'].sum() * hours:.1f}",
            f"{cells['p_search'].min():.2f}",
            f"{cells['p_fresh'].min():.2f}",
        ]
        for day, cells in frame.groupby("day")
    ]
    return aligned_rows(rows)

"""History for forecasting: offered calls per date, interval of the day and call type.

Three inputs give a :class:`History`:

* an **interval-count CSV** ``date,interval_start,call_type,volume[,aht_s]`` (one row per date,
  interval and call type; a missing row of a date that has rows is an interval without calls);
* a **timestamped-count CSV** ``DateTime,Calls`` (one call type, ``calls``; the form of the
  fpp3 ``bank_calls`` data; a ``rownames`` column is ignored);
* a **call log** in a format ``ccsim calibrate`` reads: the calls offered to the agent queues
  (answered or abandoned) are counted, answered calls give the AHT and each date's answer rate.

Counts finer than the planning interval (five-minute slots) are summed into it. The columns
are documented in ``docs/guide-forecast.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim.calibration.calllog import CallLog
from sim.calibration.formats import read_any_log
from sim.calibration.table import TextTable, read_table
from sim.errors import ScenarioError, UsageError
from sim.scenario.inputs import Columns
from sim.units import SECONDS_PER_DAY, SECONDS_PER_MINUTE, s_to_clock

INTERVAL_MINUTES = (15, 30, 60)
"""Planning interval lengths a forecast can have, minutes."""
HISTORY_FORMATS = ("auto", "counts", "ccsim", "bank")
"""Values of ``history_format``: ``counts`` covers both count CSVs (told by their header)."""
COUNT_COLUMNS = Columns(
    "interval counts",
    ("date", "interval_start", "call_type", "volume"),
    ("aht_s",),
    frozenset(),
)
TIMESTAMP_COLUMNS = Columns("interval counts", ("DateTime", "Calls"), ("rownames",), frozenset())
TIMESTAMP_CALL_TYPE = "calls"
"""The call type of a timestamped-count file (it has one)."""


@dataclass(frozen=True, eq=False)
class History:
    """Offered calls per date, interval of the day (from midnight) and call type.

    Attributes
    ----------
    source : str
        The file, for messages.
    dates : tuple of datetime.date
        The dates with data, in order (a date without data is missing, not a day without calls).
    call_types : tuple of str
        Call types, in order of volume.
    interval_minutes : int
        Planning interval length.
    volume : float64[dates, intervals, call types]
        Offered calls; ``intervals`` runs over the whole day from midnight.
    aht_s : float64[dates, intervals, call types] or None
        Mean handle time of the answered calls, seconds (NaN where none was answered); None
        when the history holds no handle times.
    answer_rate : float64[dates] or None
        Answered over offered calls of each date (NaN without calls); None when unknown.
    """

    source: str
    dates: tuple[date, ...]
    call_types: tuple[str, ...]
    interval_minutes: int
    volume: NDArray[np.float64]
    aht_s: NDArray[np.float64] | None
    answer_rate: NDArray[np.float64] | None

    @property
    def weekday(self) -> NDArray[np.int64]:
        """Weekday of each date (0 Monday)."""
        return np.array([d.weekday() for d in self.dates], dtype=np.int64)

    @property
    def open_weekdays(self) -> tuple[int, ...]:
        """Weekdays with data in the history (0 Monday); the others are closed days."""
        return tuple(int(w) for w in np.unique(self.weekday))

    def open_dates(self, until: date) -> list[date]:
        """Return every date of an open weekday from the first date to ``until``."""
        first = self.dates[0]
        span = (first + timedelta(days=n) for n in range((until - first).days + 1))
        return [d for d in span if d.weekday() in self.open_weekdays]

    @property
    def interval_s(self) -> float:
        """Interval length, seconds."""
        return self.interval_minutes * SECONDS_PER_MINUTE

    def span(self, kept: NDArray[np.bool_]) -> slice:
        """Return the intervals from the first to the last with calls on the dates ``kept``."""
        busy = np.flatnonzero(self.volume[kept].sum(axis=(0, 2)) > 0)
        if len(busy) == 0:
            raise UsageError(f"{self.source}: no calls on the days kept")
        return slice(int(busy[0]), int(busy[-1]) + 1)

    def interval_start(self, interval: int) -> str:
        """Clock time ``HH:MM`` at which an interval of the day starts."""
        return s_to_clock(interval * self.interval_s)


def read_history(
    path: str | Path, *, interval_minutes: int = 30, history_format: str = "auto"
) -> History:
    """Read a history of interval counts or a call log.

    Parameters
    ----------
    path : str or Path
        The file.
    interval_minutes : {15, 30, 60}
        Planning interval; finer counts are summed into it.
    history_format : {"auto", "counts", "ccsim", "bank"}
        ``counts``: an interval-count or timestamped-count CSV; ``ccsim`` and ``bank``: call
        logs (see :func:`sim.calibration.read_any_log`); ``auto``: told by the header line.

    Returns
    -------
    History
        Counts per date, interval and call type.

    Raises
    ------
    ScenarioError
        For an unreadable file or a bad row: one line naming the file, the line, the column and
        the value (a negative count, a duplicate row, a clock time off the grid).
    UsageError
        For a bad interval length or format.
    """
    if interval_minutes not in INTERVAL_MINUTES:
        raise UsageError(f"interval_minutes must be 15, 30 or 60 (got {interval_minutes})")
    if history_format not in HISTORY_FORMATS:
        expected = ", ".join(HISTORY_FORMATS)
        raise UsageError(f"format must be one of {expected} (got {history_format!r})")
    header = _header(Path(path))
    if history_format == "auto":
        history_format = "counts" if _is_count_header(header) else "auto"
    if history_format != "counts":
        return history_from_log(read_any_log(path, history_format), interval_minutes)
    if "DateTime" in header:
        return _read_timestamped(path, interval_minutes)
    return _read_counts(path, interval_minutes)


def _header(path: Path) -> list[str]:
    """Return the header cells of a CSV file (empty when it cannot be read: the reader says)."""
    try:
        with path.open(encoding="utf-8-sig") as handle:
            return [cell.strip() for cell in handle.readline().split(",")]
    except (OSError, UnicodeDecodeError):
        return []


def _is_count_header(header: list[str]) -> bool:
    return {"volume", "interval_start"} <= set(header) or {"DateTime", "Calls"} <= set(header)


def _read_counts(path: str | Path, interval_minutes: int) -> History:
    """Read ``date,interval_start,call_type,volume[,aht_s]`` rows."""
    table = read_table(path, COUNT_COLUMNS)
    for column in COUNT_COLUMNS.required:
        table.require(column)
    day = table.datetimes("date", "%Y-%m-%d", "must be a date YYYY-MM-DD")
    clock = pd.to_datetime(table.text("interval_start"), format="%H:%M", errors="coerce")
    table.check(clock.isna().to_numpy(), "interval_start", "must be a clock time HH:MM")
    minutes = np.asarray(clock.dt.hour * 60 + clock.dt.minute, dtype=np.int64)
    volume = table.numbers("volume", "must be a count >= 0").to_numpy()
    has_aht = "aht_s" in table.cells.columns
    aht = table.numbers("aht_s", "must be a number > 0", seconds=True) if has_aht else None
    if aht is not None:
        table.check((aht.to_numpy() == 0), "aht_s", "must be a number > 0")
    call_type = table.text("call_type").to_numpy(dtype=object)
    _check_unique(table, np.stack([day.to_numpy().astype(np.int64), minutes]), call_type)
    return _history(
        table,
        day=day,
        minutes=minutes,
        call_type=call_type,
        volume=volume,
        aht_s=None if aht is None else aht.to_numpy(),
        interval_minutes=interval_minutes,
    )


def _read_timestamped(path: str | Path, interval_minutes: int) -> History:
    """Read ``DateTime,Calls`` rows (ISO 8601 instants of slot starts, an optional ``Z``)."""
    table = read_table(path, TIMESTAMP_COLUMNS)
    for column in TIMESTAMP_COLUMNS.required:
        table.require(column)
    text = table.text("DateTime").str.removesuffix("Z")
    instant = pd.to_datetime(text, format="%Y-%m-%dT%H:%M:%S", errors="coerce")
    table.check(instant.isna().to_numpy(), "DateTime", "must be a date-time YYYY-MM-DDTHH:MM:SS")
    day = instant.dt.normalize()
    seconds = (instant - day).dt.total_seconds().to_numpy()
    minutes = (seconds // SECONDS_PER_MINUTE).astype(np.int64)
    volume = table.numbers("Calls", "must be a count >= 0").to_numpy()
    call_type = np.full(len(volume), TIMESTAMP_CALL_TYPE, dtype=object)
    key = instant.to_numpy().astype(np.int64)[np.newaxis]
    _check_unique(table, key, call_type, column="DateTime")
    return _history(
        table,
        day=day,
        minutes=minutes,
        call_type=call_type,
        volume=volume,
        aht_s=None,
        interval_minutes=interval_minutes,
    )


def _check_unique(
    table: TextTable,
    keys: NDArray[np.int64],
    call_type: NDArray[np.object_],
    column: str = "interval_start",
) -> None:
    """Raise on the first row that repeats an earlier row's instant and call type."""
    frame = pd.DataFrame({f"k{i}": key for i, key in enumerate(keys)})
    frame["call_type"] = call_type
    repeated = frame.duplicated().to_numpy()
    if not repeated.any():
        return
    row = int(np.flatnonzero(repeated)[0])
    first = int(np.flatnonzero((frame == frame.iloc[row]).all(axis=1).to_numpy())[0])
    message = f"repeats the row of line {table.lines[first]} (same date, time and call type)"
    table.check(np.arange(len(repeated)) == row, column, message)


def _history(
    table: TextTable,
    *,
    day: pd.Series,
    minutes: NDArray[np.int64],
    call_type: NDArray[np.object_],
    volume: NDArray[np.float64],
    aht_s: NDArray[np.float64] | None,
    interval_minutes: int,
) -> History:
    """Sum rows into dates x intervals x call types, checking the grid."""
    starts = np.unique(minutes)
    gap = int(np.diff(starts).min()) if len(starts) > 1 else interval_minutes
    if gap > interval_minutes or interval_minutes % gap:
        column = "interval_start" if "interval_start" in table.cells.columns else "DateTime"
        message = (
            f"counts every {gap} minutes cannot be cut into {interval_minutes}-minute "
            f"intervals (use --interval-minutes {gap} or a multiple that divides 60)"
        )
        table.check(np.ones(len(minutes), dtype=bool), column, message)
    dates_index = pd.DatetimeIndex(np.sort(day.unique()))
    d = dates_index.get_indexer(pd.DatetimeIndex(day))
    names, k = _types_by_volume(call_type, volume)
    interval = minutes // interval_minutes
    shape = (len(dates_index), round(SECONDS_PER_DAY / 60 / interval_minutes), len(names))
    counts = np.zeros(shape)
    np.add.at(counts, (d, interval, k), volume)
    aht = None
    if aht_s is not None:
        work = np.zeros(shape)
        known = ~np.isnan(aht_s)
        np.add.at(work, (d[known], interval[known], k[known]), volume[known] * aht_s[known])
        weight = np.zeros(shape)
        np.add.at(weight, (d[known], interval[known], k[known]), volume[known])
        aht = np.divide(work, weight, out=np.full(shape, np.nan), where=weight > 0)
    return History(
        source=table.source,
        dates=tuple(t.date() for t in dates_index),
        call_types=names,
        interval_minutes=interval_minutes,
        volume=counts,
        aht_s=aht,
        answer_rate=None,
    )


def _types_by_volume(
    call_type: NDArray[np.object_], volume: NDArray[np.float64]
) -> tuple[tuple[str, ...], NDArray[np.int64]]:
    """Return call types by falling volume (then name) and each row's index into them."""
    totals = pd.Series(volume).groupby(call_type).sum()
    names = tuple(sorted(totals.index, key=lambda name: (-totals[name], name)))
    index = {name: i for i, name in enumerate(names)}
    return names, np.array([index[name] for name in call_type], dtype=np.int64)


def history_from_log(log: CallLog, interval_minutes: int) -> History:
    """Count a call log's offered calls per date, interval and call type.

    Parameters
    ----------
    log : CallLog
        The calls; those that never reached the agent queues (``other``) are left out.
    interval_minutes : int
        Planning interval.

    Returns
    -------
    History
        Offered calls, the mean handle time of answered calls with a handle time > 0 (by
        arrival interval) and each date's answer rate.
    """
    calls = log.calls[~log.outcome_is("other")]
    if calls.empty:
        raise ScenarioError(log.source, "", "has no answered or abandoned call")
    arrival = calls["arrival_at"]
    day = arrival.dt.normalize()
    since_midnight_s = (arrival - day).dt.total_seconds().to_numpy()
    interval = (since_midnight_s // (interval_minutes * SECONDS_PER_MINUTE)).astype(np.int64)
    dates_index = pd.DatetimeIndex(np.sort(day.unique()))
    d = dates_index.get_indexer(day)
    names, k = _types_by_volume(calls["call_type"].to_numpy(dtype=object), np.ones(len(calls)))
    shape = (len(dates_index), round(SECONDS_PER_DAY / 60 / interval_minutes), len(names))
    counts = np.zeros(shape)
    np.add.at(counts, (d, interval, k), 1.0)
    handle_s = calls["handle_s"].to_numpy()
    answered = (calls["outcome"] == "answered").to_numpy()
    timed = answered & (handle_s > 0)
    work, served = np.zeros(shape), np.zeros(shape)
    np.add.at(work, (d[timed], interval[timed], k[timed]), handle_s[timed])
    np.add.at(served, (d[timed], interval[timed], k[timed]), 1.0)
    aht = np.divide(work, served, out=np.full(shape, np.nan), where=served > 0)
    offered_per_day = np.bincount(d, minlength=len(dates_index)).astype(np.float64)
    answered_per_day = np.bincount(d[answered], minlength=len(dates_index)).astype(np.float64)
    return History(
        source=log.source,
        dates=tuple(t.date() for t in dates_index),
        call_types=names,
        interval_minutes=interval_minutes,
        volume=counts,
        aht_s=aht if served.any() else None,
        answer_rate=answered_per_day / offered_per_day,
    )


HOLIDAY_COLUMNS = Columns("holidays", ("date",), ("name",), frozenset())


def read_holidays(path: str | Path) -> dict[date, str]:
    """Read a holidays CSV: ``date`` (YYYY-MM-DD) and an optional ``name``.

    Returns
    -------
    dict of datetime.date to str
        Each holiday's name (empty when not given).

    Raises
    ------
    ScenarioError
        For a bad or repeated date: one line naming the file, the line and the value.
    """
    table = read_table(path, HOLIDAY_COLUMNS)
    table.require("date")
    days = table.datetimes("date", "%Y-%m-%d", "must be a date YYYY-MM-DD")
    table.check(days.duplicated().to_numpy(), "date", "repeats a holiday")
    names = table.text("name") if "name" in table.cells.columns else pd.Series([""] * len(days))
    return {day.date(): str(name) for day, name in zip(days, names.to_numpy(), strict=True)}

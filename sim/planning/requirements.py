"""Agents needed per planning interval from a forecast: Erlang C or A, then shrinkage.

A forecast CSV (``interval_start,call_type,volume,aht_s,day``, the format of
``docs/reference/scenario.md``) gives the expected calls and mean handle time per interval and
call type. Per interval the call types are pooled into one queue served by agents who take
every type: volume = the sum of the volumes, AHT = the volume-weighted mean AHT. With
``by_call_type`` each call type is sized on its own (dedicated agents) instead. Agents on the
phones are the fewest whose steady-state service level meets the target (Erlang C, or Erlang A
with a mean patience; :func:`sim.analytic.agents_required`); agents to schedule add shrinkage,
``ceil(on_phones / (1 - shrinkage))``. Chat call types (:class:`ChatSizing`) are sized apart
from the voice types: agents holding up to ``max_concurrent`` sessions, by
:func:`sim.analytic.channels.chat_agents_required`. Formulas and files:
``docs/reference/planning.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim.analytic import agents_required
from sim.analytic.channels import chat_agents_required
from sim.errors import ScenarioError, UsageError
from sim.files import atomic_write, write_table_csv
from sim.scenario.calendar import MAX_DAYS
from sim.scenario.fields import Clock, Count, DayRow
from sim.scenario.inputs import FORECAST_COLUMNS, Columns
from sim.scenario.load import read_rows
from sim.scenario.schema import ForecastRow
from sim.units import SECONDS_PER_HOUR, SECONDS_PER_MINUTE, clock_to_s, s_to_clock

POOLED = "all"
POOLED_CHAT = "chat"
"""Call type name of requirements that pool every call type."""
INTERVAL_MINUTES = (15, 30, 60)
REQUIREMENT_COLUMNS = Columns(
    "requirements",
    ("interval_start", "scheduled"),
    ("day", "call_type", "volume", "aht_s", "load_erlangs", "on_phones", "service_level"),
    frozenset(
        {"day", "scheduled", "volume", "aht_s", "load_erlangs", "on_phones", "service_level"}
    ),
)
# Agents are whole numbers; a quotient such as 14 / (1 - 0.3) = 20.000000000000004 must not
# round up to 21 because of binary floating point.
_ROUNDING_SLACK = 1e-9


class RequirementRow(DayRow):
    """One row of a requirements CSV, as :func:`write_requirements` writes it.

    Attributes
    ----------
    interval_start : str
        Clock time at which the planning interval starts.
    scheduled : int
        Agents to schedule in the interval (shrinkage included), >= 0.
    call_type : str
        Call type, or ``all`` when the call types were pooled.
    volume, aht_s, load_erlangs, on_phones, service_level : optional
        The forecast and the Erlang sizing behind ``scheduled`` (not used by the scheduler).
    day : int, optional
        Day (0-based); absent: every day.
    """

    interval_start: Clock
    scheduled: Count
    call_type: str = POOLED
    volume: float | None = None
    aht_s: float | None = None
    load_erlangs: float | None = None
    on_phones: Count | None = None
    service_level: float | None = None


class _GridRow(Protocol):
    """A row of a planner's file: a call type's value in one interval of one day or every day."""

    @property
    def interval_start(self) -> str: ...

    @property
    def call_type(self) -> str: ...

    @property
    def day(self) -> int | None: ...


@dataclass(frozen=True)
class IntervalGrid:
    """The planning intervals of the days a planner's file covers.

    Attributes
    ----------
    open_s : float
        Start of the first interval, seconds after midnight.
    interval_s : float
        Length of an interval, seconds.
    n_intervals : int
        Intervals in a day.
    days : tuple of (int or None)
        The days (0-based), or ``(None,)`` when no row names a day (the rows hold every day).
    """

    open_s: float
    interval_s: float
    n_intervals: int
    days: tuple[int | None, ...]

    @property
    def close_s(self) -> float:
        """End of the last interval, seconds after midnight."""
        return self.open_s + self.n_intervals * self.interval_s

    def starts_s(self) -> NDArray[np.float64]:
        """Return the start of every interval, seconds after midnight (float64[I])."""
        return self.open_s + self.interval_s * np.arange(self.n_intervals, dtype=np.float64)

    def labels(self) -> list[str]:
        """Return the interval starts as ``HH:MM``."""
        return [s_to_clock(start) for start in self.starts_s()]

    def day_column(self, rows_per_day: int) -> pd.api.extensions.ExtensionArray:
        """Return each day ``rows_per_day`` times as a nullable ``Int64`` column (NA: every day)."""
        return pd.array([day for day in self.days for _ in range(rows_per_day)], dtype="Int64")


@dataclass(frozen=True)
class Forecast:
    """Expected calls and handle times per day, call type and interval.

    Attributes
    ----------
    grid : IntervalGrid
        Days and intervals.
    call_types : tuple of str
        Call types in order of first appearance.
    volume : float64[D, T, I]
        Expected calls (0 where the forecast has no row).
    aht_s : float64[D, T, I]
        Mean handle time, seconds (NaN where the forecast has no row).
    """

    grid: IntervalGrid
    call_types: tuple[str, ...]
    volume: NDArray[np.float64]
    aht_s: NDArray[np.float64]


@dataclass(frozen=True)
class ServiceGoal:
    """The service level to staff for.

    Attributes
    ----------
    target : float
        Share of calls to answer within the threshold, strictly between 0 and 1.
    threshold_s : float
        Service-level threshold T, seconds (>= 0).
    patience_s : float or None
        Mean patience, seconds, for Erlang A; None for Erlang C (no abandonment).
    """

    target: float
    threshold_s: float
    patience_s: float | None = None


@dataclass(frozen=True)
class ChatSizing:
    """Which call types of a forecast are chats, and how many sessions an agent holds.

    Attributes
    ----------
    call_types : tuple of str
        Forecast call types that are chats (each must be in the forecast).
    max_concurrent : int
        Sessions an agent holds at once (>= 1).
    slowdown : tuple of float, optional
        Handle-time factor with 1, 2, ... sessions held (at least ``max_concurrent`` values);
        None: no slow-down.
    """

    call_types: tuple[str, ...]
    max_concurrent: int = 1
    slowdown: tuple[float, ...] | None = None


@dataclass(frozen=True)
class RequiredAgents:
    """Agents to schedule per day and interval, read from a requirements CSV.

    Attributes
    ----------
    source : str
        The requirements file, for messages.
    grid : IntervalGrid
        Days and intervals.
    agents : float64[D, I]
        Agents to schedule, summed over the call types of the file.
    """

    source: str
    grid: IntervalGrid
    agents: NDArray[np.float64]


def read_forecast(
    path: str | Path, *, interval_minutes: int | None = None, default_aht_s: float | None = None
) -> Forecast:
    """Read a forecast CSV onto its interval grid.

    Parameters
    ----------
    path : str or Path
        Forecast CSV: ``interval_start``, ``call_type``, ``volume`` and optionally ``aht_s``
        (seconds) and ``day`` (0-based; an empty cell holds every day).
    interval_minutes : {15, 30, 60}, optional
        Length of an interval; default: the smallest gap between two interval starts.
    default_aht_s : float, optional
        AHT in seconds for rows whose ``aht_s`` is empty (otherwise such a row is an error).

    Returns
    -------
    Forecast
        Volumes and AHTs from the first interval start to the last one of the file; call
        types without a row in an interval have no calls there.

    Raises
    ------
    ScenarioError
        ``FILE: line N, column C: ...`` for a bad cell, an interval start off the grid, a
        repeated (day, interval, call type) or a missing AHT.
    """
    source = str(path)
    rows = read_rows(path, FORECAST_COLUMNS, ForecastRow)
    grid = _grid_of(rows, source, interval_minutes)
    call_types = tuple(dict.fromkeys(row.call_type for _, row in rows))
    shape = (len(grid.days), len(call_types), grid.n_intervals)
    volume, aht_s = np.zeros(shape), np.full(shape, np.nan)
    cells = _place_rows(rows, grid, source)
    for (line, row), (days, interval) in zip(rows, cells, strict=True):
        kind = call_types.index(row.call_type)
        volume[days, kind, interval] = row.volume
        aht_s[days, kind, interval] = _aht_s(row, default_aht_s, source, line)
    return Forecast(grid, call_types, volume, aht_s)


def _aht_s(row: ForecastRow, default_aht_s: float | None, source: str, line: int) -> float:
    if row.aht_s is not None:
        return row.aht_s
    if default_aht_s is None:
        message = "is empty: give the AHT in seconds here, or a default AHT (--aht-s)"
        raise ScenarioError(source, f"line {line}, column aht_s", message)
    return default_aht_s


def read_requirements(
    path: str | Path,
    *,
    interval_minutes: int | None = None,
    call_types: Sequence[str] | None = None,
) -> RequiredAgents:
    """Read a requirements CSV: agents to schedule per interval (summed over call types).

    Parameters
    ----------
    path : str or Path
        Requirements CSV with at least ``interval_start`` and ``scheduled``, and optionally
        ``day`` and ``call_type`` (the columns :func:`write_requirements` writes).
    interval_minutes : {15, 30, 60}, optional
        Length of an interval; default: the smallest gap between two interval starts.
    call_types : sequence of str, optional
        Keep only the rows of these call types (default: every row); each must have a row.

    Returns
    -------
    RequiredAgents
        Agents to schedule; intervals of the grid without a row need none.

    Raises
    ------
    ScenarioError
        ``FILE: line N, column C: ...`` for a bad cell, an interval off the grid or a repeated
        (day, interval, call type).
    """
    source = str(path)
    rows = read_rows(path, REQUIREMENT_COLUMNS, RequirementRow)
    if call_types is not None:
        rows = _rows_of_call_types(rows, call_types, source)
    grid = _grid_of(rows, source, interval_minutes)
    agents = np.zeros((len(grid.days), grid.n_intervals))
    cells = _place_rows(rows, grid, source)
    for (_, row), (days, interval) in zip(rows, cells, strict=True):
        agents[days, interval] += row.scheduled
    return RequiredAgents(source, grid, agents)


def _rows_of_call_types(
    rows: list[tuple[int, RequirementRow]], call_types: Sequence[str], source: str
) -> list[tuple[int, RequirementRow]]:
    """Return the rows of the call types given, refusing a call type without a row."""
    present = dict.fromkeys(row.call_type for _, row in rows)
    for name in call_types:
        if name not in present:
            message = f"has no row of call type {name!r}, only of: {', '.join(present)}"
            raise ScenarioError(source, "column call_type", message)
    return [(line, row) for line, row in rows if row.call_type in call_types]


def _grid_of(
    rows: Sequence[tuple[int, _GridRow]], source: str, interval_minutes: int | None
) -> IntervalGrid:
    """Return the interval grid of a planner's file: from its first interval start to its last.

    Parameters
    ----------
    rows : sequence of (int, row)
        Line numbers and rows with ``interval_start`` and ``day``.
    source : str
        The file, for messages.
    interval_minutes : {15, 30, 60}, optional
        Length of an interval; default: the smallest gap between two interval starts.

    Raises
    ------
    ScenarioError
        When the interval length cannot be told, or is not 15, 30 or 60 minutes, or a day is
        past the calendar's limit (:data:`~sim.scenario.calendar.MAX_DAYS`).
    """
    starts_s = sorted({clock_to_s(row.interval_start) for _, row in rows})
    interval_s = _interval_s(starts_s, source, interval_minutes)
    given_days = [row.day for _, row in rows if row.day is not None]
    for line, row in rows:
        if row.day is not None and row.day >= MAX_DAYS:
            message = f"must be a day 0 to {MAX_DAYS - 1} (got {row.day})"
            raise ScenarioError(source, f"line {line}, column day", message)
    days: tuple[int | None, ...] = tuple(range(max(given_days) + 1)) if given_days else (None,)
    n_intervals = round((starts_s[-1] - starts_s[0]) / interval_s) + 1
    return IntervalGrid(starts_s[0], interval_s, n_intervals, days)


def _interval_s(starts_s: list[float], source: str, interval_minutes: int | None) -> float:
    if interval_minutes is None:
        if len(starts_s) == 1:
            message = "has a single interval start: give the interval length (--interval-minutes)"
            raise ScenarioError(source, "column interval_start", message)
        interval_minutes = round(min(np.diff(starts_s)) / SECONDS_PER_MINUTE)
    if interval_minutes not in INTERVAL_MINUTES:
        message = (
            f"planning intervals are 15, 30 or 60 minutes long "
            f"(got interval starts {interval_minutes} minutes apart)"
        )
        raise ScenarioError(source, "column interval_start", message)
    return interval_minutes * SECONDS_PER_MINUTE


def _place_rows(
    rows: Sequence[tuple[int, _GridRow]], grid: IntervalGrid, source: str
) -> list[tuple[list[int], int]]:
    """Return the day indices and the interval index of each row, refusing repeated rows.

    Two rows may not give the same call type for the same day and interval (a row without a
    day gives it for every day).

    Parameters
    ----------
    rows : sequence of (int, row)
        Line numbers and rows.
    grid : IntervalGrid
        The grid the rows lie on.
    source : str
        The file, for messages.

    Raises
    ------
    ScenarioError
        ``FILE: line N, column interval_start: ...`` for a start off the grid, ``FILE: line N:
        ...`` for a row that repeats another.
    """
    seen: dict[tuple[int, int, str], int] = {}
    cells = []
    for line, row in rows:
        interval = _interval_index(row.interval_start, grid, source, line)
        days = list(range(len(grid.days))) if row.day is None else [row.day]
        for day in days:
            earlier = seen.setdefault((day, interval, row.call_type), line)
            if earlier != line:
                message = (
                    f"gives {row.call_type} at {row.interval_start} on day {grid.days[day]} again "
                    f"(line {earlier} gave it; a row without day holds every day)"
                )
                raise ScenarioError(source, f"line {line}", message)
        cells.append((days, interval))
    return cells


def _interval_index(start: str, grid: IntervalGrid, source: str, line: int) -> int:
    offset = (clock_to_s(start) - grid.open_s) / grid.interval_s
    if offset != round(offset):
        message = (
            f"is not on the {grid.interval_s / SECONDS_PER_MINUTE:g}-minute grid from "
            f"{s_to_clock(grid.open_s)} (got {start!r})"
        )
        raise ScenarioError(source, f"line {line}, column interval_start", message)
    return round(offset)


def scheduled_agents(on_phones: int, shrinkage: float) -> int:
    """Return the agents to schedule so that ``on_phones`` remain after shrinkage.

    Parameters
    ----------
    on_phones : int
        Agents needed on the phones, >= 0.
    shrinkage : float
        Share of scheduled time lost to absence and off-phone work, in [0, 1).

    Returns
    -------
    int
        ``ceil(on_phones / (1 - shrinkage))``, floating-point noise below 1e-9 agents ignored.
    """
    return math.ceil(on_phones / (1.0 - shrinkage) - _ROUNDING_SLACK)


def interval_requirements(
    forecast: Forecast,
    goal: ServiceGoal,
    *,
    shrinkage: float = 0.0,
    by_call_type: bool = False,
    chat: ChatSizing | None = None,
) -> pd.DataFrame:
    """Size every interval of a forecast: agents on the phones and agents to schedule.

    Parameters
    ----------
    forecast : Forecast
        Volumes and AHTs.
    goal : ServiceGoal
        Service-level target and threshold, and the mean patience for Erlang A.
    shrinkage : float
        Share of scheduled time not on the phones (absence, training, ...), in [0, 1).
    by_call_type : bool
        Size each call type on its own instead of pooling them per interval.
    chat : ChatSizing, optional
        Call types that are chats: pooled apart from the voice types (as ``chat``, or each on
        its own with ``by_call_type``) and sized for agents holding several sessions.

    Returns
    -------
    pandas.DataFrame
        One row per day, interval and call type (``all`` for the pooled voice types, ``chat``
        for the pooled chat types): ``day`` (Int64, NA for every day), ``interval_start``,
        ``call_type``, ``volume`` (calls), ``aht_s``, ``load_erlangs`` (volume x AHT / interval
        length), ``on_phones``, ``scheduled`` and ``service_level`` (the formula's prediction at
        ``on_phones``; NaN without calls).

    Notes
    -----
    Each interval is a steady-state queue with Poisson arrivals at the interval's rate,
    exponential handle times (and exponential patience for Erlang A), FCFS; an interval
    without calls needs no agent. A chat queue is Erlang C (or A) on agents x sessions slots,
    every session as long as at full concurrency (``docs/reference/planning.md``).
    """
    if not 0.0 <= shrinkage < 1.0:
        raise UsageError(f"shrinkage must be in [0, 1) (got {shrinkage})")
    is_chat = _chat_mask(forecast, chat)
    parts = [
        (*_queues(forecast, ~is_chat, by_call_type, POOLED), False),
        (*_queues(forecast, is_chat, by_call_type, POOLED_CHAT), True),
    ]
    names = [name for part in parts for name in part[0]]
    volume = np.concatenate([part[1] for part in parts], axis=1)
    aht_s = np.concatenate([part[2] for part in parts], axis=1)
    chats = np.concatenate([np.full(len(part[0]), part[3]) for part in parts])
    grid = forecast.grid
    n_days, n_queues, n_intervals = volume.shape
    load = np.nan_to_num(volume * aht_s) / grid.interval_s
    queue_is_chat = np.broadcast_to(chats[None, :, None], volume.shape).ravel()
    sizing = []
    for index, (v, a, c) in enumerate(
        zip(volume.ravel(), aht_s.ravel(), queue_is_chat, strict=True)
    ):
        try:
            sizing.append(_agents_on_phones(v, a, grid.interval_s, goal, chat if c else None))
        except UsageError as error:
            day, queue, interval = np.unravel_index(index, volume.shape)
            where = f"day {day}, interval {grid.labels()[interval]}, {names[queue]}"
            raise UsageError(f"{where}: {error}") from None
    on_phones = np.array([agents for agents, _ in sizing], dtype=np.int64)
    return pd.DataFrame(
        {
            "day": grid.day_column(n_queues * n_intervals),
            "interval_start": np.tile(grid.labels(), n_days * n_queues),
            "call_type": np.tile(np.repeat(names, n_intervals), n_days),
            "volume": volume.ravel(),
            "aht_s": aht_s.ravel(),
            "load_erlangs": load.ravel(),
            "on_phones": on_phones,
            "scheduled": [scheduled_agents(int(n), shrinkage) for n in on_phones],
            "service_level": [level for _, level in sizing],
        }
    )


def _chat_mask(forecast: Forecast, chat: ChatSizing | None) -> NDArray[np.bool_]:
    """Which call types of the forecast are chats; every chat type named must be there."""
    if chat is None:
        return np.zeros(len(forecast.call_types), dtype=bool)
    unknown = [name for name in chat.call_types if name not in forecast.call_types]
    if unknown:
        message = (
            f"chat call type {unknown[0]!r} is not in the forecast, whose call types are: "
            f"{', '.join(forecast.call_types)}"
        )
        raise UsageError(message)
    return np.array([name in chat.call_types for name in forecast.call_types], dtype=bool)


def _queues(
    forecast: Forecast, keep: NDArray[np.bool_], by_call_type: bool, pooled: str
) -> tuple[list[str], NDArray[np.float64], NDArray[np.float64]]:
    """Return queue names, volumes and AHTs [D, Q, I] of the call types kept: each, or pooled.

    No call type kept: no queue.
    """
    volume, aht_s = forecast.volume[:, keep, :], forecast.aht_s[:, keep, :]
    if by_call_type or not keep.any():
        return [n for n, k in zip(forecast.call_types, keep, strict=True) if k], volume, aht_s
    total = volume.sum(axis=1, keepdims=True)
    work_s = np.where(volume > 0, volume * aht_s, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_aht_s = np.where(total > 0, work_s.sum(axis=1, keepdims=True) / total, np.nan)
    return [pooled], total, mean_aht_s


def _agents_on_phones(
    volume: float, aht_s: float, interval_s: float, goal: ServiceGoal, chat: ChatSizing | None
) -> tuple[int, float]:
    """Return the fewest agents meeting the goal and their service level (0, NaN: no calls)."""
    if volume == 0:
        return 0, math.nan
    per_hour = volume * SECONDS_PER_HOUR / interval_s
    if chat is not None:
        sized = chat_agents_required(
            chats_per_hour=per_hour,
            session_s=aht_s,
            max_concurrent=chat.max_concurrent,
            slowdown=chat.slowdown,
            threshold_s=goal.threshold_s,
            target=goal.target,
            patience_s=goal.patience_s,
        )
        return sized.agents, sized.kpis.service_level
    staffing = agents_required(
        calls_per_hour=per_hour,
        aht_s=aht_s,
        threshold_s=goal.threshold_s,
        target=goal.target,
        patience_s=goal.patience_s,
    )
    return staffing.agents, staffing.kpis.service_level


def write_requirements(frame: pd.DataFrame, path: str | Path) -> None:
    """Write requirements as CSV, whole or not at all (a temporary file, then a rename).

    Parameters
    ----------
    frame : pandas.DataFrame
        As :func:`interval_requirements` returns it.
    path : str or Path
        Target file; its folder is created if needed.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, lambda temporary: write_table_csv(frame, temporary))

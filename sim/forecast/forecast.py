"""The forecast of a horizon: a method chosen by backtest, prediction intervals, files written.

:func:`make_forecast` cleans nothing itself: it takes a history and the dates its cleaning
kept, backtests the methods, forecasts each date of the horizon from the whole history, and
measures the error the simulator should reproduce (``busyness.day_cv``). The forecast CSV is
the format ``plan requirements`` and scenarios read, with the prediction interval as two more
columns; :func:`forecast_scenario` writes a scenario that runs it.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

from sim.errors import UsageError
from sim.files import atomic_write
from sim.forecast.backtest import (
    DEFAULT_EVAL_DAYS,
    HORIZONS,
    MIN_RESIDUAL_DAYS,
    Backtest,
    backtest,
    fit_band,
    scorable_dates,
)
from sim.forecast.history import History
from sim.forecast.methods import (
    METHODS,
    PROFILE_PERIODS_FACTOR,
    Panel,
    history_needed,
    open_steps,
    predict,
)
from sim.scenario.inputs import rebased_inputs
from sim.scenario.load import read_yaml, scenario_from_dict
from sim.units import clock_to_s

MAX_DAYS = 366
"""Most dates a forecast covers."""
MAX_PERIODS = 52
"""Most dates ``moving_average`` averages."""
FORECAST_HEADER = (
    "interval_start",
    "call_type",
    "volume",
    "aht_s",
    "day",
    "volume_lo",
    "volume_hi",
)


@dataclass(frozen=True, eq=False)
class Forecast:
    """Calls forecast per date, interval and call type, with prediction intervals.

    Attributes
    ----------
    dates : tuple of datetime.date
        The horizon; ``day`` 0 is the first.
    call_types : tuple of str
        Call types.
    interval_starts : tuple of str
        ``HH:MM`` of each interval forecast (the opening span).
    volume, low, high : float64[dates, intervals, call types]
        Expected calls and the prediction interval's ends.
    day_low, day_high : float64[dates]
        Prediction interval of each date's total (every call type), from the daily errors.
    aht_s : float64[dates, intervals, call types] or None
        Mean handle time forecast, seconds (NaN where unknown); None without handle times.
    method : str
        The method used.
    horizon : str
        The backtest horizon (``day`` or ``week``) that chose the method and measured its error.
    backtest : Backtest
        The backtest behind the choice.
    day_cv : float
        CV of the error of a day's total beyond Poisson noise: ``busyness.day_cv``.
    level : float
        Nominal coverage of the intervals.
    notes : tuple of str
        Fallbacks taken, stated in the output.
    """

    dates: tuple[date, ...]
    call_types: tuple[str, ...]
    interval_starts: tuple[str, ...]
    volume: NDArray[np.float64]
    low: NDArray[np.float64]
    high: NDArray[np.float64]
    day_low: NDArray[np.float64]
    day_high: NDArray[np.float64]
    aht_s: NDArray[np.float64] | None
    method: str
    horizon: str
    backtest: Backtest
    day_cv: float
    level: float
    notes: tuple[str, ...]


def make_forecast(
    history: History,
    kept: NDArray[np.bool_],
    *,
    start: date,
    days: int,
    method: str = "auto",
    periods: int = 4,
    level: float = 0.9,
    span: slice | None = None,
) -> Forecast:
    """Forecast ``days`` dates from ``start`` with the method named or the backtest's best.

    Parameters
    ----------
    history : History
        The history.
    kept : bool[dates]
        Dates the cleaning kept.
    start : datetime.date
        First date forecast; after the history's last date.
    days : int
        Dates forecast, 1 to :data:`MAX_DAYS`.
    method : str
        One of :data:`~sim.forecast.methods.METHODS`, or ``auto``: the lowest interval WAPE
        of the backtest at the horizon (day-ahead for a forecast of the next open date only,
        else week-ahead).
    periods : int
        Dates ``moving_average`` averages, 1 to :data:`MAX_PERIODS`.
    level : float
        Nominal coverage of the prediction intervals, in [0.5, 0.99].
    span : slice, optional
        Intervals of the day forecast (default: from the first to the last with calls on the
        kept dates; a wider span adds intervals without calls).

    Returns
    -------
    Forecast
        The forecast.

    Raises
    ------
    UsageError
        For a horizon before the history ends, a bad size, or too little history for the
        method or for measuring its error.
    """
    _check_request(history, start, days, method=method, periods=periods, level=level)
    panel = Panel(history, kept, periods)
    busy = history.span(kept)
    span = busy if span is None else span
    dates = tuple(start + timedelta(days=n) for n in range(days))
    lead = open_steps(history.dates[-1], dates[-1], history.open_weekdays)
    horizon = "day" if lead <= 1 else "week"
    # Scored on the hours with calls: closed hours would only dilute the RMSE.
    tested = _backtest(panel, busy, level)
    notes = [f"{name} left out: {why}" for name, why in tested.left_out.items()]
    if method == "auto":
        method = tested.best(horizon)
    elif method in tested.left_out:
        raise UsageError(
            f"{history.source}: too little history for {method}: it needs "
            f"{history_needed(panel, method)} before each date backtested"
        )
    volume = predict(panel, method, history.dates[-1], dates)[:, span]
    actual, forecast = tested.errors(method, horizon)
    low, high = fit_band(actual, forecast, level).bounds(volume)
    day_band = fit_band(actual.sum(axis=(1, 2)), forecast.sum(axis=(1, 2)), level)
    day_low, day_high = day_band.bounds(volume.sum(axis=(1, 2)))
    if (dates[-1] - history.dates[-1]).days > max(HORIZONS.values()):
        notes.append(
            "dates more than a week after the history use the week-ahead error: their "
            "intervals are likely too narrow"
        )
    return Forecast(
        dates=dates,
        call_types=history.call_types,
        interval_starts=tuple(history.interval_start(i) for i in range(span.start, span.stop)),
        volume=volume,
        low=low,
        high=high,
        day_low=day_low,
        day_high=day_high,
        aht_s=_aht_s(panel, dates, span),
        method=method,
        horizon=horizon,
        backtest=tested,
        day_cv=float(np.sqrt(day_band.c2)),
        level=level,
        notes=tuple(notes),
    )


def _check_request(
    history: History, start: date, days: int, *, method: str, periods: int, level: float
) -> None:
    """Refuse a horizon before the history's end and sizes out of their bounds."""
    if start <= history.dates[-1]:
        raise UsageError(
            f"start: the forecast must start after the history's last date "
            f"{history.dates[-1].isoformat()} (got {start.isoformat()})"
        )
    if not 1 <= days <= MAX_DAYS:
        raise UsageError(f"days: must be 1 to {MAX_DAYS} (got {days})")
    if method != "auto" and method not in METHODS:
        expected = ", ".join(("auto", *METHODS))
        raise UsageError(f"method: must be one of {expected} (got {method!r})")
    if not 1 <= periods <= MAX_PERIODS:
        raise UsageError(f"periods: must be 1 to {MAX_PERIODS} (got {periods})")
    if not 0.5 <= level <= 0.99:
        raise UsageError(f"level: must be in [0.5, 0.99] (got {level})")


def _backtest(panel: Panel, span: slice, level: float) -> Backtest:
    """Backtest every method over the last :data:`DEFAULT_EVAL_DAYS` dates (or all there are)."""
    history = panel.history
    available = len(scorable_dates(panel))
    if available < MIN_RESIDUAL_DAYS:
        raise UsageError(
            f"{history.source}: too little history to measure the forecast's error: needs "
            f"{MIN_RESIDUAL_DAYS} dates a week or more after the first date "
            f"{history.dates[0].isoformat()} (got {available})"
        )
    return backtest(panel, span, eval_days=min(DEFAULT_EVAL_DAYS, available), level=level)


def _aht_s(panel: Panel, dates: tuple[date, ...], span: slice) -> NDArray[np.float64] | None:
    """Mean handle time per date, interval and call type: the weekday's recent kept dates.

    Each cell is the volume-weighted mean AHT of the ``periods`` x 2 most recent kept dates of
    its weekday; a cell without answered calls there takes the call type's mean over every
    kept date (NaN when the call type has none).
    """
    history = panel.history
    if history.aht_s is None:
        return None
    known = ~np.isnan(history.aht_s)
    work = np.where(known, history.aht_s * history.volume, 0.0)
    weight = np.where(known, history.volume, 0.0)
    overall = _ratio(work[panel.kept].sum(axis=(0, 1)), weight[panel.kept].sum(axis=(0, 1)))
    out = np.full((len(dates), span.stop - span.start, len(history.call_types)), np.nan)
    for t, target in enumerate(dates):
        recent = panel.usable(history.dates[-1], target.weekday())
        recent = recent[-panel.periods * PROFILE_PERIODS_FACTOR :]
        cell = _ratio(work[recent].sum(axis=0), weight[recent].sum(axis=0))[span]
        out[t] = np.where(np.isnan(cell), overall, cell)
    return out


def _ratio(top: NDArray[np.float64], bottom: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.divide(top, bottom, out=np.full(np.shape(top), np.nan), where=bottom > 0)


def forecast_rows(forecast: Forecast) -> list[list[str]]:
    """Return the forecast CSV's rows, header first: one per date, interval and call type."""
    rows = [list(FORECAST_HEADER)]
    for t in range(len(forecast.dates)):
        for i, start in enumerate(forecast.interval_starts):
            for k, name in enumerate(forecast.call_types):
                aht = np.nan if forecast.aht_s is None else forecast.aht_s[t, i, k]
                rows.append(
                    [
                        start,
                        name,
                        _number(forecast.volume[t, i, k]),
                        "" if np.isnan(aht) else f"{aht:.1f}",
                        str(t),
                        _number(forecast.low[t, i, k]),
                        _number(forecast.high[t, i, k]),
                    ]
                )
    return rows


def _number(value: float) -> str:
    return f"{value:.3f}"


def write_forecast(forecast: Forecast, path: str | Path) -> None:
    """Write the forecast CSV, whole or not at all (folders are created)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(forecast_rows(forecast))
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = buffer.getvalue()
    atomic_write(target, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def base_span(base_path: str | Path, history: History, busy: slice) -> slice:
    """Return the intervals of the day a base scenario's calendar opens, on the history's grid.

    ``busy`` is the span of the history's calls (:meth:`History.span`).

    Raises
    ------
    UsageError
        When the base has no calendar, another interval length, or opens later or closes
        earlier than the calls of the history (they would have nowhere to go).
    """
    calendar = _base_document(base_path).get("calendar")
    if not isinstance(calendar, dict):
        raise UsageError(f"{base_path}: calendar: a forecast scenario needs a calendar")
    minutes = calendar.get("interval_minutes", 30)
    if minutes != history.interval_minutes:
        raise UsageError(
            f"{base_path}: calendar.interval_minutes: must equal the forecast's "
            f"{history.interval_minutes} (got {minutes})"
        )
    interval_s = history.interval_s
    try:
        opens = round(clock_to_s(str(calendar.get("open", "00:00"))) / interval_s)
        closes = round(clock_to_s(str(calendar.get("close", "24:00"))) / interval_s)
    except ValueError as error:
        raise UsageError(f"{base_path}: calendar: {error}") from None
    if busy.start < opens or busy.stop > closes:
        raise UsageError(
            f"{base_path}: calendar: the history has calls from "
            f"{history.interval_start(busy.start)} to {history.interval_start(busy.stop)}, "
            f"outside the opening hours {calendar.get('open')}-{calendar.get('close')}"
        )
    return slice(opens, closes)


def forecast_scenario(
    forecast: Forecast, base_path: str | Path, forecast_path: str | Path, out_path: str | Path
) -> None:
    """Write a copy of a base scenario that runs the forecast, with its error as busyness.

    The copy's calendar starts on the forecast's first date and lasts its days (opening hours
    and interval length kept: the forecast must be on them, see :func:`base_span`); each call
    type of the forecast takes its volumes from the forecast CSV (its own ``volume`` is
    dropped, ``day_cv`` included); ``busyness.day_cv`` is the forecast's day error. The copy is
    validated before it is written (a :class:`~sim.errors.ScenarioError` otherwise).

    Parameters
    ----------
    forecast : Forecast
        The forecast.
    base_path : str or Path
        The base scenario (e.g. the calibrated one).
    forecast_path : str or Path
        The forecast CSV written.
    out_path : str or Path
        The scenario YAML to write.
    """
    base_dir, out_dir = Path(base_path).parent, Path(out_path).parent
    document = rebased_inputs(_base_document(base_path), base_dir, out_dir)
    call_types = dict(document.get("call_types") or {})
    for name in forecast.call_types:
        if name not in call_types:
            raise UsageError(f"{base_path}: call_types: has no call type {name!r} (forecast)")
        call_types[name] = {k: v for k, v in call_types[name].items() if k != "volume"}
    calendar = {
        **document["calendar"],
        "days": len(forecast.dates),
        "start_date": forecast.dates[0].isoformat(),
    }
    busyness = {**(document.get("busyness") or {}), "day_cv": round(forecast.day_cv, 4)}
    relative = Path(os.path.relpath(Path(forecast_path).absolute(), out_dir.absolute()))
    written = {
        **document,
        "description": (
            f"{document.get('description', '')} / forecast {forecast.method} from "
            f"{forecast.dates[0].isoformat()}, {len(forecast.dates)} days"
        ).strip(" /"),
        "calendar": calendar,
        "busyness": busyness,
        "call_types": call_types,
        "forecast": relative.as_posix(),
    }
    # Checked before it is written: a base whose hours close on a day the forecast has calls
    # is refused here, naming the forecast's row.
    scenario_from_dict(written, source=str(out_path), base_dir=out_dir)
    text = yaml.safe_dump(written, sort_keys=False, default_flow_style=None, width=100)
    target = Path(out_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def _base_document(base_path: str | Path) -> dict[str, Any]:
    document = read_yaml(Path(base_path), str(base_path))
    if not isinstance(document, dict):
        raise UsageError(f"{base_path}: must be a scenario (a mapping)")
    return document

"""Rolling-origin backtests, prediction intervals from their errors, and the method chosen.

For every target date and horizon ``h`` (1 day: day-ahead; 7 days: week-ahead) a method
forecasts the date from the kept dates up to ``date - h``, as a planner would have. The last
``eval_days`` dates of the history with data are scored (anomalous dates included: the future
has them too); the :data:`RESIDUAL_WINDOW_DAYS` dates before them supply the first errors the
prediction intervals are built from.

**Prediction intervals.** The calls ``a`` of a cell forecast as ``f`` are taken to vary as a
Poisson count whose rate is off by a random factor: variance ``f + c² f²`` (the model of the
simulator's busyness). From past errors, ``c² = max(0, (Σ(a - f)² - Σf) / Σf²)``, and the
interval at level ``L`` is ``f + q · sqrt(f + c² f²)`` with ``q`` the empirical
``(1 - L)/2`` and ``(1 + L)/2`` quantiles of the standardised errors ``(a - f) / sqrt(f + c² f²)``
(cut at 0 below). In a backtest the errors behind a date's interval are those of the dates
whose calls were known at its origin (up to ``date - h``), the most recent
:data:`RESIDUAL_WINDOW_DAYS`: the coverage is honest, never fitted to the dates it is scored
on. At least :data:`MIN_RESIDUAL_DAYS` dates of errors are needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from sim.errors import UsageError
from sim.forecast.methods import BASELINE, METHODS, Panel, can_forecast, predict

HORIZONS = {"day": 1, "week": 7}
"""Horizon names and the calendar days between the data end and the target."""
RESIDUAL_WINDOW_DAYS = 60
"""Most recent dates of errors behind a prediction interval."""
MIN_RESIDUAL_DAYS = 10
"""Fewest dates of errors a prediction interval is built from."""
MAX_EVAL_DAYS = 366
"""Most dates a backtest scores."""
DEFAULT_EVAL_DAYS = 60
"""Dates a backtest scores unless told (fewer when the history has fewer to score)."""


@dataclass(frozen=True)
class Band:
    """Prediction intervals around forecasts, from past errors.

    Attributes
    ----------
    c2 : float
        Squared CV of the random factor on the rate (variance ``f + c2 f²``).
    z_low, z_high : float
        Quantiles of the standardised errors at the interval's ends.
    level : float
        Nominal coverage.
    """

    c2: float
    z_low: float
    z_high: float
    level: float

    def bounds(
        self, forecast: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Return the lower and upper ends of the interval around each forecast (>= 0)."""
        sd = np.sqrt(forecast + self.c2 * forecast**2)
        return np.maximum(forecast + self.z_low * sd, 0.0), forecast + self.z_high * sd


def fit_band(actual: NDArray[np.float64], forecast: NDArray[np.float64], level: float) -> Band:
    """Fit a :class:`Band` to past forecasts and what happened (cells of any shape).

    Parameters
    ----------
    actual, forecast : float64 arrays of one shape
        Calls that came, and those forecast; cells forecast at 0 are left out.
    level : float
        Nominal coverage in (0, 1).
    """
    cells = forecast > 0
    a, f = actual[cells], forecast[cells]
    c2 = max(0.0, (float(((a - f) ** 2).sum()) - float(f.sum())) / float((f**2).sum()))
    z = (a - f) / np.sqrt(f + c2 * f**2)
    z_low, z_high = np.quantile(z, [(1 - level) / 2, (1 + level) / 2])
    return Band(c2=c2, z_low=float(z_low), z_high=float(z_high), level=level)


@dataclass(frozen=True)
class Score:
    """How one method did at one horizon over the scored dates.

    Attributes
    ----------
    method, horizon : str
        The method and the horizon (``day`` or ``week``).
    interval_wape, day_wape : float
        Σ|actual - forecast| / Σ actual over the cells (date x interval x call type) and over
        the daily totals (date x call type).
    interval_rmse, day_rmse : float
        Root mean square error of the same cells, calls.
    interval_coverage, day_coverage : float
        Share of cells (daily totals) inside their prediction interval; NaN without one.
    banded_days : int
        Scored dates that had enough earlier errors for an interval.
    """

    method: str
    horizon: str
    interval_wape: float
    interval_rmse: float
    day_wape: float
    day_rmse: float
    interval_coverage: float
    day_coverage: float
    banded_days: int


@dataclass(frozen=True, eq=False)
class Backtest:
    """A rolling-origin backtest of every method that had the history for it.

    Attributes
    ----------
    dates : tuple of datetime.date
        Every target date forecast (the errors behind the intervals come from all of them).
    scored : int
        The last ``scored`` of ``dates`` are scored.
    actual : float64[dates, intervals, call types]
        Calls offered, on the forecast's interval span.
    forecasts : dict of (str, str) to float64[dates, intervals, call types]
        Forecast per (method, horizon); NaN where the method lacked the history.
    low, high : dict of (str, str) to float64[scored, intervals, call types]
        Prediction intervals of the scored dates (NaN without enough earlier errors).
    day_low, day_high : dict of (str, str) to float64[scored, call types]
        The same for daily totals.
    scores : tuple of Score
        Per method and horizon, for the methods that forecast every scored date.
    left_out : dict of str to str
        Methods without the history to forecast every scored date, and what they need.
    level : float
        Nominal coverage of the intervals.
    """

    dates: tuple[date, ...]
    scored: int
    actual: NDArray[np.float64]
    forecasts: dict[tuple[str, str], NDArray[np.float64]]
    low: dict[tuple[str, str], NDArray[np.float64]]
    high: dict[tuple[str, str], NDArray[np.float64]]
    day_low: dict[tuple[str, str], NDArray[np.float64]]
    day_high: dict[tuple[str, str], NDArray[np.float64]]
    scores: tuple[Score, ...]
    left_out: dict[str, str]
    level: float

    def score(self, method: str, horizon: str) -> Score:
        """Return the score of a method at a horizon."""
        return next(s for s in self.scores if s.method == method and s.horizon == horizon)

    def best(self, horizon: str) -> str:
        """Return the method with the lowest interval WAPE at a horizon (ties: the earlier one)."""
        scores = [s for s in self.scores if s.horizon == horizon]
        return min(scores, key=lambda s: (s.interval_wape, METHODS.index(s.method))).method

    def errors(self, method: str, horizon: str) -> tuple[NDArray[np.float64], ...]:
        """Actual and forecast calls of the most recent dates with a forecast (for intervals)."""
        forecast = self.forecasts[(method, horizon)]
        known = ~np.isnan(forecast).any(axis=(1, 2))
        rows = np.flatnonzero(known)[-RESIDUAL_WINDOW_DAYS:]
        return self.actual[rows], forecast[rows]


def scorable_dates(panel: Panel) -> list[int]:
    """Return the dates of a history a backtest can score (indices, oldest first).

    A date is scorable a week or more after the history's first (every horizon needs its whole
    lead time of history) when its weekday has a kept date up to each horizon's origin: no
    weekday method can forecast it otherwise (a month of history whose first week has an
    excluded date loses that weekday's next date, not the whole backtest).
    """
    history = panel.history
    first_target = history.dates[0] + timedelta(days=max(HORIZONS.values()))
    return [
        i
        for i, d in enumerate(history.dates)
        if d >= first_target
        and all(
            can_forecast(panel, BASELINE, d - timedelta(days=days), [d])
            for days in HORIZONS.values()
        )
    ]


def backtest(
    panel: Panel,
    span: slice,
    *,
    eval_days: int = DEFAULT_EVAL_DAYS,
    level: float = 0.9,
    methods: tuple[str, ...] = METHODS,
) -> Backtest:
    """Backtest methods over the last ``eval_days`` dates of a history, day- and week-ahead.

    Parameters
    ----------
    panel : Panel
        History and kept dates.
    span : slice
        Intervals of the day forecast (the opening span).
    eval_days : int
        Dates scored, 1 to :data:`MAX_EVAL_DAYS`.
    level : float
        Nominal coverage of the prediction intervals.
    methods : tuple of str
        Methods tried (the baseline is always among them).

    Returns
    -------
    Backtest
        Forecasts, intervals and scores.

    Raises
    ------
    UsageError
        When the history has fewer dates than ``eval_days`` plus one week, or the baseline
        cannot forecast every scored date.
    """
    history = panel.history
    if not 1 <= eval_days <= MAX_EVAL_DAYS:
        raise UsageError(f"eval_days must be 1 to {MAX_EVAL_DAYS} (got {eval_days})")
    methods = (BASELINE, *(m for m in methods if m != BASELINE))
    candidates = scorable_dates(panel)
    if len(candidates) < eval_days:
        raise UsageError(
            f"{history.source}: too little history to score {eval_days} dates: "
            f"{len(candidates)} dates lie a week or more after the first ({history.dates[0]}) "
            "with a kept date of their weekday before them"
        )
    rows = candidates[-(eval_days + RESIDUAL_WINDOW_DAYS) :]
    dates = tuple(history.dates[i] for i in rows)
    actual = history.volume[rows][:, span]
    forecasts = {
        (m, h): _rolling(panel, m, dates, days)[:, span]
        for m in methods
        for h, days in HORIZONS.items()
    }
    scored = slice(len(dates) - eval_days, len(dates))
    complete = {
        m: all(not np.isnan(forecasts[(m, h)][scored]).any() for h in HORIZONS) for m in methods
    }
    if not complete[BASELINE]:
        raise UsageError(
            f"{history.source}: too little history: {BASELINE} needs a kept date of the "
            f"weekday a week before each of the last {eval_days} dates"
        )
    kept = [m for m in methods if complete[m]]
    bands = {
        (m, h): _backtest_bands(
            dates,
            actual=actual,
            forecast=forecasts[(m, h)],
            eval_days=eval_days,
            horizon_days=days,
            level=level,
        )
        for m in kept
        for h, days in HORIZONS.items()
    }
    scores = tuple(
        _score(m, h, actual[scored], forecasts[(m, h)][scored], bands[(m, h)])
        for m in kept
        for h in HORIZONS
    )
    return Backtest(
        dates=dates,
        scored=eval_days,
        actual=actual,
        forecasts=forecasts,
        low={key: band[0] for key, band in bands.items()},
        high={key: band[1] for key, band in bands.items()},
        day_low={key: band[2] for key, band in bands.items()},
        day_high={key: band[3] for key, band in bands.items()},
        scores=scores,
        left_out={
            m: "too little history for every scored date" for m in methods if not complete[m]
        },
        level=level,
    )


def _rolling(
    panel: Panel, method: str, dates: tuple[date, ...], horizon_days: int
) -> NDArray[np.float64]:
    """Forecast each date from the data up to ``horizon_days`` before it (NaN: cannot)."""
    shape = (len(dates), *panel.history.volume.shape[1:])
    out = np.full(shape, np.nan)
    by_origin: dict[date, list[int]] = {}
    for t, target in enumerate(dates):
        by_origin.setdefault(target - timedelta(days=horizon_days), []).append(t)
    for origin, rows in by_origin.items():
        targets = [dates[t] for t in rows]
        if can_forecast(panel, method, origin, targets):
            out[rows] = predict(panel, method, origin, targets)
    return out


def _backtest_bands(
    dates: tuple[date, ...],
    *,
    actual: NDArray[np.float64],
    forecast: NDArray[np.float64],
    eval_days: int,
    horizon_days: int,
    level: float,
) -> tuple[NDArray[np.float64], ...]:
    """Intervals of each scored date from the errors known at its origin (NaN: too few)."""
    first = len(dates) - eval_days
    low, high = np.full(actual[first:].shape, np.nan), np.full(actual[first:].shape, np.nan)
    day_shape = (eval_days, actual.shape[2])
    day_low, day_high = np.full(day_shape, np.nan), np.full(day_shape, np.nan)
    known = np.asarray(~np.isnan(forecast).any(axis=(1, 2)))
    for n, t in enumerate(range(first, len(dates))):
        origin = dates[t] - timedelta(days=horizon_days)
        past = [s for s in range(t) if known[s] and dates[s] <= origin][-RESIDUAL_WINDOW_DAYS:]
        if len(past) < MIN_RESIDUAL_DAYS:
            continue
        band = fit_band(actual[past], forecast[past], level)
        low[n], high[n] = band.bounds(forecast[t])
        day_band = fit_band(actual[past].sum(axis=1), forecast[past].sum(axis=1), level)
        day_low[n], day_high[n] = day_band.bounds(forecast[t].sum(axis=0))
    return low, high, day_low, day_high


def _score(
    method: str,
    horizon: str,
    actual: NDArray[np.float64],
    forecast: NDArray[np.float64],
    bands: tuple[NDArray[np.float64], ...],
) -> Score:
    """Score forecasts of the scored dates: ``[dates, intervals, call types]``.

    ``bands`` holds the interval ends of the cells, then of the daily totals (NaN: none).
    """
    low, high, day_low, day_high = bands
    day_actual, day_forecast = actual.sum(axis=1), forecast.sum(axis=1)
    return Score(
        method=method,
        horizon=horizon,
        interval_wape=wape(actual, forecast),
        interval_rmse=rmse(actual, forecast),
        day_wape=wape(day_actual, day_forecast),
        day_rmse=rmse(day_actual, day_forecast),
        interval_coverage=coverage(actual, low, high),
        day_coverage=coverage(day_actual, day_low, day_high),
        banded_days=int((~np.isnan(day_low).any(axis=1)).sum()),
    )


def wape(actual: NDArray[np.float64], forecast: NDArray[np.float64]) -> float:
    """Weighted absolute percentage error: Σ|actual - forecast| / Σ actual (NaN without calls)."""
    total = float(actual.sum())
    return float(np.abs(actual - forecast).sum()) / total if total > 0 else float("nan")


def rmse(actual: NDArray[np.float64], forecast: NDArray[np.float64]) -> float:
    """Root mean square error, calls."""
    return float(np.sqrt(np.mean((actual - forecast) ** 2)))


def coverage(
    actual: NDArray[np.float64], low: NDArray[np.float64], high: NDArray[np.float64]
) -> float:
    """Share of the cells with an interval whose actual lies inside it (NaN: none has one)."""
    banded = ~np.isnan(low)
    if not banded.any():
        return float("nan")
    inside = (actual >= low) & (actual <= high)
    return float(inside[banded].mean())

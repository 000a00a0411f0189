"""Forecasting methods: the calls of each target date, interval and call type.

Every method sees only the dates kept by the cleaning, up to a data end (the forecast origin),
and forecasts each target date from the dates of **its weekday** (a weekday without data in the
history is a closed day: no calls):

* ``seasonal_naive``: the last kept date of the weekday, interval by interval (same weekday
  last week when it was kept); the baseline every method is compared with;
* ``average``: the mean of every kept date of the weekday, interval by interval;
* ``moving_average``: the mean of the ``periods`` most recent kept dates of the weekday (all of
  them when fewer);
* ``holt_winters``: the daily total by exponential smoothing (statsmodels
  ``ExponentialSmoothing`` of ``log(1 + calls)``: damped additive trend, a season of one week
  of open days), split into intervals by the weekday's intraday
  profile (the shares of the ``periods`` x 2 most recent kept dates of the weekday): a
  daily-total model times an intraday profile. Excluded and missing dates are filled, for the
  fit only, with the last kept date of their weekday, so the weekly season stays aligned.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from sim.forecast.history import History

METHODS = ("seasonal_naive", "average", "moving_average", "holt_winters")
"""Method names, the baseline first."""
BASELINE = "seasonal_naive"
HOLT_WINTERS_WEEKS = 3
"""Weeks of open dates Holt-Winters needs before the data end (two to initialise, one to fit)."""
PROFILE_PERIODS_FACTOR = 2
"""The intraday profile of ``holt_winters`` averages this many times ``periods`` dates."""


@dataclass(frozen=True, eq=False)
class Panel:
    """A history with the dates the cleaning kept: what every method reads.

    Attributes
    ----------
    history : History
        The counts.
    kept : bool[dates]
        Dates usable by profiles and fits.
    periods : int
        Dates averaged by ``moving_average`` (and, doubled, by the intraday profile).
    """

    history: History
    kept: NDArray[np.bool_]
    periods: int

    def usable(self, data_end: date, weekday: int) -> NDArray[np.int64]:
        """Return the kept dates of a weekday up to ``data_end`` (indices, oldest first)."""
        dates = self.history.dates
        return np.array(
            [
                i
                for i, d in enumerate(dates)
                if self.kept[i] and d <= data_end and d.weekday() == weekday
            ],
            dtype=np.int64,
        )


def can_forecast(panel: Panel, method: str, data_end: date, targets: Sequence[date]) -> bool:
    """Return whether ``method`` has the history it needs for every target.

    Every method needs one kept date of each open target weekday; ``holt_winters`` needs
    :data:`HOLT_WINTERS_WEEKS` weeks of open dates up to the data end as well.
    """
    open_days = panel.history.open_weekdays
    for weekday in {t.weekday() for t in targets} & set(open_days):
        if len(panel.usable(data_end, weekday)) == 0:
            return False
    if method == "holt_winters":
        return len(panel.history.open_dates(data_end)) >= HOLT_WINTERS_WEEKS * len(open_days)
    return True


def history_needed(panel: Panel, method: str) -> str:
    """Say what ``method`` needs (for the message when the history is too short)."""
    if method == "holt_winters":
        days = HOLT_WINTERS_WEEKS * len(panel.history.open_weekdays)
        return f"{days} open dates ({HOLT_WINTERS_WEEKS} weeks) and a kept date of each weekday"
    return "a kept date of each weekday forecast"


def predict(
    panel: Panel, method: str, data_end: date, targets: Sequence[date]
) -> NDArray[np.float64]:
    """Forecast the calls of each target date from the kept dates up to ``data_end``.

    Parameters
    ----------
    panel : Panel
        History and kept dates.
    method : str
        One of :data:`METHODS`.
    data_end : datetime.date
        Last date the method may read (the forecast origin).
    targets : sequence of datetime.date
        Dates forecast, each after ``data_end``.

    Returns
    -------
    float64[targets, intervals, call types]
        Expected calls (0 on closed weekdays).
    """
    shape = (len(targets), *panel.history.volume.shape[1:])
    out = np.zeros(shape)
    open_days = set(panel.history.open_weekdays)
    if method == "holt_winters":
        return _holt_winters(panel, data_end, targets, out)
    by_weekday: Callable[[NDArray[np.int64]], NDArray[np.float64]] = _WEEKDAY_METHODS[method](panel)
    for t, target in enumerate(targets):
        if target.weekday() in open_days:
            out[t] = by_weekday(panel.usable(data_end, target.weekday()))
    return out


def _seasonal_naive(panel: Panel) -> Callable[[NDArray[np.int64]], NDArray[np.float64]]:
    return lambda days: panel.history.volume[days[-1]]


def _average(panel: Panel) -> Callable[[NDArray[np.int64]], NDArray[np.float64]]:
    return lambda days: panel.history.volume[days].mean(axis=0)


def _moving_average(panel: Panel) -> Callable[[NDArray[np.int64]], NDArray[np.float64]]:
    return lambda days: panel.history.volume[days[-panel.periods :]].mean(axis=0)


_WEEKDAY_METHODS = {
    "seasonal_naive": _seasonal_naive,
    "average": _average,
    "moving_average": _moving_average,
}


def _holt_winters(
    panel: Panel, data_end: date, targets: Sequence[date], out: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Daily totals by Holt-Winters, split by each weekday's intraday profile."""
    history = panel.history
    dates = history.open_dates(data_end)
    totals = _filled_totals(panel, dates)
    open_days = history.open_weekdays
    steps = {t: open_steps(data_end, t, open_days) for t in targets if t.weekday() in open_days}
    if not steps:
        return out
    horizon = max(steps.values())
    daily = np.stack(
        [_smooth(totals[:, k], len(open_days), horizon) for k in range(totals.shape[1])], axis=1
    )
    for t, target in enumerate(targets):
        if target in steps:
            days = panel.usable(data_end, target.weekday())
            out[t] = _profile(history.volume[days[-panel.periods * PROFILE_PERIODS_FACTOR :]])
            out[t] *= np.maximum(daily[steps[target] - 1], 0.0)
    return out


def _filled_totals(panel: Panel, dates: list[date]) -> NDArray[np.float64]:
    """Daily totals per call type on every open date; gaps take the weekday's last kept total.

    A gap before the weekday's first kept date takes the mean of that weekday's kept dates up
    to the last of ``dates`` (of every kept date up to it when the weekday has none).
    """
    history = panel.history
    index = {d: i for i, d in enumerate(history.dates)}
    day_totals = history.volume.sum(axis=1)
    seen = panel.kept & (np.array(history.dates) <= dates[-1])
    weekday = history.weekday
    totals = np.zeros((len(dates), len(history.call_types)))
    last: dict[int, NDArray[np.float64]] = {}
    for n, d in enumerate(dates):
        i = index.get(d)
        if i is not None and panel.kept[i]:
            last[d.weekday()] = totals[n] = day_totals[i]
        elif d.weekday() in last:
            totals[n] = last[d.weekday()]
        else:
            same = seen & (weekday == d.weekday())
            totals[n] = day_totals[same if same.any() else seen].mean(axis=0)
    return totals


def open_steps(data_end: date, target: date, open_days: tuple[int, ...]) -> int:
    """Count the open dates after ``data_end`` up to and including ``target``."""
    span = (data_end + timedelta(days=n) for n in range(1, (target - data_end).days + 1))
    return sum(1 for d in span if d.weekday() in open_days)


def _smooth(series: NDArray[np.float64], season: int, steps: int) -> NDArray[np.float64]:
    """Fit Holt-Winters to a daily series and forecast ``steps`` open dates ahead.

    The model is fitted to ``log(1 + calls)``: an additive season on the logs is a
    multiplicative one on the calls (Monday 15% above the week, whatever the level), and it
    stays defined on days without calls.
    """
    from statsmodels.tsa.holtwinters import (  # noqa: PLC0415 (statsmodels loads slowly)
        ExponentialSmoothing,
    )

    if not series.any():
        return np.zeros(steps)
    model = ExponentialSmoothing(
        np.log1p(series),
        trend="add",
        damped_trend=True,
        seasonal="add" if season > 1 else None,
        seasonal_periods=season if season > 1 else None,
        initialization_method="estimated",
    )
    with warnings.catch_warnings():
        # Optimiser notes (convergence, bounds) on short series; the backtest judges the result.
        warnings.simplefilter("ignore")
        # SLSQP without the brute-force grid of starting values: 15 times faster than the
        # default on the bank's backtest, with the same errors (docs/guide-forecast.md).
        fit = model.fit(method="SLSQP", use_brute=False)
    return np.expm1(np.asarray(fit.forecast(steps), dtype=np.float64))


def _profile(days: NDArray[np.float64]) -> NDArray[np.float64]:
    """Intraday shares per call type, pooled over dates: ``[intervals, call types]``."""
    calls = days.sum(axis=0)
    total = calls.sum(axis=0)
    return np.divide(calls, total, out=np.zeros_like(calls), where=total > 0)

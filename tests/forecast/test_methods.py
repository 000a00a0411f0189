"""Methods on histories with known answers, error measures, and prediction intervals."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest
from forecast_helpers import expected_calls, synthetic_history, weekdays

from sim.errors import UsageError
from sim.forecast import METHODS, History, Panel, backtest, fit_band, predict
from sim.forecast.backtest import coverage, rmse, scorable_dates, wape


def trending_history() -> History:
    """Six weeks without noise whose every count grows by 10% a week."""
    history = synthetic_history(6)
    days = weekdays(6)
    growth = np.array([1.1 ** ((d - days[0]).days // 7) for d in days])
    return replace(history, volume=expected_calls(days) * growth[:, None, None])


NEXT_MONDAY = date(2024, 2, 12)


class TestWeekdayMethods:
    """Seasonal naive, average and moving average read their weekday's kept dates."""

    def test_seasonal_naive_is_the_same_weekday_last_week(self) -> None:
        """The Monday forecast is the last Monday."""
        history = trending_history()
        panel = Panel(history, np.ones(len(history.dates), dtype=bool), periods=2)
        forecast = predict(panel, "seasonal_naive", history.dates[-1], [NEXT_MONDAY])
        assert np.array_equal(forecast[0], history.volume[25])  # Monday 2024-02-05

    def test_seasonal_naive_skips_an_excluded_week(self) -> None:
        """With last Monday excluded, the Monday before it."""
        history = trending_history()
        kept = np.ones(len(history.dates), dtype=bool)
        kept[25] = False
        forecast = predict(
            Panel(history, kept, 2), "seasonal_naive", history.dates[-1], [NEXT_MONDAY]
        )
        assert np.array_equal(forecast[0], history.volume[20])

    def test_average_and_moving_average(self) -> None:
        """The mean of all Mondays, and of the last two."""
        history = trending_history()
        panel = Panel(history, np.ones(len(history.dates), dtype=bool), periods=2)
        mondays = history.volume[[0, 5, 10, 15, 20, 25]]
        average = predict(panel, "average", history.dates[-1], [NEXT_MONDAY])[0]
        moving = predict(panel, "moving_average", history.dates[-1], [NEXT_MONDAY])[0]
        assert np.allclose(average, mondays.mean(axis=0))
        assert np.allclose(moving, mondays[-2:].mean(axis=0))

    def test_closed_weekdays_get_no_calls(self) -> None:
        """A Saturday, never in the history, is closed."""
        history = trending_history()
        panel = Panel(history, np.ones(len(history.dates), dtype=bool), periods=2)
        saturday = NEXT_MONDAY - timedelta(days=2)
        for method in METHODS:
            assert predict(panel, method, history.dates[-1], [saturday]).sum() == 0


def test_holt_winters_follows_a_steady_weekly_pattern() -> None:
    """Without noise or trend, the smoothed totals split by the profile give the pattern back."""
    history = synthetic_history(6)
    truth = expected_calls(weekdays(6))
    history = replace(history, volume=truth)
    panel = Panel(history, np.ones(len(history.dates), dtype=bool), periods=4)
    targets = [NEXT_MONDAY + timedelta(days=n) for n in range(5)]
    forecast = predict(panel, "holt_winters", history.dates[-1], targets)
    assert np.allclose(forecast, truth[:5], rtol=0.01)


class TestMeasures:
    """WAPE, RMSE and coverage on small worked examples."""

    def test_wape_and_rmse(self) -> None:
        """|10 - 8| + |20 - 25| = 7 over 30 calls; RMSE sqrt((4 + 25) / 2)."""
        actual, forecast = np.array([10.0, 20.0]), np.array([8.0, 25.0])
        assert wape(actual, forecast) == pytest.approx(7 / 30)
        assert rmse(actual, forecast) == pytest.approx(np.sqrt(14.5))

    def test_coverage_counts_cells_with_an_interval(self) -> None:
        """Cells without an interval (NaN) are left out."""
        actual = np.array([5.0, 9.0, 1.0])
        low, high = np.array([4.0, 10.0, np.nan]), np.array([6.0, 12.0, np.nan])
        assert coverage(actual, low, high) == 0.5


def test_intervals_cover_their_level_on_data_of_their_model() -> None:
    """On gamma-Poisson counts, a band fitted to half the cells covers the other half at 90%.

    Tolerance: 4 standard errors of a binomial share over the cells scored, doubled for the
    quantiles estimated from as many cells.
    """
    rng = np.random.default_rng(3)
    forecast = rng.uniform(5, 400, size=20_000)
    factor = rng.gamma(100, 1 / 100, size=forecast.size)  # CV 0.1
    actual = rng.poisson(forecast * factor).astype(np.float64)
    band = fit_band(actual[:10_000], forecast[:10_000], 0.9)
    low, high = band.bounds(forecast[10_000:])
    covered = coverage(actual[10_000:], low, high)
    tolerance = 4 * np.sqrt(2 * 0.9 * 0.1 / 10_000)
    assert abs(covered - 0.9) < tolerance


def test_band_variance_is_the_moment_estimate() -> None:
    """Errors of ±20 on forecasts of 100: (2 x 400 - 200) / (2 x 100²) = 0.03."""
    band = fit_band(np.array([120.0, 80.0]), np.array([100.0, 100.0]), 0.9)
    assert band.c2 == pytest.approx(0.03)
    # Standardised errors ±1 (sd sqrt(100 + 0.03 x 100²) = 20); the 5% and 95% quantiles of
    # two values by linear interpolation: ∓0.9.
    assert (band.z_low, band.z_high) == pytest.approx((-0.9, 0.9))


def test_backtest_scores_every_method_against_the_baseline() -> None:
    """Ten weeks of noisy counts: every method is scored at both horizons; intervals exist."""
    history = synthetic_history(10, seed=4)
    panel = Panel(history, np.ones(len(history.dates), dtype=bool), periods=4)
    result = backtest(panel, slice(16, 32), eval_days=20)
    assert {(s.method, s.horizon) for s in result.scores} == {
        (m, h) for m in METHODS for h in ("day", "week")
    }
    # Holt-Winters starts three weeks in: week-ahead, its first scored dates lack ten dates of
    # errors known at their origin, and get no interval.
    assert result.score("holt_winters", "week").banded_days == 17
    others = [s for s in result.scores if (s.method, s.horizon) != ("holt_winters", "week")]
    assert all(s.banded_days == 20 for s in others)
    naive = result.score("seasonal_naive", "day")
    # Noise is all there is: averaging four weeks beats copying one.
    assert result.score("moving_average", "day").interval_wape < naive.interval_wape


def test_a_date_no_weekday_method_can_forecast_is_left_unscored() -> None:
    """Four weeks whose first Wednesday is excluded: the next Wednesday has no kept date of its
    weekday before it, so it is not scored; every other date a week in still is."""
    history = synthetic_history(4, seed=2)
    kept = np.ones(len(history.dates), dtype=bool)
    first_wednesday = history.dates.index(date(2024, 1, 3))
    kept[first_wednesday] = False
    panel = Panel(history, kept, periods=4)
    week_in = [i for i, d in enumerate(history.dates) if d >= date(2024, 1, 8)]
    unforecastable = history.dates.index(date(2024, 1, 10))
    assert scorable_dates(panel) == [i for i in week_in if i != unforecastable]
    result = backtest(panel, slice(16, 32), eval_days=len(week_in) - 1)
    assert date(2024, 1, 10) not in result.dates
    assert result.dates[-result.scored :] == tuple(
        history.dates[i] for i in week_in if i != unforecastable
    )
    with pytest.raises(UsageError, match="with a kept date of their weekday before them"):
        backtest(panel, slice(16, 32), eval_days=len(week_in))

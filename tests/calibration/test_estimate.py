"""Estimators on synthetic data with known answers: tolerances are 4 standard errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.calibration.estimate import (
    agent_activity,
    busyness_cv,
    censored_exponential_mean,
    estimate_patience,
    fit_lognormal,
    interval_means,
    kaplan_meier,
    naive_patience_mean,
)

PATIENCE_S = 120.0
OFFERED_WAIT_S = 60.0


def censored_waits(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Callers with exponential patience who would be answered after an exponential wait.

    A caller abandons when the patience runs out first (and shows it), else is answered (and
    shows only that the patience was longer): two thirds are answered.
    """
    rng = np.random.default_rng(seed)
    patience = rng.exponential(PATIENCE_S, n)
    answer_after = rng.exponential(OFFERED_WAIT_S, n)
    abandoned = patience < answer_after
    return np.minimum(patience, answer_after), abandoned


class TestPatience:
    """Answered callers censor patience: the naive mean is biased low, the censored one is not."""

    def test_naive_mean_is_biased_low(self) -> None:
        """Abandoners' mean wait is the mean of min(patience, wait): 40 s, not 120 s."""
        wait_s, abandoned = censored_waits(20_000, seed=11)
        naive = naive_patience_mean(wait_s, abandoned)
        expected_naive = 1 / (1 / PATIENCE_S + 1 / OFFERED_WAIT_S)
        assert abs(naive.value - expected_naive) < 4 * naive.se
        assert PATIENCE_S - naive.value > 50 * naive.se

    def test_censored_mean_covers_the_truth(self) -> None:
        """Exposure over abandonments is within 4 SE of the true mean patience."""
        wait_s, abandoned = censored_waits(20_000, seed=11)
        censored = censored_exponential_mean(wait_s, abandoned)
        assert abs(censored.value - PATIENCE_S) < 4 * censored.se
        assert censored.se == pytest.approx(censored.value / math.sqrt(abandoned.sum()))

    def test_kaplan_meier_restricted_mean(self) -> None:
        """The restricted mean is within 4 SE of the exponential's mean up to the horizon."""
        wait_s, abandoned = censored_waits(20_000, seed=11)
        curve = kaplan_meier(wait_s, abandoned)
        horizon = curve.horizon_s
        expected = PATIENCE_S * (1 - math.exp(-horizon / PATIENCE_S))
        restricted = curve.restricted_mean_s
        assert abs(restricted.value - expected) < 4 * restricted.se

    def test_kaplan_meier_by_hand(self) -> None:
        """Four callers, two abandon: S = 3/4 after 1 s, 3/8 after 3 s; area to 4 s is 2.875."""
        curve = kaplan_meier(np.array([1.0, 2.0, 3.0, 4.0]), np.array([True, False, True, False]))
        np.testing.assert_array_equal([1.0, 3.0], curve.time_s)
        np.testing.assert_allclose([0.75, 0.375], curve.survival)
        assert 4.0 == curve.horizon_s
        assert 2.875 == pytest.approx(curve.restricted_mean_s.value)

    def test_nobody_abandons(self) -> None:
        """Without abandonments the exponential mean is infinite and the curve stays at 1."""
        patience = estimate_patience(np.array([0.0, 5.0, 9.0]), np.zeros(3, dtype=bool))
        assert math.isinf(patience.censored.value)
        assert 9.0 == patience.kaplan_meier.restricted_mean_s.value
        assert (2, 0) == (patience.n_queued, patience.n_abandoned)


class TestHandleTime:
    """Maximum-likelihood lognormal fit with delta-method standard errors."""

    def test_lognormal_data(self) -> None:
        """Mean and CV are within 4 SE; the KS test does not reject the lognormal."""
        mean_s, cv = 200.0, 0.8
        sigma = math.sqrt(math.log1p(cv**2))
        rng = np.random.default_rng(5)
        durations = rng.lognormal(math.log(mean_s) - sigma**2 / 2, sigma, 5_000)
        fit = fit_lognormal(durations)
        assert fit is not None
        assert abs(fit.mean_s.value - mean_s) < 4 * fit.mean_s.se
        assert abs(fit.cv.value - cv) < 4 * fit.cv.se
        assert fit.ks_pvalue > 0.001
        assert fit.data_mean_s == pytest.approx(durations.mean())

    def test_exponential_data_is_rejected(self) -> None:
        """Exponential durations are far from any lognormal: KS rejects."""
        durations = np.random.default_rng(6).exponential(200.0, 5_000)
        fit = fit_lognormal(durations)
        assert fit is not None
        assert fit.ks_pvalue < 1e-6
        assert 1.0 == pytest.approx(fit.data_cv, abs=0.05)

    def test_zeros_are_left_out_and_too_few_give_none(self) -> None:
        """Zero durations cannot be logged; fewer than two distinct ones give no fit."""
        fit = fit_lognormal(np.array([0.0, 100.0, 300.0]))
        assert fit is not None
        assert 2 == fit.n
        assert fit_lognormal(np.array([0.0, 100.0, 100.0])) is None


class TestBusyness:
    """Day-to-day overdispersion of a Poisson-gamma volume, weekdays apart."""

    MEANS = np.array([1000.0, 1000.0, 1000.0, 1000.0, 1000.0, 400.0, 200.0])

    def daily_totals(self, rng: np.random.Generator, cv: float, weeks: int) -> tuple:
        """Return Poisson-gamma daily totals of ``weeks`` weeks and each day's weekday."""
        weekday = np.tile(np.arange(7), weeks)
        multiplier = rng.gamma(1 / cv**2, cv**2, len(weekday)) if cv > 0 else 1.0
        return rng.poisson(self.MEANS[weekday] * multiplier).astype(float), weekday

    def test_cv_squared_is_unbiased(self) -> None:
        """Over 300 months the mean estimated cv² is within 4 SE of the true 0.01."""
        rng = np.random.default_rng(3)
        squares = [busyness_cv(*self.daily_totals(rng, 0.1, 5)) ** 2 for _ in range(300)]
        mean, se = np.mean(squares), np.std(squares, ddof=1) / math.sqrt(len(squares))
        assert abs(mean - 0.01) < 4 * se

    def test_poisson_days_give_little(self) -> None:
        """Without a day multiplier the estimate is small, though weekday volumes differ."""
        totals, weekday = self.daily_totals(np.random.default_rng(4), 0.0, 52)
        assert busyness_cv(totals, weekday) < 0.02
        assert math.isnan(busyness_cv(totals[:1], weekday[:1]))


class TestAveragesAndAgents:
    """Means per interval, and agents seen serving per interval."""

    def test_interval_means(self) -> None:
        """Mean and standard error per interval over the days."""
        means = interval_means(np.array([[1.0, 4.0], [3.0, 4.0]]))
        np.testing.assert_allclose([2.0, 4.0], means.mean)
        np.testing.assert_allclose([1.0, 0.0], means.se)
        assert 2 == means.n_days

    def test_agent_activity(self) -> None:
        """A service counts in every interval it overlaps; one ending on a boundary does not."""
        agent = np.array([0, 0, 1, 2])
        start_s = np.array([0.0, 1700.0, 1800.0, 0.0])
        end_s = np.array([100.0, 1900.0, 1800.0, 1800.0])
        activity = agent_activity(agent, start_s, end_s, 1800.0, 3)
        np.testing.assert_array_equal([2.0, 2.0, 0.0], activity.distinct)
        np.testing.assert_allclose([(100 + 100 + 1800) / 1800, 100 / 1800, 0.0], activity.busy)

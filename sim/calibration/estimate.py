"""Estimators for calibrating a scenario from observed calls: numbers in, numbers out.

Each function takes plain arrays (counts per day and interval, durations in seconds, outcome
flags) and states its assumptions; ``sim.calibration.calibrate`` extracts those arrays from a
call log. Confidence intervals are normal 95% intervals, value ± 1.96 standard errors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

Z_95 = 1.959963984540054
"""Standard normal quantile of a two-sided 95% interval."""


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its standard error and 95% confidence interval.

    Attributes
    ----------
    value : float
        The estimate (inf or NaN when the data cannot give one).
    se : float
        Its standard error (NaN when unknown).
    ci_low, ci_high : float
        ``value ± 1.96 se``.
    """

    value: float
    se: float
    ci_low: float
    ci_high: float

    @classmethod
    def normal(cls, value: float, se: float) -> Estimate:
        """Return an estimate with the normal 95% interval ``value ± 1.96 se``."""
        return cls(value=value, se=se, ci_low=value - Z_95 * se, ci_high=value + Z_95 * se)


@dataclass(frozen=True, eq=False)
class IntervalMeans:
    """Mean of a per-interval count over some days, with its standard error.

    Attributes
    ----------
    n_days : int
        Days averaged.
    mean : float64[I]
        Mean per interval of the day.
    se : float64[I]
        Standard error of each mean: standard deviation over the days / sqrt(n_days) (NaN with
        fewer than two days). Day-to-day busyness is part of that spread.
    """

    n_days: int
    mean: NDArray[np.float64]
    se: NDArray[np.float64]


def interval_means(values: NDArray[np.float64]) -> IntervalMeans:
    """Average a quantity per planning interval over days.

    Parameters
    ----------
    values : float64[D, I]
        One row per day, one column per interval of the day (calls offered, agents seen).

    Returns
    -------
    IntervalMeans
        Mean and standard error per interval.
    """
    n_days = values.shape[0]
    mean = values.mean(axis=0) if n_days else np.full(values.shape[1], np.nan)
    if n_days < 2:
        return IntervalMeans(n_days, mean, np.full(values.shape[1], np.nan))
    return IntervalMeans(n_days, mean, values.std(axis=0, ddof=1) / math.sqrt(n_days))


def busyness_cv(daily_totals: NDArray[np.float64], day_groups: NDArray[np.int64]) -> float:
    """Estimate the CV of a gamma day multiplier (mean 1) from daily call totals.

    Days of one group (e.g. one weekday) share an expected volume ``m``; each day's volume is
    Poisson given a multiplier ``G`` with mean 1 and CV ``c`` (Poisson-gamma, as the simulator
    draws it), so ``Var(N) = m + c² m²``. Per group, ``c² = (s² - m̄) / m̄²`` (method of
    moments: sample variance ``s²`` of the totals, their mean ``m̄``); the groups are pooled
    weighted by their degrees of freedom (days - 1), and a negative pooled value (days less
    variable than Poisson) gives 0.

    Parameters
    ----------
    daily_totals : float64[D]
        Calls of each day.
    day_groups : int64[D]
        Group of each day (days of a group share an expected volume); groups with fewer than two
        days or no calls are left out.

    Returns
    -------
    float
        The busyness CV (>= 0); NaN when no group has two days with calls.
    """
    excess, weights = [], []
    for group in np.unique(day_groups):
        totals = daily_totals[day_groups == group]
        mean = totals.mean()
        if len(totals) < 2 or mean <= 0:
            continue
        excess.append((totals.var(ddof=1) - mean) / mean**2)
        weights.append(len(totals) - 1)
    if not weights:
        return math.nan
    return math.sqrt(max(0.0, float(np.average(excess, weights=weights))))


@dataclass(frozen=True)
class LognormalFit:
    """A lognormal fitted to positive durations by maximum likelihood, with goodness of fit.

    Attributes
    ----------
    n : int
        Durations fitted.
    mu, sigma : float
        Mean and standard deviation of log(duration) (maximum likelihood, divisor n).
    mean_s : Estimate
        Mean of the fitted lognormal, ``exp(mu + sigma²/2)``, seconds; delta-method SE.
    cv : Estimate
        Its CV, ``sqrt(exp(sigma²) - 1)``; delta-method SE.
    ks_statistic, ks_pvalue : float
        Kolmogorov-Smirnov distance between the data and the fitted distribution, and its
        p-value. The parameters come from the same data, so the p-value is too large
        (optimistic); durations recorded in whole seconds add ties.
    data_mean_s, data_cv : float
        Mean (seconds) and CV of the durations themselves.
    """

    n: int
    mu: float
    sigma: float
    mean_s: Estimate
    cv: Estimate
    ks_statistic: float
    ks_pvalue: float
    data_mean_s: float
    data_cv: float


def fit_lognormal(durations_s: NDArray[np.float64]) -> LognormalFit | None:
    """Fit a lognormal to positive durations (handle times) by maximum likelihood.

    The maximum-likelihood estimates are the mean ``mu`` and the variance ``v = sigma²``
    (divisor n) of the logs; asymptotically ``Var(mu) = v / n``, ``Var(v) = 2 v² / n``,
    independent. The delta method gives ``Var(mean) = mean² (v/n + v²/(2n))`` and
    ``Var(cv) = exp(2v) v² / (2 n cv²)``.

    Parameters
    ----------
    durations_s : float64[n]
        Durations, seconds; zeros (a log has no room for them) are left out.

    Returns
    -------
    LognormalFit or None
        None when fewer than two positive durations remain or they are all equal.
    """
    positive = durations_s[durations_s > 0]
    n = len(positive)
    if n < 2 or np.ptp(positive) == 0:
        return None
    logs = np.log(positive)
    mu, variance = float(logs.mean()), float(logs.var())
    mean_s = math.exp(mu + variance / 2)
    cv = math.sqrt(math.expm1(variance))
    sigma = math.sqrt(variance)
    ks = stats.kstest(positive, stats.lognorm(s=sigma, scale=math.exp(mu)).cdf)
    return LognormalFit(
        n=n,
        mu=mu,
        sigma=sigma,
        mean_s=Estimate.normal(mean_s, mean_s * math.sqrt(variance / n + variance**2 / (2 * n))),
        cv=Estimate.normal(cv, math.exp(variance) * variance / (cv * math.sqrt(2 * n))),
        ks_statistic=float(ks.statistic),
        ks_pvalue=float(ks.pvalue),
        data_mean_s=float(positive.mean()),
        data_cv=float(positive.std(ddof=1) / positive.mean()),
    )


def duration_quantiles(durations_s: NDArray[np.float64], n: int = 200) -> tuple[float, ...]:
    """Return ``n`` equally spaced quantiles of positive durations, seconds (fewer with less data).

    The quantiles at ``(i + 0.5) / n``: an empirical distribution that takes each with
    probability ``1 / n`` has the data's shape without carrying every observation.
    """
    positive = np.sort(durations_s[np.isfinite(durations_s) & (durations_s > 0)])
    if positive.size == 0:
        return ()
    levels = (np.arange(min(n, positive.size)) + 0.5) / min(n, positive.size)
    return tuple(float(q) for q in np.quantile(positive, levels))


@dataclass(frozen=True, eq=False)
class KaplanMeier:
    """Kaplan-Meier estimate of the patience distribution from censored waits.

    Attributes
    ----------
    time_s : float64[J]
        Distinct waits at which someone abandoned, increasing, seconds.
    survival : float64[J]
        Estimated P(patience > t) just after each of those times.
    horizon_s : float
        The longest wait observed, seconds: the curve says nothing beyond it.
    restricted_mean_s : Estimate
        Mean patience restricted to the horizon, ``∫₀^horizon S(t) dt``, seconds (a lower
        bound on the mean), with the usual Greenwood-type standard error.
    """

    time_s: NDArray[np.float64]
    survival: NDArray[np.float64]
    horizon_s: float
    restricted_mean_s: Estimate


def kaplan_meier(wait_s: NDArray[np.float64], abandoned: NDArray[np.bool_]) -> KaplanMeier:
    """Estimate the patience survival curve from waits, answered callers censored.

    A caller who abandoned after waiting ``w`` had patience ``w``; a caller answered after
    ``w`` had patience above ``w`` (right-censored). Callers answered at once add nothing.
    Censored at the same wait as an abandonment, a caller counts as still at risk.

    Parameters
    ----------
    wait_s : float64[n]
        Waits of answered and abandoned callers, seconds.
    abandoned : bool[n]
        Whether each caller abandoned.

    Returns
    -------
    KaplanMeier
        The curve, and the restricted mean up to the longest wait.
    """
    order = np.sort(wait_s)
    time_s, events = np.unique(wait_s[abandoned], return_counts=True)
    at_risk = len(order) - np.searchsorted(order, time_s, side="left")
    survival = np.cumprod(1.0 - events / at_risk).astype(np.float64)
    horizon_s = float(order[-1]) if len(order) else 0.0
    # Area under the step curve from each event time to the horizon, last step first.
    edges = np.append(time_s, horizon_s)
    steps = survival * np.diff(edges)
    area_after = np.cumsum(steps[::-1])[::-1]
    first_step = time_s[0] if len(time_s) else horizon_s
    restricted = float(first_step + steps.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(
            at_risk > events, area_after**2 * events / (at_risk * (at_risk - events)), 0.0
        )
    return KaplanMeier(
        time_s=time_s.astype(np.float64),
        survival=survival,
        horizon_s=horizon_s,
        restricted_mean_s=Estimate.normal(restricted, math.sqrt(float(terms.sum()))),
    )


def censored_exponential_mean(
    wait_s: NDArray[np.float64], abandoned: NDArray[np.bool_]
) -> Estimate:
    """Estimate the mean of exponential patience from censored waits (maximum likelihood).

    Abandoners reveal their patience (their wait), answered callers only that it exceeded
    their wait. For exponential patience the likelihood gives mean = total wait of all
    callers (exposure) / number of abandonments, with standard error mean / sqrt(abandonments).

    Parameters
    ----------
    wait_s : float64[n]
        Waits of answered and abandoned callers, seconds (answered at once: 0, harmless).
    abandoned : bool[n]
        Whether each caller abandoned.

    Returns
    -------
    Estimate
        Mean patience, seconds; inf (and NaN standard error) when nobody abandoned.
    """
    n_abandoned = int(abandoned.sum())
    if n_abandoned == 0:
        return Estimate(math.inf, math.nan, math.nan, math.nan)
    mean_s = float(wait_s.sum()) / n_abandoned
    return Estimate.normal(mean_s, mean_s / math.sqrt(n_abandoned))


def naive_patience_mean(wait_s: NDArray[np.float64], abandoned: NDArray[np.bool_]) -> Estimate:
    """Average the waits of abandoners: biased low, for comparison only.

    The callers who abandon are the impatient ones (their patience ran out before an agent
    came); the patient ones are answered first and never show their patience.

    Parameters
    ----------
    wait_s : float64[n]
        Waits, seconds.
    abandoned : bool[n]
        Whether each caller abandoned.

    Returns
    -------
    Estimate
        Mean wait of abandoners, seconds, with its standard error (NaN without two).
    """
    waits = wait_s[abandoned]
    if len(waits) < 2:
        mean = float(waits.mean()) if len(waits) else math.nan
        return Estimate(mean, math.nan, math.nan, math.nan)
    return Estimate.normal(float(waits.mean()), float(waits.std(ddof=1)) / math.sqrt(len(waits)))


@dataclass(frozen=True, eq=False)
class PatienceEstimates:
    """Three estimates of mean patience from the same waits.

    Attributes
    ----------
    censored : Estimate
        Maximum likelihood for exponential patience, answered callers censored (what a
        scenario uses), seconds.
    naive : Estimate
        Mean wait of abandoners (biased low; for comparison), seconds.
    kaplan_meier : KaplanMeier
        The distribution-free curve and its restricted mean.
    n_queued, n_abandoned : int
        Callers who waited (answered later than they arrived, or abandoned), and abandoners.
    """

    censored: Estimate
    naive: Estimate
    kaplan_meier: KaplanMeier
    n_queued: int
    n_abandoned: int


def estimate_patience(
    wait_s: NDArray[np.float64], abandoned: NDArray[np.bool_]
) -> PatienceEstimates:
    """Estimate mean patience three ways from the waits of answered and abandoned callers.

    Parameters
    ----------
    wait_s : float64[n]
        Waits, seconds.
    abandoned : bool[n]
        Whether each caller abandoned (the others were answered).

    Returns
    -------
    PatienceEstimates
        Censored maximum likelihood, naive mean and Kaplan-Meier.
    """
    return PatienceEstimates(
        censored=censored_exponential_mean(wait_s, abandoned),
        naive=naive_patience_mean(wait_s, abandoned),
        kaplan_meier=kaplan_meier(wait_s, abandoned),
        n_queued=int((abandoned | (wait_s > 0)).sum()),
        n_abandoned=int(abandoned.sum()),
    )


@dataclass(frozen=True, eq=False)
class AgentActivity:
    """Agents seen on the phones per planning interval, from their calls.

    Attributes
    ----------
    distinct : float64[S]
        Distinct agents who were serving a call at some time in each interval.
    busy : float64[S]
        Agents' busy time in each interval divided by its length: a lower bound on the agents
        on duty (they were at least that busy).
    """

    distinct: NDArray[np.float64]
    busy: NDArray[np.float64]


def agent_activity(
    agent: NDArray[np.int64],
    start_s: NDArray[np.float64],
    end_s: NDArray[np.float64],
    interval_s: float,
    n_intervals: int,
) -> AgentActivity:
    """Count agents serving calls in consecutive intervals of a time line.

    An agent serving at any moment of an interval counts there as one agent, so
    ``distinct`` misses agents on duty who took no call in the interval and counts an agent
    who logged in for its last minute as a whole one; ``busy`` is exact busy time.

    Parameters
    ----------
    agent : int64[n]
        Code of the agent of each service.
    start_s, end_s : float64[n]
        Service start and end (after-call work included), seconds from the start of interval 0.
    interval_s : float
        Interval length, seconds.
    n_intervals : int
        Intervals in the time line; services outside it are left out.

    Returns
    -------
    AgentActivity
        Per interval: distinct agents serving, and busy time / interval length.
    """
    first = np.floor(start_s / interval_s).astype(np.int64)
    last = np.maximum(np.ceil(end_s / interval_s).astype(np.int64) - 1, first)
    pieces = last - first + 1
    service = np.repeat(np.arange(len(first)), pieces)
    slot = first[service] + np.arange(len(service)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    inside = (slot >= 0) & (slot < n_intervals)
    service, slot = service[inside], slot[inside]
    overlap_s = np.minimum(end_s[service], (slot + 1) * interval_s) - np.maximum(
        start_s[service], slot * interval_s
    )
    pairs = np.unique(np.stack([slot, agent[service]]), axis=1)
    return AgentActivity(
        distinct=np.bincount(pairs[0], minlength=n_intervals).astype(np.float64),
        busy=np.bincount(slot, weights=np.maximum(overlap_s, 0.0), minlength=n_intervals)
        / interval_s,
    )

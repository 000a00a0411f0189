"""Contract targets from tallies: each target's KPI per period, P(target met) and the joint P.

Definitions (``docs/reference/kpis.md``, contract targets):

* a target's KPI is computed per **period cell** (an interval, a day, a 7-day week, a 30-day
  month or the whole run; :func:`day_blocks`) as a ratio of the cell's sums, over the call
  types of its scope (or the groups, for occupancy);
* a cell *meets* the target when the KPI is on the right side of the threshold (equality
  meets) or inside the occupancy band; a cell where the KPI is undefined (no calls, no agent
  time) meets it;
* ``p_met``: per replication the share of its cells that meet the target, averaged over the
  replications; ``p_all_met``: the share of replications in which every cell meets it;
  ``joint``: the share of replications in which every cell of every target meets it. All
  three have 95% Wilson intervals with n = replications (inside [0, 1]);
* the miss in points (percentage points of a fraction, seconds of ASA; negative when the target
  is beaten) drives penalty and bonus bands (:func:`band_percent`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.engines.base import Tallies
from sim.results.kpis import agent_kpis, measured_intervals, ratio, service_level
from sim.results.summary import mean_ci, wilson_bounds
from sim.scenario.contract import AT_LEAST_KPIS, Adjustment, Target, TargetPeriod
from sim.scenario.plan import Plan

Array = NDArray[np.float64]
DAYS_PER_BLOCK = {"day": 1, "week": 7, "month": 30}
"""Simulated days per period cell of a calendar without dates."""
_SL_COUNTS = ("offered", "answered", "abandoned", "short_abandoned", "answered_within_t")


def wilson_interval(share: float, n: int) -> tuple[float, float]:
    """Return the 95% Wilson score interval of a proportion (see :func:`wilson_bounds`).

    Parameters
    ----------
    share : float
        Observed proportion, in [0, 1].
    n : int
        Number of trials (> 0).

    Returns
    -------
    tuple of float
        ``(low, high)``, ``0 <= low <= share <= high <= 1``.
    """
    low, high = wilson_bounds(np.array([share]), np.array([float(n)]))
    return float(low[0]), float(high[0])


def day_blocks(
    n_days: int, period: TargetPeriod, start_date: str | None = None
) -> NDArray[np.int64]:
    """Return the period cell of each simulated day (the one place days map to weeks, months).

    Parameters
    ----------
    n_days : int
        Simulated days.
    period : {"day", "week", "month", "run"}
        Period kind (``interval`` cells are intervals, not blocks of days).
    start_date : str, optional
        ISO date of day 0 (``calendar.start_date``). With it, weeks are calendar weeks, Monday
        to Sunday, and months calendar months, so the first and last cells may hold fewer days.

    Returns
    -------
    int64 array of shape ``[n_days]``
        Cells numbered from 0 in day order. Without a start date day ``d`` is in cell ``d // 7``
        (week) or ``d // 30`` (month); always ``d`` (day) or 0 (run).
    """
    days = np.arange(n_days)
    if period == "run":
        return np.zeros(n_days, dtype=np.int64)
    if start_date is None or period == "day":
        return days // DAYS_PER_BLOCK[period]
    first = dt.date.fromisoformat(start_date)
    dates = [first + dt.timedelta(days=int(d)) for d in days]
    keys = [
        date.toordinal() - date.weekday() if period == "week" else 12 * date.year + date.month
        for date in dates
    ]
    _, cells = np.unique(np.array(keys), return_inverse=True)  # keys rise with the days
    return cells.astype(np.int64)


def by_period(day_values: Array, period: TargetPeriod, start_date: str | None = None) -> Array:
    """Sum values shaped ``[reps, days, ...]`` into the period's cells ``[reps, cells, ...]``."""
    blocks = day_blocks(day_values.shape[1], period, start_date)
    one_hot = (blocks[:, None] == np.arange(blocks.max() + 1)[None, :]).astype(np.float64)
    return np.moveaxis(np.tensordot(day_values, one_hot, axes=([1], [0])), -1, 1)


@dataclass(frozen=True)
class TargetOutcome:
    """One target over the replications of a run.

    Attributes
    ----------
    target : Target
        The target.
    values : float64[reps, cells]
        The KPI in each period cell (NaN where undefined).
    met : bool[reps, cells]
        Whether each cell meets the target.
    miss_points : float64[reps, cells]
        Points by which each cell misses the target (negative: beaten; 0 where undefined).
    mean, ci_low, ci_high : float
        Mean over replications of each replication's mean over its cells, and its 95% CI.
    p_met, p_met_low, p_met_high : float
        Share of cells meeting the target (per replication, averaged) and its Wilson interval.
    p_all_met, p_all_met_low, p_all_met_high : float
        Share of replications in which every cell meets it, and its Wilson interval.
    """

    target: Target
    values: Array
    met: NDArray[np.bool_]
    miss_points: Array
    mean: float
    ci_low: float
    ci_high: float
    p_met: float
    p_met_low: float
    p_met_high: float
    p_all_met: float
    p_all_met_low: float
    p_all_met_high: float


@dataclass(frozen=True)
class TargetsResult:
    """Every target of a contract, and the joint probability that all are met.

    Attributes
    ----------
    outcomes : list of TargetOutcome
        One per target, in contract order.
    joint, joint_low, joint_high : float
        Share of replications in which every cell of every target meets it, Wilson interval.
    """

    outcomes: list[TargetOutcome]
    joint: float
    joint_low: float
    joint_high: float


def evaluate_targets(tallies: Tallies, plan: Plan, targets: list[Target]) -> TargetsResult:
    """Evaluate contract targets on the tallies of a run.

    Parameters
    ----------
    tallies : Tallies
        Tallies of the replications.
    plan : Plan
        The plan simulated.
    targets : list of Target
        The contract's targets (scopes validated against the scenario).

    Returns
    -------
    TargetsResult
        Per target its KPI, P(met) and P(all periods met); the joint P.
    """
    outcomes = [target_outcome(target_values(tallies, plan, t), t) for t in targets]
    all_met = np.ones(tallies.reps, dtype=bool)
    for outcome in outcomes:
        all_met &= outcome.met.all(axis=1)
    joint = float(all_met.mean())
    return TargetsResult(outcomes, joint, *wilson_interval(joint, tallies.reps))


def target_outcome(values: Array, target: Target) -> TargetOutcome:
    """Summarize a target's KPI values ``[reps, cells]`` over the replications."""
    reps = values.shape[0]
    miss = miss_points(values, target)
    met = ~(miss > 0)
    defined = ~np.isnan(values).all(axis=1)
    rep_means = np.nanmean(values[defined], axis=1)
    mean, low, high, _ = mean_ci(rep_means)
    p_met = float(met.mean(axis=1).mean())
    p_all = float(met.all(axis=1).mean())
    return TargetOutcome(
        target,
        values,
        met,
        miss,
        mean,
        low,
        high,
        p_met,
        *wilson_interval(p_met, reps),
        p_all,
        *wilson_interval(p_all, reps),
    )


def miss_points(values: Array, target: Target) -> Array:
    """Return the points by which each value misses a target (negative: beaten; NaN -> 0).

    Points are percentage points (100 x the difference) of a fraction KPI and seconds of ASA.
    An occupancy inside its band is beaten by its distance to the nearer edge.
    """
    scale = 1.0 if target.kpi == "asa_s" else 100.0
    if target.kpi == "occupancy":
        low = -np.inf if target.min is None else target.min
        high = np.inf if target.max is None else target.max
        below, above = low - values, values - high
        miss = np.where(below > 0, below, np.where(above > 0, above, np.maximum(below, above)))
    else:
        assert target.threshold is not None
        if target.kpi in AT_LEAST_KPIS:
            miss = target.threshold - values
        else:
            miss = values - target.threshold
    return np.nan_to_num(miss * scale, nan=0.0)


def band_percent(points: Array, adjustment: Adjustment) -> Array:
    """Return the percent of the invoice a penalty (or bonus) takes for each miss (or beat).

    Parameters
    ----------
    points : array
        Points of miss (for a penalty) or of beat (for a bonus); <= 0 gives 0.
    adjustment : Adjustment
        The bands and the cap.

    Returns
    -------
    array
        Per value: the sum over bands of ``percent`` (when points > the band's start) plus
        ``percent_per_point`` x the points inside the band, capped at ``cap_percent``.
    """
    total = np.zeros_like(points, dtype=np.float64)
    for band in adjustment.bands:
        width = np.inf if band.to_points is None else band.to_points - band.from_points
        inside = np.clip(points - band.from_points, 0.0, width)
        total += band.percent_per_point * inside + band.percent * (points > band.from_points)
    return np.minimum(total, adjustment.cap_percent)


def target_values(tallies: Tallies, plan: Plan, target: Target) -> Array:
    """Return a target's KPI per replication and period cell, shaped ``[reps, cells]``."""
    if target.kpi == "occupancy":
        return _occupancy(tallies, plan, target)
    weights = measured_intervals(plan)[None, None, :, None]
    k = slice(None) if target.scope == "all" else plan.call_types.index(target.scope)

    def cells(values: Array) -> Array:
        chosen = (values * weights)[..., k]
        return _cells(chosen.sum(axis=-1) if chosen.ndim == 4 else chosen, plan, target.period)

    count = {name: cells(tallies.count(name).astype(np.float64)) for name in _SL_COUNTS}
    if target.kpi == "service_level":
        count["abandoned_within_t"] = cells(tallies.count("abandoned_within_t").astype(float))
        return service_level(count, plan.sl_definition)
    if target.kpi == "asa_s":
        return ratio(cells(tallies.call_sum("wait_answered_s")), count["answered"])
    if target.kpi == "answer_rate":
        return ratio(count["answered"], count["offered"])
    if target.kpi == "abandonment":
        return ratio(count["abandoned"], count["offered"])
    # fcr: the resolution probability of the tier that answered each call, averaged.
    fcr = np.nan_to_num(plan.tier_fcr)[None, None, None, :, :]
    resolved = (tallies.group_call("handled") * fcr).sum(axis=3)
    return ratio(cells(resolved), count["answered"])


def _occupancy(tallies: Tallies, plan: Plan, target: Target) -> Array:
    """Occupancy (busy / time open to inbound calls) of a group or the centre, per cell."""
    g = -1 if target.scope == "all" else plan.groups.index(target.scope)
    by_interval = target.period == "interval"
    agent = agent_kpis(tallies, plan, "interval" if by_interval else "day")
    open_h = agent["staffed_h"] - agent["break_h"] - agent["outbound_h"] - agent["off_phone_h"]
    busy, open_h = agent["busy_h"][..., g], open_h[..., g]
    if by_interval:
        return ratio(_cells(busy, plan, "interval"), _cells(open_h, plan, "interval"))
    return ratio(
        by_period(busy, target.period, plan.start_date),
        by_period(open_h, target.period, plan.start_date),
    )


def _cells(values: Array, plan: Plan, period: TargetPeriod) -> Array:
    """Sum ``[reps, days, intervals]`` into ``[reps, cells]`` (intervals leave out a warm-up)."""
    if period == "interval":
        kept = values[:, :, plan.warmup_intervals :]
        return kept.reshape(kept.shape[0], -1)
    return by_period(values.sum(axis=2), period, plan.start_date)

"""Where a staffing search adds agents for a contract's targets, and which it cannot reach.

A target holds on the search seed when its P(period met) reaches the share the search asks
(:func:`sim.planning.staffing.search_confidence`); a target measured per ``interval`` must
reach it in every interval (the share of replications in which that interval meets it). A
target that does not hold gets agents where its KPI misses most, intervals by interval:

* period ``interval``: the intervals below the share asked;
* longer periods: the intervals where the KPI, over the target's scope and averaged over the
  replications, misses the threshold, or the one where it misses most (or is beaten least)
  when none does;
* the agent goes to the group that serves the scope there: for a call type (or each call type
  of ``all`` that misses in the interval) the first group of its routing being staffed
  (:func:`sim.planning.demand.short_by_group`); for ``occupancy`` above its ``max`` the group
  named, or every group being staffed for ``all``.

Agents cannot reach some targets: first-contact resolution is set by the tiers that answer,
and an occupancy below its ``min`` only falls with more agents. When such a target misses, the
search stops there (:func:`unreachable`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.engines.base import Tallies
from sim.planning.demand import short_by_group
from sim.results.targets import TargetOutcome, TargetsResult, miss_points, target_values
from sim.scenario import Plan, Scenario
from sim.scenario.contract import Target
from sim.simulation import SimulationResult

Mask = NDArray[np.bool_]


def failing(targets: TargetsResult, asked: float) -> list[TargetOutcome]:
    """Return the targets that do not hold at the share ``asked`` (see the module docstring)."""
    return [outcome for outcome in targets.outcomes if held_share(outcome) < asked]


def held_share(outcome: TargetOutcome) -> float:
    """Return the share a target reaches: its P(period met), or its worst interval's."""
    if outcome.target.period == "interval":
        return float(outcome.met.mean(axis=0).min(initial=1.0))
    return outcome.p_met


def unreachable(outcome: TargetOutcome) -> bool:
    """Whether more agents cannot make a missing target hold.

    First-contact resolution (the answering tiers set it), and an occupancy that misses below
    its ``min`` in some period (more agents lower it).
    """
    target = outcome.target
    if target.kpi == "fcr":
        return True
    if target.kpi == "occupancy" and target.min is not None:
        return bool((outcome.values < target.min).any())
    return False


def target_short_by_group(
    scenario: Scenario,
    result: SimulationResult,
    outcome: TargetOutcome,
    *,
    asked: float,
    reach: dict[str, Mask],
) -> dict[str, Mask]:
    """Return, per group being staffed, the intervals where it gets one agent for a target.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    result : SimulationResult
        The staffing simulated on the search seed.
    outcome : TargetOutcome
        The target, which does not hold.
    asked : float
        Share the search asks.
    reach : dict of str to bool[D * I]
        The groups being staffed and the intervals each can add agents to.

    Returns
    -------
    dict of str to bool[D * I]
        The intervals of each group.
    """
    target, tallies, plan = outcome.target, result.tallies, result.plan
    miss = interval_miss(tallies, plan, target)
    if target.period == "interval":
        met = np.ones(miss.shape[1])
        met[_measured(plan)] = outcome.met.mean(axis=0)
        cells = met < asked
    else:
        mean_miss = np.nanmean(np.where(_measured(plan)[None, :], miss, np.nan), axis=0)
        cells = np.nan_to_num(mean_miss, nan=-np.inf) > 0
        if not cells.any():
            cells[np.nanargmax(np.nan_to_num(mean_miss, nan=-np.inf))] = True
    if target.kpi == "occupancy":
        chosen = list(reach) if target.scope == "all" else [target.scope]
        none = np.zeros(cells.shape, dtype=bool)
        return {group: cells & reach[group] if group in chosen else none for group in reach}
    type_miss = np.full((len(plan.call_types), miss.shape[1]), np.nan)
    for k, call_type in enumerate(plan.call_types):
        if target.scope in ("all", call_type):
            scoped = target.model_copy(update={"scope": call_type})
            type_miss[k] = interval_miss(tallies, plan, scoped).mean(axis=0)
    # short_by_group gives agents to call types whose level is below its target: here a level
    # is how far the KPI beats the threshold, so a miss is a level below 0.
    return short_by_group(scenario, cells, -type_miss, 0.0, reach)


def interval_miss(tallies: Tallies, plan: Plan, target: Target) -> NDArray[np.float64]:
    """Return a target's miss in points per replication and interval, ``[reps, D * I]``.

    The KPI over the target's scope in each interval (``miss_points``: 0 where undefined),
    NaN in the warm-up intervals the KPIs leave out.
    """
    per_interval = target.model_copy(update={"period": "interval"})
    values = miss_points(target_values(tallies, plan, per_interval), per_interval)
    miss = np.full((tallies.reps, plan.n_days * plan.n_intervals), np.nan)
    miss[:, _measured(plan)] = values
    return miss


def _measured(plan: Plan) -> Mask:
    """Return the days' intervals the KPIs measure (all but each day's warm-up), bool[D * I]."""
    measured = np.ones((plan.n_days, plan.n_intervals), dtype=bool)
    measured[:, : plan.warmup_intervals] = False
    return measured.ravel()

"""Which group answers for which calls: Erlang's start and where the simulation's misses go.

Every call type has a *primary* group, the first of its routing (without a routing list, the
first group with the skill). A group to staff answers for the call types it is primary for:

* its Erlang start is Erlang's agents for the expected load of those call types, pooled (their
  volume, volume-weighted handle time and patience), less the agents expected on the phones of
  the groups not being staffed that help it — groups of roles ``agent`` and ``temp`` whose first
  skill's call type has it as primary (blended and reserve groups come to the phones only when
  their controls call them, so they are not counted on);
* when the simulation misses in an interval, an agent goes to the first group of the routing of
  each call type whose mean service level there is below the target that is being staffed and
  can add an agent there (a group on shifts, where one of its shifts works): its primary group,
  else the next; when no such call type is below the target, the one with the lowest service
  level gets it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from sim.analytic import agents_required
from sim.scenario import Plan, Scenario
from sim.scenario.roster import scheduled_time, staff_of

COUNTED_ROLES = ("agent", "temp")
"""Roles of the groups not being staffed whose agents are counted on the phones."""


def primary_group(scenario: Scenario, call_type: str) -> str:
    """Return the first group of a call type's routing."""
    return scenario.routing_of(call_type)[0].group


def erlang_agents(
    scenario: Scenario, plan: Plan, target: float, call_types: Sequence[str] | None = None
) -> NDArray[np.int64]:
    """Return Erlang's agents per day and interval for the target, call types pooled.

    Erlang A when every call type has exponential patience, Erlang C otherwise. The call types
    (default: all) are pooled: the interval's total expected volume (before day-to-day
    busyness), the volume-weighted mean handle time (talk and after-call work) and, for Erlang
    A, the volume-weighted mean patience.

    Returns
    -------
    numpy.ndarray
        int64[D * I], day by day (0 where the call types have no calls).
    """
    names = list(scenario.call_types)
    chosen = [names.index(name) for name in (names if call_types is None else call_types)]
    calls = (plan.rate_per_s * plan.interval_s)[chosen]  # [call type, day * interval]
    types = [scenario.call_types[names[k]] for k in chosen]
    erlang_a = all(c.patience.dist == "exponential" for c in scenario.call_types.values())
    handle_s = np.tile(
        [
            np.nan_to_num(np.array(c.handle_time.means_per_interval(plan.n_intervals), dtype=float))
            + c.handle_time.acw_s
            for c in types
        ],
        plan.n_days,
    )
    patience_s = np.tile(
        np.array(
            [
                c.patience.means_per_interval(plan.n_intervals)
                if erlang_a
                else [math.inf] * plan.n_intervals
                for c in types
            ],
            dtype=float,
        ),
        plan.n_days,
    )
    agents = np.zeros(calls.shape[1], dtype=np.int64)
    for j, volume in enumerate(calls.sum(axis=0)):
        if volume == 0.0:
            continue
        weights = calls[:, j] / volume
        agents[j] = agents_required(
            calls_per_hour=float(volume) * 3600.0 / plan.interval_s,
            aht_s=float(weights @ handle_s[:, j]),
            threshold_s=plan.threshold_s,
            target=target,
            patience_s=float(weights @ patience_s[:, j]) if erlang_a else None,
        ).agents
    return agents


def start_requirements(
    scenario: Scenario, plan: Plan, target: float, staffed: Sequence[str]
) -> dict[str, NDArray[np.float64]]:
    """Return, per group to staff, the agents it must put on the phones: Erlang's start.

    Parameters
    ----------
    scenario, plan : Scenario, Plan
        The base scenario and its plan.
    target : float
        Service level, in (0, 1).
    staffed : sequence of str
        The groups being staffed.

    Returns
    -------
    dict of str to numpy.ndarray
        float64[D * I] per group: Erlang's agents for its call types less its helpers' agents
        on the phones, at least 0.
    """
    helpers = _helpers_on_phones(scenario, staffed)
    required = {}
    for group in staffed:
        own = [name for name in scenario.call_types if primary_group(scenario, name) == group]
        erlang = erlang_agents(scenario, plan, target, own) if own else 0
        required[group] = np.clip(erlang - helpers[group], 0.0, None)
    return required


def _helpers_on_phones(
    scenario: Scenario, staffed: Sequence[str]
) -> dict[str, NDArray[np.float64]]:
    """Return per group being staffed the agents its helpers are expected to have on the phones."""
    on_duty, breaks = scheduled_time(staff_of(scenario), scenario)
    helped = {group: np.zeros(on_duty.shape[:2]) for group in staffed}
    for g, (name, spec) in enumerate(scenario.groups.items()):
        if name in staffed or spec.role not in COUNTED_ROLES or not spec.skills:
            continue
        primary = primary_group(scenario, next(iter(spec.skills)))
        if primary in helped:
            helped[primary] += (on_duty[..., g] - breaks[..., g]) * (1.0 - spec.absenteeism)
    return {group: cover.ravel() for group, cover in helped.items()}


def short_by_group(
    scenario: Scenario,
    short: NDArray[np.bool_],
    type_levels: NDArray[np.float64],
    target: float,
    reach: dict[str, NDArray[np.bool_]],
) -> dict[str, NDArray[np.bool_]]:
    """Return, per group being staffed, the intervals where it gets one agent more.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    short : bool[D * I]
        The intervals that miss.
    type_levels : float64[K, D * I]
        Mean service level of each call type per interval (NaN without calls).
    target : float
        Service level, in (0, 1).
    reach : dict of str to bool[D * I]
        The groups being staffed, in order, and the intervals each can add agents to (a group
        on shifts only where one of its shifts works).

    Returns
    -------
    dict of str to bool[D * I]
        For each call type below the target in a short interval, the first group of its
        routing being staffed that can add an agent there.
    """
    levels = np.where(np.isnan(type_levels), np.inf, type_levels)
    masks = {group: np.zeros(short.shape, dtype=bool) for group in reach}
    for cell in np.flatnonzero(short):
        takers = [_taker(scenario, name, reach, int(cell)) for name in scenario.call_types]
        reachable = np.array([taker is not None for taker in takers])
        below = reachable & (levels[:, cell] < target)
        if not below.any() and reachable.any():
            below[np.flatnonzero(reachable)[np.argmin(levels[reachable, cell])]] = True
        for k in np.flatnonzero(below):
            masks[str(takers[k])][cell] = True
    return masks


def _taker(
    scenario: Scenario, call_type: str, reach: dict[str, NDArray[np.bool_]], cell: int
) -> str | None:
    """Return the first group of the call type's routing being staffed that reaches the cell."""
    for entry in scenario.routing_of(call_type):
        if entry.group in reach and reach[entry.group][cell]:
            return entry.group
    return None

"""Simulation-based staffing: start from Erlang, add agents where the simulation misses.

Erlang sizes each interval alone, in steady state, with exponential times and no day-to-day
variation. Here the chosen group's headcount per interval starts at the Erlang C (or Erlang A,
when every call type has exponential patience) agents for the service-level target, and the day
is simulated: each interval needs its service level to reach the target in at least
``confidence`` of the replications. One agent is added to every interval that misses, and the
day is simulated again on the same seed (common random numbers: more agents never change the
calls), until every interval passes or ``max_rounds`` is spent. The search asks a little more
than ``confidence`` — one-sided 95% above it, ``confidence + 1.645 * sqrt(c (1 - c) / reps)`` —
so that a staffing that only just passes by the luck of the search seed is not kept; the
staffing found is then checked on a fresh seed.

With the ``"day"`` criterion it is the whole day's service level that must reach the target in
that share of replications; while it does not, one agent is added to every interval whose mean
service level (over the replications) is below the target, or to the lowest interval when none
is. It asks far fewer agents than the interval criterion and keeps intervals that miss the
target on many days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml

from sim.analytic import agents_required
from sim.errors import UsageError
from sim.results.kpis import ALL, Period, replication_kpis
from sim.scenario import Plan, Scenario, build_plan, scenario_from_dict
from sim.scenario.inputs import rebased_inputs
from sim.simulation import SimulationResult, simulate

VALIDATION_SEED_OFFSET = 1000
"""The fresh seed of the check, unless given: the search seed plus this."""

Criterion = Literal["interval", "day"]
"""What must reach the target: every interval's service level, or the whole day's."""


@dataclass(frozen=True)
class Shares:
    """How often one staffing reaches the target, over the replications of one seed.

    Attributes
    ----------
    interval : numpy.ndarray
        Per interval, share of replications whose interval service level reaches the target
        (an interval without calls counts as reaching it).
    day : float
        Share of replications whose service level over the day reaches it.
    mean_level : numpy.ndarray
        Per interval, the service level averaged over the replications (1.0 without calls).
    """

    interval: np.ndarray
    day: float
    mean_level: np.ndarray


@dataclass(frozen=True)
class StaffingResult:
    """The headcount found and how it performs.

    Attributes
    ----------
    intervals : pandas.DataFrame
        One row per interval of a day: ``interval`` (clock label), ``erlang`` (agents Erlang
        asks for), ``agents`` (the headcount found), ``uplift`` (agents - erlang), ``p_search``
        and ``p_fresh`` (share of replications whose interval service level reaches the target,
        on the search seed and on the fresh seed).
    rounds : int
        Rounds of adding agents.
    met : bool
        The criterion reaches the search's share (:func:`search_confidence`) on its seed.
    validated : bool
        It reaches ``confidence`` on the fresh seed.
    target, confidence : float
        The service level asked for, and the share of replications that must reach it.
    criterion : {"interval", "day"}
        Every interval's service level must reach the target, or the day's.
    day_search, day_fresh : float
        Share of replications whose day service level reaches the target, on each seed.
    fresh_seed : int
        The seed of the check.
    interval_s : float
        Interval length, seconds.
    document : dict
        The scenario with the headcount found (plain data).
    """

    intervals: pd.DataFrame
    rounds: int
    met: bool
    validated: bool
    target: float
    confidence: float
    interval_s: float
    document: dict[str, Any]
    criterion: Criterion = "interval"
    day_search: float = math.nan
    day_fresh: float = math.nan
    fresh_seed: int = 0


def simulated_staffing(
    raw: dict[str, Any],
    *,
    group: str,
    target: float | None = None,
    confidence: float = 0.9,
    criterion: Criterion = "interval",
    reps: int = 200,
    seed: int = 1,
    validation_seed: int | None = None,
    max_rounds: int = 30,
    engine: str = "fast",
    source: str = "<scenario>",
    base_dir: Path | None = None,
) -> StaffingResult:
    """Find the headcount per interval of ``group`` that meets the target with confidence.

    Parameters
    ----------
    raw : dict
        The scenario as parsed from YAML; ``group`` must be staffed by ``headcount`` and the
        calendar must be one day.
    group : str
        The group to staff.
    target : float, optional
        Service level per interval (default: the scenario's target).
    confidence : float
        Share of replications in which each interval (or the day) must reach the target, in
        (0, 1).
    criterion : {"interval", "day"}
        Every interval's service level must reach the target, or the whole day's.
    reps, seed : int
        Replications of each round and the search seed.
    validation_seed : int, optional
        Seed of the check (default: seed + 1000).
    max_rounds : int
        Most rounds of adding agents.
    engine : {"fast", "simpy"}
        Engine.
    source : str
        File named in errors.
    base_dir : Path, optional
        Folder of the scenario's CSV inputs.

    Returns
    -------
    StaffingResult
        The headcount, the Erlang start and the shares reached.
    """
    scenario = scenario_from_dict(raw, source=source, base_dir=base_dir)
    _check_group(scenario, group, source)
    goal = target if target is not None else scenario.service_level.target
    erlang = erlang_agents(scenario, build_plan(scenario), goal)
    agents = erlang.copy()
    asked = search_confidence(confidence, reps)
    rounds = 0
    while True:
        plan = _staffed_plan(raw, group, agents, source, base_dir)
        shares = service_shares(plan, goal, reps=reps, seed=seed, engine=engine)
        short = short_intervals(shares, criterion, asked, goal)
        if not short.any() or rounds == max_rounds:
            break
        agents[short] += 1
        rounds += 1
    fresh_seed = seed + VALIDATION_SEED_OFFSET if validation_seed is None else validation_seed
    fresh = service_shares(plan, goal, reps=reps, seed=fresh_seed, engine=engine)
    intervals = pd.DataFrame(
        {
            "interval": [plan.interval_label(0, j) for j in range(plan.n_intervals)],
            "erlang": erlang,
            "agents": agents,
            "uplift": agents - erlang,
            "p_search": shares.interval,
            "p_fresh": fresh.interval,
        }
    )
    return StaffingResult(
        intervals=intervals,
        rounds=rounds,
        met=not short.any(),
        validated=not short_intervals(fresh, criterion, confidence, goal).any(),
        target=goal,
        confidence=confidence,
        interval_s=plan.interval_s,
        document=_with_headcount(raw, group, agents),
        criterion=criterion,
        day_search=shares.day,
        day_fresh=fresh.day,
        fresh_seed=fresh_seed,
    )


def short_intervals(
    shares: Shares, criterion: Criterion, asked: float, target: float
) -> np.ndarray:
    """Return the intervals that get one more agent, as a boolean mask (none: criterion met).

    Parameters
    ----------
    shares : Shares
        How often the current staffing reaches the target.
    criterion : {"interval", "day"}
        ``"interval"``: the intervals reaching the target in fewer than ``asked`` of the
        replications. ``"day"``: when the day reaches it in fewer, the intervals whose mean
        service level is below the target, or the lowest one when none is.
    asked : float
        Share of replications required, in (0, 1].
    target : float
        Service level, in (0, 1).
    """
    if criterion == "interval":
        return shares.interval < asked
    if shares.day >= asked:
        return np.zeros(shares.mean_level.shape, dtype=bool)
    below = shares.mean_level < target
    if not below.any():
        below[np.argmin(shares.mean_level)] = True
    return below


def search_confidence(confidence: float, reps: int) -> float:
    """Return the share the search asks of each interval: one-sided 95% above ``confidence``."""
    return min(1.0, confidence + 1.645 * math.sqrt(confidence * (1.0 - confidence) / reps))


def erlang_agents(scenario: Scenario, plan: Plan, target: float) -> np.ndarray:
    """Return agents per interval of day 0 for the target: Erlang A (exponential patience) or C.

    Call types are pooled: the interval's total volume, the volume-weighted mean handle time
    (talk and after-call work) and, for Erlang A, the volume-weighted mean patience.
    """
    calls = plan.rate_per_s[:, : plan.n_intervals] * plan.interval_s  # [call type, interval]
    types = list(scenario.call_types.values())
    handle_s = np.array(
        [
            [
                (mean or 0.0) + c.handle_time.acw_s
                for mean in c.handle_time.means_per_interval(plan.n_intervals)
            ]
            for c in types
        ]
    )
    erlang_a = all(c.patience.dist == "exponential" for c in types)
    patience_s = np.array(
        [
            c.patience.means_per_interval(plan.n_intervals)
            if erlang_a
            else [math.inf] * plan.n_intervals
            for c in types
        ],
        dtype=float,
    )
    agents = np.zeros(plan.n_intervals, dtype=np.int64)
    for j in range(plan.n_intervals):
        volume = float(calls[:, j].sum())
        if volume == 0.0:
            continue
        weights = calls[:, j] / volume
        agents[j] = agents_required(
            calls_per_hour=volume * 3600.0 / plan.interval_s,
            aht_s=float(weights @ handle_s[:, j]),
            threshold_s=plan.threshold_s,
            target=target,
            patience_s=float(weights @ patience_s[:, j]) if erlang_a else None,
        ).agents
    return agents


def interval_shares(plan: Plan, target: float, *, reps: int, seed: int, engine: str) -> np.ndarray:
    """Return the share of replications whose interval service level reaches the target.

    An interval without calls (service level undefined) counts as reaching it.
    """
    return service_shares(plan, target, reps=reps, seed=seed, engine=engine).interval


def service_shares(plan: Plan, target: float, *, reps: int, seed: int, engine: str) -> Shares:
    """Simulate one staffing and return how often it reaches the target, by interval and day.

    Parameters
    ----------
    plan : Plan
        The staffed one-day plan.
    target : float
        Service level, in (0, 1).
    reps, seed : int
        Replications and seed.
    engine : {"fast", "simpy"}
        Engine.
    """
    result = simulate(plan, reps=reps, seed=seed, engine=engine)
    levels = _centre_levels(result, "interval").reshape(reps, -1)
    day = _centre_levels(result, "day")
    reached = np.isnan(levels) | (levels >= target)
    answered = ~np.isnan(levels).all(axis=0)
    mean_level = np.ones(levels.shape[1])
    mean_level[answered] = np.nanmean(levels[:, answered], axis=0)
    return Shares(
        interval=reached.mean(axis=0),
        day=float(np.mean(np.isnan(day) | (day >= target))),
        mean_level=mean_level,
    )


def _centre_levels(result: SimulationResult, period: Period) -> np.ndarray:
    frame = replication_kpis(result.tallies, result.plan, period)
    return frame.loc[frame["call_type"] == ALL, "service_level"].to_numpy(dtype=float)


def _staffed_plan(
    raw: dict[str, Any], group: str, agents: np.ndarray, source: str, base_dir: Path | None
) -> Plan:
    document = _with_headcount(raw, group, agents)
    return build_plan(scenario_from_dict(document, source=source, base_dir=base_dir))


def _with_headcount(raw: dict[str, Any], group: str, agents: np.ndarray) -> dict[str, Any]:
    groups = {**raw["groups"], group: {**raw["groups"][group], "headcount": agents.tolist()}}
    return {**raw, "groups": groups}


def staffed_scenario_yaml(result: StaffingResult, from_dir: Path, to_dir: Path) -> str:
    """Return the scenario with the headcount found as YAML, its CSV names valid from ``to_dir``."""
    document = rebased_inputs(result.document, from_dir, to_dir)
    header = (
        f"# Headcount of simulation-based staffing: target {result.target:g} in at least "
        f"{result.confidence:g} of replications, "
        f"{'every interval' if result.criterion == 'interval' else 'over the day'}.\n"
    )
    return header + yaml.safe_dump(document, sort_keys=False, default_flow_style=None, width=100)


def _check_group(scenario: Scenario, group: str, source: str) -> None:
    if group not in scenario.groups:
        known = ", ".join(scenario.groups)
        raise UsageError(f"{source}: no group {group!r} (groups: {known})")
    if scenario.groups[group].headcount is None:
        raise UsageError(
            f"{source}: group {group!r} is staffed by shifts or a roster; simulation-based "
            "staffing sets a headcount per interval"
        )
    if scenario.n_days != 1 or scenario.steady_state is not None:
        raise UsageError(f"{source}: simulation-based staffing plans one calendar day")

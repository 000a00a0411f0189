"""Smallest number of agents that meets a service-level target."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from sim.analytic._common import (
    SECONDS_PER_HOUR,
    erlang_b_step,
    erlang_b_with_log,
    require_agents,
    require_fraction,
    require_non_negative,
    require_positive,
)
from sim.analytic.erlang import QueueKpis, erlang_c, erlang_c_from_b
from sim.analytic.erlang_a import erlang_a
from sim.errors import UsageError


@dataclass(frozen=True)
class Staffing:
    """Result of a staffing search.

    Attributes
    ----------
    agents : int
        Smallest number of agents whose service level meets the target.
    kpis : QueueKpis
        The KPIs at that number of agents.
    """

    agents: int
    kpis: QueueKpis


def queue_kpis(
    *,
    calls_per_hour: float,
    aht_s: float,
    agents: int,
    threshold_s: float,
    patience_s: float | None = None,
) -> QueueKpis:
    """Compute queue KPIs with Erlang C, or Erlang A when a patience is given.

    Parameters
    ----------
    calls_per_hour : float
        Offered calls per hour, >= 0.
    aht_s : float
        Mean handle time in seconds, > 0.
    agents : int
        Number of agents, at least 1.
    threshold_s : float
        Service-level threshold T in seconds, >= 0.
    patience_s : float or None
        Mean patience in seconds; ``None`` (or ``inf``) means infinitely patient
        callers, i.e. Erlang C.

    Returns
    -------
    QueueKpis
        The steady-state KPIs.

    Raises
    ------
    UsageError
        If an argument is out of range.

    Notes
    -----
    Steady state, Poisson arrivals, exponential handle times and patience, FCFS.
    """
    if patience_s is None or patience_s == math.inf:
        return erlang_c(
            calls_per_hour=calls_per_hour, aht_s=aht_s, agents=agents, threshold_s=threshold_s
        )
    return erlang_a(
        calls_per_hour=calls_per_hour,
        aht_s=aht_s,
        agents=agents,
        threshold_s=threshold_s,
        patience_s=patience_s,
    )


def agents_required(
    *,
    calls_per_hour: float,
    aht_s: float,
    threshold_s: float,
    target: float,
    patience_s: float | None = None,
    max_agents: int = 100_000,
) -> Staffing:
    """Find the smallest number of agents whose service level meets a target.

    Parameters
    ----------
    calls_per_hour : float
        Offered calls per hour, >= 0.
    aht_s : float
        Mean handle time in seconds, > 0.
    threshold_s : float
        Service-level threshold T in seconds, >= 0.
    target : float
        Required service level (answered within T over offered), strictly between 0 and 1.
    patience_s : float or None
        Mean patience in seconds for Erlang A; ``None`` (or ``inf``) uses Erlang C.
    max_agents : int
        Largest number of agents to consider.

    Returns
    -------
    Staffing
        The number of agents and the KPIs at that staffing.

    Raises
    ------
    UsageError
        If an argument is out of range or ``max_agents`` agents do not meet the target.

    Notes
    -----
    Steady state, Poisson arrivals, exponential handle times and patience, FCFS.
    Erlang C never staffs below ``floor(load) + 1`` (the smallest stable staffing) and
    walks upward reusing the Erlang B recursion; Erlang A brackets the answer by
    doubling steps and bisects, as its service level increases with agents.
    """
    rate = require_non_negative(calls_per_hour, "calls_per_hour")
    aht = require_positive(aht_s, "aht_s")
    threshold = require_non_negative(threshold_s, "threshold_s")
    goal = require_fraction(target, "target")
    limit = require_agents(max_agents, "max_agents")
    load = rate * aht / SECONDS_PER_HOUR
    if patience_s is None or patience_s == math.inf:
        return _erlang_c_walk(load, aht_s=aht, threshold_s=threshold, target=goal, limit=limit)
    patience = require_positive(patience_s, "patience_s")

    def kpis_at(agents: int) -> QueueKpis:
        return erlang_a(
            calls_per_hour=rate,
            aht_s=aht,
            agents=agents,
            threshold_s=threshold,
            patience_s=patience,
        )

    return _fewest(
        kpis_at,
        lambda kpis: kpis.service_level >= goal,
        guess=_first_guess(load, limit),
        limit=limit,
        goal=f"the service-level target {goal}",
    )


@dataclass(frozen=True)
class GoalStaffing:
    """Agents for every goal a calculator user states, and the agents to schedule.

    Attributes
    ----------
    agents : int
        Fewest agents on the phones meeting every goal.
    scheduled : int
        Agents to schedule so that ``agents`` are on the phones after shrinkage:
        ``ceil(agents / (1 - shrinkage))``.
    binding : str
        The KPI of the goal that asked for the most agents: ``service_level``, ``asa_s`` or
        ``occupancy``.
    kpis : QueueKpis
        The KPIs with ``agents`` on the phones.
    """

    agents: int
    scheduled: int
    binding: str
    kpis: QueueKpis


def staffing_for_goals(
    *,
    calls_per_hour: float,
    aht_s: float,
    threshold_s: float,
    target: float | None = None,
    asa_target_s: float | None = None,
    max_occupancy: float | None = None,
    shrinkage: float = 0.0,
    patience_s: float | None = None,
    max_agents: int = 100_000,
) -> GoalStaffing:
    """Find the fewest agents meeting every goal given, as online Erlang calculators do.

    Parameters
    ----------
    calls_per_hour, aht_s, threshold_s, patience_s, max_agents
        As :func:`agents_required`.
    target : float, optional
        Service level (answered within ``threshold_s`` over offered), in (0, 1).
    asa_target_s : float, optional
        Largest average speed of answer, seconds (> 0).
    max_occupancy : float, optional
        Largest occupancy (busy share of the agents on the phones), in (0, 1].
    shrinkage : float
        Share of scheduled time off the phones, in [0, 1).

    Returns
    -------
    GoalStaffing
        The agents, the goal that bound, and the agents to schedule.

    Raises
    ------
    UsageError
        If no goal is given, an argument is out of range, or ``max_agents`` cannot meet a goal.

    Notes
    -----
    Each goal is monotone in the agents (service level rises, ASA and occupancy fall), so each
    is met from its fewest agents on; the answer is the largest of those.
    """
    if target is None and asa_target_s is None and max_occupancy is None:
        raise UsageError("give at least one goal: a service-level target, an ASA or an occupancy")
    off = require_non_negative(shrinkage, "shrinkage")
    if off >= 1:
        raise UsageError(f"shrinkage must be below 1 (got {shrinkage})")
    limit = require_agents(max_agents, "max_agents")
    load = require_non_negative(calls_per_hour, "calls_per_hour") * aht_s / SECONDS_PER_HOUR

    def kpis_at(agents: int) -> QueueKpis:
        return queue_kpis(
            calls_per_hour=calls_per_hour,
            aht_s=aht_s,
            agents=agents,
            threshold_s=threshold_s,
            patience_s=patience_s,
        )

    guess = _first_guess(load, limit)
    needs: dict[str, int] = {}
    if target is not None:
        needs["service_level"] = agents_required(
            calls_per_hour=calls_per_hour,
            aht_s=aht_s,
            threshold_s=threshold_s,
            target=target,
            patience_s=patience_s,
            max_agents=limit,
        ).agents
    if asa_target_s is not None:
        asa = require_positive(asa_target_s, "asa_target_s")
        needs["asa_s"] = _fewest(
            kpis_at, lambda k: k.asa_s <= asa, guess=guess, limit=limit, goal=f"an ASA of {asa} s"
        ).agents
    if max_occupancy is not None:
        most = require_positive(max_occupancy, "max_occupancy")
        if most > 1:
            raise UsageError(f"max_occupancy must be at most 1 (got {max_occupancy})")
        needs["occupancy"] = _fewest(
            kpis_at,
            lambda k: k.occupancy <= most,
            guess=guess,
            limit=limit,
            goal=f"an occupancy of at most {most}",
        ).agents
    binding = max(needs, key=lambda goal: needs[goal])
    agents = needs[binding]
    return GoalStaffing(
        agents=agents,
        scheduled=math.ceil(agents / (1.0 - off) - 1e-9),
        binding=binding,
        kpis=kpis_at(agents),
    )


def _first_guess(load: float, limit: int) -> int:
    """Agents to start a search from: the load rounded up, within ``[1, limit]``.

    ``load`` may be infinite (a huge rate times a long handle time): it then starts at ``limit``.
    """
    return limit if load >= limit else max(1, math.ceil(load))


def _erlang_c_walk(
    load: float, *, aht_s: float, threshold_s: float, target: float, limit: int
) -> Staffing:
    if load >= limit:  # also an infinite load (a huge rate times a long handle time)
        raise _not_enough(limit, f"the service-level target {target}")
    agents = math.floor(load) + 1
    b, _ = erlang_b_with_log(agents, load)
    while True:
        kpis = erlang_c_from_b(b, agents=agents, load=load, aht_s=aht_s, threshold_s=threshold_s)
        if kpis.service_level >= target:
            return Staffing(agents=agents, kpis=kpis)
        if agents >= limit:
            raise _not_enough(limit, f"the service-level target {target}")
        agents += 1
        b = erlang_b_step(b, agents, load)


def _fewest(
    kpis_at: Callable[[int], QueueKpis],
    ok: Callable[[QueueKpis], bool],
    *,
    guess: int,
    limit: int,
    goal: str,
) -> Staffing:
    """Return the fewest agents whose KPIs are ``ok`` (``ok`` must be monotone in the agents)."""
    seen: dict[int, QueueKpis] = {}

    def meets(agents: int) -> bool:
        if agents not in seen:
            seen[agents] = kpis_at(agents)
        return ok(seen[agents])

    lo, hi = _bracket(meets, guess, limit, goal)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if meets(mid):
            hi = mid
        else:
            lo = mid
    return Staffing(agents=hi, kpis=seen[hi])


def _bracket(meets: Callable[[int], bool], guess: int, limit: int, goal: str) -> tuple[int, int]:
    """Return (lo, hi) with hi meeting the goal and lo failing it (lo = 0 if hi is 1)."""
    step = max(1, math.isqrt(guess))
    if meets(guess):
        hi = guess
        while hi > 1:
            lo = max(0, hi - step)
            if lo == 0 or not meets(lo):
                return lo, hi
            hi, step = lo, 2 * step
        return 0, hi
    lo = guess
    while lo < limit:
        hi = min(limit, lo + step)
        if meets(hi):
            return lo, hi
        lo, step = hi, 2 * step
    raise _not_enough(limit, goal)


def _not_enough(limit: int, goal: str) -> UsageError:
    return UsageError(f"max_agents={limit} agents cannot meet {goal}")

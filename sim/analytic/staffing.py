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

    return _bisect(kpis_at, goal, guess=min(limit, max(1, math.ceil(load))), limit=limit)


def _erlang_c_walk(
    load: float, *, aht_s: float, threshold_s: float, target: float, limit: int
) -> Staffing:
    agents = math.floor(load) + 1
    if agents > limit:
        raise _not_enough(limit, target)
    b, _ = erlang_b_with_log(agents, load)
    while True:
        kpis = erlang_c_from_b(b, agents=agents, load=load, aht_s=aht_s, threshold_s=threshold_s)
        if kpis.service_level >= target:
            return Staffing(agents=agents, kpis=kpis)
        if agents >= limit:
            raise _not_enough(limit, target)
        agents += 1
        b = erlang_b_step(b, agents, load)


def _bisect(
    kpis_at: Callable[[int], QueueKpis], target: float, *, guess: int, limit: int
) -> Staffing:
    seen: dict[int, QueueKpis] = {}

    def meets(agents: int) -> bool:
        if agents not in seen:
            seen[agents] = kpis_at(agents)
        return seen[agents].service_level >= target

    lo, hi = _bracket(meets, guess, limit, target)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if meets(mid):
            hi = mid
        else:
            lo = mid
    return Staffing(agents=hi, kpis=seen[hi])


def _bracket(
    meets: Callable[[int], bool], guess: int, limit: int, target: float
) -> tuple[int, int]:
    """Return (lo, hi) with hi meeting the target and lo failing it (lo = 0 if hi is 1)."""
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
    raise _not_enough(limit, target)


def _not_enough(limit: int, target: float) -> UsageError:
    return UsageError(f"max_agents={limit} agents cannot meet the service-level target {target}")

"""Erlang B (blocked calls lost) and Erlang C (M/M/n, infinite patience)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.analytic._common import (
    SECONDS_PER_HOUR,
    clip01,
    erlang_b_with_log,
    require_agents,
    require_non_negative,
    require_positive,
)


@dataclass(frozen=True)
class QueueKpis:
    """Steady-state KPIs of one queue.

    Attributes
    ----------
    agents : int
        Number of agents staffed.
    offered_load_erlangs : float
        Offered load, ``calls_per_hour * aht_s / 3600``.
    stable : bool
        False only for Erlang C with load >= agents (no steady state exists).
    p_wait : float
        Probability that an arriving call finds all agents busy and queues.
    service_level : float
        Calls answered within the threshold over calls offered
        (= P(served and wait <= threshold)).
    sl_answered : float
        Calls answered within the threshold over calls answered.
    sl_answered_plus_abandoned_after_t : float
        Calls answered within the threshold over (answered + abandoned after the threshold).
    p_wait_le_t : float
        P(wait <= threshold), abandonments before the threshold counted as within it.
    asa_s : float
        Mean wait of answered calls in seconds (``inf`` if unstable).
    mean_wait_all_s : float
        Mean wait over all calls in seconds, abandoners' time to abandon included.
    p_abandon : float
        Fraction of offered calls that abandon (0 for Erlang C).
    occupancy : float
        Busy agent time over staffed agent time.
    mean_queue : float
        Time-average number of calls waiting (``inf`` if unstable).
    """

    agents: int
    offered_load_erlangs: float
    stable: bool
    p_wait: float
    service_level: float
    sl_answered: float
    sl_answered_plus_abandoned_after_t: float
    p_wait_le_t: float
    asa_s: float
    mean_wait_all_s: float
    p_abandon: float
    occupancy: float
    mean_queue: float


def erlang_b(*, agents: int, load_erlangs: float) -> float:
    """Compute the Erlang B blocking probability of a loss system.

    Parameters
    ----------
    agents : int
        Number of agents (servers), at least 1.
    load_erlangs : float
        Offered load in erlangs (arrival rate times mean handle time), >= 0.

    Returns
    -------
    float
        Probability that an arriving call finds every agent busy and is lost.

    Raises
    ------
    UsageError
        If ``agents`` < 1 or the load is negative or not finite.

    Notes
    -----
    Steady state, Poisson arrivals, no waiting room; the result holds for any
    handle-time distribution with the given mean. Uses the recursion
    ``B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1))``, which never overflows.
    """
    n = require_agents(agents)
    load = require_non_negative(load_erlangs, "load_erlangs")
    b, _ = erlang_b_with_log(n, load)
    return clip01(b)


def erlang_c(*, calls_per_hour: float, aht_s: float, agents: int, threshold_s: float) -> QueueKpis:
    """Compute the steady-state KPIs of an Erlang C (M/M/n) queue.

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

    Returns
    -------
    QueueKpis
        The KPIs; with load >= agents ``stable`` is False, waits are ``inf`` and the
        service level is 0.

    Raises
    ------
    UsageError
        If an argument is out of range.

    Notes
    -----
    Steady state, Poisson arrivals, exponential handle times, infinitely patient
    callers, FCFS. With C the probability of waiting, a the load and n the agents:
    ``SL = 1 - C exp(-(n - a) T / AHT)`` and ``ASA = C AHT / (n - a)``.
    """
    n = require_agents(agents)
    aht = require_positive(aht_s, "aht_s")
    threshold = require_non_negative(threshold_s, "threshold_s")
    load = require_non_negative(calls_per_hour, "calls_per_hour") * aht / SECONDS_PER_HOUR
    if load >= n:
        return overloaded_kpis(n, load)
    b, _ = erlang_b_with_log(n, load)
    return erlang_c_from_b(b, agents=n, load=load, aht_s=aht, threshold_s=threshold)


def erlang_c_from_b(
    b: float, *, agents: int, load: float, aht_s: float, threshold_s: float
) -> QueueKpis:
    """Compute Erlang C KPIs from a precomputed Erlang B value.

    Parameters
    ----------
    b : float
        Erlang B blocking probability for ``agents`` and ``load``.
    agents : int
        Number of agents.
    load : float
        Offered load in erlangs; must be below ``agents``.
    aht_s : float
        Mean handle time in seconds.
    threshold_s : float
        Service-level threshold in seconds.

    Returns
    -------
    QueueKpis
        The KPIs of the stable M/M/n queue (same assumptions as :func:`erlang_c`).
    """
    gap = agents - load
    # C = B / (1 - rho (1 - B)) with numerator and denominator scaled by n, so that
    # 1 - rho is never formed by cancellation.
    p_wait = clip01(agents * b / (gap + load * b))
    service_level = clip01(1.0 - p_wait * math.exp(-gap * threshold_s / aht_s))
    asa = p_wait * aht_s / gap
    return QueueKpis(
        agents=agents,
        offered_load_erlangs=load,
        stable=True,
        p_wait=p_wait,
        service_level=service_level,
        sl_answered=service_level,
        sl_answered_plus_abandoned_after_t=service_level,
        p_wait_le_t=service_level,
        asa_s=asa,
        mean_wait_all_s=asa,
        p_abandon=0.0,
        occupancy=clip01(load / agents),
        mean_queue=p_wait * load / gap,
    )


def overloaded_kpis(agents: int, load: float) -> QueueKpis:
    """Build the KPIs of an Erlang C queue without steady state.

    Parameters
    ----------
    agents : int
        Number of agents.
    load : float
        Offered load in erlangs, at least ``agents``.

    Returns
    -------
    QueueKpis
        ``stable=False``, everyone waits, service level 0, infinite waits and queue.
    """
    return QueueKpis(
        agents=agents,
        offered_load_erlangs=load,
        stable=False,
        p_wait=1.0,
        service_level=0.0,
        sl_answered=0.0,
        sl_answered_plus_abandoned_after_t=0.0,
        p_wait_le_t=0.0,
        asa_s=math.inf,
        mean_wait_all_s=math.inf,
        p_abandon=0.0,
        occupancy=1.0,
        mean_queue=math.inf,
    )


def idle_kpis(agents: int) -> QueueKpis:
    """Build the KPIs of a queue offered no calls at all.

    Parameters
    ----------
    agents : int
        Number of agents.

    Returns
    -------
    QueueKpis
        Nobody waits, service level 1, idle agents.
    """
    return QueueKpis(
        agents=agents,
        offered_load_erlangs=0.0,
        stable=True,
        p_wait=0.0,
        service_level=1.0,
        sl_answered=1.0,
        sl_answered_plus_abandoned_after_t=1.0,
        p_wait_le_t=1.0,
        asa_s=0.0,
        mean_wait_all_s=0.0,
        p_abandon=0.0,
        occupancy=0.0,
        mean_queue=0.0,
    )

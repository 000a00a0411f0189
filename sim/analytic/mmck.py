"""M/M/c/K: c agents, K lines (agents plus waiting places); calls beyond K are blocked."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from scipy.special import gammainc, logsumexp

from sim.analytic._common import (
    SECONDS_PER_HOUR,
    clip01,
    log_idle_ratio,
    require_agents,
    require_non_negative,
    require_positive,
)
from sim.errors import UsageError

# Queue states below e^-45 of the largest one are dropped (geometric tail).
_LOG_CUT = 45.0


@dataclass(frozen=True)
class MmckKpis:
    """Steady-state KPIs of an M/M/c/K queue.

    Attributes
    ----------
    agents : int
        Number of agents c.
    lines : int
        Number of lines K (calls in the system at most, answered or waiting).
    offered_load_erlangs : float
        Offered load, ``calls_per_hour * aht_s / 3600``.
    p_block : float
        Fraction of offered calls blocked because all lines are in use.
    p_wait : float
        Fraction of offered calls that are admitted and have to wait.
    p_wait_admitted : float
        Fraction of admitted calls that have to wait.
    service_level : float
        Calls answered within the threshold over calls offered.
    sl_admitted : float
        Calls answered within the threshold over calls admitted (= answered).
    asa_s : float
        Mean wait of answered calls in seconds.
    occupancy : float
        Busy agent time over staffed agent time.
    mean_queue : float
        Time-average number of calls waiting.
    """

    agents: int
    lines: int
    offered_load_erlangs: float
    p_block: float
    p_wait: float
    p_wait_admitted: float
    service_level: float
    sl_admitted: float
    asa_s: float
    occupancy: float
    mean_queue: float


def mmck(
    *, calls_per_hour: float, aht_s: float, agents: int, lines: int, threshold_s: float
) -> MmckKpis:
    """Compute the steady-state KPIs of an M/M/c/K queue with blocking.

    Parameters
    ----------
    calls_per_hour : float
        Offered calls per hour, >= 0.
    aht_s : float
        Mean handle time in seconds, > 0.
    agents : int
        Number of agents c, at least 1.
    lines : int
        Number of lines K >= ``agents``; ``lines == agents`` is the Erlang B loss system.
    threshold_s : float
        Service-level threshold T in seconds, >= 0.

    Returns
    -------
    MmckKpis
        The KPIs (always a steady state: the waiting room is finite).

    Raises
    ------
    UsageError
        If an argument is out of range or ``lines < agents``.

    Notes
    -----
    Steady state, Poisson arrivals, exponential handle times, infinitely patient
    callers, FCFS; a call arriving when all K lines are in use is blocked and lost.
    """
    c = require_agents(agents)
    k = _require_lines(lines, c)
    aht = require_positive(aht_s, "aht_s")
    threshold = require_non_negative(threshold_s, "threshold_s")
    load = require_non_negative(calls_per_hour, "calls_per_hour") * aht / SECONDS_PER_HOUR
    if load == 0.0:
        return _idle(c, k)
    return _solve(c, k, load, service_rate=c / aht, threshold_s=threshold)


def _require_lines(lines: int, agents: int) -> int:
    if isinstance(lines, bool) or not isinstance(lines, numbers.Integral):
        msg = f"lines must be an integer (got {lines!r})"
        raise UsageError(msg)
    if lines < agents:
        msg = f"lines must be at least agents={agents} (got {lines})"
        raise UsageError(msg)
    return int(lines)


def _solve(c: int, k: int, load: float, *, service_rate: float, threshold_s: float) -> MmckKpis:
    # Log space: pi_k / pi_c spans more orders of magnitude than a float holds.
    room = k - c  # waiting places
    log_rho = math.log(load / c)
    waiting = _kept_states(room, log_rho)
    # Weights relative to the largest one, pi_{c+ref}, formed as (j - ref) log(rho) so
    # that a long waiting room does not cost the kept weights their relative precision.
    ref = room if log_rho > 0.0 else 0
    rel = (waiting - ref) * log_rho
    log_idle = log_idle_ratio(c, load) - ref * log_rho
    log_total = float(np.logaddexp(log_idle, logsumexp(rel)))
    pi = np.exp(rel - log_total)
    p_no_wait = math.exp(log_idle - log_total)
    p_block = clip01(math.exp((room - ref) * log_rho - log_total))
    queued = waiting < room  # states where an arrival is admitted but waits
    pi_q, ahead = pi[queued], waiting[queued] + 1.0
    p_wait = clip01(float(np.sum(pi_q)))
    p_admitted = p_no_wait + p_wait
    service_level = clip01(
        p_no_wait + float(np.sum(pi_q * gammainc(ahead, service_rate * threshold_s)))
    )
    return MmckKpis(
        agents=c,
        lines=k,
        offered_load_erlangs=load,
        p_block=p_block,
        p_wait=p_wait,
        p_wait_admitted=clip01(p_wait / p_admitted),
        service_level=service_level,
        sl_admitted=clip01(service_level / p_admitted),
        asa_s=float(np.sum(pi_q * ahead)) / service_rate / p_admitted,
        occupancy=clip01(load * p_admitted / c),
        mean_queue=float(np.sum(waiting * pi)),
    )


def _kept_states(room: int, log_rho: float) -> np.ndarray:
    """Return the waiting counts j in 0..room whose weight rho^j is not negligible."""
    if log_rho < 0.0:
        return np.arange(0, min(room, math.ceil(_LOG_CUT / -log_rho)) + 1, dtype=np.float64)
    if log_rho > 0.0:
        return np.arange(max(0, room - math.ceil(_LOG_CUT / log_rho)), room + 1, dtype=np.float64)
    return np.arange(0, room + 1, dtype=np.float64)


def _idle(c: int, k: int) -> MmckKpis:
    return MmckKpis(
        agents=c,
        lines=k,
        offered_load_erlangs=0.0,
        p_block=0.0,
        p_wait=0.0,
        p_wait_admitted=0.0,
        service_level=1.0,
        sl_admitted=1.0,
        asa_s=0.0,
        occupancy=0.0,
        mean_queue=0.0,
    )

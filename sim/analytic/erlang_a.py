"""Erlang A (M/M/n+M): exponential patience, computed from the birth-death chain."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import betainc, digamma, gammaln

from sim.analytic._common import (
    SECONDS_PER_HOUR,
    clip01,
    log_idle_ratio,
    require_agents,
    require_non_negative,
    require_positive,
)
from sim.analytic.erlang import QueueKpis, idle_kpis
from sim.errors import UsageError

FloatArray = NDArray[np.float64]

# Waiting states whose weight is below e^-45 of the largest one are dropped; the
# dropped tail is bounded by a geometric series and stays below ~1e-19 of the total.
_LOG_CUT = 45.0
# Incomplete-beta values below this are taken as 0: they are multiplied by
# probabilities and summed, so they cannot reach the 1e-16 level.
_NEGLIGIBLE = 1e-40
_FIRST_CHUNK = 256
MAX_CALLS_PER_PATIENCE = 1e10
"""Most calls arriving during one mean patience (rate x patience): the chain's kept states grow
with its square root (about 150 MB at the limit)."""


@dataclass(frozen=True)
class _Chain:
    """Stationary distribution of the waiting states seen by arrivals (PASTA)."""

    waiting: FloatArray  # j = number already waiting when the call arrives
    q: FloatArray  # P(arrival finds n + j in system)
    p_no_wait: float  # P(arrival finds an idle agent)


def erlang_a(
    *,
    calls_per_hour: float,
    aht_s: float,
    agents: int,
    threshold_s: float,
    patience_s: float,
) -> QueueKpis:
    """Compute the steady-state KPIs of an Erlang A (M/M/n+M) queue.

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
    patience_s : float
        Mean patience (time a caller is willing to wait) in seconds, finite and > 0.

    Returns
    -------
    QueueKpis
        The KPIs; Erlang A always has a steady state, so ``stable`` is True.

    Raises
    ------
    UsageError
        If an argument is out of range.

    Notes
    -----
    Steady state, Poisson arrivals, exponential handle times, exponential patience
    (a caller abandons when the patience runs out before an agent answers), FCFS.
    Exact up to a truncation of the waiting states below e^-45 of the peak; the cost
    grows with ``agents`` plus the square root of (arrival rate x patience).
    """
    n = require_agents(agents)
    aht = require_positive(aht_s, "aht_s")
    threshold = require_non_negative(threshold_s, "threshold_s")
    patience = require_positive(patience_s, "patience_s")
    rate = require_non_negative(calls_per_hour, "calls_per_hour")
    if rate == 0.0:
        return idle_kpis(n)
    load = rate * aht / SECONDS_PER_HOUR
    lam, n_mu, theta = rate / SECONDS_PER_HOUR, n / aht, 1.0 / patience
    if lam / theta > MAX_CALLS_PER_PATIENCE:
        raise UsageError(
            f"calls_per_hour x patience_s: {lam / theta:.3g} calls arrive during one mean "
            f"patience, more than the limit of {MAX_CALLS_PER_PATIENCE:.0e} "
            f"(got calls_per_hour={calls_per_hour!r}, patience_s={patience_s!r})"
        )
    chain = _waiting_chain(n, load, lam=lam, n_mu=n_mu, theta=theta)
    return _kpis(chain, n, load, n_mu=n_mu, theta=theta, threshold_s=threshold)


def _waiting_chain(agents: int, load: float, *, lam: float, n_mu: float, theta: float) -> _Chain:
    # Log space, relative to the most likely waiting state: pi_k / pi_n spans far more
    # orders of magnitude than a float holds, and keeping the large offset out of the
    # kept weights preserves their relative precision.
    first, rel = _relative_log_weights(lam, n_mu, theta)
    log_peak = (0.0 if first == 0 else _log_w_closed(first, lam, n_mu, theta)) - rel[0]
    log_idle = log_idle_ratio(agents, load) - log_peak
    weights = np.exp(rel)  # the peak has weight 1, so nothing overflows
    log_total = float(np.logaddexp(log_idle, math.log(float(np.sum(weights)))))
    waiting = np.arange(first, first + rel.size, dtype=np.float64)
    return _Chain(
        waiting=waiting, q=weights * math.exp(-log_total), p_no_wait=math.exp(log_idle - log_total)
    )


def _relative_log_weights(lam: float, n_mu: float, theta: float) -> tuple[int, FloatArray]:
    """Return the first kept waiting state and log w_j relative to the peak state."""
    peak = int((lam - n_mu) // theta) if lam > n_mu else 0
    up = _walk(peak, +1, lam, n_mu, theta)
    down = _walk(peak, -1, lam, n_mu, theta)
    rel = np.concatenate((down[::-1], np.zeros(1), up))
    return peak - down.size, rel


def _walk(peak: int, direction: int, lam: float, n_mu: float, theta: float) -> FloatArray:
    """Return log w_j - log w_peak for j = peak + direction, ... until below the cut.

    With ratio r_i = lam / (n_mu + i theta), w_i = w_{i-1} r_i. Walking down uses
    w_{i-1} = w_i / r_i and stops at state 0.
    """
    pieces: list[FloatArray] = []
    last = 0.0
    start = peak + 1 if direction > 0 else peak
    size = _FIRST_CHUNK
    log_lam = math.log(lam)
    while direction > 0 or start > 0:
        stop = start + size if direction > 0 else max(start - size, 0)
        i = np.arange(start, stop, direction, dtype=np.float64)
        steps = log_lam - np.log(n_mu + i * theta)
        values = last + direction * np.cumsum(steps)
        below = np.flatnonzero(values < -_LOG_CUT)
        if below.size:
            pieces.append(values[: below[0] + 1])
            break
        pieces.append(values)
        last = float(values[-1])
        start, size = stop, 2 * size
    return np.concatenate(pieces) if pieces else np.zeros(0)


def _log_w_closed(j: int, lam: float, n_mu: float, theta: float) -> float:
    # Only used when the states below j carry less than e^-45 of the mass; then the
    # rounding of this difference of large log-gammas cannot reach the results.
    x = n_mu / theta
    return float(j * math.log(lam / theta) - (gammaln(x + j + 1.0) - gammaln(x + 1.0)))


def _kpis(
    chain: _Chain, agents: int, load: float, *, n_mu: float, theta: float, threshold_s: float
) -> QueueKpis:
    x = n_mu / theta
    p = -math.expm1(-theta * threshold_s)  # P(one exponential patience <= T)
    ahead = chain.waiting + 1.0  # stages before the tagged call reaches an agent
    q = chain.q
    p_answer_j = x / (x + ahead)  # nmu / (nmu + (j + 1) theta)
    answered_by_t = _betainc_decreasing(ahead, x + 1.0, p)
    virtual_by_t = _betainc_decreasing(ahead, x, p)
    p_answered = chain.p_no_wait + float(np.sum(q * p_answer_j))
    p_abandon = clip01(float(np.sum(q * (ahead / (x + ahead)))))
    service_level = clip01(chain.p_no_wait + float(np.sum(q * p_answer_j * answered_by_t)))
    # P(abandon within T | j) = P(W <= T | j) - P(answered within T | j), with
    # P(W > T | j) = P(patience > T) P(V > T | j) for the virtual wait V.
    patience_survives_t = math.exp(-theta * threshold_s)
    abandon_by_t_j = 1.0 - patience_survives_t * (1.0 - virtual_by_t) - p_answer_j * answered_by_t
    abandon_by_t = min(p_abandon, float(np.sum(q * np.clip(abandon_by_t_j, 0.0, 1.0))))
    mean_wait_answered = _mean_answered_wait(chain.waiting, n_mu, theta)
    asa = float(np.sum(q * p_answer_j * mean_wait_answered)) / p_answered
    return QueueKpis(
        agents=agents,
        offered_load_erlangs=load,
        stable=True,
        p_wait=clip01(float(np.sum(q))),
        service_level=service_level,
        sl_answered=clip01(service_level / p_answered),
        sl_answered_plus_abandoned_after_t=clip01(
            service_level / (p_answered + p_abandon - abandon_by_t)
        ),
        p_wait_le_t=clip01(service_level + abandon_by_t),
        asa_s=asa,
        mean_wait_all_s=p_abandon / theta,
        p_abandon=p_abandon,
        occupancy=clip01(load * p_answered / agents),
        mean_queue=float(np.sum(chain.waiting * q)),
    )


def _mean_answered_wait(waiting: FloatArray, n_mu: float, theta: float) -> FloatArray:
    """Return H_j = sum_{m=1..j+1} 1 / (n_mu + m theta), the mean wait given answered."""
    first = int(waiting[0])
    m = waiting + 1.0
    partial = np.cumsum(1.0 / (n_mu + m * theta))
    if first == 0:
        return partial
    x = n_mu / theta
    # sum_{m=1..first} 1 / (theta (x + m)) in closed form.
    offset = float(digamma(x + first + 1.0) - digamma(x + 1.0)) / theta
    return partial + offset


def _betainc_decreasing(a: FloatArray, b: float, p: float) -> FloatArray:
    """Return I_p(a, b) for increasing ``a``, calling betainc only where it is not 0 or 1.

    I_p(a, b) decreases in ``a``; the values equal to 1 in double precision and those
    below ``_NEGLIGIBLE`` are located by bisection, which keeps long chains cheap.
    """
    if p <= 0.0:
        return np.zeros_like(a)
    if p >= 1.0:
        return np.ones_like(a)

    def value(i: int) -> float:
        return float(betainc(a[i], b, p))

    start = _first_index(lambda i: value(i) < 1.0, 0, a.size)
    stop = _first_index(lambda i: value(i) < _NEGLIGIBLE, start, a.size)
    out = np.zeros_like(a)
    out[:start] = 1.0
    out[start:stop] = betainc(a[start:stop], b, p)
    return out


def _first_index(predicate: Callable[[int], bool], lo: int, hi: int) -> int:
    """Return the first i in [lo, hi) where a monotone ``predicate`` holds, else ``hi``."""
    while lo < hi:
        mid = (lo + hi) // 2
        if predicate(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo

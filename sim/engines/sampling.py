"""Per-call random draws, written once and used by both engines.

A draw is a *standard variate* from the stream (unit exponential, standard normal, or standard
gamma of the given shape) turned into seconds by :func:`scale_variate`. The SimPy engine takes
standard variates one at a time (:func:`standard_variate`); the fast engine takes them in blocks
(:func:`standard_variates`), which NumPy fills with the same numbers in the same order. The
functions that do arithmetic are plain Python that numba also compiles, so both engines compute
the same floating-point operations.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from sim.scenario.distributions import DistCode

_EXPONENTIAL = int(DistCode.EXPONENTIAL)
_LOGNORMAL = int(DistCode.LOGNORMAL)
_GAMMA = int(DistCode.GAMMA)
_DETERMINISTIC = int(DistCode.DETERMINISTIC)


def takes_draw(code: int) -> bool:
    """Return whether the distribution ``code`` consumes a draw (deterministic and none do not)."""
    return code in (_EXPONENTIAL, _LOGNORMAL, _GAMMA)


def standard_variate(rng: np.random.Generator, code: int, p1: float) -> float:
    """Draw one standard variate for the distribution ``code`` (0.0 when it takes no draw)."""
    if code == _EXPONENTIAL:
        return rng.standard_exponential()
    if code == _LOGNORMAL:
        return rng.standard_normal()
    if code == _GAMMA:
        return rng.standard_gamma(p1)
    return 0.0


def standard_variates(
    rng: np.random.Generator, code: int, p1: float, n: int
) -> NDArray[np.float64]:
    """Draw ``n`` standard variates at once, as ``n`` calls of :func:`standard_variate` would."""
    if code == _EXPONENTIAL:
        return rng.standard_exponential(n)
    if code == _LOGNORMAL:
        return rng.standard_normal(n)
    if code == _GAMMA:
        return rng.standard_gamma(p1, n)
    return np.zeros(n)


def scale_variate(code, p1, p2, variate):
    """Turn a standard variate into a value of the distribution ``(code, p1, p2)``, seconds.

    Exponential: ``mean * E``; lognormal: ``exp(mu + sigma * Z)``; gamma: ``scale * G``;
    deterministic: ``p1``; none: ``inf`` (see :func:`~sim.scenario.distributions.dist_parameters`).
    """
    if code == _EXPONENTIAL:
        return p1 * variate
    if code == _LOGNORMAL:
        return math.exp(p1 + p2 * variate)
    if code == _GAMMA:
        return p2 * variate
    if code == _DETERMINISTIC:
        return p1
    return math.inf


def segment_at(at, start_at, end_at):
    """Return the arrival segment holding the instant ``at``, or -1 while the centre is closed."""
    segment = np.searchsorted(start_at, at, side="right") - 1
    if segment < 0 or at >= end_at[segment]:
        return -1
    return segment


def next_arrival_delay(now, segment, unit_exponential, start_at, end_at, rate_per_s):  # noqa: PLR0917
    """Return the delay to the next Poisson arrival with piecewise-constant rate, and its segment.

    The unit-exponential draw is inverted through the cumulative rate (time change), skipping
    closed hours and zero-rate segments. Each arrival takes one draw, and one more draw finds
    that no arrival follows.

    Parameters
    ----------
    now : float
        Current instant (the previous arrival of this call type, or 0), seconds.
    segment : int
        Segment of ``now`` (or the first segment not yet passed).
    unit_exponential : float
        A standard exponential draw from the call type's arrival stream.
    start_at, end_at : float64[n_segments]
        Segment bounds, seconds; arrivals fall in ``[start, end)``.
    rate_per_s : float64[n_segments]
        Arrival rate in each segment, calls per second.

    Returns
    -------
    tuple of (float, int)
        Delay in seconds (``inf`` when no arrival follows) and the arrival's segment. Both
        engines schedule the arrival at ``now + delay``.
    """
    remaining = unit_exponential
    t = now
    n_segments = len(start_at)
    while segment < n_segments:
        t = max(t, start_at[segment])
        rate = rate_per_s[segment]
        if rate > 0.0:
            at = t + remaining / rate
            if at < end_at[segment]:
                return at - now, segment
            remaining = max(remaining - (end_at[segment] - t) * rate, 0.0)
        segment += 1
    return math.inf, n_segments

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
from sim.units import SECONDS_PER_DAY

_EXPONENTIAL = int(DistCode.EXPONENTIAL)
_LOGNORMAL = int(DistCode.LOGNORMAL)
_GAMMA = int(DistCode.GAMMA)
_DETERMINISTIC = int(DistCode.DETERMINISTIC)
_EMPIRICAL = int(DistCode.EMPIRICAL)
EMPIRICAL = _EMPIRICAL


def takes_draw(code: int) -> bool:
    """Return whether the distribution ``code`` consumes a draw (deterministic and none do not)."""
    return code in (_EXPONENTIAL, _LOGNORMAL, _GAMMA, _EMPIRICAL)


def standard_variate(rng: np.random.Generator | TraceVariates, code: int, p1: float) -> float:
    """Draw one standard variate for the distribution ``code`` (0.0 when it takes no draw)."""
    if code == _EXPONENTIAL:
        return rng.standard_exponential()
    if code == _LOGNORMAL:
        return rng.standard_normal()
    if code == _GAMMA:
        return rng.standard_gamma(p1)
    if code == _EMPIRICAL:
        return rng.random()
    return 0.0


def standard_variates(
    rng: np.random.Generator, code: int, p1: float, n: int
) -> NDArray[np.float64]:
    """Draw ``n`` standard variates at once, as ``n`` calls of :func:`standard_variate` would."""
    return fill_standard_variates(rng, code, p1, np.empty(n))


def fill_standard_variates(
    rng: np.random.Generator, code: int, p1: float, out: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Fill ``out`` in place with :func:`standard_variates` of its length; return it."""
    if code == _EXPONENTIAL:
        return rng.standard_exponential(out=out)
    if code == _LOGNORMAL:
        return rng.standard_normal(out=out)
    if code == _GAMMA:
        return rng.standard_gamma(p1, out=out)
    if code == _EMPIRICAL:
        return rng.random(out=out)
    out[...] = 0.0
    return out


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


def unscale_variates(
    code: int, p1: float, p2: float, values: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Return the standard variates that :func:`scale_variate` turns into ``values`` (seconds).

    The inverse of :func:`scale_variate`, for distributions that take a draw: a trace-driven run
    gives each recorded duration to the call it belongs to through its stream.
    """
    if code == _EXPONENTIAL:
        return values / p1
    if code == _LOGNORMAL:
        return (np.log(values) - p1) / p2
    if code == _GAMMA:
        return values / p2
    raise ValueError(f"distribution code {code} cannot be inverted")


def empirical_value(p1, p2, variate, values):
    """Turn a uniform variate into a value of an empirical distribution, seconds.

    ``p1`` scales the values, ``p2`` is how many there are: the variate picks
    ``values[floor(variate * p2)]`` (the values sorted), so each is equally likely. Engines call
    this instead of :func:`scale_variate` for :attr:`DistCode.EMPIRICAL` talk times.
    """
    return p1 * values[min(int(variate * p2), int(p2) - 1)]


def last_at_or_before(sorted_at, at):
    """Return the index of the last of ``sorted_at`` (increasing) that is ``<= at``, or -1.

    ``np.searchsorted(sorted_at, at, side="right") - 1``, written as a bisection: the fast
    engine compiles it in a fraction of the time numba takes for ``np.searchsorted``.
    """
    low, high = 0, len(sorted_at)
    while low < high:
        middle = (low + high) // 2
        if sorted_at[middle] <= at:
            low = middle + 1
        else:
            high = middle
    return low - 1


def segment_at(at, start_at, end_at):
    """Return the arrival segment holding the instant ``at``, or -1 while the centre is closed."""
    segment = last_at_or_before(start_at, at)
    if segment < 0 or at >= end_at[segment]:
        return -1
    return segment


def email_segment(at, segment_start_at, n_intervals, interval_s):
    """Return the planning segment an email item arriving at ``at`` is counted in.

    Its calendar day (the last day for a later instant), and the planning interval of that day
    holding ``at``, clamped to the day's grid: an item arriving before the grid starts counts in
    its first interval, one after it ends in its last. Handle-time parameters follow it.
    """
    n_days = len(segment_start_at) // n_intervals
    day = min(math.floor(at / SECONDS_PER_DAY), n_days - 1)
    interval = math.floor((at - segment_start_at[day * n_intervals]) / interval_s)
    return day * n_intervals + min(max(interval, 0), n_intervals - 1)


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


class TraceVariates:
    """A stream that yields fixed variates in order, whatever kind of variate is asked for.

    Stands in for a :class:`numpy.random.Generator` in the SimPy engine when a trace gives the
    draws of a stream (see :class:`sim.engines.base.Trace`).
    """

    def __init__(self, values: NDArray[np.float64]) -> None:
        self.values = values
        self.taken = 0

    def next(self) -> float:
        """Return the next variate; a trace too short for its calls is an internal error."""
        if self.taken >= len(self.values):
            raise IndexError(f"the trace holds {len(self.values)} variates, more were drawn")
        value = float(self.values[self.taken])
        self.taken += 1
        return value

    def standard_exponential(self) -> float:
        """Return the next variate (a unit exponential in the trace)."""
        return self.next()

    def standard_normal(self) -> float:
        """Return the next variate (a standard normal in the trace)."""
        return self.next()

    def standard_gamma(self, _shape: float) -> float:
        """Return the next variate (a standard gamma of the stream's shape in the trace)."""
        return self.next()

    def random(self) -> float:
        """Return the next variate (a uniform in the trace)."""
        return self.next()


def unit_exponentials_at(arrived_at, start_at, end_at, rate_per_s):
    """Return the unit exponentials that :func:`next_arrival_delay` turns into ``arrived_at``.

    The inverse of the time change: the cumulative rate between consecutive arrivals, skipping
    closed hours. A last ``inf`` ends the arrivals. Every arrival must fall in a segment with a
    positive rate.

    Parameters
    ----------
    arrived_at : float64[n]
        Arrival instants in increasing order, seconds.
    start_at, end_at, rate_per_s : float64[n_segments]
        Segment bounds (s) and arrival rates (calls per second), as in the plan.

    Returns
    -------
    float64[n + 1]
        The unit exponentials, then ``inf``.
    """
    lengths = (end_at - start_at) * rate_per_s
    cumulative_at_start = np.concatenate([[0.0], np.cumsum(lengths)[:-1]])
    segments = np.searchsorted(start_at, arrived_at, side="right") - 1
    if np.any(segments < 0) or np.any(arrived_at >= end_at[segments]):
        raise ValueError("an arrival falls outside the opening hours")
    if np.any(rate_per_s[segments] <= 0.0):
        raise ValueError("an arrival falls in a segment with no arrival rate")
    cumulative = (
        cumulative_at_start[segments] + (arrived_at - start_at[segments]) * (rate_per_s[segments])
    )
    return np.concatenate([np.diff(cumulative, prepend=0.0), [math.inf]])

"""Argument checks and the Erlang B recursion shared by the analytic models."""

from __future__ import annotations

import math
import numbers

from sim.errors import UsageError

SECONDS_PER_HOUR = 3600.0

# Below this the float recursion would drift into subnormal numbers and lose digits,
# so the remaining steps are taken in log space.
_TINY_B = 1e-280


def require_agents(value: int, name: str = "agents") -> int:
    """Return ``value`` as an ``int`` after checking it is an integer of at least 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        msg = f"{name} must be an integer (got {value!r})"
        raise UsageError(msg)
    if value < 1:
        msg = f"{name} must be at least 1 (got {value})"
        raise UsageError(msg)
    return int(value)


def require_non_negative(value: float, name: str) -> float:
    """Return ``value`` as a ``float`` after checking it is finite and >= 0."""
    number = _as_float(value, name)
    if not math.isfinite(number) or number < 0.0:
        msg = f"{name} must be a finite number >= 0 (got {value!r})"
        raise UsageError(msg)
    return number


def require_positive(value: float, name: str) -> float:
    """Return ``value`` as a ``float`` after checking it is finite and > 0."""
    number = _as_float(value, name)
    if not math.isfinite(number) or number <= 0.0:
        msg = f"{name} must be a finite number > 0 (got {value!r})"
        raise UsageError(msg)
    return number


def require_fraction(value: float, name: str) -> float:
    """Return ``value`` as a ``float`` after checking it lies strictly between 0 and 1."""
    number = _as_float(value, name)
    if not 0.0 < number < 1.0:
        msg = f"{name} must lie strictly between 0 and 1 (got {value!r})"
        raise UsageError(msg)
    return number


def _as_float(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        msg = f"{name} must be a number (got {value!r})"
        raise UsageError(msg)
    return float(value)


def clip01(value: float) -> float:
    """Clip a probability that rounding pushed just outside [0, 1]."""
    return min(1.0, max(0.0, float(value)))


def erlang_b_step(b_prev: float, k: int, load: float) -> float:
    """Return B(k) from B(k - 1); the form a*B/(k + a*B) never overflows."""
    ab = load * b_prev
    return ab / (k + ab)


def erlang_b_with_log(agents: int, load: float) -> tuple[float, float]:
    """Return ``(B, log B)`` for ``agents >= 0`` servers offered ``load`` erlangs.

    ``log B`` stays exact when ``B`` itself underflows (many agents, tiny load).
    """
    if agents == 0:
        return 1.0, 0.0
    if load == 0.0:
        return 0.0, -math.inf
    b = 1.0
    for k in range(1, agents + 1):
        b = erlang_b_step(b, k, load)
        if b < _TINY_B:
            log_b = _log_b_tail(math.log(b), k, agents, load)
            return math.exp(log_b), log_b
    return b, math.log(b)


def _log_b_tail(log_b_k: float, k: int, agents: int, load: float) -> float:
    # Once a*B(k) is negligible next to k, B(m) = B(k) * a^(m-k) * k!/m!.
    return log_b_k + (agents - k) * math.log(load) - (math.lgamma(agents + 1) - math.lgamma(k + 1))


def log_idle_ratio(agents: int, load: float) -> float:
    """Return log of sum_{k < n} pi_k / pi_n for the birth-death chain with n = ``agents``.

    The sum equals 1/B(n) - 1 = n / (a * B(n - 1)); the second form avoids the
    cancellation of 1/B - 1 when B is close to 1.
    """
    _, log_b_prev = erlang_b_with_log(agents - 1, load)
    return math.log(agents) - math.log(load) - log_b_prev

"""Quick estimates for chat, email and e-commerce promotions (numbers in, numbers out)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sim.analytic._common import (
    SECONDS_PER_HOUR,
    require_agents,
    require_fraction,
    require_non_negative,
    require_positive,
)
from sim.analytic.erlang import QueueKpis
from sim.analytic.staffing import agents_required, queue_kpis
from sim.errors import UsageError


@dataclass(frozen=True)
class ChatStaffing:
    """Agents for a chat queue under the saturated-concurrency approximation.

    Attributes
    ----------
    agents : int
        Fewest agents whose ``agents * max_concurrent`` session slots meet the target.
    slots : int
        Session slots, ``agents * max_concurrent``.
    session_s : float
        Mean session length used: the session at one session times the slow-down at
        ``max_concurrent`` sessions, seconds.
    kpis : QueueKpis
        Erlang C (or A) KPIs of the slots, with ``session_s`` as handle time.
    """

    agents: int
    slots: int
    session_s: float
    kpis: QueueKpis


def chat_agents_required(
    *,
    chats_per_hour: float,
    session_s: float,
    max_concurrent: int,
    slowdown: Sequence[float] | None,
    threshold_s: float,
    target: float,
    patience_s: float | None = None,
) -> ChatStaffing:
    """Find the fewest chat agents meeting a first-response service level.

    Parameters
    ----------
    chats_per_hour : float
        Offered chats per hour, >= 0.
    session_s : float
        Mean session length when the agent holds one session, seconds (> 0).
    max_concurrent : int
        Sessions an agent may hold at once (>= 1).
    slowdown : sequence of float or None
        Handle-time factor with 1, 2, ... sessions held (at least ``max_concurrent`` values,
        each > 0); None: no slow-down.
    threshold_s : float
        Service-level threshold on the first response, seconds (>= 0).
    target : float
        Required share of chats answered within the threshold, in (0, 1).
    patience_s : float, optional
        Mean patience for Erlang A; None: Erlang C.

    Returns
    -------
    ChatStaffing
        Agents, slots and the KPIs of the slots.

    Notes
    -----
    Each agent is treated as ``max_concurrent`` independent servers whose sessions all last
    as long as a session at full concurrency. This *saturated* approximation is exact without a
    slow-down (an agent with k slots is k servers of an M/M/(n k) queue, given routing to any
    free slot) and errs on the safe side with one, since agents below full concurrency serve
    faster. Steady state, Poisson arrivals, exponential session lengths.
    """
    concurrency = require_agents(max_concurrent, "max_concurrent")
    length_s = require_positive(session_s, "session_s") * _full_load_factor(slowdown, concurrency)
    needed = agents_required(
        calls_per_hour=chats_per_hour,
        aht_s=length_s,
        threshold_s=threshold_s,
        target=target,
        patience_s=patience_s,
    )
    agents = max(1, math.ceil(needed.agents / concurrency))
    slots = agents * concurrency
    kpis = queue_kpis(
        calls_per_hour=chats_per_hour,
        aht_s=length_s,
        agents=slots,
        threshold_s=threshold_s,
        patience_s=patience_s,
    )
    return ChatStaffing(agents=agents, slots=slots, session_s=length_s, kpis=kpis)


def _full_load_factor(slowdown: Sequence[float] | None, concurrency: int) -> float:
    if slowdown is None:
        return 1.0
    if len(slowdown) < concurrency:
        msg = (
            f"slowdown must give a factor for each of 1..{concurrency} sessions "
            f"(got {len(slowdown)} factors)"
        )
        raise UsageError(msg)
    factors = [require_positive(f, "slowdown factor") for f in slowdown]
    return factors[concurrency - 1]


def email_workload_h(*, items: float, aht_s: float) -> float:
    """Return the agent-hours of work in ``items`` emails of mean handle time ``aht_s``."""
    return (
        require_non_negative(items, "items") * require_positive(aht_s, "aht_s") / SECONDS_PER_HOUR
    )


def email_agents_to_clear(
    *, backlog_items: float, items_per_hour: float, aht_s: float, within_h: float
) -> int:
    """Return the agents that answer a backlog and the items arriving within a response target.

    Parameters
    ----------
    backlog_items : float
        Items waiting at the start (e.g. the overnight backlog at opening), >= 0.
    items_per_hour : float
        Items arriving per hour while the agents work, >= 0.
    aht_s : float
        Mean handle time of an item, seconds (> 0).
    within_h : float
        Response-time target, hours (> 0): the backlog must be gone this long after the start.

    Returns
    -------
    int
        ``ceil(aht_h * (items_per_hour + backlog_items / within_h))``, at least 1.

    Notes
    -----
    A fluid model: agents working ``n / aht_h`` items per hour clear a backlog ``B`` while
    ``lambda`` items arrive per hour after ``B / (n / aht_h - lambda)`` hours, which is at most
    ``within_h`` exactly when ``n >= aht_h (lambda + B / within_h)``. Randomness is ignored, so
    the answer is the workload floor; the simulation tells the share actually answered in time.
    """
    backlog = require_non_negative(backlog_items, "backlog_items")
    rate = require_non_negative(items_per_hour, "items_per_hour")
    window_h = require_positive(within_h, "within_h")
    aht_h = require_positive(aht_s, "aht_s") / SECONDS_PER_HOUR
    return max(1, math.ceil(aht_h * (rate + backlog / window_h) - 1e-9))


@dataclass(frozen=True)
class PromotionEstimate:
    """The e-commerce rule of thumb for a promotion day.

    Attributes
    ----------
    orders : float
        ``sales / average_order_value``.
    receptions : float
        Customer contacts (receptions) of the day: ``orders / conversion``.
    agents : int
        ``ceil(receptions / receptions_per_agent_per_day)``.
    """

    orders: float
    receptions: float
    agents: int


def promotion_estimate(
    *,
    sales: float,
    average_order_value: float,
    conversion: float,
    receptions_per_agent_per_day: float,
) -> PromotionEstimate:
    """Estimate a promotion day's receptions and agents from the sales target.

    Parameters
    ----------
    sales : float
        Sales expected on the day (money), >= 0.
    average_order_value : float
        Mean order value (same money), > 0.
    conversion : float
        Share of receptions (pre-sale chats) that end in an order, in (0, 1).
    receptions_per_agent_per_day : float
        Receptions one agent handles in a day, > 0.

    Returns
    -------
    PromotionEstimate
        Orders, receptions and agents.

    Notes
    -----
    The planners' formula: receptions = sales / average order value / conversion; agents =
    receptions / receptions per agent per day. It knows nothing of the day's profile, waits or
    concurrency: compare it with the simulated answer.
    """
    orders = require_non_negative(sales, "sales") / require_positive(
        average_order_value, "average_order_value"
    )
    receptions = orders / require_fraction(conversion, "conversion")
    per_agent = require_positive(receptions_per_agent_per_day, "receptions_per_agent_per_day")
    return PromotionEstimate(
        orders=orders, receptions=receptions, agents=math.ceil(receptions / per_agent - 1e-9)
    )

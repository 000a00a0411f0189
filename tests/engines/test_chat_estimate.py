"""The chat quick estimate against simulation: on the safe side with slow-down, and needed.

``chat_agents_required`` treats every session as lasting as long as at full concurrency. With a
slow-down, agents below full concurrency work faster, so the simulated first-response service
level at the estimated agents is at least the formula's (not below it by 4 SE); and ignoring the
slow-down (sessions at their one-session length on the same slots) promises more than the
simulation gives, by more than 4 SE: the slow-down must be in the estimate.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest
from helpers import mean_and_se, stat_reps

from sim import simulate
from sim.analytic import erlang_c
from sim.analytic.channels import ChatStaffing, chat_agents_required
from sim.results import replication_kpis
from sim.scenario import build_plan, scenario_from_dict

CHATS_PER_HOUR, SESSION_S, K, SLOWDOWN = 300.0, 240.0, 3, (1.0, 1.3, 1.6)
THRESHOLD_S, TARGET = 30.0, 0.8


@functools.cache
def estimate() -> ChatStaffing:
    """The quick estimate of the test's chat queue."""
    return chat_agents_required(
        chats_per_hour=CHATS_PER_HOUR,
        session_s=SESSION_S,
        max_concurrent=K,
        slowdown=list(SLOWDOWN),
        threshold_s=THRESHOLD_S,
        target=TARGET,
    )


def scenario(agents: int) -> dict[str, Any]:
    """The chat queue in steady state with ``agents`` agents holding up to K sessions."""
    return {
        "name": "chat-estimate",
        "steady_state": {"horizon_h": 200, "warmup_h": 2, "interval_minutes": 60},
        "service_level": {"threshold_s": THRESHOLD_S, "target": TARGET},
        "call_types": {
            "chat": {
                "channel": "chat",
                "volume": {"per_hour": CHATS_PER_HOUR},
                "handle_time": {"dist": "exponential", "mean_s": SESSION_S},
            }
        },
        "groups": {
            "team": {
                "headcount": agents,
                "max_concurrent": {"chat": K},
                "chat_slowdown": list(SLOWDOWN),
            }
        },
    }


@functools.cache
def simulated_service_level(agents: int) -> tuple[float, float]:
    """Mean and SE over replications of the simulated service level with ``agents`` agents."""
    plan = build_plan(scenario_from_dict(scenario(agents)))
    result = simulate(plan, reps=stat_reps(10), seed=7, engine="fast")
    frame = replication_kpis(result.tallies, plan, "total")
    values = frame[frame["call_type"] == "all"]["service_level"].to_numpy(dtype=float)
    return mean_and_se(values)


@pytest.mark.statistical
def test_estimate_is_on_the_safe_side() -> None:
    staffing = estimate()
    mean, se = simulated_service_level(staffing.agents)
    assert staffing.kpis.service_level >= TARGET
    assert mean + 4 * se >= staffing.kpis.service_level, (mean, se, staffing)


@pytest.mark.statistical
def test_ignoring_the_slowdown_promises_too_much() -> None:
    agents = estimate().agents
    naive = erlang_c(
        calls_per_hour=CHATS_PER_HOUR, aht_s=SESSION_S, agents=agents * K, threshold_s=THRESHOLD_S
    )
    mean, se = simulated_service_level(agents)
    assert np.isfinite(se)
    assert se > 0
    assert naive.service_level - mean > 4 * se, (naive.service_level, mean, se)

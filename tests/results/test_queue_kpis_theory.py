"""P(wait) and the mean queue length of ``ccsim run`` against Erlang C and A, within 4 SE.

Each replication is one long steady-state run of a public reference case; the KPIs are the
whole-run values of :func:`sim.results.replication_kpis` (``p_wait`` = calls that waited > 0 /
offered, ``queue_length`` = waits of the measured arrivals / the measured hours), compared with
the reference's ``p_wait`` and ``mean_queue`` (time-average number waiting). A companion test
asserts that 4 SE is small against the KPI, so every comparison could fail. Both engines give
the same tallies seed for seed (tests/engines/test_parity.py), so the fast engine runs here.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest
from helpers import PUBLIC_CASES, assert_within_se, mean_and_se, stat_reps

from sim.analytic import erlang_c
from sim.results import replication_kpis
from sim.scenario import scenario_from_dict
from sim.simulation import simulate

pytestmark = pytest.mark.statistical

REFERENCE = {c["id"].split("-")[0]: c for c in json.loads(PUBLIC_CASES.read_text())["cases"]}
# Case: (horizon hours, warm-up hours, seed). R11 is 2 agents at 80% (relaxation ~2 h), the
# others 14 agents at 71%, with and without patience; horizons make 4 SE a small share.
RUNS = {"R11": (1000, 20, 211), "R03": (300, 10, 203), "R04": (200, 10, 204)}
KPIS = {"p_wait": "p_wait", "queue_length": "mean_queue"}
# 4 SE may be at most this share of a KPI's room to be wrong (min(p, 1 - p) for P(wait)).
RESOLUTION = 0.25


@functools.cache
def replication_values(case_id: str) -> dict[str, np.ndarray]:
    """Simulate a reference case in steady state; return P(wait) and Lq by replication."""
    inputs = REFERENCE[case_id]["inputs"]
    horizon_h, warmup_h, seed = RUNS[case_id]
    call_type: dict[str, object] = {
        "volume": {"per_hour": inputs["calls_per_hour"]},
        "handle_time": {"dist": "exponential", "mean_s": inputs["aht_s"]},
    }
    if inputs["patience_mean_s"] is not None:
        call_type["patience"] = {"dist": "exponential", "mean_s": inputs["patience_mean_s"]}
    scenario = scenario_from_dict(
        {
            "name": case_id,
            "steady_state": {"horizon_h": horizon_h, "warmup_h": warmup_h, "interval_minutes": 60},
            "service_level": {"threshold_s": inputs["sl_threshold_s"]},
            "call_types": {"calls": call_type},
            "groups": {"agents": {"headcount": inputs["agents"]}},
        }
    )
    result = simulate(scenario, reps=stat_reps(20), seed=seed, engine="fast")
    frame = replication_kpis(result.tallies, result.plan, "total")
    frame = frame[frame["call_type"] == "all"]
    return {kpi: frame[kpi].to_numpy() for kpi in KPIS}


def _params() -> list[object]:
    return [pytest.param(case, kpi, id=f"{case}-{kpi}") for case in RUNS for kpi in KPIS]


@pytest.mark.parametrize(("case", "kpi"), _params())
def test_within_four_standard_errors_of_the_reference(case: str, kpi: str) -> None:
    """The replication mean is within 4 SE of Erlang C's (or A's) value."""
    expected = REFERENCE[case]["outputs"][KPIS[kpi]]
    assert_within_se(replication_values(case)[kpi], expected, label=f"{case} {kpi}")


@pytest.mark.parametrize(("case", "kpi"), _params())
def test_standard_error_is_small_enough_to_fail(case: str, kpi: str) -> None:
    """4 SE is a small share of the KPI, so the comparison above can fail."""
    expected = REFERENCE[case]["outputs"][KPIS[kpi]]
    room = min(expected, 1.0 - expected) if kpi == "p_wait" else expected
    _, se = mean_and_se(replication_values(case)[kpi])
    assert 4 * se <= RESOLUTION * room


def test_one_agent_fewer_is_rejected() -> None:
    """R03 with 14 agents is not within 4 SE of Erlang C's P(wait) and Lq for 13 agents."""
    inputs = REFERENCE["R03"]["inputs"]
    wrong = erlang_c(
        calls_per_hour=inputs["calls_per_hour"],
        aht_s=inputs["aht_s"],
        agents=inputs["agents"] - 1,
        threshold_s=inputs["sl_threshold_s"],
    )
    wrong_queue = inputs["calls_per_hour"] / 3600 * wrong.asa_s  # Little's law
    for kpi, value in (("p_wait", wrong.p_wait), ("queue_length", wrong_queue)):
        mean, se = mean_and_se(replication_values("R03")[kpi])
        assert abs(mean - value) > 4 * se, kpi

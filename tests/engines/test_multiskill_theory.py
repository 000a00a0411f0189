"""Multi-skill centres against queueing theory, in steady state, within 4 standard errors.

* One group with every skill at one tier is one M/M/c queue on the pooled load: with equal
  priorities a freed agent takes the longest-waiting call of any type, so service is first come
  first served across types, and with the same exponential handle time for every type Erlang C
  for the summed arrival rate applies — to the pool and to each type.
* Two groups with disjoint skills are two independent Erlang C systems.
* A tier's handle-time factor multiplies handle time: AHT and Erlang C with the scaled AHT.

Each replication is one long stationary run; the warm-up's arrivals are left out. Tolerances
come from the replications' standard errors; a companion assertion checks that 4 SE is small
against the value, so the comparison could fail.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from helpers import assert_within_se, mean_and_se, stat_reps

from sim.analytic import erlang_c
from sim.results import replication_kpis
from sim.scenario import scenario_from_dict
from sim.simulation import simulate

pytestmark = pytest.mark.statistical


def steady_scenario(
    call_types: dict[str, Any], groups: dict[str, Any], horizon_h: float = 160, **extra: Any
) -> Any:
    """A steady-state scenario with a 10 h warm-up and T = 20 s."""
    raw = {
        "name": "multiskill-theory",
        "steady_state": {"horizon_h": horizon_h, "warmup_h": 10, "interval_minutes": 60},
        "service_level": {"threshold_s": 20},
        "call_types": call_types,
        "groups": groups,
        **extra,
    }
    return scenario_from_dict(raw)


def exponential_type(per_hour: float, mean_s: float = 240) -> dict[str, Any]:
    """A call type with Poisson arrivals and exponential handle time, no abandonment."""
    return {
        "volume": {"per_hour": per_hour},
        "handle_time": {"dist": "exponential", "mean_s": mean_s},
    }


def totals(scenario: Any, *, engine: str, reps: int, seed: int) -> Any:
    """Whole-run KPIs per replication (one row per replication and call type)."""
    result = simulate(scenario, reps=reps, seed=seed, engine=engine)
    return replication_kpis(result.tallies, result.plan, "total")


def column(frame: Any, call_type: str, kpi: str) -> np.ndarray:
    """One KPI of one call type (or "all"), replication by replication."""
    return frame.loc[frame["call_type"] == call_type, kpi].to_numpy(dtype=float)


def assert_resolving(values: np.ndarray, expected: float, share: float = 0.25) -> None:
    """4 SE must be a small share of the value (or of 1 - p for a share near 1): it can fail."""
    _, se = mean_and_se(values)
    room = min(expected, 1.0 - expected) if expected < 1.0 else expected
    assert 4 * se <= share * room


class TestPooledSkills:
    """One group with every skill at one tier behaves like Erlang C on the pooled load."""

    # 720 calls/h over three types, 55 agents (fast engine); 32 calls/h, 2 agents (SimPy engine,
    # a case it resolves with few calls: ASA is 320 s).
    FAST = (
        {"a": exponential_type(300), "b": exponential_type(240), "c": exponential_type(180)},
        55,
        erlang_c(calls_per_hour=720, aht_s=240, agents=55, threshold_s=20),
    )
    SIMPY = (
        {
            "a": exponential_type(12, 180),
            "b": exponential_type(10, 180),
            "c": exponential_type(10, 180),
        },
        2,
        erlang_c(calls_per_hour=32, aht_s=180, agents=2, threshold_s=20),
    )

    @pytest.mark.parametrize(
        ("engine", "case", "horizon_h", "reps"),
        [("fast", FAST, 240, 20), ("simpy", SIMPY, 400, 10)],
    )
    def test_pool_matches_erlang_c(
        self, engine: str, case: tuple[Any, int, Any], horizon_h: int, reps: int
    ) -> None:
        """Service level, ASA and occupancy of the pool match Erlang C for the summed rate."""
        call_types, agents, theory = case
        scenario = steady_scenario(
            call_types, {"agents": {"headcount": agents}}, horizon_h=horizon_h
        )
        frame = totals(scenario, engine=engine, reps=stat_reps(reps), seed=31)
        for kpi, expected in (
            ("service_level", theory.service_level),
            ("asa_s", theory.asa_s),
            ("occupancy", theory.occupancy),
        ):
            values = column(frame, "all", kpi)
            assert_within_se(values, expected, label=f"{engine} pooled {kpi}")
            assert_resolving(values, expected)

    def test_each_type_sees_the_pooled_service(self) -> None:
        """First come first served across types: every type's SL and ASA are the pool's."""
        call_types, agents, theory = self.FAST
        scenario = steady_scenario(call_types, {"agents": {"headcount": agents}}, horizon_h=240)
        frame = totals(scenario, engine="fast", reps=stat_reps(20), seed=32)
        for call_type in call_types:
            for kpi, expected in (("service_level", theory.service_level), ("asa_s", theory.asa_s)):
                assert_within_se(
                    column(frame, call_type, kpi), expected, label=f"{call_type} {kpi}"
                )


class TestDisjointSkills:
    """Two groups with disjoint skills are two independent Erlang C queues."""

    def test_each_group_matches_its_own_erlang_c(self) -> None:
        """Type a (720/h, 55 agents) and b (200/h, AHT 180 s, 14 agents) each match Erlang C."""
        scenario = steady_scenario(
            {"a": exponential_type(720), "b": exponential_type(200, mean_s=180)},
            {
                "big": {"headcount": 55, "skills": {"a": "standard"}},
                "small": {"headcount": 14, "skills": {"b": "standard"}},
            },
        )
        frame = totals(scenario, engine="fast", reps=stat_reps(20), seed=33)
        cases = {
            "a": erlang_c(calls_per_hour=720, aht_s=240, agents=55, threshold_s=20),
            "b": erlang_c(calls_per_hour=200, aht_s=180, agents=14, threshold_s=20),
        }
        for call_type, theory in cases.items():
            for kpi, expected in (("service_level", theory.service_level), ("asa_s", theory.asa_s)):
                values = column(frame, call_type, kpi)
                assert_within_se(values, expected, label=f"{call_type} {kpi}")
                assert_resolving(values, expected)

    def test_the_wrong_pairing_is_rejected(self) -> None:
        """Type b does not match Erlang C for the pooled system (the test can tell them apart)."""
        scenario = steady_scenario(
            {"a": exponential_type(720), "b": exponential_type(200, mean_s=180)},
            {
                "big": {"headcount": 55, "skills": {"a": "standard"}},
                "small": {"headcount": 14, "skills": {"b": "standard"}},
            },
        )
        frame = totals(scenario, engine="fast", reps=stat_reps(20), seed=33)
        pooled = erlang_c(calls_per_hour=920, aht_s=227, agents=69, threshold_s=20)
        mean, se = mean_and_se(column(frame, "b", "asa_s"))
        assert abs(mean - pooled.asa_s) > 4 * se


class TestTierFactors:
    """A tier's handle-time factor scales handle time."""

    @pytest.mark.parametrize("factor", [1.3, 0.85])
    def test_aht_and_queue_follow_the_factor(self, factor: float) -> None:
        """AHT is factor x (talk + ACW); SL and ASA match Erlang C with the scaled AHT."""
        call_types = {
            "a": {
                "volume": {"per_hour": 200},
                "handle_time": {"dist": "exponential", "mean_s": 150, "acw_s": 0},
            }
        }
        agents = 14 if factor > 1 else 9
        scenario = steady_scenario(
            call_types,
            {"team": {"headcount": agents, "skills": {"a": "tiered"}}},
            tiers={"tiered": {"handle_time_factor": factor}},
        )
        frame = totals(scenario, engine="fast", reps=stat_reps(20), seed=34)
        aht_s = factor * 150
        assert_within_se(column(frame, "a", "aht_s"), aht_s, label="AHT")
        theory = erlang_c(calls_per_hour=200, aht_s=aht_s, agents=agents, threshold_s=20)
        for kpi, expected in (("service_level", theory.service_level), ("asa_s", theory.asa_s)):
            values = column(frame, "a", kpi)
            assert_within_se(values, expected, label=f"factor {factor} {kpi}")
            assert_resolving(values, expected)

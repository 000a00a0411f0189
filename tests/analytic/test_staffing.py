"""Staffing: smallest number of agents meeting a service-level target."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from sim.analytic import agents_required, erlang_a, erlang_c, queue_kpis
from sim.errors import UsageError

CASES_PATH = Path(__file__).resolve().parents[3] / "shared" / "validation" / "public_cases.json"
REL, ABS = 1e-9, 1e-12

STAFFING_CASES: list[dict[str, Any]] = json.loads(CASES_PATH.read_text())["staffing_cases"]
STAFFING_IDS = [
    f"{c['model']}-{c['inputs']['calls_per_hour']}cph-{c['inputs']['aht_s']}s"
    for c in STAFFING_CASES
]


def _required(case: dict[str, Any]) -> Any:
    inputs = case["inputs"]
    return agents_required(
        calls_per_hour=inputs["calls_per_hour"],
        aht_s=inputs["aht_s"],
        threshold_s=inputs["sl_threshold_s"],
        target=inputs["target_sl"],
        patience_s=inputs["patience_mean_s"],
    )


class TestStaffingReference:
    @pytest.mark.parametrize("case", STAFFING_CASES, ids=STAFFING_IDS)
    def test_required_agents_match_reference(self, case: dict[str, Any]) -> None:
        """The smallest staffing meeting the target equals the reference."""
        assert case["required_agents"] == _required(case).agents

    @pytest.mark.parametrize("case", STAFFING_CASES, ids=STAFFING_IDS)
    def test_service_levels_around_the_answer_match_reference(self, case: dict[str, Any]) -> None:
        """The SL at the answer and at one agent fewer equal the reference."""
        inputs = case["inputs"]
        staffing = _required(case)
        one_fewer = queue_kpis(
            calls_per_hour=inputs["calls_per_hour"],
            aht_s=inputs["aht_s"],
            agents=staffing.agents - 1,
            threshold_s=inputs["sl_threshold_s"],
            patience_s=inputs["patience_mean_s"],
        )
        expected = (case["sl_at_required"], case["sl_at_one_fewer"])
        actual = (staffing.kpis.service_level, one_fewer.service_level)
        assert expected == pytest.approx(actual, rel=REL, abs=ABS)


class TestStaffingErlangC:
    def test_kpis_equal_erlang_c_at_the_answer(self) -> None:
        """The returned KPIs are those of erlang_c at the returned staffing."""
        staffing = agents_required(calls_per_hour=720, aht_s=240, threshold_s=20, target=0.8)
        expected = erlang_c(calls_per_hour=720, aht_s=240, agents=staffing.agents, threshold_s=20)
        assert expected == staffing.kpis

    def test_never_staffs_below_stability(self) -> None:
        """Even a tiny target needs floor(load) + 1 agents."""
        staffing = agents_required(calls_per_hour=126, aht_s=300, threshold_s=20, target=0.01)
        expected = math.floor(126 * 300 / 3600) + 1
        assert expected == staffing.agents

    def test_no_calls_needs_one_agent(self) -> None:
        """Zero calls are served by a single agent."""
        expected = 1
        actual = agents_required(calls_per_hour=0, aht_s=300, threshold_s=20, target=0.9).agents
        assert expected == actual

    def test_max_agents_too_small_raises(self) -> None:
        """A max_agents below the answer raises UsageError."""
        with pytest.raises(UsageError):
            agents_required(
                calls_per_hour=720, aht_s=240, threshold_s=20, target=0.8, max_agents=50
            )


class TestStaffingErlangA:
    @pytest.mark.parametrize(
        ("calls_per_hour", "patience_s", "target"),
        [(200, 300.0, 0.8), (2400, 30.0, 0.95), (28800, 600.0, 0.8), (5, 1.0, 0.999)],
    )
    def test_answer_is_the_smallest_meeting_the_target(
        self, calls_per_hour: float, patience_s: float, target: float
    ) -> None:
        """The answer meets the target and one agent fewer does not."""
        staffing = agents_required(
            calls_per_hour=calls_per_hour,
            aht_s=300,
            threshold_s=20,
            target=target,
            patience_s=patience_s,
        )
        fewer = staffing.agents - 1
        below = (
            erlang_a(
                calls_per_hour=calls_per_hour,
                aht_s=300,
                agents=fewer,
                threshold_s=20,
                patience_s=patience_s,
            ).service_level
            if fewer >= 1
            else -math.inf
        )
        expected = (True, True)
        assert expected == (staffing.kpis.service_level >= target, below < target)

    def test_max_agents_too_small_raises(self) -> None:
        """A max_agents below the answer raises UsageError."""
        with pytest.raises(UsageError):
            agents_required(
                calls_per_hour=2400,
                aht_s=300,
                threshold_s=20,
                target=0.8,
                patience_s=300,
                max_agents=100,
            )


class TestStaffingArguments:
    @pytest.mark.parametrize("target", [0.0, 1.0, -0.1, 1.5, math.nan])
    def test_target_outside_unit_interval_raises(self, target: float) -> None:
        """The target must lie strictly between 0 and 1."""
        with pytest.raises(UsageError):
            agents_required(calls_per_hour=100, aht_s=300, threshold_s=20, target=target)

    def test_zero_max_agents_raises(self) -> None:
        """max_agents must be at least 1."""
        with pytest.raises(UsageError):
            agents_required(calls_per_hour=100, aht_s=300, threshold_s=20, target=0.8, max_agents=0)


class TestGoalStaffing:
    """Several goals at once, as an online calculator states them."""

    def test_each_goal_is_met_by_the_fewest_agents(self) -> None:
        """Service level, ASA and occupancy each met at n and missed at n - 1."""
        from sim.analytic import queue_kpis, staffing_for_goals

        queue = {"calls_per_hour": 720.0, "aht_s": 240.0, "threshold_s": 20.0}
        goals = [
            ({"target": 0.8}, lambda k: k.service_level >= 0.8),
            ({"asa_target_s": 2.0}, lambda k: k.asa_s <= 2.0),
            ({"max_occupancy": 0.85}, lambda k: k.occupancy <= 0.85),
        ]
        for goal, ok in goals:
            found = staffing_for_goals(**queue, **goal)
            assert ok(queue_kpis(**queue, agents=found.agents))
            assert not ok(queue_kpis(**queue, agents=found.agents - 1))

    def test_the_largest_need_binds_and_shrinkage_schedules_more(self) -> None:
        """48 erlangs at 85% occupancy: ceil(48 / 0.85) = 57 agents; 30% off: ceil(57/0.7) = 82."""
        from sim.analytic import staffing_for_goals

        found = staffing_for_goals(
            calls_per_hour=720.0,
            aht_s=240.0,
            threshold_s=20.0,
            target=0.8,
            max_occupancy=0.85,
            shrinkage=0.3,
        )
        expected = (57, 82, "occupancy")
        assert expected == (found.agents, found.scheduled, found.binding)

    def test_with_patience_the_goals_use_erlang_a(self) -> None:
        """With a patience the ASA goal is read from Erlang A's KPIs."""
        from sim.analytic import erlang_a, staffing_for_goals

        found = staffing_for_goals(
            calls_per_hour=200.0, aht_s=180.0, threshold_s=20.0, asa_target_s=5.0, patience_s=300
        )
        at = erlang_a(
            calls_per_hour=200.0, aht_s=180.0, agents=found.agents, threshold_s=20.0, patience_s=300
        )
        assert (
            at.asa_s
            <= 5.0
            < erlang_a(
                calls_per_hour=200.0,
                aht_s=180.0,
                agents=found.agents - 1,
                threshold_s=20.0,
                patience_s=300,
            ).asa_s
        )

    def test_no_goal_is_refused(self) -> None:
        """A calculator needs a goal."""
        from sim.analytic import staffing_for_goals
        from sim.errors import UsageError

        with pytest.raises(UsageError, match="give at least one goal"):
            staffing_for_goals(calls_per_hour=720.0, aht_s=240.0, threshold_s=20.0)

    @pytest.mark.parametrize("patience_s", [None, 60.0])
    @pytest.mark.parametrize("goal", ["target", "asa_target_s", "max_occupancy"])
    def test_an_overflowing_load_is_refused_as_too_many_agents(
        self, patience_s: float | None, goal: str
    ) -> None:
        """A finite rate times a handle time can overflow to an infinite load: a clear error.

        Without patience no agents are enough; with it the Erlang A chain is beyond its limit.
        """
        from sim.analytic import staffing_for_goals
        from sim.errors import UsageError

        goals = {"target": 0.8, "asa_target_s": 20.0, "max_occupancy": 0.85}
        assert 1e308 * 300.0 / 3600.0 == math.inf
        message = "calls arrive during one mean patience" if patience_s else "agents cannot meet"
        with pytest.raises(UsageError, match=message):
            staffing_for_goals(
                calls_per_hour=1e308,
                aht_s=300.0,
                threshold_s=20.0,
                patience_s=patience_s,
                **{goal: goals[goal]},
            )

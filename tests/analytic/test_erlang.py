"""Erlang B and Erlang C against the public reference cases and edge cases."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from sim.analytic import QueueKpis, erlang_b, erlang_c, mmck
from sim.errors import UsageError

CASES_PATH = Path(__file__).resolve().parents[3] / "shared" / "validation" / "public_cases.json"
REL, ABS = 1e-9, 1e-12

# Reference output key (see the file's "definitions") -> QueueKpis field.
QUEUE_FIELDS = {
    "p_wait": "p_wait",
    "sl": "service_level",
    "sl_answered": "sl_answered",
    "sl_ans_abn_t": "sl_answered_plus_abandoned_after_t",
    "p_w_le_t": "p_wait_le_t",
    "asa": "asa_s",
    "mean_wait_all": "mean_wait_all_s",
    "p_abandon": "p_abandon",
    "occupancy": "occupancy",
    "mean_queue": "mean_queue",
}


def _cases(model: str) -> list[dict[str, Any]]:
    data = json.loads(CASES_PATH.read_text())
    return [case for case in data["cases"] if case["model"] == model]


def _as_reference(kpis: QueueKpis, keys: list[str]) -> dict[str, float]:
    return {key: getattr(kpis, QUEUE_FIELDS[key]) for key in keys}


ERLANG_B_CASES = _cases("erlang_b")
ERLANG_C_CASES = _cases("erlang_c")


class TestErlangBReference:
    @pytest.mark.parametrize("case", ERLANG_B_CASES, ids=[c["id"] for c in ERLANG_B_CASES])
    def test_blocking_matches_reference(self, case: dict[str, Any]) -> None:
        """Erlang B blocking equals the reference p_block."""
        inputs = case["inputs"]
        actual = erlang_b(agents=inputs["agents"], load_erlangs=inputs["offered_load_erlangs"])
        assert case["outputs"]["p_block"] == pytest.approx(actual, rel=REL, abs=ABS)

    @pytest.mark.parametrize("case", ERLANG_B_CASES, ids=[c["id"] for c in ERLANG_B_CASES])
    def test_loss_system_kpis_match_reference(self, case: dict[str, Any]) -> None:
        """M/M/c/c (lines == agents) reproduces blocking, occupancy and zero waiting."""
        inputs = case["inputs"]
        kpis = mmck(
            calls_per_hour=inputs["calls_per_hour"],
            aht_s=inputs["aht_s"],
            agents=inputs["agents"],
            lines=inputs["agents"],
            threshold_s=inputs["sl_threshold_s"],
        )
        actual = {"p_block": kpis.p_block, "occupancy": kpis.occupancy, "p_wait": kpis.p_wait}
        assert case["outputs"] == pytest.approx(actual, rel=REL, abs=ABS)


class TestErlangB:
    def test_one_agent_is_a_over_one_plus_a(self) -> None:
        """With one agent the blocking is a / (1 + a)."""
        expected = 3.0 / (1.0 + 3.0)
        assert expected == pytest.approx(erlang_b(agents=1, load_erlangs=3.0), rel=1e-15)

    def test_zero_load_blocks_nothing(self) -> None:
        """No load means no blocking."""
        expected = 0.0
        assert expected == erlang_b(agents=5, load_erlangs=0.0)

    def test_tiny_load_many_agents_underflows_to_zero(self) -> None:
        """A vanishing blocking probability comes back as a finite number >= 0."""
        expected = 0.0
        assert expected == erlang_b(agents=10_000, load_erlangs=1.0)

    def test_huge_load_blocks_almost_everything(self) -> None:
        """Far more load than agents blocks close to 1 - n/a."""
        expected = 1.0 - 10 / 10_000
        assert expected == pytest.approx(erlang_b(agents=10, load_erlangs=10_000.0), rel=1e-5)

    @pytest.mark.parametrize(
        ("agents", "load"), [(0, 1.0), (-1, 1.0), (2, -0.5), (2, math.nan), (2.0, 1.0)]
    )
    def test_invalid_arguments_raise(self, agents: Any, load: float) -> None:
        """Agents below 1, non-integer agents and bad loads raise UsageError."""
        with pytest.raises(UsageError):
            erlang_b(agents=agents, load_erlangs=load)


class TestErlangCReference:
    @pytest.mark.parametrize("case", ERLANG_C_CASES, ids=[c["id"] for c in ERLANG_C_CASES])
    def test_kpis_match_reference(self, case: dict[str, Any]) -> None:
        """Every reference KPI of an Erlang C case is reproduced."""
        inputs = case["inputs"]
        kpis = erlang_c(
            calls_per_hour=inputs["calls_per_hour"],
            aht_s=inputs["aht_s"],
            agents=inputs["agents"],
            threshold_s=inputs["sl_threshold_s"],
        )
        actual = _as_reference(kpis, list(case["outputs"]))
        assert case["outputs"] == pytest.approx(actual, rel=REL, abs=ABS)


class TestErlangC:
    def test_overload_has_no_steady_state(self) -> None:
        """Load >= agents gives stable=False, SL 0 and infinite waits."""
        kpis = erlang_c(calls_per_hour=720, aht_s=300, agents=60, threshold_s=20)
        expected = (False, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0)
        actual = (
            kpis.stable,
            kpis.p_wait,
            kpis.service_level,
            kpis.sl_answered,
            kpis.sl_answered_plus_abandoned_after_t,
            kpis.p_wait_le_t,
            kpis.p_abandon,
            kpis.occupancy,
        )
        assert expected == actual
        assert math.isinf(kpis.asa_s)
        assert math.isinf(kpis.mean_wait_all_s)
        assert math.isinf(kpis.mean_queue)

    def test_no_calls_is_trivial(self) -> None:
        """Zero calls: nobody waits, SL 1, idle agents, no NaN."""
        kpis = erlang_c(calls_per_hour=0, aht_s=300, agents=3, threshold_s=20)
        expected = (True, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0)
        actual = (
            kpis.stable,
            kpis.p_wait,
            kpis.service_level,
            kpis.asa_s,
            kpis.occupancy,
            kpis.mean_queue,
            kpis.offered_load_erlangs,
        )
        assert expected == actual

    def test_zero_threshold_sl_is_probability_of_no_wait(self) -> None:
        """At T = 0 the service level is 1 - P(wait)."""
        kpis = erlang_c(calls_per_hour=720, aht_s=240, agents=55, threshold_s=0)
        assert 1.0 - kpis.p_wait == pytest.approx(kpis.service_level, rel=1e-15)

    def test_single_agent_is_mm1(self) -> None:
        """One agent reduces to M/M/1: P(wait) = rho, ASA = rho AHT / (1 - rho)."""
        kpis = erlang_c(calls_per_hour=6, aht_s=300, agents=1, threshold_s=60)
        rho = 0.5
        expected = (rho, rho * 300 / (1 - rho), 1 - rho * math.exp(-(1 - rho) * 60 / 300))
        actual = (kpis.p_wait, kpis.asa_s, kpis.service_level)
        assert expected == pytest.approx(actual, rel=1e-14)

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"calls_per_hour": -1.0},
            {"aht_s": 0.0},
            {"aht_s": math.inf},
            {"agents": 0},
            {"threshold_s": -1.0},
            {"calls_per_hour": math.nan},
        ],
    )
    def test_invalid_arguments_raise(self, kwargs: dict[str, float]) -> None:
        """Negative or non-finite rates and times, and agents < 1, raise UsageError."""
        arguments: dict[str, Any] = {
            "calls_per_hour": 100.0,
            "aht_s": 300.0,
            "agents": 10,
            "threshold_s": 20.0,
        }
        arguments.update(kwargs)
        with pytest.raises(UsageError):
            erlang_c(**arguments)

"""M/M/c/K against the public reference cases and limiting cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sim.analytic import MmckKpis, erlang_b, erlang_c, mmck
from sim.errors import UsageError

CASES_PATH = Path(__file__).resolve().parents[3] / "shared" / "validation" / "public_cases.json"
REL, ABS = 1e-9, 1e-12

# Reference output key (see the file's "definitions") -> MmckKpis field. Admitted calls
# are all answered (no abandonment), so the "answered" and "admitted" KPIs coincide.
MMCK_FIELDS = {
    "p_block": "p_block",
    "p_wait": "p_wait",
    "p_wait_admitted": "p_wait_admitted",
    "sl": "service_level",
    "sl_admitted": "sl_admitted",
    "sl_answered": "sl_admitted",
    "asa": "asa_s",
    "mean_wait_admitted": "asa_s",
    "occupancy": "occupancy",
    "mean_queue": "mean_queue",
}
NOT_MODELLED = {"p_abandon"}  # M/M/c/K has no abandonment; the reference gives 0


def _cases(model: str) -> list[dict[str, Any]]:
    data = json.loads(CASES_PATH.read_text())
    return [case for case in data["cases"] if case["model"] == model]


MMCK_CASES = _cases("mmck")


def _solve(case: dict[str, Any]) -> MmckKpis:
    inputs = case["inputs"]
    return mmck(
        calls_per_hour=inputs["calls_per_hour"],
        aht_s=inputs["aht_s"],
        agents=inputs["agents"],
        lines=inputs["lines_K"],
        threshold_s=inputs["sl_threshold_s"],
    )


class TestMmckReference:
    @pytest.mark.parametrize("case", MMCK_CASES, ids=[c["id"] for c in MMCK_CASES])
    def test_kpis_match_reference(self, case: dict[str, Any]) -> None:
        """Every reference KPI of an M/M/c/K case is reproduced."""
        kpis = _solve(case)
        outputs = {k: v for k, v in case["outputs"].items() if k not in NOT_MODELLED}
        actual = {key: getattr(kpis, MMCK_FIELDS[key]) for key in outputs}
        assert outputs == pytest.approx(actual, rel=REL, abs=ABS)

    @pytest.mark.parametrize("case", MMCK_CASES, ids=[c["id"] for c in MMCK_CASES])
    def test_unmodelled_outputs_are_zero_abandonment(self, case: dict[str, Any]) -> None:
        """The only reference output without a field is p_abandon, and it is 0."""
        extra = {k: v for k, v in case["outputs"].items() if k not in MMCK_FIELDS}
        expected = {"p_abandon": 0.0}
        assert expected == extra


class TestMmck:
    def test_lines_equal_agents_is_erlang_b(self) -> None:
        """With no waiting places, blocking is Erlang B and nobody waits."""
        kpis = mmck(calls_per_hour=500, aht_s=180, agents=30, lines=30, threshold_s=20)
        expected = (erlang_b(agents=30, load_erlangs=25.0), 0.0, 0.0, 1.0)
        actual = (kpis.p_block, kpis.p_wait, kpis.asa_s, kpis.sl_admitted)
        assert expected == pytest.approx(actual, rel=1e-14, abs=1e-15)

    def test_many_lines_approach_erlang_c(self) -> None:
        """A huge waiting room under a stable load reproduces Erlang C."""
        kpis = mmck(calls_per_hour=720, aht_s=240, agents=55, lines=5000, threshold_s=20)
        reference = erlang_c(calls_per_hour=720, aht_s=240, agents=55, threshold_s=20)
        expected = (reference.p_wait, reference.service_level, reference.asa_s, 0.0)
        actual = (kpis.p_wait, kpis.service_level, kpis.asa_s, kpis.p_block)
        assert expected == pytest.approx(actual, rel=1e-12, abs=1e-15)

    def test_long_room_in_overload_blocks_excess(self) -> None:
        """M/M/1/K with rho = 2 and a huge room blocks 1 - 1/rho of the calls."""
        kpis = mmck(calls_per_hour=24, aht_s=300, agents=1, lines=1_000_000, threshold_s=20)
        expected = 1.0 - 1.0 / 2.0
        assert expected == pytest.approx(kpis.p_block, rel=1e-14)

    def test_no_calls_is_trivial(self) -> None:
        """Zero calls: no blocking, no waiting, SL 1."""
        kpis = mmck(calls_per_hour=0, aht_s=300, agents=2, lines=4, threshold_s=20)
        expected = (0.0, 0.0, 1.0, 0.0, 0.0)
        actual = (kpis.p_block, kpis.p_wait, kpis.service_level, kpis.asa_s, kpis.occupancy)
        assert expected == actual

    @pytest.mark.parametrize("lines", [1, 2.5, True])
    def test_invalid_lines_raise(self, lines: Any) -> None:
        """Lines must be an integer of at least the number of agents."""
        with pytest.raises(UsageError):
            mmck(calls_per_hour=100, aht_s=300, agents=2, lines=lines, threshold_s=20)

"""Property tests: the analytic models stay finite, bounded and monotone everywhere."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analytic import QueueKpis, erlang_a, erlang_b, erlang_c, mmck

PROBABILITIES = (
    "p_wait",
    "service_level",
    "sl_answered",
    "sl_answered_plus_abandoned_after_t",
    "p_wait_le_t",
    "p_abandon",
    "occupancy",
)
FAST = settings(max_examples=40, deadline=None)

agents_st = st.integers(min_value=1, max_value=10_000)
# Load as a multiple of the agents: from almost nothing to twice the agents.
rho_st = st.floats(min_value=1e-6, max_value=2.0)
aht_st = st.floats(min_value=30.0, max_value=900.0)
threshold_st = st.floats(min_value=0.0, max_value=300.0)
patience_st = st.floats(min_value=0.0, max_value=6.0).map(lambda e: 10.0**e)  # 1 s .. 1e6 s


def _calls_per_hour(agents: int, rho: float, aht_s: float) -> float:
    return rho * agents * 3600.0 / aht_s


def _assert_bounded(kpis: QueueKpis) -> None:
    values = {name: getattr(kpis, name) for name in PROBABILITIES}
    expected: dict[str, float] = {}
    assert expected == {name: v for name, v in values.items() if not 0.0 <= v <= 1.0}
    for name in ("asa_s", "mean_wait_all_s", "mean_queue", "offered_load_erlangs"):
        value = getattr(kpis, name)
        assert not math.isnan(value)
        assert value >= 0.0


class TestBounds:
    @FAST
    @given(agents=agents_st, rho=rho_st, aht=aht_st, threshold=threshold_st)
    def test_erlang_c_is_bounded_and_finite_when_stable(
        self, agents: int, rho: float, aht: float, threshold: float
    ) -> None:
        """Erlang C probabilities lie in [0, 1]; waits are finite whenever stable."""
        kpis = erlang_c(
            calls_per_hour=_calls_per_hour(agents, rho, aht),
            aht_s=aht,
            agents=agents,
            threshold_s=threshold,
        )
        _assert_bounded(kpis)
        if kpis.stable:
            assert math.isfinite(kpis.asa_s)
            assert math.isfinite(kpis.mean_queue)

    @FAST
    @given(agents=agents_st, rho=rho_st, aht=aht_st, threshold=threshold_st, patience=patience_st)
    def test_erlang_a_is_bounded_and_finite(
        self, agents: int, rho: float, aht: float, threshold: float, patience: float
    ) -> None:
        """Erlang A probabilities lie in [0, 1] and every wait is finite."""
        kpis = erlang_a(
            calls_per_hour=_calls_per_hour(agents, rho, aht),
            aht_s=aht,
            agents=agents,
            threshold_s=threshold,
            patience_s=patience,
        )
        _assert_bounded(kpis)
        assert kpis.stable
        assert math.isfinite(kpis.asa_s)
        assert math.isfinite(kpis.mean_queue)

    @FAST
    @given(
        agents=st.integers(min_value=1, max_value=2000),
        extra_lines=st.integers(min_value=0, max_value=2000),
        rho=rho_st,
        threshold=threshold_st,
    )
    def test_mmck_is_bounded(
        self, agents: int, extra_lines: int, rho: float, threshold: float
    ) -> None:
        """M/M/c/K probabilities lie in [0, 1] and the waits are finite."""
        kpis = mmck(
            calls_per_hour=_calls_per_hour(agents, rho, 300.0),
            aht_s=300.0,
            agents=agents,
            lines=agents + extra_lines,
            threshold_s=threshold,
        )
        values = (
            kpis.p_block,
            kpis.p_wait,
            kpis.p_wait_admitted,
            kpis.service_level,
            kpis.sl_admitted,
            kpis.occupancy,
        )
        assert all(0.0 <= v <= 1.0 for v in values)
        assert math.isfinite(kpis.asa_s)
        assert math.isfinite(kpis.mean_queue)


class TestMonotonicity:
    @FAST
    @given(agents=agents_st, load=st.floats(min_value=1e-6, max_value=20_000.0))
    def test_erlang_b_decreases_in_agents(self, agents: int, load: float) -> None:
        """One more agent never raises the blocking probability."""
        more = erlang_b(agents=agents + 1, load_erlangs=load)
        assert more <= erlang_b(agents=agents, load_erlangs=load)

    @FAST
    @given(agents=agents_st, rho=rho_st, aht=aht_st, threshold=threshold_st)
    def test_erlang_c_service_level_increases_in_agents(
        self, agents: int, rho: float, aht: float, threshold: float
    ) -> None:
        """One more agent never lowers the Erlang C service level."""
        calls = _calls_per_hour(agents, rho, aht)
        sl = [
            erlang_c(calls_per_hour=calls, aht_s=aht, agents=n, threshold_s=threshold)
            for n in (agents, agents + 1)
        ]
        assert sl[0].service_level <= sl[1].service_level + 1e-12

    @FAST
    @given(agents=agents_st, rho=rho_st, aht=aht_st, threshold=threshold_st, patience=patience_st)
    def test_erlang_a_service_level_increases_in_agents(
        self, agents: int, rho: float, aht: float, threshold: float, patience: float
    ) -> None:
        """One more agent never lowers the Erlang A service level."""
        calls = _calls_per_hour(agents, rho, aht)
        sl = [
            erlang_a(
                calls_per_hour=calls,
                aht_s=aht,
                agents=n,
                threshold_s=threshold,
                patience_s=patience,
            )
            for n in (agents, agents + 1)
        ]
        assert sl[0].service_level <= sl[1].service_level + 1e-12


class TestLimits:
    @FAST
    @given(
        agents=agents_st,
        rho=st.floats(min_value=1e-3, max_value=0.9),
        aht=st.floats(min_value=30.0, max_value=300.0),
        threshold=threshold_st,
    )
    def test_erlang_a_approaches_erlang_c_with_patience(
        self, agents: int, rho: float, aht: float, threshold: float
    ) -> None:
        """With a 1e7 s mean patience Erlang A is Erlang C to within 1e-3."""
        calls = _calls_per_hour(agents, rho, aht)
        c = erlang_c(calls_per_hour=calls, aht_s=aht, agents=agents, threshold_s=threshold)
        a = erlang_a(
            calls_per_hour=calls,
            aht_s=aht,
            agents=agents,
            threshold_s=threshold,
            patience_s=1e7,
        )
        assert (c.service_level, c.p_wait) == pytest.approx((a.service_level, a.p_wait), abs=1e-3)

    @FAST
    @given(agents=agents_st, rho=st.floats(min_value=1.0, max_value=2.0), aht=aht_st)
    def test_erlang_c_overload_is_unstable(self, agents: int, rho: float, aht: float) -> None:
        """Load at or above the agents gives stable=False and service level 0."""
        kpis = erlang_c(
            calls_per_hour=agents * rho * 3600.0 / aht * (1 + 1e-12),
            aht_s=aht,
            agents=agents,
            threshold_s=20.0,
        )
        expected = (False, 0.0)
        assert expected == (kpis.stable, kpis.service_level)


class TestLargeCentre:
    def test_ten_thousand_agents_erlang_c_is_finite(self) -> None:
        """10,000 agents at 9,800 erlangs gives finite, bounded Erlang C KPIs."""
        kpis = erlang_c(calls_per_hour=117_600, aht_s=300, agents=10_000, threshold_s=20)
        _assert_bounded(kpis)
        assert all(math.isfinite(v) for v in (kpis.asa_s, kpis.mean_queue))
        assert 0.0 < kpis.p_wait < 1.0

    @pytest.mark.parametrize("patience_s", [1.0, 300.0, 1e6])
    def test_ten_thousand_agents_erlang_a_is_finite(self, patience_s: float) -> None:
        """10,000 agents at 9,800 erlangs gives finite, bounded Erlang A KPIs."""
        kpis = erlang_a(
            calls_per_hour=117_600,
            aht_s=300,
            agents=10_000,
            threshold_s=20,
            patience_s=patience_s,
        )
        _assert_bounded(kpis)
        assert all(math.isfinite(v) for v in (kpis.asa_s, kpis.mean_queue))
        assert 0.0 < kpis.p_wait < 1.0

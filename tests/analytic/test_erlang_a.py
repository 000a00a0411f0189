"""Erlang A against the public reference cases, a brute-force chain and edge cases."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.special import betainc, logsumexp

from sim.analytic import QueueKpis, erlang_a, erlang_c, queue_kpis
from sim.analytic.erlang_a import MAX_CALLS_PER_PATIENCE, _relative_log_weights
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


ERLANG_A_CASES = _cases("erlang_a")


def _brute_force(
    *, lam: float, aht_s: float, agents: int, threshold_s: float, patience_s: float, cap: int
) -> dict[str, float]:
    """Solve the whole chain 0..agents+cap directly (no window, no shortcuts)."""
    mu, theta = 1.0 / aht_s, 1.0 / patience_s
    k = np.arange(1, agents + cap + 1)
    death = np.minimum(k, agents) * mu + np.maximum(k - agents, 0) * theta
    log_pi = np.concatenate(([0.0], np.cumsum(math.log(lam) - np.log(death))))
    pi = np.exp(log_pi - logsumexp(log_pi))
    q, j = pi[agents:], np.arange(cap + 1.0)
    x, p = agents * mu / theta, 1.0 - math.exp(-theta * threshold_s)
    p_answer = x / (x + j + 1)
    mean_answered = np.cumsum(1.0 / (agents * mu + (j + 1) * theta))
    p_abandon = float(np.sum(q * (j + 1) / (x + j + 1)))
    return {
        "p_wait": float(np.sum(q)),
        "service_level": float(
            np.sum(pi[:agents]) + np.sum(q * p_answer * betainc(j + 1, x + 1, p))
        ),
        "p_abandon": p_abandon,
        "asa_s": float(np.sum(q * p_answer * mean_answered)) / (1.0 - p_abandon),
        "mean_queue": float(np.sum(j * q)),
    }


class TestErlangAReference:
    @pytest.mark.parametrize("case", ERLANG_A_CASES, ids=[c["id"] for c in ERLANG_A_CASES])
    def test_kpis_match_reference(self, case: dict[str, Any]) -> None:
        """Every reference KPI of an Erlang A case is reproduced."""
        inputs = case["inputs"]
        kpis = erlang_a(
            calls_per_hour=inputs["calls_per_hour"],
            aht_s=inputs["aht_s"],
            agents=inputs["agents"],
            threshold_s=inputs["sl_threshold_s"],
            patience_s=inputs["patience_mean_s"],
        )
        actual = {key: getattr(kpis, QUEUE_FIELDS[key]) for key in case["outputs"]}
        assert case["outputs"] == pytest.approx(actual, rel=REL, abs=ABS)


class TestErlangABruteForce:
    @pytest.mark.parametrize(
        ("calls_per_hour", "agents", "patience_s", "cap"),
        [
            (2400.0, 100, 600.0, 1500),  # overloaded: states near 0 waiting are dropped
            (100.0, 10, 120.0, 400),  # underloaded
            (3.0, 1, 5.0, 200),  # one agent, impatient callers
        ],
        ids=["overloaded-window", "underloaded", "single-agent"],
    )
    def test_matches_full_chain(
        self, calls_per_hour: float, agents: int, patience_s: float, cap: int
    ) -> None:
        """The truncated log-space chain equals a direct solve of the whole chain."""
        kpis = erlang_a(
            calls_per_hour=calls_per_hour,
            aht_s=300.0,
            agents=agents,
            threshold_s=20.0,
            patience_s=patience_s,
        )
        expected = _brute_force(
            lam=calls_per_hour / 3600,
            aht_s=300.0,
            agents=agents,
            threshold_s=20.0,
            patience_s=patience_s,
            cap=cap,
        )
        actual = {key: getattr(kpis, key) for key in expected}
        assert expected == pytest.approx(actual, rel=1e-11, abs=1e-14)

    def test_overloaded_case_uses_the_window(self) -> None:
        """The overloaded brute-force case really starts its kept states above 0 waiting."""
        first, _ = _relative_log_weights(2400 / 3600, 100 / 300, 1 / 600)
        assert first > 0


class TestErlangA:
    def test_no_calls_is_trivial(self) -> None:
        """Zero calls: nobody waits or abandons, SL 1, no NaN."""
        kpis = erlang_a(calls_per_hour=0, aht_s=300, agents=3, threshold_s=20, patience_s=60)
        expected = (True, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0)
        actual = (
            kpis.stable,
            kpis.p_wait,
            kpis.service_level,
            kpis.asa_s,
            kpis.p_abandon,
            kpis.occupancy,
            kpis.mean_queue,
        )
        assert expected == actual

    def test_overload_is_stable(self) -> None:
        """Erlang A has a steady state even with twice as much load as agents."""
        kpis = erlang_a(calls_per_hour=1440, aht_s=300, agents=60, threshold_s=20, patience_s=60)
        assert kpis.stable
        assert math.isfinite(kpis.asa_s)
        expected = 0.5  # about half the load cannot be served
        assert expected == pytest.approx(kpis.p_abandon, abs=0.05)

    def test_mean_wait_all_is_abandon_fraction_times_patience(self) -> None:
        """Mean wait over all calls equals P(abandon) x mean patience."""
        kpis = erlang_a(calls_per_hour=720, aht_s=240, agents=50, threshold_s=20, patience_s=90)
        assert kpis.p_abandon * 90 == pytest.approx(kpis.mean_wait_all_s, rel=1e-14)

    def test_zero_threshold_sl_is_probability_of_no_wait(self) -> None:
        """At T = 0 only calls that find an idle agent count as within the threshold."""
        kpis = erlang_a(calls_per_hour=720, aht_s=240, agents=50, threshold_s=0, patience_s=90)
        assert 1.0 - kpis.p_wait == pytest.approx(kpis.service_level, rel=1e-14)

    def test_queue_kpis_dispatches_on_patience(self) -> None:
        """queue_kpis uses Erlang C without patience (or infinite patience), else Erlang A."""
        common: dict[str, Any] = {
            "calls_per_hour": 720,
            "aht_s": 240,
            "agents": 55,
            "threshold_s": 20,
        }
        expected: tuple[QueueKpis, ...] = (
            erlang_c(**common),
            erlang_c(**common),
            erlang_a(**common, patience_s=120),
        )
        actual = (
            queue_kpis(**common),
            queue_kpis(**common, patience_s=math.inf),
            queue_kpis(**common, patience_s=120),
        )
        assert expected == actual

    @pytest.mark.parametrize("patience_s", [0.0, -5.0, math.inf, math.nan])
    def test_invalid_patience_raises(self, patience_s: float) -> None:
        """Patience must be finite and positive."""
        with pytest.raises(UsageError):
            erlang_a(
                calls_per_hour=100, aht_s=300, agents=10, threshold_s=20, patience_s=patience_s
            )

    def test_a_chain_beyond_the_limit_is_refused(self) -> None:
        """Its kept states grow with sqrt(rate x patience): refused past the limit, not built."""
        common = {"aht_s": 300.0, "agents": 10, "threshold_s": 20.0, "patience_s": 1e4}
        at_limit = MAX_CALLS_PER_PATIENCE / 1e4 * 3600.0  # calls per hour
        assert erlang_a(calls_per_hour=at_limit, **common).p_abandon > 0.99
        with pytest.raises(UsageError, match="calls arrive during one mean patience"):
            erlang_a(calls_per_hour=at_limit * 1.01, **common)

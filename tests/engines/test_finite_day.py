"""Finite days that start empty, against exact transient values (not steady state).

The exact values are ratios of expectations: E[calls in target] / E[calls offered], E[sum of
waits] / E[calls offered], E[busy time] / staffed time. A replication's own ratio (in target /
offered) is biased by O(1 / calls): a busy day has more calls and longer waits, so the mean of
per-day ASAs sits below E[waits] / E[calls] (by ~0.4 SE at 2,000 MMC days). Arrivals are Poisson
with a known mean, so each replication's count or wait sum is divided by the *expected* number of
calls instead, which is exactly unbiased; the SE comes from the replications as usual.

Occupancy is busy / staffed agent time over the open hours, as in the exact values (the MMC day:
0.6969 = steady-state 0.7 less the busy time missing while the centre fills from empty). The
simulator's day and total occupancy also count the after-close slot, where agents finish the
calls still in the centre at 100 % occupancy (0.6981 on the MMC day, 0.0011 and 2.3 SE above the
exact value at 2,000 days), so the tests sum agent time over the open intervals' slots only.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math

import numpy as np
import pytest
from helpers import PUBLIC_CASES, assert_within_se, make_scenario, mean_and_se, stat_reps

from sim.scenario import Plan, build_plan
from sim.simulation import simulate

pytestmark = pytest.mark.statistical

_DATA = json.loads(PUBLIC_CASES.read_text())
MMC = next(case for case in _DATA["finite_day_cases"] if case["id"] == "ContactCenters-MMC")
TV2 = next(case for case in _DATA["time_varying_cases"] if case["id"] == "TV2")
ENGINES = ("fast", "simpy")
PROBABILITIES = frozenset({"sl", "p_wait", "occupancy"})
# A comparison must be able to fail: 4 SE at most this share of the KPI's room to be wrong
# (the value of a wait, min(p, 1 - p) of a probability), as in test_against_erlang.
RESOLUTION = 0.25
# Where an interval's counted outcome is rarer than once a day (see TestTimeVaryingDay), agreement
# is asserted at this absolute resolution: 0.2 percentage points, below anything a planner acts on.
PROBABILITY_FLOOR = 0.002


def _open_slots(values: np.ndarray, plan: Plan) -> np.ndarray:
    """Agent time ``[reps, days, slots, groups]`` of the open intervals, ``[reps, intervals]``."""
    return values[:, 0, : plan.n_intervals, :].sum(axis=-1)


def _four_se_allowed(kpi: str, expected: float) -> float:
    if kpi in PROBABILITIES:
        return RESOLUTION * min(expected, 1.0 - expected)
    return RESOLUTION * expected


# ContactCenters MMC: lambda = 4.2 / min, mu = 0.5 / min, 12 agents, AWT 20 s, 8 h from empty.
MMC_REPS = {"fast": 6000, "simpy": 120}
MMC_SEEDS = {"fast": 41, "simpy": 42}
MMC_KPIS = ("sl", "asa", "occupancy")


def _mmc_plan() -> Plan:
    inputs = MMC["inputs"]
    assert inputs["patience_mean_min"] is None
    day_h = inputs["day_min"] / 60
    return build_plan(
        make_scenario(
            calendar={
                "open": "08:00",
                "close": f"{8 + day_h:02.0f}:00",
                "interval_minutes": 60,
                "at_close": "drain",
            },
            service_level={"threshold_s": round(inputs["awt_min"] * 60, 9)},
            call_types={
                "calls": {
                    "volume": {"per_hour": inputs["lambda_per_min"] * 60},
                    "handle_time": {"dist": "exponential", "mean_s": 60 / inputs["mu_per_min"]},
                }
            },
            groups={"agents": {"headcount": inputs["agents"]}},
        )
    )


def _mmc_reference(section: str) -> dict[str, float]:
    values = MMC[section]
    return {"sl": values["sl"], "asa": values["asa_min"] * 60, "occupancy": values["occupancy"]}


@functools.cache
def mmc_values(engine: str) -> dict[str, np.ndarray]:
    """SL, ASA (s) and open-hours occupancy of each simulated MMC day (cached per engine)."""
    plan = _mmc_plan()
    result = simulate(plan, reps=stat_reps(MMC_REPS[engine]), seed=MMC_SEEDS[engine], engine=engine)
    expected_calls = float(plan.expected_calls())
    tallies = result.tallies
    busy = _open_slots(tallies.agent_sum("busy_s"), plan).sum(axis=1)
    staffed = _open_slots(tallies.agent_sum("staffed_s"), plan).sum(axis=1)
    return {
        "sl": tallies.count("answered_within_t").sum(axis=(1, 2, 3)) / expected_calls,
        "asa": tallies.call_sum("wait_answered_s").sum(axis=(1, 2, 3)) / expected_calls,
        "occupancy": busy / staffed,
    }


class TestContactCentersMmcDay:
    """The ContactCenters MMC example: an 8-hour M/M/12 day that starts empty."""

    @pytest.mark.parametrize("kpi", MMC_KPIS)
    @pytest.mark.parametrize("engine", ENGINES)
    def test_kpi_matches_exact_finite_day(self, engine: str, kpi: str) -> None:
        """The day's SL, ASA and occupancy are within 4 SE of the exact finite-day values."""
        expected = _mmc_reference("exact_finite_day")[kpi]
        assert_within_se(mmc_values(engine)[kpi], expected, label=f"{engine} MMC {kpi}")

    @pytest.mark.parametrize("kpi", MMC_KPIS)
    @pytest.mark.parametrize("engine", ENGINES)
    def test_standard_error_is_small_enough_to_fail(self, engine: str, kpi: str) -> None:
        """4 SE is a small share of the KPI, so the comparison above can fail."""
        _, se = mean_and_se(mmc_values(engine)[kpi])
        assert 4 * se <= _four_se_allowed(kpi, _mmc_reference("exact_finite_day")[kpi])

    @pytest.mark.parametrize("kpi", MMC_KPIS)
    def test_start_empty_day_is_not_steady_state(self, kpi: str) -> None:
        """Where the replications resolve it, the day differs from the steady-state value."""
        exact, steady = _mmc_reference("exact_finite_day")[kpi], _mmc_reference("steady_state")[kpi]
        mean, se = mean_and_se(mmc_values("fast")[kpi])
        # Agreeing with the exact value within 4 SE and rejecting the steady-state value at 4 SE
        # needs the two 8 SE apart. Occupancy (0.0031 apart) is; SL (0.0014) and ASA (0.09 s)
        # would need about 32,000 and 66,000 days (CCSIM_STAT_REPS=6 and 11).
        if abs(exact - steady) <= 8 * se:
            pytest.skip(f"{kpi}: exact and steady state {abs(exact - steady):.3g} apart < 8 SE")
        assert abs(mean - steady) > 4 * se


# TV2: 12 hourly intervals of a sinusoidal day, 60 agents, AHT 300 s, from empty, then drained.
TV2_REPS = {"fast": 2000, "simpy": 30}
TV2_SEEDS = {"fast": 21, "simpy": 22}
TV2_KPIS = ("sl", "p_wait", "asa", "occupancy")
_TV2_INTERVALS = TV2["per_interval"]
_TV2_CALLS = [row["expected_offered"] for row in _TV2_INTERVALS]


def _tv2_plan() -> Plan:
    inputs = TV2["inputs"]
    assert inputs["interval_s"] == 3600
    assert inputs["patience_mean_s"] is None
    n_intervals = len(inputs["calls_per_hour_by_interval"])
    return build_plan(
        make_scenario(
            calendar={
                "open": "08:00",
                "close": f"{8 + n_intervals:02d}:00",
                "interval_minutes": 60,
                "at_close": "drain",
            },
            service_level={"threshold_s": inputs["sl_threshold_s"]},
            call_types={
                "calls": {
                    # hourly intervals: calls in each interval = calls per hour
                    "volume": {"per_interval": inputs["calls_per_hour_by_interval"]},
                    "handle_time": {"dist": "exponential", "mean_s": inputs["aht_s"]},
                }
            },
            groups={"agents": {"headcount": inputs["agents"]}},
        )
    )


@functools.cache
def tv2_values(engine: str) -> dict[str, np.ndarray]:
    """Per-interval (``[reps, intervals]``) and day (``day_*``, ``[reps]``) KPIs of TV2 days.

    P(wait) is 1 - calls answered at once / expected calls, counted by the fast engine only: it
    reruns the same seed (the same sample path) with the SL threshold set to 0.
    """
    plan = _tv2_plan()
    reps, seed = stat_reps(TV2_REPS[engine]), TV2_SEEDS[engine]
    tallies = simulate(plan, reps=reps, seed=seed, engine=engine).tallies
    expected_calls = plan.rate_per_s[0] * (plan.segment_end_at - plan.segment_start_at)
    in_target = tallies.count("answered_within_t")[:, 0, :, 0]
    busy = _open_slots(tallies.agent_sum("busy_s"), plan)
    staffed = _open_slots(tallies.agent_sum("staffed_s"), plan)
    values = {
        "sl": in_target / expected_calls,
        "asa": tallies.call_sum("wait_answered_s")[:, 0, :, 0] / expected_calls,
        "occupancy": busy / staffed,
        "day_sl": in_target.sum(axis=1) / expected_calls.sum(),
        "day_occupancy": busy.sum(axis=1) / staffed.sum(axis=1),
    }
    if engine == "fast":
        no_wait_plan = dataclasses.replace(plan, threshold_s=0.0)
        no_wait = simulate(no_wait_plan, reps=reps, seed=seed, engine=engine).tallies
        values["p_wait"] = 1.0 - no_wait.count("answered_within_t")[:, 0, :, 0] / expected_calls
    return values


def _counted_share(kpi: str, interval: int) -> float:
    """Exact share of the interval's calls in the outcome that the KPI's estimator accumulates.

    SL counts calls answered in time; P(wait) counts calls answered at once; ASA sums the waits of
    calls that wait; idle time (1 - occupancy) exists only while calls are answered at once.
    """
    row = _TV2_INTERVALS[interval]
    return {
        "sl": row["sl"],
        "p_wait": 1 - row["p_wait"],
        "asa": row["p_wait"],
        "occupancy": 1 - row["p_wait"],
    }[kpi]


def _tv2_params(*, rare: bool) -> list[object]:
    """Interval KPIs whose counted outcome happens less than once a day on average (or not)."""
    return [
        pytest.param(interval, kpi, id=f"interval{interval}-{kpi}")
        for interval, calls in enumerate(_TV2_CALLS)
        for kpi in TV2_KPIS
        if (calls * _counted_share(kpi, interval) < 1.0) == rare and not (rare and kpi == "asa")
    ]


class TestTimeVaryingDay:
    """TV2: a sinusoidal day, overloaded at midday, against the exact transient chain.

    KPIs count in the interval of arrival. Where the outcome a KPI's estimator counts happens less
    than once a day (a queue that empties during the overloaded hours; any wait in the first
    hours), a replication's value is 0 on almost every day and large on the rare day it happens
    (an emptying queue answers dozens of calls at once): the replication mean is far from normal
    and its SE means little, so those intervals are held to an absolute 0.2 points instead (ASA
    there is below 1e-4 s and not compared). A binomial SE floor would not help: those calls come
    in clusters, not independently. Per-interval KPIs are also heavy-tailed across days (whether
    the midday backlog formed early, whether it lingers into the last hour): 2,000 fast-engine
    days make their means normal, the SimPy engine's 30 days do not (a 4-SE check of the ASA of
    the 10:00 or 19:00 interval over 30 days fails on about 1 seed in 10), so the SimPy engine is
    held to the day's KPIs here (the parity tests compare the engines call by call).
    """

    @pytest.mark.parametrize(("interval", "kpi"), _tv2_params(rare=False))
    def test_interval_kpi_matches_exact(self, interval: int, kpi: str) -> None:
        """The interval's SL, P(wait), ASA and occupancy are within 4 SE of the exact values."""
        values = tv2_values("fast")[kpi][:, interval]
        assert_within_se(values, _TV2_INTERVALS[interval][kpi], label=f"interval {interval} {kpi}")

    @pytest.mark.parametrize(("interval", "kpi"), _tv2_params(rare=True))
    def test_rare_outcome_interval_matches_exact_to_floor(self, interval: int, kpi: str) -> None:
        """Where the counted outcome is rarer than once a day, the KPI is within 0.2 points."""
        mean = float(np.mean(tv2_values("fast")[kpi][:, interval]))
        assert _TV2_INTERVALS[interval][kpi] == pytest.approx(mean, abs=PROBABILITY_FLOOR)

    @pytest.mark.parametrize("kpi", ["sl", "occupancy"])
    @pytest.mark.parametrize("engine", ENGINES)
    def test_day_kpi_matches_exact(self, engine: str, kpi: str) -> None:
        """The day's SL and open-hours occupancy are within 4 SE of the exact values."""
        assert_within_se(
            tv2_values(engine)[f"day_{kpi}"], TV2["day"][kpi], label=f"{engine} TV2 day {kpi}"
        )

    @pytest.mark.parametrize("kpi", ["sl", "occupancy"])
    @pytest.mark.parametrize("engine", ENGINES)
    def test_day_standard_error_is_small_enough_to_fail(self, engine: str, kpi: str) -> None:
        """4 SE of the day's KPIs is a small share of them, so the comparison can fail."""
        _, se = mean_and_se(tv2_values(engine)[f"day_{kpi}"])
        assert 4 * se <= _four_se_allowed(kpi, TV2["day"][kpi])

    def test_expected_calls_match_reference(self) -> None:
        """The scenario offers the reference's expected calls in every interval."""
        plan = _tv2_plan()
        offered = plan.rate_per_s[0] * (plan.segment_end_at - plan.segment_start_at)
        assert pytest.approx(_TV2_CALLS, rel=1e-9) == offered.tolist()
        assert math.isclose(TV2["day"]["expected_offered"], float(offered.sum()), rel_tol=1e-9)

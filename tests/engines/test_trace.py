"""Trace-driven runs: recorded arrival instants and handle times replace the streams' draws."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_parity, make_scenario

from sim.engines.base import Origin, Outcome, Trace
from sim.engines.sampling import next_arrival_delay, unit_exponentials_at, unscale_variates
from sim.rng import Purpose
from sim.scenario import Plan, build_plan
from sim.simulation import simulate

HALF_HOUR_S = 1800.0


def scenario_with_counts(counts: list[int]) -> Plan:
    """A 08:00-10:00 day whose rates are the recorded counts per half hour."""
    return build_plan(
        make_scenario(
            call_types={
                "calls": {
                    "volume": {"per_interval": counts},
                    "handle_time": {"dist": "lognormal", "mean_s": 200, "cv": 0.8},
                    "patience": {"dist": "exponential", "mean_s": 120},
                }
            },
            groups={"agents": {"headcount": [3, 4, 4, 3]}},
        )
    )


def recorded(plan: Plan, counts: list[int], seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Arrival instants (sorted, in the open intervals) and handle times, as a log would hold."""
    rng = np.random.default_rng(seed)
    starts = plan.segment_start_at
    arrived_at = np.sort(
        np.concatenate(
            [
                start + rng.uniform(0, HALF_HOUR_S, n)
                for start, n in zip(starts, counts, strict=True)
            ]
        )
    )
    handle_s = np.round(rng.lognormal(5.0, 0.7, len(arrived_at)))
    return arrived_at, handle_s


def trace_of(plan: Plan, arrived_at: np.ndarray, handle_s: np.ndarray) -> Trace:
    """The trace that replays the recorded calls of the single call type."""
    arrivals = unit_exponentials_at(
        arrived_at, plan.segment_start_at, plan.segment_end_at, plan.rate_per_s[0]
    )
    segments = np.searchsorted(plan.segment_start_at, arrived_at, side="right") - 1
    handles = np.array(
        [
            unscale_variates(
                int(plan.handle_code[0]),
                float(plan.handle_p1[0, s]),
                float(plan.handle_p2[0, s]),
                np.array([h]),
            )[0]
            for s, h in zip(segments, handle_s, strict=True)
        ]
    )
    return Trace({(int(Purpose.ARRIVALS), 0): arrivals, (int(Purpose.HANDLE), 0): handles})


COUNTS = [20, 45, 0, 30]  # the third half hour has no calls: a zero-rate segment to skip


class TestUnitExponentials:
    """The time change and its inverse."""

    def test_delays_reproduce_the_instants(self) -> None:
        """Feeding the unit exponentials to next_arrival_delay gives back every instant."""
        plan = scenario_with_counts(COUNTS)
        arrived_at, _ = recorded(plan, COUNTS, seed=3)
        draws = unit_exponentials_at(
            arrived_at, plan.segment_start_at, plan.segment_end_at, plan.rate_per_s[0]
        )
        now, segment, replayed = 0.0, 0, []
        for draw in draws:
            delay, segment = next_arrival_delay(
                now, segment, draw, plan.segment_start_at, plan.segment_end_at, plan.rate_per_s[0]
            )
            if delay == np.inf:
                break
            now += delay
            replayed.append(now)
        np.testing.assert_allclose(replayed, arrived_at, rtol=0, atol=1e-6)

    def test_arrival_outside_the_rated_hours_is_refused(self) -> None:
        """An instant in a zero-rate segment cannot be replayed."""
        plan = scenario_with_counts(COUNTS)
        with pytest.raises(ValueError, match="no arrival rate"):
            unit_exponentials_at(
                np.array([plan.segment_start_at[2] + 5.0]),
                plan.segment_start_at,
                plan.segment_end_at,
                plan.rate_per_s[0],
            )


@pytest.fixture(scope="module")
def replay() -> tuple[Plan, np.ndarray, np.ndarray, Trace]:
    """A plan, its recorded calls and their trace."""
    plan = scenario_with_counts(COUNTS)
    arrived_at, handle_s = recorded(plan, COUNTS, seed=4)
    return plan, arrived_at, handle_s, trace_of(plan, arrived_at, handle_s)


class TestReplay:
    """Both engines replay the recorded calls exactly, and identically."""

    @pytest.mark.parametrize("engine", ["simpy", "fast"])
    def test_calls_arrive_when_recorded_and_keep_their_handle_times(
        self, replay: tuple[Plan, np.ndarray, np.ndarray, Trace], engine: str
    ) -> None:
        """Fresh calls: the recorded instants in order; answered: the recorded handle time."""
        plan, arrived_at, handle_s, trace = replay
        result = simulate(plan, reps=3, seed=1, engine=engine, keep_records=True, trace=trace)
        calls = result.calls
        assert calls is not None
        for rep in range(3):
            fresh = (calls.rep == rep) & (calls.origin == Origin.FRESH)
            np.testing.assert_allclose(calls.arrived_at[fresh], arrived_at, rtol=0, atol=1e-6)
            answered = fresh & (calls.outcome == Outcome.ANSWERED)
            order = calls.call_id[fresh].argsort()
            expected = handle_s[order][answered[fresh][order]]
            np.testing.assert_allclose(calls.handle_s[answered], expected, rtol=1e-9)

    def test_engines_give_identical_records(
        self, replay: tuple[Plan, np.ndarray, np.ndarray, Trace]
    ) -> None:
        """The same trace and seed: the same records in both engines."""
        plan, _, _, trace = replay
        assert_parity(
            simulate(plan, reps=4, seed=2, engine="simpy", keep_records=True, trace=trace),
            simulate(plan, reps=4, seed=2, engine="fast", keep_records=True, trace=trace),
        )

    def test_patience_still_varies_by_replication(
        self, replay: tuple[Plan, np.ndarray, np.ndarray, Trace]
    ) -> None:
        """Streams the trace does not name draw as usual: patience differs between reps."""
        plan, _, _, trace = replay
        calls = simulate(plan, reps=2, seed=2, engine="fast", keep_records=True, trace=trace).calls
        assert calls is not None
        first, second = (calls.patience_s[calls.rep == r] for r in (0, 1))
        assert not np.array_equal(first, second)

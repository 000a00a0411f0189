"""Results depend on (seed, replication) only: not on reruns, threads or how many replications."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest
from helpers import SCENARIOS, make_scenario

from sim import simulate
from sim.engines.base import CallRecords, ShiftRecords, Tallies
from sim.scenario import Scenario, load_scenario
from sim.simulation import SimulationResult

ENGINES = ["simpy", "fast"]


def small_scenario() -> Scenario:
    """Two hours, impatient callers, a headcount dip: a few hundred calls per replication."""
    return make_scenario(
        call_types={
            "calls": {
                "volume": {"per_hour": 150},
                "handle_time": {"dist": "lognormal", "mean_s": 200, "cv": 1.0, "acw_s": 10},
                "patience": {"dist": "exponential", "mean_s": 120},
            }
        },
        groups={"agents": {"headcount": [7, 9, 6, 8]}},
    )


def run(engine: str, *, reps: int, seed: int, workers: int | None = None) -> SimulationResult:
    """Simulate the small scenario with records."""
    return simulate(
        small_scenario(), reps=reps, seed=seed, engine=engine, keep_records=True, workers=workers
    )


def records(result: SimulationResult) -> tuple[CallRecords, ShiftRecords]:
    """The call and shift records of a run that kept them."""
    assert result.calls is not None
    assert result.shifts is not None
    return result.calls, result.shifts


def records_equal(a: CallRecords | ShiftRecords, b: CallRecords | ShiftRecords) -> bool:
    """Whether two record sets are identical in every column (NaN equal to NaN)."""
    return len(a) == len(b) and all(
        np.array_equal(
            getattr(a, f.name), getattr(b, f.name), equal_nan=f.name.endswith(("_at", "_s"))
        )
        for f in fields(a)
    )


def tallies_equal(a: Tallies, b: Tallies) -> bool:
    """Whether two tallies are identical, bit for bit."""
    return (
        np.array_equal(a.call_counts, b.call_counts)
        and np.array_equal(a.call_sums, b.call_sums)
        and np.array_equal(a.agent_sums, b.agent_sums)
    )


def first_reps(records: CallRecords | ShiftRecords, n: int) -> CallRecords | ShiftRecords:
    """The records of replications ``0 .. n-1``."""
    keep = records.rep < n
    return type(records)(**{f.name: getattr(records, f.name)[keep] for f in fields(records)})


@pytest.mark.parametrize("engine", ENGINES)
class TestSameSeed:
    """The same seed gives the same numbers."""

    def test_rerun_is_identical(self, engine: str) -> None:
        """Two runs with one seed give identical tallies, call records and shift records."""
        a, b = run(engine, reps=3, seed=42), run(engine, reps=3, seed=42)
        (a_calls, a_shifts), (b_calls, b_shifts) = records(a), records(b)
        assert tallies_equal(a.tallies, b.tallies)
        assert records_equal(a_calls, b_calls)
        assert records_equal(a_shifts, b_shifts)

    def test_different_seeds_differ(self, engine: str) -> None:
        """Another seed gives other arrivals and other tallies."""
        a, b = run(engine, reps=2, seed=42), run(engine, reps=2, seed=43)
        assert not records_equal(records(a)[0], records(b)[0])
        assert not np.array_equal(a.tallies.call_sums, b.tallies.call_sums)

    def test_replications_differ(self, engine: str) -> None:
        """Replications of one run draw from different streams."""
        calls, _ = records(run(engine, reps=2, seed=42))
        first = calls.arrived_at[calls.rep == 0]
        second = calls.arrived_at[calls.rep == 1]
        assert first[0] != second[0]

    def test_replication_depends_on_seed_and_index_only(self, engine: str) -> None:
        """Replications 0-2 are the same whether 3 or 10 replications run."""
        few, many = run(engine, reps=3, seed=5), run(engine, reps=10, seed=5)
        (few_calls, few_shifts), (many_calls, many_shifts) = records(few), records(many)
        assert records_equal(few_calls, first_reps(many_calls, 3))
        assert records_equal(few_shifts, first_reps(many_shifts, 3))
        assert np.array_equal(few.tallies.call_counts, many.tallies.call_counts[:3])
        assert np.array_equal(few.tallies.call_sums, many.tallies.call_sums[:3])
        assert np.array_equal(few.tallies.agent_sums, many.tallies.agent_sums[:3])


class TestFastEngineThreads:
    """The fast engine's thread count never changes the numbers."""

    def test_one_and_four_workers_identical(self) -> None:
        """workers=1 and workers=4 give identical tallies and records."""
        one, four = run("fast", reps=8, seed=9, workers=1), run("fast", reps=8, seed=9, workers=4)
        (one_calls, one_shifts), (four_calls, four_shifts) = records(one), records(four)
        assert tallies_equal(one.tallies, four.tallies)
        assert records_equal(one_calls, four_calls)
        assert records_equal(one_shifts, four_shifts)

    def test_demo_scenario_with_threads(self) -> None:
        """The demo scenario gives identical tallies on 1 and 4 threads, with or without records."""
        scenario = load_scenario(SCENARIOS / "retail_bank_day.yaml")
        one = simulate(scenario, reps=6, seed=3, engine="fast", workers=1)
        four = simulate(scenario, reps=6, seed=3, engine="fast", workers=4, keep_records=True)
        assert tallies_equal(one.tallies, four.tallies)

    def test_records_kept_or_not_same_tallies(self) -> None:
        """Keeping records does not change the tallies."""
        kept = simulate(small_scenario(), reps=4, seed=1, engine="fast", keep_records=True)
        not_kept = simulate(small_scenario(), reps=4, seed=1, engine="fast", keep_records=False)
        assert not_kept.calls is None
        assert tallies_equal(kept.tallies, not_kept.tallies)

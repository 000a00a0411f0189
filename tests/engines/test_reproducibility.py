"""Results depend on (seed, replication) only: not on reruns, threads or how many replications."""

from __future__ import annotations

import dataclasses
from dataclasses import fields

import numpy as np
import pytest
from helpers import SCENARIOS, make_scenario

from sim import simulate
from sim.engines.base import (
    BreakRecords,
    CallRecords,
    EngineOutput,
    Origin,
    RecordsT,
    ShiftRecords,
    Tallies,
)
from sim.engines.fast import engine as fast
from sim.engines.replication import draw_realisation, realisation_varies
from sim.rng import CALL_PURPOSES
from sim.scenario import Plan, Scenario, build_plan, load_scenario
from sim.scenario.plan import RosterKind
from sim.simulation import SimulationResult

ENGINES = ["simpy", "fast"]
Records = CallRecords | ShiftRecords | BreakRecords


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


def generalised_plan(**changes: object) -> Plan:
    """The small scenario with busy days, absences, breaks, redials and repeat calls."""
    plan = build_plan(small_scenario())
    agents = np.unique(plan.roster_who[plan.roster_kind == RosterKind.ON])
    on_at = plan.roster_at[plan.roster_kind == RosterKind.ON].min()
    at = np.concatenate([plan.roster_at, on_at + 1800.0 + 120.0 * agents])
    kind = np.concatenate([plan.roster_kind, np.full(len(agents), int(RosterKind.BREAK))])
    who = np.concatenate([plan.roster_who, agents])
    order = np.lexsort((who, kind, at))
    features: dict[str, object] = {
        "roster_at": at[order],
        "roster_kind": kind[order],
        "roster_who": who[order],
        "roster_day": np.concatenate([plan.roster_day, np.zeros(len(agents), dtype=int)])[order],
        "roster_length_s": np.concatenate([plan.roster_length_s, np.full(len(agents), 600.0)])[
            order
        ],
        "day_cv_shared": 0.2,
        "day_cv": np.array([0.1]),
        "absenteeism": np.array([0.15]),
        "redial_probability": np.array([0.5]),
        "redial_delay_s": np.array([300.0]),
        "redial_max_attempts": np.array([10]),
        "tier_fcr": np.array([[0.85]]),
        "repeat_delay_s": np.array([600.0]),
    }
    return dataclasses.replace(plan, **{**features, **changes})


def run(engine: str, *, reps: int, seed: int, workers: int | None = None) -> SimulationResult:
    """Simulate the small scenario with records."""
    return simulate(
        small_scenario(), reps=reps, seed=seed, engine=engine, keep_records=True, workers=workers
    )


def run_generalised(
    engine: str, *, reps: int, seed: int, workers: int | None = None, **changes: object
) -> SimulationResult:
    """Simulate :func:`generalised_plan` with records."""
    plan = generalised_plan(**changes)
    return simulate(plan, reps=reps, seed=seed, engine=engine, keep_records=True, workers=workers)


def records(result: SimulationResult) -> tuple[CallRecords, ShiftRecords]:
    """The call and shift records of a run that kept them."""
    assert result.calls is not None
    assert result.shifts is not None
    return result.calls, result.shifts


def all_records(result: SimulationResult) -> tuple[CallRecords, ShiftRecords, BreakRecords]:
    """The call, shift and break records of a run that kept them."""
    assert result.breaks is not None
    return (*records(result), result.breaks)


def records_equal(a: Records, b: Records) -> bool:
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
        and np.array_equal(a.group_calls, b.group_calls)
    )


def engine_outputs_equal(a: EngineOutput, b: EngineOutput, rep: int, slot: int = 0) -> bool:
    """Whether replication ``rep`` has the same records in ``a`` and ``b``, and the same tallies
    in ``a``'s tally slot ``slot`` and ``b``'s slot ``rep``."""
    assert a.records is not None
    assert b.records is not None
    same_records = all(
        records_equal(
            of_rep(getattr(a.records, f.name), rep), of_rep(getattr(b.records, f.name), rep)
        )
        for f in fields(a.records)
    )
    same_tallies = all(
        np.array_equal(getattr(a.tallies, f.name)[slot], getattr(b.tallies, f.name)[rep])
        for f in fields(a.tallies)
    )
    return same_records and same_tallies


def of_rep(records: RecordsT, rep: int) -> RecordsT:
    """The records of replication ``rep``."""
    keep = records.rep == rep
    return type(records)(**{f.name: getattr(records, f.name)[keep] for f in fields(records)})


def first_reps(records: Records, n: int) -> Records:
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


@pytest.mark.parametrize("engine", ENGINES)
class TestGeneralisedPlan:
    """Busy days, absences, breaks, redials and repeat calls keep results reproducible."""

    def test_the_plan_exercises_its_features(self, engine: str) -> None:
        """Replications have breaks, redials, repeat calls, absences and busy-day multipliers."""
        result = run_generalised(engine, reps=3, seed=42)
        calls, _, breaks = all_records(result)
        assert len(breaks) > 0
        assert (calls.origin == Origin.REDIAL).any()
        assert (calls.origin == Origin.REPEAT).any()
        realisations = [draw_realisation(result.plan, 42, rep) for rep in range(3)]
        assert any(r.absent.any() for r in realisations)
        assert all(np.all(r.day_multiplier != 1.0) for r in realisations)

    def test_rerun_is_identical(self, engine: str) -> None:
        """Two runs with one seed give identical tallies and call, shift and break records."""
        a, b = run_generalised(engine, reps=3, seed=42), run_generalised(engine, reps=3, seed=42)
        assert tallies_equal(a.tallies, b.tallies)
        for x, y in zip(all_records(a), all_records(b), strict=True):
            assert records_equal(x, y)

    def test_replication_depends_on_seed_and_index_only(self, engine: str) -> None:
        """Replications 0-1 are the same whether 2 or 5 replications run."""
        few, many = run_generalised(engine, reps=2, seed=5), run_generalised(engine, reps=5, seed=5)
        for x, y in zip(all_records(few), all_records(many), strict=True):
            assert records_equal(x, first_reps(y, 2))
        assert np.array_equal(few.tallies.group_calls, many.tallies.group_calls[:2])
        assert np.array_equal(few.tallies.agent_sums, many.tallies.agent_sums[:2])

    def test_secondary_calls_never_shift_fresh_draws(self, engine: str) -> None:
        """Fresh calls draw the same arrivals and patience whatever redials and absences do."""
        base = all_records(run_generalised(engine, reps=2, seed=8))[0]
        other = all_records(
            run_generalised(
                engine,
                reps=2,
                seed=8,
                redial_probability=np.array([0.9]),
                absenteeism=np.array([0.4]),
                tier_fcr=np.array([[0.5]]),
            )
        )[0]
        fresh_base, fresh_other = base.origin == Origin.FRESH, other.origin == Origin.FRESH
        assert not records_equal(base, other)
        for name in ("rep", "call_type", "arrived_at", "patience_s"):
            expected = getattr(base, name)[fresh_base]
            assert np.array_equal(expected, getattr(other, name)[fresh_other]), name


class TestGeneralisedThreads:
    """The fast engine's thread count never changes the numbers of the generalised plan."""

    def test_one_and_four_workers_identical(self) -> None:
        """workers=1 and workers=4 give identical tallies and records."""
        one = run_generalised("fast", reps=8, seed=9, workers=1)
        four = run_generalised("fast", reps=8, seed=9, workers=4)
        assert tallies_equal(one.tallies, four.tallies)
        for x, y in zip(all_records(one), all_records(four), strict=True):
            assert records_equal(x, y)


class TestFastEngineBuffers:
    """Buffers sized too small only cost reruns: the numbers never depend on the sizes."""

    def test_tiny_buffers_give_the_same_records(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Every buffer and draw block starting at a few entries changes no record or tally."""
        expected = run_generalised("fast", reps=4, seed=11, workers=1)
        real_for_plan = fast._Capacity.for_plan

        def tiny(plan: Plan) -> fast._Capacity:
            capacity = real_for_plan(plan)
            return dataclasses.replace(
                capacity, calls=4, attempts=1, records=1, draw_scale=capacity.draw_scale * 1e-3
            )

        monkeypatch.setattr(fast._Capacity, "for_plan", staticmethod(tiny))
        actual = run_generalised("fast", reps=4, seed=11, workers=2)
        assert all(
            records_equal(a, b)
            for a, b in zip(all_records(expected), all_records(actual), strict=True)
        )
        assert tallies_equal(expected.tallies, actual.tallies)

    def test_a_replication_alone_equals_it_after_others(self) -> None:
        """Replications one after another on a thread (its buffers reused) carry nothing over."""
        plan = generalised_plan()
        together = fast.FastEngine().run(plan, seed=13, reps=4, keep_records=True, workers=1)
        for rep in range(4):
            alone = fast.FastEngine().run(
                plan, seed=13, reps=1, keep_records=True, workers=1, first_rep=rep
            )
            assert engine_outputs_equal(alone, together, rep)

    def test_a_realisation_drawn_once_equals_one_drawn_each_time(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without busyness or absences the realisation is drawn once: no number changes."""
        assert realisation_varies(generalised_plan())
        plan = generalised_plan(
            day_cv_shared=0.0, day_cv=np.array([0.0]), absenteeism=np.array([0.0])
        )
        assert not realisation_varies(plan)
        once = fast.FastEngine().run(plan, seed=21, reps=3, keep_records=True, workers=1)
        monkeypatch.setattr(fast, "realisation_varies", lambda _: True)
        each_time = fast.FastEngine().run(plan, seed=21, reps=3, keep_records=True, workers=1)
        for rep in range(3):
            assert engine_outputs_equal(once, each_time, rep, rep)

    def test_draw_blocks_fit_the_expected_calls(self) -> None:
        """On the multi-skill week, the per-call draws of a replication are at most 10 a call."""
        plan = build_plan(load_scenario(SCENARIOS / "multiskill_bank.yaml"))
        realisation = draw_realisation(plan, 1, 0)
        scale = np.ones((len(CALL_PURPOSES), 2 * plan.n_call_types))
        sizes = fast.draw_block_sizes(
            plan, realisation.rate_per_s, fast._secondary_share(plan), scale
        )
        result = simulate(plan, reps=1, seed=1, engine="fast")
        calls = float(result.tallies.count("offered").sum())
        drawn = float((sizes * fast._draws_taken(plan)).sum())
        assert drawn / calls <= 10.0

    def test_secondary_blocks_are_sized_from_what_replications_used(self) -> None:
        """After replication 0 the share of redials and repeats it used sizes the blocks.

        The kernel moves each block's start past the draws it took: the largest secondary
        block of a type counts that type's redials and repeat calls.
        """
        plan = build_plan(load_scenario(SCENARIOS / "multiskill_bank.yaml"))
        tallies = Tallies.zeros(plan, 2)
        runner = fast._ReplicationRunner(plan, fast.pack(plan), 3, tallies, True, 0, None)
        guess = runner.secondary_share.now().copy()
        calls = runner.run(0).calls
        _, _, fresh_calls = runner.fixed or runner._realisation(0)
        secondary = np.bincount(
            calls.call_type[calls.origin != Origin.FRESH], minlength=plan.n_call_types
        ).astype(float)
        assert np.array_equal(
            runner.secondary_share.now(), np.maximum(secondary / fresh_calls, guess / 4.0)
        )
        assert np.all(runner.secondary_share.now() < guess)  # the guess is made large
        learned = runner.block_sizes(fresh_calls, runner.capacity)
        runner.secondary_share.seen = None
        assert learned.sum() < runner.block_sizes(fresh_calls, runner.capacity).sum()

    def test_the_secondary_share_keeps_the_largest_seen_and_a_floor(self) -> None:
        """Each type's share is the largest used so far, never under a quarter of the guess."""
        share = fast._SecondaryShare(np.array([0.4, 0.2]))
        used = np.zeros((len(CALL_PURPOSES), 4), dtype=np.int64)
        used[1, 2:] = [30, 0]  # 30 secondary calls of type 0, none of type 1
        share.learn(used, np.array([100.0, 50.0]))
        assert share.now().tolist() == [0.3, 0.05]
        used[1, 2:] = [10, 20]
        share.learn(used, np.array([100.0, 50.0]))
        assert share.now().tolist() == [0.3, 0.4]

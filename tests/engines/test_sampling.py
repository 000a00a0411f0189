"""Per-call draws: block draws equal one-at-a-time draws, numba equals Python, arrivals are Poisson.

Exact parity of the two engines rests on these properties: the SimPy engine draws standard
variates one at a time, the fast engine in blocks, and both turn them into seconds with the same
arithmetic (:func:`scale_variate`, :func:`next_arrival_delay`, :func:`segment_at`), compiled by
numba in the kernel. Both take the same streams (:mod:`sim.rng`), the same per-call draw and
routing tables (:mod:`sim.engines.tables`) and the same per-replication realisation (busy days,
absences: :mod:`sim.engines.replication`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
import pytest
from helpers import make_scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engines.fast.kernel import (
    _empirical_value,
    _next_arrival_delay,
    _scale_variate,
    _segment_at,
)
from sim.engines.replication import draw_realisation
from sim.engines.sampling import (
    empirical_value,
    next_arrival_delay,
    scale_variate,
    segment_at,
    standard_variate,
    standard_variates,
    takes_draw,
)
from sim.engines.tables import call_draws, eligible_after_s
from sim.rng import CALL_PURPOSES, Purpose, call_streams, stream
from sim.scenario import Plan, build_plan
from sim.scenario.distributions import DistCode, dist_parameters
from sim.scenario.plan import RosterKind, inbound_group_tables

# (dist, mean_s, cv) of every distribution an engine can be asked to draw from.
SPECS = [
    ("exponential", 180.0, None),
    ("lognormal", 240.0, 0.9),
    ("lognormal", 30.0, 2.5),
    ("gamma", 300.0, 0.5),  # shape 4
    ("gamma", 300.0, 1.0),  # shape 1
    ("gamma", 300.0, 2.0),  # shape 0.25: NumPy's other gamma algorithm
    ("deterministic", 60.0, None),
    ("none", None, None),
]
SPEC_IDS = [f"{d}-{m}-{c}" for d, m, c in SPECS]


def _generator(seed: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(seed))


class TestStandardVariates:
    """A block of standard variates is the sequence of one-at-a-time draws."""

    @pytest.mark.parametrize(("dist", "mean_s", "cv"), SPECS, ids=SPEC_IDS)
    def test_block_equals_one_at_a_time(self, dist: str, mean_s: float, cv: float) -> None:
        """n draws in one block are bit-identical to n single draws from the same stream."""
        code, p1, _ = dist_parameters(dist, mean_s, cv)
        block = standard_variates(_generator(7), int(code), p1, 500)
        single = _generator(7)
        one_by_one = np.array([standard_variate(single, int(code), p1) for _ in range(500)])
        assert np.array_equal(one_by_one, block)

    @pytest.mark.parametrize(("dist", "mean_s", "cv"), SPECS, ids=SPEC_IDS)
    def test_blocks_concatenate(self, dist: str, mean_s: float, cv: float) -> None:
        """Two consecutive blocks are the same numbers as one block of their total length."""
        code, p1, _ = dist_parameters(dist, mean_s, cv)
        rng = _generator(11)
        parts = [standard_variates(rng, int(code), p1, n) for n in (37, 163)]
        assert np.array_equal(
            standard_variates(_generator(11), int(code), p1, 200), np.concatenate(parts)
        )

    @pytest.mark.parametrize(("dist", "mean_s", "cv"), SPECS, ids=SPEC_IDS)
    def test_only_random_distributions_consume_the_stream(
        self, dist: str, mean_s: float, cv: float
    ) -> None:
        """Deterministic and none take no draw (zeros); the others advance the stream."""
        code, p1, _ = dist_parameters(dist, mean_s, cv)
        rng = _generator(3)
        block = standard_variates(rng, int(code), p1, 10)
        after = rng.standard_exponential()
        untouched = _generator(3).standard_exponential()
        if takes_draw(int(code)):
            assert after != untouched
        else:
            assert np.array_equal(np.zeros(10), block)
            assert untouched == after
            assert standard_variate(_generator(3), int(code), p1) == 0.0

    def test_takes_draw_codes(self) -> None:
        """Exponential, lognormal, gamma, empirical take a draw; deterministic and none do not."""
        expected = {
            DistCode.NONE: False,
            DistCode.EXPONENTIAL: True,
            DistCode.LOGNORMAL: True,
            DistCode.GAMMA: True,
            DistCode.DETERMINISTIC: False,
            DistCode.EMPIRICAL: True,
        }
        assert expected == {code: takes_draw(int(code)) for code in DistCode}


class TestEmpirical:
    """Empirical talk times: a uniform picks a value by rank, in both engines alike."""

    def test_block_equals_one_at_a_time(self) -> None:
        """The uniforms of a block are the single draws, in order."""
        code = int(DistCode.EMPIRICAL)
        single = _generator(5)
        one_by_one = np.array([standard_variate(single, code, 0.0) for _ in range(300)])
        assert np.array_equal(one_by_one, standard_variates(_generator(5), code, 0.0, 300))

    @given(st.floats(min_value=0.0, max_value=1.0, exclude_max=True))
    @settings(max_examples=200, deadline=None)
    def test_compiled_equals_python_and_picks_by_rank(self, uniform: float) -> None:
        """Value floor(u * n) of the sorted values, scaled; numba and Python agree."""
        values = np.array([10.0, 20.0, 30.0, 40.0, 0.0])  # one padding zero after the 4 values
        expected = 1.5 * values[int(uniform * 4)]
        assert expected == empirical_value(1.5, 4.0, uniform, values)
        assert expected == _empirical_value(1.5, 4.0, uniform, values)


class TestScaleVariate:
    """Standard variates -> seconds, identical in Python and in the kernel's compiled copy."""

    @pytest.mark.parametrize(("dist", "mean_s", "cv"), SPECS, ids=SPEC_IDS)
    def test_numba_equals_python(self, dist: str, mean_s: float, cv: float) -> None:
        """The compiled scale_variate gives bit-identical seconds for 2,000 draws."""
        code, p1, p2 = dist_parameters(dist, mean_s, cv)
        variates = standard_variates(_generator(5), int(code), p1, 2000)
        python = [scale_variate(int(code), p1, p2, v) for v in variates]
        compiled = [_scale_variate(int(code), p1, p2, v) for v in variates]
        assert np.array_equal(np.array(python), np.array(compiled))

    @pytest.mark.parametrize(("dist", "mean_s", "cv"), SPECS[:6], ids=SPEC_IDS[:6])
    def test_sample_mean_matches_the_spec(self, dist: str, mean_s: float, cv: float) -> None:
        """Scaled draws have the scenario's mean within 4 standard errors."""
        code, p1, p2 = dist_parameters(dist, mean_s, cv)
        variates = standard_variates(_generator(9), int(code), p1, 20_000)
        values = np.array([scale_variate(int(code), p1, p2, v) for v in variates])
        se = values.std(ddof=1) / math.sqrt(len(values))
        assert abs(values.mean() - mean_s) <= 4 * se

    def test_fixed_values(self) -> None:
        """Deterministic gives its value whatever the variate; none gives infinity."""
        code, p1, p2 = dist_parameters("deterministic", 42.0, None)
        expected = 42.0
        assert expected == scale_variate(int(code), p1, p2, 0.0)
        assert expected == _scale_variate(int(code), p1, p2, 123.0)
        code, p1, p2 = dist_parameters("none", None, None)
        assert math.inf == scale_variate(int(code), p1, p2, 0.0)
        assert math.inf == _scale_variate(int(code), p1, p2, 0.0)


# Two "days": segments with a zero rate, and closed hours between 300 s and 1000 s.
START_AT = np.array([0.0, 100.0, 200.0, 1000.0, 1100.0])
END_AT = np.array([100.0, 200.0, 300.0, 1100.0, 1200.0])
RATE_PER_S = np.array([0.2, 0.0, 0.05, 0.5, 0.0])


def _arrivals(
    draws: np.ndarray, function: Callable = next_arrival_delay
) -> list[tuple[float, int]]:
    """Arrival instants and segments as an engine computes them from unit-exponential draws."""
    now, segment, out = 0.0, 0, []
    for draw in draws:
        delay_s, segment = function(now, segment, draw, START_AT, END_AT, RATE_PER_S)
        if delay_s == math.inf:
            return out
        now += delay_s
        out.append((now, segment))
    pytest.fail("ran out of draws")


class TestNextArrivalDelay:
    """Piecewise-constant Poisson arrivals from unit-exponential draws."""

    def test_numba_equals_python(self) -> None:
        """The compiled next_arrival_delay gives bit-identical delays and segments."""
        draws = _generator(1).standard_exponential(10_000)
        python = _arrivals(draws)
        compiled = _arrivals(draws, _next_arrival_delay)
        assert len(python) > 50
        assert python == compiled

    def test_arrivals_fall_in_their_open_segment(self) -> None:
        """Each arrival lies in [start, end) of its segment, whose rate is positive."""
        draws = _generator(2).standard_exponential(20_000)
        for rep in range(100):
            arrivals = _arrivals(draws[rep * 200 : (rep + 1) * 200])
            times = np.array([at for at, _ in arrivals])
            segments = np.array([s for _, s in arrivals], dtype=int)
            assert np.all(np.diff(times) > 0)
            assert np.all(START_AT[segments] <= times)
            assert np.all(times < END_AT[segments])
            assert np.all(RATE_PER_S[segments] > 0)

    def test_counts_per_segment_are_poisson(self) -> None:
        """Arrivals per segment have mean and variance rate x length (4 SE), none where rate 0."""
        n_reps = 400
        draws = _generator(3).standard_exponential((n_reps, 200))
        counts = np.zeros((n_reps, len(START_AT)))
        for rep in range(n_reps):
            for _, segment in _arrivals(draws[rep]):
                counts[rep, segment] += 1
        expected = RATE_PER_S * (END_AT - START_AT)
        assert np.all(counts[:, expected == 0] == 0)
        for segment in np.flatnonzero(expected > 0):
            lam = expected[segment]
            mean, var = counts[:, segment].mean(), counts[:, segment].var(ddof=1)
            assert abs(mean - lam) <= 4 * math.sqrt(lam / n_reps)
            assert abs(var - lam) <= 4 * math.sqrt((lam + 2 * lam * lam) / n_reps)

    def test_one_draw_per_arrival_plus_one(self) -> None:
        """Each arrival takes one draw and one more draw finds that none follows."""
        draws = _generator(4).standard_exponential(1000)
        arrivals = _arrivals(draws)
        now, segment = arrivals[-1]
        delay_s, last = next_arrival_delay(
            now, segment, draws[len(arrivals)], START_AT, END_AT, RATE_PER_S
        )
        assert (math.inf, len(START_AT)) == (delay_s, last)

    def test_all_zero_rates_give_no_arrival(self) -> None:
        """With every rate zero the first draw already finds no arrival."""
        zero = np.zeros(len(START_AT))
        assert (math.inf, len(START_AT)) == next_arrival_delay(0.0, 0, 0.5, START_AT, END_AT, zero)

    @settings(max_examples=200, deadline=None)
    @given(
        lengths=st.lists(st.integers(1, 500), min_size=1, max_size=6),
        gaps=st.lists(st.integers(0, 300), min_size=6, max_size=6),
        rates=st.lists(st.sampled_from([0.0, 0.001, 0.1, 1.0, 3.7]), min_size=6, max_size=6),
        draws=st.lists(st.floats(0.0, 20.0), min_size=1, max_size=30),
    )
    def test_any_piecewise_rate(
        self, lengths: list[int], gaps: list[int], rates: list[float], draws: list[float]
    ) -> None:
        """Any segments and draws: arrivals come in order, inside open segments of positive rate."""
        start_at, t = [], 28_800.0
        for length, gap in zip(lengths, gaps, strict=False):
            start_at.append(t + gap)
            t += gap + length
        start = np.array(start_at)
        end = start + np.array(lengths, dtype=float)
        rate = np.array(rates[: len(lengths)])
        now, segment = 0.0, 0
        for draw in draws:
            delay_s, new_segment = next_arrival_delay(now, segment, draw, start, end, rate)
            compiled = _next_arrival_delay(now, segment, draw, start, end, rate)
            assert (delay_s, new_segment) == compiled
            if delay_s == math.inf:
                assert len(start) == new_segment
                break
            assert segment <= new_segment
            at = now + delay_s
            assert now <= at
            assert start[new_segment] <= at < end[new_segment]
            assert rate[new_segment] > 0
            now, segment = at, new_segment


class TestSegmentAt:
    """The arrival segment of an instant, as redials and repeat calls find theirs."""

    @pytest.mark.parametrize(
        ("at", "expected"),
        [
            (-1.0, -1),  # before the first opening
            (0.0, 0),  # a segment includes its start
            (99.999, 0),
            (100.0, 1),  # and excludes its end
            (299.0, 2),
            (300.0, -1),  # closed hours
            (999.0, -1),
            (1000.0, 3),
            (1199.0, 4),  # zero-rate segments still count as open
            (1200.0, -1),
            (1e9, -1),
        ],
    )
    def test_instants(self, at: float, expected: int) -> None:
        """Open instants map to their segment, closed ones to -1; numba agrees with Python."""
        assert expected == segment_at(at, START_AT, END_AT)
        assert expected == _segment_at(at, START_AT, END_AT)


class TestStreams:
    """One generator per (seed, replication, purpose, index), independent of everything else."""

    def test_stream_is_the_spawned_grandchild(self) -> None:
        """stream() equals SeedSequence(seed).spawn()[rep].spawn()[purpose].spawn()[index]."""
        child = np.random.SeedSequence(12).spawn(3)[2].spawn(6)[int(Purpose.REDIAL_DELAY)]
        grandchild = child.spawn(4)[3]
        expected = np.random.Generator(np.random.PCG64(grandchild)).random(5)
        assert np.array_equal(expected, stream(12, 2, Purpose.REDIAL_DELAY, 3).random(5))

    def test_call_streams_are_fresh_then_secondary(self) -> None:
        """call_streams gives 2K generators: index k for fresh calls, K + k for the others."""
        generators = call_streams(7, 1, Purpose.HANDLE, 3)
        expected = 6
        assert expected == len(generators)
        for index, generator in enumerate(generators):
            reference = stream(7, 1, Purpose.HANDLE, index).standard_normal(4)
            assert np.array_equal(reference, generator.standard_normal(4)), index

    def test_keys_give_different_streams(self) -> None:
        """Changing the seed, replication, purpose or index changes the numbers."""
        keys = [
            (0, 0, Purpose.ARRIVALS, 0),
            (1, 0, Purpose.ARRIVALS, 0),
            (0, 1, Purpose.ARRIVALS, 0),
            (0, 0, Purpose.HANDLE, 0),
            (0, 0, Purpose.ARRIVALS, 1),
        ]
        firsts = {stream(*key).random() for key in keys}
        assert len(keys) == len(firsts)

    def test_purpose_codes_never_change(self) -> None:
        """Purposes are part of the stream keys: their codes and the per-call order are fixed."""
        expected = {
            "ARRIVALS": 0,
            "HANDLE": 1,
            "PATIENCE": 2,
            "REDIAL_DECISION": 3,
            "REDIAL_DELAY": 4,
            "REPEAT_DECISION": 5,
            "REPEAT_DELAY": 6,
            "DAY_VOLUME": 7,
            "ABSENCE": 8,
            "OUTBOUND_CONTACT": 9,
            "OUTBOUND_TALK": 10,
            "BOT_TIME": 11,
            "BOT_OUTCOME": 12,
        }
        assert expected == {p.name: int(p) for p in Purpose}
        assert list(Purpose)[:7] + list(Purpose)[11:] == list(CALL_PURPOSES)


def tables_plan(**changes: object) -> Plan:
    """Three call types (random, deterministic and impatient, no patience) and two groups."""
    call_types = {
        "lognormal": {
            "volume": {"per_hour": 10},
            "handle_time": {"dist": "lognormal", "mean_s": 200, "cv": 1.0},
            "patience": {"dist": "exponential", "mean_s": 60},
        },
        "fixed": {
            "volume": {"per_hour": 10},
            "handle_time": {"dist": "deterministic", "mean_s": 200},
            "patience": {"dist": "deterministic", "mean_s": 60},
        },
        "patient": {
            "volume": {"per_hour": 10},
            "handle_time": {"dist": "gamma", "mean_s": 200, "cv": 0.5},
        },
    }
    plan = build_plan(make_scenario(call_types=call_types))
    two_groups: dict[str, object] = {
        "groups": ("g0", "g1"),
        "group_role": ("agent", "agent"),
        **inbound_group_tables(2),
        "skill_tier": np.array([[0, 0, -1], [1, -1, 1]]),
        "tier_factor": np.array([[1.0, 1.0, np.nan], [1.2, np.nan, 1.2]]),
        "tier_fcr": np.ones((2, 3)),
        "absenteeism": np.zeros(2),
        "routing_group": np.array([[0, 1], [0, -1], [1, -1]]),
        "routing_after_s": np.array([[0.0, 45.0], [0.0, 0.0], [0.0, 0.0]]),
        "scheduled_agents": np.zeros((1, plan.n_intervals, 2), dtype=np.int64),
    }
    return dataclasses.replace(plan, **{**two_groups, **changes})


class TestTables:
    """Which per-call draws a call takes, and when a group may take a call type."""

    def test_only_random_distributions_draw(self) -> None:
        """Handle and patience draws only for random distributions; no redials or repeats."""
        expected = [
            [True, True, False, False, False, False],
            [False, False, False, False, False, False],
            [True, False, False, False, False, False],
        ]
        assert expected == call_draws(tables_plan()).tolist()

    def test_redial_and_repeat_pairs(self) -> None:
        """A redial pair when the type redials; a repeat pair when a skilled tier's FCR < 1."""
        plan = tables_plan(
            redial_probability=np.array([0.0, 0.3, 0.0]),
            # g0's FCR for "patient" is below 1, but g0 lacks that skill (NaN in a real plan).
            tier_fcr=np.array([[1.0, 1.0, np.nan], [0.9, np.nan, 1.0]]),
        )
        draws = call_draws(plan)
        expected = ([False, True, False], [True, False, False])
        actual = (draws[:, 2].tolist(), draws[:, 4].tolist())
        assert expected == actual
        assert np.array_equal(draws[:, 2], draws[:, 3])
        assert np.array_equal(draws[:, 4], draws[:, 5])

    def test_eligible_after_s_follows_the_routing(self) -> None:
        """A group may take a type after its routing delay, never when not in the routing."""
        expected = [[0.0, 0.0, math.inf], [45.0, math.inf, 0.0]]
        assert expected == eligible_after_s(tables_plan()).tolist()


def realisation_plan(*, days: int = 1, **changes: object) -> Plan:
    """Two call types, two groups of 3 and 2 agents, ``days`` days."""
    calls = {"volume": {"per_hour": 60}, "handle_time": {"dist": "exponential", "mean_s": 60}}
    plan = build_plan(
        make_scenario(
            calendar={"days": days, "open": "08:00", "close": "10:00", "interval_minutes": 30},
            call_types={"a": calls, "b": calls},
            groups={"agents": {"headcount": 5}},
        )
    )
    two_groups: dict[str, object] = {
        "groups": ("g0", "g1"),
        "group_role": ("agent", "agent"),
        **inbound_group_tables(2),
        "agent_group": np.array([0, 0, 0, 1, 1]),
        "skill_tier": np.zeros((2, 2), dtype=np.int64),
        "tier_factor": np.ones((2, 2)),
        "tier_fcr": np.ones((2, 2)),
        "absenteeism": np.zeros(2),
        "scheduled_agents": np.zeros((days, plan.n_intervals, 2), dtype=np.int64),
    }
    return dataclasses.replace(plan, **{**two_groups, **changes})


class TestRealisation:
    """Busy-day multipliers and absences drawn once per replication, from their own streams."""

    def test_nothing_to_draw(self) -> None:
        """Without busyness or absenteeism the rates are the plan's and every event happens."""
        plan = realisation_plan(days=2)
        realisation = draw_realisation(plan, 3, 0)
        assert np.array_equal(np.ones((2, 2)), realisation.day_multiplier)
        assert np.array_equal(plan.rate_per_s, realisation.rate_per_s)
        assert not realisation.absent.any()
        assert realisation.roster_kept.all()

    def test_rates_are_scaled_by_the_days_multipliers(self) -> None:
        """Each day's rates are multiplied by the shared and the call type's multiplier."""
        plan = realisation_plan(days=3, day_cv_shared=0.2, day_cv=np.array([0.0, 0.3]))
        realisation = draw_realisation(plan, 3, 1)
        multiplier = realisation.day_multiplier
        per_segment = np.repeat(multiplier.T, plan.n_intervals, axis=1)
        assert np.array_equal(plan.rate_per_s * per_segment, realisation.rate_per_s)
        assert len(set(multiplier[:, 0].tolist())) == 3  # the shared multiplier varies by day
        assert not np.array_equal(multiplier[:, 0], multiplier[:, 1])

    def test_multipliers_have_mean_one_and_the_cv(self) -> None:
        """Over 10 x 366 days the shared multiplier has mean 1 (4 SE) and the CV (within 5%)."""
        plan = realisation_plan(days=366, day_cv_shared=0.25)
        values = np.concatenate(
            [draw_realisation(plan, 11, rep).day_multiplier[:, 0] for rep in range(10)]
        )
        se = values.std(ddof=1) / math.sqrt(len(values))
        assert abs(values.mean() - 1.0) <= 4 * se
        assert values.std(ddof=1) / values.mean() == pytest.approx(0.25, rel=0.05)

    def test_absent_agent_days_drop_their_events_but_not_closings(self) -> None:
        """Absenteeism 1 drops every event of the group's agents; closings always happen."""
        plan = realisation_plan(days=2, absenteeism=np.array([0.0, 1.0]))
        realisation = draw_realisation(plan, 3, 0)
        expected_absent = np.array([[False] * 2] * 3 + [[True] * 2] * 2)
        assert np.array_equal(expected_absent, realisation.absent)
        close = plan.roster_kind == RosterKind.CLOSE
        group_1 = ~close & (plan.agent_group[plan.roster_who] == 1)
        assert realisation.roster_kept[close].all()
        assert not realisation.roster_kept[group_1].any()
        assert realisation.roster_kept[~close & ~group_1].all()

    def test_absences_are_by_agent_and_day(self) -> None:
        """An agent absent one day may work the next: absences are drawn per agent-day."""
        plan = realisation_plan(days=50, absenteeism=np.array([0.3, 0.3]))
        realisation = draw_realisation(plan, 4, 0)
        absent = realisation.absent
        assert absent.any(axis=1).all()  # everyone misses some day
        assert not absent.all(axis=1).any()  # nobody misses all of them
        for who, day in zip(*np.nonzero(absent), strict=True):
            events = (plan.roster_who == who) & (plan.roster_day == day)
            events &= plan.roster_kind != RosterKind.CLOSE
            assert not realisation.roster_kept[events].any()

    def test_each_draw_has_its_own_stream(self) -> None:
        """Changing absenteeism leaves the multipliers; changing a type's CV leaves the rest."""
        plan = realisation_plan(
            days=5, day_cv_shared=0.2, day_cv=np.array([0.1, 0.3]), absenteeism=np.full(2, 0.2)
        )
        base = draw_realisation(plan, 9, 2)
        fewer_absences = draw_realisation(
            dataclasses.replace(plan, absenteeism=np.full(2, 0.05)), 9, 2
        )
        assert np.array_equal(base.day_multiplier, fewer_absences.day_multiplier)
        other_cv = draw_realisation(dataclasses.replace(plan, day_cv=np.array([0.1, 0.6])), 9, 2)
        assert np.array_equal(base.day_multiplier[:, 0], other_cv.day_multiplier[:, 0])
        assert not np.array_equal(base.day_multiplier[:, 1], other_cv.day_multiplier[:, 1])
        assert np.array_equal(base.absent, other_cv.absent)

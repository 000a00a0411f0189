"""Per-call draws: block draws equal one-at-a-time draws, numba equals Python, arrivals are Poisson.

Exact parity of the two engines rests on these properties: the SimPy engine draws standard
variates one at a time, the fast engine in blocks, and both turn them into seconds with the same
arithmetic (:func:`scale_variate`, :func:`next_arrival_delay`), compiled by numba in the kernel.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engines.fast.kernel import _next_arrival_delay, _scale_variate
from sim.engines.sampling import (
    next_arrival_delay,
    scale_variate,
    standard_variate,
    standard_variates,
    takes_draw,
)
from sim.scenario.distributions import DistCode, dist_parameters

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
        """Exponential, lognormal and gamma take a draw; deterministic and none do not."""
        expected = {
            DistCode.NONE: False,
            DistCode.EXPONENTIAL: True,
            DistCode.LOGNORMAL: True,
            DistCode.GAMMA: True,
            DistCode.DETERMINISTIC: False,
        }
        assert expected == {code: takes_draw(int(code)) for code in DistCode}


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

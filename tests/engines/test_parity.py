"""Both engines, same seed: identical call and shift records, every column, bit for bit.

Both engines take the same per-call draws from the same per-replication streams (one at a time in
SimPy, in blocks in the fast kernel) and follow the same rules and tie-breaks, so no feature
needs a statistical fallback: every comparison here is exact. Tallies are compared too: counts
exactly, sums to 1e-12 (the kernel adds in event order, ``tally_records`` in record order).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from helpers import SCENARIOS

from sim import simulate
from sim.engines.base import CallRecords, Outcome, ShiftRecords, Tallies
from sim.scenario import Scenario, scenario_from_dict
from sim.simulation import SimulationResult

ANSWERED, ABANDONED, DROPPED = int(Outcome.ANSWERED), int(Outcome.ABANDONED), int(Outcome.DROPPED)
SHORT_HORIZON_H = 6.0  # steady-state scenarios run this long here (their own horizon is for KPIs)


def assert_same_records(
    expected: CallRecords | ShiftRecords, actual: CallRecords | ShiftRecords
) -> None:
    """Assert two record sets are identical: every column, dtype and value (NaN equal to NaN)."""
    assert len(expected) == len(actual), (
        f"{type(expected).__name__}: {len(expected)} vs {len(actual)} rows"
    )
    for field in fields(expected):
        a, b = getattr(expected, field.name), getattr(actual, field.name)
        assert a.dtype == b.dtype, f"{field.name}: dtype {a.dtype} vs {b.dtype}"
        same = (
            np.equal(a, b) | (np.isnan(a) & np.isnan(b)) if a.dtype.kind == "f" else np.equal(a, b)
        )
        if not same.all():
            row = int(np.flatnonzero(~same)[0])
            pytest.fail(
                f"{type(expected).__name__}.{field.name} differs first at row {row}: "
                f"{a[row]!r} vs {b[row]!r}"
            )


def assert_same_tallies(expected: Tallies, actual: Tallies) -> None:
    """Assert two tallies agree: counts exactly, sums to a relative 1e-12."""
    assert np.array_equal(expected.call_counts, actual.call_counts)
    np.testing.assert_allclose(actual.call_sums, expected.call_sums, rtol=1e-12, atol=0)
    np.testing.assert_allclose(actual.agent_sums, expected.agent_sums, rtol=1e-12, atol=0)


def run_both(
    scenario: Scenario, *, reps: int, seed: int
) -> tuple[SimulationResult, SimulationResult]:
    """Run the SimPy and the fast engine on the same seed, keeping records."""
    simpy = simulate(scenario, reps=reps, seed=seed, engine="simpy", keep_records=True)
    fast = simulate(scenario, reps=reps, seed=seed, engine="fast", keep_records=True)
    return simpy, fast


def assert_parity(simpy: SimulationResult, fast: SimulationResult) -> None:
    """Assert identical call records, shift records and tallies."""
    assert simpy.calls is not None
    assert fast.calls is not None
    assert simpy.shifts is not None
    assert fast.shifts is not None
    assert len(simpy.calls) > 0
    assert_same_records(simpy.calls, fast.calls)
    assert_same_records(simpy.shifts, fast.shifts)
    assert_same_tallies(simpy.tallies, fast.tallies)


def load_short(path: Path) -> Scenario:
    """Load a scenario file; a steady-state one gets a short horizon."""
    raw = yaml.safe_load(path.read_text())
    if "steady_state" in raw:
        raw["steady_state"] = {**raw["steady_state"], "horizon_h": SHORT_HORIZON_H, "warmup_h": 1.0}
    return scenario_from_dict(raw, source=str(path), base_dir=path.parent)


SCENARIO_FILES = sorted(SCENARIOS.glob("*.yaml"))


class TestScenarioFiles:
    """Every shipped scenario runs identically on both engines."""

    def test_the_demo_is_among_them(self) -> None:
        """The demo scenario is one of the files compared."""
        assert "retail_bank_day.yaml" in {p.name for p in SCENARIO_FILES}

    @pytest.mark.parametrize("path", SCENARIO_FILES, ids=[p.stem for p in SCENARIO_FILES])
    def test_identical_records(self, path: Path) -> None:
        """Two replications of the file give identical records and tallies."""
        assert_parity(*run_both(load_short(path), reps=2, seed=11))


# -- hand-made scenarios, each with a check that it exercises what it is meant to -------------

Check = Callable[[CallRecords, ShiftRecords], bool]


def _some(outcome: int) -> Check:
    return lambda calls, _: bool((calls.outcome == outcome).any())


def _overtime_and_split(calls: CallRecords, shifts: ShiftRecords) -> bool:
    overtime = shifts.off_at > shifts.scheduled_off_at
    key = set(zip(shifts.rep.tolist(), shifts.agent.tolist(), shifts.on_at.tolist(), strict=True))
    split = [
        (r, a, off) in key
        for r, a, off in zip(
            shifts.rep[overtime].tolist(),
            shifts.agent[overtime].tolist(),
            shifts.off_at[overtime].tolist(),
            strict=True,
        )
    ]
    return bool(overtime.any()) and any(split)


def _simultaneous_ends(calls: CallRecords, _: ShiftRecords) -> bool:
    answered = calls.outcome == ANSWERED
    pairs = set()
    for rep, end in zip(
        calls.rep[answered].tolist(), calls.ended_at[answered].tolist(), strict=True
    ):
        if (rep, end) in pairs:
            return True
        pairs.add((rep, end))
    return False


def _all_types_answered(calls: CallRecords, _: ShiftRecords) -> bool:
    return len(np.unique(calls.call_type[calls.outcome == ANSWERED])) == 4 and _some(ABANDONED)(
        calls, _
    )


def _several_days(calls: CallRecords, shifts: ShiftRecords) -> bool:
    return len(np.unique(calls.day)) > 1 and bool((shifts.off_at > shifts.scheduled_off_at).any())


HAND_MADE: dict[str, tuple[dict[str, Any], Check]] = {
    "priorities_and_every_distribution": (
        {
            "calendar": {"open": "08:00", "close": "11:00", "interval_minutes": 30},
            "service_level": {"threshold_s": 30, "short_abandon_s": 10},
            "call_types": {
                "vip": {
                    "priority": 5,
                    "volume": {"per_interval": [10, 20, 30, 30, 20, 10]},
                    "handle_time": {"dist": "lognormal", "mean_s": 300, "cv": 1.5, "acw_s": 30},
                    "patience": {"dist": "lognormal", "mean_s": 200, "cv": 0.8},
                },
                "sales": {
                    "priority": 2,
                    "volume": {"per_interval": [40, 50, 60, 60, 50, 40]},
                    "handle_time": {"dist": "gamma", "mean_s": 240, "cv": 2.0},
                    "patience": {"dist": "exponential", "mean_s": 150},
                },
                "billing": {
                    "priority": 2,
                    "volume": {"per_interval": [30, 30, 30, 30, 30, 30]},
                    "handle_time": {"dist": "deterministic", "mean_s": 200, "acw_s": 20},
                    "patience": {"dist": "deterministic", "mean_s": 90},
                },
                "other": {
                    "priority": 0,
                    "volume": {"per_interval": [20, 20, 20, 20, 20, 20]},
                    "handle_time": {"dist": "exponential", "mean_s": 180},
                },
            },
            "groups": {"agents": {"headcount": [12, 15, 16, 16, 14, 10]}},
        },
        _all_types_answered,
    ),
    "headcount_dips_overtime_and_split_shifts": (
        {
            "calendar": {"open": "08:00", "close": "12:00", "interval_minutes": 30},
            "call_types": {
                "calls": {
                    "volume": {"per_hour": 20},
                    "handle_time": {"dist": "deterministic", "mean_s": 2400, "acw_s": 60},
                    "patience": {"dist": "exponential", "mean_s": 1200},
                }
            },
            "groups": {"agents": {"headcount": [5, 2, 5, 1, 6, 3, 4, 2]}},
        },
        _overtime_and_split,
    ),
    "drop_at_close_with_random_patience": (
        {
            "calendar": {
                "open": "08:00",
                "close": "10:00",
                "interval_minutes": 15,
                "at_close": "drop",
            },
            "call_types": {
                "calls": {
                    "volume": {"per_hour": 240},
                    "handle_time": {"dist": "lognormal", "mean_s": 200, "cv": 1.0},
                    "patience": {"dist": "exponential", "mean_s": 900},
                }
            },
            "groups": {"agents": {"headcount": 10}},
        },
        lambda calls, shifts: _some(DROPPED)(calls, shifts) and _some(ABANDONED)(calls, shifts),
    ),
    "zero_headcount_and_zero_volume_intervals": (
        {
            "calendar": {"open": "08:00", "close": "11:00", "interval_minutes": 30},
            "call_types": {
                "calls": {
                    "volume": {"per_interval": [0, 40, 40, 0, 30, 30]},
                    "handle_time": {"dist": "exponential", "mean_s": 240},
                    "patience": {"dist": "exponential", "mean_s": 600},
                },
                "late": {
                    "volume": {"per_interval": [10, 0, 10, 10, 0, 10]},
                    "handle_time": {"dist": "gamma", "mean_s": 240, "cv": 0.5},
                },
            },
            "groups": {"agents": {"headcount": [3, 0, 6, 4, 5, 0]}},
        },
        _some(DROPPED),  # nobody on duty at closing
    ),
    "on_overtime_at_closing_is_not_on_duty": (
        {
            "calendar": {"open": "08:00", "close": "10:00", "interval_minutes": 30},
            "call_types": {
                "calls": {
                    "volume": {"per_interval": [4, 4, 8, 8]},
                    "handle_time": {"dist": "deterministic", "mean_s": 3000},
                }
            },
            "groups": {"agents": {"headcount": [4, 3, 2, 0]}},
        },
        _some(DROPPED),
    ),
    "three_days_drain": (
        {
            "calendar": {"days": 3, "open": "07:00", "close": "09:00", "interval_minutes": 15},
            "service_level": {"threshold_s": 15},
            "call_types": {
                "calls": {
                    "volume": {"per_interval": [20, 30, 40, 40, 30, 30, 20, 30]},
                    "handle_time": {"dist": "lognormal", "mean_s": 200, "cv": 0.7, "acw_s": 10},
                    "patience": {"dist": "lognormal", "mean_s": 100, "cv": 1.5},
                }
            },
            "groups": {"agents": {"headcount": [8, 10, 12, 12, 10, 10, 8, 9]}},
        },
        _several_days,
    ),
    "two_days_drop_hourly": (
        {
            "calendar": {
                "days": 2,
                "open": "09:00",
                "close": "13:00",
                "interval_minutes": 60,
                "at_close": "drop",
            },
            "call_types": {
                "a": {
                    "priority": 2,
                    "volume": {"daily": 300, "profile": [1, 2, 2, 1]},
                    "handle_time": {"dist": "exponential", "mean_s": 300},
                    "patience": {"dist": "deterministic", "mean_s": 240},
                },
                "b": {
                    "volume": {"per_hour": 60},
                    "handle_time": {"dist": "gamma", "mean_s": 400, "cv": 1.3},
                },
            },
            "groups": {"agents": {"headcount": [8, 14, 12, 7]}},
        },
        lambda calls, shifts: _several_days(calls, shifts) and _some(DROPPED)(calls, shifts),
    ),
    "simultaneous_service_ends": (
        {
            "calendar": {"open": "08:00", "close": "10:30", "interval_minutes": 30},
            "call_types": {
                "calls": {
                    "volume": {"per_interval": [30, 60, 60, 20, 40]},
                    "handle_time": {"dist": "deterministic", "mean_s": 300},
                    "patience": {"dist": "deterministic", "mean_s": 1500},
                }
            },
            "groups": {"agents": {"headcount": [0, 5, 6, 0, 6]}},
        },
        _simultaneous_ends,  # agents starting together on queued calls end together
    ),
}


class TestHandMadeScenarios:
    """Scenarios built to exercise every rule give identical records on both engines."""

    @pytest.mark.parametrize("name", list(HAND_MADE))
    def test_identical_records(self, name: str) -> None:
        """Three replications give identical records and tallies, and exercise the feature."""
        raw, check = HAND_MADE[name]
        simpy, fast = run_both(scenario_from_dict({"name": name, **raw}), reps=3, seed=7)
        assert_parity(simpy, fast)
        assert simpy.calls is not None
        assert simpy.shifts is not None
        assert check(simpy.calls, simpy.shifts), f"{name} does not exercise its feature"


# -- random mixes ------------------------------------------------------------------------------

HANDLE_TIMES = [
    {"dist": "exponential", "mean_s": 200},
    {"dist": "lognormal", "mean_s": 200, "cv": 1.2},
    {"dist": "gamma", "mean_s": 300, "cv": 0.5},
    {"dist": "gamma", "mean_s": 300, "cv": 2.0},
    {"dist": "deterministic", "mean_s": 1500},
    {"dist": "deterministic", "mean_s": 600, "acw_s": 300},
]
PATIENCES = [
    {"dist": "none"},
    {"dist": "exponential", "mean_s": 120},
    {"dist": "lognormal", "mean_s": 300, "cv": 0.8},
    {"dist": "deterministic", "mean_s": 90},
]


def random_scenario(index: int) -> Scenario:
    """A small random mix of calendar, call types, distributions and headcounts."""
    rng = np.random.default_rng([2024, index])
    n_intervals = int(rng.integers(2, 6))
    minutes = int(rng.choice([15, 30, 60]))
    close = 8 * 60 + n_intervals * minutes
    call_types = {
        f"t{k}": {
            "priority": int(rng.integers(0, 3)),
            "volume": {"per_interval": [float(v) for v in rng.choice([0, 5, 20, 60], n_intervals)]},
            "handle_time": HANDLE_TIMES[rng.integers(len(HANDLE_TIMES))],
            "patience": PATIENCES[rng.integers(len(PATIENCES))],
        }
        for k in range(int(rng.integers(1, 4)))
    }
    raw = {
        "name": f"mix-{index}",
        "calendar": {
            "days": int(rng.integers(1, 3)),
            "open": "08:00",
            "close": f"{close // 60:02d}:{close % 60:02d}",
            "interval_minutes": minutes,
            "at_close": str(rng.choice(["drain", "drop"])),
        },
        "service_level": {"threshold_s": 20, "short_abandon_s": 5},
        "call_types": call_types,
        "groups": {
            "agents": {"headcount": [int(h) for h in rng.choice([0, 1, 2, 4, 8], n_intervals)]}
        },
    }
    return scenario_from_dict(raw)


class TestRandomMixes:
    """Randomly composed small scenarios give identical records on both engines."""

    @pytest.mark.parametrize("index", range(30))
    def test_identical_records(self, index: int) -> None:
        """Three replications of mix ``index`` give identical records and tallies."""
        simpy, fast = run_both(random_scenario(index), reps=3, seed=index)
        if simpy.calls is not None and len(simpy.calls) == 0:
            assert fast.calls is not None
            assert len(fast.calls) == 0
            return
        assert_parity(simpy, fast)

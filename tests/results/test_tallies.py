"""Tallies: hand-built records with known answers, and the fast kernel's own tallies vs records."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import yaml
from helpers import SCENARIOS, make_scenario

from sim import simulate
from sim.engines.base import AGENT_SUMS, CALL_COUNTS, CALL_SUMS, CallRecords, Outcome, ShiftRecords
from sim.results import tally_records
from sim.scenario import Plan, Scenario, build_plan, scenario_from_dict

ANSWERED, ABANDONED, DROPPED = int(Outcome.ANSWERED), int(Outcome.ABANDONED), int(Outcome.DROPPED)
OPEN_AT = 8 * 3600.0
DAY_S = 86_400.0
NAN = math.nan
INT_COLUMNS = {
    "rep": np.int32,
    "call_id": np.int64,
    "call_type": np.int16,
    "day": np.int16,
    "interval": np.int32,
    "outcome": np.int8,
    "group": np.int16,
    "agent": np.int32,
}


# -- hand-built records ---------------------------------------------------------------------


def call_records(rows: list[dict[str, Any]]) -> CallRecords:
    """Build call records from rows; unanswered calls need no answer, agent or handle fields."""
    defaults = {"answered_at": NAN, "ended_at": NAN, "handle_s": NAN, "group": -1, "agent": -1}
    rows = [{**defaults, "patience_s": math.inf, **row} for row in rows]
    for row in rows:
        if row["outcome"] == ANSWERED:
            row["ended_at"] = row["answered_at"] + row["handle_s"]
            row.setdefault("left_at", row["ended_at"])
    for i, row in enumerate(rows):
        row.setdefault("call_id", i)
    columns = CallRecords.__dataclass_fields__
    return CallRecords(
        **{n: np.array([r[n] for r in rows], dtype=INT_COLUMNS.get(n, np.float64)) for n in columns}
    )


def shift_records(rows: list[tuple[int, int, float, float, float]]) -> ShiftRecords:
    """Build shift records from (rep, agent, on_at, off_at, scheduled_off_at) rows (group 0)."""
    rep, agent, on_at, off_at, scheduled = zip(*rows, strict=True)
    return ShiftRecords(
        rep=np.array(rep, dtype=np.int32),
        agent=np.array(agent, dtype=np.int32),
        group=np.zeros(len(rows), dtype=np.int16),
        on_at=np.array(on_at),
        off_at=np.array(off_at),
        scheduled_off_at=np.array(scheduled),
    )


def hand_plan() -> Plan:
    """Two days 08:00-09:00, 30-minute intervals, two call types, T = 20 s, short abandons < 5 s."""
    calls = {"volume": {"per_hour": 10}, "handle_time": {"dist": "exponential", "mean_s": 60}}
    return build_plan(
        make_scenario(
            calendar={"days": 2, "open": "08:00", "close": "09:00", "interval_minutes": 30},
            service_level={"threshold_s": 20, "short_abandon_s": 5},
            call_types={"a": calls, "b": calls},
        )
    )


def _t(seconds: float, day: int = 0) -> float:
    return day * DAY_S + OPEN_AT + seconds


def _answered(
    cell: tuple[int, int, int, int], arrived_s: float, wait_s: float, handle_s: float, agent: int
) -> dict[str, Any]:
    """An answered call in ``cell`` = (rep, call type, day, interval); instants after opening."""
    rep, call_type, day, interval = cell
    return {
        "rep": rep, "call_type": call_type, "day": day, "interval": interval,
        "arrived_at": _t(arrived_s, day), "answered_at": _t(arrived_s + wait_s, day),
        "handle_s": handle_s, "outcome": ANSWERED, "group": 0, "agent": agent,
    }  # fmt: skip


def _unanswered(
    call_type: int, interval: int, arrived_s: float, wait_s: float, outcome: int
) -> dict[str, Any]:
    """A call of replication 0, day 0 that abandoned (patience = wait) or was dropped."""
    patience_s = wait_s if outcome == ABANDONED else math.inf
    return {
        "rep": 0, "call_type": call_type, "day": 0, "interval": interval,
        "arrived_at": _t(arrived_s), "left_at": _t(arrived_s + wait_s), "outcome": outcome,
        "patience_s": patience_s,
    }  # fmt: skip


CALLS = [
    _answered((0, 0, 0, 0), 10, 15, 100, agent=0),  # within T
    _unanswered(0, 0, 600, 3, ABANDONED),  # short abandon, within T
    _answered((0, 0, 0, 0), 1200, 30, 900, agent=0),  # busy 1,230-2,130 s: 570 s + 330 s
    _answered((0, 0, 0, 0), 1500, 20, 50, agent=1),  # wait exactly T: within T
    _unanswered(0, 1, 2400, 60, ABANDONED),
    _unanswered(1, 1, 2500, 5, ABANDONED),  # exactly 5 s: not short (short is < 5 s)
    _unanswered(1, 1, 3000, 600, DROPPED),  # dropped at closing
    _answered(
        (1, 1, 1, 1), 2000, 0, 2000, agent=0
    ),  # busy 2,000-4,000 s: 1,600 s + 400 after close
]
SHIFTS = [
    (0, 0, _t(0), _t(3700), _t(3600)),  # 100 s overtime after closing
    (0, 1, _t(1200), _t(1800), _t(1800)),
    (1, 0, _t(1800, 1), _t(4000, 1), _t(3600, 1)),  # 400 s overtime after closing on day 1
]


@pytest.fixture
def hand_tallies() -> Any:
    """Tallies of the hand-built records."""
    return tally_records(call_records(CALLS), shift_records(SHIFTS), hand_plan(), reps=2)


class TestHandBuiltRecords:
    """Known answers from a handful of hand-made calls and shifts."""

    def test_shapes(self, hand_tallies: Any) -> None:
        """Calls by (rep, day, interval, type); agent time by (rep, day, slot, group)."""
        assert (2, 2, 2, 2, len(CALL_COUNTS)) == hand_tallies.call_counts.shape
        assert (2, 2, 2, 2, len(CALL_SUMS)) == hand_tallies.call_sums.shape
        assert (2, 2, 3, 1, len(AGENT_SUMS)) == hand_tallies.agent_sums.shape

    @pytest.mark.parametrize(
        ("name", "cell", "expected"),
        [
            ("offered", (0, 0, 0, 0), 4),
            ("answered", (0, 0, 0, 0), 3),
            ("abandoned", (0, 0, 0, 0), 1),
            ("short_abandoned", (0, 0, 0, 0), 1),
            ("answered_within_t", (0, 0, 0, 0), 2),
            ("abandoned_within_t", (0, 0, 0, 0), 1),
            ("dropped", (0, 0, 0, 0), 0),
            ("offered", (0, 0, 1, 0), 1),
            ("abandoned", (0, 0, 1, 0), 1),
            ("abandoned_within_t", (0, 0, 1, 0), 0),
            ("offered", (0, 0, 1, 1), 2),
            ("abandoned", (0, 0, 1, 1), 1),
            ("short_abandoned", (0, 0, 1, 1), 0),
            ("abandoned_within_t", (0, 0, 1, 1), 1),
            ("dropped", (0, 0, 1, 1), 1),
            ("offered", (1, 1, 1, 1), 1),
            ("answered_within_t", (1, 1, 1, 1), 1),
        ],
    )
    def test_counts(
        self, hand_tallies: Any, name: str, cell: tuple[int, ...], expected: int
    ) -> None:
        """Each count lands in the cell of the call's replication, day, interval and type."""
        assert expected == hand_tallies.count(name)[cell]

    def test_counts_total(self, hand_tallies: Any) -> None:
        """Every call is offered exactly once, in one cell."""
        expected = {"offered": len(CALLS), "answered": 4, "abandoned": 3, "dropped": 1}
        actual = {name: int(hand_tallies.count(name).sum()) for name in expected}
        assert expected == actual

    def test_call_sums(self, hand_tallies: Any) -> None:
        """Waits of answered calls, waits of all calls and handle times add up per cell."""
        expected = {
            ("wait_answered_s", (0, 0, 0, 0)): 15 + 30 + 20,
            ("wait_all_s", (0, 0, 0, 0)): 15 + 3 + 30 + 20,
            ("handle_s", (0, 0, 0, 0)): 100 + 900 + 50,
            ("wait_all_s", (0, 0, 1, 0)): 60,
            ("wait_all_s", (0, 0, 1, 1)): 5 + 600,
            ("wait_answered_s", (0, 0, 1, 1)): 0,
            ("wait_all_s", (1, 1, 1, 1)): 0,
            ("handle_s", (1, 1, 1, 1)): 2000,
        }
        actual = {key: float(hand_tallies.call_sum(key[0])[key[1]]) for key in expected}
        assert expected == actual

    def test_busy_time_split_at_slot_boundaries(self, hand_tallies: Any) -> None:
        """Busy time is cut at interval boundaries and spills into the after-close slot."""
        busy = hand_tallies.agent_sum("busy_s")
        expected = {"rep 0 day 0": [100 + 570 + 50, 330, 0], "rep 1 day 1": [0, 1600, 400]}
        actual = {
            "rep 0 day 0": busy[0, 0, :, 0].tolist(),
            "rep 1 day 1": busy[1, 1, :, 0].tolist(),
        }
        assert expected == actual
        assert not busy[0, 1].any()
        assert not busy[1, 0].any()

    def test_staffed_and_overtime(self, hand_tallies: Any) -> None:
        """Staffed time per slot; overtime only past the scheduled end, in the after-close slot."""
        staffed = hand_tallies.agent_sum("staffed_s")
        overtime = hand_tallies.agent_sum("overtime_s")
        expected = {
            "staffed rep 0 day 0": [1800 + 600, 1800, 100],
            "overtime rep 0 day 0": [0, 0, 100],
            "staffed rep 1 day 1": [0, 1800, 400],
            "overtime rep 1 day 1": [0, 0, 400],
        }
        actual = {
            "staffed rep 0 day 0": staffed[0, 0, :, 0].tolist(),
            "overtime rep 0 day 0": overtime[0, 0, :, 0].tolist(),
            "staffed rep 1 day 1": staffed[1, 1, :, 0].tolist(),
            "overtime rep 1 day 1": overtime[1, 1, :, 0].tolist(),
        }
        assert expected == actual

    def test_no_records_no_tallies(self) -> None:
        """Empty records give all-zero tallies of the right shape."""
        empty_calls = _empty_calls()
        empty_shifts = ShiftRecords(
            rep=np.empty(0, np.int32),
            agent=np.empty(0, np.int32),
            group=np.empty(0, np.int16),
            on_at=np.empty(0),
            off_at=np.empty(0),
            scheduled_off_at=np.empty(0),
        )
        tallies = tally_records(empty_calls, empty_shifts, hand_plan(), reps=3)
        assert tallies.reps == 3
        assert not tallies.call_counts.any()
        assert not tallies.call_sums.any()
        assert not tallies.agent_sums.any()


def _empty_calls() -> CallRecords:
    columns = CallRecords.__dataclass_fields__
    return CallRecords(**{n: np.empty(0, dtype=INT_COLUMNS.get(n, np.float64)) for n in columns})


# -- the fast kernel's tallies equal the tallies of its records -------------------------------


def _steady_state() -> Scenario:
    raw = yaml.safe_load((SCENARIOS / "erlang_a_check.yaml").read_text())
    raw["steady_state"] = {**raw["steady_state"], "horizon_h": 8.0, "warmup_h": 1.0}
    return scenario_from_dict(raw)


def _hand(**sections: Any) -> Scenario:
    return make_scenario(**sections)


KERNEL_CASES = {
    "steady_state": _steady_state,
    "multi_day_drain": lambda: _hand(
        calendar={"days": 3, "open": "07:00", "close": "10:00", "interval_minutes": 60},
        service_level={"threshold_s": 30, "short_abandon_s": 10},
        call_types={
            "calls": {
                "volume": {"per_interval": [100, 160, 120]},
                "handle_time": {"dist": "lognormal", "mean_s": 240, "cv": 1.1, "acw_s": 20},
                "patience": {"dist": "lognormal", "mean_s": 150, "cv": 1.0},
            }
        },
        groups={"agents": {"headcount": [8, 9, 7]}},
    ),
    "drop_with_overtime": lambda: _hand(
        calendar={
            "days": 2,
            "open": "08:00",
            "close": "10:00",
            "interval_minutes": 15,
            "at_close": "drop",
        },
        call_types={
            "calls": {
                "volume": {"per_hour": 60},
                "handle_time": {"dist": "deterministic", "mean_s": 1200},
                "patience": {"dist": "exponential", "mean_s": 600},
            }
        },
        groups={"agents": {"headcount": [6, 4, 6, 2, 0, 6, 5, 3]}},
    ),
    "several_types": lambda: _hand(
        calendar={"open": "08:00", "close": "11:00", "interval_minutes": 30},
        service_level={"threshold_s": 20, "short_abandon_s": 3},
        call_types={
            "vip": {
                "priority": 3,
                "volume": {"per_hour": 60},
                "handle_time": {"dist": "gamma", "mean_s": 300, "cv": 0.6},
                "patience": {"dist": "deterministic", "mean_s": 60},
            },
            "std": {
                "volume": {"per_interval": [50, 80, 100, 100, 0, 40]},
                "handle_time": {"dist": "exponential", "mean_s": 200},
                "patience": {"dist": "exponential", "mean_s": 200},
            },
            "mail": {
                "priority": 0,
                "volume": {"per_hour": 40},
                "handle_time": {"dist": "deterministic", "mean_s": 120, "acw_s": 60},
            },
        },
        groups={"agents": {"headcount": [10, 14, 15, 15, 6, 10]}},
    ),
}


class TestKernelTallies:
    """The fast engine tallies inside its kernel exactly what its records say."""

    @pytest.mark.parametrize("name", list(KERNEL_CASES))
    def test_kernel_tallies_equal_record_tallies(self, name: str) -> None:
        """Counts are equal; sums agree to a relative 1e-12 (the order of additions differs)."""
        result = simulate(KERNEL_CASES[name](), reps=3, seed=17, engine="fast", keep_records=True)
        assert result.calls is not None
        assert result.shifts is not None
        expected = tally_records(result.calls, result.shifts, result.plan, result.reps)
        assert np.array_equal(expected.call_counts, result.tallies.call_counts)
        np.testing.assert_allclose(result.tallies.call_sums, expected.call_sums, rtol=1e-12, atol=0)
        np.testing.assert_allclose(
            result.tallies.agent_sums, expected.agent_sums, rtol=1e-12, atol=0
        )
        assert result.tallies.count("offered").sum() == len(result.calls)
        assert result.tallies.agent_sum("overtime_s").sum() > 0 or name == "steady_state"

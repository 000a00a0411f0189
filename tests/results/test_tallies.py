"""Tallies: hand-built records with known answers, and the fast kernel's own tallies vs records."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import fields
from typing import Any

import numpy as np
import pytest
import yaml
from helpers import SCENARIOS, make_scenario

from sim import simulate
from sim.engines.base import (
    AGENT_SUMS,
    CALL_COUNTS,
    CALL_SUMS,
    GROUP_CALLS,
    RECORD_KINDS,
    BreakRecords,
    CallRecords,
    Origin,
    Outcome,
    Records,
    ShiftRecords,
    Tallies,
    column_dtype,
)
from sim.results import tally_records
from sim.scenario import Plan, Scenario, build_plan, scenario_from_dict
from sim.scenario.plan import RosterKind, inbound_group_tables

ANSWERED, ABANDONED, DROPPED = int(Outcome.ANSWERED), int(Outcome.ABANDONED), int(Outcome.DROPPED)
FRESH, REDIAL, REPEAT = int(Origin.FRESH), int(Origin.REDIAL), int(Origin.REPEAT)
OPEN_AT = 8 * 3600.0
DAY_S = 86_400.0
NAN = math.nan


# -- hand-built records ---------------------------------------------------------------------


def call_records(rows: list[dict[str, Any]]) -> CallRecords:
    """Build call records from rows; unanswered calls need no answer, agent or handle fields.

    Calls are fresh unless ``origin`` says otherwise; answered calls are tier 0 unless given.
    """
    defaults = {
        "answered_at": NAN,
        "ended_at": NAN,
        "handle_s": NAN,
        "group": -1,
        "agent": -1,
        "tier": -1,
        "origin": FRESH,
        "redial_given_up": 0,
        "repeat_given_up": 0,
        "bot_path": 0,
    }
    rows = [{**defaults, "patience_s": math.inf, **row} for row in rows]
    for row in rows:
        row.setdefault("entered_at", row["arrived_at"])
    for row in rows:
        if row["outcome"] == ANSWERED:
            row["ended_at"] = row["answered_at"] + row["handle_s"]
            row.setdefault("left_at", row["ended_at"])
            row["tier"] = max(row["tier"], 0)
    for i, row in enumerate(rows):
        row.setdefault("call_id", i)
    return CallRecords(
        **{
            f.name: np.array([r[f.name] for r in rows], dtype=column_dtype(CallRecords, f.name))
            for f in fields(CallRecords)
        }
    )


def shift_records(rows: list[tuple[int, int, int, float, float, float]]) -> ShiftRecords:
    """Build shift records from (rep, agent, group, on_at, off_at, scheduled_off_at) rows."""
    rep, agent, group, on_at, off_at, scheduled = zip(*rows, strict=True)
    return ShiftRecords(
        rep=np.array(rep, dtype=np.int32),
        agent=np.array(agent, dtype=np.int32),
        group=np.array(group, dtype=np.int16),
        on_at=np.array(on_at),
        off_at=np.array(off_at),
        scheduled_off_at=np.array(scheduled),
    )


def break_records(rows: list[tuple[int, int, int, float, float]]) -> BreakRecords:
    """Build break records from (rep, agent, group, start_at, end_at) rows."""
    rep, agent, group, start_at, end_at = zip(*rows, strict=True)
    return BreakRecords(
        rep=np.array(rep, dtype=np.int32),
        agent=np.array(agent, dtype=np.int32),
        group=np.array(group, dtype=np.int16),
        start_at=np.array(start_at),
        end_at=np.array(end_at),
    )


def empty_records(kind: type) -> Any:
    """Records of ``kind`` without rows."""
    return kind(**{f.name: np.empty(0, dtype=column_dtype(kind, f.name)) for f in fields(kind)})


def bundle(**kinds: Any) -> Records:
    """Records of the given kinds, the other kinds empty."""
    return Records(
        **{name: kinds.get(name, empty_records(kind)) for name, kind in RECORD_KINDS.items()}
    )


def hand_plan() -> Plan:
    """Two days 08:00-09:00 in 30-min intervals, two types, two groups, T 20 s, short < 5 s."""
    calls = {"volume": {"per_hour": 10}, "handle_time": {"dist": "exponential", "mean_s": 60}}
    plan = build_plan(
        make_scenario(
            calendar={"days": 2, "open": "08:00", "close": "09:00", "interval_minutes": 30},
            service_level={"threshold_s": 20, "short_abandon_s": 5},
            call_types={"a": calls, "b": calls},
        )
    )
    return dataclasses.replace(
        plan,
        groups=("early", "late"),
        **inbound_group_tables(2),
        group_role=("agent", "agent"),
        skill_tier=np.zeros((2, 2), dtype=np.int64),
        tier_factor=np.ones((2, 2)),
        tier_fcr=np.ones((2, 2)),
        absenteeism=np.zeros(2),
        scheduled_agents=np.zeros((2, 2, 2), dtype=np.int64),
    )


def _t(seconds: float, day: int = 0) -> float:
    return day * DAY_S + OPEN_AT + seconds


def _answered(
    cell: tuple[int, int, int, int],
    arrived_s: float,
    wait_s: float,
    handle_s: float,
    agent: int,
    **more: Any,
) -> dict[str, Any]:
    """An answered call in ``cell`` = (rep, call type, day, interval); instants after opening.

    Group 0 answers unless ``more`` says otherwise (``group``, ``tier``, ``origin``).
    """
    rep, call_type, day, interval = cell
    return {
        "rep": rep, "call_type": call_type, "day": day, "interval": interval,
        "arrived_at": _t(arrived_s, day), "answered_at": _t(arrived_s + wait_s, day),
        "handle_s": handle_s, "outcome": ANSWERED, "group": 0, "agent": agent, **more,
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
    # Group 1 (tier 2) answers a redial and a repeat call of type b in interval 0:
    _answered((0, 1, 0, 0), 100, 10, 120, agent=2, group=1, tier=2, origin=REDIAL),  # 110-230
    _answered((0, 1, 0, 0), 1700, 0, 300, agent=3, group=1, tier=2, origin=REPEAT),  # 100 + 200
]
SHIFTS = [
    (0, 0, 0, _t(0), _t(3700), _t(3600)),  # 100 s overtime after closing
    (0, 1, 0, _t(1200), _t(1800), _t(1800)),
    (1, 0, 0, _t(1800, 1), _t(4000, 1), _t(3600, 1)),  # 400 s overtime after closing on day 1
    (0, 2, 1, _t(0), _t(3600), _t(3600)),
    (0, 3, 1, _t(1500), _t(2100), _t(2100)),
]
BREAKS = [
    (0, 0, 0, _t(2200), _t(2400)),  # 200 s in interval 1
    (0, 2, 1, _t(1000), _t(1900)),  # 800 s in interval 0, 100 s in interval 1
]


@pytest.fixture
def hand_tallies() -> Tallies:
    """Tallies of the hand-built records."""
    records = bundle(
        calls=call_records(CALLS), shifts=shift_records(SHIFTS), breaks=break_records(BREAKS)
    )
    return tally_records(records, hand_plan(), reps=2)


class TestHandBuiltRecords:
    """Known answers from a handful of hand-made calls, shifts and breaks."""

    def test_shapes(self, hand_tallies: Tallies) -> None:
        """Calls by (rep, day, interval, type), agent time by slot and group, group calls too."""
        assert (2, 2, 2, 2, len(CALL_COUNTS)) == hand_tallies.call_counts.shape
        assert (2, 2, 2, 2, len(CALL_SUMS)) == hand_tallies.call_sums.shape
        assert (2, 2, 3, 2, len(AGENT_SUMS)) == hand_tallies.agent_sums.shape
        assert (2, 2, 2, 2, 2, len(GROUP_CALLS)) == hand_tallies.group_calls.shape

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
            ("redials", (0, 0, 0, 0), 0),
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
            ("offered", (0, 0, 0, 1), 2),
            ("answered", (0, 0, 0, 1), 2),
            ("answered_within_t", (0, 0, 0, 1), 2),
            ("redials", (0, 0, 0, 1), 1),
            ("repeats", (0, 0, 0, 1), 1),
        ],
    )
    def test_counts(
        self, hand_tallies: Tallies, name: str, cell: tuple[int, ...], expected: int
    ) -> None:
        """Each count lands in the cell of the call's replication, day, interval and type."""
        assert expected == hand_tallies.count(name)[cell]

    def test_counts_total(self, hand_tallies: Tallies) -> None:
        """Every call is offered exactly once, in one cell; redials and repeats are offered."""
        expected = {
            "offered": len(CALLS),
            "answered": 6,
            "abandoned": 3,
            "dropped": 1,
            "redials": 1,
            "repeats": 1,
        }
        actual = {name: int(hand_tallies.count(name).sum()) for name in expected}
        assert expected == actual

    def test_call_sums(self, hand_tallies: Tallies) -> None:
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
            ("wait_answered_s", (0, 0, 0, 1)): 10,
            ("handle_s", (0, 0, 0, 1)): 120 + 300,
        }
        actual = {key: float(hand_tallies.call_sum(key[0])[key[1]]) for key in expected}
        assert expected == actual

    def test_group_calls(self, hand_tallies: Tallies) -> None:
        """Calls each group answered and their handle time, by interval of arrival and type."""
        handled, handle_s = hand_tallies.group_call("handled"), hand_tallies.group_call("handle_s")
        expected = {
            "group 0 type a, rep 0 day 0 interval 0": (3.0, 1050.0),
            "group 1 type b, rep 0 day 0 interval 0": (2.0, 420.0),
            "group 0 type b, rep 1 day 1 interval 1": (1.0, 2000.0),
        }
        cells = [(0, 0, 0, 0, 0), (0, 0, 0, 1, 1), (1, 1, 1, 0, 1)]
        actual = {
            name: (float(handled[cell]), float(handle_s[cell]))
            for name, cell in zip(expected, cells, strict=True)
        }
        assert expected == actual
        expected_totals = (6.0, 100.0 + 900.0 + 50.0 + 2000.0 + 120.0 + 300.0)
        assert expected_totals == (handled.sum(), handle_s.sum())

    def test_group_calls_sum_to_call_tallies(self, hand_tallies: Tallies) -> None:
        """Summed over groups, group calls are the answered counts and handle-time sums."""
        handled = hand_tallies.group_call("handled").sum(axis=3)
        handle_s = hand_tallies.group_call("handle_s").sum(axis=3)
        assert np.array_equal(hand_tallies.count("answered").astype(float), handled)
        assert np.array_equal(hand_tallies.call_sum("handle_s"), handle_s)

    def test_busy_time_split_at_slot_boundaries(self, hand_tallies: Tallies) -> None:
        """Busy time is cut at interval boundaries and spills into the after-close slot."""
        busy = hand_tallies.agent_sum("busy_s")
        expected = {
            "rep 0 day 0 group 0": [100 + 570 + 50, 330, 0],
            "rep 0 day 0 group 1": [120 + 100, 200, 0],
            "rep 1 day 1 group 0": [0, 1600, 400],
        }
        actual = {
            "rep 0 day 0 group 0": busy[0, 0, :, 0].tolist(),
            "rep 0 day 0 group 1": busy[0, 0, :, 1].tolist(),
            "rep 1 day 1 group 0": busy[1, 1, :, 0].tolist(),
        }
        assert expected == actual
        assert not busy[0, 1].any()
        assert not busy[1, 0].any()
        assert not busy[1, 1, :, 1].any()

    def test_staffed_and_overtime(self, hand_tallies: Tallies) -> None:
        """Staffed time per slot; overtime only past the scheduled end, in the after-close slot."""
        staffed = hand_tallies.agent_sum("staffed_s")
        overtime = hand_tallies.agent_sum("overtime_s")
        expected = {
            "staffed rep 0 day 0": [1800 + 600, 1800, 100],
            "overtime rep 0 day 0": [0, 0, 100],
            "staffed rep 0 day 0 group 1": [1800 + 300, 1800 + 300, 0],
            "overtime rep 0 day 0 group 1": [0, 0, 0],
            "staffed rep 1 day 1": [0, 1800, 400],
            "overtime rep 1 day 1": [0, 0, 400],
        }
        actual = {
            "staffed rep 0 day 0": staffed[0, 0, :, 0].tolist(),
            "overtime rep 0 day 0": overtime[0, 0, :, 0].tolist(),
            "staffed rep 0 day 0 group 1": staffed[0, 0, :, 1].tolist(),
            "overtime rep 0 day 0 group 1": overtime[0, 0, :, 1].tolist(),
            "staffed rep 1 day 1": staffed[1, 1, :, 0].tolist(),
            "overtime rep 1 day 1": overtime[1, 1, :, 0].tolist(),
        }
        assert expected == actual

    def test_break_time_by_slot_and_group(self, hand_tallies: Tallies) -> None:
        """Break time is cut at interval boundaries and lands in the agent's group."""
        on_break = hand_tallies.agent_sum("break_s")
        expected = {"group 0": [0, 200, 0], "group 1": [800, 100, 0]}
        actual = {
            "group 0": on_break[0, 0, :, 0].tolist(),
            "group 1": on_break[0, 0, :, 1].tolist(),
        }
        assert expected == actual
        expected_total = 1100.0
        assert expected_total == on_break.sum()

    def test_no_records_no_tallies(self) -> None:
        """Empty records give all-zero tallies of the right shape."""
        tallies = tally_records(bundle(), hand_plan(), reps=3)
        assert tallies.reps == 3
        assert not tallies.call_counts.any()
        assert not tallies.call_sums.any()
        assert not tallies.agent_sums.any()
        assert not tallies.group_calls.any()
        assert (3, 2, 2, 2, 2, len(GROUP_CALLS)) == tallies.group_calls.shape


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


def _groups_breaks_redials() -> Plan:
    """Two days, two call types, three groups with tiers and overflow, breaks (some due during
    a call, some cut by the shift end), split shifts, redials, repeats, busyness, absences."""
    base = build_plan(
        _hand(
            calendar={"days": 2, "open": "08:00", "close": "11:00", "interval_minutes": 30},
            service_level={"threshold_s": 20, "short_abandon_s": 5},
            call_types={
                "a": {
                    "volume": {"per_hour": 240},
                    "handle_time": {"dist": "lognormal", "mean_s": 240, "cv": 0.8, "acw_s": 15},
                    "patience": {"dist": "exponential", "mean_s": 150},
                },
                "b": {
                    "priority": 2,
                    "volume": {"per_hour": 60},
                    "handle_time": {"dist": "gamma", "mean_s": 300, "cv": 1.2},
                    "patience": {"dist": "lognormal", "mean_s": 90, "cv": 1.0},
                },
            },
        )
    )
    agent_group = [0] * 10 + [1] * 6 + [2] * 4
    events = []
    for day, (open_at, close_at) in enumerate(zip(base.open_at, base.close_at, strict=True)):
        for a in range(len(agent_group)):
            if a % 5 == 2:  # split shift
                events += [(open_at, RosterKind.ON, a, day, 0.0)]
                events += [(open_at + 3600, RosterKind.OFF, a, day, 0.0)]
                events += [(open_at + 5400, RosterKind.ON, a, day, 0.0)]
            else:
                events += [(open_at + (a % 3) * 600.0, RosterKind.ON, a, day, 0.0)]
            events += [(close_at, RosterKind.OFF_DRAIN, a, day, 0.0)]
            if a % 2 == 0:
                events += [(open_at + 2400 + (a % 4) * 600.0, RosterKind.BREAK, a, day, 900.0)]
            if a % 5 == 1:
                events += [(close_at - 300.0, RosterKind.BREAK, a, day, 900.0)]
        events += [(close_at, RosterKind.CLOSE, day, day, 0.0)]
    events.sort(key=lambda e: (e[0], int(e[1]), e[2]))
    return dataclasses.replace(
        base,
        groups=("g0", "g1", "g2"),
        **inbound_group_tables(3),
        tiers=("trainee", "standard", "expert"),
        group_role=("agent",) * 3,
        skill_tier=np.array([[1, -1], [2, 2], [-1, 0]]),
        tier_factor=np.array([[1.0, np.nan], [0.8, 0.9], [np.nan, 1.4]]),
        tier_fcr=np.array([[0.9, np.nan], [0.97, 0.95], [np.nan, 0.8]]),
        routing_group=np.array([[0, 1], [2, 1]]),
        routing_after_s=np.array([[0.0, 30.0], [0.0, 0.0]]),
        redial_probability=np.array([0.4, 0.6]),
        redial_delay_s=np.array([300.0, 120.0]),
        redial_max_attempts=np.array([10, 10]),
        repeat_delay_s=np.array([900.0, 600.0]),
        day_cv_shared=0.1,
        day_cv=np.array([0.05, 0.2]),
        absenteeism=np.array([0.1, 0.1, 0.2]),
        agent_group=np.array(agent_group),
        roster_at=np.array([e[0] for e in events]),
        roster_kind=np.array([int(e[1]) for e in events]),
        roster_who=np.array([e[2] for e in events]),
        roster_day=np.array([e[3] for e in events]),
        roster_length_s=np.array([e[4] for e in events]),
        scheduled_agents=np.zeros((2, base.n_intervals, 3), dtype=np.int64),
    )


KERNEL_CASES["groups_breaks_redials"] = _groups_breaks_redials


class TestKernelTallies:
    """The fast engine tallies inside its kernel exactly what its records say."""

    @pytest.mark.parametrize("name", list(KERNEL_CASES))
    def test_kernel_tallies_equal_record_tallies(self, name: str) -> None:
        """Counts are equal; sums agree to a relative 1e-12 (the order of additions differs)."""
        result = simulate(KERNEL_CASES[name](), reps=3, seed=17, engine="fast", keep_records=True)
        assert result.records is not None
        expected = tally_records(result.records, result.plan, result.reps)
        assert np.array_equal(expected.call_counts, result.tallies.call_counts)
        np.testing.assert_allclose(result.tallies.call_sums, expected.call_sums, rtol=1e-12, atol=0)
        np.testing.assert_allclose(
            result.tallies.agent_sums, expected.agent_sums, rtol=1e-12, atol=0
        )
        assert np.array_equal(expected.group_call("handled"), result.tallies.group_call("handled"))
        assert np.array_equal(expected.group_counts, result.tallies.group_counts)
        np.testing.assert_allclose(
            result.tallies.group_call("handle_s"),
            expected.group_call("handle_s"),
            rtol=1e-12,
            atol=0,
        )
        assert result.tallies.count("offered").sum() == len(result.calls)
        assert result.tallies.agent_sum("overtime_s").sum() > 0 or name == "steady_state"

    def test_the_generalised_case_exercises_its_features(self) -> None:
        """The plan with groups has breaks, redials, repeats and calls answered by every group."""
        result = simulate(_groups_breaks_redials(), reps=3, seed=17, engine="fast")
        tallies = result.tallies
        handled_by_group = tallies.group_call("handled").sum(axis=(0, 1, 2, 4))
        assert np.all(handled_by_group > 0)
        assert tallies.agent_sum("break_s").sum() > 0
        assert tallies.count("redials").sum() > 0
        assert tallies.count("repeats").sum() > 0

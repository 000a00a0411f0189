"""KPIs of outbound work, reserves off the phones, control actions and wages, known answers.

Records are built by hand for one day 08:00-09:00 (two 30-minute intervals, then the after-close
slot from 09:00) and three groups: ``agents`` (inbound, 20 an hour), ``buffer`` (blended, 18)
and ``sup`` (reserve, 30). They go through :func:`tally_records` and the KPI functions.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers import make_scenario

from sim.engines.base import (
    RECORD_KINDS,
    CallRecords,
    ControlKind,
    ControlRecords,
    OffPhoneRecords,
    OutboundOutcome,
    OutboundRecords,
    Records,
    ShiftRecords,
    Tallies,
    column_dtype,
)
from sim.results import tally_records
from sim.results.kpis import (
    AGENT_KPIS,
    ALL,
    OUTBOUND_RATE_KPIS,
    group_kpis,
    replication_kpis,
)
from sim.scenario import Plan, build_plan
from sim.scenario.plan import GroupKind

OPEN_AT = 8 * 3600.0
ANSWERED = 1
CONTACT, NO_CONTACT = int(OutboundOutcome.CONTACT), int(OutboundOutcome.NO_CONTACT)
AGENTS, BUFFER, SUP = 0, 1, 2


def _t(minutes: float) -> float:
    return OPEN_AT + 60.0 * minutes


def _columns(kind: type, rows: list[dict[str, Any]]) -> Any:
    """Records of ``kind`` from rows (every field given)."""
    return kind(
        **{
            f.name: np.array([r[f.name] for r in rows], dtype=column_dtype(kind, f.name))
            for f in dataclasses.fields(kind)
        }
    )


def call_records(rows: list[tuple[int, float, int, float]]) -> CallRecords:
    """Answered calls of call type 0 from (interval, minute answered, group, handle_s) rows."""
    return _columns(
        CallRecords,
        [
            {
                "rep": 0,
                "call_id": i,
                "call_type": 0,
                "day": 0,
                "interval": interval,
                "origin": 0,
                "arrived_at": _t(minute),
                "answered_at": _t(minute),
                "left_at": _t(minute) + handle_s,
                "ended_at": _t(minute) + handle_s,
                "outcome": ANSWERED,
                "group": group,
                "agent": group,
                "tier": 0,
                "handle_s": handle_s,
                "patience_s": math.inf,
                "redial_given_up": 0,
                "repeat_given_up": 0,
                "entered_at": _t(minute),
                "bot_path": 0,
            }
            for i, (interval, minute, group, handle_s) in enumerate(rows)
        ],
    )


def shift_records(rows: list[tuple[int, float, float, float]]) -> ShiftRecords:
    """Shifts from (group = agent, on, off, scheduled off) rows, in minutes after 08:00."""
    return _columns(
        ShiftRecords,
        [
            {
                "rep": 0,
                "agent": group,
                "group": group,
                "on_at": _t(on),
                "off_at": _t(off),
                "scheduled_off_at": _t(scheduled),
            }
            for group, on, off, scheduled in rows
        ],
    )


def bundle(**kinds: Any) -> Records:
    """Records of the given kinds, the other kinds empty."""
    empty = {name: _columns(kind, []) for name, kind in RECORD_KINDS.items() if name not in kinds}
    return Records(**kinds, **empty)


def blended_plan() -> Plan:
    """One day 08:00-09:00, 30-minute intervals, groups agents, buffer (blended), sup (reserve)."""
    plan = build_plan(
        make_scenario(
            calendar={"open": "08:00", "close": "09:00", "interval_minutes": 30},
        )
    )
    return dataclasses.replace(
        plan,
        groups=("agents", "buffer", "sup"),
        group_role=("agent", "blended", "supervisor"),
        group_kind=np.array([GroupKind.INBOUND, GroupKind.BLENDED, GroupKind.RESERVE]),
        wage_per_hour=np.array([20.0, 18.0, 30.0]),
        skill_tier=np.zeros((3, 1), dtype=np.int64),
        tier_factor=np.ones((3, 1)),
        tier_fcr=np.ones((3, 1)),
        absenteeism=np.zeros(3),
        scheduled_agents=np.ones((1, 2, 3)),
    )


def blended_records() -> Any:
    """One replication, one agent per group.

    * agents: on 08:00-09:00; answers a call at 08:05 (600 s).
    * buffer: on 08:00-09:00; outbound 08:00-08:10 (contact), 08:10-08:12 (no contact),
      08:35-08:40 (contact); answers a call at 08:40 (300 s); switches to inbound at 08:30
      and 09:02 (after close), back to outbound at 08:45.
    * sup: on 08:00-09:10 (scheduled off 09:00: 600 s overtime); off the phones 08:00-08:45 and
      09:05-09:10; activated at 08:45, released at 09:05; answers a call at 08:50 (900 s, to
      09:05).
    """
    calls = call_records([(0, 5, AGENTS, 600.0), (1, 40, BUFFER, 300.0), (1, 50, SUP, 900.0)])
    shifts = shift_records(
        [
            (AGENTS, 0, 60, 60),
            (BUFFER, 0, 60, 60),
            (SUP, 0, 70, 60),
        ]
    )
    attempts = [(0, 10, CONTACT, 400.0), (10, 12, NO_CONTACT, math.nan), (35, 40, CONTACT, 200.0)]
    outbound = OutboundRecords(
        rep=np.zeros(3, dtype=np.int32),
        group=np.full(3, BUFFER, dtype=np.int16),
        agent=np.full(3, BUFFER, dtype=np.int32),
        start_at=np.array([_t(a[0]) for a in attempts]),
        end_at=np.array([_t(a[1]) for a in attempts]),
        outcome=np.array([a[2] for a in attempts], dtype=np.int8),
        talk_s=np.array([a[3] for a in attempts]),
    )
    off_phone = OffPhoneRecords(
        rep=np.zeros(2, dtype=np.int32),
        agent=np.full(2, SUP, dtype=np.int32),
        group=np.full(2, SUP, dtype=np.int16),
        start_at=np.array([_t(0), _t(65)]),
        end_at=np.array([_t(45), _t(70)]),
    )
    actions = [
        (BUFFER, -1, 30, ControlKind.TO_INBOUND),
        (BUFFER, -1, 45, ControlKind.TO_OUTBOUND),
        (SUP, SUP, 45, ControlKind.ACTIVATE),
        (BUFFER, -1, 62, ControlKind.TO_INBOUND),
        (SUP, SUP, 65, ControlKind.DEACTIVATE),
    ]
    controls = ControlRecords(
        rep=np.zeros(len(actions), dtype=np.int32),
        group=np.array([a[0] for a in actions], dtype=np.int16),
        agent=np.array([a[1] for a in actions], dtype=np.int32),
        at=np.array([_t(a[2]) for a in actions]),
        kind=np.array([a[3] for a in actions], dtype=np.int8),
    )
    return bundle(
        calls=calls, shifts=shifts, outbound=outbound, off_phone=off_phone, controls=controls
    )


def blended_tallies(plan: Plan) -> Tallies:
    return tally_records(blended_records(), plan, 1)


def cell(frame: pd.DataFrame, group: str, **keys: int) -> pd.Series:
    """The ``call_type == "all"`` row of one group (and period cell)."""
    mask = (frame["group"] == group) & (frame["call_type"] == ALL)
    for column, value in keys.items():
        mask &= frame[column] == value
    assert 1 == mask.sum(), f"{mask.sum()} rows for {group}, {keys}"
    return frame[mask].iloc[0]


def values_of(row: pd.Series, expected: dict[str, float]) -> dict[str, float]:
    return {name: float(row[name]) for name in expected}


class TestAgentTime:
    def test_outbound_off_phone_and_phone_hours_per_interval(self) -> None:
        """Outbound time is the buffer's attempts; off-phone time the reserve's spans."""
        plan = blended_plan()
        frame = group_kpis(blended_tallies(plan), plan, "interval")
        expected = {
            ("buffer", 0): {"outbound_h": 720 / 3600, "off_phone_h": 0.0, "phone_h": 0.5},
            ("buffer", 1): {"outbound_h": 300 / 3600, "off_phone_h": 0.0, "phone_h": 0.5},
            ("sup", 0): {"outbound_h": 0.0, "off_phone_h": 0.5, "phone_h": 0.0},
            ("sup", 1): {"outbound_h": 0.0, "off_phone_h": 0.25, "phone_h": 0.25},
            ("agents", 0): {"outbound_h": 0.0, "off_phone_h": 0.0, "phone_h": 0.5},
        }
        for (group, interval), values in expected.items():
            actual = values_of(cell(frame, group, interval=interval), values)
            assert values == pytest.approx(actual, rel=1e-12), (group, interval)

    def test_occupancy_and_idle_exclude_outbound_and_off_phone_time(self) -> None:
        """Occupancy = busy / (staffed - break - outbound - off phone); idle is what is left."""
        plan = blended_plan()
        frame = group_kpis(blended_tallies(plan), plan, "interval")
        buffer_1 = cell(frame, "buffer", interval=1)
        assert 300 / (1800 - 300) == pytest.approx(buffer_1["occupancy"], rel=1e-12)
        assert (1800 - 300 - 300) / 3600 == pytest.approx(buffer_1["idle_h"], rel=1e-12)
        buffer_0 = cell(frame, "buffer", interval=0)
        assert 0.0 == buffer_0["occupancy"]
        assert (1800 - 720) / 3600 == pytest.approx(buffer_0["idle_h"], rel=1e-12)
        sup_1 = cell(frame, "sup", interval=1)
        assert 600 / (1800 - 900) == pytest.approx(sup_1["occupancy"], rel=1e-12)
        assert (1800 - 600 - 900) / 3600 == pytest.approx(sup_1["idle_h"], rel=1e-12)
        sup_0 = cell(frame, "sup", interval=0)  # off the phones all along: nothing available
        assert math.isnan(sup_0["occupancy"])
        assert 0.0 == sup_0["idle_h"]
        everyone = cell(frame, ALL, interval=1)
        busy, available = 300 + 600, 3 * 1800 - 300 - 900
        assert busy / available == pytest.approx(everyone["occupancy"], rel=1e-12)

    def test_total_counts_the_drain_after_closing(self) -> None:
        """The whole day adds the after-close slot: the reserve's overtime, call and release."""
        plan = blended_plan()
        frame = group_kpis(blended_tallies(plan), plan, "total")
        sup = cell(frame, "sup")
        expected = {
            "staffed_h": 4200 / 3600,
            "busy_h": 900 / 3600,
            "off_phone_h": 3000 / 3600,
            "phone_h": 1200 / 3600,
            "reserve_phone_h": 1200 / 3600,
            "occupancy": 900 / 1200,
            "idle_h": (4200 - 900 - 3000) / 3600,
            "overtime_h": 600 / 3600,
        }
        assert expected == pytest.approx(values_of(sup, expected), rel=1e-12)


class TestOutboundAndControls:
    def test_counts_per_interval_by_slot_of_attempt_or_action(self) -> None:
        """Attempts and contacts count where they started; control actions where they happened."""
        plan = blended_plan()
        frame = group_kpis(blended_tallies(plan), plan, "interval")
        names = (
            "outbound_attempts",
            "outbound_contacts",
            "switches_to_inbound",
            "switches_to_outbound",
            "activations",
        )
        expected = {
            ("buffer", 0): (2, 1, 0, 0, 0),
            ("buffer", 1): (1, 1, 1, 1, 0),
            ("sup", 0): (0, 0, 0, 0, 0),
            ("sup", 1): (0, 0, 0, 0, 1),
            (ALL, 1): (1, 1, 1, 1, 1),
        }
        for (group, interval), values in expected.items():
            row = cell(frame, group, interval=interval)
            assert values == tuple(row[name] for name in names), (group, interval)

    def test_day_and_total_include_actions_after_closing(self) -> None:
        """A switch after closing counts in the day and the whole run, like the drain's time."""
        plan = blended_plan()
        tallies = blended_tallies(plan)
        for period in ("day", "total"):
            buffer = cell(group_kpis(tallies, plan, period), "buffer")
            expected = {
                "outbound_attempts": 3,
                "outbound_contacts": 2,
                "switches_to_inbound": 2,
                "switches_to_outbound": 1,
                "activations": 0,
            }
            assert expected == values_of(buffer, expected), period

    def test_contacts_per_outbound_hour(self) -> None:
        """contacts_per_agent_h = contacts / outbound hours; NaN without outbound time."""
        plan = blended_plan()
        tallies = blended_tallies(plan)
        interval = group_kpis(tallies, plan, "interval")
        assert 1 / (720 / 3600) == pytest.approx(
            cell(interval, "buffer", interval=0)["contacts_per_agent_h"], rel=1e-12
        )
        total = group_kpis(tallies, plan, "total")
        assert 2 / (1020 / 3600) == pytest.approx(
            cell(total, "buffer")["contacts_per_agent_h"], rel=1e-12
        )
        assert math.isnan(cell(total, "sup")["contacts_per_agent_h"])
        assert 2 / (1020 / 3600) == pytest.approx(
            cell(total, ALL)["contacts_per_agent_h"], rel=1e-12
        )


class TestCosts:
    def test_wage_cost_is_staffed_hours_times_wage_summed_over_groups(self) -> None:
        """wage_cost per group is staffed hours x its wage; the "all" group adds them."""
        plan = blended_plan()
        frame = group_kpis(blended_tallies(plan), plan, "total")
        expected = {"agents": 20.0, "buffer": 18.0, "sup": 4200 / 3600 * 30.0}
        expected[ALL] = sum(expected.values())
        actual = {group: cell(frame, group)["wage_cost"] for group in expected}
        assert expected == pytest.approx(actual, rel=1e-12)

    def test_reserve_phone_cost_only_for_reserves(self) -> None:
        """Reserves' phone hours at their wage; zero for inbound and blended groups."""
        plan = blended_plan()
        tallies = blended_tallies(plan)
        interval = group_kpis(tallies, plan, "interval")
        assert 0.25 * 30.0 == pytest.approx(
            cell(interval, "sup", interval=1)["reserve_phone_cost"], rel=1e-12
        )
        total = group_kpis(tallies, plan, "total")
        expected = {"agents": 0.0, "buffer": 0.0, "sup": 1200 / 3600 * 30.0}
        expected[ALL] = expected["sup"]
        actual = {group: cell(total, group)["reserve_phone_cost"] for group in expected}
        assert expected == pytest.approx(actual, rel=1e-12)
        reserve_h = {group: cell(total, group)["reserve_phone_h"] for group in expected}
        assert {"agents": 0.0, "buffer": 0.0, "sup": 1 / 3, ALL: 1 / 3} == pytest.approx(
            reserve_h, rel=1e-12
        )


class TestCentre:
    @pytest.mark.parametrize("period", ["interval", "day", "total"])
    def test_centre_rows_equal_the_all_group(self, period: str) -> None:
        """replication_kpis carries the "all" group's values of every new KPI."""
        plan = blended_plan()
        tallies = blended_tallies(plan)
        groups = group_kpis(tallies, plan, period)
        centre = replication_kpis(tallies, plan, period)
        everyone = groups[(groups["group"] == ALL) & (groups["call_type"] == ALL)]
        kpis = [*AGENT_KPIS, *OUTBOUND_RATE_KPIS]
        pd.testing.assert_frame_equal(
            centre.loc[centre["call_type"] == ALL, kpis].reset_index(drop=True),
            everyone[kpis].reset_index(drop=True),
        )

    def test_centre_totals(self) -> None:
        """Whole-day centre values of the outbound, reserve and cost KPIs."""
        plan = blended_plan()
        centre = replication_kpis(blended_tallies(plan), plan, "total")
        row = centre[centre["call_type"] == ALL].iloc[0]
        expected = {
            "outbound_h": 1020 / 3600,
            "outbound_contacts": 2,
            "reserve_phone_h": 1200 / 3600,
            "wage_cost": 20.0 + 18.0 + 35.0,
            "reserve_phone_cost": 10.0,
            "phone_h": (3600 + 3600 + 1200) / 3600,
            "occupancy": (600 + 300 + 900) / (3600 + 3600 + 4200 - 1020 - 3000),
        }
        assert expected == pytest.approx(values_of(row, expected), rel=1e-12)

    def test_plain_plan_has_no_outbound_or_off_phone_time(self) -> None:
        """Without blended or reserve groups the new hours and counts are zero, phone = staffed
        less breaks, and occupancy keeps its old definition."""
        plan = build_plan(make_scenario(groups={"agents": {"headcount": 2, "wage_per_hour": 10}}))
        tallies = Tallies.zeros(plan, 1)
        tallies.agent_sum("staffed_s")[0, 0, 0, 0] = 3600.0
        tallies.agent_sum("busy_s")[0, 0, 0, 0] = 1800.0
        tallies.agent_sum("break_s")[0, 0, 0, 0] = 600.0
        row = replication_kpis(tallies, plan, "total").iloc[-1]
        expected = {
            "occupancy": 1800 / 3000,
            "idle_h": 1200 / 3600,
            "outbound_h": 0.0,
            "off_phone_h": 0.0,
            "phone_h": 3000 / 3600,
            "reserve_phone_h": 0.0,
            "outbound_contacts": 0.0,
            "wage_cost": 10.0,
            "reserve_phone_cost": 0.0,
        }
        assert expected == pytest.approx(values_of(row, expected), rel=1e-12)
        assert math.isnan(row["contacts_per_agent_h"])


class TestSteadyState:
    def test_warm_up_and_drain_left_out_of_counts(self) -> None:
        """Attempts in the warm-up or after the horizon count nowhere in steady state."""
        plan = build_plan(
            make_scenario(
                calendar=None,
                steady_state={"horizon_h": 3, "warmup_h": 1, "interval_minutes": 60},
            )
        )
        tallies = Tallies.zeros(plan, 1)
        for slot, attempts in enumerate((100, 10, 20, 1000)):  # warm-up, two intervals, drain
            tallies.group_count("attempts")[0, 0, slot, 0] = attempts
        total = replication_kpis(tallies, plan, "total").iloc[-1]
        assert 30 == total["outbound_attempts"]
        intervals = replication_kpis(tallies, plan, "interval")
        centre = intervals[intervals["call_type"] == ALL]
        assert [10, 20] == centre["outbound_attempts"].tolist()

"""Staffing in the plan: shift patterns, breaks, overtime and rosters become agents and events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import SCENARIOS, make_scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.scenario import Plan, build_plan, load_scenario, scenario_from_dict
from sim.scenario.plan import RosterKind

CLOSE, OFF, OFF_DRAIN, BREAK, ON = (
    RosterKind.CLOSE,
    RosterKind.OFF,
    RosterKind.OFF_DRAIN,
    RosterKind.BREAK,
    RosterKind.ON,
)
HOUR = 3600.0
DAY = 86400.0

Event = tuple[float, int, int, int, float]


def _calendar(days: int = 1, minutes: int = 30, at_close: str = "drain") -> dict[str, Any]:
    """Return a 08:00-20:00 calendar section."""
    return {
        "days": days,
        "open": "08:00",
        "close": "20:00",
        "interval_minutes": minutes,
        "at_close": at_close,
    }


def _plan(
    shifts: dict[str, Any],
    groups: dict[str, Any],
    *,
    calendar: dict[str, Any] | None = None,
    **sections: Any,
) -> Plan:
    """Build the plan of a scenario with the given shift patterns and groups (08:00-20:00)."""
    scenario = make_scenario(
        calendar=calendar or _calendar(), shifts=shifts, groups=groups, **sections
    )
    return build_plan(scenario)


def _one_group(shifts: dict[str, Any], counts: dict[str, int], **fields: Any) -> Plan:
    """Build the plan of one group staffed by ``counts`` of the ``shifts`` patterns."""
    return _plan(shifts, {"agents": {"shifts": counts, **fields}})


def _events(plan: Plan) -> list[Event]:
    """Return the roster as ``(at, kind, who, day, length_s)`` tuples."""
    columns = (
        plan.roster_at.tolist(),
        plan.roster_kind.tolist(),
        plan.roster_who.tolist(),
        plan.roster_day.tolist(),
        plan.roster_length_s.tolist(),
    )
    return list(zip(*columns, strict=True))


def _agent_events(plan: Plan, agent: int, *kinds: int) -> list[tuple[float, int]]:
    """Return ``(at in hours, kind)`` of one agent's events of the given kinds."""
    return [
        (at / HOUR, kind)
        for at, kind, who, _, _ in _events(plan)
        if who == agent and kind in kinds and kind != CLOSE
    ]


def _replayed_agents(plan: Plan) -> np.ndarray:
    """Replay ON/OFF events and return time-weighted agents on duty per day, interval, group."""
    on_since: dict[int, float] = {}
    spans: list[tuple[int, float, float]] = []
    for at, kind, who, _, _ in _events(plan):
        if kind == ON:
            assert who not in on_since, f"agent {who} goes on duty twice at {at}"
            on_since[who] = at
        elif kind in (OFF, OFF_DRAIN):
            spans.append((who, on_since.pop(who), at))
    assert not on_since, "every ON has its OFF"
    return _time_weighted(plan, spans)


def _replayed_breaks(plan: Plan) -> np.ndarray:
    """Return time-weighted scheduled breaks per day, interval and group from BREAK events."""
    spans = [(who, at, at + length) for at, kind, who, _, length in _events(plan) if kind == BREAK]
    return _time_weighted(plan, spans)


def _time_weighted(plan: Plan, spans: list[tuple[int, float, float]]) -> np.ndarray:
    """Sum ``(agent, start, end)`` spans per day, interval and group, in interval lengths."""
    shape = (plan.n_days, plan.n_intervals, plan.n_groups)
    total = np.zeros(shape)
    starts = plan.segment_start_at.reshape(plan.n_days, plan.n_intervals)
    for agent, start, end in spans:
        overlap = np.minimum(end, starts + plan.interval_s) - np.maximum(start, starts)
        total[:, :, plan.agent_group[agent]] += np.clip(overlap, 0, None) / plan.interval_s
    return total


STANDARD_BREAKS = [{"after_h": 2, "minutes": 15}, {"after_h": 4, "minutes": 30}]


STAGGER = {"stagger": {"start": "09:00", "every_minutes": 30, "until": "10:00", "length_h": 8}}


class TestStaggered:
    """A staggered pattern starts its agents round robin over the starts."""

    def test_scheduled_agents_ramp_up_and_down(self) -> None:
        """6 agents from 09:00 every 30 min until 10:00, 8 h: 2 start at each of 3 starts."""
        plan = _one_group(STAGGER, {"stagger": 6})
        #          08:00 08:30 09:00 09:30 10:00-16:30  17:00 17:30 18:00-19:30
        expected = [0, 0, 2, 4] + [6] * 14 + [4, 2] + [0] * 4
        assert expected == plan.scheduled_agents[0, :, 0].tolist()

    def test_agent_i_takes_start_i_mod_n(self) -> None:
        """Agents 0 and 3 start at 09:00, 1 and 4 at 09:30, 2 and 5 at 10:00."""
        plan = _one_group(STAGGER, {"stagger": 6})
        ons = [(who, at / HOUR) for at, kind, who, _, _ in _events(plan) if kind == ON]
        expected = [(0, 9.0), (3, 9.0), (1, 9.5), (4, 9.5), (2, 10.0), (5, 10.0)]
        assert expected == ons

    def test_last_start_may_be_before_until(self) -> None:
        """Starts every 60 min from 09:00 until 10:30 are 09:00 and 10:00 only."""
        shift = {"start": "09:00", "every_minutes": 60, "until": "10:30", "length_h": 4}
        plan = _one_group({"s": shift}, {"s": 3})
        ons = sorted(at / HOUR for at, kind, _, _, _ in _events(plan) if kind == ON)
        expected = [9.0, 9.0, 10.0]
        assert expected == ons

    def test_quarter_hour_starts_in_half_hour_intervals(self) -> None:
        """Starts at 09:00 and 09:15 each put half an agent in 09:00-09:30 and 17:00-17:30."""
        shift = {"start": "09:00", "every_minutes": 15, "until": "09:15", "length_h": 8}
        plan = _one_group({"s": shift}, {"s": 2})
        agents = plan.scheduled_agents[0, :, 0]
        expected = (1.5, 2.0, 0.5)  # 09:00-09:30, 09:30-10:00, 17:00-17:30
        assert expected == (agents[2], agents[3], agents[18])


class TestFixedAndSplit:
    """Fixed shifts (by length or end) and split shifts."""

    def test_fixed_by_end_equals_fixed_by_length(self) -> None:
        """``end: "16:00"`` and ``length_h: 8`` from 08:00 give the same roster."""
        by_end = _one_group({"f": {"start": "08:00", "end": "16:00"}}, {"f": 2})
        by_length = _one_group({"f": {"start": "08:00", "length_h": 8}}, {"f": 2})
        assert _events(by_length) == _events(by_end)

    def test_split_gives_two_on_off_pairs_per_day(self) -> None:
        """08:00-12:00 and 16:00-20:00 over 2 days: ON, OFF, ON, OFF_DRAIN each day."""
        shift = {"segments": [["08:00", "12:00"], ["16:00", "20:00"]]}
        plan = _plan({"split": shift}, {"agents": {"shifts": {"split": 1}}}, calendar=_calendar(2))
        one_day = [(8.0, ON), (12.0, OFF), (16.0, ON), (20.0, OFF_DRAIN)]
        expected = one_day + [(at + 24, kind) for at, kind in one_day]
        assert expected == _agent_events(plan, 0, ON, OFF, OFF_DRAIN)

    def test_split_scheduled_agents(self) -> None:
        """A split shift is on duty in its segments only."""
        shift = {"segments": [["08:00", "12:00"], ["16:00", "20:00"]]}
        plan = _one_group({"split": shift}, {"split": 3})
        expected = [3.0] * 8 + [0.0] * 8 + [3.0] * 8
        assert expected == plan.scheduled_agents[0, :, 0].tolist()

    def test_shift_ending_before_close_gets_off_with_drain(self) -> None:
        """Only a segment that ends at closing gets OFF_DRAIN."""
        plan = _one_group({"f": {"start": "08:00", "length_h": 8}}, {"f": 1})
        expected = [(8.0, ON), (16.0, OFF)]
        assert expected == _agent_events(plan, 0, ON, OFF, OFF_DRAIN)

    def test_drop_ends_shifts_at_close_with_off(self) -> None:
        """With ``at_close: drop`` a shift ending at closing gets OFF."""
        shift = {"f": {"start": "12:00", "end": "20:00"}}
        plan = _plan(shift, {"a": {"shifts": {"f": 1}}}, calendar=_calendar(at_close="drop"))
        expected = [(12.0, ON), (20.0, OFF)]
        assert expected == _agent_events(plan, 0, ON, OFF, OFF_DRAIN)


class TestBreaks:
    """Breaks become BREAK events with their length, and scheduled break time."""

    def test_breaks_at_offsets_and_clock_times(self) -> None:
        """``after_h: 2`` on an 08:00 shift is 10:00; ``at: "12:30"`` is 12:30."""
        breaks = [{"after_h": 2, "minutes": 15}, {"at": "12:30", "minutes": 30}]
        plan = _one_group({"f": {"start": "08:00", "length_h": 8, "breaks": breaks}}, {"f": 1})
        expected = [(10 * HOUR, BREAK, 0, 0, 900.0), (12.5 * HOUR, BREAK, 0, 0, 1800.0)]
        assert expected == [event for event in _events(plan) if event[1] == BREAK]

    def test_staggered_breaks_follow_each_start(self) -> None:
        """An ``after_h`` break is relative to each agent's own start."""
        shift = {
            "start": "09:00",
            "every_minutes": 60,
            "until": "10:00",
            "length_h": 6,
            "breaks": [{"after_h": 3, "minutes": 15}],
        }
        plan = _one_group({"s": shift}, {"s": 2})
        breaks = [(who, at / HOUR) for at, kind, who, _, _ in _events(plan) if kind == BREAK]
        expected = [(0, 12.0), (1, 13.0)]
        assert expected == breaks

    def test_named_break_pattern(self) -> None:
        """A shift may name a pattern of ``break_patterns``."""
        shifts = {"f": {"start": "08:00", "length_h": 8, "breaks": "standard"}}
        plan = _plan(
            shifts,
            {"agents": {"shifts": {"f": 1}}},
            break_patterns={"standard": STANDARD_BREAKS},
        )
        expected = [(10.0, 900.0), (12.0, 1800.0)]
        actual = [(at / HOUR, length) for at, kind, _, _, length in _events(plan) if kind == BREAK]
        assert expected == actual

    def test_scheduled_breaks(self) -> None:
        """Break time per interval / interval length: 2 agents x 15 min in 10:00-10:30 is 1."""
        shifts = {"f": {"start": "08:00", "length_h": 8, "breaks": STANDARD_BREAKS}}
        plan = _one_group(shifts, {"f": 2})
        expected = np.zeros(24)
        expected[4] = 1.0  # 10:00-10:30: 2 x 15 / 30
        expected[8] = 2.0  # 12:00-12:30: 2 x 30 / 30
        np.testing.assert_array_equal(expected, plan.scheduled_breaks[0, :, 0])

    @pytest.mark.parametrize(("policy", "expected"), [("delay", False), ("shorten", True)])
    def test_break_policy(self, policy: str, expected: bool) -> None:
        """``break_policy: shorten`` sets ``breaks_shorten``."""
        plan = _plan(
            {"f": {"start": "08:00", "length_h": 8}},
            {"agents": {"shifts": {"f": 1}}},
            break_policy=policy,
        )
        assert expected == plan.breaks_shorten


class TestOvertime:
    """Voluntary overtime extends the last segment of the first agents of a shift."""

    def test_first_agents_leave_later(self) -> None:
        """3 agents 08:00-16:00, 2 with 90 minutes of overtime: agents 0-1 leave at 17:30."""
        overtime = [{"shift": "early", "agents": 2, "minutes": 90}]
        plan = _one_group(
            {"early": {"start": "08:00", "length_h": 8}}, {"early": 3}, overtime=overtime
        )
        offs = [(who, at / HOUR) for at, kind, who, _, _ in _events(plan) if kind == OFF]
        expected = [(2, 16.0), (0, 17.5), (1, 17.5)]
        assert expected == offs

    def test_split_overtime_extends_last_segment(self) -> None:
        """Overtime on a split shift moves the end of its last segment only."""
        shift = {"segments": [["08:00", "11:00"], ["14:00", "18:00"]]}
        overtime = [{"shift": "split", "agents": 1, "minutes": 60}]
        plan = _one_group({"split": shift}, {"split": 1}, overtime=overtime)
        expected = [(8.0, ON), (11.0, OFF), (14.0, ON), (19.0, OFF)]
        assert expected == _agent_events(plan, 0, ON, OFF)

    def test_overtime_to_closing_drains(self) -> None:
        """Overtime that ends exactly at closing gets OFF_DRAIN."""
        overtime = [{"shift": "late", "agents": 1, "minutes": 60}]
        shift = {"late": {"start": "11:00", "end": "19:00"}}
        plan = _one_group(shift, {"late": 1}, overtime=overtime)
        expected = [(11.0, ON), (20.0, OFF_DRAIN)]
        assert expected == _agent_events(plan, 0, ON, OFF, OFF_DRAIN)

    def test_overtime_in_scheduled_agents(self) -> None:
        """Overtime counts as scheduled time."""
        overtime = [{"shift": "early", "agents": 2, "minutes": 90}]
        plan = _one_group(
            {"early": {"start": "08:00", "length_h": 8}}, {"early": 3}, overtime=overtime
        )
        agents = plan.scheduled_agents[0, :, 0].tolist()
        expected = [3.0] * 16 + [2.0] * 3 + [0.0] * 5
        assert expected == agents


class TestDaysAndGroups:
    """Working days, several groups and roles."""

    def test_four_by_ten_over_five_days(self) -> None:
        """A 10 h shift on days 0-3 of a 5-day calendar: no duty on day 4."""
        shift = {"ten": {"start": "09:00", "length_h": 10, "days": [0, 1, 2, 3]}}
        plan = _plan(shift, {"agents": {"shifts": {"ten": 2}}}, calendar=_calendar(5))
        days_on = sorted({day for _, kind, _, day, _ in _events(plan) if kind == ON})
        expected = [0, 1, 2, 3]
        assert expected == days_on
        totals = plan.scheduled_agents.sum(axis=(1, 2)) * plan.interval_s / HOUR
        assert [20.0, 20.0, 20.0, 20.0, 0.0] == totals.tolist()

    def test_roster_day_of_every_event(self) -> None:
        """Every event carries its day; CLOSE's ``who`` is the day."""
        shift = {"f": {"start": "08:00", "length_h": 8, "breaks": STANDARD_BREAKS}}
        plan = _plan(shift, {"agents": {"shifts": {"f": 1}}}, calendar=_calendar(3))
        for at, kind, who, day, _ in _events(plan):
            assert day == int(at // DAY)
            if kind == CLOSE:
                assert who == day

    def test_agents_group_by_group_pattern_by_pattern(self) -> None:
        """Agents are numbered group by group, and within a group pattern by pattern."""
        shifts = {
            "early": {"start": "08:00", "length_h": 8},
            "late": {"start": "12:00", "end": "20:00"},
        }
        groups = {
            "a": {"skills": {"calls": "standard"}, "shifts": {"late": 1, "early": 2}},
            "b": {"skills": {"calls": "standard"}, "role": "temp", "shifts": {"early": 1}},
        }
        plan = _plan(shifts, groups)
        ons = [(who, at / HOUR) for at, kind, who, _, _ in _events(plan) if kind == ON]
        expected = ([0, 0, 0, 1], [(1, 8.0), (2, 8.0), (3, 8.0), (0, 12.0)], ("agent", "temp"))
        assert expected == (plan.agent_group.tolist(), ons, plan.group_role)

    def test_scheduled_agents_per_group(self) -> None:
        """Scheduled agents have one column per group."""
        shifts = {"early": {"start": "08:00", "length_h": 8}}
        groups = {
            "a": {"skills": {"calls": "standard"}, "shifts": {"early": 2}},
            "b": {"skills": {"calls": "standard"}, "headcount": 1},
        }
        plan = _plan(shifts, groups)
        expected = [[2.0, 1.0]] * 16 + [[0.0, 1.0]] * 8
        assert expected == plan.scheduled_agents[0].tolist()

    def test_absenteeism_per_group(self) -> None:
        """Each group's absenteeism is carried into the plan."""
        groups = {
            "a": {"skills": {"calls": "standard"}, "headcount": 2, "absenteeism": 0.08},
            "b": {"skills": {"calls": "standard"}, "headcount": 1},
        }
        plan = _plan({}, groups)
        expected = [0.08, 0.0]
        assert expected == plan.absenteeism.tolist()

    def test_zero_agents_on_a_shift(self) -> None:
        """A count of 0 adds no agent."""
        plan = _one_group({"f": {"start": "08:00", "length_h": 8}}, {"f": 0})
        expected = (0, [(20 * HOUR, CLOSE, 0, 0, 0.0)])
        assert expected == (plan.n_agents, _events(plan))


ROSTER = """agent,start,end,day,breaks
ann,08:00,12:00,,10:00-10:15
bob,09:00,11:00,0,
ann,13:00,20:00,,15:00-15:30;17:00-17:15
cat,10:00,14:00,1,
"""


class TestRosterCsv:
    """A group staffed by a roster CSV: one row per agent shift segment."""

    @staticmethod
    def _plan(folder: Path, text: str = ROSTER, days: int = 2) -> Plan:
        """Build the plan of a scenario whose one group reads ``roster.csv`` in ``folder``."""
        (folder / "roster.csv").write_text(text)
        raw = {
            "name": "rostered",
            "calendar": _calendar(days),
            "call_types": {
                "calls": {
                    "volume": {"per_hour": 10},
                    "handle_time": {"dist": "exponential", "mean_s": 180},
                }
            },
            "groups": {"team": {"roster": "roster.csv"}},
        }
        return build_plan(scenario_from_dict(raw, source="s.yaml", base_dir=folder))

    def test_agents_in_order_of_first_appearance(self, tmp_path: Path) -> None:
        """ann, bob and cat are agents 0, 1 and 2 of the group."""
        plan = self._plan(tmp_path)
        expected = [0, 0, 0]
        assert expected == plan.agent_group.tolist()

    def test_events(self, tmp_path: Path) -> None:
        """Rows without a day repeat every day; two rows of ann make a split shift."""
        plan = self._plan(tmp_path)
        day_0 = [(at / HOUR, kind, who, length) for at, kind, who, day, length in _events(plan)]
        expected_day_0 = [
            (8.0, ON, 0, 0.0),
            (9.0, ON, 1, 0.0),
            (10.0, BREAK, 0, 900.0),
            (11.0, OFF, 1, 0.0),
            (12.0, OFF, 0, 0.0),
            (13.0, ON, 0, 0.0),
            (15.0, BREAK, 0, 1800.0),
            (17.0, BREAK, 0, 900.0),
            (20.0, CLOSE, 0, 0.0),
            (20.0, OFF_DRAIN, 0, 0.0),
        ]
        assert expected_day_0 == day_0[:10]
        day_1 = [(at / HOUR - 24, kind, who) for at, kind, who, _, _ in _events(plan)[10:]]
        expected_day_1 = [
            (8.0, ON, 0),
            (10.0, BREAK, 0),
            (10.0, ON, 2),
            (12.0, OFF, 0),
            (13.0, ON, 0),
            (14.0, OFF, 2),
            (15.0, BREAK, 0),
            (17.0, BREAK, 0),
            (20.0, CLOSE, 1),
            (20.0, OFF_DRAIN, 0),
        ]
        assert expected_day_1 == day_1

    def test_scheduled_agents(self, tmp_path: Path) -> None:
        """Scheduled agents count each row's segment on its days."""
        plan = self._plan(tmp_path)
        day_0 = [1.0] * 2 + [2.0] * 4 + [1.0] * 2 + [0.0] * 2 + [1.0] * 14
        day_1 = [1.0] * 4 + [2.0] * 4 + [1.0] * 2 + [2.0] * 2 + [1.0] * 12
        assert [day_0, day_1] == plan.scheduled_agents[:, :, 0].tolist()

    def test_example_files(self) -> None:
        """The shipped forecast-and-roster example: dee works a split shift on both days."""
        plan = build_plan(load_scenario(SCENARIOS / "forecast_roster_example.yaml"))
        dee = 3
        one_day = [(8.0, ON), (10.0, OFF), (10.5, ON), (12.0, OFF_DRAIN)]
        expected = one_day + [(at + 24, kind) for at, kind in one_day]
        assert expected == _agent_events(plan, dee, ON, OFF, OFF_DRAIN)
        expected_roles = ("agent", "temp")
        assert expected_roles == plan.group_role


patterns = st.one_of(
    st.builds(
        lambda start, length: {
            "start": f"{start // 4:02d}:{start % 4 * 15:02d}",
            "length_h": length,
        },
        st.integers(min_value=32, max_value=48),  # 08:00 to 12:00 in quarter hours
        st.sampled_from([1.25, 2.5, 4, 6, 8]),
    ),
    st.builds(
        lambda start, every, n_starts, length: {
            "start": f"{start // 4:02d}:{start % 4 * 15:02d}",
            "every_minutes": every,
            "until": f"{(start * 15 + every * (n_starts - 1)) // 60:02d}:"
            f"{(start * 15 + every * (n_starts - 1)) % 60:02d}",
            "length_h": length,
        },
        st.integers(min_value=32, max_value=40),  # 08:00 to 10:00
        st.sampled_from([15, 30, 60]),
        st.integers(min_value=1, max_value=4),
        st.sampled_from([2, 4.5, 6]),
    ),
)


class TestRosterProperty:
    """Replaying the roster events gives exactly the scheduled agents and breaks."""

    @settings(max_examples=100, deadline=None)
    @given(
        shifts=st.lists(patterns, min_size=1, max_size=3),
        counts=st.lists(st.integers(min_value=0, max_value=7), min_size=3, max_size=3),
        minutes=st.sampled_from([15, 30, 60]),
        days=st.integers(min_value=1, max_value=2),
        with_breaks=st.booleans(),
    )
    def test_replay_matches_scheduled(
        self,
        shifts: list[dict[str, Any]],
        counts: list[int],
        minutes: int,
        days: int,
        with_breaks: bool,
    ) -> None:
        """Time-weighted agents on duty and on break per interval equal the plan's tables."""
        breaks = [{"after_h": 0.5, "minutes": 15}, {"after_h": 1, "minutes": 10}]
        named = {
            f"p{i}": {**shift, "breaks": breaks if with_breaks else []}
            for i, shift in enumerate(shifts)
        }
        groups = {
            "a": {
                "skills": {"calls": "standard"},
                "shifts": dict(zip(named, counts, strict=False)),
            },
            "b": {"skills": {"calls": "standard"}, "shifts": {"p0": counts[-1]}},
        }
        plan = _plan(named, groups, calendar=_calendar(days, minutes))
        events = _events(plan)
        assert sorted(event[:3] for event in events) == [event[:3] for event in events]
        np.testing.assert_allclose(plan.scheduled_agents, _replayed_agents(plan), atol=1e-12)
        np.testing.assert_allclose(plan.scheduled_breaks, _replayed_breaks(plan), atol=1e-12)
        assert sum(counts[: len(named)]) + counts[-1] == plan.n_agents

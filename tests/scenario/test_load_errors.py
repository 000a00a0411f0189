"""Bad scenario input gives one line naming the file, the field, the problem and the bad value."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml
from helpers import REPO, SCENARIOS

from sim.errors import ScenarioError
from sim.scenario import load_scenario

Raw = dict[str, Any]

BASE: Raw = {
    "name": "bad",
    "calendar": {"open": "08:00", "close": "10:00", "interval_minutes": 30},
    "call_types": {
        "calls": {
            "volume": {"per_hour": 120},
            "handle_time": {"dist": "exponential", "mean_s": 180},
        }
    },
    "groups": {"agents": {"headcount": 8}},
}


def _calls(raw: Raw) -> Raw:
    """Return the only call type of a raw scenario."""
    calls: Raw = raw["call_types"]["calls"]
    return calls


def _steady(raw: Raw, **fields: Any) -> Raw:
    """Replace the calendar by a steady state of 4 hourly intervals (fields override)."""
    del raw["calendar"]
    raw["steady_state"] = {"horizon_h": 4, "interval_minutes": 60, **fields}
    return raw


class Case(NamedTuple):
    """A bad scenario: how to spoil the base, and what the error must name."""

    id: str
    spoil: Callable[[Raw], Any]
    path: str
    got: str


CASES = [
    Case(
        "unknown_key",
        lambda r: _calls(r).update(handel_time={"dist": "exponential", "mean_s": 1}),
        "call_types.calls.handel_time",
        "did you mean 'handle_time'?",
    ),
    Case("unknown_top_level_key", lambda r: r.update(calender={}), "calender", "'calendar'"),
    Case(
        "missing_required",
        lambda r: _calls(r).pop("handle_time"),
        "call_types.calls.handle_time",
        "is required",
    ),
    Case("missing_name", lambda r: r.pop("name"), "name", "is required"),
    Case(
        "cv_zero",
        lambda r: _calls(r).update(handle_time={"dist": "lognormal", "mean_s": 240, "cv": 0}),
        "call_types.calls.handle_time.cv",
        "(got 0)",
    ),
    Case(
        "cv_negative",
        lambda r: _calls(r).update(handle_time={"dist": "gamma", "mean_s": 240, "cv": -0.5}),
        "call_types.calls.handle_time.cv",
        "(got -0.5)",
    ),
    Case(
        "mean_zero",
        lambda r: _calls(r).update(handle_time={"dist": "exponential", "mean_s": 0}),
        "call_types.calls.handle_time.mean_s",
        "(got 0)",
    ),
    Case(
        "patience_mean_negative",
        lambda r: _calls(r).update(patience={"dist": "exponential", "mean_s": -30}),
        "call_types.calls.patience.mean_s",
        "(got -30)",
    ),
    Case(
        "negative_headcount_in_list",
        lambda r: r["groups"]["agents"].update(headcount=[2, 3, 3, -1]),
        "groups.agents.headcount[3]",
        "(got -1)",
    ),
    Case(
        "negative_headcount",
        lambda r: r["groups"]["agents"].update(headcount=-4),
        "groups.agents.headcount",
        "(got -4)",
    ),
    Case(
        "negative_per_hour",
        lambda r: _calls(r).update(volume={"per_hour": -10}),
        "call_types.calls.volume.per_hour",
        "(got -10)",
    ),
    Case(
        "negative_per_interval",
        lambda r: _calls(r).update(volume={"per_interval": [1, 2, -3, 4]}),
        "call_types.calls.volume.per_interval[2]",
        "(got -3",
    ),
    Case(
        "negative_acw",
        lambda r: _calls(r)["handle_time"].update(acw_s=-5),
        "call_types.calls.handle_time.acw_s",
        "(got -5)",
    ),
    Case(
        "headcount_not_a_number",
        lambda r: r["groups"]["agents"].update(headcount="lots"),
        "groups.agents.headcount",
        "(got 'lots')",
    ),
    Case(
        "headcount_a_yes_no_value",  # YAML reads `yes` as true; a count is never a truth value
        lambda r: r["groups"]["agents"].update(headcount=True),
        "groups.agents.headcount",
        "(got True)",
    ),
    Case(
        "mean_a_quoted_number",
        lambda r: _calls(r)["handle_time"].update(mean_s="240"),
        "call_types.calls.handle_time.mean_s",
        "(got '240')",
    ),
    Case(
        "headcount_item_not_a_number",
        lambda r: r["groups"]["agents"].update(headcount=[2, 3, "x", 1]),
        "groups.agents.headcount[2]",
        "(got 'x')",
    ),
    Case(
        "headcount_fraction",
        lambda r: r["groups"]["agents"].update(headcount=2.5),
        "groups.agents.headcount",
        "(got 2.5)",
    ),
    Case(
        "mean_not_a_number",
        lambda r: _calls(r)["handle_time"].update(mean_s="long"),
        "call_types.calls.handle_time.mean_s",
        "(got 'long')",
    ),
    Case(
        "dist_weibull",
        lambda r: _calls(r).update(handle_time={"dist": "weibull", "mean_s": 180}),
        "call_types.calls.handle_time.dist",
        "(got 'weibull')",
    ),
    Case(
        "patience_dist_gamma",
        lambda r: _calls(r).update(patience={"dist": "gamma", "mean_s": 180, "cv": 1}),
        "call_types.calls.patience.dist",
        "(got 'gamma')",
    ),
    Case(
        "interval_20",
        lambda r: r["calendar"].update(interval_minutes=20),
        "calendar.interval_minutes",
        "(got 20)",
    ),
    Case(
        "definition_foo",
        lambda r: r.update(service_level={"definition": "foo"}),
        "service_level.definition",
        "(got 'foo')",
    ),
    Case(
        "at_close_keep",
        lambda r: r["calendar"].update(at_close="keep"),
        "calendar.at_close",
        "(got 'keep')",
    ),
    Case(
        "target_percent",
        lambda r: r.update(service_level={"target": 80}),
        "service_level.target",
        "(got 80)",
    ),
    Case("days_zero", lambda r: r["calendar"].update(days=0), "calendar.days", "(got 0)"),
    Case(
        "close_before_open",
        lambda r: r["calendar"].update(close="07:00"),
        "calendar.close",
        "07:00",
    ),
    Case(
        "close_equals_open",
        lambda r: r["calendar"].update(close="08:00"),
        "calendar.close",
        "(got 08:00)",
    ),
    Case(
        "hours_not_whole_intervals",
        lambda r: r["calendar"].update(close="10:15"),
        "calendar.close",
        "08:00-10:15",
    ),
    Case("bad_clock", lambda r: r["calendar"].update(open="8am"), "calendar.open", "(got '8am')"),
    Case(
        "clock_after_midnight",
        lambda r: r["calendar"].update(close="25:00"),
        "calendar.close",
        "(got '25:00')",
    ),
    Case(
        "unquoted_clock",
        lambda r: r["calendar"].update(open=480),  # what YAML 1.1 makes of an unquoted 8:00
        "calendar.open",
        "(got the number 480",
    ),
    Case(
        "per_interval_wrong_length",
        lambda r: _calls(r).update(volume={"per_interval": [10, 20, 30]}),
        "call_types.calls.volume.per_interval",
        "(got 3)",
    ),
    Case(
        "profile_wrong_length",
        lambda r: _calls(r).update(volume={"daily": 100, "profile": [1, 2, 3, 4, 5]}),
        "call_types.calls.volume.profile",
        "(got 5)",
    ),
    Case(
        "headcount_wrong_length",
        lambda r: r["groups"]["agents"].update(headcount=[1, 2]),
        "groups.agents.headcount",
        "(got 2)",
    ),
    Case(
        "two_volume_forms",
        lambda r: _calls(r).update(volume={"per_hour": 10, "per_interval": [1, 2, 3, 4]}),
        "call_types.calls.volume",
        "'per_interval', 'per_hour'",
    ),
    Case(
        "no_volume_form",
        lambda r: _calls(r).update(volume={}),
        "call_types.calls.volume",
        "(got none)",
    ),
    Case(
        "daily_without_profile",
        lambda r: _calls(r).update(volume={"daily": 100}),
        "call_types.calls.volume.profile",
        "(got daily without profile)",
    ),
    Case(
        "all_zero_profile",
        lambda r: _calls(r).update(volume={"daily": 100, "profile": [0, 0, 0, 0]}),
        "call_types.calls.volume.profile",
        "[0.0, 0.0, 0.0, 0.0]",
    ),
    Case(
        "calendar_and_steady_state",
        lambda r: r.update(steady_state={"horizon_h": 4}),
        "calendar",
        "(got both)",
    ),
    Case(
        "neither_calendar_nor_steady_state",
        lambda r: r.pop("calendar"),
        "calendar",
        "(got neither)",
    ),
    Case(
        "steady_state_per_interval",
        lambda r: (_steady(r), _calls(r).update(volume={"per_interval": [1, 2, 3, 4]})),
        "call_types.calls.volume",
        "(got per_interval)",
    ),
    Case(
        "steady_state_profile",
        lambda r: (_steady(r), _calls(r).update(volume={"daily": 10, "profile": [1, 1, 1, 1]})),
        "call_types.calls.volume",
        "(got daily)",
    ),
    Case(
        "steady_state_headcount_list",
        lambda r: (_steady(r), r["groups"]["agents"].update(headcount=[1, 2, 3, 4])),
        "groups.agents.headcount",
        "(got a list of 4)",
    ),
    Case(
        "warmup_equals_horizon", lambda r: _steady(r, warmup_h=4), "steady_state.warmup_h", "(got 4"
    ),
    Case(
        "warmup_after_horizon", lambda r: _steady(r, warmup_h=6), "steady_state.warmup_h", "(got 6"
    ),
    Case("horizon_zero", lambda r: _steady(r, horizon_h=0), "steady_state.horizon_h", "(got 0)"),
    Case(
        "horizon_not_whole_intervals",
        lambda r: _steady(r, horizon_h=4.5),
        "steady_state.horizon_h",
        "(got 4.5)",
    ),
    Case(
        "cv_for_exponential",
        lambda r: _calls(r)["handle_time"].update(cv=0.5),
        "call_types.calls.handle_time.cv",
        "(got 0.5)",
    ),
    Case(
        "cv_for_deterministic",
        lambda r: _calls(r).update(handle_time={"dist": "deterministic", "mean_s": 60, "cv": 0.1}),
        "call_types.calls.handle_time.cv",
        "(got 0.1)",
    ),
    Case(
        "cv_missing_for_lognormal",
        lambda r: _calls(r).update(handle_time={"dist": "lognormal", "mean_s": 240}),
        "call_types.calls.handle_time.cv",
        "'lognormal'",
    ),
    Case(
        "cv_missing_for_gamma",
        lambda r: _calls(r).update(handle_time={"dist": "gamma", "mean_s": 240}),
        "call_types.calls.handle_time.cv",
        "'gamma'",
    ),
    Case(
        "mean_missing",
        lambda r: _calls(r).update(patience={"dist": "deterministic"}),
        "call_types.calls.patience.mean_s",
        "'deterministic'",
    ),
    Case(
        "patience_none_with_mean",
        lambda r: _calls(r).update(patience={"dist": "none", "mean_s": 100}),
        "call_types.calls.patience.mean_s",
        "(got 100",
    ),
    Case(
        "patience_none_with_cv",
        lambda r: _calls(r).update(patience={"dist": "none", "cv": 0.3}),
        "call_types.calls.patience.cv",
        "(got 0.3)",
    ),
    Case(
        "call_type_named_all",
        lambda r: r.update(call_types={"all": _calls(r)}),
        "call_types.all",
        "(got 'all')",
    ),
    Case(
        "call_type_name_with_spaces",
        lambda r: r.update(call_types={"my calls": _calls(r)}),
        "call_types.my calls",
        "(got 'my calls')",
    ),
    Case(
        "group_named_all",
        lambda r: r.update(groups={"all": {"headcount": 3}}),
        "groups.all",
        "(got 'all')",
    ),
    Case("no_call_types", lambda r: r.update(call_types={}), "call_types", "(got {})"),
    Case(
        "call_types_a_list",
        lambda r: r.update(call_types=["calls"]),
        "call_types",
        "(got ['calls'])",
    ),
    Case("empty_name", lambda r: r.update(name=""), "name", "(got '')"),
    Case(
        "two_groups_without_skills",
        lambda r: r["groups"].update(backup={"headcount": 2}),
        "groups.agents.skills",
        "(got none)",
    ),
    Case(
        "unknown_channel",
        lambda r: _calls(r).update(channel="fax"),
        "call_types.calls.channel",
        "(got 'fax')",
    ),
]


# -- several call types and groups, tiers, shift patterns and routing --------------------------

STAFFED: Raw = {
    "name": "staffed",
    "calendar": {"days": 2, "open": "08:00", "close": "20:00", "interval_minutes": 60},
    "tiers": {"standard": {}, "expert": {"handle_time_factor": 0.85, "fcr": 0.95}},
    "call_types": {
        "general": {
            "volume": {"per_hour": 60},
            "handle_time": {"dist": "exponential", "mean_s": 180},
        },
        "vip": {
            "volume": {"per_hour": 10},
            "handle_time": {"dist": "exponential", "mean_s": 300},
            "routing": ["vip_desk", {"group": "generalists", "after_s": 20}],
        },
    },
    "break_patterns": {"standard": [{"after_h": 2, "minutes": 15}, {"after_h": 4, "minutes": 30}]},
    "shifts": {
        "early": {"start": "08:00", "length_h": 8, "breaks": "standard"},
        "stagger": {"start": "09:00", "every_minutes": 30, "until": "12:00", "length_h": 8},
        "split": {"segments": [["08:00", "12:00"], ["16:00", "20:00"]]},
    },
    "groups": {
        "generalists": {
            "skills": {"general": "standard", "vip": "standard"},
            "shifts": {"early": 4, "stagger": 6},
            "overtime": [{"shift": "early", "agents": 2, "minutes": 60}],
        },
        "vip_desk": {"skills": {"vip": "expert"}, "shifts": {"split": 2}},
    },
}


def _type(raw: Raw, name: str = "general") -> Raw:
    """Return a call type of a raw scenario."""
    call_type: Raw = raw["call_types"][name]
    return call_type


def _group(raw: Raw, name: str = "generalists") -> Raw:
    """Return a group of a raw scenario."""
    group: Raw = raw["groups"][name]
    return group


def _shift(raw: Raw, name: str = "early") -> Raw:
    """Return a shift pattern of a raw scenario."""
    shift: Raw = raw["shifts"][name]
    return shift


STAFFING_CASES = [
    Case(
        "skill_unknown_call_type",
        lambda r: _group(r)["skills"].update(vipp="standard"),
        "groups.generalists.skills.vipp",
        "(got 'vipp')",
    ),
    Case(
        "skill_unknown_tier",
        lambda r: _group(r)["skills"].update(general="guru"),
        "groups.generalists.skills.general",
        "(got 'guru')",
    ),
    Case(
        "skills_missing_with_several_groups",
        lambda r: _group(r, "vip_desk").pop("skills"),
        "groups.vip_desk.skills",
        "(got none)",
    ),
    Case(
        "skills_empty",
        lambda r: _group(r, "vip_desk").update(skills={}),
        "groups.vip_desk.skills",
        "(got {})",
    ),
    Case(
        "group_unknown_shift",
        lambda r: _group(r)["shifts"].update(late=3),
        "groups.generalists.shifts.late",
        "(got 'late')",
    ),
    Case(
        "group_negative_shift_count",
        lambda r: _group(r)["shifts"].update(early=-2),
        "groups.generalists.shifts.early",
        "(got -2)",
    ),
    Case(
        "group_two_staffing_forms",
        lambda r: _group(r).update(headcount=3),
        "groups.generalists",
        "['headcount', 'shifts']",
    ),
    Case(
        "group_no_staffing_form",
        lambda r: _group(r, "vip_desk").pop("shifts"),
        "groups.vip_desk",
        "(got none)",
    ),
    Case(
        "group_role_unknown",
        lambda r: _group(r).update(role="wizard"),
        "groups.generalists.role",
        "(got 'wizard')",
    ),
    Case(
        "absenteeism_one",
        lambda r: _group(r).update(absenteeism=1),
        "groups.generalists.absenteeism",
        "(got 1)",
    ),
    Case(
        "absenteeism_negative",
        lambda r: _group(r).update(absenteeism=-0.1),
        "groups.generalists.absenteeism",
        "(got -0.1)",
    ),
    Case(
        "overtime_after_closing",
        lambda r: _group(r)["overtime"][0].update(minutes=300),
        "groups.generalists.overtime[0].minutes",
        "would end at 21:00, after closing 20:00 (got 300)",
    ),
    Case(
        "overtime_shift_not_worked",
        lambda r: _group(r)["overtime"][0].update(shift="split"),
        "groups.generalists.overtime[0].shift",
        "(got 'split')",
    ),
    Case(
        "overtime_more_agents_than_on_shift",
        lambda r: _group(r)["overtime"][0].update(agents=5),
        "groups.generalists.overtime[0].agents",
        "(got 5)",
    ),
    Case(
        "overtime_negative_agents",
        lambda r: _group(r)["overtime"][0].update(agents=-1),
        "groups.generalists.overtime[0].agents",
        "(got -1)",
    ),
    Case(
        "overtime_zero_minutes",
        lambda r: _group(r)["overtime"][0].update(minutes=0),
        "groups.generalists.overtime[0].minutes",
        "(got 0)",
    ),
    Case(
        "overtime_shift_twice",
        lambda r: _group(r)["overtime"].append({"shift": "early", "agents": 1, "minutes": 30}),
        "groups.generalists.overtime[1].shift",
        "(got 'early')",
    ),
    Case(
        "overtime_with_headcount",
        lambda r: _group(r).update(shifts=None, headcount=3),
        "groups.generalists.overtime",
        "(got headcount)",
    ),
    Case(
        "shift_starts_before_opening",
        lambda r: _shift(r).update(start="07:00"),
        "shifts.early.start",
        "(got '07:00')",
    ),
    Case(
        "shift_ends_after_closing",
        lambda r: _shift(r).update(length_h=13),
        "shifts.early.length_h",
        "(got 13)",
    ),
    Case(
        "shift_end_after_closing",
        lambda r: _shift(r).update(length_h=None, end="21:00"),
        "shifts.early.end",
        "(got '21:00')",
    ),
    Case(
        "shift_end_before_start",
        lambda r: _shift(r).update(length_h=None, end="07:00"),
        "shifts.early.end",
        "(got '07:00')",
    ),
    Case(
        "shift_length_and_end",
        lambda r: _shift(r).update(end="16:00"),
        "shifts.early.length_h",
        "(got both)",
    ),
    Case(
        "shift_length_negative",
        lambda r: _shift(r).update(length_h=-8),
        "shifts.early.length_h",
        "(got -8)",
    ),
    Case(
        "shift_start_unquoted",
        lambda r: _shift(r).update(start=480),
        "shifts.early.start",
        "(got the number 480",
    ),
    Case(
        "shift_start_not_a_clock",
        lambda r: _shift(r).update(start="8am"),
        "shifts.early.start",
        "(got '8am')",
    ),
    Case(
        "staggered_last_start_ends_after_closing",
        lambda r: _shift(r, "stagger").update(until="13:00"),
        "shifts.stagger.length_h",
        "the start at 12:30 ends at 20:30, after closing 20:00 (got 8)",
    ),
    Case(
        "staggered_until_before_start",
        lambda r: _shift(r, "stagger").update(until="08:30"),
        "shifts.stagger.until",
        "(got '08:30')",
    ),
    Case(
        "staggered_without_until",
        lambda r: _shift(r, "stagger").pop("until"),
        "shifts.stagger.until",
        "is required",
    ),
    Case(
        "staggered_every_20_minutes",
        lambda r: _shift(r, "stagger").update(every_minutes=20),
        "shifts.stagger.every_minutes",
        "(got 20)",
    ),
    Case(
        "staggered_with_end",
        lambda r: _shift(r, "stagger").update(end="17:00"),
        "shifts.stagger.end",
        "(got '17:00')",
    ),
    Case(
        "split_segment_after_closing",
        lambda r: _shift(r, "split").update(segments=[["08:00", "12:00"], ["16:00", "21:00"]]),
        "shifts.split.segments[1]",
        "ends at 21:00, after closing 20:00 (got ['16:00', '21:00'])",
    ),
    Case(
        "split_segment_before_opening",
        lambda r: _shift(r, "split").update(segments=[["07:00", "12:00"]]),
        "shifts.split.segments[0]",
        "(got ['07:00', '12:00'])",
    ),
    Case(
        "split_segments_overlap",
        lambda r: _shift(r, "split").update(segments=[["08:00", "12:00"], ["11:00", "15:00"]]),
        "shifts.split.segments[1]",
        "(got ['11:00', '15:00'])",
    ),
    Case(
        "split_segment_backwards",
        lambda r: _shift(r, "split").update(segments=[["12:00", "08:00"]]),
        "shifts.split.segments[0]",
        "(got ['12:00', '08:00'])",
    ),
    Case(
        "split_segment_three_clocks",
        lambda r: _shift(r, "split").update(segments=[["08:00", "10:00", "12:00"]]),
        "shifts.split.segments[0]",
        "at most 2 item(s)",
    ),
    Case(
        "split_segment_bad_clock",
        lambda r: _shift(r, "split").update(segments=[["08:00", "12:60"]]),
        "shifts.split.segments[0][1]",
        "(got '12:60')",
    ),
    Case(
        "split_with_start",
        lambda r: _shift(r, "split").update(start="08:00"),
        "shifts.split.start",
        "(got '08:00')",
    ),
    Case(
        "break_longer_than_shift",
        lambda r: _shift(r).update(length_h=2, breaks=[{"after_h": 0, "minutes": 150}]),
        "shifts.early.breaks[0]",
        "longer than the 120-minute shift (got {'after_h': 0.0, 'minutes': 150.0})",
    ),
    Case(
        "break_after_the_shift",
        lambda r: _shift(r).update(breaks=[{"after_h": 9, "minutes": 15}]),
        "shifts.early.breaks[0]",
        "outside the shift 08:00-16:00",
    ),
    Case(
        "break_at_clock_outside_shift",
        lambda r: _shift(r).update(breaks=[{"at": "07:30", "minutes": 15}]),
        "shifts.early.breaks[0]",
        "(got {'at': '07:30', 'minutes': 15.0})",
    ),
    Case(
        "break_in_split_gap",
        lambda r: _shift(r, "split").update(breaks=[{"at": "13:00", "minutes": 15}]),
        "shifts.split.breaks[0]",
        "outside the shift 08:00-12:00, 16:00-20:00",
    ),
    Case(
        "break_runs_past_segment_end",
        lambda r: _shift(r).update(breaks=[{"at": "15:50", "minutes": 15}]),
        "shifts.early.breaks[0]",
        "falls at 15:50-16:05",
    ),
    Case(
        "breaks_overlap",
        lambda r: _shift(r).update(
            breaks=[{"after_h": 2, "minutes": 30}, {"after_h": 2.25, "minutes": 15}]
        ),
        "shifts.early.breaks[1]",
        "before the previous break ends at 10:30",
    ),
    Case(
        "break_pattern_outside_shift",
        lambda r: _shift(r).update(length_h=3),
        "shifts.early.breaks",
        "break 1 of pattern 'standard' falls at 12:00-12:30",
    ),
    Case(
        "break_pattern_unknown",
        lambda r: _shift(r).update(breaks="lunch"),
        "shifts.early.breaks",
        "(got 'lunch')",
    ),
    Case(
        "break_with_offset_and_clock",
        lambda r: _shift(r).update(breaks=[{"after_h": 2, "at": "10:00", "minutes": 15}]),
        "shifts.early.breaks[0]",
        "(got both)",
    ),
    Case(
        "break_zero_minutes",
        lambda r: _shift(r).update(breaks=[{"after_h": 2, "minutes": 0}]),
        "shifts.early.breaks[0].minutes",
        "(got 0)",
    ),
    Case(
        "break_negative_offset",
        lambda r: r["break_patterns"]["standard"][0].update(after_h=-1),
        "break_patterns.standard[0].after_h",
        "(got -1)",
    ),
    Case(
        "days_outside_calendar",
        lambda r: _shift(r).update(days=[0, 2]),
        "shifts.early.days[1]",
        "0 to 1 (got 2)",
    ),
    Case(
        "days_twice",
        lambda r: _shift(r).update(days=[1, 1]),
        "shifts.early.days[1]",
        "(got 1)",
    ),
    Case(
        "days_negative",
        lambda r: _shift(r).update(days=[-1]),
        "shifts.early.days[0]",
        "(got -1)",
    ),
    Case(
        "shift_name_with_spaces",
        lambda r: r["shifts"].update({"late shift": {"start": "12:00", "length_h": 8}}),
        "shifts.late shift",
        "(got 'late shift')",
    ),
    Case(
        "routing_unknown_group",
        lambda r: _type(r, "vip").update(routing=["vip_desk", "nobody"]),
        "call_types.vip.routing[1]",
        "(got 'nobody')",
    ),
    Case(
        "routing_group_without_skill",
        lambda r: _group(r)["skills"].pop("vip"),
        "call_types.vip.routing[1]",
        "no skill in vip (got 'generalists')",
    ),
    Case(
        "routing_group_twice",
        lambda r: _type(r, "vip").update(routing=["vip_desk", {"group": "vip_desk"}]),
        "call_types.vip.routing[1]",
        "(got 'vip_desk')",
    ),
    Case(
        "routing_negative_delay",
        lambda r: _type(r, "vip")["routing"][1].update(after_s=-5),
        "call_types.vip.routing[1].after_s",
        "(got -5)",
    ),
    Case(
        "routing_empty",
        lambda r: _type(r, "vip").update(routing=[]),
        "call_types.vip.routing",
        "(got [])",
    ),
    Case(
        "call_type_no_group_has_skill",
        lambda r: _group(r)["skills"].pop("general"),
        "call_types.general",
        "no group has the skill",
    ),
    Case(
        "tier_fcr_zero",
        lambda r: r["tiers"]["expert"].update(fcr=0),
        "tiers.expert.fcr",
        "(got 0)",
    ),
    Case(
        "tier_fcr_above_one",
        lambda r: r["tiers"]["expert"].update(fcr=1.2),
        "tiers.expert.fcr",
        "(got 1.2)",
    ),
    Case(
        "tier_factor_negative",
        lambda r: r["tiers"]["expert"].update(handle_time_factor=-1),
        "tiers.expert.handle_time_factor",
        "(got -1)",
    ),
    Case("no_tiers", lambda r: r.update(tiers={}), "tiers", "(got {})"),
    Case(
        "redial_probability_above_one",
        lambda r: _type(r).update(redial={"probability": 1.5, "delay_mean_s": 600}),
        "call_types.general.redial.probability",
        "(got 1.5)",
    ),
    Case(
        "redial_zero_delay",
        lambda r: _type(r).update(redial={"probability": 0.3, "delay_mean_s": 0}),
        "call_types.general.redial.delay_mean_s",
        "(got 0)",
    ),
    Case(
        "redial_misspelt_field",
        lambda r: _type(r).update(redial={"probability": 0.3, "delay_s": 600}),
        "call_types.general.redial.delay_s",
        "did you mean 'delay_mean_s'?",
    ),
    Case(
        "repeat_negative_delay",
        lambda r: _type(r).update(repeat={"delay_mean_s": -60}),
        "call_types.general.repeat.delay_mean_s",
        "(got -60)",
    ),
    Case(
        "volume_day_cv_negative",
        lambda r: _type(r)["volume"].update(day_cv=-0.1),
        "call_types.general.volume.day_cv",
        "(got -0.1)",
    ),
    Case(
        "busyness_day_cv_negative",
        lambda r: r.update(busyness={"day_cv": -0.2}),
        "busyness.day_cv",
        "(got -0.2)",
    ),
    Case(
        "break_policy_unknown",
        lambda r: r.update(break_policy="skip"),
        "break_policy",
        "(got 'skip')",
    ),
    Case(
        "handle_means_wrong_length",
        lambda r: _type(r)["handle_time"].update(mean_s=[180, 200, 220]),
        "call_types.general.handle_time.mean_s",
        "needs one value per interval: 12 (got 3)",
    ),
    Case(
        "handle_means_item_negative",
        lambda r: _type(r)["handle_time"].update(mean_s=[180] * 11 + [-1]),
        "call_types.general.handle_time.mean_s[11]",
        "(got -1)",
    ),
    Case(
        "patience_means_wrong_length",
        lambda r: _type(r).update(patience={"dist": "exponential", "mean_s": [60, 90]}),
        "call_types.general.patience.mean_s",
        "(got 2)",
    ),
    Case(
        "handle_mean_missing",
        lambda r: _type(r)["handle_time"].pop("mean_s"),
        "call_types.general.handle_time.mean_s",
        "'exponential'",
    ),
    Case(
        "steady_state_with_shifts",
        lambda r: (r.pop("calendar"), r.update(steady_state={"horizon_h": 10})),
        "shifts",
        "(got ['early', 'stagger', 'split'])",
    ),
    Case(
        "steady_state_with_per_interval_means",
        lambda r: (
            r.pop("calendar"),
            r.update(steady_state={"horizon_h": 2}, shifts={}),
            _type(r)["handle_time"].update(mean_s=[180, 200]),
        ),
        "call_types.general.handle_time.mean_s",
        "(got a list of 2)",
    ),
    Case(
        "steady_state_with_roster",
        lambda r: (
            r.pop("calendar"),
            r.update(steady_state={"horizon_h": 2}, shifts={}),
            _group(r).update(
                shifts=None, overtime=[], roster=[{"agent": "a", "start": "00:00", "end": "02:00"}]
            ),
        ),
        "groups.generalists.roster",
        "(got roster)",
    ),
    Case(
        "inline_roster_end_before_start",
        lambda r: _group(r, "vip_desk").update(
            shifts=None, roster=[{"agent": "a", "start": "09:00", "end": "08:00"}]
        ),
        "groups.vip_desk.roster[0].end",
        "(got '08:00')",
    ),
    Case(
        "inline_roster_break_outside",
        lambda r: _group(r, "vip_desk").update(
            shifts=None,
            roster=[
                {"agent": "a", "start": "09:00", "end": "12:00", "breaks": [["12:00", "12:15"]]}
            ],
        ),
        "groups.vip_desk.roster[0].breaks",
        "(got 12:00-12:15)",
    ),
    Case(
        "inline_forecast_and_volume",
        lambda r: r.update(
            forecast=[
                {"interval_start": f"{hour:02d}:00", "call_type": "general", "volume": 3}
                for hour in range(8, 20)
            ]
        ),
        "call_types.general.volume",
        "(got per_hour and the forecast)",
    ),
]


def _write(folder: Path, raw: Raw, name: str = "bad.yaml") -> Path:
    """Write a raw scenario as YAML and return its path."""
    path = folder / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def _load_error(path: Path) -> ScenarioError:
    """Load a file that must be invalid and return the error."""
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return caught.value


def _assert_one_line(error: ScenarioError, file: Path | str, path: str, got: str) -> None:
    """Assert the house format ``FILE: PATH: message`` with the bad value in the message."""
    text = str(error)
    assert "\n" not in text
    assert str(file) == error.file
    assert path == error.path
    assert text.startswith(f"{file}: {path}: " if path else f"{file}: ")
    assert got in error.message


class TestFieldErrors:
    """Invalid fields name their exact path and the value found."""

    @pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
    def test_error_names_path_and_value(self, tmp_path: Path, case: Case) -> None:
        """Each bad field gives one line with the field path and the bad value."""
        raw = copy.deepcopy(BASE)
        case.spoil(raw)
        file = _write(tmp_path, raw)
        _assert_one_line(_load_error(file), file, case.path, case.got)

    def test_base_is_valid(self, tmp_path: Path) -> None:
        """The unspoilt base scenario loads (so every case fails for its own reason)."""
        scenario = load_scenario(_write(tmp_path, BASE))
        expected = 4
        assert expected == scenario.n_intervals

    def test_message_house_style_for_bounds(self, tmp_path: Path) -> None:
        """Pydantic's generic text is rewritten to ``must be > 0 (got 0)``."""
        raw = copy.deepcopy(BASE)
        _calls(raw)["handle_time"]["mean_s"] = 0
        error = _load_error(_write(tmp_path, raw))
        expected = "must be > 0 (got 0)"
        assert expected == error.message

    def test_unknown_key_lists_known_fields_when_nothing_is_close(self, tmp_path: Path) -> None:
        """A key unlike any field gets the list of the section's known fields."""
        raw = copy.deepcopy(BASE)
        raw["groups"]["agents"]["zzz"] = 1
        error = _load_error(_write(tmp_path, raw))
        expected = (
            "is not a known field (known fields: role, skills, headcount, shifts, roster, "
            "overtime, absenteeism, wage_per_hour, outbound, switch, activate, deactivate, "
            "staffing_drop, max_concurrent, chat_slowdown, voice_while_chatting)"
        )
        assert expected == error.message


class TestStaffingErrors:
    """Invalid tiers, skills, routing, shifts, breaks and overtime name their path and value."""

    @pytest.mark.parametrize("case", STAFFING_CASES, ids=[case.id for case in STAFFING_CASES])
    def test_error_names_path_and_value(self, tmp_path: Path, case: Case) -> None:
        """Each bad field gives one line with the field path and the bad value."""
        raw = copy.deepcopy(STAFFED)
        case.spoil(raw)
        file = _write(tmp_path, raw)
        _assert_one_line(_load_error(file), file, case.path, case.got)

    def test_base_is_valid(self, tmp_path: Path) -> None:
        """The unspoilt staffed base loads (so every case fails for its own reason)."""
        scenario = load_scenario(_write(tmp_path, STAFFED))
        expected = ["generalists", "vip_desk"]
        assert expected == list(scenario.groups)


class TestFileErrors:
    """Problems with the YAML file itself."""

    def test_yaml_syntax_error_gives_line_and_column(self, tmp_path: Path) -> None:
        """A YAML syntax error names the line and column where the parser stopped."""
        file = tmp_path / "bad.yaml"
        file.write_text("name: x\ncall_types: {calls: [1, 2}\n")
        error = _load_error(file)
        _assert_one_line(error, file, "line 2, column 26", "YAML syntax error")

    def test_tab_indentation(self, tmp_path: Path) -> None:
        """A tab used for indentation is a syntax error on its line."""
        file = tmp_path / "bad.yaml"
        file.write_text("name: x\ncalendar:\n\topen: '08:00'\n")
        error = _load_error(file)
        assert error.path.startswith("line 3, column ")
        assert "'\\t'" in error.message

    def test_duplicate_key(self, tmp_path: Path) -> None:
        """A key given twice is refused (YAML would otherwise keep the last silently)."""
        file = tmp_path / "bad.yaml"
        file.write_text(yaml.safe_dump(BASE, sort_keys=False) + "name: again\n")
        error = _load_error(file)
        line = len(file.read_text().splitlines())
        _assert_one_line(error, file, f"line {line}, column 1", "duplicate key 'name'")

    def test_merge_keys_may_be_overridden(self, tmp_path: Path) -> None:
        """A key merged from an anchor (``<<: *x``) may be overridden without a duplicate error."""
        text = (
            "name: merged\n"
            "calendar: {open: '08:00', close: '10:00'}\n"
            "call_types:\n"
            "  a: &base\n"
            "    volume: {per_hour: 10}\n"
            "    handle_time: {dist: exponential, mean_s: 60}\n"
            "  b:\n"
            "    <<: *base\n"
            "    volume: {per_hour: 20}\n"
            "groups: {agents: {headcount: 2}}\n"
        )
        file = tmp_path / "merged.yaml"
        file.write_text(text)
        scenario = load_scenario(file)
        expected = 20.0
        assert expected == scenario.call_types["b"].volume.per_hour

    def test_missing_file(self, tmp_path: Path) -> None:
        """A file that does not exist gives one line naming it."""
        file = tmp_path / "nowhere.yaml"
        error = _load_error(file)
        _assert_one_line(error, file, "", "cannot read the file")

    def test_folder_instead_of_file(self, tmp_path: Path) -> None:
        """A folder given as the scenario gives one line naming it."""
        error = _load_error(tmp_path)
        _assert_one_line(error, tmp_path, "", "is not a regular file (got a folder)")

    @pytest.mark.parametrize(
        ("text", "got"),
        [
            ("- 1\n- 2\n", "(got a list)"),
            ("just text\n", "(got a str)"),
            ("", "(got an empty file)"),
        ],
        ids=["list", "scalar", "empty"],
    )
    def test_top_level_not_a_mapping(self, tmp_path: Path, text: str, got: str) -> None:
        """A document that is not a mapping of fields is refused as a whole."""
        file = tmp_path / "bad.yaml"
        file.write_text(text)
        _assert_one_line(_load_error(file), file, "", got)

    def test_not_utf8(self, tmp_path: Path) -> None:
        """A file that is not UTF-8 text gives one line, not a decoding traceback."""
        file = tmp_path / "bad.yaml"
        file.write_bytes(b"name: caf\xe9\n")
        _assert_one_line(_load_error(file), file, "", "byte 0xe9")

    def test_python_tags_are_not_executed(self, tmp_path: Path) -> None:
        """YAML is read with a safe loader: a Python tag is an error, never a call."""
        file = tmp_path / "bad.yaml"
        file.write_text("name: !!python/object/apply:os.getcwd []\n")
        error = _load_error(file)
        assert "python/object/apply" in error.message


class TestProfileCsvErrors:
    """Problems in a CSV profile name the CSV file and the line and column at fault."""

    @staticmethod
    def _scenario(folder: Path, csv_text: str | None) -> Path:
        """Write a scenario with a 4-interval CSV profile ``profile.csv`` (None: no CSV)."""
        if csv_text is not None:
            (folder / "profile.csv").write_text(csv_text)
        raw = copy.deepcopy(BASE)
        _calls(raw)["volume"] = {"daily": 100, "profile": "profile.csv"}
        return _write(folder, raw)

    def test_good_csv_loads(self, tmp_path: Path) -> None:
        """The well-formed CSV used below loads (each case spoils one thing)."""
        text = "interval_start,weight\n08:00,1\n08:30,2\n09:00,3\n09:30,4\n"
        scenario = load_scenario(self._scenario(tmp_path, text))
        expected = [1.0, 2.0, 3.0, 4.0]
        assert expected == scenario.call_types["calls"].volume.profile

    def test_missing_csv(self, tmp_path: Path) -> None:
        """A profile file that does not exist is reported on the scenario's profile field."""
        file = self._scenario(tmp_path, None)
        error = _load_error(file)
        _assert_one_line(error, file, "call_types.calls.volume.profile", "profile.csv")

    def test_bad_header(self, tmp_path: Path) -> None:
        """A header without interval_start and weight names the CSV and line 1."""
        file = self._scenario(tmp_path, "time,weight\n08:00,1\n")
        error = _load_error(file)
        _assert_one_line(error, tmp_path / "profile.csv", "line 1", "(got time,weight)")

    def test_weight_not_a_number(self, tmp_path: Path) -> None:
        """A weight that is not a number names the CSV, its line and the weight column."""
        text = "interval_start,weight\n08:00,1\n08:30,abc\n09:00,3\n09:30,4\n"
        error = _load_error(self._scenario(tmp_path, text))
        _assert_one_line(error, tmp_path / "profile.csv", "line 3, column weight", "(got 'abc')")

    def test_negative_weight(self, tmp_path: Path) -> None:
        """A negative weight names the CSV, its line and the weight column."""
        text = "interval_start,weight\n08:00,1\n08:30,2\n09:00,-3\n09:30,4\n"
        error = _load_error(self._scenario(tmp_path, text))
        _assert_one_line(error, tmp_path / "profile.csv", "line 4, column weight", "(got '-3')")

    def test_missing_weight_cell(self, tmp_path: Path) -> None:
        """A row without a weight names the CSV, its line and the weight column."""
        text = "interval_start,weight\n08:00,1\n08:30\n09:00,3\n09:30,4\n"
        error = _load_error(self._scenario(tmp_path, text))
        _assert_one_line(error, tmp_path / "profile.csv", "line 3, column weight", "is missing")

    def test_wrong_interval_start(self, tmp_path: Path) -> None:
        """An interval_start that is not the interval's start time names the expected time."""
        text = "interval_start,weight\n08:00,1\n08:30,2\n09:15,3\n09:30,4\n"
        error = _load_error(self._scenario(tmp_path, text))
        _assert_one_line(
            error, tmp_path / "profile.csv", "line 4, column interval_start", "(got '09:15')"
        )
        assert "expected 09:00" in error.message

    def test_all_zero_weights(self, tmp_path: Path) -> None:
        """Weights that are all zero name the CSV and its weight column."""
        text = "interval_start,weight\n08:00,0\n08:30,0\n09:00,0\n09:30,0\n"
        error = _load_error(self._scenario(tmp_path, text))
        _assert_one_line(error, tmp_path / "profile.csv", "column weight", "(got 0)")

    def test_header_only(self, tmp_path: Path) -> None:
        """A CSV with a header and no rows names the CSV."""
        error = _load_error(self._scenario(tmp_path, "interval_start,weight\n"))
        _assert_one_line(error, tmp_path / "profile.csv", "", "no rows")

    def test_empty_csv(self, tmp_path: Path) -> None:
        """An empty CSV names the CSV."""
        error = _load_error(self._scenario(tmp_path, ""))
        _assert_one_line(error, tmp_path / "profile.csv", "", "empty")

    def test_too_few_rows(self, tmp_path: Path) -> None:
        """A CSV with fewer rows than intervals is reported on the profile field with the count."""
        file = self._scenario(tmp_path, "interval_start,weight\n08:00,1\n08:30,2\n09:00,3\n")
        error = _load_error(file)
        _assert_one_line(error, file, "call_types.calls.volume.profile", "(got 3)")

    def test_csv_not_utf8(self, tmp_path: Path) -> None:
        """A CSV that is not UTF-8 text names the CSV, not a decoding traceback."""
        file = self._scenario(tmp_path, None)
        (tmp_path / "profile.csv").write_bytes(b"interval_start,weight\n08:00,1\xff\n")
        _assert_one_line(_load_error(file), tmp_path / "profile.csv", "", "byte 0xff")


GOOD_FORECAST = [
    "interval_start,call_type,volume,aht_s",
    "08:00,calls,10,200",
    "08:30,calls,12,",
    "09:00,calls,14,210",
    "09:30,calls,9,",
]
GOOD_ROSTER = [
    "agent,start,end,day,breaks",
    "ann,08:00,10:00,,09:00-09:15",
    "bob,08:00,09:00,0,",
    "bob,09:30,10:00,0,",
]


def _csv(lines: list[str], changes: dict[int, str | None]) -> str:
    """Return CSV text with 1-based lines replaced (None: removed; past the end: added)."""
    edited = list(lines) + [""] * max(0, max(changes, default=0) - len(lines))
    for line, text in changes.items():
        edited[line - 1] = "\x00" if text is None else text
    return "".join(f"{text}\n" for text in edited if text != "\x00")


class CsvCase(NamedTuple):
    """A bad CSV input: which lines to change, and where the error must point."""

    id: str
    changes: dict[int, str | None]
    where: str
    got: str


FORECAST_CASES = [
    CsvCase(
        "missing_column",
        {1: "interval_start,call_type,aht_s"},
        "line 1",
        "(got interval_start,call_type,aht_s)",
    ),
    CsvCase("unknown_column", {1: "interval_start,call_type,volume,aht"}, "line 1", "(got 'aht')"),
    CsvCase(
        "column_twice", {1: "interval_start,call_type,volume,volume"}, "line 1", "(got 'volume')"
    ),
    CsvCase("volume_not_a_number", {3: "08:30,calls,abc,"}, "line 3, column volume", "(got 'abc')"),
    CsvCase("negative_volume", {3: "08:30,calls,-3,"}, "line 3, column volume", "(got -3)"),
    CsvCase("volume_missing", {3: "08:30,calls,,"}, "line 3, column volume", "is required"),
    CsvCase("aht_zero", {2: "08:00,calls,10,0"}, "line 2, column aht_s", "(got 0)"),
    CsvCase(
        "aht_not_above_acw",
        {2: "08:00,calls,10,20"},
        "line 2, column aht_s",
        "more than acw_s 30 of calls (got 20)",
    ),
    CsvCase(
        "unknown_call_type", {4: "09:00,cals,14,210"}, "line 4, column call_type", "(got 'cals')"
    ),
    CsvCase(
        "interval_start_off_grid",
        {4: "09:15,calls,14,210"},
        "line 4, column interval_start",
        "08:00 to 09:30 every 30 minutes (got '09:15')",
    ),
    CsvCase(
        "interval_start_at_closing",
        {5: "10:00,calls,9,"},
        "line 5, column interval_start",
        "(got '10:00')",
    ),
    CsvCase(
        "interval_start_not_a_clock",
        {5: "9.30,calls,9,"},
        "line 5, column interval_start",
        "(got '9.30')",
    ),
    CsvCase(
        "day_outside_calendar",
        {1: "interval_start,call_type,volume,aht_s,day", 3: "08:30,calls,12,,1"},
        "line 3, column day",
        "0 to 0 (got 1)",
    ),
    CsvCase(
        "day_not_a_number",
        {1: "interval_start,call_type,volume,aht_s,day", 3: "08:30,calls,12,,x"},
        "line 3, column day",
        "must be a whole number (got 'x')",
    ),
    CsvCase("row_twice", {6: "08:30,calls,12,"}, "line 6", "a second time"),
    CsvCase(
        "interval_missing",
        {4: None},
        "",
        "has no row for calls on day 0 at 09:00 (got 3 of the 4 intervals of calls)",
    ),
    CsvCase("too_many_cells", {3: "08:30,calls,12,,7"}, "line 3", "(got 5)"),
    CsvCase("header_only", {2: None, 3: None, 4: None, 5: None}, "", "no rows"),
]

ROSTER_CASES = [
    CsvCase("missing_column", {1: "start,end"}, "line 1", "(got start,end)"),
    CsvCase("agent_missing", {2: ",08:00,10:00,,"}, "line 2, column agent", "is required"),
    CsvCase("end_before_start", {3: "bob,08:00,07:30,0,"}, "line 3, column end", "(got '07:30')"),
    CsvCase(
        "start_before_opening",
        {3: "bob,07:00,09:00,0,"},
        "line 3, column start",
        "before opening 08:00 (got '07:00')",
    ),
    CsvCase(
        "end_after_closing",
        {4: "bob,09:30,10:30,0,"},
        "line 4, column end",
        "after closing 10:00 (got '10:30')",
    ),
    CsvCase("start_not_a_clock", {3: "bob,8am,09:00,0,"}, "line 3, column start", "(got '8am')"),
    CsvCase(
        "break_syntax",
        {2: "ann,08:00,10:00,,09:00"},
        "line 2, column breaks",
        "separated by ';' (got '09:00')",
    ),
    CsvCase(
        "break_bad_clock",
        {2: "ann,08:00,10:00,,09:00-09:7x"},
        "line 2, column breaks",
        "(got '09:7x')",
    ),
    CsvCase(
        "break_backwards",
        {2: "ann,08:00,10:00,,09:15-09:00"},
        "line 2, column breaks",
        "(got 09:15-09:00)",
    ),
    CsvCase(
        "break_outside_segment",
        {3: "bob,08:00,09:00,0,09:00-09:15"},
        "line 3, column breaks",
        "outside the shift 08:00-09:00 (got 09:00-09:15)",
    ),
    CsvCase(
        "breaks_overlap",
        {2: "ann,08:00,10:00,,09:00-09:15;09:10-09:20"},
        "line 2, column breaks",
        "(got 09:10-09:20)",
    ),
    CsvCase("day_outside_calendar", {3: "bob,08:00,09:00,3,"}, "line 3, column day", "(got 3)"),
    CsvCase("day_negative", {3: "bob,08:00,09:00,-1,"}, "line 3, column day", "(got -1)"),
    CsvCase(
        "segments_overlap",
        {4: "bob,08:30,10:00,0,"},
        "line 4, column start",
        "overlaps agent bob's segment 08:00-09:00 on day 0 (got 08:30-10:00)",
    ),
    CsvCase(
        "every_day_row_overlaps_day_row",
        {5: "ann,09:30,10:00,0,"},
        "line 5, column start",
        "overlaps agent ann's segment 08:00-10:00",
    ),
]


class TestForecastCsvErrors:
    """Problems in a forecast CSV name the CSV file and the line and column at fault."""

    @staticmethod
    def _scenario(folder: Path, csv_text: str | None) -> Path:
        """Write a scenario reading ``forecast.csv`` (None: no CSV) for its one call type."""
        if csv_text is not None:
            (folder / "forecast.csv").write_text(csv_text)
        raw = copy.deepcopy(BASE)
        raw["forecast"] = "forecast.csv"
        _calls(raw).pop("volume")
        _calls(raw)["handle_time"]["acw_s"] = 30
        return _write(folder, raw)

    def test_good_csv_loads(self, tmp_path: Path) -> None:
        """The well-formed forecast used below loads (each case spoils one thing)."""
        scenario = load_scenario(self._scenario(tmp_path, _csv(GOOD_FORECAST, {})))
        assert scenario.forecast is not None
        expected = [10.0, 12.0, 14.0, 9.0]
        assert expected == [row.volume for row in scenario.forecast]

    @pytest.mark.parametrize("case", FORECAST_CASES, ids=[case.id for case in FORECAST_CASES])
    def test_error_names_line_and_column(self, tmp_path: Path, case: CsvCase) -> None:
        """Each bad row gives one line naming the CSV, its line and column, and the value."""
        file = self._scenario(tmp_path, _csv(GOOD_FORECAST, case.changes))
        _assert_one_line(_load_error(file), tmp_path / "forecast.csv", case.where, case.got)

    def test_empty_csv(self, tmp_path: Path) -> None:
        """An empty forecast names the CSV."""
        file = self._scenario(tmp_path, "")
        _assert_one_line(_load_error(file), tmp_path / "forecast.csv", "", "is empty")

    def test_missing_csv(self, tmp_path: Path) -> None:
        """A forecast file that does not exist is reported on the scenario's forecast field."""
        file = self._scenario(tmp_path, None)
        _assert_one_line(_load_error(file), file, "forecast", "forecast.csv")

    def test_volume_in_both(self, tmp_path: Path) -> None:
        """A call type with rows in the forecast and its own volume is refused in the YAML."""
        file = self._scenario(tmp_path, _csv(GOOD_FORECAST, {}))
        raw = yaml.safe_load(file.read_text())
        _calls(raw)["volume"] = {"per_hour": 10}
        file = _write(tmp_path, raw)
        error = _load_error(file)
        _assert_one_line(error, file, "call_types.calls.volume", "(got per_hour and the forecast)")


class TestRosterCsvErrors:
    """Problems in a roster CSV name the CSV file and the line and column at fault."""

    @staticmethod
    def _scenario(folder: Path, csv_text: str | None) -> Path:
        """Write a scenario whose one group reads ``roster.csv`` (None: no CSV)."""
        if csv_text is not None:
            (folder / "roster.csv").write_text(csv_text)
        raw = copy.deepcopy(BASE)
        raw["groups"]["agents"] = {"roster": "roster.csv"}
        return _write(folder, raw)

    def test_good_csv_loads(self, tmp_path: Path) -> None:
        """The well-formed roster used below loads (each case spoils one thing)."""
        scenario = load_scenario(self._scenario(tmp_path, _csv(GOOD_ROSTER, {})))
        roster = scenario.groups["agents"].roster
        assert roster is not None
        expected = [("ann", None, [["09:00", "09:15"]]), ("bob", 0, []), ("bob", 0, [])]
        assert expected == [(row.agent, row.day, row.breaks) for row in roster]

    @pytest.mark.parametrize("case", ROSTER_CASES, ids=[case.id for case in ROSTER_CASES])
    def test_error_names_line_and_column(self, tmp_path: Path, case: CsvCase) -> None:
        """Each bad row gives one line naming the CSV, its line and column, and the value."""
        file = self._scenario(tmp_path, _csv(GOOD_ROSTER, case.changes))
        _assert_one_line(_load_error(file), tmp_path / "roster.csv", case.where, case.got)

    def test_missing_csv(self, tmp_path: Path) -> None:
        """A roster file that does not exist is reported on the group's roster field."""
        file = self._scenario(tmp_path, None)
        _assert_one_line(_load_error(file), file, "groups.agents.roster", "roster.csv")


def _bad_file(folder: Path) -> Path:
    """Write a scenario with an unknown key and return its path."""
    raw = copy.deepcopy(BASE)
    _calls(raw)["handel_time"] = {"dist": "exponential", "mean_s": 1}
    return _write(folder, raw)


class TestValidateCommand:
    """``ccsim validate`` turns a scenario error into one line on stderr and exit code 2."""

    @pytest.mark.parametrize(
        "make_file",
        [
            _bad_file,
            lambda folder: _write(folder, {**BASE, "name": ""}),
            lambda folder: folder / "missing.yaml",
            lambda folder: _write(folder, {**STAFFED, "tiers": {"standard": {}}}),
        ],
        ids=["unknown_key", "bad_value", "missing_file", "unknown_tier"],
    )
    def test_one_line_and_exit_code_2(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], make_file: Callable[[Path], Path]
    ) -> None:
        """Exit code 2, nothing on stdout, exactly one ``error: FILE: ...`` line on stderr."""
        from sim.cli import main

        file = make_file(tmp_path)
        with pytest.raises(SystemExit) as exited:
            main(["validate", str(file)])
        out, err = capsys.readouterr()
        expected = (2, "", 1)
        assert expected == (exited.value.code, out, len(err.splitlines()))
        assert err.startswith(f"error: {file}: ")
        assert "Traceback" not in err

    def test_csv_row_error(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A bad roster row: exit code 2 and one line naming the CSV, its line and column."""
        from sim.cli import main

        bad_row = _csv(GOOD_ROSTER, {3: "bob,08:00,07:30,0,"})
        file = TestRosterCsvErrors._scenario(tmp_path, bad_row)
        with pytest.raises(SystemExit) as exited:
            main(["validate", str(file)])
        out, err = capsys.readouterr()
        expected = (2, "", 1)
        assert expected == (exited.value.code, out, len(err.splitlines()))
        assert err.startswith(f"error: {tmp_path / 'roster.csv'}: line 3, column end: ")

    def test_valid_file_passes(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A valid scenario prints one ``valid`` line on stdout and nothing on stderr."""
        from sim.cli import main

        file = SCENARIOS / "erlang_c_check.yaml"
        main(["validate", str(file)])
        out, err = capsys.readouterr()
        assert not err
        assert out.startswith(f"{file}: valid")

    def test_console_script(self, tmp_path: Path) -> None:
        """The installed ``ccsim`` prints one error line without a traceback and exits 2."""
        file = _bad_file(tmp_path)
        ccsim = Path(sys.executable).with_name("ccsim")
        command = [str(ccsim)] if ccsim.exists() else [sys.executable, "-m", "sim"]
        result = subprocess.run(
            [*command, "validate", str(file)],
            capture_output=True,
            text=True,
            cwd=REPO,
            check=False,
            timeout=120,
        )
        expected = (2, "", 1)
        assert expected == (result.returncode, result.stdout, len(result.stderr.splitlines()))
        line = f"error: {file}: call_types.calls.handel_time: is not a known field"
        assert result.stderr.startswith(line)
        assert "Traceback" not in result.stderr

"""Both engines, same seed: identical call, shift and break records, every column, bit for bit.

Both engines take the same per-call draws from the same per-replication streams (one at a time in
SimPy, in blocks in the fast kernel) and follow the same rules and tie-breaks, so no feature
needs a statistical fallback: every comparison here is exact. Tallies are compared too: counts
exactly, sums to 1e-12 (the kernel adds in event order, ``tally_records`` in record order).

Scenario files cover what the schema builds; hand-made plans (a built plan with fields replaced)
cover several groups with skills and tiers, overflow routing, breaks, redials, repeat calls,
busyness, absenteeism and split shifts, each checking that it exercises its feature.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from helpers import REPO, SCENARIOS, assert_parity

from sim import simulate
from sim.engines.base import (
    BreakRecords,
    CallRecords,
    Origin,
    Outcome,
    ShiftRecords,
)
from sim.engines.replication import draw_realisation
from sim.scenario import Plan, Scenario, build_plan, scenario_from_dict
from sim.scenario.plan import RosterKind, inbound_group_tables
from sim.simulation import SimulationResult

ANSWERED, ABANDONED, DROPPED = int(Outcome.ANSWERED), int(Outcome.ABANDONED), int(Outcome.DROPPED)
SHORT_HORIZON_H = 6.0  # steady-state scenarios run this long here (their own horizon is for KPIs)


def run_both(
    scenario: Scenario | Plan, *, reps: int, seed: int
) -> tuple[SimulationResult, SimulationResult]:
    """Run the SimPy and the fast engine on the same seed, keeping records."""
    simpy = simulate(scenario, reps=reps, seed=seed, engine="simpy", keep_records=True)
    fast = simulate(scenario, reps=reps, seed=seed, engine="fast", keep_records=True)
    return simpy, fast


def load_short(path: Path) -> Scenario:
    """Load a scenario file; a steady-state one gets a short horizon."""
    raw = yaml.safe_load(path.read_text())
    if "steady_state" in raw:
        raw["steady_state"] = {**raw["steady_state"], "horizon_h": SHORT_HORIZON_H, "warmup_h": 1.0}
    return scenario_from_dict(raw, source=str(path), base_dir=path.parent)


SCENARIO_FILES = sorted(SCENARIOS.glob("*.yaml")) + sorted((REPO / "experiments").glob("*/*.yaml"))


class TestScenarioFiles:
    """Every shipped scenario runs identically on both engines."""

    def test_the_demo_is_among_them(self) -> None:
        """The demo scenario is one of the files compared."""
        assert "retail_bank_day.yaml" in {p.name for p in SCENARIO_FILES}

    @pytest.mark.parametrize(
        "path", SCENARIO_FILES, ids=[p.relative_to(REPO).as_posix() for p in SCENARIO_FILES]
    )
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


def _dated_week(at_close: str) -> dict[str, Any]:
    """Friday to Monday: Saturday 09:00-11:00, Sunday closed, Monday open late (a date)."""
    return {
        "calendar": {
            "start_date": "2027-01-08",
            "days": 4,
            "open": "08:00",
            "close": "12:00",
            "hours": {"sat": ["09:00", "11:00"], "sun": "closed"},
            "dates": {"2027-01-11": ["08:00", "13:00"]},
            "interval_minutes": 30,
            "at_close": at_close,
        },
        "call_types": {
            "calls": {
                "volume": {"daily": 160, "profile": [1, 2, 3, 3, 3, 3, 2, 2, 1, 1]},
                "handle_time": {"dist": "exponential", "mean_s": 400},
                "patience": {"dist": "exponential", "mean_s": 600},
                "redial": {"probability": 0.5, "delay_mean_s": 1800},
            },
            "other": {
                "volume": {"per_hour": 30, "weekday_factors": {"mon": 1.5, "sat": 2.0}},
                "handle_time": {"dist": "gamma", "mean_s": 300, "cv": 1.2},
            },
        },
        "shifts": {
            "week": {"start": "08:00", "end": "12:00", "days": ["mon", "fri"]},
            "late": {"start": "12:00", "end": "13:00", "days": [3]},
            "sat": {"start": "09:00", "end": "11:00", "days": ["sat"]},
        },
        "groups": {"agents": {"shifts": {"week": 7, "late": 5, "sat": 6}}},
    }


def _short_day_closes(at_close: str) -> Check:
    """Calls on Saturday, none on Sunday, and the Saturday's own close at 11:00 acted on."""
    saturday_close_at = 86400.0 + 11 * 3600.0

    def check(calls: CallRecords, shifts: ShiftRecords) -> bool:
        days = set(np.unique(calls.day).tolist())
        if at_close == "drop":
            closed = calls.left_at[calls.outcome == DROPPED] == saturday_close_at
        else:
            closed = (shifts.scheduled_off_at == saturday_close_at) & (
                shifts.off_at > shifts.scheduled_off_at
            )
        return 1 in days and 2 not in days and bool(closed.any())

    return check


HAND_MADE["dated_week_short_saturday_drain"] = (_dated_week("drain"), _short_day_closes("drain"))
HAND_MADE["dated_week_short_saturday_drop"] = (_dated_week("drop"), _short_day_closes("drop"))


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


# -- hand-made plans: groups, skills, tiers, routing, breaks, redials, repeats, busyness, absence

PLAN_BASE: dict[str, Any] = {
    "calendar": {"open": "08:00", "close": "12:00", "interval_minutes": 30},
    "service_level": {"threshold_s": 20, "short_abandon_s": 5},
    "call_types": {
        "a": {
            "volume": {"per_interval": [100, 150, 180, 160, 150, 140, 120, 100]},
            "handle_time": {"dist": "lognormal", "mean_s": 240, "cv": 0.8, "acw_s": 10},
            "patience": {"dist": "exponential", "mean_s": 180},
        },
        "b": {
            "priority": 2,
            "volume": {"per_hour": 50},
            "handle_time": {"dist": "gamma", "mean_s": 300, "cv": 1.3},
            "patience": {"dist": "lognormal", "mean_s": 90, "cv": 1.0},
        },
    },
    "groups": {"agents": {"headcount": 1}},
}
# Three groups: g0 answers a (tier "standard"), g1 a and b ("expert", factor 0.85; a only after
# 20 s of waiting), g2 b ("trainee", factor 1.3). Agents 0-13 are g0, 14-22 g1, 23-27 g2.
AGENT_GROUP = [0] * 14 + [1] * 9 + [2] * 5
TEAMS: dict[str, Any] = {
    "groups": ("g0", "g1", "g2"),
    **inbound_group_tables(3),
    "tiers": ("trainee", "standard", "expert"),
    "group_role": ("agent",) * 3,
    "skill_tier": np.array([[1, -1], [2, 2], [-1, 0]]),
    "tier_factor": np.array([[1.0, np.nan], [0.85, 0.85], [np.nan, 1.3]]),
    "tier_fcr": np.array([[1.0, np.nan], [1.0, 1.0], [np.nan, 1.0]]),
    "routing_group": np.array([[0, 1], [2, 1]]),
    "routing_after_s": np.array([[0.0, 20.0], [0.0, 0.0]]),
    "absenteeism": np.zeros(3),
    "agent_group": np.array(AGENT_GROUP),
}
OVERFLOW_S = 20.0
BREAK_S = 900.0
RosterEvent = tuple[float, RosterKind, int, int, float]  # (at, kind, who, day, length)


def plan_base(*, days: int = 1, at_close: str = "drain") -> Plan:
    """The plan of :data:`PLAN_BASE` (one group of one agent, replaced by the cases)."""
    raw = {**PLAN_BASE, "name": "hand-made-plan"}
    raw["calendar"] = {**PLAN_BASE["calendar"], "days": days, "at_close": at_close}
    return build_plan(scenario_from_dict(raw))


def roster_events(
    plan: Plan, *, late: bool = False, breaks: bool = False, split: bool = False
) -> list[RosterEvent]:
    """Shifts (and breaks) of every agent of :data:`AGENT_GROUP`, each day.

    ``late``: a third of the agents start 15 or 30 minutes after opening. ``breaks``: every
    other agent takes a 15-minute break in the second or third hour, and every seventh one
    (from agent 1) a break 10 minutes before closing that the shift end cuts. ``split``: every
    seventh agent (from agent 3) works opening to +2 h and +2.5 h to closing.
    """
    end_kind = RosterKind.OFF if plan.drops_at_close else RosterKind.OFF_DRAIN
    events: list[RosterEvent] = []
    for day, (open_at, close_at) in enumerate(zip(plan.open_at, plan.close_at, strict=True)):
        for a in range(len(AGENT_GROUP)):
            if split and a % 7 == 3:
                events.append((open_at, RosterKind.ON, a, day, 0.0))
                events.append((open_at + 7200.0, RosterKind.OFF, a, day, 0.0))
                events.append((open_at + 9000.0, RosterKind.ON, a, day, 0.0))
            else:
                start_at = open_at + (a % 3) * 900.0 if late else open_at
                events.append((start_at, RosterKind.ON, a, day, 0.0))
            events.append((close_at, end_kind, a, day, 0.0))
            if breaks and a % 2 == 0:
                due_at = open_at + 3600.0 + (a % 5) * 300.0
                events.append((due_at, RosterKind.BREAK, a, day, BREAK_S))
            if breaks and a % 7 == 1:
                events.append((close_at - 600.0, RosterKind.BREAK, a, day, BREAK_S))
        events.append((close_at, RosterKind.CLOSE, day, day, 0.0))
    return sorted(events, key=lambda e: (e[0], int(e[1]), e[2]))


def team_plan(
    *,
    days: int = 1,
    at_close: str = "drain",
    late: bool = False,
    breaks: bool = False,
    split: bool = False,
    **changes: Any,
) -> Plan:
    """:func:`plan_base` with the three groups of :data:`TEAMS`, a roster, and ``changes``."""
    base = plan_base(days=days, at_close=at_close)
    events = roster_events(base, late=late, breaks=breaks, split=split)
    roster = {
        "roster_at": np.array([e[0] for e in events]),
        "roster_kind": np.array([int(e[1]) for e in events]),
        "roster_who": np.array([e[2] for e in events]),
        "roster_day": np.array([e[3] for e in events]),
        "roster_length_s": np.array([e[4] for e in events]),
        "scheduled_agents": np.zeros((days, base.n_intervals, 3), dtype=np.int64),
    }
    return dataclasses.replace(base, **{**TEAMS, **roster, **changes})


PlanCheck = Callable[[Plan, SimulationResult], bool]


def _records(result: SimulationResult) -> tuple[CallRecords, ShiftRecords, BreakRecords]:
    assert result.calls is not None
    assert result.shifts is not None
    assert result.breaks is not None
    return result.calls, result.shifts, result.breaks


def _groups_tiers_and_overflow(plan: Plan, result: SimulationResult) -> bool:
    """Every tier answers; g1 answers type a, but only after the overflow delay."""
    calls, _, _ = _records(result)
    answered = calls.outcome == ANSWERED
    overflowed = answered & (calls.call_type == 0) & (calls.group == 1)
    late_enough = calls.answered_at[overflowed] >= calls.arrived_at[overflowed] + OVERFLOW_S
    pairs = zip(calls.group[answered].tolist(), calls.call_type[answered].tolist(), strict=True)
    served = set(pairs)
    return (
        bool(overflowed.any())
        and bool(late_enough.all())
        and served == {(0, 0), (1, 0), (1, 1), (2, 1)}
        and set(calls.tier[answered].tolist()) == {0, 1, 2}
    )


def _break_kinds(plan: Plan, breaks: BreakRecords) -> dict[str, int]:
    """Count breaks taken on time, after a call, shortened, and cut by the shift end."""
    is_break = plan.roster_kind == RosterKind.BREAK
    off_at = set(plan.roster_at[np.isin(plan.roster_kind, [RosterKind.OFF, RosterKind.OFF_DRAIN])])
    kinds = {"on_time": 0, "after_call": 0, "shortened": 0, "cut": 0}
    for agent, start_at, end_at in zip(breaks.agent, breaks.start_at, breaks.end_at, strict=True):
        mine = is_break & (plan.roster_who == agent) & (plan.roster_at <= start_at)
        due_at = plan.roster_at[mine].max()
        length_s = plan.roster_length_s[mine][np.argmax(plan.roster_at[mine])]
        kinds["on_time" if start_at == due_at else "after_call"] += 1
        if end_at in off_at and end_at - start_at < length_s:
            kinds["cut"] += 1
        elif start_at > due_at and end_at == due_at + length_s:
            kinds["shortened"] += 1
    return kinds


def _delayed_breaks(plan: Plan, result: SimulationResult) -> bool:
    """Breaks on time, after a call (full length), and cut by the shift end."""
    _, _, breaks = _records(result)
    kinds = _break_kinds(plan, breaks)
    return kinds["on_time"] > 0 and kinds["after_call"] > 0 and kinds["cut"] > 0


def _shortened_breaks(plan: Plan, result: SimulationResult) -> bool:
    """Breaks on time, shortened after a call, and cut by the shift end."""
    _, _, breaks = _records(result)
    kinds = _break_kinds(plan, breaks)
    return kinds["on_time"] > 0 and kinds["shortened"] > 0 and kinds["cut"] > 0


def _redials_and_repeats(plan: Plan, result: SimulationResult) -> bool:
    """Redials and repeat calls are offered, and some of each are answered."""
    calls, _, _ = _records(result)
    answered = calls.outcome == ANSWERED
    return all(
        bool((answered & (calls.origin == origin)).any())
        for origin in (Origin.FRESH, Origin.REDIAL, Origin.REPEAT)
    )


def _absent_agent_days(plan: Plan, result: SimulationResult) -> bool:
    """Days are busier or quieter than planned, and absent agent-days have no shift."""
    _, shifts, _ = _records(result)
    some_absent = False
    for rep in range(result.reps):
        realisation = draw_realisation(plan, result.seed, rep)
        if np.all(realisation.day_multiplier == 1.0):
            return False
        worked = np.zeros_like(realisation.absent)
        mine = shifts.rep == rep
        worked[shifts.agent[mine], (shifts.on_at[mine] // 86_400).astype(int)] = True
        if not np.array_equal(~realisation.absent, worked):
            return False
        some_absent |= bool(realisation.absent.any())
    return some_absent


def _split_shifts_and_drops(plan: Plan, result: SimulationResult) -> bool:
    """Some agent works two shifts in one day, and calls are dropped at closing."""
    calls, shifts, _ = _records(result)
    day = (shifts.on_at // 86_400).astype(int)
    keys = list(zip(shifts.rep.tolist(), shifts.agent.tolist(), day.tolist(), strict=True))
    dropped_at_close = np.isin(calls.left_at[calls.outcome == DROPPED], plan.close_at)
    return len(set(keys)) < len(keys) and bool(dropped_at_close.any())


def _everything(plan: Plan, result: SimulationResult) -> bool:
    return (
        _groups_tiers_and_overflow(plan, result)
        and _delayed_breaks(plan, result)
        and _redials_and_repeats(plan, result)
        and _absent_agent_days(plan, result)
        and _split_shifts_and_drops(plan, result)
    )


REDIALS_AND_REPEATS: dict[str, Any] = {
    "tier_fcr": np.array([[0.9, np.nan], [0.95, 0.95], [np.nan, 0.8]]),
    "redial_probability": np.array([0.3, 0.6]),
    "redial_delay_s": np.array([300.0, 120.0]),
    "redial_max_attempts": np.array([10, 10]),
    "repeat_delay_s": np.array([900.0, 600.0]),
}
BUSYNESS_AND_ABSENCE: dict[str, Any] = {
    "day_cv_shared": 0.15,
    "day_cv": np.array([0.1, 0.3]),
    "absenteeism": np.array([0.1, 0.05, 0.2]),
}
HAND_MADE_PLANS: dict[str, tuple[Callable[[], Plan], PlanCheck]] = {
    "groups_tiers_and_overflow": (team_plan, _groups_tiers_and_overflow),
    "breaks_delayed": (lambda: team_plan(late=True, breaks=True), _delayed_breaks),
    "breaks_shortened": (
        lambda: team_plan(late=True, breaks=True, breaks_shorten=True),
        _shortened_breaks,
    ),
    "redials_and_repeats": (lambda: team_plan(**REDIALS_AND_REPEATS), _redials_and_repeats),
    "busyness_and_absenteeism": (
        lambda: team_plan(days=2, **BUSYNESS_AND_ABSENCE),
        _absent_agent_days,
    ),
    "split_shifts_drop_at_close": (
        lambda: team_plan(at_close="drop", split=True),
        _split_shifts_and_drops,
    ),
    "everything_two_days": (
        lambda: team_plan(
            days=2,
            at_close="drop",
            late=True,
            breaks=True,
            split=True,
            **REDIALS_AND_REPEATS,
            **BUSYNESS_AND_ABSENCE,
        ),
        _everything,
    ),
}


class TestHandMadePlans:
    """Plans with the generalised features give identical records on both engines."""

    @pytest.mark.parametrize("name", list(HAND_MADE_PLANS))
    def test_identical_records(self, name: str) -> None:
        """Three replications give identical records and tallies, and exercise the feature."""
        make, check = HAND_MADE_PLANS[name]
        simpy, fast = run_both(make(), reps=3, seed=5)
        assert_parity(simpy, fast)
        assert check(simpy.plan, simpy), f"{name} does not exercise its feature"


class TestRosterInstants:
    """Roster events happen at the same instants in both engines: the planned ones, rounded."""

    def test_fractional_instants_on_a_later_day(self) -> None:
        """Shifts starting at 08:00:00.1 on day 0 and 08:00:00.2 on day 1 start alike in both.

        Both engines reach an instant as previous + (planned - previous), which for fractional
        instants may be one ulp off the planned double (115200.2 is not reachable from
        28800.1 that way); whole-second instants, as scenarios give, are exact.
        """
        raw = {
            "name": "fractional-roster",
            "calendar": {"days": 2, "open": "08:00", "close": "09:00", "interval_minutes": 30},
            "call_types": {
                "calls": {
                    "volume": {"per_hour": 60},
                    "handle_time": {"dist": "exponential", "mean_s": 60},
                }
            },
            "groups": {"agents": {"headcount": 1}},
        }
        plan = build_plan(scenario_from_dict(raw))
        at = plan.roster_at.copy()
        at[(plan.roster_kind != RosterKind.CLOSE) & (plan.roster_day == 0)] += 0.1
        at[(plan.roster_kind == RosterKind.ON) & (plan.roster_day == 1)] += 0.2
        plan = dataclasses.replace(plan, roster_at=at)
        simpy, fast = run_both(plan, reps=1, seed=1)
        assert_parity(simpy, fast)
        assert fast.shifts is not None
        planned = at[plan.roster_kind == RosterKind.ON]
        np.testing.assert_allclose(fast.shifts.on_at, planned, rtol=1e-15)

    def test_whole_second_instants_are_exact(self) -> None:
        """Roster instants of a scenario (whole seconds) are met exactly."""
        plan = build_plan(
            scenario_from_dict(
                {
                    "name": "whole-seconds",
                    "calendar": {
                        "days": 2,
                        "open": "08:00",
                        "close": "09:00",
                        "interval_minutes": 30,
                    },
                    "call_types": {
                        "calls": {
                            "volume": {"per_hour": 60},
                            "handle_time": {"dist": "exponential", "mean_s": 60},
                        }
                    },
                    "groups": {"agents": {"headcount": [1, 2]}},
                }
            )
        )
        simpy, fast = run_both(plan, reps=1, seed=1)
        assert_parity(simpy, fast)
        assert fast.shifts is not None
        expected = sorted(plan.roster_at[plan.roster_kind == RosterKind.ON].tolist())
        assert expected == sorted(fast.shifts.on_at.tolist())


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

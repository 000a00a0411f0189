"""What a drop in headcount means (``staffing_drop``), in both engines.

A group's headcount drops 6 -> 2 at 08:30 and rises back at 09:00, with calls of 40 minutes on
average and a long queue: agents whose shift ends on a call finish it (overtime). With
``finish_calls`` (the default) the agents still on shift answer at once, so for a while more
agents are on calls than are on shift; with ``hold_count`` no call starts while the group's
agents on calls (those past their shift end included) are not fewer than its agents on shift.
Agents still on a call from 08:30 when their next shift starts at 09:00 exercise the place a
shift start frees.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest
from helpers import assert_parity

from sim import simulate
from sim.engines.base import Outcome
from sim.errors import ScenarioError
from sim.scenario import build_plan, scenario_from_dict
from sim.simulation import SimulationResult


def drop_day(staffing_drop: str | None, *, per_group: bool = False) -> dict[str, Any]:
    """The day of the module docstring, ``staffing_drop`` set centre-wide or on the group."""
    group: dict[str, Any] = {"headcount": [6, 2, 6, 2]}
    raw: dict[str, Any] = {
        "name": "drop-day",
        "calendar": {"open": "08:00", "close": "10:00", "interval_minutes": 30, "at_close": "drop"},
        "call_types": {
            "calls": {
                "volume": {"per_hour": 30},
                "handle_time": {"dist": "exponential", "mean_s": 2400},
                "patience": {"dist": "exponential", "mean_s": 3600},
            }
        },
        "groups": {"agents": group},
    }
    if staffing_drop is not None and per_group:
        group["staffing_drop"] = staffing_drop
    elif staffing_drop is not None:
        raw["staffing_drop"] = staffing_drop
    return raw


@functools.cache
def run(staffing_drop: str | None, engine: str, per_group: bool = False) -> SimulationResult:
    scenario = scenario_from_dict(drop_day(staffing_drop, per_group=per_group))
    return simulate(scenario, reps=4, seed=3, engine=engine, keep_records=True)


def excess_at_answers(result: SimulationResult) -> list[int]:
    """For every answer: agents on calls just after it minus agents on shift then."""
    assert result.records is not None
    calls, shifts = result.records.calls, result.records.shifts
    answered = calls.outcome == int(Outcome.ANSWERED)
    excess = []
    for rep, at in zip(calls.rep[answered], calls.answered_at[answered], strict=True):
        mine = answered & (calls.rep == rep)
        on_calls = np.sum(mine & (calls.answered_at <= at) & (calls.ended_at > at))
        crew = shifts.rep == rep
        on_shift = np.sum(crew & (shifts.on_at <= at) & (shifts.scheduled_off_at > at))
        excess.append(int(on_calls - on_shift))
    return excess


@pytest.mark.parametrize("staffing_drop", ["finish_calls", "hold_count"])
def test_identical_records(staffing_drop: str) -> None:
    """Both engines give the same records and tallies under either rule."""
    assert_parity(run(staffing_drop, "simpy"), run(staffing_drop, "fast"))


def test_hold_count_never_has_more_agents_on_calls_than_on_shift() -> None:
    """With hold_count no answer leaves more agents on calls than on shift."""
    assert max(excess_at_answers(run("hold_count", "fast"))) <= 0


def test_finish_calls_answers_at_once_above_the_new_count() -> None:
    """With finish_calls the agents on shift answer at once: calls exceed the count."""
    assert max(excess_at_answers(run("finish_calls", "fast"))) > 0


def test_hold_count_makes_callers_wait_longer() -> None:
    """Holding agents back makes the same callers wait longer on average."""

    def mean_wait_s(result: SimulationResult) -> float:
        return float(
            result.tallies.call_sum("wait_all_s").sum() / result.tallies.count("offered").sum()
        )

    assert mean_wait_s(run("hold_count", "fast")) > mean_wait_s(run("finish_calls", "fast"))


def test_a_shift_start_during_an_overrun_frees_a_place() -> None:
    """Some agent is still on a call from 08:30 when their 09:00 shift starts (the case runs)."""
    shifts = run("hold_count", "simpy").records.shifts
    overrun = (shifts.off_at > shifts.scheduled_off_at) & (shifts.scheduled_off_at == 8.5 * 3600)
    assert bool(np.any(overrun & (shifts.off_at == 9 * 3600)))


def test_finish_calls_is_the_default() -> None:
    """Without staffing_drop the records are those of finish_calls."""
    assert_parity(run(None, "simpy"), run("finish_calls", "fast"))


def test_the_group_setting_overrides_the_centre() -> None:
    """hold_count on the group alone gives the records of hold_count centre-wide."""
    plan = build_plan(scenario_from_dict(drop_day("hold_count", per_group=True)))
    assert plan.staffing_hold.tolist() == [True]
    raw = drop_day("finish_calls", per_group=True)
    raw["staffing_drop"] = "hold_count"
    assert build_plan(scenario_from_dict(raw)).staffing_hold.tolist() == [False]
    assert_parity(run("hold_count", "simpy"), run("hold_count", "fast", per_group=True))


def test_an_unknown_rule_is_refused() -> None:
    raw = drop_day("keep_going", per_group=True)
    with pytest.raises(ScenarioError, match=r"groups\.agents\.staffing_drop: "):
        scenario_from_dict(raw, source="drop.yaml")

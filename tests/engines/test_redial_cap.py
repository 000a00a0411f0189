"""The caps on calls coming back, in both engines: a caller redials at most
``redial.max_attempts`` times, and a matter comes back at most ``repeat.max_attempts`` times.

The storm of callers who hang up after 1 ms and always redial 1 ms later (one agent, busy all
day with the first call) would never end without the cap. Each other fresh caller then makes
exactly ``1 + max_attempts`` calls and gives up once, which the tests count (they never time).
Likewise for contacts that are never resolved and come back 1 ms later.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
from helpers import assert_parity

from sim import simulate
from sim.engines.base import Origin, Outcome
from sim.errors import ScenarioError
from sim.scenario import build_plan, scenario_from_dict
from sim.scenario.limits import DEFAULT_REDIAL_ATTEMPTS, MAX_REDIAL_ATTEMPTS

CLOSE_AT_S = 12 * 3600.0
FRESH, REDIAL, REPEAT = int(Origin.FRESH), int(Origin.REDIAL), int(Origin.REPEAT)


def storm(max_attempts: int | None) -> dict[str, Any]:
    """A morning of callers with 1 ms patience who always redial after 1 ms on average."""
    redial: dict[str, Any] = {"probability": 1.0, "delay_mean_s": 0.001}
    if max_attempts is not None:
        redial["max_attempts"] = max_attempts
    return {
        "name": "redial-storm",
        "calendar": {"open": "08:00", "close": "12:00", "interval_minutes": 60},
        "call_types": {
            "calls": {
                "volume": {"per_hour": 50},
                # the one agent takes the first call and talks until after closing
                "handle_time": {"dist": "deterministic", "mean_s": 5 * 3600},
                "patience": {"dist": "deterministic", "mean_s": 0.001},
                "redial": redial,
            }
        },
        "groups": {"agents": {"headcount": 1}},
    }


def run_storm(max_attempts: int | None, engine: str) -> Any:
    scenario = scenario_from_dict(storm(max_attempts), source="storm")
    return simulate(scenario, reps=2, seed=7, engine=engine, keep_records=True)


@pytest.mark.parametrize("max_attempts", [0, 3, None])
def test_storm_ends_with_each_caller_redialling_at_most_max_attempts(max_attempts: int | None):
    attempts = DEFAULT_REDIAL_ATTEMPTS if max_attempts is None else max_attempts
    simpy = run_storm(max_attempts, "simpy")
    fast = run_storm(max_attempts, "fast")
    assert_parity(simpy, fast)
    calls = fast.records.calls
    # no chain is cut by closing, so every caller but the one answered gives up after the cap
    assert calls.arrived_at.max() < CLOSE_AT_S - 1.0
    for rep in (0, 1):
        mine = calls.rep == rep
        fresh = int(np.sum(mine & (calls.origin == FRESH)))
        assert 150 <= fresh <= 250  # 200 expected: the day really had a storm
        callers_abandoning = fresh - 1
        assert int(np.sum(mine & (calls.outcome == int(Outcome.ANSWERED)))) == 1
        assert int(np.sum(mine & (calls.origin == REDIAL))) == attempts * callers_abandoning
        assert int(np.sum(mine & (calls.redial_given_up == 1))) == callers_abandoning
        assert int(mine.sum()) == fresh * (1 + attempts) - attempts
    counts = {
        name: fast.tallies.count(name).sum(axis=tuple(range(1, 4)))
        for name in ("offered", "redials", "redials_given_up")
    }
    for rep in (0, 1):
        mine = calls.rep == rep
        assert counts["offered"][rep] == mine.sum()
        assert counts["redials_given_up"][rep] == np.sum(mine & (calls.redial_given_up == 1))
        assert counts["redials"][rep] == attempts * counts["redials_given_up"][rep]


def test_a_redial_still_due_is_not_given_up():
    """Only a caller's last allowed redial, abandoned, gives up; fresh calls never do here."""
    result = run_storm(2, "simpy")
    calls = result.records.calls
    given_up = calls.redial_given_up == 1
    assert np.all(calls.origin[given_up] == REDIAL)
    assert np.all(calls.outcome[given_up] == int(Outcome.ABANDONED))


@pytest.mark.parametrize(
    ("bad", "says"), [(-1, "must be >= 0"), (MAX_REDIAL_ATTEMPTS + 1, "must be <= 100")]
)
def test_max_attempts_outside_its_limit_is_refused(bad: int, says: str):
    with pytest.raises(ScenarioError, match=f"redial.max_attempts: {says}"):
        scenario_from_dict(storm(bad), source="storm")
    raw = storm(None)
    raw["call_types"]["calls"]["repeat"] = {"max_attempts": bad}
    with pytest.raises(ScenarioError, match=f"repeat.max_attempts: {says}"):
        scenario_from_dict(raw, source="storm")


def unresolved_storm(max_attempts: int, engine: str) -> Any:
    """Calls answered in 1 s that are (almost) never resolved and come back after 1 ms."""
    raw = storm(None)
    call_type = raw["call_types"]["calls"]
    call_type["handle_time"] = {"dist": "deterministic", "mean_s": 1.0}
    call_type["patience"] = {"dist": "none"}
    call_type["repeat"] = {"delay_mean_s": 0.001, "max_attempts": max_attempts}
    del call_type["redial"]
    plan = build_plan(scenario_from_dict(raw, source="storm"))
    plan = dataclasses.replace(plan, tier_fcr=np.full_like(plan.tier_fcr, 1e-9))
    return simulate(plan, reps=2, seed=7, engine=engine, keep_records=True)


@pytest.mark.parametrize("max_attempts", [0, 4])
def test_unresolved_storm_ends_after_max_attempts_repeat_calls(max_attempts: int):
    simpy = unresolved_storm(max_attempts, "simpy")
    fast = unresolved_storm(max_attempts, "fast")
    assert_parity(simpy, fast)
    calls = fast.records.calls
    # no matter is cut short by closing: one comes back 4 times within about 5 s
    assert calls.arrived_at.max() < CLOSE_AT_S - 10.0
    for rep in (0, 1):
        mine = calls.rep == rep
        fresh = int(np.sum(mine & (calls.origin == FRESH)))
        assert 150 <= fresh <= 250
        assert int(np.sum(mine & (calls.origin == REPEAT))) == max_attempts * fresh
        assert int(np.sum(mine & (calls.repeat_given_up == 1))) == fresh
        assert np.all(calls.outcome[mine] == int(Outcome.ANSWERED))
    given_up = fast.tallies.count("repeats_given_up").sum(axis=tuple(range(1, 4)))
    assert [int(np.sum(calls.rep == rep)) // (1 + max_attempts) for rep in (0, 1)] == list(given_up)

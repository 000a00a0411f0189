"""A week of dates on both engines: closed days, a short day's own closing, weekday volumes."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from helpers import DATED_WEEK, assert_within_se, stat_reps

from sim import simulate
from sim.engines.base import Outcome
from sim.scenario import scenario_from_dict
from sim.units import SECONDS_PER_DAY, SECONDS_PER_HOUR

ENGINES = ["simpy", "fast"]
SATURDAY, SUNDAY = 5, 6
SATURDAY_CLOSE_AT = SATURDAY * SECONDS_PER_DAY + 11 * SECONDS_PER_HOUR


def _week(at_close: str = "drain", **volume: Any) -> dict[str, Any]:
    raw = copy.deepcopy(DATED_WEEK)
    raw["calendar"]["at_close"] = at_close
    raw["call_types"]["calls"]["volume"].update(volume)
    return raw


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Each test runs on both engines."""
    return request.param


class TestClosedHours:
    def test_closed_day_and_hours_get_no_calls_and_no_agent_time(self, engine: str) -> None:
        """Sunday: no call, no agent second; Saturday: calls only 09:00-11:00; redials lost."""
        result = simulate(scenario_from_dict(_week()), reps=4, seed=3, engine=engine)
        tallies, plan = result.tallies, result.plan
        offered = tallies.count("offered")  # [reps, days, intervals, call types]
        closed = ~plan.interval_open
        assert offered[:, closed].sum() == 0
        assert offered[:, SATURDAY].sum() > 0
        assert tallies.count("redials")[:, SATURDAY].sum() > 0
        assert np.all(tallies.agent_sums[:, SUNDAY] == 0.0)
        saturday_slots = tallies.agent_sum("staffed_s")[:, SATURDAY, :, 0]
        assert np.all(saturday_slots[:, [0, 1, 6, 7]] == 0.0)  # 08:00-09:00, empty 11:00 slots
        assert np.all(saturday_slots[:, 2:6] > 0.0)

    def test_short_day_drains_after_its_own_close(self, engine: str) -> None:
        """Drain: Saturday's agents stay past 11:00; that time is the after-close slot's."""
        result = simulate(scenario_from_dict(_week()), reps=4, seed=3, engine=engine)
        overtime = result.tallies.agent_sum("overtime_s")[:, SATURDAY, :, 0]
        assert overtime[:, -1].sum() > 0.0
        assert overtime[:, :-1].sum() == 0.0

    def test_short_day_drops_at_its_own_close(self, engine: str) -> None:
        """Drop: calls still waiting on Saturday are dropped at 11:00 exactly."""
        scenario = scenario_from_dict(_week("drop"))
        result = simulate(scenario, reps=4, seed=3, engine=engine, keep_records=True)
        calls = result.calls
        assert calls is not None
        saturday_drops = calls.left_at[(calls.outcome == Outcome.DROPPED) & (calls.day == SATURDAY)]
        assert saturday_drops.size > 0
        assert np.all(saturday_drops == SATURDAY_CLOSE_AT)
        assert np.all(calls.arrived_at[calls.day == SATURDAY] < SATURDAY_CLOSE_AT)


class TestWeekdayFactors:
    def test_fresh_calls_per_day_match_the_weekday_factors(self) -> None:
        """Mean fresh calls of each day within 4 SE of daily x its weekday factor."""
        reps = stat_reps(200)
        raw = _week()
        del raw["call_types"]["calls"]["redial"]  # fresh calls only
        scenario = scenario_from_dict(raw)
        result = simulate(scenario, reps=reps, seed=5, engine="fast")
        offered = result.tallies.count("offered").sum(axis=(2, 3))  # [reps, days]
        expected = [180.0, 120.0, 120.0, 120.0, 96.0, 144.0, 0.0]
        for day, mean in enumerate(expected[:SUNDAY]):
            assert_within_se(offered[:, day], mean, label=result.plan.day_label(day))
        assert offered[:, SUNDAY].sum() == 0

"""Email as deferred work, both engines: parity, the backlog's rules, and queueing theory.

Parity: hand-made scenarios (two days, two email types of different priority, a blended-skill
and a dedicated group, breaks, drop at closing, hold_count, busyness, weekday factors, an hourly
profile, absenteeism) give identical records and tallies on the same seed, each checked to
exercise what it is meant to. Rules are checked on the records. Theory, within 4 SE of the
replication means, each shown able to fail:

* a dedicated email group with exponential handle times in steady state (the backlog always
  open) is M/M/c: mean wait and P(wait) of Erlang C;
* an overloaded backlog grows at (arrivals - capacity) per hour.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from helpers import allowed_four_se, assert_parity, assert_within_se, mean_and_se, stat_reps

from sim.analytic import queue_kpis
from sim.engines.base import CallRecords, Outcome, ShiftRecords
from sim.scenario import Scenario, build_plan, scenario_from_dict
from sim.simulation import SimulationResult, simulate

ANSWERED, CARRIED = int(Outcome.ANSWERED), int(Outcome.CARRIED)
ENGINES = ("simpy", "fast")

BACK_OFFICE: dict[str, Any] = {
    "name": "back-office",
    "calendar": {
        "days": 2,
        "open": "08:00",
        "close": "12:00",
        "interval_minutes": 30,
        "at_close": "drain",
    },
    "service_level": {"threshold_s": 20},
    "call_types": {
        "phone": {
            "priority": 1,
            "volume": {"per_hour": 50},
            "handle_time": {"dist": "exponential", "mean_s": 200, "acw_s": 20},
            "patience": {"dist": "exponential", "mean_s": 300},
        },
        "claims": {
            "channel": "email",
            "priority": 5,  # above the phone's number: email still comes after every call
            "volume": {"per_hour": 6},
            "handle_time": {"dist": "lognormal", "mean_s": 400, "cv": 0.5},
            "response_target": {"within_h": 8, "share": 0.8},
        },
        "mail": {
            "channel": "email",
            "priority": 1,
            "volume": {"daily": 60},
            "handle_time": {"dist": "exponential", "mean_s": 300},
            "response_target": {"within_h": 24},
        },
    },
    "shifts": {
        "full": {"start": "08:00", "end": "12:00", "breaks": [{"after_h": 2, "minutes": 15}]},
        "late": {"start": "09:00", "end": "12:00"},
    },
    "groups": {
        "team": {
            "skills": {"phone": "standard", "claims": "standard", "mail": "standard"},
            "shifts": {"full": 4},
        },
        "office": {"skills": {"claims": "standard", "mail": "standard"}, "shifts": {"late": 1}},
    },
}
"""Two mornings: a phone line and two email types worked by a blended-skill team and a
dedicated back-office agent; more email arrives than the agents clear, so items carry over."""


def _scenario(raw: dict[str, Any], **changes: Any) -> Scenario:
    scenario = copy.deepcopy(raw)
    for path, value in changes.items():
        section = scenario
        *parents, last = path.split("__")
        for name in parents:
            section = section[name]
        section[last] = value
    return scenario_from_dict(scenario)


def _run_both(scenario: Scenario, reps: int, seed: int) -> tuple[SimulationResult, ...]:
    return tuple(
        simulate(scenario, reps=reps, seed=seed, engine=engine, keep_records=True)
        for engine in ENGINES
    )


def _emails(calls: CallRecords, scenario: Scenario) -> np.ndarray:
    kinds = [c.channel == "email" for c in scenario.call_types.values()]
    return np.array(kinds)[calls.call_type]


def _carries_and_both_groups(calls: CallRecords, _: ShiftRecords, email: np.ndarray) -> bool:
    answered = email & (calls.outcome == ANSWERED)
    return bool((calls.outcome[email] == CARRIED).any()) and set(calls.group[answered]) == {0, 1}


def _drops_voice_only(calls: CallRecords, _: ShiftRecords, email: np.ndarray) -> bool:
    dropped = calls.outcome == int(Outcome.DROPPED)
    return bool(dropped[~email].any()) and not dropped[email].any()


def _weekdays_and_absences(calls: CallRecords, shifts: ShiftRecords, email: np.ndarray) -> bool:
    # items arrive on all three days (Saturday closed); some agent-days are absent: fewer than
    # 2 replications x 2 open days x 5 agents shifts
    return len(np.unique(calls.day[email])) == 3 and len(shifts) < 2 * 2 * 5


HAND_MADE = {
    "two_days_blended_and_dedicated": (_scenario(BACK_OFFICE), _carries_and_both_groups),
    "drop_at_close_and_hold_count": (
        _scenario(
            BACK_OFFICE,
            calendar__at_close="drop",
            staffing_drop="hold_count",
            call_types__phone__volume={"per_hour": 80},
        ),
        _drops_voice_only,
    ),
    "weekdays_busyness_hourly_profile_absences": (
        _scenario(
            BACK_OFFICE,
            calendar={
                "start_date": "2027-01-08",  # a Friday: Saturday closed, then Sunday
                "days": 3,
                "open": "08:00",
                "close": "12:00",
                "hours": {"sat": "closed"},
                "interval_minutes": 30,
            },
            busyness={"day_cv": 0.2},
            call_types__mail__volume={
                "daily": 60,
                "hourly": [1] * 6 + [3] * 12 + [2] * 6,
                "weekday_factors": {"sat": 0.5},
                "day_cv": 0.1,
            },
            groups__team__absenteeism=0.2,
        ),
        _weekdays_and_absences,
    ),
}


class TestParity:
    """Both engines give identical records and tallies on scenarios with email."""

    @pytest.mark.parametrize("name", list(HAND_MADE))
    def test_identical_records(self, name: str) -> None:
        """Records and tallies are identical, and the scenario exercises its feature."""
        scenario, check = HAND_MADE[name]
        simpy, fast = _run_both(scenario, reps=2, seed=23)
        assert_parity(simpy, fast)
        assert simpy.records is not None
        calls = simpy.records.calls
        assert check(calls, simpy.records.shifts, _emails(calls, scenario))


@pytest.fixture(scope="module")
def back_office() -> tuple[Scenario, SimulationResult]:
    """Four replications of the two mornings on the fast engine, with records."""
    scenario = _scenario(BACK_OFFICE)
    return scenario, simulate(scenario, reps=4, seed=5, engine="fast", keep_records=True)


class TestRules:
    """The backlog's rules, read off the records."""

    def test_items_arrive_around_the_clock_and_never_leave_unanswered(
        self, back_office: tuple[Scenario, SimulationResult]
    ) -> None:
        """Items arrive while closed too; each is answered or carried over, never dropped."""
        scenario, result = back_office
        assert result.records is not None
        calls = result.records.calls
        email = _emails(calls, scenario)
        clock_h = (calls.arrived_at[email] % 86400) / 3600
        assert ((clock_h < 8) | (clock_h >= 12)).any()
        assert set(calls.outcome[email]) == {ANSWERED, CARRIED}

    def test_carried_items_leave_at_the_end_of_the_horizon(
        self, back_office: tuple[Scenario, SimulationResult]
    ) -> None:
        """Carried items have no answer and leave at midnight after the last day."""
        _, result = back_office
        assert result.records is not None
        calls = result.records.calls
        carried = calls.outcome == CARRIED
        assert np.isnan(calls.answered_at[carried]).all()
        assert (calls.left_at[carried] == 2 * 86400.0).all()

    def test_email_only_when_no_call_waits(
        self, back_office: tuple[Scenario, SimulationResult]
    ) -> None:
        """No team agent starts an item while a phone call waits (whatever the priorities)."""
        scenario, result = back_office
        assert result.records is not None
        calls = result.records.calls
        email = _emails(calls, scenario)
        started = email & (calls.outcome == ANSWERED) & (calls.group == 0)
        left_queue_at = np.where(np.isnan(calls.answered_at), calls.left_at, calls.answered_at)
        checked = 0
        for rep, at in zip(calls.rep[started], calls.answered_at[started], strict=True):
            phone = (calls.rep == rep) & ~email
            waiting = phone & (calls.arrived_at < at) & (left_queue_at > at)
            assert not waiting.any(), f"an item started at {at} while a call waited"
            checked += 1
        assert checked > 0
        # and calls do wait in this scenario: the rule is not met for want of queues
        assert (calls.answered_at[~email] > calls.arrived_at[~email]).any()

    def test_nobody_stays_past_their_shift_for_email(
        self, back_office: tuple[Scenario, SimulationResult]
    ) -> None:
        """Every item starts within its agent's scheduled shift (drain is for calls only)."""
        scenario, result = back_office
        assert result.records is not None
        calls, shifts = result.records.calls, result.records.shifts
        started = _emails(calls, scenario) & (calls.outcome == ANSWERED)
        for rep, agent, at in zip(
            calls.rep[started], calls.agent[started], calls.answered_at[started], strict=True
        ):
            mine = (shifts.rep == rep) & (shifts.agent == agent)
            inside = (shifts.on_at[mine] <= at) & (at < shifts.scheduled_off_at[mine])
            assert inside.any(), f"agent {agent} started an item at {at} off shift"
        assert (shifts.off_at > shifts.scheduled_off_at).any()  # calls do keep agents late


# -- theory ------------------------------------------------------------------------------------

MMC = {"per_hour": 52.5, "mean_s": 240.0, "agents": 5}
"""A dedicated email group: 3.5 erlangs on 5 agents (occupancy 0.7)."""
MMC_HORIZON_H, MMC_WARMUP_H, MMC_TAIL_H = 40.0, 4.0, 2.0


def _steady_email(per_hour: float, mean_s: float, agents: int, horizon_h: float) -> Scenario:
    return scenario_from_dict(
        {
            "name": "email-steady",
            "steady_state": {"horizon_h": horizon_h, "warmup_h": MMC_WARMUP_H},
            "call_types": {
                "mail": {
                    "channel": "email",
                    "volume": {"per_hour": per_hour},
                    "handle_time": {"dist": "exponential", "mean_s": mean_s},
                }
            },
            "groups": {"office": {"headcount": agents}},
        }
    )


def _mmc_waits(engine: str) -> tuple[np.ndarray, np.ndarray]:
    """Per replication: mean wait and share waiting of items arriving after the warm-up.

    Items of the last ``MMC_TAIL_H`` hours are left out: the backlog left at the horizon is
    carried over, so their waits are cut short.
    """
    scenario = _steady_email(MMC["per_hour"], MMC["mean_s"], MMC["agents"], MMC_HORIZON_H)
    reps = stat_reps(12)
    result = simulate(scenario, reps=reps, seed=41, engine=engine, keep_records=True)
    assert result.records is not None
    calls = result.records.calls
    window = (calls.arrived_at >= MMC_WARMUP_H * 3600) & (
        calls.arrived_at < (MMC_HORIZON_H - MMC_TAIL_H) * 3600
    )
    assert (calls.outcome[window] == ANSWERED).all()
    wait_s = calls.answered_at - calls.arrived_at
    means = np.array([wait_s[window & (calls.rep == r)].mean() for r in range(reps)])
    shares = np.array([(wait_s[window & (calls.rep == r)] > 0).mean() for r in range(reps)])
    return means, shares


@pytest.mark.statistical
@pytest.mark.parametrize("engine", ENGINES)
class TestMMc:
    """A dedicated email group with an always-open backlog is M/M/c (Erlang C waits)."""

    def test_mean_wait_and_p_wait(self, engine: str) -> None:
        """Mean wait and P(wait) within 4 SE of Erlang C; 4 SE small enough to fail."""
        expected = queue_kpis(
            calls_per_hour=MMC["per_hour"],
            aht_s=MMC["mean_s"],
            agents=MMC["agents"],
            threshold_s=0.0,
        )
        means, shares = _mmc_waits(engine)
        assert_within_se(means, expected.asa_s, label="mean wait")
        assert_within_se(shares, expected.p_wait, label="P(wait)")
        assert 4 * mean_and_se(means)[1] <= allowed_four_se(expected.asa_s, probability=False)
        assert 4 * mean_and_se(shares)[1] <= allowed_four_se(expected.p_wait, probability=True)

    def test_a_wrong_server_count_is_rejected(self, engine: str) -> None:
        """The same waits are far outside 4 SE of Erlang C with one agent more."""
        wrong = queue_kpis(
            calls_per_hour=MMC["per_hour"],
            aht_s=MMC["mean_s"],
            agents=MMC["agents"] + 1,
            threshold_s=0.0,
        )
        means, shares = _mmc_waits(engine)
        with pytest.raises(AssertionError):
            assert_within_se(means, wrong.asa_s)
        with pytest.raises(AssertionError):
            assert_within_se(shares, wrong.p_wait)


OVERLOAD = {"per_hour": 36.0, "mean_s": 600.0, "agents": 4}
"""36 items an hour on 4 agents who clear 24: the backlog grows 12 an hour."""
OVERLOAD_HORIZON_H = 24.0


def _growth_per_h(engine: str) -> np.ndarray:
    """Per replication: (backlog at the horizon - backlog at the warm-up's end) per hour.

    The backlog at the horizon is the run's ``backlog_close`` tally; the one at the warm-up's
    end is counted from the records (arrived before, not answered before).
    """
    scenario = _steady_email(
        OVERLOAD["per_hour"], OVERLOAD["mean_s"], OVERLOAD["agents"], OVERLOAD_HORIZON_H
    )
    reps = stat_reps(20)
    result = simulate(scenario, reps=reps, seed=43, engine=engine, keep_records=True)
    assert result.records is not None
    calls = result.records.calls
    start_at = MMC_WARMUP_H * 3600
    waiting = (calls.arrived_at < start_at) & ~(calls.answered_at < start_at)
    at_start = np.bincount(calls.rep[waiting], minlength=reps)
    at_end = result.tallies.backlog_at("backlog_close")[:, 0, 0]
    return (at_end - at_start) / (OVERLOAD_HORIZON_H - MMC_WARMUP_H)


@pytest.mark.statistical
@pytest.mark.parametrize("engine", ENGINES)
class TestOverload:
    """An overloaded backlog grows at (arrivals - capacity) per hour."""

    def test_growth_rate(self, engine: str) -> None:
        """The growth per hour is within 4 SE of arrivals minus capacity."""
        capacity_per_h = OVERLOAD["agents"] * 3600 / OVERLOAD["mean_s"]
        expected = OVERLOAD["per_hour"] - capacity_per_h
        growth = _growth_per_h(engine)
        assert_within_se(growth, expected, label="backlog growth per hour")
        assert 4 * mean_and_se(growth)[1] <= allowed_four_se(expected, probability=False)

    def test_a_wrong_capacity_is_rejected(self, engine: str) -> None:
        """With one agent more in the expected capacity the growth is far outside 4 SE."""
        capacity_per_h = (OVERLOAD["agents"] + 1) * 3600 / OVERLOAD["mean_s"]
        with pytest.raises(AssertionError):
            assert_within_se(_growth_per_h(engine), OVERLOAD["per_hour"] - capacity_per_h)


def test_plan_spreads_email_over_the_clock() -> None:
    """The email segments are the 48 hours of two days; the rate follows volume and busyness."""
    plan = build_plan(_scenario(BACK_OFFICE, busyness={"multiplier": 1.5}))
    assert len(plan.email_start_at) == 48
    per_day = plan.email_rate_per_s[:, :24].sum(axis=1) * 3600
    np.testing.assert_allclose(per_day, [0.0, 1.5 * 6 * 24, 1.5 * 60])
    assert plan.rate_per_s[1:].sum() == 0.0  # no email in the voice segments

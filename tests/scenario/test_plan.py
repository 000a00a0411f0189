"""The plan: roster events, arrival rates and distribution parameters derived from a scenario."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from helpers import SCENARIOS, make_scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.scenario import Plan, build_plan, load_scenario
from sim.scenario.distributions import DistCode, dist_parameters
from sim.scenario.plan import RosterKind

CLOSE, OFF, OFF_DRAIN, ON = RosterKind.CLOSE, RosterKind.OFF, RosterKind.OFF_DRAIN, RosterKind.ON
HOUR = 3600.0
DAY = 86400.0
OPEN_8 = 8 * HOUR


def _plan(
    headcount: int | list[int],
    *,
    days: int = 1,
    open_: str = "08:00",
    close: str = "10:00",
    minutes: int = 30,
    at_close: str = "drain",
    **sections: Any,
) -> Plan:
    """Build the plan of a one-group scenario with the given calendar and headcount."""
    calendar = {
        "days": days,
        "open": open_,
        "close": close,
        "interval_minutes": minutes,
        "at_close": at_close,
    }
    scenario = make_scenario(
        calendar=calendar, groups={"agents": {"headcount": headcount}}, **sections
    )
    return build_plan(scenario)


def _events(plan: Plan) -> list[tuple[float, int, int]]:
    """Return the roster as a list of ``(at, kind, who)`` tuples."""
    return [
        (float(at), int(kind), int(who))
        for at, kind, who in zip(plan.roster_at, plan.roster_kind, plan.roster_who, strict=True)
    ]


def _call_type(volume: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Return a call type section with the given volume."""
    return {"volume": volume, "handle_time": {"dist": "exponential", "mean_s": 180}, **fields}


def _on_duty_per_interval(plan: Plan) -> np.ndarray:
    """Replay the sorted roster and count agents on duty at the start of every interval."""
    on_duty: set[int] = set()
    counts = np.zeros(plan.n_days * plan.n_intervals, dtype=np.int64)
    events = iter(_events(plan))
    pending = next(events, None)
    for segment, start_at in enumerate(plan.segment_start_at):
        while pending is not None and pending[0] <= start_at:
            at, kind, who = pending
            if kind == ON:
                assert who not in on_duty, f"agent {who} goes on duty twice at {at}"
                on_duty.add(who)
            elif kind in (OFF, OFF_DRAIN):
                assert who in on_duty, f"agent {who} goes off duty while off at {at}"
                on_duty.remove(who)
            pending = next(events, None)
        counts[segment] = len(on_duty)
    return counts


class TestRosterByHand:
    """Roster events on small hand-computed cases."""

    def test_headcount_2_3_3_1(self) -> None:
        """[2, 3, 3, 1] from 08:00: agents 0-1 on at open, 2 at +30 min; 1-2 off at +90 min."""
        plan = _plan([2, 3, 3, 1])
        expected = [
            (OPEN_8, ON, 0),
            (OPEN_8, ON, 1),
            (OPEN_8 + 1800, ON, 2),
            (OPEN_8 + 5400, OFF, 1),
            (OPEN_8 + 5400, OFF, 2),
            (OPEN_8 + 7200, CLOSE, 0),
            (OPEN_8 + 7200, OFF_DRAIN, 0),
        ]
        assert expected == _events(plan)

    def test_drop_ends_shifts_with_off(self) -> None:
        """With ``at_close: drop`` agents on duty at closing get OFF, not OFF_DRAIN."""
        plan = _plan([2, 3, 3, 1], at_close="drop")
        expected = [(OPEN_8 + 7200, CLOSE, 0), (OPEN_8 + 7200, OFF, 0)]
        assert expected == _events(plan)[-2:]
        assert OFF_DRAIN not in plan.roster_kind

    def test_constant_headcount(self) -> None:
        """A single headcount puts every agent on duty from opening to closing."""
        plan = _plan(3)
        expected = [
            (OPEN_8, ON, 0),
            (OPEN_8, ON, 1),
            (OPEN_8, ON, 2),
            (OPEN_8 + 7200, CLOSE, 0),
            (OPEN_8 + 7200, OFF_DRAIN, 0),
            (OPEN_8 + 7200, OFF_DRAIN, 1),
            (OPEN_8 + 7200, OFF_DRAIN, 2),
        ]
        assert expected == _events(plan)

    def test_agent_returns_after_a_gap(self) -> None:
        """[2, 1, 2, 2]: agent 1 leaves after the first interval and returns for the third."""
        plan = _plan([2, 1, 2, 2])
        expected = [
            (OPEN_8, ON, 0),
            (OPEN_8, ON, 1),
            (OPEN_8 + 1800, OFF, 1),
            (OPEN_8 + 3600, ON, 1),
            (OPEN_8 + 7200, CLOSE, 0),
            (OPEN_8 + 7200, OFF_DRAIN, 0),
            (OPEN_8 + 7200, OFF_DRAIN, 1),
        ]
        assert expected == _events(plan)

    def test_nobody_on_duty(self) -> None:
        """A zero headcount has no agents, and the roster only closes the day."""
        plan = _plan([0, 0, 0, 0])
        expected = ([(OPEN_8 + 7200, CLOSE, 0)], 0)
        assert expected == (_events(plan), plan.n_agents)

    def test_agents_and_groups(self) -> None:
        """Every agent ever on duty exists once, in the only group."""
        plan = _plan([2, 3, 3, 1])
        expected = ([0, 0, 0], ("agents",))
        assert expected == (plan.agent_group.tolist(), plan.groups)

    def test_roster_dtypes(self) -> None:
        """Roster arrays have the dtypes the engines expect."""
        plan = _plan([2, 3, 3, 1])
        expected = (np.float64, np.int64, np.int64, np.int64)
        actual = (
            plan.roster_at.dtype,
            plan.roster_kind.dtype,
            plan.roster_who.dtype,
            plan.agent_group.dtype,
        )
        assert expected == actual


class TestRosterOrder:
    """Simultaneous roster events: CLOSE < OFF < OFF_DRAIN < BREAK < ON, then by agent."""

    def test_kind_ranks(self) -> None:
        """The kinds' integer ranks give the documented order."""
        expected_order = [CLOSE, OFF, OFF_DRAIN, RosterKind.BREAK, ON]
        assert expected_order == sorted(RosterKind)
        expected = [0, 1, 2, 3, 4]
        assert expected == [int(kind) for kind in expected_order]

    def test_midnight_drain(self) -> None:
        """Open 24 h for two days: at midnight day 0 closes, its agents drain, then day 1 starts."""
        plan = _plan(2, days=2, open_="00:00", close="24:00", minutes=60)
        at_midnight = [event for event in _events(plan) if event[0] == DAY]
        expected = [
            (DAY, CLOSE, 0),
            (DAY, OFF_DRAIN, 0),
            (DAY, OFF_DRAIN, 1),
            (DAY, ON, 0),
            (DAY, ON, 1),
        ]
        assert expected == at_midnight

    def test_midnight_drop(self) -> None:
        """Same with ``drop``: CLOSE, then OFF for every agent, then the next day's ON."""
        plan = _plan(2, days=2, open_="00:00", close="24:00", minutes=60, at_close="drop")
        at_midnight = [event for event in _events(plan) if event[0] == DAY]
        expected = [(DAY, CLOSE, 0), (DAY, OFF, 0), (DAY, OFF, 1), (DAY, ON, 0), (DAY, ON, 1)]
        assert expected == at_midnight

    def test_events_are_sorted(self) -> None:
        """The roster of the demo scenario is sorted by (time, kind, agent)."""
        plan = build_plan(load_scenario(SCENARIOS / "retail_bank_day.yaml"))
        events = _events(plan)
        assert sorted(events) == events


class TestMultiDay:
    """A calendar of several days repeats the day at +86400 s."""

    def test_days_repeat(self) -> None:
        """Day d's events are day 0's shifted by d * 86400 s, CLOSE carrying the day number."""
        one = _events(_plan([2, 3, 3, 1]))
        three = _events(_plan([2, 3, 3, 1], days=3))
        expected = [
            (at + day * DAY, kind, day if kind == CLOSE else who)
            for day in range(3)
            for at, kind, who in one
        ]
        assert expected == three

    def test_open_and_close_instants(self) -> None:
        """Opening and closing instants are the clock times on each day."""
        plan = _plan(1, days=3)
        expected_open = [OPEN_8, OPEN_8 + DAY, OPEN_8 + 2 * DAY]
        assert expected_open == plan.open_at.tolist()
        assert [t + 7200 for t in expected_open] == plan.close_at.tolist()

    def test_segments_and_slots(self) -> None:
        """Segments are the intervals day after day; each day also has an after-close slot."""
        plan = _plan(1, days=2)
        starts = [OPEN_8 + k * 1800 for k in range(4)]
        expected_segments = starts + [t + DAY for t in starts]
        assert expected_segments == plan.segment_start_at.tolist()
        assert [t + 1800 for t in expected_segments] == plan.segment_end_at.tolist()
        slots = [OPEN_8 + k * 1800 for k in range(5)]
        assert slots + [t + DAY for t in slots] == plan.slot_start_at.tolist()
        expected = 5
        assert expected == plan.n_slots

    def test_scheduled_agents(self) -> None:
        """Scheduled agents are the headcounts, one row per day and one column per group."""
        plan = _plan([2, 3, 3, 1], days=2)
        expected = np.array([[[2], [3], [3], [1]], [[2], [3], [3], [1]]], dtype=np.float64)
        assert expected.dtype == plan.scheduled_agents.dtype
        np.testing.assert_array_equal(expected, plan.scheduled_agents)
        np.testing.assert_array_equal(np.zeros_like(expected), plan.scheduled_breaks)


class TestRates:
    """Arrival rates per segment are volume / interval length."""

    def test_per_interval(self) -> None:
        """Calls per interval become calls per second, repeated each day."""
        call_types = {"calls": _call_type({"per_interval": [10, 20, 30, 40]})}
        plan = _plan(1, days=2, call_types=call_types)
        expected = np.array([[10, 20, 30, 40, 10, 20, 30, 40]]) / 1800
        np.testing.assert_allclose(expected, plan.rate_per_s, rtol=1e-15)

    def test_daily_times_normalised_profile(self) -> None:
        """A daily volume times the profile divided by its total, per second."""
        call_types = {"calls": _call_type({"daily": 100, "profile": [1, 1, 2, 4]})}
        plan = _plan(1, call_types=call_types)
        expected = np.array([[12.5, 12.5, 25, 50]]) / 1800
        np.testing.assert_allclose(expected, plan.rate_per_s, rtol=1e-15)

    def test_per_hour(self) -> None:
        """A rate per hour is the same rate per second in every segment."""
        plan = _plan(1, minutes=15, call_types={"calls": _call_type({"per_hour": 120})})
        expected = np.full((1, 8), 120 / 3600)
        np.testing.assert_allclose(expected, plan.rate_per_s, rtol=1e-15)

    def test_one_row_per_call_type(self) -> None:
        """Rates have one row per call type, in scenario order."""
        call_types = {
            "sales": _call_type({"per_hour": 36}),
            "billing": _call_type({"per_interval": [0, 9, 18, 0]}),
        }
        plan = _plan(1, call_types=call_types)
        expected_rates = np.array([[0.01] * 4, [0, 0.005, 0.01, 0]])
        np.testing.assert_allclose(expected_rates, plan.rate_per_s, rtol=1e-15)
        expected = (("sales", "billing"), 2)
        assert expected == (plan.call_types, plan.n_call_types)

    def test_expected_calls(self) -> None:
        """Expected calls are the volumes summed over call types, intervals and days."""
        call_types = {
            "a": _call_type({"per_interval": [10, 20, 30, 40]}),
            "b": _call_type({"daily": 50, "profile": [1, 1, 1, 1]}),
            "c": _call_type({"per_hour": 6}),
        }
        plan = _plan(1, days=3, call_types=call_types)
        expected = 3 * (100 + 50 + 6 * 2)
        assert expected == pytest.approx(plan.expected_calls(), rel=1e-12)

    def test_steady_state(self) -> None:
        """A steady state is one day from 0 to the horizon at the constant rate."""
        scenario = make_scenario(
            calendar=None,
            steady_state={"horizon_h": 10, "warmup_h": 2, "interval_minutes": 60},
            groups={"agents": {"headcount": 3}},
        )
        plan = build_plan(scenario)
        expected = (1, 10, 2, True, False, [0.0], [10 * HOUR])
        actual = (
            plan.n_days,
            plan.n_intervals,
            plan.warmup_intervals,
            plan.steady_state,
            plan.drops_at_close,
            plan.open_at.tolist(),
            plan.close_at.tolist(),
        )
        assert expected == actual
        expected_calls = 1200
        assert expected_calls == pytest.approx(plan.expected_calls())
        expected_roster = [
            (0.0, ON, 0),
            (0.0, ON, 1),
            (0.0, ON, 2),
            (10 * HOUR, CLOSE, 0),
            (10 * HOUR, OFF_DRAIN, 0),
            (10 * HOUR, OFF_DRAIN, 1),
            (10 * HOUR, OFF_DRAIN, 2),
        ]
        assert expected_roster == _events(plan)


class TestDistributionColumns:
    """Handle-time and patience columns of the plan."""

    def test_columns(self) -> None:
        """Each call type's distributions become (code, p1, p2), ACW and priority columns.

        Parameters and ACW are per arrival segment; with one mean they are the same in all.
        """
        call_types = {
            "a": _call_type(
                {"per_hour": 1},
                handle_time={"dist": "gamma", "mean_s": 200, "cv": 0.5, "acw_s": 30},
                patience={"dist": "deterministic", "mean_s": 60},
                priority=3,
            ),
            "b": _call_type({"per_hour": 1}),
        }
        plan = _plan(1, call_types=call_types)
        expected = {
            "handle_code": [DistCode.GAMMA, DistCode.EXPONENTIAL],
            "handle_p1": [[4.0] * 4, [180.0] * 4],
            "handle_p2": [[50.0] * 4, [0.0] * 4],
            "acw_s": [[30.0] * 4, [0.0] * 4],
            "patience_code": [DistCode.DETERMINISTIC, DistCode.NONE],
            "patience_p1": [[60.0] * 4, [math.inf] * 4],
            "patience_p2": [[0.0] * 4, [0.0] * 4],
            "priority": [3, 1],
        }
        actual = {name: getattr(plan, name).tolist() for name in expected}
        assert expected == actual

    def test_service_level_fields(self) -> None:
        """Service-level settings are copied into the plan."""
        service_level = {
            "threshold_s": 30,
            "target": 0.9,
            "definition": "answered",
            "short_abandon_s": 5,
        }
        plan = _plan(1, service_level=service_level)
        expected = (30.0, 0.9, "answered", 5.0)
        assert expected == (
            plan.threshold_s,
            plan.sl_target,
            plan.sl_definition,
            plan.short_abandon_s,
        )


class TestDistParameters:
    """Moment conversions: the engine parameters reproduce the scenario's mean and CV."""

    @pytest.mark.parametrize(("mean_s", "cv"), [(240, 0.9), (1.0, 0.01), (600, 3.0), (180, 1.0)])
    def test_lognormal_mean_and_cv(self, mean_s: float, cv: float) -> None:
        """exp(mu + sigma^2/2) is the mean and sqrt(exp(sigma^2) - 1) the CV."""
        code, mu, sigma = dist_parameters("lognormal", mean_s, cv)
        expected = DistCode.LOGNORMAL
        assert expected == code
        assert mean_s == pytest.approx(math.exp(mu + sigma**2 / 2), rel=1e-12)
        assert cv == pytest.approx(math.sqrt(math.expm1(sigma**2)), rel=1e-12)

    @pytest.mark.parametrize(("mean_s", "cv"), [(200, 0.5), (1.0, 0.01), (600, 3.0), (180, 1.0)])
    def test_gamma_shape_and_scale(self, mean_s: float, cv: float) -> None:
        """Shape 1/cv^2 and scale mean*cv^2: shape*scale is the mean, 1/sqrt(shape) the CV."""
        code, shape, scale = dist_parameters("gamma", mean_s, cv)
        expected = DistCode.GAMMA
        assert expected == code
        assert 1 / cv**2 == pytest.approx(shape, rel=1e-12)
        assert mean_s == pytest.approx(shape * scale, rel=1e-12)
        assert cv == pytest.approx(1 / math.sqrt(shape), rel=1e-12)

    def test_gamma_cv_1_is_exponential(self) -> None:
        """A gamma with CV 1 has shape 1 and scale the mean (the exponential)."""
        expected = (DistCode.GAMMA, 1.0, 180.0)
        assert expected == dist_parameters("gamma", 180.0, 1.0)

    @pytest.mark.parametrize(
        ("dist", "expected"),
        [
            ("exponential", (DistCode.EXPONENTIAL, 90.0, 0.0)),
            ("deterministic", (DistCode.DETERMINISTIC, 90.0, 0.0)),
        ],
    )
    def test_one_parameter(self, dist: str, expected: tuple[DistCode, float, float]) -> None:
        """Exponential and deterministic carry the mean as their only parameter."""
        assert expected == dist_parameters(dist, 90.0, None)

    def test_none(self) -> None:
        """No patience is an infinite value that is never drawn."""
        expected = (DistCode.NONE, math.inf, 0.0)
        assert expected == dist_parameters("none", None, None)

    def test_unknown(self) -> None:
        """An unknown name is a programming error, not a silent default."""
        with pytest.raises(ValueError, match="weibull"):
            dist_parameters("weibull", 1.0, 1.0)

    @settings(max_examples=200)
    @given(
        mean_s=st.floats(min_value=1e-3, max_value=1e5),
        cv=st.floats(min_value=1e-3, max_value=10.0),
    )
    def test_lognormal_property(self, mean_s: float, cv: float) -> None:
        """For any mean and CV the lognormal parameters reproduce both."""
        _, mu, sigma = dist_parameters("lognormal", mean_s, cv)
        assert mean_s == pytest.approx(math.exp(mu + sigma**2 / 2), rel=1e-9)
        assert cv == pytest.approx(math.sqrt(math.expm1(sigma**2)), rel=1e-9)


class TestPlanIsDeterministic:
    """Equal scenarios give equal plans."""

    def test_same_scenario_same_arrays(self) -> None:
        """Building the demo plan twice gives identical arrays."""
        scenario = load_scenario(SCENARIOS / "retail_bank_day.yaml")
        first, second = build_plan(scenario), build_plan(scenario)
        for name in ("rate_per_s", "roster_at", "roster_kind", "roster_who", "scheduled_agents"):
            np.testing.assert_array_equal(getattr(first, name), getattr(second, name))


headcounts = st.integers(min_value=1, max_value=12).flatmap(
    lambda n: st.lists(st.integers(min_value=0, max_value=6), min_size=n, max_size=n)
)


class TestRosterProperty:
    """Replaying the roster reproduces the headcounts, for any headcount list."""

    @settings(max_examples=150, deadline=None)
    @given(
        headcount=headcounts,
        days=st.integers(min_value=1, max_value=3),
        at_close=st.sampled_from(["drain", "drop"]),
    )
    def test_replay_matches_headcount(self, headcount: list[int], days: int, at_close: str) -> None:
        """Agents on duty in each interval, replaying the sorted events, equal the headcount."""
        close = f"{6 + len(headcount):02d}:00"
        plan = _plan(
            headcount, days=days, open_="06:00", close=close, minutes=60, at_close=at_close
        )
        events = _events(plan)
        assert sorted(events) == events
        assert headcount * days == _on_duty_per_interval(plan).tolist()
        assert max(headcount) == plan.n_agents
        closes = [(at, who) for at, kind, who in events if kind == CLOSE]
        assert list(zip(plan.close_at.tolist(), range(days), strict=True)) == closes

    @settings(max_examples=100, deadline=None)
    @given(headcount=headcounts, at_close=st.sampled_from(["drain", "drop"]))
    def test_everyone_leaves_at_close(self, headcount: list[int], at_close: str) -> None:
        """Each ON is matched by a later OFF; those at closing get OFF_DRAIN only when draining."""
        close = f"{6 + len(headcount):02d}:00"
        plan = _plan(headcount, open_="06:00", close=close, minutes=60, at_close=at_close)
        events = _events(plan)
        ons = sum(kind == ON for _, kind, _ in events)
        offs = sum(kind in (OFF, OFF_DRAIN) for _, kind, _ in events)
        assert ons == offs
        close_at = float(plan.close_at[0])
        at_close_kinds = {kind for at, kind, _ in events if at == close_at and kind != CLOSE}
        end_kind = OFF_DRAIN if at_close == "drain" else OFF
        assert at_close_kinds <= {end_kind}
        assert headcount[-1] == sum(at == close_at and kind == end_kind for at, kind, _ in events)
        if at_close == "drain":
            assert all(at == close_at for at, kind, _ in events if kind == OFF_DRAIN)

"""Demand, skills and routing in the plan: forecasts, per-interval means, tiers and routing."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import SCENARIOS, make_scenario

from sim.errors import ScenarioError
from sim.scenario import Plan, build_plan, load_scenario, scenario_from_dict
from sim.scenario.distributions import DistCode, dist_parameters

HOUR = 3600.0
CALENDAR = {"days": 2, "open": "08:00", "close": "10:00", "interval_minutes": 60}


def _call_type(**fields: Any) -> dict[str, Any]:
    """Return a call type section (120 calls per hour, exponential 180 s), fields replaced."""
    section: dict[str, Any] = {
        "volume": {"per_hour": 120},
        "handle_time": {"dist": "exponential", "mean_s": 180},
    }
    section.update(fields)
    return section


def _plan(call_types: dict[str, Any], groups: dict[str, Any], **sections: Any) -> Plan:
    """Build the plan of a two-day, two-interval scenario with these call types and groups."""
    scenario = make_scenario(calendar=CALENDAR, call_types=call_types, groups=groups, **sections)
    return build_plan(scenario)


def _group(skills: dict[str, str], **fields: Any) -> dict[str, Any]:
    """Return a group of 2 agents with the given skills."""
    return {"skills": skills, "headcount": 2, **fields}


FORECAST = """interval_start,call_type,volume,aht_s,day
08:00,sales,30,200,0
09:00,sales,60,,0
08:00,sales,36,240,1
09:00,sales,72,260,1
08:00,service,10,,
09:00,service,20,150,
"""


class TestForecastCsv:
    """A forecast CSV gives volumes (per day where it says) and handle-time means."""

    @staticmethod
    def _plan(folder: Path, forecast: str = FORECAST) -> Plan:
        """Build the plan of a scenario reading ``forecast.csv`` from ``folder``."""
        (folder / "forecast.csv").write_text(forecast)
        raw = {
            "name": "forecast",
            "calendar": CALENDAR,
            "forecast": "forecast.csv",
            "call_types": {
                "sales": {"handle_time": {"dist": "exponential", "mean_s": 180, "acw_s": 20}},
                "service": {"handle_time": {"dist": "deterministic", "mean_s": 100}},
            },
            "groups": {"agents": {"headcount": 3}},
        }
        return build_plan(scenario_from_dict(raw, source="s.yaml", base_dir=folder))

    def test_rates_per_day_and_every_day(self, tmp_path: Path) -> None:
        """Rows with a day set that day; rows without repeat every day; calls per hour / 3600."""
        plan = self._plan(tmp_path)
        expected = np.array([[30, 60, 36, 72], [10, 20, 10, 20]]) / HOUR
        np.testing.assert_allclose(expected, plan.rate_per_s, rtol=1e-15)

    def test_aht_sets_talk_mean(self, tmp_path: Path) -> None:
        """``aht_s - acw_s`` is the talk mean where a row gives aht_s; mean_s elsewhere."""
        plan = self._plan(tmp_path)
        expected = [[180.0, 180.0, 220.0, 240.0], [100.0, 150.0, 100.0, 150.0]]
        assert expected == plan.handle_p1.tolist()
        assert [[20.0] * 4, [0.0] * 4] == plan.acw_s.tolist()

    def test_mean_s_optional_when_every_row_gives_aht(self, tmp_path: Path) -> None:
        """Without handle_time.mean_s every talk mean comes from the forecast."""
        (tmp_path / "f.csv").write_text(
            "interval_start,call_type,volume,aht_s\n08:00,calls,5,300\n09:00,calls,6,330\n"
        )
        raw = {
            "name": "aht",
            "calendar": CALENDAR,
            "forecast": "f.csv",
            "call_types": {"calls": {"handle_time": {"dist": "gamma", "cv": 0.5, "acw_s": 30}}},
            "groups": {"agents": {"headcount": 3}},
        }
        plan = build_plan(scenario_from_dict(raw, source="s.yaml", base_dir=tmp_path))
        scale = [270 * 0.25, 300 * 0.25] * 2
        np.testing.assert_allclose([[4.0] * 4], plan.handle_p1, rtol=1e-15)
        np.testing.assert_allclose([scale], plan.handle_p2, rtol=1e-15)

    def test_forecast_and_inline_volume_mix(self, tmp_path: Path) -> None:
        """A call type absent from the forecast keeps its own volume."""
        (tmp_path / "f.csv").write_text(
            "interval_start,call_type,volume\n08:00,sales,5\n09:00,sales,7\n"
        )
        raw = {
            "name": "mix",
            "calendar": CALENDAR,
            "forecast": "f.csv",
            "call_types": {"sales": _call_type(volume={}), "service": _call_type()},
            "groups": {"agents": {"headcount": 3}},
        }
        plan = build_plan(scenario_from_dict(raw, source="s.yaml", base_dir=tmp_path))
        expected = np.array([[5, 7, 5, 7], [120, 120, 120, 120]]) / HOUR
        np.testing.assert_allclose(expected, plan.rate_per_s, rtol=1e-15)

    def test_example_files(self) -> None:
        """The shipped example: sales volumes differ by day, service repeats."""
        plan = build_plan(load_scenario(SCENARIOS / "forecast_roster_example.yaml"))
        expected = [
            [30, 46, 52, 36, 33, 50, 56, 39],
            [22, 34, 39, 27, 22, 34, 39, 27],
        ]
        np.testing.assert_allclose(expected, plan.rate_per_s * HOUR, rtol=1e-12)
        sales_means = [330, 350, 350, 330, 330, 340, 340, 330]
        mu = [dist_parameters("lognormal", m - 30, 0.8)[1] for m in sales_means]
        np.testing.assert_allclose(mu, plan.handle_p1[0], rtol=1e-15)


class TestPerIntervalMeans:
    """Handle time and patience means may differ by interval of arrival."""

    def test_handle_mean_per_interval_repeats_daily(self) -> None:
        """A list of means, one per interval, is the same every day."""
        handle = {"dist": "exponential", "mean_s": [200, 300], "acw_s": 10}
        plan = _plan({"calls": _call_type(handle_time=handle)}, {"a": {"headcount": 1}})
        expected = ([[200.0, 300.0, 200.0, 300.0]], [[10.0] * 4])
        assert expected == (plan.handle_p1.tolist(), plan.acw_s.tolist())

    def test_lognormal_parameters_per_interval(self) -> None:
        """Each interval's lognormal parameters come from its mean and the shared CV."""
        handle = {"dist": "lognormal", "mean_s": [200, 300], "cv": 0.5}
        plan = _plan({"calls": _call_type(handle_time=handle)}, {"a": {"headcount": 1}})
        expected = [dist_parameters("lognormal", m, 0.5) for m in (200, 300, 200, 300)]
        actual = list(
            zip(
                [int(plan.handle_code[0])] * 4,
                plan.handle_p1[0].tolist(),
                plan.handle_p2[0].tolist(),
                strict=True,
            )
        )
        assert expected == actual

    def test_patience_per_interval(self) -> None:
        """Patience means per interval; ``none`` stays infinite."""
        call_types = {
            "a": _call_type(patience={"dist": "deterministic", "mean_s": [60, 90]}),
            "b": _call_type(),
        }
        groups = {"g": _group({"a": "standard", "b": "standard"})}
        plan = _plan(call_types, groups)
        expected = ([DistCode.DETERMINISTIC, DistCode.NONE], [[60.0, 90.0] * 2, [math.inf] * 4])
        assert expected == (plan.patience_code.tolist(), plan.patience_p1.tolist())


TIERS = {
    "trainee": {"handle_time_factor": 1.3, "fcr": 0.8},
    "standard": {},
    "expert": {"handle_time_factor": 0.85, "fcr": 0.93},
}


class TestTiers:
    """Skill tiers give per group and call type a tier, handle-time factor and FCR."""

    def test_tier_arrays(self) -> None:
        """-1 and NaN where a group lacks the skill."""
        call_types = {"general": _call_type(), "vip": _call_type()}
        groups = {
            "generalists": _group({"general": "standard"}),
            "vip_desk": _group({"vip": "expert", "general": "trainee"}),
        }
        plan = _plan(call_types, groups, tiers=TIERS)
        expected_tier = [[1, -1], [0, 2]]
        assert ("trainee", "standard", "expert") == plan.tiers
        assert expected_tier == plan.skill_tier.tolist()
        np.testing.assert_array_equal([[1.0, np.nan], [1.3, 0.85]], plan.tier_factor)
        np.testing.assert_array_equal([[1.0, np.nan], [0.8, 0.93]], plan.tier_fcr)

    def test_implicit_standard_tier(self) -> None:
        """Without tiers there is one ``standard`` tier; a lone group takes every call type."""
        plan = _plan({"a": _call_type(), "b": _call_type()}, {"g": {"headcount": 1}})
        expected = (("standard",), [[0, 0]], [[1.0, 1.0]], [[1.0, 1.0]])
        actual = (
            plan.tiers,
            plan.skill_tier.tolist(),
            plan.tier_factor.tolist(),
            plan.tier_fcr.tolist(),
        )
        assert expected == actual

    def test_lone_group_takes_the_first_tier(self) -> None:
        """A lone group without skills has every call type at the first tier named."""
        plan = _plan({"a": _call_type()}, {"g": {"headcount": 1}}, tiers=TIERS)
        expected = ([[0]], [[1.3]])
        assert expected == (plan.skill_tier.tolist(), plan.tier_factor.tolist())


class TestRouting:
    """Routing: groups in preference order with overflow delays."""

    def test_default_every_skilled_group_in_scenario_order(self) -> None:
        """Without routing, the groups with the skill in scenario order, at once; -1/inf pad."""
        groups = {
            "a": _group({"general": "standard"}),
            "b": _group({"vip": "standard", "general": "standard"}),
            "c": _group({"general": "standard"}),
        }
        plan = _plan({"general": _call_type(), "vip": _call_type()}, groups)
        expected_groups = [[0, 1, 2], [1, -1, -1]]
        expected_after = [[0.0, 0.0, 0.0], [0.0, math.inf, math.inf]]
        actual = (plan.routing_group.tolist(), plan.routing_after_s.tolist())
        assert (expected_groups, expected_after) == actual

    def test_explicit_order_with_overflow_delay(self) -> None:
        """Names and ``{group, after_s}`` entries, in the order given."""
        call_types = {
            "general": _call_type(),
            "vip": _call_type(routing=["vip_desk", {"group": "generalists", "after_s": 20}]),
        }
        groups = {
            "generalists": _group({"general": "standard", "vip": "standard"}),
            "vip_desk": _group({"vip": "standard"}),
        }
        plan = _plan(call_types, groups)
        expected = ([[0, -1], [1, 0]], [[0.0, math.inf], [0.0, 20.0]])
        assert expected == (plan.routing_group.tolist(), plan.routing_after_s.tolist())

    def test_routing_may_leave_out_a_skilled_group(self) -> None:
        """Only the listed groups are offered the call type (``a`` still serves another)."""
        call_types = {"general": _call_type(routing=["b"]), "other": _call_type()}
        groups = {
            "a": _group({"general": "standard", "other": "standard"}),
            "b": _group({"general": "expert"}),
        }
        plan = _plan(call_types, groups, tiers={"standard": {}, "expert": {}})
        expected = [[1], [0]]
        assert expected == plan.routing_group.tolist()

    def test_a_group_no_routing_reaches_is_refused(self) -> None:
        """A group left out of every routing would cost money and answer nothing."""
        call_types = {"general": _call_type(routing=["b"])}
        groups = {"a": _group({"general": "standard"}), "b": _group({"general": "expert"})}
        with pytest.raises(ScenarioError, match=r"groups\.a\.skills: the group can serve no call"):
            _plan(call_types, groups, tiers={"standard": {}, "expert": {}})


class TestCallTypeExtras:
    """Redials, repeats, busyness and priorities."""

    def test_redial_and_repeat(self) -> None:
        """Redial probability and delay (0 without redial); repeat delay default 1800 s."""
        call_types = {
            "a": _call_type(
                redial={"probability": 0.3, "delay_mean_s": 600}, repeat={"delay_mean_s": 900}
            ),
            "b": _call_type(),
        }
        groups = {"g": _group({"a": "standard", "b": "standard"})}
        plan = _plan(call_types, groups)
        expected = ([0.3, 0.0], [600.0, 0.0], [900.0, 1800.0])
        actual = (
            plan.redial_probability.tolist(),
            plan.redial_delay_s.tolist(),
            plan.repeat_delay_s.tolist(),
        )
        assert expected == actual

    @pytest.mark.parametrize("shared", [0.0, 0.12])
    def test_day_cv(self, shared: float) -> None:
        """``busyness.day_cv`` is shared; ``volume.day_cv`` is per call type (default 0)."""
        call_types = {
            "a": _call_type(volume={"per_hour": 10, "day_cv": 0.08}),
            "b": _call_type(),
        }
        groups = {"g": _group({"a": "standard", "b": "standard"})}
        plan = _plan(call_types, groups, busyness={"day_cv": shared})
        expected = (shared, [0.08, 0.0])
        assert expected == (plan.day_cv_shared, plan.day_cv.tolist())

    def test_defaults_without_busyness(self) -> None:
        """No busyness section: no shared day multiplier."""
        plan = _plan({"a": _call_type()}, {"g": {"headcount": 1}})
        expected = 0.0
        assert expected == plan.day_cv_shared


class TestMultiskillExample:
    """The shipped multi-skill example scenario."""

    def test_shape(self) -> None:
        """3 call types, 4 groups, 3 tiers, temps, an overflow delay, 8,000 calls a day."""
        plan = build_plan(load_scenario(SCENARIOS / "multiskill_bank.yaml"))
        assert 3 == plan.n_call_types
        assert ("generalists", "billing_desk", "vip_desk", "temps") == plan.groups
        assert ("trainee", "standard", "expert") == plan.tiers
        assert "temp" in plan.group_role
        assert np.any((plan.routing_after_s > 0) & np.isfinite(plan.routing_after_s))
        assert 8000 == pytest.approx(plan.expected_calls() / plan.n_days)
        assert plan.n_agents <= 300
        assert np.all(plan.scheduled_breaks <= plan.scheduled_agents)

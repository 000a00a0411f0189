"""Contract targets and money on hand-built tallies, with the arithmetic written out."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from helpers import invoke, make_scenario

from sim.engines.base import Tallies
from sim.results.money import (
    COST_COMPONENTS,
    REVENUE_COMPONENTS,
    contract_money,
    overhead_headcount,
)
from sim.results.targets import (
    band_percent,
    by_period,
    day_blocks,
    evaluate_targets,
    wilson_interval,
)
from sim.scenario import Scenario, build_plan
from sim.scenario.contract import Adjustment, Overhead, Target
from sim.scenario.plan import Plan
from sim.simulation import simulate

OPEN_DAYS = 250
"""Open days a year in the hand-built money examples."""


def two_day_scenario(**sections: Any) -> Scenario:
    """Two days of one hour (two 30-minute intervals), call types a and b, one group of 2.

    The group answers a at tier ``standard`` (FCR 0.8) and b at tier ``expert`` (FCR 0.9) for a
    wage of 10 per hour.
    """
    return make_scenario(
        calendar={"days": 2, "open": "08:00", "close": "09:00", "interval_minutes": 30},
        tiers={"standard": {"fcr": 0.8}, "expert": {"fcr": 0.9}},
        call_types={
            name: {"volume": {"per_hour": 10}, "handle_time": {"dist": "exponential", "mean_s": 60}}
            for name in ("a", "b")
        },
        groups={
            "agents": {
                "headcount": 2,
                "skills": {"a": "standard", "b": "expert"},
                "wage_per_hour": 10.0,
            }
        },
        **sections,
    )


def hand_tallies(plan: Plan) -> Tallies:
    """Two replications, two days, two intervals, two call types, filled by hand.

    Every cell: 10 offered. Abandoned 1 (so 9 answered) except replication 1, day 1: none.
    Answered within T per cell: rep 0 day 0: 8, rep 0 day 1: 7, rep 1 day 0: 9, rep 1 day 1: 10.
    Waits of answered calls: 90 s per cell. The group answers every answered call.
    Agent time per day: 3,600 s staffed and 2,700 s busy in each interval, 600 s of both after
    closing.
    """
    tallies = Tallies.zeros(plan, reps=2)
    tallies.count("offered")[...] = 10
    tallies.count("abandoned")[...] = 1
    tallies.count("abandoned")[1, 1] = 0
    answered = 10 - tallies.count("abandoned")
    tallies.count("answered")[...] = answered
    within = tallies.count("answered_within_t")
    within[0, 0], within[0, 1], within[1, 0], within[1, 1] = 8, 7, 9, 10
    tallies.call_sum("wait_answered_s")[...] = 90.0
    tallies.group_call("handled")[:, :, :, 0, :] = answered
    for name, in_interval_s, after_close_s in (
        ("staffed_s", 3600.0, 600.0),
        ("busy_s", 2700.0, 600.0),
    ):
        agent = tallies.agent_sum(name)
        agent[:, :, :2, 0] = in_interval_s
        agent[:, :, 2, 0] = after_close_s
    return tallies


def target(**fields: Any) -> Target:
    """A target from its fields."""
    return Target.model_validate(fields)


@pytest.fixture(scope="module")
def plan() -> Plan:
    """The plan of the two-day scenario."""
    return build_plan(two_day_scenario())


class TestWilson:
    def test_known_values(self) -> None:
        """5 of 10: (0.2366, 0.7634); 0 of 10: (0, 0.2775); 10 of 10: (0.7225, 1)."""
        assert wilson_interval(0.5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
        assert wilson_interval(0.0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
        assert wilson_interval(1.0, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)

    @pytest.mark.parametrize("n", [1, 2, 5, 40, 1000])
    def test_inside_unit_interval_and_holds_the_share(self, n: int) -> None:
        """For every share, 0 <= low <= share <= high <= 1."""
        for share in np.linspace(0.0, 1.0, 101):
            low, high = wilson_interval(float(share), n)
            assert 0.0 <= low <= share <= high <= 1.0


class TestPeriods:
    def test_days_map_to_weeks_months_and_run(self) -> None:
        """Weeks are blocks of 7 days, months of 30; the last block may be shorter."""
        assert [0] * 7 + [1] * 3 == day_blocks(10, "week").tolist()
        assert [0] * 30 + [1] == day_blocks(31, "month").tolist()
        assert [0, 1, 2] == day_blocks(3, "day").tolist()
        assert [0, 0, 0] == day_blocks(3, "run").tolist()

    def test_dated_calendar_uses_calendar_weeks_and_months(self) -> None:
        """From Thursday 2027-01-28: Thu-Sun is week 0, Mon 02-01 starts week 1 and month 1."""
        weeks = day_blocks(12, "week", "2027-01-28").tolist()
        months = day_blocks(12, "month", "2027-01-28").tolist()
        assert [0] * 4 + [1] * 7 + [2] == weeks
        assert [0] * 4 + [1] * 8 == months
        assert list(range(12)) == day_blocks(12, "day", "2027-01-28").tolist()

    def test_by_period_sums_blocks(self) -> None:
        """Ten days of 1..10 in weeks: 1+...+7 = 28 and 8+9+10 = 27."""
        days = np.arange(1.0, 11.0)[None, :]
        assert [[28.0, 27.0]] == by_period(days, "week").tolist()


class TestTargetForms:
    def test_service_level_by_day(self, plan: Plan) -> None:
        """Day SL = within / offered: rep 0: 32/40 = 0.8, 28/40 = 0.7; rep 1: 0.9, 1.0.

        Target 0.8: rep 0 meets on day 0 (equality meets) and misses day 1; rep 1 meets both.
        p_met = (1/2 + 2/2) / 2 = 0.75; p_all_met = 1/2; mean = (0.75 + 0.95) / 2 = 0.85.
        """
        outcome = evaluate_targets(
            hand_tallies(plan), plan, [target(kpi="service_level", threshold=0.8)]
        ).outcomes[0]
        np.testing.assert_allclose(outcome.values, [[0.8, 0.7], [0.9, 1.0]])
        assert [[True, False], [True, True]] == outcome.met.tolist()
        assert (0.85, 0.75, 0.5) == pytest.approx((outcome.mean, outcome.p_met, outcome.p_all_met))
        np.testing.assert_allclose(outcome.miss_points, [[0.0, 10.0], [-10.0, -20.0]])

    def test_service_level_of_one_call_type_over_the_run(self, plan: Plan) -> None:
        """Call type a over the run: rep 0: (8+8+7+7)/40 = 0.75; rep 1: (9+9+10+10)/40 = 0.95."""
        outcome = evaluate_targets(
            hand_tallies(plan),
            plan,
            [target(kpi="service_level", scope="a", threshold=0.8, period="run")],
        ).outcomes[0]
        np.testing.assert_allclose(outcome.values, [[0.75], [0.95]])

    def test_asa_by_interval(self, plan: Plan) -> None:
        """ASA of an interval, both types: 180 s / 18 answered = 10 s (rep 1 day 1: 180/20 = 9)."""
        outcome = evaluate_targets(
            hand_tallies(plan), plan, [target(kpi="asa_s", threshold=9.5, period="interval")]
        ).outcomes[0]
        np.testing.assert_allclose(outcome.values, [[10.0] * 4, [10.0, 10.0, 9.0, 9.0]])
        assert (2 / 4 / 2, 0.0) == pytest.approx((outcome.p_met, outcome.p_all_met))

    def test_answer_rate_and_abandonment_by_day(self, plan: Plan) -> None:
        """Answer rate 36/40 = 0.9 a day, 40/40 on rep 1 day 1; abandonment 4/40 = 0.1 and 0."""
        result = evaluate_targets(
            hand_tallies(plan),
            plan,
            [
                target(kpi="answer_rate", threshold=0.95),
                target(kpi="abandonment", threshold=0.05),
            ],
        )
        answer, abandon = result.outcomes
        np.testing.assert_allclose(answer.values, [[0.9, 0.9], [0.9, 1.0]])
        np.testing.assert_allclose(abandon.values, [[0.1, 0.1], [0.1, 0.0]])
        assert 0.25 == pytest.approx(answer.p_met)  # (0/2 + 1/2) / 2
        np.testing.assert_allclose(answer.miss_points, [[5.0, 5.0], [5.0, -5.0]])
        np.testing.assert_allclose(abandon.miss_points, [[5.0, 5.0], [5.0, -5.0]])
        assert 0.0 == result.joint  # no replication meets both on both days

    def test_occupancy_band(self, plan: Plan) -> None:
        """Day: (2*2700 + 600) / (2*3600 + 600) = 6000/7800; interval: 2700/3600 = 0.75."""
        result = evaluate_targets(
            hand_tallies(plan),
            plan,
            [
                target(kpi="occupancy", scope="agents", min=0.7, max=0.76),
                target(kpi="occupancy", max=0.74, period="interval"),
            ],
        )
        day, interval = result.outcomes
        assert np.allclose(day.values, 6000 / 7800)
        assert np.allclose(interval.values, 0.75)
        assert (0.0, 0.0) == (day.p_met, interval.p_met)
        # 0.7692 is above 0.76 by 0.923 points; 0.75 above 0.74 by 1 point
        assert np.allclose(day.miss_points, (6000 / 7800 - 0.76) * 100)
        assert np.allclose(interval.miss_points, 1.0)

    def test_fcr_from_the_tiers_that_answered(self, plan: Plan) -> None:
        """Rep 0 day 0: 18 a at 0.8 and 18 b at 0.9: (14.4 + 16.2) / 36 = 0.85 (every day)."""
        outcome = evaluate_targets(
            hand_tallies(plan), plan, [target(kpi="fcr", threshold=0.85)]
        ).outcomes[0]
        assert np.allclose(outcome.values, 0.85)
        assert 1.0 == outcome.p_met


class TestBands:
    PENALTY = Adjustment.model_validate(
        {
            "bands": [
                {"from_points": 0, "to_points": 5, "percent_per_point": 2},
                {"from_points": 5, "percent": 15},
            ],
            "cap_percent": 20,
        }
    )

    def test_penalty_bands_and_cap(self) -> None:
        """3 points: 3 x 2 = 6%; 5 points: 10%; 6 points: 10 + 15 = 25 -> cap 20%; -1: 0."""
        points = np.array([3.0, 5.0, 6.0, -1.0, 0.0])
        assert [6.0, 10.0, 20.0, 0.0, 0.0] == band_percent(points, self.PENALTY).tolist()


def money_scenario(price: list[dict[str, Any]], **costs: Any) -> Scenario:
    """The two-day scenario with a contract of these price forms and 250 open days."""
    return two_day_scenario(
        costs={"open_days_per_year": OPEN_DAYS, "hours_per_fte_year": 1000.0, **costs},
        contract={"price": price},
    )


class TestPriceForms:
    @pytest.mark.parametrize(
        ("per", "unit_price", "per_year"),
        [
            # 2 x answered: rep 0 (36 + 36) / 2 days x 250 = 18,000; rep 1 (36 + 40) / 2 x 250
            ("handled_call", 2.0, [2 * 36 * 250, 2 * 38 * 250]),
            # 30 x busy hours: 6,000 s = 5/3 h a day -> 50 a day, 12,500 a year
            ("talk_hour", 30.0, [12_500, 12_500]),
            # 24 x staffed hours: 7,800 s = 13/6 h a day -> 52 a day, 13,000 a year
            ("staffed_hour", 24.0, [13_000, 13_000]),
            # FTE: 2 agents x 1 h x 250 days / 1,000 h = 0.5; 3,000 x 0.5 x 12 months
            ("fte_month", 3000.0, [18_000, 18_000]),
            # seat-lines: 2 agents at once; 500 x 2
            ("seat_line_year", 500.0, [1_000, 1_000]),
        ],
    )
    def test_each_form(self, per: str, unit_price: float, per_year: list[float]) -> None:
        """Each price form's yearly revenue, and the total revenue is that form alone."""
        scenario = money_scenario([{"per": per, "unit_price": unit_price}])
        plan = build_plan(scenario)
        money = contract_money(hand_tallies(plan), plan, scenario.costs, scenario.contract, None)
        assert per_year == pytest.approx(money.yearly[f"revenue_{per}"].tolist())
        assert per_year == pytest.approx(money.yearly["revenue"].tolist())

    def test_mixture_adds_forms(self) -> None:
        """Seat-lines fixed plus a price per call: 1,000 + 18,000 (rep 0)."""
        scenario = money_scenario(
            [
                {"per": "seat_line_year", "unit_price": 500.0},
                {"per": "handled_call", "unit_price": 2.0},
            ]
        )
        plan = build_plan(scenario)
        money = contract_money(hand_tallies(plan), plan, scenario.costs, scenario.contract, None)
        assert 19_000 == pytest.approx(money.yearly["revenue"][0])


class TestPenaltiesAndBonuses:
    def test_day_penalty_and_bonus_of_the_invoice(self) -> None:
        """Price 2 per call; SL target 0.8 by day with the bands above and a 1%/point bonus.

        Penalty: rep 0 day 1 misses by 10 points -> 20% (capped) of 2 x 36 = 72 -> 14.4, a year
        14.4 x 250 / 2 = 1,800; rep 1: 0. Bonus (cap 5%): rep 1 day 0 beats by 10 -> 5% of 72
        = 3.6, day 1 by 20 -> 5% of 80 = 4.0; a year 7.6 x 125 = 950; rep 0: day 0 beats by 0.
        """
        contract = {
            "price": [{"per": "handled_call", "unit_price": 2.0}],
            "targets": [
                {
                    "kpi": "service_level",
                    "threshold": 0.8,
                    "penalty": TestBands.PENALTY.model_dump(),
                    "bonus": {"bands": [{"percent_per_point": 1}], "cap_percent": 5},
                }
            ],
        }
        scenario = two_day_scenario(costs={"open_days_per_year": OPEN_DAYS}, contract=contract)
        plan = build_plan(scenario)
        tallies = hand_tallies(plan)
        assert scenario.contract is not None
        targets = evaluate_targets(tallies, plan, scenario.contract.targets)
        money = contract_money(tallies, plan, scenario.costs, scenario.contract, targets)
        assert [1800.0, 0.0] == pytest.approx(
            money.yearly["penalty: service_level >= 0.8 (all, day)"].tolist()
        )
        assert [0.0, 950.0] == pytest.approx(
            money.yearly["bonus: service_level >= 0.8 (all, day)"].tolist()
        )
        revenue, bonus, penalty = (np.array(v) for v in ([18_000.0, 19_000.0], [0, 950], [1800, 0]))
        expected_margin = revenue + bonus - penalty - money.yearly["total_cost"]
        assert expected_margin.tolist() == pytest.approx(money.yearly["margin"].tolist())


class TestCosts:
    COSTS: dict[str, Any] = {  # noqa: RUF012
        "on_cost_percent": 50,
        "redundancy": 0.1,
        "seat_line_per_year": 700,
        "overhead": {
            "team_leaders": {"per": 10, "wage_per_hour": 20},
            "supervisors": {"per": 3, "wage_per_hour": 20},
        },
        "attrition": {
            "annual_rate": 0.24,
            "cost_per_hire": 1000,
            "training_weeks": 2,
            "training_productivity": 0.25,
        },
    }

    def test_components_by_hand(self) -> None:
        """Wages 10/h x 7,800 s = 65/3 a day x 1.5 on-cost x 250 days = 8,125 a year.

        Agents: ceil(0.5 FTE x 1.1) = 1, so one team leader and one supervisor at 20/h x 1,000
        h x 1.5 = 30,000 each; redundancy 10% of the wages = 812.5; hires 0.24 x 1 a year:
        recruitment 240, training 0.24 x 2 weeks x 1,000 h / (365/7) x 10/h x 1.5 x 0.75;
        seat-lines 2 x 700.
        """
        scenario = money_scenario([{"per": "handled_call", "unit_price": 2.0}], **self.COSTS)
        plan = build_plan(scenario)
        money = contract_money(hand_tallies(plan), plan, scenario.costs, scenario.contract, None)
        training = 0.24 * 2 * 1000 / (365 / 7) * 10 * 1.5 * 0.75
        expected = {
            "agent_wages": 8125.0,
            "overtime_premium": 0.0,
            "redundancy": 812.5,
            "team_leaders": 30_000.0,
            "supervisors": 30_000.0,
            "qa": 0.0,
            "trainers": 0.0,
            "recruitment": 240.0,
            "training": training,
            "seats_per_day": 0.0,
            "seat_lines": 1400.0,
        }
        for name, value in expected.items():
            assert money.yearly[name] == pytest.approx(value), name
        assert 1 == money.headcount.agents
        assert 0.02 == pytest.approx(money.headcount.hires_per_month)

    def test_year_is_the_sum_of_months_and_of_components(self) -> None:
        """Roll-ups: 12 months make the year; the cost components make the total cost."""
        scenario = money_scenario([{"per": "handled_call", "unit_price": 2.0}], **self.COSTS)
        plan = build_plan(scenario)
        money = contract_money(hand_tallies(plan), plan, scenario.costs, scenario.contract, None)
        table = {(row["item"], row["period"]): row["mean"] for row in money.roll_up()}
        for item in ("total_cost", "revenue", "margin", "agent_wages"):
            assert 12 * table[(item, "month")] == pytest.approx(table[(item, "year")])
        parts = sum(money.yearly[name] for name in COST_COMPONENTS)
        assert parts.tolist() == pytest.approx(money.yearly["total_cost"].tolist())
        revenue = sum(money.yearly[name] for name in REVENUE_COMPONENTS)
        assert revenue.tolist() == pytest.approx(money.yearly["revenue"].tolist())


class TestOverheadRatios:
    @pytest.mark.parametrize(
        ("agents", "expected"),
        [
            # ceil(23/10) = 3 team leaders, ceil(3/3) = 1 supervisor, ceil(23/20) = 2 QA,
            # ceil(23/50) = 1 trainer
            (23, {"team_leaders": 3, "supervisors": 1, "qa": 2, "trainers": 1}),
            # exact multiples need no extra: 40/10 = 4, ceil(4/3) = 2, 40/20 = 2, ceil(40/50) = 1
            (40, {"team_leaders": 4, "supervisors": 2, "qa": 2, "trainers": 1}),
            (0, {"team_leaders": 0, "supervisors": 0, "qa": 0, "trainers": 0}),
        ],
    )
    def test_ceil_rules(self, agents: int, expected: dict[str, int]) -> None:
        """Team leaders, QA, trainers per agents; supervisors per team leaders; rounded up."""
        overhead = Overhead.model_validate(
            {
                "team_leaders": {"per": 10},
                "supervisors": {"per": 3},
                "qa": {"per": 20},
                "trainers": {"per": 50},
            }
        )
        assert expected == overhead_headcount(agents, overhead)


class TestOldContract:
    def test_single_price_gives_the_day_revenue_a_year(self, plan: Plan) -> None:
        """price_per_handled_call 2.5 and a run-judged penalty keep their day arithmetic."""
        scenario = two_day_scenario(
            costs={"open_days_per_year": OPEN_DAYS},
            contract={
                "price_per_handled_call": 2.5,
                "sl_penalty": {"below": 0.9, "period": "run", "percent_of_invoice": 10},
            },
        )
        plan = build_plan(scenario)
        money = contract_money(hand_tallies(plan), plan, scenario.costs, scenario.contract, None)
        # rep 0: 72 answered x 2.5 = 180 over 2 days; run SL 60/80 = 0.75 < 0.9 -> 10% = 18
        assert [180 * 125, 190 * 125] == pytest.approx(money.yearly["revenue"].tolist())
        assert [18 * 125, 0.0] == pytest.approx(money.yearly["sla_penalty"].tolist())


SMALL = {
    "calendar": {"days": 2, "open": "08:00", "close": "10:00", "interval_minutes": 30},
    "call_types": {
        "calls": {
            "volume": {"per_hour": 200, "day_cv": 0.1},
            "handle_time": {"dist": "exponential", "mean_s": 180},
            "patience": {"dist": "exponential", "mean_s": 200},
        }
    },
    "groups": {"agents": {"headcount": [9, 11, 11, 10], "wage_per_hour": 20.0}},
    "contract": {
        "price": [{"per": "handled_call", "unit_price": 2.0}],
        "targets": [
            {"kpi": "service_level", "threshold": 0.7},
            {"kpi": "asa_s", "threshold": 20, "period": "run"},
            {"kpi": "abandonment", "threshold": 0.08, "period": "interval"},
            {"kpi": "occupancy", "min": 0.8, "max": 0.92},
        ],
    },
}


class TestEngines:
    def test_p_met_agrees_between_engines(self) -> None:
        """Each target's P(met) on independent seeds of both engines: within 4 SE."""
        scenario = make_scenario(**SMALL)
        assert scenario.contract is not None
        reps = 200
        results = [
            evaluate_targets(r.tallies, r.plan, scenario.contract.targets)
            for r in (
                simulate(scenario, reps=reps, seed=11, engine="simpy"),
                simulate(scenario, reps=reps, seed=12, engine="fast"),
            )
        ]
        for simpy_outcome, fast_outcome in zip(*(r.outcomes for r in results), strict=True):
            shares = [o.met.mean(axis=1) for o in (simpy_outcome, fast_outcome)]
            se = math.sqrt(sum(float(s.var(ddof=1)) / reps for s in shares))
            difference = abs(shares[0].mean() - shares[1].mean())
            assert 0.0 < se, simpy_outcome.target.label  # every target here can go both ways
            assert difference <= 4 * se, simpy_outcome.target.label


BAD = [
    (
        {"kpi": "service_level", "scope": "vip", "threshold": 0.8},
        "contract.targets[0].scope: unknown call type or all, expected one of: calls, all "
        "(got 'vip')",
    ),
    (
        {"kpi": "service_level", "threshold": 1.2},
        "contract.targets[0].threshold: must be <= 1 for kpi service_level (got 1.2)",
    ),
    (
        {"kpi": "asa_s", "threshold": 7200},
        "contract.targets[0].threshold: must be <= 3600 for kpi asa_s (got 7200)",
    ),
    (
        {"kpi": "service_level", "threshold": 0.8, "threshold_s": 30},
        "contract.targets[0].threshold_s: must equal service_level.threshold_s 20",
    ),
    (
        {
            "kpi": "service_level",
            "threshold": 0.8,
            "penalty": {
                "bands": [
                    {"from_points": 0, "to_points": 5, "percent_per_point": 2},
                    {"from_points": 3, "percent": 10},
                ]
            },
        },
        "contract.targets[0].penalty.bands[1].from_points: overlaps bands[0]",
    ),
    (
        {"kpi": "occupancy", "threshold": 0.8},
        "contract.targets[0].threshold: is not for occupancy",
    ),
]


def _validate(tmp_path: Path, raw: dict[str, Any]) -> tuple[int, str, str]:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw))
    return invoke("validate", str(path))


def _base() -> dict[str, Any]:
    return {
        "name": "tiny",
        "calendar": {"open": "08:00", "close": "10:00", "interval_minutes": 30},
        "service_level": {"threshold_s": 20},
        "call_types": {
            "calls": {
                "volume": {"per_hour": 120},
                "handle_time": {"dist": "exponential", "mean_s": 180},
            }
        },
        "groups": {"agents": {"headcount": 8}},
    }


class TestBadInput:
    @pytest.mark.parametrize(("bad", "message"), BAD)
    def test_bad_target(self, tmp_path: Path, bad: dict[str, Any], message: str) -> None:
        """One line naming the field, exit code 2."""
        raw = _base() | {"contract": {"targets": [bad]}}
        code, out, err = _validate(tmp_path, raw)
        assert 2 == code
        assert "" == out
        assert 1 == len(err.strip().splitlines())
        assert f"{tmp_path / 'bad.yaml'}: {message}" in err

    @pytest.mark.parametrize(
        ("section", "message"),
        [
            (
                {"costs": {"overhead": {"team_leaders": {"per": 0}}}},
                "costs.overhead.team_leaders.per: must be > 0 (got 0)",
            ),
            (
                {"contract": {"price": [{"per": "handled_call"}]}},
                "contract.price[0].unit_price: is required",
            ),
            (
                {"contract": {"price": [{"per": "per_seat", "unit_price": 1.0}]}},
                "contract.price[0].per: must be 'handled_call', 'talk_hour', 'staffed_hour', "
                "'fte_month' or 'seat_line_year' (got 'per_seat')",
            ),
            (
                {"costs": {"overhead": {"supervisors": {"per": 3}}}},
                "costs.overhead.supervisors: are counted per team leader: give team_leaders",
            ),
        ],
    )
    def test_bad_costs_and_prices(
        self, tmp_path: Path, section: dict[str, Any], message: str
    ) -> None:
        """A ratio of 0, a price form without its price, an unknown form: one line, exit 2."""
        code, _, err = _validate(tmp_path, _base() | section)
        assert 2 == code
        assert 1 == len(err.strip().splitlines())
        assert f"{tmp_path / 'bad.yaml'}: {message}" in err


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small two-day centre with four targets and team leaders, as a file."""
    path = tmp_path_factory.mktemp("contract") / "small.yaml"
    raw = _base() | SMALL | {"costs": {"overhead": {"team_leaders": {"per": 10}}}}
    path.write_text(yaml.safe_dump(raw))
    return path


class TestRunCli:
    def test_console_blocks_and_contract_csv(self, scenario_file: Path, tmp_path: Path) -> None:
        """The run prints each target, the joint P and money per month and year; contract.csv."""
        code, out, _ = invoke(
            "run", str(scenario_file), "--reps", "20", "--out", str(tmp_path), "--quiet"
        )
        assert 0 == code
        assert "service_level >= 0.7 (all, day)" in out
        assert "every target, every period" in out
        assert "per month (95% CI)" in out
        assert "team leaders 1" in out
        table = pd.read_csv(tmp_path / "contract.csv")
        assert 4 == (table["section"] == "target").sum()
        assert {"target", "joint", "headcount", "money"} == set(table["section"])
        year = table[(table["item"] == "total_cost") & (table["period"] == "year")]["mean"]
        month = table[(table["item"] == "total_cost") & (table["period"] == "month")]["mean"]
        # the CSV holds 6 significant digits
        assert 12 * float(month.iloc[0]) == pytest.approx(float(year.iloc[0]), rel=1e-5)

    def test_json_has_the_contract(self, scenario_file: Path, tmp_path: Path) -> None:
        """``--json`` gives each target's P(met) with its interval and the joint P in [0, 1]."""
        code, out, _ = invoke(
            "run", str(scenario_file), "--reps", "20", "--out", str(tmp_path), "--json"
        )
        assert 0 == code
        contract = json.loads(out)["contract"]
        assert 4 == len(contract["targets"])
        for entry in [*contract["targets"], contract["joint"]]:
            assert 0.0 <= entry["p_all_met_low"] <= entry["p_all_met"] <= entry["p_all_met_high"]
            assert entry["p_all_met_high"] <= 1.0
        assert {"day", "week", "month", "year"} == set(contract["money"]["margin"])

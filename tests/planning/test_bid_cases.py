"""A bid's headcount x P(bid met) table and its forecast-error volume case."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from helpers import TWO_DESKS

from sim.errors import UsageError
from sim.planning.bid import (
    FORECAST_ERROR,
    FORECAST_PCT,
    HEADCOUNT_STEPS,
    BidResult,
    bid_met,
    size_bid,
    with_headcount_step,
)
from sim.report.bid import bid_console
from sim.results.money import ContractResult, Headcount, Money
from sim.results.targets import TargetsResult, target_outcome
from sim.scenario.contract import Target

GROUPS = ["billing_desk", "support_desk"]
INTERVALS_H = 4 * 0.5
"""TWO_DESKS is open four half-hour intervals."""


@pytest.fixture(scope="module")
def two_desks() -> BidResult:
    """Both desks bid on 20 replications."""
    return size_bid(TWO_DESKS, group=GROUPS, reps=20, seed=4)


class TestHeadcountSteps:
    def test_a_step_adds_agents_to_every_interval_never_below_0(self) -> None:
        """[1, 3, 0] - 2 -> [0, 1, 0]; + 1 -> [2, 4, 1]; a group not named keeps its headcount."""
        document: dict[str, Any] = {
            "groups": {"a": {"headcount": [1, 3, 0]}, "b": {"headcount": [5, 5, 5]}}
        }
        assert [0, 1, 0] == with_headcount_step(document, ["a"], -2)["groups"]["a"]["headcount"]
        stepped = with_headcount_step(document, ["a"], 1)["groups"]
        assert ([2, 4, 1], [5, 5, 5]) == (stepped["a"]["headcount"], stepped["b"]["headcount"])

    def test_bid_met_needs_the_day_and_every_target(self) -> None:
        """Replications 1-3: the day met in 1, 2; the target in every cell of 1, 3: only 1 meets."""
        met = np.array([[True, True], [True, False], [True, True]])
        outcome = target_outcome(
            np.where(met, 0.9, 0.5), Target(kpi="service_level", threshold=0.8)
        )
        staff = Headcount(1.0, 1, {}, 1, 0.0, 10.0)
        contract = ContractResult(TargetsResult([outcome], 2 / 3, 0, 1), Money(staff, {}, 360))
        days_met = np.array([1.0, 1.0, 0.0])
        assert [True, False, False] == bid_met(days_met, contract).tolist()

    def test_table_rows_and_agent_hours(self, two_desks: BidResult) -> None:
        """One row per step; each agent more per interval on two desks adds 2 x 2 agent-hours."""
        table = two_desks.headcount_table
        assert list(HEADCOUNT_STEPS) == table["step"].tolist()
        base = float(table.loc[table["step"] == 0, "agent_h"].iloc[0])
        assert base == pytest.approx(two_desks.staffed_group_h)
        plus = table[table["step"] > 0]
        expected = base + plus["step"].to_numpy() * len(GROUPS) * INTERVALS_H
        np.testing.assert_allclose(plus["agent_h"].to_numpy(), expected)
        assert (
            (table["p_met_low"] <= table["p_met"]) & (table["p_met"] <= table["p_met_high"])
        ).all()

    def test_step_0_is_the_forecast_case(self, two_desks: BidResult) -> None:
        """As staffed: the margin is the forecast case's; P(bid met) is at most the joint P."""
        row = two_desks.headcount_table.set_index("step").loc[0]
        contract = two_desks.contracts[FORECAST_PCT]
        assert float(contract.money.yearly["margin"].mean()) == pytest.approx(row["margin"])
        assert contract.targets is not None
        assert row["p_met"] <= contract.targets.joint
        assert "headcount x P(bid met)" in bid_console(two_desks)


@pytest.fixture(scope="module")
def erring() -> BidResult:
    """Both desks bid on 20 replications with a forecast error of CV 0.2."""
    return size_bid(TWO_DESKS, group=GROUPS, reps=20, seed=4, forecast_cv=0.2)


def offered(bid: BidResult, volume_pct: int) -> np.ndarray:
    """Offered calls per replication of a case."""
    rows = bid.replications[bid.replications["volume_pct"] == volume_pct]
    return rows["offered"].to_numpy(dtype=float)


class TestForecastError:
    def test_the_case_follows_the_three_volumes(self, erring: BidResult) -> None:
        """Cases in run order, the forecast error last, in the cases, contracts and margins."""
        order = [90, 100, 110, FORECAST_ERROR]
        assert order == erring.cases["volume_pct"].unique().tolist()
        assert order == list(erring.contracts)
        assert order == erring.sensitivity["volume_pct"].unique().tolist()
        assert "forecast, error CV 0.2" in bid_console(erring)

    def test_volume_varies_by_the_cv_around_the_forecast(self, erring: BidResult) -> None:
        """360 calls expected (120 + 60 an hour, 2 h): Poisson sd 19; with a gamma multiplier
        of CV 0.2, sd sqrt(360 + 0.2^2 360^2) = 74. The mean stays the forecast's (4 SE)."""
        plain, error = offered(erring, FORECAST_PCT), offered(erring, FORECAST_ERROR)
        assert error.std(ddof=1) > 2 * plain.std(ddof=1)
        se = np.sqrt(error.var(ddof=1) / len(error) + plain.var(ddof=1) / len(plain))
        assert abs(error.mean() - plain.mean()) < 4 * se

    def test_default_is_the_scenario_busyness_else_none(self) -> None:
        """No CV given: the scenario's busyness.day_cv; none there: only the three volumes."""
        busy = {**TWO_DESKS, "busyness": {"day_cv": 0.1}}
        found = size_bid(busy, group=GROUPS, reps=5, seed=4)
        assert (0.1, FORECAST_ERROR) == (found.forecast_cv, list(found.contracts)[-1])
        plain = size_bid(TWO_DESKS, group=GROUPS, reps=5, seed=4)
        assert [90, 100, 110] == list(plain.contracts)

    def test_cv_out_of_range_is_refused(self) -> None:
        """A CV between 0 and 1e-3 (or above 100) is not a day_cv: one-line usage error."""
        with pytest.raises(UsageError, match="forecast CV must be 0 or between"):
            size_bid(TWO_DESKS, group=GROUPS, reps=5, forecast_cv=1e-4)

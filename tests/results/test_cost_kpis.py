"""Money KPIs: wages, overtime premium, seats, revenue, the SLA penalty and the margin."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers import make_scenario

from sim.errors import ScenarioError
from sim.report import console_table
from sim.results import replication_kpis, summarize
from sim.results.kpis import ALL, COST_KPIS
from sim.simulation import SimulationResult, simulate

MONEY: dict[str, Any] = {
    "costs": {"seat_per_day": 12.0, "overtime_premium": 0.5},
    "contract": {
        "price_per_handled_call": 2.5,
        "sl_penalty": {"below": 0.8, "percent_of_invoice": 10},
    },
}


def run(**sections: Any) -> SimulationResult:
    """Three days of a small, tight centre (some days miss 80/20), 40 replications."""
    return simulate(
        make_scenario(
            calendar={"days": 3, "open": "08:00", "close": "10:00", "interval_minutes": 30},
            call_types={
                "calls": {
                    "volume": {"per_hour": 200, "day_cv": 0.1},
                    "handle_time": {"dist": "exponential", "mean_s": 180},
                    "patience": {"dist": "exponential", "mean_s": 200},
                }
            },
            groups={"agents": {"headcount": [9, 11, 11, 10], "wage_per_hour": 20.0}},
            **sections,
        ),
        reps=40,
        seed=4,
    )


def centre(result: SimulationResult, period: str) -> pd.DataFrame:
    """The centre's rows of a period, indexed by replication (and day)."""
    frame = replication_kpis(result.tallies, result.plan, period)  # type: ignore[arg-type]
    return frame[frame["call_type"] == ALL]


@pytest.fixture(scope="module")
def result() -> SimulationResult:
    """The centre with seat costs, overtime premium, a price per call and a day penalty."""
    return run(**MONEY)


class TestByDay:
    """Each day's money from that day's calls and agents."""

    def test_revenue_penalty_and_margin(self, result: SimulationResult) -> None:
        """Revenue = price x answered; 10% of it lost on days below 80%; the margin adds up."""
        days = centre(result, "day")
        revenue = 2.5 * days["answered"]
        penalty = np.where(days["service_level"] < 0.8, 0.1 * revenue, 0.0)
        np.testing.assert_allclose(days["revenue"], revenue, rtol=1e-12)
        np.testing.assert_allclose(days["sla_penalty"], penalty, rtol=1e-12)
        assert 0 < (days["sla_penalty"] > 0).mean() < 1  # some days miss, some do not
        margin = days["revenue"] - days["total_cost"] - days["sla_penalty"]
        np.testing.assert_allclose(days["margin"], margin, rtol=1e-12)

    def test_costs(self, result: SimulationResult) -> None:
        """Wages + premium on overtime + seats for the day's peak of agents present."""
        days = centre(result, "day")
        intervals = centre(result, "interval")
        peak = intervals.groupby(["rep", "day"])["agents"].max().to_numpy()
        np.testing.assert_allclose(days["seats"], np.ceil(peak - 1e-9))
        assert days["seats"].min() >= 11  # the headcount's peak
        np.testing.assert_allclose(
            days["overtime_cost"], days["overtime_h"] * 20.0 * 0.5, rtol=1e-12
        )
        total = days["wage_cost"] + days["overtime_cost"] + 12.0 * days["seats"]
        np.testing.assert_allclose(days["total_cost"], total, rtol=1e-12)

    def test_not_per_interval(self, result: SimulationResult) -> None:
        """Seats and penalties are a day's: interval rows have no money KPIs."""
        assert centre(result, "interval")[list(COST_KPIS)].isna().all().all()


class TestRun:
    """The run adds its days, unless the penalty is judged on the whole run."""

    def test_run_sums_the_days(self, result: SimulationResult) -> None:
        """Every money KPI of the run is the sum of its days."""
        by_day = centre(result, "day").groupby("rep")[list(COST_KPIS)].sum()
        run_rows = centre(result, "total").set_index("rep")[list(COST_KPIS)]
        np.testing.assert_allclose(run_rows.to_numpy(), by_day.to_numpy(), rtol=1e-12)

    def test_penalty_on_the_whole_run(self) -> None:
        """Period run: 10% of the run's revenue when the run's service level is short."""
        money = {**MONEY, "contract": {**MONEY["contract"]}}
        money["contract"]["sl_penalty"] = {**money["contract"]["sl_penalty"], "period": "run"}
        rows = centre(run(**money), "total")
        expected = np.where(rows["service_level"] < 0.8, 0.1 * rows["revenue"], 0.0)
        np.testing.assert_allclose(rows["sla_penalty"], expected, rtol=1e-12)

    def test_price_per_hour(self) -> None:
        """Revenue per staffed hour instead of per call."""
        rows = centre(run(contract={"price_per_hour": 30.0}), "total")
        np.testing.assert_allclose(rows["revenue"], 30.0 * rows["staffed_h"], rtol=1e-12)
        assert (rows["sla_penalty"] == 0).all()

    def test_no_money_sections(self) -> None:
        """Without costs and contract: no revenue, no penalty, costs are the wages."""
        rows = centre(run(), "total")
        assert (rows["revenue"] == 0).all()
        np.testing.assert_allclose(rows["total_cost"], rows["wage_cost"], rtol=1e-12)
        assert math.isclose(float(rows["margin"].iloc[0]), -float(rows["wage_cost"].iloc[0]))


@pytest.mark.parametrize(
    ("contract", "message"),
    [
        ({}, "contract: give exactly one of price_per_handled_call and price_per_hour (got 0)"),
        (
            {"price_per_handled_call": 1, "price_per_hour": 2},
            "contract: give exactly one of price_per_handled_call and price_per_hour (got 2)",
        ),
        (
            {"price_per_hour": 2, "sl_penalty": {"below": 0.8, "percent_of_invoice": 120}},
            "contract.sl_penalty.percent_of_invoice: must be <= 100 (got 120)",
        ),
    ],
)
def test_contract_errors(contract: dict[str, Any], message: str) -> None:
    """A contract has one price and a penalty in range."""
    with pytest.raises(ScenarioError) as error:
        make_scenario(contract=contract)
    assert message in error.value.line()


def test_console_money_block(result: SimulationResult) -> None:
    """`ccsim run` prints the run's money with CIs when the scenario has costs or a contract."""
    text = console_table(summarize(result.tallies, result.plan), result.plan)
    header, row = text.splitlines()[-2:]
    assert header.startswith("money")
    assert "margin (95% CI)" in header
    assert row.startswith("run")
    plain = run()
    assert "money" not in console_table(summarize(plain.tallies, plain.plan), plain.plan)

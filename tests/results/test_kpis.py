"""KPIs per replication from hand-built tallies with known answers (no engine involved)."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers import make_scenario

from sim.engines.base import AGENT_SUMS, CALL_COUNTS, CALL_SUMS, GROUP_CALLS, Tallies
from sim.results.kpis import (
    AGENT_KPIS,
    ALL,
    BOT_RATE_KPIS,
    CALL_KPIS,
    COST_KPIS,
    GROUP_CALL_KPIS,
    OUTBOUND_RATE_KPIS,
    group_kpis,
    replication_kpis,
    service_level,
)
from sim.scenario import Plan, build_plan
from sim.scenario.plan import inbound_group_tables

TWO_TYPES = {
    "sales": {"volume": {"per_hour": 60}, "handle_time": {"dist": "exponential", "mean_s": 180}},
    "service": {"volume": {"per_hour": 40}, "handle_time": {"dist": "exponential", "mean_s": 240}},
}
DEFINITIONS = (
    "offered_minus_short_abandons",
    "answered",
    "answered_plus_abandoned_after_t",
    "p_wait_le_t",
)

# One cell of sales calls: 20 offered (3 of them redials, 2 repeat calls), 15 answered (12 within
# T, 3 at once), 4 abandoned (2 within T, 2 short abandons; 1 caller gave up redialling at the
# cap), 1 dropped, so 17 waited; waits 150 s over the answered, 310 s over all; 3000 s of handling.
SALES = {
    "offered": 20,
    "answered": 15,
    "abandoned": 4,
    "dropped": 1,
    "short_abandoned": 2,
    "answered_within_t": 12,
    "abandoned_within_t": 2,
    "redials": 3,
    "repeats": 2,
    "redials_given_up": 1,
    "repeats_given_up": 0,
    "waited": 17,
    "blocked": 0,
    "bot_entered": 0,
    "bot_resolved": 0,
    "bot_abandoned": 0,
    "bot_handed_over": 0,
    "bot_bypassed": 0,
    "wait_answered_s": 150.0,
    "wait_all_s": 310.0,
    "handle_s": 3000.0,
}
# One cell of service calls: 5 offered (1 repeat call), all answered (2 within T, 1 at once; 1
# unresolved that did not come back, its matter at the cap), 150 s waiting, 1500 s handling.
SERVICE = {
    "offered": 5,
    "answered": 5,
    "abandoned": 0,
    "dropped": 0,
    "short_abandoned": 0,
    "answered_within_t": 2,
    "abandoned_within_t": 0,
    "redials": 0,
    "repeats": 1,
    "redials_given_up": 0,
    "repeats_given_up": 1,
    "waited": 4,
    "blocked": 0,
    "bot_entered": 0,
    "bot_resolved": 0,
    "bot_abandoned": 0,
    "bot_handed_over": 0,
    "bot_bypassed": 0,
    "wait_answered_s": 150.0,
    "wait_all_s": 150.0,
    "handle_s": 1500.0,
}
# Service level of SALES under each definition.
SALES_SL = {
    "offered_minus_short_abandons": 12 / (20 - 2),
    "answered": 12 / 15,
    "answered_plus_abandoned_after_t": 12 / (15 + 4 - 2),
    "p_wait_le_t": (12 + 2) / 20,
}


def tiny_plan(*, days: int = 1, definition: str = "offered_minus_short_abandons") -> Plan:
    """Two call types, one group, 08:00-09:00 in two 30-minute intervals, ``days`` days."""
    scenario = make_scenario(
        calendar={"days": days, "open": "08:00", "close": "09:00", "interval_minutes": 30},
        service_level={
            "threshold_s": 20,
            "target": 0.8,
            "definition": definition,
            "short_abandon_s": 5,
        },
        call_types=TWO_TYPES,
        groups={"agents": {"headcount": 2}},
    )
    return build_plan(scenario)


def steady_plan() -> Plan:
    """One call type in steady state: three 1-hour intervals, the first one a warm-up."""
    scenario = make_scenario(
        calendar=None,
        steady_state={"horizon_h": 3, "warmup_h": 1, "interval_minutes": 60},
        groups={"agents": {"headcount": 2}},
    )
    return build_plan(scenario)


def fill(tallies: Tallies, cell: tuple[int, int, int, int], values: dict[str, float]) -> None:
    """Set the call counts and sums of one (rep, day, interval, call type) cell."""
    for name, value in values.items():
        array = tallies.count(name) if name in CALL_COUNTS else tallies.call_sum(name)
        array[cell] = value


def fill_agents(tallies: Tallies, rep: int, day: int, slot: int, **values: float) -> None:
    """Set the agent-time sums of one (rep, day, clock slot) cell of group 0."""
    for name, value in values.items():
        tallies.agent_sum(name)[rep, day, slot, 0] = value


def row(frame: pd.DataFrame, **keys: Any) -> pd.Series:
    """Return the single row of ``frame`` whose columns equal ``keys``."""
    mask = np.ones(len(frame), dtype=bool)
    for column, value in keys.items():
        mask &= (frame[column] == value).to_numpy()
    expected = 1
    assert expected == mask.sum(), f"{mask.sum()} rows match {keys}"
    return frame[mask].iloc[0]


def one_cell_tallies(plan: Plan) -> Tallies:
    """One replication: SALES and SERVICE in day 0, interval 0; interval 1 has no calls."""
    tallies = Tallies.zeros(plan, 1)
    fill(tallies, (0, 0, 0, 0), SALES)
    fill(tallies, (0, 0, 0, 1), SERVICE)
    return tallies


class TestServiceLevel:
    @pytest.mark.parametrize("definition", DEFINITIONS)
    def test_each_definition_follows_its_formula(self, definition: str) -> None:
        """Every service-level definition divides the documented counts."""
        counts = {name: np.array([float(SALES[name])]) for name in CALL_COUNTS}
        expected = SALES_SL[definition]
        actual = service_level(counts, definition)[0]
        assert expected == pytest.approx(actual, rel=1e-12)

    def test_default_without_short_abandons_is_answered_within_t_over_offered(self) -> None:
        """With no short abandons the default definition is within T / offered (Erlang's)."""
        counts = {name: np.array([float(SALES[name])]) for name in CALL_COUNTS}
        counts["short_abandoned"] = np.array([0.0])
        expected = 12 / 20
        actual = service_level(counts, "offered_minus_short_abandons")[0]
        assert expected == pytest.approx(actual, rel=1e-12)

    @pytest.mark.parametrize("definition", DEFINITIONS)
    def test_zero_denominator_is_nan(self, definition: str) -> None:
        """No calls in the denominator gives NaN, not zero or an error."""
        counts = {name: np.zeros(2) for name in CALL_COUNTS}
        assert np.isnan(service_level(counts, definition)).all()

    def test_only_short_abandons_is_nan_by_default(self) -> None:
        """When every offered call is a short abandon the default service level is undefined."""
        counts = {name: np.array([0.0]) for name in CALL_COUNTS}
        counts["offered"] = counts["abandoned"] = counts["short_abandoned"] = np.array([3.0])
        assert np.isnan(service_level(counts, "offered_minus_short_abandons")[0])

    def test_unknown_definition_raises(self) -> None:
        """An unknown definition name is refused."""
        counts = {name: np.ones(1) for name in CALL_COUNTS}
        with pytest.raises(ValueError, match="unknown service-level definition"):
            service_level(counts, "answered_eventually")


class TestCallKpis:
    def test_counts_pass_through(self) -> None:
        """Count KPIs of a call-type row are the tallied counts."""
        plan = tiny_plan()
        frame = replication_kpis(one_cell_tallies(plan), plan, "interval")
        sales = row(frame, interval=0, call_type="sales")
        expected = [20, 15, 4, 1, 12, 3, 2, 1]
        names = ("offered", "answered", "abandoned", "dropped", "answered_within_t", "redials")
        actual = [sales[name] for name in (*names, "repeats", "redials_given_up")]
        assert expected == actual

    def test_blocked_and_block_rate(self) -> None:
        """``blocked`` passes through and ``block_rate`` = blocked / offered, "all" of sums."""
        plan = tiny_plan()
        tallies = one_cell_tallies(plan)
        # 3 more sales calls, blocked (wait 0): 23 offered; 2 more service calls: 7 offered
        fill(tallies, (0, 0, 0, 0), {**SALES, "offered": 23, "blocked": 3})
        fill(tallies, (0, 0, 0, 1), {**SERVICE, "offered": 7, "blocked": 2})
        frame = replication_kpis(tallies, plan, "interval")
        expected = {"sales": (3, 3 / 23), "service": (2, 2 / 7), ALL: (5, 5 / 30)}
        for name, (blocked, rate) in expected.items():
            cell = row(frame, interval=0, call_type=name)
            assert (blocked, rate) == pytest.approx((cell["blocked"], cell["block_rate"]))
        assert np.isnan(row(frame, interval=1, call_type=ALL)["block_rate"])

    def test_bot_counts_and_rates(self) -> None:
        """Bot counts pass through; containment, hand-over and in-bot abandonment rates are
        resolved, handed over and hung up over entered, "all" of sums; NaN with no entry."""
        plan = tiny_plan()
        tallies = one_cell_tallies(plan)
        # sales: 10 took a bot port (4 resolved, 1 hung up, 5 handed over), 2 bypassed it;
        # service: 5 took one (1 resolved, 4 handed over)
        bots = {
            "sales": {
                "entered": 10,
                "resolved": 4,
                "abandoned": 1,
                "handed_over": 5,
                "bypassed": 2,
            },
            "service": {
                "entered": 5,
                "resolved": 1,
                "abandoned": 0,
                "handed_over": 4,
                "bypassed": 0,
            },
        }
        for k, (base, counts) in enumerate(zip((SALES, SERVICE), bots.values(), strict=True)):
            fill(tallies, (0, 0, 0, k), {**base, **{f"bot_{n}": v for n, v in counts.items()}})
        frame = replication_kpis(tallies, plan, "interval")
        expected = {
            "sales": (10, 2, 4 / 10, 5 / 10, 1 / 10),
            "service": (5, 0, 1 / 5, 4 / 5, 0.0),
            ALL: (15, 2, 5 / 15, 9 / 15, 1 / 15),
        }
        names = ("bot_entered", "bot_bypassed", *BOT_RATE_KPIS)
        assert BOT_RATE_KPIS == ("bot_containment", "bot_handover_rate", "bot_abandon_rate")
        for name, values in expected.items():
            cell = row(frame, interval=0, call_type=name)
            assert values == pytest.approx(tuple(cell[kpi] for kpi in names))
        assert row(frame, interval=0, call_type="sales")["offered"] == SALES["offered"]
        assert np.isnan(row(frame, interval=1, call_type=ALL)["bot_containment"])

    def test_waits_rates_and_handle_time(self) -> None:
        """ASA, mean wait, abandon and answer rates and AHT follow their formulas."""
        plan = tiny_plan()
        frame = replication_kpis(one_cell_tallies(plan), plan, "interval")
        sales = row(frame, interval=0, call_type="sales")
        expected = {
            "asa_s": 150 / 15,
            "mean_wait_s": 310 / 20,
            "abandon_rate": 4 / 20,
            "answer_rate": 15 / 20,
            "aht_s": 3000 / 15,
            "p_wait": 17 / 20,
            "queue_length": 310 / 1800,  # waits over the interval's 30 open minutes
        }
        actual = {name: sales[name] for name in expected}
        assert expected == pytest.approx(actual, rel=1e-12)

    @pytest.mark.parametrize("definition", DEFINITIONS)
    def test_service_level_uses_the_plan_definition(self, definition: str) -> None:
        """The service-level column follows the scenario's definition."""
        plan = tiny_plan(definition=definition)
        frame = replication_kpis(one_cell_tallies(plan), plan, "interval")
        expected = SALES_SL[definition]
        actual = row(frame, interval=0, call_type="sales")["service_level"]
        assert expected == pytest.approx(actual, rel=1e-12)

    def test_all_row_is_ratio_of_sums(self) -> None:
        """The "all" row divides sums over call types, not the mean of the types' ratios."""
        plan = tiny_plan()
        frame = replication_kpis(one_cell_tallies(plan), plan, "interval")
        centre = row(frame, interval=0, call_type=ALL)
        expected = {
            "offered": 25,
            "answered": 20,
            "abandoned": 4,
            "dropped": 1,
            "answered_within_t": 14,
            "redials": 3,
            "repeats": 3,
            "redials_given_up": 1,
            "repeats_given_up": 1,
            "service_level": 14 / (25 - 2),
            "asa_s": 300 / 20,  # the mean of the two ASAs would be 20
            "mean_wait_s": 460 / 25,
            "abandon_rate": 4 / 25,
            "answer_rate": 20 / 25,
            "aht_s": 4500 / 20,  # the mean of the two AHTs would be 250
            "waited": 21,
            "p_wait": 21 / 25,
            "queue_length": 460 / 1800,
        }
        actual = {name: centre[name] for name in expected}
        assert expected == pytest.approx(actual, rel=1e-12)

    def test_queue_length_of_a_day_spreads_its_waits_over_its_open_time(self) -> None:
        """A day's mean queue length is the waits of its arrivals / its open seconds (1 h)."""
        plan = tiny_plan()
        day = replication_kpis(one_cell_tallies(plan), plan, "day")
        expected = {"sales": 310 / 3600, "service": 150 / 3600, ALL: 460 / 3600}
        actual = {name: row(day, call_type=name)["queue_length"] for name in expected}
        assert expected == pytest.approx(actual, rel=1e-12)

    def test_closed_and_warm_up_intervals_add_no_open_time(self) -> None:
        """Open seconds leave out closed intervals and the steady-state warm-up."""
        plan = steady_plan()
        tallies = Tallies.zeros(plan, 1)
        fill(tallies, (0, 0, 0, 0), {"offered": 9, "wait_all_s": 9000.0})  # warm-up: left out
        fill(tallies, (0, 0, 2, 0), {"offered": 4, "waited": 3, "wait_all_s": 720.0})
        total = row(replication_kpis(tallies, plan, "total"), call_type=ALL)
        expected = (720 / 7200, 3 / 4)  # two measured hours
        actual = (total["queue_length"], total["p_wait"])
        assert expected == pytest.approx(actual, rel=1e-12)

    def test_no_calls_gives_nan_ratios_and_zero_counts(self) -> None:
        """An interval without calls has zero counts and undefined (NaN) ratios."""
        plan = tiny_plan()
        frame = replication_kpis(one_cell_tallies(plan), plan, "interval")
        empty = row(frame, interval=1, call_type="sales")
        expected = [0, 0, 0, 0, 0, 0, 0, 0]
        counts = ("offered", "answered", "abandoned", "dropped", "answered_within_t", "redials")
        actual = [empty[name] for name in (*counts, "repeats", "redials_given_up")]
        assert expected == actual
        ratios = ("service_level", "asa_s", "mean_wait_s", "abandon_rate", "answer_rate", "aht_s")
        assert all(math.isnan(empty[name]) for name in ratios)

    def test_no_answered_calls_gives_nan_asa_and_aht(self) -> None:
        """Offered calls that were all abandoned leave ASA and AHT undefined but rates defined."""
        plan = tiny_plan()
        tallies = Tallies.zeros(plan, 1)
        fill(tallies, (0, 0, 0, 0), {"offered": 3, "abandoned": 3, "wait_all_s": 90.0})
        sales = row(replication_kpis(tallies, plan, "interval"), interval=0, call_type="sales")
        assert math.isnan(sales["asa_s"])
        assert math.isnan(sales["aht_s"])
        expected = (1.0, 0.0, 30.0)
        actual = (sales["abandon_rate"], sales["answer_rate"], sales["mean_wait_s"])
        assert expected == actual

    def test_agent_kpis_only_on_all_rows(self) -> None:
        """Agent KPIs are NaN on call-type rows: they belong to the centre."""
        plan = tiny_plan()
        tallies = one_cell_tallies(plan)
        tallies.agent_sum("staffed_s")[...] = 1800.0
        frame = replication_kpis(tallies, plan, "interval")
        types = frame[frame["call_type"] != ALL]
        assert types[list(AGENT_KPIS)].isna().all().all()
        assert frame.loc[frame["call_type"] == ALL, "agents"].notna().all()


class TestAgentKpis:
    @staticmethod
    def _tallies(plan: Plan) -> Tallies:
        """Interval 0: 3600 s staffed, 2700 busy, 300 on break; interval 1: 2400 staffed, 1200
        busy, 600 on break, 600 overtime; after close: 300 s staffed, busy and overtime."""
        tallies = Tallies.zeros(plan, 1)
        fill_agents(tallies, 0, 0, 0, staffed_s=3600.0, busy_s=2700.0, break_s=300.0)
        fill_agents(
            tallies, 0, 0, 1, staffed_s=2400.0, busy_s=1200.0, break_s=600.0, overtime_s=600.0
        )
        fill_agents(tallies, 0, 0, 2, staffed_s=300.0, busy_s=300.0, overtime_s=300.0)
        return tallies

    def test_interval_rows_by_clock_slot(self) -> None:
        """Occupancy (busy over staffed less breaks), agents and agent hours per interval slot."""
        plan = tiny_plan()
        frame = replication_kpis(self._tallies(plan), plan, "interval")
        centre = frame[frame["call_type"] == ALL]
        expected = {
            "occupancy": [2700 / (3600 - 300), 1200 / (2400 - 600)],
            "occupancy_open": [2700 / (3600 - 300), 1200 / (2400 - 600)],
            "agents": [3600 / 1800, 2400 / 1800],
            "agents_on_break": [300 / 1800, 600 / 1800],
            "agents_scheduled": [2.0, 2.0],  # the plan's headcount
            "staffed_h": [1.0, 2400 / 3600],
            "busy_h": [2700 / 3600, 1200 / 3600],
            "break_h": [300 / 3600, 600 / 3600],
            "idle_h": [(3600 - 2700 - 300) / 3600, (2400 - 1200 - 600) / 3600],
            "overtime_h": [0.0, 600 / 3600],
            "outbound_h": [0.0, 0.0],
            "off_phone_h": [0.0, 0.0],
            "phone_h": [(3600 - 300) / 3600, (2400 - 600) / 3600],
            "reserve_phone_h": [0.0, 0.0],
            "outbound_attempts": [0.0, 0.0],
            "outbound_contacts": [0.0, 0.0],
            "switches_to_inbound": [0.0, 0.0],
            "switches_to_outbound": [0.0, 0.0],
            "activations": [0.0, 0.0],
            "wage_cost": [0.0, 0.0],  # no wage given
            "reserve_phone_cost": [0.0, 0.0],
        }
        assert set(AGENT_KPIS) == set(expected)
        for name, values in expected.items():
            assert values == pytest.approx(centre[name].tolist(), rel=1e-12), name

    def test_agents_scheduled_come_from_the_plan(self) -> None:
        """Scheduled agents are the plan's, whatever the tallies say (absences not subtracted)."""
        plan = dataclasses.replace(
            tiny_plan(days=2), scheduled_agents=np.array([[[3], [5]], [[0], [7]]])
        )
        frame = replication_kpis(Tallies.zeros(plan, 2), plan, "interval")
        centre = frame[frame["call_type"] == ALL]
        expected = [3.0, 5.0, 0.0, 7.0] * 2
        assert expected == centre["agents_scheduled"].tolist()

    def test_calendar_day_and_total_include_the_after_close_slot(self) -> None:
        """Day and whole-run agent KPIs of a calendar scenario count the drain after closing."""
        plan = tiny_plan()
        tallies = self._tallies(plan)
        expected = {
            "occupancy": 4200 / (6300 - 900),
            "staffed_h": 6300 / 3600,
            "busy_h": 4200 / 3600,
            "break_h": 900 / 3600,
            "idle_h": (6300 - 4200 - 900) / 3600,
            "overtime_h": 900 / 3600,
        }
        for period in ("day", "total"):
            centre = row(replication_kpis(tallies, plan, period), call_type=ALL)
            actual = {name: centre[name] for name in expected}
            assert expected == pytest.approx(actual, rel=1e-12), period

    def test_occupancy_over_opening_hours_leaves_out_the_drain(self) -> None:
        """``occupancy_open`` is the interval slots' busy over available time, in every period."""
        plan = tiny_plan()
        tallies = self._tallies(plan)
        intervals = replication_kpis(tallies, plan, "interval")
        centre = intervals[intervals["call_type"] == ALL]
        assert centre["occupancy"].tolist() == centre["occupancy_open"].tolist()
        expected = (2700 + 1200) / (3600 - 300 + 2400 - 600)  # not 4200 / 5400 with the drain
        for period in ("day", "total"):
            actual = row(replication_kpis(tallies, plan, period), call_type=ALL)["occupancy_open"]
            assert expected == pytest.approx(actual, rel=1e-12), period

    @pytest.mark.parametrize("name", ["agents", "agents_on_break", "agents_scheduled"])
    def test_agent_counts_only_on_interval_rows(self, name: str) -> None:
        """Average agents present, on break and scheduled are interval KPIs: NaN otherwise."""
        plan = tiny_plan()
        tallies = self._tallies(plan)
        for period in ("day", "total"):
            assert math.isnan(row(replication_kpis(tallies, plan, period), call_type=ALL)[name])

    def test_everyone_on_break_gives_nan_occupancy(self) -> None:
        """An interval whose staffed time is all break has no available time: occupancy NaN."""
        plan = tiny_plan()
        tallies = Tallies.zeros(plan, 1)
        fill_agents(tallies, 0, 0, 0, staffed_s=900.0, break_s=900.0)
        centre = row(replication_kpis(tallies, plan, "interval"), interval=0, call_type=ALL)
        assert math.isnan(centre["occupancy"])
        expected = (0.5, 0.5, 0.0)
        actual = (centre["agents"], centre["agents_on_break"], centre["idle_h"])
        assert expected == actual

    def test_no_staffed_time_gives_nan_occupancy_and_zero_agents(self) -> None:
        """An interval nobody staffed has undefined occupancy and zero agents."""
        plan = tiny_plan()
        frame = replication_kpis(Tallies.zeros(plan, 1), plan, "interval")
        centre = row(frame, interval=0, call_type=ALL)
        assert math.isnan(centre["occupancy"])
        expected = (0.0, 0.0, 0.0)
        actual = (centre["agents"], centre["staffed_h"], centre["overtime_h"])
        assert expected == actual


class TestPeriods:
    @staticmethod
    def _tallies(plan: Plan) -> Tallies:
        """Two replications; SALES in interval 0 and SERVICE-like calls in interval 1 each day."""
        tallies = Tallies.zeros(plan, 2)
        for rep in range(2):
            for day in range(plan.n_days):
                fill(tallies, (rep, day, 0, 0), SALES)
                fill(tallies, (rep, day, 1, 0), SERVICE)
        fill(tallies, (1, 0, 0, 0), {"offered": 30})  # replication 1 differs from replication 0
        return tallies

    def test_columns_and_row_counts(self) -> None:
        """Each period has its keys, the call-type column and every KPI; one row per cell."""
        plan = tiny_plan(days=2)
        tallies = self._tallies(plan)
        expected_rows = {"interval": 2 * 2 * 2 * 3, "day": 2 * 2 * 3, "total": 2 * 3}
        expected_keys = {"interval": ["day", "interval"], "day": ["day"], "total": []}
        for period, keys in expected_keys.items():
            frame = replication_kpis(tallies, plan, period)
            expected = [
                "rep",
                *keys,
                "call_type",
                *CALL_KPIS,
                *BOT_RATE_KPIS,
                *AGENT_KPIS,
                *OUTBOUND_RATE_KPIS,
                *COST_KPIS,
            ]
            assert expected == list(frame.columns), period
            assert expected_rows[period] == len(frame), period

    def test_call_type_is_categorical_in_scenario_order_then_all(self) -> None:
        """The call-type column is categorical: the scenario's types, then "all"."""
        plan = tiny_plan()
        frame = replication_kpis(Tallies.zeros(plan, 1), plan, "total")
        assert isinstance(frame["call_type"].dtype, pd.CategoricalDtype)
        expected = ["sales", "service", ALL]
        assert expected == list(frame["call_type"].cat.categories)
        assert expected == list(frame["call_type"])

    def test_day_sums_its_intervals(self) -> None:
        """A day's counts are its intervals' sums and its ratios are ratios of those sums."""
        plan = tiny_plan(days=2)
        frame = replication_kpis(self._tallies(plan), plan, "day")
        sales = row(frame, rep=0, day=1, call_type="sales")
        expected = {
            "offered": 25,
            "answered": 20,
            "asa_s": 300 / 20,
            "service_level": 14 / (25 - 2),
            "aht_s": 4500 / 20,
        }
        actual = {name: sales[name] for name in expected}
        assert expected == pytest.approx(actual, rel=1e-12)

    def test_total_sums_days_and_keeps_replications_apart(self) -> None:
        """The whole run sums every day and interval of one replication only."""
        plan = tiny_plan(days=2)
        frame = replication_kpis(self._tallies(plan), plan, "total")
        expected = [50, 60]
        actual = [row(frame, rep=rep, call_type="sales")["offered"] for rep in range(2)]
        assert expected == actual
        expected_sl = 28 / (60 - 4)
        assert expected_sl == pytest.approx(
            row(frame, rep=1, call_type="sales")["service_level"], rel=1e-12
        )

    def test_interval_rows_keep_replications_days_and_intervals_apart(self) -> None:
        """Interval rows are (rep, day, interval) cells in order, each with its own counts."""
        plan = tiny_plan(days=2)
        frame = replication_kpis(self._tallies(plan), plan, "interval")
        sales = frame[frame["call_type"] == "sales"]
        expected = [30, 5, 20, 5]
        actual = sales.loc[sales["rep"] == 1, "offered"].tolist()
        assert expected == actual
        expected_cells = ([0, 0, 1, 1], [0, 1, 0, 1])
        actual_cells = (
            sales.loc[sales["rep"] == 1, "day"].tolist(),
            sales.loc[sales["rep"] == 1, "interval"].tolist(),
        )
        assert expected_cells == actual_cells

    def test_agent_time_sums_over_days(self) -> None:
        """Whole-run agent hours add up every day's slots, drains included."""
        plan = tiny_plan(days=2)
        tallies = Tallies.zeros(plan, 1)
        tallies.agent_sum("staffed_s")[...] = 900.0  # 2 days x 3 slots
        tallies.agent_sum("busy_s")[...] = 450.0
        centre = row(replication_kpis(tallies, plan, "total"), call_type=ALL)
        expected = (6 * 900 / 3600, 0.5)
        actual = (centre["staffed_h"], centre["occupancy"])
        assert expected == pytest.approx(actual, rel=1e-12)


class TestSteadyState:
    @staticmethod
    def _tallies(plan: Plan) -> Tallies:
        """Warm-up interval 0 holds 100 calls; intervals 1 and 2 hold 10 and 20 calls."""
        tallies = Tallies.zeros(plan, 1)
        for interval, offered in enumerate((100, 10, 20)):
            answered = offered
            fill(
                tallies,
                (0, 0, interval, 0),
                {
                    "offered": offered,
                    "answered": answered,
                    "answered_within_t": offered // 2 if interval else offered,
                    "wait_answered_s": 5.0 * offered * (interval + 1),
                    "wait_all_s": 5.0 * offered * (interval + 1),
                    "handle_s": 100.0 * offered,
                },
            )
        fill_agents(tallies, 0, 0, 0, staffed_s=7200.0, busy_s=7200.0)
        fill_agents(tallies, 0, 0, 1, staffed_s=7200.0, busy_s=3600.0)
        fill_agents(tallies, 0, 0, 2, staffed_s=7200.0, busy_s=5400.0)
        fill_agents(tallies, 0, 0, 3, staffed_s=1000.0, busy_s=1000.0, overtime_s=1000.0)
        return tallies

    def test_interval_rows_leave_out_the_warm_up(self) -> None:
        """Interval rows start after the warm-up."""
        plan = steady_plan()
        frame = replication_kpis(self._tallies(plan), plan, "interval")
        expected = [1, 2]
        actual = frame.loc[frame["call_type"] == ALL, "interval"].tolist()
        assert expected == actual
        expected_offered = [10, 20]
        assert expected_offered == frame.loc[frame["call_type"] == ALL, "offered"].tolist()

    def test_interval_agent_kpis_line_up_with_their_intervals(self) -> None:
        """Agent KPIs of the measured intervals sit on the right rows once the warm-up is cut."""
        plan = steady_plan()
        frame = replication_kpis(self._tallies(plan), plan, "interval")
        centre = frame[frame["call_type"] == ALL]
        expected = ([0.5, 0.75], [2.0, 2.0])
        actual = (centre["occupancy"].tolist(), centre["agents"].tolist())
        assert expected == actual

    @pytest.mark.parametrize("period", ["day", "total"])
    def test_warm_up_calls_left_out_of_day_and_total(self, period: str) -> None:
        """Arrivals in the warm-up count nowhere."""
        plan = steady_plan()
        centre = row(replication_kpis(self._tallies(plan), plan, period), call_type=ALL)
        expected = {
            "offered": 30,
            "service_level": 15 / 30,
            "asa_s": (100 + 300) / 30,
            "aht_s": 100.0,
        }
        actual = {name: centre[name] for name in expected}
        assert expected == pytest.approx(actual, rel=1e-12)

    @pytest.mark.parametrize("period", ["day", "total"])
    def test_warm_up_and_drain_left_out_of_agent_time(self, period: str) -> None:
        """Steady state counts agent time of the measured intervals only, not the drain."""
        plan = steady_plan()
        centre = row(replication_kpis(self._tallies(plan), plan, period), call_type=ALL)
        expected = {"occupancy": 9000 / 14400, "staffed_h": 4.0, "overtime_h": 0.0}
        actual = {name: centre[name] for name in expected}
        assert expected == pytest.approx(actual, rel=1e-12)


class TestTalliesLayout:
    def test_zeros_shapes_follow_the_plan(self) -> None:
        """Call arrays are per interval and call type; agent arrays add the after-close slot."""
        plan = tiny_plan(days=3)
        tallies = Tallies.zeros(plan, 4)
        expected = (
            (4, 3, 2, 2, len(CALL_COUNTS)),
            (4, 3, 2, 2, len(CALL_SUMS)),
            (4, 3, 3, 1, len(AGENT_SUMS)),
            (4, 3, 2, 1, 2, len(GROUP_CALLS)),
        )
        actual = (
            tallies.call_counts.shape,
            tallies.call_sums.shape,
            tallies.agent_sums.shape,
            tallies.group_calls.shape,
        )
        assert expected == actual
        expected_sums = (
            "staffed_s",
            "busy_s",
            "overtime_s",
            "break_s",
            "outbound_s",
            "off_phone_s",
            "session_s",
            "chat_s",
            "voice_s",
            "email_s",
        )
        assert expected_sums == AGENT_SUMS
        assert ("handled", "handle_s") == GROUP_CALLS


# -- group KPIs ---------------------------------------------------------------------------------


def two_group_plan(*, days: int = 1) -> Plan:
    """:func:`tiny_plan` with two groups: 2 then 1 agents scheduled in group g0, 1 in g1."""
    plan = tiny_plan(days=days)
    return dataclasses.replace(
        plan,
        groups=("g0", "g1"),
        **inbound_group_tables(2),
        group_role=("agent", "agent"),
        skill_tier=np.zeros((2, 2), dtype=np.int64),
        tier_factor=np.ones((2, 2)),
        tier_fcr=np.ones((2, 2)),
        absenteeism=np.zeros(2),
        scheduled_agents=np.tile(np.array([[2, 1], [1, 1]]), (days, 1, 1)),
    )


def fill_group(
    tallies: Tallies, cell: tuple[int, int, int, int, int], handled: float, handle_s: float
) -> None:
    """Set the calls a group answered in one (rep, day, interval, group, call type) cell."""
    tallies.group_call("handled")[cell] = handled
    tallies.group_call("handle_s")[cell] = handle_s


def group_tallies(plan: Plan) -> Tallies:
    """One replication of :func:`two_group_plan`.

    Interval 0: g0 answers 10 sales calls (2000 s); g1 5 sales (1500 s) and 4 service calls
    (1200 s). Interval 1: g0 answers 2 service calls (500 s). Agent time, interval 0: g0 3600 s
    staffed, 2000 busy, 600 on break; g1 1800 staffed, 1500 busy. Interval 1: g0 1800 staffed,
    500 busy; g1 1800 staffed, 900 busy, 300 on break. After closing: g1 200 s staffed, busy and
    overtime.
    """
    tallies = Tallies.zeros(plan, 1)
    fill_group(tallies, (0, 0, 0, 0, 0), 10, 2000.0)
    fill_group(tallies, (0, 0, 0, 1, 0), 5, 1500.0)
    fill_group(tallies, (0, 0, 0, 1, 1), 4, 1200.0)
    fill_group(tallies, (0, 0, 1, 0, 1), 2, 500.0)
    sums = {
        (0, 0): {"staffed_s": 3600.0, "busy_s": 2000.0, "break_s": 600.0},
        (0, 1): {"staffed_s": 1800.0, "busy_s": 1500.0},
        (1, 0): {"staffed_s": 1800.0, "busy_s": 500.0},
        (1, 1): {"staffed_s": 1800.0, "busy_s": 900.0, "break_s": 300.0},
        (2, 1): {"staffed_s": 200.0, "busy_s": 200.0, "overtime_s": 200.0},
    }
    for (slot, group), values in sums.items():
        for name, value in values.items():
            tallies.agent_sum(name)[0, 0, slot, group] = value
    return tallies


class TestGroupKpis:
    def test_columns_and_row_counts(self) -> None:
        """Rows per rep, period cell, group (then "all") and call type (then "all")."""
        plan = two_group_plan(days=2)
        tallies = Tallies.zeros(plan, 2)
        expected_keys = {"interval": ["day", "interval"], "day": ["day"], "total": []}
        expected_rows = {"interval": 2 * 2 * 2 * 9, "day": 2 * 2 * 9, "total": 2 * 9}
        for period, keys in expected_keys.items():
            frame = group_kpis(tallies, plan, period)
            expected = [
                "rep",
                *keys,
                "group",
                "call_type",
                *GROUP_CALL_KPIS,
                *AGENT_KPIS,
                *OUTBOUND_RATE_KPIS,
            ]
            assert expected == list(frame.columns), period
            assert expected_rows[period] == len(frame), period

    def test_group_and_call_type_are_categorical_then_all(self) -> None:
        """group and call_type are categorical: the scenario's names, then "all"."""
        plan = two_group_plan()
        frame = group_kpis(Tallies.zeros(plan, 1), plan, "total")
        expected = (["g0", "g1", ALL], ["sales", "service", ALL])
        actual = (
            list(frame["group"].cat.categories),
            list(frame["call_type"].cat.categories),
        )
        assert expected == actual
        expected_order = [(g, k) for g in ("g0", "g1", ALL) for k in ("sales", "service", ALL)]
        assert expected_order == list(zip(frame["group"], frame["call_type"], strict=True))

    def test_handled_and_aht_per_group_and_call_type(self) -> None:
        """handled is the group's answered calls; aht_s their handle time over them."""
        plan = two_group_plan()
        frame = group_kpis(group_tallies(plan), plan, "interval")
        expected = {
            ("g0", "sales"): (10, 200.0),
            ("g1", "sales"): (5, 300.0),
            ("g1", "service"): (4, 300.0),
        }
        actual = {}
        for group, call_type in expected:
            cell = row(frame, interval=0, group=group, call_type=call_type)
            actual[group, call_type] = (cell["handled"], cell["aht_s"])
        assert expected == actual
        idle = row(frame, interval=0, group="g0", call_type="service")
        assert 0 == idle["handled"]
        assert math.isnan(idle["aht_s"])

    def test_all_rows_are_sums(self) -> None:
        """The "all" group and call-type rows add handled calls and handle time, then divide."""
        plan = two_group_plan()
        frame = group_kpis(group_tallies(plan), plan, "interval")
        expected = {
            ("g0", ALL): (10, 200.0),
            ("g1", ALL): (9, 2700 / 9),
            (ALL, "sales"): (15, 3500 / 15),
            (ALL, "service"): (4, 300.0),
            (ALL, ALL): (19, 4700 / 19),
        }
        for (group, call_type), values in expected.items():
            cell = row(frame, interval=0, group=group, call_type=call_type)
            actual = (cell["handled"], cell["aht_s"])
            assert values == pytest.approx(actual, rel=1e-12), (group, call_type)

    def test_agent_kpis_per_group_and_interval(self) -> None:
        """Each group's agent KPIs come from its own agent time; "all" adds the groups."""
        plan = two_group_plan()
        frame = group_kpis(group_tallies(plan), plan, "interval")
        expected = {
            ("g0", 0): {
                "occupancy": 2000 / (3600 - 600),
                "agents": 2.0,
                "agents_on_break": 600 / 1800,
                "agents_scheduled": 2.0,
                "staffed_h": 1.0,
                "busy_h": 2000 / 3600,
                "break_h": 600 / 3600,
                "idle_h": (3600 - 2000 - 600) / 3600,
                "overtime_h": 0.0,
            },
            ("g1", 1): {
                "occupancy": 900 / (1800 - 300),
                "agents": 1.0,
                "agents_on_break": 300 / 1800,
                "agents_scheduled": 1.0,
                "staffed_h": 0.5,
                "busy_h": 900 / 3600,
                "break_h": 300 / 3600,
                "idle_h": (1800 - 900 - 300) / 3600,
                "overtime_h": 0.0,
            },
            (ALL, 0): {
                "occupancy": 3500 / (5400 - 600),
                "agents": 3.0,
                "agents_on_break": 600 / 1800,
                "agents_scheduled": 3.0,
                "staffed_h": 1.5,
                "busy_h": 3500 / 3600,
                "break_h": 600 / 3600,
                "idle_h": (5400 - 3500 - 600) / 3600,
                "overtime_h": 0.0,
            },
        }
        for (group, interval), values in expected.items():
            cell = row(frame, interval=interval, group=group, call_type=ALL)
            actual = {name: cell[name] for name in values}
            assert values == pytest.approx(actual, rel=1e-12), (group, interval)

    def test_agent_kpis_only_on_all_call_type_rows(self) -> None:
        """Agent KPIs belong to the group: NaN on its call-type rows."""
        plan = two_group_plan()
        frame = group_kpis(group_tallies(plan), plan, "interval")
        types = frame[frame["call_type"] != ALL]
        assert types[list(AGENT_KPIS)].isna().all().all()
        totals = frame[frame["call_type"] == ALL]
        assert totals[["occupancy", "agents", "staffed_h"]].notna().all().all()

    def test_total_includes_the_drain_and_sums_intervals(self) -> None:
        """Whole-run group KPIs add both intervals and the after-close slot."""
        plan = two_group_plan()
        frame = group_kpis(group_tallies(plan), plan, "total")
        g1 = row(frame, group="g1", call_type=ALL)
        expected = {
            "handled": 9,
            "occupancy": (1500 + 900 + 200) / (1800 + 1800 + 200 - 300),
            "staffed_h": 3800 / 3600,
            "busy_h": 2600 / 3600,
            "break_h": 300 / 3600,
            "idle_h": (3800 - 2600 - 300) / 3600,
            "overtime_h": 200 / 3600,
        }
        actual = {name: g1[name] for name in expected}
        assert expected == pytest.approx(actual, rel=1e-12)
        assert all(math.isnan(g1[name]) for name in ("agents", "agents_on_break"))
        g0_service = row(frame, group="g0", call_type="service")
        expected_g0 = (2, 250.0)
        assert expected_g0 == (g0_service["handled"], g0_service["aht_s"])

    @pytest.mark.parametrize("period", ["interval", "day", "total"])
    def test_all_groups_agent_kpis_equal_the_centre(self, period: str) -> None:
        """The "all" group's agent KPIs are the centre's, as replication_kpis reports them."""
        plan = two_group_plan()
        tallies = group_tallies(plan)
        groups = group_kpis(tallies, plan, period)
        centre = replication_kpis(tallies, plan, period)
        everyone = groups[(groups["group"] == ALL) & (groups["call_type"] == ALL)]
        centre_all = centre[centre["call_type"] == ALL]
        pd.testing.assert_frame_equal(
            centre_all[list(AGENT_KPIS)].reset_index(drop=True),
            everyone[list(AGENT_KPIS)].reset_index(drop=True),
        )

    def test_group_handled_of_all_groups_equals_answered(self) -> None:
        """When group calls and call counts agree, the "all" group handled equals answered."""
        plan = two_group_plan()
        tallies = group_tallies(plan)
        tallies.count("answered")[...] = tallies.group_call("handled").sum(axis=3)
        groups = group_kpis(tallies, plan, "day")
        centre = replication_kpis(tallies, plan, "day")
        expected = centre["answered"].tolist()
        assert expected == groups.loc[groups["group"] == ALL, "handled"].tolist()

    def test_steady_state_leaves_out_the_warm_up(self) -> None:
        """Calls arriving in the warm-up count nowhere; interval rows start after it."""
        plan = steady_plan()
        tallies = Tallies.zeros(plan, 1)
        for interval, handled in enumerate((100, 10, 20)):
            fill_group(tallies, (0, 0, interval, 0, 0), handled, 60.0 * handled)
        totals = group_kpis(tallies, plan, "total")
        expected = 30
        assert expected == row(totals, group=ALL, call_type=ALL)["handled"]
        intervals = group_kpis(tallies, plan, "interval")
        centre = intervals[(intervals["group"] == ALL) & (intervals["call_type"] == ALL)]
        expected_rows = ([1, 2], [10, 20])
        assert expected_rows == (centre["interval"].tolist(), centre["handled"].tolist())

"""Tables, JSON, plots and report files made from summaries of hand-built tallies."""

from __future__ import annotations

import json
import math
import os
import stat
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import make_scenario
from matplotlib.figure import Figure

from sim.engines.base import Tallies
from sim.report import (
    RUN_FILES,
    console_table,
    interval_table,
    kpis_json,
    outputs,
    summary_table,
    write_run_report,
)
from sim.report.plots import asa_by_interval, offered_vs_agents, service_level_by_interval
from sim.report.tables import INTERVAL_KPIS, JSON_KPIS, group_table
from sim.results.kpis import AGENT_KPIS, ALL, GROUP_CALL_KPIS, replication_kpis
from sim.results.summary import (
    POOLED_KPIS,
    STAT_COLUMNS,
    RunTotals,
    Summary,
    run_totals,
    summarize,
)
from sim.scenario import Plan, build_plan
from sim.scenario.plan import inbound_group_tables

TWO_TYPES = {
    "sales": {"volume": {"per_hour": 60}, "handle_time": {"dist": "exponential", "mean_s": 180}},
    "service": {"volume": {"per_hour": 40}, "handle_time": {"dist": "exponential", "mean_s": 240}},
}
CALL_TYPE_JSON_KPIS = [kpi for kpi in JSON_KPIS if kpi not in ("occupancy", "occupancy_open")]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def calendar_plan(*, days: int = 1, call_types: dict | None = None) -> Plan:
    """08:00-09:00 in two 30-minute intervals, two call types by default."""
    scenario = make_scenario(
        calendar={"days": days, "open": "08:00", "close": "09:00", "interval_minutes": 30},
        call_types=TWO_TYPES if call_types is None else call_types,
        groups={"agents": {"headcount": 2}},
    )
    return build_plan(scenario)


def two_group_plan() -> Plan:
    """:func:`calendar_plan` with two groups: g0 (2 agents scheduled) and g1 (1)."""
    plan = calendar_plan()
    return replace(
        plan,
        groups=("g0", "g1"),
        **inbound_group_tables(2),
        group_role=("agent", "agent"),
        skill_tier=np.zeros((2, 2), dtype=np.int64),
        tier_factor=np.ones((2, 2)),
        tier_fcr=np.ones((2, 2)),
        absenteeism=np.zeros(2),
        scheduled_agents=np.tile(np.array([2, 1]), (1, 2, 1)),
    )


def steady_plan() -> Plan:
    """Steady state: three 1-hour intervals, the first a warm-up."""
    scenario = make_scenario(
        calendar=None, steady_state={"horizon_h": 3, "warmup_h": 1, "interval_minutes": 60}
    )
    return build_plan(scenario)


def filled_tallies(plan: Plan, reps: int = 3, *, empty_types: tuple[int, ...] = ()) -> Tallies:
    """Deterministic tallies that differ by replication, interval and call type.

    Call types in ``empty_types`` get no calls at all.
    """
    tallies = Tallies.zeros(plan, reps)
    rep, day, interval, call_type = np.indices(tallies.call_counts.shape[:4])
    offered = 10 + 3 * rep + 2 * interval + call_type + day
    offered[..., list(empty_types)] = 0
    answered = np.maximum(offered - 1 - rep % 2, 0)
    abandoned = offered - answered
    tallies.count("offered")[...] = offered
    tallies.count("answered")[...] = answered
    tallies.count("abandoned")[...] = abandoned
    tallies.count("answered_within_t")[...] = np.maximum(answered - rep - interval, 0)
    tallies.count("abandoned_within_t")[...] = abandoned
    tallies.count("waited")[...] = np.maximum(offered - 2 - rep, 0)
    tallies.call_sum("wait_answered_s")[...] = 12.0 * answered * (1 + rep)
    tallies.call_sum("wait_all_s")[...] = 12.0 * answered * (1 + rep) + 30.0 * abandoned
    tallies.call_sum("handle_s")[...] = 200.0 * answered
    tallies.agent_sum("staffed_s")[...] = 3600.0
    tallies.agent_sum("busy_s")[...] = (1800.0 + 300.0 * np.arange(reps))[:, None, None, None]
    tallies.agent_sum("break_s")[...] = 300.0 + 100.0 * np.arange(plan.n_groups)
    # Group g answers a share (g + 1) / sum of each cell's answered calls, 200 s each.
    weights = np.arange(1, plan.n_groups + 1) / np.arange(1, plan.n_groups + 1).sum()
    handled = answered[:, :, :, None, :] * weights[None, None, None, :, None]
    tallies.group_call("handled")[...] = handled
    tallies.group_call("handle_s")[...] = 200.0 * handled
    return tallies


@pytest.fixture(scope="module")
def plan() -> Plan:
    """A one-day plan with two call types."""
    return calendar_plan()


@pytest.fixture(scope="module")
def summary(plan: Plan) -> Summary:
    """Summary of three hand-built replications of ``plan``."""
    return summarize(filled_tallies(plan), plan)


@pytest.fixture(scope="module")
def totals(plan: Plan) -> RunTotals:
    """Whole-run totals of the replications of :func:`summary`."""
    return run_totals(filled_tallies(plan), plan)


@pytest.fixture(scope="module")
def groups_plan() -> Plan:
    """A one-day plan with two call types and two groups."""
    return two_group_plan()


@pytest.fixture(scope="module")
def groups_summary(groups_plan: Plan) -> Summary:
    """Summary of three hand-built replications of the two-group plan."""
    return summarize(filled_tallies(groups_plan), groups_plan)


def mean_of(frame: pd.DataFrame, kpi: str, call_type: str, **keys: int) -> float:
    """Mean of one KPI row of a summary frame."""
    mask = (frame["kpi"] == kpi) & (frame["call_type"] == call_type)
    for column, value in keys.items():
        mask &= frame[column] == value
    return float(frame.loc[mask, "mean"].item())


class TestIntervalTable:
    def test_columns(self, summary: Summary, plan: Plan) -> None:
        """Keys, the clock label, then mean and CI of each interval KPI, and pooled ratios."""
        table = interval_table(summary, plan)
        stats = [
            f"{kpi}_{stat}"
            for kpi in INTERVAL_KPIS
            for stat in ("mean", "ci_low", "ci_high", *(("pooled",) if kpi in POOLED_KPIS else ()))
        ]
        expected = ["day", "interval", "start", "call_type", *stats]
        assert expected == list(table.columns)

    def test_one_row_per_interval_and_call_type(self, summary: Summary, plan: Plan) -> None:
        """Rows run over intervals, each with the call types then "all"."""
        table = interval_table(summary, plan)
        expected = [
            (0, 0, "sales"),
            (0, 0, "service"),
            (0, 0, ALL),
            (0, 1, "sales"),
            (0, 1, "service"),
            (0, 1, ALL),
        ]
        actual = list(zip(table["day"], table["interval"], table["call_type"], strict=True))
        assert expected == actual

    def test_clock_labels_of_one_day(self, summary: Summary, plan: Plan) -> None:
        """A one-day scenario labels intervals by their start clock time."""
        expected = ["08:00"] * 3 + ["08:30"] * 3
        assert expected == interval_table(summary, plan)["start"].tolist()

    def test_clock_labels_of_several_days(self) -> None:
        """Multi-day scenarios prefix the day to the clock time."""
        plan = calendar_plan(days=2)
        table = interval_table(summarize(filled_tallies(plan), plan), plan)
        expected = ["d0 08:00", "d0 08:30", "d1 08:00", "d1 08:30"]
        assert expected == table.loc[table["call_type"] == ALL, "start"].tolist()

    def test_steady_state_labels_are_hours_after_the_warm_up(self) -> None:
        """Steady-state rows start after the warm-up and are labelled in hours since the start."""
        plan = steady_plan()
        table = interval_table(summarize(filled_tallies(plan), plan), plan)
        expected = ([1, 2], ["1h", "2h"])
        centre = table[table["call_type"] == ALL]
        actual = (centre["interval"].tolist(), centre["start"].tolist())
        assert expected == actual

    def test_interval_label_directly(self) -> None:
        """interval_label gives the clock time of an interval start."""
        plan = calendar_plan(days=3)
        expected = ("08:30", "d2 08:30")
        actual = (calendar_plan().interval_label(0, 1), plan.interval_label(2, 1))
        assert expected == actual

    def test_values_match_the_summary(self, summary: Summary, plan: Plan) -> None:
        """Each cell is the summary's statistic of that interval, call type and KPI."""
        table = interval_table(summary, plan).set_index(["day", "interval", "call_type"])
        expected = mean_of(summary.intervals, "asa_s", "service", day=0, interval=1)
        assert expected == table.loc[(0, 1, "service"), "asa_s_mean"]
        expected_occupancy = mean_of(summary.intervals, "occupancy", ALL, day=0, interval=0)
        assert expected_occupancy == table.loc[(0, 0, ALL), "occupancy_mean"]

    def test_pooled_ratio_beside_the_mean_of_ratios(self, summary: Summary, plan: Plan) -> None:
        """``service_level_pooled`` divides sums over replications; ``_mean`` averages ratios.

        Sales, interval 1 of the hand-built tallies: offered 12, 15, 18 and answered within T
        11 - 1 = 10, 13 - 2 = 11, 17 - 3 = 14 in the three replications.
        """
        table = interval_table(summary, plan).set_index(["day", "interval", "call_type"])
        cell = table.loc[(0, 1, "sales")]
        expected = ((10 / 12 + 11 / 15 + 14 / 18) / 3, (10 + 11 + 14) / (12 + 15 + 18))
        actual = (cell["service_level_mean"], cell["service_level_pooled"])
        assert expected == pytest.approx(actual, rel=1e-12)
        assert expected[0] != pytest.approx(expected[1], rel=1e-3)

    def test_agent_columns_empty_on_call_type_rows(self, summary: Summary, plan: Plan) -> None:
        """Occupancy and agent counts are centre KPIs: NaN on call-type rows."""
        table = interval_table(summary, plan)
        agents = ["occupancy_mean", "agents_mean", "agents_scheduled_mean", "agents_on_break_mean"]
        types = table[table["call_type"] != ALL]
        assert types[agents].isna().all().all()
        assert table.loc[table["call_type"] == ALL, agents].notna().all().all()

    def test_agents_scheduled_present_and_on_break(self, summary: Summary, plan: Plan) -> None:
        """The interval table shows scheduled agents (the plan), present and on-break agents."""
        table = interval_table(summary, plan)
        centre = table[table["call_type"] == ALL]
        expected = {
            "agents_scheduled_mean": [2.0, 2.0],  # the plan's headcount
            "agents_mean": [3600 / 1800] * 2,
            "agents_on_break_mean": [300 / 1800] * 2,
        }
        actual = {name: centre[name].tolist() for name in expected}
        assert expected == actual


class TestSummaryTable:
    def test_whole_run_then_days(self, summary: Summary, plan: Plan) -> None:
        """The long table holds the whole run, then each day, with every statistic."""
        table = summary_table(summary, plan)
        assert ["period", "call_type", "kpi", *STAT_COLUMNS] == list(table.columns)
        expected = ["total", "day 0"]
        assert expected == list(dict.fromkeys(table["period"]))
        assert len(summary.total) + len(summary.days) == len(table)


class TestKpisJson:
    def test_structure(self, totals: RunTotals, plan: Plan) -> None:
        """Call types then "all"; each with the documented KPIs; occupancy only under "all"."""
        document = kpis_json(totals, plan)
        expected = {
            "sales": CALL_TYPE_JSON_KPIS,
            "service": CALL_TYPE_JSON_KPIS,
            ALL: list(JSON_KPIS),
        }
        actual = {name: list(kpis) for name, kpis in document.items()}
        assert expected == actual
        expected_order = ["sales", "service", ALL]
        assert expected_order == list(document)

    def test_entries_are_mean_and_two_bounds(self, totals: RunTotals, plan: Plan) -> None:
        """Each KPI is {"mean": x, "ci95": [lo, hi]} with lo <= x <= hi."""
        for kpis in kpis_json(totals, plan).values():
            for entry in kpis.values():
                expected = ["mean", "ci95"]
                assert expected == list(entry)
                low, high = entry["ci95"]
                assert low <= entry["mean"] <= high

    def test_values_match_the_summary(
        self, totals: RunTotals, summary: Summary, plan: Plan
    ) -> None:
        """Means and bounds are the whole-run summary's, to the last bit."""
        document = kpis_json(totals, plan)
        total = summary.total.set_index(["call_type", "kpi"])
        for name, kpis in document.items():
            for kpi, entry in kpis.items():
                expected = [
                    total.loc[(name, kpi), "mean"],
                    [total.loc[(name, kpi), "ci_low"], total.loc[(name, kpi), "ci_high"]],
                ]
                assert expected == [entry["mean"], entry["ci95"]], (name, kpi)

    def test_undefined_interval_is_null(self, plan: Plan) -> None:
        """With one replication the CI bounds are null, and the document is strict JSON."""
        document = kpis_json(run_totals(filled_tallies(plan, reps=1), plan), plan)
        entry = document[ALL]["service_level"]
        expected = [None, None]
        assert expected == entry["ci95"]
        assert isinstance(entry["mean"], float)
        json.dumps(document, allow_nan=False)

    def test_infinite_values_are_null(self, totals: RunTotals, plan: Plan) -> None:
        """Infinite statistics become null rather than invalid JSON."""
        calls = totals.calls
        cell = (calls.names.index(ALL), calls.kpis.index("asa_s"))
        mean, high = calls.mean.copy(), calls.ci_high.copy()
        mean[cell] = high[cell] = math.inf
        infinite = replace(totals, calls=replace(calls, mean=mean, ci_high=high))
        document = kpis_json(infinite, plan)
        expected = None
        assert expected == document[ALL]["asa_s"]["mean"]
        assert document[ALL]["asa_s"]["ci95"][1] is None
        json.dumps(document, allow_nan=False)

    def test_kpi_undefined_in_every_replication_is_null(self) -> None:
        """A call type without calls keeps every documented key, with null ratios."""
        plan = calendar_plan()
        document = kpis_json(run_totals(filled_tallies(plan, empty_types=(1,)), plan), plan)
        expected_kpis = CALL_TYPE_JSON_KPIS
        assert expected_kpis == list(document["service"])
        expected = {"mean": None, "ci95": [None, None]}
        assert expected == document["service"]["service_level"]
        assert expected == document["service"]["asa_s"]
        expected_offered = 0.0
        assert expected_offered == document["service"]["offered"]["mean"]
        json.dumps(document, allow_nan=False)


class TestConsoleTable:
    def test_one_line_per_call_type_and_all(self, summary: Summary, plan: Plan) -> None:
        """A header, then a row for each call type and one for "all"."""
        lines = console_table(summary, plan).splitlines()
        expected = ["call", "sales", "service", ALL]
        assert expected == [line.split()[0] for line in lines]

    def test_rows_show_the_means(self, summary: Summary, plan: Plan) -> None:
        """Rows show offered calls and service level of the whole run."""
        lines = console_table(summary, plan).splitlines()
        offered = mean_of(summary.total, "offered", ALL)
        sl = mean_of(summary.total, "service_level", ALL)
        assert f"{offered:.1f}" in lines[3]
        assert f"{100 * sl:.1f}%" in lines[3]

    def test_occupancy_only_on_the_all_row(self, summary: Summary, plan: Plan) -> None:
        """The occupancy column is filled for "all" only."""
        lines = console_table(summary, plan).splitlines()
        occupancy = f"{100 * mean_of(summary.total, 'occupancy', ALL):.1f}%"
        assert occupancy in lines[3]
        assert all(occupancy not in line for line in lines[1:3])

    def test_several_days_show_the_day_and_the_run_share(self) -> None:
        """Two days: P(day SL>=target) over (replication, day) pairs, and the run's share."""
        plan = calendar_plan(days=2)
        tallies = filled_tallies(plan, reps=4)
        summary = summarize(tallies, plan)
        lines = console_table(summary, plan).splitlines()
        assert lines[0].endswith("P(day SL>=target)  P(run SL>=target)")
        days = replication_kpis(tallies, plan, "day")
        level = days[days["call_type"] == ALL]["service_level"]
        runs = summary.total.set_index(["call_type", "kpi"]).loc[(ALL, "service_level"), "p_meet"]
        expected = [f"{(level >= plan.sl_target).mean():.2f}", f"{runs:.2f}"]
        assert expected == lines[3].split()[-2:]

    def test_one_day_shows_one_share(self, summary: Summary, plan: Plan) -> None:
        """A one-day run's day is its run: one column."""
        header = console_table(summary, plan).splitlines()[0]
        assert header.endswith("occupancy  occ. open hours  P(SL>=target)")

    def test_waits_queue_and_open_hours_occupancy(self, summary: Summary, plan: Plan) -> None:
        """P(wait) and the mean queue length on every row; occupancy in open hours on "all"."""
        lines = console_table(summary, plan).splitlines()
        assert "P(wait)  queue" in lines[0]
        for line, name in zip(lines[1:], ["sales", "service", ALL], strict=True):
            p_wait = f"{100 * mean_of(summary.total, 'p_wait', name):.1f}%"
            queue = f"{mean_of(summary.total, 'queue_length', name):.2f}"
            assert [p_wait, queue] == line.split()[9:11], name
        assert f"{100 * mean_of(summary.total, 'occupancy_open', ALL):.1f}%" in lines[3]


class TestGroupTable:
    def test_columns(self, groups_summary: Summary, groups_plan: Plan) -> None:
        """Period, keys, clock label, group, call type, KPI and the statistics."""
        table = group_table(groups_summary, groups_plan)
        keys = ["period", "day", "interval", "start", "group", "call_type", "kpi"]
        expected = [*keys, "mean", "sd", "ci_low", "ci_high", "n_reps", "pooled"]
        assert expected == list(table.columns)

    def test_whole_run_then_days_then_intervals(
        self, groups_summary: Summary, groups_plan: Plan
    ) -> None:
        """Rows hold the whole run, then each day, then each interval, all of the summary's."""
        table = group_table(groups_summary, groups_plan)
        expected = ["total", "day 0", "interval"]
        assert expected == list(dict.fromkeys(table["period"]))
        groups = groups_summary.groups
        expected_rows = len(groups.total) + len(groups.days) + len(groups.intervals)
        assert expected_rows == len(table)
        intervals = table[table["period"] == "interval"]
        assert {"08:00", "08:30"} == set(intervals["start"])
        assert table.loc[table["period"] != "interval", "start"].isna().all()

    def test_every_group_and_all(self, groups_summary: Summary, groups_plan: Plan) -> None:
        """Each group and "all" appear with the group KPIs, agent KPIs on "all" call types."""
        table = group_table(groups_summary, groups_plan)
        total = table[table["period"] == "total"]
        expected_groups = ["g0", "g1", ALL]
        assert expected_groups == list(dict.fromkeys(total["group"]))
        for group in expected_groups:
            mine = total["group"] == group
            assert set(GROUP_CALL_KPIS) == set(
                total.loc[mine & (total["call_type"] == "sales"), "kpi"]
            )
            everything = set(total.loc[mine & (total["call_type"] == ALL), "kpi"])
            interval_only = {"agents", "agents_on_break", "agents_scheduled"}
            assert set(GROUP_CALL_KPIS) | (set(AGENT_KPIS) - interval_only) == everything

    def test_values_match_the_group_summary(
        self, groups_summary: Summary, groups_plan: Plan
    ) -> None:
        """Handled calls and occupancy of a group are the group summary's means."""
        table = group_table(groups_summary, groups_plan)
        total = table[table["period"] == "total"].set_index(["group", "call_type", "kpi"])
        summary_total = groups_summary.groups.total.set_index(["group", "call_type", "kpi"])
        for key in (("g1", "sales", "handled"), ("g0", ALL, "occupancy"), (ALL, ALL, "aht_s")):
            assert summary_total.loc[key, "mean"] == total.loc[key, "mean"], key
        expected_aht = 200.0
        assert expected_aht == pytest.approx(total.loc[("g1", "sales", "aht_s"), "mean"])


class TestConsoleGroups:
    def test_no_group_section_with_one_group(self, summary: Summary, plan: Plan) -> None:
        """A plan with one group prints only the call-type table."""
        expected = 4  # header, two call types, "all"
        assert expected == len(console_table(summary, plan).splitlines())

    def test_group_section_with_several_groups(self) -> None:
        """With several groups a second table shows each group and "all" after a blank line."""
        plan = two_group_plan()
        summary = summarize(filled_tallies(plan), plan)
        lines = console_table(summary, plan).splitlines()
        expected = ["call", "sales", "service", ALL, "", "group", "g0", "g1", ALL]
        assert expected == [line.split()[0] if line else "" for line in lines]
        total = summary.groups.total.set_index(["group", "call_type", "kpi"])
        handled = total.loc[("g1", ALL, "handled"), "mean"]
        staffed = total.loc[("g0", ALL, "staffed_h"), "mean"]
        occupancy = total.loc[(ALL, ALL, "occupancy"), "mean"]
        assert f"{handled:.1f}" in lines[7]
        assert f"{staffed:.1f}" in lines[6]
        assert f"{100 * occupancy:.1f}%" in lines[8]


class TestPlots:
    def test_service_level_lines_and_bands(self, summary: Summary, plan: Plan) -> None:
        """One line and one CI band per call type and "all", plus the target line."""
        figure = service_level_by_interval(summary, plan)
        axes = figure.axes[0]
        expected = (4, 3)
        actual = (len(axes.get_lines()), len(axes.collections))
        assert expected == actual
        labels = [line.get_label() for line in axes.get_lines()]
        expected_labels = ["sales", "service", ALL, "target 80%"]
        assert expected_labels == labels

    def test_service_level_line_is_the_mean_in_percent(self, summary: Summary, plan: Plan) -> None:
        """The "all" line plots the mean service level per interval, in percent."""
        axes = service_level_by_interval(summary, plan).axes[0]
        line = next(line for line in axes.get_lines() if line.get_label() == ALL)
        expected = [
            100 * mean_of(summary.intervals, "service_level", ALL, day=0, interval=j)
            for j in range(2)
        ]
        assert expected == pytest.approx(list(line.get_ydata()), rel=1e-12)

    def test_one_call_type_draws_only_all(self) -> None:
        """With a single call type only the "all" line and band are drawn (and the target)."""
        plan = calendar_plan(call_types={"calls": TWO_TYPES["sales"]})
        figure = service_level_by_interval(summarize(filled_tallies(plan), plan), plan)
        axes = figure.axes[0]
        expected = (2, 1)
        actual = (len(axes.get_lines()), len(axes.collections))
        assert expected == actual

    def test_asa_lines_and_bands(self, summary: Summary, plan: Plan) -> None:
        """ASA has one line and one band per call type and "all"."""
        axes = asa_by_interval(summary, plan).axes[0]
        expected = (3, 3)
        actual = (len(axes.get_lines()), len(axes.collections))
        assert expected == actual

    def test_offered_bars_and_agents_lines(self, summary: Summary, plan: Plan) -> None:
        """Bars of offered calls; agents scheduled, present and on break on a second axis."""
        figure = offered_vs_agents(summary, plan)
        bars_axes, agents_axes = figure.axes
        expected_heights = [
            mean_of(summary.intervals, "offered", ALL, day=0, interval=j) for j in range(2)
        ]
        assert expected_heights == [patch.get_height() for patch in bars_axes.patches]
        lines = {line.get_label(): list(line.get_ydata()) for line in agents_axes.get_lines()}
        kpis = {
            "agents scheduled": "agents_scheduled",
            "agents present": "agents",
            "agents on break": "agents_on_break",
        }
        expected = {
            label: [mean_of(summary.intervals, kpi, ALL, day=0, interval=j) for j in range(2)]
            for label, kpi in kpis.items()
        }
        assert expected == lines
        assert expected["agents scheduled"] != expected["agents on break"]

    def test_x_axis_shows_interval_starts(self, summary: Summary, plan: Plan) -> None:
        """The x tick labels are the intervals' clock labels."""
        axes = asa_by_interval(summary, plan).axes[0]
        expected = ["08:00", "08:30"]
        assert expected == [label.get_text() for label in axes.get_xticklabels()]

    def test_figures_are_not_managed_by_pyplot(self, summary: Summary, plan: Plan) -> None:
        """Each builder returns a plain Figure that pyplot knows nothing about."""
        for build in (service_level_by_interval, asa_by_interval, offered_vs_agents):
            figure = build(summary, plan)
            assert isinstance(figure, Figure)
            assert figure.canvas.manager is None

    def test_call_type_without_calls_still_plots(self) -> None:
        """A call type whose KPIs are undefined everywhere gets an empty line, not an error."""
        plan = calendar_plan()
        summary = summarize(filled_tallies(plan, empty_types=(1,)), plan)
        for build in (service_level_by_interval, asa_by_interval):
            axes = build(summary, plan).axes[0]
            line = next(line for line in axes.get_lines() if line.get_label() == "service")
            assert np.isnan(np.asarray(line.get_ydata(), dtype=float)).all()


class TestWriteRunReport:
    def test_writes_the_seven_files(self, summary: Summary, plan: Plan, tmp_path: Path) -> None:
        """Three CSV tables, the interval table as xlsx and three PNG plots, in RUN_FILES order."""
        expected_names = (
            "intervals.csv",
            "summary.csv",
            "groups.csv",
            "intervals.xlsx",
            "service_level_by_interval.png",
            "asa_by_interval.png",
            "offered_vs_agents.png",
        )
        assert expected_names == RUN_FILES
        written = write_run_report(tmp_path / "out", summary, plan)
        expected = [tmp_path / "out" / name for name in RUN_FILES]
        assert expected == written
        assert sorted(RUN_FILES) == sorted(path.name for path in (tmp_path / "out").iterdir())
        for path in written:
            if path.suffix == ".png":
                expected_signature = PNG_SIGNATURE
                assert expected_signature == path.read_bytes()[:8]

    def test_csv_contents(self, summary: Summary, plan: Plan, tmp_path: Path) -> None:
        """intervals.csv, summary.csv and groups.csv hold the interval, summary and group tables."""
        write_run_report(tmp_path, summary, plan)
        intervals = pd.read_csv(tmp_path / "intervals.csv")
        expected = interval_table(summary, plan)
        assert list(expected.columns) == list(intervals.columns)
        assert len(expected) == len(intervals)
        assert expected["offered_mean"].to_numpy() == pytest.approx(
            intervals["offered_mean"].to_numpy(), rel=1e-5
        )
        totals = pd.read_csv(tmp_path / "summary.csv")
        assert len(summary_table(summary, plan)) == len(totals)
        groups = pd.read_csv(tmp_path / "groups.csv", keep_default_na=False, na_values=[""])
        expected_groups = group_table(summary, plan)
        assert list(expected_groups.columns) == list(groups.columns)
        assert len(expected_groups) == len(groups)
        assert expected_groups["mean"].to_numpy() == pytest.approx(
            groups["mean"].to_numpy(), rel=1e-5, nan_ok=True
        )

    def test_overwrites_earlier_results(self, summary: Summary, plan: Plan, tmp_path: Path) -> None:
        """A second run replaces the files of the first."""
        (tmp_path / "intervals.csv").write_text("old\n")
        write_run_report(tmp_path, summary, plan)
        assert (tmp_path / "intervals.csv").read_text().startswith("day,interval,start,call_type")

    def test_files_readable_as_the_umask_allows(
        self, summary: Summary, plan: Plan, tmp_path: Path
    ) -> None:
        """Report files get ordinary permissions, not the private mode of temporary files."""
        umask = os.umask(0)
        os.umask(umask)
        written = write_run_report(tmp_path, summary, plan)
        expected = [0o666 & ~umask] * len(written)
        assert expected == [stat.S_IMODE(path.stat().st_mode) for path in written]

    def test_failure_leaves_earlier_files_untouched(
        self, summary: Summary, plan: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """If a writer fails midway, earlier files keep their content and no temp file remains."""
        for name in RUN_FILES:
            (tmp_path / name).write_bytes(f"old {name}".encode())

        def broken(*_: object) -> Figure:
            message = "plot failed"
            raise RuntimeError(message)

        monkeypatch.setattr(outputs, "asa_by_interval", broken)
        with pytest.raises(RuntimeError, match="plot failed"):
            write_run_report(tmp_path, summary, plan)
        expected = {name: f"old {name}".encode() for name in RUN_FILES}
        actual = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
        assert expected == actual

    def test_failure_in_a_new_folder_leaves_it_empty(
        self, summary: Summary, plan: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A failed first run writes nothing at all."""

        def broken(*_: object) -> Figure:
            message = "plot failed"
            raise RuntimeError(message)

        monkeypatch.setattr(outputs, "offered_vs_agents", broken)
        with pytest.raises(RuntimeError):
            write_run_report(tmp_path / "new", summary, plan)
        expected: list[Path] = []
        assert expected == list((tmp_path / "new").iterdir())

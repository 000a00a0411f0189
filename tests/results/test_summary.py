"""Summaries across replications from hand-built tallies: mean, sd, 95% CI, n_reps, p_meet."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest
from helpers import make_scenario
from scipy import stats

from sim.engines.base import Tallies
from sim.results.kpis import AGENT_KPIS, ALL, CALL_KPIS
from sim.results.summary import STAT_COLUMNS, Summary, summarize, summarize_period
from sim.scenario import Plan, build_plan


def one_type_plan(*, days: int = 1, target: float = 0.8) -> Plan:
    """One call type, 08:00-09:00 in two 30-minute intervals, SL target ``target``."""
    scenario = make_scenario(
        calendar={"days": days, "open": "08:00", "close": "09:00", "interval_minutes": 30},
        service_level={"threshold_s": 20, "target": target},
    )
    return build_plan(scenario)


def tallies_with(plan: Plan, offered: list[int], within: list[int]) -> Tallies:
    """One replication per list entry: calls in day 0, interval 0, all answered, some within T."""
    tallies = Tallies.zeros(plan, len(offered))
    tallies.count("offered")[:, 0, 0, 0] = offered
    tallies.count("answered")[:, 0, 0, 0] = offered
    tallies.count("answered_within_t")[:, 0, 0, 0] = within
    tallies.call_sum("wait_answered_s")[:, 0, 0, 0] = np.asarray(offered) * 10.0
    return tallies


def stat_row(frame: pd.DataFrame, kpi: str, call_type: str = "calls", **keys: int) -> pd.Series:
    """Return the summary row of one KPI, call type and period cell."""
    mask = (frame["kpi"] == kpi) & (frame["call_type"] == call_type)
    for column, value in keys.items():
        mask &= frame[column] == value
    expected = 1
    assert expected == mask.sum(), f"{mask.sum()} rows for {kpi}, {call_type}, {keys}"
    return frame[mask].iloc[0]


def t_interval(values: list[float]) -> tuple[float, float, float, float]:
    """Mean, sample sd and the 95% Student-t interval of the mean, computed independently."""
    mean = statistics.fmean(values)
    sd = statistics.stdev(values)
    half = float(stats.t.ppf(0.975, len(values) - 1)) * sd / math.sqrt(len(values))
    return mean, sd, mean - half, mean + half


class TestMeanAndConfidenceInterval:
    def test_mean_sd_and_student_t_interval(self) -> None:
        """Mean, sample sd (n - 1) and mean +- t(0.975, n - 1) sd / sqrt(n) over replications."""
        plan = one_type_plan()
        frame = summarize_period(tallies_with(plan, [10, 12, 17], [8, 9, 16]), plan, "total")
        offered = stat_row(frame, "offered")
        expected = t_interval([10, 12, 17])
        actual = (offered["mean"], offered["sd"], offered["ci_low"], offered["ci_high"])
        assert expected == pytest.approx(actual, rel=1e-12)

    def test_ratio_kpi_statistics(self) -> None:
        """Ratio KPIs are summarized from each replication's own ratio."""
        plan = one_type_plan()
        frame = summarize_period(tallies_with(plan, [10, 12, 16], [8, 9, 16]), plan, "total")
        sl = stat_row(frame, "service_level")
        expected = t_interval([8 / 10, 9 / 12, 16 / 16])
        actual = (sl["mean"], sl["sd"], sl["ci_low"], sl["ci_high"])
        assert expected == pytest.approx(actual, rel=1e-12)

    def test_identical_replications_have_zero_width(self) -> None:
        """Equal values give sd 0 and a zero-width interval at the mean."""
        plan = one_type_plan()
        frame = summarize_period(tallies_with(plan, [10, 10], [8, 8]), plan, "total")
        offered = stat_row(frame, "offered")
        expected = (10.0, 0.0, 10.0, 10.0)
        actual = (offered["mean"], offered["sd"], offered["ci_low"], offered["ci_high"])
        assert expected == actual

    def test_one_replication_has_no_sd_or_interval(self) -> None:
        """With one replication the mean is its value; sd and CI are undefined (NaN)."""
        plan = one_type_plan()
        frame = summarize_period(tallies_with(plan, [10], [8]), plan, "total")
        offered = stat_row(frame, "offered")
        expected = (10.0, 1)
        actual = (offered["mean"], offered["n_reps"])
        assert expected == actual
        assert all(math.isnan(offered[name]) for name in ("sd", "ci_low", "ci_high"))

    def test_interval_cells_are_summarized_separately(self) -> None:
        """Each interval has its own statistics across replications."""
        plan = one_type_plan()
        tallies = tallies_with(plan, [10, 12, 17], [8, 9, 16])
        tallies.count("offered")[:, 0, 1, 0] = [1, 2, 3]
        frame = summarize_period(tallies, plan, "interval")
        expected = (13.0, 2.0)
        actual = (
            stat_row(frame, "offered", day=0, interval=0)["mean"],
            stat_row(frame, "offered", day=0, interval=1)["mean"],
        )
        assert expected == actual


class TestDefinedValues:
    def test_n_reps_counts_only_defined_values(self) -> None:
        """A replication where a ratio is undefined is left out of its count and statistics."""
        plan = one_type_plan()
        frame = summarize_period(tallies_with(plan, [10, 20, 0], [8, 14, 0]), plan, "total")
        sl = stat_row(frame, "service_level")
        offered = stat_row(frame, "offered")
        expected = (2, 3)
        actual = (sl["n_reps"], offered["n_reps"])
        assert expected == actual
        expected_stats = t_interval([0.8, 0.7])
        actual_stats = (sl["mean"], sl["sd"], sl["ci_low"], sl["ci_high"])
        assert expected_stats == pytest.approx(actual_stats, rel=1e-12)

    def test_one_defined_value_has_no_interval(self) -> None:
        """A KPI defined in a single replication has a mean but no sd or CI."""
        plan = one_type_plan()
        frame = summarize_period(tallies_with(plan, [10, 0, 0], [8, 0, 0]), plan, "total")
        sl = stat_row(frame, "service_level")
        expected = (0.8, 1)
        actual = (sl["mean"], sl["n_reps"])
        assert expected == pytest.approx(actual)
        assert all(math.isnan(sl[name]) for name in ("sd", "ci_low", "ci_high"))


class TestProbabilityOfMeetingTarget:
    def test_p_meet_is_share_of_replications_at_or_above_target(self) -> None:
        """p_meet counts replications with SL >= target; exactly the target counts as meeting."""
        plan = one_type_plan(target=0.8)
        tallies = tallies_with(plan, [10, 10, 10, 100], [8, 9, 5, 79])
        sl = stat_row(summarize_period(tallies, plan, "total"), "service_level")
        expected = 2 / 4  # 0.8 and 0.9 meet; 0.5 and 0.79 miss
        assert expected == sl["p_meet"]

    def test_p_meet_ignores_replications_without_calls(self) -> None:
        """Replications with an undefined service level neither meet nor miss the target."""
        plan = one_type_plan(target=0.8)
        tallies = tallies_with(plan, [10, 10, 0], [8, 5, 0])
        sl = stat_row(summarize_period(tallies, plan, "total"), "service_level")
        expected = 1 / 2
        assert expected == sl["p_meet"]

    def test_p_meet_only_for_service_level(self) -> None:
        """Every KPI other than the service level has p_meet NaN."""
        plan = one_type_plan()
        frame = summarize_period(tallies_with(plan, [10, 12], [8, 9]), plan, "total")
        others = frame[frame["kpi"] != "service_level"]
        assert others["p_meet"].isna().all()
        assert frame.loc[frame["kpi"] == "service_level", "p_meet"].notna().all()

    def test_p_meet_per_day(self) -> None:
        """Daily rows give the share of replications meeting the target on that day."""
        plan = one_type_plan(days=2, target=0.8)
        tallies = tallies_with(plan, [10, 10], [9, 5])
        tallies.count("offered")[:, 1, 0, 0] = [10, 10]
        tallies.count("answered")[:, 1, 0, 0] = [10, 10]
        tallies.count("answered_within_t")[:, 1, 0, 0] = [9, 9]
        frame = summarize_period(tallies, plan, "day")
        expected = [0.5, 1.0]
        actual = [stat_row(frame, "service_level", day=day)["p_meet"] for day in range(2)]
        assert expected == actual


class TestLayout:
    def test_summarize_returns_the_three_periods(self) -> None:
        """summarize gives interval, day and whole-run frames with their own keys."""
        plan = one_type_plan()
        summary = summarize(tallies_with(plan, [10, 12], [8, 9]), plan)
        assert isinstance(summary, Summary)
        expected = {
            "intervals": ["day", "interval", "call_type", "kpi", *STAT_COLUMNS],
            "days": ["day", "call_type", "kpi", *STAT_COLUMNS],
            "total": ["call_type", "kpi", *STAT_COLUMNS],
        }
        actual = {name: list(getattr(summary, name).columns) for name in expected}
        assert expected == actual

    def test_rows_sorted_by_keys_then_kpi(self) -> None:
        """Rows are sorted by period keys, call type (scenario order, then "all") and KPI name."""
        plan = one_type_plan(days=2)
        summary = summarize(tallies_with(plan, [10, 12], [8, 9]), plan)
        for frame, keys in (
            (summary.intervals, ["day", "interval"]),
            (summary.days, ["day"]),
            (summary.total, []),
        ):
            expected = frame.sort_values([*keys, "call_type", "kpi"], kind="stable").reset_index(
                drop=True
            )
            pd.testing.assert_frame_equal(expected, frame)
            assert frame.index.equals(pd.RangeIndex(len(frame)))
        expected_types = ["calls", ALL]
        assert expected_types == list(dict.fromkeys(summary.total["call_type"]))

    def test_column_types(self) -> None:
        """call_type is categorical, kpi text, n_reps integer and the statistics floats."""
        plan = one_type_plan()
        frame = summarize(tallies_with(plan, [10, 12], [8, 9]), plan).intervals
        assert isinstance(frame["call_type"].dtype, pd.CategoricalDtype)
        expected = ["calls", ALL]
        assert expected == list(frame["call_type"].cat.categories)
        assert pd.api.types.is_string_dtype(frame["kpi"])
        assert pd.api.types.is_integer_dtype(frame["n_reps"])
        assert pd.api.types.is_integer_dtype(frame["day"])
        assert pd.api.types.is_integer_dtype(frame["interval"])
        for name in ("mean", "sd", "ci_low", "ci_high", "p_meet"):
            assert pd.api.types.is_float_dtype(frame[name]), name

    def test_agent_kpis_only_under_all(self) -> None:
        """Call types carry call KPIs; "all" adds agent KPIs (agents on interval rows only)."""
        plan = one_type_plan()
        tallies = tallies_with(plan, [10, 12], [8, 9])
        tallies.agent_sum("staffed_s")[...] = 1800.0
        tallies.agent_sum("busy_s")[...] = 900.0
        summary = summarize(tallies, plan)
        total = summary.total
        assert set(CALL_KPIS) == set(total.loc[total["call_type"] == "calls", "kpi"])
        expected = set(CALL_KPIS) | (set(AGENT_KPIS) - {"agents"})
        assert expected == set(total.loc[total["call_type"] == ALL, "kpi"])
        intervals = summary.intervals
        assert "agents" in set(intervals.loc[intervals["call_type"] == ALL, "kpi"])

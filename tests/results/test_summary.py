"""Summaries across replications from hand-built tallies: mean, sd, 95% CI, n_reps, p_meet."""

from __future__ import annotations

import dataclasses
import math
import statistics

import numpy as np
import pandas as pd
import pytest
from helpers import make_scenario
from scipy import stats

from sim.engines.base import Tallies
from sim.results.kpis import AGENT_KPIS, ALL, CALL_KPIS, COST_KPIS, GROUP_CALL_KPIS
from sim.results.summary import (
    STAT_COLUMNS,
    GroupSummary,
    Summary,
    summarize,
    summarize_groups,
    summarize_period,
)
from sim.scenario import Plan, build_plan
from sim.scenario.plan import inbound_group_tables

INTERVAL_ONLY = {"agents", "agents_on_break", "agents_scheduled"}  # NaN for days and the run


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


class TestPooledRatio:
    def test_pooled_is_the_ratio_of_sums_mean_the_mean_of_ratios(self) -> None:
        """``pooled`` divides the sums over replications; ``mean`` averages their ratios."""
        plan = one_type_plan()
        tallies = tallies_with(plan, [10, 12, 18], [8, 9, 9])
        tallies.count("waited")[:, 0, 0, 0] = [5, 6, 15]
        frame = summarize_period(tallies, plan, "interval")
        expected = {
            "service_level": ((8 / 10 + 9 / 12 + 9 / 18) / 3, 26 / 40),
            "p_wait": ((5 / 10 + 6 / 12 + 15 / 18) / 3, 26 / 40),
            "asa_s": (10.0, 10.0),  # 10 s a call in every replication
        }
        for kpi, values in expected.items():
            cell = stat_row(frame, kpi, day=0, interval=0)
            assert values == pytest.approx((cell["mean"], cell["pooled"]), rel=1e-12), kpi

    def test_pooled_occupancy_weights_replications_by_available_time(self) -> None:
        """Occupancy pooled: busy summed over replications / available time summed."""
        plan = one_type_plan()
        tallies = Tallies.zeros(plan, 2)
        tallies.agent_sum("staffed_s")[:, 0, 0, 0] = [1800.0, 900.0]
        tallies.agent_sum("busy_s")[:, 0, 0, 0] = [900.0, 900.0]
        cell = stat_row(summarize_period(tallies, plan, "interval"), "occupancy", ALL, interval=0)
        expected = ((0.5 + 1.0) / 2, 1800 / 2700)
        assert expected == pytest.approx((cell["mean"], cell["pooled"]), rel=1e-12)

    def test_counts_and_amounts_have_no_pooled_value(self) -> None:
        """Counts, hours and money are not ratios: their ``pooled`` is NaN."""
        plan = one_type_plan()
        frame = summarize_period(tallies_with(plan, [10, 12], [8, 9]), plan, "total")
        for kpi in ("offered", "answered", "queue_length"):
            assert math.isnan(stat_row(frame, kpi)["pooled"]), kpi
        assert math.isnan(stat_row(frame, "staffed_h", ALL)["pooled"])


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
        """Ratio KPIs are summarized from each replication's own ratio; a share's CI stays <= 1."""
        plan = one_type_plan()
        frame = summarize_period(tallies_with(plan, [10, 12, 16], [8, 9, 16]), plan, "total")
        sl = stat_row(frame, "service_level")
        mean, sd, low, high = t_interval([8 / 10, 9 / 12, 16 / 16])
        assert high > 1  # the Student-t band crosses 1 ...
        expected = (mean, sd, low, 1.0)  # ... and is cut to the share's range
        actual = (sl["mean"], sl["sd"], sl["ci_low"], sl["ci_high"])
        assert expected == pytest.approx(actual, rel=1e-12)

    def test_p_meet_has_a_wilson_interval(self) -> None:
        """P(meet) 2 of 3 gets the Wilson interval, inside [0, 1]."""
        plan = one_type_plan()
        frame = summarize_period(tallies_with(plan, [10, 12, 16], [8, 9, 16]), plan, "total")
        sl = stat_row(frame, "service_level")
        p, n, z = 2 / 3, 3, 1.959964
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        expected = (p, centre - half, centre + half)
        assert expected == pytest.approx((sl["p_meet"], sl["p_meet_low"], sl["p_meet_high"]))

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
        mean, sd, low, high = t_interval([0.8, 0.7])
        expected_stats = (mean, sd, low, min(high, 1.0))  # a share's interval is cut at 1
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
        """Call types carry call KPIs; "all" adds agent KPIs (agent counts on intervals only)."""
        plan = one_type_plan()
        tallies = tallies_with(plan, [10, 12], [8, 9])
        tallies.agent_sum("staffed_s")[...] = 1800.0
        tallies.agent_sum("busy_s")[...] = 900.0
        summary = summarize(tallies, plan)
        total = summary.total
        assert set(CALL_KPIS) == set(total.loc[total["call_type"] == "calls", "kpi"])
        expected = set(CALL_KPIS) | (set(AGENT_KPIS) - INTERVAL_ONLY) | set(COST_KPIS)
        assert expected == set(total.loc[total["call_type"] == ALL, "kpi"])
        intervals = summary.intervals
        expected_intervals = set(CALL_KPIS) | set(AGENT_KPIS)
        assert expected_intervals == set(intervals.loc[intervals["call_type"] == ALL, "kpi"])


def two_group_plan() -> Plan:
    """:func:`one_type_plan` with two groups, g0 (2 agents scheduled) and g1 (1)."""
    plan = one_type_plan()
    return dataclasses.replace(
        plan,
        groups=("g0", "g1"),
        **inbound_group_tables(2),
        group_role=("agent", "agent"),
        skill_tier=np.zeros((2, 1), dtype=np.int64),
        tier_factor=np.ones((2, 1)),
        tier_fcr=np.ones((2, 1)),
        absenteeism=np.zeros(2),
        scheduled_agents=np.tile(np.array([2, 1]), (1, 2, 1)),
    )


def group_tallies(plan: Plan, handled: list[list[int]]) -> Tallies:
    """One replication per row of ``handled``: calls each group answered in interval 0 (100 s
    each); each group staffed 1800 s per interval and busy 100 s per call."""
    tallies = Tallies.zeros(plan, len(handled))
    counts = np.array(handled, dtype=float)
    tallies.group_call("handled")[:, 0, 0, :, 0] = counts
    tallies.group_call("handle_s")[:, 0, 0, :, 0] = 100.0 * counts
    tallies.agent_sum("staffed_s")[:, :, : plan.n_intervals] = 1800.0
    tallies.agent_sum("busy_s")[:, 0, 0, :] = 100.0 * counts
    return tallies


class TestGroupSummary:
    def test_summarize_returns_group_frames(self) -> None:
        """summarize adds group summaries for the three periods, keyed by group then call type."""
        plan = two_group_plan()
        summary = summarize(group_tallies(plan, [[3, 1], [5, 2]]), plan)
        assert isinstance(summary.groups, GroupSummary)
        expected = {
            "intervals": ["day", "interval", "group", "call_type", "kpi", *STAT_COLUMNS],
            "days": ["day", "group", "call_type", "kpi", *STAT_COLUMNS],
            "total": ["group", "call_type", "kpi", *STAT_COLUMNS],
        }
        actual = {name: list(getattr(summary.groups, name).columns) for name in expected}
        assert expected == actual
        pd.testing.assert_frame_equal(
            summarize_groups(group_tallies(plan, [[3, 1], [5, 2]]), plan, "total"),
            summary.groups.total,
        )

    def test_handled_statistics_across_replications(self) -> None:
        """Calls each group handled are summarized like any KPI: mean, sd, Student-t interval."""
        plan = two_group_plan()
        frame = summarize_groups(group_tallies(plan, [[3, 1], [5, 2], [10, 0]]), plan, "total")
        rows = frame[(frame["kpi"] == "handled") & (frame["call_type"] == "calls")]
        by_group = rows.set_index("group")
        expected = {"g0": t_interval([3, 5, 10]), "g1": t_interval([1, 2, 0])}
        expected["all"] = t_interval([4, 7, 10])
        for group, (mean, sd, low, high) in expected.items():
            actual = tuple(by_group.loc[group, ["mean", "sd", "ci_low", "ci_high"]])
            values = (mean, sd, max(low, 0.0), high)  # a count's interval is cut at 0
            assert values == pytest.approx(actual, rel=1e-12), group

    def test_aht_defined_only_where_calls_were_handled(self) -> None:
        """A group that handled no call in a replication leaves it out of its AHT statistics."""
        plan = two_group_plan()
        frame = summarize_groups(group_tallies(plan, [[3, 1], [5, 2], [10, 0]]), plan, "total")
        aht = frame[(frame["kpi"] == "aht_s") & (frame["call_type"] == "calls")]
        expected = {"g0": (100.0, 3), "g1": (100.0, 2), "all": (100.0, 3)}
        actual = {
            str(group): (float(mean), int(n))
            for group, mean, n in zip(aht["group"], aht["mean"], aht["n_reps"], strict=True)
        }
        assert expected == actual

    def test_agent_kpis_only_on_all_call_type_rows(self) -> None:
        """Call-type rows carry the group call KPIs; "all" rows add agent KPIs."""
        plan = two_group_plan()
        summary = summarize(group_tallies(plan, [[3, 1], [5, 2]]), plan)
        total = summary.groups.total
        for group in ("g0", "g1", ALL):
            mine = total["group"] == group
            calls = set(total.loc[mine & (total["call_type"] == "calls"), "kpi"])
            assert set(GROUP_CALL_KPIS) == calls
            everything = set(total.loc[mine & (total["call_type"] == ALL), "kpi"])
            assert set(GROUP_CALL_KPIS) | (set(AGENT_KPIS) - INTERVAL_ONLY) == everything
        intervals = summary.groups.intervals
        scheduled = intervals[(intervals["kpi"] == "agents_scheduled") & (intervals["day"] == 0)]
        expected = [2.0, 1.0, 3.0, 2.0, 1.0, 3.0]  # g0, g1, all in each interval
        assert expected == scheduled.sort_values(["interval", "group"])["mean"].tolist()

    def test_p_meet_is_nan_for_group_kpis(self) -> None:
        """Group summaries have no service level, so p_meet is NaN throughout."""
        plan = two_group_plan()
        summary = summarize(group_tallies(plan, [[3, 1], [5, 2]]), plan)
        for frame in (summary.groups.intervals, summary.groups.days, summary.groups.total):
            assert frame["p_meet"].isna().all()


class TestWideReduction:
    """Statistics taken column by column equal those of the long layout, NaNs left out."""

    def test_equals_the_long_reference(self) -> None:
        """Means, sds, counts and P(meet) per cell and KPI, on random values with gaps."""
        from sim.results.summary import _summarize

        rng = np.random.default_rng(5)
        n = 400
        frame = pd.DataFrame(
            {
                "rep": np.repeat(np.arange(100), 4),
                "day": np.tile([0, 0, 1, 1], 100),
                "call_type": pd.Categorical(np.tile(["a", "b", "a", "b"], 100)),
                "service_level": rng.uniform(0.5, 1.0, n),
                "asa_s": rng.exponential(20.0, n),
            }
        )
        frame.loc[rng.random(n) < 0.2, "service_level"] = np.nan
        frame.loc[frame["day"] == 1, "asa_s"] = np.nan  # undefined in every replication
        keys, kpis = ["day", "call_type"], ["service_level", "asa_s"]
        got = _summarize(frame, keys, kpis, 0.8)
        long = frame.melt(id_vars=["rep", *keys], value_vars=kpis, var_name="kpi").dropna()
        cells = long.groupby([*keys, "kpi"], observed=True)["value"]
        expected = cells.agg(mean="mean", sd="std", n_reps="count").reset_index()
        expected = expected.sort_values([*keys, "kpi"], kind="stable").reset_index(drop=True)
        assert 6 == len(got)  # 4 service-level cells, asa_s on day 0 only
        for column in ("mean", "sd", "n_reps"):
            np.testing.assert_allclose(expected[column], got[column], rtol=1e-12)
        level = long[long["kpi"] == "service_level"]
        share = (level["value"] >= 0.8).groupby([level[k] for k in keys], observed=True).mean()
        got_share = got[got["kpi"] == "service_level"].set_index(keys)["p_meet"]
        np.testing.assert_allclose(share.sort_index(), got_share.sort_index(), rtol=1e-12)
        assert got[got["kpi"] == "asa_s"]["p_meet"].isna().all()

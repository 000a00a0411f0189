"""Whole-run totals from arrays (``ccsim run --json``): the same numbers as the pandas summaries."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pandas as pd
import pytest
from helpers import REPO
from scipy.special import stdtrit

from sim.engines.base import Tallies
from sim.results.kpis import ALL
from sim.results.student_t import T_975, TABLE_DOF, t_quantile_975
from sim.results.summary import TotalStats, replication_stats, run_totals, summarize
from sim.scenario import Plan, build_plan, load_scenario

SCENARIOS = (
    "retail_bank_day",  # contract and money
    "bank_week",  # several days
    "blended_centre",  # outbound and controls
    "bot_front",
    "chat_team",
    "email_backoffice",  # email types apart, occupancy by channel
    "multiskill_bank",
    "tender_two_desks",
)
STATS = ("mean", "ci_low", "ci_high", "n_reps")


def random_tallies(plan: Plan, reps: int, seed: int) -> Tallies:
    """Tallies of ``plan`` filled with random counts and sums; some cells empty in some reps.

    Emptied cells make ratios undefined (NaN) in some replications, so that counts differ.
    """
    rng = np.random.default_rng(seed)
    filled = {}
    for field in fields(Tallies):
        zeros = getattr(Tallies.zeros(plan, reps), field.name)
        if np.issubdtype(zeros.dtype, np.integer):
            values = rng.integers(0, 60, size=zeros.shape).astype(zeros.dtype)
        else:
            values = rng.uniform(0.0, 5e4, size=zeros.shape)
        values[rng.random(zeros.shape) < 0.2] = 0
        filled[field.name] = values
    return Tallies(**filled)


def expected_stats(table: pd.DataFrame, key: str, stats: TotalStats) -> dict[str, np.ndarray]:
    """The pandas summary's statistics laid out as ``stats`` (rows: names, columns: KPIs)."""
    cells = pd.MultiIndex.from_product([list(stats.names), list(stats.kpis)])
    indexed = table.assign(**{key: table[key].astype(str)}).set_index([key, "kpi"])
    shape = (len(stats.names), len(stats.kpis))
    wide = indexed.reindex(cells)
    wide["n_reps"] = wide["n_reps"].fillna(0)
    return {name: wide[name].to_numpy(dtype=float).reshape(shape) for name in STATS}


def assert_same_stats(stats: TotalStats, expected: dict[str, np.ndarray]) -> None:
    """Every statistic bit for bit (NaN where the summary has none or NaN)."""
    for name in STATS:
        actual = np.asarray(getattr(stats, name), dtype=float)
        if name != "n_reps":
            actual = np.where(stats.n_reps > 0, actual, np.nan)  # the summary drops such rows
        np.testing.assert_array_equal(actual, expected[name], err_msg=name, strict=True)


class TestRunTotals:
    @pytest.mark.parametrize("name", SCENARIOS)
    @pytest.mark.parametrize("reps", [1, 2, 37])
    def test_equal_to_the_summary(self, name: str, reps: int) -> None:
        """Call types and groups: mean, CI and count equal the pandas summary's, to the bit."""
        plan = build_plan(load_scenario(REPO / "scenarios" / f"{name}.yaml"))
        tallies = random_tallies(plan, reps, seed=reps)
        totals = run_totals(tallies, plan)
        summary = summarize(tallies, plan)
        assert (*plan.voice_call_types, ALL) == totals.calls.names
        assert_same_stats(totals.calls, expected_stats(summary.total, "call_type", totals.calls))
        groups = summary.groups.total
        groups = groups[groups["call_type"] == ALL]
        assert (*plan.groups, ALL) == totals.groups.names
        assert_same_stats(totals.groups, expected_stats(groups, "group", totals.groups))


class TestReplicationStats:
    @pytest.mark.parametrize("reps", [1, 2, 3, 50, 400])
    def test_equal_to_pandas_groupby(self, reps: int) -> None:
        """Mean, sd and count over replications equal pandas' grouped ones, NaN left out."""
        rng = np.random.default_rng(reps)
        scale = 10.0 ** rng.integers(-6, 7, size=(4, 6))  # magnitudes that round differently
        values = rng.lognormal(0.0, 1.0, size=(reps, 4, 6)) * scale
        values[:, 0, 0] = 7.25  # constant: sd exactly 0
        values[rng.random(values.shape) < 0.3] = np.nan
        values[:, 1, 1] = np.nan  # never defined
        mean, sd, n_reps = replication_stats(values)
        frame = pd.DataFrame(
            {"cell": np.tile(np.arange(24), reps), "value": values.reshape(reps * 24)}
        )
        grouped = frame.groupby("cell", sort=True)["value"]
        np.testing.assert_array_equal(mean.ravel(), grouped.mean().to_numpy())
        np.testing.assert_array_equal(sd.ravel(), grouped.std().to_numpy())
        np.testing.assert_array_equal(n_reps.ravel(), grouped.count().to_numpy())


class TestStudentT:
    def test_table_is_scipy(self) -> None:
        """Every tabulated quantile is SciPy's, bit for bit."""
        dof = np.arange(1, TABLE_DOF + 1)
        np.testing.assert_array_equal(np.array(T_975), stdtrit(dof.astype(float), 0.975))

    @pytest.mark.parametrize(
        "dof", [[1], [2, 9, 30, 199], list(range(1, TABLE_DOF + 1)), [999, 1000, 1001], [5000]]
    )
    def test_quantiles_are_scipy(self, dof: list[int]) -> None:
        """In the table and beyond it (SciPy itself), the same numbers as SciPy."""
        expected = stdtrit(np.array(dof, dtype=float), 0.975)
        np.testing.assert_array_equal(t_quantile_975(np.array(dof)), expected)

"""Experiments report the email KPIs (whole run, all email types) and the occupancy by channel.

A point's email KPIs are those ``ccsim run`` reports for its scenario (the ``all`` row of the
whole run in ``email.csv``), the backlogs at opening and closing as their mean over the run's
days; the occupancy by channel that of the centre in ``summary.csv``. A point without email
has them undefined.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from helpers import SCENARIOS, write_experiment

from sim.engines.base import Tallies
from sim.experiments import (
    Experiment,
    ExperimentTables,
    ResultStore,
    experiment_tables,
    load_experiment,
    run_experiment,
    run_settings,
)
from sim.experiments.compare import centre_totals
from sim.results import CHANNEL_KPIS, summarize_period
from sim.results.email import RUN_EMAIL_KPIS, summarize_email
from sim.scenario import Plan

PROMOTION_DAY = SCENARIOS / "promotion_day.yaml"
KPIS = (
    "service_level",
    "email_within_target_share",
    "email_carried",
    "email_backlog_open",
    "email_backlog_close",
    "email_age_answered_mean_s",
    "occupancy_voice",
    "occupancy_chat",
    "occupancy_email",
)
SWEEP = f"""\
name: email-team-sweep
seed: 5
engine: fast
replications: 4
baseline: email=10
kpis: [{", ".join(KPIS)}]
factors:
  email:
    path: groups.email_team.headcount
    levels: [10, 4]
"""


@dataclass(frozen=True)
class Swept:
    """The sweep, its tables and each point's stored tallies."""

    experiment: Experiment
    tables: ExperimentTables
    tallies: dict[str, Tallies]

    def plan(self, point: str) -> Plan:
        """Return the plan of a point."""
        return self.experiment.point(point).plan


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Swept:
    """Four replications of the promotion day with its 10 email agents, and with 4."""
    folder = tmp_path_factory.mktemp("email-sweep")
    scenario = PROMOTION_DAY.read_text(encoding="utf-8")
    experiment = load_experiment(write_experiment(folder / "exp", SWEEP, scenario))
    store = ResultStore(folder / "store")
    run_experiment(experiment, store, run_settings(experiment))
    tallies = {}
    for point in experiment.points:
        found = store.read(point.fingerprint)
        assert found is not None
        tallies[point.name] = found
    return Swept(experiment, experiment_tables(experiment, store), tallies)


def test_email_kpis_are_those_of_the_run(
    swept: Swept,
) -> None:
    """Each point's email KPIs are the run's ``all`` email KPIs; backlogs the mean of the days."""
    tables, tallies = swept.tables, swept.tallies
    table = tables.table.set_index(["point", "kpi"])
    for point in tables.points:
        plan = swept.plan(point)
        email = summarize_email(tallies[point], plan)
        run = email[(email["day"] == "total") & (email["call_type"] == "all")].set_index("kpi")
        for kpi in ("within_target_share", "carried", "age_answered_mean_s"):
            row = table.loc[(point, f"email_{kpi}")]
            assert row["mean"] == pytest.approx(run.loc[kpi, "mean"], rel=1e-12)
            assert row["ci_low"] == pytest.approx(run.loc[kpi, "ci_low"], rel=1e-12)
            assert row["n_reps"] == 4
        for kpi in ("backlog_open", "backlog_close"):
            backlog = tallies[point].backlog_at(kpi)[..., plan.is_email].sum(axis=-1)
            expected = backlog.mean(axis=1).mean()  # each replication's mean over days, then reps
            assert table.loc[(point, f"email_{kpi}"), "mean"] == pytest.approx(expected)


def test_occupancy_by_channel_is_the_centres(
    swept: Swept,
) -> None:
    """The points' occupancy by channel is the centre's whole-run figure of ``summary.csv``."""
    tables, tallies = swept.tables, swept.tallies
    table = tables.table.set_index(["point", "kpi"])
    for point in tables.points:
        total = summarize_period(tallies[point], swept.plan(point), "total")
        centre = total[total["call_type"] == "all"].set_index("kpi")
        for kpi in CHANNEL_KPIS:
            assert table.loc[(point, kpi), "mean"] == pytest.approx(centre.loc[kpi, "mean"])
            assert 0.0 < table.loc[(point, kpi), "mean"] < 1.0


def test_fewer_email_agents_fall_behind(swept: Swept) -> None:
    """With 4 email agents instead of 10: fewer answered within target, more carried over, a
    larger backlog at closing (paired differences from the baseline with CIs clear of 0); the
    backlog at opening (the night's items, before anyone works) is the same: common random
    numbers."""
    tables = swept.tables
    means = tables.table.set_index(["point", "kpi"])["mean"]
    base, fewer = "email=10", "email=4"
    assert means[(fewer, "email_backlog_open")] == means[(base, "email_backlog_open")] > 0
    differences = tables.differences.set_index(["point", "kpi"])
    assert differences.loc[(fewer, "email_within_target_share"), "ci_high"] < 0.0
    assert differences.loc[(fewer, "email_carried"), "ci_low"] > 0.0
    assert differences.loc[(fewer, "email_backlog_close"), "ci_low"] > 0.0


def test_undefined_without_email(tmp_path: Path) -> None:
    """A voice-only point has the email KPIs and the occupancy by channel undefined (NaN)."""
    body = f"""\
name: voice-only
engine: simpy
replications: 2
kpis: [service_level, {", ".join((*RUN_EMAIL_KPIS, *CHANNEL_KPIS))}]
"""
    experiment = load_experiment(write_experiment(tmp_path / "exp", body))
    store = ResultStore(tmp_path / "store")
    run_experiment(experiment, store, run_settings(experiment))
    tables = experiment_tables(experiment, store)
    table = tables.table.set_index("kpi")
    assert table.loc["service_level", "mean"] > 0.0
    for kpi in (*RUN_EMAIL_KPIS, *CHANNEL_KPIS):
        assert np.isnan(table.loc[kpi, "mean"])
    tallies = store.read(experiment.points[0].fingerprint)
    assert tallies is not None
    per_rep = centre_totals(tallies, experiment.points[0].plan, tuple(RUN_EMAIL_KPIS))
    assert per_rep.shape == (2, len(RUN_EMAIL_KPIS))
    assert per_rep.isna().all().all()

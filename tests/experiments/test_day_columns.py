"""Experiments on dated calendars report each day's service level and P(day meets target)."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml
from helpers import DATED_WEEK, write_experiment

from sim.experiments import (
    ResultStore,
    experiment_tables,
    load_experiment,
    run_experiment,
    run_settings,
)
from sim.results.experiment import ExperimentTables
from sim.results.kpis import ALL, replication_kpis
from sim.results.summary import summarize
from sim.results.targets import wilson_interval
from sim.simulation import simulate

REPS = 12
WEEK_VARIANTS = """name: week-days
seed: 7
engine: simpy
replications: 12
kpis: [service_level, asa_s]
variants:
  - name: six
  - name: seven
    set: {groups.agents.shifts.weekday: 7}
"""
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat")  # Sunday is closed: no column


def tables_of(folder: Path, body: str, scenario: str) -> tuple[object, ExperimentTables]:
    path = write_experiment(folder, body, scenario)
    experiment = load_experiment(path)
    store = ResultStore(folder / "store")
    run_experiment(experiment, store, run_settings(experiment))
    return experiment, experiment_tables(experiment, store)


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, ExperimentTables]:
    folder = tmp_path_factory.mktemp("week")
    return tables_of(folder, WEEK_VARIANTS, yaml.safe_dump(DATED_WEEK))


def test_dated_points_gain_a_column_per_open_day(week: tuple[object, ExperimentTables]) -> None:
    _, tables = week
    days = tuple(f"{kpi} {day}" for day in DAYS for kpi in ("service_level", "p_meet"))
    assert ("service_level", "asa_s", *days) == tables.kpis
    assert len(tables.points) * len(tables.kpis) == len(tables.table)


def test_day_columns_are_the_runs_day_summary(week: tuple[object, ExperimentTables]) -> None:
    """Each point's day columns equal ``ccsim run``'s day summary on the same seed."""
    experiment, tables = week
    for point in experiment.points:  # type: ignore[attr-defined]
        result = simulate(point.scenario, reps=REPS, seed=7, engine="simpy")
        days = summarize(result.tallies, result.plan).days
        level = days[(days["call_type"] == ALL) & (days["kpi"] == "service_level")]
        rows = tables.table[tables.table["point"] == point.name].set_index("kpi")
        for day, label in enumerate(DAYS):
            expected = level[level["day"] == day].iloc[0]
            got = rows.loc[f"service_level {label}"]
            for stat in ("mean", "ci_low", "ci_high", "sd", "n_reps"):
                assert got[stat] == pytest.approx(expected[stat], rel=1e-12)
            share = rows.loc[f"p_meet {label}"]
            assert share["mean"] == pytest.approx(expected["p_meet"])
            wilson = (expected["p_meet_low"], expected["p_meet_high"])
            assert (share["ci_low"], share["ci_high"]) == pytest.approx(wilson)
            assert wilson == pytest.approx(wilson_interval(expected["p_meet"], REPS))


def test_day_differences_are_paired_by_replication(
    week: tuple[object, ExperimentTables],
) -> None:
    """The Monday difference is the mean of the per-replication Monday differences."""
    experiment, tables = week
    monday = {}
    for point in experiment.points:  # type: ignore[attr-defined]
        result = simulate(point.scenario, reps=REPS, seed=7, engine="simpy")
        frame = replication_kpis(result.tallies, result.plan, "day")
        rows = frame[(frame["call_type"] == ALL) & (frame["day"] == 0)].sort_values("rep")
        monday[point.name] = rows["service_level"].to_numpy()
    target = experiment.point("six").plan.sl_target  # type: ignore[attr-defined]
    row = tables.differences.set_index(["point", "kpi"])
    assert row.loc[("seven", "service_level Mon"), "mean"] == pytest.approx(
        np.mean(monday["seven"] - monday["six"])
    )
    meets = {name: (values >= target).astype(float) for name, values in monday.items()}
    assert row.loc[("seven", "p_meet Mon"), "mean"] == pytest.approx(
        np.mean(meets["seven"] - meets["six"])
    )
    assert REPS == row.loc[("seven", "p_meet Mon"), "n_pairs"]


def test_undated_experiments_keep_their_kpis(tmp_path: Path) -> None:
    undated = copy.deepcopy(DATED_WEEK)
    undated["calendar"].pop("start_date")
    undated["calendar"].pop("hours")
    undated["call_types"]["calls"]["volume"].pop("weekday_factors")
    undated["shifts"] = {"weekday": {"start": "08:00", "end": "12:00"}}
    undated["groups"] = {"agents": {"shifts": {"weekday": 6}}}
    _, tables = tables_of(tmp_path, WEEK_VARIANTS, yaml.safe_dump(undated))
    assert ("service_level", "asa_s") == tables.kpis
    assert {"service_level", "asa_s"} == set(tables.table["kpi"])
    assert {"service_level", "asa_s"} == set(tables.differences["kpi"])

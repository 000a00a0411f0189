"""The experiment files shipped in experiments/ run, and their variants mean what they say."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import REPO

from sim.experiments import (
    ResultStore,
    experiment_tables,
    load_experiment,
    run_experiment,
    run_settings,
)

SHIPPED = sorted((REPO / "experiments").glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_runs_and_reports(path: Path, tmp_path: Path) -> None:
    """Three replications of every point, and a table with every point and KPI."""
    experiment = load_experiment(path)
    store = ResultStore(tmp_path)
    states = run_experiment(experiment, store, run_settings(experiment, replications=3))
    assert all(state.done and state.reps == 3 for state in states)
    tables = experiment_tables(experiment, store)
    assert experiment.kpis == tables.kpis[: len(experiment.kpis)]
    assert len(experiment.points) * len(tables.kpis) == len(tables.table)
    assert () == tables.missing


def test_buffer_variants_remove_the_pool_then_the_supervisors() -> None:
    """no buffer: inbound agents only; buffer: no supervisors; the last keeps both."""
    experiment = load_experiment(REPO / "experiments" / "buffer_and_supervisors.yaml")
    groups = {p.name: set(p.scenario.groups) for p in experiment.points}
    assert {
        "no buffer": {"agents"},
        "buffer": {"agents", "buffer"},
        "buffer + supervisors": {"agents", "buffer", "supervisors"},
    } == groups


def test_trigger_sweep_sets_only_the_queue_trigger() -> None:
    """The pool turns to inbound on the queue alone, at each q_on."""
    experiment = load_experiment(REPO / "experiments" / "buffer_pool_triggers.yaml")
    triggers = [p.scenario.groups["buffer"].switch for p in experiment.points]
    assert [4, 8, 12, 16, 24] == [t.to_inbound.queue_at_least for t in triggers]
    assert all(t.to_inbound.or_oldest_wait_s is None for t in triggers)

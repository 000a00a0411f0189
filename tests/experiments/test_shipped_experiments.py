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


def test_week_strategies_pay_the_hours_the_file_states() -> None:
    """Scheduled hours of the week (breaks paid, overtime included) per group, and Monday's:
    the retail team's 1,452.5 h kept, 7.5 h fewer with 4x10, 5 h more with part-timers, 24 h
    more on Monday with overtime or temps; the business desk unchanged."""
    experiment = load_experiment(REPO / "experiments" / "week_strategies.yaml")
    week, monday = {}, {}
    for point in experiment.points:
        plan = point.plan
        hours = plan.scheduled_agents * plan.interval_s / 3600
        week[point.name] = dict(zip(plan.groups, hours.sum(axis=(0, 1)).round(6), strict=True))
        monday[point.name] = float(hours[0].sum().round(6))
    retail = {name: groups["retail_team"] for name, groups in week.items()}
    assert {
        "5x8 staggered": 1452.5,
        "4x10": 1445.0,
        "split shifts": 1452.5,
        "part-timers on peak days": 1457.5,
        "Monday overtime": 1476.5,
        "Monday temps": 1452.5,
    } == retail
    assert {347.5} == {groups["business_desk"] for groups in week.values()}
    assert 24.0 == week["Monday temps"]["temps"]
    base = monday["5x8 staggered"]
    assert 24.0 == pytest.approx(monday["Monday overtime"] - base)
    assert 24.0 == pytest.approx(monday["Monday temps"] - base)

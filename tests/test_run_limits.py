"""Replications, workers and what a run keeps are bounded: refused before anything runs."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest
from helpers import REPO, SCENARIOS, invoke

from sim.engines.base import Tallies
from sim.errors import UsageError
from sim.experiments import load_experiment, run_settings
from sim.scenario import build_plan, load_scenario
from sim.scenario.limits import MAX_KEPT_CALLS, MAX_REPS, MAX_TALLY_BYTES, MAX_WORKERS
from sim.simulation import simulate

WEEK = build_plan(load_scenario(SCENARIOS / "bank_week.yaml"))


def test_bytes_per_rep_is_what_the_tallies_of_one_take() -> None:
    one = Tallies.zeros(WEEK, 1)
    assert Tallies.bytes_per_rep(WEEK) == sum(getattr(one, f.name).nbytes for f in fields(one))


def test_tallies_past_the_memory_limit_are_refused_with_what_fits() -> None:
    fit = MAX_TALLY_BYTES // Tallies.bytes_per_rep(WEEK)
    assert fit < MAX_REPS  # the memory binds first for a week
    with pytest.raises(UsageError, match=f"more than the limit of 2 GiB: at most {fit:,} "):
        simulate(WEEK, reps=fit + 1)


def test_replications_past_their_limit_are_refused_first() -> None:
    with pytest.raises(UsageError, match="at most 1,000,000 replications may run together"):
        simulate(WEEK, reps=MAX_REPS + 1)


def test_records_past_their_limit_are_refused_before_the_simpy_engine_runs() -> None:
    """The SimPy engine always makes records: the calls they hold are bounded too."""
    fit = int(MAX_KEPT_CALLS // WEEK.expected_calls())
    with pytest.raises(UsageError, match=f"records of about .* at most {fit:,} "):
        simulate(WEEK, reps=fit + 1, engine="simpy")
    with pytest.raises(UsageError, match="records of about"):
        simulate(WEEK, reps=fit + 1, keep_records=True)


@pytest.mark.parametrize("workers", [0, MAX_WORKERS + 1])
def test_workers_out_of_range_are_refused(workers: int) -> None:
    with pytest.raises(UsageError, match=f"workers must be 1 to {MAX_WORKERS:,}"):
        simulate(WEEK, reps=1, workers=workers)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--reps", "99999999999999999999"),
        ("--reps", str(MAX_REPS + 1)),
        ("--workers", str(MAX_WORKERS + 1)),
    ],
)
def test_the_command_line_refuses_them_in_one_line(tmp_path: Path, option: str, value: str) -> None:
    out = tmp_path / "out"
    code, _, err = invoke(
        "run", str(SCENARIOS / "retail_bank_day.yaml"), option, value, "--out", str(out)
    )
    assert code == 2
    assert f"Invalid value for '{option}'" in err
    assert not out.exists()


class TestExperiments:
    """Every point's tallies count together, up to the most replications a point may reach."""

    experiment = load_experiment(REPO / "experiments" / "week_strategies.yaml")
    per_rep = sum(Tallies.bytes_per_rep(p.plan) for p in experiment.points)

    def test_a_default_cap_is_lowered_to_what_fits(self) -> None:
        settings = run_settings(self.experiment, precision={"service_level": 0.001})
        assert 10_000 * self.per_rep > MAX_TALLY_BYTES
        assert settings.max_replications == MAX_TALLY_BYTES // self.per_rep

    def test_a_cap_given_past_the_limit_is_refused(self) -> None:
        with pytest.raises(UsageError, match="replications of every point keep"):
            run_settings(
                self.experiment, precision={"service_level": 0.001}, max_replications=10_000
            )

    def test_without_precision_only_the_replications_count(self) -> None:
        assert run_settings(self.experiment).max_replications == 10_000
        with pytest.raises(UsageError, match="replications of every point keep"):
            run_settings(self.experiment, replications=10_000)


def test_compared_scenarios_count_together() -> None:
    """Each of two weeks fits alone; both kept side by side do not."""
    from sim.experiments import compare_scenarios

    week = load_scenario(SCENARIOS / "bank_week.yaml")
    fit = MAX_TALLY_BYTES // (2 * Tallies.bytes_per_rep(WEEK))
    with pytest.raises(
        UsageError, match=f"replications of every scenario keep .* at most {fit:,} "
    ):
        compare_scenarios({"a": week, "b": week}, reps=fit + 1, seed=1)

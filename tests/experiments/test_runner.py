"""Running experiments (`sim.experiments.runner`): batches, resuming, precision, CRN, clusters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import SMALL_CENTRE_YAML, assert_identical_tallies, make_scenario, write_experiment
from scipy import stats

from sim.engines.base import Tallies
from sim.experiments import (
    Experiment,
    Progress,
    ResultStore,
    StaleResultsError,
    load_experiment,
    point_states,
    run_experiment,
    run_settings,
)
from sim.experiments.compare import centre_totals
from sim.experiments.runner import changed_points
from sim.simulation import simulate

SWEEP = """\
name: sweep
seed: 7
engine: {engine}
replications: {reps}
factors:
  agents:
    path: groups.agents.headcount
    levels: [11, 12, 14]
"""


def sweep(folder: Path, *, engine: str = "fast", reps: int = 8) -> Experiment:
    """A three-point headcount sweep of the small centre."""
    return load_experiment(write_experiment(folder, SWEEP.format(engine=engine, reps=reps)))


def stored(experiment: Experiment, store: ResultStore) -> list[Tallies]:
    """Every point's stored tallies, in design order (all must exist)."""
    found = [store.read(point.fingerprint) for point in experiment.points]
    assert all(t is not None for t in found)
    return [t for t in found if t is not None]


def run(experiment: Experiment, store: ResultStore, **options: object) -> list[Progress]:
    """Run with the file's settings; return the progress reports."""
    reports: list[Progress] = []
    settings = run_settings(experiment, **options)  # type: ignore[arg-type]
    run_experiment(experiment, store, settings, progress=reports.append)
    return reports


class TestBatches:
    """Replications can be run in batches with the numbers of one run."""

    @pytest.mark.parametrize("engine", ["simpy", "fast"])
    def test_batches_give_the_tallies_of_one_run(self, engine: str) -> None:
        """Replications 0-1 then 2-5 are bit for bit replications 0-5."""
        scenario = make_scenario()
        whole = simulate(scenario, reps=6, seed=5, engine=engine).tallies
        first = simulate(scenario, reps=2, seed=5, engine=engine).tallies
        rest = simulate(scenario, reps=4, seed=5, engine=engine, first_rep=2)
        assert_identical_tallies(whole, Tallies.concat([first, rest.tallies]))

    @pytest.mark.parametrize("engine", ["simpy", "fast"])
    def test_records_carry_the_replication_number(self, engine: str) -> None:
        """A batch from replication 3 numbers its records 3, 4."""
        result = simulate(
            make_scenario(), reps=2, seed=5, engine=engine, first_rep=3, keep_records=True
        )
        assert result.calls is not None
        assert {3, 4} == set(result.calls.rep.tolist())


class TestRunning:
    """Every point runs once, is stored, and is never run again."""

    def test_points_hold_the_numbers_of_a_plain_run(self, tmp_path: Path) -> None:
        """A point's stored tallies are those of simulating its scenario with the seed."""
        experiment = sweep(tmp_path)
        store = ResultStore(tmp_path / "store")
        run(experiment, store)
        for point, tallies in zip(experiment.points, stored(experiment, store), strict=True):
            expected = simulate(point.scenario, reps=8, seed=7).tallies
            assert_identical_tallies(expected, tallies)

    def test_a_second_run_skips_what_is_done(self, tmp_path: Path) -> None:
        """Nothing is planned or run again; the files are untouched."""
        experiment = sweep(tmp_path)
        store = ResultStore(tmp_path / "store")
        first = run(experiment, store)
        assert (3, 3, 24) == (first[-1].points_done, first[-1].points_total, first[-1].reps_done)
        stamps = [p.stat().st_mtime_ns for p in sorted(store.points_dir.iterdir())]
        again = run(experiment, store)
        assert (3, 0, 0) == (again[-1].points_done, again[-1].reps_planned, again[-1].reps_done)
        assert stamps == [p.stat().st_mtime_ns for p in sorted(store.points_dir.iterdir())]

    def test_more_replications_extend_the_points(self, tmp_path: Path) -> None:
        """4 then 10 replications give the numbers of 10 at once; only 6 more run."""
        experiment = sweep(tmp_path)
        extended, direct = ResultStore(tmp_path / "a"), ResultStore(tmp_path / "b")
        run(experiment, extended, replications=4)
        reports = run(experiment, extended, replications=10)
        assert 18 == reports[-1].reps_done
        run(experiment, direct, replications=10)
        for a, b in zip(stored(experiment, extended), stored(experiment, direct), strict=True):
            assert_identical_tallies(b, a)

    def test_threads_never_change_the_numbers(self, tmp_path: Path) -> None:
        """One thread or two: the same tallies."""
        experiment = sweep(tmp_path)
        one, two = ResultStore(tmp_path / "one"), ResultStore(tmp_path / "two")
        settings = run_settings(experiment)
        run_experiment(experiment, one, settings, workers=1)
        run_experiment(experiment, two, settings, workers=2)
        for a, b in zip(stored(experiment, one), stored(experiment, two), strict=True):
            assert_identical_tallies(a, b)

    def test_manifest_lists_every_point(self, tmp_path: Path) -> None:
        """Name, levels, fingerprint, file and replications of each point."""
        experiment = sweep(tmp_path)
        store = ResultStore(tmp_path / "store")
        run(experiment, store)
        manifest = store.read_manifest()
        assert manifest is not None
        assert "sweep" == manifest["experiment"]
        first = manifest["points"][0]
        assert ("agents=11", {"agents": "11"}, 8, True) == (
            first["name"],
            first["levels"],
            first["reps"],
            first["done"],
        )
        assert (store.folder / first["file"]).exists()


class TestPrecision:
    """Replications are added until the CI half-width reaches the target."""

    def test_reaches_the_target_in_every_point(self, tmp_path: Path) -> None:
        """Each point ends with a half-width at most the target, or at the cap."""
        experiment = sweep(tmp_path, reps=10)
        store = ResultStore(tmp_path / "store")
        settings = run_settings(experiment, precision={"service_level": 0.02}, max_replications=400)
        states = run_experiment(experiment, store, settings)
        for state in states:
            assert state.done
            assert state.half_widths["service_level"] <= 0.02 or state.reps == 400
        assert max(state.reps for state in states) > 10
        assert states == point_states(experiment, store, settings)

    def test_deterministic_in_batches_and_threads(self, tmp_path: Path) -> None:
        """Two runs (1 and 2 threads) take the same replications and get the same numbers."""
        experiment = sweep(tmp_path, reps=10)
        settings = run_settings(experiment, precision={"asa_s": 1.0}, max_replications=300)
        one, two = ResultStore(tmp_path / "one"), ResultStore(tmp_path / "two")
        first = run_experiment(experiment, one, settings, workers=1)
        second = run_experiment(experiment, two, settings, workers=2)
        assert [s.reps for s in first] == [s.reps for s in second]
        for a, b in zip(stored(experiment, one), stored(experiment, two), strict=True):
            assert_identical_tallies(a, b)

    def test_capped_points_say_so(self, tmp_path: Path) -> None:
        """An unreachable target stops at max_replications, marked capped."""
        experiment = sweep(tmp_path, reps=10)
        settings = run_settings(experiment, precision={"service_level": 1e-6}, max_replications=20)
        states = run_experiment(experiment, ResultStore(tmp_path / "s"), settings)
        assert all(state.capped and state.reps == 20 for state in states)


class TestChangedExperiments:
    """Results of a changed point are never mixed with new ones."""

    def test_changed_scenario_is_refused_then_restarted(self, tmp_path: Path) -> None:
        """The base scenario changes: every point is stale until --restart discards them."""
        experiment = sweep(tmp_path)
        store = ResultStore(tmp_path / "store")
        run(experiment, store)
        old = set(store.stored())
        (tmp_path / "centre.yaml").write_text(
            SMALL_CENTRE_YAML.replace("mean_s: 180", "mean_s: 200")
        )
        changed = load_experiment(tmp_path / "experiment.yaml")
        assert ["agents=11", "agents=12", "agents=14"] == changed_points(changed, store)
        with pytest.raises(StaleResultsError, match=r"3 design point\(s\) changed .* --restart"):
            run(changed, store)
        assert old == set(store.stored())
        run_experiment(changed, store, run_settings(changed), restart=True)
        assert not old & set(store.stored())
        assert {p.fingerprint for p in changed.points} == set(store.stored())

    def test_an_added_level_keeps_the_others(self, tmp_path: Path) -> None:
        """A new level is a new point; the unchanged ones are not run again."""
        experiment = sweep(tmp_path)
        store = ResultStore(tmp_path / "store")
        run(experiment, store)
        path = tmp_path / "experiment.yaml"
        path.write_text(path.read_text().replace("[11, 12, 14]", "[11, 12, 14, 16]"))
        reports = run(load_experiment(path), store)
        assert 8 == reports[-1].reps_done

    def test_another_experiment_in_the_store_is_refused(self, tmp_path: Path) -> None:
        """A store holds one experiment."""
        experiment = sweep(tmp_path)
        store = ResultStore(tmp_path / "store")
        run(experiment, store)
        path = tmp_path / "experiment.yaml"
        path.write_text(path.read_text().replace("name: sweep", "name: other"))
        with pytest.raises(StaleResultsError):
            run(load_experiment(path), store)


class TestCommonRandomNumbers:
    """Design points see the same calls, so their differences are measured with little noise."""

    def test_paired_difference_has_much_less_variance(self, tmp_path: Path) -> None:
        """Service level of 12 vs 11 agents: paired on the seed vs independent seeds.

        Var(A - B) = Var(A) + Var(B) - 2 Cov(A, B): with common random numbers the points'
        service levels are strongly correlated, without them the covariance is zero. The
        variance ratio of independent samples of 200 follows F(199, 199); a ratio above 4 is
        beyond its 1 - 1e-15 quantile (about 3.1), so "much smaller" cannot pass by chance.
        """
        reps = 200
        experiment = sweep(tmp_path, reps=reps)
        store = ResultStore(tmp_path / "store")
        run(experiment, store)
        eleven, twelve = experiment.points[0], experiment.points[1]
        tallies = dict(zip((eleven.name, twelve.name), stored(experiment, store)[:2], strict=True))
        sl = {
            p.name: centre_totals(tallies[p.name], p.plan, ("service_level",))["service_level"]
            for p in (eleven, twelve)
        }
        paired = (sl[twelve.name] - sl[eleven.name]).to_numpy()
        independent_run = simulate(twelve.plan, reps=reps, seed=8).tallies  # another seed
        independent = centre_totals(independent_run, twelve.plan, ("service_level",))
        unpaired = independent["service_level"].to_numpy() - sl[eleven.name].to_numpy()
        ratio = np.var(unpaired, ddof=1) / np.var(paired, ddof=1)
        assert stats.f.ppf(1 - 1e-15, reps - 1, reps - 1) < 4.0
        assert ratio > 4.0, f"variance ratio {ratio:.2f}"


@pytest.mark.slow
class TestCluster:
    """A dask LocalCluster gives the numbers of a local run."""

    def test_local_cluster_matches_a_local_run(self, tmp_path: Path) -> None:
        """Two worker processes, chunks of replications, precision batches: identical tallies."""
        experiment = sweep(tmp_path, engine="simpy", reps=6)
        settings = run_settings(experiment, precision={"asa_s": 3.0}, max_replications=24)
        here, there = ResultStore(tmp_path / "here"), ResultStore(tmp_path / "there")
        local = run_experiment(experiment, here, settings)
        cluster = run_experiment(experiment, there, settings, cluster="local", workers=2)
        assert [s.reps for s in local] == [s.reps for s in cluster]
        for a, b in zip(stored(experiment, here), stored(experiment, there), strict=True):
            assert_identical_tallies(a, b)

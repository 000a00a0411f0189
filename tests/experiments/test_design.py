"""Experiment files: design points, overrides, fingerprints, errors (`sim.experiments.design`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import REPO, SMALL_CENTRE_YAML, write_experiment

from sim.errors import ScenarioError
from sim.experiments import load_experiment
from sim.experiments.compare import COMPARED_KPIS

GRID = """\
name: grid
seed: 3
replications: 10
factors:
  agents:
    path: groups.agents.headcount
    levels: [10, 12, 14]
  volume:
    path: busyness.multiplier
    levels: [1.0, 1.2]
"""


class TestPoints:
    """Grids, variants and both."""

    def test_grid_is_the_product_the_first_factor_slowest(self, tmp_path: Path) -> None:
        """Three levels by two: six points named factor=label, in design order."""
        experiment = load_experiment(write_experiment(tmp_path, GRID))
        expected = [f"agents={a}, volume={v}" for a in (10, 12, 14) for v in ("1", "1.2")]
        assert expected == [point.name for point in experiment.points]
        assert {"agents": "12", "volume": "1.2"} == experiment.points[3].levels

    def test_overrides_reach_the_plan(self, tmp_path: Path) -> None:
        """Each point's plan has its headcount and its volume."""
        experiment = load_experiment(write_experiment(tmp_path, GRID))
        first, last = experiment.points[0].plan, experiment.points[-1].plan
        assert (10, 14) == (first.n_agents, last.n_agents)
        assert last.rate_per_s.sum() == pytest.approx(1.2 * first.rate_per_s.sum(), rel=1e-12)

    def test_defaults(self, tmp_path: Path) -> None:
        """Baseline: the first point; KPIs: the comparison set; interval points: all (<= 4)."""
        experiment = load_experiment(write_experiment(tmp_path, "name: one\n"))
        assert ["base"] == [point.name for point in experiment.points]
        assert "base" == experiment.baseline
        assert COMPARED_KPIS == experiment.kpis
        assert ("base",) == experiment.interval_points

    def test_variants_cross_the_grid_and_use_their_own_files(self, tmp_path: Path) -> None:
        """Variants (with a top-level set for all) times factor levels; a variant's own file."""
        other = SMALL_CENTRE_YAML.replace("headcount: 12", "headcount: 30")
        (tmp_path / "other.yaml").write_text(other)
        body = """\
name: mixed
set: {call_types.calls.handle_time.mean_s: 200}
variants:
  - {name: plain}
  - {name: patient, set: {call_types.calls.patience.mean_s: 600}}
  - {name: big, scenario: other.yaml}
factors:
  aht:
    path: call_types.calls.handle_time.acw_s
    levels: [0, 30]
"""
        experiment = load_experiment(write_experiment(tmp_path, body))
        names = [point.name for point in experiment.points]
        assert "patient, aht=30" == names[3]
        assert 6 == len(names)
        patient = experiment.point("patient, aht=30").scenario.call_types["calls"]
        assert (600, 200, 30) == (
            patient.patience.mean_s,
            patient.handle_time.mean_s,
            patient.handle_time.acw_s,
        )
        assert 30 == experiment.point("big, aht=0").plan.n_agents
        assert ("variant", "aht") == experiment.factor_names

    def test_labels_name_non_scalar_levels(self, tmp_path: Path) -> None:
        """A mapping level needs a label; the label names the point."""
        body = """\
name: labelled
factors:
  staffing:
    path: groups.agents
    levels: [{headcount: 10}, {headcount: [10, 12, 14, 10]}]
    labels: [flat, shaped]
"""
        experiment = load_experiment(write_experiment(tmp_path, body))
        assert ["staffing=flat", "staffing=shaped"] == [p.name for p in experiment.points]

    @pytest.mark.parametrize(
        "name",
        [
            "headcount_sweep",
            "shift_strategies",
            "buffer_and_supervisors",
            "buffer_pool_triggers",
        ],
    )
    def test_shipped_experiments_load(self, name: str) -> None:
        """Every experiment file shipped in experiments/ is valid."""
        experiment = load_experiment(REPO / "experiments" / f"{name}.yaml")
        assert len(experiment.points) >= 3


class TestFingerprints:
    """A fingerprint changes exactly when a point's numbers could change."""

    def test_stable_and_distinct(self, tmp_path: Path) -> None:
        """The same file gives the same fingerprints; different points differ."""
        path = write_experiment(tmp_path, GRID)
        first = [p.fingerprint for p in load_experiment(path).points]
        assert first == [p.fingerprint for p in load_experiment(path).points]
        assert len(set(first)) == len(first)

    def test_follow_the_scenario_and_the_seed_not_the_replications(self, tmp_path: Path) -> None:
        """The base scenario and the seed change every point; replications change none."""
        path = write_experiment(tmp_path, GRID)
        before = [p.fingerprint for p in load_experiment(path).points]
        path.write_text(path.read_text().replace("replications: 10", "replications: 50"))
        assert before == [p.fingerprint for p in load_experiment(path).points]
        path.write_text(path.read_text().replace("seed: 3", "seed: 4"))
        seeded = [p.fingerprint for p in load_experiment(path).points]
        assert not set(before) & set(seeded)
        (tmp_path / "centre.yaml").write_text(SMALL_CENTRE_YAML.replace("180", "181"))
        scenario = [p.fingerprint for p in load_experiment(path).points]
        assert not set(seeded) & set(scenario)


class TestErrors:
    """A bad experiment file is one line: file, field path, what is wrong, the bad value."""

    @pytest.mark.parametrize(
        ("body", "line"),
        [
            ("name: x\nkpis: [service_level, sl]\n", "experiment.yaml: kpis[1]: is not a KPI"),
            ("name: x\nprecision: {asa: 2}\n", "experiment.yaml: precision.asa: is not a KPI"),
            ("name: x\nreplications: 1\n", "experiment.yaml: replications: must be >= 2 (got 1)"),
            ("name: x\nengine: turbo\n", "experiment.yaml: engine: must be 'fast' or 'simpy'"),
            ("name: x\nfactor: {}\n", "experiment.yaml: factor: is not a known field"),
            (
                "name: x\nbaseline: nope\n",
                "experiment.yaml: baseline: is not a design point (points: base) (got 'nope')",
            ),
            (
                "name: x\nfactors: {a: {path: groups.agents.headcont, levels: [-1]}}\n",
                "experiment.yaml: point 'a=-1': groups.agents.headcont: is not a known field "
                "(did you mean 'headcount'?)",
            ),
            (
                "name: x\nfactors: {a: {path: groups.agents.headcount, levels: [-1]}}\n",
                "experiment.yaml: point 'a=-1': groups.agents.headcount: must be a whole number "
                ">= 0 (got -1)",
            ),
            (
                "name: x\nfactors: {a: {path: groups.team.headcount, levels: [3]}}\n",
                "experiment.yaml: factors.a.path: the scenario has no field groups.team",
            ),
            (
                "name: x\nfactors: {a: {path: groups.agents, levels: [{headcount: 3}]}}\n",
                "experiment.yaml: factors.a.levels[0]: is not a number or text: give the "
                "factor labels",
            ),
            (
                "name: x\nfactors: {a: {path: busyness.day_cv, levels: [0, 1], labels: [z]}}\n",
                "experiment.yaml: factors.a.labels: must have one label per level (2) (got 1)",
            ),
            (
                "name: x\nvariants: [{name: a}, {name: a}]\n",
                "experiment.yaml: variants[1].name: is used twice (got 'a')",
            ),
            (
                "name: x\nfactors: {a: {path: groups.agents.headcount, levels: [4, 4]}}\n",
                "experiment.yaml: factors.a.levels[1]: repeats an earlier level",
            ),
            (
                "name: x\nfactors: {a: {path: groups.agents, levels: [{headcount: 3}, "
                "{headcount: 3}], labels: [p, q]}}\n",
                "experiment.yaml: factors.a.levels[1]: repeats an earlier level",
            ),
            (
                "name: x\nkpis: [asa_s, service_level, asa_s]\n",
                "experiment.yaml: kpis[2]: is listed twice (got 'asa_s')",
            ),
            (
                "name: x\nfactors: {a: {path: busyness.day_cv, levels: [0]}, "
                "b: {path: busyness.day_cv, levels: [1]}}\n",
                "experiment.yaml: factors.a.path: sets the same field as another factor",
            ),
            ("name: ../../x\n", "experiment.yaml: name: must be a folder name"),
            ("name: /tmp/x\n", "experiment.yaml: name: must be a folder name"),
            ("name: .hidden\n", "experiment.yaml: name: must be a folder name"),
            (
                "name: x\nvariants: [{name: a, set: {groups.agents.skils: {}}}]\n",
                "experiment.yaml: point 'a': groups.agents.skils: is not a known field",
            ),
        ],
    )
    def test_one_line(self, tmp_path: Path, body: str, line: str) -> None:
        """The message starts with the file, the field path and what is wrong."""
        with pytest.raises(ScenarioError) as error:
            load_experiment(write_experiment(tmp_path, body))
        message = error.value.line().replace(str(tmp_path) + "/", "")
        assert line in message

    def test_missing_scenario_file(self, tmp_path: Path) -> None:
        """A scenario file that is not there is named."""
        path = tmp_path / "experiment.yaml"
        path.write_text("name: x\nscenario: nowhere.yaml\n")
        with pytest.raises(ScenarioError, match=r"nowhere.yaml: cannot read the file"):
            load_experiment(path)

    def test_points_must_line_up(self, tmp_path: Path) -> None:
        """Points with different intervals cannot be compared."""
        body = "name: x\nfactors: {m: {path: calendar.interval_minutes, levels: [30, 60]}}\n"
        with pytest.raises(ScenarioError, match="design points must line up in time"):
            load_experiment(write_experiment(tmp_path, body))

"""The buffer-pool experiment script: its variants, and a short run writing tables and plots."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest
import yaml
from helpers import REPO

from sim.report.plots import kpis_by_scenario

SCRIPT = REPO / "experiments" / "buffer_and_supervisors" / "run.py"


@pytest.fixture(scope="module")
def experiment() -> ModuleType:
    spec = importlib.util.spec_from_file_location("buffer_experiment", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_controls_study_removes_the_buffer_then_the_supervisors(experiment: ModuleType) -> None:
    raw = yaml.safe_load(experiment.SCENARIO.read_text())
    variants = experiment.study_controls(raw)
    groups = {name: set(v["groups"]) for name, v in variants.items()}
    assert groups == {
        "no buffer": {"agents"},
        "buffer": {"agents", "buffer"},
        "buffer + supervisors": {"agents", "buffer", "supervisors"},
    }


def test_queue_on_study_sets_only_the_queue_trigger(experiment: ModuleType) -> None:
    raw = yaml.safe_load(experiment.SCENARIO.read_text())
    variants = experiment.study_queue_on(raw)
    triggers = [v["groups"]["buffer"]["switch"]["to_inbound"] for v in variants.values()]
    assert triggers == [{"queue_at_least": q} for q in experiment.QUEUE_ON]


def test_short_run_prints_and_writes(
    experiment: ModuleType,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(experiment, "QUEUE_ON", (4, 16))
    monkeypatch.setattr(sys, "argv", ["run.py", "--reps", "3", "--out", str(tmp_path)])
    experiment.main()
    printed = capsys.readouterr().out
    assert "buffer + supervisors" in printed
    assert "q_on = 16" in printed
    for study in ("controls", "queue_on"):
        table = pd.read_csv(tmp_path / f"{study}.csv")
        assert {"service_level", "outbound_contacts", "reserve_phone_h"} <= set(table["kpi"])
        assert (tmp_path / f"{study}.png").stat().st_size > 0
    controls = pd.read_csv(tmp_path / "controls.csv").set_index(["scenario", "kpi"])
    assert controls.loc[("no buffer", "outbound_contacts"), "mean"] == 0
    assert controls.loc[("buffer", "outbound_contacts"), "mean"] > 0
    assert controls.loc[("buffer", "reserve_phone_h"), "mean"] == 0
    assert controls.loc[("buffer + supervisors", "reserve_phone_h"), "mean"] > 0


@pytest.mark.parametrize(
    ("kpis", "panels"),
    [(["service_level"], 1), (["service_level", "outbound_contacts", "reserve_phone_h"], 3)],
)
def test_kpis_by_scenario_one_panel_per_kpi(kpis: list[str], panels: int) -> None:
    rows = [
        {"scenario": s, "kpi": k, "mean": 1.0, "ci_low": 0.5, "ci_high": 1.5}
        for s in ("a", "b")
        for k in kpis
    ]
    figure = kpis_by_scenario(pd.DataFrame(rows), ("a", "b"))
    assert len(figure.axes) == panels

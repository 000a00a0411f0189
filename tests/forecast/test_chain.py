"""Calibrate -> forecast -> plan requirements -> plan schedule -> run, each output the next input.

The sequence of ``docs/guide-forecast.md``, on the first three weeks of the shared bank log.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from calibration_helpers import BANK_LOG
from helpers import SCENARIOS, invoke

from sim.planning import read_forecast

pytestmark = pytest.mark.skipif(not BANK_LOG.exists(), reason="the shared bank data is not here")


def first_weeks(tmp_path: Path) -> Path:
    """The bank log's records of 1-21 January 1999 (19 dates: 11 and 12 January are missing)."""
    lines = BANK_LOG.read_text(encoding="utf-8").splitlines(keepends=True)
    date_column = lines[0].split("\t").index("date")
    kept = [line for line in lines[1:] if line.split("\t")[date_column] <= "990121"]
    path = tmp_path / "january_1_21.tsv"
    path.write_text(lines[0] + "".join(kept), encoding="utf-8")
    return path


def step(*args: str) -> str:
    """Run a command that must succeed; return its output."""
    code, out, err = invoke(*args)
    assert (code, err) == (0, ""), (args, err)
    return out


@pytest.mark.slow
def test_calibrate_forecast_plan_schedule_run(tmp_path: Path) -> None:
    """Every step reads the file the step before it wrote, and the run simulates the forecast."""
    log = first_weeks(tmp_path)
    calibrated, forecast, scenario = (tmp_path / n for n in ("cal.yaml", "fc.csv", "fc.yaml"))
    step("calibrate", str(log), "--out", str(calibrated))
    out = step(
        "forecast",
        str(log),
        "--start",
        "1999-01-24",
        "--days",
        "1",
        "--out",
        str(forecast),
        "--scenario",
        str(scenario),
        "--base",
        str(calibrated),
    )
    assert "method: " in out
    written = yaml.safe_load(scenario.read_text(encoding="utf-8"))
    day_cv = written["busyness"]["day_cv"]
    assert f"(busyness.day_cv): {day_cv:.3f}" in out
    assert written["calendar"]["start_date"] == "1999-01-24"
    assert written["forecast"] == "fc.csv"
    with forecast.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert all(float(r["volume_lo"]) <= float(r["volume"]) <= float(r["volume_hi"]) for r in rows)
    expected_calls = sum(float(r["volume"]) for r in rows)
    assert read_forecast(forecast).volume.sum() == pytest.approx(expected_calls)

    requirements = tmp_path / "requirements.csv"
    step(
        "plan",
        "requirements",
        str(forecast),
        "--target",
        "0.8",
        "--patience-s",
        "300",
        "--out",
        str(requirements),
    )
    patterns = SCENARIOS / "planning" / "around_the_clock_patterns.yaml"
    plan_dir = tmp_path / "plan"
    step(
        "plan",
        "schedule",
        str(requirements),
        "--patterns",
        str(patterns),
        "--out",
        str(plan_dir),
        "--scenario",
        str(scenario),
    )
    out = step(
        "run",
        str(plan_dir / "scenario.yaml"),
        "--reps",
        "2",
        "--engine",
        "simpy",
        "--out",
        str(tmp_path / "run"),
    )
    offered = float(next(line for line in out.splitlines() if line.startswith("all")).split()[1])
    # Two days of a Poisson count with a day factor of CV day_cv: 4 standard deviations.
    sd = (expected_calls + (day_cv * expected_calls) ** 2) ** 0.5 / 2**0.5
    assert abs(offered - expected_calls) < 4 * sd

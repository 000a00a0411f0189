"""``ccsim forecast``: the CSV plan requirements reads, with intervals, closed days and notes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from forecast_helpers import synthetic_history, write_counts
from helpers import invoke

from sim.planning import read_forecast
from sim.scenario import load_scenario


@pytest.fixture(scope="module")
def forecast(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[dict[str, str]], Path]:
    """Six weeks of synthetic counts forecast for a week from Monday 2024-02-12."""
    folder = tmp_path_factory.mktemp("forecast")
    counts = write_counts(synthetic_history(6), folder / "h.csv")
    out = folder / "f.csv"
    code, stdout, err = invoke(
        "forecast", str(counts), "--start", "2024-02-12", "--days", "7", "--out", str(out)
    )
    assert (code, err) == (0, "")
    with out.open(encoding="utf-8") as handle:
        return stdout, list(csv.DictReader(handle)), out


def test_rows_cover_every_date_and_interval(forecast: tuple) -> None:
    """Seven days x 16 half-hours 08:00-15:30 x one call type; closed weekend days get 0."""
    _, rows, _ = forecast
    assert len(rows) == 7 * 16
    assert rows[0]["interval_start"] == "08:00"
    assert rows[15]["interval_start"] == "15:30"
    weekend = [r for r in rows if r["day"] in {"5", "6"}]
    assert all(float(r["volume"]) == 0 for r in weekend)
    assert all(float(r["volume_lo"]) <= float(r["volume"]) <= float(r["volume_hi"]) for r in rows)
    assert all(float(r["volume_hi"]) > float(r["volume"]) for r in rows if r["day"] == "0")
    assert all(r["aht_s"] == "" for r in rows)  # counts without handle times


def test_plan_requirements_reads_it(forecast: tuple) -> None:
    """The CSV is a forecast plan requirements reads, day by day."""
    _, rows, path = forecast
    read = read_forecast(path, default_aht_s=300)
    assert read.volume.sum() == pytest.approx(sum(float(r["volume"]) for r in rows), abs=0.01)


def test_output_names_the_choice_and_the_busyness(forecast: tuple) -> None:
    """The method chosen at the week-ahead horizon, each date with its interval, day_cv."""
    stdout, _, _ = forecast
    assert "method: " in stdout
    assert "(lowest week-ahead interval WAPE)" in stdout
    assert "2024-02-17 Sat        0  0-0" in stdout
    assert "day-to-day error beyond Poisson (busyness.day_cv): " in stdout


def test_scenario_needs_a_base(tmp_path: Path) -> None:
    """--scenario without --base is refused in one line."""
    counts = write_counts(synthetic_history(3), tmp_path / "h.csv")
    code, _, err = invoke(
        "forecast",
        str(counts),
        "--start",
        "2024-01-22",
        "--days",
        "1",
        "--scenario",
        str(tmp_path / "s.yaml"),
    )
    assert (code, err) == (
        2,
        "error: --scenario and --base go together (the scenario is a copy of the base)\n",
    )


BASE = {
    "name": "base",
    "calendar": {"days": 1, "open": "08:00", "close": "16:00", "interval_minutes": 30},
    "call_types": {
        "calls": {
            "volume": {"per_hour": 100, "day_cv": 0.3},
            "handle_time": {"dist": "exponential", "mean_s": 240},
        }
    },
    "groups": {"agents": {"headcount": 40}},
}


class TestScenario:
    """``--scenario`` copies the base with the forecast, its calendar and its busyness."""

    def run(self, tmp_path: Path, base: dict) -> tuple[int, str, str]:
        counts = write_counts(synthetic_history(4), tmp_path / "h.csv")
        base_path = tmp_path / "base.yaml"
        base_path.write_text(yaml.safe_dump(base), encoding="utf-8")
        return invoke(
            "forecast",
            str(counts),
            "--start",
            "2024-01-29",
            "--days",
            "5",
            "--out",
            str(tmp_path / "fc" / "f.csv"),
            "--scenario",
            str(tmp_path / "s.yaml"),
            "--base",
            str(base_path),
        )

    def test_the_scenario_runs_the_forecast(self, tmp_path: Path) -> None:
        """Five dated days; the forecast's volumes; the call type's own day_cv is gone."""
        code, out, err = self.run(tmp_path, BASE)
        assert (code, err) == (0, "")
        scenario = load_scenario(tmp_path / "s.yaml")
        assert scenario.calendar is not None
        assert (scenario.calendar.days, str(scenario.calendar.start_date)) == (5, "2024-01-29")
        assert f"busyness.day_cv): {scenario.busyness.day_cv:.3f}" in out
        assert scenario.call_types["calls"].volume.day_cv == 0
        assert len(scenario.forecast or []) == 5 * 16
        written = yaml.safe_load((tmp_path / "s.yaml").read_text(encoding="utf-8"))
        assert written["forecast"] == "fc/f.csv"

    def test_base_hours_must_hold_the_calls(self, tmp_path: Path) -> None:
        """A base opening at 09:00 has no room for the history's 08:00 calls."""
        base = {**BASE, "calendar": {**BASE["calendar"], "open": "09:00"}}
        code, _, err = self.run(tmp_path, base)
        assert code == 2
        assert err.endswith(
            "base.yaml: calendar: the history has calls from 08:00 to 16:00, outside the "
            "opening hours 09:00-16:00\n"
        )

    def test_base_interval_must_match(self, tmp_path: Path) -> None:
        """An hourly base cannot take half-hour forecasts."""
        base = {**BASE, "calendar": {**BASE["calendar"], "interval_minutes": 60}}
        code, _, err = self.run(tmp_path, base)
        assert code == 2
        assert err.endswith(
            "base.yaml: calendar.interval_minutes: must equal the forecast's 30 (got 60)\n"
        )


def test_holidays_are_left_out_and_named_when_forecast(tmp_path: Path) -> None:
    """A holiday in the history is excluded with its name; one in the horizon is named."""
    counts = write_counts(synthetic_history(4), tmp_path / "h.csv")
    holidays = tmp_path / "holidays.csv"
    holidays.write_text(
        "date,name\n2024-01-15,Founders' Day\n2024-01-30,Harvest\n", encoding="utf-8"
    )
    code, out, err = invoke(
        "forecast",
        str(counts),
        "--start",
        "2024-01-29",
        "--days",
        "2",
        "--holidays",
        str(holidays),
        "--out",
        str(tmp_path / "f.csv"),
    )
    assert (code, err) == (0, "")
    assert "  excluded 2024-01-15 Mon: holiday Founders' Day" in out.splitlines()
    assert any(
        line.startswith("2024-01-30 Tue") and line.endswith("holiday Harvest")
        for line in out.splitlines()
    )


def test_a_repeated_holiday_is_refused(tmp_path: Path) -> None:
    """The holidays file is checked like every input: file, line, column, value."""
    counts = write_counts(synthetic_history(3), tmp_path / "h.csv")
    holidays = tmp_path / "holidays.csv"
    holidays.write_text("date\n2024-01-15\n2024-01-15\n", encoding="utf-8")
    code, _, err = invoke(
        "forecast",
        str(counts),
        "--start",
        "2024-01-22",
        "--days",
        "1",
        "--holidays",
        str(holidays),
    )
    assert (code, err) == (
        2,
        f"error: {holidays}: line 3, column date: repeats a holiday (got '2024-01-15')\n",
    )


def test_backtest_of_a_short_history_scores_every_date_it_can(tmp_path: Path) -> None:
    """Six weeks (30 weekdays): 25 lie a week after the first; 26 asked for is an error."""
    counts = write_counts(synthetic_history(6), tmp_path / "h.csv")
    code, out, err = invoke("forecast", "backtest", str(counts), "--out", str(tmp_path / "b"))
    assert (code, err) == (0, "")
    assert "backtest: the last 25 dates (all the history allows), 2024-01-08 to " in out
    code, out, err = invoke(
        "forecast", "backtest", str(counts), "--eval-days", "26", "--out", str(tmp_path / "c")
    )
    assert code == 2
    assert "too little history to score 26 dates: 25 dates lie a week or more after" in err
    assert not (tmp_path / "c").exists()

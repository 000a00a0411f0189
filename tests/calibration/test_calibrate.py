"""``calibrate`` and ``ccsim calibrate``: days used, the scenario written, the report, errors."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from calibration_helpers import Simulated
from helpers import invoke

from sim.calibration import (
    LOG_FORMATS,
    calibrate,
    calibration_report,
    headcount,
    read_bank_log,
    read_call_log,
    scenario_document,
    write_call_log,
)
from sim.cli import cli
from sim.errors import UsageError
from sim.scenario import load_scenario, scenario_from_dict
from sim.simulation import simulate


@pytest.fixture(scope="module")
def log_file(simulated: Simulated, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The simulated month written as a call-log CSV."""
    path = tmp_path_factory.mktemp("log") / "month.csv"
    write_call_log(simulated.log, path)
    return path


class TestCalibrate:
    """Choices and refusals of :func:`calibrate`."""

    def test_weekdays_given(self, simulated: Simulated) -> None:
        """Only the dates of the weekdays named are used (any case)."""
        calibration = calibrate(simulated.log, weekdays=["Mon", "tue"])
        assert ("mon", "tue") == calibration.weekdays
        assert 8 == len(calibration.days_used)
        assert {0, 1} == {day.weekday() for day in calibration.days_used}

    def test_interval_minutes(self, simulated: Simulated) -> None:
        """A 60-minute calibration has half as many intervals, each with twice the calls."""
        half_hours = calibrate(simulated.log).all_calls.rates.mean.sum()
        hours = calibrate(simulated.log, interval_minutes=60)
        assert 4 == len(scenario_document(hours)["groups"]["agents"]["headcount"])
        assert half_hours == pytest.approx(hours.all_calls.rates.mean.sum())

    @pytest.mark.parametrize(
        ("options", "message"),
        [
            ({"interval_minutes": 20}, "interval_minutes must be 15, 30 or 60 (got 20)"),
            ({"weekdays": ["mon", "fun"]}, "weekdays must be some of mon, tue, wed, thu, fri"),
            ({"weekdays": []}, "weekdays must be some of"),
        ],
    )
    def test_refusals(self, simulated: Simulated, options: dict, message: str) -> None:
        """Bad options are usage errors."""
        with pytest.raises(UsageError, match=re.escape(message)):
            calibrate(simulated.log, **options)

    def test_report(self, simulated: Simulated) -> None:
        """The report names the days, every call type and the three patience estimates."""
        report = calibration_report(calibrate(simulated.log))
        lines = report.splitlines()
        assert lines[0].startswith("simulation: 28 dates, 28 used, 30-minute intervals")
        assert any(line.startswith("sales ") for line in lines)
        assert any(line.startswith("all ") for line in lines)
        assert "censored mean_s [95% CI]" in report
        assert "naive mean_s" in report


class TestBankMonth:
    """The bank's January 1999 (Technion SEE Center, Anonymous Bank data)."""

    def test_days_and_types(self, bank_log: Path) -> None:
        """Sunday to Thursday are used (Friday and Saturday are short days); six call types."""
        calibration = calibrate(read_bank_log(bank_log))
        assert ("mon", "tue", "wed", "thu", "sun") == calibration.weekdays
        assert 19 == len(calibration.days_used)
        assert ["PS", "NW", "NE", "TT", "IN", "PE"] == list(calibration.call_types)
        patience = calibration.all_calls.patience
        assert patience.censored.ci_low > patience.naive.ci_high

    def test_command(self, bank_log: Path, tmp_path: Path) -> None:
        """``ccsim calibrate`` writes a scenario that loads and simulates."""
        out = tmp_path / "bank.yaml"
        code, stdout, stderr = invoke("calibrate", str(bank_log), "--out", str(out))
        assert (0, "") == (code, stderr)
        assert stdout.startswith("january.tsv: 29 dates, 19 used, 30-minute intervals")
        scenario = load_scenario(out)
        assert 48 == scenario.n_intervals
        result = simulate(scenario, reps=1, seed=1, engine="simpy")
        assert result.tallies.count("offered").sum() > 1000


class TestCommand:
    """``ccsim calibrate LOG --out FILE``."""

    def test_writes_scenario_and_prints_report(self, log_file: Path, tmp_path: Path) -> None:
        """The scenario is written and loads; the report and the file written are printed."""
        out = tmp_path / "sub" / "calibrated.yaml"
        code, stdout, stderr = invoke(
            "calibrate", str(log_file), "--out", str(out), "--weekdays", "mon,tue,wed"
        )
        assert (0, "") == (code, stderr)
        assert stdout.startswith("month.csv: 28 dates, 12 used")
        assert stdout.rstrip().endswith(f"wrote {out}")
        scenario = load_scenario(out)
        assert ["sales", "service"] == list(scenario.call_types)
        assert "12 days (mon,tue,wed)" in scenario.description

    @pytest.mark.parametrize("staffing", ["presence", "serving", "busy"])
    def test_staffing(self, log_file: Path, tmp_path: Path, staffing: str) -> None:
        """--staffing picks the estimate the headcount follows; the report names it."""
        out = tmp_path / "calibrated.yaml"
        code, stdout, _ = invoke(
            "calibrate", str(log_file), f"--out={out}", f"--staffing={staffing}"
        )
        assert 0 == code
        calibration = calibrate(read_call_log(log_file))
        expected = headcount(calibration, staffing)
        assert expected == load_scenario(out).groups["agents"].headcount
        assert f"scenario headcount ({staffing}) {min(expected)}-{max(expected)}" in stdout

    @pytest.mark.parametrize(
        ("arguments", "expected"),
        [
            (["--weekdays", "mon,fun"], "error: weekdays must be some of"),
            (["--interval-minutes", "20"], "error: Invalid value for '--interval-minutes'"),
            (["--format", "excel"], "error: Invalid value for '--format'"),
            (["--format", "bank"], "error: {log}: line 1: needs columns vru+line"),
        ],
    )
    def test_bad_options(
        self, log_file: Path, tmp_path: Path, arguments: list[str], expected: str
    ) -> None:
        """Bad options exit with code 2 and one line; nothing is written."""
        out = tmp_path / "never.yaml"
        code, _, stderr = invoke("calibrate", str(log_file), "--out", str(out), *arguments)
        assert 2 == code
        assert stderr.startswith(expected.format(log=log_file))
        assert 1 == len(stderr.splitlines())
        assert not out.exists()

    def test_bad_row(self, tmp_path: Path) -> None:
        """A bad row exits with code 2 and one line naming file, line, column and value."""
        path = tmp_path / "bad.csv"
        path.write_text(
            "call_id,call_type,arrival,queue_entry,answer,abandon,handle_s,agent\n"
            "c1,sales,yesterday,,,,,\n",
            encoding="utf-8",
        )
        code, _, stderr = invoke("calibrate", str(path), "--out", str(tmp_path / "x.yaml"))
        expected = (
            f"error: {path}: line 2, column arrival: must be a date-time YYYY-MM-DD HH:MM:SS "
            "(got 'yesterday')\n"
        )
        assert (2, expected) == (code, stderr)

    def test_format_choices(self) -> None:
        """The command offers exactly the formats the reader knows."""
        command = cli.get_command(click.Context(cli), "calibrate")
        assert command is not None
        option = next(p for p in command.params if p.name == "log_format")
        assert isinstance(option.type, click.Choice)
        assert LOG_FORMATS == tuple(option.type.choices)

    def test_scenario_document_validates(self, simulated: Simulated) -> None:
        """The document is a valid scenario with one group holding every skill."""
        scenario = scenario_from_dict(scenario_document(calibrate(simulated.log)))
        assert {"sales": "standard", "service": "standard"} == scenario.groups["agents"].skills


class TestEmpiricalHandle:
    """``--handle empirical``: the data's own shape, as 200 quantiles."""

    def test_quantiles_keep_the_data_mean(self, simulated: Simulated) -> None:
        """The values are the answered handle times' quantiles; their mean is the data's."""
        calibration = calibrate(simulated.log)
        document = scenario_document(calibration, handle="empirical")
        handle = document["call_types"]["sales"]["handle_time"]
        assert "empirical" == handle["dist"]
        assert 200 == len(handle["values_s"])
        assert handle["values_s"] == sorted(handle["values_s"])
        fit = calibration.call_types["sales"].handle
        assert fit is not None
        mean = sum(handle["values_s"]) / len(handle["values_s"])
        assert abs(mean - fit.data_mean_s) < 0.02 * fit.data_mean_s  # 200 quantiles, not all
        scenario = scenario_from_dict(document)
        assert "empirical" == scenario.call_types["sales"].handle_time.dist

    def test_command_option(self, log_file: Path, tmp_path: Path) -> None:
        """``ccsim calibrate --handle empirical`` writes a scenario the engines run."""
        out = tmp_path / "empirical.yaml"
        code, _, _ = invoke("calibrate", str(log_file), f"--out={out}", "--handle=empirical")
        assert 0 == code
        scenario = load_scenario(out)
        assert "empirical" == scenario.call_types["service"].handle_time.dist
        assert simulate(scenario, reps=1, seed=1, engine="simpy").tallies.reps == 1

    def test_unknown_form_is_refused(self, simulated: Simulated) -> None:
        """Only the two forms."""
        with pytest.raises(ValueError, match="handle must be one of lognormal, empirical"):
            scenario_document(calibrate(simulated.log), handle="gamma")

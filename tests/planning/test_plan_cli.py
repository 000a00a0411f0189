"""``ccsim plan requirements`` and ``ccsim plan schedule``: output, files and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from helpers import SCENARIOS, invoke

from sim.report.planning import SCENARIO_FILE, SCHEDULE_FILES
from sim.scenario import load_scenario

EXAMPLE = SCENARIOS / "planning"
FORECAST = EXAMPLE / "bank_day_forecast.csv"
PATTERNS = EXAMPLE / "bank_patterns.yaml"
REQUIREMENT_OPTIONS = ("--target=0.8", "--threshold-s=20", "--patience-s=180", "--shrinkage=0.1")


@pytest.fixture(scope="module")
def requirements_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """Output and requirements file of the shipped example's requirements command."""
    out = tmp_path_factory.mktemp("plan") / "requirements.csv"
    code, stdout, stderr = invoke(
        "plan", "requirements", str(FORECAST), *REQUIREMENT_OPTIONS, f"--out={out}"
    )
    assert (0, "") == (code, stderr)
    return stdout, out


@pytest.fixture(scope="module")
def schedule_run(
    requirements_run: tuple[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    """Output and folder of the example's schedule with the retail-bank day as base."""
    out = tmp_path_factory.mktemp("schedule") / "out"
    code, stdout, stderr = invoke(
        "plan", "schedule", str(requirements_run[1]), f"--patterns={PATTERNS}",
        f"--out={out}", f"--scenario={SCENARIOS / 'retail_bank_day.yaml'}", "--group=agents",
    )  # fmt: skip
    assert (0, "") == (code, stderr)
    return stdout, out


class TestRequirementsCommand:
    def test_prints_a_row_per_interval_and_the_total(
        self, requirements_run: tuple[str, Path]
    ) -> None:
        """The table has a header, 24 half-hour rows and a total line; the file is named."""
        stdout, out = requirements_run
        lines = stdout.splitlines()
        assert lines[0].startswith(f"{FORECAST}: Erlang A (patience 180 s), target 80% within 20 s")
        assert lines[1].split() == [
            "interval", "call", "type", "volume", "AHT", "s", "erlangs", "on", "phones",
            "scheduled", "SL",
        ]  # fmt: skip
        assert lines[2].split() == ["08:00", "all", "146.7", "270", "22.00", "25", "28", "83.9%"]
        assert lines[-2].startswith("total: 6000.0 calls;")
        assert f"wrote {out}" == lines[-1]

    def test_writes_the_csv(self, requirements_run: tuple[str, Path]) -> None:
        """The CSV holds one row per interval with the documented columns."""
        frame = pd.read_csv(requirements_run[1])
        expected = [
            "day", "interval_start", "call_type", "volume", "aht_s", "load_erlangs",
            "on_phones", "scheduled", "service_level",
        ]  # fmt: skip
        assert expected == list(frame.columns)
        assert 24 == len(frame)

    def test_bad_row_is_one_line_exit_2_and_no_file(self, tmp_path: Path) -> None:
        """A bad row exits 2 with one line naming file, line and column; nothing is written."""
        forecast = tmp_path / "forecast.csv"
        forecast.write_text("interval_start,call_type,volume,aht_s\n08:00,calls,-1,180\n")
        out = tmp_path / "out" / "requirements.csv"
        code, stdout, stderr = invoke(
            "plan", "requirements", str(forecast), "--target=0.8", "--interval-minutes=30",
            f"--out={out}",
        )  # fmt: skip
        expected = f"error: {forecast}: line 2, column volume: must be >= 0 (got -1)\n"
        assert (2, "", expected) == (code, stdout, stderr)
        assert not out.parent.exists()


class TestScheduleCommand:
    def test_prints_cost_bound_gap_and_no_unmet_demand(
        self, schedule_run: tuple[str, Path]
    ) -> None:
        """The summary gives the cost, the LP bound, a gap under 1% and no unmet demand."""
        lines = schedule_run[0].splitlines()
        summary = next(line for line in lines if line.startswith("cost: "))
        words = summary.split()
        cost, bound = float(words[1].replace(",", "")), float(words[5].replace(",", ""))
        assert bound <= cost <= 1.01 * bound
        assert words[6:8] == ["gap:", f"{100 * (cost - bound) / cost:.2f}%"]
        assert "unmet demand: none" in lines

    def test_writes_files_and_a_scenario_that_loads(self, schedule_run: tuple[str, Path]) -> None:
        """Roster, shifts, intervals, plot and a scenario whose group works the roster."""
        out = schedule_run[1]
        assert sorted([*SCHEDULE_FILES, SCENARIO_FILE]) == sorted(p.name for p in out.iterdir())
        scenario = load_scenario(out / SCENARIO_FILE)
        roster = pd.read_csv(out / "roster.csv")
        group = scenario.groups["agents"]
        assert group.roster is not None
        assert len(roster) == len(group.roster)
        shifts = pd.read_csv(out / "shifts.csv")
        assert shifts["agents"].sum() == roster["agent"].nunique()

    def test_too_few_agents_prints_unmet_demand(
        self, requirements_run: tuple[str, Path], tmp_path: Path
    ) -> None:
        """With --max-agents too small the command succeeds and lists the unmet demand."""
        out = tmp_path / "out"
        code, stdout, stderr = invoke(
            "plan", "schedule", str(requirements_run[1]), f"--patterns={PATTERNS}",
            f"--out={out}", "--max-agents=60",
        )  # fmt: skip
        assert (0, "") == (code, stderr)
        unmet = next(line for line in stdout.splitlines() if line.startswith("unmet demand: "))
        assert "agent-intervals short" in unmet
        intervals = pd.read_csv(out / "intervals.csv")
        assert (intervals["unmet"] >= 0).all()
        assert intervals["unmet"].sum() > 0
        assert pd.read_csv(out / "shifts.csv")["agents"].sum() <= 60

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (
                ("--group=agents",),
                "error: --group names a group of --scenario; give --scenario too",
            ),
            (("--max-part-time=2",), "error: Invalid value for '--max-part-time'"),
            (
                ("--scenario={base}", "--group=team"),
                "groups: name the group to staff, one of: agents",
            ),
        ],
        ids=["group-without-scenario", "share-above-one", "unknown-group"],
    )
    def test_bad_input_is_one_line_exit_2_and_no_files(
        self,
        args: tuple[str, ...],
        message: str,
        requirements_run: tuple[str, Path],
        tmp_path: Path,
    ) -> None:
        """Bad options exit 2 with one error line and leave no output files."""
        out = tmp_path / "out"
        base = SCENARIOS / "retail_bank_day.yaml"
        code, stdout, stderr = invoke(
            "plan", "schedule", str(requirements_run[1]), f"--patterns={PATTERNS}",
            f"--out={out}", *(arg.format(base=base) for arg in args),
        )  # fmt: skip
        assert (2, "", 1) == (code, stdout, len(stderr.splitlines()))
        assert message in stderr
        assert not out.exists() or not any(out.iterdir())

    def test_bad_patterns_file(self, requirements_run: tuple[str, Path], tmp_path: Path) -> None:
        """A bad patterns file is one line naming the file and the field."""
        patterns = tmp_path / "patterns.yaml"
        patterns.write_text("families: {f: {starts: {earliest: '08:00'}, length_h: -1}}\n")
        code, _, stderr = invoke(
            "plan", "schedule", str(requirements_run[1]), f"--patterns={patterns}",
            f"--out={tmp_path / 'out'}",
        )  # fmt: skip
        expected = f"error: {patterns}: families.f.length_h: must be > 0 (got -1)\n"
        assert (2, expected) == (code, stderr)

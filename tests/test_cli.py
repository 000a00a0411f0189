"""The ``ccsim`` command line: Erlang yardsticks, staffing, runs, outputs and error handling."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click
import pytest
from helpers import PUBLIC_CASES, REPO, Terminal, invoke

from sim import __version__
from sim.analytic import erlang_a, erlang_c
from sim.cli import main
from sim.cli.app import COMMANDS, cli
from sim.errors import ScenarioError
from sim.report import RUN_FILES

CASES: list[dict[str, Any]] = json.loads(PUBLIC_CASES.read_text())["cases"]
ERLANG_C_CASE = next(case for case in CASES if case["id"] == "R02-erlang_c-medium-c55")
ERLANG_A_CASE = next(case for case in CASES if case["id"] == "R04-erlang_a-medium-c14")
ERLANG_KPIS = ("p_wait", "service_level", "asa_s", "occupancy")
JSON_KPIS = (
    "service_level",
    "asa_s",
    "abandon_rate",
    "occupancy",
    "occupancy_open",
    "p_wait",
    "queue_length",
    "offered",
    "answered",
    "abandoned",
)
CENTRE_KPIS = ("occupancy", "occupancy_open")
CCSIM = REPO / ".venv" / "bin" / "ccsim"

TINY_YAML = """\
name: tiny-cli
calendar: {open: "08:00", close: "09:00", interval_minutes: 30}
service_level: {threshold_s: 20, target: 0.8}
call_types:
  sales:
    volume: {per_hour: 60}
    handle_time: {dist: exponential, mean_s: 180}
    patience: {dist: exponential, mean_s: 120}
  service:
    volume: {per_hour: 40}
    handle_time: {dist: exponential, mean_s: 200}
groups:
  agents: {headcount: 4}
"""


def ccsim(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed ``ccsim`` entry point (or ``python -m sim``) in a child process."""
    command = [str(CCSIM)] if CCSIM.exists() else [sys.executable, "-m", "sim"]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, check=False, timeout=120
    )


def python_prints(code: str, *args: str) -> str:
    """Run ``code`` with ``args`` in a fresh Python from the repository; return its last line."""
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, cwd=REPO
    )
    return result.stdout.strip().splitlines()[-1]


def queue_args(inputs: dict[str, Any]) -> list[str]:
    """Command-line options of a public case's queue inputs."""
    args = [
        f"--calls-per-hour={inputs['calls_per_hour']}",
        f"--aht-s={inputs['aht_s']}",
        f"--threshold-s={inputs['sl_threshold_s']}",
    ]
    if inputs["patience_mean_s"] is not None:
        args.append(f"--patience-s={inputs['patience_mean_s']}")
    return args


def parse_text(output: str) -> dict[str, str]:
    """Parse the ``name  value`` lines of ``erlang`` / ``staff`` text output."""
    pairs = (line.split() for line in output.splitlines() if line and not line.startswith("note:"))
    return dict(pairs)


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny two-type scenario written to a file."""
    path = tmp_path_factory.mktemp("scenario") / "tiny.yaml"
    path.write_text(TINY_YAML)
    return path


@pytest.fixture(scope="module")
def simpy_json(scenario_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """JSON document of a seeded 3-replication SimPy run of the tiny scenario."""
    out = tmp_path_factory.mktemp("simpy")
    code, stdout, stderr = invoke(
        "run",
        str(scenario_file),
        "--reps=3",
        "--seed=7",
        "--engine=simpy",
        f"--out={out}",
        "--json",
    )
    expected = (0, "")
    assert expected == (code, stderr)
    return json.loads(stdout)


@pytest.fixture(scope="module")
def table_run(
    scenario_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, str, Path]:
    """Text output, stderr and output folder of a seeded SimPy run of the tiny scenario."""
    out = tmp_path_factory.mktemp("table") / "out"
    code, stdout, stderr = invoke(
        "run", str(scenario_file), "--reps=3", "--seed=7", "--engine=simpy", f"--out={out}"
    )
    expected = 0
    assert expected == code, stderr
    return stdout, stderr, out


class TestErlang:
    def test_text_matches_erlang_c(self) -> None:
        """The text output prints Erlang C's KPIs for a public case."""
        inputs = ERLANG_C_CASE["inputs"]
        code, stdout, _ = invoke("erlang", *queue_args(inputs), f"--agents={inputs['agents']}")
        expected = erlang_c(
            calls_per_hour=inputs["calls_per_hour"],
            aht_s=inputs["aht_s"],
            agents=inputs["agents"],
            threshold_s=inputs["sl_threshold_s"],
        )
        printed = parse_text(stdout)
        expected_code = 0
        assert expected_code == code
        expected_names = ["threshold_s", "agents", "offered_load_erlangs", *ERLANG_KPIS, "stable"]
        assert expected_names == list(printed)
        assert inputs["sl_threshold_s"] == float(printed["threshold_s"])
        actual = {name: float(printed[name]) for name in ERLANG_KPIS}
        assert {name: getattr(expected, name) for name in ERLANG_KPIS} == pytest.approx(
            actual, rel=1e-5
        )
        expected_stable = "True"
        assert expected_stable == printed["stable"]

    def test_json_matches_erlang_c_and_the_public_case(self) -> None:
        """--json gives Erlang C's exact numbers, which match the published reference."""
        inputs = ERLANG_C_CASE["inputs"]
        code, stdout, _ = invoke(
            "erlang", *queue_args(inputs), f"--agents={inputs['agents']}", "--json"
        )
        kpis = erlang_c(
            calls_per_hour=inputs["calls_per_hour"],
            aht_s=inputs["aht_s"],
            agents=inputs["agents"],
            threshold_s=inputs["sl_threshold_s"],
        )
        expected = {"threshold_s": float(inputs["sl_threshold_s"])} | {
            name: asdict(kpis)[name]
            for name in ("agents", "offered_load_erlangs", *ERLANG_KPIS, "stable")
        }
        assert (0, expected) == (code, json.loads(stdout))
        reference = ERLANG_C_CASE["outputs"]
        published = (reference["p_wait"], reference["sl"], reference["asa"], reference["occupancy"])
        assert published == pytest.approx(tuple(expected[name] for name in ERLANG_KPIS), rel=1e-9)

    def test_patience_uses_erlang_a(self) -> None:
        """--patience-s switches to Erlang A and adds p_abandon."""
        inputs = ERLANG_A_CASE["inputs"]
        code, stdout, _ = invoke(
            "erlang", *queue_args(inputs), f"--agents={inputs['agents']}", "--json"
        )
        kpis = erlang_a(
            calls_per_hour=inputs["calls_per_hour"],
            aht_s=inputs["aht_s"],
            agents=inputs["agents"],
            threshold_s=inputs["sl_threshold_s"],
            patience_s=inputs["patience_mean_s"],
        )
        names = ("agents", "offered_load_erlangs", *ERLANG_KPIS, "p_abandon", "stable")
        given = {"threshold_s": inputs["sl_threshold_s"], "patience_s": inputs["patience_mean_s"]}
        expected = {name: float(value) for name, value in given.items()} | {
            name: asdict(kpis)[name] for name in names
        }
        assert (0, expected) == (code, json.loads(stdout))
        reference = ERLANG_A_CASE["outputs"]
        assert reference["p_abandon"] == pytest.approx(expected["p_abandon"], rel=1e-9)

    def test_overload_text_says_unstable_with_a_note(self) -> None:
        """Load above the agents without abandonment prints stable False and a note."""
        code, stdout, _ = invoke("erlang", "--calls-per-hour=720", "--aht-s=240", "--agents=40")
        printed = parse_text(stdout)
        expected = (0, "False", "inf")
        assert expected == (code, printed["stable"], printed["asa_s"])
        assert any(line.startswith("note:") for line in stdout.splitlines())

    def test_overload_json_gives_null_for_infinity(self) -> None:
        """Infinite KPIs are null in JSON; stable is false and the document is strict JSON."""
        _, stdout, _ = invoke(
            "erlang", "--calls-per-hour=720", "--aht-s=240", "--agents=40", "--json"
        )
        document = json.loads(
            stdout, parse_constant=lambda name: pytest.fail(f"non-JSON constant {name}")
        )
        expected = (False, None)
        assert expected == (document["stable"], document["asa_s"])


class TestStaff:
    @pytest.mark.parametrize(
        ("calls_per_hour", "aht_s", "expected"),
        [(200, 180, 14), (720, 240, 54)],
        ids=["200cph-180s", "720cph-240s"],
    )
    def test_public_staffing_cases(self, calls_per_hour: int, aht_s: int, expected: int) -> None:
        """The fewest agents reaching 80% within 20 s match the public staffing cases."""
        args = (
            f"--calls-per-hour={calls_per_hour}",
            f"--aht-s={aht_s}",
            "--threshold-s=20",
            "--target=0.8",
        )
        code, stdout, _ = invoke("staff", *args, "--json")
        document = json.loads(stdout)
        assert (0, expected) == (code, document["agents"])
        assert document["service_level"] >= 0.8
        _, text, _ = invoke("staff", *args)
        printed = parse_text(text)
        assert str(expected) == printed["agents"]
        echoed = ("0.8", "20", str(expected), "service_level")
        names = ("target", "threshold_s", "scheduled", "binding_goal")
        assert echoed == tuple(printed[name] for name in names)

    def test_one_fewer_agent_misses_the_target(self) -> None:
        """The answer is minimal: one agent fewer misses the target."""
        code, stdout, _ = invoke(
            "erlang",
            "--calls-per-hour=200",
            "--aht-s=180",
            "--threshold-s=20",
            "--agents=13",
            "--json",
        )
        expected = 0
        assert expected == code
        assert json.loads(stdout)["service_level"] < 0.8


class TestRun:
    def test_prints_the_table(self, table_run: tuple[str, str, Path]) -> None:
        """The text run prints a title, a row per call type and "all", and the files written."""
        stdout, _, _ = table_run
        lines = stdout.splitlines()
        assert lines[0].startswith("tiny-cli: 3 replications, engine simpy, seed 7")
        expected = ["call", "sales", "service", "all"]
        assert expected == [line.split()[0] for line in lines[1:5]]
        assert lines[-1].startswith("wrote ")

    def test_writes_tables_and_plots(self, table_run: tuple[str, str, Path]) -> None:
        """--out receives the intervals, summary and groups CSVs and three PNG plots, no more."""
        _, _, out = table_run
        expected = sorted(RUN_FILES)
        assert expected == sorted(path.name for path in out.iterdir())
        assert {"intervals.csv", "summary.csv", "groups.csv"} < set(RUN_FILES)
        assert all(path.stat().st_size > 0 for path in out.iterdir())

    def test_no_plots_writes_the_tables_only(self, scenario_file: Path, tmp_path: Path) -> None:
        """--no-plots writes the tables and no PNG."""
        out = tmp_path / "out"
        code, _, stderr = invoke(
            "run", str(scenario_file), "--reps=2", "--engine=simpy", f"--out={out}", "--no-plots"
        )
        assert 0 == code, stderr
        expected = sorted(name for name in RUN_FILES if not name.endswith(".png"))
        assert expected == sorted(path.name for path in out.iterdir())

    def test_json_without_out_writes_nothing(
        self, scenario_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """--json alone prints the document and writes no file, not even the default out/."""
        monkeypatch.chdir(tmp_path)
        code, stdout, stderr = invoke(
            "run", str(scenario_file), "--reps=2", "--engine=simpy", "--json"
        )
        assert 0 == code, stderr
        assert "kpis" in json.loads(stdout)
        expected: list[Path] = []
        assert expected == list(tmp_path.iterdir())

    def test_json_with_out_writes_the_files(self, scenario_file: Path, tmp_path: Path) -> None:
        """--json with --out prints the document and writes the tables and plots there."""
        code, stdout, stderr = invoke(
            "run", str(scenario_file), "--reps=2", "--engine=simpy", f"--out={tmp_path}", "--json"
        )
        assert 0 == code, stderr
        assert "kpis" in json.loads(stdout)
        expected = sorted(RUN_FILES)
        assert expected == sorted(path.name for path in tmp_path.iterdir())

    def test_groups_csv_holds_the_group_and_all(self, table_run: tuple[str, str, Path]) -> None:
        """groups.csv has the scenario's group and "all", with calls handled and occupancy."""
        _, _, out = table_run
        lines = (out / "groups.csv").read_text().splitlines()
        assert lines[0].startswith("period,day,interval,start,group,call_type,kpi,mean")
        total = [line.split(",") for line in lines[1:] if line.startswith("total,")]
        expected = {"agents", "all"}
        assert expected == {cells[4] for cells in total}
        assert {"handled", "aht_s", "occupancy"} <= {cells[6] for cells in total}

    def test_no_progress_bar_when_stderr_is_not_a_terminal(
        self, table_run: tuple[str, str, Path]
    ) -> None:
        """Without a terminal on stderr nothing is written there."""
        _, stderr, _ = table_run
        expected = ""
        assert expected == stderr

    def test_json_structure(self, simpy_json: dict[str, Any]) -> None:
        """--json prints engine, reps, seed and KPIs per call type and "all"."""
        expected = {"engine": "simpy", "reps": 3, "seed": 7}
        expected_keys = ["engine", "reps", "seed", "kpis"]
        assert expected_keys == list(simpy_json)
        assert expected == {name: simpy_json[name] for name in expected}
        expected_types = ["sales", "service", "all"]
        assert expected_types == list(simpy_json["kpis"])

    def test_json_kpis(self, simpy_json: dict[str, Any]) -> None:
        """Each call type has the documented KPIs; occupancy appears under "all" only."""
        call_type_kpis = [kpi for kpi in JSON_KPIS if kpi not in CENTRE_KPIS]
        expected = {"sales": call_type_kpis, "service": call_type_kpis, "all": list(JSON_KPIS)}
        actual = {name: list(kpis) for name, kpis in simpy_json["kpis"].items()}
        assert expected == actual

    def test_json_entries_have_mean_inside_two_bounds(self, simpy_json: dict[str, Any]) -> None:
        """Each KPI is {"mean", "ci95": [lo, hi]} with numbers and lo <= mean <= hi."""
        for name, kpis in simpy_json["kpis"].items():
            for kpi, entry in kpis.items():
                expected_keys = ["mean", "ci95"]
                assert expected_keys == list(entry), (name, kpi)
                low, high = entry["ci95"]
                assert all(isinstance(value, float) for value in (low, entry["mean"], high)), (
                    name,
                    kpi,
                )
                assert low <= entry["mean"] <= high, (name, kpi)

    def test_json_totals_add_up(self, simpy_json: dict[str, Any]) -> None:
        """The "all" counts are the sums of the call types' counts."""
        kpis = simpy_json["kpis"]
        for kpi in ("offered", "answered", "abandoned"):
            expected = kpis["sales"][kpi]["mean"] + kpis["service"][kpi]["mean"]
            assert expected == pytest.approx(kpis["all"][kpi]["mean"], rel=1e-12)

    def test_engines_agree_on_the_same_seed(
        self, simpy_json: dict[str, Any], scenario_file: Path, tmp_path: Path
    ) -> None:
        """The fast engine (on two threads) prints the SimPy engine's numbers for the same seed."""
        code, stdout, stderr = invoke(
            "run",
            str(scenario_file),
            "--reps=3",
            "--seed=7",
            "--engine=fast",
            "--workers=2",
            f"--out={tmp_path}",
            "--json",
        )
        expected_code = 0
        assert expected_code == code, stderr
        fast = json.loads(stdout)
        expected = {**simpy_json, "engine": "fast"}
        assert expected == fast

    def test_same_seed_same_numbers(
        self, simpy_json: dict[str, Any], scenario_file: Path, tmp_path: Path
    ) -> None:
        """Repeating a run with the same seed prints the same document."""
        _, stdout, _ = invoke(
            "run",
            str(scenario_file),
            "--reps=3",
            "--seed=7",
            "--engine=simpy",
            f"--out={tmp_path}",
            "--json",
        )
        expected = simpy_json
        assert expected == json.loads(stdout)

    def test_progress_bar_on_a_terminal(self, scenario_file: Path, tmp_path: Path) -> None:
        """With a terminal on stderr a progress bar of replications is drawn there."""
        terminal = Terminal()
        code, _, stderr = invoke(
            "run",
            str(scenario_file),
            "--reps=2",
            "--engine=simpy",
            f"--out={tmp_path}",
            "--json",
            stderr=terminal,
        )
        expected_code = 0
        assert expected_code == code
        assert "replications" in stderr

    def test_quiet_hides_the_progress_bar(self, scenario_file: Path, tmp_path: Path) -> None:
        """--quiet draws no progress bar even on a terminal."""
        code, _, stderr = invoke(
            "run",
            str(scenario_file),
            "--reps=2",
            "--engine=simpy",
            f"--out={tmp_path}",
            "--json",
            "--quiet",
            stderr=Terminal(),
        )
        expected = (0, "")
        assert expected == (code, stderr)


class TestWarmUp:
    def test_compiles_the_kernels_of_the_shipped_scenarios(self) -> None:
        """warm-up names each kernel it compiled (or loaded) and the cache folder."""
        code, stdout, stderr = invoke("warm-up", "--workers=1")
        assert 0 == code, stderr
        kernels = [line.split(":")[0].strip() for line in stdout.splitlines()[1:-1]]
        expected = [
            "controls, records",
            "inbound, tallies",
            "inbound, records",
            *(f"{name}, records" for name in ("lines", "hold_count", "bot", "chat", "email")),
            "channels, records",
        ]
        assert expected == kernels
        assert stdout.splitlines()[-1].startswith("cached in ")


class TestValidate:
    def test_valid_scenario(self, scenario_file: Path) -> None:
        """validate describes a valid scenario in one line."""
        code, stdout, _ = invoke("validate", str(scenario_file))
        expected_code = 0
        assert expected_code == code
        assert f"{scenario_file}: valid — tiny-cli: 2 call type(s), 1 group(s), 1 day(s)" in stdout


class TestErrors:
    @staticmethod
    def _bad_scenario(tmp_path: Path) -> Path:
        path = tmp_path / "bad.yaml"
        path.write_text(TINY_YAML.replace("mean_s: 180", "mean_s: -180"))
        return path

    @pytest.mark.parametrize(
        "args",
        [
            ("run", "{bad}", "--reps=2", "--engine=simpy", "--out={out}"),
            ("validate", "{bad}"),
            ("run", "{missing}", "--out={out}"),
            ("run", "{good}", "--reps=0", "--out={out}"),
            ("run", "{good}", "--engine=foo", "--out={out}"),
            ("run", "{good}", "--seed=-1", "--out={out}"),
            ("erlang", "--calls-per-hour=-5", "--aht-s=180", "--agents=10"),
            ("erlang", "--calls-per-hour=100", "--aht-s=0", "--agents=10"),
            ("staff", "--calls-per-hour=100", "--aht-s=180", "--target=1.5"),
            ("erlang", "--calls-per-hour=100", "--aht-s=180"),
            ("bogus",),
        ],
        ids=[
            "bad-field",
            "validate-bad-field",
            "missing-file",
            "zero-reps",
            "unknown-engine",
            "negative-seed",
            "negative-rate",
            "zero-aht",
            "target-above-one",
            "missing-agents",
            "unknown-command",
        ],
    )
    def test_bad_input_is_one_error_line_and_exit_code_2(
        self, args: tuple[str, ...], scenario_file: Path, tmp_path: Path
    ) -> None:
        """Bad input exits with code 2 and prints exactly one stderr line starting with error:."""
        paths = {
            "bad": self._bad_scenario(tmp_path),
            "missing": tmp_path / "nope.yaml",
            "good": scenario_file,
            "out": tmp_path / "out",
        }
        code, stdout, stderr = invoke(*(arg.format(**paths) for arg in args))
        lines = stderr.splitlines()
        expected = (2, 1, True, "")
        actual = (code, len(lines), lines[0].startswith("error: "), stdout)
        assert expected == actual, stderr
        assert "Traceback" not in stderr
        assert not (tmp_path / "out").exists()

    def test_bad_field_names_file_and_path(self, tmp_path: Path) -> None:
        """A scenario error names the file and the field at fault."""
        path = self._bad_scenario(tmp_path)
        _, _, stderr = invoke("validate", str(path))
        assert stderr.startswith(f"error: {path}: call_types.sales.handle_time.mean_s")

    def test_missing_file_in_a_real_process(self, tmp_path: Path) -> None:
        """The installed entry point exits 2 with one error line and no traceback."""
        result = ccsim("run", str(tmp_path / "nope.yaml"))
        expected = (2, 1)
        assert expected == (result.returncode, len(result.stderr.splitlines())), result.stderr
        lines = result.stderr.splitlines()
        assert lines[0].startswith("error: ")
        assert "Traceback" not in result.stderr

    def test_debug_shows_the_traceback(self, tmp_path: Path) -> None:
        """--debug re-raises the error: Python prints its traceback and exits with code 1."""
        result = ccsim("--debug", "run", str(tmp_path / "nope.yaml"))
        expected = 1
        assert expected == result.returncode
        assert "Traceback" in result.stderr
        assert "ScenarioError" in result.stderr

    def test_debug_re_raises_in_process(self, tmp_path: Path) -> None:
        """In-process, --debug lets the CcsimError propagate."""
        with pytest.raises(ScenarioError, match="cannot read"):
            main(["--debug", "validate", str(tmp_path / "nope.yaml")])


class TestVersionAndHelp:
    def test_version(self) -> None:
        """--version prints the package version and exits 0."""
        result = ccsim("--version")
        expected = (0, f"ccsim, version {__version__}")
        assert expected == (result.returncode, result.stdout.strip())

    def test_help_lists_the_commands(self) -> None:
        """--help lists every command and exits 0."""
        code, stdout, _ = invoke("--help")
        expected_code = 0
        assert expected_code == code
        for command in ("validate", "run", "erlang", "staff", "plan"):
            assert command in stdout

    def test_bare_command_shows_the_help(self) -> None:
        """Without a command the full help is shown, not squeezed into one error line."""
        _, stdout, stderr = invoke()
        shown = stdout + stderr
        assert "Usage: ccsim" in shown
        assert "Commands:" in shown
        assert "error:" not in shown


class TestLazyCommands:
    def test_every_command_resolves_under_its_name(self) -> None:
        """Each listed command imports and carries the name it is listed under."""
        context = click.Context(cli)
        names = {name: getattr(cli.get_command(context, name), "name", None) for name in COMMANDS}
        assert {name: name for name in COMMANDS} == names

    def test_run_imports_no_other_command_module(self) -> None:
        """Resolving ``run`` leaves the planning, bidding and queueing modules unimported."""
        code = (
            "import sys, click\n"
            "from sim.cli.app import cli\n"
            "cli.get_command(click.Context(cli), 'run')\n"
            "print(sorted(m for m in sys.modules if m.startswith('sim.cli.')))\n"
        )
        assert "['sim.cli.app', 'sim.cli.options', 'sim.cli.run']" == python_prints(code)

    def test_json_run_imports_no_pandas_scipy_special_or_matplotlib(self) -> None:
        """``ccsim run --json`` prints its document without loading the table libraries."""
        code = (
            "import sys\n"
            "from sim.cli import main\n"
            "main(['run', 'scenarios/chat_team.yaml', '--reps=2', '--engine=simpy', '--json'])\n"
            "print(sorted({'pandas', 'scipy.special', 'matplotlib'} & set(sys.modules)))\n"
        )
        assert "[]" == python_prints(code)


class TestExit:
    @pytest.mark.parametrize(
        ("call", "expected"), [("main()", "True"), ("main(sys.argv[1:])", "False")]
    )
    def test_objects_frozen_only_when_run_as_the_program(self, call: str, expected: str) -> None:
        """Run as the program, main freezes the objects left for the exit; given args, it does not.

        A caller that passes the arguments (the tests, scripts) keeps its garbage collection.
        """
        code = (
            f"import gc, sys\nfrom sim.cli.app import main\n{call}\n"
            "print(gc.get_freeze_count() > 0)\n"
        )
        scenario = str(REPO / "scenarios" / "erlang_c_check.yaml")
        assert expected == python_prints(code, "validate", scenario)

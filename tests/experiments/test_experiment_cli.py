"""`ccsim experiment run | status | report`: output, files, progress and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import SMALL_CENTRE_YAML, Terminal, invoke, write_experiment

from sim.experiments import runner
from sim.report import EXPERIMENT_REPORT_FILES

BODY = """\
name: cli-sweep
seed: 2
engine: simpy
replications: 4
kpis: [service_level, abandon_rate]
factors:
  agents:
    path: groups.agents.headcount
    levels: [11, 13]
"""


@pytest.fixture
def experiment(tmp_path: Path) -> Path:
    """A two-point experiment on the small centre."""
    return write_experiment(tmp_path / "exp", BODY)


def run(experiment: Path, store: Path, *options: str) -> tuple[int, str, str]:
    """``ccsim experiment run`` into ``store``."""
    return invoke("experiment", "run", str(experiment), f"--store={store}", *options)


class TestRun:
    """run prints each point's state and stores the results."""

    def test_runs_then_skips(self, experiment: Path, tmp_path: Path) -> None:
        """The first run does both points; the second finds them done."""
        store = tmp_path / "store"
        code, out, _ = run(experiment, store)
        assert 0 == code
        assert "cli-sweep: 2 points, engine simpy, seed 2" in out
        assert 2 == out.count(" done")
        assert 2 == len(list((store / "points").glob("*.parquet")))
        code, out, _ = invoke("experiment", "status", str(experiment), f"--store={store}")
        assert (0, True) == (code, "2 of 2 points done" in out)

    def test_precision_adds_replications(self, experiment: Path, tmp_path: Path) -> None:
        """--precision runs past the 4 replications and shows the half-widths reached."""
        code, out, _ = run(experiment, tmp_path / "s", "--precision=abandon_rate=0.02")
        assert 0 == code
        assert "±abandon_rate" in out
        counts = [int(line.split()[1]) for line in out.splitlines() if line.startswith("agents=")]
        assert max(counts) > 4

    def test_progress_bar_on_a_terminal(self, experiment: Path, tmp_path: Path) -> None:
        """A terminal gets a line of points, replications, elapsed time and ETA."""
        code, _, err = invoke(
            "experiment", "run", str(experiment), f"--store={tmp_path}", stderr=Terminal()
        )
        assert 0 == code
        assert "points 2/2  replications 8/8" in err
        assert "ETA" in err

    def test_status_with_the_runs_reps(self, experiment: Path, tmp_path: Path) -> None:
        """After ``run --reps 2``, status with --reps 2 says done; with the file's 4, partial."""
        code, _, _ = run(experiment, tmp_path, "--reps=2")
        assert 0 == code
        status = ("experiment", "status", str(experiment), f"--store={tmp_path}")
        code, out, _ = invoke(*status, "--reps=2")
        assert (0, True) == (code, "2 of 2 points done with 2 replications (--reps)" in out)
        code, out, _ = invoke(*status)
        assert "0 of 2 points done with 4 replications (the file's replications)" in out
        assert 2 == out.count("partial, 2 more to run")

    def test_status_before_running(self, experiment: Path, tmp_path: Path) -> None:
        """Nothing run yet: every point is not started."""
        code, out, _ = invoke("experiment", "status", str(experiment), f"--store={tmp_path}")
        assert 0 == code
        assert "0 of 2 points done" in out
        assert 2 == out.count("not started")


class TestReport:
    """report writes the table, the plots and the HTML page."""

    def test_writes_every_file_and_prints_the_table(self, experiment: Path, tmp_path: Path) -> None:
        """The Markdown table goes to stdout; the files to --out."""
        run(experiment, tmp_path / "store")
        out_dir = tmp_path / "report"
        code, out, _ = invoke(
            "experiment",
            "report",
            str(experiment),
            f"--store={tmp_path / 'store'}",
            f"--out={out_dir}",
        )
        assert 0 == code
        assert "| agents=13 |" in out
        assert set(EXPERIMENT_REPORT_FILES) == {p.name for p in out_dir.iterdir()}

    def test_default_report_folder_is_in_the_store(self, experiment: Path, tmp_path: Path) -> None:
        """Without --out the report goes to STORE/report."""
        store = tmp_path / "store"
        run(experiment, store)
        code, _, _ = invoke("experiment", "report", str(experiment), f"--store={store}")
        assert 0 == code
        assert (store / "report" / "report.html").exists()


class TestErrors:
    """Every user error is one line and exit code 2."""

    def assert_one_line(self, result: tuple[int, str, str], text: str) -> None:
        """Exit 2, one error line holding ``text``, no traceback."""
        code, _, err = result
        assert 2 == code
        assert 1 == len(err.strip().splitlines()), err
        assert err.startswith("error: ")
        assert text in err

    def test_bad_experiment_file(self, tmp_path: Path) -> None:
        """A bad field names the file and the path."""
        path = write_experiment(tmp_path, "name: x\nreplications: 0\n")
        self.assert_one_line(
            run(path, tmp_path / "s"), "experiment.yaml: replications: must be >= 2 (got 0)"
        )

    def test_bad_precision_option(self, experiment: Path, tmp_path: Path) -> None:
        """--precision needs a KPI and a positive half-width."""
        self.assert_one_line(run(experiment, tmp_path, "--precision=sl=0.1"), "'sl' is not a KPI")
        self.assert_one_line(
            run(experiment, tmp_path, "--precision=asa_s=-1"), "must be > 0 (got 'asa_s=-1')"
        )

    def test_changed_points_need_restart(self, experiment: Path, tmp_path: Path) -> None:
        """A changed scenario is refused until --restart; status notes it."""
        store = tmp_path / "store"
        run(experiment, store)
        (experiment.parent / "centre.yaml").write_text(SMALL_CENTRE_YAML.replace("240", "250"))
        self.assert_one_line(run(experiment, store), "2 design point(s) changed")
        _, out, _ = invoke("experiment", "status", str(experiment), f"--store={store}")
        assert "note: 2 point(s) changed" in out
        assert 0 == run(experiment, store, "--restart")[0]

    def test_report_before_running(self, experiment: Path, tmp_path: Path) -> None:
        """No results: the baseline is named, with the command to run."""
        self.assert_one_line(
            invoke("experiment", "report", str(experiment), f"--store={tmp_path}"),
            "the baseline point 'agents=11' has no results",
        )

    def test_unreachable_cluster(
        self, experiment: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A scheduler that is not there is named."""
        monkeypatch.setattr(runner, "CONNECT_TIMEOUT_S", 1.0)
        self.assert_one_line(
            run(experiment, tmp_path, "--cluster=tcp://127.0.0.1:9"),
            "cannot reach the dask scheduler at tcp://127.0.0.1:9",
        )

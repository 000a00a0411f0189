"""An experiment killed partway resumes to the results of an uninterrupted run.

A real ``ccsim experiment run`` subprocess gets a real signal once some of its points are
stored; running it again finishes the rest. The two stores must hold the same points, bit for
bit, with no temporary file left, no point missing and none twice.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import assert_identical_tallies, write_experiment

from sim.experiments import ResultStore, load_experiment

N_POINTS = 8
BODY = """\
name: resumable
seed: 11
engine: simpy
replications: 40
factors:
  agents:
    path: groups.agents.headcount
    levels: [9, 10, 11, 12, 13, 14, 15, 16]
"""


def ccsim_run(experiment: Path, store: Path) -> subprocess.Popen[str]:
    """Start ``ccsim experiment run`` in a subprocess, as from a terminal.

    A job started in the background by a shell ignores SIGINT, and its children inherit that;
    the subprocess gets the default action back, as a command typed at a terminal has.
    """
    command = [sys.executable, "-m", "sim", "experiment", "run", str(experiment)]
    return subprocess.Popen(
        [*command, "--store", str(store), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,  # noqa: PLW1509 - no threads are started before the exec
    )


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_for_points(store: Path, n: int, process: subprocess.Popen[str]) -> None:
    """Wait until ``n`` point files exist (the process must still be running then)."""
    deadline = time.monotonic() + 120
    points = store / "points"
    while time.monotonic() < deadline:
        if points.is_dir() and len(list(points.glob("[!.]*.parquet"))) >= n:
            return
        assert process.poll() is None, "the run ended before it could be interrupted"
        time.sleep(0.01)
    pytest.fail(f"no {n} points stored within 120 s")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGKILL, -signal.SIGKILL), (signal.SIGINT, 130)], ids=["kill", "int"]
)
def test_interrupted_run_resumes_to_identical_results(
    tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    """Kill (or Ctrl-C) after two points, run again: the results of an uninterrupted run."""
    path = write_experiment(tmp_path, BODY)
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"
    assert 0 == ccsim_run(path, whole).wait(timeout=300)

    process = ccsim_run(path, resumed)
    wait_for_points(resumed, 2, process)
    process.send_signal(sig)
    _, err = process.communicate(timeout=60)
    assert code == process.returncode, err
    if sig == signal.SIGINT:
        assert "interrupted: finished points are kept" in err
    kept = ResultStore(resumed).stored()
    assert 2 <= len(kept) < N_POINTS

    rerun = ccsim_run(path, resumed)
    out, err = rerun.communicate(timeout=300)
    assert 0 == rerun.returncode, err
    experiment = load_experiment(path)
    expected, actual = ResultStore(whole), ResultStore(resumed)
    assert set(expected.stored()) == set(actual.stored())
    assert {p.fingerprint for p in experiment.points} == set(actual.stored())
    for point in experiment.points:
        a, b = expected.read(point.fingerprint), actual.read(point.fingerprint)
        assert a is not None
        assert b is not None
        assert_identical_tallies(a, b)
    leftovers = [p.name for p in (resumed / "points").iterdir() if p.name.startswith(".")]
    assert [] == leftovers
    manifest = actual.read_manifest()
    assert manifest is not None
    assert all(p["done"] and p["reps"] == 40 for p in manifest["points"])
    assert out.count(" done") == N_POINTS

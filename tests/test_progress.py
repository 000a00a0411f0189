"""Progress on stderr for long commands: shown on a terminal only, with an honest ETA."""

from __future__ import annotations

import io
from contextlib import redirect_stderr
from datetime import date
from pathlib import Path

import pytest
import yaml
from helpers import STAFFING_DAY, TWO_DESKS, Terminal, invoke

from sim.calibration import log_from_records, write_call_log
from sim.cli.options import MIN_REPS_FOR_ETA, ReplicationsClock, progress_bar
from sim.planning.staffing import few_reps_warning, min_search_reps, search_margin
from sim.scenario import scenario_from_dict
from sim.simulation import simulate


class FakeClock:
    """A clock that reads what the test sets."""

    def __init__(self) -> None:
        self.now_s = 0.0

    def __call__(self) -> float:
        return self.now_s


class TestReplicationsClock:
    """The ETA of ``ccsim run`` leaves out the first replication (compiling, warming up)."""

    def test_no_eta_until_enough_replications_after_the_first(self) -> None:
        """30 s of start, then 0.5 s a replication: no ETA at first, whatever the start took."""
        clock = FakeClock()
        replications = ReplicationsClock(100, clock)
        clock.now_s = 30.0
        lines = [replications.advance(1)]
        for _ in range(MIN_REPS_FOR_ETA - 1):
            clock.now_s += 0.5
            lines.append(replications.advance(1))
        assert not any("ETA" in line for line in lines)
        clock.now_s += 0.5
        line = replications.advance(1)
        left = 100 - (MIN_REPS_FOR_ETA + 1)
        expected = f"replications {MIN_REPS_FOR_ETA + 1}/100  0:00:32 elapsed, ETA "
        assert line.startswith(expected)
        assert replications.eta_s(clock.now_s) == pytest.approx(0.5 * left)

    def test_chunks_of_replications(self) -> None:
        """Replications finished by chunks (threads): the rate counts replications, not calls."""
        clock = FakeClock()
        replications = ReplicationsClock(1000, clock)
        clock.now_s = 10.0
        replications.advance(100)
        clock.now_s = 12.0
        replications.advance(200)
        expected = 2.0 / 200 * 700
        assert replications.eta_s(clock.now_s) == pytest.approx(expected)


def test_progress_bar_draws_the_last_state_and_one_newline() -> None:
    """Redraws are spaced, the last replication is always drawn, the line ends once."""
    clock = FakeClock()
    err = io.StringIO()
    with redirect_stderr(err), progress_bar(5, enabled=True, clock=clock) as advance:
        assert advance is not None
        for _ in range(5):
            advance(1)
    assert err.getvalue().count("\r") == 2  # the first and the last; the clock never moved
    assert err.getvalue().rstrip().endswith("replications 5/5  0:00:00 elapsed, ETA 0:00:00")
    assert err.getvalue().endswith("\n")


@pytest.fixture
def day_file(tmp_path: Path) -> Path:
    """The two-hour staffing day as a scenario file."""
    path = tmp_path / "day.yaml"
    path.write_text(yaml.safe_dump(STAFFING_DAY))
    return path


class TestPlanStaff:
    def test_rounds_and_the_fresh_check_on_a_terminal(self, day_file: Path, tmp_path: Path) -> None:
        """Each round (number, agent-hours, what misses) and the fresh-seed check are shown."""
        args = (
            "plan",
            "staff",
            str(day_file),
            "--group=agents",
            "--reps=100",
            f"--out={tmp_path / 'o'}",
        )
        code, _, err = invoke(*args, stderr=Terminal())
        assert 0 == code
        assert "\rround 0: " in err
        assert "agent-h, day met in " in err
        assert "checking on the fresh seed 1001" in err

    def test_silent_without_a_terminal_and_same_numbers(
        self, day_file: Path, tmp_path: Path
    ) -> None:
        """Not a terminal: nothing on stderr; the table is the one printed on a terminal."""
        args = (
            "plan",
            "staff",
            str(day_file),
            "--group=agents",
            "--reps=100",
            f"--out={tmp_path / 'o'}",
        )
        code, out, err = invoke(*args)
        assert (0, "") == (code, err)
        _, on_terminal, _ = invoke(*args, stderr=Terminal())
        assert out == on_terminal
        assert (0, out, "") == invoke(*args, "--quiet", stderr=Terminal())

    def test_few_replications_warn_once(self, day_file: Path, tmp_path: Path) -> None:
        """--reps 50 at confidence 0.9: one warning line naming the least replications; runs."""
        args = (
            "plan",
            "staff",
            str(day_file),
            "--group=agents",
            "--reps=50",
            f"--out={tmp_path / 'o'}",
        )
        code, out, err = invoke(*args)
        assert 0 == code
        assert "uplift over Erlang" in out
        assert err == (
            "warning: 50 replications are too few for confidence 0.9: the search asks 0.970 "
            "(+0.070) and staffs above need; use --reps 98 or more\n"
        )


def assert_silent_unless_shown(args: tuple[str, ...]) -> None:
    """The command prints nothing on stderr off a terminal, nor with ``--quiet`` on one."""
    assert (0, "") == invoke(*args)[::2]
    assert (0, "") == invoke(*args, "--quiet", stderr=Terminal())[::2]


def test_compare_shows_scenarios_and_replications(day_file: Path, tmp_path: Path) -> None:
    """compare: the scenario being run and its replications on a terminal, nothing otherwise."""
    args = ("compare", str(day_file), str(day_file), "--reps=3", f"--out={tmp_path / 'o'}")
    code, _, err = invoke(*args, stderr=Terminal())
    assert 0 == code
    assert "\rscenario 1/2: replications 3/3" in err
    assert "\rscenario 2/2: replications 3/3" in err
    assert_silent_unless_shown(args)


def test_replay_shows_days(tmp_path: Path) -> None:
    """replay: the days replayed on a terminal, nothing otherwise."""
    two_days = {**STAFFING_DAY, "calendar": {**STAFFING_DAY["calendar"], "days": 2}}
    result = simulate(scenario_from_dict(two_days), reps=1, seed=5, keep_records=True)
    assert result.calls is not None
    path = tmp_path / "log.csv"
    write_call_log(log_from_records(result.calls, result.plan, date(2024, 3, 4)), path)
    args = ("replay", str(path), "--reps=2", f"--out={tmp_path / 'r'}")
    code, _, err = invoke(*args, stderr=Terminal())
    assert 0 == code
    assert "\rdays 1/2 replayed" in err
    assert "\rdays 2/2 replayed" in err
    assert_silent_unless_shown(args)


def test_bid_shows_its_steps(tmp_path: Path) -> None:
    """bid: the search's rounds, the fresh check, the volume cases and the headcount steps."""
    path = tmp_path / "two_desks.yaml"
    path.write_text(yaml.safe_dump(TWO_DESKS))
    groups = ("--group=billing_desk", "--group=support_desk")
    out = f"--out={tmp_path / 'o'}"
    code, _, err = invoke(
        "bid", str(path), *groups, "--confidence=0.95", "--reps=40", out, stderr=Terminal()
    )
    assert 0 == code
    shown = [part.split("  ")[0].strip() for part in err.split("\r")]
    assert shown[1].startswith("round 0: ")
    steps = ["checking on the fresh seed 1001", "simulating the volume cases"]
    last = shown[-1].splitlines()[0]
    assert [*steps, "simulating the headcount steps"] == [*(s for s in shown if s in steps), last]
    assert err.endswith(
        "\nwarning: 40 replications are too few for confidence 0.95: the search "
        "asks every replication and staffs above need; use --reps 206 or more\n"
    )


class TestFewReplications:
    """The least replications of a search: its margin at most half of ``1 - confidence``."""

    @pytest.mark.parametrize(("confidence", "least"), [(0.8, 44), (0.9, 98), (0.95, 206)])
    def test_least_replications(self, confidence: float, least: int) -> None:
        """At the least, the margin is within half the slack; one fewer, it is not."""
        slack = 1.0 - confidence
        assert search_margin(confidence, least) <= slack / 2
        assert search_margin(confidence, least - 1) > slack / 2
        assert min_search_reps(confidence) == least
        assert few_reps_warning(confidence, least) is None
        assert few_reps_warning(confidence, least - 1) is not None

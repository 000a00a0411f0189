"""`ccsim replay`: each day of a log simulated with its own calls, against what happened."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from calibration_helpers import BANK_LOG
from helpers import invoke

from sim.calibration import CallLog, log_from_records, write_call_log
from sim.calibration.replay import REPLAY_KPIS, replay
from sim.report.replay import REPLAY_FILES
from sim.scenario import scenario_from_dict
from sim.simulation import simulate

SATURATED = {
    "name": "saturated",
    "calendar": {"days": 2, "open": "08:00", "close": "10:00", "interval_minutes": 15},
    "call_types": {
        "calls": {
            "volume": {"per_hour": 330},
            "handle_time": {"dist": "lognormal", "mean_s": 180, "cv": 0.6},
        }
    },
    "groups": {"agents": {"headcount": 15}},
}
"""Callers who never hang up and 15 agents loaded past 100%: every agent serves every quarter."""


@pytest.fixture(scope="module")
def saturated_log() -> CallLog:
    """Two simulated days of the saturated centre, as a call log (one log per day, joined)."""
    result = simulate(
        scenario_from_dict(SATURATED), reps=1, seed=5, engine="simpy", keep_records=True
    )
    assert result.calls is not None
    log = log_from_records(result.calls, result.plan, date(2024, 3, 4))
    assert log.calls["agent"].nunique() == 15
    return log


class TestExactReplay:
    """A log the simulator made replays to itself when staffing and patience are known."""

    @pytest.mark.parametrize("engine", ["simpy", "fast"])
    def test_saturated_days_replay_exactly(self, saturated_log: CallLog, engine: str) -> None:
        """No abandonment and every agent seen every quarter: the waits come back exactly.

        The trace gives every call its recorded arrival and handle time and the agents seen
        serving are the 15 on duty, so the simulated waits are the recorded ones, in every
        interval and both engines.
        """
        result = replay(saturated_log, staffing="serving", reps=2, seed=1, engine=engine)
        table = result.table
        assert 2 == result.days
        assert (table["agents"] == 15).all()
        np.testing.assert_allclose(table["simulated"], table["observed"], rtol=1e-9, atol=1e-6)
        assert (table.loc[table["kpi"] == "answer_rate", "observed"] == 1.0).all()
        assert table.loc[table["kpi"] == "asa_s", "observed"].max() > 30.0  # they did wait

    def test_errors_are_zero_and_erlang_a_is_not(self, saturated_log: CallLog) -> None:
        """The error table: replay 0 on the waits; Erlang A (steady state) misses them."""
        errors = replay(saturated_log, staffing="serving", reps=1).errors.set_index("kpi")
        assert list(REPLAY_KPIS) == list(errors.index)
        assert errors.loc["asa_s", "mae_simulated"] == pytest.approx(0.0, abs=1e-6)
        assert errors.loc["asa_s", "mae_erlang_a"] > 1.0


class TestStaffing:
    """The two staffing estimates bracket the agents on duty."""

    def test_busy_staffing_is_at_most_serving(self, saturated_log: CallLog) -> None:
        """Busy time rounded up never exceeds the distinct agents seen serving."""
        busy = replay(saturated_log, staffing="busy", reps=1).table
        serving = replay(saturated_log, staffing="serving", reps=1).table
        assert (busy["agents"] <= serving["agents"]).all()

    def test_unknown_staffing_is_refused(self, saturated_log: CallLog) -> None:
        """Only the two documented estimates."""
        with pytest.raises(ValueError, match="staffing must be one of busy, serving"):
            replay(saturated_log, staffing="logged-in")


class TestCommandLine:
    """`ccsim replay LOG` prints the errors and writes the table and the plot."""

    def test_replays_a_ccsim_log(self, saturated_log: CallLog, tmp_path: Path) -> None:
        """A log in the documented CSV format: exit 0, the error table, three files."""
        path = tmp_path / "log.csv"
        write_call_log(saturated_log, path)
        code, out, _ = invoke(
            "replay", str(path), "--reps=2", "--staffing=serving", f"--out={tmp_path / 'r'}"
        )
        assert 0 == code
        assert "2 days replayed" in out
        assert "MAE replay" in out
        assert set(REPLAY_FILES) == {p.name for p in (tmp_path / "r").iterdir()}
        table = pd.read_csv(tmp_path / "r" / "replay.csv")
        assert set(REPLAY_KPIS) == set(table["kpi"])

    def test_bad_log_is_one_line(self, tmp_path: Path) -> None:
        """A malformed log: exit 2, one line naming the file."""
        path = tmp_path / "log.csv"
        path.write_text("call_id,call_type\n1,a\n")
        code, _, err = invoke("replay", str(path))
        assert 2 == code
        assert err.startswith(f"error: {path}")
        assert 1 == len(err.strip().splitlines())


@pytest.mark.slow
@pytest.mark.skipif(not BANK_LOG.exists(), reason="the shared bank data is not here")
def test_bank_month_replays(tmp_path: Path) -> None:
    """The January bank month: every day replayed, errors for every KPI, under a minute."""
    code, out, _ = invoke("replay", str(BANK_LOG), "--reps=5", f"--out={tmp_path}")
    assert 0 == code
    assert "29 days replayed" in out
    errors = pd.read_csv(tmp_path / "replay_errors.csv").set_index("kpi")
    assert (errors["cells"] > 300).all()

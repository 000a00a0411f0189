"""`ccsim replay`: each day of a log simulated with its own calls, against what happened."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from calibration_helpers import BANK_LOG
from helpers import invoke

from sim.calibration import CallLog, log_from_records, make_call_log, write_call_log
from sim.calibration.presence import read_roster
from sim.calibration.replay import (
    REPLAY_KPIS,
    replay,
    replay_errors,
    unqueued_priority,
    with_baselines,
)
from sim.errors import UsageError
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
        errors = replay(saturated_log, staffing="serving", reps=1).errors
        every = errors[errors["call_type"] == "all"].set_index(["kpi", "predictor"])
        assert list(REPLAY_KPIS) == list(dict.fromkeys(every.index.get_level_values("kpi")))
        assert every.loc[("asa_s", "simulated"), "mae"] == pytest.approx(0.0, abs=1e-6)
        assert every.loc[("asa_s", "simulated"), "bias"] == pytest.approx(0.0, abs=1e-6)
        assert every.loc[("asa_s", "erlang_a"), "mae"] > 1.0

    def test_roster_of_everyone_replays_exactly(
        self, saturated_log: CallLog, tmp_path: Path
    ) -> None:
        """A roster with the 15 agents on all day: the recorded waits come back exactly."""
        rows = [
            f"agents-{a},{day} 07:00:00,{day} 11:00:00"
            for a in range(15)
            for day in ("2024-03-04", "2024-03-05")
        ]
        path = tmp_path / "roster.csv"
        path.write_text("agent,start,end\n" + "\n".join(rows) + "\n")
        result = replay(saturated_log, roster=read_roster(path), reps=1)
        assert "roster" == result.staffing
        table = result.table
        assert (table["agents"] == 15).all()
        np.testing.assert_allclose(table["simulated"], table["observed"], rtol=1e-9, atol=1e-6)


class TestStaffing:
    """The staffing estimates from the log, and the choice of staffing."""

    def test_busy_staffing_is_at_most_serving(self, saturated_log: CallLog) -> None:
        """Busy time rounded up never exceeds the distinct agents seen serving."""
        busy = replay(saturated_log, staffing="busy", reps=1).table
        serving = replay(saturated_log, staffing="serving", reps=1).table
        assert (busy["agents"] <= serving["agents"]).all()

    def test_ready_is_the_default(self, saturated_log: CallLog) -> None:
        """Every agent works throughout: the agents ready are the 15 after the first hour.

        In the first hour each agent counts from their first call, not from the opening. The
        simulator's agents never sit idle while a caller waits, so the ready agents are the
        agents present.
        """
        result = replay(saturated_log, reps=1)
        assert "ready" == result.staffing
        agents = result.table.set_index("interval")["agents"]
        assert (agents["09:00"] == 15).all()
        assert (agents["08:00"] >= 14).all()
        present = replay(saturated_log, staffing="presence", reps=1).table
        pd.testing.assert_series_equal(result.table["agents"], present["agents"])

    @pytest.mark.parametrize("ann_priority", [False, True])
    def test_ready_leaves_out_an_agent_idle_while_a_caller_waits(self, ann_priority: bool) -> None:
        """Ann sits idle from 08:26:40 to 08:38 while Bob's callers wait a minute from 08:30:40.

        Ann and Bob answer a caller every 5 minutes from 08:00 to 08:25 (100 s each, at once);
        from 08:30 Bob serves callers back to back, each after a 60 s wait, until 09:00, and
        Ann takes one more caller at 08:38. Present: Ann until 08:39:40 (her 11-minute gap is
        under the 15-minute threshold), so 2 agents in the quarters to 08:45 and Bob alone
        after. Ready: Ann's span ends at 08:30:40, when a caller had waited while she was idle
        (pickup time 0 s: Bob took each waiting caller the moment he was free), so the
        quarter of 08:30 has Bob and 140 s of Ann: 1 agent. Hour means: 1.75 and 1.5. The same
        when Ann's callers are all priority customers (replayed apart as ``calls-priority``):
        she still serves the queue of ``calls``, where Bob's callers wait.
        """
        at = pd.Timestamp("2024-03-04 08:00")
        rows = [(f"{a}{m}", m * 60.0, m * 60.0, a) for m in range(0, 30, 5) for a in ("ann", "bob")]
        rows += [("b0", 1800.0, 1800.0, "bob"), ("a38", 2280.0, 2280.0, "ann")]
        rows += [(f"b{k}", 1740.0 + 100 * k, 1800.0 + 100 * k, "bob") for k in range(1, 18)]
        log = make_call_log(
            call_id=[r[0] for r in rows],
            call_type=["calls"] * len(rows),
            arrival_at=[at + pd.Timedelta(seconds=r[1]) for r in rows],
            queue_at=[at + pd.Timedelta(seconds=r[1]) for r in rows],
            answer_at=[at + pd.Timedelta(seconds=r[2]) for r in rows],
            abandon_at=[pd.NaT] * len(rows),
            handle_s=[100.0] * len(rows),
            agent=[r[3] for r in rows],
            source="idle.csv",
            priority=[ann_priority and r[3] == "ann" for r in rows],
        )
        scenario = scenario_from_dict(
            {
                "name": "idle",
                "calendar": {"days": 1, "open": "08:00", "close": "09:00", "interval_minutes": 15},
                "call_types": {
                    "calls": {
                        "volume": {"per_interval": [8.0] * 4},
                        "handle_time": {"dist": "lognormal", "mean_s": 100, "cv": 0.5},
                    }
                },
                "groups": {"agents": {"headcount": 2}},
            }
        )

        def agents(staffing: str) -> float:
            table = replay(log, scenario=scenario, staffing=staffing, reps=1).table
            return float(table["agents"].iloc[0])

        assert 1.75 == agents("presence")
        assert 1.5 == agents("ready")

    @pytest.mark.parametrize(
        ("staffing", "message"),
        [
            (
                "logged-in",
                "staffing must be one of ready, presence, busy, serving, scenario, roster",
            ),
            ("scenario", "staffing 'scenario' needs a scenario"),
            ("roster", "a roster is the staffing 'roster', and that staffing needs one"),
        ],
    )
    def test_bad_staffing_is_refused(
        self, saturated_log: CallLog, staffing: str, message: str
    ) -> None:
        """Only the documented staffings, each with what it needs."""
        with pytest.raises(UsageError, match=message):
            replay(saturated_log, staffing=staffing)


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
        assert "staffing: serving" in out
        assert "replay" in out
        assert "Erlang A" in out
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


def hand_log(folder: Path, rows: list[str]) -> Path:
    """Write a small call log in the documented CSV format."""
    path = folder / "log.csv"
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    return path


HEADER = "call_id,call_type,arrival,queue_entry,answer,abandon,handle_s,agent"


def quarter_hour_calls(day: str, hour: int, n: int) -> list[str]:
    """``n`` calls of type ``a`` in an hour, half answered at once by ann, half abandoned."""
    rows = []
    for i in range(n):
        at = f"{day} {hour:02d}:{4 * i:02d}:00"
        if i % 2:
            rows.append(f"a{day}{hour}{i},a,{at},{at},,{day} {hour:02d}:{4 * i:02d}:30,,")
        else:
            rows.append(f"a{day}{hour}{i},a,{at},,{at},,{100 + i},ann")
    return rows


class TestRegressions:
    """Bugs found on real logs, each on a small hand-made log."""

    def test_call_type_that_waited_but_never_abandoned(self, tmp_path: Path) -> None:
        """Type b queued but nobody abandoned (no patience): the replay runs, Erlang A too.

        Pooling call types used to multiply b's infinite patience by its zero share in the
        hours without b calls, and the NaN stopped the replay.
        """
        b_calls = [
            f"b{i},b,2024-03-04 09:{4 * i:02d}:00,2024-03-04 09:{4 * i:02d}:00,"
            f"2024-03-04 09:{4 * i:02d}:40,,120,bob"
            for i in range(12)
        ]
        path = hand_log(tmp_path, [*quarter_hour_calls("2024-03-04", 8, 14), *b_calls])
        code, _, err = invoke("replay", str(path), "--reps=2", f"--out={tmp_path / 'r'}")
        assert 0 == code, err
        table = pd.read_csv(tmp_path / "r" / "replay.csv")
        every = table[table["call_type"] == "all"]
        assert every["erlang_a"].notna().all()
        nine = every[(every["interval"] == "09:00") & (every["kpi"] == "answer_rate")]
        assert 1.0 == nine["erlang_a"].iloc[0]  # b alone: no patience, everyone answered

    def test_no_day_hour_with_enough_calls_says_so(self, tmp_path: Path) -> None:
        """Nine calls in the only hour: one line says why there are no errors."""
        path = hand_log(tmp_path, quarter_hour_calls("2024-03-04", 8, 9))
        code, out, _ = invoke("replay", str(path), "--reps=1", f"--out={tmp_path / 'r'}")
        assert 0 == code
        assert "no day-interval has at least 10 offered calls: no errors to report" in out
        assert "MAE" not in out


class TestBaselines:
    """The flat guess and the week before, scored beside the replay."""

    @staticmethod
    def table() -> pd.DataFrame:
        """One KPI of one hour on three Mondays and one Tuesday; the 2nd Monday has few calls."""
        days = ["2024-03-04", "2024-03-11", "2024-03-18", "2024-03-05"]
        return pd.DataFrame(
            {
                "day": days,
                "interval": "08:00",
                "call_type": "all",
                "kpi": "answer_rate",
                "offered": [20, 5, 30, 40],
                "agents": 3.0,
                "observed": [0.8, 0.2, 0.9, 0.5],
                "simulated": [0.7, 0.2, 0.95, 0.6],
                "erlang_a": [0.6, 0.2, 0.6, 0.6],
            }
        )

    def test_flat_guess_and_week_before(self) -> None:
        """Flat: the median of the other days of the weekday with enough calls; week before.

        The 2nd Monday (5 calls) predicts nothing; the Tuesday has no other Tuesday.
        """
        table = with_baselines(self.table())
        np.testing.assert_allclose([0.9, 0.85, 0.8, np.nan], table["flat"])
        np.testing.assert_allclose([np.nan, 0.8, np.nan, np.nan], table["week_before"])

    def test_errors(self) -> None:
        """MAE, bias and skill over the cells with enough calls where each predicts."""
        errors = replay_errors(with_baselines(self.table())).set_index("predictor")
        assert 3 == errors.loc["simulated", "cells"]  # the 2nd Monday is left out
        assert errors.loc["simulated", "mae"] == pytest.approx((0.1 + 0.05 + 0.1) / 3)
        assert errors.loc["simulated", "bias"] == pytest.approx((-0.1 + 0.05 + 0.1) / 3)
        # the flat guess predicts the two Mondays only: errors 0.1 and 0.1
        assert 2 == errors.loc["flat", "cells"]
        assert errors.loc["simulated", "skill"] == pytest.approx(1 - 0.075 / 0.1)
        assert 0.0 == errors.loc["flat", "skill"]
        assert "week_before" not in errors.index  # its only value is for the 5-call Monday

    def test_no_cells_no_errors(self) -> None:
        """Too few calls everywhere: an empty error table with its columns."""
        table = self.table().assign(offered=5)
        errors = replay_errors(with_baselines(table))
        assert errors.empty
        assert "skill" in errors.columns


@pytest.fixture(scope="module")
def flagged(saturated_log: CallLog) -> CallLog:
    """The saturated log with every third call a priority customer."""
    calls = saturated_log.calls.assign(priority=np.arange(len(saturated_log)) % 3 == 0)
    return CallLog(calls=calls, source="flagged")


class TestPriorityCustomers:
    """The log's priority customers, replayed apart or served first."""

    def test_apart_replays_exactly(self, flagged: CallLog) -> None:
        """In arrival order with everyone: the same queue, every wait back, reported apart."""
        table = replay(flagged, staffing="serving", reps=1).table
        assert {"all", "calls", "calls-priority"} == set(table["call_type"])
        np.testing.assert_allclose(table["simulated"], table["observed"], rtol=1e-9, atol=1e-6)

    def test_first_serves_them_first(self, flagged: CallLog) -> None:
        """Served first: priority customers wait less than they did, the others more."""
        table = replay(flagged, staffing="serving", priority_customers="first", reps=1).table
        asa = table[table["kpi"] == "asa_s"].groupby("call_type")[["observed", "simulated"]]
        means = asa.mean()
        assert means.loc["calls-priority", "simulated"] < means.loc["calls-priority", "observed"]
        assert means.loc["calls", "simulated"] > means.loc["calls", "observed"]

    def test_pooled(self, flagged: CallLog) -> None:
        """Pooled: regular callers of their call type."""
        table = replay(flagged, staffing="serving", priority_customers="pooled", reps=1).table
        assert {"all", "calls"} == set(table["call_type"])

    def test_unrecorded_priority_is_drawn_with_the_queued_share(self) -> None:
        """Unqueued calls of a call type whose unqueued calls all read regular are drawn.

        Type A: 40 queued calls, 10 of them priority customers (share 0.25), and 4,000
        unqueued ones read as regular: about a quarter of those become priority customers
        (within 4 standard errors, sqrt(0.25 x 0.75 / 4,000) = 0.0068); the queued keep
        theirs. Type B: an unqueued priority customer shows the field is recorded there, so
        nothing is drawn. Type C: nobody queued, nothing to draw from.
        """
        at = pd.Timestamp("2024-03-04 08:00")
        types = ["A"] * 4040 + ["B"] * 20 + ["C"] * 5
        queued = [True] * 40 + [False] * 4000 + [True] * 10 + [False] * 10 + [False] * 5
        priority = [i < 10 for i in range(4040)] + [i in (0, 15) for i in range(20)] + [False] * 5
        calls = pd.DataFrame(
            {
                "call_type": types,
                "queue_at": [at if q else pd.NaT for q in queued],
                "priority": priority,
            }
        )
        drawn = unqueued_priority(calls, np.random.default_rng(7))
        np.testing.assert_array_equal(priority[:40], drawn[:40])
        assert abs(drawn[40:4040].mean() - 0.25) < 4 * np.sqrt(0.25 * 0.75 / 4000)
        np.testing.assert_array_equal(priority[4040:], drawn[4040:])

    def test_unknown_is_refused(self, flagged: CallLog) -> None:
        """Only the three documented ways."""
        with pytest.raises(UsageError, match="priority customers must be one of apart, first"):
            replay(flagged, priority_customers="vip")


class TestOutOfSample:
    """A scenario tested on another log's arrivals."""

    def test_scenario_replays_a_log(self, saturated_log: CallLog, tmp_path: Path) -> None:
        """Its own scenario's staffing and handle times; a call type it lacks is left out."""
        log_path = tmp_path / "log.csv"
        extra = saturated_log.calls.iloc[:3].assign(
            call_type="other_line", call_id=["x1", "x2", "x3"]
        )
        calls = pd.concat([saturated_log.calls, extra], ignore_index=True)
        write_call_log(CallLog(calls=calls, source="log"), log_path)
        scenario_path = tmp_path / "scenario.yaml"
        scenario_path.write_text(yaml.safe_dump(SATURATED))
        code, out, err = invoke(
            "replay",
            str(log_path),
            f"--scenario={scenario_path}",
            "--reps=2",
            f"--out={tmp_path / 'r'}",
        )
        assert 0 == code, err
        assert "scenario scenario.yaml, staffing: scenario" in out
        assert "3 calls of call type other_line, not in the scenario, were not replayed" in out
        table = pd.read_csv(tmp_path / "r" / "replay.csv")
        assert (table["agents"] == 15).all()
        assert set(table["call_type"]) == {"all", "calls"}

    def test_calibration_of_another_log(self, saturated_log: CallLog, tmp_path: Path) -> None:
        """--calibration: the scenario calibrated from another log replays this one's arrivals.

        The first day calibrates (its agents ready: the 15 after the first quarter), the second
        is replayed with that scenario's staffing; both options at once are refused.
        """
        first_day = saturated_log.calls["arrival_at"].dt.day == 4
        first, second = tmp_path / "first.csv", tmp_path / "second.csv"
        write_call_log(CallLog(calls=saturated_log.calls[first_day], source="a"), first)
        write_call_log(CallLog(calls=saturated_log.calls[~first_day], source="b"), second)
        out_dir = f"--out={tmp_path / 'r'}"
        calibration = f"--calibration={first}"
        code, out, err = invoke("replay", str(second), calibration, "--reps=1", out_dir)
        assert 0 == code, err
        assert "1 days replayed, 1 replications each, calibrated on first.csv" in out
        assert "staffing: scenario" in out
        table = pd.read_csv(tmp_path / "r" / "replay.csv").set_index("interval")
        assert (table.loc["09:00", "agents"] == 15).all()
        scenario_path = tmp_path / "scenario.yaml"
        scenario_path.write_text(yaml.safe_dump(SATURATED))
        both = (f"--calibration={first}", f"--scenario={scenario_path}")
        code, out, err = invoke("replay", str(second), *both, out_dir)
        assert 2 == code
        assert "give --scenario or --calibration, not both" in out + err

    def test_scenario_with_log_staffing(self, saturated_log: CallLog) -> None:
        """--staffing presence with a scenario: the log's agents, the scenario's model."""
        scenario = scenario_from_dict({**SATURATED, "groups": {"agents": {"headcount": 3}}})
        result = replay(saturated_log, scenario=scenario, staffing="presence", reps=1)
        agents = result.table.set_index("interval")["agents"]
        assert (agents["09:00"] == 15).all()

    def test_several_groups_need_their_own_staffing(self, saturated_log: CallLog) -> None:
        """The log's staffing cannot be split between groups."""
        skills = {"skills": {"calls": "standard"}}
        groups = {"a": {"headcount": 5, **skills}, "b": {"headcount": 5, **skills}}
        scenario = scenario_from_dict({**SATURATED, "groups": groups})
        with pytest.raises(UsageError, match="staffing 'presence' needs a scenario with one"):
            replay(saturated_log, scenario=scenario, staffing="presence")


@pytest.mark.slow
@pytest.mark.skipif(not BANK_LOG.exists(), reason="the shared bank data is not here")
def test_bank_month_replays(tmp_path: Path) -> None:
    """The January bank month: every day replayed, errors for every KPI, under a minute.

    With the agents ready (the default), the replay's MAE per day-hour is below the flat
    guess's on answer rate, ASA and P(wait) (2.8 vs 5.9 points, 11.7 vs 20.1 s, 12.6 vs 19.1
    points with 20 replications; docs/guide-calibration.md).
    """
    code, out, _ = invoke("replay", str(BANK_LOG), "--reps=5", f"--out={tmp_path}")
    assert 0 == code
    assert "29 days replayed" in out
    assert "staffing: ready" in out
    assert "1198 calls left in the IVR" in out
    errors = pd.read_csv(tmp_path / "replay_errors.csv")
    every = errors[errors["call_type"] == "all"].set_index(["kpi", "predictor"])
    assert (every["cells"].xs("simulated", level="predictor") > 300).all()
    assert (every["cells"].xs("week_before", level="predictor") > 200).all()
    assert {"PS", "NW"} <= set(errors["call_type"])
    for kpi in ("answer_rate", "asa_s", "p_wait"):
        assert every.loc[(kpi, "simulated"), "mae"] < every.loc[(kpi, "flat"), "mae"]

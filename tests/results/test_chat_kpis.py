"""Chat KPIs: session and chat time from hand-built records, and the ratios built from them.

``busy_s`` of an agent holding chats is the union of their contacts' spans; ``session_s`` sums
every session; ``chat_s`` is the union of the chat sessions only. ``sessions_per_agent`` =
session / chat time; ``concurrency_utilisation`` = session time / (``max_concurrent.chat`` x
the time open to contacts) of the groups that take chats. Each is shown in ``ccsim run``.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import (
    SCENARIOS,
    answered_contact,
    chat_plan,
    contact_records,
    invoke,
    write_experiment,
)

from sim.engines.base import Tallies
from sim.results import group_kpis, replication_kpis, tally_records
from sim.scenario import Plan

CHAT_TEAM = SCENARIOS / "chat_team.yaml"


def team_tallies() -> tuple[Plan, Tallies]:
    """Agent 0 (team) holds chats [0, 100), [50, 150), [60, 120) and [300, 400) s after 08:00,
    and a call [130, 200) while chatting; agent 1 (desk) a call [0, 600). Both on duty 1 h."""
    plan = chat_plan()
    contacts = [
        answered_contact(0, 0.0, 100.0),
        answered_contact(0, 50.0, 100.0),
        answered_contact(0, 60.0, 60.0),
        answered_contact(1, 130.0, 70.0),
        answered_contact(0, 300.0, 100.0),
        answered_contact(1, 0.0, 600.0, agent=1),
    ]
    return plan, tally_records(contact_records(contacts, shifts=True), plan, reps=1)


class TestTallies:
    """Records -> agent time with chats."""

    def test_busy_is_the_union_of_the_contacts_in_hand(self) -> None:
        """Agent 0 is busy [0, 200) and [300, 400): 300 s; agent 1 600 s."""
        _, tallies = team_tallies()
        busy = tallies.agent_sum("busy_s")[0, 0].sum(axis=0)
        np.testing.assert_allclose(busy, [300.0, 600.0])

    def test_session_time_counts_every_session(self) -> None:
        """100 + 100 + 60 + 100 session seconds, all in group team."""
        _, tallies = team_tallies()
        np.testing.assert_allclose(tallies.agent_sum("session_s")[0, 0].sum(axis=0), [360.0, 0.0])

    def test_chat_time_is_the_union_of_the_sessions(self) -> None:
        """Sessions held [0, 150) and [300, 400): 250 s (the call in between not counted)."""
        _, tallies = team_tallies()
        np.testing.assert_allclose(tallies.agent_sum("chat_s")[0, 0].sum(axis=0), [250.0, 0.0])

    def test_spans_that_only_touch_stay_apart(self) -> None:
        """A session ending as the next one starts: 200 s of chat time either way."""
        plan = chat_plan()
        records = contact_records(
            [answered_contact(0, 0.0, 100.0), answered_contact(0, 100.0, 100.0)]
        )
        tallies = tally_records(records, plan, reps=1)
        np.testing.assert_allclose(tallies.agent_sum("chat_s").sum(), 200.0)
        np.testing.assert_allclose(tallies.agent_sum("busy_s").sum(), 200.0)

    def test_voice_only_plans_sum_their_calls(self) -> None:
        """Without chats busy time is the sum of the calls' spans, as before."""
        plan = dataclasses.replace(chat_plan(), type_chat=np.array([False, False]))
        records = contact_records(
            [answered_contact(1, 0.0, 100.0), answered_contact(1, 100.0, 50.0)]
        )
        tallies = tally_records(records, plan, reps=1)
        np.testing.assert_allclose(tallies.agent_sum("busy_s").sum(), 150.0)
        assert tallies.agent_sum("session_s").sum() == 0.0


class TestKpis:
    """Tallies -> chat KPIs."""

    def test_group_chat_kpis(self) -> None:
        """Sessions per agent 360 / 250; utilisation 360 / (3 x 3600); occupancy 300 / 3600."""
        plan, tallies = team_tallies()
        frame = group_kpis(tallies, plan, "total")
        team = frame[(frame["group"] == "team") & (frame["call_type"] == "all")].iloc[0]
        assert team["sessions_per_agent"] == pytest.approx(360 / 250)
        assert team["concurrency_utilisation"] == pytest.approx(360 / (3 * 3600))
        assert team["session_h"] == pytest.approx(360 / 3600)
        assert team["occupancy"] == pytest.approx(300 / 3600)

    def test_groups_without_chats_have_none(self) -> None:
        """The desk takes no chats: its chat ratios are undefined (NaN), its session hours 0."""
        plan, tallies = team_tallies()
        frame = group_kpis(tallies, plan, "total")
        desk = frame[(frame["group"] == "desk") & (frame["call_type"] == "all")].iloc[0]
        assert math.isnan(desk["sessions_per_agent"])
        assert math.isnan(desk["concurrency_utilisation"])
        assert desk["session_h"] == 0.0

    def test_centre_utilisation_counts_only_chat_capacity(self) -> None:
        """The centre's utilisation: 360 / (3 x 3600), the desk's hours left out."""
        plan, tallies = team_tallies()
        frame = replication_kpis(tallies, plan, "total")
        centre = frame[frame["call_type"] == "all"].iloc[0]
        assert centre["concurrency_utilisation"] == pytest.approx(360 / (3 * 3600))
        assert centre["occupancy"] == pytest.approx(900 / 7200)


class TestRunOutput:
    """``ccsim run`` shows the chat KPIs on the console, in the CSVs and in --json."""

    def test_console(self, tmp_path: Path) -> None:
        """The chat call type is labelled, and each chat group has its row of chat KPIs."""
        code, out, _ = invoke("run", str(CHAT_TEAM), "--reps", "3", "--out", str(tmp_path))
        assert code == 0
        assert "chat (chat)" in out
        assert "chat: ASA is the mean time to the first response" in out
        header = next(line for line in out.splitlines() if line.startswith("chat group"))
        assert "sessions per agent" in header
        assert "concurrency utilisation" in header
        rows = [
            line.split()[0] for line in out.splitlines() if line.startswith(("chat_", "mixed_"))
        ]
        assert {"chat_team", "mixed_desk"} <= set(rows)

    def test_csvs(self, tmp_path: Path) -> None:
        """groups.csv has the chat KPIs of each group; summary.csv those of the centre."""
        code, _, _ = invoke("run", str(CHAT_TEAM), "--reps", "3", "--out", str(tmp_path))
        assert code == 0
        groups = (tmp_path / "groups.csv").read_text(encoding="utf-8")
        summary = (tmp_path / "summary.csv").read_text(encoding="utf-8")
        intervals = (tmp_path / "intervals.csv").read_text(encoding="utf-8").splitlines()[0]
        for kpi in ("session_h", "sessions_per_agent", "concurrency_utilisation"):
            assert f"chat_team,all,{kpi}," in groups
            assert f"total,all,{kpi}," in summary
        assert "concurrency_utilisation_mean" in intervals

    def test_json(self) -> None:
        """--json lists the chat call types and each chat group's KPIs."""
        code, out, _ = invoke("run", str(CHAT_TEAM), "--reps", "3", "--json")
        assert code == 0
        document = json.loads(out)
        assert document["chat"]["call_types"] == ["chat"]
        team = document["chat"]["groups"]["chat_team"]
        assert 1.0 <= team["sessions_per_agent"]["mean"] <= 3.0
        assert 0.0 < team["concurrency_utilisation"]["mean"] <= 1.0
        assert "concurrency_utilisation" in document["kpis"]["all"]
        assert "asa_s" in document["kpis"]["chat"]


class TestExperiment:
    """An experiment on a chat scenario reports the chat KPIs of each point."""

    def test_concurrency_sweep(self, tmp_path: Path) -> None:
        """More sessions per agent: more sessions held, and each place less used."""
        body = """\
name: chat-sweep
seed: 3
engine: fast
replications: 4
kpis: [service_level, sessions_per_agent, concurrency_utilisation]
factors:
  sessions:
    path: groups.chat_team.max_concurrent.chat
    levels: [2, 3]
"""
        scenario = CHAT_TEAM.read_text(encoding="utf-8").replace(
            "chat_slowdown: [1.0, 1.3, 1.6]", "chat_slowdown: null"
        )
        experiment = write_experiment(tmp_path / "exp", body, scenario)
        store = tmp_path / "store"
        code, _, _ = invoke("experiment", "run", str(experiment), f"--store={store}")
        assert code == 0
        out_dir = tmp_path / "report"
        code, _, _ = invoke(
            "experiment", "report", str(experiment), f"--store={store}", f"--out={out_dir}"
        )
        assert code == 0
        table = pd.read_csv(out_dir / "table.csv")
        table = table.set_index(["point", "kpi"])["mean"]
        two, three = "sessions=2", "sessions=3"
        assert 1.0 < table[(two, "sessions_per_agent")] < table[(three, "sessions_per_agent")]
        assert 0.0 < table[(three, "concurrency_utilisation")] < 1.0

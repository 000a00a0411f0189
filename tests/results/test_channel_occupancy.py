"""Occupancy split by channel: voice, chat and email time over the time open to contacts.

``occupancy_voice`` = handle time of voice calls, ``occupancy_chat`` = time holding at least one
chat session, ``occupancy_email`` = handle time of email items, each / (staffed - breaks -
outbound - off the phones), the denominator of ``occupancy``. An agent holding chats while on a
voice call counts in both, so the parts may sum above ``occupancy``. Checked against hand-built
records, against the records of both engines on a small three-channel scenario (computed here
from the records alone), and in ``ccsim run``'s console, CSVs and --json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers import (
    THREE_CHANNELS,
    answered_contact,
    assert_same_tallies,
    chat_plan,
    contact_records,
    invoke,
)

from sim.engines.base import Outcome, Records
from sim.results import CHANNEL_KPIS, group_kpis, replication_kpis, tally_records
from sim.scenario import Plan, build_plan, scenario_from_dict
from sim.simulation import SimulationResult, simulate

ANSWERED = int(Outcome.ANSWERED)


class TestHandBuiltRecords:
    """Records -> channel time and occupancy (the chat scenario of ``test_chat_kpis``)."""

    def tallies(self) -> tuple[Plan, Any]:
        """Agent 0 (team) chats [0, 150) and [300, 400) s after 08:00 and takes a call [130,
        200) while chatting; agent 1 (desk) a call [0, 600). Both on duty 1 h."""
        plan = chat_plan()
        contacts = [
            answered_contact(0, 0.0, 100.0),
            answered_contact(0, 50.0, 100.0),
            answered_contact(1, 130.0, 70.0),
            answered_contact(0, 300.0, 100.0),
            answered_contact(1, 0.0, 600.0, agent=1),
        ]
        return plan, tally_records(contact_records(contacts, shifts=True), plan, reps=1)

    def test_voice_and_chat_time(self) -> None:
        """Voice: 70 s (team), 600 s (desk); chat: 250 s (team); no email."""
        _, tallies = self.tallies()
        np.testing.assert_allclose(tallies.agent_sum("voice_s")[0, 0].sum(axis=0), [70.0, 600.0])
        np.testing.assert_allclose(tallies.agent_sum("chat_s")[0, 0].sum(axis=0), [250.0, 0.0])
        assert tallies.agent_sum("email_s").sum() == 0.0

    def test_overlap_counts_in_both(self) -> None:
        """Team: busy [0, 200) and [300, 400) = 300 s, voice 70 + chat 250 = 320 s > 300 s."""
        plan, tallies = self.tallies()
        frame = group_kpis(tallies, plan, "total")
        team = frame[(frame["group"] == "team") & (frame["call_type"] == "all")].iloc[0]
        assert team["occupancy"] == pytest.approx(300 / 3600)
        assert team["occupancy_voice"] == pytest.approx(70 / 3600)
        assert team["occupancy_chat"] == pytest.approx(250 / 3600)
        assert team["occupancy_email"] == 0.0
        centre = replication_kpis(tallies, plan, "total")
        centre = centre[centre["call_type"] == "all"].iloc[0]
        assert centre["occupancy_voice"] == pytest.approx(670 / 7200)

    def test_voice_only_plans_have_no_channel_time(self) -> None:
        """Without chat or email the channels are not tallied and not reported."""
        plan = chat_plan()
        voice = scenario_from_dict(
            {
                "name": "voice",
                "calendar": {"open": "08:00", "close": "09:00", "interval_minutes": 30},
                "call_types": {
                    "calls": {
                        "volume": {"per_hour": 10},
                        "handle_time": {"dist": "exponential", "mean_s": 60},
                    }
                },
                "groups": {"desk": {"skills": {"calls": "standard"}, "headcount": 1}},
            }
        )
        voice_plan = build_plan(voice)
        assert plan.has_channels
        assert not voice_plan.has_channels
        # type 0 and group 0 are the voice plan's only call type and group
        records = contact_records([answered_contact(0, 0.0, 100.0)])
        tallies = tally_records(records, voice_plan, reps=1)
        assert tallies.agent_sum("busy_s").sum() == 100.0
        assert tallies.agent_sum("voice_s").sum() == 0.0
        frame = group_kpis(tallies, voice_plan, "total")
        assert not set(CHANNEL_KPIS) & set(frame.columns)


@pytest.fixture(scope="module")
def both_engines() -> tuple[Plan, dict[str, SimulationResult]]:
    """Three replications of the three-channel scenario in each engine, records kept."""
    scenario = scenario_from_dict(THREE_CHANNELS)
    results = {
        engine: simulate(scenario, reps=3, seed=11, engine=engine, keep_records=True)
        for engine in ("simpy", "fast")
    }
    return build_plan(scenario), results


def _by_hand(plan: Plan, records: Records) -> pd.DataFrame:
    """Occupancy by channel per replication and group (and ``all``), from the records alone.

    Voice and email: the sum of (end - answer) of answered contacts; chat: per agent, the union
    of their session spans; the denominator: staffed - break time (no outbound, no reserves).
    """
    calls = records.calls
    answered = calls.outcome == ANSWERED
    email = plan.is_email[calls.call_type]
    chat = plan.chat_types[calls.call_type]
    rows = []
    for rep in range(3):
        sums = np.zeros((4, plan.n_groups))  # voice, chat, email, available
        mine = answered & (calls.rep == rep)
        span_s = calls.ended_at - calls.answered_at
        np.add.at(sums[0], calls.group[mine & ~chat & ~email], span_s[mine & ~chat & ~email])
        np.add.at(sums[2], calls.group[mine & email], span_s[mine & email])
        for agent in np.unique(calls.agent[mine & chat]):
            held = mine & chat & (calls.agent == agent)
            sums[1, calls.group[held][0]] += _union_s(calls.answered_at[held], calls.ended_at[held])
        shifts, breaks = records.shifts, records.breaks
        on = shifts.rep == rep
        np.add.at(sums[3], shifts.group[on], shifts.off_at[on] - shifts.on_at[on])
        off = breaks.rep == rep
        np.add.at(sums[3], breaks.group[off], -(breaks.end_at[off] - breaks.start_at[off]))
        for g, name in enumerate([*plan.groups, "all"]):
            cell = sums.sum(axis=1) if name == "all" else sums[:, g]
            rows.append(
                {"rep": rep, "group": name}
                | {kpi: cell[i] / cell[3] for i, kpi in enumerate(CHANNEL_KPIS)}
            )
    return pd.DataFrame(rows).set_index(["rep", "group"])


def _union_s(start_at: np.ndarray, end_at: np.ndarray) -> float:
    """Length of the union of the spans [start, end), seconds."""
    total, reach = 0.0, -np.inf
    for start, end in sorted(zip(start_at, end_at, strict=True)):
        if start > reach:
            total += end - start
            reach = end
        elif end > reach:
            total += end - reach
            reach = end
    return total


class TestBothEngines:
    """Both engines give the same channel tallies, and the KPIs are those of the records."""

    def test_same_tallies(self, both_engines: tuple[Plan, dict[str, SimulationResult]]) -> None:
        """The fast kernel's channel time is the records' (SimPy tallies come from records)."""
        _, results = both_engines
        assert_same_tallies(results["simpy"].tallies, results["fast"].tallies)
        assert results["fast"].tallies.agent_sum("email_s").sum() > 0.0

    @pytest.mark.parametrize("engine", ["simpy", "fast"])
    def test_kpis_from_records(
        self, both_engines: tuple[Plan, dict[str, SimulationResult]], engine: str
    ) -> None:
        """Each group's and the centre's whole-run occupancy by channel, as computed by hand."""
        plan, results = both_engines
        result = results[engine]
        assert result.records is not None
        expected = _by_hand(plan, result.records)
        frame = group_kpis(result.tallies, plan, "total")
        frame = frame[frame["call_type"] == "all"].set_index(["rep", "group"])
        actual = frame.loc[expected.index, list(CHANNEL_KPIS)].astype(float)
        np.testing.assert_allclose(actual.to_numpy(), expected.to_numpy(), rtol=1e-9)
        desk = expected.xs("desk", level="group")
        assert (desk > 0).all().all()  # the desk works all three channels
        # voice while chatting: the desk's parts sum above its occupancy in some replication
        parts = desk.sum(axis=1).to_numpy()
        union = frame.xs("desk", level="group")["occupancy"].to_numpy()
        assert (parts > union + 1e-9).any()
        assert (parts >= union - 1e-12).all()


class TestRunOutput:
    """``ccsim run`` shows the occupancy by channel in the console, the CSVs and --json."""

    @pytest.fixture
    def scenario(self, tmp_path: Path) -> Path:
        """The three-channel scenario as a file."""
        path = tmp_path / "three.yaml"
        path.write_text(json.dumps(THREE_CHANNELS), encoding="utf-8")
        return path

    def test_console_and_csvs(self, scenario: Path, tmp_path: Path) -> None:
        """The group table has a column per channel; groups.csv and summary.csv their rows."""
        out_dir = tmp_path / "out"
        args = ("run", str(scenario), "--reps", "3", "--engine", "simpy", "--out", str(out_dir))
        code, out, _ = invoke(*args)
        assert code == 0
        header = next(line for line in out.splitlines() if line.startswith("group "))
        columns = header.split("occupancy", 1)[1].split("calls handled")[0].split("  ")
        assert [column.strip() for column in columns if column.strip()] == [
            "occ. voice",
            "occ. chat",
            "occ. email",
        ]
        groups = pd.read_csv(out_dir / "groups.csv")
        summary = pd.read_csv(out_dir / "summary.csv")
        total = groups[(groups["period"] == "total") & (groups["call_type"] == "all")]
        for kpi in CHANNEL_KPIS:
            assert set(total[total["kpi"] == kpi]["group"]) == {"desk", "chatters", "office", "all"}
            centre = summary[(summary["period"] == "total") & (summary["kpi"] == kpi)]
            assert list(centre["call_type"]) == ["all"]
        office = total[total["group"] == "office"].set_index("kpi")["mean"]
        assert office["occupancy_chat"] == 0.0
        assert 0.0 < office["occupancy_email"] < 1.0

    @pytest.mark.parametrize(
        ("dropped", "columns"),
        [("mail", ["occ. voice", "occ. chat"]), ("chat", ["occ. voice", "occ. email"])],
    )
    def test_console_shows_the_channels_in_use(
        self, tmp_path: Path, dropped: str, columns: list[str]
    ) -> None:
        """A plan without email (or without chat) shows no column for it."""
        raw = json.loads(json.dumps(THREE_CHANNELS))
        del raw["call_types"][dropped]
        for group in raw["groups"].values():
            group["skills"].pop(dropped, None)
            if dropped == "chat":
                group.pop("max_concurrent", None)
                group.pop("voice_while_chatting", None)
        raw["groups"] = {name: g for name, g in raw["groups"].items() if g["skills"]}
        path = tmp_path / "two.yaml"
        path.write_text(json.dumps(raw), encoding="utf-8")
        code, out, _ = invoke("run", str(path), "--reps", "2", "--engine", "simpy", "--no-plots")
        assert code == 0
        header = next(line for line in out.splitlines() if line.startswith("group "))
        shown = header.split("occupancy", 1)[1].split("calls handled")[0].split("  ")
        assert [column.strip() for column in shown if column.strip()] == columns

    def test_json(self, scenario: Path) -> None:
        """--json: the centre's shares under kpis.all, each group's under occupancy_by_channel."""
        code, out, _ = invoke("run", str(scenario), "--reps", "3", "--engine", "simpy", "--json")
        assert code == 0
        document = json.loads(out)
        for kpi in CHANNEL_KPIS:
            assert 0.0 < document["kpis"]["all"][kpi]["mean"] < 1.0
            assert kpi not in document["kpis"]["phone"]
        by_channel = document["occupancy_by_channel"]
        assert set(by_channel) == {"desk", "chatters", "office", "all"}
        chatters = by_channel["chatters"]
        assert chatters["occupancy_chat"]["mean"] == chatters["occupancy"]["mean"]
        assert chatters["occupancy_voice"]["mean"] == 0.0

    def test_voice_only_run_has_none(self, tmp_path: Path) -> None:
        """A voice-only scenario's console, CSVs and --json are as before: no channel KPIs."""
        voice = {**THREE_CHANNELS, "call_types": {"phone": THREE_CHANNELS["call_types"]["phone"]}}
        voice["groups"] = {"desk": {"skills": {"phone": "standard"}, "headcount": 4}}
        path = tmp_path / "voice.yaml"
        path.write_text(json.dumps(voice), encoding="utf-8")
        code, out, _ = invoke("run", str(path), "--reps", "2", "--engine", "simpy", "--json")
        assert code == 0
        assert "occupancy_by_channel" not in json.loads(out)
        assert "occupancy_voice" not in json.loads(out)["kpis"]["all"]

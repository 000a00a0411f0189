"""Comparing scenarios on common random numbers (`sim.experiments.compare`, `ccsim compare`)."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from helpers import REPO, SCENARIOS, THREE_CHANNELS, make_scenario

from sim.cli import main
from sim.errors import UsageError
from sim.experiments import compare_scenarios
from sim.experiments.compare import COMPARED_KPIS, CONTROL_KPIS
from sim.report.plots import compare_service_level
from sim.results import replication_kpis
from sim.results.email import RUN_EMAIL_KPIS
from sim.results.kpis import BOT_RATE_KPIS, CHANNEL_KPIS, CHAT_KPIS
from sim.scenario import load_scenario
from sim.simulation import simulate

STRATEGIES = REPO / "experiments" / "shift_strategies"


def staffed(headcount: int) -> object:
    """A one-queue day with a given headcount (the same demand)."""
    return make_scenario(
        call_types={
            "calls": {
                "volume": {"per_hour": 700},
                "handle_time": {"dist": "exponential", "mean_s": 240},
            }
        },
        groups={"agents": {"headcount": headcount}},
    )


def sl_per_rep(scenario: object, seed: int, reps: int) -> np.ndarray:
    """Whole-day service level of each replication."""
    result = simulate(scenario, reps=reps, seed=seed)  # type: ignore[arg-type]
    frame = replication_kpis(result.tallies, result.plan, "total")
    return frame.loc[frame["call_type"] == "all", "service_level"].to_numpy()


class TestPairedDifferences:
    """Differences are measured replication by replication against the first scenario."""

    def test_difference_is_the_mean_of_per_replication_differences(self) -> None:
        """The reported difference and its CI come from the paired per-replication values."""
        comparison = compare_scenarios({"base": staffed(54), "more": staffed(56)}, reps=30, seed=4)
        paired = sl_per_rep(staffed(56), 4, 30) - sl_per_rep(staffed(54), 4, 30)
        row = comparison.differences.set_index("kpi").loc["service_level"]
        half = row["ci_high"] - row["mean"]
        expected_half = 2.045229642132703 * paired.std(ddof=1) / math.sqrt(30)  # t(0.975, 29)
        assert paired.mean() == pytest.approx(row["mean"], rel=1e-12)
        assert expected_half == pytest.approx(half, rel=1e-9)

    def test_same_demand_is_offered_to_every_scenario(self) -> None:
        """Common random numbers: staffing changes, the offered calls do not."""
        comparison = compare_scenarios({"base": staffed(54), "more": staffed(60)}, reps=10, seed=5)
        row = comparison.differences.set_index("kpi").loc["offered"]
        assert [0.0, 0.0, 0.0] == [row["mean"], row["ci_low"], row["ci_high"]]

    def test_common_random_numbers_shrink_the_variance(self) -> None:
        """Paired on one seed, two close staffing levels differ far less noisily than unpaired.

        With common random numbers both scenarios see the same calls, so most of the day-to-day
        noise cancels; an unpaired comparison (different seeds) keeps all of it.
        """
        base = sl_per_rep(staffed(54), 6, 40)
        paired = sl_per_rep(staffed(55), 6, 40) - base
        unpaired = sl_per_rep(staffed(55), 7, 40) - base
        assert np.var(paired, ddof=1) < 0.2 * np.var(unpaired, ddof=1)

    def test_side_by_side_table_holds_every_scenario(self) -> None:
        """The KPI table has one row per scenario and compared KPI, the baseline first."""
        comparison = compare_scenarios(
            {"a": staffed(54), "b": staffed(56), "c": staffed(58)}, reps=5, seed=1
        )
        assert ("a", "b", "c") == comparison.names
        assert ["a", "b", "c"] == list(dict.fromkeys(comparison.table["scenario"]))
        assert ["b", "c"] == list(dict.fromkeys(comparison.differences["scenario"]))


class TestErrors:
    """A comparison needs comparable scenarios."""

    def test_needs_two_scenarios(self) -> None:
        """One scenario alone is refused."""
        with pytest.raises(UsageError, match="at least two"):
            compare_scenarios({"a": staffed(54)}, reps=5, seed=1)

    def test_layouts_must_match(self) -> None:
        """Scenarios with different intervals are refused, naming both."""
        other = make_scenario(calendar={"open": "08:00", "close": "10:00", "interval_minutes": 60})
        with pytest.raises(UsageError, match="'b' has 1 day"):
            compare_scenarios({"a": staffed(54), "b": other}, reps=5, seed=1)

    def test_dates_must_match(self) -> None:
        """Scenarios whose days are other dates are refused, naming both first days."""
        calendar = {"open": "08:00", "close": "10:00", "interval_minutes": 30}
        dated = make_scenario(calendar={**calendar, "start_date": "2027-01-04"})
        with pytest.raises(UsageError, match="'b' starts on 2027-01-04 Mon, unlike 'a' \\(d0\\)"):
            compare_scenarios({"a": staffed(54), "b": dated}, reps=5, seed=1)


class TestCommandLine:
    """`ccsim compare` prints the comparison and writes its files."""

    def test_prints_and_writes(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """The shift strategies: a row per KPI with differences, compare.csv and the plot."""
        files = [str(STRATEGIES / f"{name}.yaml") for name in ("fixed", "staggered")]
        main(["compare", *files, "--reps", "4", "--seed", "2", "--out", str(tmp_path)])
        out = capsys.readouterr().out
        assert "staggered-shifts - fixed-shifts" in out
        assert "service_level" in out
        assert {"compare.csv", "compare_service_level.png"} <= {p.name for p in tmp_path.iterdir()}

    def test_mismatched_layouts_exit_2(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Different calendars: one error line, exit code 2, nothing written."""
        for name, minutes in (("a", 30), ("b", 60)):
            raw = yaml.safe_load((STRATEGIES / "fixed.yaml").read_text())
            raw["name"] = name
            raw["calendar"]["interval_minutes"] = minutes
            raw["call_types"]["general"]["volume"] = {"per_hour": 500}
            (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(raw))
        out_dir = tmp_path / "out"
        with pytest.raises(SystemExit) as done:
            main(
                [
                    "compare",
                    str(tmp_path / "a.yaml"),
                    str(tmp_path / "b.yaml"),
                    "--reps",
                    "3",
                    "--out",
                    str(out_dir),
                ]
            )
        assert 2 == done.value.code
        err = capsys.readouterr().err
        assert 1 == len(err.strip().splitlines())
        assert err.startswith("error: ")
        assert not out_dir.exists()


def without_buffer(tmp_path: Path) -> Path:
    """blended_centre.yaml without its blended buffer pool, written beside the test's files."""
    raw = yaml.safe_load((SCENARIOS / "blended_centre.yaml").read_text())
    raw["name"] = "no-buffer"
    del raw["groups"]["buffer"]
    for call_type in raw["call_types"].values():
        call_type["volume"]["profile"] = str(SCENARIOS / call_type["volume"]["profile"])
    path = tmp_path / "no_buffer.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


class TestBlendedAndReserves:
    """Scenarios with blended or reserve groups add outbound, reserve and wage KPIs."""

    def test_control_kpis_added_side_by_side_and_paired(self, tmp_path: Path) -> None:
        """Removing the buffer loses its outbound contacts and wages, paired replication by
        replication."""
        scenarios = {
            "blended": load_scenario(SCENARIOS / "blended_centre.yaml"),
            "no-buffer": load_scenario(without_buffer(tmp_path)),
        }
        comparison = compare_scenarios(scenarios, reps=4, seed=3)
        expected = [*COMPARED_KPIS, *CONTROL_KPIS]
        assert expected == list(
            comparison.table.loc[comparison.table["scenario"] == "blended", "kpi"]
        )
        assert expected == list(comparison.differences["kpi"])
        table = comparison.table.set_index(["scenario", "kpi"])
        contacts = table.loc[("blended", "outbound_contacts"), "mean"]
        assert contacts > 0
        assert 0 == table.loc[("no-buffer", "outbound_contacts"), "mean"]
        assert 0 == table.loc[("no-buffer", "outbound_h"), "mean"]
        differences = comparison.differences.set_index("kpi")
        assert -contacts == pytest.approx(differences.loc["outbound_contacts", "mean"], rel=1e-12)
        assert differences.loc["wage_cost", "mean"] < 0
        # Without the buffer the supervisors are needed more: more reserve phone hours.
        assert (
            table.loc[("no-buffer", "reserve_phone_h"), "mean"]
            > table.loc[("blended", "reserve_phone_h"), "mean"]
        )
        figure = compare_service_level(comparison.names, comparison.summaries, comparison.plans)
        assert 3 == len(figure.axes)

    def test_plain_scenarios_keep_their_kpis_and_one_panel(self) -> None:
        """Without such groups the compared KPIs and the plot are as before."""
        comparison = compare_scenarios({"a": staffed(54), "b": staffed(56)}, reps=3, seed=1)
        assert list(COMPARED_KPIS) == list(dict.fromkeys(comparison.table["kpi"]))
        assert list(COMPARED_KPIS) == list(comparison.differences["kpi"])
        figure = compare_service_level(comparison.names, comparison.summaries, comparison.plans)
        assert 1 == len(figure.axes)

    def test_command_line(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """`ccsim compare` prints the added KPIs and writes them to compare.csv."""
        files = [str(SCENARIOS / "blended_centre.yaml"), str(without_buffer(tmp_path))]
        out_dir = tmp_path / "out"
        main(["compare", *files, "--reps", "3", "--out", str(out_dir)])
        out = capsys.readouterr().out
        for kpi in CONTROL_KPIS:
            assert kpi in out
        written = pd.read_csv(out_dir / "compare.csv")
        assert set(CONTROL_KPIS) <= set(written["kpi"])


def channels_behind_a_bot() -> dict[str, Any]:
    """The three-channel scenario with a bot in front of its phone calls."""
    raw = copy.deepcopy(THREE_CHANNELS)
    raw["name"] = "channels"
    bot = {"resolve_share": 0.3, "time": {"dist": "exponential", "mean_s": 60}}
    raw["call_types"]["phone"]["bot"] = bot
    return raw


class TestChannels:
    """Scenarios with a bot, chats or email add their KPIs to the comparison."""

    def scenarios(self, tmp_path: Path) -> list[str]:
        """The channel scenario and the same with one more desk agent, as files."""
        base = channels_behind_a_bot()
        more = copy.deepcopy(base)
        more["name"] = "channels-plus-one"
        more["groups"]["desk"]["headcount"] += 1
        paths = []
        for raw in (base, more):
            path = tmp_path / f"{raw['name']}.yaml"
            path.write_text(yaml.safe_dump(raw), encoding="utf-8")
            paths.append(str(path))
        return paths

    def test_channel_kpis_side_by_side_and_paired(self, tmp_path: Path) -> None:
        """Bot, chat, channel and email KPIs follow the plain ones; email is paired too."""
        paths = self.scenarios(tmp_path)
        loaded = {Path(p).stem: load_scenario(p) for p in paths}
        comparison = compare_scenarios(loaded, reps=4, seed=2)
        expected = [
            *COMPARED_KPIS,
            *BOT_RATE_KPIS,
            *CHAT_KPIS,
            *CHANNEL_KPIS,
            *RUN_EMAIL_KPIS,
        ]
        for name in comparison.names:
            rows = comparison.table[comparison.table["scenario"] == name]
            assert expected == list(rows["kpi"])
        assert expected == list(comparison.differences["kpi"])
        table = comparison.table.set_index(["scenario", "kpi"])
        differences = comparison.differences.set_index("kpi")
        # Common random numbers: the same email items arrive in both.
        arrived = table.loc[("channels", "email_arrived"), "mean"]
        assert arrived > 0
        assert arrived == table.loc[("channels-plus-one", "email_arrived"), "mean"]
        assert 0 == differences.loc["email_arrived", "mean"]
        # One more desk agent: more of the desk's time is free, so email waits less.
        assert differences.loc["email_age_answered_mean_s", "mean"] < 0
        assert 0 < table.loc[("channels", "occupancy_chat"), "mean"] < 1

    def test_command_line_shows_shares_in_percent(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """`ccsim compare` prints the channel KPIs (shares in %) and writes them to compare.csv."""
        out_dir = tmp_path / "out"
        main(["compare", *self.scenarios(tmp_path), "--reps", "3", "--out", str(out_dir)])
        lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line}
        for kpi in ("occupancy_chat", "bot_containment", "email_within_target_share"):
            assert "%" in lines[kpi]
        assert "%" not in lines["email_arrived"]
        written = pd.read_csv(out_dir / "compare.csv")
        assert set(RUN_EMAIL_KPIS) <= set(written["kpi"])

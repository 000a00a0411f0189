"""Simulation-based staffing: Erlang's start, agents added where the simulation misses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from helpers import STAFFING_DAY, invoke

from sim.errors import UsageError
from sim.planning.staffing import (
    Shares,
    interval_shares,
    search_confidence,
    short_intervals,
    simulated_staffing,
)
from sim.scenario import build_plan, load_scenario, scenario_from_dict

DAY = STAFFING_DAY


@pytest.fixture(scope="module")
def staffed() -> Any:
    """The day staffed for 80/20 in 90% of 100 replications."""
    return simulated_staffing(DAY, group="agents", reps=100, seed=3)


class TestSearch:
    """The headcount found meets the criterion, from Erlang upwards."""

    def test_every_interval_passes_on_the_search_seed(self, staffed: Any) -> None:
        """Each interval reaches the target in the share the search asks for."""
        assert staffed.met
        assert (staffed.intervals["p_search"] >= search_confidence(0.9, 100)).all()

    def test_agents_only_added(self, staffed: Any) -> None:
        """Never fewer agents than Erlang asks for; uplift = agents - Erlang."""
        frame = staffed.intervals
        assert (frame["agents"] >= frame["erlang"]).all()
        assert (frame["uplift"] == frame["agents"] - frame["erlang"]).all()
        assert staffed.rounds == 0 or frame["uplift"].max() > 0

    def test_shares_are_those_of_the_staffing_found(self, staffed: Any) -> None:
        """Re-simulating the document found on the search seed gives the same shares."""
        plan = build_plan(scenario_from_dict(staffed.document))
        shares = interval_shares(plan, 0.8, reps=100, seed=3, engine="fast")
        np.testing.assert_array_equal(shares, staffed.intervals["p_search"].to_numpy())

    def test_checked_on_a_fresh_seed(self, staffed: Any) -> None:
        """The fresh seed's shares differ from the search's and are reported as such."""
        frame = staffed.intervals
        assert not np.array_equal(frame["p_fresh"], frame["p_search"])
        assert staffed.validated == bool((frame["p_fresh"] >= 0.9).all())

    def test_fresh_seed_can_be_chosen(self) -> None:
        """`validation_seed` replaces seed + 1000; the search is unchanged by it."""
        chosen = simulated_staffing(DAY, group="agents", reps=50, seed=3, validation_seed=11)
        default = simulated_staffing(DAY, group="agents", reps=50, seed=3)
        assert (chosen.fresh_seed, default.fresh_seed) == (11, 1003)
        pd.testing.assert_series_equal(
            chosen.intervals["agents"], default.intervals["agents"], check_names=False
        )
        assert not np.array_equal(chosen.intervals["p_fresh"], default.intervals["p_fresh"])


class TestDayCriterion:
    """The day's service level must reach the target in the share asked for."""

    def test_met_on_the_search_seed_and_checked_on_a_fresh_one(self) -> None:
        """Erlang's start, agents added until the day passes; both seeds' day shares reported."""
        found = simulated_staffing(DAY, group="agents", criterion="day", reps=50, seed=3)
        assert found.met
        assert found.day_search >= search_confidence(0.9, 50)
        assert found.validated == (found.day_fresh >= 0.9)
        assert (found.intervals["agents"] >= found.intervals["erlang"]).all()

    def test_a_day_that_already_passes_keeps_erlang(self) -> None:
        """A loose target: zero rounds, no uplift."""
        found = simulated_staffing(
            DAY, group="agents", target=0.6, confidence=0.5, criterion="day", reps=50
        )
        assert found.rounds == 0
        assert found.met
        assert (found.intervals["uplift"] == 0).all()

    @pytest.mark.parametrize(
        ("day", "levels", "expected"),
        [
            (0.95, [0.5, 0.9], [False, False]),
            (0.5, [0.7, 0.9, 0.75], [True, False, True]),
            (0.5, [0.85, 0.82, 0.9], [False, True, False]),
        ],
    )
    def test_intervals_that_get_an_agent(
        self, day: float, levels: list[float], expected: list[bool]
    ) -> None:
        """None when the day passes; else those below the target, else the lowest."""
        shares = Shares(
            interval=np.ones(len(levels)),
            day=day,
            mean_level=np.array(levels),
            type_levels=np.array([levels]),
        )
        assert short_intervals(shares, "day", 0.9, 0.8).tolist() == expected


def test_trim_takes_agents_off_while_the_criterion_holds() -> None:
    """A loose target: trimming goes below Erlang and the headcount kept still passes."""
    loose = {"target": 0.6, "confidence": 0.5, "criterion": "day", "reps": 50, "seed": 3}
    kept = simulated_staffing(DAY, group="agents", **loose)
    trimmed = simulated_staffing(DAY, group="agents", trim=True, **loose)
    assert trimmed.met
    assert trimmed.intervals["agents"].sum() < kept.intervals["agents"].sum()
    assert (trimmed.intervals["agents"] <= kept.intervals["agents"]).all()
    plan = build_plan(scenario_from_dict(trimmed.document))
    shares = interval_shares(plan, 0.6, reps=50, seed=3, engine="fast")
    np.testing.assert_array_equal(shares, trimmed.intervals["p_search"].to_numpy())
    assert trimmed.day_search >= search_confidence(0.5, 50)


def test_enough_agents_already_keeps_erlang() -> None:
    """When Erlang's headcount already passes every interval, no round is taken."""
    found = simulated_staffing(DAY, group="agents", target=0.5, confidence=0.5, reps=50)
    assert found.rounds == 0
    assert (found.intervals["agents"] == found.intervals["erlang"]).all()


class TestErrors:
    """A missing group, or a headcount on more than one day, is refused."""

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"group": "team"}, r"no group 'team' \(groups: agents\)"),
            ({"days": 2}, "plans one calendar day"),
        ],
    )
    def test_refused(self, change: dict[str, Any], message: str) -> None:
        """A missing group, or more than one day."""
        raw = {**DAY, "calendar": {**DAY["calendar"], "days": change.get("days", 1)}}
        with pytest.raises(UsageError, match=message):
            simulated_staffing(raw, group=change.get("group", "agents"), reps=10)


def test_command_writes_a_scenario_that_runs(tmp_path: Path) -> None:
    """`ccsim plan staff`: the table, a summary, staffing.csv and a scenario with the headcount."""
    scenario = tmp_path / "day.yaml"
    scenario.write_text(yaml.safe_dump(DAY))
    out = tmp_path / "out"
    code, stdout, _ = invoke(
        "plan", "staff", str(scenario), "--group=agents", "--reps=50", f"--out={out}"
    )
    assert 0 == code
    assert "uplift over Erlang" in stdout
    assert "day service level reaches the target" in stdout
    table = pd.read_csv(out / "staffing.csv")
    loaded = load_scenario(out / "scenario.yaml")
    assert table["agents"].tolist() == loaded.groups["agents"].headcount
    code, _, _ = invoke("run", str(out / "scenario.yaml"), "--reps=3", f"--out={tmp_path / 'run'}")
    assert 0 == code


def test_command_day_criterion_and_one_line_error(tmp_path: Path) -> None:
    """`--criterion day` says so in the scenario written; an unknown group is one line, exit 2."""
    scenario = tmp_path / "day.yaml"
    scenario.write_text(yaml.safe_dump(DAY))
    out = tmp_path / "out"
    code, _, _ = invoke(
        "plan",
        "staff",
        str(scenario),
        "--group=agents",
        "--criterion=day",
        "--reps=20",
        "--validation-seed=5",
        f"--out={out}",
    )
    assert 0 == code
    assert "over the day" in (out / "scenario.yaml").read_text().splitlines()[0]
    code, _, stderr = invoke("plan", "staff", str(scenario), "--group=team", "--reps=20")
    assert 2 == code
    assert "no group 'team'" in stderr
    assert len(stderr.strip().splitlines()) == 1

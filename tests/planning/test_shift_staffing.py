"""Simulation-based staffing of groups on shifts: shift starts, covering program, attribution."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
import yaml
from helpers import SCENARIOS, assert_parity, invoke

from sim.errors import UsageError
from sim.planning.demand import erlang_agents, short_by_group, start_requirements
from sim.planning.shift_staffing import ShiftStaffer, shift_starts
from sim.planning.staffing import (
    interval_shares,
    search_confidence,
    simulated_staffing,
)
from sim.scenario import build_plan, load_scenario, scenario_from_dict
from sim.scenario.load import read_yaml
from sim.simulation import simulate

FULL_BREAK = {"after_h": 2, "minutes": 15}
WEEK: dict[str, Any] = {
    "name": "shift-staffing",
    "calendar": {"days": 2, "open": "08:00", "close": "12:00", "interval_minutes": 30},
    "service_level": {"threshold_s": 20, "target": 0.8},
    "call_types": {
        "calls": {
            "volume": {"per_interval": [40, 80, 100, 60, 50, 80, 60, 40]},
            "handle_time": {"dist": "lognormal", "mean_s": 240, "cv": 1.0},
            "patience": {"dist": "exponential", "mean_s": 180},
        }
    },
    "shifts": {
        "full": {"start": "08:00", "length_h": 4, "breaks": [FULL_BREAK]},
        "peak": {"start": "08:30", "every_minutes": 30, "until": "10:00", "length_h": 2},
    },
    "groups": {"desk": {"shifts": {"full": 5, "peak": 4}, "absenteeism": 0.1}},
}
"""Two days, one group on a fixed shift with a break and a staggered peak shift."""


def with_changes(**groups: Any) -> dict[str, Any]:
    """Return WEEK with its groups replaced."""
    return {**WEEK, "groups": groups}


@pytest.fixture(scope="module")
def week_staffed() -> Any:
    """WEEK's desk staffed for 80/20 in 90% of 60 replications, every interval of both days."""
    return simulated_staffing(WEEK, group="desk", reps=60, seed=2)


class TestShiftStarts:
    """A staggered pattern becomes one start per offset; coverage deducts breaks."""

    def test_staggered_shift_has_one_start_per_offset(self) -> None:
        """full: one start; peak: 08:30 ... 10:00, named by the clock."""
        starts = shift_starts(scenario_from_dict(WEEK), "desk", "<test>")
        assert [s.name for s in starts] == [
            "full", "peak_0830", "peak_0900", "peak_0930", "peak_1000",
        ]  # fmt: skip
        assert [s.paid_h for s in starts] == [8.0, 4.0, 4.0, 4.0, 4.0]

    def test_coverage_per_day_and_interval(self) -> None:
        """full is on the phones all morning but half of 10:00-10:30; peak_0900 09:00-11:00."""
        full, _, peak_0900, *_ = shift_starts(scenario_from_dict(WEEK), "desk", "<test>")
        day = [1, 1, 1, 1, 0.5, 1, 1, 1]
        np.testing.assert_allclose(full.on_duty, day * 2)
        np.testing.assert_allclose(peak_0900.on_duty, [0, 0, 1, 1, 1, 1, 0, 0] * 2)

    def test_shift_on_some_days_covers_only_those(self) -> None:
        """A shift with `days: [1]` covers nothing on day 0."""
        raw = {**WEEK, "shifts": {**WEEK["shifts"], "late": {"start": "10:00", "length_h": 2,
                                                              "days": [1]}}}  # fmt: skip
        raw["groups"] = {"desk": {"shifts": {"full": 5, "late": 2}}}
        late = shift_starts(scenario_from_dict(raw), "desk", "<test>")[1]
        np.testing.assert_allclose(late.on_duty, [0] * 8 + [0, 0, 0, 0, 1, 1, 1, 1])
        assert late.paid_h == 2.0


class TestErlangStart:
    """The first schedule covers Erlang's requirement at least paid hours."""

    def test_covers_the_requirement_in_expectation(self) -> None:
        """Agents per start x on-phone share x (1 - absence) >= Erlang's agents, every cell."""
        scenario = scenario_from_dict(WEEK)
        plan = build_plan(scenario)
        required = start_requirements(scenario, plan, 0.8, ["desk"])["desk"]
        np.testing.assert_array_equal(required, erlang_agents(scenario, plan, 0.8))
        staffer = ShiftStaffer(scenario, "desk", required, "<test>")
        starts = shift_starts(scenario, "desk", "<test>")
        cover = np.column_stack([s.on_duty for s in starts]) @ staffer.agents * 0.9
        assert (cover >= required - 1e-9).all()

    def test_one_agent_less_on_any_start_leaves_a_gap(self) -> None:
        """The schedule is minimal: taking one agent off any start uncovers an interval."""
        scenario = scenario_from_dict(WEEK)
        required = start_requirements(scenario, build_plan(scenario), 0.8, ["desk"])["desk"]
        staffer = ShiftStaffer(scenario, "desk", required, "<test>")
        on_duty = np.column_stack([s.on_duty for s in shift_starts(scenario, "desk", "<test>")])
        for p in np.flatnonzero(staffer.agents):
            fewer = staffer.agents.copy()
            fewer[p] -= 1
            assert ((on_duty @ fewer) * 0.9 < required - 1e-9).any()

    def test_helpers_on_the_phones_are_subtracted(self) -> None:
        """A temp group helping the desk lowers its requirement by its expected agents."""
        raw = with_changes(
            desk={"skills": {"calls": "standard"}, "shifts": {"full": 5, "peak": 4}},
            temps={"role": "temp", "skills": {"calls": "standard"}, "headcount": 3,
                   "absenteeism": 0.5},
        )  # fmt: skip
        scenario = scenario_from_dict(raw)
        plan = build_plan(scenario)
        required = start_requirements(scenario, plan, 0.8, ["desk"])["desk"]
        expected = np.clip(erlang_agents(scenario, plan, 0.8) - 1.5, 0, None)
        np.testing.assert_allclose(required, expected)


class TestSearch:
    """The staffing found meets the criterion on the search seed and is checked on a fresh one."""

    def test_met_and_validated(self, week_staffed: Any) -> None:
        """Every interval of both days passes the search's share; the fresh check is reported."""
        frame = week_staffed.intervals
        assert week_staffed.met
        assert (frame["p_search"] >= search_confidence(0.9, 60)).all()
        assert week_staffed.validated == bool((frame["p_fresh"] >= 0.9).all())
        assert frame["day"].tolist() == [0] * 8 + [1] * 8

    def test_agents_only_added_to_shift_starts(self, week_staffed: Any) -> None:
        """No start has fewer agents than Erlang's schedule; uplift = agents - Erlang."""
        shifts = week_staffed.shifts
        assert (shifts["agents"] >= shifts["erlang"]).all()
        assert (shifts["uplift"] == shifts["agents"] - shifts["erlang"]).all()
        assert (week_staffed.intervals["uplift"] >= -1e-9).all()

    def test_document_works_the_starts_found(self, week_staffed: Any) -> None:
        """The scenario written has a fixed shift per staggered start and the counts found."""
        document = week_staffed.document
        found = dict(zip(week_staffed.shifts["shift"], week_staffed.shifts["agents"], strict=True))
        assert document["groups"]["desk"]["shifts"] == {k: v for k, v in found.items() if v}
        assert document["shifts"]["peak_0930"] == {"length_h": 2, "start": "09:30"}
        assert document["groups"]["desk"]["absenteeism"] == 0.1

    def test_shares_are_those_of_the_staffing_found(self, week_staffed: Any) -> None:
        """Re-simulating the document on the search seed gives the shares reported."""
        plan = build_plan(scenario_from_dict(week_staffed.document))
        shares = interval_shares(plan, 0.8, reps=60, seed=2, engine="fast")
        np.testing.assert_array_equal(shares, week_staffed.intervals["p_search"].to_numpy())

    def test_staffed_scenario_gives_identical_records_in_both_engines(
        self, week_staffed: Any
    ) -> None:
        """The staffed week runs in the SimPy and the fast engine with the same call records."""
        scenario = scenario_from_dict(week_staffed.document)
        simpy = simulate(scenario, reps=2, seed=4, engine="simpy", keep_records=True)
        fast = simulate(scenario, reps=2, seed=4, engine="fast", keep_records=True)
        assert_parity(simpy, fast)


class TestAttribution:
    """A missed interval's agent goes to the group that answers for the call type below target."""

    RAW: ClassVar[dict[str, Any]] = {
        **with_changes(
            desk={"skills": {"calls": "standard", "vip": "standard"}, "shifts": {"full": 4}},
            experts={"skills": {"vip": "standard"}, "shifts": {"peak": 2}},
        ),
        "call_types": {
            **WEEK["call_types"],
            "vip": {
                "volume": {"per_interval": [5] * 8},
                "handle_time": {"dist": "exponential", "mean_s": 300},
                "patience": {"dist": "exponential", "mean_s": 300},
                "routing": ["experts", {"group": "desk", "after_s": 10}],
            },
        },
    }
    """Calls answered by the desk; VIP calls by the experts first (08:30-12:00 only)."""

    def masks(self, levels: list[list[float]], short: list[bool]) -> dict[str, list[bool]]:
        scenario = scenario_from_dict(self.RAW)
        reach = {
            name: np.asarray((np.column_stack(
                [s.on_duty for s in shift_starts(scenario, name, "<test>")]) > 0).any(axis=1))
            for name in ("desk", "experts")
        }  # fmt: skip
        found = short_by_group(
            scenario, np.array(short * 2), np.array([row * 2 for row in levels]), 0.8, reach
        )
        return {group: mask[:8].tolist() for group, mask in found.items()}

    def test_type_below_target_goes_to_its_primary_group(self) -> None:
        """calls below target -> desk; vip below target at 10:00 -> experts."""
        found = self.masks(
            [[0.7, 0.9, 0.7, 0.9, 0.9, 0.9, 0.9, 0.9], [0.9, 0.9, 0.9, 0.9, 0.6, 0.9, 0.9, 0.9]],
            [True, False, True, False, True, False, False, False],
        )
        assert found["desk"] == [True, False, True, False, False, False, False, False]
        assert found["experts"] == [False, False, False, False, True, False, False, False]

    def test_primary_group_off_shift_passes_to_the_next(self) -> None:
        """VIP short at 08:00, before the experts' shift: the desk gets the agent."""
        found = self.masks([[0.9] * 8, [0.5] + [0.9] * 7], [True] + [False] * 7)
        assert found == {"desk": [True] + [False] * 7, "experts": [False] * 8}

    def test_no_type_below_target_the_lowest_gets_it(self) -> None:
        """Both types above target in a short interval: the lower one's group gets the agent."""
        found = self.masks([[0.85] * 8, [0.95] * 8], [False] * 5 + [True] + [False] * 2)
        assert found["desk"][5]
        assert not found["experts"][5]


class TestMultiSkillExample:
    """The shipped multi-skill week: its three desks staffed to 80/20 in 80% of every interval."""

    def test_met_on_a_fresh_seed_with_uplift_over_erlang(self) -> None:
        """Met on the search seed, holds on the fresh seed, with agents added over Erlang."""
        path = SCENARIOS / "multiskill_bank.yaml"
        found = simulated_staffing(
            read_yaml(path, str(path)),
            group=["generalists", "billing_desk", "vip_desk"],
            confidence=0.8,
            reps=40,
            seed=1,
            source=str(path),
            base_dir=path.parent,
        )
        assert found.met
        assert found.validated
        assert (found.intervals["p_fresh"] >= 0.8).all()
        assert found.shifts is not None
        assert found.shifts["uplift"].sum() > 0
        assert set(found.shifts["group"]) == {"generalists", "billing_desk", "vip_desk"}


class TestErrors:
    """Rosters, overtime on a staggered shift and steady state are refused with one line."""

    def test_roster_group_is_refused(self) -> None:
        """A roster has no headcount or shift counts to set."""
        raw = with_changes(desk={"roster": [{"agent": "a", "start": "08:00", "end": "12:00"}]})
        with pytest.raises(UsageError, match="works a roster"):
            simulated_staffing(raw, group="desk", reps=10)

    def test_overtime_on_a_staggered_shift_is_refused(self) -> None:
        """Overtime goes to the first agents of a pattern, which a plan by start cannot keep."""
        raw = with_changes(
            desk={"shifts": {"full": 5, "peak": 4},
                  "overtime": [{"shift": "peak", "agents": 1, "minutes": 30}]}
        )  # fmt: skip
        with pytest.raises(UsageError, match=r"groups\.desk\.overtime: .*'peak'"):
            simulated_staffing(raw, group="desk", reps=10)

    def test_overtime_agents_are_kept(self) -> None:
        """Overtime on a fixed shift: that shift keeps at least the overtime's agents."""
        raw = with_changes(
            desk={"shifts": {"full": 9, "peak": 4},
                  "overtime": [{"shift": "full", "agents": 7, "minutes": 30}]}
        )  # fmt: skip
        calls = {**WEEK["call_types"]["calls"], "volume": {"per_interval": [40] * 10}}
        scenario = scenario_from_dict(
            {
                **raw,
                "calendar": {**WEEK["calendar"], "close": "13:00"},
                "call_types": {"calls": calls},
            }
        )
        required = np.zeros(scenario.n_days * scenario.n_intervals)
        staffer = ShiftStaffer(scenario, "desk", required, "<test>")
        assert staffer.agents.tolist() == [7, 0, 0, 0, 0]


def test_command_prints_shift_starts_and_writes_shifts_csv(tmp_path: Path) -> None:
    """`ccsim plan staff` on a group on shifts: shift table, a line per day, shifts.csv."""
    scenario = tmp_path / "week.yaml"
    scenario.write_text(yaml.safe_dump(WEEK))
    out = tmp_path / "out"
    code, stdout, stderr = invoke(
        "plan", "staff", str(scenario), "--group=desk", "--reps=30", "--criterion=day",
        f"--out={out}",
    )  # fmt: skip
    assert (0, "30 replications are too few") == (code, stderr.removeprefix("warning: ")[:27])
    lines = stdout.splitlines()
    assert lines[0].split() == [
        "group",
        "shift",
        "start",
        "paid",
        "h",
        "Erlang",
        "agents",
        "uplift",
    ]
    assert any(line.startswith("d1 ") for line in lines)
    assert "paid hours" in stdout
    shifts = pd.read_csv(out / "shifts.csv")
    loaded = load_scenario(out / "scenario.yaml")
    desk = loaded.groups["desk"].shifts
    assert desk == {row.shift: row.agents for row in shifts.itertuples() if row.agents}
    assert len(pd.read_csv(out / "staffing.csv")) == 16


def test_search_is_the_same_in_both_engines() -> None:
    """Both engines give identical records, so the search finds the same staffing and shares."""
    found = {
        engine: simulated_staffing(WEEK, group="desk", reps=10, seed=5, engine=engine)
        for engine in ("simpy", "fast")
    }
    pd.testing.assert_frame_equal(found["simpy"].intervals, found["fast"].intervals)
    pd.testing.assert_frame_equal(found["simpy"].shifts, found["fast"].shifts)
    assert found["simpy"].rounds == found["fast"].rounds

"""Shift schedules: coverage, cost against the LP bound, limits, unmet demand, rosters that run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from helpers import SCENARIOS, assert_parity

from sim.errors import ScenarioError
from sim.planning import (
    Limits,
    Patterns,
    RequiredAgents,
    Schedule,
    ServiceGoal,
    interval_requirements,
    interval_table,
    load_patterns,
    optimise_schedule,
    read_forecast,
    read_requirements,
    roster_rows,
    roster_table,
    scenario_with_roster,
    write_requirements,
)
from sim.planning.requirements import IntervalGrid
from sim.scenario import load_scenario
from sim.simulation import simulate
from sim.units import clock_to_s

EXAMPLE = SCENARIOS / "planning"
PATTERNS_FILE = EXAMPLE / "bank_patterns.yaml"


@pytest.fixture(scope="module")
def bank_required(tmp_path_factory: pytest.TempPathFactory) -> RequiredAgents:
    """The shipped example's requirements: Erlang A, 80/20, patience 180 s, shrinkage 10%."""
    forecast = read_forecast(EXAMPLE / "bank_day_forecast.csv")
    frame = interval_requirements(forecast, ServiceGoal(0.8, 20, 180), shrinkage=0.1)
    path = tmp_path_factory.mktemp("requirements") / "requirements.csv"
    write_requirements(frame, path)
    return read_requirements(path)


@pytest.fixture(scope="module")
def bank_patterns() -> Patterns:
    """The shipped example's shift patterns."""
    return load_patterns(PATTERNS_FILE)


@pytest.fixture(scope="module")
def bank_schedule(bank_required: RequiredAgents, bank_patterns: Patterns) -> Schedule:
    """The optimal schedule of the shipped example."""
    return optimise_schedule(bank_required, bank_patterns, str(PATTERNS_FILE))


def patterns(families: dict[str, Any], **fields: Any) -> Patterns:
    """Build a patterns file in code, 20 per paid hour unless ``fields`` say otherwise."""
    return Patterns.model_validate({"cost_per_paid_hour": 20, **fields, "families": families})


def required(agents: list[float], open_at: str = "08:00") -> RequiredAgents:
    """A one-day requirement on 30-minute intervals from ``open_at``."""
    grid = IntervalGrid(clock_to_s(open_at), 1800.0, len(agents), (None,))
    return RequiredAgents("requirements.csv", grid, np.array([agents], dtype=float))


SHORT_DAY = [2, 4, 6, 6, 5, 3, 0, 0]  # 08:00-12:00
FULL = {"starts": {"earliest": "08:00", "latest": "09:00"}, "length_h": 3}
PART = {"starts": {"earliest": "08:00", "latest": "10:00"}, "length_h": 2, "part_time": True}


def agents_of(schedule: Schedule) -> tuple[int, int]:
    """Return all agents and part-time agents of a one-day schedule."""
    day = schedule.days[0]
    part_time = sum(
        int(n) for v, n in zip(schedule.variants, day.agents, strict=True) if v.part_time
    )
    return int(day.agents.sum()), part_time


class TestShippedExample:
    def test_covers_every_interval(self, bank_schedule: Schedule) -> None:
        """Agents on the phones (breaks deducted) reach the requirement in every interval."""
        day = bank_schedule.days[0]
        assert 0.0 == bank_schedule.unmet
        assert np.all(day.on_phones >= day.required)

    def test_cost_within_one_percent_of_the_lp_bound(self, bank_schedule: Schedule) -> None:
        """The integer schedule costs at most 1% above the LP relaxation's optimum."""
        print(
            f"cost {bank_schedule.cost:.2f}, LP bound {bank_schedule.lp_bound:.2f}, "
            f"gap {100 * bank_schedule.gap:.3f}%"
        )
        assert bank_schedule.lp_bound <= bank_schedule.cost + 1e-6
        assert bank_schedule.gap < 0.01

    def test_limits_of_the_file_hold(self, bank_schedule: Schedule) -> None:
        """At most 30% of the agents are part-time, and at least 2 are on the phones."""
        agents, part_time = agents_of(bank_schedule)
        assert part_time <= 0.3 * agents
        assert np.all(bank_schedule.days[0].on_phones >= 2)

    def test_roster_within_opening_hours(self, bank_schedule: Schedule) -> None:
        """Every roster row lies within 08:00-20:00, its breaks inside it."""
        rows = roster_rows(bank_schedule)
        for row in rows:
            start, end = clock_to_s(row["start"]), clock_to_s(row["end"])
            assert clock_to_s("08:00") <= start < end <= clock_to_s("20:00"), row
            for pause in row.get("breaks", "").split(";") if "breaks" in row else []:
                a, b = (clock_to_s(clock) for clock in pause.split("-"))
                assert start <= a < b <= end, row
        expected = int(bank_schedule.days[0].agents.sum())
        assert expected == len({row["agent"] for row in rows})


class TestLimits:
    def test_max_agents_too_small_reports_unmet_demand(self) -> None:
        """Too few agents allowed: the schedule says where agents are missing, never below 0."""
        schedule = optimise_schedule(
            required(SHORT_DAY), patterns({"full": FULL}), "p.yaml", Limits(max_agents=3)
        )
        day = schedule.days[0]
        assert 3 == day.agents.sum()
        assert np.all(day.unmet >= 0)
        assert np.all(day.on_phones >= 0)
        np.testing.assert_allclose(day.unmet, np.clip(day.required - day.on_phones, 0, None))
        # 3 agents cover at most 3 of the 4, 6, 6 and 5 required from 08:30 to 10:00.
        assert 9.0 == schedule.unmet
        table = interval_table(schedule)
        short = table.loc[table["unmet"] > 0, "interval_start"].tolist()
        assert ["08:30", "09:00", "09:30", "10:00"] == short

    def test_part_time_share_respected(self) -> None:
        """Cheaper part-time shifts are used up to the share allowed, not beyond."""
        families = {"full": FULL, "part": {**PART, "cost_per_paid_hour": 15}}
        free = optimise_schedule(required(SHORT_DAY), patterns(families), "p.yaml")
        capped = optimise_schedule(
            required(SHORT_DAY), patterns(families), "p.yaml", Limits(max_part_time_share=0.25)
        )
        agents, part_time = agents_of(free)
        assert part_time > 0.25 * agents  # the limit is binding here
        agents, part_time = agents_of(capped)
        assert part_time <= 0.25 * agents
        assert 0.0 == capped.unmet

    def test_min_agents_respected(self) -> None:
        """Every interval of the opening hours has at least the minimum on the phones."""
        schedule = optimise_schedule(
            required(SHORT_DAY),
            patterns({"full": FULL, "part": PART}),
            "p.yaml",
            Limits(min_agents=3),
        )
        day = schedule.days[0]
        assert np.all(day.on_phones >= 3)
        assert [3.0, 4.0, 6.0, 6.0, 5.0, 3.0, 3.0, 3.0] == day.required.tolist()

    def test_limits_override_the_file(self) -> None:
        """Limits given replace the file's, the others are kept."""
        given = Limits(max_part_time_share=0.3, min_agents=2)
        expected = Limits(max_part_time_share=0.3, min_agents=2, max_agents=40)
        assert expected == given.overridden(max_part_time_share=None, max_agents=40)


class TestShifts:
    def test_breaks_deduct_coverage(self) -> None:
        """A 15-minute break removes half an agent from its 30-minute interval."""
        family = {
            "starts": {"earliest": "08:00"},
            "length_h": 2,
            "breaks": [{"after_h": 1, "minutes": 15}],
        }
        schedule = optimise_schedule(required([1, 1, 1, 1]), patterns({"f": family}), "p.yaml")
        coverage = schedule.variants[0].on_phones(schedule.grid.starts_s(), 1800.0)
        assert [1.0, 1.0, 0.5, 1.0] == coverage.tolist()
        assert [2.0, 2.0, 1.0, 2.0] == schedule.days[0].on_phones.tolist()  # a second agent

    def test_split_shift_gives_two_roster_rows(self) -> None:
        """A split shift works two segments with an unpaid gap: two roster rows, one agent."""
        split = {
            "starts": {"earliest": "08:00"},
            "segments_h": [1, 1],
            "gap_h": 2,
            "breaks": [{"after_h": 3.5, "minutes": 15}],
            "cost_per_shift": 50,
        }
        need = required([1, 1, 0, 0, 0, 0, 1, 0.5])  # half an agent is on break at 11:30
        schedule = optimise_schedule(need, patterns({"split": split}), "p.yaml")
        expected = [
            {"agent": "split-0800-01", "start": "08:00", "end": "09:00"},
            {"agent": "split-0800-01", "start": "11:00", "end": "12:00", "breaks": "11:30-11:45"},
        ]
        assert expected == roster_rows(schedule)
        assert 50.0 == schedule.cost

    def test_unpaid_break_and_costs(self) -> None:
        """Paid hours leave out unpaid breaks; a family's cost replaces the default."""
        lunch = {**FULL, "breaks": [{"after_h": 1.5, "minutes": 30, "paid": False}]}
        spec = patterns({"full": lunch, "part": {**PART, "cost_per_shift": 30}})
        schedule = optimise_schedule(required(SHORT_DAY), spec, "p.yaml")
        costs = {(v.family, v.paid_h, v.cost) for v in schedule.variants}
        assert {("full", 2.5, 50.0), ("part", 2.0, 30.0)} == costs

    def test_shift_after_closing_is_refused(self) -> None:
        """A start whose shift would end after closing is an error naming the family."""
        late = {"starts": {"earliest": "08:00", "latest": "10:00"}, "length_h": 3}
        with pytest.raises(ScenarioError) as raised:
            optimise_schedule(required(SHORT_DAY), patterns({"late": late}), "p.yaml")
        expected = (
            "p.yaml: families.late.starts: ends after closing 12:00 "
            "(got the shift starting at 09:30, ending at 12:30)"
        )
        assert expected == str(raised.value)

    def test_shift_before_opening_is_refused(self) -> None:
        """Opening hours from the patterns file bound the starts too."""
        spec = patterns({"full": FULL}, open="08:30", close="12:00")
        with pytest.raises(
            ScenarioError, match=r"starts before opening 08:30 \(got a start at 08:00\)"
        ):
            optimise_schedule(required(SHORT_DAY[1:], open_at="08:30"), spec, "p.yaml")

    def test_requirement_outside_opening_hours_is_refused(self) -> None:
        """Agents required outside the opening hours of the patterns file are an error."""
        spec = patterns({"full": FULL}, open="08:30", close="12:00")
        with pytest.raises(
            ScenarioError, match=r"requirements\.csv: needs agents at 08:00, outside"
        ):
            optimise_schedule(required(SHORT_DAY), spec, "p.yaml")

    def test_days_are_scheduled_apart(self) -> None:
        """Each day of the requirement gets its own schedule; roster rows name their day."""
        grid = IntervalGrid(clock_to_s("08:00"), 1800.0, 8, (0, 1))
        need = RequiredAgents("r.csv", grid, np.array([SHORT_DAY, [1] * 8], dtype=float))
        schedule = optimise_schedule(need, patterns({"full": FULL, "part": PART}), "p.yaml")
        assert [0, 1] == [day.day for day in schedule.days]
        assert 0.0 == schedule.unmet
        days = {row["day"] for row in roster_rows(schedule)}
        assert {0, 1} == days
        assert all(row["agent"].startswith(f"d{row['day']}-") for row in roster_rows(schedule))


BAD_PATTERNS = [
    (
        "length_and_segments",
        {"f": {**FULL, "segments_h": [1, 1], "gap_h": 1}},
        "families.f.length_h: give exactly one of length_h and segments_h (got both)",
    ),
    (
        "gap_without_segments",
        {"f": {**FULL, "gap_h": 1}},
        "families.f.gap_h: is required with segments_h and only with them (got 1)",
    ),
    (
        "huge_break_offset",
        {"f": {**FULL, "breaks": [{"after_h": 1e308, "minutes": 15}]}},
        "families.f.breaks[0].after_h: must be at most 100000 hours (got 1e+308)",
    ),
    (
        "huge_cost",
        {"f": {**FULL, "cost_per_shift": 1e300}},
        "families.f.cost_per_shift: must be at most 1e+12 in size (got 1e+300)",
    ),
    (
        "segments_without_gap",
        {"f": {k: v for k, v in FULL.items() if k != "length_h"} | {"segments_h": [1, 1]}},
        "families.f.gap_h: is required with segments_h and only with them (got none)",
    ),
    (
        "break_outside",
        {"f": {**FULL, "breaks": [{"after_h": 2.9, "minutes": 15}]}},
        "families.f.breaks[0]: must lie inside one segment of the shift (got after_h 2.9)",
    ),
    (
        "breaks_out_of_order",
        {"f": {**FULL, "breaks": [{"after_h": 2, "minutes": 15}, {"after_h": 1, "minutes": 15}]}},
        "families.f.breaks[1]: must start after the previous break ends (got after_h 1)",
    ),
    (
        "odd_minutes",
        {"f": {**FULL, "length_h": 2.01}},
        "families.f.length_h: must be a whole number of minutes (got 2.01 h)",
    ),
    (
        "latest_before_earliest",
        {"f": {**FULL, "starts": {"earliest": "09:00", "latest": "08:00"}}},
        "families.f.starts.latest: must not be before earliest 09:00 (got '08:00')",
    ),
]


class TestPatternsFile:
    def test_shipped_file_loads(self, bank_patterns: Patterns) -> None:
        """The shipped patterns file has its four families and limits."""
        assert ["full", "six", "part", "split"] == list(bank_patterns.families)
        assert Limits(max_part_time_share=0.3, min_agents=2) == bank_patterns.limits

    @pytest.mark.parametrize(
        ("families", "expected"), [c[1:] for c in BAD_PATTERNS], ids=[c[0] for c in BAD_PATTERNS]
    )
    def test_bad_family_is_one_line(
        self, families: dict[str, Any], expected: str, tmp_path: Path
    ) -> None:
        """A bad family gives one line with the file, the field path and the value."""
        path = tmp_path / "patterns.yaml"
        path.write_text(yaml.safe_dump({"cost_per_paid_hour": 20, "families": families}))
        with pytest.raises(ScenarioError) as raised:
            load_patterns(path)
        assert f"{path}: {expected}" == str(raised.value)

    def test_family_without_cost(self, tmp_path: Path) -> None:
        """A family needs a cost, its own or the file's."""
        path = tmp_path / "patterns.yaml"
        path.write_text(yaml.safe_dump({"families": {"f": FULL}}))
        with pytest.raises(
            ScenarioError, match=r"families\.f: needs cost_per_paid_hour or cost_per_shift"
        ):
            load_patterns(path)


class TestRosterScenario:
    def test_base_scenario_with_roster_runs_identically_in_both_engines(
        self, bank_schedule: Schedule, tmp_path: Path
    ) -> None:
        """The retail-bank day staffed by the example roster loads and gives identical records."""
        rows = roster_rows(bank_schedule)
        text = scenario_with_roster(SCENARIOS / "retail_bank_day.yaml", None, tmp_path, rows)
        roster_table(rows).to_csv(tmp_path / "roster.csv", index=False)
        (tmp_path / "scenario.yaml").write_text(text)
        scenario = load_scenario(tmp_path / "scenario.yaml")
        roster = scenario.groups["agents"].roster
        assert roster is not None
        assert len(rows) == len(roster)
        simpy = simulate(scenario, reps=1, seed=5, engine="simpy", keep_records=True)
        fast = simulate(scenario, reps=1, seed=5, engine="fast", keep_records=True)
        assert_parity(simpy, fast)

    def test_inputs_resolve_from_the_new_folder(
        self, bank_schedule: Schedule, tmp_path: Path
    ) -> None:
        """The copy names the base's profile relative to its own folder."""
        folder = tmp_path / "deep" / "out"
        text = scenario_with_roster(
            SCENARIOS / "retail_bank_day.yaml", "agents", folder, roster_rows(bank_schedule)
        )
        profile = yaml.safe_load(text)["call_types"]["general"]["volume"]["profile"]
        assert (SCENARIOS / "profiles" / "bank_weekday_30min.csv").resolve() == (
            folder / profile
        ).resolve()

    def test_other_groups_and_inputs_are_kept(self, tmp_path: Path) -> None:
        """Staffing one group of several keeps its skills, the other groups and the forecast."""
        schedule = optimise_schedule(required(SHORT_DAY), patterns({"full": FULL}), "p.yaml")
        rows = roster_rows(schedule)
        base = SCENARIOS / "forecast_roster_example.yaml"
        document = yaml.safe_load(scenario_with_roster(base, "team", tmp_path, rows))
        original = yaml.safe_load(base.read_text())
        team = {**original["groups"]["team"], "roster": "roster.csv"}
        assert {**original["groups"], "team": team} == document["groups"]
        forecast = (tmp_path / document["forecast"]).resolve()
        assert (base.parent / original["forecast"]).resolve() == forecast

    def test_unknown_group(self, bank_schedule: Schedule, tmp_path: Path) -> None:
        """Staffing a group the base does not have is one line naming the groups."""
        base = SCENARIOS / "retail_bank_day.yaml"
        with pytest.raises(ScenarioError) as raised:
            scenario_with_roster(base, "team", tmp_path, roster_rows(bank_schedule))
        expected = f"{base}: groups: name the group to staff, one of: agents (got 'team')"
        assert expected == str(raised.value)

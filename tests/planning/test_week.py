"""The weekly roster: every work rule checked on the roster written, coverage, cost, files.

The checks read the files ``ccsim plan week`` writes (the people roster, the intervals) and
recompute from them, not from the program's variables: days and hours per person, runs of
working days, days off, hours of the day, families, seats, headcount, part-time share, the
agents on the phones in every interval.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from helpers import assert_parity, invoke
from scipy.optimize import LinearConstraint

from sim.errors import ScenarioError
from sim.planning import (
    Patterns,
    RequiredAgents,
    load_patterns,
    optimise_schedule,
    read_requirements,
    roster_rows,
)
from sim.planning.patterns import shift_variants
from sim.planning.rules import WorkRule, cyclic_blocks, longest_cyclic_run, weekday_of
from sim.planning.week import plan_week, week_program, week_rules
from sim.report.roster_week import GROUPS_FILE, INTERVALS_FILE, PEOPLE_FILE, SHEETS, WORKBOOK_FILE
from sim.scenario import load_scenario
from sim.scenario.roster import span_coverage
from sim.simulation import simulate
from sim.units import clock_to_s

OPEN, CLOSE, INTERVAL_S = "08:00", "18:00", 1800.0
DAY_FACTORS = (1.2, 1.0, 1.0, 1.0, 1.1, 0.6, 0.0)
HUMP = (4, 6, 8, 9, 9, 8, 7, 8, 9, 9, 8, 7, 6, 6, 5, 5, 4, 4, 3, 3)
PATTERNS: dict[str, Any] = {
    "open": OPEN,
    "close": CLOSE,
    "cost_per_paid_hour": 20,
    "families": {
        "full": {
            "starts": {"earliest": "08:00", "latest": "10:00", "every_minutes": 60},
            "length_h": 8,
            "breaks": [
                {"after_h": 2, "minutes": 15},
                {"after_h": 3.5, "latest_after_h": 4.5, "minutes": 30, "paid": False},
                {"after_h": 6, "minutes": 15},
            ],
        },
        "part": {
            "starts": {"earliest": "08:00", "latest": "14:00", "every_minutes": 60},
            "length_h": 4,
            "breaks": [{"after_h": 2, "minutes": 15}],
        },
    },
    "week": {
        "seats": 24,
        "rules": {
            "full_time": {
                "hours_per_week": {"min": 37.5, "max": 37.5},
                "days_per_week": 5,
                "consecutive_days_off": True,
                "max_consecutive_days": 5,
                "families": ["full"],
            },
            "part_time": {
                "hours_per_week": {"min": 12, "max": 16},
                "days_per_week": {"min": 3, "max": 4},
                "families": ["part"],
                "earliest_start": "09:00",
                "latest_end": "17:00",
                "cost_per_hour": 18,
                "part_time": True,
            },
        },
        "groups": {
            "desk_a": {"max_headcount": 30, "max_part_time_share": 0.25},
            "desk_b": {"rules": ["full_time"], "max_headcount": 12},
        },
    },
}
BASE: dict[str, Any] = {
    "name": "two-desk-week",
    "calendar": {"days": 7, "open": OPEN, "close": CLOSE, "interval_minutes": 30},
    "service_level": {"threshold_s": 20, "target": 0.8},
    "call_types": {
        "a": {
            "volume": {"per_hour": 30},
            "handle_time": {"dist": "exponential", "mean_s": 240},
            "patience": {"dist": "exponential", "mean_s": 180},
        },
        "b": {
            "volume": {"per_hour": 12},
            "handle_time": {"dist": "exponential", "mean_s": 300},
            "patience": {"dist": "exponential", "mean_s": 180},
            "routing": ["desk_b", {"group": "desk_a", "after_s": 30}],
        },
    },
    "groups": {
        "desk_a": {"skills": {"a": "standard", "b": "standard"}, "headcount": 5},
        "desk_b": {"skills": {"b": "standard"}, "headcount": 2},
    },
}


THREE_DESKS: dict[str, Any] = {
    **PATTERNS,
    "week": {
        "seats": 40,
        "rules": {
            **PATTERNS["week"]["rules"],
            "four_day": {  # 4 x 7.5 h, at most 3 days in a row: its days are patterns
                "hours_per_week": {"min": 30, "max": 30},
                "days_per_week": 4,
                "max_consecutive_days": 3,
                "families": ["full"],
            },
        },
        "groups": {
            "desk_a": {"max_part_time_share": 0.3},
            "desk_b": {"max_headcount": 20, "max_part_time_share": 0.25},
            "desk_c": {"rules": ["full_time", "four_day"]},
        },
    },
}
"""Three desks on three rules (one of them days in patterns), sharing 40 seats."""
THREE_DESK_SCALES = {"desk_a": 1.0, "desk_b": 0.7, "desk_c": 0.4}
"""The three desks and the scale of their requirements."""


def requirements_csv(path: Path, scale: float) -> Path:
    """Write a week of requirements: a hump over the day, Monday peak, short Saturday, Sunday 0."""
    starts = [f"{(8 * 60 + 30 * i) // 60:02d}:{(30 * i) % 60:02d}" for i in range(len(HUMP))]
    rows = [
        {"day": day, "interval_start": start, "call_type": "all", "scheduled": round(scale * f * h)}
        for day, f in enumerate(DAY_FACTORS)
        for start, h in zip(starts, HUMP, strict=True)
    ]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def write_yaml(path: Path, document: dict[str, Any]) -> Path:
    """Write a YAML file and return its path."""
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Requirements of two desks, the patterns file and the base scenario."""
    folder = tmp_path_factory.mktemp("week-inputs")
    return {
        "a": requirements_csv(folder / "a.csv", 1.0),
        "b": requirements_csv(folder / "b.csv", 0.5),
        "patterns": write_yaml(folder / "patterns.yaml", PATTERNS),
        **{
            f"{desk}_3": requirements_csv(folder / f"{desk}_3.csv", scale)
            for desk, scale in THREE_DESK_SCALES.items()
        },
        "patterns_3": write_yaml(folder / "patterns_3.yaml", THREE_DESKS),
        "base": write_yaml(folder / "base.yaml", BASE),
    }


def run_week(inputs: dict[str, Path], out: Path, *extra: str) -> tuple[int, str, str]:
    """Run ``ccsim plan week`` on the two desks."""
    return invoke(
        "plan", "week", f"--group=desk_a={inputs['a']}", f"--group=desk_b={inputs['b']}",
        f"--patterns={inputs['patterns']}", f"--out={out}", *extra,
    )  # fmt: skip


@pytest.fixture(scope="module")
def week_run(inputs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """Output and folder of the two desks' week, with the base scenario."""
    out = tmp_path_factory.mktemp("week") / "out"
    code, stdout, stderr = run_week(inputs, out, f"--scenario={inputs['base']}")
    assert (0, "") == (code, stderr)
    return stdout, out


@pytest.fixture(scope="module")
def people(week_run: tuple[str, Path]) -> pd.DataFrame:
    """The people roster written, days off included."""
    return pd.read_csv(week_run[1] / PEOPLE_FILE)


@pytest.fixture(scope="module", params=["two_desks", "three_desks"])
def rostered(
    request: pytest.FixtureRequest,
    inputs: dict[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Each case's patterns and the people roster ``ccsim plan week`` wrote for it."""
    if request.param == "two_desks":
        return PATTERNS, request.getfixturevalue("people")
    out = tmp_path_factory.mktemp("week-3") / "out"
    groups = [f"--group={desk}={inputs[f'{desk}_3']}" for desk in THREE_DESK_SCALES]
    code, _, stderr = invoke(
        "plan", "week", *groups, f"--patterns={inputs['patterns_3']}", f"--out={out}"
    )
    assert (0, "") == (code, stderr)
    return THREE_DESKS, pd.read_csv(out / PEOPLE_FILE)


def worked(people: pd.DataFrame) -> pd.DataFrame:
    """The rows of days worked."""
    return people[people["shift"] != "off"]


def spans(text: str) -> list[tuple[float, float]]:
    """``HH:MM-HH:MM;...`` as (start_s, end_s) pairs (an empty cell: none)."""
    if not isinstance(text, str):
        return []
    pairs = [part.split("-") for part in text.split(";")]
    return [(clock_to_s(a), clock_to_s(b)) for a, b in pairs]


def interval_starts() -> np.ndarray:
    """Start of every interval of the opening hours, seconds after midnight."""
    return clock_to_s(OPEN) + INTERVAL_S * np.arange(len(HUMP))


def recomputed(people: pd.DataFrame, group: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Agents on the phones (breaks deducted) and people present, per day and interval."""
    on_phones, present = np.zeros((7, len(HUMP))), np.zeros((7, len(HUMP)))
    starts = interval_starts()
    for row in worked(people).itertuples():
        if group is not None and row.group != group:
            continue
        duty = sum(span_coverage(a, b, starts, INTERVAL_S) for a, b in spans(row.segments))
        pauses = sum(
            (span_coverage(a, b, starts, INTERVAL_S) for a, b in spans(row.breaks)),
            np.zeros(len(HUMP)),
        )
        on_phones[row.day] += duty - pauses
        present[row.day] += duty > 0
    return on_phones, present


Rostered = tuple[dict[str, Any], pd.DataFrame]


class TestWorkRulesOnTheRoster:
    """Every rule of the patterns file holds for every person of the roster written: two desks
    with a base calendar, and three desks on three rules sharing the seats."""

    def test_seven_rows_per_person_with_weekdays(self, rostered: Rostered) -> None:
        """One row per person and day; the weekday is the day's (Monday 0)."""
        _, people = rostered
        assert (people.groupby("person").size() == 7).all()
        names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        assert [names[weekday_of(d)] for d in people["day"]] == list(people["weekday"])

    def test_days_per_week(self, rostered: Rostered) -> None:
        """Each person works a number of days its rule allows."""
        patterns, people = rostered
        for (rule, _), days in worked(people).groupby(["rule", "person"])["day"]:
            allowed = patterns["week"]["rules"][rule]["days_per_week"]
            low, high = (allowed, allowed) if isinstance(allowed, int) else allowed.values()
            assert low <= len(days) <= high

    def test_hours_per_week_within_contract(self, rostered: Rostered) -> None:
        """The paid hours of each person's week are within the rule's contracted hours."""
        patterns, people = rostered
        hours = worked(people).groupby(["rule", "person"])["paid_h"].sum()
        for (rule, _), paid_h in hours.items():
            contract = patterns["week"]["rules"][rule]["hours_per_week"]
            assert contract["min"] - 1e-9 <= paid_h <= contract["max"] + 1e-9

    def test_consecutive_days_and_days_off(self, rostered: Rostered) -> None:
        """No run of working days (the week as a cycle) is longer than the rule allows; days
        off are one block where the rule asks it."""
        patterns, people = rostered
        for (rule, _), days in worked(people).groupby(["rule", "person"])["day"]:
            spec = patterns["week"]["rules"][rule]
            days_worked = tuple(sorted(days))
            if "max_consecutive_days" in spec:
                assert longest_cyclic_run(days_worked) <= spec["max_consecutive_days"]
            if spec.get("consecutive_days_off"):
                off = tuple(d for d in range(7) if d not in days_worked)
                assert cyclic_blocks(off) <= 1

    def test_hours_of_the_day_and_families(self, rostered: Rostered) -> None:
        """Shifts start and end within the rule's hours, in one of its families, one family a
        week per person; breaks lie inside the shift and their windows."""
        patterns, people = rostered
        for row in worked(people).itertuples():
            spec = patterns["week"]["rules"][row.rule]
            assert row.shift in spec["families"]
            start, end = clock_to_s(row.start), clock_to_s(row.end)
            assert clock_to_s(spec.get("earliest_start", OPEN)) <= start
            assert end <= clock_to_s(spec.get("latest_end", CLOSE))
            family = patterns["families"][row.shift]
            breaks = spans(row.breaks)
            assert len(breaks) == len(family["breaks"])
            for (a, b), pause in zip(breaks, family["breaks"], strict=True):
                offset_h = (a - start) / 3600
                assert pause["after_h"] <= offset_h <= pause.get("latest_after_h", pause["after_h"])
                assert (b - a) / 60 == pause["minutes"]
        families = worked(people).groupby("person")["shift"].agg(lambda shifts: len(set(shifts)))
        assert (families == 1).all()

    def test_seats_headcount_and_part_time_share(self, rostered: Rostered) -> None:
        """People present never exceed the seats; each group keeps its headcount and
        part-time share limits and works only its rules."""
        patterns, people = rostered
        week = patterns["week"]
        _, present = recomputed(people, None)
        assert present.max() <= week["seats"]
        for group, limits in week["groups"].items():
            rules = people[people["group"] == group].groupby("person")["rule"].first()
            assert 0 < len(rules) <= limits.get("max_headcount", len(rules))
            part_time = rules.map(lambda r: week["rules"][r].get("part_time", False)).sum()
            assert part_time <= limits.get("max_part_time_share", 1.0) * len(rules) + 1e-9
            assert set(rules) <= set(limits.get("rules", week["rules"]))


class TestCalendar:
    def test_dates_and_hours_of_the_base_calendar(
        self, inputs: dict[str, Path], tmp_path: Path
    ) -> None:
        """With a dated base calendar (Sunday closed, Saturday 09:00-17:00; seats enough) the
        roster names dates and weekdays, works no shift on Sunday and none outside Saturday's
        hours; the demand outside them is reported unmet, and only that."""
        hours = {"sat": ["09:00", "17:00"], "sun": "closed"}
        calendar = {**BASE["calendar"], "start_date": "2027-01-04", "hours": hours}
        base = write_yaml(tmp_path / "base.yaml", {**BASE, "calendar": calendar})
        out = tmp_path / "out"
        code, stdout, stderr = run_week(inputs, out, f"--scenario={base}", "--seats=60")
        assert (0, "") == (code, stderr)
        people = pd.read_csv(out / PEOPLE_FILE)
        dates = pd.date_range("2027-01-04", periods=7).strftime("%Y-%m-%d")
        assert list(dates[people["day"]]) == list(people["date"])
        names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        assert [names[d] for d in people["day"]] == list(people["weekday"])
        assert (worked(people)["day"] != 6).all()
        saturday = worked(people)[worked(people)["day"] == 5]
        assert len(saturday) > 0
        assert (saturday["start"] >= "09:00").all()
        assert (saturday["end"] <= "17:00").all()
        intervals = pd.read_csv(out / INTERVALS_FILE)
        short = intervals[intervals["unmet"] > 0]
        assert set(short["day"]) == {5}
        assert set(short["interval_start"]) <= {"08:00", "08:30", "17:00", "17:30"}
        assert "5 2027-01-09 Sat" in stdout

    def test_base_calendar_must_have_seven_days(
        self, inputs: dict[str, Path], tmp_path: Path
    ) -> None:
        """A base scenario of 5 days is one line, exit 2."""
        base = write_yaml(
            tmp_path / "base.yaml", {**BASE, "calendar": {**BASE["calendar"], "days": 5}}
        )
        code, _, stderr = run_week(inputs, tmp_path / "out", f"--scenario={base}")
        expected = (
            f"error: {base}: calendar.days: the weekly roster plans 7 days (got a calendar of 5)\n"
        )
        assert (2, expected) == (code, stderr)


class TestCoverage:
    def test_every_interval_covered_and_the_intervals_file_agrees(
        self, week_run: tuple[str, Path], people: pd.DataFrame
    ) -> None:
        """The agents on the phones recomputed from the roster cover every requirement, and
        match intervals.csv (on the phones, present, seats used)."""
        intervals = pd.read_csv(week_run[1] / INTERVALS_FILE)
        _, seats_used = recomputed(people, None)
        for group in ("desk_a", "desk_b"):
            rows = intervals[intervals["group"] == group]
            on_phones, present = recomputed(people, group)
            required = rows["required"].to_numpy().reshape(7, -1)
            assert np.allclose(on_phones, rows["on_phones"].to_numpy().reshape(7, -1))
            assert np.allclose(present, rows["present"].to_numpy().reshape(7, -1))
            assert np.allclose(seats_used, rows["seats_used"].to_numpy().reshape(7, -1))
            assert (on_phones >= required - 1e-9).all()
            assert (rows["unmet"] == 0).all()
        assert "unmet demand: none" in week_run[0]

    @pytest.mark.parametrize(
        ("week", "group"),
        [
            ({"groups": {"desk_b": {"max_headcount": 3}}}, "desk_b"),
            ({"seats": 20}, "desk_a"),
        ],
        ids=["headcount", "seats"],
    )
    def test_shortfall_reported_exactly(
        self, week: dict[str, Any], group: str, inputs: dict[str, Path], tmp_path: Path
    ) -> None:
        """With a limit that binds (desk_b held to 3 people, or 20 seats), the limit holds on
        the roster, the shortfall per interval is required minus on the phones recomputed from
        the roster, and the console names it."""
        limited = {**PATTERNS, "week": {**PATTERNS["week"], **week}}
        patterns = write_yaml(tmp_path / "limited.yaml", limited)
        out = tmp_path / "out"
        code, stdout, stderr = run_week({**inputs, "patterns": patterns}, out)
        assert (0, "") == (code, stderr)
        people = pd.read_csv(out / PEOPLE_FILE)
        _, seats_used = recomputed(people, None)
        assert seats_used.max() <= limited["week"]["seats"]
        most_b = limited["week"]["groups"]["desk_b"]["max_headcount"]
        assert people[people["group"] == "desk_b"]["person"].nunique() <= most_b
        intervals = pd.read_csv(out / INTERVALS_FILE)
        rows = intervals[intervals["group"] == group]
        on_phones, _ = recomputed(people, group)
        expected = np.clip(rows["required"].to_numpy().reshape(7, -1) - on_phones, 0, None)
        assert np.allclose(expected, rows["unmet"].to_numpy().reshape(7, -1))
        assert expected.sum() > 0
        assert f"unmet demand: {intervals['unmet'].sum():g} agent-intervals short" in stdout

    def test_seats_option_overrides_the_file(self, inputs: dict[str, Path], tmp_path: Path) -> None:
        """--seats 20 holds on the roster (the file says 24) and the console says it."""
        out = tmp_path / "out"
        code, stdout, stderr = run_week(inputs, out, "--seats=20")
        assert (0, "") == (code, stderr)
        _, seats_used = recomputed(pd.read_csv(out / PEOPLE_FILE), None)
        assert seats_used.max() <= 20
        assert f"seats: at most {seats_used.max():g} used of 20" in stdout


def test_minimum_agents_on_days_with_demand(inputs: dict[str, Path]) -> None:
    """``limits.min_agents`` raises the requirement on days with demand, not on Sunday."""
    document = {**PATTERNS, "limits": {"min_agents": 2}}
    patterns = Patterns.model_validate(document)
    required_b = read_requirements(inputs["b"])
    roster = plan_week(
        {"desk_a": read_requirements(inputs["a"]), "desk_b": required_b}, patterns, "p.yaml"
    )
    assert (roster.required["desk_b"][:6] > required_b.agents[:6]).any()
    required = roster.required["desk_b"]
    assert (required[:6] >= 2).all()
    assert (required[6] == 0).all()
    assert (roster.on_phones["desk_b"][:6] >= 2 - 1e-9).all()


class TestCost:
    def test_cost_within_two_percent_of_the_lp_bound(self, inputs: dict[str, Path]) -> None:
        """Both desks' week costs at most 2% above the LP relaxation's optimum, no unmet."""
        patterns = load_patterns(inputs["patterns"])
        required = {
            "desk_a": read_requirements(inputs["a"]),
            "desk_b": read_requirements(inputs["b"]),
        }
        roster = plan_week(required, patterns, str(inputs["patterns"]))
        assert roster.total_unmet == 0
        assert roster.lp_bound <= roster.objective <= 1.02 * roster.lp_bound
        assert roster.lp_bound <= roster.best_bound <= roster.objective + 1e-6
        assert roster.gap <= roster.lp_gap <= 0.02
        assert roster.objective - roster.cost < 1.0  # the idle-day tie-break only
        cost = sum((18.0 if p.kind.part_time else 20.0) * p.paid_h for p in roster.people)
        assert cost == pytest.approx(roster.cost)

    def test_three_desks_within_two_percent_of_the_cheapest_roster(
        self, inputs: dict[str, Path]
    ) -> None:
        """Three desks sharing seats: the roster lies within 2% of the best bound and of the LP
        bound, both at most the cheapest roster's objective (solved with no gap), and within 2%
        of the cheapest roster."""
        required, patterns, source = three_desks(inputs)
        roster = plan_week(required, patterns, source)
        cheapest = plan_week(required, exact(patterns, source), source)
        assert "Optimal" in cheapest.solver_status
        assert roster.total_unmet == cheapest.total_unmet == 0
        assert len({p.kind.group for p in roster.people}) == 3
        assert roster.lp_bound <= roster.best_bound <= cheapest.objective + 1e-6
        assert roster.gap <= roster.lp_gap <= 0.02
        assert roster.objective <= cheapest.objective / (1 - 0.02)

    def test_console_prints_both_bounds_and_gaps(self, week_run: tuple[str, Path]) -> None:
        """The summary gives the objective (the cost, with the idle-day tie-break when it
        differs), the best bound with the gap to it, and the LP bound with the (larger) gap to
        it; LP bound <= best bound <= objective, gap at most 2%."""

        def amount(name: str) -> float:  # at a line's start or after three spaces
            found = re.search(rf"(?:^|   ){name}: ([\d,.]+)", week_run[0], flags=re.MULTILINE)
            assert found is not None, name
            return float(found.group(1).replace(",", ""))

        cost = amount("cost")
        objective = amount("objective") if "objective: " in week_run[0] else cost
        bound, lp_bound = amount("lower bound"), amount("LP lower bound")
        assert lp_bound <= bound <= objective
        gap, lp_gap = (objective - bound) / objective, (objective - lp_bound) / objective
        assert f"lower bound: {bound:,.2f}   gap: {100 * gap:.2f}%" in week_run[0]
        assert f"LP lower bound: {lp_bound:,.2f}   gap to it: {100 * lp_gap:.2f}%" in week_run[0]
        assert gap <= 0.02

    def test_groups_file_counts_people_fte_and_hours(
        self, week_run: tuple[str, Path], people: pd.DataFrame
    ) -> None:
        """groups.csv: headcount, part-time people, FTE = paid hours / 40, agent-hours."""
        groups = pd.read_csv(week_run[1] / GROUPS_FILE).set_index("group")
        for group, rows in worked(people).groupby("group"):
            paid_h = rows["paid_h"].sum()
            on_duty_h = sum(b - a for s in rows["segments"] for a, b in spans(s)) / 3600
            assert groups.loc[group, "headcount"] == rows["person"].nunique()
            assert groups.loc[group, "paid_h"] == pytest.approx(paid_h)
            assert groups.loc[group, "fte"] == pytest.approx(paid_h / 40.0)
            assert groups.loc[group, "agent_h"] == pytest.approx(on_duty_h)


def three_desks(inputs: dict[str, Path]) -> tuple[dict[str, RequiredAgents], Patterns, str]:
    """The three desks' requirements, their patterns and the patterns file's name."""
    required = {desk: read_requirements(inputs[f"{desk}_3"]) for desk in THREE_DESK_SCALES}
    return required, load_patterns(inputs["patterns_3"]), str(inputs["patterns_3"])


def exact(patterns: Patterns, source: str) -> Patterns:
    """The patterns with ``week.mip_gap`` 0: HiGHS proves the cheapest roster."""
    week = week_rules(patterns, source).model_copy(update={"mip_gap": 0.0})
    return patterns.model_copy(update={"week": week})


class TestRoundingCuts:
    def test_cheapest_roster_keeps_the_cuts_and_the_lp_bound_rises(
        self, inputs: dict[str, Path]
    ) -> None:
        """The cheapest roster of the program without cuts keeps every rounding cut; with the
        cuts the LP bound rises, and stays at most the cheapest roster's objective. Without
        them the LP lies more than 2% below the cheapest roster on three desks: it hires
        fractions of people."""
        required, patterns, source = three_desks(inputs)
        program, demand = week_program(required, exact(patterns, source), source)
        cuts = program.rounding_cuts(demand)
        assert cuts is not None
        counts, cheapest, status = program.solve(demand, integral=True)
        assert "Optimal" in status
        kept = cuts.A[:, : program.n_integer] @ np.rint(counts)
        assert (kept >= cuts.lb - 1e-9).all()
        _, plain_lp, _ = program.solve(demand, integral=False)
        _, cut_lp, _ = program.solve(demand, integral=False, cuts=cuts)
        assert plain_lp < cut_lp <= cheapest + 1e-6
        assert (cheapest - plain_lp) / cheapest > 0.02 > (cheapest - cut_lp) / cheapest

    def test_unmet_floor_is_the_penalty_of_half_an_agent(self, inputs: dict[str, Path]) -> None:
        """With 15-minute breaks in 30-minute intervals agents on the phones are halves, so a
        whole requirement not met lacks at least half an agent."""
        required, patterns, source = three_desks(inputs)
        program, demand = week_program(required, patterns, source)
        assert program.unmet_floor(demand) == pytest.approx(0.5 * program.penalty)

    def test_roster_with_a_shortfall_is_solved_again_without_cuts(
        self, inputs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """When the roster found with the cuts leaves agents missing (here: said to), the
        program is solved again without them, and the bounds are the plain program's."""
        required, patterns, source = three_desks(inputs)
        program, demand = week_program(required, patterns, source)
        calls: list[LinearConstraint | None] = []
        solve = program.solve

        def recorded(*args: Any, **kwargs: Any) -> Any:
            calls.append(kwargs.get("cuts"))
            return solve(*args, **kwargs)

        monkeypatch.setattr(program, "solve", recorded)
        monkeypatch.setattr(program, "shortfall", lambda people, demand: 1.0)
        roster = program.best_roster(demand)
        assert calls[0] is not None
        assert calls[1:] == [None, None]
        _, plain_lp, _ = solve(demand, integral=False)
        assert roster.lp_bound == pytest.approx(plain_lp)

    def test_no_cuts_when_limits_leave_a_shortfall(self, inputs: dict[str, Path]) -> None:
        """With too few seats no roster covers every interval: no cuts, and the roster is the
        program's without them."""
        required, patterns, source = three_desks(inputs)
        week = week_rules(patterns, source).model_copy(update={"seats": 15})
        program, demand = week_program(required, patterns.model_copy(update={"week": week}), source)
        assert program.rounding_cuts(demand) is None
        assert program.best_roster(demand).total_unmet > 0


class TestFiles:
    def test_workbook_holds_the_csv_tables(self, week_run: tuple[str, Path]) -> None:
        """Each sheet of people_roster.xlsx, read by pandas, equals its CSV file."""
        out = week_run[1]
        files = dict(zip(SHEETS, (PEOPLE_FILE, GROUPS_FILE, INTERVALS_FILE), strict=True))
        for sheet, name in files.items():
            from_csv = pd.read_csv(out / name)
            from_xlsx = pd.read_excel(out / WORKBOOK_FILE, sheet_name=sheet)
            pd.testing.assert_frame_equal(from_csv, from_xlsx, check_dtype=False, rtol=1e-5)

    def test_people_roster_runs_identically_in_both_engines(
        self, week_run: tuple[str, Path], people: pd.DataFrame
    ) -> None:
        """The scenario written staffs both desks with the people; both engines give the same
        call records on it."""
        scenario = load_scenario(week_run[1] / "scenario.yaml")
        for group in ("desk_a", "desk_b"):
            roster = scenario.groups[group].roster
            assert roster is not None
            agents = {row.agent for row in roster}
            rows = worked(people)
            assert agents == set(rows[rows["group"] == group]["person"])
        simpy = simulate(scenario, reps=1, seed=3, engine="simpy", keep_records=True)
        fast = simulate(scenario, reps=1, seed=3, engine="fast", keep_records=True)
        assert_parity(simpy, fast)


BAD_WEEKS = [
    (
        "hours_unreachable",
        {
            "rules": {
                "r": {
                    "hours_per_week": {"min": 40, "max": 40},
                    "days_per_week": 3,
                    "families": ["eight"],
                }
            }
        },
        "week.rules.r.hours_per_week: cannot be met: 3 days of family eight (8 paid h) give 24 h, "
        "outside hours_per_week 40-40",
    ),
    (
        "unknown_family",
        {
            "rules": {
                "r": {
                    "hours_per_week": {"min": 8, "max": 40},
                    "days_per_week": 5,
                    "families": ["ten"],
                }
            }
        },
        "week.rules.r.families[0]: unknown shift family, expected one of: eight (got 'ten')",
    ),
    (
        "longer_than_the_day",
        {
            "rules": {
                "r": {
                    "hours_per_week": {"min": 8, "max": 40},
                    "days_per_week": 5,
                    "families": ["eight"],
                    "earliest_start": "09:00",
                    "latest_end": "16:00",
                }
            }
        },
        "week.rules.r.families[0]: family eight lasts 8 h, longer than earliest_start "
        "09:00-latest_end 16:00",
    ),
    (
        "no_day_pattern",
        {
            "rules": {
                "r": {
                    "hours_per_week": {"min": 8, "max": 56},
                    "days_per_week": 6,
                    "max_consecutive_days": 2,
                    "families": ["eight"],
                }
            }
        },
        "week.rules.r.days_per_week: no week of 6 working days has at most 2 in a row",
    ),
    (
        "hours_only_in_weeks_the_day_rules_forbid",
        {
            "rules": {
                "r": {
                    "hours_per_week": {"min": 40, "max": 40},
                    "days_per_week": {"min": 4, "max": 5},
                    "consecutive_days_off": True,
                    "max_consecutive_days": 4,
                    "families": ["eight"],
                }
            }
        },
        "week.rules.r.hours_per_week: cannot be met with family eight: the day rules allow weeks "
        "of 4 days, giving 32 h, outside 40-40",
    ),
    (
        "unknown_rule",
        {
            "rules": {
                "r": {
                    "hours_per_week": {"min": 8, "max": 40},
                    "days_per_week": 5,
                    "families": ["eight"],
                }
            },
            "groups": {"g": {"rules": ["s"]}},
        },
        "week.groups.g.rules[0]: unknown work rule, expected one of: r (got 's')",
    ),
    (
        "days_out_of_range",
        {
            "rules": {
                "r": {
                    "hours_per_week": {"min": 8, "max": 40},
                    "days_per_week": 8,
                    "families": ["eight"],
                }
            }
        },
        "week.rules.r.days_per_week",
    ),
]


def with_back_office(tmp_path: Path, headcount: int) -> Path:
    """Write the base scenario with a third group, not planned: ``headcount`` people all day."""
    groups = {
        **BASE["groups"],
        "back_office": {"skills": {"a": "standard"}, "headcount": headcount},
    }
    return write_yaml(tmp_path / "base.yaml", {**BASE, "groups": groups})


class TestFixedRoster:
    def test_seats_below_a_fixed_roster_exit_2(
        self, inputs: dict[str, Path], tmp_path: Path
    ) -> None:
        """A base group the roster leaves as it is, with more people on duty than seats: one
        line naming the patterns file, week.seats, the group, when, and the seats; exit 2."""
        base = with_back_office(tmp_path, 30)
        out = tmp_path / "out"
        code, stdout, stderr = run_week(inputs, out, f"--scenario={base}")
        expected = (
            f"error: {inputs['patterns']}: week.seats: fewer seats than the 30 people the fixed "
            "roster of back_office has on duty at Mon 08:00 (got 24)\n"
        )
        assert (2, "", expected) == (code, stdout, stderr)
        assert not out.exists()

    def test_fixed_people_hold_seats(self, inputs: dict[str, Path], tmp_path: Path) -> None:
        """Four back-office people on duty all day leave 20 of the 24 seats to the roster (which
        uses 22 without them)."""
        base = with_back_office(tmp_path, 4)
        out = tmp_path / "out"
        code, stdout, stderr = run_week(inputs, out, f"--scenario={base}")
        assert (0, "") == (code, stderr)
        _, present = recomputed(pd.read_csv(out / PEOPLE_FILE), None)
        assert present.max() <= 24 - 4
        assert f"seats: at most {present.max() + 4:g} used of 24" in stdout


class TestBadInput:
    @pytest.mark.parametrize(
        ("week", "expected"), [c[1:] for c in BAD_WEEKS], ids=[c[0] for c in BAD_WEEKS]
    )
    def test_bad_rules_are_one_line(
        self, week: dict[str, Any], expected: str, tmp_path: Path
    ) -> None:
        """Rules that cannot be met give one line with the file, the field and the value."""
        eight = {"starts": {"earliest": "08:00", "latest": "10:00"}, "length_h": 8}
        document = {"cost_per_paid_hour": 20, "families": {"eight": eight}, "week": week}
        path = write_yaml(tmp_path / "patterns.yaml", document)
        with pytest.raises(ScenarioError) as raised:
            load_patterns(path)
        assert str(raised.value).startswith(f"{path}: {expected}")

    def test_rules_that_cannot_be_met_exit_2(self, inputs: dict[str, Path], tmp_path: Path) -> None:
        """From the command, a rule of 40 hours in 3 days of 8 is one line and exit code 2."""
        rules = {**PATTERNS["week"]["rules"]}
        rules["full_time"] = {**rules["full_time"], "days_per_week": 3}
        patterns = {**PATTERNS, "week": {**PATTERNS["week"], "rules": rules}}
        path = write_yaml(tmp_path / "p.yaml", patterns)
        out = tmp_path / "out"
        code, stdout, stderr = run_week({**inputs, "patterns": path}, out)
        expected = (
            f"error: {path}: week.rules.full_time.hours_per_week: cannot be met: 3 days of "
            "family full (7.5 paid h) give 22.5 h, outside hours_per_week 37.5-37.5\n"
        )
        assert (2, "", expected) == (code, stdout, stderr)
        assert not out.exists()

    def test_break_window_outside_the_shift(self, tmp_path: Path) -> None:
        """A break window that reaches past the shift's end is refused."""
        family = {
            "starts": {"earliest": "08:00"},
            "length_h": 4,
            "breaks": [{"after_h": 3, "latest_after_h": 4, "minutes": 15}],
        }
        path = write_yaml(
            tmp_path / "p.yaml", {"cost_per_paid_hour": 20, "families": {"f": family}}
        )
        with pytest.raises(ScenarioError) as raised:
            load_patterns(path)
        message = "must lie inside one segment of the shift (got after_h 3)"
        assert f"{path}: families.f.breaks[0]: {message}" == str(raised.value)

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (("--group=desk_a",), "--group must be NAME=REQUIREMENTS.csv"),
            (("--group=desk_a={a}", "--group=desk_a={b}"), "--group names group 'desk_a' twice"),
            (("--group=desk_a={a}:nope",), "column call_type: has no row of call type 'nope'"),
        ],
        ids=["no-file", "twice", "unknown-call-type"],
    )
    def test_bad_command_is_one_line_exit_2_and_no_files(
        self, args: tuple[str, ...], message: str, inputs: dict[str, Path], tmp_path: Path
    ) -> None:
        """Bad options exit 2 with one error line and leave no output files."""
        out = tmp_path / "out"
        code, stdout, stderr = invoke(
            "plan", "week", *(a.format(a=inputs["a"], b=inputs["b"]) for a in args),
            f"--patterns={inputs['patterns']}", f"--out={out}",
        )  # fmt: skip
        assert (2, "", 1) == (code, stdout, len(stderr.splitlines()))
        assert message in stderr
        assert not out.exists()

    def test_patterns_without_week_section(self, inputs: dict[str, Path], tmp_path: Path) -> None:
        """A patterns file without work rules is one line, exit 2."""
        path = write_yaml(tmp_path / "p.yaml", {k: v for k, v in PATTERNS.items() if k != "week"})
        code, _, stderr = run_week({**inputs, "patterns": path}, tmp_path / "out")
        expected = f"error: {path}: week: has no week section: the weekly roster needs work rules"
        assert (2, True) == (code, stderr.startswith(expected))

    def test_tour_outside_the_opening_hours(self, inputs: dict[str, Path], tmp_path: Path) -> None:
        """A shift that ends after closing is one line, exit 2."""
        late = {**PATTERNS["families"]["full"], "starts": {"earliest": "08:00", "latest": "11:00"}}
        patterns = {**PATTERNS, "families": {**PATTERNS["families"], "full": late}}
        path = write_yaml(tmp_path / "p.yaml", patterns)
        code, _, stderr = run_week({**inputs, "patterns": path}, tmp_path / "out")
        expected = (
            f"error: {path}: families.full.starts: ends after closing 18:00 "
            "(got the shift starting at 10:30, ending at 18:30)\n"
        )
        assert (2, expected) == (code, stderr)


class TestDayPatterns:
    @pytest.mark.parametrize(
        ("rule", "count"),
        [
            ({"days_per_week": 5}, 21),  # any 2 days off: 7 choose 2
            ({"days_per_week": 5, "consecutive_days_off": True}, 7),  # one block, cyclic
            ({"days_per_week": 5, "max_consecutive_days": 4}, 14),  # the 7 blocks of 5 go
            ({"days_per_week": {"min": 3, "max": 4}}, 70),  # 35 + 35
            ({"days_per_week": 7}, 1),
        ],
    )
    def test_patterns_the_rule_allows(self, rule: dict[str, Any], count: int) -> None:
        """The day patterns of a rule: their number, and each satisfies the rule."""
        spec = WorkRule.model_validate(
            {"hours_per_week": {"min": 0, "max": 80}, "families": ["f"], **rule}
        )
        patterns = spec.day_patterns()
        assert count == len(set(patterns)) == len(patterns)
        for days in patterns:
            assert len(days) in spec.day_counts()
            if spec.max_consecutive_days is not None:
                assert longest_cyclic_run(days) <= spec.max_consecutive_days

    def test_week_is_a_cycle(self) -> None:
        """Sunday and Monday are consecutive: Fri-Mon is a run of 4, Sun+Mon one block off."""
        assert 4 == longest_cyclic_run((0, 4, 5, 6))
        assert 1 == cyclic_blocks((0, 6))
        assert 2 == cyclic_blocks((0, 2))


class TestBreakWindows:
    def test_each_placement_is_a_variant_and_daily_roster_names_are_unique(
        self, inputs: dict[str, Path]
    ) -> None:
        """A lunch window of 3 positions gives 3 variants per start; the day-by-day schedule
        names every agent once per day."""
        patterns = load_patterns(inputs["patterns"])
        variants = shift_variants(patterns, "p", clock_to_s(OPEN), clock_to_s(CLOSE))
        full = [v for v in variants if v.family == "full"]
        assert 3 * 3 == len(full)  # starts 08:00, 09:00, 10:00 x lunch at 3.5, 4, 4.5 h
        assert {v.duty.breaks[1][0] - v.start_s for v in full} == {12600.0, 14400.0, 16200.0}
        schedule = optimise_schedule(read_requirements(inputs["a"]), patterns, "p")
        rows = roster_rows(schedule)
        names = [(row["day"], row["agent"]) for row in rows]
        assert len(names) == len(set(names))


def test_requirements_of_some_call_types(tmp_path: Path) -> None:
    """``call_types`` keeps the rows of those call types only, summed per interval."""
    path = tmp_path / "r.csv"
    path.write_text(
        "day,interval_start,call_type,scheduled\n"
        "0,08:00,general,5\n0,08:30,general,6\n0,08:00,billing,2\n0,08:30,billing,3\n"
        "0,08:00,vip,1\n0,08:30,vip,1\n"
    )
    assert [[5, 6]] == read_requirements(path, call_types=["general"]).agents.tolist()
    assert [[3, 4]] == read_requirements(path, call_types=["billing", "vip"]).agents.tolist()
    assert [[8, 10]] == read_requirements(path).agents.tolist()

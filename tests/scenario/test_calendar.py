"""Calendars with dates: opening hours by weekday and date, weekday volumes, labels, bad input."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from helpers import REPO, SCENARIOS

from sim.errors import ScenarioError
from sim.scenario import load_scenario, scenario_from_dict
from sim.scenario.calendar import day_label
from sim.scenario.plan import RosterKind, build_plan
from sim.scenario.roster import staff_of
from sim.units import SECONDS_PER_DAY, SECONDS_PER_HOUR

HOUR = SECONDS_PER_HOUR
WEEK: dict[str, Any] = {
    "name": "week",
    "calendar": {
        "start_date": "2027-01-04",  # a Monday
        "days": 7,
        "open": "08:00",
        "close": "12:00",
        "hours": {"sat": ["09:00", "11:00"], "sun": "closed"},
        "dates": {"2027-01-06": ["08:00", "13:00"]},  # Wednesday opens late
        "interval_minutes": 60,
    },
    "call_types": {
        "calls": {
            "volume": {
                "daily": 100,
                "profile": [1, 2, 3, 2, 2],
                "weekday_factors": {"mon": 1.5, "sat": 0.5},
            },
            "handle_time": {"dist": "exponential", "mean_s": 300},
        },
        "steady": {
            "volume": {"per_hour": 10},
            "handle_time": {"dist": "exponential", "mean_s": 300},
        },
    },
    "shifts": {
        "weekday": {"start": "08:00", "end": "12:00", "days": ["mon", "tue", "wed", "thu", "fri"]},
        "saturday": {"start": "09:00", "end": "11:00", "days": ["sat"]},
    },
    "groups": {"agents": {"shifts": {"weekday": 3, "saturday": 2}}},
}
"""A Monday-to-Sunday week on 60-minute intervals: grid 08:00-13:00 (Wednesday closes at 13:00)."""


def _week(**calendar: Any) -> dict[str, Any]:
    raw = copy.deepcopy(WEEK)
    raw["calendar"].update(calendar)
    return raw


class TestDayHours:
    def test_hours_by_date_then_weekday_then_default(self) -> None:
        """Each day's hours: its date's, else its weekday's, else open-close; one shared grid."""
        scenario = scenario_from_dict(_week())
        expected = [
            (8 * HOUR, 12 * HOUR),
            (8 * HOUR, 12 * HOUR),
            (8 * HOUR, 13 * HOUR),
            (8 * HOUR, 12 * HOUR),
            (8 * HOUR, 12 * HOUR),
            (9 * HOUR, 11 * HOUR),
            None,
        ]
        assert expected == [scenario.day_hours_s(day) for day in range(7)]
        assert (8 * HOUR, 13 * HOUR, 5) == (scenario.open_s, scenario.close_s, scenario.n_intervals)

    def test_plan_closes_intervals_outside_a_days_hours(self) -> None:
        """Closed intervals are empty segments with no calls; open ones keep the full length."""
        plan = build_plan(scenario_from_dict(_week()))
        expected = np.array(
            [
                [1, 1, 1, 1, 0],
                [1, 1, 1, 1, 0],
                [1, 1, 1, 1, 1],
                [1, 1, 1, 1, 0],
                [1, 1, 1, 1, 0],
                [0, 1, 1, 0, 0],
                [0, 0, 0, 0, 0],
            ],
            dtype=bool,
        )
        assert np.array_equal(expected, plan.interval_open)
        lengths = (plan.segment_end_at - plan.segment_start_at).reshape(7, 5)
        assert np.array_equal(np.where(expected, HOUR, 0.0), lengths)
        rates = plan.rate_per_s.reshape(2, 7, 5)
        assert np.all(rates[:, ~expected] == 0.0)
        assert np.all(rates[1, expected] == 10 / HOUR)

    def test_open_and_close_instants(self) -> None:
        """open_at and close_at are each day's own; a closed day's are its grid start."""
        plan = build_plan(scenario_from_dict(_week()))
        midnight = np.arange(7) * SECONDS_PER_DAY
        opens = np.array([8, 8, 8, 8, 8, 9, 8]) * HOUR
        closes = np.array([12, 12, 13, 12, 12, 11, 8]) * HOUR
        assert np.array_equal(midnight + opens, plan.open_at)
        assert np.array_equal(midnight + closes, plan.close_at)

    def test_close_events_and_drain_at_each_days_own_close(self) -> None:
        """CLOSE at each day's close; a Saturday shift ending at 11:00 drains (OFF_DRAIN)."""
        plan = build_plan(scenario_from_dict(_week()))
        closes = plan.roster_at[plan.roster_kind == RosterKind.CLOSE]
        assert np.array_equal(plan.close_at, closes)
        saturday_close = plan.close_at[5]
        drains = plan.roster_at[plan.roster_kind == RosterKind.OFF_DRAIN]
        expected = {saturday_close} | {plan.close_at[d] for d in (0, 1, 3, 4)}
        assert expected == set(drains.tolist())

    def test_after_close_slot_starts_at_each_days_close(self) -> None:
        """A day's after-close slot starts at its own close; later intervals are empty slots."""
        plan = build_plan(scenario_from_dict(_week()))
        slots = plan.slot_start_at.reshape(7, 6)
        saturday = 5 * SECONDS_PER_DAY + np.array([8, 9, 10, 11, 11, 11]) * HOUR
        assert np.array_equal(saturday, slots[5])
        assert np.all(slots[6] == 6 * SECONDS_PER_DAY + 8 * HOUR)
        assert np.all(np.diff(plan.slot_start_at) >= 0)

    def test_no_start_date_keeps_every_day_alike(self) -> None:
        """Without start_date the plan is the one of equal days it always was."""
        raw = _week()
        raw["calendar"] = {"days": 3, "open": "08:00", "close": "13:00", "interval_minutes": 60}
        raw["call_types"]["calls"]["volume"].pop("weekday_factors")
        for shift in raw["shifts"].values():
            shift.pop("days")
        plan = build_plan(scenario_from_dict(raw))
        assert plan.interval_open.all()
        assert plan.start_date is None
        assert ["d0", "d1 09:00"] == [plan.day_label(0), plan.interval_label(1, 1)]


class TestWeekdayVolumes:
    def test_weekday_factors_scale_expected_calls_exactly(self) -> None:
        """Each day's expected calls: daily x its weekday factor; per_hour x its open hours."""
        plan = build_plan(scenario_from_dict(_week()))
        calls = (plan.rate_per_s * (plan.segment_end_at - plan.segment_start_at)).reshape(2, 7, 5)
        expected_daily = [150.0, 100.0, 100.0, 100.0, 100.0, 50.0, 0.0]
        assert calls[0].sum(axis=1) == pytest.approx(expected_daily, rel=1e-12)
        expected_steady = [40.0, 40.0, 50.0, 40.0, 40.0, 20.0, 0.0]
        assert calls[1].sum(axis=1) == pytest.approx(expected_steady, rel=1e-12)

    def test_short_day_spreads_daily_over_its_open_intervals(self) -> None:
        """Saturday 09:00-11:00 gets the profile's weights 2 and 3, renormalised."""
        plan = build_plan(scenario_from_dict(_week()))
        calls = (plan.rate_per_s * (plan.segment_end_at - plan.segment_start_at)).reshape(2, 7, 5)
        assert calls[0, 5] == pytest.approx([0.0, 20.0, 30.0, 0.0, 0.0], rel=1e-12)

    def test_weekday_profile_replaces_the_profile(self) -> None:
        """A weekday's own profile shapes its days; others keep the profile."""
        raw = _week()
        raw["call_types"]["calls"]["volume"]["weekday_profiles"] = {"tue": [0, 0, 1, 1, 0]}
        plan = build_plan(scenario_from_dict(raw))
        calls = (plan.rate_per_s * (plan.segment_end_at - plan.segment_start_at)).reshape(2, 7, 5)
        assert calls[0, 1] == pytest.approx([0.0, 0.0, 50.0, 50.0, 0.0], rel=1e-12)
        assert calls[0, 3] == pytest.approx([100 / 8, 200 / 8, 300 / 8, 200 / 8, 0.0])

    def test_forecast_rows_by_date(self) -> None:
        """Forecast rows keyed by date land on that date's day; closed hours need no rows."""
        raw = _week()
        raw["call_types"] = {"calls": raw["call_types"]["calls"]}
        raw["call_types"]["calls"]["volume"] = {}
        raw["forecast"] = [
            {
                "date": f"2027-01-{4 + day:02d}",
                "interval_start": f"{8 + j:02d}:00",
                "call_type": "calls",
                "volume": 10 * day + j,
            }
            for day in range(6)
            for j in range(5)
            if j in scenario_from_dict(_week()).open_intervals(day)
        ]
        plan = build_plan(scenario_from_dict(raw))
        calls = (plan.rate_per_s * (plan.segment_end_at - plan.segment_start_at)).reshape(7, 5)
        assert calls[2, 4] == pytest.approx(24.0)
        assert calls[5].tolist() == pytest.approx([0.0, 51.0, 52.0, 0.0, 0.0])
        assert calls[6].sum() == 0.0


class TestForecastCsvByDate:
    @staticmethod
    def _scenario(folder: Path, rows: list[str]) -> Path:
        raw = _week(days=2, hours={}, dates={})
        raw["call_types"] = {"calls": {**raw["call_types"]["calls"], "volume": {}}}
        raw["forecast"] = "forecast.csv"
        (folder / "forecast.csv").write_text(
            "\n".join(["date,interval_start,call_type,volume", *rows])
        )
        file = folder / "week.yaml"
        file.write_text(yaml.safe_dump(raw))
        return file

    def test_date_column(self, tmp_path: Path) -> None:
        """A forecast CSV keyed by date gives each date's volumes."""
        rows = [
            f"2027-01-0{4 + d},{8 + j:02d}:00,calls,{10 * d + j}" for d in (0, 1) for j in range(4)
        ]
        plan = build_plan(load_scenario(self._scenario(tmp_path, rows)))
        calls = (plan.rate_per_s * (plan.segment_end_at - plan.segment_start_at)).reshape(2, 4)
        assert [[0, 1, 2, 3], [10, 11, 12, 13]] == calls.tolist()

    def test_date_outside_names_line_and_column(self, tmp_path: Path) -> None:
        """A date outside the calendar: the CSV file, its line and the date column."""
        rows = [f"2027-01-0{4 + d},{8 + j:02d}:00,calls,1" for d in (0, 2) for j in range(4)]
        with pytest.raises(ScenarioError) as caught:
            load_scenario(self._scenario(tmp_path, rows))
        assert str(tmp_path / "forecast.csv") == caught.value.file
        assert "line 6, column date" == caught.value.path
        assert "2027-01-04 to 2027-01-05 (got 2027-01-06)" in caught.value.message


class TestStaffing:
    def test_weekday_names_and_closed_days(self) -> None:
        """Shifts by weekday name work those days only; nobody works the closed Sunday."""
        scenario = scenario_from_dict(_week())
        staff = staff_of(scenario)
        worked = [[duty is not None for duty in week] for week in staff.weeks]
        weekday = [True] * 5 + [False, False]
        saturday = [False] * 5 + [True, False]
        assert [weekday] * 3 + [saturday] * 2 == worked

    def test_shift_without_days_works_every_open_day(self) -> None:
        """No days: every open day (Sunday closed is skipped)."""
        raw = _week()
        raw["shifts"] = {"mid": {"start": "09:00", "end": "11:00"}}
        raw["groups"] = {"agents": {"shifts": {"mid": 1}}}
        staff = staff_of(scenario_from_dict(raw))
        assert [True] * 6 + [False] == [duty is not None for duty in staff.weeks[0]]

    def test_headcount_is_on_duty_only_while_open(self) -> None:
        """A headcount staffs each day's open intervals only (no agent time while closed)."""
        raw = _week()
        raw.pop("shifts")
        raw["groups"] = {"agents": {"headcount": 2}}
        plan = build_plan(scenario_from_dict(raw))
        scheduled = plan.scheduled_agents[:, :, 0]
        assert np.array_equal(np.where(plan.interval_open, 2.0, 0.0), scheduled)


class TestLabels:
    @pytest.mark.parametrize(
        ("start", "day", "expected"),
        [
            ("2027-01-04", 0, "2027-01-04 Mon"),
            ("2027-01-04", 6, "2027-01-10 Sun"),
            ("2028-02-28", 1, "2028-02-29 Tue"),
            (None, 3, "d3"),
        ],
    )
    def test_day_label(self, start: str | None, day: int, expected: str) -> None:
        """A day's label is its date and weekday, or d and its index without dates."""
        assert expected == day_label(start, day)

    def test_interval_labels_name_the_date(self) -> None:
        """Interval labels carry the date and weekday, also for a one-day dated calendar."""
        plan = build_plan(scenario_from_dict(_week()))
        assert "2027-01-09 Sat 09:00" == plan.interval_label(5, 1)
        one_day = build_plan(scenario_from_dict(_week(days=1, dates={}, close="13:00")))
        assert "2027-01-04 Mon 08:00" == one_day.interval_label(0, 0)

    def test_unquoted_yaml_dates(self, tmp_path: Path) -> None:
        """YAML reads 2027-01-04 unquoted as a date: start_date and dates keys accept it."""
        text = (
            yaml.safe_dump(WEEK)
            .replace("'2027-01-04'", "2027-01-04")
            .replace("'2027-01-06'", "2027-01-06")
        )
        assert "start_date: 2027-01-04" in text
        file = tmp_path / "week.yaml"
        file.write_text(text)
        assert "2027-01-04" == load_scenario(file).start_date


BAD: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "close_before_open",
        _week(hours={"sat": ["11:00", "09:00"]}),
        "calendar.hours.sat",
        "closing must be after opening 11:00 (got 09:00)",
    ),
    (
        "overlapping_spans",
        _week(hours={"sat": [["09:00", "11:00"], ["10:00", "12:00"]]}),
        "calendar.hours.sat",
        "one opening a day",
    ),
    ("unknown_weekday", _week(hours={"satur": "closed"}), "calendar.hours.satur", "(got 'satur')"),
    (
        "date_outside_calendar",
        _week(dates={"2027-02-01": "closed"}),
        "calendar.dates.2027-02-01",
        "2027-01-04 to 2027-01-10 (got 2027-02-01)",
    ),
    ("bad_date", _week(start_date="2027-13-01"), "calendar.start_date", "(got '2027-13-01')"),
    ("hours_without_dates", _week(start_date=None), "calendar.hours", "needs start_date"),
    ("off_grid", _week(hours={"sat": ["09:30", "11:00"]}), "calendar.hours.sat", "(got 09:30)"),
    (
        "every_day_closed",
        _week(days=1, hours={"mon": "closed"}, dates={}),
        "calendar.hours",
        "every day of the calendar is closed",
    ),
]


def _closed_day_worked() -> dict[str, Any]:
    raw = _week()
    raw["shifts"]["saturday"]["days"] = [5, 6]
    return raw


def _long_shift_on_short_day() -> dict[str, Any]:
    raw = _week()
    raw["shifts"]["saturday"] = {"start": "08:00", "end": "12:00", "days": ["sat"]}
    return raw


def _forecast_outside(date: str, volume: float = 5.0, start: str = "09:00") -> dict[str, Any]:
    raw = _week()
    raw["call_types"]["calls"]["volume"] = {}
    raw["forecast"] = [
        {"date": date, "interval_start": start, "call_type": "calls", "volume": volume}
    ]
    return raw


def _weekday_factor(name: str) -> dict[str, Any]:
    raw = _week()
    raw["call_types"]["calls"]["volume"]["weekday_factors"] = {name: 1.2}
    return raw


BAD += [
    ("closed_day_worked", _closed_day_worked(), "shifts.saturday.days[1]", "closed day"),
    (
        "shift_longer_than_short_day",
        _long_shift_on_short_day(),
        "shifts.saturday.days",
        "works 08:00-12:00 on 2027-01-09 Sat, open only 09:00-11:00",
    ),
    (
        "forecast_date_outside",
        _forecast_outside("2027-01-11"),
        "forecast[0].date",
        "2027-01-04 to 2027-01-10 (got 2027-01-11)",
    ),
    (
        "forecast_on_closed_hours",
        _forecast_outside("2027-01-10"),
        "forecast[0].volume",
        "while the centre is closed (got volume 5)",
    ),
    ("unknown_factor_weekday", _weekday_factor("funday"), "call_types.calls.volume", "'funday'"),
]


class TestBadCalendars:
    @pytest.mark.parametrize(
        ("raw", "path", "got"), [case[1:] for case in BAD], ids=[case[0] for case in BAD]
    )
    def test_cli_one_line_exit_2(
        self, tmp_path: Path, raw: dict[str, Any], path: str, got: str
    ) -> None:
        """``ccsim validate``: exit code 2, one line naming the file, the field and the value."""
        file = tmp_path / "bad.yaml"
        file.write_text(yaml.safe_dump(raw, sort_keys=False))
        result = subprocess.run(
            [sys.executable, "-m", "sim", "validate", str(file)],
            capture_output=True,
            text=True,
            cwd=REPO,
            check=False,
            timeout=120,
        )
        assert (2, "") == (result.returncode, result.stdout)
        assert len(result.stderr.splitlines()) == 1
        assert result.stderr.startswith(f"error: {file}: {path}")
        assert got in result.stderr


class TestBankWeek:
    def test_loads_with_dates_and_hours(self) -> None:
        """The shipped bank week: Monday start, Saturday 09:00-14:00, Sunday closed."""
        scenario = load_scenario(SCENARIOS / "bank_week.yaml")
        assert "2027-01-04 Mon" == scenario.day_label(0)
        assert (9 * HOUR, 14 * HOUR) == scenario.day_hours_s(5)
        assert scenario.day_hours_s(6) is None
        plan = build_plan(scenario)
        per_day = (
            (plan.rate_per_s * (plan.segment_end_at - plan.segment_start_at))
            .reshape(2, 7, -1)
            .sum(axis=(0, 2))
        )
        assert int(np.argmax(per_day)) == 0  # the Monday peak
        assert per_day[6] == 0.0

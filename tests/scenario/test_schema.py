"""Valid scenarios load into frozen models with the right derived properties."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import SCENARIOS, make_scenario
from pydantic import ValidationError

from sim.scenario import Scenario, load_scenario, scenario_from_dict
from sim.scenario.distributions import HandleTime, Patience

EXAMPLES = sorted(SCENARIOS.glob("*.yaml"))


def _call_type(**fields: Any) -> dict[str, Any]:
    """Return a call type section, default fields replaced by ``fields``."""
    section: dict[str, Any] = {
        "volume": {"per_hour": 120},
        "handle_time": {"dist": "exponential", "mean_s": 180},
    }
    section.update(fields)
    return section


def _steady(**fields: Any) -> dict[str, Any]:
    """Return a steady-state section, default fields replaced by ``fields``."""
    section: dict[str, Any] = {"horizon_h": 10, "warmup_h": 2, "interval_minutes": 60}
    section.update(fields)
    return section


class TestExamples:
    """The scenarios shipped in ``scenarios/`` are valid."""

    def test_there_are_examples(self) -> None:
        """The examples folder is not empty (otherwise the parametrised test proves nothing)."""
        assert EXAMPLES

    @pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
    def test_example_validates(self, path: Path) -> None:
        """Every ``scenarios/*.yaml`` loads without error."""
        scenario = load_scenario(path)
        assert isinstance(scenario, Scenario)

    def test_csv_profile_is_read_into_weights(self) -> None:
        """A profile given as a CSV file becomes the list of weights of its rows, in order."""
        scenario = load_scenario(SCENARIOS / "retail_bank_day.yaml")
        csv_rows = (SCENARIOS / "profiles" / "bank_weekday_30min.csv").read_text().splitlines()
        expected = [float(row.split(",")[1]) for row in csv_rows[1:] if row.strip()]
        assert expected == scenario.call_types["general"].volume.profile

    def test_retail_bank_day(self) -> None:
        """The demo scenario is one 08:00-20:00 day of 24 half-hours."""
        scenario = load_scenario(SCENARIOS / "retail_bank_day.yaml")
        expected = (1, 24, 1800.0, 8 * 3600.0, 20 * 3600.0)
        actual = (
            scenario.n_days,
            scenario.n_intervals,
            scenario.interval_s,
            scenario.open_s,
            scenario.close_s,
        )
        assert expected == actual


class TestTimeForms:
    """A scenario has either a calendar or a steady state."""

    def test_calendar_defaults(self) -> None:
        """An empty calendar means one 08:00-20:00 day of 30-minute intervals that drains."""
        scenario = make_scenario(calendar={}, groups={"agents": {"headcount": 3}})
        assert scenario.calendar is not None
        expected = (1, "08:00", "20:00", 30, "drain")
        calendar = scenario.calendar
        actual = (
            calendar.days,
            calendar.open,
            calendar.close,
            calendar.interval_minutes,
            calendar.at_close,
        )
        assert expected == actual

    def test_steady_state(self) -> None:
        """A steady-state scenario has no calendar and one stationary period."""
        scenario = make_scenario(calendar=None, steady_state=_steady())
        assert scenario.calendar is None
        assert scenario.steady_state is not None

    @pytest.mark.parametrize("minutes", [15, 30, 60])
    def test_interval_lengths(self, minutes: int) -> None:
        """Planning intervals of 15, 30 and 60 minutes are accepted."""
        scenario = make_scenario(
            calendar={"open": "08:00", "close": "10:00", "interval_minutes": minutes}
        )
        assert minutes * 60.0 == scenario.interval_s

    def test_whole_day(self) -> None:
        """A centre open 00:00-24:00 has 24 hourly intervals."""
        scenario = make_scenario(
            calendar={"open": "00:00", "close": "24:00", "interval_minutes": 60}
        )
        expected = 24
        assert expected == scenario.n_intervals

    @pytest.mark.parametrize(("at_close", "expected"), [("drain", False), ("drop", True)])
    def test_drops_at_close(self, at_close: str, expected: bool) -> None:
        """``drops_at_close`` is true only for ``at_close: drop``."""
        scenario = make_scenario(calendar={"open": "08:00", "close": "10:00", "at_close": at_close})
        assert expected == scenario.drops_at_close

    def test_steady_state_never_drops(self) -> None:
        """A steady-state scenario drains at the horizon."""
        scenario = make_scenario(calendar=None, steady_state=_steady())
        assert not scenario.drops_at_close


class TestDerivedProperties:
    """Interval counts and instants derived from the time section."""

    def test_calendar_properties(self) -> None:
        """08:00-10:00 in half-hours, 3 days: 4 intervals of 1800 s, open 28800 s, close 36000 s."""
        scenario = make_scenario(
            calendar={"days": 3, "open": "08:00", "close": "10:00", "interval_minutes": 30}
        )
        expected = (3, 4, 1800.0, 28800.0, 36000.0, 0)
        actual = (
            scenario.n_days,
            scenario.n_intervals,
            scenario.interval_s,
            scenario.open_s,
            scenario.close_s,
            scenario.warmup_intervals,
        )
        assert expected == actual

    def test_quarter_hours(self) -> None:
        """09:15-17:45 in quarter-hours is 34 intervals of 900 s."""
        scenario = make_scenario(
            calendar={"open": "09:15", "close": "17:45", "interval_minutes": 15}
        )
        expected = (34, 900.0, 9.25 * 3600, 17.75 * 3600)
        actual = (scenario.n_intervals, scenario.interval_s, scenario.open_s, scenario.close_s)
        assert expected == actual

    def test_steady_state_properties(self) -> None:
        """Steady state: one day from 0 to the horizon, warm-up counted in intervals."""
        steady = _steady(horizon_h=10, warmup_h=2, interval_minutes=30)
        scenario = make_scenario(calendar=None, steady_state=steady)
        expected = (1, 20, 1800.0, 0.0, 36000.0, 4)
        actual = (
            scenario.n_days,
            scenario.n_intervals,
            scenario.interval_s,
            scenario.open_s,
            scenario.close_s,
            scenario.warmup_intervals,
        )
        assert expected == actual

    def test_erlang_c_example_warmup(self) -> None:
        """The Erlang C example: 100 hourly intervals, the first 4 discarded."""
        scenario = load_scenario(SCENARIOS / "erlang_c_check.yaml")
        expected = (100, 4, 3600.0)
        actual = (scenario.n_intervals, scenario.warmup_intervals, scenario.interval_s)
        assert expected == actual

    def test_steady_state_default_warmup(self) -> None:
        """Without a warm-up no interval is discarded."""
        scenario = make_scenario(calendar=None, steady_state={"horizon_h": 5})
        expected = (0, 5)
        assert expected == (scenario.warmup_intervals, scenario.n_intervals)


class TestVolumeForms:
    """The three ways to give offered calls."""

    def test_per_interval(self) -> None:
        """A list per interval is used as given."""
        scenario = make_scenario(
            call_types={"calls": _call_type(volume={"per_interval": [10, 20, 30, 40]})}
        )
        expected = [10.0, 20.0, 30.0, 40.0]
        assert expected == scenario.call_types["calls"].volume.calls_per_interval(4, 1800.0)

    def test_daily_with_profile(self) -> None:
        """A daily volume is spread by the profile weights divided by their total."""
        volume = {"daily": 100, "profile": [1, 1, 2, 4]}
        scenario = make_scenario(call_types={"calls": _call_type(volume=volume)})
        expected = [12.5, 12.5, 25.0, 50.0]
        assert expected == scenario.call_types["calls"].volume.calls_per_interval(4, 1800.0)

    def test_per_hour(self) -> None:
        """A rate per hour gives rate x interval length calls in each interval."""
        scenario = make_scenario(call_types={"calls": _call_type(volume={"per_hour": 120})})
        expected = [60.0] * 4
        assert expected == scenario.call_types["calls"].volume.calls_per_interval(4, 1800.0)

    def test_zero_weights_allowed_when_some_positive(self) -> None:
        """A profile may have zero weights (a quiet interval) as long as one is positive."""
        volume = {"daily": 100, "profile": [0, 0, 0, 1]}
        scenario = make_scenario(call_types={"calls": _call_type(volume=volume)})
        expected = [0.0, 0.0, 0.0, 100.0]
        assert expected == scenario.call_types["calls"].volume.calls_per_interval(4, 1800.0)

    def test_csv_profile_with_share_column(self, tmp_path: Path) -> None:
        """A CSV profile may name its weight column ``share`` and may have blank lines."""
        (tmp_path / "p.csv").write_text(
            "interval_start,share\n08:00,0.1\n08:30,0.2\n\n09:00,0.3\n09:30,0.4\n"
        )
        raw = {
            "name": "csv",
            "calendar": {"open": "08:00", "close": "10:00", "interval_minutes": 30},
            "call_types": {"calls": _call_type(volume={"daily": 10, "profile": "p.csv"})},
            "groups": {"agents": {"headcount": 2}},
        }
        scenario = scenario_from_dict(raw, source="s.yaml", base_dir=tmp_path)
        expected = [0.1, 0.2, 0.3, 0.4]
        assert expected == scenario.call_types["calls"].volume.profile

    def test_csv_profile_with_byte_order_mark(self, tmp_path: Path) -> None:
        """A CSV saved by a spreadsheet (UTF-8 with a byte-order mark) is read."""
        (tmp_path / "p.csv").write_bytes(b"\xef\xbb\xbfinterval_start,weight\n08:00,1\n08:30,2\n")
        raw = {
            "name": "bom",
            "calendar": {"open": "08:00", "close": "09:00", "interval_minutes": 30},
            "call_types": {"calls": _call_type(volume={"daily": 30, "profile": "p.csv"})},
            "groups": {"agents": {"headcount": 2}},
        }
        scenario = scenario_from_dict(raw, source="s.yaml", base_dir=tmp_path)
        expected = [1.0, 2.0]
        assert expected == scenario.call_types["calls"].volume.profile


class TestDistributions:
    """Every handle-time and patience distribution validates with its parameters."""

    @pytest.mark.parametrize(
        "handle_time",
        [
            {"dist": "exponential", "mean_s": 180},
            {"dist": "lognormal", "mean_s": 240, "cv": 0.9},
            {"dist": "gamma", "mean_s": 200, "cv": 0.5},
            {"dist": "deterministic", "mean_s": 60},
            {"dist": "exponential", "mean_s": 180, "acw_s": 30},
        ],
        ids=["exponential", "lognormal", "gamma", "deterministic", "with_acw"],
    )
    def test_handle_time(self, handle_time: dict[str, Any]) -> None:
        """Handle-time specifications keep their fields."""
        scenario = make_scenario(call_types={"calls": _call_type(handle_time=handle_time)})
        expected = HandleTime(**handle_time)
        assert expected == scenario.call_types["calls"].handle_time

    @pytest.mark.parametrize(
        "patience",
        [
            {"dist": "none"},
            {"dist": "exponential", "mean_s": 300},
            {"dist": "lognormal", "mean_s": 300, "cv": 1.2},
            {"dist": "deterministic", "mean_s": 90},
        ],
        ids=["none", "exponential", "lognormal", "deterministic"],
    )
    def test_patience(self, patience: dict[str, Any]) -> None:
        """Patience specifications keep their fields."""
        scenario = make_scenario(call_types={"calls": _call_type(patience=patience)})
        expected = Patience(**patience)
        assert expected == scenario.call_types["calls"].patience

    def test_patience_defaults_to_none(self) -> None:
        """Without a patience section callers never abandon."""
        scenario = make_scenario()
        expected = "none"
        assert expected == scenario.call_types["calls"].patience.dist

    def test_acw_defaults_to_zero(self) -> None:
        """Without ``acw_s`` there is no after-call work."""
        scenario = make_scenario()
        expected = 0.0
        assert expected == scenario.call_types["calls"].handle_time.acw_s


class TestNames:
    """Call types and groups keep the scenario's order and names."""

    def test_order_is_kept(self) -> None:
        """Call types come out in the order they were written."""
        types = {name: _call_type() for name in ("sales", "billing", "Tech-2", "a_b")}
        scenario = make_scenario(call_types=types)
        expected = ["sales", "billing", "Tech-2", "a_b"]
        assert expected == list(scenario.call_types)


class TestFrozen:
    """Validated scenarios cannot be changed behind the validators' back."""

    def test_scenario_is_frozen(self) -> None:
        """Assigning a top-level field raises."""
        scenario = make_scenario()
        with pytest.raises(ValidationError, match="frozen"):
            scenario.name = "other"

    def test_nested_sections_are_frozen(self) -> None:
        """Assigning a field of a nested section raises."""
        scenario = make_scenario()
        assert scenario.calendar is not None
        with pytest.raises(ValidationError, match="frozen"):
            scenario.calendar.days = 2
        with pytest.raises(ValidationError, match="frozen"):
            scenario.call_types["calls"].handle_time.mean_s = 1.0
        with pytest.raises(ValidationError, match="frozen"):
            scenario.groups["agents"].headcount = 99

    def test_equal_inputs_give_equal_scenarios(self) -> None:
        """Two scenarios from the same data compare equal (value semantics)."""
        assert make_scenario() == make_scenario()

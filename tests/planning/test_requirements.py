"""Interval requirements: Erlang staffing per interval, pooling, shrinkage, forecast errors."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from helpers import PUBLIC_CASES

from sim.analytic import agents_required
from sim.errors import ScenarioError, UsageError
from sim.planning import (
    ServiceGoal,
    interval_requirements,
    read_forecast,
    read_requirements,
    scheduled_agents,
    write_requirements,
)

DOCUMENT: dict[str, Any] = json.loads(PUBLIC_CASES.read_text())
STAFFING_CASES: list[dict[str, Any]] = DOCUMENT["staffing_cases"]
ERLANG_A_CASES = [case for case in DOCUMENT["cases"] if case["model"] == "erlang_a"]
HEADER = "interval_start,call_type,volume,aht_s,day\n"


def forecast_file(folder: Path, body: str, header: str = HEADER) -> Path:
    """Write a forecast CSV with the given rows and return its path."""
    path = folder / "forecast.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def sized(folder: Path, body: str, goal: ServiceGoal, **options: Any) -> pd.DataFrame:
    """Requirements of a forecast written from ``body`` (hourly intervals unless one row)."""
    forecast = read_forecast(forecast_file(folder, body), interval_minutes=60)
    return interval_requirements(forecast, goal, **options)


class TestReferenceCases:
    def test_erlang_c_staffing_cases(self, tmp_path: Path) -> None:
        """Agents on the phones equal the public Erlang C staffing cases, one per interval."""
        rows = "".join(
            f"{8 + i:02d}:00,calls,{c['inputs']['calls_per_hour']},{c['inputs']['aht_s']},\n"
            for i, c in enumerate(STAFFING_CASES)
        )
        inputs = STAFFING_CASES[0]["inputs"]
        assert all(c["inputs"]["target_sl"] == inputs["target_sl"] for c in STAFFING_CASES)
        goal = ServiceGoal(target=inputs["target_sl"], threshold_s=inputs["sl_threshold_s"])
        frame = sized(tmp_path, rows, goal)
        expected = [case["required_agents"] for case in STAFFING_CASES]
        assert expected == frame["on_phones"].tolist()
        expected_levels = [case["sl_at_required"] for case in STAFFING_CASES]
        assert expected_levels == pytest.approx(frame["service_level"].tolist(), rel=1e-9)

    @pytest.mark.parametrize("case", ERLANG_A_CASES, ids=[c["id"] for c in ERLANG_A_CASES])
    def test_erlang_a_cases(self, case: dict[str, Any], tmp_path: Path) -> None:
        """With the target just below a public Erlang A case's SL, its agents are required."""
        inputs = case["inputs"]
        goal = ServiceGoal(
            target=case["outputs"]["sl"] - 1e-9,
            threshold_s=inputs["sl_threshold_s"],
            patience_s=inputs["patience_mean_s"],
        )
        row = f"08:00,calls,{inputs['calls_per_hour']},{inputs['aht_s']},\n"
        frame = sized(tmp_path, row, goal)
        expected = inputs["agents"]
        assert expected == frame["on_phones"].item()

    def test_interval_length_sets_the_rate(self, tmp_path: Path) -> None:
        """Volume per 30-minute interval counts double per hour."""
        path = forecast_file(tmp_path, "08:00,calls,100,180,\n08:30,calls,100,180,\n")
        frame = interval_requirements(read_forecast(path), ServiceGoal(0.8, 20))
        expected = agents_required(calls_per_hour=200, aht_s=180, threshold_s=20, target=0.8)
        assert [expected.agents] * 2 == frame["on_phones"].tolist()
        assert [10.0, 10.0] == frame["load_erlangs"].tolist()


class TestShrinkage:
    def test_call_centre_helper_example(self) -> None:
        """14 agents on the phones with 30% shrinkage need 20 scheduled, not 21."""
        expected = 20
        assert expected == scheduled_agents(14, 0.3)

    @pytest.mark.parametrize("shrinkage", [0.0, 0.05, 0.1, 0.25, 0.3, 0.35, 0.5, 0.9])
    @pytest.mark.parametrize("on_phones", [0, 1, 7, 14, 20, 54, 1015])
    def test_fewest_agents_that_leave_enough(self, on_phones: int, shrinkage: float) -> None:
        """Scheduled agents are the fewest whose share left after shrinkage covers the phones."""
        scheduled = scheduled_agents(on_phones, shrinkage)
        assert scheduled * (1 - shrinkage) >= on_phones - 1e-9
        assert (scheduled - 1) * (1 - shrinkage) < on_phones - 1e-9 or scheduled == 0

    def test_column_applies_shrinkage(self, tmp_path: Path) -> None:
        """The scheduled column is ceil(on_phones / (1 - shrinkage)) of each interval."""
        frame = sized(
            tmp_path,
            "08:00,calls,200,180,\n09:00,calls,720,240,\n",
            ServiceGoal(0.8, 20),
            shrinkage=0.3,
        )
        expected = [20, 78]  # ceil(14 / 0.7), ceil(54 / 0.7)
        assert expected == frame["scheduled"].tolist()

    def test_shrinkage_of_one_is_refused(self, tmp_path: Path) -> None:
        """Shrinkage must leave some time on the phones."""
        with pytest.raises(UsageError, match=r"shrinkage must be in \[0, 1\) \(got 1.0\)"):
            sized(tmp_path, "08:00,calls,200,180,\n", ServiceGoal(0.8, 20), shrinkage=1.0)


class TestPooling:
    BODY = "08:00,sales,30,300,\n08:00,service,90,200,\n09:00,sales,10,300,\n"

    def test_pooled_volume_and_weighted_aht(self, tmp_path: Path) -> None:
        """Call types pool per interval: volumes add up, AHT is volume-weighted."""
        frame = sized(tmp_path, self.BODY, ServiceGoal(0.8, 20))
        expected = [("all", 120.0, 225.0), ("all", 10.0, 300.0)]
        assert expected == list(
            frame[["call_type", "volume", "aht_s"]].itertuples(index=False, name=None)
        )
        pooled = agents_required(calls_per_hour=120, aht_s=225, threshold_s=20, target=0.8)
        assert pooled.agents == frame["on_phones"].iloc[0]

    def test_by_call_type_sizes_each_apart(self, tmp_path: Path) -> None:
        """By call type, each type gets its own Erlang staffing; a type without a row needs none."""
        frame = sized(tmp_path, self.BODY, ServiceGoal(0.8, 20), by_call_type=True)
        expected = [
            (
                "08:00",
                "sales",
                agents_required(calls_per_hour=30, aht_s=300, threshold_s=20, target=0.8).agents,
            ),
            (
                "09:00",
                "sales",
                agents_required(calls_per_hour=10, aht_s=300, threshold_s=20, target=0.8).agents,
            ),
            (
                "08:00",
                "service",
                agents_required(calls_per_hour=90, aht_s=200, threshold_s=20, target=0.8).agents,
            ),
            ("09:00", "service", 0),
        ]
        columns = ["interval_start", "call_type", "on_phones"]
        assert expected == list(frame[columns].itertuples(index=False, name=None))

    def test_no_calls_need_no_agent(self, tmp_path: Path) -> None:
        """An interval without calls needs 0 agents; its service level is undefined (NaN)."""
        frame = sized(tmp_path, "08:00,calls,0,180,\n09:00,calls,10,180,\n", ServiceGoal(0.8, 20))
        assert [0, 0] == frame[["on_phones", "scheduled"]].iloc[0].tolist()
        assert math.isnan(frame["service_level"].iloc[0])

    def test_a_row_without_day_holds_every_day(self, tmp_path: Path) -> None:
        """Days run from 0 to the largest day named; a row without day adds to each of them."""
        body = "08:00,sales,10,300,1\n08:00,service,20,300,\n"
        frame = sized(tmp_path, body, ServiceGoal(0.8, 20))
        expected = [(0, 20.0), (1, 30.0)]
        assert expected == list(frame[["day", "volume"]].itertuples(index=False, name=None))

    def test_default_aht_fills_empty_cells(self, tmp_path: Path) -> None:
        """Rows with an empty aht_s take the default AHT."""
        path = forecast_file(tmp_path, "08:00,calls,10,,\n09:00,calls,10,300,\n")
        forecast = read_forecast(path, default_aht_s=200)
        assert [200.0, 300.0] == forecast.aht_s[0, 0].tolist()


class TestRequirementsFile:
    def test_written_file_reads_back(self, tmp_path: Path) -> None:
        """The requirements CSV reads back as scheduled agents per day and interval."""
        frame = sized(
            tmp_path,
            "08:00,calls,200,180,0\n09:00,calls,720,240,1\n",
            ServiceGoal(0.8, 20),
            shrinkage=0.3,
        )
        path = tmp_path / "out" / "requirements.csv"
        write_requirements(frame, path)
        required = read_requirements(path)
        expected = [[20.0, 0.0], [0.0, 78.0]]
        assert expected == required.agents.tolist()
        assert (0, 1) == required.grid.days
        assert [p.name for p in path.parent.iterdir()] == ["requirements.csv"]

    def test_call_types_add_up(self, tmp_path: Path) -> None:
        """Requirements by call type add up per interval for the scheduler."""
        path = tmp_path / "requirements.csv"
        path.write_text("interval_start,call_type,scheduled\n08:00,a,3\n08:00,b,4\n08:30,a,1\n")
        expected = [[7.0, 1.0]]
        assert expected == read_requirements(path).agents.tolist()


BAD_ROWS = [
    ("negative_volume", "08:00,calls,-3,180,\n", "line 2, column volume: must be >= 0 (got -3)"),
    (
        "text_volume",
        "08:00,calls,many,180,\n",
        "line 2, column volume: must be a finite number (got 'many')",
    ),
    (
        "bad_clock",
        "8h00,calls,3,180,\n",
        "line 2, column interval_start: expected a clock time HH:MM (got '8h00')",
    ),
    ("zero_aht", "08:00,calls,3,0,\n", "line 2, column aht_s: must be > 0 (got 0)"),
    (
        "huge_volume",
        "08:00,calls,1e308,180,\n",
        "line 2, column volume: must be at most 1e+12 in size (got 1e+308)",
    ),
    (
        "huge_aht",
        "08:00,calls,3,1e20,\n",
        "line 2, column aht_s: must be at most 1e+07 s (got 1e+20)",
    ),
    (
        "missing_aht",
        "08:00,calls,3,,\n",
        "line 2, column aht_s: is empty: give the AHT in seconds here, or a default AHT (--aht-s)",
    ),
    (
        "off_grid",
        "08:00,calls,3,180,\n09:00,calls,3,180,\n08:20,calls,3,180,\n",
        "line 4, column interval_start: is not on the 60-minute grid from 08:00 (got '08:20')",
    ),
    (
        "repeated",
        "08:00,calls,3,180,0\n09:00,calls,3,180,0\n08:00,calls,4,180,\n",
        "line 4: gives calls at 08:00 on day 0 again (line 2 gave it; a row without day holds "
        "every day)",
    ),
    ("negative_day", "08:00,calls,3,180,-1\n", "line 2, column day: must be >= 0 (got -1)"),
    ("late_day", "08:00,calls,3,180,366\n", "line 2, column day: must be a day 0 to 365 (got 366)"),
    (
        "extra_cell",
        "08:00,calls,3,180,0,x\n",
        "line 2: has more cells than the header's 5 columns (got 6)",
    ),
]


class TestBadForecast:
    @pytest.mark.parametrize(
        ("body", "expected"), [c[1:] for c in BAD_ROWS], ids=[c[0] for c in BAD_ROWS]
    )
    def test_bad_row_is_one_line_naming_file_line_and_column(
        self, body: str, expected: str, tmp_path: Path
    ) -> None:
        """A bad row gives one line: the file, the line, the column and the bad value."""
        path = forecast_file(tmp_path, body)
        with pytest.raises(ScenarioError) as raised:
            read_forecast(path, interval_minutes=60)
        assert f"{path}: {expected}" == str(raised.value)

    def test_unknown_column(self, tmp_path: Path) -> None:
        """An unknown column is named with the ones expected."""
        path = forecast_file(tmp_path, "08:00,calls,3\n", header="interval_start,call_type,calls\n")
        with pytest.raises(
            ScenarioError, match=r"line 1: needs columns interval_start, call_type, volume"
        ):
            read_forecast(path)

    def test_interval_length_must_be_a_planning_interval(self, tmp_path: Path) -> None:
        """Interval starts 45 minutes apart are refused."""
        path = forecast_file(tmp_path, "08:00,calls,3,180,\n08:45,calls,3,180,\n")
        with pytest.raises(ScenarioError, match="intervals are 15, 30 or 60 minutes long"):
            read_forecast(path)

    def test_single_interval_needs_its_length(self, tmp_path: Path) -> None:
        """One interval start does not tell the interval length."""
        path = forecast_file(tmp_path, "08:00,calls,3,180,\n")
        with pytest.raises(ScenarioError, match="give the interval length"):
            read_forecast(path)

    def test_an_interval_no_staffing_meets_names_its_place(self, tmp_path: Path) -> None:
        """A load beyond any staffing is one line naming the day, interval and queue."""
        path = forecast_file(tmp_path, "08:00,calls,3,180,\n09:00,calls,1e12,1e7,\n")
        with pytest.raises(UsageError) as raised:
            interval_requirements(read_forecast(path), ServiceGoal(0.8, 20))
        assert str(raised.value).startswith("day 0, interval 09:00, all: max_agents=100000 ")

    def test_missing_file(self, tmp_path: Path) -> None:
        """A missing forecast is one line naming it."""
        path = tmp_path / "nope.csv"
        with pytest.raises(
            ScenarioError, match=r"cannot read forecast .*nope.csv.* \(No such file"
        ):
            read_forecast(path)

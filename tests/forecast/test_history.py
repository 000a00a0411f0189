"""Histories: counts summed into intervals, and bad input refused in one line with exit 2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from forecast_helpers import synthetic_history, write_counts
from helpers import invoke

from sim.errors import ScenarioError
from sim.forecast import read_history


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


class TestReading:
    """Both count formats are read onto dates x intervals x call types."""

    def test_five_minute_counts_are_summed_into_half_hours(self, tmp_path: Path) -> None:
        """Slots 08:00-08:25 make the 08:00 interval; 08:30 starts the next; AHT is weighted."""
        rows = ["date,interval_start,call_type,volume,aht_s"]
        rows += [f"2024-01-01,08:{m:02d},sales,2,100" for m in range(0, 30, 5)]
        rows += [
            "2024-01-01,08:30,sales,4,400",
            "2024-01-01,08:30,service,1,",
            "2024-01-02,09:00,sales,3,50",
        ]
        history = read_history(write(tmp_path / "h.csv", "\n".join(rows)))
        assert history.call_types == ("sales", "service")
        assert [str(d) for d in history.dates] == ["2024-01-01", "2024-01-02"]
        assert history.volume[0, 16].tolist() == [12, 0]
        assert history.volume[0, 17].tolist() == [4, 1]
        assert history.volume.sum() == 20
        assert history.aht_s is not None
        assert history.aht_s[0, 16, 0] == 100
        assert np.isnan(history.aht_s[0, 17, 1])

    def test_timestamped_counts(self, tmp_path: Path) -> None:
        """``DateTime,Calls`` rows (the fpp3 form) give one call type, ``calls``."""
        text = (
            "rownames,DateTime,Calls\n1,2003-03-03T07:00:00Z,5\n2,2003-03-03T07:05:00Z,6\n"
            "3,2003-03-03T07:30:00Z,7\n"
        )
        history = read_history(write(tmp_path / "b.csv", text))
        assert history.call_types == ("calls",)
        assert history.volume[0, 14:16, 0].tolist() == [11, 7]

    def test_round_trip_of_a_synthetic_history(self, tmp_path: Path) -> None:
        """A history written as counts reads back the same."""
        history = synthetic_history(2)
        again = read_history(write_counts(history, tmp_path / "s.csv"))
        assert again.dates == history.dates
        assert np.array_equal(again.volume, history.volume)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            ["2024-01-01,08:00,sales,5", "2024-01-01,08:00,sales,6"],
            "line 3, column interval_start: repeats the row of line 2 (same date, time and "
            "call type) (got '08:00')",
        ),
        (["2024-01-01,08:00,sales,-3"], "line 2, column volume: must be a count >= 0 (got '-3')"),
        (["2024-01-01,8h,sales,3"], "line 2, column interval_start: must be a clock time HH:MM"),
        (["2024-13-01,08:00,sales,3"], "line 2, column date: must be a date YYYY-MM-DD"),
        (
            ["2024-01-01,08:00,sales,3", "2024-01-01,09:00,sales,3"],
            "column interval_start: counts every 60 minutes cannot be cut into 30-minute",
        ),
    ],
)
def test_bad_rows_name_the_line_column_and_value(
    tmp_path: Path, rows: list[str], message: str
) -> None:
    """Duplicates, negative counts, bad clocks and dates, a grid coarser than the interval."""
    path = write(tmp_path / "h.csv", "\n".join(["date,interval_start,call_type,volume", *rows]))
    with pytest.raises(ScenarioError, match="^" + str(path) + ": .*") as error:
        read_history(path)
    assert message in str(error.value)


class TestCommandLineErrors:
    """``ccsim forecast`` refuses bad requests with one line and exit code 2."""

    @pytest.fixture
    def counts(self, tmp_path: Path) -> Path:
        """Four weeks of synthetic counts."""
        return write_counts(synthetic_history(4), tmp_path / "h.csv")

    def run(self, *args: str) -> tuple[int, str]:
        code, _, err = invoke("forecast", *args)
        assert err.count("\n") == 1, err
        return code, err.strip()

    def test_horizon_before_the_history_ends(self, counts: Path, tmp_path: Path) -> None:
        """The first date forecast must follow the history."""
        code, err = self.run(str(counts), "--start", "2024-01-20", "--days", "3")
        assert code == 2
        assert err == (
            "error: start: the forecast must start after the history's last date 2024-01-26 "
            "(got 2024-01-20)"
        )

    def test_too_little_history_for_the_method(self, counts: Path) -> None:
        """Holt-Winters needs three weeks of open dates before each date backtested."""
        code, err = self.run(
            str(counts), "--start", "2024-01-29", "--days", "1", "--method", "holt_winters"
        )
        assert code == 2
        assert err.startswith(f"error: {counts}: too little history for holt_winters: it needs")

    def test_too_little_history_to_measure_the_error(self, tmp_path: Path) -> None:
        """Two weeks leave fewer than ten dates to backtest."""
        counts = write_counts(synthetic_history(2), tmp_path / "short.csv")
        code, err = self.run(str(counts), "--start", "2024-01-15", "--days", "1")
        assert code == 2
        assert "too little history to measure the forecast's error: needs 10 dates" in err

    def test_bad_start_date(self, counts: Path) -> None:
        """A start that is not a date."""
        code, err = self.run(str(counts), "--start", "monday", "--days", "1")
        assert (code, err) == (2, "error: --start: must be a date YYYY-MM-DD (got 'monday')")


def test_a_gap_is_reported_and_the_forecast_goes_on(tmp_path: Path) -> None:
    """A missing date is the documented fallback: listed as missing, never filled with zeros."""
    history = synthetic_history(4)
    path = write_counts(history, tmp_path / "h.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text(
        "\n".join(line for line in lines if not line.startswith("2024-01-10")), encoding="utf-8"
    )
    code, out, err = invoke(
        "forecast",
        str(path),
        "--start",
        "2024-01-29",
        "--days",
        "1",
        "--out",
        str(tmp_path / "f.csv"),
    )
    assert (code, err) == (0, "")
    assert "  missing from the history (1): 2024-01-10" in out.splitlines()

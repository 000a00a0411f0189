"""Week views: the per-day table, interval x day heatmaps and the xlsx copies of the tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import DATED_WEEK

from sim import simulate
from sim.report import outputs
from sim.report.outputs import RUN_FILES, WEEK_FILES, write_run_report, write_xlsx
from sim.report.tables import group_table, interval_table, summary_table
from sim.report.week import day_table, interval_grid, week_heatmap
from sim.results.summary import Summary, summarize
from sim.scenario import Plan, scenario_from_dict

SUNDAY = 6


@pytest.fixture(scope="module")
def week() -> tuple[Summary, Plan]:
    """Summaries of 20 replications of the dated week (closed Sunday, short Saturday)."""
    result = simulate(scenario_from_dict(DATED_WEEK), reps=20, seed=2, engine="fast")
    return summarize(result.tallies, result.plan), result.plan


class TestDayTable:
    def test_one_row_per_day_named_by_date(self, week: tuple[Summary, Plan]) -> None:
        """Rows are the days, labelled with date and weekday; Sunday closed with 0 offered."""
        summary, plan = week
        table = day_table(summary, plan)
        expected = [f"2027-01-{4 + d:02d} {w}" for d, w in enumerate(["Mon", "Tue", "Wed"])]
        assert expected == table["label"].tolist()[:3]
        assert [True] * 6 + [False] == table["open"].tolist()
        sunday = table.iloc[SUNDAY]
        assert sunday["offered_mean"] == 0.0
        assert np.isnan(sunday["service_level_mean"])
        assert np.isnan(sunday["p_meet"])

    def test_matches_the_day_summaries(self, week: tuple[Summary, Plan]) -> None:
        """Means, CIs and P(meet) are those of the day summaries of all call types."""
        summary, plan = week
        table = day_table(summary, plan).set_index("day")
        rows = summary.days[
            (summary.days["call_type"] == "all") & (summary.days["kpi"] == "service_level")
        ].set_index("day")
        assert rows["mean"].to_numpy() == pytest.approx(
            table.loc[rows.index, "service_level_mean"].to_numpy()
        )
        assert rows["ci_low"].to_numpy() == pytest.approx(
            table.loc[rows.index, "service_level_ci_low"].to_numpy()
        )
        assert rows["p_meet"].to_numpy() == pytest.approx(table.loc[rows.index, "p_meet"])
        assert 0.0 <= table["p_meet"].min() <= table["p_meet"].max() <= 1.0
        assert rows["pooled"].to_numpy() == pytest.approx(
            table.loc[rows.index, "service_level_pooled"].to_numpy()
        )


class TestLabels:
    def test_tables_name_days_by_date(self, week: tuple[Summary, Plan]) -> None:
        """summary.csv and groups.csv periods, and interval starts, carry date and weekday."""
        summary, plan = week
        periods = summary_table(summary, plan)["period"].unique().tolist()
        assert ["total", "2027-01-04 Mon", "2027-01-05 Tue"] == periods[:3]
        groups = group_table(summary, plan)
        assert "2027-01-09 Sat" in set(groups["period"])
        starts = interval_table(summary, plan)["start"]
        assert "2027-01-09 Sat 09:00" in set(starts)
        assert starts.iloc[0] == "2027-01-04 Mon 08:00"


class TestHeatmaps:
    def test_grid_is_empty_where_closed(self, week: tuple[Summary, Plan]) -> None:
        """The heatmap's cells: the interval means; closed intervals are NaN."""
        summary, plan = week
        grid = interval_grid(summary, plan, "service_level")
        assert np.all(np.isnan(grid[~plan.interval_open]))
        assert not np.isnan(grid[plan.interval_open]).any()
        rows = summary.intervals[
            (summary.intervals["call_type"] == "all")
            & (summary.intervals["kpi"] == "service_level")
            & (summary.intervals["day"] == 5)
        ]
        assert rows["mean"].to_numpy() == pytest.approx(grid[5, rows["interval"].to_numpy(int)])

    def test_service_level_is_centred_at_the_target(self, week: tuple[Summary, Plan]) -> None:
        """The service-level heatmap shows SL - target on a diverging map centred at 0."""
        summary, plan = week
        image = week_heatmap(summary, plan, "service_level").axes[0].images[0]
        assert image.norm.vcenter == 0.0  # type: ignore[attr-defined]
        assert image.norm.vmin == -image.norm.vmax  # type: ignore[operator]
        shown = np.ma.filled(image.get_array(), np.nan)
        expected = 100 * (interval_grid(summary, plan, "service_level") - plan.sl_target)
        np.testing.assert_allclose(shown, expected, equal_nan=True)

    def test_rows_are_labelled_by_date(self, week: tuple[Summary, Plan]) -> None:
        """The heatmap's rows name each day by date and weekday."""
        summary, plan = week
        axes = week_heatmap(summary, plan, "occupancy").axes[0]
        labels = [tick.get_text() for tick in axes.get_yticklabels()]
        assert ["2027-01-04 Mon", "2027-01-10 Sun"] == [labels[0], labels[-1]]


class TestXlsx:
    def test_run_report_writes_week_files(self, week: tuple[Summary, Plan], tmp_path: Path) -> None:
        """A calendar of several days gets the day table and three heatmaps besides the rest."""
        summary, plan = week
        written = write_run_report(tmp_path, summary, plan)
        assert [tmp_path / name for name in (*RUN_FILES, *WEEK_FILES)] == written

    @pytest.mark.parametrize(("xlsx", "csv"), [("intervals", "intervals"), ("days", "days")])
    def test_xlsx_holds_the_csv_numbers(
        self, week: tuple[Summary, Plan], tmp_path: Path, xlsx: str, csv: str
    ) -> None:
        """Read with pandas, each xlsx table equals its CSV (numbers to the CSV's 6 digits)."""
        summary, plan = week
        write_run_report(tmp_path, summary, plan)
        from_csv = pd.read_csv(tmp_path / f"{csv}.csv")
        from_xlsx = pd.read_excel(tmp_path / f"{xlsx}.xlsx", sheet_name=xlsx)
        assert list(from_csv.columns) == list(from_xlsx.columns)
        assert len(from_csv) == len(from_xlsx) > 0
        for column in from_csv.columns:
            if from_csv[column].dtype.kind == "f":
                np.testing.assert_allclose(
                    from_xlsx[column].to_numpy(float),
                    from_csv[column].to_numpy(),
                    rtol=1e-5,
                    equal_nan=True,
                )
            else:
                assert from_csv[column].tolist() == from_xlsx[column].tolist()

    def test_long_tables_continue_on_more_sheets(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Rows past a sheet's capacity go to sheets "NAME 2", ..., each with the header."""
        monkeypatch.setattr(outputs, "XLSX_MAX_ROWS", 2)
        frame = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [0.5, np.nan, 1.5, 2.5, 3.5]})
        write_xlsx(frame, tmp_path / "t.xlsx", "t")
        sheets = pd.read_excel(tmp_path / "t.xlsx", sheet_name=None)
        assert ["t", "t 2", "t 3"] == list(sheets)
        joined = pd.concat(sheets.values(), ignore_index=True)
        pd.testing.assert_frame_equal(frame, joined)

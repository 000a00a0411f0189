"""Planning tables and the coverage plot, on hand-made frames."""

from __future__ import annotations

import pandas as pd

from sim.report.planning import coverage_figure, schedule_console

SHIFTS = pd.DataFrame(
    {
        "day": pd.array([None, None], dtype="Int64"),
        "family": ["full", "part"],
        "start": ["08:00", "10:00"],
        "end": ["16:30", "14:00"],
        "part_time": [False, True],
        "paid_h": [8.0, 4.0],
        "cost": [160.0, 72.0],
        "agents": [3, 1],
    }
)


def intervals(unmet: list[float], days: list[int | None] | None = None) -> pd.DataFrame:
    """Coverage of two intervals with the given unmet demand."""
    return pd.DataFrame(
        {
            "day": pd.array(days or [None, None], dtype="Int64"),
            "interval_start": ["08:00", "08:30"],
            "required": [3.0, 4.0],
            "on_phones": [3.0 - unmet[0], 4.0 - unmet[1]],
            "unmet": unmet,
        }
    )


def legend_labels(frame: pd.DataFrame) -> list[str]:
    """Labels of the coverage figure's legend."""
    legend = coverage_figure(frame).axes[0].get_legend()
    return [text.get_text() for text in legend.get_texts()]


class TestCoverageFigure:
    def test_unmet_demand_drawn_only_when_there_is_some(self) -> None:
        """Red unmet bars and their legend entry appear only with unmet demand."""
        assert ["required", "scheduled on the phones"] == legend_labels(intervals([0.0, 0.0]))
        expected = ["required", "scheduled on the phones", "unmet demand"]
        assert expected == legend_labels(intervals([0.0, 1.5]))

    def test_days_in_the_labels(self) -> None:
        """With days, the x labels name the day."""
        figure = coverage_figure(intervals([0.0, 0.0], days=[1, 1]))
        labels = [label.get_text() for label in figure.axes[0].get_xticklabels()]
        assert ["day 1 08:00", "day 1 08:30"] == labels


class TestScheduleConsole:
    def test_totals_and_unmet_line(self) -> None:
        """The summary counts part-time agents and lists where agents are missing."""
        text = schedule_console(
            SHIFTS, intervals([0.0, 1.5]), cost=552.0, objective=1552.0, lp_bound=1500.0, gap=0.0335
        )
        lines = text.splitlines()
        assert "agents: 4 (1 part-time, 25.0%); paid hours: 28.0" == lines[-3]
        assert (
            "cost: 552.00   with unmet penalty: 1,552.00   LP lower bound: 1,500.00   gap: 3.35%"
            == lines[-2]
        )
        expected = (
            "unmet demand: 1.5 agent-intervals short (agents missing, breaks deducted): 08:30 1.5"
        )
        assert expected == lines[-1]

    def test_no_day_column_without_days(self) -> None:
        """Tables leave out the day column when no row names a day."""
        text = schedule_console(
            SHIFTS, intervals([0.0, 0.0]), cost=552.0, objective=552.0, lp_bound=550.0, gap=0.004
        )
        assert text.splitlines()[0].split()[0] == "shift"
        assert "unmet demand: none" == text.splitlines()[-1]

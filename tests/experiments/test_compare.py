"""Comparing scenarios on common random numbers (`sim.experiments.compare`, `ccsim compare`)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from helpers import REPO, make_scenario

from sim.cli import main
from sim.errors import UsageError
from sim.experiments import compare_scenarios
from sim.results import replication_kpis
from sim.simulation import simulate

STRATEGIES = REPO / "experiments" / "shift_strategies"


def staffed(headcount: int) -> object:
    """A one-queue day with a given headcount (the same demand)."""
    return make_scenario(
        call_types={
            "calls": {
                "volume": {"per_hour": 700},
                "handle_time": {"dist": "exponential", "mean_s": 240},
            }
        },
        groups={"agents": {"headcount": headcount}},
    )


def sl_per_rep(scenario: object, seed: int, reps: int) -> np.ndarray:
    """Whole-day service level of each replication."""
    result = simulate(scenario, reps=reps, seed=seed)  # type: ignore[arg-type]
    frame = replication_kpis(result.tallies, result.plan, "total")
    return frame.loc[frame["call_type"] == "all", "service_level"].to_numpy()


class TestPairedDifferences:
    """Differences are measured replication by replication against the first scenario."""

    def test_difference_is_the_mean_of_per_replication_differences(self) -> None:
        """The reported difference and its CI come from the paired per-replication values."""
        comparison = compare_scenarios({"base": staffed(54), "more": staffed(56)}, reps=30, seed=4)
        paired = sl_per_rep(staffed(56), 4, 30) - sl_per_rep(staffed(54), 4, 30)
        row = comparison.differences.set_index("kpi").loc["service_level"]
        half = row["ci_high"] - row["mean"]
        expected_half = 2.045229642132703 * paired.std(ddof=1) / math.sqrt(30)  # t(0.975, 29)
        assert paired.mean() == pytest.approx(row["mean"], rel=1e-12)
        assert expected_half == pytest.approx(half, rel=1e-9)

    def test_same_demand_is_offered_to_every_scenario(self) -> None:
        """Common random numbers: staffing changes, the offered calls do not."""
        comparison = compare_scenarios({"base": staffed(54), "more": staffed(60)}, reps=10, seed=5)
        row = comparison.differences.set_index("kpi").loc["offered"]
        assert [0.0, 0.0, 0.0] == [row["mean"], row["ci_low"], row["ci_high"]]

    def test_common_random_numbers_shrink_the_variance(self) -> None:
        """Paired on one seed, two close staffing levels differ far less noisily than unpaired.

        With common random numbers both scenarios see the same calls, so most of the day-to-day
        noise cancels; an unpaired comparison (different seeds) keeps all of it.
        """
        base = sl_per_rep(staffed(54), 6, 40)
        paired = sl_per_rep(staffed(55), 6, 40) - base
        unpaired = sl_per_rep(staffed(55), 7, 40) - base
        assert np.var(paired, ddof=1) < 0.2 * np.var(unpaired, ddof=1)

    def test_side_by_side_table_holds_every_scenario(self) -> None:
        """The KPI table has one row per scenario and compared KPI, the baseline first."""
        comparison = compare_scenarios(
            {"a": staffed(54), "b": staffed(56), "c": staffed(58)}, reps=5, seed=1
        )
        assert ("a", "b", "c") == comparison.names
        assert ["a", "b", "c"] == list(dict.fromkeys(comparison.table["scenario"]))
        assert ["b", "c"] == list(dict.fromkeys(comparison.differences["scenario"]))


class TestErrors:
    """A comparison needs comparable scenarios."""

    def test_needs_two_scenarios(self) -> None:
        """One scenario alone is refused."""
        with pytest.raises(UsageError, match="at least two"):
            compare_scenarios({"a": staffed(54)}, reps=5, seed=1)

    def test_layouts_must_match(self) -> None:
        """Scenarios with different intervals are refused, naming both."""
        other = make_scenario(calendar={"open": "08:00", "close": "10:00", "interval_minutes": 60})
        with pytest.raises(UsageError, match="'b' has 1 day"):
            compare_scenarios({"a": staffed(54), "b": other}, reps=5, seed=1)


class TestCommandLine:
    """`ccsim compare` prints the comparison and writes its files."""

    def test_prints_and_writes(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """The shift strategies: a row per KPI with differences, compare.csv and the plot."""
        files = [str(STRATEGIES / f"{name}.yaml") for name in ("fixed", "staggered")]
        main(["compare", *files, "--reps", "4", "--seed", "2", "--out", str(tmp_path)])
        out = capsys.readouterr().out
        assert "staggered-shifts - fixed-shifts" in out
        assert "service_level" in out
        assert {"compare.csv", "compare_service_level.png"} <= {p.name for p in tmp_path.iterdir()}

    def test_mismatched_layouts_exit_2(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Different calendars: one error line, exit code 2, nothing written."""
        for name, minutes in (("a", 30), ("b", 60)):
            raw = yaml.safe_load((STRATEGIES / "fixed.yaml").read_text())
            raw["name"] = name
            raw["calendar"]["interval_minutes"] = minutes
            raw["call_types"]["general"]["volume"] = {"per_hour": 500}
            (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(raw))
        out_dir = tmp_path / "out"
        with pytest.raises(SystemExit) as done:
            main(
                [
                    "compare",
                    str(tmp_path / "a.yaml"),
                    str(tmp_path / "b.yaml"),
                    "--reps",
                    "3",
                    "--out",
                    str(out_dir),
                ]
            )
        assert 2 == done.value.code
        err = capsys.readouterr().err
        assert 1 == len(err.strip().splitlines())
        assert err.startswith("error: ")
        assert not out_dir.exists()

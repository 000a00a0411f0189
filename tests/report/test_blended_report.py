"""What `ccsim run` reports of blended and reserve groups (scenarios/blended_centre.yaml)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from helpers import SCENARIOS, make_scenario

from sim.report import console_table, write_run_report
from sim.results import summarize
from sim.results.kpis import ALL
from sim.scenario import load_scenario
from sim.simulation import SimulationResult, simulate

NEW_GROUP_KPIS = {
    "outbound_h",
    "off_phone_h",
    "phone_h",
    "reserve_phone_h",
    "outbound_attempts",
    "outbound_contacts",
    "switches_to_inbound",
    "switches_to_outbound",
    "activations",
    "wage_cost",
    "reserve_phone_cost",
}


@pytest.fixture(scope="module")
def blended() -> SimulationResult:
    return simulate(load_scenario(SCENARIOS / "blended_centre.yaml"), reps=3, seed=1)


def test_groups_csv_has_the_new_kpis(blended: SimulationResult, tmp_path: Path) -> None:
    """groups.csv: every group's whole-run row carries the new KPIs; the buffer dials, the
    supervisors take calls and spend phone hours that cost their wage."""
    write_run_report(tmp_path, summarize(blended.tallies, blended.plan), blended.plan)
    table = pd.read_csv(tmp_path / "groups.csv")
    total = table[(table["period"] == "total") & (table["call_type"] == ALL)]
    for group in ("agents", "buffer", "supervisors", ALL):
        kpis = set(total.loc[total["group"] == group, "kpi"])
        assert NEW_GROUP_KPIS <= kpis, group
    assert "contacts_per_agent_h" in set(total.loc[total["group"] == "buffer", "kpi"])
    means = total.set_index(["group", "kpi"])["mean"]
    assert means["buffer", "outbound_contacts"] > 0
    assert means["buffer", "outbound_h"] > 0
    assert means["supervisors", "handled"] > 0
    assert 0 < means["supervisors", "phone_h"] < means["supervisors", "staffed_h"]
    assert 32.0 * means["supervisors", "phone_h"] == pytest.approx(
        means["supervisors", "reserve_phone_cost"], rel=1e-4
    )
    assert 0 == means["agents", "reserve_phone_cost"]
    intervals = table[(table["period"] == "interval") & (table["call_type"] == ALL)]
    assert NEW_GROUP_KPIS <= set(intervals.loc[intervals["group"] == "buffer", "kpi"])


def test_console_shows_blended_and_reserve_blocks(blended: SimulationResult) -> None:
    """The printed summary adds a line per blended group and per reserve group, with CIs."""
    text = console_table(summarize(blended.tallies, blended.plan), blended.plan)
    lines = text.splitlines()
    blended_header = next(i for i, line in enumerate(lines) if line.startswith("blended group"))
    assert "outbound contacts (95% CI)" in lines[blended_header]
    assert lines[blended_header + 1].startswith("buffer")
    assert "[" in lines[blended_header + 1]
    reserve_header = next(i for i, line in enumerate(lines) if line.startswith("reserve group"))
    assert "reserve phone cost (95% CI)" in lines[reserve_header]
    assert lines[reserve_header + 1].startswith("supervisors")


def test_console_unchanged_without_blended_or_reserve_groups() -> None:
    """A plain plan prints no such block."""
    result = simulate(make_scenario(), reps=2, seed=1)
    text = console_table(summarize(result.tallies, result.plan), result.plan)
    assert "blended group" not in text
    assert "reserve group" not in text

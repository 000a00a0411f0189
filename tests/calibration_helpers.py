"""Calibration test helpers: a scenario with known answers, simulated as a call log; bank file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from helpers import SHARED

from sim.calibration import CallLog, log_from_records
from sim.scenario import Scenario, scenario_from_dict
from sim.simulation import SimulationResult, simulate

BANK_LOG = SHARED / "data" / "real" / "anonymous_bank_1999" / "january.tsv"
"""Technion SEE Center, "Anonymous Bank" call-center data (Guedj & Mandelbaum)."""

START = date(2024, 1, 1)  # a Monday: 28 days are four of each weekday
KNOWN: dict[str, Any] = {
    "name": "known",
    "calendar": {"days": 28, "open": "08:00", "close": "12:00", "interval_minutes": 30},
    "call_types": {
        "sales": {
            "volume": {"per_interval": [20, 40, 60, 60, 50, 40, 30, 20], "day_cv": 0.1},
            "handle_time": {"dist": "lognormal", "mean_s": 200, "cv": 0.8},
            "patience": {"dist": "exponential", "mean_s": 120},
        },
        "service": {
            "volume": {"per_interval": [10, 20, 30, 30, 25, 20, 15, 10]},
            "handle_time": {"dist": "lognormal", "mean_s": 300, "cv": 0.5},
            "patience": {"dist": "exponential", "mean_s": 200},
        },
    },
    "groups": {"agents": {"headcount": [4, 6, 9, 9, 8, 6, 5, 4]}},
}
"""A four-week scenario with known volumes, lognormal handle times and exponential patience."""


@dataclass(frozen=True)
class Simulated:
    """A scenario, one simulated replication of it and its call log."""

    scenario: Scenario
    result: SimulationResult
    log: CallLog


def simulate_known() -> Simulated:
    """Four weeks of the known scenario (SimPy engine, seed 7) as a call log."""
    scenario = scenario_from_dict(KNOWN)
    result = simulate(scenario, reps=1, seed=7, engine="simpy", keep_records=True)
    assert result.calls is not None
    return Simulated(scenario, result, log_from_records(result.calls, result.plan, START))

"""Shared fixtures: paths, statistical replication counts, small scenarios built in code."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from sim.scenario import Scenario, scenario_from_dict

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SCENARIOS = REPO / "scenarios"


def stat_scale() -> float:
    """Multiplier of replications in statistical tests: ``CCSIM_STAT_REPS`` (default 1 = CI size)."""
    return float(os.environ.get("CCSIM_STAT_REPS", "1"))


def stat_reps(base: int) -> int:
    """Replications for a statistical test: ``base`` times the ``CCSIM_STAT_REPS`` scale."""
    return max(2, round(base * stat_scale()))


def make_scenario(**overrides: Any) -> Scenario:
    """Build a one-queue scenario in code; keyword arguments replace top-level sections."""
    raw: dict[str, Any] = {
        "name": "tiny",
        "calendar": {"open": "08:00", "close": "10:00", "interval_minutes": 30},
        "service_level": {"threshold_s": 20},
        "call_types": {"calls": {"volume": {"per_hour": 120}, "handle_time": {"dist": "exponential", "mean_s": 180}}},
        "groups": {"agents": {"headcount": 8}},
    }
    raw.update(overrides)
    return scenario_from_dict(raw)


@pytest.fixture
def shared_dir() -> Path:
    """The shared folder beside the repository (specs, reference values, real data)."""
    return SHARED

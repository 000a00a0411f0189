"""Test helpers: paths, scenario builders and statistical assertions.

Statistical tolerances come from standard errors of independent replications, never from tuning.
``CCSIM_STAT_REPS`` scales the replications of statistical tests (default 1: the CI size).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from sim.scenario import Scenario, scenario_from_dict

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SCENARIOS = REPO / "scenarios"
PUBLIC_CASES = SHARED / "validation" / "public_cases.json"


def stat_reps(base: int) -> int:
    """Replications for a statistical test: ``base`` times the ``CCSIM_STAT_REPS`` scale."""
    return max(2, round(base * float(os.environ.get("CCSIM_STAT_REPS", "1"))))


def make_scenario(**sections: Any) -> Scenario:
    """Build a one-queue scenario in code; keyword arguments replace top-level sections."""
    raw: dict[str, Any] = {
        "name": "tiny",
        "calendar": {"open": "08:00", "close": "10:00", "interval_minutes": 30},
        "service_level": {"threshold_s": 20},
        "call_types": {
            "calls": {
                "volume": {"per_hour": 120},
                "handle_time": {"dist": "exponential", "mean_s": 180},
            }
        },
        "groups": {"agents": {"headcount": 8}},
    }
    raw.update(sections)
    return scenario_from_dict(raw)


def mean_and_se(values: ArrayLike) -> tuple[float, float]:
    """Return the mean of independent replication values (NaN ignored) and its standard error."""
    array = np.asarray(values, dtype=float)
    array = array[~np.isnan(array)]
    return float(array.mean()), float(array.std(ddof=1) / math.sqrt(len(array)))


def assert_within_se(
    values: ArrayLike, expected: float, *, k: float = 4.0, label: str = ""
) -> None:
    """Assert the mean of replication values is within ``k`` standard errors of ``expected``."""
    mean, se = mean_and_se(values)
    assert abs(mean - expected) <= k * se, (
        f"{label}: mean {mean:.6g} vs expected {expected:.6g}: "
        f"|diff| {abs(mean - expected):.3g} > {k} SE ({se:.3g})"
    )

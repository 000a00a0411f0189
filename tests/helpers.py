"""Assertions for statistical tests: tolerances come from standard errors, never from tuning."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike


def mean_and_se(values: ArrayLike) -> tuple[float, float]:
    """Return the mean of independent replication values and its standard error."""
    array = np.asarray(values, dtype=float)
    array = array[~np.isnan(array)]
    return float(array.mean()), float(array.std(ddof=1) / math.sqrt(len(array)))


def assert_within_se(values: ArrayLike, expected: float, *, k: float = 4.0, label: str = "") -> None:
    """Assert that the mean of replication values is within ``k`` standard errors of ``expected``."""
    mean, se = mean_and_se(values)
    assert abs(mean - expected) <= k * se, f"{label}: mean {mean:.6g} vs expected {expected:.6g}, |diff| > {k} SE ({se:.3g})"

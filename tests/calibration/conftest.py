"""Fixtures of the calibration tests: a simulated month as a call log, and the bank's file."""

from __future__ import annotations

from pathlib import Path

import pytest
from calibration_helpers import BANK_LOG, Simulated, simulate_known


@pytest.fixture(scope="session")
def simulated() -> Simulated:
    """Four weeks of the known scenario as a call log (simulated once per session)."""
    return simulate_known()


@pytest.fixture
def bank_log() -> Path:
    """The bank's January file; the test is skipped where the shared data is absent."""
    if not BANK_LOG.exists():
        pytest.skip(f"no {BANK_LOG}")
    return BANK_LOG

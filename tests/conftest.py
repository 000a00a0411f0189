"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import SHARED


@pytest.fixture
def shared_dir() -> Path:
    """The shared folder beside the repository (specs, reference values, real data)."""
    return SHARED

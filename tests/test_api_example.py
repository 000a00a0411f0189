"""The worked API example in docs/ runs and prints what it says."""

from __future__ import annotations

import runpy

import pytest
from helpers import REPO

EXAMPLE = REPO / "docs" / "examples" / "api_example.py"


def test_api_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """It prints the base service level, the what-if's lower one, and Erlang C's agents."""
    runpy.run_path(str(EXAMPLE), run_name="__main__")
    lines = capsys.readouterr().out.splitlines()
    assert 3 == len(lines)
    assert lines[0].startswith("erlang-c-check: service level ")
    base = float(lines[0].split()[3])
    fewer = float(lines[1].split()[-1])
    assert fewer < base
    assert "Erlang C: 54 agents for 80% within 20 s" == lines[2]

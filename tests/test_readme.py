"""The README shows real output: its demo excerpts equal a fresh run of the `make demo` command."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pandas as pd
import pytest
from helpers import REPO

from sim.cli import main

README = (REPO / "README.md").read_text(encoding="utf-8")


def section_blocks(heading: str) -> list[str]:
    """Return the fenced code blocks of the README section titled ``heading``."""
    section = README.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```\n(.*?)```", section, flags=re.DOTALL)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """Run the demo command of the Makefile once; return its stdout and output folder."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "ccsim run scenarios/retail_bank_day.yaml --reps $(REPS) --seed 1" in makefile
    assert "REPS ?= 200" in makefile
    out = tmp_path_factory.mktemp("demo")
    scenario = REPO / "scenarios" / "retail_bank_day.yaml"
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        main(["run", str(scenario), "--reps", "200", "--seed", "1", "--out", str(out), "--quiet"])
    return stdout.getvalue(), out


class TestDemoOutput:
    """The README's demo section is a real run."""

    def test_summary_table_matches_a_fresh_run(self, demo: tuple[str, Path]) -> None:
        """The printed table in the README equals the demo's table, line for line."""
        readme_lines = section_blocks("Demo output")[0].splitlines()
        run_lines = demo[0].splitlines()
        assert readme_lines[:4] == run_lines[:4]

    def test_interval_excerpt_matches_a_fresh_run(self, demo: tuple[str, Path]) -> None:
        """Each interval row quoted in the README equals the run's intervals.csv (3 decimals)."""
        excerpt = section_blocks("Demo output")[1].strip().splitlines()
        columns = excerpt[0].split(",")
        intervals = pd.read_csv(demo[1] / "intervals.csv")
        centre = intervals[intervals["call_type"] == "all"].set_index("start")
        for line in excerpt[1:]:
            start, *values = line.split(",")
            expected = [f"{centre.loc[start, column]:.3f}" for column in columns[1:]]
            assert expected == values, start

"""``--set PATH=VALUE`` on run and compare: a what-if without editing the file."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from helpers import SCENARIOS, invoke

DAY = str(SCENARIOS / "erlang_c_check.yaml")


def _service_level(stdout: str) -> float:
    return float(json.loads(stdout)["kpis"]["all"]["service_level"]["mean"])


def test_set_changes_the_run_like_an_edited_file(tmp_path: Path) -> None:
    """--set headcount=50 gives the numbers of the file with headcount 50, seed for seed."""
    edited = tmp_path / "edited.yaml"
    text = Path(DAY).read_text(encoding="utf-8").replace("headcount: 55", "headcount: 50")
    assert "headcount: 50" in text
    edited.write_text(text, encoding="utf-8")
    options = ("--reps", "3", "--json", "--seed", "4")
    code, by_set, _ = invoke("run", DAY, *options, "--set", "groups.agents.headcount=50")
    _, by_file, _ = invoke("run", str(edited), *options)
    _, base, _ = invoke("run", DAY, *options)
    assert 0 == code
    assert _service_level(by_file) == _service_level(by_set)
    assert _service_level(by_set) < _service_level(base)


@pytest.mark.parametrize(
    ("setting", "line"),
    [
        ("groups.agents.headcount=-3", f"error: {DAY}: groups.agents.headcount: must be"),
        ("groups.agentz.headcount=3", "error: --set: groups.agentz.headcount=3: the scenario"),
        ("nonsense", "error: --set: must be PATH=VALUE (got 'nonsense')"),
        ("busyness.multiplier=[1,", "error: --set: busyness.multiplier=[1,: YAML syntax error"),
    ],
    ids=["bad_value", "unknown_path", "no_equals", "bad_yaml"],
)
def test_bad_settings_are_one_line(setting: str, line: str) -> None:
    """A bad --set is one line and exit code 2, as a bad file is."""
    code, out, err = invoke("run", DAY, "--reps", "2", "--set", setting)
    assert (2, "", 1) == (code, out, len(err.splitlines()))
    assert err.startswith(line)


def test_compare_applies_it_to_every_scenario(tmp_path: Path) -> None:
    """compare --set halves the volume of each scenario: 720 calls/h x 96 measured h / 2."""
    setting = ("--set", "busyness.multiplier=0.5")
    code, _, err = invoke("compare", DAY, DAY, "--reps", "2", "--out", str(tmp_path), *setting)
    assert (0, "") == (code, err)
    table = pd.read_csv(tmp_path / "compare.csv")
    offered = table[table["kpi"] == "offered"]["mean"]
    assert 2 == len(offered)
    assert offered.to_numpy() == pytest.approx(720 * 96 / 2, rel=0.03)

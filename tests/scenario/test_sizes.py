"""Sizes that cannot be simulated are refused at validation, with the limit in the message."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import SCENARIOS, invoke

from sim.errors import ScenarioError
from sim.scenario import scenario_from_dict
from sim.scenario.limits import MAX_AGENTS


def _raw(name: str) -> dict[str, Any]:
    return yaml.safe_load((SCENARIOS / name).read_text(encoding="utf-8"))


def _with(raw: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``raw`` with the dotted ``path`` set to ``value``."""
    changed = copy.deepcopy(raw)
    *parents, last = path.split(".")
    node = changed
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return changed


def _problem(raw: dict[str, Any]) -> str:
    with pytest.raises(ScenarioError) as error:
        scenario_from_dict(raw, source="s.yaml", base_dir=SCENARIOS)
    return error.value.line()


STEADY = _raw("erlang_c_check.yaml")
BLENDED = _raw("blended_centre.yaml")
DAY = _raw("retail_bank_day.yaml")


@pytest.mark.parametrize(
    ("raw", "path", "value", "expected"),
    [
        (
            DAY,
            "call_types.general.volume.daily",
            1e12,
            "call_types: expect 1,000,000,000,000 calls",
        ),
        (STEADY, "call_types.calls.volume.per_hour", 1e9, "calls in one replication, more than"),
        (STEADY, "steady_state.horizon_h", 1e9, "steady_state.horizon_h: must be at most 100000"),
        (
            STEADY,
            "groups.agents.headcount",
            2**63,
            "groups.agents.headcount: must be at most 1e+12",
        ),
        (
            STEADY,
            "groups.agents.headcount",
            MAX_AGENTS + 1,
            f"more than the limit of {MAX_AGENTS:,}",
        ),
        (STEADY, "groups.agents.headcount", 1e9, "groups.agents.headcount: must be a whole number"),
        (STEADY, "call_types.calls.priority", 10**30, "call_types.calls.priority: must be at most"),
        (STEADY, "name", "x" * 1_000_000, "name: must be at most 100 characters (got 1,000,000)"),
        (
            STEADY,
            "call_types.calls.handle_time",
            {"dist": "gamma", "mean_s": 240, "cv": 1e-300},
            "call_types.calls.handle_time.cv: must be 0 or between 0.001 and 100 (got 1e-300)",
        ),
        (
            STEADY,
            "call_types.calls.handle_time",
            {"dist": "empirical", "values_s": [100.0, 1e308]},
            "call_types.calls.handle_time.values_s[1]: must be at most 1e+07 s",
        ),
        (STEADY, "busyness.day_cv", 1e-300, "busyness.day_cv: must be 0 or between"),
        (STEADY, "groups.agents.wage_per_hour", 1e308, "wage_per_hour: must be at most 1e+12"),
        (
            DAY,
            "call_types.general.volume",
            {"daily": 100, "profile": [1.0] * 23 + [1e308]},
            "call_types.general.volume.profile[23]: must be at most 1e+12",
        ),
        (
            BLENDED,
            "groups.buffer.outbound.list_size",
            2**63,
            "groups.buffer.outbound.list_size: must be at most 1e+12",
        ),
    ],
    ids=[
        "daily",
        "per_hour",
        "horizon",
        "headcount_2_63",
        "agents",
        "headcount_float",
        "priority",
        "name",
        "gamma_cv",
        "empirical",
        "day_cv",
        "wage",
        "profile_weight",
        "list_size",
    ],
)
def test_size_beyond_its_limit(raw: dict[str, Any], path: str, value: Any, expected: str) -> None:
    """Each is one line naming the field, the limit and the value."""
    line = _problem(_with(raw, path, value))
    assert line.startswith("s.yaml: ")
    assert expected in line
    assert len(line) < 400


def test_horizon_of_no_interval() -> None:
    """A horizon shorter than one interval is refused (it used to fail in the engine)."""
    line = _problem(_with(STEADY, "steady_state", {"horizon_h": 1e-9, "interval_minutes": 60}))
    assert "steady_state" in line


def test_limits_leave_the_shipped_scenarios_alone() -> None:
    """Every shipped scenario is within every limit."""
    for file in sorted(SCENARIOS.glob("*.yaml")):
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
        scenario_from_dict(raw, source=str(file), base_dir=file.parent)


def test_cli_exit_code(tmp_path: Path) -> None:
    """Through the command line: exit code 2 and one line."""
    file = tmp_path / "big.yaml"
    file.write_text(yaml.safe_dump(_with(STEADY, "call_types.calls.volume.per_hour", 1e9)))
    code, out, err = invoke("validate", str(file))
    assert (2, "", 1) == (code, out, len(err.splitlines()))

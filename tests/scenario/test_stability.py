"""A steady state that cannot settle is said so by validate and run, as by ``ccsim erlang``."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import SCENARIOS, invoke

from sim.scenario import scenario_from_dict
from sim.scenario.stability import overload_warning

STEADY: dict[str, Any] = yaml.safe_load(
    (SCENARIOS / "erlang_c_check.yaml").read_text(encoding="utf-8")
)


def _steady(per_hour: float, agents: int, **call_type: Any) -> dict[str, Any]:
    raw = copy.deepcopy(STEADY)
    raw["call_types"]["calls"]["volume"] = {"per_hour": per_hour}
    raw["call_types"]["calls"].update(call_type)
    raw["groups"]["agents"]["headcount"] = agents
    return raw


class TestOverloadWarning:
    """Load in erlangs against agents, without abandonment."""

    @pytest.mark.parametrize(
        ("per_hour", "agents", "warned"), [(900, 60, True), (900, 61, False), (899, 60, False)]
    )
    def test_at_the_boundary(self, per_hour: float, agents: int, warned: bool) -> None:
        """900 calls/h of 240 s are 60 erlangs: 60 agents cannot keep up, 61 can."""
        scenario = scenario_from_dict(_steady(per_hour, agents))
        warning = overload_warning(scenario)
        assert warned == (warning is not None)
        if warned:
            assert "offered load 60 erlangs >= 60 agents" in str(warning)

    def test_after_call_work_and_tiers_count(self) -> None:
        """Talk 200 s + wrap 40 s at a factor 1.25 is 300 s: 720 calls/h is 60 erlangs."""
        raw = _steady(720, 59)
        raw["call_types"]["calls"]["handle_time"] = {
            "dist": "exponential",
            "mean_s": 200,
            "acw_s": 40,
        }
        raw["tiers"] = {"slow": {"handle_time_factor": 1.25}}
        assert "60 erlangs >= 59 agents" in str(overload_warning(scenario_from_dict(raw)))

    def test_no_warning_when_lines_bound_the_queue(self) -> None:
        """Lines of the centre or of the call type keep the queue finite: blocked, not queued."""
        for raw in (_steady(900, 60, lines=80), {**_steady(900, 60), "lines": 80}):
            assert overload_warning(scenario_from_dict(raw)) is None

    def test_no_warning_with_patience_or_a_calendar(self) -> None:
        """Abandonment keeps the queue finite; a day that starts empty is no steady state."""
        patient = _steady(900, 30, patience={"dist": "exponential", "mean_s": 60})
        day = yaml.safe_load((SCENARIOS / "retail_bank_day.yaml").read_text(encoding="utf-8"))
        day["call_types"]["general"]["patience"] = {"dist": "none"}
        day["groups"]["agents"]["headcount"] = 1
        scenarios = [scenario_from_dict(patient), scenario_from_dict(day, base_dir=SCENARIOS)]
        assert [None, None] == [overload_warning(s) for s in scenarios]


def test_validate_and_run_print_it(tmp_path: Path) -> None:
    """Both commands print one ``warning:`` line on stderr and still succeed."""
    raw = _steady(900, 60)
    raw["steady_state"] = {"horizon_h": 2, "interval_minutes": 60}
    file = tmp_path / "overloaded.yaml"
    file.write_text(yaml.safe_dump(raw), encoding="utf-8")
    for args in (
        ["validate", str(file)],
        ["run", str(file), "--reps", "2", "--out", str(tmp_path)],
    ):
        code, _, err = invoke(*args)
        assert (0, 1) == (code, len(err.splitlines()))
        assert err.startswith("warning: offered load 60 erlangs >= 60 agents")

"""Dotted-path overrides of raw scenarios (`sim.scenario.overrides`)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from helpers import SMALL_CENTRE_YAML

from sim.errors import ScenarioError
from sim.scenario import scenario_from_dict
from sim.scenario.overrides import Override, apply_overrides


def base() -> dict[str, Any]:
    """The small centre as parsed from YAML, with a list to index."""
    raw: dict[str, Any] = yaml.safe_load(SMALL_CENTRE_YAML)
    raw["groups"]["agents"]["headcount"] = [12, 14, 14, 12]
    return raw


def changed(*overrides: tuple[str, Any]) -> dict[str, Any]:
    """Apply overrides given as (path, value) pairs."""
    items = [Override(path, value, f"set.{path}") for path, value in overrides]
    return apply_overrides(base(), items, source="exp.yaml")


class TestSetting:
    """Paths reach mappings, list items and optional sections."""

    def test_sets_a_nested_value_and_leaves_the_original(self) -> None:
        """A nested field changes in the copy only."""
        original = base()
        result = apply_overrides(
            original, [Override("call_types.calls.handle_time.mean_s", 200, "x")], source="e"
        )
        assert 200 == result["call_types"]["calls"]["handle_time"]["mean_s"]
        assert 180 == original["call_types"]["calls"]["handle_time"]["mean_s"]

    def test_indexes_a_list(self) -> None:
        """A numeric part indexes a list."""
        assert [12, 14, 20, 12] == changed(("groups.agents.headcount.2", 20))["groups"]["agents"][
            "headcount"
        ]

    def test_replaces_a_whole_section(self) -> None:
        """A mapping value replaces the field (a shift pattern, say)."""
        result = changed(("groups.agents", {"headcount": 9}))
        assert {"headcount": 9} == result["groups"]["agents"]

    def test_adds_an_optional_section_the_base_leaves_out(self) -> None:
        """busyness is absent from the base: a path through it creates it."""
        result = changed(("busyness.multiplier", 1.1))
        assert {"multiplier": 1.1} == result["busyness"]
        assert 1.1 == scenario_from_dict(result).busyness.multiplier

    def test_adds_a_new_last_key(self) -> None:
        """The last part may be a field the base leaves out."""
        result = changed(("groups.agents.absenteeism", 0.1))
        assert 0.1 == result["groups"]["agents"]["absenteeism"]

    def test_null_removes_a_field(self) -> None:
        """A null value removes the field: the scenario's default applies."""
        result = changed(("call_types.calls.patience", None))
        assert "patience" not in result["call_types"]["calls"]
        assert "none" == scenario_from_dict(result).call_types["calls"].patience.dist

    def test_later_overrides_win(self) -> None:
        """Overrides apply in order."""
        result = changed(("groups.agents.headcount", 5), ("groups.agents.headcount", 6))
        assert 6 == result["groups"]["agents"]["headcount"]


class TestErrors:
    """A path the scenario does not have is one line naming the file and the field path."""

    @pytest.mark.parametrize(
        ("path", "value", "message"),
        [
            ("groups.agnets.headcount", 3, "has no field groups.agnets (fields there: agents)"),
            ("groups.agents.headcount.7", 3, "list of 4 item(s): index with 0..3 (got '7')"),
            ("groups.agents.headcount.x", 3, "index with 0..3 (got 'x')"),
            ("groups..headcount", 3, "is not a dotted field path"),
            ("name.first", 3, "name is a value, not a mapping (got 'small-centre')"),
            ("call_types.calls.redial", None, "has no field call_types.calls.redial"),
            ("made_up.field", 1, "has no field made_up"),
        ],
    )
    def test_bad_paths(self, path: str, value: Any, message: str) -> None:
        """Unknown fields (even optional ones to remove), bad indices, empty parts."""
        with pytest.raises(ScenarioError) as error:
            changed((path, value))
        assert error.value.line().startswith(f"exp.yaml: set.{path}: ")
        assert message in error.value.line()

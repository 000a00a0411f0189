"""Dotted-path overrides of a raw scenario (as parsed from YAML), before validation.

An experiment changes a scenario by paths such as ``groups.agents.shifts.day`` or
``call_types.general.handle_time.mean_s``; list items are addressed by their index
(``forecast.0.volume``). A section the base scenario leaves out is added when a path goes
through it (``busyness.multiplier``). A null value removes the field, so that the scenario's
default applies (or a group, a call type or a shift is left out). The result is validated like
any scenario, so a value the scenario does not allow gets the scenario's own error.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from sim.errors import ScenarioError
from sim.scenario.load import known_fields
from sim.scenario.schema import Scenario


class Override(NamedTuple):
    """One change: ``path`` set to ``value``; ``where`` is its field path in the file."""

    path: str
    value: Any
    where: str


def apply_overrides(
    raw: Mapping[str, Any], overrides: Iterable[Override], *, source: str
) -> dict[str, Any]:
    """Return a copy of ``raw`` with each override's path set to its value.

    Parameters
    ----------
    raw : mapping
        The parsed scenario; it is not modified.
    overrides : iterable of Override
        Dotted path, new value (any YAML value: a number, a text, a mapping, a list) and the
        field path of the override in ``source``, applied in order.
    source : str
        File named in errors (the file that holds the overrides).

    Returns
    -------
    dict
        The changed copy.

    Raises
    ------
    ScenarioError
        When a path is empty, goes through a field the scenario does not have, or indexes a
        list out of range, or removes a field that is not there. The last part of a path may be
        a new key (an optional field the base scenario leaves out); scenario validation then
        checks it.
    """
    changed: dict[str, Any] = copy.deepcopy(dict(raw))
    for override in overrides:
        _set_path(changed, override.path, copy.deepcopy(override.value), source, override.where)
    return changed


def _set_path(document: dict[str, Any], path: str, value: Any, source: str, where: str) -> None:
    parts = path.split(".")
    if not path or any(not part for part in parts):
        raise ScenarioError(source, where, f"is not a dotted field path (got {path!r})")
    node: Any = document
    for depth, part in enumerate(parts[:-1]):
        missing = isinstance(node, dict) and part not in node
        if missing and value is not None and part in known_fields(Scenario, parts[:depth]):
            node[part] = {}  # an optional section the base scenario leaves out
        node = _child(node, part, ".".join(parts[:depth]), source, where)
    last, parent = parts[-1], ".".join(parts[:-1])
    if isinstance(node, list):
        index = _index(node, last, parent, source, where)
        if value is None:
            del node[index]
        else:
            node[index] = value
    elif isinstance(node, dict):
        if value is None:
            _child(node, last, parent, source, where)  # removing a field it lacks is a typo
            del node[last]
        else:
            node[last] = value
    else:
        raise ScenarioError(source, where, f"{parent} is a value, not a mapping (got {node!r})")


def _child(node: Any, part: str, parent: str, source: str, where: str) -> Any:
    here = f"{parent}.{part}" if parent else part
    if isinstance(node, dict):
        if part not in node:
            known = ", ".join(map(str, node)) or "none"
            raise ScenarioError(
                source, where, f"the scenario has no field {here} (fields there: {known})"
            )
        return node[part]
    if isinstance(node, list):
        return node[_index(node, part, parent, source, where)]
    raise ScenarioError(source, where, f"{parent} is a value, not a mapping (got {node!r})")


def _index(node: list[Any], part: str, parent: str, source: str, where: str) -> int:
    if not part.isdigit() or int(part) >= len(node):
        raise ScenarioError(
            source,
            where,
            f"{parent} is a list of {len(node)} item(s): index with 0..{len(node) - 1} "
            f"(got {part!r})",
        )
    return int(part)

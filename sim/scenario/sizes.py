"""Sizes a run can reach: every number of a validated scenario against the documented limits.

Limits follow the project's units-in-names convention, so a new field is covered by its name:
``*_s`` durations, ``*_h`` hours, ``cv``/``day_cv`` shapes, and any number by its magnitude.
Counts that decide memory (agents, expected calls) are checked on the whole scenario, cheapest
first, before anything of their size is built; ``*_h`` bounds the intervals of a steady state.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

from sim.scenario.limits import (
    MAX_AGENTS,
    MAX_CALLS_PER_REPLICATION,
    MAX_CV,
    MAX_DESCRIPTION_CHARS,
    MAX_DURATION_S,
    MAX_HOURS,
    MAX_NAME_CHARS,
    MAX_NUMBER,
    MIN_CV,
)
from sim.scenario.plan import expected_fresh_calls
from sim.scenario.problems import FieldError
from sim.scenario.schema import Scenario


def check_sizes(scenario: Scenario) -> None:
    """Refuse a scenario any of whose sizes is beyond its documented limit.

    Raises
    ------
    FieldError
        At the first field beyond its limit, with the limit and the value in the message.
    """
    _check_text("name", scenario.name, MAX_NAME_CHARS)
    _check_text("description", scenario.description, MAX_DESCRIPTION_CHARS)
    for path, name, value in _numbers(scenario, ""):
        _check_number(path, name, value)
    agents = sum(group.n_agents for group in scenario.groups.values())
    if agents > MAX_AGENTS:
        message = f"have {agents:,} agents together, more than the limit of {MAX_AGENTS:,}"
        raise FieldError("groups", message)
    if scenario.n_days * scenario.n_intervals == 0:
        raise FieldError("steady_state.horizon_h", "must hold at least one interval (got 0)")
    calls = expected_fresh_calls(scenario)
    if calls > MAX_CALLS_PER_REPLICATION:
        message = (
            f"expect {calls:,.0f} calls in one replication, more than the limit of "
            f"{MAX_CALLS_PER_REPLICATION:,}"
        )
        raise FieldError("call_types", message)


def check_row_sizes(row: BaseModel) -> None:
    """Refuse a CSV row any of whose numbers is beyond its limit (by its column's name).

    Raises
    ------
    FieldError
        At the first column beyond its limit, with the limit and the value in the message.
    """
    for path, name, value in _numbers(row, ""):
        _check_number(path, name, value)


def check_raw_sizes(data: object) -> None:
    """Refuse, by its key's name, a number of a parsed mapping beyond its limit.

    For models validated from plain data whose own checks do arithmetic on the numbers
    (a file of shift patterns): the numbers right under each key, or in a list under it, are
    checked before anything else; nested mappings are checked by their own models.

    Raises
    ------
    FieldError
        At the first number beyond its limit, with the limit and the value in the message.
    """
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        if isinstance(key, str):
            for path, number in _plain_numbers(value, key):
                _check_number(path, key, number)


def _plain_numbers(value: object, path: str) -> Iterator[tuple[str, float]]:
    """Yield ``(path, number)`` for a number, or the numbers of (nested) lists; not mappings."""
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield path, float(value)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _plain_numbers(item, f"{path}[{i}]")


def _check_text(path: str, text: str, limit: int) -> None:
    if len(text) > limit:
        raise FieldError(path, f"must be at most {limit:,} characters (got {len(text):,})")


def _check_number(path: str, name: str, value: float) -> None:
    if name.endswith("_s") and value > MAX_DURATION_S:
        raise FieldError(path, f"must be at most {MAX_DURATION_S:g} s (got {value:g})")
    if name.endswith("_h") and value > MAX_HOURS:
        raise FieldError(path, f"must be at most {MAX_HOURS:g} hours (got {value:g})")
    if name in ("cv", "day_cv") and value != 0 and not MIN_CV <= value <= MAX_CV:
        message = f"must be 0 or between {MIN_CV:g} and {MAX_CV:g} (got {value:g})"
        raise FieldError(path, message)
    if abs(value) > MAX_NUMBER:
        raise FieldError(path, f"must be at most {MAX_NUMBER:g} in size (got {value:g})")


def _numbers(value: object, path: str, name: str = "") -> Iterator[tuple[str, str, float]]:
    """Yield ``(path, field name, number)`` for every number under ``value``.

    List items keep the name of their list (``values_s[3]`` is a duration); the keys of a
    mapping of user-chosen names (call types, groups) are path parts only.
    """
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield path, name, float(value)
    elif isinstance(value, BaseModel):
        for field, item in value:
            yield from _numbers(item, f"{path}.{field}" if path else field, field)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(item, f"{path}.{key}" if path else str(key), name)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _numbers(item, f"{path}[{i}]", name)

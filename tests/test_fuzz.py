"""A seeded mutator over the shipped files: no traceback, no hang, in bounded memory.

Each case takes a shipped scenario, experiment, shift-patterns or forecast file (with its CSV
inputs copied beside it), changes one to three values, keys or CSV cells to something hostile,
and loads it. Loading must either succeed or raise the project's one-line error; a scenario that
loads must also plan and run one short replication on the fast engine, and a forecast be sized
into interval requirements. A case that takes longer than its alarm is a
hang. ``CCSIM_FUZZ_CASES`` sets the number of cases (default 300).
"""

from __future__ import annotations

import copy
import os
import random
import shutil
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import REPO, SCENARIOS

from sim.errors import CcsimError
from sim.experiments import load_experiment
from sim.planning import ServiceGoal, interval_requirements, read_forecast
from sim.planning.patterns import load_patterns
from sim.scenario import build_plan, load_scenario
from sim.simulation import simulate

CASES = int(os.environ.get("CCSIM_FUZZ_CASES", "300"))
SECONDS_PER_CASE = 20
RUN_CALLS_AT_MOST = 20_000  # a scenario that loads is run only when it is small

HOSTILE: list[Any] = [
    -1,
    0,
    1,
    -1e308,
    1e308,
    float("nan"),
    float("inf"),
    1e-300,
    2**63,
    10**30,
    True,
    None,
    "",
    "x",
    "$x^{$",
    "=cmd|x",
    "25:99",
    "../../x",
    "x" * 5000,
    [],
    {},
    [1, 2],
    {"a": 1},
    [[[[[]]]]],
]
SCALES = [0, -1, 0.001, 0.5, 2, 10, 1000]
HOSTILE_CELLS = ["", "-1", "1e308", "nan", "x", "25:00", "08:00", "99", "\x00", "=1+1", ",,"]


def _hostile(rng: random.Random) -> Any:
    """A fresh copy of a hostile value (lists and mappings are never shared between places)."""
    return copy.deepcopy(rng.choice(HOSTILE))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Yield the path of every value in a parsed document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield (*prefix, i)
            yield from _paths(value, (*prefix, i))


def _mutate_document(raw: Any, rng: random.Random) -> Any:
    """Change one to three places: a hostile value, a deleted key, or an unknown key."""
    for _ in range(rng.randint(1, 3)):
        paths = list(_paths(raw))
        if not paths:
            return _hostile(rng)
        *parents, last = rng.choice(paths)
        node = raw
        for part in parents:
            node = node[part]
        action = rng.random()
        value = node[last]
        if action < 0.4 and isinstance(value, int | float) and not isinstance(value, bool):
            node[last] = type(value)(value * rng.choice(SCALES))  # valid type, extreme size
        elif action < 0.75:
            node[last] = _hostile(rng)
        elif action < 0.9 and isinstance(node, dict):
            del node[last]
        elif isinstance(node, dict):
            node[f"{last}_x"] = _hostile(rng)
    return raw


def _mutate_csv(path: Path, rng: random.Random) -> None:
    """Change one cell, drop a column of one row, or append a hostile row."""
    lines = path.read_text(encoding="utf-8").splitlines()
    row = rng.randrange(len(lines))
    cells = lines[row].split(",")
    action = rng.random()
    if action < 0.6:
        cells[rng.randrange(len(cells))] = rng.choice(HOSTILE_CELLS)
    elif action < 0.8 and len(cells) > 1:
        cells.pop(rng.randrange(len(cells)))
    else:
        lines.append(",".join(rng.choice(HOSTILE_CELLS) for _ in cells))
    lines[row] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


class HangError(Exception):
    """A case ran past its alarm."""


@contextmanager
def _alarm(seconds: int) -> Iterator[None]:
    def on_alarm(_signum: int, _frame: object) -> None:
        raise HangError

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


CSV_INPUTS = {
    "forecast_roster_example.yaml": ["inputs/forecast_example.csv", "inputs/roster_example.csv"],
    "retail_bank_day.yaml": ["profiles/bank_weekday_30min.csv"],
}
"""Shipped scenarios with CSV inputs, and the inputs each reads."""
SOURCES = (
    sorted(SCENARIOS.glob("*.yaml"))
    + sorted((REPO / "experiments").glob("*.yaml"))
    + sorted((SCENARIOS / "planning").glob("*_patterns.yaml"))
    + sorted((SCENARIOS / "planning").glob("*_forecast.csv"))
)


def _case(tmp_path: Path, seed: int) -> tuple[Path, str]:
    """Lay out a copy of the shipped files and mutate one of them; return the file to load."""
    rng = random.Random(seed)
    folder = tmp_path / "case"
    shutil.copytree(SCENARIOS, folder / "scenarios")
    shutil.copytree(REPO / "experiments", folder / "experiments")
    source = rng.choice(SOURCES)
    target = folder / source.relative_to(REPO)
    if target.suffix == ".csv":  # a planner's forecast, read on its own
        _mutate_csv(target, rng)
        return target, "csv"
    if rng.random() < 0.25:
        target = folder / "scenarios" / rng.choice(sorted(CSV_INPUTS))
        _mutate_csv(folder / "scenarios" / rng.choice(CSV_INPUTS[target.name]), rng)
        return target, "csv"
    raw = yaml.safe_load(target.read_text(encoding="utf-8"))
    target.write_text(yaml.safe_dump(_mutate_document(raw, rng), allow_unicode=True), "utf-8")
    return target, "yaml"


def _load_and_run(file: Path) -> None:
    if file.parent.name == "experiments":
        load_experiment(file)
        return
    if file.suffix == ".csv":
        interval_requirements(read_forecast(file), ServiceGoal(0.8, 20.0, patience_s=180.0))
        return
    if file.parent.name == "planning":
        load_patterns(file)
        return
    scenario = load_scenario(file)
    plan = build_plan(scenario)
    if plan.expected_calls() <= RUN_CALLS_AT_MOST and scenario.n_days <= 7:
        simulate(scenario, reps=1, seed=1, engine="fast")


@pytest.mark.parametrize("seed", range(CASES))
def test_mutant_loads_or_fails_in_one_line(tmp_path: Path, seed: int) -> None:
    """A mutant loads (and runs), or raises the one-line error; never a traceback or a hang."""
    file, kind = _case(tmp_path, seed)
    message = ""
    try:
        with _alarm(SECONDS_PER_CASE):
            _load_and_run(file)
    except CcsimError as error:
        message = str(error)
    except HangError:
        pytest.fail(f"case {seed} ({kind} mutant of {file.name}) ran past {SECONDS_PER_CASE} s")
    assert "\n" not in message
    assert len(message) < 1000

"""Options shared by several commands, with the same names, defaults and help everywhere."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from sim.engines import ENGINE_NAMES
from sim.engines.base import ProgressCallback
from sim.errors import ScenarioError
from sim.scenario import Scenario, load_scenario, scenario_from_dict
from sim.scenario.load import parse_yaml_value, read_yaml
from sim.scenario.overrides import Override, apply_overrides


def out_dir_option(default: str, help_text: str) -> Any:
    """Return the ``--out`` folder option of a command that writes files there."""
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False),
        default=default,
        show_default=True,
        help=help_text,
    )


seed_option = click.option(
    "--seed", type=click.IntRange(min=0), default=1, show_default=True, help="Run seed."
)
engine_option = click.option(
    "--engine", type=click.Choice(ENGINE_NAMES), default="fast", show_default=True
)


def search_options(validation_help: str) -> Any:
    """Return the options of a simulation-based search: replications and the fresh seed."""

    def decorate(function: Any) -> Any:
        function = click.option("--validation-seed", type=int, default=None, help=validation_help)(
            function
        )
        return click.option(
            "--reps",
            type=click.IntRange(min=10),
            default=200,
            show_default=True,
            help="Replications.",
        )(function)

    return decorate


@contextmanager
def progress_bar(reps: int, *, enabled: bool) -> Iterator[ProgressCallback | None]:
    """Yield a callback that advances a replications bar on stderr, or None when disabled."""
    if not enabled:
        yield None
        return
    with click.progressbar(length=reps, label="replications", file=sys.stderr) as bar:
        yield bar.update


def set_option(function: Any) -> Any:
    """Add ``--set PATH=VALUE`` (repeatable): a what-if change to the scenario before it runs."""
    return click.option(
        "--set",
        "sets",
        multiple=True,
        metavar="PATH=VALUE",
        help="Change a scenario field before running, as an experiment's `set` does "
        "(repeatable; VALUE is YAML), e.g. --set groups.agents.headcount=40.",
    )(function)


def load_with_sets(path: str, sets: Sequence[str]) -> Scenario:
    """Load a scenario file with ``--set`` changes applied, errors as the file's own.

    A malformed ``PATH=VALUE`` or a path the scenario lacks is one line naming ``--set``; a
    value the scenario does not allow gets the scenario's own message, naming the file.
    """
    if not sets:
        return load_scenario(path)
    overrides = []
    for text in sets:
        field, equals, value = text.partition("=")
        where = text
        if not equals or not field:
            raise ScenarioError("--set", "", f"must be PATH=VALUE (got {text!r})")
        overrides.append(Override(field.strip(), parse_yaml_value(value, "--set", where), where))
    raw = apply_overrides(read_yaml(Path(path), path), overrides, source="--set")
    return scenario_from_dict(raw, source=path, base_dir=Path(path).parent)

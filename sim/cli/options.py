"""Options shared by several commands, with the same names, defaults and help everywhere."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from sim.engines import ENGINE_NAMES
from sim.engines.base import ProgressCallback


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

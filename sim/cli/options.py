"""Options shared by several commands, with the same names, defaults and help everywhere.

One name per concept across commands (``docs/reference/cli.md`` lists every option and default
in one table, checked against the commands by ``tests/test_cli_options.py``). A former name of
an option keeps working as a hidden alias (:func:`old_name`).
"""

from __future__ import annotations

import functools
import math
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sim.engines import ENGINE_NAMES
from sim.engines.base import ProgressCallback
from sim.errors import ScenarioError, UsageError
from sim.scenario import Scenario, load_scenario, scenario_from_dict
from sim.scenario.limits import MAX_REPS, MAX_WORKERS
from sim.scenario.load import parse_yaml_value, read_yaml
from sim.scenario.overrides import Override, apply_overrides

if TYPE_CHECKING:
    from sim.simulation import StatusCallback


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


RUN_REPS = 100
"""Default replications of a run or a comparison."""
SEARCH_REPS = 200
"""Default replications of a staffing search (``plan staff``, ``bid``): at least the
replications the default :data:`CONFIDENCE` needs (98 at 0.9), so the default never warns."""
CONFIDENCE = 0.9
"""Default share of replications in which a staffing search's target must hold."""

seed_option = click.option(
    "--seed", type=click.IntRange(min=0), default=1, show_default=True, help="Run seed."
)
engine_option = click.option(
    "--engine",
    type=click.Choice(ENGINE_NAMES),
    default="fast",
    show_default=True,
    help="Engine: both give identical call records on the same seed.",
)
quiet_option = click.option("--quiet", is_flag=True, help="No progress line on stderr.")
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object instead of the table."
)


def reps_option(default: int | None, help_text: str, minimum: int = 1) -> Any:
    """Return the ``--reps`` option: replications, at least ``minimum``."""
    return click.option(
        "--reps",
        type=click.IntRange(min=minimum, max=MAX_REPS),
        default=default,
        show_default=default is not None,
        help=help_text,
    )


def workers_option(help_text: str) -> Any:
    """Return the ``--workers`` option (threads or processes; default: the CPUs)."""
    return click.option(
        "--workers", type=click.IntRange(1, MAX_WORKERS), default=None, help=help_text
    )


def target_option(help_text: str, *, required: bool = False, dest: str = "target") -> Any:
    """Return the ``--target`` option: a service-level target, a fraction in (0, 1)."""
    return click.option(
        "--target",
        dest,
        type=click.FloatRange(min=0, max=1, min_open=True, max_open=True),
        required=required,
        default=None,
        help=help_text,
    )


def confidence_option(help_text: str) -> Any:
    """Return the ``--confidence`` option of a staffing search (default :data:`CONFIDENCE`)."""
    return click.option(
        "--confidence",
        type=click.FloatRange(min=0, max=1, min_open=True, max_open=True),
        default=CONFIDENCE,
        show_default=True,
        help=help_text,
    )


def interval_minutes_option(default: int | None, help_text: str) -> Any:
    """Return the ``--interval-minutes`` option: 15, 30 or 60, given to the command as an int."""
    return click.option(
        "--interval-minutes",
        type=click.Choice(["15", "30", "60"]),
        default=None if default is None else str(default),
        show_default=default is not None,
        callback=lambda _context, _parameter, value: None if value is None else int(value),
        help=help_text,
    )


def old_name(old: str, parameter: str, value_type: click.ParamType) -> Any:
    """Accept ``old``, a former name of the option stored in ``parameter``, as a hidden alias.

    Scripts that use the old name keep working; help shows only the current name. Giving both
    names with different values is a usage error. Apply it below ``@click.command``.
    """
    dest = f"old_{parameter}"

    def decorate(function: Any) -> Any:
        @functools.wraps(function)
        def merged(**kwargs: Any) -> Any:
            value = kwargs.pop(dest)
            if value is not None:
                if given(parameter) and kwargs[parameter] != value:
                    current = _option_name(parameter)
                    raise UsageError(
                        f"{old} is the old name of {current}: give one of them "
                        f"(got {current} {kwargs[parameter]} and {old} {value})"
                    )
                kwargs[parameter] = value
            return function(**kwargs)

        return click.option(
            old, dest, type=value_type, default=None, hidden=True, help=f"Old name of {parameter}."
        )(merged)

    return decorate


def given(parameter: str) -> bool:
    """Whether the user gave the current command's ``parameter`` (not its default)."""
    source = click.get_current_context().get_parameter_source(parameter)
    return source not in (None, click.core.ParameterSource.DEFAULT)


def _option_name(parameter: str) -> str:
    """Return the current command's longest flag of ``parameter`` (``--target``)."""
    for option in click.get_current_context().command.params:
        if option.name == parameter:
            return max(option.opts, key=len)
    return parameter


def amount_option(
    flag: str, help_text: str, *, positive: bool = False, default: float | None = None
) -> Any:
    """Return a float option ``flag`` at least 0 (above 0 with ``positive``).

    Required when it has no ``default``.
    """
    return click.option(
        flag,
        type=click.FloatRange(min=0, min_open=positive),
        required=default is None,
        default=default,
        show_default=default is not None,
        help=help_text,
    )


threshold_option = click.option(
    "--threshold-s",
    type=click.FloatRange(min=0),
    default=20.0,
    show_default=True,
    help="Service-level threshold, seconds.",
)
patience_option = click.option(
    "--patience-s",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Mean patience, seconds: Erlang A instead of Erlang C.",
)


def shrinkage_option(help_text: str) -> Any:
    """Return the ``--shrinkage`` option (share of scheduled time off the phones, default 0)."""
    return click.option(
        "--shrinkage",
        type=click.FloatRange(min=0, max=1, max_open=True),
        default=0.0,
        show_default=True,
        help=help_text,
    )


def search_options(validation_help: str) -> Any:
    """Return the options of a simulation-based search: replications and the fresh seed."""

    def decorate(function: Any) -> Any:
        function = click.option(
            "--validation-seed", type=click.IntRange(min=0), default=None, help=validation_help
        )(function)
        return reps_option(
            SEARCH_REPS, "Replications of each search round and of the check.", minimum=10
        )(function)

    return decorate


MIN_REPS_FOR_ETA = 3
"""Replications finished after the first before ``ccsim run`` shows an ETA."""

REDRAW_S = 0.1
"""Least seconds between two redraws of a status line (the last state is always drawn)."""


class StatusLine:
    """One line on stderr, redrawn in place; a newline when closed.

    Parameters
    ----------
    enabled : bool
        Draw at all (False: every call does nothing).
    """

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.width = 0

    def show(self, line: str) -> None:
        """Draw ``line`` over the previous one."""
        if not self.enabled:
            return
        self.width = max(self.width, len(line))
        click.echo("\r" + line.ljust(self.width), nl=False, err=True)

    def close(self) -> None:
        """End the line, when one was drawn."""
        if self.width:
            click.echo(err=True)
            self.width = 0


@contextmanager
def status_line(*, enabled: bool) -> Iterator[StatusCallback | None]:
    """Yield a callback that draws each status it is told on stderr, or None when disabled."""
    if not enabled:
        yield None
        return
    line = StatusLine(enabled=True)
    try:
        yield line.show
    finally:
        line.close()


def terminal_stderr(quiet: bool = False) -> bool:
    """Whether a command draws progress: stderr is a terminal and ``--quiet`` was not given."""
    return not quiet and sys.stderr.isatty()


class ReplicationsClock:
    """Replications done, time elapsed and an ETA from the rate since the first one finished.

    The first replication includes the engine's start (compiling or loading the kernel, making
    the plan), so it says nothing of the rate: the ETA is the seconds per replication since it
    finished, times the replications left, once :data:`MIN_REPS_FOR_ETA` more are done.

    Parameters
    ----------
    total : int
        Replications planned.
    clock : callable
        Seconds on a monotonic clock (a fake one in tests).
    """

    def __init__(self, total: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.total = total
        self.clock = clock
        self.started_at = clock()
        self.done = 0
        self.first: tuple[float, int] | None = None

    def advance(self, count: int) -> str:
        """Count ``count`` more replications done; return the status line."""
        self.done += count
        now = self.clock()
        if self.first is None:
            self.first = (now, self.done)
        eta = self.eta_s(now)
        return f"replications {self.done}/{self.total}  {clock_text(now - self.started_at)} " + (
            f"elapsed, ETA {clock_text(eta)}" if math.isfinite(eta) else "elapsed"
        )

    def eta_s(self, now: float) -> float:
        """Return the seconds left at ``now``; inf until enough replications give a rate."""
        if self.first is None:
            return math.inf
        first_at, first_done = self.first
        since = self.done - first_done
        if since < MIN_REPS_FOR_ETA:
            return math.inf
        return (now - first_at) / since * (self.total - self.done)


@contextmanager
def progress_bar(
    reps: int, *, enabled: bool, clock: Callable[[], float] = time.monotonic
) -> Iterator[ProgressCallback | None]:
    """Yield a callback that advances a replications status line on stderr, or None.

    The line is redrawn at most every :data:`REDRAW_S` seconds, and when the last replication
    is done.
    """
    if not enabled:
        yield None
        return
    replications = ReplicationsClock(reps, clock)
    line = StatusLine(enabled=True)
    drawn_at = -math.inf

    def advance(count: int) -> None:
        nonlocal drawn_at
        text = replications.advance(count)
        now = clock()
        if now - drawn_at >= REDRAW_S or replications.done >= reps:
            drawn_at = now
            line.show(text)

    try:
        yield advance
    finally:
        line.close()


def clock_text(seconds: float) -> str:
    """Return seconds as ``H:MM:SS``."""
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"


def warn_if_few_reps(confidence: float, reps: int) -> None:
    """Print a warning on stderr when a search's replications are too few for its confidence."""
    from sim.planning.staffing import few_reps_warning  # noqa: PLC0415 (pandas loads late)

    warning = few_reps_warning(confidence, reps)
    if warning is not None:
        click.echo(f"warning: {warning}", err=True)


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


max_concurrent_option = click.option(
    "--max-concurrent",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Chat sessions an agent holds at once.",
)
slowdown_option = click.option(
    "--slowdown",
    default=None,
    help="Chat handle-time factors with 1, 2, ... sessions held, comma-separated (e.g. 1,1.3,1.6).",
)


def parse_factors(text: str | None) -> tuple[float, ...] | None:
    """Return the factors of a ``--slowdown`` value (None stays None)."""
    if text is None:
        return None
    try:
        return tuple(float(part) for part in text.split(","))
    except ValueError:
        raise click.BadParameter(
            f"give numbers separated by commas (got {text!r})", param_hint="--slowdown"
        ) from None

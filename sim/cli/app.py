"""The ``ccsim`` group and its entry point: user errors become one line and exit code 2."""

from __future__ import annotations

import errno
import gc
import importlib
import sys
from collections.abc import Sequence

import click

from sim import __version__
from sim.errors import CcsimError

COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("sim.cli.run", "validate"),
    "run": ("sim.cli.run", "run"),
    "compare": ("sim.cli.run", "compare"),
    "warm-up": ("sim.cli.run", "warm_up"),
    "calibrate": ("sim.cli.calllog", "calibrate_command"),
    "replay": ("sim.cli.calllog", "replay"),
    "forecast": ("sim.cli.forecast", "forecast"),
    "experiment": ("sim.cli.experiment", "experiment"),
    "plan": ("sim.cli.plan", "plan"),
    "bid": ("sim.cli.bid", "bid"),
    "erlang": ("sim.cli.queue", "erlang"),
    "staff": ("sim.cli.queue", "staff"),
    "estimate": ("sim.cli.estimate", "estimate"),
}
"""Each command's name, and the module and attribute that define it."""


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command runs (or help lists it).

    ``ccsim run`` then never pays for the planning, bidding or queueing modules and the
    libraries only they use.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, sorted as click sorts them."""
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import the module of ``cmd_name`` and return its command (None if unknown)."""
        if cmd_name not in COMMANDS:
            return None
        module_name, attribute = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ccsim")
@click.option("--debug", is_flag=True, help="Show the traceback of errors.")
def cli(debug: bool) -> None:
    """Contact-centre simulator: Erlang yardsticks and two simulation engines."""


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line; user errors print one line and exit with code 2.

    Run as the program (``argv`` None: ``ccsim``, ``python -m sim``), it freezes the objects
    left before the interpreter exits (:func:`gc.freeze`): the exit's garbage collections would
    otherwise walk the hundred thousand objects of numba and the other libraries, measured
    0.2-0.4 s, to free memory the exit frees anyway. Objects still go when their last reference
    does, and the files a command writes are closed before it returns.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        _run(args)
    finally:
        if argv is None:
            gc.freeze()


def _run(args: list[str]) -> None:
    """Run the command of ``args``; map errors to messages and exit codes (see :func:`main`)."""
    try:
        cli.main(args=args, prog_name="ccsim", standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as error:
        _show_click_error(error)
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except CcsimError as error:
        if "--debug" in args:
            raise
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    except OSError as error:
        if "--debug" in args or error.filename is None:
            raise
        click.echo(f"error: {error.filename}: {error.strerror or error}", err=True)
        sys.exit(1 if error.errno in ENVIRONMENT_FAULTS else 2)


ENVIRONMENT_FAULTS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO})
"""Faults of the machine, not of the command (exit code 1): a full disk or quota, an I/O error.

Any other file the command cannot read or write (a folder in a file's place, no permission, a
read-only folder) is the user's to fix: exit code 2, like bad input.
"""


def _show_click_error(error: click.ClickException) -> None:
    """Print an invalid option or argument as one ``error:`` line, like every user error."""
    message = error.format_message()
    if "\n" in message:  # a bare ``ccsim``: click's NoArgsIsHelpError carries the help text
        error.show()
        return
    click.echo(f"error: {message}", err=True)

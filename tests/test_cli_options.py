"""One option vocabulary: the table of options and defaults in the CLI reference is the commands'.

The table in ``docs/reference/cli.md`` (section "Options and defaults") must list every option
of every command, once, with the default the command really has; a former name must be hidden
and still work; a command's default replications must be enough for its default confidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import click
import pytest
from helpers import REPO, invoke

from sim.cli.app import cli
from sim.errors import UsageError
from sim.planning import bid as bid_module
from sim.planning.staffing import few_reps_warning, min_search_reps

CLI_MD = REPO / "docs" / "reference" / "cli.md"


def commands(group: click.Group = cli, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    """Yield every leaf command with its full name (``plan staff``)."""
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None
        full = f"{prefix}{name}"
        if isinstance(command, click.Group):
            yield from commands(command, f"{full} ")
        else:
            yield full, command


def options(command: click.Command) -> dict[str, click.Option]:
    """Return a command's options by their first long name (``--plots`` for --plots/--no-plots)."""
    return {
        next(o for o in option.opts if o.startswith("--")): option
        for option in command.params
        if isinstance(option, click.Option)
    }


COMMANDS = dict(commands())


def table_rows() -> list[tuple[str, list[str], str]]:
    """Return the rows of the options table: (option, commands, default cell)."""
    text = CLI_MD.read_text(encoding="utf-8")
    section = text.split("\n## Options and defaults\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        option = cells[0].strip("`").split()[0].split("/")[0]
        names = re.findall(r"`([^`]+)`", cells[1])
        rows.append((option, names, cells[2]))
    return rows


ROWS = table_rows()


def default_of(command: click.Command, option: click.Option) -> object:
    """Return the value the command's function gets when the option is not given."""
    context = command.make_context("ccsim", [], resilient_parsing=True)
    return context.params[option.name or ""]


def matches(cell: str, command: click.Command, option: click.Option) -> bool:
    """Whether a default cell of the table says what the option's default is.

    ``required``, ``off``/``on`` (flags), a number, a `value` in backticks, ``as `--NAME```
    (a hidden former name of --NAME); any other words, or a value with a placeholder in
    capitals, describe a default worked out at run time, which the option leaves as None.
    """
    default = default_of(command, option)
    if cell == "required":
        return option.required
    if option.required:
        return False
    if option.is_flag:
        return cell == ("on" if default else "off")
    alias = re.fullmatch(r"as `(--[a-z-]+)`", cell)
    if alias:
        current = options(command).get(alias.group(1))
        return option.hidden and current is not None and option.name == f"old_{current.name}"
    if option.hidden:
        return False
    if re.fullmatch(r"-?[0-9.]+", cell):
        return default is not None and float(cell) == float(str(default))
    value = re.fullmatch(r"`([^`]+)`", cell)
    if value and not re.search(r"[A-Z]{2,}", cell):  # a path like `STORE/report` is worked out
        return default == value.group(1)
    return default in (None, ())


def test_the_table_names_real_commands() -> None:
    """Every command named in the table exists."""
    named = {name for _, names, _ in ROWS for name in names}
    assert named <= set(COMMANDS), sorted(named - set(COMMANDS))


def test_every_option_of_every_command_is_in_the_table_once() -> None:
    """Each (command, option) pair has exactly one row, and each row's option exists."""
    listed = [(name, option) for option, names, _ in ROWS for name in names]
    real = [(name, option) for name, command in COMMANDS.items() for option in options(command)]
    assert sorted(set(real) - set(listed)) == [], "options missing from the table"
    assert sorted(set(listed) - set(real)) == [], "table rows of options a command lacks"
    assert len(listed) == len(set(listed)), "an option listed twice for a command"


@pytest.mark.parametrize(
    ("option", "names", "cell"), [pytest.param(*row, id=f"{row[0]}-{row[1][0]}") for row in ROWS]
)
def test_each_default_is_the_commands(option: str, names: list[str], cell: str) -> None:
    """The default cell of each row is the default of the option in each command named."""
    for name in names:
        command = COMMANDS[name]
        found = options(command)[option]
        assert matches(cell, command, found), (
            f"{name} {option}: table says {cell!r}, command has {default_of(command, found)!r}"
        )


@pytest.mark.parametrize(
    "name", [name for name, c in COMMANDS.items() if "--confidence" in options(c)]
)
def test_default_replications_are_enough_for_the_default_confidence(name: str) -> None:
    """A search's default --reps is at least what its default --confidence needs: no warning."""
    command = COMMANDS[name]
    confidence = default_of(command, options(command)["--confidence"])
    reps = default_of(command, options(command)["--reps"])
    assert isinstance(confidence, float)
    assert isinstance(reps, int)
    assert reps >= min_search_reps(confidence)
    assert few_reps_warning(confidence, reps) is None


def test_one_default_per_concept_where_the_meaning_is_the_same() -> None:
    """Seed, engine and confidence have one default in every command that has them."""
    for option in ("--seed", "--engine", "--confidence", "--threshold-s", "--shrinkage"):
        defaults = {
            str(default_of(command, options(command)[option]))
            for command in COMMANDS.values()
            if option in options(command)
        }
        assert len(defaults) == 1, (option, defaults)


def test_former_names_are_hidden_from_help() -> None:
    """``bid --help`` shows --target and not its former name --sl-target."""
    code, stdout, _ = invoke("bid", "--help")
    assert 0 == code
    assert "--target" in stdout
    assert "--sl-target" not in stdout


def test_a_former_name_and_the_current_one_must_agree() -> None:
    """Giving --target and --sl-target with different values is one usage error, exit 2."""
    scenario = REPO / "scenarios" / "blended_centre.yaml"
    code, _, stderr = invoke("bid", str(scenario), "--target=0.8", "--sl-target=0.7")
    assert 2 == code
    assert stderr.startswith("error: --sl-target is the old name of --target: give one of them")
    assert 1 == len(stderr.splitlines())


@pytest.mark.parametrize("flag", ["--target", "--sl-target"])
def test_the_former_name_still_sets_the_target(flag: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``bid --sl-target 0.75`` asks the search for 0.75, as ``--target 0.75`` does."""
    asked: dict[str, object] = {}

    def stop(_raw: object, **options: object) -> None:
        asked.update(options)
        raise UsageError("stopped before the search")

    monkeypatch.setattr(bid_module, "size_bid", stop)
    scenario = REPO / "scenarios" / "blended_centre.yaml"
    code, _, stderr = invoke("bid", str(scenario), f"{flag}=0.75")
    assert (2, "error: stopped before the search\n") == (code, stderr)
    assert 0.75 == asked["sl_target"]

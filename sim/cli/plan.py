"""``ccsim plan requirements|staff|schedule|week``: requirements, staffing, schedules, rosters."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import click

from sim.cli.options import (
    confidence_option,
    engine_option,
    interval_minutes_option,
    max_concurrent_option,
    out_dir_option,
    parse_factors,
    patience_option,
    quiet_option,
    search_options,
    seed_option,
    shrinkage_option,
    slowdown_option,
    status_line,
    target_option,
    terminal_stderr,
    threshold_option,
    warn_if_few_reps,
)
from sim.errors import UsageError


@click.group()
def plan() -> None:
    """Planning: agents needed per interval, and shift schedules at least cost."""


@plan.command(name="requirements")
@click.argument("forecast", type=click.Path(dir_okay=False))
@target_option("Service-level target (fraction answered within the threshold).", required=True)
@threshold_option
@patience_option
@shrinkage_option(
    "Share of scheduled time off the phones (absence, training; not scheduled breaks)."
)
@click.option("--by-call-type", is_flag=True, help="Size each call type apart (no pooling).")
@click.option(
    "--aht-s",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="AHT, seconds, of forecast rows whose aht_s is empty.",
)
@interval_minutes_option(None, "Interval length [the gap between the forecast's interval starts].")
@click.option(
    "--chat-types",
    default=None,
    help="Call types that are chats, comma-separated: sized apart, for agents holding sessions.",
)
@max_concurrent_option
@slowdown_option
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False),
    default="out/requirements.csv",
    show_default=True,
    help="Requirements CSV to write.",
)
def plan_requirements(
    *,
    forecast: str,
    target: float,
    threshold_s: float,
    patience_s: float | None,
    shrinkage: float,
    by_call_type: bool,
    aht_s: float | None,
    interval_minutes: int | None,
    chat_types: str | None,
    max_concurrent: int,
    slowdown: str | None,
    out_file: str,
) -> None:
    """Agents needed per interval of FORECAST: Erlang C (or A), then shrinkage.

    With --chat-types, those call types are chats: pooled apart from the voice types and sized
    for agents holding up to --max-concurrent sessions (with --slowdown).
    """
    from sim.planning import (  # noqa: PLC0415 (pandas and scipy load late)
        ChatSizing,
        ServiceGoal,
        interval_requirements,
        read_forecast,
        write_requirements,
    )
    from sim.report.planning import requirements_console  # noqa: PLC0415

    loaded = read_forecast(
        forecast,
        interval_minutes=interval_minutes,
        default_aht_s=aht_s,
    )
    goal = ServiceGoal(target=target, threshold_s=threshold_s, patience_s=patience_s)
    chat = (
        None
        if chat_types is None
        else ChatSizing(
            call_types=tuple(name.strip() for name in chat_types.split(",")),
            max_concurrent=max_concurrent,
            slowdown=parse_factors(slowdown),
        )
    )
    frame = interval_requirements(
        loaded, goal, shrinkage=shrinkage, by_call_type=by_call_type, chat=chat
    )
    write_requirements(frame, out_file)
    formula = "Erlang C" if patience_s is None else f"Erlang A (patience {patience_s:g} s)"
    click.echo(
        f"{forecast}: {formula}, target {100 * target:g}% within {threshold_s:g} s, "
        f"shrinkage {100 * shrinkage:g}%"
    )
    click.echo(requirements_console(frame, loaded.grid.interval_s))
    click.echo(f"wrote {out_file}")


@plan.command(name="staff")
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option(
    "--group",
    "groups",
    required=True,
    multiple=True,
    help="Group to staff (headcount per interval, or agents per shift); repeat for several.",
)
@target_option("Service level per interval (or of the day) [the scenario's target].")
@confidence_option(
    "Share of replications in which every interval (or the day) must reach the target."
)
@click.option(
    "--criterion",
    type=click.Choice(["interval", "day"]),
    default="interval",
    show_default=True,
    help="What must reach the target: every interval's service level, or the day's.",
)
@search_options("Seed of the check on fresh random numbers [seed + 1000].")
@seed_option
@engine_option
@out_dir_option("out/staff", "Folder for staffing.csv and scenario.yaml.")
@quiet_option
def plan_staff(
    *,
    scenario: str,
    groups: tuple[str, ...],
    target: float | None,
    confidence: float,
    criterion: Literal["interval", "day"],
    reps: int,
    validation_seed: int | None,
    seed: int,
    engine: str,
    out_dir: str,
    quiet: bool,
) -> None:
    """Staff groups from Erlang, adding agents where the simulation misses the target."""
    from sim.planning.staffing import simulated_staffing, staffed_scenario_yaml  # noqa: PLC0415
    from sim.report.planning import staffing_console, write_staffing  # noqa: PLC0415
    from sim.scenario.load import read_yaml  # noqa: PLC0415

    with status_line(enabled=terminal_stderr(quiet)) as status:
        result = simulated_staffing(
            read_yaml(Path(scenario), scenario),
            group=groups,
            target=target,
            confidence=confidence,
            criterion=criterion,
            reps=reps,
            seed=seed,
            validation_seed=validation_seed,
            engine=engine,
            source=scenario,
            base_dir=Path(scenario).parent,
            status=status,
        )
    warn_if_few_reps(confidence, reps)
    scenario_yaml = staffed_scenario_yaml(result, Path(scenario).parent, Path(out_dir))
    written = write_staffing(out_dir, result.intervals, scenario_yaml, result.shifts)
    click.echo(
        staffing_console(
            result.intervals,
            rounds=result.rounds,
            met=result.met,
            validated=result.validated,
            interval_s=result.interval_s,
            day_shares=(result.day_search, result.day_fresh),
            shifts=result.shifts,
        )
    )
    click.echo(f"wrote {', '.join(str(path) for path in written)}")


@plan.command(name="schedule")
@click.argument("requirements", type=click.Path(dir_okay=False))
@click.option(
    "--patterns",
    "patterns_file",
    type=click.Path(dir_okay=False),
    required=True,
    help="Shift patterns file (YAML).",
)
@out_dir_option(
    "out/schedule",
    "Folder for roster.csv, shifts.csv, intervals.csv, coverage.png (and scenario.yaml).",
)
@click.option(
    "--scenario",
    "base",
    type=click.Path(dir_okay=False),
    default=None,
    help="Base scenario: also write OUT/scenario.yaml, a copy whose group works the roster.",
)
@click.option("--group", default=None, help="Group of --scenario to staff [its only group].")
@click.option(
    "--max-part-time",
    type=click.FloatRange(min=0, max=1),
    default=None,
    help="Largest share of agents on part-time shifts [patterns file's].",
)
@click.option(
    "--min-agents",
    type=click.IntRange(min=0),
    default=None,
    help="Fewest agents on the phones in every interval [patterns file's].",
)
@click.option(
    "--max-agents",
    type=click.IntRange(min=0),
    default=None,
    help="Most agents in a day [patterns file's].",
)
def plan_schedule(
    *,
    requirements: str,
    patterns_file: str,
    out_dir: str,
    base: str | None,
    group: str | None,
    max_part_time: float | None,
    min_agents: int | None,
    max_agents: int | None,
) -> None:
    """Least-cost shifts covering REQUIREMENTS: a roster the simulator runs."""
    from sim.planning import (  # noqa: PLC0415 (pandas and scipy load late)
        interval_table,
        load_patterns,
        optimise_schedule,
        read_requirements,
        roster_rows,
        roster_table,
        scenario_with_roster,
        shift_table,
    )
    from sim.report.planning import schedule_console, write_schedule_report  # noqa: PLC0415

    if group is not None and base is None:
        raise UsageError("--group names a group of --scenario; give --scenario too")
    patterns = load_patterns(patterns_file)
    limits = patterns.limits.overridden(
        max_part_time_share=max_part_time, min_agents=min_agents, max_agents=max_agents
    )
    required = read_requirements(requirements, interval_minutes=patterns.interval_minutes)
    schedule = optimise_schedule(required, patterns, patterns_file, limits)
    rows = roster_rows(schedule)
    scenario = scenario_with_roster(base, group, out_dir, rows) if base is not None else None
    shifts, intervals = shift_table(schedule), interval_table(schedule)
    written = write_schedule_report(out_dir, shifts, intervals, roster_table(rows), scenario)
    click.echo(
        schedule_console(
            shifts,
            intervals,
            cost=schedule.cost,
            objective=schedule.objective,
            lp_bound=schedule.lp_bound,
            gap=schedule.gap,
        )
    )
    if scenario is None:
        click.echo(
            f"to run it, staff a scenario group with: roster: {Path(out_dir) / 'roster.csv'}"
        )
    click.echo(f"wrote {', '.join(str(path) for path in written)}")


@plan.command(name="week")
@click.option(
    "--group",
    "group_specs",
    multiple=True,
    required=True,
    metavar="NAME=REQUIREMENTS.csv[:TYPE,...]",
    help="A group and its requirements CSV (only the rows of the call types after ':', if "
    "given); repeat for each group.",
)
@click.option(
    "--patterns",
    "patterns_file",
    type=click.Path(dir_okay=False),
    required=True,
    help="Shift patterns file (YAML) with a week section: work rules, group limits, seats.",
)
@click.option(
    "--seats",
    type=click.IntRange(min=0),
    default=None,
    help="Seats: people on duty at once, every group together [patterns file's week.seats].",
)
@click.option(
    "--scenario",
    "base",
    type=click.Path(dir_okay=False),
    default=None,
    help="Base scenario (7 days): its dates and hours per day; also write OUT/scenario.yaml, "
    "whose groups work the roster (its other groups keep their staffing and hold seats).",
)
@out_dir_option(
    "out/week",
    "Folder for people_roster.csv/.xlsx, groups.csv, intervals.csv, roster_GROUP.csv, "
    "coverage_GROUP.png (and scenario.yaml).",
)
def plan_week_command(
    *,
    group_specs: tuple[str, ...],
    patterns_file: str,
    seats: int | None,
    base: str | None,
    out_dir: str,
) -> None:
    """Least-cost weekly roster of people on work rules, for several groups at once."""
    from sim.planning import (  # noqa: PLC0415 (pandas and scipy load late)
        load_patterns,
        read_requirements,
        roster_table,
        scenario_with_rosters,
    )
    from sim.planning.week import (  # noqa: PLC0415
        fixed_staff,
        group_table,
        people_table,
        plan_week,
        scenario_roster_rows,
        scenario_week,
        week_interval_table,
        week_rules,
    )
    from sim.report.roster_week import (  # noqa: PLC0415
        WeekTables,
        roster_file,
        week_console,
        write_week_report,
    )
    from sim.scenario import load_scenario  # noqa: PLC0415

    patterns = load_patterns(patterns_file)
    if seats is not None:
        week = week_rules(patterns, patterns_file).model_copy(update={"seats": seats})
        patterns = patterns.model_copy(update={"week": week})
    requirements = {
        name: read_requirements(
            path, interval_minutes=patterns.interval_minutes, call_types=call_types
        )
        for name, (path, call_types) in _group_requirements(group_specs).items()
    }
    days, fixed = None, None
    if base is not None:
        base_scenario = load_scenario(base)
        days = scenario_week(base_scenario, base)
        fixed = fixed_staff(base_scenario, requirements)
    roster = plan_week(requirements, patterns, patterns_file, days, fixed)
    rows = {group: scenario_roster_rows(roster, group) for group in roster.groups}
    scenario = (
        scenario_with_rosters(
            base, out_dir, {group: (roster_file(group), rows[group]) for group in rows}
        )
        if base is not None
        else None
    )
    tables = WeekTables(
        people=people_table(roster),
        groups=group_table(roster),
        intervals=week_interval_table(roster),
        rosters={group: roster_table(group_rows) for group, group_rows in rows.items()},
    )
    written = write_week_report(out_dir, tables, scenario)
    click.echo(
        week_console(
            tables,
            cost=roster.cost,
            objective=roster.objective,
            lp_bound=roster.lp_bound,
            best_bound=roster.best_bound,
            gaps=(roster.gap, roster.lp_gap),
            seats=roster.seats,
            solver_status=roster.solver_status,
        )
    )
    click.echo(f"wrote {', '.join(str(path) for path in written)}")


def _group_requirements(specs: tuple[str, ...]) -> dict[str, tuple[str, list[str] | None]]:
    """Return ``--group`` values as group -> (requirements file, call types or None)."""
    groups: dict[str, tuple[str, list[str] | None]] = {}
    for spec in specs:
        name, equals, target = spec.partition("=")
        path, colon, types = target.rpartition(":") if ":" in target else (target, "", "")
        call_types = [t for t in types.split(",") if t] if colon else None
        if not equals or not name or not path or call_types == []:
            raise UsageError(
                f"--group must be NAME=REQUIREMENTS.csv or NAME=REQUIREMENTS.csv:TYPE,... "
                f"(got {spec!r})"
            )
        if name in groups:
            raise UsageError(f"--group names group {name!r} twice")
        groups[name] = (path, call_types)
    return groups

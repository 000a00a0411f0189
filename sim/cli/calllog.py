"""``ccsim calibrate`` and ``ccsim replay``: scenarios from call logs, and logs replayed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from sim.cli.options import (
    engine_option,
    interval_minutes_option,
    out_dir_option,
    quiet_option,
    reps_option,
    seed_option,
    status_line,
    terminal_stderr,
)
from sim.errors import UsageError

if TYPE_CHECKING:
    from sim.calibration.replay import Replay

log_format_option = click.option(
    "--format",
    "log_format",
    type=click.Choice(("auto", "ccsim", "bank")),
    default="auto",
    show_default=True,
    help="Call-log format: the documented CSV (ccsim), the Anonymous Bank's TSV, or by header.",
)


@click.command(name="calibrate")
@click.argument("log", type=click.Path(dir_okay=False))
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False),
    required=True,
    help="Scenario YAML file to write.",
)
@log_format_option
@interval_minutes_option(30, "Planning interval of the scenario.")
@click.option(
    "--weekdays",
    default=None,
    metavar="DAYS",
    help="Weekdays to use, e.g. sun,mon,tue,wed,thu [those with at least half the busiest "
    "weekday's volume].",
)
@click.option(
    "--handle",
    type=click.Choice(("lognormal", "empirical")),
    default="lognormal",
    show_default=True,
    help="Handle-time distribution: a lognormal with the data's mean and CV, or the data's "
    "own shape (200 quantiles).",
)
@click.option(
    "--staffing",
    type=click.Choice(["ready", "presence", "serving", "busy"]),
    default="ready",
    show_default=True,
    help="The headcount follows the agents ready to take calls (working spans from their "
    "service records, cut where a caller waited while the agent sat idle), the agents present "
    "(the spans alone), those seen serving (an upper bound) or their busy time rounded up (a "
    "lower bound).",
)
def calibrate_command(
    *,
    log: str,
    out_path: str,
    log_format: str,
    interval_minutes: int,
    weekdays: str | None,
    handle: str,
    staffing: str,
) -> None:
    """Estimate a scenario from a call log, write it to OUT and print what was estimated."""
    from sim.calibration import (  # noqa: PLC0415 (pandas and scipy load late)
        calibrate,
        calibration_report,
        read_any_log,
        write_scenario,
    )

    calibration = calibrate(
        read_any_log(log, log_format),
        interval_minutes=interval_minutes,
        weekdays=weekdays.split(",") if weekdays is not None else None,
    )
    write_scenario(calibration, out_path, handle=handle, staffing=staffing)
    click.echo(calibration_report(calibration, staffing))
    click.echo(f"wrote {out_path}")


@click.command()
@click.argument("log", type=click.Path(dir_okay=False))
@log_format_option
@click.option(
    "--scenario",
    "scenario_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Test this scenario out of sample: its handle times, patience, routing and staffing "
    "with LOG's arrivals [default: the scenario calibrated from LOG, with LOG's handle times].",
)
@click.option(
    "--calibration",
    "calibration_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Test the calibration of this other log (read like LOG) out of sample: the scenario "
    "calibrated from it, with 15-minute intervals, replays LOG's arrivals.",
)
@click.option(
    "--staffing",
    type=click.Choice(["ready", "presence", "busy", "serving", "scenario"]),
    default=None,
    help="Agents on the phones per interval: working spans reconstructed from the service "
    "records, cut where a caller waited while the agent sat idle (ready), the spans alone "
    "(presence), busy time rounded up (a lower bound), those seen serving (an upper bound), "
    "or the scenario's [ready; scenario with --scenario].",
)
@click.option(
    "--roster",
    "roster_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Staffing from a CSV of who was logged in: agent,start,end (date-times).",
)
@click.option(
    "--gap-minutes",
    type=click.FloatRange(min=0, min_open=True, max=24 * 60),
    default=15.0,
    show_default=True,
    help="Ready and presence: an agent idle longer than this between two calls was away.",
)
@click.option(
    "--priority",
    "priority_customers",
    type=click.Choice(["apart", "first", "pooled"]),
    default="apart",
    show_default=True,
    help="Priority customers (the log's priority field): a call type NAME-priority of their "
    "own in arrival order with everyone (apart), the same served first (first), or regular "
    "callers (pooled).",
)
@interval_minutes_option(60, "Interval of the comparison.")
@reps_option(20, "Replications a day.")
@seed_option
@engine_option
@out_dir_option("out/replay", "Folder for replay.csv, replay_errors.csv and replay.png.")
@quiet_option
def replay(
    *,
    log: str,
    log_format: str,
    scenario_path: str | None,
    calibration_path: str | None,
    staffing: str | None,
    roster_path: str | None,
    gap_minutes: float,
    priority_customers: str,
    interval_minutes: int,
    reps: int,
    seed: int,
    engine: str,
    out_dir: str,
    quiet: bool,
) -> None:
    """Simulate each day of LOG with its own calls and compare with what happened.

    Every day runs with its recorded arrivals and, by default, the scenario calibrated from
    LOG: recorded handle times, patience estimated from LOG, and the agents ready to take
    calls reconstructed from their service records and the queue. Beside the replay, the
    report scores Erlang A, the flat guess (median of the weekday-hour on the log's other
    days) and the same hour a week earlier.
    """
    from sim.calibration import read_any_log  # noqa: PLC0415
    from sim.calibration.presence import read_roster  # noqa: PLC0415
    from sim.calibration.replay import MIN_OFFERED, calibrated_scenario  # noqa: PLC0415
    from sim.calibration.replay import replay as replay_days  # noqa: PLC0415
    from sim.report.replay import (  # noqa: PLC0415
        call_types_text,
        errors_text,
        write_replay_report,
    )
    from sim.scenario import load_scenario  # noqa: PLC0415

    if scenario_path is not None and calibration_path is not None:
        raise UsageError("give --scenario or --calibration, not both")
    calls = read_any_log(log, log_format)
    scenario = load_scenario(scenario_path) if scenario_path is not None else None
    if calibration_path is not None:
        scenario = calibrated_scenario(read_any_log(calibration_path, log_format))
    roster = read_roster(roster_path) if roster_path is not None else None
    with status_line(enabled=terminal_stderr(quiet)) as status:
        result = replay_days(
            calls,
            staffing=staffing,
            scenario=scenario,
            roster=roster,
            gap_minutes=gap_minutes,
            priority_customers=priority_customers,
            compare_minutes=interval_minutes,
            reps=reps,
            seed=seed,
            engine=engine,
            status=status,
        )
    model = (
        f"scenario {Path(scenario_path).name}"
        if scenario_path
        else f"calibrated on {Path(calibration_path).name}"
        if calibration_path
        else "calibrated in sample"
    )
    title = (
        f"{Path(log).name}: {result.days} days replayed, {reps} replications each, {model}, "
        f"staffing: {result.staffing}"
    )
    written = write_replay_report(out_dir, result.table, result.errors, title)
    click.echo(title)
    for line in _kept_apart(calls.stamped_early, result):
        click.echo(line)
    click.echo(errors_text(result.errors, MIN_OFFERED))
    by_type = call_types_text(result.errors)
    if by_type:
        click.echo("per call type:")
        click.echo(by_type)
    click.echo(f"wrote {', '.join(str(path) for path in written)}")


def _kept_apart(stamped_early: int, result: Replay) -> list[str]:
    """Lines on the calls the replay leaves out or the reader moved."""
    lines = []
    if result.not_offered:
        lines.append(
            f"{result.not_offered} calls left in the IVR or never reached an agent queue "
            "(kept apart, not replayed)"
        )
    if stamped_early:
        lines.append(f"{stamped_early} calls answered or abandoned before they arrived (moved)")
    if result.left_out:
        lines.append(f"{result.left_out} calls outside the opening hours were not replayed")
    for name, count in result.unknown_types.items():
        lines.append(f"{count} calls of call type {name}, not in the scenario, were not replayed")
    return lines

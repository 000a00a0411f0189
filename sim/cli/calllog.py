"""``ccsim calibrate`` and ``ccsim replay``: scenarios from call logs, and logs replayed."""

from __future__ import annotations

from pathlib import Path

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
def calibrate_command(
    *,
    log: str,
    out_path: str,
    log_format: str,
    interval_minutes: int,
    weekdays: str | None,
    handle: str,
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
    write_scenario(calibration, out_path, handle=handle)
    click.echo(calibration_report(calibration))
    click.echo(f"wrote {out_path}")


@click.command()
@click.argument("log", type=click.Path(dir_okay=False))
@log_format_option
@interval_minutes_option(60, "Interval of the comparison.")
@click.option(
    "--staffing",
    type=click.Choice(["busy", "serving"]),
    default="busy",
    show_default=True,
    help="Agents on the phones per 15 minutes: busy time rounded up (a lower bound) or those "
    "seen serving (an upper bound).",
)
@reps_option(20, "Replications a day.")
@seed_option
@engine_option
@out_dir_option("out/replay", "Folder for replay.csv, replay_errors.csv and replay.png.")
@quiet_option
def replay(
    *,
    log: str,
    log_format: str,
    interval_minutes: int,
    staffing: str,
    reps: int,
    seed: int,
    engine: str,
    out_dir: str,
    quiet: bool,
) -> None:
    """Simulate each day of LOG with its own calls and compare with what happened.

    Every day runs with its recorded arrivals and handle times, the agents on the phones
    estimated for each 15 minutes, and the patience estimated from the log; the per-interval
    Erlang A prediction is shown beside it.
    """
    from sim.calibration import read_any_log  # noqa: PLC0415
    from sim.calibration.replay import replay as replay_days  # noqa: PLC0415
    from sim.report.replay import errors_text, write_replay_report  # noqa: PLC0415

    calls = read_any_log(log, log_format)
    with status_line(enabled=terminal_stderr(quiet)) as status:
        result = replay_days(
            calls,
            staffing=staffing,
            compare_minutes=interval_minutes,
            reps=reps,
            seed=seed,
            engine=engine,
            status=status,
        )
    title = (
        f"{Path(log).name}: {result.days} days replayed, {reps} replications each, "
        f"staffing: agents {staffing}"
    )
    written = write_replay_report(out_dir, result.table, result.errors, title)
    click.echo(title)
    if result.left_out:
        click.echo(f"{result.left_out} calls outside the opening hours were not replayed")
    click.echo(errors_text(result.errors))
    click.echo(f"wrote {', '.join(str(path) for path in written)}")

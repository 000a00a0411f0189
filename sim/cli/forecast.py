"""``ccsim forecast HISTORY`` and ``ccsim forecast backtest HISTORY``: forecasts from history."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sim.cli.options import interval_minutes_option, out_dir_option
from sim.errors import UsageError

if TYPE_CHECKING:
    from sim.forecast import Cleaning, History

FORECAST_COMMAND = "make"
"""The subcommand run when the first argument is not a subcommand's name (a history file)."""


class _ForecastGroup(click.Group):
    """``ccsim forecast HISTORY ...`` forecasts; ``ccsim forecast backtest ...`` backtests."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands:
            return FORECAST_COMMAND, self.commands[FORECAST_COMMAND], args
        return super().resolve_command(ctx, args)


def _history_options(function: Any) -> Any:
    """Options every forecast command shares: how to read the history and clean it."""
    options = [
        click.argument("history", type=click.Path(dir_okay=False)),
        click.option(
            "--format",
            "history_format",
            type=click.Choice(("auto", "counts", "ccsim", "bank")),
            default="auto",
            show_default=True,
            help="History: interval counts (CSV), a call log (ccsim CSV, Anonymous Bank TSV), "
            "or told by the header.",
        ),
        interval_minutes_option(30, "Planning interval; finer counts are summed into it."),
        click.option(
            "--exclude",
            multiple=True,
            metavar="DATE[=WHY]",
            help="A date to leave out of every profile and fit, and why (repeatable).",
        ),
        click.option(
            "--holidays",
            type=click.Path(dir_okay=False),
            default=None,
            help="CSV of holidays (date[,name]): left out of the history, named if forecast.",
        ),
        click.option(
            "--no-auto-clean",
            is_flag=True,
            help="Keep every date not excluded or a holiday (no automatic flags).",
        ),
        click.option(
            "--periods",
            type=click.IntRange(1, 52),
            default=4,
            show_default=True,
            help="Dates of a weekday the moving average takes.",
        ),
        click.option(
            "--level",
            type=click.FloatRange(0.5, 0.99),
            default=0.9,
            show_default=True,
            help="Coverage of the prediction intervals.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.group(name="forecast", cls=_ForecastGroup)
def forecast() -> None:
    """Forecast calls from history, or backtest the methods.

    ``ccsim forecast HISTORY --start DATE --days N`` is short for ``ccsim forecast make
    HISTORY ...``.
    """


@forecast.command(name=FORECAST_COMMAND)
@_history_options
@click.option(
    "--start",
    required=True,
    metavar="DATE",
    help="First date forecast (YYYY-MM-DD), after the history's last.",
)
@click.option(
    "--days",
    type=click.IntRange(1, 366),
    required=True,
    help="Dates forecast (1-366).",
)
@click.option(
    "--method",
    type=click.Choice(("auto", "seasonal_naive", "average", "moving_average", "holt_winters")),
    default="auto",
    show_default=True,
    help="Method; auto: the backtest's lowest interval WAPE.",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False),
    default="out/forecast.csv",
    show_default=True,
    help="Forecast CSV (the format plan requirements and scenarios read).",
)
@click.option(
    "--scenario",
    "scenario_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write this scenario: a copy of --base running the forecast, its error as "
    "busyness.day_cv.",
)
@click.option(
    "--base",
    type=click.Path(dir_okay=False),
    default=None,
    help="Scenario the --scenario copy starts from (call types, groups; e.g. calibrated).",
)
def make(
    *,
    history: str,
    history_format: str,
    interval_minutes: int,
    exclude: tuple[str, ...],
    holidays: str | None,
    no_auto_clean: bool,
    periods: int,
    level: float,
    start: str,
    days: int,
    method: str,
    out_path: str,
    scenario_path: str | None,
    base: str | None,
) -> None:
    """Forecast calls per date, interval and call type from HISTORY, with intervals."""
    from sim.forecast import (  # noqa: PLC0415 (pandas and statsmodels load late)
        base_span,
        forecast_scenario,
        make_forecast,
        write_forecast,
    )
    from sim.report.forecast import scores_text  # noqa: PLC0415

    if (scenario_path is None) != (base is None):
        raise UsageError("--scenario and --base go together (the scenario is a copy of the base)")
    loaded, cleaning, holiday_names = _clean_history(
        history,
        history_format=history_format,
        interval_minutes=interval_minutes,
        exclude=exclude,
        holidays=holidays,
        no_auto_clean=no_auto_clean,
    )
    first = _date("--start", start)
    span = None if base is None else base_span(base, loaded, loaded.span(cleaning.kept))
    result = make_forecast(
        loaded,
        cleaning.kept,
        start=first,
        days=days,
        method=method,
        periods=periods,
        level=level,
        span=span,
    )
    write_forecast(result, out_path)
    written = [out_path]
    if scenario_path is not None and base is not None:
        forecast_scenario(result, base, out_path, scenario_path)
        written.append(scenario_path)
    _echo_history(loaded, cleaning)
    tested = result.backtest
    click.echo(
        f"backtest: {tested.scored} dates up to {tested.dates[-1].isoformat()}, "
        f"{100 * level:.0f}% intervals from the errors known at each origin"
    )
    click.echo(scores_text(tested))
    for note in result.notes:
        click.echo(f"note: {note}")
    chosen = "named" if method != "auto" else f"lowest {result.horizon}-ahead interval WAPE"
    click.echo(f"method: {result.method} ({chosen})")
    totals = result.volume.sum(axis=(1, 2))
    click.echo(f"date            calls  {100 * level:.0f}% interval of the day")
    for n, day in enumerate(result.dates):
        holiday = f"  holiday {holiday_names[day]}".rstrip() if day in holiday_names else ""
        click.echo(
            f"{day.isoformat()} {day:%a} {totals[n]:>8,.0f}  "
            f"{result.day_low[n]:,.0f}-{result.day_high[n]:,.0f}{holiday}"
        )
    click.echo(
        f"day-to-day error beyond Poisson (busyness.day_cv): {result.day_cv:.3f} "
        f"({result.horizon}-ahead backtest)"
    )
    click.echo(f"wrote {', '.join(written)}")


@forecast.command(name="backtest")
@_history_options
@click.option(
    "--eval-days",
    type=click.IntRange(1, 366),
    default=None,
    help="Last dates of the history scored [60, or all a shorter history allows].",
)
@out_dir_option("out/backtest", "Folder for backtest.csv, backtest_days.csv and backtest.png.")
def backtest_command(
    *,
    history: str,
    history_format: str,
    interval_minutes: int,
    exclude: tuple[str, ...],
    holidays: str | None,
    no_auto_clean: bool,
    periods: int,
    level: float,
    eval_days: int | None,
    out_dir: str,
) -> None:
    """Rolling-origin backtest of every method, day- and week-ahead, against seasonal naive."""
    from sim.forecast import BASELINE, Panel, backtest  # noqa: PLC0415
    from sim.forecast.backtest import DEFAULT_EVAL_DAYS, scorable_dates  # noqa: PLC0415
    from sim.report.forecast import scores_text, write_backtest_report  # noqa: PLC0415

    loaded, cleaning, _ = _clean_history(
        history,
        history_format=history_format,
        interval_minutes=interval_minutes,
        exclude=exclude,
        holidays=holidays,
        no_auto_clean=no_auto_clean,
    )
    panel = Panel(loaded, cleaning.kept, periods)
    result = backtest(
        panel,
        loaded.span(cleaning.kept),
        eval_days=eval_days or max(1, min(DEFAULT_EVAL_DAYS, len(scorable_dates(panel)))),
        level=level,
    )
    _echo_history(loaded, cleaning)
    shorter = (
        " (all the history allows)"
        if eval_days is None and result.scored < DEFAULT_EVAL_DAYS
        else ""
    )
    click.echo(
        f"backtest: the last {result.scored} dates{shorter}, "
        f"{result.dates[-result.scored].isoformat()} "
        f"to {result.dates[-1].isoformat()}; {100 * level:.0f}% intervals from the errors "
        "known at each origin"
    )
    scored = result.dates[-result.scored :]
    unscored = sum(1 for d in loaded.dates if scored[0] <= d <= scored[-1]) - len(scored)
    if unscored:
        click.echo(
            f"note: {unscored} of the dates between them not scored: no kept date of their "
            "weekday before them"
        )
    click.echo(scores_text(result))
    for name, why in result.left_out.items():
        click.echo(f"note: {name} left out: {why}")
    best = result.best("day")
    naive = result.score(BASELINE, "day")
    chosen = result.score(best, "day")
    beats = chosen.interval_wape < naive.interval_wape and chosen.day_wape < naive.day_wape
    click.echo(
        f"chosen (lowest day-ahead interval WAPE): {best}; "
        f"{'beats' if beats else 'does not beat'} {BASELINE} per interval and per day"
        if best != BASELINE
        else f"chosen (lowest day-ahead interval WAPE): {BASELINE}"
    )
    written = write_backtest_report(out_dir, result, best, Path(history).name)
    click.echo(f"wrote {', '.join(str(path) for path in written)}")


def _clean_history(
    history: str,
    *,
    history_format: str,
    interval_minutes: int,
    exclude: tuple[str, ...],
    holidays: str | None,
    no_auto_clean: bool,
) -> tuple[History, Cleaning, dict[date, str]]:
    """Read and clean a history; return it, its cleaning and the holidays by date."""
    from sim.forecast import clean, read_history  # noqa: PLC0415
    from sim.forecast.history import read_holidays  # noqa: PLC0415

    loaded = read_history(history, interval_minutes=interval_minutes, history_format=history_format)
    excluded: dict[date, str] = {}
    for item in exclude:
        day, _, why = item.partition("=")
        excluded[_date("--exclude", day)] = why.strip()
    holiday_names = read_holidays(holidays) if holidays is not None else {}
    cleaning = clean(loaded, exclude=excluded, holidays=holiday_names, automatic=not no_auto_clean)
    if not cleaning.kept.any():
        raise UsageError(f"{history}: every date is excluded; nothing is left to forecast from")
    return loaded, cleaning, holiday_names


def _echo_history(history: History, cleaning: Cleaning) -> None:
    """Print what the history holds and what the cleaning left out."""
    click.echo(
        f"{Path(history.source).name}: {len(history.dates)} dates "
        f"{history.dates[0].isoformat()} to {history.dates[-1].isoformat()}, "
        f"{len(history.call_types)} call type{'' if len(history.call_types) == 1 else 's'}, "
        f"{history.interval_minutes}-minute intervals; "
        f"{int(cleaning.kept.sum())} dates kept"
    )
    for line in cleaning.report():
        click.echo(f"  {line}")


def _date(option: str, text: str) -> date:
    """Parse an ISO date given on the command line (one-line error naming the option)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option}: must be a date YYYY-MM-DD (got {text!r})") from None

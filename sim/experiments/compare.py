"""Compare scenarios on common random numbers: KPIs side by side and paired differences.

Every scenario runs with the same seed, so replication ``r`` of each sees the same arrival,
handle-time and patience streams (they are keyed by seed, replication and call type, never by
staffing). The difference between two scenarios is then measured replication by replication,
which removes most of the day-to-day noise from the comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.engines import get_engine
from sim.engines.base import ProgressCallback, Tallies
from sim.errors import UsageError
from sim.results.email import RUN_EMAIL_KPIS, run_email_kpis
from sim.results.kpis import ALL, BOT_RATE_KPIS, CHANNEL_KPIS, CHAT_KPIS, replication_kpis
from sim.results.summary import Summary, mean_ci, meets_target, summarize
from sim.scenario import Plan, Scenario, build_plan
from sim.simulation import SimulationResult, StatusCallback, check_kept_size, simulate

COMPARED_KPIS = (
    "service_level",
    "asa_s",
    "abandon_rate",
    "occupancy",
    "offered",
    "answered",
    "staffed_h",
    "overtime_h",
)
# Added when some compared scenario has blended or reserve groups (centre totals of the run).
CONTROL_KPIS = ("outbound_contacts", "outbound_h", "reserve_phone_h", "wage_cost")
# Per-day KPIs of dated calendars, each named ``"<kpi> <day>"`` (see :func:`day_kpis`).
DAY_KPIS = ("service_level", "p_meet")


def compared_kpis(plans: dict[str, Plan] | list[Plan]) -> tuple[str, ...]:
    """Return the KPIs compared.

    :data:`COMPARED_KPIS`, plus those of the features some plan has: :data:`CONTROL_KPIS`
    (blended or reserve groups), the bot rates (a bot), the chat KPIs (chats), the occupancy by
    channel (chat or email) and the email KPIs of all email types (email).
    """
    values = list(plans.values() if isinstance(plans, dict) else plans)
    extras = (
        (CONTROL_KPIS, any(plan.has_controls for plan in values)),
        (BOT_RATE_KPIS, any(plan.has_bot for plan in values)),
        (CHAT_KPIS, any(plan.has_chat for plan in values)),
        (CHANNEL_KPIS, any(plan.has_channels for plan in values)),
        (RUN_EMAIL_KPIS, any(plan.has_email for plan in values)),
    )
    return (*COMPARED_KPIS, *(kpi for kpis, used in extras if used for kpi in kpis))


@dataclass(frozen=True)
class Comparison:
    """Scenarios simulated on the same seed.

    Attributes
    ----------
    names : tuple of str
        Scenario labels, the first being the baseline.
    plans, summaries : dict
        Each scenario's plan and KPI summary.
    table : pandas.DataFrame
        Whole-run KPIs of the whole centre (those of :func:`compared_kpis`): ``scenario``,
        ``kpi``, ``mean``, ``ci_low``, ``ci_high``, ``p_meet``.
    differences : pandas.DataFrame
        Paired differences against the baseline, replication by replication: ``scenario``,
        ``kpi``, ``mean``, ``ci_low``, ``ci_high`` (95% Student t), ``sd``, ``n_pairs``.
    """

    names: tuple[str, ...]
    plans: dict[str, Plan]
    summaries: dict[str, Summary]
    table: pd.DataFrame
    differences: pd.DataFrame


def compare_scenarios(
    scenarios: dict[str, Scenario],
    *,
    reps: int,
    seed: int,
    engine: str = "fast",
    workers: int | None = None,
    status: StatusCallback | None = None,
) -> Comparison:
    """Simulate each scenario on the same seed and compare them with the first.

    Parameters
    ----------
    scenarios : dict of str to Scenario
        Labelled scenarios; the first is the baseline. All must have the same days and
        intervals, so that their periods line up.
    reps, seed : int
        Replications and seed, shared by all.
    engine : {"fast", "simpy"}
        Engine.
    workers : int, optional
        Threads of the fast engine.
    status : callable, optional
        Told the scenarios done and the replications of the current one, as they progress; it
        changes no number.

    Returns
    -------
    Comparison
        Side-by-side KPIs and paired differences.
    """
    if len(scenarios) < 2:
        raise UsageError(f"compare needs at least two scenarios (got {len(scenarios)})")
    planned = {name: build_plan(scenario) for name, scenario in scenarios.items()}
    check_same_layout(planned)  # before any replication runs
    check_kept_size(
        list(planned.values()),
        reps,
        records=get_engine(engine).always_records,
        what="replications of every scenario",
    )
    results = {
        name: simulate(
            planned[name],
            reps=reps,
            seed=seed,
            engine=engine,
            workers=workers,
            progress=_replications_told(status, f"scenario {i + 1}/{len(scenarios)}", reps),
        )
        for i, name in enumerate(scenarios)
    }
    plans = {name: result.plan for name, result in results.items()}
    kpis = compared_kpis(plans)
    per_rep = {
        name: centre_totals(result.tallies, result.plan, kpis) for name, result in results.items()
    }
    summaries = {name: summarize(result.tallies, result.plan) for name, result in results.items()}
    names = tuple(scenarios)
    return Comparison(
        names=names,
        plans=plans,
        summaries=summaries,
        table=_side_by_side(summaries, kpis, results),
        differences=paired_differences(per_rep, names, kpis).rename(columns={"point": "scenario"}),
    )


def _replications_told(
    status: StatusCallback | None, step: str, reps: int
) -> ProgressCallback | None:
    """Return an engine progress callback that tells ``status`` the replications done."""
    if status is None:
        return None
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        status(f"{step}: replications {done}/{reps}")

    return advance


def centre_totals(tallies: Tallies, plan: Plan, kpis: tuple[str, ...]) -> pd.DataFrame:
    """Return whole-run, whole-centre KPIs per replication: a row per ``rep``, a column per KPI.

    Email KPIs (:data:`~sim.results.email.RUN_EMAIL_KPIS`) are those of all email types; a KPI
    the plan does not have (chat or email KPIs of a plan without them) is NaN.
    """
    frame = replication_kpis(tallies, plan, "total")
    rows = frame[frame["call_type"] == ALL].set_index("rep").sort_index()
    email = [kpi for kpi in kpis if kpi in RUN_EMAIL_KPIS]
    if email:
        rows = rows.join(run_email_kpis(tallies, plan)[email])
    return rows.reindex(columns=list(kpis))


def day_kpis(plans: list[Plan]) -> tuple[str, ...]:
    """Return the per-day KPIs of dated plans, ``()`` when some plan has no dates.

    For each day open in some plan, in calendar order: ``"service_level <day>"`` (the day's
    service level of the whole centre) and ``"p_meet <day>"`` (1 in a replication whose day
    service level is at least the target, else 0: its mean is P(the day meets the target)).
    A day is named by its weekday (``Mon``) when the calendar has at most seven days, else by
    its date and weekday (``2027-01-04 Mon``). The plans share their calendar layout.
    """
    if not plans or any(plan.start_date is None for plan in plans):
        return ()
    first = plans[0]
    open_days = np.any([np.any(plan.interval_open, axis=1) for plan in plans], axis=0)
    labels = [day_column_label(first, int(day)) for day in np.flatnonzero(open_days)]
    return tuple(f"{kpi} {label}" for label in labels for kpi in DAY_KPIS)


def day_column_label(plan: Plan, day: int) -> str:
    """Name a dated day in a column: ``Mon`` within a week, ``2027-01-04 Mon`` beyond."""
    label = plan.day_label(day)
    return label.split(" ")[1] if plan.n_days <= 7 else label


def centre_days(tallies: Tallies, plan: Plan, kpis: tuple[str, ...]) -> pd.DataFrame:
    """Return per-day KPIs of the whole centre per replication (those of :func:`day_kpis`).

    A row per ``rep``, a column per KPI of ``kpis``; NaN where the day's service level is
    undefined (a day closed in this plan, or without calls). No columns when ``kpis`` is empty.
    """
    if not kpis:
        return pd.DataFrame()
    frame = replication_kpis(tallies, plan, "day")
    rows = frame[frame["call_type"] == ALL]
    cells = rows.assign(meets=meets_target(rows["service_level"], plan.sl_target))
    cells = cells.set_index(["day", "rep"])
    columns = {}
    for day in range(plan.n_days):
        label = day_column_label(plan, day)
        columns[f"service_level {label}"] = cells.loc[day, "service_level"]
        columns[f"p_meet {label}"] = cells.loc[day, "meets"]
    return pd.DataFrame(columns).sort_index().reindex(columns=list(kpis))


def email_rows(tallies: Tallies, plan: Plan, kpis: tuple[str, ...]) -> pd.DataFrame:
    """Return the email KPIs among ``kpis``, indexed by ``kpi``: mean, 95% Student-t CI, sd, reps.

    As ``ccsim run``'s ``email.csv``: over the replications where the KPI is defined.
    """
    chosen = [kpi for kpi in kpis if kpi in RUN_EMAIL_KPIS]
    values = run_email_kpis(tallies, plan)
    rows = []
    for kpi in chosen:
        defined = values[kpi].dropna().to_numpy()
        mean, low, high, sd = mean_ci(defined)
        stats = {"mean": mean, "ci_low": low, "ci_high": high, "sd": sd, "n_reps": len(defined)}
        rows.append({"kpi": kpi, **stats})
    columns = ["kpi", "mean", "ci_low", "ci_high", "sd", "n_reps"]
    return pd.DataFrame(rows, columns=columns).set_index("kpi")


def _side_by_side(
    summaries: dict[str, Summary], kpis: tuple[str, ...], results: dict[str, SimulationResult]
) -> pd.DataFrame:
    columns = ["scenario", "kpi", "mean", "ci_low", "ci_high", "p_meet"]
    tables = []
    for name, summary in summaries.items():
        total = summary.total
        rows = total[(total["call_type"] == ALL) & total["kpi"].isin(kpis)]
        result = results[name]
        if result.plan.has_email and any(kpi in RUN_EMAIL_KPIS for kpi in kpis):
            email = email_rows(result.tallies, result.plan, kpis).reset_index()
            rows = pd.concat([rows, email.assign(p_meet=np.nan)], ignore_index=True)
        tables.append(rows.assign(scenario=name)[columns])
    table = pd.concat(tables, ignore_index=True)
    order = {kpi: i for i, kpi in enumerate(kpis)}
    return table.sort_values(
        ["scenario", "kpi"],
        key=lambda c: (
            c.map(order) if c.name == "kpi" else c.map({n: i for i, n in enumerate(summaries)})
        ),
    ).reset_index(drop=True)


def paired_differences(
    per_rep: dict[str, pd.DataFrame], names: tuple[str, ...], kpis: tuple[str, ...]
) -> pd.DataFrame:
    """Return each point's KPIs minus the baseline's (``names[0]``), replication by replication.

    Parameters
    ----------
    per_rep : dict of str to pandas.DataFrame
        Per-replication KPIs of each point (:func:`centre_totals`), indexed by ``rep``.
    names : tuple of str
        The baseline, then the points to compare with it.
    kpis : tuple of str
        KPI columns.

    Returns
    -------
    pandas.DataFrame
        ``point``, ``kpi``, ``mean``, ``ci_low``, ``ci_high`` (95% Student t), ``sd`` and
        ``n_pairs``: the replications both have (same numbers, hence the same calls) where the
        KPI is defined in both.
    """
    baseline = per_rep[names[0]]
    rows = []
    for name in names[1:]:
        difference = per_rep[name] - baseline  # aligned on rep; reps only one side has are NaN
        for kpi in kpis:
            values = difference[kpi].to_numpy(dtype=float)
            values = values[~np.isnan(values)]
            mean, low, high, sd = mean_ci(values)
            rows.append(
                {
                    "point": name,
                    "kpi": kpi,
                    "mean": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "sd": sd,
                    "n_pairs": len(values),
                }
            )
    return pd.DataFrame(rows)


def check_same_layout(plans: dict[str, Plan]) -> None:
    """Raise a :class:`UsageError` unless every plan has the same days, dates and intervals."""
    layouts = {
        name: (plan.n_days, plan.n_intervals, plan.interval_s) for name, plan in plans.items()
    }
    first_name, first = next(iter(layouts.items()))
    for name, layout in layouts.items():
        if layout != first:
            raise UsageError(
                f"scenario {name!r} has {layout[0]} day(s) of {layout[1]} intervals of "
                f"{layout[2] / 60:g} min, unlike {first_name!r} "
                f"({first[0]}, {first[1]}, {first[2] / 60:g} min)"
            )
    first_date = plans[first_name].start_date
    for name, plan in plans.items():
        if plan.start_date != first_date:
            raise UsageError(
                f"scenario {name!r} starts on {plan.day_label(0)}, unlike {first_name!r} "
                f"({plans[first_name].day_label(0)}): compared days must be the same dates"
            )

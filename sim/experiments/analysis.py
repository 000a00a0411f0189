"""An experiment's stored results as tables: KPIs per point, paired differences, intervals.

Every statistic comes from the points' stored tallies with the functions a single run uses
(:mod:`sim.results`), so a point's numbers are those ``ccsim run`` would print for its scenario
with the same seed and replications.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engines.base import Tallies
from sim.errors import UsageError
from sim.experiments.compare import (
    centre_days,
    centre_totals,
    day_column_label,
    day_kpis,
    email_rows,
    paired_differences,
)
from sim.experiments.design import DesignPoint, Experiment
from sim.experiments.store import ResultStore
from sim.results.email import RUN_EMAIL_KPIS
from sim.results.experiment import ExperimentTables
from sim.results.kpis import ALL
from sim.results.summary import summarize_period

TABLE_COLUMNS = ("point", "kpi", "mean", "ci_low", "ci_high", "sd", "n_reps")
INTERVAL_COLUMNS = ("point", "day", "interval", "label", "mean", "ci_low", "ci_high")


def experiment_tables(
    experiment: Experiment, store: ResultStore, precision: dict[str, float] | None = None
) -> ExperimentTables:
    """Build the tables of an experiment from its store.

    Parameters
    ----------
    experiment : Experiment
        The loaded experiment.
    store : ResultStore
        Its results.
    precision : dict of str to float, optional
        Precision targets to show (default: the experiment file's).

    Returns
    -------
    ExperimentTables
        The points with results, in design order.

    Raises
    ------
    UsageError
        When the baseline point has no results yet.
    """
    stored = {p.name: store.read(p.fingerprint) for p in experiment.points}
    results = {name: t for name, t in stored.items() if t is not None}
    if experiment.baseline not in results:
        raise UsageError(
            f"{experiment.source}: the baseline point {experiment.baseline!r} has no results in "
            f"{store.folder} yet: run `ccsim experiment run {experiment.source}` first"
        )
    points = [p for p in experiment.points if p.name in results]
    days = day_kpis([p.plan for p in experiment.points])
    kpis = (*experiment.kpis, *days)
    per_day = {p.name: centre_days(results[p.name], p.plan, days) for p in points}
    per_rep = {
        p.name: centre_totals(results[p.name], p.plan, experiment.kpis).join(per_day[p.name])
        for p in points
    }
    others = tuple(p.name for p in points if p.name != experiment.baseline)
    spec = experiment.spec
    return ExperimentTables(
        name=spec.name,
        source=experiment.source,
        description=spec.description,
        engine=spec.engine,
        seed=spec.seed,
        baseline=experiment.baseline,
        factors=_factor_levels(points),
        table=pd.concat(
            [_point_table(p, results[p.name], experiment.kpis, per_day[p.name]) for p in points]
        ),
        differences=paired_differences(per_rep, (experiment.baseline, *others), kpis).reindex(
            columns=["point", "kpi", "mean", "ci_low", "ci_high", "sd", "n_pairs"]
        ),
        intervals=pd.concat(
            [
                _interval_table(p, results[p.name])
                for p in points
                if p.name in experiment.interval_points
            ]
        ).reset_index(drop=True),
        sl_target=experiment.point(experiment.baseline).plan.sl_target,
        kpis=kpis,
        precision=dict(precision if precision is not None else spec.precision),
        missing=tuple(name for name, t in stored.items() if t is None),
    )


def _factor_levels(points: list[DesignPoint]) -> pd.DataFrame:
    """Each point's level labels; a factor whose labels are all numbers as numbers.

    A design of variants alone names each point by its variant: no column repeats the name.
    """
    frame = pd.DataFrame([{"point": p.name, **p.levels} for p in points])
    if list(frame.columns) == ["point", "variant"]:
        frame = frame[["point"]]
    for column in frame.columns[1:]:
        numbers = pd.to_numeric(frame[column], errors="coerce")
        if numbers.notna().all():
            frame[column] = numbers
    return frame


def _point_table(
    point: DesignPoint, tallies: Tallies, kpis: tuple[str, ...], per_day: pd.DataFrame
) -> pd.DataFrame:
    """Return a point's whole-run KPIs, then its per-day KPIs (the columns of ``per_day``)."""
    total = summarize_period(tallies, point.plan, "total")
    rows = total[(total["call_type"] == ALL) & total["kpi"].isin(kpis)].set_index("kpi")
    if any(kpi in RUN_EMAIL_KPIS for kpi in kpis):
        rows = pd.concat([rows, email_rows(tallies, point.plan, kpis)])
    rows = rows.reindex(list(kpis)).reset_index()
    if not per_day.columns.empty:
        rows = pd.concat([rows, _day_rows(point, tallies, per_day)])
    return rows.assign(point=point.name)[list(TABLE_COLUMNS)].reset_index(drop=True)


def _day_rows(point: DesignPoint, tallies: Tallies, per_day: pd.DataFrame) -> pd.DataFrame:
    """Return the per-day KPIs of a point from its day summary, as ``ccsim run`` reports them.

    ``service_level DAY``: the day's mean, 95% CI, sd and replications; ``p_meet DAY``: the
    day's ``p_meet`` with its Wilson interval, and the sd of the 0/1 outcomes in ``per_day``.
    A day closed in this point has no summary: NaN, 0 replications.
    """
    days = summarize_period(tallies, point.plan, "day")
    level = days[(days["call_type"] == ALL) & (days["kpi"] == "service_level")].set_index("day")
    level = level.reindex(range(point.plan.n_days))
    n_reps = level["n_reps"].fillna(0).astype(int).to_numpy()
    rows = []
    for day in range(point.plan.n_days):
        label = day_column_label(point.plan, day)
        if f"service_level {label}" not in per_day.columns:
            continue
        stats = level.iloc[day]
        rows.append(
            {"kpi": f"service_level {label}", "n_reps": n_reps[day]}
            | {stat: stats[stat] for stat in ("mean", "ci_low", "ci_high", "sd")}
        )
        outcomes = per_day[f"p_meet {label}"].dropna()
        rows.append(
            {
                "kpi": f"p_meet {label}",
                "mean": stats["p_meet"],
                "ci_low": stats["p_meet_low"],
                "ci_high": stats["p_meet_high"],
                "sd": outcomes.std() if len(outcomes) > 1 else np.nan,
                "n_reps": n_reps[day],
            }
        )
    return pd.DataFrame(rows)


def _interval_table(point: DesignPoint, tallies: Tallies) -> pd.DataFrame:
    intervals = summarize_period(tallies, point.plan, "interval")
    rows = intervals[(intervals["call_type"] == ALL) & (intervals["kpi"] == "service_level")]
    rows = rows.sort_values(["day", "interval"])
    cells = zip(rows["day"], rows["interval"], strict=True)
    labels = [point.plan.interval_label(int(day), int(interval)) for day, interval in cells]
    return rows.assign(point=point.name, label=labels)[list(INTERVAL_COLUMNS)]

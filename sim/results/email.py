"""Email tallies -> email KPIs per replication and across replications, by day and in total.

Definitions (``docs/reference/kpis.md``). Items count on the calendar day they arrived
(steady-state warm-up arrivals left out); ``"all"`` pools the email types:

* ``arrived``, ``answered``, ``carried`` — items; ``carried`` were still in the backlog at the
  end of the horizon (carry-over);
* ``within_target_share`` = items answered within their type's ``response_target.within_h`` /
  (items answered + items carried over already older than it): the share of the items whose
  fate is known at the end; NaN for a type without a target (``"all"`` pools the types with one);
* ``age_answered_mean_s``, ``age_answered_max_s`` — age of answered items when answered (their
  wait in the backlog), mean and largest;
* ``age_left_mean_s``, ``age_left_max_s`` — age of carried items at the end of the horizon;
* ``backlog_open``, ``backlog_close`` — items waiting just before the day's opening and closing
  (by day only; NaN in the total).

Experiments report them for the whole run and all email types (:func:`run_email_kpis`), named
``email_`` and the KPI, the backlogs as their mean over the run's days.

Email items are in none of the voice KPIs (service level, ASA, abandonment, ...). Agent time on
email is busy time, so occupancy counts it.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim.engines.base import Tallies
from sim.results.kpis import ALL, ratio
from sim.results.summary import mean_ci
from sim.scenario.plan import Plan

EmailPeriod = Literal["day", "total"]
EMAIL_KPIS = (
    "arrived",
    "answered",
    "carried",
    "within_target_share",
    "age_answered_mean_s",
    "age_answered_max_s",
    "age_left_mean_s",
    "age_left_max_s",
    "backlog_open",
    "backlog_close",
)
RUN_EMAIL_KPIS = tuple(f"email_{kpi}" for kpi in EMAIL_KPIS)
"""Whole-run email KPIs of all email types, as experiments name them (:func:`run_email_kpis`)."""
_BACKLOG_KPIS = ("backlog_open", "backlog_close")
EMAIL_COLUMNS = ("day", "call_type", "kpi", "mean", "sd", "ci_low", "ci_high", "target")
TOTAL: Literal["total"] = "total"

Array = NDArray[np.float64]


def email_kpis(tallies: Tallies, plan: Plan, period: EmailPeriod) -> dict[str, Array]:
    """Return each email KPI per replication, period cell and email type (then ``"all"``).

    Parameters
    ----------
    tallies : Tallies
        Sufficient statistics of the replications.
    plan : Plan
        The plan simulated (with email).
    period : {"day", "total"}
        Each calendar day, or the whole run.

    Returns
    -------
    dict of str to float64[reps, cells, n_email_types + 1]
        :data:`EMAIL_KPIS`; ``cells`` is the number of days, or 1.
    """
    emails = np.flatnonzero(plan.is_email)
    targeted = np.isfinite(plan.response_target_s[emails])

    def cells(values: NDArray[np.generic], reduce: str = "sum") -> Array:
        chosen = values[..., emails].astype(np.float64)
        if period == TOTAL:
            chosen = getattr(chosen, reduce)(axis=1, keepdims=True)
        pooled = getattr(chosen, reduce)(axis=-1, keepdims=True)
        return np.concatenate([chosen, pooled], axis=-1)

    def count(name: str) -> Array:
        return cells(tallies.email_count(name))

    answered, carried = count("email_answered"), count("email_carried")
    # only types with a target count toward the share (and toward its "all")
    with_target = np.isfinite(plan.response_target_s).astype(np.float64)
    within = cells(tallies.email_count("email_within_target") * with_target)
    overdue = tallies.email_count("email_carried_overdue")
    known = cells((tallies.email_count("email_answered") + overdue) * with_target)
    share = ratio(within, known)
    share[..., :-1][..., ~targeted] = np.nan
    kpis = {
        "arrived": count("email_arrived"),
        "answered": answered,
        "carried": carried,
        "within_target_share": share,
        "age_answered_mean_s": ratio(cells(tallies.email_age("email_age_answered_s")), answered),
        "age_answered_max_s": cells(tallies.email_age("email_age_answered_max_s"), "max"),
        "age_left_mean_s": ratio(cells(tallies.email_age("email_age_carried_s")), carried),
        "age_left_max_s": cells(tallies.email_age("email_age_carried_max_s"), "max"),
    }
    for name in _BACKLOG_KPIS:
        backlog = cells(tallies.backlog_at(name))
        kpis[name] = np.full_like(backlog, np.nan) if period == TOTAL else backlog
    return kpis


def run_email_kpis(tallies: Tallies, plan: Plan) -> pd.DataFrame:
    """Return the whole-run email KPIs of all email types pooled, per replication.

    Parameters
    ----------
    tallies : Tallies
        Sufficient statistics of the replications.
    plan : Plan
        The plan simulated.

    Returns
    -------
    pandas.DataFrame
        A row per replication (index ``rep``), a column per :data:`RUN_EMAIL_KPIS`: the
        ``"all"`` entry of each of :data:`EMAIL_KPIS` over the whole run, except the backlogs
        at opening and closing, which are their mean over the run's days (closed days included:
        their backlog at the instant they open and close). NaN throughout without email.
    """
    index = pd.RangeIndex(tallies.reps, name="rep")
    if not plan.has_email:
        return pd.DataFrame(np.nan, index=index, columns=list(RUN_EMAIL_KPIS))
    total, days = email_kpis(tallies, plan, TOTAL), email_kpis(tallies, plan, "day")
    columns = {
        f"email_{kpi}": (days[kpi].mean(axis=1) if kpi in _BACKLOG_KPIS else total[kpi][:, 0])[
            :, -1
        ]
        for kpi in EMAIL_KPIS
    }
    return pd.DataFrame(columns, index=index)


def summarize_email(tallies: Tallies, plan: Plan) -> pd.DataFrame:
    """Return the email KPIs across replications: one row per day (then total), type and KPI.

    Columns :data:`EMAIL_COLUMNS`: ``day`` (the day's label, or ``"total"``), ``call_type``
    (an email type, or ``"all"``), ``kpi``, the mean with its sd and 95% Student-t interval over
    the replications where the KPI is defined, and ``target`` (the type's target share on
    ``within_target_share`` rows, else NaN). Empty without email.
    """
    if not plan.has_email:
        return pd.DataFrame(columns=list(EMAIL_COLUMNS))
    emails = np.flatnonzero(plan.is_email)
    names = [*(plan.call_types[k] for k in emails), ALL]
    shares = [*plan.response_share[emails], np.nan]
    rows = []
    periods: tuple[EmailPeriod, ...] = ("day", TOTAL)
    for period in periods:
        kpis = email_kpis(tallies, plan, period)
        labels = [plan.day_label(d) for d in range(plan.n_days)] if period == "day" else [TOTAL]
        for cell, label in enumerate(labels):
            for j, name in enumerate(names):
                for kpi in EMAIL_KPIS:
                    values = kpis[kpi][:, cell, j]
                    mean, low, high, sd = mean_ci(values[~np.isnan(values)])
                    target = shares[j] if kpi == "within_target_share" else np.nan
                    rows.append((label, name, kpi, mean, sd, low, high, target))
    return pd.DataFrame(rows, columns=list(EMAIL_COLUMNS))

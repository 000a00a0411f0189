"""Tallies -> KPIs per replication, by interval, by day and for the whole run.

Definitions (``docs/reference/kpis.md``); every ratio is a ratio of sums over the period, and
calls count in the interval in which they arrived:

* ``service_level`` — by the scenario's definition (see :func:`service_level`);
* ``asa_s`` — mean wait of answered calls; ``mean_wait_s`` — mean wait of all offered calls
  (abandoners' time to abandon and dropped calls' wait included);
* ``abandon_rate`` = abandoned / offered; ``answer_rate`` = answered / offered;
* ``aht_s`` — mean talk plus after-call work of answered calls;
* ``occupancy`` = busy agent time / staffed agent time, by clock time (centre rows only);
* ``agents`` — average agents on duty in the interval; ``staffed_h``, ``overtime_h`` — agent hours.

A ratio with a zero denominator is NaN (no calls, no agents). Arrivals in a steady-state
warm-up are left out, and in steady state the drain after the horizon is left out of agent time.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim.engines.base import Tallies
from sim.scenario.plan import Plan

ALL = "all"
Period = Literal["interval", "day", "total"]
COUNT_KPIS = ("offered", "answered", "abandoned", "dropped", "answered_within_t")
CALL_KPIS = (
    *COUNT_KPIS,
    "service_level",
    "asa_s",
    "mean_wait_s",
    "abandon_rate",
    "answer_rate",
    "aht_s",
)
AGENT_KPIS = ("occupancy", "agents", "staffed_h", "overtime_h")
PERIOD_KEYS: dict[str, list[str]] = {"interval": ["day", "interval"], "day": ["day"], "total": []}

Array = NDArray[np.float64]


def service_level(counts: dict[str, Array], definition: str) -> Array:
    """Return the service level of tallied calls under one definition.

    Parameters
    ----------
    counts : dict of str to array
        Count arrays of the same shape: ``offered``, ``answered``, ``abandoned``,
        ``short_abandoned``, ``answered_within_t``, ``abandoned_within_t``.
    definition : str
        ``offered_minus_short_abandons``: answered within T / (offered - short abandons);
        ``answered``: answered within T / answered; ``answered_plus_abandoned_after_t``:
        answered within T / (answered + abandoned after T); ``p_wait_le_t``: (answered within T
        + abandoned within T) / offered.

    Returns
    -------
    array
        Fractions in [0, 1]; NaN where the denominator is 0.
    """
    within = counts["answered_within_t"]
    if definition == "offered_minus_short_abandons":
        return _ratio(within, counts["offered"] - counts["short_abandoned"])
    if definition == "answered":
        return _ratio(within, counts["answered"])
    if definition == "answered_plus_abandoned_after_t":
        return _ratio(
            within, counts["answered"] + counts["abandoned"] - counts["abandoned_within_t"]
        )
    if definition == "p_wait_le_t":
        return _ratio(within + counts["abandoned_within_t"], counts["offered"])
    raise ValueError(f"unknown service-level definition {definition!r}")


def replication_kpis(tallies: Tallies, plan: Plan, period: Period) -> pd.DataFrame:
    """Return one row of KPIs per replication, period cell and call type (plus ``"all"``).

    Parameters
    ----------
    tallies : Tallies
        Sufficient statistics of the replications.
    plan : Plan
        The plan simulated.
    period : {"interval", "day", "total"}
        Granularity: each planning interval, each day, or the whole run.

    Returns
    -------
    pandas.DataFrame
        Columns ``rep``, the period keys (``day``, ``interval``), ``call_type`` (categorical,
        the scenario's call types then ``"all"``), then :data:`CALL_KPIS` and
        :data:`AGENT_KPIS` (agent KPIs on ``"all"`` rows only).
    """
    counts = {name: _by_period(tallies.count(name), plan, period) for name in _COUNT_INPUTS}
    sums = {name: _by_period(tallies.call_sum(name), plan, period) for name in _SUM_INPUTS}
    values = _call_kpis(counts, sums, plan.sl_definition)
    frame = _frame(values, period, plan)
    agent_values = _agent_kpis(tallies, plan, period)
    for name, array in agent_values.items():
        column = np.full(len(frame), np.nan)
        column[frame["call_type"].to_numpy() == ALL] = array.ravel()
        frame[name] = column
    return frame


_COUNT_INPUTS = (
    "offered",
    "answered",
    "abandoned",
    "dropped",
    "short_abandoned",
    "answered_within_t",
    "abandoned_within_t",
)
_SUM_INPUTS = ("wait_answered_s", "wait_all_s", "handle_s")


def _by_period(values: NDArray, plan: Plan, period: Period) -> Array:
    """Sum ``[reps, days, intervals, call_types]`` to the period; append the all-types total."""
    values = values.astype(np.float64) * _measured_intervals(plan)[None, None, :, None]
    if period == "day":
        values = values.sum(axis=2)
    elif period == "total":
        values = values.sum(axis=(1, 2))
    return np.concatenate([values, values.sum(axis=-1, keepdims=True)], axis=-1)


def _measured_intervals(plan: Plan) -> Array:
    """1.0 for intervals whose arrivals count, 0.0 for the steady-state warm-up."""
    weights = np.ones(plan.n_intervals)
    weights[: plan.warmup_intervals] = 0.0
    return weights


def _call_kpis(
    counts: dict[str, Array], sums: dict[str, Array], definition: str
) -> dict[str, Array]:
    values = {name: counts[name] for name in COUNT_KPIS}
    values["service_level"] = service_level(counts, definition)
    values["asa_s"] = _ratio(sums["wait_answered_s"], counts["answered"])
    values["mean_wait_s"] = _ratio(sums["wait_all_s"], counts["offered"])
    values["abandon_rate"] = _ratio(counts["abandoned"], counts["offered"])
    values["answer_rate"] = _ratio(counts["answered"], counts["offered"])
    values["aht_s"] = _ratio(sums["handle_s"], counts["answered"])
    return values


def _agent_kpis(tallies: Tallies, plan: Plan, period: Period) -> dict[str, Array]:
    """Centre agent KPIs shaped like the period cells (``[reps, days, intervals]`` and so on)."""
    weights = np.ones(plan.n_slots)
    weights[: plan.warmup_intervals] = 0.0
    if plan.steady_state or period == "interval":
        weights[-1] = 0.0  # the after-close slot: only finite days count their drain
    sums = {
        name: tallies.agent_sum(name).sum(axis=-1) * weights
        for name in ("staffed_s", "busy_s", "overtime_s")
    }
    if period == "interval":
        sums = {name: array[:, :, : plan.n_intervals] for name, array in sums.items()}
    elif period == "day":
        sums = {name: array.sum(axis=2) for name, array in sums.items()}
    else:
        sums = {name: array.sum(axis=(1, 2)) for name, array in sums.items()}
    values = {
        "occupancy": _ratio(sums["busy_s"], sums["staffed_s"]),
        "agents": sums["staffed_s"] / plan.interval_s
        if period == "interval"
        else np.full_like(sums["staffed_s"], np.nan),
        "staffed_h": sums["staffed_s"] / 3600.0,
        "overtime_h": sums["overtime_s"] / 3600.0,
    }
    if period == "interval":
        values = {name: _drop_warmup(array, plan) for name, array in values.items()}
    return values


def _frame(values: dict[str, Array], period: Period, plan: Plan) -> pd.DataFrame:
    shape = values["offered"].shape
    index = np.indices(shape).reshape(len(shape), -1)
    names = [*plan.call_types, ALL]
    columns: dict[str, object] = {"rep": index[0]}
    for axis, key in enumerate(PERIOD_KEYS[period], start=1):
        columns[key] = index[axis]
    columns["call_type"] = pd.Categorical.from_codes(index[-1], categories=pd.Index(names))
    frame = pd.DataFrame(columns)
    for name, array in values.items():
        frame[name] = array.ravel()
    if period == "interval" and plan.warmup_intervals:
        frame = frame[frame["interval"] >= plan.warmup_intervals].reset_index(drop=True)
    return frame


def _drop_warmup(array: Array, plan: Plan) -> Array:
    return array[:, :, plan.warmup_intervals :] if plan.warmup_intervals else array


def _ratio(numerator: Array, denominator: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            denominator > 0, numerator / np.where(denominator > 0, denominator, 1.0), np.nan
        )

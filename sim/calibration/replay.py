"""Replay real days: each day's recorded calls through the simulator, against what happened.

For every day of a call log, the simulator runs a one-day scenario whose calls are the day's
own: the recorded arrival instants and, for answered calls, the recorded handle times (a
trace-driven run, :class:`sim.engines.base.Trace`). The staffing of each 15-minute interval is
the day's agents on the phones estimated from the log (see :data:`STAFFING`), patience is the
censored estimate of the calibration, and callers who abandoned (whose handle time nobody saw)
draw theirs from the calibrated lognormal. Observed and
simulated KPIs per interval are computed with the same definitions, from the log and from the
simulated call records; the per-interval Erlang A prediction (the same staffing, volume, mean
handle time and patience) is shown beside them, so the errors say what simulation buys.

KPIs (per interval of arrival, over calls answered or abandoned):

* ``answer_rate`` = answered / offered; ``abandon_rate`` = abandoned / offered;
* ``asa_s`` — mean wait of answered calls, seconds;
* ``p_wait`` — share of offered calls that waited at all (wait > 0).

Counts are taken per staffing interval and summed into the comparison intervals (an hour by
default) before the ratios are formed; simulated counts are means over the replications, and
the Erlang A counts are each staffing interval's offered calls times its probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim.analytic import queue_kpis
from sim.calibration.calibrate import calibrate, scenario_document
from sim.calibration.calllog import CallLog
from sim.calibration.estimate import agent_activity
from sim.engines.base import CallRecords, Outcome, Trace
from sim.engines.sampling import unit_exponentials_at, unscale_variates
from sim.rng import Purpose
from sim.scenario import Plan, build_plan, scenario_from_dict
from sim.simulation import StatusCallback, simulate
from sim.units import clock_to_s

REPLAY_KPIS = ("answer_rate", "abandon_rate", "asa_s", "p_wait")
STAFFING = {
    "busy": "the agents' busy time over the interval length, rounded up (a lower bound: agents "
    "at least that busy were on duty)",
    "serving": "distinct agents seen serving a call in the interval (an upper bound on those "
    "available: an agent who took one call counts for the whole interval)",
}
"""How the agents on the phones of each interval are estimated from the log."""
STAFFING_MINUTES = 15
MIN_OFFERED = 10
"""Day-intervals with fewer offered calls are left out of the errors (their rates are noise)."""
_COUNTS = ("offered", "answered", "abandoned", "waited", "wait_answered_s")


@dataclass(frozen=True)
class Replay:
    """Observed and predicted KPIs of the days replayed.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per day, comparison interval and KPI: ``day`` (date), ``interval`` (clock
        label), ``kpi``, ``offered``, ``agents`` (mean over the staffing intervals),
        ``observed``, ``simulated``, ``erlang_a``.
    errors : pandas.DataFrame
        One row per KPI: ``kpi``, ``cells`` (day-intervals with at least :data:`MIN_OFFERED`
        offered calls), ``observed_mean``, ``mae_simulated``, ``mae_erlang_a`` (mean absolute
        errors over those cells).
    days : int
        Days replayed.
    left_out : int
        Recorded calls outside the opening hours (not replayed).
    staffing : str
        The staffing estimate used (a key of :data:`STAFFING`).
    """

    table: pd.DataFrame
    errors: pd.DataFrame
    days: int
    left_out: int
    staffing: str


def replay(
    log: CallLog,
    *,
    staffing: str = "busy",
    compare_minutes: int = 60,
    reps: int = 20,
    seed: int = 1,
    engine: str = "fast",
    status: StatusCallback | None = None,
) -> Replay:
    """Replay every day of a log and compare it with what happened.

    Parameters
    ----------
    log : CallLog
        The recorded calls.
    staffing : {"busy", "serving"}
        How the agents on the phones are estimated (:data:`STAFFING`).
    compare_minutes : int
        Length of the comparison intervals, minutes (a multiple of 15).
    reps : int
        Replications per day (patience, and the handle times of abandoned callers, vary).
    seed : int
        Seed of the replications and of the handle times drawn for abandoned callers.
    engine : {"fast", "simpy"}
        Engine; both give the same numbers.
    status : callable, optional
        Told the days done after each day; it changes no number.

    Returns
    -------
    Replay
        KPIs per day and comparison interval, and the errors.
    """
    if staffing not in STAFFING:
        raise ValueError(f"staffing must be one of {', '.join(STAFFING)} (got {staffing!r})")
    document = scenario_document(calibrate(log, interval_minutes=STAFFING_MINUTES))
    calls = log.calls[log.calls["outcome"] != "other"]
    per_compare = compare_minutes // STAFFING_MINUTES
    tables, left_out = [], 0
    days = calls.groupby(calls["arrival_at"].dt.normalize())
    for day_index, (day, day_calls) in enumerate(days):
        agents = day_agents(day_calls, day, document, staffing)
        plan = _day_plan(document, day_calls, day, agents)
        trace, kept = _day_trace(plan, day_calls, day, np.random.default_rng([seed, day_index]))
        left_out += len(day_calls) - int(kept.sum())
        result = simulate(plan, reps=reps, seed=seed, engine=engine, keep_records=True, trace=trace)
        assert result.calls is not None
        counts = _day_counts(
            day_calls[kept],
            simulated=result.calls,
            reps=reps,
            plan=plan,
            document=document,
            agents=agents,
            day=day,
        )
        tables.append(
            _compare_day(counts, plan=plan, agents=agents, per_compare=per_compare, day=day)
        )
        if status is not None:
            status(f"days {day_index + 1}/{days.ngroups} replayed")
    table = pd.concat(tables, ignore_index=True)
    return Replay(
        table=table,
        errors=replay_errors(table),
        days=len(tables),
        left_out=left_out,
        staffing=staffing,
    )


def day_agents(
    day_calls: pd.DataFrame, day: pd.Timestamp, document: dict[str, Any], staffing: str
) -> NDArray[np.int64]:
    """Agents on the phones in each staffing interval of a day's opening hours.

    At least one agent wherever the estimate says none (so that calls meet an open centre).
    """
    open_s, interval_s, n_intervals = _layout(document)
    served = day_calls[(day_calls["outcome"] == "answered") & day_calls["agent"].notna()]
    start_s = _seconds_of_day(served["answer_at"], day) - open_s
    activity = agent_activity(
        pd.factorize(served["agent"])[0].astype(np.int64),
        start_s,
        start_s + np.nan_to_num(served["handle_s"].to_numpy(dtype=float)),
        interval_s,
        n_intervals,
    )
    agents = activity.distinct if staffing == "serving" else np.ceil(activity.busy - 1e-9)
    return np.maximum(agents, 1).astype(np.int64)


def _day_plan(
    document: dict[str, Any], day_calls: pd.DataFrame, day: pd.Timestamp, agents: np.ndarray
) -> Plan:
    """Return the calibrated scenario with the day's volumes per interval and its agents."""
    raw = {**document, "name": f"{document['name']}-{day.date()}"}
    raw["call_types"] = {name: dict(spec) for name, spec in document["call_types"].items()}
    open_s, interval_s, n_intervals = _layout(document)
    slots = np.floor((_seconds_of_day(day_calls["arrival_at"], day) - open_s) / interval_s)
    for name, spec in raw["call_types"].items():
        mine = slots[(day_calls["call_type"] == name).to_numpy()]
        inside = mine[(mine >= 0) & (mine < n_intervals)].astype(int)
        spec["volume"] = {"per_interval": np.bincount(inside, minlength=n_intervals).tolist()}
    group = {**document["groups"]["agents"], "headcount": agents.tolist()}
    raw["groups"] = {"agents": group}
    return build_plan(scenario_from_dict(raw, source=f"replay of {day.date()}"))


def _day_trace(
    plan: Plan, day_calls: pd.DataFrame, day: pd.Timestamp, rng: np.random.Generator
) -> tuple[Trace, np.ndarray]:
    """Return the trace of a day's fresh calls, and which recorded calls it holds.

    Arrivals become the unit exponentials that put each call at its recorded instant. Answered
    calls keep their recorded handle time (at least 1 s); abandoned ones draw a standard
    variate, so they get a handle time of the fitted distribution should they be answered.
    """
    seconds = _seconds_of_day(day_calls["arrival_at"], day)
    kept = (seconds >= plan.segment_start_at[0]) & (seconds < plan.segment_end_at[-1])
    variates: dict[tuple[int, int], np.ndarray] = {}
    for k, name in enumerate(plan.call_types):
        mine = kept & (day_calls["call_type"] == name).to_numpy()
        order = np.argsort(seconds[mine], kind="stable")
        at = seconds[mine][order]
        handle_s = day_calls["handle_s"].to_numpy(dtype=float)[mine][order]
        variates[(int(Purpose.ARRIVALS), k)] = unit_exponentials_at(
            at, plan.segment_start_at, plan.segment_end_at, plan.rate_per_s[k]
        )
        variates[(int(Purpose.HANDLE), k)] = _handle_variates(plan, k, at, handle_s, rng)
    return Trace(variates), kept


def _handle_variates(
    plan: Plan, k: int, at: np.ndarray, handle_s: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    segments = np.searchsorted(plan.segment_start_at, at, side="right") - 1
    code = int(plan.handle_code[k])
    variates = rng.standard_normal(len(at))  # the fitted lognormal's, for unseen handle times
    seen = np.isfinite(handle_s)
    where = segments[seen]
    talk_s = np.maximum(handle_s[seen] - plan.acw_s[k, where], 1.0)
    variates[seen] = [
        unscale_variates(code, float(a), float(b), np.array([t]))[0]
        for a, b, t in zip(plan.handle_p1[k, where], plan.handle_p2[k, where], talk_s, strict=True)
    ]
    return variates


def _day_counts(
    observed_calls: pd.DataFrame,
    *,
    simulated: CallRecords,
    reps: int,
    plan: Plan,
    document: dict[str, Any],
    agents: NDArray[np.int64],
    day: pd.Timestamp,
) -> dict[str, pd.DataFrame]:
    """Return counts per staffing interval: observed, simulated (per replication), Erlang A."""
    seconds = _seconds_of_day(observed_calls["arrival_at"], day)
    observed = interval_counts(
        np.floor((seconds - plan.segment_start_at[0]) / plan.interval_s).astype(int),
        observed_calls["outcome"].to_numpy() == "answered",
        observed_calls["wait_s"].to_numpy(dtype=float),
        plan.n_intervals,
    )
    answered = simulated.outcome == Outcome.ANSWERED
    ended_at = np.where(answered, simulated.answered_at, simulated.left_at)
    fresh = simulated.origin == 0
    predicted = interval_counts(
        simulated.interval[fresh].astype(int),
        answered[fresh],
        (ended_at - simulated.arrived_at)[fresh],
        plan.n_intervals,
    )
    return {
        "observed": observed,
        "simulated": predicted / reps,
        "erlang_a": _erlang_a_counts(plan, document, agents, observed["offered"].to_numpy()),
    }


def interval_counts(
    interval: np.ndarray, answered: np.ndarray, wait_s: np.ndarray, n_intervals: int
) -> pd.DataFrame:
    """Count calls by interval of arrival: offered, answered, abandoned, waited, waits.

    Parameters
    ----------
    interval : int[n]
        Interval of arrival of each call (answered or abandoned; others outside the day).
    answered : bool[n]
        Whether it was answered (else it abandoned).
    wait_s : float[n]
        Its wait until answer or abandonment, seconds.
    n_intervals : int
        Intervals of the day.

    Returns
    -------
    pandas.DataFrame
        A row per interval, the columns of :data:`_COUNTS` (``wait_answered_s``: the sum of the
        answered calls' waits, seconds).
    """
    inside = (interval >= 0) & (interval < n_intervals)
    slot, done, wait = interval[inside], answered[inside], wait_s[inside]

    def total(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        chosen = None if weights is None else weights[mask]
        return np.bincount(slot[mask], weights=chosen, minlength=n_intervals).astype(float)

    return pd.DataFrame(
        {
            "offered": total(np.ones_like(done)),
            "answered": total(done),
            "abandoned": total(~done),
            "waited": total(wait > 0),
            "wait_answered_s": total(done, wait),
        }
    )


def _erlang_a_counts(
    plan: Plan, document: dict[str, Any], agents: NDArray[np.int64], offered: np.ndarray
) -> pd.DataFrame:
    """Erlang A's expected counts in each interval, from its volume, staffing and means.

    Call types are pooled: handle time and patience are the volume-weighted means of the call
    types' calibrated means; each interval is taken in steady state on its own.
    """
    specs = [document["call_types"][name] for name in plan.call_types]
    handle_s = np.array([_mean_handle_s(spec) for spec in specs])
    # No abandonment in the log: no patience estimate, Erlang C (patience infinite).
    patience_s = np.array([spec["patience"].get("mean_s", np.inf) for spec in specs])
    calls = plan.rate_per_s * plan.interval_s  # [call type, interval]: the recorded counts
    counts = pd.DataFrame(0.0, index=range(plan.n_intervals), columns=list(_COUNTS))
    for j in np.flatnonzero(offered > 0):
        weights = calls[:, j] / calls[:, j].sum()
        kpis = queue_kpis(
            calls_per_hour=float(calls[:, j].sum()) * 3600.0 / plan.interval_s,
            aht_s=float(weights @ handle_s),
            agents=int(agents[j]),
            threshold_s=0.0,
            patience_s=float(weights @ patience_s),
        )
        answered = offered[j] * (1.0 - kpis.p_abandon)
        counts.loc[j] = [
            offered[j],
            answered,
            offered[j] * kpis.p_abandon,
            offered[j] * kpis.p_wait,
            answered * kpis.asa_s,
        ]
    return counts


def _mean_handle_s(spec: dict[str, Any]) -> float:
    handle = spec["handle_time"]
    return float(handle["mean_s"]) + float(handle.get("acw_s", 0.0))


def _compare_day(
    counts: dict[str, pd.DataFrame],
    *,
    plan: Plan,
    agents: NDArray[np.int64],
    per_compare: int,
    day: pd.Timestamp,
) -> pd.DataFrame:
    """KPIs of each comparison interval of a day from the summed counts, long format."""
    group = np.arange(plan.n_intervals) // per_compare
    summed = {source: frame.groupby(group).sum() for source, frame in counts.items()}
    kpis = {source: kpis_of(frame) for source, frame in summed.items()}
    rows = [
        {
            "day": str(day.date()),
            "interval": plan.interval_label(0, int(g) * per_compare),
            "kpi": kpi,
            "offered": int(summed["observed"].loc[g, "offered"]),
            "agents": float(agents[group == g].mean()),
            **{source: kpis[source].loc[g, kpi] for source in counts},
        }
        for g in summed["observed"].index
        for kpi in REPLAY_KPIS
    ]
    return pd.DataFrame(rows)


def kpis_of(counts: pd.DataFrame) -> pd.DataFrame:
    """Return the :data:`REPLAY_KPIS` of summed counts (NaN where none offered or answered)."""
    offered = counts["offered"].where(counts["offered"] > 0)
    answered = counts["answered"].where(counts["answered"] > 0)
    return pd.DataFrame(
        {
            "answer_rate": counts["answered"] / offered,
            "abandon_rate": counts["abandoned"] / offered,
            "asa_s": counts["wait_answered_s"] / answered,
            "p_wait": counts["waited"] / offered,
        }
    )


def replay_errors(table: pd.DataFrame) -> pd.DataFrame:
    """Mean absolute errors per KPI over day-intervals with enough offered calls."""
    rows = []
    for kpi, cells in table[table["offered"] >= MIN_OFFERED].groupby("kpi", sort=False):
        usable = cells.dropna(subset=["observed", "simulated", "erlang_a"])
        rows.append(
            {
                "kpi": kpi,
                "cells": len(usable),
                "observed_mean": usable["observed"].mean(),
                "mae_simulated": (usable["simulated"] - usable["observed"]).abs().mean(),
                "mae_erlang_a": (usable["erlang_a"] - usable["observed"]).abs().mean(),
            }
        )
    return pd.DataFrame(rows)


def _seconds_of_day(instants: pd.Series, day: pd.Timestamp) -> np.ndarray:
    return (instants - day).dt.total_seconds().to_numpy(dtype=float)


def _layout(document: dict[str, Any]) -> tuple[float, float, int]:
    """Return the opening instant (s after midnight), interval length (s) and intervals."""
    calendar = document["calendar"]
    open_s = clock_to_s(calendar["open"])
    interval_s = 60.0 * calendar["interval_minutes"]
    return open_s, interval_s, round((clock_to_s(calendar["close"]) - open_s) / interval_s)

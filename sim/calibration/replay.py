"""Replay real days: each day's recorded calls through the simulator, against what happened.

For every day of a call log, the simulator runs a one-day scenario whose calls are the day's
own: the recorded arrival instants (a trace-driven run, :class:`sim.engines.base.Trace`). The
rest of the model comes from one of two places:

* **in sample** (no scenario given): the scenario calibrated from the log itself; answered
  calls keep their recorded handle times, callers who abandoned (whose handle time nobody saw)
  draw theirs from the calibrated lognormal, patience is the censored estimate;
* **out of sample** (a scenario given, e.g. calibrated on another month): the scenario's
  handle times, patience, priorities, groups, routing and staffing, with the log's arrivals.

Staffing (see :data:`STAFFING`): the agents ready to take calls, reconstructed from their
service records and the queue (the default in sample; :mod:`sim.calibration.presence`), their
presence from the service records alone, the busy time or the agents seen serving, the
scenario's own, or a roster of who was logged in. The log's ``other`` rows (callers who left
in the IVR) are kept apart: they never reached the agents' queues and are not replayed.

KPIs (per interval of arrival, over calls answered or abandoned):

* ``answer_rate`` = answered / offered; ``abandon_rate`` = abandoned / offered;
* ``asa_s`` — mean wait of answered calls, seconds;
* ``p_wait`` — share of offered calls that waited at all (wait > 0).

Counts are taken per staffing interval and summed into the comparison intervals (an hour by
default) before the ratios are formed; simulated counts are means over the replications, and
the Erlang A counts are each staffing interval's offered calls times its probabilities. Every
day-interval is predicted four ways (:data:`PREDICTORS`): the replay, per-interval Erlang A,
the flat guess (the median of the same weekday and interval over the log's other days) and
the same interval one week earlier; :func:`replay_errors` scores each.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim.analytic import queue_kpis
from sim.calibration.calibrate import ALL_CALLS, calibrate, scenario_document
from sim.calibration.calllog import CallLog
from sim.calibration.estimate import agent_activity
from sim.calibration.presence import GAP_MINUTES, reconstructed_presence, service_records
from sim.engines.base import CallRecords, Outcome, Trace
from sim.engines.sampling import unit_exponentials_at, unscale_variates
from sim.errors import UsageError
from sim.rng import Purpose
from sim.scenario import Plan, Scenario, build_plan, scenario_from_dict
from sim.simulation import StatusCallback, simulate
from sim.units import SECONDS_PER_MINUTE

REPLAY_KPIS = ("answer_rate", "abandon_rate", "asa_s", "p_wait")
STAFFING = {
    "ready": "the agents' working spans (as presence), each ended where a caller waited longer "
    "than the pickup time while the agent sat idle: agents ready to take calls",
    "presence": "each agent's working spans chained from their service records (idle gaps up "
    "to the gap threshold count as available, longer ones as away), summed per interval",
    "busy": "the agents' busy time over the interval length, rounded up (a lower bound: agents "
    "at least that busy were on duty)",
    "serving": "distinct agents seen serving a call in the interval (an upper bound on those "
    "available: an agent who took one call counts for the whole interval)",
    "scenario": "the staffing of the scenario given",
    "roster": "the agents logged in according to a roster of spans",
}
"""How the agents on the phones of each interval are found."""
LOG_STAFFING = ("ready", "presence", "busy", "serving")
"""The estimates from the log's service records (:data:`STAFFING`)."""
PREDICTORS = {
    "simulated": "replay",
    "erlang_a": "Erlang A",
    "flat": "flat guess",
    "week_before": "week before",
}
"""Predictions of each day-interval's KPIs: table column -> name in reports."""
STAFFING_MINUTES = 15
PRIORITY_SUFFIX = "-priority"
"""A call type's priority customers are replayed as the call type ``NAME-priority``."""
PRIORITY_CUSTOMERS = {
    "apart": "replayed as a call type of their own, NAME-priority, with NAME's model and "
    "priority: in arrival order with everyone, reported apart",
    "first": "as apart, one priority level above NAME: served before its regular callers",
    "pooled": "regular callers of their call type",
}
"""How the log's priority customers are replayed."""
MIN_OFFERED = 10
"""Day-intervals with fewer offered calls are left out of the errors (their rates are noise)."""
_COUNTS = ("offered", "answered", "abandoned", "waited", "wait_answered_s")
_PRIORITY_STREAM = 1
"""Seeds ``[seed, 1, 0]`` draw unrecorded priorities; ``[seed, day]`` the days' handle times."""


@dataclass(frozen=True)
class Replay:
    """Observed and predicted KPIs of the days replayed.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per day, comparison interval, call type (``all`` for every call type, then
        each one) and KPI: ``day`` (ISO date), ``interval`` (clock label), ``call_type``,
        ``kpi``, ``offered``, ``agents`` (mean over the staffing intervals), ``observed``, and
        one column per predictor of :data:`PREDICTORS` (``erlang_a`` for ``all`` only).
    errors : pandas.DataFrame
        See :func:`replay_errors`.
    days : int
        Days replayed.
    left_out : int
        Offered calls outside the opening hours (not replayed).
    not_offered : int
        The log's ``other`` rows (callers who left in the IVR): kept apart, not replayed.
    unknown_types : dict of str to int
        Offered calls of call types the scenario lacks (not replayed), by call type.
    staffing : str
        The staffing used (a key of :data:`STAFFING`).
    """

    table: pd.DataFrame
    errors: pd.DataFrame
    days: int
    left_out: int
    not_offered: int
    unknown_types: dict[str, int]
    staffing: str


@dataclass(frozen=True)
class _Model:
    """What every day of a replay shares: the scenario, its grid and where staffing comes from.

    Attributes
    ----------
    document : dict
        The scenario as plain data.
    open_s, interval_s : float
        Start of the day's grid (seconds after midnight) and interval length (seconds).
    n_intervals : int
        Intervals of the day.
    staffing : str
        A key of :data:`STAFFING`.
    recorded_handles : bool
        Answered calls keep their recorded handle times (in sample).
    gap_s : float
        Gap threshold of the ``ready`` and ``presence`` staffing, seconds.
    pickup_s : float
        Pickup time of the ``ready`` staffing, seconds (from the whole log replayed).
    roster : pandas.DataFrame or None
        ``agent``, ``start_at``, ``end_at`` of the ``roster`` staffing.
    """

    document: dict[str, Any]
    open_s: float
    interval_s: float
    n_intervals: int
    staffing: str
    recorded_handles: bool
    gap_s: float
    pickup_s: float
    roster: pd.DataFrame | None


def replay(
    log: CallLog,
    *,
    staffing: str | None = None,
    scenario: Scenario | None = None,
    roster: pd.DataFrame | None = None,
    gap_minutes: float = GAP_MINUTES,
    priority_customers: str = "apart",
    compare_minutes: int = 60,
    reps: int = 20,
    seed: int = 1,
    engine: str = "fast",
    status: StatusCallback | None = None,
) -> Replay:
    """Replay every day of a log and compare it with what happened, and with the baselines.

    Parameters
    ----------
    log : CallLog
        The recorded calls.
    staffing : str, optional
        A key of :data:`STAFFING`; default ``roster`` with a roster, ``scenario`` with a
        scenario, else ``ready``.
    scenario : Scenario, optional
        The model to test out of sample (a calendar with one day's hours; call types matched to
        the log's by name). Default: the scenario calibrated from the log, 15-minute intervals.
    roster : pandas.DataFrame, optional
        Who was logged in (:func:`sim.calibration.presence.read_roster`).
    gap_minutes : float
        Gap threshold of the ``ready`` and ``presence`` staffing, minutes (> 0).
    priority_customers : {"apart", "first", "pooled"}
        How the log's priority customers are replayed (:data:`PRIORITY_CUSTOMERS`).
    compare_minutes : int
        Length of the comparison intervals, minutes (a multiple of the scenario's interval).
    reps : int
        Replications per day (patience, and unseen handle times, vary).
    seed : int
        Seed of the replications and of the handle times drawn for abandoned callers.
    engine : {"fast", "simpy"}
        Engine; both give the same numbers.
    status : callable, optional
        Told the days done after each day; it changes no number.

    Returns
    -------
    Replay
        KPIs per day, comparison interval and call type, and the errors.

    Raises
    ------
    UsageError
        For a staffing that does not fit the inputs, a bad comparison interval, or a log with
        no offered call of the scenario's call types.
    """
    if priority_customers not in PRIORITY_CUSTOMERS:
        expected = ", ".join(PRIORITY_CUSTOMERS)
        raise UsageError(
            f"priority customers must be one of {expected} (got {priority_customers!r})"
        )
    model = _model(log, staffing, scenario, roster, gap_minutes)
    per_compare = round(compare_minutes * SECONDS_PER_MINUTE / model.interval_s)
    if (
        compare_minutes <= 0
        or per_compare * model.interval_s != compare_minutes * SECONDS_PER_MINUTE
    ):
        minutes = model.interval_s / SECONDS_PER_MINUTE
        message = f"the comparison interval must be a multiple of {minutes:g} minutes"
        raise UsageError(f"{message} (got {compare_minutes})")
    offered = log.calls[log.calls["outcome"] != "other"]
    known = offered["call_type"].isin(list(model.document["call_types"])).to_numpy()
    unknown = offered["call_type"][~known].value_counts()
    calls = offered[known]
    if calls.empty:
        raise UsageError(f"{log.source}: no answered or abandoned call of the scenario's types")
    if priority_customers != "pooled" and log.priority_if_queued:
        drawn = unqueued_priority(calls, np.random.default_rng([seed, _PRIORITY_STREAM, 0]))
        calls = calls.assign(priority=drawn)
    if priority_customers != "pooled" and calls["priority"].any():
        names = list(calls["call_type"][calls["priority"]].unique())
        raised = int(priority_customers == "first")
        model = replace(model, document=with_priority_types(model.document, names, raised))
        renamed = calls["call_type"].where(~calls["priority"], calls["call_type"] + PRIORITY_SUFFIX)
        calls = calls.assign(call_type=renamed, queue=calls["call_type"])
    tables, left_out = [], 0
    days = calls.groupby(calls["arrival_at"].dt.normalize())
    for day_index, (day, day_calls) in enumerate(days):
        day_scenario = _day_scenario(model, day_calls, day)
        plan = build_plan(day_scenario)
        rng = np.random.default_rng([seed, day_index])
        trace, kept = _day_trace(plan, day_calls, day, rng, model.recorded_handles)
        left_out += len(day_calls) - int(kept.sum())
        result = simulate(plan, reps=reps, seed=seed, engine=engine, keep_records=True, trace=trace)
        assert result.calls is not None
        counts = _day_counts(
            day_calls[kept],
            simulated=result.calls,
            reps=reps,
            scenario=day_scenario,
            plan=plan,
            day=day,
        )
        tables.append(_compare_day(counts, plan=plan, per_compare=per_compare, day=day))
        if status is not None:
            status(f"days {day_index + 1}/{days.ngroups} replayed")
    table = with_baselines(pd.concat(tables, ignore_index=True))
    return Replay(
        table=table,
        errors=replay_errors(table),
        days=len(tables),
        left_out=left_out,
        not_offered=int(log.outcome_is("other").sum()),
        unknown_types={str(name): int(n) for name, n in unknown.items()},
        staffing=model.staffing,
    )


def _model(
    log: CallLog,
    staffing: str | None,
    scenario: Scenario | None,
    roster: pd.DataFrame | None,
    gap_minutes: float,
) -> _Model:
    """Check the staffing against the inputs and set up what every day shares."""
    default = "roster" if roster is not None else "scenario" if scenario is not None else None
    chosen = staffing or default or "ready"
    if chosen not in STAFFING:
        raise UsageError(f"staffing must be one of {', '.join(STAFFING)} (got {chosen!r})")
    if chosen == "scenario" and scenario is None:
        raise UsageError("staffing 'scenario' needs a scenario")
    if (chosen == "roster") != (roster is not None):
        raise UsageError("a roster is the staffing 'roster', and that staffing needs one")
    if not gap_minutes > 0:
        raise UsageError(f"the gap threshold must be > 0 minutes (got {gap_minutes})")
    in_sample = scenario is None
    if scenario is None:
        scenario = calibrated_scenario(log)
    elif scenario.calendar is None:
        raise UsageError(f"{scenario.name}: replay needs a scenario with a calendar")
    if chosen != "scenario" and len(scenario.groups) != 1:
        message = f"staffing {chosen!r} needs a scenario with one group"
        raise UsageError(f"{message} (got {len(scenario.groups)}: {', '.join(scenario.groups)})")
    return _Model(
        document=scenario.model_dump(mode="json", exclude_unset=True),
        open_s=scenario.open_s,
        interval_s=scenario.interval_s,
        n_intervals=scenario.n_intervals,
        staffing=chosen,
        recorded_handles=in_sample,
        gap_s=gap_minutes * SECONDS_PER_MINUTE,
        pickup_s=_pickup_s(log, gap_minutes * SECONDS_PER_MINUTE) if chosen == "ready" else 0.0,
        roster=roster,
    )


def calibrated_scenario(log: CallLog) -> Scenario:
    """Return the scenario a replay calibrates from a log: every default, 15-minute intervals.

    Parameters
    ----------
    log : CallLog
        The recorded calls (of the days replayed, or of another period to test out of sample).

    Returns
    -------
    Scenario
        One calendar day, a call type per call type of the log, one group staffed with the
        agents ready on an average day (:func:`sim.calibration.calibrate.scenario_document`).
    """
    return scenario_from_dict(
        scenario_document(calibrate(log, interval_minutes=STAFFING_MINUTES)),
        source=f"calibration of {log.source}",
    )


def _pickup_s(log: CallLog, gap_s: float) -> float:
    """Return the pickup time of the whole log's services, seconds."""
    origin = log.calls["arrival_at"].min().normalize()
    return service_records(log.calls, origin).pickup_time_s(gap_s)


def unqueued_priority(calls: pd.DataFrame, rng: np.random.Generator) -> NDArray[np.bool_]:
    """Priority of each call, drawn for the calls whose log could not record it.

    In a log that records the priority only for calls that queued
    (:attr:`CallLog.priority_if_queued`), a call answered without queueing reads as regular
    whoever called. Whether a call queues does not depend on its priority (it queues when no
    agent is free on arrival), so the priority customers' share among a call type's queued
    calls is their share among all its calls: in each call type whose unqueued calls all read
    as regular, each unqueued call is a priority customer with that share. A call type with
    an unqueued priority customer records the field for every call and is kept as it is.

    Parameters
    ----------
    calls : pandas.DataFrame
        Offered calls (:attr:`CallLog.calls` rows).
    rng : numpy.random.Generator
        The draws.

    Returns
    -------
    bool[n]
        Whether each call is a priority customer's.
    """
    priority = calls["priority"].to_numpy(dtype=bool).copy()
    queued = calls["queue_at"].notna().to_numpy()
    call_type = calls["call_type"].to_numpy()
    for name in np.unique(call_type):
        mine = call_type == name
        unqueued = np.flatnonzero(mine & ~queued)
        if priority[unqueued].any() or not (mine & queued).any():
            continue
        share = priority[mine & queued].mean()
        priority[unqueued] = rng.random(len(unqueued)) < share
    return priority


def with_priority_types(document: dict[str, Any], names: list[str], raised: int) -> dict[str, Any]:
    """Add a priority twin of each call type named: the same model, ``raised`` levels above.

    Parameters
    ----------
    document : dict
        A scenario as plain data.
    names : list of str
        Call types with priority customers.
    raised : int
        Priority levels of a twin above its call type's (0: served in arrival order with it).

    Returns
    -------
    dict
        The scenario with a call type ``NAME-priority`` per name, ``raised`` priority levels
        above NAME, in the skills of every group with NAME's (at the same tier).
    """
    types = dict(document["call_types"])
    for name in names:
        spec = types[name]
        types[name + PRIORITY_SUFFIX] = {
            **spec,
            "priority": int(spec.get("priority", 1)) + raised,
        }
    groups = {}
    for group_name, group in document["groups"].items():
        skills = group.get("skills") or {}
        twins = {name + PRIORITY_SUFFIX: skills[name] for name in names if name in skills}
        groups[group_name] = {**group, "skills": {**skills, **twins}} if skills else group
    return {**document, "call_types": types, "groups": groups}


def _day_agents(model: _Model, day_calls: pd.DataFrame, day: pd.Timestamp) -> NDArray[np.float64]:
    """Agents on the phones in each interval of a day's opening hours, by the model's staffing.

    Parameters
    ----------
    model : _Model
        The replay's shared set-up (staffing ``ready``, ``presence``, ``busy``, ``serving`` or
        ``roster``).
    day_calls : pandas.DataFrame
        The day's offered calls.
    day : pandas.Timestamp
        The day's midnight.

    Returns
    -------
    float64[I]
        Mean agents on duty per interval (whole agents for ``busy`` and ``serving``).
    """
    if model.staffing == "roster":
        assert model.roster is not None
        rows = model.roster
        agent = pd.factorize(rows["agent"])[0].astype(np.int64)
        start_s = _seconds_of_day(rows["start_at"], day) - model.open_s
        end_s = _seconds_of_day(rows["end_at"], day) - model.open_s
        return agent_activity(agent, start_s, end_s, model.interval_s, model.n_intervals).busy
    # the agents' call types are the log's: a priority twin is its call type's queue
    logged = day_calls.assign(call_type=day_calls["queue"]) if "queue" in day_calls else day_calls
    services = service_records(logged, day + pd.Timedelta(seconds=model.open_s))
    agent, start_s, end_s = services.agent, services.start_s, services.end_s
    if model.staffing in ("ready", "presence"):
        ready = services.ready_cut(model.pickup_s) if model.staffing == "ready" else None
        return reconstructed_presence(
            agent,
            start_s,
            end_s,
            model.interval_s,
            model.n_intervals,
            gap_s=model.gap_s,
            ready=ready,
        )
    activity = agent_activity(agent, start_s, end_s, model.interval_s, model.n_intervals)
    return activity.distinct if model.staffing == "serving" else np.ceil(activity.busy - 1e-9)


def _day_scenario(model: _Model, day_calls: pd.DataFrame, day: pd.Timestamp) -> Scenario:
    """Return the day's scenario: the model with the day's volumes per interval and staffing.

    Volumes become the day's recorded counts (no day multiplier, no redials: the recorded
    arrivals hold them); one calendar day with the scenario's opening hours. Staffing from the
    log or a roster replaces the lone group's, rounded to whole agents and at least one agent
    in each interval (so that calls meet an open centre).
    """
    document = model.document
    raw = {key: value for key, value in document.items() if key not in ("forecast", "busyness")}
    raw["name"] = f"{document['name']}-{day.date()}"
    calendar = document["calendar"]
    raw["calendar"] = {
        **{
            key: calendar[key]
            for key in ("open", "close", "interval_minutes", "at_close")
            if key in calendar
        },
        "days": 1,
    }
    slots = np.floor(
        (_seconds_of_day(day_calls["arrival_at"], day) - model.open_s) / model.interval_s
    )
    raw["call_types"] = {}
    for name, spec in document["call_types"].items():
        mine = slots[(day_calls["call_type"] == name).to_numpy()]
        inside = mine[(mine >= 0) & (mine < model.n_intervals)].astype(int)
        counts = np.bincount(inside, minlength=model.n_intervals).tolist()
        raw["call_types"][name] = {
            **{key: value for key, value in spec.items() if key not in ("volume", "redial")},
            "volume": {"per_interval": counts},
        }
    if model.staffing != "scenario":
        agents = np.maximum(np.floor(_day_agents(model, day_calls, day) + 0.5), 1).astype(int)
        ((name, group),) = document["groups"].items()
        kept = {
            key: value
            for key, value in group.items()
            if key not in ("headcount", "shifts", "roster", "overtime", "absenteeism")
        }
        raw["groups"] = {name: {**kept, "headcount": agents.tolist()}}
    return scenario_from_dict(raw, source=f"replay of {day.date()}")


def _day_trace(
    plan: Plan,
    day_calls: pd.DataFrame,
    day: pd.Timestamp,
    rng: np.random.Generator,
    recorded_handles: bool,
) -> tuple[Trace, np.ndarray]:
    """Return the trace of a day's fresh calls, and which recorded calls it holds.

    Arrivals become the unit exponentials that put each call at its recorded instant. With
    ``recorded_handles``, answered calls keep their recorded handle time (at least 1 s) and
    abandoned ones draw a standard variate, so they get a handle time of the fitted
    distribution should they be answered; otherwise handle times are drawn as usual.
    """
    seconds = _seconds_of_day(day_calls["arrival_at"], day)
    kept = (seconds >= plan.segment_start_at[0]) & (seconds < plan.segment_end_at[-1])
    variates: dict[tuple[int, int], np.ndarray] = {}
    for k, name in enumerate(plan.call_types):
        mine = kept & (day_calls["call_type"] == name).to_numpy()
        order = np.argsort(seconds[mine], kind="stable")
        at = seconds[mine][order]
        variates[(int(Purpose.ARRIVALS), k)] = unit_exponentials_at(
            at, plan.segment_start_at, plan.segment_end_at, plan.rate_per_s[k]
        )
        if recorded_handles:
            handle_s = day_calls["handle_s"].to_numpy(dtype=float)[mine][order]
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
    scenario: Scenario,
    plan: Plan,
    day: pd.Timestamp,
) -> dict[str, dict[str, pd.DataFrame]]:
    """Count calls per staffing interval, by call type (and ``all``) and source.

    Returns
    -------
    dict
        Call type -> source (``observed``, ``simulated`` per replication, ``erlang_a`` for
        ``all`` only) -> counts per interval (:func:`interval_counts`).
    """
    seconds = _seconds_of_day(observed_calls["arrival_at"], day)
    interval = np.floor((seconds - plan.segment_start_at[0]) / plan.interval_s).astype(int)
    answered = observed_calls["outcome"].to_numpy() == "answered"
    wait_s = observed_calls["wait_s"].to_numpy(dtype=float)
    call_type = observed_calls["call_type"].to_numpy()
    simulated_answered = simulated.outcome == Outcome.ANSWERED
    ended_at = np.where(simulated_answered, simulated.answered_at, simulated.left_at)
    fresh = simulated.origin == 0
    counts: dict[str, dict[str, pd.DataFrame]] = {}
    for k, name in enumerate(plan.call_types):
        mine, theirs = call_type == name, fresh & (simulated.call_type == k)
        counts[name] = {
            "observed": interval_counts(
                interval[mine], answered[mine], wait_s[mine], plan.n_intervals
            ),
            "simulated": interval_counts(
                simulated.interval[theirs].astype(int),
                simulated_answered[theirs],
                (ended_at - simulated.arrived_at)[theirs],
                plan.n_intervals,
            )
            / reps,
        }
    every = {
        source: sum(
            (per_type[source] for per_type in counts.values()),
            start=pd.DataFrame(0.0, index=range(plan.n_intervals), columns=list(_COUNTS)),
        )
        for source in ("observed", "simulated")
    }
    agents = np.maximum(np.floor(plan.scheduled_agents[0].sum(axis=1) + 0.5), 1).astype(int)
    every["erlang_a"] = _erlang_a_counts(scenario, plan, agents, every["observed"]["offered"])
    return {ALL_CALLS: every, **counts}


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
    scenario: Scenario, plan: Plan, agents: NDArray[np.int64], offered: pd.Series
) -> pd.DataFrame:
    """Erlang A's expected counts in each interval, from its volume, staffing and means.

    Call types are pooled: handle time and patience are the volume-weighted means of the call
    types' means in the interval (a call type without abandonment has infinite patience, so
    the pool does too if it has calls there); each interval is taken in steady state on its own.
    """
    n = plan.n_intervals
    specs = [scenario.call_types[name] for name in plan.call_types]
    handle_s = np.array([_means(spec.handle_time.means_per_interval(n)) for spec in specs])
    handle_s += np.array([spec.handle_time.acw_s for spec in specs])[:, None]
    patience_s = np.array(
        [
            _means(spec.patience.means_per_interval(n))
            if spec.patience.dist != "none"
            else np.full(n, np.inf)
            for spec in specs
        ]
    )
    calls = plan.rate_per_s * plan.interval_s  # [call type, interval]: the recorded counts
    counts = pd.DataFrame(0.0, index=range(n), columns=list(_COUNTS))
    for j in np.flatnonzero(offered.to_numpy() > 0):
        weights = calls[:, j] / calls[:, j].sum()
        present = weights > 0  # 0 x inf is no patience at all, not NaN
        kpis = queue_kpis(
            calls_per_hour=float(calls[:, j].sum()) * 3600.0 / plan.interval_s,
            aht_s=float(weights[present] @ handle_s[present, j]),
            agents=int(agents[j]),
            threshold_s=0.0,
            patience_s=float(weights[present] @ patience_s[present, j]),
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


def _means(values: list[float | None]) -> NDArray[np.float64]:
    return np.array([np.nan if value is None else value for value in values], dtype=float)


def _compare_day(
    counts: dict[str, dict[str, pd.DataFrame]],
    *,
    plan: Plan,
    per_compare: int,
    day: pd.Timestamp,
) -> pd.DataFrame:
    """KPIs of each comparison interval of a day from the summed counts, long format."""
    group = np.arange(plan.n_intervals) // per_compare
    agents = pd.Series(plan.scheduled_agents[0].sum(axis=1)).groupby(group).mean()
    rows = []
    for call_type, sources in counts.items():
        summed = {source: frame.groupby(group).sum() for source, frame in sources.items()}
        kpis = {source: kpis_of(frame) for source, frame in summed.items()}
        rows += [
            {
                "day": str(day.date()),
                "interval": plan.interval_label(0, int(g) * per_compare),
                "call_type": call_type,
                "kpi": kpi,
                "offered": int(summed["observed"].loc[g, "offered"]),
                "agents": float(agents[g]),
                "observed": kpis["observed"].loc[g, kpi],
                "simulated": kpis["simulated"].loc[g, kpi],
                "erlang_a": kpis["erlang_a"].loc[g, kpi] if "erlang_a" in kpis else np.nan,
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


_CELL = ["call_type", "kpi", "interval"]


def with_baselines(table: pd.DataFrame) -> pd.DataFrame:
    """Add the naive predictions of each day-interval: ``flat`` and ``week_before``.

    Both are built from observed values of day-intervals with at least :data:`MIN_OFFERED`
    offered calls (fewer give noise, not a rate). ``flat``: the median over the log's other
    days of the same weekday, call type, interval and KPI (never the day itself: a prediction
    does not see what it predicts). ``week_before``: the observed value seven days earlier.
    NaN where there is none.

    Parameters
    ----------
    table : pandas.DataFrame
        The replay table (:attr:`Replay.table` without the two columns).

    Returns
    -------
    pandas.DataFrame
        The table with ``flat`` and ``week_before``.
    """
    dates = pd.to_datetime(table["day"])
    usable = table["observed"].where(table["offered"] >= MIN_OFFERED)
    keys = [table[column] for column in _CELL] + [dates.dt.day_of_week.rename("weekday")]
    flat = usable.groupby(keys).transform(_median_of_others)
    earlier = table[["day", *_CELL]].assign(week_before=usable)
    earlier["day"] = (dates + pd.Timedelta(days=7)).dt.strftime("%Y-%m-%d")
    return table.assign(flat=flat).merge(earlier, on=["day", *_CELL], how="left")


def _median_of_others(values: pd.Series) -> pd.Series:
    """Each value's leave-one-out median: of the others that are not NaN (NaN without any)."""
    array = values.to_numpy(dtype=float)
    medians = np.full(len(array), np.nan)
    for i in range(len(array)):
        others = np.delete(array, i)
        others = others[~np.isnan(others)]
        if others.size:
            medians[i] = np.median(others)
    return pd.Series(medians, index=values.index)


def replay_errors(table: pd.DataFrame) -> pd.DataFrame:
    """Score every predictor per call type and KPI, over day-intervals with enough calls.

    For each predictor of :data:`PREDICTORS`, over the day-intervals with at least
    :data:`MIN_OFFERED` offered calls where it gives a value: the mean absolute error, the
    bias (mean of predicted minus observed), the correlation with the observed values across
    those day-intervals, and the skill against the flat guess, ``1 - MAE / MAE(flat guess)``
    on those of the day-intervals where the flat guess gives a value too (above 0: better
    than the flat guess; 1: perfect).

    Parameters
    ----------
    table : pandas.DataFrame
        :attr:`Replay.table`.

    Returns
    -------
    pandas.DataFrame
        One row per call type, KPI and predictor with a day-interval to score: ``call_type``,
        ``kpi``, ``predictor``, ``cells``, ``observed_mean``, ``mae``, ``bias``, ``corr``,
        ``skill``. Empty (with those columns) when no day-interval has enough calls.
    """
    usable = table[(table["offered"] >= MIN_OFFERED) & table["observed"].notna()]
    rows = []
    for (call_type, kpi), cells in usable.groupby(["call_type", "kpi"], sort=False):
        for predictor in PREDICTORS:
            scored = cells.dropna(subset=[predictor])
            if scored.empty:
                continue
            error = scored[predictor] - scored["observed"]
            mae = error.abs().mean()
            rows.append(
                {
                    "call_type": call_type,
                    "kpi": kpi,
                    "predictor": predictor,
                    "cells": len(scored),
                    "observed_mean": scored["observed"].mean(),
                    "mae": mae,
                    "bias": error.mean(),
                    "corr": _correlation(scored[predictor], scored["observed"]),
                    "skill": _skill(scored[predictor], scored["flat"], scored["observed"]),
                }
            )
    columns = ["call_type", "kpi", "predictor", "cells", "observed_mean", "mae", "bias"]
    return pd.DataFrame(rows, columns=[*columns, "corr", "skill"])


def _skill(predicted: pd.Series, flat: pd.Series, observed: pd.Series) -> float:
    """``1 - MAE / MAE(flat guess)`` where both predict; NaN where the flat guess never does."""
    both = flat.notna()
    flat_mae = (flat[both] - observed[both]).abs().mean()
    if not both.any() or not flat_mae > 0:
        return np.nan
    return float(1.0 - (predicted[both] - observed[both]).abs().mean() / flat_mae)


def _correlation(predicted: pd.Series, observed: pd.Series) -> float:
    """Pearson correlation; NaN with fewer than two values or a constant one."""
    if len(predicted) < 2:
        return np.nan
    with np.errstate(invalid="ignore", divide="ignore"):  # a constant one gives NaN
        return float(np.corrcoef(predicted, observed)[0, 1])


def _seconds_of_day(instants: pd.Series, day: pd.Timestamp) -> np.ndarray:
    return (instants - day).dt.total_seconds().to_numpy(dtype=float)

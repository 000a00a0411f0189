"""Tallies -> KPIs per replication, by interval, by day and for the whole run.

Definitions (``docs/reference/kpis.md``); every ratio is a ratio of sums over the period, and
calls count in the interval in which they arrived:

* ``service_level`` — by the scenario's definition (see :func:`service_level`);
* ``asa_s`` — mean wait of answered calls; ``mean_wait_s`` — mean wait of all offered calls
  (abandoners' time to abandon and dropped calls' wait included);
* ``abandon_rate`` = abandoned / offered; ``answer_rate`` = answered / offered;
* ``p_wait`` = waited / offered, ``waited`` counting offered calls whose wait was > 0;
* ``queue_length`` — time-average calls waiting over the open time (Little's law): all waits
  of the period's arrivals / the period's open seconds;
* ``aht_s`` — mean talk plus after-call work of answered calls;
* ``redials``, ``repeats`` — offered calls that were redials or repeat calls;
  ``redials_given_up`` — abandoned calls whose caller would have redialled but had made the
  type's ``redial.max_attempts`` redials; ``repeats_given_up`` — unresolved answered calls that
  did not come back because their matter had made ``repeat.max_attempts`` repeat calls;
* ``blocked`` — offered calls that found every line they needed in use; ``block_rate`` =
  blocked / offered (0 without ``lines``);
* the bot in front of a call type: ``bot_entered`` — contacts that took a bot port;
  ``bot_resolved``, ``bot_abandoned``, ``bot_handed_over`` — of those, resolved by the bot,
  hung up in it, handed over to people; ``bot_bypassed`` — contacts that found every port
  busy and queued for people at once; ``bot_containment`` = resolved / entered,
  ``bot_handover_rate`` = handed over / entered, ``bot_abandon_rate`` = hung up / entered
  (NaN where no contact entered a bot). Contacts the bot kept are not ``offered``: the call
  KPIs above are those of the people's queue, whose waits start at the hand-over;
* agent time, by clock time: ``occupancy`` = busy / (staffed - breaks - outbound - off the
  phones), the inbound occupancy of the time open to inbound calls; ``occupancy_open`` — the
  same over opening hours only (the after-close drain left out); ``agents`` (present),
  ``agents_on_break`` and ``agents_scheduled`` — average agents in the interval; ``staffed_h``,
  ``busy_h``, ``break_h``, ``idle_h``, ``overtime_h``, ``outbound_h`` (outbound attempts of
  blended agents), ``off_phone_h`` (reserves on duty, not activated), ``phone_h`` (staffed -
  breaks - off the phones), ``reserve_phone_h`` (phone hours of reserve groups) — agent hours;
* chats, by clock time: ``session_h`` — chat session hours (each session counted, so an
  agent holding three for an hour gives 3); ``sessions_per_agent`` = session hours / hours
  agents held at least one session, the mean sessions an agent holds while chatting;
  ``concurrency_utilisation`` = session hours / (``max_concurrent.chat`` x the time open to
  contacts) of the groups that take chats; an agent holding any session or on a call is busy
  for ``occupancy``;
* occupancy by channel, with chat or email call types: ``occupancy_voice``,
  ``occupancy_chat``, ``occupancy_email`` = the handle time of voice calls, the time holding at
  least one chat session, the handle time of email items / the denominator of ``occupancy``. An
  agent holding chats while on a voice call counts in both, so they may sum above ``occupancy``;
* outbound work and controls, by clock slot of the attempt or action: ``outbound_attempts``,
  ``outbound_contacts``, ``switches_to_inbound``, ``switches_to_outbound``, ``activations``;
  ``contacts_per_agent_h`` = outbound contacts / outbound hours;
* costs: ``wage_cost`` = staffed hours x the group's wage; ``reserve_phone_cost`` = phone hours
  x wage of reserve groups (0 for other groups); ``overtime_cost`` = overtime hours x wage x
  the overtime premium;
* money of the whole centre, by day and run (:data:`COST_KPIS`): ``seats`` (the day's peak of
  agents present, rounded up), ``seat_cost``, ``total_cost`` (wages, overtime premium, seats),
  ``revenue`` (price per answered call and per staffed hour), ``sla_penalty`` (a share of the
  revenue of a period whose service level is below the contract's) and ``margin``.

Email items are in none of these call KPIs, and email types have no rows here (their KPIs:
:mod:`sim.results.email`); agents' time on email is busy time.

A ratio with a zero denominator is NaN (no calls, no agents). Arrivals in a steady-state
warm-up are left out, and in steady state the drain after the horizon is left out of agent time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from sim.engines.base import AGENT_SUMS, Tallies
from sim.scenario.plan import GroupKind, Plan

if TYPE_CHECKING:
    import pandas as pd

ALL = "all"
Period = Literal["interval", "day", "total"]
COUNT_KPIS = (
    "offered",
    "answered",
    "abandoned",
    "dropped",
    "answered_within_t",
    "redials",
    "repeats",
    "redials_given_up",
    "repeats_given_up",
    "waited",
    "blocked",
    "bot_entered",
    "bot_resolved",
    "bot_abandoned",
    "bot_handed_over",
    "bot_bypassed",
)
CALL_KPIS = (
    *COUNT_KPIS,
    "service_level",
    "asa_s",
    "mean_wait_s",
    "abandon_rate",
    "answer_rate",
    "aht_s",
    "p_wait",
    "queue_length",
    "block_rate",
)
AGENT_KPIS = (
    "occupancy",
    "occupancy_open",
    "agents",
    "agents_on_break",
    "agents_scheduled",
    "staffed_h",
    "busy_h",
    "break_h",
    "idle_h",
    "overtime_h",
    "outbound_h",
    "off_phone_h",
    "phone_h",
    "reserve_phone_h",
    "outbound_attempts",
    "outbound_contacts",
    "switches_to_inbound",
    "switches_to_outbound",
    "activations",
    "wage_cost",
    "reserve_phone_cost",
)
COST_KPIS = (
    "overtime_cost",
    "seats",
    "seat_cost",
    "total_cost",
    "revenue",
    "sla_penalty",
    "margin",
)
"""Money KPIs of the whole centre, by day and for the run (NaN per interval)."""
# Agent KPIs undefined (NaN) for groups without outbound work, kept apart from AGENT_KPIS, which
# are defined wherever the group exists.
OUTBOUND_RATE_KPIS = ("contacts_per_agent_h",)
# Call KPIs undefined (NaN) for call types without a bot, kept apart from CALL_KPIS likewise.
BOT_RATE_KPIS = ("bot_containment", "bot_handover_rate", "bot_abandon_rate")
CHAT_KPIS = ("session_h", "sessions_per_agent", "concurrency_utilisation")
"""Agent KPIs of chats (NaN for groups without chat time), reported for plans with chats."""
CHANNEL_KPIS = ("occupancy_voice", "occupancy_chat", "occupancy_email")
"""Occupancy split by channel, reported for plans with chat or email call types."""
GROUP_CALL_KPIS = ("handled", "aht_s")
PERIOD_KEYS: dict[str, list[str]] = {"interval": ["day", "interval"], "day": ["day"], "total": []}

Array = NDArray[np.float64]

_COUNT_INPUTS = (*COUNT_KPIS, "short_abandoned", "abandoned_within_t")
_SUM_INPUTS = ("wait_answered_s", "wait_all_s", "handle_s")
_OCCUPANCY_SUMS = ("staffed_s", "busy_s", "break_s", "outbound_s", "off_phone_s")


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
        return ratio(within, counts["offered"] - counts["short_abandoned"])
    if definition == "answered":
        return ratio(within, counts["answered"])
    if definition == "answered_plus_abandoned_after_t":
        return ratio(
            within, counts["answered"] + counts["abandoned"] - counts["abandoned_within_t"]
        )
    if definition == "p_wait_le_t":
        return ratio(within + counts["abandoned_within_t"], counts["offered"])
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
        :data:`BOT_RATE_KPIS`, and :data:`AGENT_KPIS`, :data:`OUTBOUND_RATE_KPIS` (and
        :data:`CHAT_KPIS` with chats) and
        :data:`COST_KPIS` of the whole centre (on ``"all"`` rows only).
    """
    calls, centre = call_type_kpis(tallies, plan, period)
    frame = _frame(calls, period, plan, {"call_type": [*plan.call_types, ALL]})
    return _without_email(_with_total_rows(frame, "call_type", centre), plan)


def call_type_kpis(
    tallies: Tallies, plan: Plan, period: Period
) -> tuple[dict[str, Array], dict[str, Array]]:
    """Return the per-replication KPIs of :func:`replication_kpis` as arrays.

    Returns
    -------
    calls : dict of str to float64[reps, period cells..., call types + 1]
        :data:`CALL_KPIS` and :data:`BOT_RATE_KPIS` of each call type (email types included),
        the last entry being ``"all"``.
    centre : dict of str to float64[reps, period cells...]
        :data:`AGENT_KPIS`, :data:`OUTBOUND_RATE_KPIS` (and the chat and channel KPIs of
        :func:`agent_kpis`) and :data:`COST_KPIS` of the whole centre.
    """
    weights = measured_intervals(plan)[None, None, :, None]
    counts = {
        name: _with_total(_reduce_calls(tallies.count(name) * weights, period))
        for name in _COUNT_INPUTS
    }
    sums = {
        name: _with_total(_reduce_calls(tallies.call_sum(name) * weights, period))
        for name in _SUM_INPUTS
    }
    open_s = _reduce_calls(open_seconds(plan)[None, :, :, None], period)
    calls = _call_kpis(counts, sums, open_s, plan.sl_definition)
    centre = {name: values[..., -1] for name, values in agent_kpis(tallies, plan, period).items()}
    centre |= cost_kpis(tallies, plan, period)
    return calls, centre


def cost_kpis(tallies: Tallies, plan: Plan, period: Period) -> dict[str, Array]:
    """Money KPIs of the whole centre (see :data:`COST_KPIS` and ``docs/reference/kpis.md``).

    Worked out day by day: wages, the overtime premium, seats for the day's peak of agents
    present, revenue (price per answered call and per staffed hour) and the penalty when the
    day's service level is below the contract's; the run sums its days, except that a penalty
    judged on the whole run takes the run's service level. Per interval they are NaN.
    """
    weights = measured_intervals(plan)[None, None, :, None]
    counts = {
        name: _reduce_calls(tallies.count(name) * weights, "day").sum(axis=-1)
        for name in _COUNT_INPUTS
    }  # [reps, days], all call types
    groups = agent_kpis(tallies, plan, "day")  # [reps, days, groups + "all"]
    day = {name: values[..., -1] for name, values in groups.items()}
    overtime_cost = (groups["overtime_h"][..., :-1] @ plan.wage_per_hour) * plan.overtime_premium
    staffed_s = tallies.agent_sum("staffed_s")[:, :, plan.warmup_intervals : plan.n_intervals]
    seats = np.ceil(staffed_s.sum(axis=-1).max(axis=-1) / plan.interval_s - 1e-9)
    revenue = plan.price_per_call * counts["answered"] + plan.price_per_hour * day["staffed_h"]
    missed = service_level(counts, plan.sl_definition) < plan.penalty_below
    costs = {
        "overtime_cost": overtime_cost,
        "seats": seats,
        "seat_cost": seats * plan.seat_per_day,
        "total_cost": day["wage_cost"] + overtime_cost + seats * plan.seat_per_day,
        "revenue": revenue,
        "sla_penalty": np.where(missed, plan.penalty_share * revenue, 0.0),
    }
    if period == "interval":
        shape = (tallies.reps, plan.n_days, plan.n_intervals)
        return {name: np.full(shape, np.nan) for name in COST_KPIS}
    if period == "total":
        costs = {name: values.sum(axis=1) for name, values in costs.items()}
        if not plan.penalty_by_day:
            run = {name: values.sum(axis=1) for name, values in counts.items()}
            missed_run = service_level(run, plan.sl_definition) < plan.penalty_below
            costs["sla_penalty"] = np.where(missed_run, plan.penalty_share * costs["revenue"], 0.0)
    costs["margin"] = costs["revenue"] - costs["total_cost"] - costs["sla_penalty"]
    return costs


def group_kpis(tallies: Tallies, plan: Plan, period: Period) -> pd.DataFrame:
    """Return one row of group KPIs per replication, period cell, group and call type.

    Groups are the scenario's then ``"all"``; call types the scenario's then ``"all"``. Each row
    has :data:`GROUP_CALL_KPIS` (calls the group answered, by interval of arrival, and their
    mean handle time); the ``call_type == "all"`` rows also have :data:`AGENT_KPIS` and
    :data:`OUTBOUND_RATE_KPIS` of the group.
    """
    weights = measured_intervals(plan)[None, None, :, None, None]
    handled = _reduce_calls(tallies.group_call("handled") * weights, period)
    handle_s = _reduce_calls(tallies.group_call("handle_s") * weights, period)
    handled, handle_s = (_with_total(_with_total(a), axis=-2) for a in (handled, handle_s))
    values = {"handled": handled, "aht_s": ratio(handle_s, handled)}
    names = {"group": [*plan.groups, ALL], "call_type": [*plan.call_types, ALL]}
    frame = _frame(values, period, plan, names)
    return _without_email(
        _with_total_rows(frame, "call_type", agent_kpis(tallies, plan, period)), plan
    )


def _reduce_calls(values: Array, period: Period) -> Array:
    """Sum tallies shaped ``[reps, days, intervals, ...]`` to the period's cells."""
    values = values.astype(np.float64)
    if period == "day":
        return values.sum(axis=2)
    if period == "total":
        return values.sum(axis=(1, 2))
    return values


def _with_total(values: Array, axis: int = -1) -> Array:
    """Append the sum over ``axis`` as its last entry (the ``"all"`` row)."""
    return np.concatenate([values, values.sum(axis=axis, keepdims=True)], axis=axis)


def open_seconds(plan: Plan) -> Array:
    """Seconds each planning interval of each day is open and measured, float64[D, I].

    The interval's length where it is open; 0 where it is closed or in the steady-state warm-up.
    """
    lengths_s = (plan.segment_end_at - plan.segment_start_at).reshape(plan.n_days, -1)
    return lengths_s * measured_intervals(plan)


def measured_intervals(plan: Plan) -> Array:
    """1.0 for intervals whose arrivals count, 0.0 for the steady-state warm-up."""
    weights = np.ones(plan.n_intervals)
    weights[: plan.warmup_intervals] = 0.0
    return weights


def _call_kpis(
    counts: dict[str, Array], sums: dict[str, Array], open_s: Array, definition: str
) -> dict[str, Array]:
    """Call KPIs from a period's sums; ``open_s``: its open seconds, broadcast to the sums."""
    values = {name: counts[name] for name in COUNT_KPIS}
    values["service_level"] = service_level(counts, definition)
    values["asa_s"] = ratio(sums["wait_answered_s"], counts["answered"])
    values["mean_wait_s"] = ratio(sums["wait_all_s"], counts["offered"])
    values["abandon_rate"] = ratio(counts["abandoned"], counts["offered"])
    values["answer_rate"] = ratio(counts["answered"], counts["offered"])
    values["aht_s"] = ratio(sums["handle_s"], counts["answered"])
    values["p_wait"] = ratio(counts["waited"], counts["offered"])
    wait_all_s = sums["wait_all_s"]
    values["queue_length"] = ratio(wait_all_s, np.broadcast_to(open_s, wait_all_s.shape))
    values["block_rate"] = ratio(counts["blocked"], counts["offered"])
    values["bot_containment"] = ratio(counts["bot_resolved"], counts["bot_entered"])
    values["bot_handover_rate"] = ratio(counts["bot_handed_over"], counts["bot_entered"])
    values["bot_abandon_rate"] = ratio(counts["bot_abandoned"], counts["bot_entered"])
    return values


def agent_kpis(tallies: Tallies, plan: Plan, period: Period) -> dict[str, Array]:
    """Agent KPIs per period cell and group, the last group being the whole centre.

    Agent time, outbound attempts and control actions count by clock slot; the after-close slot
    counts in days and the whole run of a calendar scenario (the drain), never in steady state.
    Plans with chats also get :data:`CHAT_KPIS`, plans with chat or email
    :data:`CHANNEL_KPIS`.
    """
    weights = np.ones(plan.n_slots)
    weights[: plan.warmup_intervals] = 0.0
    open_weights = weights.copy()
    open_weights[-1] = 0.0  # the after-close slot
    if plan.steady_state or period == "interval":
        weights = open_weights  # only finite days count their drain
    sums = _slot_sums(tallies, plan, period, weights, AGENT_SUMS)
    sums |= {
        name: _reduce_slots(
            tallies.group_count(name).astype(np.float64) * weights[None, None, :, None],
            plan,
            period,
        )
        for name in ("attempts", "contacts", "to_inbound", "to_outbound", "activations")
    }
    in_hours = {
        name: _with_total(array)
        for name, array in _slot_sums(tallies, plan, period, open_weights, _OCCUPANCY_SUMS).items()
    }
    # Per group, before the "all" entry is appended: what depends on the group's wage and kind.
    phone_s = sums["staffed_s"] - sums["break_s"] - sums["off_phone_s"]
    reserve = (plan.group_kind == GroupKind.RESERVE).astype(np.float64)
    sums["phone_s"] = phone_s
    sums["reserve_phone_s"] = phone_s * reserve
    sums["wage_cost"] = sums["staffed_s"] / 3600.0 * plan.wage_per_hour
    sums["overtime_cost"] = sums["overtime_s"] / 3600.0 * plan.wage_per_hour * plan.overtime_premium
    sums["reserve_phone_cost"] = sums["reserve_phone_s"] / 3600.0 * plan.wage_per_hour
    sums["session_capacity_s"] = _available(sums) * _session_capacity(plan)
    sums = {name: _with_total(array) for name, array in sums.items()}
    scheduled = _with_total(
        np.broadcast_to(plan.scheduled_agents, (tallies.reps, *plan.scheduled_agents.shape))
    )
    staffed, busy, on_break = sums["staffed_s"], sums["busy_s"], sums["break_s"]
    outbound, off_phone = sums["outbound_s"], sums["off_phone_s"]
    per_interval = period == "interval"
    chat = {
        "session_h": sums["session_s"] / 3600.0,
        "sessions_per_agent": ratio(sums["session_s"], sums["chat_s"]),
        "concurrency_utilisation": ratio(sums["session_s"], sums["session_capacity_s"]),
    }
    channels = {
        f"occupancy_{channel}": ratio(sums[f"{channel}_s"], _available(sums))
        for channel in ("voice", "chat", "email")
    }
    return {
        "occupancy": _occupancy(sums),
        "occupancy_open": _occupancy(in_hours),
        "agents": staffed / plan.interval_s if per_interval else np.full_like(staffed, np.nan),
        "agents_on_break": on_break / plan.interval_s
        if per_interval
        else np.full_like(staffed, np.nan),
        "agents_scheduled": scheduled.astype(np.float64)
        if per_interval
        else np.full_like(staffed, np.nan),
        "staffed_h": staffed / 3600.0,
        "busy_h": busy / 3600.0,
        "break_h": on_break / 3600.0,
        "idle_h": (staffed - busy - on_break - outbound - off_phone) / 3600.0,
        "overtime_h": sums["overtime_s"] / 3600.0,
        "outbound_h": outbound / 3600.0,
        "off_phone_h": off_phone / 3600.0,
        "phone_h": sums["phone_s"] / 3600.0,
        "reserve_phone_h": sums["reserve_phone_s"] / 3600.0,
        "outbound_attempts": sums["attempts"],
        "outbound_contacts": sums["contacts"],
        "switches_to_inbound": sums["to_inbound"],
        "switches_to_outbound": sums["to_outbound"],
        "activations": sums["activations"],
        "wage_cost": sums["wage_cost"],
        "reserve_phone_cost": sums["reserve_phone_cost"],
        "contacts_per_agent_h": ratio(sums["contacts"], outbound / 3600.0),
        **(chat if plan.has_chat else {}),
        **(channels if plan.has_channels else {}),
    }


def _available(sums: dict[str, Array]) -> Array:
    """Return the time open to inbound contacts: staffed - breaks - outbound - off the phones."""
    return sums["staffed_s"] - sums["break_s"] - sums["outbound_s"] - sums["off_phone_s"]


def _session_capacity(plan: Plan) -> Array:
    """Return the sessions an agent of each group may hold (0 in groups without chats)."""
    return np.where(plan.group_takes_chat, plan.group_max_chats, 0).astype(np.float64)


def _occupancy(sums: dict[str, Array]) -> Array:
    """Busy time / the time open to inbound calls (staffed - breaks - outbound - off the phones)."""
    return ratio(sums["busy_s"], _available(sums))


def _slot_sums(
    tallies: Tallies, plan: Plan, period: Period, weights: Array, names: tuple[str, ...]
) -> dict[str, Array]:
    """Agent-time sums (seconds) per period cell and group, each clock slot times its weight."""
    return {
        name: _reduce_slots(tallies.agent_sum(name) * weights[None, None, :, None], plan, period)
        for name in names
    }


def _reduce_slots(values: Array, plan: Plan, period: Period) -> Array:
    """Sum arrays shaped ``[reps, days, slots, groups]`` to the period's cells.

    Interval cells keep the planning intervals' slots (not the after-close slot).
    """
    if period == "interval":
        return values[:, :, : plan.n_intervals]
    return values.sum(axis=2 if period == "day" else (1, 2))


def _frame(
    values: dict[str, Array], period: Period, plan: Plan, names: dict[str, list[str]]
) -> pd.DataFrame:
    """Flatten ``[reps, period keys..., categories...]`` arrays into a long frame."""
    import pandas as pd  # noqa: PLC0415 (summaries printed as JSON need no pandas)

    shape = values[next(iter(values))].shape
    index = np.indices(shape).reshape(len(shape), -1)
    columns: dict[str, object] = {"rep": index[0]}
    for axis, key in enumerate(PERIOD_KEYS[period], start=1):
        columns[key] = index[axis]
    first = len(shape) - len(names)
    for offset, (key, categories) in enumerate(names.items()):
        columns[key] = pd.Categorical.from_codes(
            index[first + offset], categories=pd.Index(categories)
        )
    columns |= {name: array.ravel() for name, array in values.items()}
    frame = pd.DataFrame(columns)
    if period == "interval" and plan.warmup_intervals:
        frame = frame[frame["interval"] >= plan.warmup_intervals].reset_index(drop=True)
    return frame


def _with_total_rows(frame: pd.DataFrame, column: str, values: dict[str, Array]) -> pd.DataFrame:
    """Return ``frame`` with ``values`` in new columns, on its ``column == "all"`` rows.

    Each value goes to its cell's row (in the order of those rows); other rows get NaN. Interval
    frames have lost their warm-up intervals; the values keep the same cells.
    """
    import pandas as pd  # noqa: PLC0415 (summaries printed as JSON need no pandas)

    total_rows = frame[column].to_numpy() == ALL
    kept_intervals = (
        np.unique(frame["interval"].to_numpy()[total_rows]) if "interval" in frame.columns else None
    )
    filled = {}
    for name, array in values.items():
        kept = (
            array[:, :, kept_intervals] if kept_intervals is not None and array.ndim >= 3 else array
        )
        filled[name] = np.full(len(frame), np.nan)
        filled[name][total_rows] = kept.ravel()
    return pd.concat([frame, pd.DataFrame(filled, index=frame.index)], axis=1)


def _without_email(frame: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Drop the rows of email types: their KPIs are apart (:mod:`sim.results.email`)."""
    if not plan.has_email:
        return frame
    emails = [name for name, email in zip(plan.call_types, plan.is_email, strict=True) if email]
    kept = frame[~frame["call_type"].isin(emails)].reset_index(drop=True)
    kept["call_type"] = kept["call_type"].cat.remove_categories(emails)
    return kept


def ratio(numerator: Array, denominator: Array) -> Array:
    """Return numerator / denominator elementwise, NaN where the denominator is not > 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            denominator > 0, numerator / np.where(denominator > 0, denominator, 1.0), np.nan
        )

"""Summary frames -> tables for people (console, CSV) and machines (JSON)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from sim.results.kpis import ALL, BOT_RATE_KPIS, CHANNEL_KPIS, CHAT_KPIS
from sim.results.summary import POOLED_KPIS, STAT_COLUMNS, RunTotals, Summary, TotalStats
from sim.scenario.plan import GroupKind, Plan

if TYPE_CHECKING:
    import pandas as pd

JSON_KPIS = (
    "service_level",
    "asa_s",
    "abandon_rate",
    "occupancy",
    "occupancy_open",
    "p_wait",
    "queue_length",
    "offered",
    "answered",
    "abandoned",
)
CENTRE_KPIS = frozenset({"occupancy", "occupancy_open", *CHAT_KPIS, *CHANNEL_KPIS})
"""KPIs of the agents, not of a call type: in JSON under ``"all"`` only."""
INTERVAL_KPIS = (
    "offered",
    "answered",
    "abandoned",
    "service_level",
    "asa_s",
    "mean_wait_s",
    "abandon_rate",
    "aht_s",
    "p_wait",
    "queue_length",
    "occupancy",
    "occupancy_open",
    "agents",
    "agents_scheduled",
    "agents_on_break",
)
LINE_KPIS = ("blocked", "block_rate")
"""Added to the interval, JSON and console tables of a scenario with lines."""
BOT_KPIS = (
    "bot_entered",
    "bot_bypassed",
    "bot_containment",
    "bot_handover_rate",
    "bot_abandon_rate",
)
"""Added to the interval and JSON tables of a scenario with a bot (and shown in the console)."""


CHAT_NOTE = (
    "chat: ASA is the mean time to the first response (the answer), the service level the "
    "share first answered within the threshold"
)
"""Printed under the console table of a scenario with chats."""


def _with_plan_kpis(kpis: tuple[str, ...], plan: Plan) -> tuple[str, ...]:
    """``kpis``, then the KPIs of lines, of a bot, of chats and of channels the plan has."""
    return (
        *kpis,
        *(LINE_KPIS if plan.has_lines else ()),
        *(BOT_KPIS if plan.has_bot else ()),
        *(CHAT_KPIS if plan.has_chat else ()),
        *(CHANNEL_KPIS if plan.has_channels else ()),
    )


def interval_table(summary: Summary, plan: Plan) -> pd.DataFrame:
    """Return one row per day, interval and call type: each KPI's mean and 95% CI.

    Columns: ``day``, ``interval``, ``start`` (clock time), ``call_type``, then
    ``<kpi>_mean``, ``<kpi>_ci_low``, ``<kpi>_ci_high`` for :data:`INTERVAL_KPIS` (and
    :data:`LINE_KPIS` with lines, :data:`BOT_KPIS` with a bot, the chat KPIs with chats, the
    occupancy by channel with chat or email), and for the ratios of
    :data:`~sim.results.summary.POOLED_KPIS` also ``<kpi>_pooled``: the ratio of the sums over
    the replications (``_mean`` is the mean of the replications' ratios).
    """
    names = _with_plan_kpis(INTERVAL_KPIS, plan)
    frame = summary.intervals[summary.intervals["kpi"].isin(names)]
    wide = frame.pivot_table(
        index=["day", "interval", "call_type"],
        columns="kpi",
        values=["mean", "ci_low", "ci_high", "pooled"],
        observed=True,
        dropna=False,
    )
    pairs = cast("list[tuple[str, str]]", wide.columns.to_list())  # (stat, kpi) MultiIndex
    wide.columns = [f"{kpi}_{stat}" for stat, kpi in pairs]
    ordered = [
        f"{kpi}_{stat}"
        for kpi in names
        for stat in ("mean", "ci_low", "ci_high", *(("pooled",) if kpi in POOLED_KPIS else ()))
    ]
    wide = wide.reindex(columns=ordered).reset_index()
    wide.insert(
        2,
        "start",
        [
            plan.interval_label(int(d), int(j))
            for d, j in zip(wide["day"], wide["interval"], strict=True)
        ],
    )
    return wide


def _period_labels(days: pd.Series, plan: Plan) -> list[str]:
    """Name each day of a column as a period: ``day 3``, or ``2027-01-07 Thu`` with dates."""
    return [plan.day_label(int(day), "day ") for day in days]


def summary_table(summary: Summary, plan: Plan) -> pd.DataFrame:
    """Return days and the whole run in one long table: ``period``, ``call_type``, ``kpi``, stats.

    Each row gives the statistics of :data:`~sim.results.summary.STAT_COLUMNS`; a day's period
    is its label (``day 3``, or its date and weekday).
    """
    import pandas as pd  # noqa: PLC0415 (``ccsim run --json`` needs no pandas)

    days = summary.days.assign(period=_period_labels(summary.days["day"], plan)).drop(columns="day")
    total = summary.total.assign(period="total")
    table = pd.concat([total, days], ignore_index=True)
    return table[["period", "call_type", "kpi", *STAT_COLUMNS]]


def group_table(summary: Summary, plan: Plan) -> pd.DataFrame:
    """Return every group KPI in one long table: whole run, each day, each interval.

    Columns: ``period`` (``total``, the day's label or ``interval``), ``day``, ``interval``,
    ``start`` (clock time of interval rows), ``group``, ``call_type``, ``kpi``, ``mean``,
    ``sd``, ``ci_low``, ``ci_high``, ``n_reps`` and ``pooled`` (see
    :class:`~sim.results.summary.Summary`).
    """
    import pandas as pd  # noqa: PLC0415 (``ccsim run --json`` needs no pandas)

    groups = summary.groups
    total = groups.total.assign(period="total")
    days = groups.days.assign(period=_period_labels(groups.days["day"], plan))
    intervals = groups.intervals.assign(
        period="interval",
        start=[
            plan.interval_label(int(d), int(j))
            for d, j in zip(groups.intervals["day"], groups.intervals["interval"], strict=True)
        ],
    )
    table = pd.concat([total, days, intervals], ignore_index=True)
    columns = ["period", "day", "interval", "start", "group", "call_type", "kpi"]
    return table.reindex(columns=[*columns, "mean", "sd", "ci_low", "ci_high", "n_reps", "pooled"])


def kpis_json(totals: RunTotals, plan: Plan) -> dict[str, Any]:
    """Return ``{call type or "all": {kpi: {"mean", "ci95": [lo, hi]}}}`` for the whole run.

    Occupancy (also over opening hours) is a centre KPI: it appears under ``"all"`` only.
    Undefined values are ``None``, also for a KPI undefined in every replication. With lines,
    :data:`LINE_KPIS` follow; with a bot, :data:`BOT_KPIS`; with chats,
    :data:`~sim.results.kpis.CHAT_KPIS` of the whole centre (under ``"all"``); with chat or
    email, :data:`~sim.results.kpis.CHANNEL_KPIS` (under ``"all"``).
    """
    names = _with_plan_kpis(JSON_KPIS, plan)
    return {
        name: {
            kpi: _json_entry(totals.calls, name, kpi)
            for kpi in names
            if name == ALL or kpi not in CENTRE_KPIS
        }
        for name in [*plan.voice_call_types, ALL]
    }


def _json_entry(stats: TotalStats, name: str, kpi: str) -> dict[str, Any]:
    """Return ``{"mean", "ci95": [lo, hi]}`` of one KPI of one row (``None`` where undefined)."""
    if kpi not in stats.kpis:
        return {"mean": None, "ci95": [None, None]}
    cell = (stats.names.index(name), stats.kpis.index(kpi))
    if stats.n_reps[cell] == 0:  # undefined in every replication
        return {"mean": None, "ci95": [None, None]}
    return {
        "mean": _number(stats.mean[cell]),
        "ci95": [_number(stats.ci_low[cell]), _number(stats.ci_high[cell])],
    }


def console_table(summary: Summary, plan: Plan) -> str:
    """Return the whole-run summary as an aligned text table (means with 95% CIs)."""
    total = summary.total.set_index(["call_type", "kpi"])
    several_days = plan.n_days > 1
    header = [
        "call type",
        "offered",
        "answered",
        "abandon",
        *(["blocked"] if plan.has_lines else []),
        "service level (95% CI)",
        "ASA s",
        "AHT s",
        "P(wait)",
        "queue",
        "occupancy",
        "occ. open hours",
        *(["P(day SL>=target)", "P(run SL>=target)"] if several_days else ["P(SL>=target)"]),
    ]
    day_shares = _day_meet_shares(summary)
    rows = [header]
    chats = dict(zip(plan.call_types, plan.chat_types, strict=True))
    for name in [*plan.voice_call_types, ALL]:
        chat = chats.get(name, False)

        def get(kpi: str, stat: str = "mean", name: str = name) -> float:
            key = (name, kpi)
            value: Any = total.loc[key, stat] if key in total.index else math.nan
            return float(value)

        rows.append(
            [
                f"{name} (chat)" if chat else name,
                f"{get('offered'):.1f}",
                f"{get('answered'):.1f}",
                _percent(get("abandon_rate")),
                *([_percent(get("block_rate"))] if plan.has_lines else []),
                f"{_percent(get('service_level'))} "
                f"[{_percent(get('service_level', 'ci_low'))}, "
                f"{_percent(get('service_level', 'ci_high'))}]",
                f"{get('asa_s'):.1f}",
                f"{get('aht_s'):.1f}",
                _percent(get("p_wait")),
                f"{get('queue_length'):.2f}",
                _percent(get("occupancy")) if name == ALL else "",
                _percent(get("occupancy_open")) if name == ALL else "",
                *([f"{day_shares.get(name, math.nan):.2f}"] if several_days else []),
                f"{get('service_level', 'p_meet'):.2f}",
            ]
        )
    table = aligned_rows(rows)
    if plan.has_chat:
        table += "\n" + CHAT_NOTE + "\n\n" + _chat_console_table(summary, plan)
    if plan.n_groups > 1 or plan.has_channels:
        table += "\n\n" + _group_console_table(summary, plan)
    if plan.has_bot:
        table += "\n\n" + _bot_console_table(summary, plan)
    if plan.has_controls:
        table += "\n\n" + _controls_console_table(summary, plan)
    if plan.has_money:
        table += "\n\n" + _money_console_table(summary)
    return table


def _day_meet_shares(summary: Summary) -> dict[str, float]:
    """Share of (replication, day) pairs whose day service level met the target, by call type.

    Each day's ``p_meet`` weighted by the replications in which its service level is defined.
    """
    days = summary.days[summary.days["kpi"] == "service_level"]
    weighted = (days["p_meet"] * days["n_reps"]).groupby(days["call_type"], observed=True).sum()
    counts = days["n_reps"].groupby(days["call_type"], observed=True).sum()
    return {str(name): float(value) for name, value in (weighted / counts).items()}


def _bot_console_table(summary: Summary, plan: Plan) -> str:
    """Whole-run bot KPIs of each call type with a bot, and of all (means, 95% CIs)."""
    total = summary.total.set_index(["call_type", "kpi"])

    def get(name: str, kpi: str) -> str:
        if (name, kpi) not in total.index:
            return "n/a"
        stats: Any = total.loc[(name, kpi), ["mean", "ci_low", "ci_high"]]
        mean, low, high = (float(value) for value in stats)
        if kpi in ("bot_entered", "bot_bypassed"):
            return f"{mean:.1f}"
        ci = "" if math.isnan(low) else f" [{_percent(low)}, {_percent(high)}]"
        return f"{_percent(mean)}{ci}"

    header = [
        "bot",
        "entered",
        "bypassed",
        "containment (95% CI)",
        "handed over (95% CI)",
        "hung up in bot (95% CI)",
    ]
    names = [k for k, bot in zip(plan.call_types, plan.bot_in_front, strict=True) if bot]
    rows = [header]
    rows += [[name, *(get(name, kpi) for kpi in BOT_KPIS)] for name in [*names, ALL]]
    return aligned_rows(rows)


MONEY_COLUMNS = ("wage_cost", "overtime_cost", "seat_cost", "revenue", "sla_penalty", "margin")


def _money_console_table(summary: Summary) -> str:
    """Whole-run money of the centre: costs, revenue, penalty and margin (means, 95% CIs)."""
    total = summary.total
    rows = total[(total["call_type"] == ALL) & total["kpi"].isin(MONEY_COLUMNS)].set_index("kpi")
    cells = []
    for kpi in MONEY_COLUMNS:
        stats: Any = rows.loc[kpi, ["mean", "ci_low", "ci_high"]]
        mean, low, high = (float(value) for value in stats)
        ci = "" if math.isnan(low) else f" [{low:,.0f}, {high:,.0f}]"
        cells.append(f"{mean:,.0f}{ci}")
    header = ["money", *(f"{kpi.replace('_', ' ')} (95% CI)" for kpi in MONEY_COLUMNS)]
    return aligned_rows([header, ["run", *cells]])


# Console blocks of blended and reserve groups: title, then (column label, KPI, decimals).
CONTROL_BLOCKS = {
    GroupKind.BLENDED: (
        "blended group",
        (
            ("outbound contacts", "outbound_contacts", 1),
            ("outbound h", "outbound_h", 1),
            ("switches to inbound", "switches_to_inbound", 1),
            ("to outbound", "switches_to_outbound", 1),
        ),
    ),
    GroupKind.RESERVE: (
        "reserve group",
        (
            ("phone h", "phone_h", 1),
            ("calls handled", "handled", 1),
            ("reserve phone cost", "reserve_phone_cost", 0),
        ),
    ),
}


def _controls_console_table(summary: Summary, plan: Plan) -> str:
    """Whole-run outbound work of blended groups and phone time of reserves (means, 95% CIs)."""
    total = summary.groups.total
    total = total[total["call_type"] == ALL].set_index(["group", "kpi"])

    def get(group: str, kpi: str, decimals: int = 1) -> str:
        if (group, kpi) not in total.index:
            return "n/a"
        stats: Any = total.loc[(group, kpi), ["mean", "ci_low", "ci_high"]]
        mean, low, high = (float(value) for value in stats)
        ci = "" if math.isnan(low) else f" [{low:.{decimals}f}, {high:.{decimals}f}]"
        return f"{mean:.{decimals}f}{ci}"

    blocks = []
    for kind, (title, columns) in CONTROL_BLOCKS.items():
        names = [g for g, k in zip(plan.groups, plan.group_kind, strict=True) if k == kind]
        if names:
            rows = [[title, *(f"{label} (95% CI)" for label, _, _ in columns)]]
            rows += [[name, *(get(name, kpi, d) for _, kpi, d in columns)] for name in names]
            blocks.append(aligned_rows(rows))
    return "\n\n".join(blocks)


CHAT_COLUMNS = (
    ("sessions per agent", "sessions_per_agent", 2, False),
    ("concurrency utilisation", "concurrency_utilisation", 1, True),
    ("occupancy", "occupancy", 1, True),
    ("session h", "session_h", 1, False),
)
"""Columns of the chat groups' console table: label, KPI, decimals, percent."""


def chat_groups(plan: Plan) -> list[str]:
    """Return the names of the groups that take chats."""
    return [name for name, chat in zip(plan.groups, plan.group_takes_chat, strict=True) if chat]


def _chat_console_table(summary: Summary, plan: Plan) -> str:
    """Whole-run chat KPIs of each group that takes chats (means with 95% CIs)."""
    total = summary.groups.total
    total = total[total["call_type"] == ALL].set_index(["group", "kpi"])

    def get(group: str, kpi: str, decimals: int, percent: bool) -> str:
        if (group, kpi) not in total.index:
            return "n/a"
        stats: Any = total.loc[(group, kpi), ["mean", "ci_low", "ci_high"]]
        scale, unit = (100.0, "%") if percent else (1.0, "")
        mean, low, high = (scale * float(value) for value in stats)
        ci = "" if math.isnan(low) else f" [{low:.{decimals}f}{unit}, {high:.{decimals}f}{unit}]"
        return f"{mean:.{decimals}f}{unit}{ci}"

    header = ["chat group", "max sessions", *(f"{label} (95% CI)" for label, *_ in CHAT_COLUMNS)]
    rows = [header]
    for name in chat_groups(plan):
        most = int(plan.group_max_chats[plan.groups.index(name)])
        rows.append([name, str(most), *(get(name, kpi, d, p) for _, kpi, d, p in CHAT_COLUMNS)])
    return aligned_rows(rows)


def chat_json(totals: RunTotals, plan: Plan) -> dict[str, Any]:
    """Return the chat call types and ``{group: {kpi: {"mean", "ci95"}}}`` of chat groups.

    The chat call types' first-response time and service level are their ``asa_s`` and
    ``service_level`` under ``kpis``.
    """
    groups = {
        name: {kpi: _json_entry(totals.groups, name, kpi) for kpi in (*CHAT_KPIS, "occupancy")}
        for name in chat_groups(plan)
    }
    chats = [name for name, chat in zip(plan.call_types, plan.chat_types, strict=True) if chat]
    return {"call_types": chats, "groups": groups}


CHANNEL_COLUMNS = ("occ. voice", "occ. chat", "occ. email")
"""Console labels of :data:`~sim.results.kpis.CHANNEL_KPIS`, in their order."""


def channel_json(totals: RunTotals, plan: Plan) -> dict[str, Any]:
    """Return ``{group or "all": {kpi: {"mean", "ci95"}}}`` of the occupancy by channel."""
    return {
        name: {kpi: _json_entry(totals.groups, name, kpi) for kpi in ("occupancy", *CHANNEL_KPIS)}
        for name in [*plan.groups, ALL]
    }


def console_channels(plan: Plan) -> list[tuple[str, str]]:
    """Return ``(label, kpi)`` of the channels a plan's console shows the occupancy of.

    None without chat or email; otherwise each channel some call type of the plan uses.
    """
    if not plan.has_channels:
        return []
    voice = len(plan.voice_call_types) > int(np.sum(plan.chat_types))
    present = (voice, plan.has_chat, plan.has_email)
    columns = zip(CHANNEL_COLUMNS, CHANNEL_KPIS, present, strict=True)
    return [(label, kpi) for label, kpi, used in columns if used]


def _group_console_table(summary: Summary, plan: Plan) -> str:
    """Whole-run group KPIs: agent hours, occupancy and calls handled (means).

    With chat or email, the occupancy of each channel in use too; calls handled are voice calls
    and chats (email items are in the email block).
    """
    total = summary.groups.total
    total = total[total["call_type"] == ALL].set_index(["group", "kpi"])
    channels = console_channels(plan)
    header = [
        "group",
        "staffed h",
        "busy h",
        "break h",
        "overtime h",
        "occupancy",
        *(label for label, _ in channels),
        "calls handled",
        "AHT s",
    ]
    rows = [header]
    for name in [*plan.groups, ALL]:

        def get(kpi: str, name: str = name) -> float:
            key = (name, kpi)
            value: Any = total.loc[key, "mean"] if key in total.index else math.nan
            return float(value)

        rows.append(
            [
                name,
                f"{get('staffed_h'):.1f}",
                f"{get('busy_h'):.1f}",
                f"{get('break_h'):.1f}",
                f"{get('overtime_h'):.1f}",
                _percent(get("occupancy")),
                *(_percent(get(kpi)) for _, kpi in channels),
                f"{get('handled'):.1f}",
                f"{get('aht_s'):.1f}",
            ]
        )
    return aligned_rows(rows)


def aligned_rows(rows: list[list[str]]) -> str:
    """Left-align the first column, right-align the others."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.rjust(width) if i else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    )


def _percent(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{100 * value:.1f}%"


def _number(value: Any) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def comparison_table(table: pd.DataFrame, differences: pd.DataFrame) -> pd.DataFrame:
    """Join scenarios' KPIs and their paired differences from the baseline, long format.

    Parameters
    ----------
    table : pandas.DataFrame
        ``scenario``, ``kpi``, ``mean``, ``ci_low``, ``ci_high``, ``p_meet``.
    differences : pandas.DataFrame
        ``scenario``, ``kpi``, ``mean``, ``ci_low``, ``ci_high``, ``sd`` of the differences.

    Returns
    -------
    pandas.DataFrame
        The table with ``diff_mean``, ``diff_ci_low``, ``diff_ci_high`` (NaN for the baseline).
    """
    renamed = differences.rename(
        columns={"mean": "diff_mean", "ci_low": "diff_ci_low", "ci_high": "diff_ci_high"}
    ).drop(columns=["sd", "n_pairs"])
    return table.merge(renamed, on=["scenario", "kpi"], how="left")


def comparison_console(
    names: tuple[str, ...], table: pd.DataFrame, differences: pd.DataFrame
) -> str:
    """Return a comparison as text: a row per KPI, each scenario's mean and CI, differences."""
    joined = comparison_table(table, differences).set_index(["scenario", "kpi"])
    baseline = names[0]
    header = ["kpi", *names, *(f"{name} - {baseline}" for name in names[1:])]
    rows = [header]
    for kpi in dict.fromkeys(table["kpi"]):
        cells = [str(kpi)]
        cells += [_compared_cell(joined, name, kpi, "") for name in names]
        cells += [_compared_cell(joined, name, kpi, "diff_") for name in names[1:]]
        rows.append(cells)
    return aligned_rows(rows)


def _compared_cell(joined: pd.DataFrame, name: str, kpi: str, prefix: str) -> str:
    """Format a scenario's mean and CI (``prefix`` ``"diff_"``: its difference); n/a if absent."""
    if (name, kpi) not in joined.index:
        return "n/a"
    row = cast("pd.Series", joined.loc[(name, kpi)])
    mean, low, high = (float(row[f"{prefix}{column}"]) for column in ("mean", "ci_low", "ci_high"))
    return _with_ci(kpi, mean, low, high, sign=bool(prefix))


PERCENT_KPIS = frozenset(
    (
        "service_level",
        "abandon_rate",
        "occupancy",
        "concurrency_utilisation",
        "email_within_target_share",
        *CHANNEL_KPIS,
        *BOT_RATE_KPIS,
    )
)
"""KPIs shown as percentages (rates and shares) in the comparison."""


def _with_ci(kpi: str, mean: float, low: float, high: float, *, sign: bool = False) -> str:
    """Format a mean and its CI: percentages for rates and shares, else 1 decimal."""
    percent = kpi in PERCENT_KPIS
    scale, unit = (100.0, " pt" if sign else "%") if percent else (1.0, "")
    form = "+.1f" if sign else ".1f"
    if math.isnan(mean):
        return "n/a"
    return f"{scale * mean:{form}}{unit} [{scale * low:.1f}, {scale * high:.1f}]"

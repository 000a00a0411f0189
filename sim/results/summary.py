"""Across replications: mean, standard deviation, 95% confidence interval, P(meets target)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.engines.base import Tallies
from sim.results.kpis import (
    AGENT_KPIS,
    ALL,
    BOT_RATE_KPIS,
    CALL_KPIS,
    CHANNEL_KPIS,
    CHAT_KPIS,
    COST_KPIS,
    GROUP_CALL_KPIS,
    OUTBOUND_RATE_KPIS,
    PERIOD_KEYS,
    Array,
    Period,
    agent_kpis,
    call_type_kpis,
    group_kpis,
    replication_kpis,
)
from sim.results.student_t import t_quantile_975
from sim.scenario.plan import Plan

if TYPE_CHECKING:
    import pandas as pd

STAT_COLUMNS = (
    "mean",
    "sd",
    "ci_low",
    "ci_high",
    "n_reps",
    "p_meet",
    "p_meet_low",
    "p_meet_high",
    "pooled",
)
FRACTION_KPIS = frozenset(
    {
        "service_level",
        "abandon_rate",
        "answer_rate",
        "occupancy",
        "occupancy_open",
        *CHANNEL_KPIS,
        "p_wait",
        "block_rate",
        "bot_containment",
        "bot_handover_rate",
        "bot_abandon_rate",
        "concurrency_utilisation",
    }
)
POOLED_KPIS = (
    "service_level",
    "asa_s",
    "mean_wait_s",
    "abandon_rate",
    "answer_rate",
    "aht_s",
    "p_wait",
    "block_rate",
    "bot_containment",
    "bot_handover_rate",
    "bot_abandon_rate",
    "occupancy",
    "occupancy_open",
    *CHANNEL_KPIS,
    "contacts_per_agent_h",
    "sessions_per_agent",
    "concurrency_utilisation",
)
"""Ratio KPIs whose denominator varies between replications: for them the pooled ratio (sum of
numerators / sum of denominators over the replications) differs from the mean of the ratios."""
"""KPIs that are shares: their mean, and so its interval, lies in [0, 1]."""
SIGNED_KPIS = frozenset({"margin"})
"""KPIs that may be negative; every other KPI is a count, a time or an amount, >= 0."""
NORMAL_975 = 1.959964
"""Two-sided 95% quantile of the standard normal distribution."""


@dataclass(frozen=True)
class GroupSummary:
    """Group KPI summaries: one row per period cell, group, call type and KPI.

    Attributes
    ----------
    intervals, days, total : pandas.DataFrame
        As in :class:`Summary`, with a ``group`` column before ``call_type``.
    """

    intervals: pd.DataFrame
    days: pd.DataFrame
    total: pd.DataFrame


@dataclass(frozen=True)
class Summary:
    """KPI summaries of a run, long format: one row per period cell, call type and KPI.

    Attributes
    ----------
    intervals, days, total : pandas.DataFrame
        Columns: the period keys, ``call_type``, ``kpi``, then ``mean``, ``sd``, ``ci_low``,
        ``ci_high`` (95% Student-t interval of the mean), ``n_reps`` (replications where the
        KPI is defined), ``p_meet`` (share of replications whose service level is at least
        the target; NaN for other KPIs) with its Wilson interval ``p_meet_low``,
        ``p_meet_high``, and ``pooled`` (for :data:`POOLED_KPIS`, the ratio of the sums over
        the replications; NaN for other KPIs).
    groups : GroupSummary
        The same for each agent group (and ``"all"``).
    """

    intervals: pd.DataFrame
    days: pd.DataFrame
    total: pd.DataFrame
    groups: GroupSummary


def summarize(tallies: Tallies, plan: Plan) -> Summary:
    """Summarize KPIs across replications for every period granularity."""
    return Summary(
        intervals=summarize_period(tallies, plan, "interval"),
        days=summarize_period(tallies, plan, "day"),
        total=summarize_period(tallies, plan, "total"),
        groups=GroupSummary(
            intervals=summarize_groups(tallies, plan, "interval"),
            days=summarize_groups(tallies, plan, "day"),
            total=summarize_groups(tallies, plan, "total"),
        ),
    )


def summarize_period(tallies: Tallies, plan: Plan, period: Period) -> pd.DataFrame:
    """Summarize the per-replication KPIs of one period granularity (see :class:`Summary`)."""
    frame = replication_kpis(tallies, plan, period)
    keys = [*PERIOD_KEYS[period], "call_type"]
    kpis = [
        *CALL_KPIS,
        *BOT_RATE_KPIS,
        *AGENT_KPIS,
        *OUTBOUND_RATE_KPIS,
        *COST_KPIS,
        *_channel_kpis(plan),
    ]
    out = _summarize(frame, keys, kpis, plan.sl_target)
    return _with_pooled(out, replication_kpis(pooled_tallies(tallies), plan, period), keys)


def summarize_groups(tallies: Tallies, plan: Plan, period: Period) -> pd.DataFrame:
    """Summarize the per-replication group KPIs of one period (see :class:`GroupSummary`)."""
    frame = group_kpis(tallies, plan, period)
    keys = [*PERIOD_KEYS[period], "group", "call_type"]
    kpis = [*GROUP_CALL_KPIS, *AGENT_KPIS, *OUTBOUND_RATE_KPIS, *_channel_kpis(plan)]
    out = _summarize(frame, keys, kpis, plan.sl_target)
    return _with_pooled(out, group_kpis(pooled_tallies(tallies), plan, period), keys)


@dataclass(frozen=True)
class TotalStats:
    """Whole-run KPI statistics of call types or groups, from arrays (no pandas).

    The numbers equal those of the ``total`` tables of :class:`Summary` (same algorithms).

    Attributes
    ----------
    names : tuple of str
        The rows: call types or groups, then ``"all"``.
    kpis : tuple of str
        The columns.
    mean, ci_low, ci_high : float64[names, kpis]
        Mean over the replications where the KPI is defined and its 95% Student-t interval
        (NaN with fewer than two).
    n_reps : int64[names, kpis]
        Replications where the KPI is defined (0: undefined in every one).
    """

    names: tuple[str, ...]
    kpis: tuple[str, ...]
    mean: Array
    ci_low: Array
    ci_high: Array
    n_reps: NDArray[np.int64]


@dataclass(frozen=True)
class RunTotals:
    """Whole-run KPI statistics, as :func:`run_totals` gives them.

    Attributes
    ----------
    calls : TotalStats
        Voice and chat call types, then ``"all"``: :data:`~sim.results.kpis.CALL_KPIS`,
        :data:`~sim.results.kpis.BOT_RATE_KPIS`, and on ``"all"`` the centre's agent and cost
        KPIs (as in ``Summary.total``).
    groups : TotalStats
        Groups, then ``"all"``: the agent KPIs of :func:`~sim.results.kpis.agent_kpis` (as in
        the ``call_type == "all"`` rows of ``Summary.groups.total``).
    """

    calls: TotalStats
    groups: TotalStats


def run_totals(tallies: Tallies, plan: Plan) -> RunTotals:
    """Summarize the whole run's KPIs from arrays, without the period tables of :func:`summarize`.

    What ``ccsim run --json`` prints; a fraction of the work of :func:`summarize` and no pandas.
    """
    calls, centre = call_type_kpis(tallies, plan, "total")
    kept = [*np.flatnonzero(~plan.is_email), plan.n_call_types]  # email types apart, then "all"
    only_all = np.full((tallies.reps, len(kept)), np.nan)
    columns = {name: values[:, kept] for name, values in calls.items()}
    for name, values in centre.items():
        columns[name] = only_all.copy()
        columns[name][:, -1] = values
    return RunTotals(
        calls=_total_stats((*plan.voice_call_types, ALL), columns),
        groups=_total_stats((*plan.groups, ALL), agent_kpis(tallies, plan, "total")),
    )


def _total_stats(names: tuple[str, ...], columns: dict[str, Array]) -> TotalStats:
    """Statistics of per-replication KPIs, each float64[reps, names] (NaN: undefined)."""
    kpis = tuple(columns)
    values = np.stack([columns[kpi] for kpi in kpis], axis=-1)  # [reps, names, kpis]
    mean, sd, n_reps = replication_stats(values)
    low, high = confidence_interval(mean, sd, n_reps, np.broadcast_to(np.array(kpis), mean.shape))
    return TotalStats(names, kpis, mean, low, high, n_reps)


def replication_stats(values: Array) -> tuple[Array, Array, NDArray[np.int64]]:
    """Return the mean, standard deviation and count over the replications (axis 0).

    NaN values (a KPI undefined in a replication) are left out. The replications are taken in
    order, the mean summed with compensation (Kahan) and the variance by Welford's update: the
    algorithms of pandas' grouped ``mean`` and ``std``, so the numbers equal, bit for bit, those
    of the tables of :func:`summarize`. The mean is NaN where the count is 0, the standard
    deviation (``ddof=1``) where it is below 2.
    """
    total = np.zeros(values.shape[1:])
    compensation = np.zeros_like(total)
    mean = np.zeros_like(total)
    squares = np.zeros_like(total)
    count = np.zeros(total.shape, dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        for row in values:
            defined = ~np.isnan(row)
            count += defined
            term = row - compensation
            summed = total + term
            compensation = np.where(defined, summed - total - term, compensation)
            compensation[np.isnan(compensation)] = 0.0  # after an infinity, as pandas does
            total = np.where(defined, summed, total)
            previous = mean
            mean = np.where(defined, mean + (row - previous) / np.maximum(count, 1), mean)
            squares = np.where(defined, squares + (row - mean) * (row - previous), squares)
        average = np.where(count > 0, total / count, np.nan)
        sd = np.where(count > 1, np.sqrt(squares / (count - 1)), np.nan)
    return average, sd, count


def _channel_kpis(plan: Plan) -> tuple[str, ...]:
    """Return the chat KPIs (plans with chats) and occupancy by channel (chat or email) to add."""
    return (*(CHAT_KPIS if plan.has_chat else ()), *(CHANNEL_KPIS if plan.has_channels else ()))


def pooled_tallies(tallies: Tallies) -> Tallies:
    """Return the tallies summed over the replications, as one replication."""
    return Tallies(
        **{f.name: getattr(tallies, f.name).sum(axis=0, keepdims=True) for f in fields(tallies)}
    )


def _with_pooled(out: pd.DataFrame, pooled: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Fill the ``pooled`` column of :data:`POOLED_KPIS` rows from KPIs of pooled tallies.

    ``pooled`` holds one row per period cell: the KPIs of the tallies summed over replications.
    """
    kpis = [kpi for kpi in POOLED_KPIS if kpi in pooled.columns]
    long = pooled.melt(id_vars=keys, value_vars=kpis, var_name="kpi", value_name="pooled")
    merged = out.drop(columns="pooled").merge(long, on=[*keys, "kpi"], how="left")
    return merged[list(out.columns)]


def _summarize(
    frame: pd.DataFrame, keys: list[str], kpis: list[str], sl_target: float
) -> pd.DataFrame:
    """Reduce per-replication KPIs (one column each) to their statistics, one row per KPI.

    The statistics are taken column by column on the wide frame, and only the result is made
    long: memory grows with the per-replication KPIs, not with a long copy of them. A KPI
    undefined (NaN) in a replication leaves that replication out of its statistics.
    """
    grouped = frame.groupby(keys, observed=True, sort=False)[kpis]
    out = _long(
        {"mean": grouped.mean(), "sd": grouped.std(), "n_reps": grouped.count()}, keys, kpis
    )
    out = out[out["n_reps"] > 0].reset_index(drop=True)
    out["sd"] = out["sd"].fillna(0.0).where(out["n_reps"] > 1, np.nan)
    out["ci_low"], out["ci_high"] = confidence_interval(
        out["mean"].to_numpy(),
        out["sd"].to_numpy(),
        out["n_reps"].to_numpy(),
        out["kpi"].to_numpy(),
    )
    out["p_meet"] = np.nan
    if "service_level" in kpis:
        meets = meets_target(frame["service_level"], sl_target)
        shares = meets.groupby([frame[key] for key in keys], observed=True, sort=False).mean()
        p_meet = shares.rename("p_meet").reset_index().assign(kpi="service_level")
        out = out.drop(columns="p_meet").merge(p_meet, on=[*keys, "kpi"], how="left")
    out["p_meet_low"], out["p_meet_high"] = wilson_bounds(
        out["p_meet"].to_numpy(dtype=np.float64), out["n_reps"].to_numpy(dtype=np.float64)
    )
    out["pooled"] = np.nan
    return (
        out[[*keys, "kpi", *STAT_COLUMNS]]
        .sort_values([*keys, "kpi"], kind="stable")
        .reset_index(drop=True)
    )


def confidence_interval(
    mean: Array, sd: Array, n_reps: NDArray[np.int64], kpis: NDArray[np.object_]
) -> tuple[Array, Array]:
    """Return the 95% Student-t interval of means, cut to each KPI's range (see :func:`_bounds`).

    ``sd``: the standard deviation of the replications (NaN below two), ``n_reps`` their
    number, ``kpis`` the KPI of each entry; NaN bounds where ``n_reps`` is below 2.
    """
    half = _t_quantile(n_reps) * sd / np.sqrt(n_reps)
    low, high = _bounds(kpis)
    return np.clip(mean - half, low, high), np.clip(mean + half, low, high)


def _bounds(kpis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the range of each KPI's mean: [0, 1] for shares, [0, inf) but for signed KPIs.

    A Student-t interval of a mean near a bound can cross it; the mean cannot, so the interval
    is cut to the range (it keeps at least its coverage).
    """
    fraction = np.isin(kpis, list(FRACTION_KPIS))
    signed = np.isin(kpis, list(SIGNED_KPIS))
    return np.where(signed, -np.inf, 0.0), np.where(fraction, 1.0, np.inf)


def wilson_bounds(share: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the 95% Wilson score interval of proportions (NaN where ``share`` is NaN).

    ``(p + z²/2n ± z √(p(1 - p)/n + z²/4n²)) / (1 + z²/n)``, z = 1.96: it holds the share and
    lies in [0, 1], unlike a normal band near 0 or 1.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        z2 = NORMAL_975**2
        centre = (share + z2 / (2 * n)) / (1 + z2 / n)
        half = NORMAL_975 * np.sqrt(share * (1 - share) / n + z2 / (4 * n * n)) / (1 + z2 / n)
        # Only rounding could put the bounds past the share or outside [0, 1].
        low = np.minimum(share, np.maximum(0.0, centre - half))
        high = np.maximum(share, np.minimum(1.0, centre + half))
    return low, high


def meets_target(level: pd.Series, sl_target: float) -> pd.Series:
    """Return 1.0 where a service level (fraction) is at least the target, 0.0 below, NaN undefined.

    Its mean over replications is ``p_meet``; equality meets the target.
    """
    return (level >= sl_target).astype(np.float64).where(level.notna())


def _long(tables: dict[str, pd.DataFrame], keys: list[str], kpis: list[str]) -> pd.DataFrame:
    """Lay (period cell x KPI) tables out long: one row per period cell and KPI, a column each."""
    import pandas as pd  # noqa: PLC0415 (summaries printed as JSON need no pandas)

    cells = next(iter(tables.values())).index.to_frame(index=False)
    cells.columns = pd.Index(keys)
    out = cells.loc[cells.index.repeat(len(kpis))].reset_index(drop=True)
    out["kpi"] = np.tile(np.array(kpis, dtype=object), len(cells))
    for name, table in tables.items():
        out[name] = table.to_numpy().ravel()  # row-major: each cell's KPIs in ``kpis`` order
    return out


def mean_ci(values: np.ndarray) -> tuple[float, float, float, float]:
    """Return the mean, 95% Student-t interval and sd of independent values (NaN if too few)."""
    n = len(values)
    if n == 0:
        return (np.nan, np.nan, np.nan, np.nan)
    mean = float(values.mean())
    if n == 1:
        return (mean, np.nan, np.nan, np.nan)
    sd = float(values.std(ddof=1))
    half = float(_t_quantile(np.array([n]))[0]) * sd / np.sqrt(n)
    return (mean, mean - half, mean + half, sd)


def _t_quantile(n_reps: np.ndarray) -> np.ndarray:
    """Two-sided 95% Student-t quantile for ``n_reps - 1`` degrees of freedom (NaN below 2)."""
    dof = np.where(n_reps > 1, n_reps - 1, 1).astype(np.int64)
    return np.where(n_reps > 1, t_quantile_975(dof), np.nan)

"""Calibrate a scenario from a call log: estimates per call type, a scenario, a short report.

:func:`calibrate` picks the days to use, cuts them into planning intervals and runs the
estimators of :mod:`sim.calibration.estimate` per call type; :func:`scenario_document` turns
the result into a scenario (a plain dict that ``sim.scenario.scenario_from_dict`` validates),
:func:`write_scenario` writes it as YAML and :func:`calibration_report` describes it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from numpy.typing import NDArray

from sim.calibration.calllog import CallLog
from sim.calibration.estimate import (
    IntervalMeans,
    LognormalFit,
    PatienceEstimates,
    agent_activity,
    busyness_cv,
    duration_quantiles,
    estimate_patience,
    fit_lognormal,
    interval_means,
)
from sim.calibration.presence import GAP_MINUTES, reconstructed_presence, service_records
from sim.errors import UsageError
from sim.files import atomic_write
from sim.scenario.schema import DEFAULT_TIER
from sim.units import SECONDS_PER_DAY, SECONDS_PER_MINUTE, s_to_clock

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday names, in the order of ``datetime.date.weekday()``."""

INTERVAL_MINUTES = (15, 30, 60)
ALL_CALLS = "all"
GROUP = "agents"
HANDLE_FORMS = ("lognormal", "empirical")
"""Forms of the calibrated handle-time distributions."""
HEADCOUNT_SOURCES = ("ready", "presence", "serving", "busy")
"""Estimates of the agents on the phones a calibrated headcount can follow (:func:`headcount`)."""
BUSY_SHARE = 0.5
"""By default, the weekdays used are those with at least this share of the busiest one's volume."""


@dataclass(frozen=True, eq=False)
class CallTypeCalibration:
    """Estimates for one call type (or for every call type together), on the days used.

    Attributes
    ----------
    name : str
        The call type (``all`` for every call type together).
    offered, answered, abandoned : int
        Calls on the days used; offered = answered + abandoned (``other`` rows never reached
        the agent queues).
    rates : IntervalMeans
        Offered calls per interval of the day (from midnight), mean over the days used.
    rates_by_weekday : dict of str to IntervalMeans
        The same over all the log's days of each weekday present.
    day_cv : float
        Busyness: CV of a gamma day multiplier of volume (see
        :func:`~sim.calibration.estimate.busyness_cv`), weekdays used pooled; NaN without two
        days of a weekday.
    handle : LognormalFit or None
        Lognormal fit of handle times of answered calls (None with too few).
    handle_quantiles_s : tuple of float
        200 equally spaced quantiles of those handle times (fewer with less data), seconds:
        the empirical distribution of ``--handle empirical``.
    patience : PatienceEstimates
        Mean patience: censored maximum likelihood, naive, Kaplan-Meier.
    """

    name: str
    offered: int
    answered: int
    abandoned: int
    rates: IntervalMeans
    rates_by_weekday: dict[str, IntervalMeans]
    day_cv: float
    handle: LognormalFit | None
    handle_quantiles_s: tuple[float, ...]
    patience: PatienceEstimates


@dataclass(frozen=True, eq=False)
class Calibration:
    """Everything estimated from a call log.

    Attributes
    ----------
    source : str
        The log's source (file name).
    interval_minutes : int
        Planning interval length, minutes.
    dates : tuple of datetime.date
        Every date with a call in the log (a date without rows is missing data, not a day
        without calls).
    days_used : tuple of datetime.date
        The dates whose weekday was selected; every estimate comes from these.
    weekdays : tuple of str
        The weekdays selected (``mon`` ... ``sun``).
    open_s, close_s : float
        Opening hours of the scenario: from the start of the first interval to the end of the
        last interval of the day with offered calls on the days used, seconds after midnight.
    call_types : dict of str to CallTypeCalibration
        Call types with offered calls on the days used.
    all_calls : CallTypeCalibration
        Every call type together (named ``all``).
    agents_distinct : IntervalMeans
        Distinct agents serving calls per interval of the day, mean over the days used.
    agents_busy : IntervalMeans
        Agents' busy time per interval / interval length, mean over the days used.
    agents_present : IntervalMeans
        Agents present per interval, from their working spans
        (:mod:`sim.calibration.presence`, default gap threshold), mean over the days used.
    agents_ready : IntervalMeans
        Agents ready to take calls per interval: the working spans cut where a caller waited
        longer than the pickup time while the agent sat idle (:mod:`sim.calibration.presence`),
        mean over the days used.
    pickup_s : float
        The pickup time of the log, seconds (:func:`sim.calibration.presence.pickup_time_s`).
    """

    source: str
    interval_minutes: int
    dates: tuple[date, ...]
    days_used: tuple[date, ...]
    weekdays: tuple[str, ...]
    open_s: float
    close_s: float
    call_types: dict[str, CallTypeCalibration]
    all_calls: CallTypeCalibration
    agents_distinct: IntervalMeans
    agents_busy: IntervalMeans
    agents_present: IntervalMeans
    agents_ready: IntervalMeans
    pickup_s: float

    @property
    def interval_s(self) -> float:
        """Planning interval length, seconds."""
        return self.interval_minutes * SECONDS_PER_MINUTE

    @property
    def opening(self) -> slice:
        """The intervals of the day within the opening hours."""
        return slice(round(self.open_s / self.interval_s), round(self.close_s / self.interval_s))


@dataclass(frozen=True, eq=False)
class _Days:
    """A log cut into dates and intervals of the day, and the dates used.

    Attributes
    ----------
    dates : tuple of datetime.date
        Every date with a call, in order.
    day, interval : int64[calls]
        Each call's row of ``dates`` and interval of the day (of its arrival).
    weekday : int64[dates]
        Weekday of each date (0 Monday).
    used : bool[dates]
        Dates used for the estimates.
    interval_s : float
        Interval length, seconds.
    """

    dates: tuple[date, ...]
    day: NDArray[np.int64]
    interval: NDArray[np.int64]
    weekday: NDArray[np.int64]
    used: NDArray[np.bool_]
    interval_s: float

    @property
    def n_per_day(self) -> int:
        """Intervals per day (from midnight)."""
        return round(SECONDS_PER_DAY / self.interval_s)

    def counts(self, calls: NDArray[np.bool_]) -> NDArray[np.float64]:
        """Count the calls flagged in ``calls`` per date and interval: ``[dates, intervals]``."""
        cells = self.day[calls] * self.n_per_day + self.interval[calls]
        counts = np.bincount(cells, minlength=len(self.dates) * self.n_per_day)
        return counts.reshape(len(self.dates), self.n_per_day).astype(np.float64)


def calibrate(
    log: CallLog, *, interval_minutes: int = 30, weekdays: Sequence[str] | None = None
) -> Calibration:
    """Estimate volumes, busyness, handle times, patience and staffing from a call log.

    Parameters
    ----------
    log : CallLog
        The calls.
    interval_minutes : {15, 30, 60}
        Planning interval length.
    weekdays : sequence of str, optional
        Weekdays to use (``mon`` ... ``sun``, any case). Default: those whose mean daily volume
        is at least half the busiest weekday's (leaves out short days such as a weekend).

    Returns
    -------
    Calibration
        Every estimate, per call type and for all calls.

    Raises
    ------
    UsageError
        For a bad interval length or weekday, or when the days used hold no answered or
        abandoned call, or no answered call with a handle time.
    """
    if interval_minutes not in INTERVAL_MINUTES:
        raise UsageError(f"interval_minutes must be 15, 30 or 60 (got {interval_minutes})")
    offered = ~log.outcome_is("other")
    days = _select_days(_cut_days(log, interval_minutes * SECONDS_PER_MINUTE), offered, weekdays)
    call_type = log.calls["call_type"].to_numpy()
    volumes = log.calls["call_type"][offered & days.used[days.day]].value_counts()
    estimates = {
        name: _call_type(name, offered & (call_type == name), log, days)
        for name in sorted(volumes.index, key=lambda name: (-volumes[name], name))
    }
    all_calls = _call_type(ALL_CALLS, offered, log, days)
    if all_calls.handle is None:
        raise UsageError("too few answered calls with a handle time > 0 to fit handle times")
    traffic = np.flatnonzero(all_calls.rates.mean > 0)
    distinct, busy, present, ready, pickup_s = _agents(log, days)
    return Calibration(
        source=log.source,
        interval_minutes=interval_minutes,
        dates=days.dates,
        days_used=tuple(d for d, keep in zip(days.dates, days.used, strict=True) if keep),
        weekdays=tuple(WEEKDAYS[w] for w in np.unique(days.weekday[days.used])),
        open_s=float(traffic[0] * days.interval_s),
        close_s=float((traffic[-1] + 1) * days.interval_s),
        call_types=estimates,
        all_calls=all_calls,
        agents_distinct=distinct,
        agents_busy=busy,
        agents_present=present,
        agents_ready=ready,
        pickup_s=pickup_s,
    )


def _cut_days(log: CallLog, interval_s: float) -> _Days:
    """Place each call on its date and its interval of the day; every date used."""
    arrival = log.calls["arrival_at"]
    midnight = arrival.dt.normalize()
    dates = np.sort(midnight.unique())
    since_midnight_s = (arrival - midnight).dt.total_seconds().to_numpy(dtype=np.float64)
    as_dates = tuple(pd.Timestamp(d).date() for d in dates)
    return _Days(
        dates=as_dates,
        day=np.searchsorted(dates, midnight.to_numpy()).astype(np.int64),
        interval=np.floor(since_midnight_s / interval_s).astype(np.int64),
        weekday=np.array([d.weekday() for d in as_dates], dtype=np.int64),
        used=np.ones(len(as_dates), dtype=bool),
        interval_s=interval_s,
    )


def _select_days(days: _Days, offered: NDArray[np.bool_], names: Sequence[str] | None) -> _Days:
    """Keep the dates of the weekdays named, or of the busy weekdays (see :func:`calibrate`)."""
    if names is not None:
        wanted = [name.strip().lower() for name in names]
        if not wanted or any(name not in WEEKDAYS for name in wanted):
            expected = ", ".join(WEEKDAYS)
            raise UsageError(f"weekdays must be some of {expected} (got {','.join(names)!r})")
        selected = [WEEKDAYS.index(name) for name in wanted]
    else:
        daily = _daily_volume_by_weekday(days.counts(offered), days.weekday)
        busiest = max(daily.values())
        selected = [w for w, volume in daily.items() if volume >= BUSY_SHARE * busiest]
    used = np.isin(days.weekday, selected)
    if not days.counts(offered)[used].any():
        names_used = ",".join(WEEKDAYS[w] for w in sorted(selected))
        raise UsageError(f"no answered or abandoned call on the days used ({names_used})")
    return replace(days, used=used)


def _daily_volume_by_weekday(
    counts: NDArray[np.float64], weekday: NDArray[np.int64]
) -> dict[int, float]:
    """Return the mean calls per day of each weekday present.

    Parameters
    ----------
    counts : float64[D, I]
        Calls per date and interval.
    weekday : int64[D]
        Weekday of each date (0 Monday).

    Returns
    -------
    dict of int to float
        Mean daily calls by weekday.
    """
    totals = counts.sum(axis=1)
    return {int(w): float(totals[weekday == w].mean()) for w in np.unique(weekday)}


def _call_type(
    name: str, calls: NDArray[np.bool_], log: CallLog, days: _Days
) -> CallTypeCalibration:
    """Run every estimator on the offered calls ``calls`` (of the days used, but by weekday)."""
    frame = log.calls[calls & days.used[days.day]]
    abandoned = (frame["outcome"] == "abandoned").to_numpy()
    handle_s = frame["handle_s"].to_numpy(dtype=np.float64)[~abandoned]
    counts = days.counts(calls)
    return CallTypeCalibration(
        name=name,
        offered=len(frame),
        answered=int((~abandoned).sum()),
        abandoned=int(abandoned.sum()),
        rates=interval_means(counts[days.used]),
        rates_by_weekday={
            WEEKDAYS[w]: interval_means(counts[days.weekday == w]) for w in np.unique(days.weekday)
        },
        day_cv=busyness_cv(counts[days.used].sum(axis=1), days.weekday[days.used]),
        handle=fit_lognormal(handle_s),
        handle_quantiles_s=duration_quantiles(handle_s),
        patience=estimate_patience(frame["wait_s"].to_numpy(dtype=np.float64), abandoned),
    )


def _agents(
    log: CallLog, days: _Days
) -> tuple[IntervalMeans, IntervalMeans, IntervalMeans, IntervalMeans, float]:
    """Average the agents per interval over the days used: distinct, busy, present, ready.

    Returns
    -------
    tuple
        The four averages, and the pickup time of the ready agents, seconds.
    """
    first = pd.Timestamp(days.dates[0])
    services = service_records(log.calls, first)
    agent, start_s, end_s = services.agent, services.start_s, services.end_s
    n_days = (days.dates[-1] - days.dates[0]).days + 1  # the time line has the missing dates
    n_intervals = n_days * days.n_per_day
    activity = agent_activity(agent, start_s, end_s, days.interval_s, n_intervals)
    present = reconstructed_presence(agent, start_s, end_s, days.interval_s, n_intervals)
    pickup_s = services.pickup_time_s(GAP_MINUTES * SECONDS_PER_MINUTE)
    ready = reconstructed_presence(
        agent, start_s, end_s, days.interval_s, n_intervals, ready=services.ready_cut(pickup_s)
    )
    rows = np.array([(d - days.dates[0]).days for d in days.dates])[days.used]

    def over_days_used(values: NDArray[np.float64]) -> IntervalMeans:
        return interval_means(values.reshape(n_days, days.n_per_day)[rows])

    return (
        over_days_used(activity.distinct),
        over_days_used(activity.busy),
        over_days_used(present),
        over_days_used(ready),
        pickup_s,
    )


def headcount(calibration: Calibration, source: str = "ready") -> list[int]:
    """Agents per interval of the opening hours for the scenario.

    The mean over the days used of the agents ready to take calls (``ready``: working spans
    cut where a caller waited while the agent sat idle), of the agents present (``presence``,
    from their working spans), of the distinct agents serving calls in the interval
    (``serving``) or of their busy time over the interval length (``busy``, rounded up),
    rounded to the nearest whole agent, and at least one where calls were offered (so that no
    call meets an empty centre).

    Parameters
    ----------
    calibration : Calibration
        The estimates.
    source : {"ready", "presence", "serving", "busy"}
        Which estimate of the agents on the phones (:data:`HEADCOUNT_SOURCES`).

    Returns
    -------
    list of int
        One headcount per interval from ``open_s`` to ``close_s``.
    """
    if source not in HEADCOUNT_SOURCES:
        expected = ", ".join(HEADCOUNT_SOURCES)
        raise UsageError(f"the headcount must follow one of {expected} (got {source!r})")
    window = calibration.opening
    means = {
        "ready": calibration.agents_ready.mean[window],
        "presence": calibration.agents_present.mean[window],
        "serving": calibration.agents_distinct.mean[window],
        "busy": np.ceil(calibration.agents_busy.mean[window] - 1e-9),
    }
    agents = np.floor(means[source] + 0.5).astype(int)
    traffic = calibration.all_calls.rates.mean[window] > 0
    return [int(n) for n in np.where(traffic, np.maximum(agents, 1), agents)]


def scenario_document(
    calibration: Calibration, *, handle: str = "lognormal", staffing: str = "ready"
) -> dict[str, Any]:
    """Turn a calibration into a one-day scenario (plain data, as YAML would give).

    Per call type: volume per interval (mean over the days used) and its day CV; a lognormal
    handle time with the mean and CV of the observed handle times (all call types together
    where a type has too few answered calls): matching the moments keeps the offered load
    (calls x mean handle time) right even where the lognormal shape fits badly, which the
    report's maximum-likelihood fit and KS distance show — or, with ``handle="empirical"``, an
    empirical distribution over 200 quantiles of the observed handle times, which keeps their
    shape as well; exponential patience with the
    censored maximum-likelihood mean (none when nobody
    abandoned). One group ``agents`` with every skill and the :func:`headcount` per interval.
    Numbers are rounded to 4 significant digits.

    Parameters
    ----------
    calibration : Calibration
        The estimates.
    handle : {"lognormal", "empirical"}
        Form of the handle-time distributions.
    staffing : {"ready", "presence", "serving", "busy"}
        The estimate the headcount follows (see :func:`headcount`).

    Returns
    -------
    dict
        A scenario that ``sim.scenario.scenario_from_dict`` accepts.
    """
    if handle not in HANDLE_FORMS:
        raise ValueError(f"handle must be one of {', '.join(HANDLE_FORMS)} (got {handle!r})")
    window = calibration.opening
    weekdays = ",".join(calibration.weekdays)
    return {
        "name": Path(calibration.source).stem or "calibrated",
        "description": (
            f"calibrated from {calibration.source}: {len(calibration.days_used)} days "
            f"({weekdays}), {calibration.interval_minutes}-minute intervals"
        ),
        "calendar": {
            "days": 1,
            "open": s_to_clock(calibration.open_s),
            "close": s_to_clock(calibration.close_s),
            "interval_minutes": calibration.interval_minutes,
        },
        "call_types": {
            name: _call_type_document(estimates, calibration.all_calls, window, handle)
            for name, estimates in calibration.call_types.items()
        },
        "groups": {
            GROUP: {
                "skills": dict.fromkeys(calibration.call_types, DEFAULT_TIER),
                "headcount": headcount(calibration, staffing),
            }
        },
    }


def _call_type_document(
    estimates: CallTypeCalibration, pooled: CallTypeCalibration, window: slice, form: str
) -> dict[str, Any]:
    own = estimates.handle is not None
    handle = estimates.handle if own else pooled.handle
    assert handle is not None  # calibrate() refuses a log without any
    quantiles = estimates.handle_quantiles_s if own else pooled.handle_quantiles_s
    patience = estimates.patience.censored.value
    return {
        "volume": {
            "per_interval": [_rounded(v) for v in estimates.rates.mean[window]],
            "day_cv": _rounded(0.0 if math.isnan(estimates.day_cv) else estimates.day_cv),
        },
        "handle_time": (
            {"dist": "empirical", "values_s": [_rounded(q) for q in quantiles]}
            if form == "empirical"
            else {
                "dist": "lognormal",
                "mean_s": _rounded(handle.data_mean_s),
                "cv": _rounded(handle.data_cv),
            }
        ),
        "patience": (
            {"dist": "exponential", "mean_s": _rounded(patience)}
            if math.isfinite(patience)
            else {"dist": "none"}
        ),
    }


def _rounded(value: float) -> float:
    return float(f"{value:.4g}")


def write_scenario(
    calibration: Calibration,
    path: str | Path,
    *,
    handle: str = "lognormal",
    staffing: str = "ready",
) -> None:
    """Write the calibrated scenario as YAML, whole or not at all (folders are created).

    Parameters
    ----------
    calibration : Calibration
        The estimates.
    path : str or Path
        Target YAML file.
    handle : {"lognormal", "empirical"}
        Form of the handle-time distributions (see :func:`scenario_document`).
    staffing : {"ready", "presence", "serving", "busy"}
        The estimate the headcount follows (see :func:`headcount`).
    """
    document = scenario_document(calibration, handle=handle, staffing=staffing)
    text = yaml.safe_dump(document, sort_keys=False, default_flow_style=None, width=100)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def calibration_report(calibration: Calibration, staffing: str = "ready") -> str:
    """Describe a calibration in a few lines of plain text.

    Days used and volume per weekday; per call type the volume, busyness and handle-time fit
    (with its Kolmogorov-Smirnov distance), then patience (censored maximum likelihood against
    the naive mean and the Kaplan-Meier restricted mean), then the agents per interval.

    Parameters
    ----------
    calibration : Calibration
        The estimates.
    staffing : {"ready", "presence", "serving", "busy"}
        The estimate the scenario's headcount follows.

    Returns
    -------
    str
        The report, without a final newline.
    """
    types = [*calibration.call_types.values(), calibration.all_calls]
    return "\n".join(
        [
            *_days_lines(calibration),
            "",
            "volume and handle time (lognormal fit by maximum likelihood with 95% CI; the "
            "scenario uses the data's mean and cv):",
            _table([_VOLUME_HEADER, *(_volume_row(t, calibration) for t in types)]),
            "",
            "patience (exponential, answered callers censored; naive: mean wait of abandoners; "
            "KM: Kaplan-Meier):",
            _table([_PATIENCE_HEADER, *(_patience_row(t) for t in types)]),
            "",
            _agents_line(calibration, staffing),
            "note: KS p-values are optimistic (the parameters were fitted to the same data).",
        ]
    )


def _days_lines(calibration: Calibration) -> list[str]:
    def volumes(used: bool) -> str:
        return ", ".join(
            f"{name} {means.mean.sum():,.0f} ({means.n_days})"
            for name, means in calibration.all_calls.rates_by_weekday.items()
            if (name in calibration.weekdays) == used
        )

    return [
        f"{calibration.source}: {len(calibration.dates)} dates, {len(calibration.days_used)} used, "
        f"{calibration.interval_minutes}-minute intervals",
        f"calls offered to agents per day (days): {volumes(used=True)}",
        f"  weekdays left out: {volumes(used=False) or 'none'}",
        f"opening hours {s_to_clock(calibration.open_s)}-{s_to_clock(calibration.close_s)} "
        f"(first to last interval with calls); busyness CV of all calls "
        f"{calibration.all_calls.day_cv:.3f}",
    ]


_VOLUME_HEADER = [
    "call type",
    "offered/day",
    "day CV",
    "fit mean_s [95% CI]",
    "fit cv [95% CI]",
    "KS D",
    "KS p",
    "data mean_s",
    "data cv",
]
_PATIENCE_HEADER = [
    "call type",
    "waited",
    "abandoned",
    "censored mean_s [95% CI]",
    "naive mean_s [95% CI]",
    "KM restricted mean_s [95% CI]",
]


def _volume_row(estimates: CallTypeCalibration, calibration: Calibration) -> list[str]:
    per_day = estimates.offered / len(calibration.days_used)
    fit = estimates.handle
    handle = (
        [
            _with_ci(fit.mean_s.value, fit.mean_s.ci_low, fit.mean_s.ci_high, ".1f"),
            _with_ci(fit.cv.value, fit.cv.ci_low, fit.cv.ci_high, ".3f"),
            f"{fit.ks_statistic:.3f}",
            f"{fit.ks_pvalue:.2g}",
            f"{fit.data_mean_s:.1f}",
            f"{fit.data_cv:.3f}",
        ]
        if fit is not None
        else ["too few answered calls: the fit of all calls is used", "", "", "", "", ""]
    )
    return [estimates.name, f"{per_day:,.1f}", f"{estimates.day_cv:.3f}", *handle]


def _patience_row(estimates: CallTypeCalibration) -> list[str]:
    patience = estimates.patience
    censored, restricted = patience.censored, patience.kaplan_meier.restricted_mean_s
    return [
        estimates.name,
        f"{patience.n_queued:,}",
        f"{patience.n_abandoned:,}",
        _with_ci(censored.value, censored.ci_low, censored.ci_high, ".1f")
        if math.isfinite(censored.value)
        else "none abandoned: no patience",
        _with_ci(patience.naive.value, patience.naive.ci_low, patience.naive.ci_high, ".1f"),
        _with_ci(restricted.value, restricted.ci_low, restricted.ci_high, ".1f")
        + f" to {patience.kaplan_meier.horizon_s:,.0f} s",
    ]


def _with_ci(value: float, low: float, high: float, fmt: str) -> str:
    return f"{value:{fmt}} [{low:{fmt}}, {high:{fmt}}]"


def _agents_line(calibration: Calibration, staffing: str) -> str:
    window = calibration.opening
    ready = calibration.agents_ready.mean[window]
    present = calibration.agents_present.mean[window]
    distinct = calibration.agents_distinct.mean[window]
    busy = calibration.agents_busy.mean[window]
    staffed = headcount(calibration, staffing)
    return (
        f"agents per interval, mean over the days used: {ready.min():.1f}-{ready.max():.1f} "
        f"ready (working spans cut where a caller waited over {calibration.pickup_s:.0f} s "
        f"while the agent was idle), {present.min():.1f}-{present.max():.1f} present (working "
        f"spans), {distinct.min():.1f}-{distinct.max():.1f} distinct agents serving calls, "
        f"{busy.min():.1f}-{busy.max():.1f} busy (busy time / interval); scenario headcount "
        f"({staffing}) {min(staffed)}-{max(staffed)}"
    )


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )

"""Cleaning a history: the days that will not recur are found, excluded and reported.

Every test compares a day with its **weekday's typical day** (robust statistics, so the
anomalies being looked for do not hide themselves):

* the *level* of a date is the median daily total of its weekday's dates within
  :data:`LEVEL_WINDOW_DAYS` days either side (all of the weekday's dates when fewer than 3);
* the *profile* of a weekday is the median share of each interval in the day's total,
  normalised to sum 1.

A date is excluded when

* **outage**: a run of at least :data:`OUTAGE_RUN` intervals where the expected calls (profile
  x level) are at least :data:`OUTAGE_MIN_EXPECTED` each and the calls offered at most
  :data:`OUTAGE_SHARE` of them;
* **surge** or **dip** of the day: the log ratio of its total to its level lies more than
  :data:`Z_LIMIT` robust standard deviations (1.4826 x median absolute deviation over all
  dates; at least the Poisson noise of a typical day) from the median ratio;
* **anomalous intervals**: a run of at least :data:`OUTAGE_RUN` intervals whose calls differ
  from the day's own total x the profile by more than :data:`Z_LIMIT` standard deviations of a
  count whose variance is ``expected x dispersion`` (the dispersion is the median squared
  Pearson residual of all cells over that of a chi-square with one degree of freedom, at
  least 1);
* **low answer rate** (call logs): its answer rate is more than :data:`Z_LIMIT` robust
  standard deviations (at least one percentage point) below the median date's, since callers
  who could not get through called again and inflated the count;
* the user excluded it, or named it a holiday.

A date with an outage is reported for the outage alone (its day and hours are dips because of
it); other dates get every reason that applies.

Dates that should be in the history but are not (a weekday with data elsewhere, between the
first and last dates) are *missing*: reported, never filled with zeros.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.typing import NDArray

from sim.forecast.history import History

LEVEL_WINDOW_DAYS = 28
"""Dates either side of a date whose same-weekday totals give its level."""
Z_LIMIT = 4.0
"""Robust standard deviations beyond which a day or an interval is anomalous."""
OUTAGE_RUN = 2
"""Consecutive intervals that make an outage or an anomalous run."""
OUTAGE_MIN_EXPECTED = 3.0
"""Calls an interval must expect before a (near-)empty one counts towards an outage."""
OUTAGE_SHARE = 0.1
"""Share of the expected calls at or below which an interval counts as empty."""
MAD_TO_SD = 1.4826
"""Standard deviations per median absolute deviation (normal data)."""
CHI2_1_MEDIAN = 0.4549
"""Median of a chi-square variable with one degree of freedom."""


@dataclass(frozen=True)
class Exclusion:
    """A date left out of every profile and fit, and why.

    Attributes
    ----------
    day : datetime.date
        The date.
    reason : str
        Why, e.g. ``outage 10:00-11:30 (0 calls, 412 expected)``.
    """

    day: date
    reason: str


@dataclass(frozen=True, eq=False)
class Cleaning:
    """Which dates of a history are kept, and the report of those that are not.

    Attributes
    ----------
    kept : bool[dates]
        Dates of the history used by profiles and fits.
    excluded : tuple of Exclusion
        Every excluded date with each reason, by date (a date may have several reasons).
    missing : tuple of datetime.date
        Dates of open weekdays between the first and last dates that have no data.
    """

    kept: NDArray[np.bool_]
    excluded: tuple[Exclusion, ...]
    missing: tuple[date, ...]

    def report(self) -> list[str]:
        """One line per excluded date and reason, then the missing dates."""
        lines = [f"excluded {e.day.isoformat()} {e.day:%a}: {e.reason}" for e in self.excluded]
        if self.missing:
            days = ", ".join(d.isoformat() for d in self.missing)
            lines.append(f"missing from the history ({len(self.missing)}): {days}")
        return lines


def clean(
    history: History,
    *,
    exclude: dict[date, str] | None = None,
    holidays: dict[date, str] | None = None,
    automatic: bool = True,
) -> Cleaning:
    """Flag the anomalous dates of a history and those the user names.

    Parameters
    ----------
    history : History
        The history.
    exclude : dict of date to str, optional
        Dates to exclude and why (empty text: ``excluded by the user``).
    holidays : dict of date to str, optional
        Holidays and their names; those in the history are excluded.
    automatic : bool
        Run the automatic tests (module docstring); False keeps every date not named.

    Returns
    -------
    Cleaning
        Dates kept, excluded with reasons, and missing.
    """
    reasons: dict[int, list[str]] = {}
    index = {d: i for i, d in enumerate(history.dates)}
    for day, name in (holidays or {}).items():
        if day in index:
            reasons.setdefault(index[day], []).append(f"holiday {name}".strip())
    for day, why in (exclude or {}).items():
        if day in index:
            reasons.setdefault(index[day], []).append(why or "excluded by the user")
    if automatic:
        for i, why in _automatic(history):
            reasons.setdefault(i, []).append(why)
    kept = np.ones(len(history.dates), dtype=bool)
    kept[list(reasons)] = False
    excluded = tuple(
        Exclusion(history.dates[i], why) for i in sorted(reasons) for why in reasons[i]
    )
    return Cleaning(kept=kept, excluded=excluded, missing=missing_dates(history))


def missing_dates(history: History) -> tuple[date, ...]:
    """Return the dates of open weekdays between the history's first and last without data."""
    present = set(history.dates)
    return tuple(d for d in history.open_dates(history.dates[-1]) if d not in present)


def _automatic(history: History) -> list[tuple[int, str]]:
    """Return (date index, reason) for every automatic flag."""
    counts = history.volume.sum(axis=2)
    totals = counts.sum(axis=1)
    level = _levels(history, totals)
    profile = _profiles(history, counts, totals)
    outages = _outages(history, counts, profile * level[:, np.newaxis])
    others = _day_outliers(totals, level)
    others += _interval_runs(history, counts, profile * totals[:, np.newaxis])
    # An outage also makes its day and hours dips: it is reported alone, as what explains them.
    flags = outages + [(i, why) for i, why in others if i not in {j for j, _ in outages}]
    if history.answer_rate is not None:
        flags += _low_answer_rates(history.answer_rate)
    return flags


def _levels(history: History, totals: NDArray[np.float64]) -> NDArray[np.float64]:
    """Median total of each date's weekday within :data:`LEVEL_WINDOW_DAYS` days."""
    weekday = history.weekday
    ordinal = np.array([d.toordinal() for d in history.dates])
    level = np.empty(len(totals))
    for i in range(len(totals)):
        same = weekday == weekday[i]
        near = same & (np.abs(ordinal - ordinal[i]) <= LEVEL_WINDOW_DAYS)
        level[i] = np.median(totals[near if near.sum() >= 3 else same])
    return level


def _profiles(
    history: History, counts: NDArray[np.float64], totals: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Each date's weekday profile: median interval shares, normalised, ``[dates, intervals]``."""
    shares = counts / np.maximum(totals, 1.0)[:, np.newaxis]
    profile = np.zeros_like(counts)
    weekday = history.weekday
    for w in np.unique(weekday):
        median = np.median(shares[weekday == w], axis=0)
        profile[weekday == w] = median / max(median.sum(), 1e-12)
    return profile


def _outages(
    history: History, counts: NDArray[np.float64], expected: NDArray[np.float64]
) -> list[tuple[int, str]]:
    """Flag runs of (near-)empty intervals where calls were expected."""
    empty = (expected >= OUTAGE_MIN_EXPECTED) & (counts <= OUTAGE_SHARE * expected)
    flags = []
    for i, j0, j1 in _runs(empty):
        got, wanted = counts[i, j0:j1].sum(), expected[i, j0:j1].sum()
        span = f"{history.interval_start(j0)}-{history.interval_start(j1)}"
        flags.append((i, f"outage {span} ({got:,.0f} calls, {wanted:,.0f} expected)"))
    return flags


def _day_outliers(totals: NDArray[np.float64], level: NDArray[np.float64]) -> list[tuple[int, str]]:
    """Flag days whose total is far from their weekday's level."""
    ratio = np.log(np.maximum(totals, 1.0) / np.maximum(level, 1.0))
    centre = np.median(ratio)
    poisson_sd = 1.0 / np.sqrt(max(float(np.median(level)), 1.0))
    scale = max(MAD_TO_SD * float(np.median(np.abs(ratio - centre))), poisson_sd)
    z = (ratio - centre) / scale
    flags = []
    for i in np.flatnonzero(np.abs(z) > Z_LIMIT):
        kind = "surge" if z[i] > 0 else "dip"
        pct = 100 * (totals[i] / level[i] - 1)
        text = f"{kind} of the day: {totals[i]:,.0f} calls, {pct:+.0f}% on its weekday's level"
        flags.append((int(i), f"{text} {level[i]:,.0f} (z {z[i]:+.1f})"))
    return flags


def _interval_runs(
    history: History, counts: NDArray[np.float64], expected: NDArray[np.float64]
) -> list[tuple[int, str]]:
    """Flag runs of intervals far from the day's own total spread by its weekday profile."""
    cells = expected > 0
    pearson = np.zeros_like(counts)
    pearson[cells] = (counts[cells] - expected[cells]) ** 2 / expected[cells]
    dispersion = max(float(np.median(pearson[cells])) / CHI2_1_MEDIAN, 1.0)
    z = np.zeros_like(counts)
    z[cells] = (counts[cells] - expected[cells]) / np.sqrt(expected[cells] * dispersion)
    flags = []
    for i, j0, j1 in _runs(np.abs(z) > Z_LIMIT):
        got, wanted = counts[i, j0:j1].sum(), expected[i, j0:j1].sum()
        span = f"{history.interval_start(j0)}-{history.interval_start(j1)}"
        kind = "surge" if got > wanted else "dip"
        flags.append((i, f"{kind} {span} ({got:,.0f} calls where the profile gives {wanted:,.0f})"))
    return flags


def _low_answer_rates(answer_rate: NDArray[np.float64]) -> list[tuple[int, str]]:
    """Flag dates whose answer rate is far below the typical date's."""
    known = ~np.isnan(answer_rate)
    centre = float(np.median(answer_rate[known]))
    spread = MAD_TO_SD * float(np.median(np.abs(answer_rate[known] - centre)))
    scale = max(spread, 0.01)
    low = known & (answer_rate < centre - Z_LIMIT * scale)
    return [
        (int(i), f"low answer rate {answer_rate[i]:.1%} (median date {centre:.1%})")
        for i in np.flatnonzero(low)
    ]


def _runs(flagged: NDArray[np.bool_]) -> list[tuple[int, int, int]]:
    """Return (row, first, end) of every run of at least :data:`OUTAGE_RUN` flagged cells."""
    runs = []
    for i, row in enumerate(flagged):
        padded = np.concatenate(([False], row, [False])).astype(np.int8)
        edges = np.flatnonzero(np.diff(padded))
        for j0, j1 in zip(edges[::2], edges[1::2], strict=True):
            if j1 - j0 >= OUTAGE_RUN:
                runs.append((i, int(j0), int(j1)))
    return runs

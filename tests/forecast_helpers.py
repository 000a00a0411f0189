"""Forecast test helpers: synthetic histories with a known weekday pattern, as counts or a CSV."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from helpers import SHARED

from sim.forecast import History

US_BANK = SHARED / "data" / "real" / "us_bank_calls_2003" / "bank_calls.csv"
"""Five-minute counts of a US bank, 2003 (Weinberg, Brown & Stroud 2007; fpp3 ``bank_calls``)."""

START = date(2024, 1, 1)  # a Monday
OPEN_INTERVAL = 16  # 08:00 with 30-minute intervals
PROFILE = np.array([2, 4, 6, 8, 9, 9, 8, 7, 7, 8, 8, 7, 6, 5, 4, 3], dtype=np.float64)
"""Relative calls of the 16 half-hours from 08:00 to 16:00."""
WEEKDAY_FACTOR = np.array([1.3, 1.0, 0.95, 0.95, 0.9])
"""Monday to Friday, on a daily level of :data:`DAILY_CALLS`."""
DAILY_CALLS = 2000.0


def weekdays(weeks: int) -> list[date]:
    """Monday to Friday of ``weeks`` weeks from :data:`START`."""
    return [START + timedelta(days=n) for n in range(7 * weeks) if n % 7 < 5]


def expected_calls(days: list[date]) -> np.ndarray:
    """Expected calls ``[dates, 48 intervals, 1]``: the weekday's total spread by the profile."""
    out = np.zeros((len(days), 48, 1))
    shares = PROFILE / PROFILE.sum()
    for i, day in enumerate(days):
        total = DAILY_CALLS * WEEKDAY_FACTOR[day.weekday()]
        out[i, OPEN_INTERVAL : OPEN_INTERVAL + len(PROFILE), 0] = total * shares
    return out


def synthetic_history(
    weeks: int, *, seed: int = 1, day_cv: float = 0.05, answer_rate: bool = False
) -> History:
    """Poisson counts around :func:`expected_calls` times a gamma day factor (mean 1, CV day_cv).

    With ``answer_rate`` each date gets an answer rate near 92% (normal noise, sd 1 point).
    """
    rng = np.random.default_rng(seed)
    days = weekdays(weeks)
    shape = 1 / day_cv**2
    factor = rng.gamma(shape, 1 / shape, size=len(days))
    volume = rng.poisson(expected_calls(days) * factor[:, None, None]).astype(np.float64)
    return History(
        source="synthetic.csv",
        dates=tuple(days),
        call_types=("calls",),
        interval_minutes=30,
        volume=volume,
        aht_s=None,
        answer_rate=rng.normal(0.92, 0.01, len(days)) if answer_rate else None,
    )


def write_counts(history: History, path: Path) -> Path:
    """Write a history as an interval-count CSV (``date,interval_start,call_type,volume``)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["date", "interval_start", "call_type", "volume"])
        for d, day in enumerate(history.dates):
            for i in range(history.volume.shape[1]):
                for k, name in enumerate(history.call_types):
                    if history.volume[d, i, k] > 0:
                        count = int(history.volume[d, i, k])
                        writer.writerow([day.isoformat(), history.interval_start(i), name, count])
    return path

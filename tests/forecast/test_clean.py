"""Cleaning: injected anomalies are excluded with their reason, normal days are kept."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
from forecast_helpers import OPEN_INTERVAL, synthetic_history

from sim.forecast import History, Panel, clean, predict

OUTAGE, SURGE, LOW_ANSWER, DAY_SURGE = 12, 23, 31, 37
"""Date indices of the injected anomalies (eight weeks of Monday to Friday)."""


def anomalous_history() -> History:
    """Eight weeks with an outage, an intraday surge, a low-answer-rate day and a day surge."""
    history = synthetic_history(8, answer_rate=True)
    volume = history.volume.copy()
    volume[OUTAGE, OPEN_INTERVAL + 4 : OPEN_INTERVAL + 7] = 0  # 10:00-11:30 the lines were down
    volume[SURGE, OPEN_INTERVAL + 9 : OPEN_INTERVAL + 12] *= 2.0  # news: 12:30-14:00 doubled
    volume[DAY_SURGE] *= 1.6  # a mailing: the whole day 60% up
    answer_rate = history.answer_rate.copy()
    answer_rate[LOW_ANSWER] = 0.7  # too few agents: callers rang back
    return replace(history, volume=volume, answer_rate=answer_rate)


class TestAutomaticFlags:
    """Each injected anomaly is found, with the reason; no normal date is excluded."""

    def test_excludes_exactly_the_injected_days(self) -> None:
        """The four anomalous dates are excluded and every other date is kept."""
        history = anomalous_history()
        cleaning = clean(history)
        expected = np.ones(len(history.dates), dtype=bool)
        expected[[OUTAGE, SURGE, LOW_ANSWER, DAY_SURGE]] = False
        assert expected.tolist() == cleaning.kept.tolist()

    def test_reasons_name_the_anomaly_and_its_hours(self) -> None:
        """The report gives each date's reason: outage and surge with their hours."""
        history = anomalous_history()
        reasons: dict[date, list[str]] = {}
        for exclusion in clean(history).excluded:
            reasons.setdefault(exclusion.day, []).append(exclusion.reason)

        def has(index: int, start: str) -> bool:
            return any(why.startswith(start) for why in reasons[history.dates[index]])

        assert len(reasons[history.dates[OUTAGE]]) == 1  # the outage explains its dips
        assert has(OUTAGE, "outage 10:00-11:30 (0 calls")
        assert has(SURGE, "surge 12:30-14:00")
        assert has(LOW_ANSWER, "low answer rate 70.0%")
        assert has(DAY_SURGE, "surge of the day")

    def test_clean_history_keeps_every_day(self) -> None:
        """Without anomalies nothing is flagged."""
        history = synthetic_history(8, seed=2, answer_rate=True)
        assert clean(history).kept.all()


class TestUserExclusions:
    """Dates the user names are excluded whatever their calls; missing dates are reported."""

    def test_exclusions_and_holidays(self) -> None:
        """An excluded date and a holiday are left out with the user's words."""
        history = synthetic_history(4)
        cleaning = clean(
            history,
            exclude={history.dates[3]: "system migration"},
            holidays={history.dates[7]: "Founders' Day", date(2030, 1, 1): "later"},
        )
        assert [(e.day, e.reason) for e in cleaning.excluded] == [
            (history.dates[3], "system migration"),
            (history.dates[7], "holiday Founders' Day"),
        ]
        assert cleaning.kept.sum() == len(history.dates) - 2

    def test_missing_dates_are_reported(self) -> None:
        """A weekday without data between the first and last dates is missing, not zero."""
        history = synthetic_history(3)
        keep = [i for i in range(len(history.dates)) if i != 6]
        gapped = replace(
            history, dates=tuple(history.dates[i] for i in keep), volume=history.volume[keep]
        )
        cleaning = clean(gapped)
        assert cleaning.missing == (history.dates[6],)
        assert cleaning.report()[-1] == f"missing from the history (1): {history.dates[6]}"


def test_excluded_days_never_enter_a_forecast() -> None:
    """The average of a weekday is the same whatever an excluded date of it held."""
    history = anomalous_history()
    cleaning = clean(history)
    target = [date(2024, 3, 4)]  # the Monday after the eight weeks
    before = predict(Panel(history, cleaning.kept, periods=4), "average", history.dates[-1], target)
    changed = history.volume.copy()
    changed[~cleaning.kept] = 1e6
    panel = Panel(replace(history, volume=changed), cleaning.kept, periods=4)
    after = predict(panel, "average", history.dates[-1], target)
    assert np.array_equal(before, after)

"""The acceptance backtest on real counts: the US bank's last 60 weekdays, day-ahead.

Five-minute counts of a US bank, 2003 (Weinberg, Brown & Stroud 2007; fpp3 ``bank_calls``),
read from the shared folder and summed into half-hours. ``CCSIM_FORECAST_EVAL_DAYS`` sets the
dates scored (default 60, the acceptance test).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from forecast_helpers import US_BANK
from helpers import invoke

from sim.forecast import BASELINE, METHODS, Panel, backtest, clean, read_history

EVAL_DAYS = int(os.environ.get("CCSIM_FORECAST_EVAL_DAYS", "60"))

pytestmark = pytest.mark.skipif(not US_BANK.exists(), reason="the shared US bank data is not here")


@pytest.mark.slow
def test_chosen_method_beats_seasonal_naive_with_honest_intervals() -> None:
    """Every method is scored; the chosen one beats seasonal naive per interval and per day.

    The 90% intervals come from the errors known at each origin, never from the dates scored;
    they must cover between 85% and 95% of the actual half-hour counts.
    """
    history = read_history(US_BANK, interval_minutes=30)
    cleaning = clean(history)
    result = backtest(
        Panel(history, cleaning.kept, periods=4), history.span(cleaning.kept), eval_days=EVAL_DAYS
    )
    assert {s.method for s in result.scores if s.horizon == "day"} == set(METHODS)
    chosen = result.score(result.best("day"), "day")
    naive = result.score(BASELINE, "day")
    assert chosen.method != BASELINE
    assert chosen.interval_wape < naive.interval_wape
    assert chosen.day_wape < naive.day_wape
    assert chosen.banded_days == EVAL_DAYS
    assert 0.85 <= chosen.interval_coverage <= 0.95


def test_the_command_writes_scores_days_and_plot(tmp_path: Path) -> None:
    """``ccsim forecast backtest`` on ten dates: the table, the files, the choice."""
    code, out, err = invoke(
        "forecast", "backtest", str(US_BANK), "--eval-days", "10", "--out", str(tmp_path)
    )
    assert (code, err) == (0, "")
    assert "bank_calls.csv: 164 dates 2003-03-03 to 2003-10-24, 1 call type," in out
    assert "chosen (lowest day-ahead interval WAPE): " in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "backtest.csv",
        "backtest.png",
        "backtest_days.csv",
    ]

"""Empirical talk times: each call takes one of the given values, in both engines alike."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from helpers import assert_parity, make_scenario, stat_reps

from sim.engines.base import Outcome
from sim.errors import ScenarioError
from sim.scenario import Scenario
from sim.simulation import simulate

VALUES_S = [60.0, 120.0, 300.0, 900.0]


def empirical(**handle: Any) -> Scenario:
    """A small day whose talk times are empirical (no after-call work, standard tier)."""
    return make_scenario(
        call_types={
            "calls": {
                "volume": {"per_hour": 120},
                "handle_time": {"dist": "empirical", "values_s": VALUES_S, **handle},
                "patience": {"dist": "exponential", "mean_s": 300},
            }
        },
        groups={"agents": {"headcount": 10}},
    )


def answered_handle_s(scenario: Scenario, reps: int, engine: str = "fast") -> np.ndarray:
    """Handle times of answered calls."""
    calls = simulate(scenario, reps=reps, seed=3, engine=engine, keep_records=True).calls
    assert calls is not None
    return calls.handle_s[calls.outcome == Outcome.ANSWERED]


class TestDraws:
    """Values, scale and frequencies."""

    def test_engines_give_identical_records(self) -> None:
        """Same seed: the same records in both engines."""
        scenario = empirical()
        assert_parity(
            simulate(scenario, reps=3, seed=2, engine="simpy", keep_records=True),
            simulate(scenario, reps=3, seed=2, engine="fast", keep_records=True),
        )

    def test_every_talk_time_is_one_of_the_values(self) -> None:
        """Nothing in between: the distribution is the list."""
        assert set(answered_handle_s(empirical(), reps=5)) == set(VALUES_S)

    def test_each_value_is_equally_likely(self) -> None:
        """Each value's share is 1/4 within 4 standard errors of a proportion."""
        handle_s = answered_handle_s(empirical(), reps=stat_reps(40))
        n = len(handle_s)
        for value in VALUES_S:
            share = float(np.mean(handle_s == value))
            se = math.sqrt(0.25 * 0.75 / n)
            assert abs(share - 0.25) < 4 * se, f"{value}: share {share:.4f} of {n}"

    def test_mean_rescales_the_values(self) -> None:
        """With mean_s the values are scaled to it: 345 s -> 690 s doubles every value."""
        handle_s = answered_handle_s(empirical(mean_s=690.0), reps=3)
        assert set(handle_s) == {2 * v for v in VALUES_S}


class TestErrors:
    """An empirical distribution is a list of positive values, and nothing else."""

    @pytest.mark.parametrize(
        ("handle", "message"),
        [
            ({"dist": "empirical"}, "values_s: is required for dist 'empirical'"),
            (
                {"dist": "empirical", "values_s": [60], "cv": 0.5},
                "cv: is not used by dist 'empirical' (got 0.5)",
            ),
            (
                {"dist": "lognormal", "mean_s": 60, "cv": 0.5, "values_s": [60]},
                "values_s: is used by dist 'empirical' only (got 1 values)",
            ),
            ({"dist": "empirical", "values_s": [60, 0]}, "values_s[1]: must be > 0 (got 0)"),
            ({"dist": "empirical", "values_s": []}, "values_s: must have at least 1 item(s)"),
        ],
    )
    def test_one_line(self, handle: dict[str, Any], message: str) -> None:
        """The field path and the bad value."""
        with pytest.raises(ScenarioError) as error:
            make_scenario(call_types={"calls": {"volume": {"per_hour": 60}, "handle_time": handle}})
        assert f"call_types.calls.handle_time.{message}" in error.value.line()

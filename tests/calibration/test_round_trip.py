"""Calibrating the log of a simulated month recovers the scenario's volumes, handle times, patience.

Tolerances are 4 standard errors of each estimate, computed from the data (days for volumes, the
delta method for the lognormal fit, abandonments for the censored patience mean).
"""

from __future__ import annotations

import numpy as np
import pytest
from calibration_helpers import KNOWN, START, Simulated

from sim.calibration import calibrate, headcount, scenario_document
from sim.calibration.estimate import Estimate
from sim.errors import UsageError
from sim.scenario import scenario_from_dict
from sim.simulation import simulate

TYPES = ("sales", "service")


def assert_covers(estimate: Estimate, expected: float, label: str) -> None:
    """Assert an estimate is within 4 of its standard errors of the true value."""
    assert abs(estimate.value - expected) < 4 * estimate.se, (
        f"{label}: {estimate.value:.4g} vs {expected:.4g} (SE {estimate.se:.3g})"
    )


class TestRoundTrip:
    """Simulate, log, calibrate: the estimates cover the scenario's values."""

    def test_log_holds_every_call(self, simulated: Simulated) -> None:
        """Every simulated call is in the log, on its date, with its outcome."""
        calls = simulated.result.calls
        assert calls is not None
        log = simulated.log.calls
        assert len(calls) == len(log)
        assert {START} == {log["arrival_at"].min().date()}
        assert int((calls.outcome == 1).sum()) == int((log["outcome"] == "answered").sum())
        assert int((calls.outcome == 2).sum()) == int((log["outcome"] == "abandoned").sum())
        np.testing.assert_allclose(
            log["wait_s"].to_numpy(),
            np.where(calls.outcome == 1, calls.answered_at, calls.left_at) - calls.arrived_at,
            atol=1e-6,
        )

    def test_days_and_opening_hours(self, simulated: Simulated) -> None:
        """Every weekday is used (equal volumes); the opening hours are the scenario's."""
        calibration = calibrate(simulated.log)
        assert 28 == len(calibration.days_used)
        assert 8 * 3600 == calibration.open_s
        assert 12 * 3600 == calibration.close_s

    @pytest.mark.parametrize("name", TYPES)
    def test_volume_per_interval(self, simulated: Simulated, name: str) -> None:
        """The mean calls per interval are within 4 SE of the scenario's volumes."""
        calibration = calibrate(simulated.log)
        rates = calibration.call_types[name].rates
        window = calibration.opening
        expected = np.array(KNOWN["call_types"][name]["volume"]["per_interval"], dtype=float)
        z = (rates.mean[window] - expected) / rates.se[window]
        assert np.all(np.abs(z) < 4), z

    @pytest.mark.parametrize("name", TYPES)
    def test_handle_time_fit(self, simulated: Simulated, name: str) -> None:
        """The lognormal fit's mean and CV are within 4 SE of the scenario's."""
        handle = calibrate(simulated.log).call_types[name].handle
        assert handle is not None
        spec = KNOWN["call_types"][name]["handle_time"]
        assert_covers(handle.mean_s, spec["mean_s"], f"{name} mean_s")
        assert_covers(handle.cv, spec["cv"], f"{name} cv")

    @pytest.mark.parametrize("name", TYPES)
    def test_patience_mean(self, simulated: Simulated, name: str) -> None:
        """The censored estimate of mean patience is within 4 SE of the scenario's."""
        patience = calibrate(simulated.log).call_types[name].patience
        expected = KNOWN["call_types"][name]["patience"]["mean_s"]
        assert patience.n_abandoned > 100
        assert_covers(patience.censored, expected, f"{name} patience")

    def test_agents_seen(self, simulated: Simulated) -> None:
        """Agents seen serving are at most those on duty then or just before; busy is less."""
        calibration = calibrate(simulated.log)
        window = calibration.opening
        on_duty = np.array(KNOWN["groups"]["agents"]["headcount"])
        # An agent whose shift ends finishes the call in hand, in the next interval.
        on_duty_or_finishing = np.maximum(on_duty, np.append(on_duty[0], on_duty[:-1]))
        distinct = calibration.agents_distinct.mean[window]
        assert np.all(distinct <= on_duty_or_finishing)
        assert np.all(calibration.agents_busy.mean[window] <= distinct)
        assert np.all(calibration.agents_present.mean[window] <= on_duty_or_finishing)
        assert np.all(calibration.agents_ready.mean[window] <= on_duty_or_finishing)
        assert np.all(np.array(headcount(calibration, "serving")) <= on_duty_or_finishing)

    def test_headcount_from_ready_agents(self, simulated: Simulated) -> None:
        """The default headcount, from the agents ready to take calls, is the one simulated.

        The simulator's agents never sit idle while a caller waits, so the agents ready are
        the agents present (their working spans). Agents seen serving overshoot where the
        staffing falls (they finish calls after their shift); busy time undershoots where
        agents wait for calls.
        """
        calibration = calibrate(simulated.log)
        on_duty = KNOWN["groups"]["agents"]["headcount"]
        assert on_duty == headcount(calibration)
        assert on_duty == headcount(calibration, "presence")
        assert sum(headcount(calibration, "serving")) > sum(on_duty)
        assert sum(headcount(calibration, "busy")) < sum(on_duty)
        with pytest.raises(UsageError, match="the headcount must follow one of ready, presence"):
            headcount(calibration, "roster")

    def test_scenario_runs(self, simulated: Simulated) -> None:
        """The calibrated scenario validates and simulates."""
        document = scenario_document(calibrate(simulated.log))
        scenario = scenario_from_dict(document)
        assert ["sales", "service"] == list(scenario.call_types)
        assert {"open": "08:00", "close": "12:00"}.items() <= document["calendar"].items()
        result = simulate(scenario, reps=2, seed=1, engine="simpy")
        assert result.tallies.count("offered").sum() > 0

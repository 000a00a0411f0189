"""The staffing search aims at a contract's targets: which hold, which agents cannot reach."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from helpers import TWO_DESKS

from sim.planning.staffing import search_confidence, simulated_staffing
from sim.planning.target_staffing import failing, held_share, unreachable
from sim.results.targets import TargetsResult, evaluate_targets, target_outcome
from sim.scenario import build_plan, scenario_from_dict
from sim.scenario.contract import Target
from sim.simulation import simulate

REPS = 20
SUPPORT_ASA = {"kpi": "asa_s", "scope": "support", "threshold": 4, "period": "day"}
"""Support answered within 4 s on average: far more than 80/20 over the centre asks."""


def outcome(kpi: str, values: list[list[float]], period: str = "interval", **limits: Any) -> Any:
    """A target's outcome on hand-made values ``[reps, cells]``."""
    target = Target(kpi=kpi, period=period, **limits)
    return target_outcome(np.array(values, dtype=float), target)


class TestHeldShare:
    def test_interval_target_holds_as_its_worst_interval(self) -> None:
        """SL >= 0.8 on [[0.9, 0.7], [0.85, 0.9]]: the intervals meet it in 2/2 and 1/2 reps.

        The share held is the worst interval's, 0.5, not P(period met) = (1/2 + 2/2) / 2 = 0.75.
        """
        sl = outcome("service_level", [[0.9, 0.7], [0.85, 0.9]], threshold=0.8)
        assert 0.75 == pytest.approx(sl.p_met)
        assert 0.5 == held_share(sl)
        assert [sl] == failing_of([sl], 0.6)
        assert [] == failing_of([sl], 0.5)

    def test_day_target_holds_as_its_p_met(self) -> None:
        """Abandonment <= 0.05 by day on [[0.04], [0.06], [0.05], [0.02]]: 3 of 4 days meet it."""
        abandon = outcome("abandonment", [[0.04], [0.06], [0.05], [0.02]], "day", threshold=0.05)
        assert 0.75 == held_share(abandon)


def failing_of(outcomes: list[Any], asked: float) -> list[Any]:
    """The outcomes that fail at ``asked``, through :func:`failing` (joint P unused)."""
    return failing(TargetsResult(outcomes, 0.0, 0.0, 0.0), asked)


class TestUnreachable:
    @pytest.mark.parametrize(
        ("kpi", "values", "limits", "expected"),
        [
            ("fcr", [[0.9]], {"threshold": 0.95}, True),
            ("occupancy", [[0.5]], {"min": 0.6}, True),
            ("occupancy", [[0.95]], {"min": 0.6, "max": 0.9}, False),
            ("asa_s", [[30.0]], {"threshold": 20}, False),
        ],
    )
    def test_what_agents_cannot_reach(
        self, kpi: str, values: list[list[float]], limits: dict[str, float], expected: bool
    ) -> None:
        """FCR, and an occupancy below its min, do not come with more agents; ASA does."""
        assert expected is unreachable(outcome(kpi, values, "day", **limits))


@pytest.fixture(scope="module")
def searches() -> dict[str, Any]:
    """The two desks staffed for 80/20 over the day, without and with support's ASA <= 4 s."""
    targets = [Target(**SUPPORT_ASA)]
    common: dict[str, Any] = {"criterion": "day", "reps": REPS, "seed": 3, "confidence": 0.8}
    groups = ["billing_desk", "support_desk"]
    return {
        "day": simulated_staffing(TWO_DESKS, group=groups, **common),
        "asa": simulated_staffing(TWO_DESKS, group=groups, targets=targets, **common),
    }


def headcount(found: Any, group: str) -> np.ndarray:
    """The headcount per interval the search gave a group."""
    return np.array(found.document["groups"][group]["headcount"])


class TestTargetSearch:
    def test_the_day_level_alone_leaves_the_asa_target_missing(
        self, searches: dict[str, Any]
    ) -> None:
        """Without the target the search stops at 80/20; support's ASA then misses it."""
        plan = build_plan(scenario_from_dict(searches["day"].document))
        result = simulate(plan, reps=REPS, seed=3)
        asked = search_confidence(0.8, REPS)
        missing = failing(evaluate_targets(result.tallies, plan, [Target(**SUPPORT_ASA)]), asked)
        assert ["asa_s <= 4 (support, day)"] == [o.target.label for o in missing]

    def test_the_target_gets_agents_on_the_desk_that_serves_its_scope(
        self, searches: dict[str, Any]
    ) -> None:
        """With the target the search goes on: support's desk gains agents, every target holds."""
        found = searches["asa"]
        assert found.met
        assert () == found.unreachable
        assert found.targets_search is not None
        assert [] == failing(found.targets_search, search_confidence(0.8, REPS))
        more = headcount(found, "support_desk") - headcount(searches["day"], "support_desk")
        assert (more >= 0).all()
        assert more.sum() > 0

    def test_an_unreachable_target_stops_the_search_at_once(self) -> None:
        """FCR 0.95 when the tier resolves 90%: no round is run, the target is named."""
        targets = [Target(**SUPPORT_ASA), Target(kpi="fcr", threshold=0.95)]
        found = simulated_staffing(
            TWO_DESKS, group="support_desk", criterion="day", reps=10, targets=targets
        )
        assert (0, False) == (found.rounds, found.met)
        assert ("fcr >= 0.95 (all, day)",) == found.unreachable

    def test_an_interval_target_holds_in_every_interval(self) -> None:
        """Answer rate >= 0.97 per interval: each interval reaches it in the share asked."""
        target = Target(kpi="answer_rate", threshold=0.97, period="interval")
        found = simulated_staffing(
            TWO_DESKS,
            group=["billing_desk", "support_desk"],
            criterion="day",
            reps=REPS,
            seed=3,
            confidence=0.8,
            targets=[target],
        )
        assert found.met
        assert found.targets_search is not None
        (outcome,) = found.targets_search.outcomes
        assert outcome.met.mean(axis=0).min() >= search_confidence(0.8, REPS)

    def test_the_trim_keeps_every_target(self) -> None:
        """One desk trimmed after the search: no more agents, and the target still holds."""
        support = {
            **{key: value for key, value in TWO_DESKS.items() if key != "contract"},
            "groups": {"support_desk": TWO_DESKS["groups"]["support_desk"]},
            "call_types": {"support": TWO_DESKS["call_types"]["support"]},
        }
        target = Target(kpi="asa_s", scope="support", threshold=4)
        common: dict[str, Any] = {"criterion": "day", "reps": REPS, "seed": 3, "confidence": 0.8}
        kept = simulated_staffing(support, group="support_desk", targets=[target], **common)
        found = simulated_staffing(
            support, group="support_desk", trim=True, targets=[target], **common
        )
        assert found.met
        assert headcount(found, "support_desk").sum() <= headcount(kept, "support_desk").sum()
        assert found.targets_search is not None
        assert [] == failing(found.targets_search, search_confidence(0.8, REPS))

"""Blended buffer pools and emergency reserves in both engines: parity, rules, statistics.

The rules are checked on the records of seeded runs: what a control may do, and when, follows
from the call records (the queue at any instant is the calls that arrived and had not yet left
it), the outbound records and the control records.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import numpy as np
import pytest
from helpers import assert_parity, assert_within_se, stat_reps

from sim.engines.base import ControlKind, OutboundOutcome, Outcome, Records
from sim.scenario import scenario_from_dict
from sim.scenario.plan import Plan, build_plan
from sim.simulation import SimulationResult, simulate

BASE: dict[str, Any] = {
    "name": "controls",
    "calendar": {"open": "08:00", "close": "12:00", "interval_minutes": 30, "at_close": "drain"},
    "service_level": {"threshold_s": 20},
    "tiers": {"standard": {"handle_time_factor": 1.0}, "expert": {"handle_time_factor": 0.85}},
    "call_types": {
        "general": {
            "volume": {"per_interval": [60, 90, 130, 150, 140, 120, 90, 60]},
            "handle_time": {"dist": "lognormal", "mean_s": 200, "cv": 0.9, "acw_s": 20},
            "patience": {"dist": "exponential", "mean_s": 150},
        },
        "vip": {
            "priority": 2,
            "volume": {"per_interval": [10, 12, 15, 15, 15, 12, 10, 8]},
            "handle_time": {"dist": "gamma", "mean_s": 300, "cv": 0.8},
            "patience": {"dist": "exponential", "mean_s": 240},
        },
    },
    "shifts": {
        "full": {"start": "08:00", "length_h": 4, "breaks": [{"after_h": 2, "minutes": 15}]},
        "late": {"start": "09:00", "length_h": 3},
    },
    "groups": {
        "agents": {"skills": {"general": "standard", "vip": "standard"}, "headcount": 9},
        "buffer": {
            "role": "blended",
            "skills": {"general": "standard"},
            "shifts": {"full": 4, "late": 2},
            "outbound": {
                "attempt_s": 30,
                "contact_probability": 0.4,
                "talk": {"dist": "exponential", "mean_s": 150},
                "wrap_s": 20,
            },
            "switch": {
                "to_inbound": {"queue_at_least": 5, "or_oldest_wait_s": 40},
                "to_outbound": {"queue_at_most": 1, "for_s": 90},
            },
            "wage_per_hour": 17.0,
        },
        "supervisors": {
            "role": "supervisor",
            "skills": {"general": "expert", "vip": "expert"},
            "shifts": {"full": 3},
            "activate": {
                "queue_at_least": 10,
                "or_service_level_below": 0.5,
                "window_minutes": 10,
                "max_active": 2,
                "min_stay_minutes": 10,
            },
            "deactivate": {"queue_at_most": 2, "for_s": 120},
            "wage_per_hour": 30.0,
        },
    },
}
Q_ON, W_ON, Q_OFF, CALM_S = 5, 40.0, 1, 90.0
MAX_ACTIVE, MIN_STAY_S = 2, 600.0


def variant(**changes: Any) -> dict[str, Any]:
    """A deep copy of BASE with ``buffer`` / ``supervisors`` group fields replaced."""
    raw = copy.deepcopy(BASE)
    for group, fields in changes.items():
        raw["groups"][group].update(fields)
    return raw


VARIANTS = {
    "base": variant(),
    "preempt_min_outbound": variant(
        buffer={
            "switch": {
                "to_inbound": {"queue_at_least": 4},
                "to_outbound": {"queue_at_most": 0, "for_s": 60},
                "preempt": True,
                "min_outbound": 2,
            }
        }
    ),
    "short_list": variant(
        buffer={
            "outbound": {
                "attempt_s": 20,
                "contact_probability": 0.5,
                "talk": {"dist": "lognormal", "mean_s": 120, "cv": 0.7},
                "list_size": 150,
            }
        }
    ),
    "reserve_on_wait": variant(
        supervisors={
            "activate": {"or_oldest_wait_s": 30, "min_stay_minutes": 5},
            "deactivate": {"queue_at_most": 0, "for_s": 0},
        }
    ),
}


@functools.cache
def run(name: str, engine: str, reps: int = 3, seed: int = 11) -> SimulationResult:
    """Seeded run of a variant, records kept (cached: tests only read it)."""
    scenario = scenario_from_dict(copy.deepcopy(VARIANTS[name]))
    return simulate(scenario, reps=reps, seed=seed, engine=engine, keep_records=True)


def records_of(name: str, engine: str) -> tuple[Plan, Records]:
    result = run(name, engine)
    assert result.records is not None
    return result.plan, result.records


ENGINES = ["simpy", "fast"]


class TestParity:
    """Identical records of every kind, and tallies, on the same seed."""

    @pytest.mark.parametrize("name", list(VARIANTS))
    def test_same_records(self, name: str) -> None:
        assert_parity(run(name, "simpy"), run(name, "fast"))

    @pytest.mark.parametrize("name", list(VARIANTS))
    def test_variant_exercises_the_controls(self, name: str) -> None:
        """Every variant switches both ways, dials, and activates and releases reserves."""
        _, records = records_of(name, "simpy")
        kinds = set(records.controls.kind.tolist())
        assert kinds == {int(kind) for kind in ControlKind}
        outcomes = set(records.outbound.outcome.tolist())
        assert {int(OutboundOutcome.NO_CONTACT), int(OutboundOutcome.CONTACT)} <= outcomes
        if name == "preempt_min_outbound":
            assert int(OutboundOutcome.CUT_OFF) in outcomes


def queue_length_at(records: Records, rep: int, at: float, call_types: list[int]) -> int:
    """Calls of ``call_types`` waiting at ``at`` (arrived, not yet answered or gone)."""
    calls = records.calls
    chosen = (calls.rep == rep) & np.isin(calls.call_type, call_types)
    left_queue_at = np.where(calls.outcome == Outcome.ANSWERED, calls.answered_at, calls.left_at)[
        chosen
    ]
    return int(np.sum((calls.arrived_at[chosen] <= at) & (left_queue_at > at)))


def oldest_wait_at(records: Records, rep: int, at: float, call_types: list[int]) -> float:
    """The longest wait among calls waiting at ``at``, or answered then (by an activation)."""
    calls = records.calls
    chosen = (calls.rep == rep) & np.isin(calls.call_type, call_types)
    left_queue_at = np.where(calls.outcome == Outcome.ANSWERED, calls.answered_at, calls.left_at)[
        chosen
    ]
    waiting = (calls.arrived_at[chosen] <= at) & (left_queue_at >= at)
    return float(at - calls.arrived_at[chosen][waiting].min()) if waiting.any() else 0.0


def controls_of(records: Records, group: int, kind: ControlKind) -> tuple[np.ndarray, ...]:
    c = records.controls
    chosen = (c.group == group) & (c.kind == kind)
    return c.rep[chosen], c.agent[chosen], c.at[chosen]


@pytest.mark.parametrize("engine", ENGINES)
class TestBlendedRules:
    """Switching rules of the buffer pool in the base variant (no pre-emption)."""

    def test_switches_to_inbound_only_when_triggered(self, engine: str) -> None:
        plan, records = records_of("base", engine)
        buffer = plan.groups.index("buffer")
        skills = [int(k) for k in np.flatnonzero(plan.skill_tier[buffer] >= 0)]
        reps, _, ats = controls_of(records, buffer, ControlKind.TO_INBOUND)
        assert len(ats) > 0
        for rep, at in zip(reps, ats, strict=True):
            queue = queue_length_at(records, rep, at, skills)
            oldest = oldest_wait_at(records, rep, at, skills)
            assert queue >= Q_ON or oldest >= W_ON, (rep, at, queue, oldest)

    def test_switches_alternate_and_back_only_after_calm(self, engine: str) -> None:
        """Inbound, outbound, inbound...; back to outbound at least ``for_s`` after the switch."""
        plan, records = records_of("base", engine)
        buffer = plan.groups.index("buffer")
        c = records.controls
        for rep in range(3):
            chosen = (c.rep == rep) & (c.group == buffer)
            kinds, ats = c.kind[chosen], c.at[chosen]
            expected = [ControlKind.TO_INBOUND, ControlKind.TO_OUTBOUND] * len(kinds)
            assert kinds.tolist() == [int(k) for k in expected[: len(kinds)]]
            back = kinds == ControlKind.TO_OUTBOUND
            gaps = ats[back] - ats[np.flatnonzero(back) - 1]
            assert (gaps >= CALM_S).all()
            for at in ats[back]:
                assert queue_length_at(records, rep, at, [0]) <= Q_OFF

    def test_no_preemption_agents_finish_their_attempt(self, engine: str) -> None:
        """No attempt is cut, and no blended agent answers a call during an attempt."""
        plan, records = records_of("base", engine)
        outbound, calls = records.outbound, records.calls
        assert not (outbound.outcome == OutboundOutcome.CUT_OFF).any()
        buffer = plan.groups.index("buffer")
        answered = (calls.group == buffer) & (calls.outcome == Outcome.ANSWERED)
        for rep, agent, at, end in zip(
            calls.rep[answered],
            calls.agent[answered],
            calls.answered_at[answered],
            calls.ended_at[answered],
            strict=True,
        ):
            mine = (outbound.rep == rep) & (outbound.agent == agent)
            overlap = (outbound.start_at[mine] < end) & (outbound.end_at[mine] > at)
            assert not overlap.any()

    def test_attempts_start_only_in_outbound_mode(self, engine: str) -> None:
        """An attempt starts only while the group works outbound (min_outbound is 0 here)."""
        plan, records = records_of("base", engine)
        buffer = plan.groups.index("buffer")
        c, outbound = records.controls, records.outbound
        for rep in range(3):
            chosen = (c.rep == rep) & (c.group == buffer)
            ats, kinds = c.at[chosen], c.kind[chosen]
            starts = outbound.start_at[outbound.rep == rep]
            # Mode at each start: the last switch before it (outbound before any switch). At the
            # instant of a switch either mode may start one: a switch back to outbound lets idle
            # agents dial; before a switch to inbound, the event itself may have freed the agent
            # (an oldest-wait trigger is seen at the next event).
            last = np.searchsorted(ats, starts, side="left") - 1
            at_a_switch = np.searchsorted(ats, starts, side="right") - 1 != last
            inbound = (last >= 0) & (kinds[np.maximum(last, 0)] == ControlKind.TO_INBOUND)
            assert not (inbound & ~at_a_switch).any()


@pytest.mark.parametrize("engine", ENGINES)
class TestPreemption:
    def test_switch_cuts_attempts_down_to_the_minimum(self, engine: str) -> None:
        """At a switch to inbound, attempts in progress are cut but ``min_outbound`` of them."""
        plan, records = records_of("preempt_min_outbound", engine)
        buffer = plan.groups.index("buffer")
        outbound = records.outbound
        reps, _, ats = controls_of(records, buffer, ControlKind.TO_INBOUND)
        cut_any = False
        for rep, at in zip(reps, ats, strict=True):
            mine = outbound.rep == rep
            running = mine & (outbound.start_at < at) & (outbound.end_at >= at)
            cut = running & (outbound.outcome == OutboundOutcome.CUT_OFF) & (outbound.end_at == at)
            survivors = int(running.sum() - cut.sum())
            assert survivors == min(2, int(running.sum()))
            cut_any |= bool(cut.any())
        assert cut_any

    def test_a_cut_attempt_ends_when_it_is_cut(self, engine: str) -> None:
        _, records = records_of("preempt_min_outbound", engine)
        outbound, c = records.outbound, records.controls
        cut = outbound.outcome == OutboundOutcome.CUT_OFF
        switch_at = {
            (int(r), float(a))
            for r, a, k in zip(c.rep, c.at, c.kind, strict=True)
            if k == ControlKind.TO_INBOUND
        }
        for rep, end in zip(outbound.rep[cut], outbound.end_at[cut], strict=True):
            assert (int(rep), float(end)) in switch_at


@pytest.mark.parametrize("engine", ENGINES)
class TestOutboundList:
    def test_attempts_per_day_at_most_the_list(self, engine: str) -> None:
        _, records = records_of("short_list", engine)
        attempts = np.bincount(records.outbound.rep, minlength=3)
        assert (attempts == 150).all()  # the list runs out every replication


@pytest.mark.parametrize("engine", ENGINES)
class TestReserveRules:
    """Activation and release of the supervisors."""

    def spans(
        self, name: str, engine: str
    ) -> tuple[Plan, Records, list[tuple[int, int, float, float]]]:
        """Active spans (rep, agent, from, to): activation to release or end of shift."""
        plan, records = records_of(name, engine)
        group = plan.groups.index("supervisors")
        c, shifts = records.controls, records.shifts
        spans = []
        on = (c.group == group) & (c.kind == ControlKind.ACTIVATE)
        for rep, agent, at in zip(c.rep[on], c.agent[on], c.at[on], strict=True):
            later = (c.rep == rep) & (c.agent == agent) & (c.at >= at)
            off = later & (c.kind == ControlKind.DEACTIVATE)
            mine = (shifts.rep == rep) & (shifts.agent == agent) & (shifts.off_at >= at)
            end = min(c.at[off].min(initial=np.inf), shifts.off_at[mine].min())
            spans.append((int(rep), int(agent), float(at), float(end)))
        return plan, records, spans

    def test_at_most_k_active(self, engine: str) -> None:
        _, _, spans = self.spans("base", engine)
        assert spans
        for rep, _, at, _ in spans:
            active = [s for s in spans if s[0] == rep and s[2] <= at < s[3]]
            assert len(active) <= MAX_ACTIVE

    def test_each_stays_at_least_the_minimum(self, engine: str) -> None:
        plan, records, _ = self.spans("base", engine)
        group = plan.groups.index("supervisors")
        reps, agents, ats = controls_of(records, group, ControlKind.DEACTIVATE)
        assert len(ats) > 0
        on_reps, on_agents, on_ats = controls_of(records, group, ControlKind.ACTIVATE)
        for rep, agent, at in zip(reps, agents, ats, strict=True):
            mine = (on_reps == rep) & (on_agents == agent) & (on_ats <= at)
            assert at - on_ats[mine].max() >= MIN_STAY_S

    def test_calls_answered_only_while_active(self, engine: str) -> None:
        plan, records, spans = self.spans("base", engine)
        calls = records.calls
        group = plan.groups.index("supervisors")
        answered = calls.group == group
        assert answered.any()
        for rep, agent, at in zip(
            calls.rep[answered], calls.agent[answered], calls.answered_at[answered], strict=True
        ):
            assert any(s[0] == rep and s[1] == agent and s[2] <= at <= s[3] for s in spans)

    def test_activated_only_when_triggered(self, engine: str) -> None:
        """Queue at least q_on, or the oldest wait (variant) at least its threshold."""
        plan, records = records_of("reserve_on_wait", engine)
        group = plan.groups.index("supervisors")
        skills = [int(k) for k in np.flatnonzero(plan.skill_tier[group] >= 0)]
        reps, _, ats = controls_of(records, group, ControlKind.ACTIVATE)
        assert len(ats) > 0
        for rep, at in zip(reps, ats, strict=True):
            assert oldest_wait_at(records, rep, at, skills) >= 30.0, (rep, at)

    def test_no_call_while_off_the_phones(self, engine: str) -> None:
        """Spans off the phones lie within shifts and never overlap a call the agent handles."""
        plan, records = records_of("base", engine)
        group = plan.groups.index("supervisors")
        off, shifts, calls = records.off_phone, records.shifts, records.calls
        assert len(off) > 0
        assert (off.group == group).all()
        for rep, agent, start, end in zip(
            off.rep, off.agent, off.start_at, off.end_at, strict=True
        ):
            mine = (shifts.rep == rep) & (shifts.agent == agent)
            assert ((shifts.on_at[mine] <= start) & (end <= shifts.off_at[mine])).any()
            handled = (calls.rep == rep) & (calls.agent == agent)
            assert not (
                (calls.answered_at[handled] < end) & (calls.ended_at[handled] > start)
            ).any()


class TestAgainstPlainInbound:
    """A pool that switches at the first waiting call, pre-empting, is inbound staff exactly.

    With ``queue_at_least: 1``, ``preempt`` and no calm time, a call that finds no idle agent
    switches the pool and takes a cut agent at the same instant, as it would take an idle one:
    every call waits exactly as long as with the same agents working inbound only (the calls'
    draws are their own, whoever answers).
    """

    def plans(self) -> tuple[Plan, Plan]:
        base = copy.deepcopy(BASE)
        # Without breaks: a break that falls due during an attempt waits for its end, one that
        # falls due while idle starts at once.
        base["shifts"]["full"].pop("breaks")
        del base["groups"]["supervisors"]
        inbound = copy.deepcopy(base)
        inbound["groups"]["buffer"] = {
            "skills": {"general": "standard"},
            "shifts": {"full": 4, "late": 2},
        }
        blended = copy.deepcopy(base)
        blended["groups"]["buffer"]["switch"] = {
            "to_inbound": {"queue_at_least": 1},
            "to_outbound": {"queue_at_most": 0, "for_s": 0},
            "preempt": True,
        }
        return build_plan(scenario_from_dict(inbound)), build_plan(scenario_from_dict(blended))

    @pytest.mark.parametrize("engine", ENGINES)
    def test_same_waits_and_outcomes(self, engine: str) -> None:
        inbound_plan, blended_plan = self.plans()
        a = simulate(inbound_plan, reps=2, seed=5, engine=engine, keep_records=True).records
        b = simulate(blended_plan, reps=2, seed=5, engine=engine, keep_records=True).records
        assert a is not None
        assert b is not None
        assert len(b.outbound) > 0
        for column in ("arrived_at", "answered_at", "left_at", "outcome", "handle_s"):
            np.testing.assert_array_equal(getattr(a.calls, column), getattr(b.calls, column))


class TestOutboundStatistics:
    """Contacts and talk times of outbound attempts against their distributions (4 SE)."""

    def test_contact_rate_and_talk_time(self) -> None:
        scenario = scenario_from_dict(copy.deepcopy(VARIANTS["base"]))
        result = simulate(scenario, reps=stat_reps(40), seed=3, engine="fast", keep_records=True)
        assert result.records is not None
        outbound = result.records.outbound
        finished = outbound.outcome != OutboundOutcome.CUT_OFF
        contact = outbound.outcome == OutboundOutcome.CONTACT
        reps = result.reps
        rate = [contact[(outbound.rep == r) & finished].mean() for r in range(reps)]
        assert_within_se(rate, 0.4, label="contact rate")
        talk = [outbound.talk_s[(outbound.rep == r) & contact].mean() for r in range(reps)]
        assert_within_se(talk, 150.0, label="mean talk s")
        duration = outbound.end_at - outbound.start_at
        no_contact = outbound.outcome == OutboundOutcome.NO_CONTACT
        np.testing.assert_allclose(duration[no_contact], 30.0)
        np.testing.assert_allclose(duration[contact], 30.0 + outbound.talk_s[contact] + 20.0)

"""The routing, tie-break, shift, break and closing rules, checked on both engines.

Two kinds of tests:

* Scripted: both engines draw from streams that serve chosen values (arrival rate 1 call/s, so
  a unit-exponential draw *is* the gap between arrivals; exponential handle and patience of mean
  1 s, so a draw *is* the talk time or patience; redial and repeat decisions are the uniforms
  served and their delays the unit exponentials served). Arrival instants, talk times and
  patience are exact, and exact ties (a deadline at the instant an agent frees up, simultaneous
  service ends, a call ending at a shift end) happen on purpose. Records are compared with
  hand-computed ones. Plans with several groups, skills, tiers, routing, breaks, redials,
  repeats or absenteeism are the scenario's plan with those fields replaced.
* Seeded: ordinary Poisson runs; rule properties that must hold for any seed are asserted on
  every record.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
from typing import Any, NamedTuple

import numpy as np
import pytest

from sim import simulate
from sim.engines.base import BreakRecords, CallRecords, Origin, Outcome, ShiftRecords, Tallies
from sim.engines.replication import draw_realisation
from sim.rng import Purpose, seed_words
from sim.rng import seeded_stream as real_seeded_stream
from sim.scenario import Plan, build_plan, scenario_from_dict
from sim.scenario.plan import RosterKind, inbound_group_tables

ENGINES = ["simpy", "fast"]
OPEN_AT = 8 * 3600.0  # every scripted scenario opens at 08:00
NO_MORE = 1e12  # a unit-exponential draw so large that no further arrival follows
ANSWERED, ABANDONED, DROPPED = int(Outcome.ANSWERED), int(Outcome.ABANDONED), int(Outcome.DROPPED)
FRESH, REDIAL, REPEAT = int(Origin.FRESH), int(Origin.REDIAL), int(Origin.REPEAT)
ON, OFF, BREAK = RosterKind.ON, RosterKind.OFF, RosterKind.BREAK
NAN = math.nan

# What an unscripted stream serves for ever: no further arrival, 1-s talk, patience 10⁶ s, no
# redial (a decision of 1 is never below a probability), every contact resolved (a decision of 0
# is below any first-contact resolution), 1-s mean delays.
TAILS = {
    Purpose.ARRIVALS: NO_MORE,
    Purpose.HANDLE: 1.0,
    Purpose.PATIENCE: 1e6,
    Purpose.REDIAL_DECISION: 1.0,
    Purpose.REDIAL_DELAY: 1.0,
    Purpose.REPEAT_DECISION: 0.0,
    Purpose.REPEAT_DELAY: 1.0,
    Purpose.BOT_TIME: 1.0,
    Purpose.BOT_OUTCOME: 1.0,
}


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Each test runs on both engines."""
    return request.param


# -- scripted streams -------------------------------------------------------------------------


class ScriptedStream:
    """Stands in for a NumPy generator: serves scripted values, then ``tail`` for ever.

    One-at-a-time draws (SimPy engine) and blocks (fast engine) give the same sequence, as NumPy
    does. Shape arguments of gamma draws are ignored.
    """

    def __init__(self, values: list[float], tail: float) -> None:
        self.values, self.tail, self.taken = list(values), tail, 0

    def _take(self, size: int | None, out: np.ndarray | None = None) -> Any:
        if out is not None:
            out[...] = self._take(len(out))
            return out
        if size is None:
            self.taken += 1
            return self.values[self.taken - 1] if self.taken <= len(self.values) else self.tail
        return np.array([self._take(None) for _ in range(size)])

    def standard_exponential(self, size: int | None = None, out: np.ndarray | None = None) -> Any:
        """Next value(s), into ``out`` when given."""
        return self._take(size, out)

    def standard_normal(self, size: int | None = None, out: np.ndarray | None = None) -> Any:
        """Next value(s), into ``out`` when given."""
        return self._take(size, out)

    def standard_gamma(
        self, shape: float, size: int | None = None, out: np.ndarray | None = None
    ) -> Any:
        """Next value(s), into ``out`` when given."""
        return self._take(size, out)

    def random(self, size: int | None = None, out: np.ndarray | None = None) -> Any:
        """Next value(s), into ``out`` when given."""
        return self._take(size, out)


def _gaps(offsets_s: list[float]) -> list[float]:
    """Unit-exponential draws that put arrivals (rate 1/s) at ``OPEN_AT + offset``."""
    instants = [0.0, *offsets_s]
    return [b - a for a, b in itertools.pairwise(instants)] + [NO_MORE]


def script(
    monkeypatch: pytest.MonkeyPatch,
    arrivals_s: list[list[float]],
    talk_s: list[list[float]] | None = None,
    patience_s: list[list[float]] | None = None,
    *,
    more: dict[tuple[Purpose, int], list[float]] | None = None,
) -> None:
    """Make both engines draw scripted values; lists are per call type, in arrival order.

    ``arrivals_s`` are offsets from opening (increasing, within the open hours of day 0);
    ``talk_s`` and ``patience_s`` are the draws of exponential distributions of mean 1 s of
    fresh calls. ``more`` scripts any per-call stream by ``(purpose, index)``: index ``k`` is
    fresh calls of type ``k``, ``K + k`` their redials and repeat calls (see :mod:`sim.rng`).
    Unscripted streams serve :data:`TAILS`.

    The SimPy engine takes its streams from ``call_streams``, the fast engine each block from
    ``seeded_stream`` and the seed words of its key (replication 0 of seed 0, as
    :func:`run_plan` runs); both are replaced, so the engines draw the same scripted numbers.
    The fast engine seeds the realisation's streams the same way: those are left drawn.
    """
    n_types = len(arrivals_s)
    values: dict[tuple[Purpose, int], list[float]] = {}
    for k in range(n_types):
        values[Purpose.ARRIVALS, k] = _gaps(arrivals_s[k])
        values[Purpose.HANDLE, k] = talk_s[k] if talk_s else []
        values[Purpose.PATIENCE, k] = patience_s[k] if patience_s else []
    values.update(more or {})

    def scripted(purpose: Purpose, index: int) -> ScriptedStream:
        purpose = Purpose(purpose)
        return ScriptedStream(values.get((purpose, index), []), TAILS[purpose])

    def call_streams(
        seed: int, rep: int, purpose: Purpose, n_call_types: int
    ) -> tuple[ScriptedStream, ...]:
        assert n_types == n_call_types
        return tuple(scripted(purpose, index) for index in range(2 * n_call_types))

    keys = [(purpose, index) for purpose in Purpose for index in range(2 * n_types)]
    words = seed_words(0, np.array([(0, int(purpose), index) for purpose, index in keys]))
    key_of = {row.tobytes(): key for row, key in zip(words, keys, strict=True)}

    def seeded_stream(row: np.ndarray) -> ScriptedStream | np.random.Generator:
        purpose, index = key_of[row.tobytes()]
        if purpose not in TAILS:  # the realisation's (busyness, absences): drawn, not scripted
            return real_seeded_stream(row)
        return scripted(purpose, index)

    monkeypatch.setattr("sim.engines.simpy.engine.call_streams", call_streams)
    monkeypatch.setattr("sim.engines.fast.engine.seeded_stream", seeded_stream)


SCRIPTED_TYPE = {
    "volume": {"per_hour": 3600},  # rate 1/s: a draw is the gap to the next arrival
    "handle_time": {"dist": "exponential", "mean_s": 1},  # a draw is the talk time
    "patience": {"dist": "exponential", "mean_s": 1},  # a draw is the patience
}


def with_acw(acw_s: float) -> dict[str, Any]:
    """The scripted call type with ``acw_s`` seconds of after-call work."""
    return {**SCRIPTED_TYPE, "handle_time": {**SCRIPTED_TYPE["handle_time"], "acw_s": acw_s}}


class Records(NamedTuple):
    """The records and tallies of one scripted replication."""

    calls: CallRecords
    shifts: ShiftRecords
    breaks: BreakRecords
    tallies: Tallies


def scripted_plan(
    *,
    headcount: int | list[int] = 1,
    close: str = "09:00",
    at_close: str = "drain",
    call_types: dict[str, dict[str, Any]] | None = None,
) -> Plan:
    """The plan of a one-day, 30-minute-interval scenario of scripted call types."""
    raw = {
        "name": "scripted",
        "calendar": {"open": "08:00", "close": close, "interval_minutes": 30, "at_close": at_close},
        "call_types": call_types or {"calls": SCRIPTED_TYPE},
        "groups": {"agents": {"headcount": headcount}},
    }
    return build_plan(scenario_from_dict(raw))


def run_plan(engine: str, plan: Plan) -> Records:
    """Run one replication of ``plan`` (under scripted streams when the test scripted them)."""
    result = simulate(plan, reps=1, seed=0, engine=engine, keep_records=True)
    assert result.calls is not None
    assert result.shifts is not None
    assert result.breaks is not None
    return Records(result.calls, result.shifts, result.breaks, result.tallies)


def scripted_run(engine: str, **kwargs: Any) -> tuple[CallRecords, ShiftRecords]:
    """Run one replication of :func:`scripted_plan` and return its call and shift records."""
    records = run_plan(engine, scripted_plan(**kwargs))
    return records.calls, records.shifts


def team_plan(
    agent_group: list[int],
    *,
    skill_tier: list[list[int]],
    routing: list[list[tuple[int, float]]],
    roster: list[tuple[float, RosterKind, int, float]] | None = None,
    tier_factor: list[list[float]] | None = None,
    call_types: dict[str, dict[str, Any]] | None = None,
    at_close: str = "drain",
    **changes: Any,
) -> Plan:
    """A scripted plan (08:00-09:00) whose agents, groups, skills, routing and roster are given.

    Parameters
    ----------
    agent_group : list of int
        Group of each agent; group ``g`` is named ``g<g>``.
    skill_tier : list of list of int
        ``[G][K]`` tier of each group's skill (-1: no skill); tier ``t`` is named ``t<t>``.
    routing : list of list of (int, float)
        Per call type, ``(group, after_s)`` in preference order.
    roster : list of (float, RosterKind, int, float), optional
        ``(offset from opening, kind, agent, break length)``; default: every agent from opening
        to closing. The day's closing is added.
    tier_factor : list of list of float, optional
        ``[G][K]`` handle-time factors (default 1 where skilled).
    changes
        Other plan fields.
    """
    base = scripted_plan(call_types=call_types, at_close=at_close)
    tiers = np.array(skill_tier, dtype=np.int64)
    skilled = tiers >= 0
    factor = np.ones(tiers.shape) if tier_factor is None else np.array(tier_factor, dtype=float)
    width = max(len(entries) for entries in routing)
    padded = [entries + [(-1, 0.0)] * (width - len(entries)) for entries in routing]
    end_kind = OFF if base.drops_at_close else RosterKind.OFF_DRAIN
    if roster is None:
        roster = [(0.0, ON, a, 0.0) for a in range(len(agent_group))]
        roster += [(3600.0, end_kind, a, 0.0) for a in range(len(agent_group))]
    events = sorted(
        [(OPEN_AT + t, int(kind), who, length) for t, kind, who, length in roster]
        + [(float(base.close_at[0]), int(RosterKind.CLOSE), 0, 0.0)]
    )
    n_groups = len(skill_tier)
    fields: dict[str, Any] = {
        "groups": tuple(f"g{g}" for g in range(n_groups)),
        "tiers": tuple(f"t{t}" for t in range(int(tiers.max()) + 1)),
        "group_role": ("agent",) * n_groups,
        **inbound_group_tables(n_groups),
        "skill_tier": tiers,
        "tier_factor": np.where(skilled, factor, np.nan),
        "tier_fcr": np.where(skilled, 1.0, np.nan),
        "routing_group": np.array([[g for g, _ in row] for row in padded], dtype=np.int64),
        "routing_after_s": np.array([[a for _, a in row] for row in padded], dtype=float),
        "absenteeism": np.zeros(n_groups),
        "agent_group": np.array(agent_group, dtype=np.int64),
        "roster_at": np.array([e[0] for e in events]),
        "roster_kind": np.array([e[1] for e in events], dtype=np.int64),
        "roster_who": np.array([e[2] for e in events], dtype=np.int64),
        "roster_day": np.zeros(len(events), dtype=np.int64),
        "roster_length_s": np.array([e[3] for e in events]),
        "scheduled_agents": np.zeros((1, base.n_intervals, n_groups), dtype=np.int64),
    }
    return dataclasses.replace(base, **{**fields, **changes})


def one_agent_plan(roster: list[tuple[float, RosterKind, int, float]], **changes: Any) -> Plan:
    """One call type, one group, the given roster (agents numbered as in it)."""
    n_agents = max(who for _, _, who, _ in roster) + 1
    return team_plan(
        [0] * n_agents, skill_tier=[[0]], routing=[[(0, 0.0)]], roster=roster, **changes
    )


def _at(offsets_s: list[float]) -> list[float]:
    return [OPEN_AT + t if not math.isnan(t) else NAN for t in offsets_s]


def assert_column(expected: list[float], actual: np.ndarray) -> None:
    """Assert a record column equals the expected values exactly (NaN equal to NaN)."""
    assert np.array_equal(np.array(expected, dtype=float), actual.astype(float), equal_nan=True), (
        f"expected {expected}, got {actual.tolist()}"
    )


class TestTieBreaks:
    """Simultaneous events: roster < service end < abandon < arrival, then first scheduled first."""

    def test_deadline_at_the_free_instant_is_answered(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A caller whose patience runs out exactly when the agent frees up is answered."""
        # Call 0 talks 1..11; call 1 (deadline 6 + 5 = 11) is answered at 11; call 2 (deadline
        # 11.5) abandons before the agent frees again at 21.
        script(monkeypatch, [[1.0, 6.0, 6.5]], [[10.0, 10.0, 10.0]], [[5.0, 5.0, 5.0]])
        calls, _ = scripted_run(engine)
        assert_column([ANSWERED, ANSWERED, ABANDONED], calls.outcome)
        assert_column(_at([1.0, 11.0, NAN]), calls.answered_at)
        assert_column(_at([11.0, 21.0, 11.5]), calls.left_at)

    def test_simultaneous_service_ends_first_scheduled_first(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Agents freeing together take waiting calls in the order their ends were scheduled."""
        # Agent 1's call (answered at 2) and agent 0's call (answered at 12) both end at 22:
        # agent 1's end was scheduled first, so agent 1 takes the older waiting call.
        script(monkeypatch, [[1.0, 2.0, 12.0, 15.0, 16.0]], [[9.0, 20.0, 10.0, 5.0, 5.0]])
        calls, _ = scripted_run(engine, headcount=2)
        assert_column([0, 1, 0, 1, 0], calls.agent)
        assert_column(_at([1.0, 2.0, 12.0, 22.0, 22.0]), calls.answered_at)

    def test_shift_end_before_service_end(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A call ending exactly at the shift end: the agent leaves on time, leaving the queue."""
        script(monkeypatch, [[1790.0, 1795.0]], [[10.0, 10.0]], [[1e6, 1e6]])
        calls, shifts = scripted_run(engine, headcount=[1, 0])
        assert_column([ANSWERED, DROPPED], calls.outcome)
        assert_column(_at([1800.0, 3600.0]), calls.left_at)  # nobody on duty at closing: dropped
        assert_column(_at([0.0]), shifts.on_at)
        assert_column(_at([1800.0]), shifts.off_at)
        assert_column(_at([1800.0]), shifts.scheduled_off_at)

    def test_deadline_at_closing_is_dropped(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With drop, a caller whose patience ends exactly at closing is dropped, not abandoned."""
        script(monkeypatch, [[1.0, 3580.0, 3590.0]], [[4000.0]], [[1.0, 10.0, 10.0]])
        calls, shifts = scripted_run(engine, at_close="drop")
        assert_column([ANSWERED, ABANDONED, DROPPED], calls.outcome)
        assert_column(_at([4001.0, 3590.0, 3600.0]), calls.left_at)
        assert_column(_at([4001.0]), shifts.off_at)  # finishes the call after closing
        assert_column(_at([3600.0]), shifts.scheduled_off_at)

    def test_simultaneous_arrivals_first_scheduled_first(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Calls of two types arriving together are numbered and routed in call-type order."""
        # The single idle agent takes the first-scheduled arrival (type 0) even though type 1
        # has the higher priority: priority only orders waiting calls.
        script(monkeypatch, [[5.0], [5.0]], [[30.0], [30.0]], [[1e6], [1e6]])
        low = dict(SCRIPTED_TYPE, priority=1)
        high = dict(SCRIPTED_TYPE, priority=2)
        calls, _ = scripted_run(engine, call_types={"low": low, "high": high})
        assert_column([0, 1], calls.call_type)
        assert_column(_at([5.0, 35.0]), calls.answered_at)


class TestRouting:
    """Arriving calls go to the longest-idle agent; freed agents take the best waiting call."""

    def test_longest_idle_agent_answers(self, engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """An arriving call goes to the agent idle the longest, not the lowest-numbered one."""
        # Agent 0 is free again at 3 (after agents 1 and 2 became idle at opening), so the call
        # at 6 goes to agent 2 and the call at 7 to agent 0.
        script(monkeypatch, [[1.0, 5.0, 6.0, 7.0]], [[2.0, 100.0, 100.0, 100.0]])
        calls, _ = scripted_run(engine, headcount=3)
        assert_column([0, 1, 2, 0], calls.agent)
        assert_column(_at([1.0, 5.0, 6.0, 7.0]), calls.answered_at)

    def test_higher_priority_goes_first(self, engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """A freed agent answers a younger high-priority call before an older low-priority one."""
        script(monkeypatch, [[1.0, 5.0], [10.0]], [[20.0, 5.0], [7.0]], [[1e6, 1e6], [1e6]])
        low = dict(SCRIPTED_TYPE, priority=1)
        high = dict(SCRIPTED_TYPE, priority=2)
        calls, _ = scripted_run(engine, call_types={"low": low, "high": high})
        assert_column([0, 0, 1], calls.call_type)
        assert_column(_at([1.0, 28.0, 21.0]), calls.answered_at)

    def test_equal_priority_longest_wait_first(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Between call types of equal priority the call that waited longest goes first."""
        script(monkeypatch, [[1.0, 5.0], [10.0]], [[20.0, 5.0], [7.0]], [[1e6, 1e6], [1e6]])
        calls, _ = scripted_run(engine, call_types={"a": SCRIPTED_TYPE, "b": SCRIPTED_TYPE})
        assert_column(_at([1.0, 21.0, 26.0]), calls.answered_at)

    def test_first_come_first_served_within_a_type(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Waiting calls of one type are answered in arrival order."""
        script(monkeypatch, [[1.0, 2.0, 3.0, 4.0]], [[10.0, 1.0, 2.0, 3.0]], [[1e6] * 4])
        calls, _ = scripted_run(engine)
        assert_column(_at([1.0, 11.0, 12.0, 14.0]), calls.answered_at)


class TestShiftsAndClosing:
    """Shift ends, overtime, split shifts, drain and drop."""

    def test_busy_agent_finishes_the_call_then_leaves(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An agent busy at shift end leaves when the call ends; the overrun is overtime."""
        script(monkeypatch, [[1700.0, 1750.0]], [[300.0, 10.0]], [[1e6, 1e6]])
        calls, shifts = scripted_run(engine, headcount=[1, 0])
        assert_column([ANSWERED, DROPPED], calls.outcome)  # the agent does not take call 1
        assert_column(_at([2000.0]), shifts.off_at)
        assert_column(_at([1800.0]), shifts.scheduled_off_at)

    def test_next_shift_starting_during_a_call_splits_the_record(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A shift starting while the agent is on the previous shift's call ends that record."""
        script(monkeypatch, [[1000.0, 2000.0]], [[3000.0, 10.0]], [[1e6, 1e6]])
        calls, shifts = scripted_run(engine, headcount=[1, 0, 1], close="09:30")
        assert_column(_at([1000.0, 4000.0]), calls.answered_at)  # taken when the long call ends
        assert_column(_at([0.0, 3600.0]), shifts.on_at)
        assert_column(_at([3600.0, 5400.0]), shifts.off_at)
        assert_column(_at([1800.0, 5400.0]), shifts.scheduled_off_at)

    def test_drain_serves_the_queue_after_closing(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With drain, an agent on duty at closing answers the waiting call, then leaves."""
        script(monkeypatch, [[3500.0, 3550.0]], [[200.0, 50.0]], [[1e6, 1e6]])
        calls, shifts = scripted_run(engine, at_close="drain")
        assert_column([ANSWERED, ANSWERED], calls.outcome)
        assert_column(_at([3500.0, 3700.0]), calls.answered_at)
        assert_column(_at([3750.0]), shifts.off_at)
        assert_column(_at([3600.0]), shifts.scheduled_off_at)

    def test_drop_drops_the_queue_at_closing(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With drop, the waiting call is dropped at closing; the agent finishes its own call."""
        script(monkeypatch, [[3500.0, 3550.0]], [[200.0, 50.0]], [[1e6, 1e6]])
        calls, shifts = scripted_run(engine, at_close="drop")
        assert_column([ANSWERED, DROPPED], calls.outcome)
        assert_column(_at([3700.0, 3600.0]), calls.left_at)
        assert_column(_at([3700.0]), shifts.off_at)

    def test_agent_on_overtime_at_closing_is_not_on_duty(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Calls waiting at closing are dropped when the only agent present is past their shift end.

        Regression: such calls were left waiting for ever (the SimPy engine lost their records).
        """
        script(monkeypatch, [[1700.0, 2000.0]], [[3000.0, 10.0]], [[1e6, 1e6]])
        calls, shifts = scripted_run(engine, headcount=[1, 0])
        assert_column([ANSWERED, DROPPED], calls.outcome)
        assert_column(_at([4700.0, 3600.0]), calls.left_at)
        assert_column(_at([4700.0]), shifts.off_at)

    def test_expired_call_behind_a_patient_one_abandons(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """At a dropping close, a call whose patience ran out is abandoned, wherever it queued.

        Regression: the fast engine dropped it when a more patient caller was ahead of it.
        """
        script(monkeypatch, [[1.0, 100.0, 200.0]], [[4000.0]], [[1.0, 5000.0, 50.0]])
        calls, _ = scripted_run(engine, at_close="drop")
        assert_column([ANSWERED, DROPPED, ABANDONED], calls.outcome)
        assert_column(_at([4001.0, 3600.0, 250.0]), calls.left_at)


# -- several groups: skills, tiers, routing, overflow -------------------------------------------

TWO_TYPES = {"a": SCRIPTED_TYPE, "b": SCRIPTED_TYPE}


class TestGroupsAndRouting:
    """Routing order, longest idle within a group, overflow delays, skills and tiers."""

    def test_first_group_in_preference_order_with_an_idle_agent(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An arriving call goes to the first group of its routing that has an idle agent."""
        # Agent 0 is group 0, agent 1 group 1; both serve both types. Type a prefers group 1,
        # type b group 0. b at 0.5 -> agent 0 (both idle); a at 1 -> agent 1 (both idle again);
        # a at 2 -> agent 0 (group 1 busy); a at 20 -> agent 1; b at 25 waits (both busy) and
        # goes to agent 1, its second choice, when it frees at 30.
        script(monkeypatch, [[1.0, 2.0, 20.0], [0.5, 25.0]], [[10.0, 100.0, 10.0], [0.5, 5.0]])
        plan = team_plan(
            [0, 1],
            skill_tier=[[0, 0], [0, 0]],
            routing=[[(1, 0.0), (0, 0.0)], [(0, 0.0), (1, 0.0)]],
            call_types=TWO_TYPES,
        )
        calls = run_plan(engine, plan).calls
        assert_column([1, 0, 0, 0, 1], calls.call_type)
        assert_column([0, 1, 0, 1, 1], calls.agent)
        assert_column([0, 1, 0, 1, 1], calls.group)
        assert_column(_at([0.5, 1.0, 2.0, 20.0, 30.0]), calls.answered_at)

    def test_longest_idle_agent_of_the_chosen_group(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Within the first group with an idle agent the longest-idle one answers."""
        # Agent 2 (group 1) has been idle longest of all, but group 0 comes first in the routing.
        # Agents 0 and 1 (group 0) idle from opening in that order; agent 0 is back at 3, behind
        # agent 1; the call at 7 finds group 0 busy and goes to agent 2.
        script(monkeypatch, [[1.0, 5.0, 6.0, 7.0]], [[2.0, 100.0, 100.0, 100.0]])
        plan = team_plan([0, 0, 1], skill_tier=[[0], [0]], routing=[[(0, 0.0), (1, 0.0)]])
        calls = run_plan(engine, plan).calls
        assert_column([0, 1, 0, 2], calls.agent)
        assert_column(_at([1.0, 5.0, 6.0, 7.0]), calls.answered_at)

    def test_overflow_only_after_the_delay(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A group with an overflow delay takes a call only once it has waited that long."""
        # Agent 0 (group 0, at once) is busy 1-41; agent 1 (group 1, after 30 s) is idle. The
        # call at 2 goes to agent 1 at 32. The call at 35 is not yet eligible for agent 1 when it
        # frees at 37; agent 0 takes it at 41. The call at 50 waits although agent 1 is idle, and
        # overflows to it at 80.
        script(monkeypatch, [[1.0, 2.0, 35.0, 50.0]], [[40.0, 5.0, 100.0, 1.0]])
        plan = team_plan([0, 1], skill_tier=[[0], [0]], routing=[[(0, 0.0), (1, 30.0)]])
        calls = run_plan(engine, plan).calls
        assert_column([0, 1, 0, 1], calls.agent)
        assert_column(_at([1.0, 32.0, 41.0, 80.0]), calls.answered_at)

    def test_overflow_group_only_never_answers_before_the_delay(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A call routed only with a delay waits that long even when every agent is idle."""
        script(monkeypatch, [[1.0, 2.0]], [[1.0, 1.0]], [[1e6, 10.0]])
        plan = team_plan([0], skill_tier=[[0]], routing=[[(0, 20.0)]])
        calls = run_plan(engine, plan).calls
        assert_column([ANSWERED, ABANDONED], calls.outcome)  # the second gives up at 12 < 22
        assert_column(_at([21.0, NAN]), calls.answered_at)
        assert_column(_at([22.0, 12.0]), calls.left_at)

    def test_freed_agent_takes_the_highest_priority_call_it_has_the_skill_for(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A freed agent picks by priority among the types of its skills, ignoring the others."""
        # Agent 0 (group 0: types a, b) is busy 1-21, agent 1 (group 1: type c) busy 2-102.
        # Waiting at 21: a (priority 1, since 5), c (priority 3, since 8), b (priority 2, since
        # 10). Agent 0 takes b, then a; c waits for agent 1.
        script(monkeypatch, [[1.0, 5.0], [10.0], [2.0, 8.0]], [[20.0, 3.0], [4.0], [100.0, 1.0]])
        call_types = {
            "a": dict(SCRIPTED_TYPE, priority=1),
            "b": dict(SCRIPTED_TYPE, priority=2),
            "c": dict(SCRIPTED_TYPE, priority=3),
        }
        plan = team_plan(
            [0, 1],
            skill_tier=[[0, 0, -1], [-1, -1, 0]],
            routing=[[(0, 0.0)], [(0, 0.0)], [(1, 0.0)]],
            call_types=call_types,
        )
        calls = run_plan(engine, plan).calls
        assert_column([0, 2, 0, 2, 1], calls.call_type)
        assert_column([0, 1, 0, 1, 0], calls.agent)
        assert_column(_at([1.0, 2.0, 25.0, 102.0, 21.0]), calls.answered_at)

    def test_tier_factor_scales_talk_and_after_call_work(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Handle time is factor x (talk + ACW); the caller leaves after factor x talk."""
        # Talk 10 s, ACW 4 s. Agent 0 (group 0, tier t0, factor 1.5): left 1 + 15, ended 1 + 21.
        # Agent 1 (group 1, tier t2, factor 0.5): left 2 + 5, ended 2 + 7.
        script(monkeypatch, [[1.0, 2.0]], [[10.0, 10.0]])
        plan = team_plan(
            [0, 1],
            skill_tier=[[0], [2]],
            tier_factor=[[1.5], [0.5]],
            routing=[[(0, 0.0), (1, 0.0)]],
            call_types={"calls": with_acw(4)},
        )
        records = run_plan(engine, plan)
        calls = records.calls
        assert_column([0, 2], calls.tier)
        assert_column([21.0, 7.0], calls.handle_s)
        assert_column(_at([16.0, 7.0]), calls.left_at)
        assert_column(_at([22.0, 9.0]), calls.ended_at)
        handled = records.tallies.group_call("handled")[0, 0, 0, :, 0]
        handle_s = records.tallies.group_call("handle_s")[0, 0, 0, :, 0]
        expected = ([1.0, 1.0], [21.0, 7.0])
        assert expected == (handled.tolist(), handle_s.tolist())


# -- breaks, shift ends and absence ----------------------------------------------------------


class TestBreaks:
    """Breaks: taken at once when idle, after the call when busy, delayed or shortened."""

    def test_idle_agent_goes_on_break_at_once(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An idle agent's break starts when due; a call arriving meanwhile waits for its end."""
        script(monkeypatch, [[20.0]])
        plan = one_agent_plan([(0.0, ON, 0, 0.0), (10.0, BREAK, 0, 60.0), (3600.0, OFF, 0, 0.0)])
        calls, _, breaks, tallies = run_plan(engine, plan)
        assert_column(_at([70.0]), calls.answered_at)
        assert_column(_at([10.0]), breaks.start_at)
        assert_column(_at([70.0]), breaks.end_at)
        assert_column([0], breaks.agent)
        expected = 60.0
        assert expected == tallies.agent_sum("break_s").sum()

    @pytest.mark.parametrize(
        ("shorten", "length_s", "expected_break", "expected_answer"),
        [
            (False, 300.0, [(101.0, 401.0)], 401.0),  # full length from the end of the call
            (True, 300.0, [(101.0, 350.0)], 350.0),  # until its scheduled end (50 + 300)
            (False, 30.0, [(101.0, 131.0)], 131.0),
            (True, 30.0, [], 101.0),  # its scheduled end (80) passed during the call: skipped
        ],
        ids=["delay", "shorten", "delay-short", "shorten-skipped"],
    )
    def test_break_due_during_a_call_starts_when_the_call_ends(
        self,
        engine: str,
        monkeypatch: pytest.MonkeyPatch,
        shorten: bool,
        length_s: float,
        expected_break: list[tuple[float, float]],
        expected_answer: float,
    ) -> None:
        """A break due at 50 while the agent talks 1-101 starts at 101, by the break policy."""
        script(monkeypatch, [[1.0, 90.0]], [[100.0, 5.0]])
        roster = [(0.0, ON, 0, 0.0), (50.0, BREAK, 0, length_s), (3600.0, OFF, 0, 0.0)]
        calls, _, breaks, _ = run_plan(engine, one_agent_plan(roster, breaks_shorten=shorten))
        assert_column(_at([1.0, expected_answer]), calls.answered_at)
        assert_column(_at([start for start, _ in expected_break]), breaks.start_at)
        assert_column(_at([end for _, end in expected_break]), breaks.end_at)

    def test_shift_ends_cut_breaks_and_cancel_due_ones(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A shift end ends a break in progress, cancels one due after the call, and wins a tie."""
        # Shifts end at 1800. Agent 0 talks 1650-1900 with a break due at 1700: it leaves after
        # the call without a break (100 s overtime). Agent 1's break 1700-2000 is cut at 1800.
        # Agent 2's break 1500-1800 ends as its shift ends: the shift end comes first, so agent 2
        # goes home rather than taking the call waiting since 1790, which nobody serves.
        script(monkeypatch, [[1650.0, 1790.0]], [[250.0, 1.0]])
        roster = [(0.0, ON, a, 0.0) for a in range(3)] + [(1800.0, OFF, a, 0.0) for a in range(3)]
        roster += [(1500.0, BREAK, 2, 300.0), (1700.0, BREAK, 0, 300.0), (1700.0, BREAK, 1, 300.0)]
        calls, shifts, breaks, tallies = run_plan(engine, one_agent_plan(roster))
        assert_column([ANSWERED, DROPPED], calls.outcome)
        assert_column([0, -1], calls.agent)
        assert_column(_at([1900.0, 3600.0]), calls.left_at)
        assert_column([0, 1, 2], shifts.agent)
        assert_column(_at([1900.0, 1800.0, 1800.0]), shifts.off_at)
        assert_column(_at([1800.0] * 3), shifts.scheduled_off_at)
        assert_column([1, 2], breaks.agent)
        assert_column(_at([1700.0, 1500.0]), breaks.start_at)
        assert_column(_at([1800.0, 1800.0]), breaks.end_at)
        expected = (400.0, 100.0)
        actual = (tallies.agent_sum("break_s").sum(), tallies.agent_sum("overtime_s").sum())
        assert expected == actual

    def test_break_during_overtime_is_not_taken(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A break falling due while the agent finishes a call past their shift end is ignored."""
        script(monkeypatch, [[1700.0]], [[300.0]])
        roster = [(0.0, ON, 0, 0.0), (1800.0, OFF, 0, 0.0), (1900.0, BREAK, 0, 60.0)]
        _, shifts, breaks, _ = run_plan(engine, one_agent_plan(roster))
        assert_column(_at([2000.0]), shifts.off_at)
        expected = 0
        assert expected == len(breaks)


class TestAbsence:
    """An absent agent-day has none of the agent's roster events."""

    def test_absent_agent_never_comes_on_duty(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With absenteeism 1 for group 1, its agent has no shift and calls go to group 0."""
        script(monkeypatch, [[1.0, 2.0]], [[10.0, 10.0]])
        plan = team_plan(
            [0, 1, 1],
            skill_tier=[[0], [0]],
            routing=[[(1, 0.0), (0, 0.0)]],
            absenteeism=np.array([0.0, 1.0]),
        )
        calls, shifts, _, tallies = run_plan(engine, plan)
        assert_column([0, 0], calls.agent)
        assert_column(_at([1.0, 11.0]), calls.answered_at)
        assert_column([0], shifts.agent)
        assert not tallies.agent_sum("staffed_s")[..., 1].any()

    def test_everyone_absent_drops_the_calls_at_closing(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With nobody on duty the calls wait until closing and are dropped there (drain)."""
        script(monkeypatch, [[1.0, 2.0]])
        plan = team_plan(
            [0, 0], skill_tier=[[0]], routing=[[(0, 0.0)]], absenteeism=np.array([1.0])
        )
        calls, shifts, breaks, _ = run_plan(engine, plan)
        assert_column([DROPPED, DROPPED], calls.outcome)
        assert_column(_at([3600.0, 3600.0]), calls.left_at)
        expected = (0, 0)
        assert expected == (len(shifts), len(breaks))


# -- redials and repeat calls ------------------------------------------------------------------


class TestRedialsAndRepeats:
    """Abandoned callers redial; unresolved contacts come back; both are lost while closed."""

    def test_redial_after_abandoning(self, engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """A caller who abandons and draws a decision below the probability calls again."""
        # Agent busy 1-101. Call 1 abandons at 12 (decision 0.3 < 0.5): redial at 12 + 100 x 0.5
        # = 62, answered at 101, talks 3500 s (its own stream), so the agent is busy past
        # closing. Call 2 abandons at 13 (0.7: no redial). Call 3 arrives at 3500 and abandons
        # at 3510 (0.1): its redial, due at 3610, falls after closing and is lost.
        script(
            monkeypatch,
            [[1.0, 2.0, 3.0, 3500.0]],
            [[100.0]],
            [[1e6, 10.0, 10.0, 10.0]],
            more={
                (Purpose.REDIAL_DECISION, 0): [0.9, 0.3, 0.7, 0.1],
                (Purpose.REDIAL_DELAY, 0): [1.0, 0.5, 1.0, 1.0],
                (Purpose.HANDLE, 1): [3500.0],
            },
        )
        plan = dataclasses.replace(
            scripted_plan(),
            redial_probability=np.array([0.5]),
            redial_delay_s=np.array([100.0]),
            redial_max_attempts=np.array([10]),
        )
        calls, _, _, tallies = run_plan(engine, plan)
        assert_column([FRESH, FRESH, FRESH, REDIAL, FRESH], calls.origin)
        assert_column([ANSWERED, ABANDONED, ABANDONED, ANSWERED, ABANDONED], calls.outcome)
        assert_column(_at([1.0, 2.0, 3.0, 62.0, 3500.0]), calls.arrived_at)
        assert_column(_at([1.0, NAN, NAN, 101.0, NAN]), calls.answered_at)
        expected = {"offered": 5, "redials": 1, "repeats": 0}
        actual = {name: int(tallies.count(name).sum()) for name in expected}
        assert expected == actual

    def test_repeat_after_an_unresolved_contact(
        self, engine: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An unresolved call comes back after factor x talk plus the drawn delay."""
        # First-contact resolution 0.8, tier factor 2, talk 10, ACW 5. Call 0 (decision 0.9:
        # unresolved) answered at 1, talk ends at 21: the repeat arrives at 21 + 200 x 0.5 = 121.
        # Call 1 (0.5: resolved) waits until 31. Call 2 at 3400 is unresolved, but its repeat
        # (3400 + 20 + 400) falls after closing and is lost. The repeat call is resolved.
        script(
            monkeypatch,
            [[1.0, 2.0, 3400.0]],
            [[10.0, 10.0, 10.0]],
            more={
                (Purpose.REPEAT_DECISION, 0): [0.9, 0.5, 0.95],
                (Purpose.REPEAT_DELAY, 0): [0.5, 1.0, 2.0],
                (Purpose.HANDLE, 1): [7.0],
            },
        )
        plan = team_plan(
            [0],
            skill_tier=[[0]],
            tier_factor=[[2.0]],
            routing=[[(0, 0.0)]],
            call_types={"calls": with_acw(5)},
            tier_fcr=np.array([[0.8]]),
            repeat_delay_s=np.array([200.0]),
        )
        calls, _, _, tallies = run_plan(engine, plan)
        assert_column([FRESH, FRESH, REPEAT, FRESH], calls.origin)
        assert_column(_at([1.0, 2.0, 121.0, 3400.0]), calls.arrived_at)
        assert_column(_at([1.0, 31.0, 121.0, 3400.0]), calls.answered_at)
        assert_column([30.0, 30.0, 24.0, 30.0], calls.handle_s)
        expected = {"offered": 4, "redials": 0, "repeats": 1}
        actual = {name: int(tallies.count(name).sum()) for name in expected}
        assert expected == actual


# -- seeded runs: properties of every record ---------------------------------------------------

SEEDED = {
    "priorities": {
        "calendar": {"days": 2, "open": "08:00", "close": "11:00", "interval_minutes": 30},
        "service_level": {"threshold_s": 20, "short_abandon_s": 5},
        "call_types": {
            "vip": {
                "priority": 3,
                "volume": {"per_interval": [10, 20, 30, 0, 20, 10]},
                "handle_time": {"dist": "gamma", "mean_s": 200, "cv": 0.7, "acw_s": 20},
                "patience": {"dist": "lognormal", "mean_s": 120, "cv": 1.0},
            },
            "sales": {
                "priority": 1,
                "volume": {"per_interval": [20, 40, 40, 30, 0, 20]},
                "handle_time": {"dist": "lognormal", "mean_s": 240, "cv": 1.2},
                "patience": {"dist": "exponential", "mean_s": 300},
            },
            "service": {
                "priority": 1,
                "volume": {"per_interval": [30, 30, 30, 30, 30, 30]},
                "handle_time": {"dist": "exponential", "mean_s": 180, "acw_s": 15},
            },
        },
        "groups": {"agents": {"headcount": [6, 8, 0, 7, 9, 5]}},
    },
    "long_calls_drop": {
        "calendar": {
            "days": 2,
            "open": "08:00",
            "close": "10:00",
            "interval_minutes": 15,
            "at_close": "drop",
        },
        "call_types": {
            "calls": {
                "volume": {"per_interval": [8, 8, 8, 0, 8, 8, 8, 8]},
                "handle_time": {"dist": "deterministic", "mean_s": 1500},
                "patience": {"dist": "deterministic", "mean_s": 600},
            }
        },
        "groups": {"agents": {"headcount": [3, 1, 4, 2, 0, 3, 2, 3]}},
    },
    "long_calls_drain": {
        "calendar": {"days": 1, "open": "08:00", "close": "11:00", "interval_minutes": 30},
        "call_types": {
            "calls": {
                "volume": {"per_interval": [6, 6, 6, 6, 6, 6]},
                "handle_time": {"dist": "deterministic", "mean_s": 2400},
            }
        },
        "groups": {"agents": {"headcount": [3, 1, 3, 0, 2, 4]}},
    },
}


@functools.cache
def _seeded(engine: str, name: str) -> tuple[Plan, CallRecords, ShiftRecords]:
    """Three replications of a seeded scenario (run once per engine; tests only read them)."""
    raw = {"name": name, **SEEDED[name]}
    result = simulate(scenario_from_dict(raw), reps=3, seed=2024, engine=engine, keep_records=True)
    assert result.calls is not None
    assert result.shifts is not None
    return result.plan, result.calls, result.shifts


@pytest.mark.parametrize("name", list(SEEDED))
class TestRecordedRules:
    """Rules every record of a seeded run obeys, whatever the seed."""

    def test_answered_and_abandoned_times(self, engine: str, name: str) -> None:
        """Abandoners leave at arrival + patience; answered calls waited at most their patience."""
        plan, calls, _ = _seeded(engine, name)
        answered = calls.outcome == ANSWERED
        abandoned = calls.outcome == ABANDONED
        wait_s = calls.answered_at - calls.arrived_at
        assert np.all(wait_s[answered] >= 0)
        assert np.all(wait_s[answered] <= calls.patience_s[answered])
        segment = calls.day.astype(int) * plan.n_intervals + calls.interval
        acw_s = plan.acw_s[calls.call_type, segment]
        assert np.array_equal(calls.answered_at + calls.handle_s, calls.ended_at, equal_nan=True)
        assert np.all(calls.handle_s[answered] >= acw_s[answered])
        assert np.all(calls.left_at[answered] <= calls.ended_at[answered])
        deadline_at = calls.arrived_at + calls.patience_s
        assert np.array_equal(deadline_at[abandoned], calls.left_at[abandoned])
        assert np.all(np.isnan(calls.answered_at[~answered]))
        assert np.all(calls.agent[~answered] == -1)
        assert np.all(calls.agent[answered] >= 0)

    def test_arrivals_in_opening_hours(self, engine: str, name: str) -> None:
        """Calls arrive in [open, close) of their day, in their recorded interval."""
        plan, calls, _ = _seeded(engine, name)
        start = plan.segment_start_at[calls.day * plan.n_intervals + calls.interval]
        assert np.all(start <= calls.arrived_at)
        assert np.all(calls.arrived_at < start + plan.interval_s)

    def test_dropped_calls_leave_at_closing(self, engine: str, name: str) -> None:
        """Dropped calls leave at the closing of their day and had patience left then."""
        plan, calls, _ = _seeded(engine, name)
        dropped = calls.outcome == DROPPED
        close_at = plan.close_at[calls.day]
        assert np.array_equal(close_at[dropped], calls.left_at[dropped])
        assert np.all(calls.arrived_at[dropped] + calls.patience_s[dropped] >= close_at[dropped])

    def test_priority_then_longest_wait(self, engine: str, name: str) -> None:
        """No call is answered while a higher-priority, or equal-priority older, call waits."""
        plan, calls, _ = _seeded(engine, name)
        for rep in range(3):
            sel = calls.rep == rep
            arrived, answered_at = calls.arrived_at[sel], calls.answered_at[sel]
            outcome, left_at = calls.outcome[sel], calls.left_at[sel]
            priority = plan.priority[calls.call_type[sel]]
            is_answered = outcome == ANSWERED
            wait_end = np.where(is_answered, answered_at, left_at)
            for j in np.flatnonzero(is_answered):
                t = answered_at[j]
                waiting = (arrived <= t) & ((t < wait_end) | (~is_answered & (wait_end == t)))
                better = (priority > priority[j]) | (
                    (priority == priority[j]) & (arrived < arrived[j])
                )
                assert not np.any(waiting & better), (
                    f"rep {rep}: call {j} answered at {t} over a better one"
                )

    def test_agents_serve_one_call_at_a_time(self, engine: str, name: str) -> None:
        """An agent's service spans never overlap."""
        _, calls, _ = _seeded(engine, name)
        answered = calls.outcome == ANSWERED
        for rep in range(3):
            for agent in np.unique(calls.agent[answered]):
                sel = answered & (calls.rep == rep) & (calls.agent == agent)
                order = np.argsort(calls.answered_at[sel], kind="stable")
                starts, ends = calls.answered_at[sel][order], calls.ended_at[sel][order]
                assert np.all(starts[1:] >= ends[:-1])

    def test_waiting_calls_are_taken_when_an_agent_frees_up(self, engine: str, name: str) -> None:
        """A call that waited is answered the instant its agent ended a call or started a shift."""
        _, calls, shifts = _seeded(engine, name)
        answered = calls.outcome == ANSWERED
        for rep in range(3):
            for agent in np.unique(calls.agent[answered]):
                sel = answered & (calls.rep == rep) & (calls.agent == agent)
                free_at = set(calls.ended_at[sel]) | set(
                    shifts.on_at[(shifts.rep == rep) & (shifts.agent == agent)]
                )
                waited = sel & (calls.answered_at > calls.arrived_at)
                assert set(calls.answered_at[waited]) <= free_at

    def test_answers_fall_in_the_agents_shifts(self, engine: str, name: str) -> None:
        """Calls are answered in a shift of the agent, before its end unless draining at closing."""
        plan, calls, shifts = _seeded(engine, name)
        answered = np.flatnonzero(calls.outcome == ANSWERED)
        drain_end = set() if plan.drops_at_close else set(plan.close_at)
        for i in answered:
            mine = (shifts.rep == calls.rep[i]) & (shifts.agent == calls.agent[i])
            t = calls.answered_at[i]
            inside = mine & (shifts.on_at <= t) & (t < shifts.off_at)
            assert inside.sum() == 1
            scheduled_off_at = shifts.scheduled_off_at[inside][0]
            assert t < scheduled_off_at or scheduled_off_at in drain_end

    def test_no_answers_when_nobody_is_scheduled(self, engine: str, name: str) -> None:
        """No call is answered inside an interval with zero headcount (before the drain)."""
        plan, calls, _ = _seeded(engine, name)
        empty = np.flatnonzero(plan.scheduled_agents.sum(axis=-1).ravel() == 0)
        assert len(empty) > 0
        for segment in empty:
            start = plan.segment_start_at[segment]
            inside = (calls.answered_at >= start) & (calls.answered_at < start + plan.interval_s)
            assert not inside.any()

    def test_overtime_only_after_a_call_in_progress(self, engine: str, name: str) -> None:
        """A shift overruns only for an agent busy at its end, until that call or the drain ends."""
        plan, calls, shifts = _seeded(engine, name)
        answered = calls.outcome == ANSWERED
        assert np.all(shifts.off_at >= shifts.scheduled_off_at)
        drain_end = set() if plan.drops_at_close else set(plan.close_at)
        n_overtime = 0
        for i in range(len(shifts)):
            mine = answered & (calls.rep == shifts.rep[i]) & (calls.agent == shifts.agent[i])
            end, off = shifts.scheduled_off_at[i], shifts.off_at[i]
            in_progress = mine & (calls.answered_at < end) & (end < calls.ended_at)
            if off == end:
                assert not in_progress.any()
                continue
            n_overtime += 1
            assert in_progress.sum() == 1
            if end in drain_end:
                continue
            next_on = shifts.on_at[
                (shifts.rep == shifts.rep[i]) & (shifts.agent == shifts.agent[i])
            ]
            assert off in {calls.ended_at[in_progress][0], *next_on}
        assert n_overtime > 0


class TestClosingRecords:
    """What happens at closing, on the seeded runs that drop or drain."""

    @pytest.mark.parametrize("name", ["long_calls_drop"])
    def test_drop_answers_nothing_after_closing(self, engine: str, name: str) -> None:
        """With drop, every call is answered before the closing of its day."""
        plan, calls, _ = _seeded(engine, name)
        assert plan.drops_at_close
        answered = calls.outcome == ANSWERED
        assert np.all(calls.answered_at[answered] < plan.close_at[calls.day[answered]])
        assert (calls.outcome == DROPPED).any()

    @pytest.mark.parametrize("name", ["priorities", "long_calls_drain"])
    def test_drain_leaves_no_call_waiting(self, engine: str, name: str) -> None:
        """With drain, an agent leaves after closing only when no call is waiting."""
        plan, calls, shifts = _seeded(engine, name)
        assert not plan.drops_at_close
        wait_end = np.where(calls.outcome == ANSWERED, calls.answered_at, calls.left_at)
        draining = np.isin(shifts.scheduled_off_at, plan.close_at) & (
            shifts.off_at > shifts.scheduled_off_at
        )
        assert draining.any()
        for i in np.flatnonzero(draining):
            same_rep = calls.rep == shifts.rep[i]
            off = shifts.off_at[i]
            assert not np.any(same_rep & (calls.arrived_at <= off) & (off < wait_end))


# -- seeded runs with groups, breaks, redials, repeats and absences ---------------------------

SEEDED_TYPES = {
    "a": {
        "volume": {"per_hour": 220},
        "handle_time": {"dist": "lognormal", "mean_s": 150, "cv": 0.9, "acw_s": 12},
        "patience": {"dist": "exponential", "mean_s": 90},
    },
    "b": {
        "priority": 2,
        "volume": {"per_hour": 50},
        "handle_time": {"dist": "gamma", "mean_s": 200, "cv": 1.2, "acw_s": 5},
        "patience": {"dist": "lognormal", "mean_s": 60, "cv": 1.0},
    },
}
SEEDED_BREAK_S = 300.0


def _seeded_team_roster() -> list[tuple[float, RosterKind, int, float]]:
    """Ten agents: some start late, some leave early, most take a break, some one cut short."""
    roster: list[tuple[float, RosterKind, int, float]] = []
    for a in range(10):
        roster.append((600.0 * (a % 3 == 1), ON, a, 0.0))
        roster.append(
            (2400.0, OFF, a, 0.0) if a % 4 == 3 else (3600.0, RosterKind.OFF_DRAIN, a, 0.0)
        )
        if a % 4 != 2:
            roster.append((900.0 + 90.0 * a, BREAK, a, SEEDED_BREAK_S))
        if a % 4 == 3:
            roster.append((2250.0, BREAK, a, SEEDED_BREAK_S))  # cut by the shift end at 2400
    return roster


@functools.cache
def _seeded_team(engine: str, shorten: bool) -> tuple[Plan, Records]:
    """Three replications of a team plan (run once per engine and break policy)."""
    plan = team_plan(
        [0] * 5 + [1] * 3 + [2] * 2,
        skill_tier=[[0, -1], [1, 1], [-1, 0]],
        tier_factor=[[1.0, 1.0], [0.8, 0.8], [1.0, 1.5]],
        routing=[[(0, 0.0), (1, 25.0)], [(2, 0.0), (1, 0.0)]],
        roster=_seeded_team_roster(),
        call_types=SEEDED_TYPES,
        tier_fcr=np.array([[0.9, np.nan], [0.95, 0.95], [np.nan, 0.8]]),
        redial_probability=np.array([0.5, 0.3]),
        redial_delay_s=np.array([200.0, 100.0]),
        redial_max_attempts=np.array([10, 10]),
        repeat_delay_s=np.array([300.0, 300.0]),
        absenteeism=np.array([0.2, 0.0, 0.3]),
        breaks_shorten=shorten,
    )
    result = simulate(plan, reps=3, seed=2025, engine=engine, keep_records=True)
    assert result.calls is not None
    assert result.shifts is not None
    assert result.breaks is not None
    return plan, Records(result.calls, result.shifts, result.breaks, result.tallies)


@pytest.mark.parametrize("shorten", [False, True], ids=["delay", "shorten"])
class TestRecordedTeamRules:
    """Rules every record of a seeded run with groups and breaks obeys, whatever the seed."""

    def test_run_exercises_the_features(self, engine: str, shorten: bool) -> None:
        """Every group answers, calls overflow, breaks are taken, redials and repeats arrive."""
        _, (calls, _, breaks, _) = _seeded_team(engine, shorten)
        answered = calls.outcome == ANSWERED
        assert set(calls.group[answered].tolist()) == {0, 1, 2}
        assert (answered & (calls.call_type == 0) & (calls.group == 1)).any()
        assert {FRESH, REDIAL, REPEAT} == set(calls.origin.tolist())
        assert len(breaks) > 0

    def test_answered_by_a_skilled_group_after_its_delay(self, engine: str, shorten: bool) -> None:
        """The answering group has the skill, the tier is its skill's, the wait its delay."""
        plan, (calls, _, _, _) = _seeded_team(engine, shorten)
        answered = calls.outcome == ANSWERED
        group, call_type = calls.group[answered], calls.call_type[answered]
        tier = plan.skill_tier[group, call_type]
        assert np.all(tier >= 0)
        assert np.array_equal(tier, calls.tier[answered])
        after_s = np.full(plan.skill_tier.shape, np.inf)
        for k, (groups, delays) in enumerate(
            zip(plan.routing_group, plan.routing_after_s, strict=True)
        ):
            after_s[groups[groups >= 0], k] = delays[groups >= 0]
        ready_at = calls.arrived_at[answered] + after_s[group, call_type]
        assert np.all(calls.answered_at[answered] >= ready_at)
        assert np.all(calls.agent[answered] >= 0)
        assert np.array_equal(plan.agent_group[calls.agent[answered]], group)

    def test_handle_time_is_the_tier_factor_times_talk_and_acw(
        self, engine: str, shorten: bool
    ) -> None:
        """After the caller leaves the agent works factor x ACW more."""
        plan, (calls, _, _, _) = _seeded_team(engine, shorten)
        answered = calls.outcome == ANSWERED
        group, call_type = calls.group[answered], calls.call_type[answered]
        segment = calls.day[answered].astype(int) * plan.n_intervals + calls.interval[answered]
        wrap_up_s = plan.tier_factor[group, call_type] * plan.acw_s[call_type, segment]
        after_talk_s = calls.ended_at[answered] - calls.left_at[answered]
        np.testing.assert_allclose(after_talk_s, wrap_up_s, rtol=0, atol=1e-6)

    def test_no_calls_during_breaks(self, engine: str, shorten: bool) -> None:
        """An agent on break handles no call: breaks and service spans never overlap."""
        _, (calls, _, breaks, _) = _seeded_team(engine, shorten)
        answered = calls.outcome == ANSWERED
        for rep, agent, start_at, end_at in zip(
            breaks.rep, breaks.agent, breaks.start_at, breaks.end_at, strict=True
        ):
            mine = answered & (calls.rep == rep) & (calls.agent == agent)
            overlap = (calls.answered_at < end_at) & (calls.ended_at > start_at)
            assert not (mine & overlap).any()

    def test_breaks_start_when_due_or_after_a_call(self, engine: str, shorten: bool) -> None:
        """A break starts when due, or at the end of the call in progress then."""
        plan, (calls, shifts, breaks, _) = _seeded_team(engine, shorten)
        due = plan.roster_kind == int(BREAK)
        for rep, agent, start_at in zip(breaks.rep, breaks.agent, breaks.start_at, strict=True):
            due_at = plan.roster_at[due & (plan.roster_who == agent) & (plan.roster_at <= start_at)]
            assert len(due_at) > 0
            latest = due_at.max()
            mine = (calls.rep == rep) & (calls.agent == agent)
            assert start_at == latest or start_at in set(calls.ended_at[mine])
            if start_at > latest:  # the call was in progress when the break fell due
                in_progress = mine & (calls.answered_at < latest) & (calls.ended_at == start_at)
                assert in_progress.any()
            inside = (shifts.rep == rep) & (shifts.agent == agent) & (shifts.on_at <= start_at)
            assert (inside & (start_at < shifts.off_at)).any()

    def test_breaks_end_by_the_policy_or_at_the_shift_end(self, engine: str, shorten: bool) -> None:
        """A break lasts its length (delay) or to its due end (shorten), or to the shift end."""
        plan, (_, shifts, breaks, _) = _seeded_team(engine, shorten)
        due = plan.roster_kind == int(BREAK)
        n_cut = 0
        for rep, agent, start_at, end_at in zip(
            breaks.rep, breaks.agent, breaks.start_at, breaks.end_at, strict=True
        ):
            due_at = plan.roster_at[
                due & (plan.roster_who == agent) & (plan.roster_at <= start_at)
            ].max()
            planned_end_at = (due_at if shorten else start_at) + SEEDED_BREAK_S
            mine = (shifts.rep == rep) & (shifts.agent == agent)
            if end_at == planned_end_at:
                continue
            n_cut += 1
            assert end_at < planned_end_at
            assert end_at in set(shifts.scheduled_off_at[mine])
            assert end_at in set(shifts.off_at[mine])
        assert n_cut > 0

    def test_absent_agent_days_leave_no_trace(self, engine: str, shorten: bool) -> None:
        """An absent agent has no shift, no break and answers no call that day."""
        plan, (calls, shifts, breaks, _) = _seeded_team(engine, shorten)
        n_absent = 0
        for rep in range(3):
            absent = np.flatnonzero(draw_realisation(plan, 2025, rep).absent[:, 0])
            n_absent += len(absent)
            assert not np.isin(shifts.agent[shifts.rep == rep], absent).any()
            assert not np.isin(breaks.agent[breaks.rep == rep], absent).any()
            assert not np.isin(calls.agent[calls.rep == rep], absent).any()
        assert n_absent > 0

"""The routing, tie-break, shift and closing rules, checked on both engines.

Two kinds of tests:

* Scripted: both engines draw from streams that serve chosen values (arrival rate 1 call/s, so
  a unit-exponential draw *is* the gap between arrivals; exponential handle and patience of mean
  1 s, so a draw *is* the talk time or patience). Arrival instants, talk times and patience are
  exact, and exact ties (a deadline at the instant an agent frees up, simultaneous service ends,
  a call ending at a shift end) happen on purpose. Records are compared with hand-computed ones.
* Seeded: ordinary Poisson runs; rule properties that must hold for any seed are asserted on
  every record.
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import Any

import numpy as np
import pytest

from sim import simulate
from sim.engines.base import CallRecords, Outcome, ShiftRecords
from sim.rng import ReplicationStreams
from sim.scenario import Plan, scenario_from_dict

ENGINES = ["simpy", "fast"]
OPEN_AT = 8 * 3600.0  # every scripted scenario opens at 08:00
NO_MORE = 1e12  # a unit-exponential draw so large that no further arrival follows
ANSWERED, ABANDONED, DROPPED = int(Outcome.ANSWERED), int(Outcome.ABANDONED), int(Outcome.DROPPED)
NAN = math.nan


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

    def _take(self, size: int | None) -> Any:
        if size is None:
            self.taken += 1
            return self.values[self.taken - 1] if self.taken <= len(self.values) else self.tail
        return np.array([self._take(None) for _ in range(size)])

    def standard_exponential(self, size: int | None = None) -> Any:
        """Next value(s)."""
        return self._take(size)

    def standard_normal(self, size: int | None = None) -> Any:
        """Next value(s)."""
        return self._take(size)

    def standard_gamma(self, shape: float, size: int | None = None) -> Any:
        """Next value(s)."""
        return self._take(size)


def _gaps(offsets_s: list[float]) -> list[float]:
    """Unit-exponential draws that put arrivals (rate 1/s) at ``OPEN_AT + offset``."""
    instants = [0.0, *offsets_s]
    return [b - a for a, b in itertools.pairwise(instants)] + [NO_MORE]


def script(
    monkeypatch: pytest.MonkeyPatch,
    arrivals_s: list[list[float]],
    talk_s: list[list[float]] | None = None,
    patience_s: list[list[float]] | None = None,
) -> None:
    """Make both engines draw scripted values; lists are per call type, in arrival order.

    ``arrivals_s`` are offsets from opening (increasing, within the open hours of day 0);
    ``talk_s`` and ``patience_s`` are the draws of exponential distributions of mean 1 s
    (unscripted talk times are 1 s; unscripted patience 10⁶ s).
    """
    n_types = len(arrivals_s)
    talk_s = talk_s or [[] for _ in range(n_types)]
    patience_s = patience_s or [[] for _ in range(n_types)]

    def streams(seed: int, rep: int, n_call_types: int) -> ReplicationStreams:
        assert n_types == n_call_types
        return ReplicationStreams(
            arrivals=tuple(ScriptedStream(_gaps(a), NO_MORE) for a in arrivals_s),
            handle=tuple(ScriptedStream(t, 1.0) for t in talk_s),
            patience=tuple(ScriptedStream(p, 1e6) for p in patience_s),
        )

    monkeypatch.setattr("sim.engines.simpy.engine.replication_streams", streams)
    monkeypatch.setattr("sim.engines.fast.engine.replication_streams", streams)


SCRIPTED_TYPE = {
    "volume": {"per_hour": 3600},  # rate 1/s: a draw is the gap to the next arrival
    "handle_time": {"dist": "exponential", "mean_s": 1},  # a draw is the talk time
    "patience": {"dist": "exponential", "mean_s": 1},  # a draw is the patience
}


def scripted_run(
    engine: str,
    *,
    headcount: int | list[int] = 1,
    close: str = "09:00",
    at_close: str = "drain",
    call_types: dict[str, dict[str, Any]] | None = None,
) -> tuple[CallRecords, ShiftRecords]:
    """Run one replication of a one-day 30-minute-interval scenario under scripted streams."""
    raw = {
        "name": "scripted",
        "calendar": {"open": "08:00", "close": close, "interval_minutes": 30, "at_close": at_close},
        "call_types": call_types or {"calls": SCRIPTED_TYPE},
        "groups": {"agents": {"headcount": headcount}},
    }
    result = simulate(scenario_from_dict(raw), reps=1, seed=0, engine=engine, keep_records=True)
    assert result.calls is not None
    assert result.shifts is not None
    return result.calls, result.shifts


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
        acw_s = plan.acw_s[calls.call_type]
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

"""Chats with concurrency in both engines: parity, the rules, and Erlang C in steady state.

An agent holds up to ``max_concurrent.chat`` sessions; without slow-down every session is a
server of its own, so a chat queue served by ``n`` agents of concurrency ``k`` is Erlang C with
``n * k`` servers (``k = 1``: plain Erlang C). The comparisons use the tolerance of
``test_against_erlang.py`` (4 SE of the replication means, and 4 SE small enough to fail), and
one wrong server count is shown rejected.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from helpers import allowed_four_se, assert_parity, assert_within_se, mean_and_se, stat_reps

from sim import simulate
from sim.analytic import erlang_c
from sim.engines.base import CallRecords, Outcome
from sim.engines.fast.pack import agent_ranges
from sim.results import group_kpis, replication_kpis
from sim.scenario import Plan, build_plan, scenario_from_dict
from sim.simulation import SimulationResult


def run_both(plan: Plan, *, reps: int, seed: int) -> tuple[SimulationResult, SimulationResult]:
    """Run the SimPy and the fast engine on the same seed, keeping records."""
    simpy = simulate(plan, reps=reps, seed=seed, engine="simpy", keep_records=True)
    fast = simulate(plan, reps=reps, seed=seed, engine="fast", keep_records=True)
    return simpy, fast


ANSWERED = int(Outcome.ANSWERED)

# -- hand-made scenarios: chats beside voice calls ------------------------------------------------
# g0 answers chats holding up to 3 with slow-down, on shifts with breaks (a late one, a split
# one); g1 answers chats after 20 s and voice calls, up to 2 chats; g2 answers voice calls only.


def chat_scenario(
    *, voice_while_chatting: bool = True, days: int = 1, at_close: str = "drain", **extra: Any
) -> Plan:
    """A hand-made plan with chats and voice calls (see above); ``extra`` adds sections."""
    raw = chat_raw(voice_while_chatting=voice_while_chatting, days=days, at_close=at_close)
    return build_plan(scenario_from_dict({**raw, **extra}))


def chat_raw(*, voice_while_chatting: bool, days: int, at_close: str) -> dict[str, Any]:
    """The scenario of :func:`chat_scenario`, as a raw mapping."""
    return {
        "name": "chat-parity",
        "calendar": {
            "days": days,
            "open": "08:00",
            "close": "11:00",
            "interval_minutes": 30,
            "at_close": at_close,
        },
        "service_level": {"threshold_s": 30},
        "tiers": {"standard": {}, "junior": {"handle_time_factor": 1.2, "fcr": 0.85}},
        "call_types": {
            "chat": {
                "channel": "chat",
                "volume": {"per_interval": [60, 120, 160, 160, 120, 80]},
                "handle_time": {"dist": "lognormal", "mean_s": 420, "cv": 0.8, "acw_s": 15},
                "patience": {"dist": "exponential", "mean_s": 150},
                "routing": ["g0", {"group": "g1", "after_s": 20}],
            },
            "calls": {
                "priority": 2,
                "volume": {"per_hour": 50},
                "handle_time": {"dist": "gamma", "mean_s": 240, "cv": 1.3},
                "patience": {"dist": "exponential", "mean_s": 120},
                "routing": ["g2", "g1"],
            },
        },
        "break_patterns": {"one": [{"after_h": 1, "minutes": 15}]},
        "shifts": {
            "day": {"start": "08:00", "end": "11:00", "breaks": "one"},
            "late": {"start": "08:30", "end": "11:00"},
            "split": {"segments": [["08:00", "09:00"], ["09:30", "11:00"]]},
        },
        "groups": {
            "g0": {
                "skills": {"chat": "standard"},
                "shifts": {"day": 5, "late": 2, "split": 1},
                "max_concurrent": {"chat": 3},
                "chat_slowdown": [1.0, 1.3, 1.6],
            },
            "g1": {
                "skills": {"chat": "junior", "calls": "standard"},
                "shifts": {"day": 3},
                "max_concurrent": {"chat": 2},
                "chat_slowdown": [1.0, 1.2],
                "voice_while_chatting": voice_while_chatting,
            },
            "g2": {"skills": {"calls": "standard"}, "headcount": 2},
        },
    }


def _with_redials(**options: Any) -> Plan:
    """:func:`chat_scenario` whose abandoned chatters and callers redial."""
    plan = chat_scenario(**options)
    return dataclasses.replace(
        plan,
        redial_probability=np.array([0.5, 0.3]),
        redial_delay_s=np.array([300.0, 200.0]),
        redial_max_attempts=np.array([5, 5]),
    )


def most_sessions(calls: CallRecords, plan: Plan) -> dict[int, int]:
    """Return, per group, the most chat sessions one of its agents held at once."""
    chat = (calls.outcome == ANSWERED) & plan.chat_types[calls.call_type]
    events: dict[tuple[int, int], list[tuple[float, int]]] = defaultdict(list)
    for rep, agent, start, end in zip(
        calls.rep[chat].tolist(),
        calls.agent[chat].tolist(),
        calls.answered_at[chat].tolist(),
        calls.ended_at[chat].tolist(),
        strict=True,
    ):
        events[(rep, agent)] += [(start, 1), (end, -1)]
    most: dict[int, int] = defaultdict(int)
    for (_, agent), marks in events.items():
        held = peak = 0
        for _, step in sorted(marks, key=lambda m: (m[0], m[1])):  # ends first at a tie
            held += step
            peak = max(peak, held)
        group = int(plan.agent_group[agent])
        most[group] = max(most[group], peak)
    return dict(most)


def voice_while_chatting(calls: CallRecords, plan: Plan) -> bool:
    """Whether some agent answered a voice call while holding a chat session."""
    answered = calls.outcome == ANSWERED
    chat = answered & plan.chat_types[calls.call_type]
    voice = answered & ~plan.chat_types[calls.call_type]
    sessions: dict[tuple[int, int], list[tuple[float, float]]] = defaultdict(list)
    for rep, agent, start, end in zip(
        calls.rep[chat],
        calls.agent[chat],
        calls.answered_at[chat],
        calls.ended_at[chat],
        strict=True,
    ):
        sessions[(int(rep), int(agent))].append((float(start), float(end)))
    return any(
        start < at < end
        for rep, agent, at in zip(
            calls.rep[voice], calls.agent[voice], calls.answered_at[voice], strict=True
        )
        for start, end in sessions.get((int(rep), int(agent)), [])
    )


def _check_concurrency(plan: Plan, result: SimulationResult) -> bool:
    assert result.calls is not None
    most = most_sessions(result.calls, plan)
    assert most.get(0, 0) <= 3  # never above the limit
    assert most.get(1, 0) <= 2
    return most.get(0) == 3 and most.get(1) == 2 and voice_while_chatting(result.calls, plan)


def _check_no_voice_while_chatting(plan: Plan, result: SimulationResult) -> bool:
    assert result.calls is not None
    assert not voice_while_chatting(result.calls, plan)
    return most_sessions(result.calls, plan).get(1) == 2


def _check_breaks_and_repeats(plan: Plan, result: SimulationResult) -> bool:
    assert result.calls is not None
    assert result.breaks is not None
    calls = result.calls
    chat = plan.chat_types[calls.call_type]
    redialled = chat & (calls.origin == 1) & (calls.outcome == ANSWERED)
    repeated = chat & (calls.origin == 2) & (calls.outcome == ANSWERED)
    return bool(redialled.any() and repeated.any() and len(result.breaks) > 0)


def _with_controls_and_hold() -> Plan:
    """Chats beside a blended group and a reserve taking calls, and a ``hold_count`` group."""
    raw = chat_raw(voice_while_chatting=True, days=1, at_close="drain")
    raw["call_types"]["calls"]["volume"] = {"per_hour": 120}
    raw["call_types"]["calls"]["routing"] = ["g2", "g1", "buffer", "reserve"]
    raw["groups"]["g2"] = {
        "skills": {"calls": "standard"},
        "headcount": [3, 3, 1, 1, 2, 2],
        "staffing_drop": "hold_count",
    }
    raw["groups"]["buffer"] = {
        "role": "blended",
        "skills": {"calls": "standard"},
        "headcount": 2,
        "outbound": {
            "attempt_s": 30,
            "contact_probability": 0.4,
            "talk": {"dist": "exponential", "mean_s": 120},
        },
        "switch": {
            "to_inbound": {"queue_at_least": 2},
            "to_outbound": {"queue_at_most": 0, "for_s": 60},
        },
    }
    raw["groups"]["reserve"] = {
        "role": "supervisor",
        "skills": {"calls": "standard"},
        "headcount": 1,
        "activate": {"queue_at_least": 3},
    }
    return build_plan(scenario_from_dict(raw))


def _check_controls_and_hold(plan: Plan, result: SimulationResult) -> bool:
    assert result.calls is not None
    assert plan.has_controls
    assert plan.has_hold
    answered_by = set(result.calls.group[result.calls.outcome == ANSWERED].tolist())
    return {0, 1, 2, 3, 4} <= answered_by and _check_concurrency(plan, result)


def _interleaved() -> Plan:
    """:func:`chat_scenario` with the groups' agents numbered in turn (0, 1, 2, 0, 1, ...)."""
    plan = chat_scenario()
    return dataclasses.replace(plan, agent_group=np.arange(plan.n_agents) % plan.n_groups)


def _check_interleaved(plan: Plan, result: SimulationResult) -> bool:
    ranges = agent_ranges(plan)
    assert result.calls is not None
    mixed = any(len(set(plan.agent_group[start:end].tolist())) > 1 for start, end in ranges)
    return mixed and most_sessions(result.calls, plan).get(0) == 3


CHAT_PLANS = {
    "concurrency_slowdown_and_voice_while_chatting": (chat_scenario, _check_concurrency),
    "no_voice_while_chatting": (
        lambda: chat_scenario(voice_while_chatting=False),
        _check_no_voice_while_chatting,
    ),
    "breaks_split_shifts_redials_and_repeats": (_with_redials, _check_breaks_and_repeats),
    "two_days_drop_at_close_breaks_shortened": (
        lambda: _with_redials(days=2, at_close="drop", break_policy="shorten"),
        _check_breaks_and_repeats,
    ),
    "agents_of_groups_interleaved": (_interleaved, _check_interleaved),
    "with_blended_reserve_and_hold_count_groups": (
        _with_controls_and_hold,
        _check_controls_and_hold,
    ),
}


class TestParity:
    """Both engines give identical records and tallies with chats."""

    @pytest.mark.parametrize("name", list(CHAT_PLANS))
    def test_identical_records(self, name: str) -> None:
        """Three replications give identical records and tallies, and exercise the feature."""
        make, check = CHAT_PLANS[name]
        simpy, fast = run_both(make(), reps=3, seed=5)
        assert_parity(simpy, fast)
        assert check(simpy.plan, simpy), f"{name} does not exercise its feature"

    def test_simultaneous_session_ends(self) -> None:
        """Deterministic sessions end together; ties go to the agent at its count first."""
        raw = {
            "name": "chat-ties",
            "calendar": {"open": "08:00", "close": "10:00", "interval_minutes": 30},
            "call_types": {
                "chat": {
                    "channel": "chat",
                    "volume": {"per_interval": [40, 120, 120, 60]},
                    "handle_time": {"dist": "deterministic", "mean_s": 300},
                    "patience": {"dist": "deterministic", "mean_s": 600},
                },
                "calls": {
                    "volume": {"per_hour": 30},
                    "handle_time": {"dist": "deterministic", "mean_s": 200},
                },
            },
            "groups": {
                "team": {
                    "headcount": [0, 4, 5, 3],
                    "max_concurrent": {"chat": 3},
                    "voice_while_chatting": True,
                }
            },
        }
        simpy, fast = run_both(scenario_from_dict(raw), reps=2, seed=3)
        assert_parity(simpy, fast)
        assert simpy.calls is not None
        answered = simpy.calls.outcome == ANSWERED
        ends = simpy.calls.ended_at[answered]
        assert len(np.unique(ends)) < len(ends)  # some sessions end at the same instant


class TestRules:
    """What the records of a chat run show about the rules."""

    def test_slowdown_stretches_sessions_by_the_count_they_start_at(self) -> None:
        """With deterministic sessions, each handle time is the factor of its start count."""
        raw = {
            "name": "chat-slowdown",
            "steady_state": {"horizon_h": 3, "warmup_h": 1, "interval_minutes": 60},
            "call_types": {
                "chat": {
                    "channel": "chat",
                    "volume": {"per_hour": 80},
                    "handle_time": {"dist": "deterministic", "mean_s": 300},
                }
            },
            "groups": {
                "team": {
                    "headcount": 3,
                    "max_concurrent": {"chat": 3},
                    "chat_slowdown": [1.0, 1.5, 2.0],
                }
            },
        }
        result = simulate(scenario_from_dict(raw), reps=1, seed=2, keep_records=True)
        calls = result.calls
        assert calls is not None
        answered = calls.outcome == ANSWERED
        held = _sessions_at_answer(calls, answered)
        expected = np.array([300.0, 450.0, 600.0])[held - 1]
        np.testing.assert_allclose(calls.handle_s[answered], expected)
        assert set(held.tolist()) == {1, 2, 3}

    def test_fewest_sessions_first(self) -> None:
        """A chat never goes to an agent holding more sessions than another who could take it."""
        raw = {
            "name": "chat-fewest",
            "steady_state": {"horizon_h": 3, "warmup_h": 1, "interval_minutes": 60},
            "call_types": {
                "chat": {
                    "channel": "chat",
                    "volume": {"per_hour": 60},
                    "handle_time": {"dist": "exponential", "mean_s": 400},
                }
            },
            "groups": {"team": {"headcount": 4, "max_concurrent": {"chat": 4}}},
        }
        result = simulate(scenario_from_dict(raw), reps=1, seed=4, keep_records=True)
        calls = result.calls
        assert calls is not None
        answered = np.flatnonzero(calls.outcome == ANSWERED)
        for i in answered:
            at = calls.answered_at[i]
            held = [
                int(
                    np.sum(
                        (calls.agent[answered] == agent)
                        & (calls.answered_at[answered] < at)
                        & (calls.ended_at[answered] > at)
                    )
                )
                for agent in range(4)
            ]
            assert held[calls.agent[i]] == min(held)


def _sessions_at_answer(calls: CallRecords, answered: np.ndarray) -> np.ndarray:
    """Sessions each answered chat's agent held with it (itself counted), from the records."""
    index = np.flatnonzero(answered)
    counts = np.empty(len(index), dtype=np.int64)
    for n, i in enumerate(index):
        mine = index[calls.agent[index] == calls.agent[i]]
        others = mine[mine != i]
        counts[n] = 1 + int(
            np.sum(
                (calls.answered_at[others] <= calls.answered_at[i])
                & (calls.ended_at[others] > calls.answered_at[i])
            )
        )
    return counts


# -- steady state against Erlang C --------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A chat queue of ``agents`` agents holding up to ``k`` sessions, and its run."""

    id: str
    chats_per_hour: float
    aht_s: float
    agents: int
    k: int
    threshold_s: float
    horizon_h: float
    warmup_h: float
    reps: int
    seed: int

    def scenario(self) -> dict[str, Any]:
        return {
            "name": self.id,
            "steady_state": {
                "horizon_h": self.horizon_h,
                "warmup_h": self.warmup_h,
                "interval_minutes": 60,
            },
            "service_level": {"threshold_s": self.threshold_s},
            "call_types": {
                "chat": {
                    "channel": "chat",
                    "volume": {"per_hour": self.chats_per_hour},
                    "handle_time": {"dist": "exponential", "mean_s": self.aht_s},
                }
            },
            "groups": {"team": {"headcount": self.agents, "max_concurrent": {"chat": self.k}}},
        }

    def expected(self, servers: int | None = None) -> dict[str, float]:
        """Erlang C with ``agents * k`` servers (or ``servers``)."""
        kpis = erlang_c(
            calls_per_hour=self.chats_per_hour,
            aht_s=self.aht_s,
            agents=servers or self.agents * self.k,
            threshold_s=self.threshold_s,
        )
        return {
            "sl": kpis.service_level,
            "p_wait": kpis.p_wait,
            "asa": kpis.asa_s,
            "utilisation": kpis.occupancy,
        }


PROBABILITY_KPIS = frozenset({"sl", "p_wait", "utilisation"})
# k = 1: 10 agents at 85 %; k = 3: 4 agents, 12 sessions at 83 %. Both relax within minutes.
FAST_CASES = (
    Case("k1", 255, 120, 10, 1, 20, horizon_h=400, warmup_h=2, reps=20, seed=301),
    Case("k3", 300, 120, 4, 3, 20, horizon_h=400, warmup_h=2, reps=20, seed=303),
)
SIMPY_CASES = (
    Case("k1", 255, 120, 10, 1, 20, horizon_h=60, warmup_h=2, reps=20, seed=311),
    Case("k3", 300, 120, 4, 3, 20, horizon_h=60, warmup_h=2, reps=20, seed=313),
)


@functools.cache
def replication_values(case: Case, engine: str) -> dict[str, np.ndarray]:
    """Simulate a case and return its KPIs by replication (after warm-up)."""
    plan = build_plan(scenario_from_dict(case.scenario()))
    result = simulate(plan, reps=stat_reps(case.reps), seed=case.seed, engine=engine)
    frame = replication_kpis(result.tallies, plan, "total")
    calls = frame[frame["call_type"] == "all"].sort_values("rep")
    measured = (slice(None), slice(None), slice(plan.warmup_intervals, None))
    offered = result.tallies.count("offered")[measured].sum(axis=(1, 2, 3))
    waited = result.tallies.count("waited")[measured].sum(axis=(1, 2, 3))
    group_frame = group_kpis(result.tallies, plan, "total")
    team = group_frame[(group_frame["group"] == "team") & (group_frame["call_type"] == "all")]
    team = team.sort_values("rep")
    return {
        "sl": calls["service_level"].to_numpy(),
        "p_wait": waited / offered,
        "asa": calls["asa_s"].to_numpy(),
        "utilisation": team["concurrency_utilisation"].to_numpy(),
    }


def _params() -> list[Any]:
    return [
        pytest.param(engine, case, kpi, id=f"{engine}-{case.id}-{kpi}")
        for engine, cases in (("fast", FAST_CASES), ("simpy", SIMPY_CASES))
        for case in cases
        for kpi in ("sl", "p_wait", "asa", "utilisation")
    ]


@pytest.mark.statistical
class TestAgainstErlangC:
    """Chat queues without slow-down are Erlang C with agents x sessions servers."""

    @pytest.mark.parametrize(("engine", "case", "kpi"), _params())
    def test_kpi_within_four_standard_errors(self, engine: str, case: Case, kpi: str) -> None:
        """The replication mean is within 4 SE of Erlang C, and 4 SE could fail."""
        values = replication_values(case, engine)[kpi]
        expected = case.expected()[kpi]
        assert_within_se(values, expected, label=f"{engine} {case.id} {kpi}")
        _, se = mean_and_se(values)
        assert 4 * se <= allowed_four_se(expected, probability=kpi in PROBABILITY_KPIS)

    @pytest.mark.parametrize("engine", ["fast", "simpy"])
    def test_one_session_fewer_is_rejected(self, engine: str) -> None:
        """k = 3 is not within 4 SE of Erlang C with one server fewer: the test discriminates."""
        case = next(c for c in (FAST_CASES if engine == "fast" else SIMPY_CASES) if c.k == 3)
        wrong = case.expected(servers=case.agents * case.k - 1)
        mean, se = mean_and_se(replication_values(case, engine)["p_wait"])
        assert abs(mean - wrong["p_wait"]) > 4 * se

    @pytest.mark.parametrize("engine", ["fast", "simpy"])
    def test_plain_erlang_c_of_the_agents_is_rejected(self, engine: str) -> None:
        """k = 1 is not within 4 SE of Erlang C with one agent more (the rate of one fewer)."""
        case = next(c for c in (FAST_CASES if engine == "fast" else SIMPY_CASES) if c.k == 1)
        wrong = dataclasses.replace(case, agents=case.agents + 1).expected()
        mean, se = mean_and_se(replication_values(case, engine)["p_wait"])
        assert abs(mean - wrong["p_wait"]) > 4 * se

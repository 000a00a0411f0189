"""A bot (IVR) in front of call types, in both engines: rules, records, KPIs and the theory.

A contact of a type with a bot that finds a free port holds it for its bot time; then one
uniform decides whether the bot resolved it, it hung up in the bot, or it is handed over to the
people's queue, where it waits as any call of its type with its handle time scaled by the
hand-over factor. A contact that finds every port busy queues for people at once (bypassed).

Checked four ways: identical records and tallies in both engines on the same seed (hand-made
centres covering ports, lines, redials, repeat calls, closing and controls); the records
themselves (ports never over-used, bypassed exactly when full, scaled handle times); the KPIs
against the records; and in steady state, the hand-overs of a bot with ample ports against
Erlang C on the thinned arrival rate, within 4 SE, with Erlang C on the full rate rejected.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from helpers import (
    SCENARIOS,
    allowed_four_se,
    assert_parity,
    assert_within_se,
    invoke,
    mean_and_se,
    stat_reps,
)

from sim import simulate
from sim.analytic import erlang_c
from sim.cli import main
from sim.engines.base import BotPath, CallRecords, Origin, Outcome
from sim.results import replication_kpis
from sim.scenario import build_plan, scenario_from_dict
from sim.scenario.limits import MAX_BOT_PORTS
from sim.simulation import SimulationResult

ANSWERED, DROPPED, BLOCKED = int(Outcome.ANSWERED), int(Outcome.DROPPED), int(Outcome.BLOCKED)
RESOLVED, HUNG_UP = int(Outcome.BOT_RESOLVED), int(Outcome.BOT_ABANDONED)
ENTERED, BYPASSED = int(BotPath.ENTERED), int(BotPath.BYPASSED)

# Two types behind bots sharing 6 ports (a lognormal bot, a deterministic one), one without a
# bot; lines, patience, redials and repeat calls (tier fcr < 1); deterministic handle times of
# the first type show the hand-over factor; hand-overs due after closing are dropped.
SHARED_PORTS: dict[str, Any] = {
    "name": "shared-ports",
    "calendar": {"open": "08:00", "close": "10:00", "interval_minutes": 30, "at_close": "drain"},
    "service_level": {"threshold_s": 20},
    "tiers": {"standard": {"fcr": 0.8}},
    "lines": 24,
    "bot_ports": 6,
    "call_types": {
        "billing": {
            "volume": {"per_hour": 160},
            "handle_time": {"dist": "deterministic", "mean_s": 200, "acw_s": 20},
            "patience": {"dist": "exponential", "mean_s": 120},
            "redial": {"probability": 0.5, "delay_mean_s": 240},
            "bot": {
                "resolve_share": 0.3,
                "time": {"dist": "lognormal", "mean_s": 90, "cv": 0.7},
                "abandon_share": 0.1,
                "handover_factor": 0.5,
            },
        },
        "orders": {
            "volume": {"per_hour": 90},
            "handle_time": {"dist": "gamma", "mean_s": 240, "cv": 1.1},
            "patience": {"dist": "lognormal", "mean_s": 150, "cv": 0.8},
            "bot": {
                "resolve_share": 0.5,
                "time": {"dist": "deterministic", "mean_s": 45},
                "handover_factor": 1.3,
            },
        },
        "sales": {
            "volume": {"per_hour": 60},
            "handle_time": {"dist": "exponential", "mean_s": 180},
        },
    },
    "groups": {"agents": {"headcount": 14}},
}


def run_both(raw: dict[str, Any], *, reps: int, seed: int) -> tuple[SimulationResult, ...]:
    scenario = scenario_from_dict(raw)
    return tuple(
        simulate(scenario, reps=reps, seed=seed, engine=engine, keep_records=True)
        for engine in ("simpy", "fast")
    )


@functools.cache
def shared_ports() -> tuple[SimulationResult, ...]:
    return run_both(SHARED_PORTS, reps=3, seed=31)


def calls_of(result: SimulationResult) -> CallRecords:
    assert result.records is not None
    return result.records.calls


def bot_end_at(calls: CallRecords) -> np.ndarray:
    """When each contact that entered a bot left it (NaN for the others)."""
    kept = np.isin(calls.outcome, (RESOLVED, HUNG_UP))
    end_at = np.where(kept, calls.left_at, calls.arrived_at)
    return np.where(calls.bot_path == ENTERED, end_at, np.nan)


class TestSharedPorts:
    """Two bots sharing six ports, lines, redials and repeat calls, on both engines."""

    def test_identical_records(self) -> None:
        """Three replications give identical records and tallies in both engines."""
        assert_parity(*shared_ports())

    def test_every_path_happens(self) -> None:
        """Resolved, hung up, handed over, bypassed, blocked, redials through the bot, and a
        hand-over after closing dropped: the scenario exercises each rule."""
        calls = calls_of(shared_ports()[0])
        entered = calls.bot_path == ENTERED
        assert {RESOLVED, HUNG_UP, ANSWERED, BLOCKED} <= set(calls.outcome.tolist())
        assert bool(np.any(calls.bot_path == BYPASSED))
        assert bool(np.any(entered & (calls.origin == int(Origin.REDIAL))))
        assert bool(np.any(entered & (calls.origin == int(Origin.REPEAT))))
        late = entered & (calls.outcome == DROPPED) & (calls.arrived_at >= 10 * 3600)
        assert bool(np.any(late))
        assert np.all(calls.left_at[late] == calls.arrived_at[late])
        assert set(calls.call_type[calls.bot_path != 0].tolist()) == {0, 1}  # sales has no bot

    def test_ports_are_never_overused_and_bypass_only_when_full(self) -> None:
        """At each contact's arrival, fewer contacts are in bots than there are ports, unless
        it is bypassed; a bypassed one finds all six busy."""
        calls = calls_of(shared_ports()[1])
        end_at = bot_end_at(calls)
        met_bot = np.isin(calls.bot_path, (ENTERED, BYPASSED))
        for i in np.flatnonzero(met_bot):
            mine = calls.rep == calls.rep[i]
            at = calls.entered_at[i]
            in_bot = int(np.sum(mine & (calls.entered_at < at) & (end_at > at)))
            assert in_bot <= 6
            assert (calls.bot_path[i] == BYPASSED) == (in_bot == 6), i

    def test_times_in_the_records(self) -> None:
        """``entered_at`` is the arrival without a bot; a hand-over waits from its bot end; the
        deterministic bot holds each contact 45 s; contacts the bot keeps are never answered."""
        calls = calls_of(shared_ports()[0])
        no_bot = calls.bot_path != ENTERED
        assert np.array_equal(calls.entered_at[no_bot], calls.arrived_at[no_bot])
        orders = (calls.call_type == 1) & (calls.bot_path == ENTERED)
        assert np.allclose(bot_end_at(calls)[orders] - calls.entered_at[orders], 45.0)
        kept = np.isin(calls.outcome, (RESOLVED, HUNG_UP))
        assert np.all(np.isnan(calls.answered_at[kept]))
        assert np.all(calls.group[kept] == -1)
        assert np.all(calls.arrived_at[kept] == calls.entered_at[kept])

    def test_handover_factor_scales_handle_time(self) -> None:
        """Billing's deterministic 200 + 20 s is 110 s after a hand-over (factor 0.5), and
        220 s for a bypassed call."""
        calls = calls_of(shared_ports()[0])
        billing = (calls.call_type == 0) & (calls.outcome == ANSWERED)
        handed = billing & (calls.bot_path == ENTERED)
        bypassed = billing & (calls.bot_path == BYPASSED)
        assert handed.any()
        assert bypassed.any()
        assert np.allclose(calls.handle_s[handed], 110.0)
        assert np.allclose(calls.handle_s[bypassed], 220.0)

    def test_bot_kpis_match_the_records(self) -> None:
        """Bot counts and rates per replication, and ``offered`` counting people's calls only."""
        simpy, fast = shared_ports()
        calls = calls_of(simpy)
        kpis = replication_kpis(fast.tallies, fast.plan, "total")
        billing = kpis[kpis["call_type"] == "billing"].sort_values("rep")
        for rep in range(3):
            mine = (calls.rep == rep) & (calls.call_type == 0)
            entered = mine & (calls.bot_path == ENTERED)
            kept = mine & np.isin(calls.outcome, (RESOLVED, HUNG_UP))
            row = billing.iloc[rep]
            n = int(entered.sum())
            resolved = int(np.sum(mine & (calls.outcome == RESOLVED)))
            hung_up = int(np.sum(mine & (calls.outcome == HUNG_UP)))
            expected = {
                "bot_entered": n,
                "bot_resolved": resolved,
                "bot_abandoned": hung_up,
                "bot_handed_over": n - resolved - hung_up,
                "bot_bypassed": int(np.sum(mine & (calls.bot_path == BYPASSED))),
                "offered": int(mine.sum() - kept.sum()),
            }
            assert {key: row[key] for key in expected} == expected
            assert row["bot_containment"] == pytest.approx(resolved / n)
            assert row["bot_abandon_rate"] == pytest.approx(hung_up / n)
            assert row["bot_handover_rate"] == pytest.approx((n - resolved - hung_up) / n)
        sales = kpis[kpis["call_type"] == "sales"]
        assert sales["bot_entered"].eq(0).all()
        assert sales["bot_containment"].isna().all()


def test_unlimited_ports_bypass_nobody() -> None:
    """Without ``bot_ports`` every contact of a bot type enters the bot; parity holds."""
    raw = copy.deepcopy(SHARED_PORTS)
    del raw["bot_ports"]
    simpy, fast = run_both(raw, reps=1, seed=5)
    assert_parity(simpy, fast)
    calls = calls_of(simpy)
    bot_types = np.isin(calls.call_type, (0, 1)) & (calls.outcome != BLOCKED)
    assert np.all(calls.bot_path[bot_types] == ENTERED)


@pytest.mark.slow
def test_bot_with_controls_gives_identical_records() -> None:
    """A bot in front of the blended centre's general calls: controls run after bot events too.

    Its own kernel (controls, bot) compiles on first use.
    """
    path = SCENARIOS / "blended_centre.yaml"
    raw = yaml.safe_load(path.read_text())
    raw["bot_ports"] = 10
    raw["call_types"]["general"]["bot"] = {
        "resolve_share": 0.25,
        "time": {"dist": "exponential", "mean_s": 60},
        "abandon_share": 0.05,
        "handover_factor": 0.9,
    }
    scenario = scenario_from_dict(raw, source=str(path), base_dir=path.parent)
    simpy = simulate(scenario, reps=1, seed=29, engine="simpy", keep_records=True)
    fast = simulate(scenario, reps=1, seed=29, engine="fast", keep_records=True)
    assert_parity(simpy, fast)
    assert simpy.records is not None
    assert len(simpy.records.controls) > 0
    assert bool(np.any(simpy.records.calls.bot_path == BYPASSED))


def test_run_shows_the_bot_kpis(tmp_path: Path) -> None:
    """``ccsim run`` prints a bot table, writes the bot KPIs to intervals.csv and summary.csv,
    and puts them in ``--json``; the same numbers in each."""
    path = str(SCENARIOS / "bot_front.yaml")
    out = tmp_path / "out"
    code, text, _ = invoke(
        "run", path, "--reps", "5", "--seed", "3", "--no-plots", "--out", str(out)
    )
    assert code == 0
    table = text.split("\n\nbot ", 1)[1].splitlines()
    header = (
        "entered  bypassed  containment (95% CI)  handed over (95% CI)  hung up in bot (95% CI)"
    )
    assert table[0].split() == header.split()
    assert [line.split()[0] for line in table[1:3]] == ["service", "all"]
    summary = pd.read_csv(out / "summary.csv")
    total = summary[(summary["period"] == "total") & (summary["call_type"] == "service")]
    containment = float(total.loc[total["kpi"] == "bot_containment", "mean"].iloc[0])
    assert f"{100 * containment:.1f}%" == table[1].split()[3]
    intervals = pd.read_csv(out / "intervals.csv")
    for kpi in ("bot_entered", "bot_bypassed", "bot_containment", "bot_handover_rate"):
        assert f"{kpi}_mean" in intervals.columns
    code, text, _ = invoke("run", path, "--reps", "5", "--seed", "3", "--json")
    kpis = json.loads(text)["kpis"]
    assert kpis["service"]["bot_containment"]["mean"] == pytest.approx(containment)
    assert kpis["sales"]["bot_entered"]["mean"] == 0


# -- bad input: one line, exit code 2 ---------------------------------------------------------


def _bot(**changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(SHARED_PORTS)
    raw["call_types"]["billing"]["bot"].update(changes)
    return raw


def _no_bots() -> dict[str, Any]:
    """The centre with its ``bot_ports`` but no bot."""
    raw = copy.deepcopy(SHARED_PORTS)
    for call_type in raw["call_types"].values():
        call_type.pop("bot", None)
    return raw


BAD_INPUTS = [
    ("resolve_above_one", _bot(resolve_share=1.2), "call_types.billing.bot.resolve_share", "1.2"),
    ("resolve_negative", _bot(resolve_share=-0.1), "call_types.billing.bot.resolve_share", "-0.1"),
    ("abandon_above_one", _bot(abandon_share=1.5), "call_types.billing.bot.abandon_share", "1.5"),
    (
        "shares_above_one",
        _bot(resolve_share=0.7, abandon_share=0.4),
        "call_types.billing.bot.abandon_share",
        "0.7 + 0.4",
    ),
    ("factor_zero", _bot(handover_factor=0), "call_types.billing.bot.handover_factor", "0"),
    ("factor_negative", _bot(handover_factor=-1), "call_types.billing.bot.handover_factor", "-1"),
    ("ports_zero", {**SHARED_PORTS, "bot_ports": 0}, "bot_ports", "0"),
    (
        "ports_above_limit",
        {**SHARED_PORTS, "bot_ports": MAX_BOT_PORTS + 1},
        "bot_ports",
        str(MAX_BOT_PORTS + 1),
    ),
    ("ports_without_bot", _no_bots(), "bot_ports", "no bot"),
]


@pytest.mark.parametrize(
    ("raw", "path", "got"),
    [pytest.param(raw, path, got, id=name) for name, raw, path, got in BAD_INPUTS],
)
def test_bad_bot_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], raw: dict[str, Any], path: str, got: str
) -> None:
    """``ccsim validate`` names the file, the field and the bad value on one line; exit 2."""
    file = tmp_path / "bad.yaml"
    file.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        main(["validate", str(file)])
    out, err = capsys.readouterr()
    assert (exited.value.code, out, len(err.splitlines())) == (2, "", 1)
    assert err.startswith(f"error: {file}: {path}: ")
    assert got in err
    assert "Traceback" not in err


# -- steady state: a bot thins the arrivals of the people's queue ----------------------------

CALLS_PER_HOUR, AHT_S, AGENTS, THRESHOLD_S = 900.0, 240.0, 40, 20.0
RESOLVE_SHARE = 0.4  # hand-overs: 540 calls per hour, 36 Erlangs on 40 agents
THINNED = erlang_c(
    calls_per_hour=(1.0 - RESOLVE_SHARE) * CALLS_PER_HOUR,
    aht_s=AHT_S,
    agents=AGENTS,
    threshold_s=THRESHOLD_S,
)


def thinning_scenario(horizon_h: float) -> dict[str, Any]:
    """One queue behind a bot with no port limit, exponential bot time, nobody hangs up."""
    return {
        "name": "bot-thinning",
        "steady_state": {"horizon_h": horizon_h, "warmup_h": 2, "interval_minutes": 60},
        "service_level": {"threshold_s": THRESHOLD_S},
        "call_types": {
            "calls": {
                "volume": {"per_hour": CALLS_PER_HOUR},
                "handle_time": {"dist": "exponential", "mean_s": AHT_S},
                "bot": {
                    "resolve_share": RESOLVE_SHARE,
                    "time": {"dist": "exponential", "mean_s": 120},
                },
            }
        },
        "groups": {"agents": {"headcount": AGENTS}},
    }


RUNS = {"fast": (100.0, 20, 401), "simpy": (80.0, 12, 402)}  # horizon_h, replications, seed


@functools.cache
def thinning_values(engine: str) -> dict[str, np.ndarray]:
    """P(wait) and ASA of the hand-overs by replication (warm-up left out)."""
    horizon_h, reps, seed = RUNS[engine]
    plan = build_plan(scenario_from_dict(thinning_scenario(horizon_h)))
    result = simulate(plan, reps=stat_reps(reps), seed=seed, engine=engine)
    frame = replication_kpis(result.tallies, plan, "total")
    frame = frame[frame["call_type"] == "all"].sort_values("rep")
    return {
        "p_wait": frame["p_wait"].to_numpy(),
        "asa": frame["asa_s"].to_numpy(),
        "containment": frame["bot_containment"].to_numpy(),
    }


@pytest.mark.statistical
@pytest.mark.parametrize("engine", ["fast", "simpy"])
class TestThinning:
    """Hand-overs of a bot with ample ports see Erlang C on (1 - p) lambda."""

    def test_p_wait_is_erlang_c_of_the_hand_overs(self, engine: str) -> None:
        values = thinning_values(engine)["p_wait"]
        assert_within_se(values, THINNED.p_wait, label=f"{engine} P(wait)")
        assert 4 * mean_and_se(values)[1] <= allowed_four_se(THINNED.p_wait, probability=True)

    def test_asa_is_erlang_c_of_the_hand_overs(self, engine: str) -> None:
        values = thinning_values(engine)["asa"]
        assert_within_se(values, THINNED.asa_s, label=f"{engine} ASA")
        assert 4 * mean_and_se(values)[1] <= allowed_four_se(THINNED.asa_s, probability=False)

    def test_containment_is_the_resolved_share(self, engine: str) -> None:
        assert_within_se(thinning_values(engine)["containment"], RESOLVE_SHARE)

    def test_erlang_c_on_the_full_rate_is_rejected(self, engine: str) -> None:
        """Erlang C on lambda (the bot ignored, 60 Erlangs on 40 agents: every call waits,
        without end) and on a bot resolving 2 points less are both more than 4 SE away."""
        mean, se = mean_and_se(thinning_values(engine)["p_wait"])
        full = erlang_c(
            calls_per_hour=CALLS_PER_HOUR, aht_s=AHT_S, agents=AGENTS, threshold_s=THRESHOLD_S
        )
        less = erlang_c(
            calls_per_hour=(1.0 - RESOLVE_SHARE + 0.02) * CALLS_PER_HOUR,
            aht_s=AHT_S,
            agents=AGENTS,
            threshold_s=THRESHOLD_S,
        )
        assert abs(mean - full.p_wait) > 4 * se
        assert abs(mean - less.p_wait) > 4 * se

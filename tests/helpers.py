"""Test helpers: paths, scenario builders and statistical assertions.

Statistical tolerances come from standard errors of independent replications, never from tuning.
``CCSIM_STAT_REPS`` scales the replications of statistical tests (default 1: the CI size).
"""

from __future__ import annotations

import io
import math
import os
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import ArrayLike

from sim.cli import main
from sim.engines.base import (
    RECORD_KINDS,
    BotPath,
    CallRecords,
    Outcome,
    Records,
    RecordsT,
    ShiftRecords,
    Tallies,
    column_dtype,
)
from sim.scenario import Plan, Scenario, build_plan, scenario_from_dict
from sim.simulation import SimulationResult

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SCENARIOS = REPO / "scenarios"
PUBLIC_CASES = SHARED / "validation" / "public_cases.json"


def stat_reps(base: int) -> int:
    """Replications for a statistical test: ``base`` times the ``CCSIM_STAT_REPS`` scale."""
    return max(2, round(base * float(os.environ.get("CCSIM_STAT_REPS", "1"))))


STAFFING_DAY: dict[str, Any] = {
    "name": "staffing-day",
    "calendar": {"days": 1, "open": "08:00", "close": "10:00", "interval_minutes": 30},
    "service_level": {"threshold_s": 20, "target": 0.8},
    "call_types": {
        "calls": {
            "volume": {"per_interval": [60, 120, 150, 90]},
            "handle_time": {"dist": "lognormal", "mean_s": 240, "cv": 1.0},
            "patience": {"dist": "exponential", "mean_s": 180},
        }
    },
    "groups": {"agents": {"headcount": 10}},
}
"""Two hours of one queue staffed by headcount: the day the planning searches run on."""


DATED_WEEK: dict[str, Any] = {
    "name": "dated-week",
    "calendar": {
        "start_date": "2027-01-04",  # a Monday
        "days": 7,
        "open": "08:00",
        "close": "12:00",
        "hours": {"sat": ["09:00", "11:00"], "sun": "closed"},
        "interval_minutes": 30,
    },
    "call_types": {
        "calls": {
            "volume": {
                "daily": 120,
                "profile": [1, 1, 2, 2, 3, 3, 2, 2],
                "weekday_factors": {"mon": 1.5, "fri": 0.8, "sat": 1.2},
            },
            "handle_time": {"dist": "exponential", "mean_s": 420},
            "patience": {"dist": "exponential", "mean_s": 900},
            "redial": {"probability": 0.5, "delay_mean_s": 3600},
        },
    },
    "shifts": {
        "weekday": {"start": "08:00", "end": "12:00", "days": ["mon", "tue", "wed", "thu", "fri"]},
        "saturday": {"start": "09:00", "end": "11:00", "days": ["sat"]},
    },
    "groups": {"agents": {"shifts": {"weekday": 6, "saturday": 5}}},
}
"""Monday to Sunday of dates: Saturday 09:00-11:00 (its 144 calls in 2 hours overload its 5
agents, so calls still wait at 11:00), Sunday closed."""


def make_scenario(**sections: Any) -> Scenario:
    """Build a one-queue scenario in code; keyword arguments replace top-level sections."""
    raw: dict[str, Any] = {
        "name": "tiny",
        "calendar": {"open": "08:00", "close": "10:00", "interval_minutes": 30},
        "service_level": {"threshold_s": 20},
        "call_types": {
            "calls": {
                "volume": {"per_hour": 120},
                "handle_time": {"dist": "exponential", "mean_s": 180},
            }
        },
        "groups": {"agents": {"headcount": 8}},
    }
    raw.update(sections)
    return scenario_from_dict(raw)


def mean_and_se(values: ArrayLike) -> tuple[float, float]:
    """Return the mean of independent replication values (NaN ignored) and its standard error."""
    array = np.asarray(values, dtype=float)
    array = array[~np.isnan(array)]
    return float(array.mean()), float(array.std(ddof=1) / math.sqrt(len(array)))


def assert_within_se(
    values: ArrayLike, expected: float, *, k: float = 4.0, label: str = ""
) -> None:
    """Assert the mean of replication values is within ``k`` standard errors of ``expected``."""
    mean, se = mean_and_se(values)
    assert abs(mean - expected) <= k * se, (
        f"{label}: mean {mean:.6g} vs expected {expected:.6g}: "
        f"|diff| {abs(mean - expected):.3g} > {k} SE ({se:.3g})"
    )


RESOLUTION = 0.25
"""4 SE may be at most this share of a KPI's room to be wrong (the value of a wait; min(p, 1 - p)
of a probability), so that a comparison against theory can fail ..."""
PROBABILITY_FLOOR = 0.002
"""... or at most 0.2 percentage points of a probability, a difference no planner acts on."""


def allowed_four_se(expected: float, *, probability: bool) -> float:
    """Return the largest 4 SE at which comparing a KPI with ``expected`` still means something."""
    if probability:
        return max(RESOLUTION * min(expected, 1.0 - expected), PROBABILITY_FLOOR)
    return RESOLUTION * expected


def assert_same_records(expected: RecordsT, actual: RecordsT) -> None:
    """Assert two record sets are identical: every column, dtype and value (NaN equal to NaN)."""
    assert len(expected) == len(actual), (
        f"{type(expected).__name__}: {len(expected)} vs {len(actual)} rows"
    )
    for field in fields(expected):
        a, b = getattr(expected, field.name), getattr(actual, field.name)
        assert a.dtype == b.dtype, f"{field.name}: dtype {a.dtype} vs {b.dtype}"
        same = (
            np.equal(a, b) | (np.isnan(a) & np.isnan(b)) if a.dtype.kind == "f" else np.equal(a, b)
        )
        if not same.all():
            row = int(np.flatnonzero(~same)[0])
            pytest.fail(
                f"{type(expected).__name__}.{field.name} differs first at row {row}: "
                f"{a[row]!r} vs {b[row]!r}"
            )


def assert_same_tallies(expected: Tallies, actual: Tallies) -> None:
    """Assert two tallies agree: counts exactly, sums to a relative 1e-12."""
    assert np.array_equal(expected.call_counts, actual.call_counts)
    np.testing.assert_allclose(actual.call_sums, expected.call_sums, rtol=1e-12, atol=0)
    np.testing.assert_allclose(actual.agent_sums, expected.agent_sums, rtol=1e-12, atol=0)
    handled = expected.group_call("handled")
    assert np.array_equal(handled, actual.group_call("handled"))
    assert np.array_equal(handled, np.rint(handled))  # a count, kept as float64
    np.testing.assert_allclose(
        actual.group_call("handle_s"), expected.group_call("handle_s"), rtol=1e-12, atol=0
    )
    assert np.array_equal(expected.group_counts, actual.group_counts)
    assert np.array_equal(expected.email_counts, actual.email_counts)
    np.testing.assert_allclose(actual.email_ages, expected.email_ages, rtol=1e-12, atol=0)
    assert np.array_equal(expected.backlog, actual.backlog)


def assert_parity(simpy: SimulationResult, fast: SimulationResult) -> None:
    """Assert identical records of every kind, and tallies."""
    assert simpy.records is not None
    assert fast.records is not None
    assert len(simpy.records.calls) > 0
    for name in RECORD_KINDS:
        assert_same_records(getattr(simpy.records, name), getattr(fast.records, name))
    assert_same_tallies(simpy.tallies, fast.tallies)


SMALL_CENTRE_YAML = """\
name: small-centre
calendar: {open: "08:00", close: "10:00", interval_minutes: 30}
service_level: {threshold_s: 20, target: 0.8}
call_types:
  calls:
    volume: {per_hour: 240}
    handle_time: {dist: exponential, mean_s: 180}
    patience: {dist: exponential, mean_s: 150}
groups:
  agents: {headcount: 12}
"""
"""A two-hour day of one queue: quick in both engines, busy enough for waits and abandons."""


def write_experiment(folder: Path, body: str, scenario: str = SMALL_CENTRE_YAML) -> Path:
    """Write ``centre.yaml`` and an experiment file ``experiment.yaml`` on it; return the latter.

    ``body`` is the experiment file's text after its ``scenario: centre.yaml`` line.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "centre.yaml").write_text(scenario, encoding="utf-8")
    path = folder / "experiment.yaml"
    path.write_text("scenario: centre.yaml\n" + body, encoding="utf-8")
    return path


def assert_identical_tallies(expected: Tallies, actual: Tallies) -> None:
    """Assert two tallies are bit for bit the same (same shapes, dtypes and values)."""
    for field in fields(Tallies):
        a, b = getattr(expected, field.name), getattr(actual, field.name)
        assert a.dtype == b.dtype, f"{field.name}: dtype {a.dtype} vs {b.dtype}"
        assert a.shape == b.shape, f"{field.name}: shape {a.shape} vs {b.shape}"
        assert np.array_equal(a, b), f"{field.name}: values differ"


class Terminal(io.StringIO):
    """A text stream that claims to be a terminal."""

    def isatty(self) -> bool:
        """Pretend to be a TTY."""
        return True


def invoke(*args: str, stderr: io.StringIO | None = None) -> tuple[int, str, str]:
    """Run ``sim.cli.main`` in-process; return exit code, stdout and stderr."""
    out, err = io.StringIO(), stderr if stderr is not None else io.StringIO()
    code: Any = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as done:
            code = done.code
    return int(code or 0), out.getvalue(), err.getvalue()


TWO_DESKS: dict[str, Any] = {
    "name": "two-desks",
    "calendar": {"days": 1, "open": "08:00", "close": "10:00", "interval_minutes": 30},
    "service_level": {"threshold_s": 20, "target": 0.8},
    "tiers": {"standard": {"fcr": 0.9}},
    "call_types": {
        "billing": {
            "volume": {"per_hour": 120},
            "handle_time": {"dist": "exponential", "mean_s": 180},
            "patience": {"dist": "exponential", "mean_s": 300},
        },
        "support": {
            "volume": {"per_hour": 60},
            "handle_time": {"dist": "exponential", "mean_s": 240},
            "patience": {"dist": "exponential", "mean_s": 300},
        },
    },
    "groups": {
        "billing_desk": {"skills": {"billing": "standard"}, "headcount": 4, "wage_per_hour": 15},
        "support_desk": {"skills": {"support": "standard"}, "headcount": 3, "wage_per_hour": 18},
    },
    "costs": {"overhead": {"team_leaders": {"per": 8, "wage_per_hour": 20}}},
    "contract": {
        "price": [{"per": "handled_call", "unit_price": 3.0}],
        "targets": [
            {"kpi": "service_level", "threshold": 0.8},
            {"kpi": "answer_rate", "threshold": 0.9},
        ],
    },
}
"""Two desks for two call types, an hour each side of 09:00, with a contract of two targets."""


THREE_CHANNELS: dict[str, Any] = {
    "name": "three-channels",
    "calendar": {"open": "08:00", "close": "10:00", "interval_minutes": 30, "at_close": "drain"},
    "service_level": {"threshold_s": 20, "target": 0.8},
    "call_types": {
        "phone": {
            "volume": {"per_hour": 40},
            "handle_time": {"dist": "exponential", "mean_s": 180, "acw_s": 20},
            "patience": {"dist": "exponential", "mean_s": 200},
        },
        "chat": {
            "channel": "chat",
            "volume": {"per_hour": 70},
            "handle_time": {"dist": "exponential", "mean_s": 240},
            "patience": {"dist": "exponential", "mean_s": 300},
        },
        "mail": {
            "channel": "email",
            "volume": {"per_hour": 4},
            "handle_time": {"dist": "exponential", "mean_s": 300},
            "response_target": {"within_h": 4, "share": 0.8},
        },
    },
    "groups": {
        "desk": {
            "skills": {"phone": "standard", "chat": "standard", "mail": "standard"},
            "headcount": 3,
            "max_concurrent": {"chat": 2},
            "voice_while_chatting": True,
        },
        "chatters": {"skills": {"chat": "standard"}, "headcount": 2, "max_concurrent": {"chat": 3}},
        "office": {"skills": {"mail": "standard", "phone": "standard"}, "headcount": 1},
    },
}
"""Two hours of phone calls, chats and email: a desk takes all three (voice while chatting), a
chat team chats, an office agent takes email and calls; the night's email waits at opening."""


CHAT_OPEN_AT = 8 * 3600.0
"""08:00, the opening of :func:`chat_plan`, seconds."""


def chat_plan() -> Plan:
    """08:00-09:00 in two 30-minute intervals: chats (type 0) and calls (type 1), two groups.

    ``team`` takes chats, up to 3 at once; ``desk`` takes calls only.
    """
    calls = {"volume": {"per_hour": 10}, "handle_time": {"dist": "exponential", "mean_s": 60}}
    return build_plan(
        scenario_from_dict(
            {
                "name": "chat-kpis",
                "calendar": {"open": "08:00", "close": "09:00", "interval_minutes": 30},
                "call_types": {"chat": {**calls, "channel": "chat"}, "calls": calls},
                "groups": {
                    "team": {
                        "skills": {"chat": "standard", "calls": "standard"},
                        "headcount": 1,
                        "max_concurrent": {"chat": 3},
                        "voice_while_chatting": True,
                    },
                    "desk": {"skills": {"calls": "standard"}, "headcount": 1},
                },
            }
        )
    )


def answered_contact(
    call_type: int, answered_s: float, handle_s: float, agent: int = 0
) -> dict[str, Any]:
    """An answered contact of :func:`chat_plan`'s agent 0 (group team) or 1 (desk), answered on
    arrival ``answered_s`` after 08:00 (types: 0 chat, 1 calls)."""
    at = CHAT_OPEN_AT + answered_s
    return {
        "call_type": call_type,
        "entered_at": at,
        "arrived_at": at,
        "answered_at": at,
        "left_at": at + handle_s,
        "ended_at": at + handle_s,
        "group": agent,
        "agent": agent,
        "handle_s": handle_s,
    }


def contact_records(contacts: list[dict[str, Any]], *, shifts: bool = False) -> Records:
    """Records of replication 0 with these answered contacts (and both agents' 1-h shifts
    from 08:00, with ``shifts``)."""
    fixed = {
        "rep": 0,
        "bot_path": int(BotPath.NONE),
        "day": 0,
        "interval": 0,
        "origin": 0,
        "outcome": int(Outcome.ANSWERED),
        "tier": 0,
    }
    rows = [
        {**fixed, "call_id": i, "patience_s": math.inf, "redial_given_up": 0, "repeat_given_up": 0}
        | contact
        for i, contact in enumerate(contacts)
    ]
    kinds: dict[str, Any] = {
        name: kind(**{f: np.empty(0, dtype=column_dtype(kind, f)) for f in _field_names(kind)})
        for name, kind in RECORD_KINDS.items()
    }
    kinds["calls"] = CallRecords(
        **{
            f: np.array([r[f] for r in rows], dtype=column_dtype(CallRecords, f))
            for f in _field_names(CallRecords)
        }
    )
    if shifts:
        on, off = np.full(2, CHAT_OPEN_AT), np.full(2, CHAT_OPEN_AT + 3600.0)
        kinds["shifts"] = ShiftRecords(
            rep=np.zeros(2, dtype=np.int32),
            agent=np.arange(2, dtype=np.int32),
            group=np.arange(2, dtype=np.int16),
            on_at=on,
            off_at=off,
            scheduled_off_at=off,
        )
    return Records(**kinds)


def _field_names(kind: type) -> list[str]:
    return [f.name for f in fields(kind)]

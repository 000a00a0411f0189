"""Bad chat input gives one line naming the file, the field, the problem and the bad value.

Concurrency below 1 or above the limit, slow-down factors short of the levels (or more than the
limit), lines on chats, and chats in groups that cannot take them: one line and exit code 2 from
the CLI.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

from sim.errors import ScenarioError
from sim.scenario import build_plan, load_scenario, scenario_from_dict
from sim.scenario.limits import MAX_CONCURRENT, MAX_SLOWDOWN

Raw = dict[str, Any]

BASE: Raw = {
    "name": "bad-chat",
    "calendar": {"open": "08:00", "close": "10:00", "interval_minutes": 30},
    "call_types": {
        "chat": {
            "channel": "chat",
            "volume": {"per_hour": 120},
            "handle_time": {"dist": "exponential", "mean_s": 180},
        }
    },
    "groups": {
        "agents": {
            "headcount": 8,
            "max_concurrent": {"chat": 3},
            "chat_slowdown": [1.0, 1.2, 1.4],
        }
    },
}


def _agents(raw: Raw) -> Raw:
    group: Raw = raw["groups"]["agents"]
    return group


def _blended(raw: Raw) -> None:
    raw["groups"]["dialers"] = {
        "role": "blended",
        "skills": {"chat": "standard"},
        "headcount": 2,
        "outbound": {
            "attempt_s": 30,
            "contact_probability": 0.3,
            "talk": {"dist": "exponential", "mean_s": 60},
        },
        "switch": {"to_inbound": {"queue_at_least": 2}, "to_outbound": {"queue_at_most": 0}},
    }
    _agents(raw)["skills"] = {"chat": "standard"}


class Case(NamedTuple):
    """A bad chat scenario: how to spoil the base, and what the error must name."""

    id: str
    spoil: Callable[[Raw], Any]
    path: str
    got: str


def _no_chat_group(raw: Raw) -> None:
    raw["call_types"]["calls"] = {
        "volume": {"per_hour": 60},
        "handle_time": {"dist": "exponential", "mean_s": 180},
    }
    _agents(raw)["skills"] = {"calls": "standard"}


CASES = [
    Case(
        "concurrency_zero",
        lambda r: _agents(r)["max_concurrent"].update(chat=0),
        "groups.agents.max_concurrent.chat",
        f"must be a whole number from 1 to {MAX_CONCURRENT} (got 0)",
    ),
    Case(
        "concurrency_negative",
        lambda r: _agents(r)["max_concurrent"].update(chat=-2),
        "groups.agents.max_concurrent.chat",
        "(got -2)",
    ),
    Case(
        "concurrency_above_the_limit",
        lambda r: _agents(r)["max_concurrent"].update(chat=MAX_CONCURRENT + 1),
        "groups.agents.max_concurrent.chat",
        f"(got {MAX_CONCURRENT + 1})",
    ),
    Case(
        "concurrency_not_whole",
        lambda r: _agents(r)["max_concurrent"].update(chat=1.5),
        "groups.agents.max_concurrent.chat",
        "(got 1.5)",
    ),
    Case(
        "voice_concurrency",
        lambda r: _agents(r)["max_concurrent"].update(voice=2),
        "groups.agents.max_concurrent.voice",
        "must be 1: an agent holds one voice contact at a time (got 2)",
    ),
    Case(
        "unknown_channel",
        lambda r: _agents(r)["max_concurrent"].update(fax=2),
        "groups.agents.max_concurrent.fax",
        "(got 'fax')",
    ),
    Case(
        "slowdown_shorter_than_the_levels",
        lambda r: _agents(r).update(chat_slowdown=[1.0, 1.3]),
        "groups.agents.chat_slowdown",
        "one factor per number of sessions 1..3 (max_concurrent.chat) and at most 10 in all "
        "(got 2: [1.0, 1.3])",
    ),
    Case(
        "slowdown_longer_than_the_limit",
        lambda r: _agents(r).update(chat_slowdown=[1.0] * 11),
        "groups.agents.chat_slowdown",
        "and at most 10 in all (got 11: [1.0,",
    ),
    Case(
        "slowdown_factor_zero",
        lambda r: _agents(r).update(chat_slowdown=[1.0, 0.0, 1.2]),
        "groups.agents.chat_slowdown[1]",
        "must be a number > 0 and at most 10 (got 0.0)",
    ),
    Case(
        "slowdown_factor_above_the_limit",
        lambda r: _agents(r).update(chat_slowdown=[1.0, 1.5, MAX_SLOWDOWN + 1]),
        "groups.agents.chat_slowdown[2]",
        f"(got {MAX_SLOWDOWN + 1})",
    ),
    Case(
        "lines_on_a_chat",
        lambda r: r["call_types"]["chat"].update(lines=5),
        "call_types.chat.lines",
        "lines are for voice calls; a chat needs none (got 5)",
    ),
    Case(
        "centre_lines_with_chats",
        lambda r: r.update(lines=5),
        "lines",
        "(got 5, chats chat)",
    ),
    Case(
        "chat_that_no_group_serves",
        _no_chat_group,
        "call_types.chat",
        "no group has the skill (got no group with chat in its skills)",
    ),
    Case(
        "chat_in_a_blended_group",
        _blended,
        "groups.dialers.skills.chat",
        "a group of role blended may not take chats (got 'chat')",
    ),
    Case(
        "chat_in_a_hold_count_group",
        lambda r: _agents(r).update(staffing_drop="hold_count"),
        "groups.agents.staffing_drop",
        "hold_count is for voice groups; the group takes chats (got 'chat')",
    ),
]


def _write(folder: Path, raw: Raw) -> Path:
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


class TestChatFieldErrors:
    """Each bad chat field names its path and the bad value, in one line, exit code 2."""

    def test_base_is_valid(self, tmp_path: Path) -> None:
        """The unspoilt base loads, so every case fails for its own reason."""
        scenario = load_scenario(_write(tmp_path, BASE))
        expected = 3
        assert expected == scenario.groups["agents"].max_chats

    @pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
    def test_error_names_path_and_value(self, tmp_path: Path, case: Case) -> None:
        """Loading gives ``FILE: PATH: message`` with the bad value in the message."""
        raw = copy.deepcopy(BASE)
        case.spoil(raw)
        file = _write(tmp_path, raw)
        with pytest.raises(ScenarioError) as caught:
            load_scenario(file)
        error = caught.value
        assert "\n" not in str(error)
        assert (str(file), case.path) == (error.file, error.path)
        assert str(error).startswith(f"{file}: {case.path}: ")
        assert case.got in error.message

    @pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
    def test_cli_one_line_and_exit_code_2(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: Case
    ) -> None:
        """``ccsim run`` exits 2 with one ``error: FILE: PATH: ...`` line and no traceback."""
        from sim.cli import main

        raw = copy.deepcopy(BASE)
        case.spoil(raw)
        file = _write(tmp_path, raw)
        with pytest.raises(SystemExit) as exited:
            main(["run", str(file), "--reps", "1", "--quiet"])
        out, err = capsys.readouterr()
        expected = (2, "", 1)
        assert expected == (exited.value.code, out, len(err.splitlines()))
        assert err.startswith(f"error: {file}: {case.path}: ")
        assert "Traceback" not in err


def test_factors_past_the_levels_are_accepted_and_unused() -> None:
    """A what-if on ``max_concurrent.chat`` keeps one slow-down list: extra factors wait unused."""
    raw = copy.deepcopy(BASE)
    _agents(raw)["chat_slowdown"] = [1.0, 1.2, 1.4, 1.7]
    plan = build_plan(scenario_from_dict(raw))
    assert plan.group_chat_slowdown[0].tolist() == [1.0, 1.2, 1.4] + [1.0] * (MAX_CONCURRENT - 3)

"""Bad email input: one line naming the file, the field, the problem and the bad value; exit 2.

Each case spoils a valid scenario with a voice line and an email type; every case is checked
through the loader (the exact field path and the bad value) and through ``ccsim run`` (exit code
2, one ``error:`` line on stderr, nothing on stdout).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml
from helpers import invoke

from sim.errors import ScenarioError
from sim.scenario import load_scenario

Raw = dict[str, Any]

BASE: Raw = {
    "name": "mail",
    "calendar": {"days": 2, "open": "08:00", "close": "12:00", "interval_minutes": 30},
    "call_types": {
        "phone": {
            "volume": {"per_hour": 30},
            "handle_time": {"dist": "exponential", "mean_s": 180},
            "patience": {"dist": "exponential", "mean_s": 120},
        },
        "mail": {
            "channel": "email",
            "volume": {"daily": 48},
            "handle_time": {"dist": "exponential", "mean_s": 300},
            "response_target": {"within_h": 24, "share": 0.9},
        },
    },
    "groups": {
        "team": {"skills": {"phone": "standard", "mail": "standard"}, "headcount": 3},
        "office": {"skills": {"mail": "standard"}, "headcount": 1},
    },
}


class Case(NamedTuple):
    """A bad scenario: how to spoil the base, and what the error must name."""

    id: str
    spoil: Callable[[Raw], Any]
    path: str
    got: str


def _mail(raw: Raw) -> Raw:
    mail: Raw = raw["call_types"]["mail"]
    return mail


CASES = [
    Case(
        "target_longer_than_the_horizon",
        lambda r: _mail(r)["response_target"].update(within_h=49),
        "call_types.mail.response_target.within_h",
        "longer than the horizon of 48 h (got 49)",
    ),
    Case(
        "target_longer_than_a_steady_horizon",
        lambda r: (
            r.pop("calendar"),
            r.update(steady_state={"horizon_h": 10}),
            _mail(r).update(volume={"per_hour": 2}),
            r["call_types"]["phone"].pop("patience"),
            _mail(r)["response_target"].update(within_h=12),
        ),
        "call_types.mail.response_target.within_h",
        "longer than the horizon of 10 h (got 12)",
    ),
    Case(
        "target_not_positive",
        lambda r: _mail(r)["response_target"].update(within_h=0),
        "call_types.mail.response_target.within_h",
        "(got 0)",
    ),
    Case(
        "patience_on_email",
        lambda r: _mail(r).update(patience={"dist": "exponential", "mean_s": 3600}),
        "call_types.mail.patience",
        "email items never abandon (got dist 'exponential')",
    ),
    Case(
        "redial_on_email",
        lambda r: _mail(r).update(redial={"probability": 0.5, "delay_mean_s": 600}),
        "call_types.mail.redial",
        "email items never redial",
    ),
    Case(
        "lines_on_email",
        lambda r: _mail(r).update(lines=5),
        "call_types.mail.lines",
        "email items hold no line (got 5)",
    ),
    Case(
        "bot_on_email",
        lambda r: _mail(r).update(
            bot={"resolve_share": 0.3, "time": {"dist": "exponential", "mean_s": 60}}
        ),
        "call_types.mail.bot",
        "not through a bot (got a bot section)",
    ),
    Case(
        "no_group_serves_email",
        lambda r: (
            [g["skills"].pop("mail") for g in r["groups"].values()] and r["groups"].pop("office")
        ),
        "call_types.mail",
        "no group has the skill (got no group with mail in its skills)",
    ),
    Case(
        "open_hours_volume_on_email",
        lambda r: _mail(r).update(volume={"per_interval": [1] * 8}),
        "call_types.mail.volume.per_interval",
        "email arrives around the clock",
    ),
    Case(
        "profile_on_email",
        lambda r: _mail(r)["volume"].update(profile=[1] * 8),
        "call_types.mail.volume.profile",
        "email arrives around the clock",
    ),
    Case(
        "hourly_needs_24_weights",
        lambda r: _mail(r)["volume"].update(hourly=[1] * 8),
        "call_types.mail.volume.hourly",
        "one weight per clock hour: 24 (got 8)",
    ),
    Case(
        "hourly_on_voice",
        lambda r: r["call_types"]["phone"].update(volume={"daily": 100, "hourly": [1] * 24}),
        "call_types.phone.volume.hourly",
        "is for email call types (got channel voice)",
    ),
    Case(
        "target_on_voice",
        lambda r: r["call_types"]["phone"].update(response_target={"within_h": 1}),
        "call_types.phone.response_target",
        "(got channel voice)",
    ),
    Case(
        "overflow_delay_on_email",
        lambda r: _mail(r).update(routing=["office", {"group": "team", "after_s": 60}]),
        "call_types.mail.routing[1].after_s",
        "at once (got after_s 60)",
    ),
    Case(
        "email_in_a_blended_group",
        lambda r: r["groups"]["office"].update(
            role="blended",
            outbound={
                "attempt_s": 20,
                "contact_probability": 0.3,
                "talk": {"dist": "exponential", "mean_s": 120},
            },
            switch={"to_inbound": {"queue_at_least": 3}, "to_outbound": {"queue_at_most": 0}},
        ),
        "groups.office.role",
        "(got role blended with skills mail)",
    ),
    Case(
        "centre_lines_with_email",
        lambda r: r.update(lines=20),
        "lines",
        "not supported yet (got 20)",
    ),
]


def _write(folder: Path, raw: Raw) -> Path:
    path = folder / "bad.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def _spoilt(folder: Path, case: Case) -> Path:
    raw = copy.deepcopy(BASE)
    case.spoil(raw)
    return _write(folder, raw)


def test_base_is_valid(tmp_path: Path) -> None:
    """The unspoilt base loads, so every case fails for its own reason."""
    scenario = load_scenario(_write(tmp_path, BASE))
    assert [c.channel for c in scenario.call_types.values()] == ["voice", "email"]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_error_names_path_and_value(tmp_path: Path, case: Case) -> None:
    """One line: the file, the field path and a message with the bad value."""
    file = _spoilt(tmp_path, case)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(file)
    error = caught.value
    assert "\n" not in str(error)
    assert (error.file, error.path) == (str(file), case.path)
    assert str(error).startswith(f"{file}: {case.path}: ")
    assert case.got in error.message


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_cli_exit_code_2(tmp_path: Path, case: Case) -> None:
    """``ccsim run`` exits with 2 and one ``error:`` line, without a traceback."""
    file = _spoilt(tmp_path, case)
    code, out, err = invoke("run", str(file), "--reps", "2", "--no-plots", "--out", str(tmp_path))
    assert (code, out, len(err.splitlines())) == (2, "", 1)
    assert err.startswith(f"error: {file}: {case.path}: ")
    assert "Traceback" not in err

"""Interval requirements with chat call types: sized apart, for agents holding sessions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from helpers import invoke

from sim.analytic import agents_required
from sim.analytic.channels import chat_agents_required
from sim.errors import UsageError
from sim.planning import ChatSizing, ServiceGoal, interval_requirements, read_forecast

FORECAST = """interval_start,call_type,volume,aht_s
08:00,orders,60,240
08:00,support,30,300
08:00,chat,120,420
08:30,orders,90,240
08:30,support,45,300
08:30,chat,0,420
"""
GOAL = ServiceGoal(target=0.8, threshold_s=30.0)
CHAT = ChatSizing(call_types=("chat",), max_concurrent=3, slowdown=(1.0, 1.2, 1.4))


@pytest.fixture
def forecast_path(tmp_path: Path) -> Path:
    path = tmp_path / "forecast.csv"
    path.write_text(FORECAST, encoding="utf-8")
    return path


def test_chats_are_pooled_apart_and_sized_for_sessions(forecast_path: Path) -> None:
    frame = interval_requirements(read_forecast(forecast_path), GOAL, chat=CHAT)
    rows = {(r.interval_start, r.call_type): r for r in frame.itertuples()}
    assert sorted(rows) == [
        ("08:00", "all"),
        ("08:00", "chat"),
        ("08:30", "all"),
        ("08:30", "chat"),
    ]
    chat = chat_agents_required(
        chats_per_hour=240,
        session_s=420,
        max_concurrent=3,
        slowdown=[1.0, 1.2, 1.4],
        threshold_s=30,
        target=0.8,
    )
    assert rows[("08:00", "chat")].on_phones == chat.agents
    assert rows[("08:30", "chat")].on_phones == 0
    voice_aht_s = (60 * 240 + 30 * 300) / 90
    voice = agents_required(calls_per_hour=180, aht_s=voice_aht_s, threshold_s=30, target=0.8)
    assert rows[("08:00", "all")].volume == 90
    assert rows[("08:00", "all")].on_phones == voice.agents


def test_by_call_type_keeps_each_chat_type_apart(forecast_path: Path) -> None:
    frame = interval_requirements(read_forecast(forecast_path), GOAL, by_call_type=True, chat=CHAT)
    assert list(pd.unique(frame["call_type"])) == ["orders", "support", "chat"]


def test_without_chats_the_voice_pool_is_unchanged(forecast_path: Path) -> None:
    forecast = read_forecast(forecast_path)
    plain = interval_requirements(forecast, GOAL)
    none = interval_requirements(forecast, GOAL, chat=ChatSizing(call_types=()))
    pd.testing.assert_frame_equal(plain, none)
    assert list(pd.unique(plain["call_type"])) == ["all"]


def test_an_unknown_chat_type_is_refused(forecast_path: Path) -> None:
    with pytest.raises(UsageError, match="chat call type 'web' is not in the forecast"):
        interval_requirements(
            read_forecast(forecast_path), GOAL, chat=ChatSizing(call_types=("web",))
        )


def test_cli_writes_the_chat_rows(forecast_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "requirements.csv"
    code, stdout, _ = invoke(
        "plan",
        "requirements",
        str(forecast_path),
        "--target",
        "0.8",
        "--threshold-s",
        "30",
        "--chat-types",
        "chat",
        "--max-concurrent",
        "3",
        "--slowdown",
        "1,1.2,1.4",
        "--out",
        str(out),
    )
    assert code == 0
    written = pd.read_csv(out)
    assert set(written["call_type"]) == {"all", "chat"}
    assert " chat " in stdout


def test_cli_unknown_chat_type_is_one_line_exit_2(forecast_path: Path, tmp_path: Path) -> None:
    code, _, stderr = invoke(
        "plan",
        "requirements",
        str(forecast_path),
        "--target",
        "0.8",
        "--chat-types",
        "web",
        "--out",
        str(tmp_path / "r.csv"),
    )
    assert code == 2
    assert len(stderr.strip().splitlines()) == 1
    assert "chat call type 'web' is not in the forecast" in stderr
    assert not (tmp_path / "r.csv").exists()

"""``ccsim estimate``: the formulas reach the console and JSON; bad input is one line, exit 2."""

from __future__ import annotations

import json

import pytest
from helpers import invoke

from sim.analytic.channels import chat_agents_required, email_agents_to_clear


def test_chat_estimate_prints_the_formula_answer() -> None:
    code, out, _ = invoke(
        "estimate",
        "chat",
        "--chats-per-hour",
        "300",
        "--session-s",
        "600",
        "--max-concurrent",
        "3",
        "--slowdown",
        "1,1.2,1.5",
        "--target",
        "0.8",
        "--threshold-s",
        "60",
        "--json",
    )
    assert code == 0
    values = json.loads(out)
    expected = chat_agents_required(
        chats_per_hour=300,
        session_s=600,
        max_concurrent=3,
        slowdown=[1.0, 1.2, 1.5],
        threshold_s=60,
        target=0.8,
    )
    assert values["agents"] == expected.agents
    assert values["slots"] == 3 * expected.agents
    assert values["session_at_full_load_s"] == pytest.approx(900.0)


def test_email_estimate_prints_agents_and_workload() -> None:
    code, out, _ = invoke(
        "estimate",
        "email",
        "--items-per-hour",
        "40",
        "--backlog",
        "200",
        "--aht-s",
        "360",
        "--within-h",
        "4",
    )
    assert code == 0
    expected = email_agents_to_clear(backlog_items=200, items_per_hour=40, aht_s=360, within_h=4)
    assert f"agents  {expected}" in out
    assert "workload_h_within_target  36" in out


def test_promotion_estimate_prints_receptions_and_agents() -> None:
    code, out, _ = invoke(
        "estimate",
        "promotion",
        "--sales",
        "2000000",
        "--order-value",
        "250",
        "--conversion",
        "0.25",
        "--per-agent",
        "160",
        "--json",
    )
    assert code == 0
    assert json.loads(out) == {"orders": 8000.0, "receptions": 32000.0, "agents": 200}


@pytest.mark.parametrize(
    ("slowdown", "message"),
    [
        ("1,x", "give numbers separated by commas (got '1,x')"),
        ("1,1.2", "slowdown must give a factor for each of 1..3 sessions (got 2 factors)"),
        ("1,0,2", "slowdown factor must be a finite number > 0 (got 0.0)"),
    ],
)
def test_bad_slowdown_is_one_line_exit_2(slowdown: str, message: str) -> None:
    code, out, err = invoke(
        "estimate",
        "chat",
        "--chats-per-hour",
        "300",
        "--session-s",
        "600",
        "--max-concurrent",
        "3",
        "--slowdown",
        slowdown,
        "--target",
        "0.8",
    )
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err

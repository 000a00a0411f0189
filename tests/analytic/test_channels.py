"""Quick estimates for chat, email and promotions: definitions, minimality and bad input."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.analytic import agents_required, erlang_c
from sim.analytic.channels import (
    chat_agents_required,
    email_agents_to_clear,
    email_workload_h,
    promotion_estimate,
)
from sim.errors import UsageError


def test_chat_with_one_session_is_erlang_c() -> None:
    chat = chat_agents_required(
        chats_per_hour=240,
        session_s=420,
        max_concurrent=1,
        slowdown=None,
        threshold_s=60,
        target=0.8,
    )
    voice = agents_required(calls_per_hour=240, aht_s=420, threshold_s=60, target=0.8)
    assert chat.agents == voice.agents == chat.slots
    assert chat.kpis == voice.kpis


def test_chat_agents_are_the_fewest_whose_slots_meet_the_target() -> None:
    chat = chat_agents_required(
        chats_per_hour=300,
        session_s=600,
        max_concurrent=3,
        slowdown=[1.0, 1.2, 1.5],
        threshold_s=60,
        target=0.8,
    )
    assert chat.session_s == pytest.approx(900.0)
    assert chat.slots == 3 * chat.agents
    assert chat.kpis.service_level >= 0.8
    fewer = erlang_c(calls_per_hour=300, aht_s=900, agents=3 * (chat.agents - 1), threshold_s=60)
    assert fewer.service_level < 0.8


def test_chat_slowdown_must_cover_every_level() -> None:
    with pytest.raises(UsageError, match=r"1\.\.3 sessions"):
        chat_agents_required(
            chats_per_hour=100,
            session_s=600,
            max_concurrent=3,
            slowdown=[1.0, 1.2],
            threshold_s=60,
            target=0.8,
        )


def test_email_workload_is_items_times_handle_time() -> None:
    assert email_workload_h(items=120, aht_s=300) == pytest.approx(10.0)


@given(
    backlog=st.floats(0, 5000),
    rate=st.floats(0, 500),
    aht_s=st.floats(30, 3600),
    within_h=st.floats(0.5, 48),
)
def test_email_agents_clear_the_backlog_in_time_and_one_fewer_do_not(
    backlog: float, rate: float, aht_s: float, within_h: float
) -> None:
    agents = email_agents_to_clear(
        backlog_items=backlog, items_per_hour=rate, aht_s=aht_s, within_h=within_h
    )

    def clears_in_h(n: int) -> float:
        spare_per_h = n * 3600 / aht_s - rate
        if backlog == 0:
            return 0.0 if spare_per_h >= 0 else math.inf
        return backlog / spare_per_h if spare_per_h > 0 else math.inf

    assert clears_in_h(agents) <= within_h * (1 + 1e-9)
    if agents > 1:
        assert clears_in_h(agents - 1) > within_h * (1 - 1e-9)


def test_promotion_formula() -> None:
    estimate = promotion_estimate(
        sales=2_000_000, average_order_value=250, conversion=0.25, receptions_per_agent_per_day=160
    )
    assert estimate.orders == pytest.approx(8000)
    assert estimate.receptions == pytest.approx(32000)
    assert estimate.agents == 200


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("conversion", 1.5, "conversion must lie strictly between 0 and 1"),
        ("average_order_value", 0, "average_order_value must be a finite number > 0"),
        ("receptions_per_agent_per_day", -1, "receptions_per_agent_per_day must be"),
    ],
)
def test_promotion_bad_input(field: str, value: float, message: str) -> None:
    arguments = {
        "sales": 1000.0,
        "average_order_value": 50.0,
        "conversion": 0.3,
        "receptions_per_agent_per_day": 100.0,
        field: value,
    }
    with pytest.raises(UsageError, match=message):
        promotion_estimate(**arguments)

"""Agents of the SimPy engine: where each one is in their shift."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from sim.engines.base import OutboundOutcome


class State(Enum):
    """Where an agent is."""

    OFF = "off"
    IDLE = "idle"
    BUSY = "busy"  # on an inbound call (talk and after-call work)
    ON_BREAK = "on break"
    OUTBOUND = "outbound"  # on an outbound attempt (dial, talk and wrap-up)
    OFF_PHONE = "off phone"  # a reserve on duty who is not activated
    CHAT = "chatting"  # holding chat sessions, not on a voice call


WORKING = (State.BUSY, State.OUTBOUND, State.CHAT)
"""States of an agent who has work in hand (a call, an attempt or chat sessions)."""


class Leaving(Enum):
    """What a busy agent does when the current call ends."""

    STAYS = "stays"  # on shift: take the next call
    AFTER_CALL = "after call"  # shift over: leave
    WHEN_QUEUE_EMPTY = "when queue empty"  # closing with drain: serve until nobody waits


@dataclass(eq=False)
class Attempt:
    """An outbound attempt in progress."""

    start_at: float
    outcome: OutboundOutcome
    talk_s: float


@dataclass(eq=False)
class Agent:
    """One agent and where they are in their shift."""

    index: int
    group: int
    state: State = State.OFF
    leaving: Leaving = Leaving.STAYS
    on_at: float = math.nan
    scheduled_off_at: float = math.nan
    break_due_s: float = 0.0  # length of a break that fell due during a call
    break_due_end_at: float = math.nan
    break_started_at: float = math.nan
    break_token: int = 0
    attempt: Attempt | None = None
    attempt_token: int = 0
    active: bool = False  # a reserve on the phones
    activated_at: float = math.nan
    off_phone_since: float = math.nan
    sessions: int = 0  # chat sessions held (also while on a voice call)
    since: int = 0  # order in which agents reached their current sessions (chat routing)

"""Seed tree: one independent random stream per (seed, replication, purpose, index).

Replication ``r`` draws only from streams keyed by ``(seed, r, purpose, index)``, so its numbers
do not depend on how many replications run, in which order, or on how many threads or workers.
``SeedSequence(seed, spawn_key=(r, purpose, index))`` is exactly the grandchild that
``SeedSequence(seed).spawn(...)[r].spawn(...)[purpose]...`` would give, built directly.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Purpose(IntEnum):
    """What a stream is used for; the integer is part of the stream's key and never changes."""

    ARRIVALS = 0
    HANDLE = 1
    PATIENCE = 2
    REDIAL_DECISION = 3
    REDIAL_DELAY = 4
    REPEAT_DECISION = 5
    REPEAT_DELAY = 6
    DAY_VOLUME = 7
    ABSENCE = 8
    OUTBOUND_CONTACT = 9  # index: the blended group; one uniform per outbound attempt
    OUTBOUND_TALK = 10  # index: the blended group; one standard variate per contact
    BOT_TIME = 11  # per call: one standard variate per contact entering the bot
    BOT_OUTCOME = 12  # per call: one uniform per contact entering the bot


# Per-call streams, in the order of the fast engine's draw blocks (the bot's come last, so a
# plan without a bot lays out its blocks as before).
CALL_PURPOSES = (
    Purpose.ARRIVALS,
    Purpose.HANDLE,
    Purpose.PATIENCE,
    Purpose.REDIAL_DECISION,
    Purpose.REDIAL_DELAY,
    Purpose.REPEAT_DECISION,
    Purpose.REPEAT_DELAY,
    Purpose.BOT_TIME,
    Purpose.BOT_OUTCOME,
)


def stream(seed: int, rep: int, purpose: Purpose, index: int = 0) -> np.random.Generator:
    """Return the generator of one named stream.

    Parameters
    ----------
    seed : int
        Run seed (non-negative).
    rep : int
        Replication number, from 0.
    purpose : Purpose
        What the draws are for.
    index : int
        Sub-stream: for per-call purposes, the call type ``k`` for fresh calls and
        ``n_call_types + k`` for redials and repeat calls, so that secondary calls (whose number
        depends on staffing) never shift the draws of fresh calls.

    Returns
    -------
    numpy.random.Generator
        A PCG64 generator owned by this stream alone.
    """
    sequence = np.random.SeedSequence(seed, spawn_key=(rep, int(purpose), index))
    return np.random.Generator(np.random.PCG64(sequence))


def call_streams(
    seed: int, rep: int, purpose: Purpose, n_call_types: int
) -> tuple[np.random.Generator, ...]:
    """Return the ``2 * n_call_types`` streams of one per-call purpose (fresh, then secondary)."""
    return tuple(stream(seed, rep, purpose, index) for index in range(2 * n_call_types))

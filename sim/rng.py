"""Seed tree: one independent random stream per (seed, replication, purpose, index).

Replication ``r`` draws only from streams keyed by ``(seed, r, purpose, index)``, so its numbers
do not depend on how many replications run, in which order, or on how many threads or workers.
``SeedSequence(seed, spawn_key=(r, purpose, index))`` is exactly the grandchild that
``SeedSequence(seed).spawn(...)[r].spawn(...)[purpose]...`` would give, built directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np


class Purpose(IntEnum):
    """What a stream is used for; the integer is part of the stream's key and never changes."""

    ARRIVALS = 0
    HANDLE = 1
    PATIENCE = 2


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
        Sub-stream, e.g. the call type's position in the scenario.

    Returns
    -------
    numpy.random.Generator
        A PCG64 generator owned by this stream alone.
    """
    sequence = np.random.SeedSequence(seed, spawn_key=(rep, int(purpose), index))
    return np.random.Generator(np.random.PCG64(sequence))


@dataclass(frozen=True)
class ReplicationStreams:
    """The per-call streams of one replication, one generator per call type and purpose.

    Attributes
    ----------
    arrivals : tuple of numpy.random.Generator
        Unit-exponential draws that space the arrivals of each call type.
    handle : tuple of numpy.random.Generator
        Base handle (talk) time draws, one per call, in the call type's arrival order.
    patience : tuple of numpy.random.Generator
        Patience draws, one per call, in the call type's arrival order.
    """

    arrivals: tuple[np.random.Generator, ...]
    handle: tuple[np.random.Generator, ...]
    patience: tuple[np.random.Generator, ...]


def replication_streams(seed: int, rep: int, n_call_types: int) -> ReplicationStreams:
    """Build the streams of replication ``rep``; they depend on ``(seed, rep)`` only."""
    types = range(n_call_types)
    return ReplicationStreams(
        arrivals=tuple(stream(seed, rep, Purpose.ARRIVALS, k) for k in types),
        handle=tuple(stream(seed, rep, Purpose.HANDLE, k) for k in types),
        patience=tuple(stream(seed, rep, Purpose.PATIENCE, k) for k in types),
    )

"""Seed tree: one independent random stream per (seed, replication, purpose, index).

Replication ``r`` draws only from streams keyed by ``(seed, r, purpose, index)``, so its numbers
do not depend on how many replications run, in which order, or on how many threads or workers.
``SeedSequence(seed, spawn_key=(r, purpose, index))`` is exactly the grandchild that
``SeedSequence(seed).spawn(...)[r].spawn(...)[purpose]...`` would give, built directly.

A ``SeedSequence`` costs about ten microseconds of Python, and the fast engine needs dozens of
streams per replication: :func:`seed_words` computes the PCG64 seeds of many streams at once
(NumPy's ``SeedSequence`` hashing written out over arrays), and :func:`seeded_stream` starts a
stream from them, the same generator in the same state as :func:`stream`.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import numpy as np
from numpy.random.bit_generator import ISeedSequence
from numpy.typing import DTypeLike, NDArray


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


# NumPy's SeedSequence constants (numpy/random/bit_generator.pyx), 32-bit arithmetic
_POOL_SIZE = 4
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_MULT_L, _MIX_MULT_R = 0xCA01F9DD, 0x4973F715
_MASK32 = 0xFFFFFFFF
_PCG64_WORDS = 4  # uint64 words PCG64 asks of its seed sequence
_Word = Any  # a 32-bit word (int), or one per stream (uint32 array)


def seed_words(seed: int, keys: NDArray[np.int64]) -> NDArray[np.uint64]:
    """Return the PCG64 seed of each stream ``(seed, *key)``: ``uint64[len(keys), 4]``.

    Row ``i`` equals ``SeedSequence(seed, spawn_key=keys[i]).generate_state(4, np.uint64)``,
    what :func:`stream` seeds PCG64 with, for ``keys`` of ``(rep, purpose, index)``.

    Parameters
    ----------
    seed : int
        Run seed (non-negative).
    keys : int64[n, 3]
        Non-negative spawn keys. Keys with an entry of 2**32 or more (several 32-bit words)
        are left to NumPy's ``SeedSequence``.
    """
    keys = np.asarray(keys, dtype=np.int64).reshape(-1, 3)
    pool, hash_const = _seed_pool(seed)
    mixer = [np.full(len(keys), word, dtype=np.uint32) for word in pool]
    for column in keys.T.astype(np.uint32):  # each key word mixed into every pool word
        for dst in range(_POOL_SIZE):
            hashed, hash_const = _hashmix(column, hash_const)
            mixer[dst] = _mix(mixer[dst], hashed)
    words = np.empty((len(keys), 2 * _PCG64_WORDS), dtype=np.uint32)
    hash_const = _INIT_B
    for i in range(2 * _PCG64_WORDS):  # SeedSequence.generate_state, 32-bit words
        value = mixer[i % _POOL_SIZE] ^ hash_const
        hash_const = (hash_const * _MULT_B) & _MASK32
        value = value * hash_const
        words[:, i] = value ^ (value >> 16)
    state = words[:, 0::2].astype(np.uint64) | (words[:, 1::2].astype(np.uint64) << np.uint64(32))
    for row in np.flatnonzero(np.any(keys > _MASK32, axis=1)):
        sequence = np.random.SeedSequence(seed, spawn_key=tuple(int(k) for k in keys[row]))
        state[row] = sequence.generate_state(_PCG64_WORDS, np.uint64)
    return state


def seeded_stream(words: NDArray[np.uint64]) -> np.random.Generator:
    """Return the generator of the stream seeded with ``words``, a row of :func:`seed_words`.

    It is :func:`stream` of that row's key, in the same state.
    """
    # NumPy's PCG64 takes any ISeedSequence (its type stubs name SeedSequence only)
    return np.random.Generator(np.random.PCG64(_SeedWords(words)))  # type: ignore[arg-type]


class _SeedWords(ISeedSequence):
    """A seed sequence that hands PCG64 seed words computed in advance."""

    def __init__(self, words: NDArray[np.uint64]) -> None:
        self.words = words

    def generate_state(self, n_words: int, dtype: DTypeLike = np.uint32) -> NDArray[np.uint64]:
        """Return the seed words; only PCG64's request (four uint64 words) is supported."""
        if n_words != _PCG64_WORDS or np.dtype(dtype) != np.uint64:
            raise ValueError(f"holds {_PCG64_WORDS} uint64 words, not {n_words} of {dtype}")
        return np.ascontiguousarray(self.words, dtype=np.uint64)


def _seed_pool(seed: int) -> tuple[list[int], int]:
    """Return the pool of ``SeedSequence(seed, spawn_key=...)`` before its key is mixed in.

    The seed's 32-bit words (padded with zeros to the pool size, as a spawned sequence is)
    hashed into the pool and mixed; returns the pool and the hash constant reached.
    """
    entropy = [(seed >> shift) & _MASK32 for shift in range(0, max(seed.bit_length(), 1), 32)]
    entropy += [0] * (_POOL_SIZE - len(entropy))
    hash_const = _INIT_A
    pool = []
    for word in entropy[:_POOL_SIZE]:
        hashed, hash_const = _hashmix(word, hash_const)
        pool.append(hashed)
    for src in range(_POOL_SIZE):
        for dst in range(_POOL_SIZE):
            if src != dst:
                hashed, hash_const = _hashmix(pool[src], hash_const)
                pool[dst] = _mix(pool[dst], hashed)
    for word in entropy[_POOL_SIZE:]:
        for dst in range(_POOL_SIZE):
            hashed, hash_const = _hashmix(word, hash_const)
            pool[dst] = _mix(pool[dst], hashed)
    return pool, hash_const


def _hashmix(value: _Word, hash_const: int) -> tuple[_Word, int]:
    """SeedSequence's ``hashmix``: hash ``value``, advancing the hash constant (32 bits)."""
    value = value ^ hash_const
    hash_const = (hash_const * _MULT_A) & _MASK32
    value = (value * hash_const) & _MASK32
    return value ^ (value >> 16), hash_const


def _mix(x: _Word, y: _Word) -> _Word:
    """SeedSequence's ``mix`` of two 32-bit words."""
    result = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _MASK32
    return result ^ (result >> 16)

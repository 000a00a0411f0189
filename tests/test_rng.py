"""The seed tree: streams built from precomputed seed words are the streams of ``stream``."""

from __future__ import annotations

import numpy as np
import pytest

from sim.rng import Purpose, seed_words, seeded_stream, stream

# One word, the largest one word, several words, more words than the pool holds.
SEEDS = (0, 1, 42, 2**32 - 1, 2**32, 2**64 + 3, 2**130 + 12345)


def spawn_keys() -> np.ndarray:
    """Random keys ``(rep, purpose, index)``, edge values, and entries of two 32-bit words."""
    rng = np.random.default_rng(0)
    random_keys = np.column_stack(
        [rng.integers(0, 100_000, 40), rng.integers(0, len(Purpose), 40), rng.integers(0, 64, 40)]
    )
    edges = [[0, 0, 0], [2**32 - 1, 12, 2**32 - 1], [2**32, 1, 2], [5, 3, 2**40]]
    return np.vstack([random_keys, edges])


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_words_are_the_seed_sequence_state(seed: int) -> None:
    """Each row is what ``SeedSequence(seed, spawn_key=key)`` gives PCG64."""
    keys = spawn_keys()
    words = seed_words(seed, keys)
    assert words.shape == (len(keys), 4)
    assert words.dtype == np.uint64
    for key, row in zip(keys, words, strict=True):
        sequence = np.random.SeedSequence(seed, spawn_key=tuple(int(k) for k in key))
        assert np.array_equal(row, sequence.generate_state(4, np.uint64)), key


@pytest.mark.parametrize("seed", SEEDS)
def test_seeded_stream_is_the_stream(seed: int) -> None:
    """A stream started from its seed words has the state and draws the numbers of ``stream``."""
    keys = [(0, Purpose.ARRIVALS, 0), (7, Purpose.HANDLE, 3), (123_456, Purpose.OUTBOUND_TALK, 9)]
    words = seed_words(seed, np.array(keys))
    for (rep, purpose, index), row in zip(keys, words, strict=True):
        expected, actual = stream(seed, rep, purpose, index), seeded_stream(row)
        assert actual.bit_generator.state == expected.bit_generator.state
        assert np.array_equal(actual.standard_normal(1000), expected.standard_normal(1000))
        assert np.array_equal(actual.standard_gamma(0.7, 100), expected.standard_gamma(0.7, 100))


def test_seeded_streams_differ() -> None:
    """Keys that differ in any place give different seeds."""
    keys = np.array([(0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1)])
    words = seed_words(3, keys)
    assert len({tuple(row) for row in words.tolist()}) == len(keys)
    assert not np.array_equal(seed_words(3, keys[:1]), seed_words(4, keys[:1]))


def test_seed_words_of_no_keys() -> None:
    """No keys, no seeds."""
    assert seed_words(1, np.empty((0, 3), dtype=np.int64)).shape == (0, 4)

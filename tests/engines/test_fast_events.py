"""The fast kernel's array helpers in plain Python (``.py_func``): busy-agent heap, slot spans."""

from __future__ import annotations

import heapq
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engines.fast.events import add_span, heap_pop, heap_push

push = heap_push.py_func
pop = heap_pop.py_func
span = add_span.py_func

# An operation: a push at one of a few instants (many ties), or a pop (None).
OPERATIONS = st.lists(
    st.one_of(st.none(), st.sampled_from([0.0, 1.0, 1.0, 2.5, 7.0, math.inf]), st.floats(0, 10)),
    max_size=80,
)


def _run_heap(operations: list[float | None]) -> tuple[list[tuple[float, int, int]], list]:
    """Apply the operations to the kernel heap and to heapq; return what each popped."""
    capacity = max(1, len(operations))
    heap_at, heap_i = np.zeros(capacity), np.zeros((capacity, 2), dtype=np.int64)
    size, seq, reference, popped, expected = 0, 0, [], [], []
    for at in operations:
        if at is None:
            if size == 0:
                continue
            popped.append((float(heap_at[0]), int(heap_i[0, 0]), int(heap_i[0, 1])))
            size = pop(heap_at, heap_i, size)
            expected.append(heapq.heappop(reference))
        else:
            agent = (7 * seq) % 5
            size = push(heap_at, heap_i, size, at, seq, agent)
            heapq.heappush(reference, (at, seq, agent))
            seq += 1
        assert len(reference) == size
    while size:
        popped.append((float(heap_at[0]), int(heap_i[0, 0]), int(heap_i[0, 1])))
        size = pop(heap_at, heap_i, size)
        expected.append(heapq.heappop(reference))
    return popped, expected


class TestHeap:
    """The busy-agent heap pops in (instant, sequence) order, like heapq on tuples."""

    @settings(max_examples=200, deadline=None)
    @given(operations=OPERATIONS)
    def test_matches_heapq(self, operations: list[float | None]) -> None:
        """Any interleaving of pushes and pops pops the same entries as heapq."""
        popped, expected = _run_heap(operations)
        assert expected == popped

    def test_equal_instants_pop_first_in_first_out(self) -> None:
        """Entries at the same instant come out in the order they were pushed."""
        heap_at, heap_i = np.zeros(8), np.zeros((8, 2), dtype=np.int64)
        size = 0
        for seq, (at, agent) in enumerate([(5.0, 3), (5.0, 1), (2.0, 7), (5.0, 0), (5.0, 2)]):
            size = push(heap_at, heap_i, size, at, seq, agent)
        agents = []
        while size:
            agents.append(int(heap_i[0, 1]))
            size = pop(heap_at, heap_i, size)
        expected = [7, 3, 1, 0, 2]
        assert expected == agents

    def test_random_sequences_sort(self) -> None:
        """Pushing 1,000 random entries (with repeated instants) and popping all sorts them."""
        rng = np.random.default_rng(4)
        times = rng.integers(0, 50, 1000).astype(float)
        popped, expected = _run_heap(list(times))
        assert sorted(expected) == expected
        assert expected == popped

    def test_pop_last_entry_empties(self) -> None:
        """Popping the only entry returns size 0."""
        heap_at, heap_i = np.zeros(1), np.zeros((1, 2), dtype=np.int64)
        size = push(heap_at, heap_i, 0, 3.0, 0, 4)
        assert size == 1
        assert pop(heap_at, heap_i, size) == 0


def _brute_force(slot_start_at: np.ndarray, start_at: float, end_at: float) -> np.ndarray:
    """Overlap of [start_at, end_at) with each slot; slot 0 reaches back and the last one on."""
    lows = np.concatenate([[-math.inf], slot_start_at[1:]])
    highs = np.concatenate([slot_start_at[1:], [math.inf]])
    return np.array(
        [
            max(0.0, min(end_at, high) - max(start_at, low))
            for low, high in zip(lows, highs, strict=True)
        ]
    )


class TestAddSpan:
    """Spans of agent time split over the clock slots they overlap."""

    @settings(max_examples=200, deadline=None)
    @given(
        starts=st.lists(st.integers(0, 10_000), min_size=1, max_size=8, unique=True),
        start_at=st.floats(-1000, 12_000),
        length=st.floats(0, 12_000),
    )
    def test_matches_brute_force(self, starts: list[int], start_at: float, length: float) -> None:
        """Each slot receives exactly the overlap of the span with it."""
        slot_start_at = np.sort(np.array(starts, dtype=float))
        end_at = start_at + length
        agent_sums = np.zeros((len(starts), 2, 3))
        span(agent_sums, slot_start_at, 1, 2, start_at, end_at)
        expected = _brute_force(slot_start_at, start_at, end_at)
        assert np.allclose(expected, agent_sums[:, 1, 2], rtol=1e-12, atol=1e-9)
        assert math.isclose(max(length, 0.0), agent_sums.sum(), rel_tol=1e-12, abs_tol=1e-9)
        agent_sums[:, 1, 2] = 0.0
        assert not agent_sums.any()

    def test_span_crossing_a_boundary(self) -> None:
        """A span from 1,700 s to 2,100 s over 1,800-s slots puts 100 s and 300 s in two slots."""
        agent_sums = np.zeros((3, 1, 1))
        span(agent_sums, np.array([0.0, 1800.0, 3600.0]), 0, 0, 1700.0, 2100.0)
        expected = [100.0, 300.0, 0.0]
        assert expected == list(agent_sums[:, 0, 0])

    def test_last_slot_is_open_ended(self) -> None:
        """Time after the last slot start all goes to the last slot."""
        agent_sums = np.zeros((2, 1, 1))
        span(agent_sums, np.array([0.0, 10.0]), 0, 0, 5.0, 1e6)
        expected = [5.0, 1e6 - 10.0]
        assert expected == list(agent_sums[:, 0, 0])

    def test_empty_and_reversed_spans_add_nothing(self) -> None:
        """Spans with end <= start leave the tallies untouched."""
        agent_sums = np.zeros((2, 1, 1))
        span(agent_sums, np.array([0.0, 10.0]), 0, 0, 5.0, 5.0)
        span(agent_sums, np.array([0.0, 10.0]), 0, 0, 8.0, 3.0)
        assert not agent_sums.any()

    def test_spans_accumulate(self) -> None:
        """Successive spans add up in the same cells."""
        agent_sums = np.zeros((2, 1, 1))
        for start_at, end_at in [(0.0, 4.0), (8.0, 12.0), (11.0, 20.0)]:
            span(agent_sums, np.array([0.0, 10.0]), 0, 0, start_at, end_at)
        expected = [6.0, 11.0]
        assert expected == list(agent_sums[:, 0, 0])

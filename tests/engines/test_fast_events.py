"""The fast kernel's array helpers: heap and slot spans (in plain Python), new arrays, views."""

from __future__ import annotations

import heapq
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from sim.engines.base import EventRank
from sim.engines.fast.events import (
    RANK_SHIFT,
    add_span,
    borrow,
    deadline_settle,
    event_key,
    event_payload,
    heap_pop,
    heap_push,
    heap_replace_top,
    instant_push,
    instants_due,
    new_empty,
    new_zeros,
    payload_fields,
    ring_index,
)

push = heap_push.py_func
pop = heap_pop.py_func
replace_top = heap_replace_top.py_func
key_of = event_key.py_func
pack = event_payload.py_func
unpack = payload_fields.py_func
span = add_span.py_func
instant_in = instant_push.py_func
due = instants_due.py_func
ring = ring_index.py_func
settle = deadline_settle.py_func

RANKS = [int(rank) for rank in EventRank]
# An operation: a push at one of a few instants (many ties) with a rank, or a pop (None).
OPERATIONS = st.lists(
    st.one_of(
        st.none(),
        st.tuples(
            st.one_of(st.sampled_from([0.0, 1.0, 1.0, 2.5, 7.0, math.inf]), st.floats(0, 10)),
            st.sampled_from(RANKS),
        ),
    ),
    max_size=80,
)
Entry = tuple[float, int, int, int, int]  # (at, key, kind, a, b)


def _empty_heap(capacity: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.zeros(capacity), np.zeros(capacity, dtype=np.int64), np.zeros(capacity, np.int64)


def _top(heap_at: np.ndarray, heap_key: np.ndarray, heap_p: np.ndarray) -> Entry:
    kind, a, b = (int(v) for v in unpack(int(heap_p[0])))
    return float(heap_at[0]), int(heap_key[0]), kind, a, b


def _run_heap(operations: list[tuple[float, int] | None]) -> tuple[list[Entry], list[Entry]]:
    """Apply the operations to the kernel heap and to heapq; return what each popped."""
    heap_at, heap_key, heap_p = _empty_heap(max(1, len(operations)))
    size, seq = 0, 0
    reference: list[Entry] = []
    popped: list[Entry] = []
    expected: list[Entry] = []
    for operation in operations:
        if operation is None:
            if size == 0:
                continue
            popped.append(_top(heap_at, heap_key, heap_p))
            size = pop(heap_at, heap_key, heap_p, size)
            expected.append(heapq.heappop(reference))
        else:
            at, rank = operation
            entry = (at, key_of(rank, seq), seq % 5, (7 * seq) % 11, seq)
            size = push(heap_at, heap_key, heap_p, size, at, entry[1], pack(*entry[2:]))
            heapq.heappush(reference, entry)
            seq += 1
        assert len(reference) == size
    while size:
        popped.append(_top(heap_at, heap_key, heap_p))
        size = pop(heap_at, heap_key, heap_p, size)
        expected.append(heapq.heappop(reference))
    return popped, expected


# A deadline operation: add one for a new call (an instant with many ties), take out the call
# at a drawn share of those in the heap, or take out the earliest (None).
DEADLINE_OPERATIONS = st.lists(
    st.one_of(
        st.none(),
        st.tuples(st.just("add"), st.sampled_from([0.0, 1.0, 1.0, 4.5, 9.0])),
        st.tuples(st.just("drop"), st.floats(0, 1, exclude_max=True)),
    ),
    max_size=80,
)


class TestDeadlines:
    """The deadline heap: earliest (instant, key) first, any call's entry removable at once."""

    @settings(max_examples=300, deadline=None)
    @given(operations=DEADLINE_OPERATIONS)
    def test_matches_a_sorted_reference(self, operations: list) -> None:
        """Adds, removals of any call and removals of the first agree with a plain dict."""
        capacity = max(1, len(operations))
        at, key = np.zeros(capacity), np.zeros(capacity, dtype=np.int64)
        calls, position = np.zeros(capacity, dtype=np.int64), np.full(capacity, -1, np.int64)
        size, reference = 0, {}
        for seq, operation in enumerate(operations):
            if operation is None or operation[0] == "drop":
                if size == 0:
                    continue
                if operation is None:
                    expected = min(reference, key=reference.__getitem__)
                    assert int(calls[0]) == expected
                    call = expected
                else:
                    call = sorted(reference)[int(operation[1] * len(reference))]
                i = int(position[call])
                assert int(calls[i]) == call
                position[call] = -1
                size -= 1
                if i < size:  # the last entry takes the free place
                    last = (at[size], key[size], calls[size])
                    settle(at, key, calls, position, size, i, *last)
                del reference[call]
            else:
                entry = (operation[1], key_of(int(EventRank.ABANDON), seq))
                size += 1
                settle(at, key, calls, position, size, size - 1, *entry, seq)
                reference[seq] = entry
            assert size == len(reference)
            for i in range(size):
                assert position[calls[i]] == i
                assert reference[int(calls[i])] == (at[i], key[i])
                if i:
                    parent = (i - 1) // 2
                    assert (at[parent], key[parent]) < (at[i], key[i])


class TestEventKey:
    """Event keys order by rank first, then by schedule sequence."""

    def test_rank_in_the_high_bits(self) -> None:
        """The key is the rank shifted left by RANK_SHIFT bits, or'ed with the sequence."""
        expected = (3 << 40) | 12345
        assert expected == key_of(3, 12345)
        expected_shift = 40
        assert expected_shift == RANK_SHIFT

    def test_rank_beats_sequence(self) -> None:
        """A lower rank scheduled later still comes first; equal ranks go first in, first out."""
        late_low = key_of(int(EventRank.SERVICE_END), 10**9)
        early_high = key_of(int(EventRank.ABANDON), 0)
        assert late_low < early_high
        assert key_of(int(EventRank.ARRIVAL), 4) < key_of(int(EventRank.ARRIVAL), 5)

    def test_keys_follow_the_event_ranks(self) -> None:
        """Sorting keys of one sequence number sorts the ranks in EventRank order."""
        keys = sorted((key_of(int(rank), 7), rank) for rank in reversed(EventRank))
        expected = sorted(EventRank)
        assert expected == [rank for _, rank in keys]


class TestEventPayload:
    """An event's kind and two integers pack into one integer and back."""

    @given(kind=st.integers(0, 7), a=st.integers(0, 2**32 - 1), b=st.integers(0, 2**28 - 1))
    def test_round_trip(self, kind: int, a: int, b: int) -> None:
        """Unpacking a packed payload gives back its kind, a and b."""
        expected = (kind, a, b)
        assert expected == tuple(int(v) for v in unpack(pack(kind, a, b)))


class TestRingIndex:
    """A ring buffer's position without a division: ``i % size`` for ``0 <= i < 2 * size``."""

    @given(st.integers(1, 10**9), st.data())
    def test_equals_the_remainder(self, size: int, data: st.DataObject) -> None:
        """Every position a ring can reach (head plus count, head plus one) wraps as ``%``."""
        i = data.draw(st.integers(0, 2 * size - 1))
        assert ring(i, size) == i % size


class TestHeap:
    """The event heap pops in (instant, key) order with its payload, like heapq on tuples."""

    @settings(max_examples=200, deadline=None)
    @given(operations=OPERATIONS)
    def test_matches_heapq(self, operations: list[tuple[float, int] | None]) -> None:
        """Any interleaving of pushes and pops pops the same entries as heapq."""
        popped, expected = _run_heap(operations)
        assert expected == popped

    def test_equal_instants_pop_by_rank_then_first_in_first_out(self) -> None:
        """Entries at the same instant come out by rank, then in the order they were pushed."""
        heap_at, heap_key, heap_p = _empty_heap(8)
        size = 0
        pushes = [
            (5.0, EventRank.ARRIVAL, 3),
            (5.0, EventRank.SERVICE_END, 1),
            (2.0, EventRank.ARRIVAL, 7),
            (5.0, EventRank.ARRIVAL, 0),
            (5.0, EventRank.SERVICE_END, 2),
            (5.0, EventRank.BREAK_END, 4),
        ]
        for seq, (at, rank, agent) in enumerate(pushes):
            size = push(
                heap_at, heap_key, heap_p, size, at, key_of(int(rank), seq), pack(4, agent, 0)
            )
        agents = []
        while size:
            agents.append(_top(heap_at, heap_key, heap_p)[3])
            size = pop(heap_at, heap_key, heap_p, size)
        expected = [7, 4, 1, 2, 3, 0]
        assert expected == agents

    def test_random_sequences_sort(self) -> None:
        """Pushing 1,000 random entries (repeated instants and ranks) and popping all sorts them."""
        rng = np.random.default_rng(4)
        times = rng.integers(0, 50, 1000).astype(float)
        ranks = rng.choice(RANKS, 1000)
        popped, expected = _run_heap([(t, int(r)) for t, r in zip(times, ranks, strict=True)])
        assert sorted(expected) == expected
        assert expected == popped

    @settings(max_examples=200, deadline=None)
    @given(
        first=st.lists(st.tuples(st.integers(0, 20), st.sampled_from(RANKS)), min_size=1),
        replacements=st.lists(st.tuples(st.integers(0, 20), st.sampled_from(RANKS))),
    )
    def test_replacing_the_top_is_a_pop_then_a_push(
        self, first: list[tuple[int, int]], replacements: list[tuple[int, int]]
    ) -> None:
        """Each replacement removes the first entry and adds one, as heapq.heapreplace does."""
        heap_at, heap_key, heap_p = _empty_heap(len(first))
        reference: list[Entry] = []
        for seq, (at, rank) in enumerate([*first, *replacements]):
            entry = (float(at), key_of(int(rank), seq), seq % 5, seq, 0)
            if seq < len(first):
                push(heap_at, heap_key, heap_p, seq, entry[0], entry[1], pack(*entry[2:]))
                heapq.heappush(reference, entry)
            else:
                assert _top(heap_at, heap_key, heap_p) == reference[0]
                size = replace_top(
                    heap_at, heap_key, heap_p, len(first), entry[0], entry[1], pack(*entry[2:])
                )
                assert size == len(first)
                heapq.heapreplace(reference, entry)
        size, popped = len(first), []
        while size:
            popped.append(_top(heap_at, heap_key, heap_p))
            size = pop(heap_at, heap_key, heap_p, size)
        assert popped == sorted(reference)

    def test_pop_last_entry_empties(self) -> None:
        """Popping the only entry returns size 0."""
        heap_at, heap_key, heap_p = _empty_heap(1)
        size = push(heap_at, heap_key, heap_p, 0, 3.0, key_of(4, 0), pack(1, 4, 5))
        expected = (1, (3.0, key_of(4, 0), 1, 4, 5))
        assert expected == (size, _top(heap_at, heap_key, heap_p))
        assert pop(heap_at, heap_key, heap_p, size) == 0


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

    @settings(max_examples=100, deadline=None)
    @given(
        starts=st.lists(st.integers(0, 10_000), min_size=1, max_size=8, unique=True),
        start_at=st.floats(0, 12_000),
        length=st.floats(0, 12_000),
    )
    def test_known_slot_equals_looked_up_slot(
        self, starts: list[int], start_at: float, length: float
    ) -> None:
        """Passing the slot that holds the start gives the same sums as looking it up."""
        slot_start_at = np.sort(np.array(starts, dtype=float))
        slot = max(int(np.searchsorted(slot_start_at, start_at, side="right")) - 1, 0)
        looked_up, known = np.zeros((len(starts), 1, 1)), np.zeros((len(starts), 1, 1))
        span(looked_up, slot_start_at, 0, 0, start_at, start_at + length)
        span(known, slot_start_at, 0, 0, start_at, start_at + length, slot)
        assert np.array_equal(looked_up, known)

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


class TestLineHeaps:
    """The per-pool heaps of hang-up instants: push, and remove every instant due by now."""

    @settings(max_examples=200, deadline=None)
    @given(
        st.lists(
            st.one_of(
                st.tuples(st.just("push"), st.sampled_from([0.0, 1.0, 1.0, 2.5, 7.0])),
                st.tuples(st.just("due"), st.floats(0, 8)),
            ),
            max_size=60,
        )
    )
    def test_matches_a_sorted_list(self, operations: list[tuple[str, float]]) -> None:
        """Row 1 of a two-row heap behaves like a sorted list; row 0 is left alone."""
        heap = np.full((2, max(1, len(operations))), -1.0)
        size, reference = 0, []
        for operation, value in operations:
            if operation == "push":
                size = instant_in(heap, 1, size, value)
                reference.append(value)
            else:
                size = due(heap, 1, size, value)
                reference = [at for at in reference if at > value]
            assert size == len(reference)
            assert sorted(heap[1, :size].tolist()) == sorted(reference)
            assert size == 0 or heap[1, 0] == min(reference)
        assert np.all(heap[0] == -1.0)

    def test_an_instant_equal_to_now_is_due(self) -> None:
        """A line freed at the instant of an arrival is free for it."""
        heap = np.zeros((1, 2))
        size = instant_in(heap, 0, 0, 5.0)
        size = instant_in(heap, 0, size, 6.0)
        assert due(heap, 0, size, 4.999) == 2
        assert due(heap, 0, size, 5.0) == 1
        assert heap[0, 0] == 6.0


@njit
def _allocated(rows, columns):
    return new_zeros((rows, columns), np.int64), new_empty(rows, np.float64), new_zeros(3, np.int32)


def test_new_arrays_have_the_shape_and_dtype_asked_and_zeros_are_zero():
    zeros, empty, small = _allocated(4, 3)
    assert zeros.shape == (4, 3)
    assert zeros.dtype == np.int64
    assert not zeros.any()
    assert empty.shape == (4,)
    assert empty.dtype == np.float64
    assert small.shape == (3,)
    assert small.dtype == np.int32
    assert not small.any()
    assert zeros.flags.c_contiguous


@njit
def _write_through_borrowed(array):
    view = borrow(array)
    view[1, 2] = 7.0
    return view.shape[0] * 10 + view.shape[1]


def test_a_borrowed_view_is_the_array_itself():
    array = np.zeros((2, 3))
    assert _write_through_borrowed(array) == 23
    assert array[1, 2] == 7.0
    assert array.sum() == 7.0

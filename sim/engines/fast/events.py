"""Small array routines of the kernel: the busy-agent heap and clock-slot time accounting.

They are inlined into the kernel (``inline="always"``); their ``.py_func`` is plain Python and
is tested directly.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_SEQ, _AGENT = 0, 1


@njit(cache=True, inline="always")
def _before(at_a, seq_a, at_b, seq_b):
    return at_a < at_b or (at_a == at_b and seq_a < seq_b)


@njit(cache=True, inline="always")
def heap_push(heap_at, heap_i, size, at, seq, agent):
    """Insert ``(at, seq, agent)`` into the min-heap keyed by ``(at, seq)``; return the new size.

    Parameters
    ----------
    heap_at : float64[capacity]
        Instants each busy agent becomes free, seconds.
    heap_i : int64[capacity, 2]
        Schedule sequence number and agent of each entry; the sequence breaks ties first in,
        first out, as SimPy does.
    size : int
        Entries in use.
    at : float
        Instant the agent becomes free, seconds.
    seq, agent : int
        Schedule sequence number and agent index.
    """
    i = size
    while i > 0:
        parent = (i - 1) // 2
        if not _before(at, seq, heap_at[parent], heap_i[parent, _SEQ]):
            break
        heap_at[i] = heap_at[parent]
        heap_i[i, _SEQ] = heap_i[parent, _SEQ]
        heap_i[i, _AGENT] = heap_i[parent, _AGENT]
        i = parent
    heap_at[i] = at
    heap_i[i, _SEQ] = seq
    heap_i[i, _AGENT] = agent
    return size + 1


@njit(cache=True, inline="always")
def heap_pop(heap_at, heap_i, size):
    """Remove the first entry (index 0) and return the new size."""
    size -= 1
    at, seq, agent = heap_at[size], heap_i[size, _SEQ], heap_i[size, _AGENT]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and _before(
            heap_at[child + 1], heap_i[child + 1, _SEQ], heap_at[child], heap_i[child, _SEQ]
        ):
            child += 1
        if not _before(heap_at[child], heap_i[child, _SEQ], at, seq):
            break
        heap_at[i] = heap_at[child]
        heap_i[i, _SEQ] = heap_i[child, _SEQ]
        heap_i[i, _AGENT] = heap_i[child, _AGENT]
        i = child
    if size > 0:
        heap_at[i] = at
        heap_i[i, _SEQ] = seq
        heap_i[i, _AGENT] = agent
    return size


@njit(cache=True, inline="always")
def add_span(agent_sums, slot_start_at, group, column, start_at, end_at, slot=-1):
    """Add the seconds of ``[start_at, end_at)`` to each clock slot it overlaps.

    Parameters
    ----------
    agent_sums : float64[n_slots, n_groups, n_columns]
        Agent-time tallies, seconds.
    slot_start_at : float64[n_slots]
        Slot starts, sorted; the last slot is open-ended.
    group, column : int
        Where to add.
    start_at, end_at : float
        The span, seconds; empty spans add nothing.
    slot : int
        The slot holding ``start_at`` when the caller knows it; -1 to look it up.
    """
    if end_at <= start_at:
        return
    n_slots = slot_start_at.shape[0]
    if slot < 0:
        slot = max(np.searchsorted(slot_start_at, start_at, side="right") - 1, 0)
    t = start_at
    while t < end_at:
        slot_end = slot_start_at[slot + 1] if slot + 1 < n_slots else math.inf
        stop = min(end_at, slot_end)
        agent_sums[slot, group, column] += stop - t
        t = stop
        slot += 1

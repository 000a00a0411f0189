"""Small array routines of the kernel: the event heap, clock-slot time accounting, arrays.

Each routine is compiled once and called from the kernel (LLVM may still inline it); numba
copying them into every call site made the kernel's compilation much longer. Their ``.py_func``
is plain Python and is tested directly. The kernel's own arrays and its borrowed views are built
by intrinsics (:func:`new_empty`, :func:`new_zeros`, :func:`borrow`): code generated where they
are called, with nothing for numba to compile.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic, register_jitable
from numba.np.arrayobj import _empty_nd_impl, _parse_shape, make_array

from sim.engines.sampling import last_at_or_before


@intrinsic
def borrow(typingctx, array):
    """Return a view of a C-contiguous ``array`` that is not reference counted.

    numba counts references to arrays with atomic operations, and in the kernel's inlined
    handlers some survive its pruning: measured, about a fifth of the kernel's time went to them.
    A borrowed view has no owner to count. The caller must keep ``array`` itself alive for as
    long as the view is used, and never return the view.

    The view is the array's own structure with its owner (``meminfo``) and parent cleared: built
    in place, with nothing for numba to compile per array type (a compiled ``carray`` of the
    array's pointer, shape and dtype cost a second of the kernel's first compilation).
    """
    view_type = array.copy(layout="C", readonly=False)

    def codegen(context, builder, signature, arguments):
        source = make_array(signature.args[0])(context, builder, value=arguments[0])
        view = make_array(signature.return_type)(context, builder)
        for field in ("nitems", "itemsize", "data", "shape", "strides"):
            setattr(view, field, getattr(source, field))
        view.meminfo = cgutils.get_null_value(view.meminfo.type)
        view.parent = cgutils.get_null_value(view.parent.type)
        return view._getvalue()

    return view_type(array), codegen


@intrinsic
def keep_alive(typingctx, arrays):
    """Use the tuple ``arrays`` here and do nothing: numba keeps each alive up to this point.

    The kernel calls it last with the arrays it owns, whose borrowed views it used (see
    :func:`borrow`).
    """

    def codegen(context, builder, signature, arguments):
        return context.get_dummy_value()

    return types.none(arrays), codegen


def _new_array_type(shape: Any, dtype: Any) -> types.Array:
    """Return the C-contiguous array type of :func:`new_empty` and :func:`new_zeros`."""
    ndim = 1 if isinstance(shape, types.Integer) else shape.count
    element = dtype.instance_type if isinstance(dtype, types.NumberClass) else dtype.dtype
    return types.Array(element, ndim, "C")


def _allocate(context: Any, builder: Any, signature: Any, arguments: Any) -> Any:
    shapes = _parse_shape(context, builder, signature.args[0], arguments[0])
    return _empty_nd_impl(context, builder, signature.return_type, shapes)


@intrinsic
def new_empty(typingctx, shape, dtype):
    """Return a new array of ``shape`` (an integer or a tuple) and ``dtype``, not initialised.

    ``np.empty`` in compiled code, built where it is called: numba compiles ``np.empty`` and
    ``np.zeros`` once per shape and dtype, and the kernel's dozen variants cost well over a
    second of its first compilation.
    """

    def codegen(context, builder, signature, arguments):
        return _allocate(context, builder, signature, arguments)._getvalue()

    return _new_array_type(shape, dtype)(shape, dtype), codegen


@intrinsic
def new_zeros(typingctx, shape, dtype):
    """Return a new array of ``shape`` and ``dtype`` filled with zeros (see :func:`new_empty`)."""

    def codegen(context, builder, signature, arguments):
        array = _allocate(context, builder, signature, arguments)
        cgutils.memset(builder, array.data, builder.mul(array.itemsize, array.nitems), 0)
        return array._getvalue()

    return _new_array_type(shape, dtype)(shape, dtype), codegen


# Callable from compiled code as it is (sampling stays free of numba: the SimPy engine uses it).
register_jitable(last_at_or_before)


# The routines taking arrays are compiled without numba's reference counting (``_nrt=False``):
# they allocate nothing, and numba otherwise counts a reference to each array argument on entry
# and drops it on exit, three calls each way per heap operation even on borrowed views
# (measured: the benchmark day's kernel about 5% faster without them).
NO_REFCOUNTS: dict[str, Any] = {"_nrt": False}  # numba's option, not in its type hints


# An event's key orders events at the same instant: its rank in the high bits, then the
# schedule sequence number (first in, first out, as SimPy orders its queue).
RANK_SHIFT = 40


# Explicit signatures on the scalar routines: numba would otherwise compile one copy for each
# constant argument it sees (a literal rank, kind or column), each a full compilation.
@njit("int64(int64, int64)", cache=True)
def event_key(rank, seq):
    """Return the ordering key of an event of ``rank`` scheduled ``seq``-th."""
    return (rank << RANK_SHIFT) | seq


@njit(cache=True, inline="always")  # in the heap's inner loops; compiled with them, once
def _before(at_a, key_a, at_b, key_b):
    return at_a < at_b or (at_a == at_b and key_a < key_b)


@njit("int64(int64, int64)", cache=True)
def ring_index(i, size):
    """Return ``i % size`` for ``0 <= i < 2 * size``: a position in a ring buffer of ``size``.

    Without a division: a 64-bit division takes tens of cycles, and the kernel moves its rings
    (idle agents, queues) several times per call.
    """
    return i - size if i >= size else i


@njit("int64(int64, int64, int64)", cache=True)
def event_payload(kind, a, b):
    """Pack an event's kind (< 8), ``a`` (< 2**32) and ``b`` (< 2**28) into one integer."""
    return kind | (a << 3) | (b << 35)


@njit("UniTuple(int64, 3)(int64)", cache=True)
def payload_fields(payload):
    """Unpack :func:`event_payload`: ``(kind, a, b)``."""
    return payload & 7, (payload >> 3) & 0xFFFFFFFF, payload >> 35


@njit(cache=True, inline="always")  # in the heap's inner loops; compiled with them, once
def _earlier(heap_at, heap_key, i, j):
    """Whether heap entry ``i`` comes before entry ``j``, as 0 or 1.

    Which instant is earlier is computed, not branched on (a coin toss the processor cannot
    predict); the keys are read only when the instants are equal, a branch almost never taken
    (measured: a push and a pop on a heap of 90 events, 45 ns against 50 when the keys were
    always compared too).
    """
    i, j = np.uint64(i), np.uint64(j)  # unsigned subscripts: no negative-index wrap-around
    at_i, at_j = heap_at[i], heap_at[j]
    if at_i != at_j:
        return np.int64(at_i < at_j)
    return np.int64(heap_key[i] < heap_key[j])


@njit(cache=True, inline="always")  # in the heap's inner loops; compiled with them, once
def _move(heap_at, heap_key, heap_payload, to, source):
    """Copy heap entry ``source`` to ``to``."""
    to, source = np.uint64(to), np.uint64(source)  # unsigned subscripts, as in _earlier
    heap_at[to] = heap_at[source]
    heap_key[to] = heap_key[source]
    heap_payload[to] = heap_payload[source]


# The event heap is 4-ary: the children of entry i are 4i + 1 ... 4i + 4. Half as many levels as
# a binary heap, and the earliest of four children is picked by computing, not branching: which
# child is earliest is a coin toss the processor cannot predict, and a sift down the levels is a
# chain of dependent loads. Measured: a push and a pop on a heap of 90 events, 57 ns against 67
# for the binary heap. Keys are unique, so the order events are popped in never depends on the
# heap's layout.


@njit(cache=True, **NO_REFCOUNTS)
def heap_push(heap_at, heap_key, heap_payload, size, at, key, payload):
    """Insert an event into the min-heap keyed by ``(at, key)``; return the new size.

    Parameters
    ----------
    heap_at : float64[capacity]
        Event instants, seconds.
    heap_key : int64[capacity]
        Ordering keys (:func:`event_key`).
    heap_payload : int64[capacity]
        What each event is (:func:`event_payload`).
    size : int
        Entries in use (the caller checks the capacity).
    at : float
        Instant of the new event, seconds.
    key, payload : int
        Its key and payload.
    """
    i = size
    while i > 0:
        parent = (i - 1) // 4
        if not _before(at, key, heap_at[parent], heap_key[parent]):
            break
        heap_at[i] = heap_at[parent]
        heap_key[i] = heap_key[parent]
        heap_payload[i] = heap_payload[parent]
        i = parent
    heap_at[i] = at
    heap_key[i] = key
    heap_payload[i] = payload
    return size + 1


@njit(cache=True, inline="always")  # in heap_pop and heap_replace_top; compiled with each
def _sift_down(heap_at, heap_key, heap_payload, size, at, key, payload):
    """Place an event in the heap ``[:size]`` whose first entry (index 0) is free."""
    hole = 0
    while True:
        child = 4 * hole + 1
        if child + 3 < size:
            first = child + _earlier(heap_at, heap_key, child + 1, child)
            other = child + 2 + _earlier(heap_at, heap_key, child + 3, child + 2)
            child = first + (other - first) * _earlier(heap_at, heap_key, other, first)
        elif child < size:  # the last entries: one to three children
            for sibling in range(child + 1, size):
                child += (sibling - child) * _earlier(heap_at, heap_key, sibling, child)
        else:
            break
        if not _before(heap_at[np.uint64(child)], heap_key[np.uint64(child)], at, key):
            break
        _move(heap_at, heap_key, heap_payload, hole, child)
        hole = child
    heap_at[hole] = at
    heap_key[hole] = key
    heap_payload[hole] = payload


@njit(cache=True, **NO_REFCOUNTS)
def heap_pop(heap_at, heap_key, heap_payload, size):
    """Remove the first event (index 0) and return the new size."""
    size -= 1
    if size > 0:
        _sift_down(
            heap_at, heap_key, heap_payload, size, heap_at[size], heap_key[size], heap_payload[size]
        )
    return size


@njit(cache=True, **NO_REFCOUNTS)
def heap_replace_top(heap_at, heap_key, heap_payload, size, at, key, payload):
    """Remove the first event and insert another in one pass; return the size (unchanged).

    A pop and a push cost two passes along the heap; an event handled and a new one scheduled
    in the same step (an agent who ends a call and answers a waiting one) need only one.
    """
    _sift_down(heap_at, heap_key, heap_payload, size, at, key, payload)
    return size


# The deadlines of waiting calls (their patience running out) sit in a heap of their own that
# knows where each call's entry is: a call answered before its deadline leaves at once, where in
# the event heap its abandonment would stay until its instant came, to be popped and skipped
# (most deadlines never come: on the multi-skill week about five in six).


@njit(cache=True, inline="always")  # in deadline_settle's loops; compiled with it
def _place_deadline(deadline_at, deadline_key, deadline_call, position, i, at, key, call):
    deadline_at[i] = at
    deadline_key[i] = key
    deadline_call[i] = call
    position[call] = i


@njit(cache=True, inline="always")  # in deadline_settle's loops; compiled with it
def _move_deadline(deadline_at, deadline_key, deadline_call, position, to, source):
    """Copy deadline entry ``source`` to index ``to``."""
    _place_deadline(
        deadline_at,
        deadline_key,
        deadline_call,
        position,
        to,
        deadline_at[source],
        deadline_key[source],
        deadline_call[source],
    )


@njit(cache=True, **NO_REFCOUNTS)
def deadline_settle(deadline_at, deadline_key, deadline_call, position, size, i, at, key, call):
    """Place the entry ``(at, key, call)`` at the free index ``i`` of the heap ``[:size]``.

    Adding an entry settles it at index ``size`` of the heap grown by one; removing the entry
    at ``i`` settles the last entry there, in the heap shrunk by one (nothing to settle when
    ``i`` was the last). The entry moves up while it comes before its parent, then down while
    a child comes before it (after a move up, the first test down already fails).

    Parameters
    ----------
    deadline_at : float64[capacity]
        Deadlines, seconds; a binary min-heap keyed by ``(at, key)``.
    deadline_key : int64[capacity]
        Ordering keys (:func:`event_key`), unique.
    deadline_call : int64[capacity]
        The call slot of each entry.
    position : int64[n_call_slots]
        Index of each call's entry, kept up to date for the calls moved (-1 for a call taken
        out is the caller's).
    size : int
        Entries in use once settled (the caller checks the capacity).
    i : int
        The free index.
    at, key, call : float, int, int
        The entry.
    """
    while i > 0:
        parent = (i - 1) // 2
        if not _before(at, key, deadline_at[parent], deadline_key[parent]):
            break
        _move_deadline(deadline_at, deadline_key, deadline_call, position, i, parent)
        i = parent
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and _before(
            deadline_at[child + 1], deadline_key[child + 1], deadline_at[child], deadline_key[child]
        ):
            child += 1
        if not _before(deadline_at[child], deadline_key[child], at, key):
            break
        _move_deadline(deadline_at, deadline_key, deadline_call, position, i, child)
        i = child
    _place_deadline(deadline_at, deadline_key, deadline_call, position, i, at, key, call)


@njit("int64(float64[:, ::1], int64, int64, float64)", cache=True, **NO_REFCOUNTS)
def instant_push(heap, row, size, at):
    """Insert instant ``at`` into the min-heap ``heap[row, :size]``; return the new size.

    The heaps of the lines: per pool, the instants answered callers hang up. The caller checks
    the capacity.
    """
    i = size
    while i > 0:
        parent = (i - 1) // 2
        if heap[row, parent] <= at:
            break
        heap[row, i] = heap[row, parent]
        i = parent
    heap[row, i] = at
    return size + 1


@njit("int64(float64[:, ::1], int64, int64, float64)", cache=True, **NO_REFCOUNTS)
def instants_due(heap, row, size, now):
    """Remove every instant ``<= now`` from the min-heap ``heap[row, :size]``; return its size."""
    while size > 0 and heap[row, 0] <= now:
        size -= 1
        last = heap[row, size]
        i = 0
        while True:
            child = 2 * i + 1
            if child >= size:
                break
            if child + 1 < size and heap[row, child + 1] < heap[row, child]:
                child += 1
            if heap[row, child] >= last:
                break
            heap[row, i] = heap[row, child]
            i = child
        if size > 0:
            heap[row, i] = last
    return size


@njit(
    "void(float64[:, :, ::1], float64[::1], int64, int64, float64, float64, int64)",
    cache=True,
    **NO_REFCOUNTS,
)
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
        slot = max(last_at_or_before(slot_start_at, start_at), 0)
    t = start_at
    while t < end_at:
        slot_end = slot_start_at[slot + 1] if slot + 1 < n_slots else math.inf
        stop = min(end_at, slot_end)
        agent_sums[slot, group, column] += stop - t
        t = stop
        slot += 1

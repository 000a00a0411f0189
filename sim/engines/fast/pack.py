"""Plan -> FastModel: the plan's tables as a few contiguous arrays of the kernel's dtypes."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from sim.scenario.plan import Plan

# Columns of FastModel.type_f and FastModel.type_i.
HANDLE_P1, HANDLE_P2, ACW_S, PATIENCE_P1, PATIENCE_P2 = range(5)
PRIORITY, HANDLE_CODE, PATIENCE_CODE = range(3)
# Columns of FastModel.roster_i.
ROSTER_KIND, ROSTER_WHO = range(2)


class FastModel(NamedTuple):
    """Read-only inputs of the kernel.

    Attributes
    ----------
    segment_start_at, segment_end_at : float64[n_segments]
        Arrival segments (planning intervals), seconds.
    rate_per_s : float64[n_call_types, n_segments]
        Arrival rates, calls per second.
    type_f : float64[n_call_types, 5]
        Handle p1, handle p2, after-call work (s), patience p1, patience p2.
    type_i : int64[n_call_types, 3]
        Priority, handle distribution code, patience distribution code.
    agent_group : int64[n_agents]
        Group of each agent.
    roster_at : float64[n_events]
        Staffing event instants, sorted.
    roster_i : int64[n_events, 2]
        Kind and agent (or day) of each staffing event.
    slot_start_at : float64[n_days * (n_intervals + 1)]
        Agent-time slot starts.
    n_intervals : int
        Planning intervals per day.
    threshold_s, short_abandon_s : float
        Service-level threshold and short-abandon limit, seconds.
    drops_at_close : bool
        Whether calls still waiting at closing are dropped.
    """

    segment_start_at: NDArray[np.float64]
    segment_end_at: NDArray[np.float64]
    rate_per_s: NDArray[np.float64]
    type_f: NDArray[np.float64]
    type_i: NDArray[np.int64]
    agent_group: NDArray[np.int64]
    roster_at: NDArray[np.float64]
    roster_i: NDArray[np.int64]
    slot_start_at: NDArray[np.float64]
    n_intervals: int
    threshold_s: float
    short_abandon_s: float
    drops_at_close: bool


def pack(plan: Plan) -> FastModel:
    """Copy the plan's tables into the kernel's layout."""
    type_f = np.stack(
        [plan.handle_p1, plan.handle_p2, plan.acw_s, plan.patience_p1, plan.patience_p2], axis=1
    )
    type_i = np.stack([plan.priority, plan.handle_code, plan.patience_code], axis=1)
    return FastModel(
        segment_start_at=np.ascontiguousarray(plan.segment_start_at, dtype=np.float64),
        segment_end_at=np.ascontiguousarray(plan.segment_end_at, dtype=np.float64),
        rate_per_s=np.ascontiguousarray(plan.rate_per_s, dtype=np.float64),
        type_f=np.ascontiguousarray(type_f, dtype=np.float64),
        type_i=np.ascontiguousarray(type_i, dtype=np.int64),
        agent_group=np.ascontiguousarray(plan.agent_group, dtype=np.int64),
        roster_at=np.ascontiguousarray(plan.roster_at, dtype=np.float64),
        roster_i=np.ascontiguousarray(
            np.stack([plan.roster_kind, plan.roster_who], axis=1), dtype=np.int64
        ),
        slot_start_at=np.ascontiguousarray(plan.slot_start_at, dtype=np.float64),
        n_intervals=plan.n_intervals,
        threshold_s=float(plan.threshold_s),
        short_abandon_s=float(plan.short_abandon_s),
        drops_at_close=bool(plan.drops_at_close),
    )

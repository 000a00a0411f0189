"""Collect call and shift rows as the SimPy model runs, then build columnar records."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.engines.base import CallRecords, Outcome, ShiftRecords


@dataclass
class Recorder:
    """Row lists of one replication; :meth:`calls` and :meth:`shifts` build the records.

    Parameters
    ----------
    rep : int
        Replication number written in every row.
    """

    rep: int
    call_rows: list[
        tuple[int, int, int, int, float, float, float, float, int, int, int, float, float]
    ] = field(default_factory=list)
    shift_rows: list[tuple[int, int, float, float, float]] = field(default_factory=list)

    def call(
        self,
        *,
        call_id: int,
        call_type: int,
        day: int,
        interval: int,
        arrived_at: float,
        patience_s: float,
        outcome: Outcome,
        left_at: float,
        answered_at: float = math.nan,
        handle_s: float = math.nan,
        group: int = -1,
        agent: int = -1,
    ) -> None:
        """Record a call once its outcome is known."""
        ended_at = answered_at + handle_s
        self.call_rows.append(
            (
                call_id,
                call_type,
                day,
                interval,
                arrived_at,
                answered_at,
                left_at,
                ended_at,
                int(outcome),
                group,
                agent,
                handle_s,
                patience_s,
            )
        )

    def shift(
        self, *, agent: int, group: int, on_at: float, off_at: float, scheduled_off_at: float
    ) -> None:
        """Record a worked shift when the agent leaves."""
        self.shift_rows.append((agent, group, on_at, off_at, scheduled_off_at))

    def calls(self) -> CallRecords:
        """Return the call records sorted by call number."""
        rows = sorted(self.call_rows)
        columns = list(zip(*rows, strict=True)) if rows else [()] * 13
        names_types = [
            ("call_id", np.int64),
            ("call_type", np.int16),
            ("day", np.int16),
            ("interval", np.int32),
            ("arrived_at", np.float64),
            ("answered_at", np.float64),
            ("left_at", np.float64),
            ("ended_at", np.float64),
            ("outcome", np.int8),
            ("group", np.int16),
            ("agent", np.int32),
            ("handle_s", np.float64),
            ("patience_s", np.float64),
        ]
        arrays = {
            name: np.array(col, dtype=dtype)
            for (name, dtype), col in zip(names_types, columns, strict=True)
        }
        return CallRecords(rep=np.full(len(rows), self.rep, dtype=np.int32), **arrays)

    def shifts(self) -> ShiftRecords:
        """Return the shift records sorted by agent, then start."""
        rows = sorted(self.shift_rows, key=lambda row: (row[0], row[2]))
        columns = list(zip(*rows, strict=True)) if rows else [()] * 5
        return ShiftRecords(
            rep=np.full(len(rows), self.rep, dtype=np.int32),
            agent=np.array(columns[0], dtype=np.int32),
            group=np.array(columns[1], dtype=np.int16),
            on_at=np.array(columns[2], dtype=np.float64),
            off_at=np.array(columns[3], dtype=np.float64),
            scheduled_off_at=np.array(columns[4], dtype=np.float64),
        )

"""Collect call and shift rows as the SimPy model runs, then build columnar records."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from sim.engines.base import BreakRecords, CallRecords, RecordsT, ShiftRecords, column_dtype


@dataclass
class Recorder:
    """Row lists of one replication; :meth:`calls` and :meth:`shifts` build the records.

    Parameters
    ----------
    rep : int
        Replication number written in every row.
    """

    rep: int
    call_rows: list[dict[str, float | int]] = field(default_factory=list)
    shift_rows: list[dict[str, float | int]] = field(default_factory=list)
    break_rows: list[dict[str, float | int]] = field(default_factory=list)

    def call(self, **row: float | int) -> None:
        """Record a call once its outcome is known (:class:`CallRecords` columns but ``rep``)."""
        self.call_rows.append(row)

    def shift(self, **row: float | int) -> None:
        """Record a worked shift as the agent leaves (:class:`ShiftRecords` columns but ``rep``)."""
        self.shift_rows.append(row)

    def agent_break(self, **row: float | int) -> None:
        """Record a break when it ends (the :class:`BreakRecords` columns but ``rep``)."""
        self.break_rows.append(row)

    def calls(self) -> CallRecords:
        """Return the call records sorted by call number."""
        rows = sorted(self.call_rows, key=lambda row: row["call_id"])
        return _columns(CallRecords, rows, self.rep)

    def shifts(self) -> ShiftRecords:
        """Return the shift records sorted by agent, then start."""
        rows = sorted(self.shift_rows, key=lambda row: (row["agent"], row["on_at"]))
        return _columns(ShiftRecords, rows, self.rep)

    def breaks(self) -> BreakRecords:
        """Return the break records sorted by agent, then start."""
        rows = sorted(self.break_rows, key=lambda row: (row["agent"], row["start_at"]))
        return _columns(BreakRecords, rows, self.rep)


def _columns(kind: type[RecordsT], rows: list[dict[str, float | int]], rep: int) -> RecordsT:
    columns: dict[str, np.ndarray] = {
        f.name: np.array([row[f.name] for row in rows], dtype=column_dtype(kind, f.name))
        for f in fields(kind)
        if f.name != "rep"
    }
    return kind(rep=np.full(len(rows), rep, dtype=np.int32), **columns)

"""Collect rows as the SimPy model runs, then build columnar records."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from sim.engines.base import (
    BreakRecords,
    CallRecords,
    ControlRecords,
    OffPhoneRecords,
    OutboundRecords,
    Records,
    RecordsT,
    ShiftRecords,
    column_dtype,
)

Row = dict[str, float | int]


@dataclass
class Recorder:
    """Row lists of one replication; :meth:`records` builds the records.

    Each method takes the columns of its record kind but ``rep``.

    Parameters
    ----------
    rep : int
        Replication number written in every row.
    """

    rep: int
    call_rows: list[Row] = field(default_factory=list)
    shift_rows: list[Row] = field(default_factory=list)
    break_rows: list[Row] = field(default_factory=list)
    outbound_rows: list[Row] = field(default_factory=list)
    off_phone_rows: list[Row] = field(default_factory=list)
    control_rows: list[Row] = field(default_factory=list)

    def call(self, **row: float | int) -> None:
        """Record a call once its outcome is known."""
        self.call_rows.append(row)

    def shift(self, **row: float | int) -> None:
        """Record a worked shift as the agent leaves."""
        self.shift_rows.append(row)

    def agent_break(self, **row: float | int) -> None:
        """Record a break when it ends."""
        self.break_rows.append(row)

    def outbound(self, **row: float | int) -> None:
        """Record an outbound attempt when it ends."""
        self.outbound_rows.append(row)

    def off_phone(self, **row: float | int) -> None:
        """Record a reserve's span off the phones when it ends."""
        self.off_phone_rows.append(row)

    def control(self, **row: float | int) -> None:
        """Record a control action."""
        self.control_rows.append(row)

    def records(self) -> Records:
        """Return the records: calls by call number; agents' rows by agent, then start."""
        rep = self.rep

        def by_agent(kind: type[RecordsT], rows: list[Row], start: str) -> RecordsT:
            return _columns(kind, sorted(rows, key=lambda row: (row["agent"], row[start])), rep)

        return Records(
            calls=_columns(CallRecords, sorted(self.call_rows, key=lambda r: r["call_id"]), rep),
            shifts=by_agent(ShiftRecords, self.shift_rows, "on_at"),
            breaks=by_agent(BreakRecords, self.break_rows, "start_at"),
            outbound=by_agent(OutboundRecords, self.outbound_rows, "start_at"),
            off_phone=by_agent(OffPhoneRecords, self.off_phone_rows, "start_at"),
            controls=_columns(ControlRecords, self.control_rows, rep),
        )


def _columns(kind: type[RecordsT], rows: list[Row], rep: int) -> RecordsT:
    columns: dict[str, np.ndarray] = {
        f.name: np.array([row[f.name] for row in rows], dtype=column_dtype(kind, f.name))
        for f in fields(kind)
        if f.name != "rep"
    }
    return kind(rep=np.full(len(rows), rep, dtype=np.int32), **columns)

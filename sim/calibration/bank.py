"""The "Anonymous Bank" call-by-call format (Technion SEE Center; Guedj & Mandelbaum).

A tab-separated file, one record per call through the bank's voice-response unit (VRU), with
the date (``yymmdd``), clock times ``h:mm:ss`` of VRU entry and exit, queue entry and exit and
service start, the service time, the outcome (``AGENT``, ``HANG``, ``PHANTOM``) and the agent.
A clock time ``0:00:00`` means "did not happen". How the records map to a call log is listed in
``docs/reference/call-log.md``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim.calibration.calllog import CallLog, make_call_log
from sim.calibration.table import TextTable, read_table
from sim.errors import ScenarioError
from sim.scenario.inputs import Columns
from sim.units import SECONDS_PER_DAY

BANK_COLUMNS = Columns(
    "bank call log",
    (
        "vru+line",
        "call_id",
        "priority",
        "type",
        "date",
        "vru_entry",
        "vru_exit",
        "q_start",
        "q_exit",
        "outcome",
        "ser_start",
        "ser_time",
        "server",
    ),
    ("customer_id", "vru_time", "q_time", "ser_exit"),
    frozenset(),
)
"""The bank file's columns: those read, then those ignored."""

BANK_OUTCOMES = ("AGENT", "HANG", "PHANTOM")
BANK_PRIORITIES = ("0", "1", "2")
PRIORITY_CUSTOMER = "2"
"""The ``priority`` of priority customers (given a head start in the queue); 0 and 1 are regular."""
NO_SERVER = "NO_SERVER"
_CLOCK = r"^(\d{1,2}):([0-5]\d):([0-5]\d)$"
# A stage's clock time this far before the VRU entry's is on the next day (the call crossed
# midnight); no call lasts half a day.
_NEXT_DAY_S = SECONDS_PER_DAY / 2
CLOCK_SKEW_S = 60.0
"""An answer stamped at most this long before the arrival is clock skew: moved to the arrival."""
EARLY_TOLERANCE = 0.01
"""Share of the calls that may be answered or abandoned more than :data:`CLOCK_SKEW_S` before
they arrive (moved to the arrival and counted); a log with more is refused."""


def read_bank_log(path: str | Path) -> CallLog:
    """Read the "Anonymous Bank" call-by-call file into a call log.

    ``PHANTOM`` records (virtual calls) are dropped. A call is offered to the agents when it
    leaves the VRU (``vru_exit``; the queue entry equals it when the call queued). ``AGENT``
    calls are answered when they leave the queue (``q_exit``) or, unqueued, at ``ser_start``
    (on arrival where that is ``0:00:00``), with handle time ``ser_time`` and agent
    ``server`` (unknown for ``NO_SERVER``). The queue exit, not ``ser_start``, ends the wait
    of a queued call because ``ser_start`` is stamped by another clock, mostly one or two
    seconds before ``q_exit``: so answered and abandoned callers' waits are measured alike and
    equal ``q_time``. A ``HANG`` that queued abandoned at ``q_exit``; a ``HANG`` without a
    queue entry left from the VRU and is kept as ``other``. An answer or abandonment stamped
    before the arrival is moved to the arrival: up to :data:`CLOCK_SKEW_S` before it, that is
    the same clock skew; further before, the record is wrong, and such calls are counted in
    ``CallLog.stamped_early``. The file records a customer's identity, and so their priority,
    only when the call queued (a system bug its documentation states): a call answered
    without queueing has priority 0 whoever called (``CallLog.priority_if_queued``).

    Parameters
    ----------
    path : str or Path
        The tab-separated file with its header row.

    Returns
    -------
    CallLog
        One row per non-phantom record; ``call_type`` is the ``type`` column, ``call_id`` is
        ``vru+line`` and ``call_id`` joined by ``-``.

    Raises
    ------
    ScenarioError
        For the first bad row: ``FILE: line N, column C: what is wrong (got VALUE)``; or when
        more than :data:`EARLY_TOLERANCE` of the calls are stamped early.
    """
    table = read_table(path, BANK_COLUMNS, delimiter="\t")
    outcome = table.text("outcome").to_numpy()
    table.check(~np.isin(outcome, BANK_OUTCOMES), "outcome", "must be AGENT, HANG or PHANTOM")
    real = outcome != "PHANTOM"
    priority = table.text("priority").to_numpy()
    table.check(~np.isin(priority, BANK_PRIORITIES), "priority", "must be 0, 1 or 2")
    midnight = table.datetimes("date", "%y%m%d", "must be a date yymmdd")[real]
    clocks = {
        column: _clock_s(table, column)[real]
        for column in ("vru_entry", "vru_exit", "q_start", "q_exit", "ser_start")
    }
    handle_s = table.numbers("ser_time", "must be a whole number of seconds >= 0", seconds=True)[
        real
    ]
    cells = table.cells[real]

    def at(column: str, happened: NDArray[np.bool_]) -> pd.Series:
        seconds = clocks[column] + np.where(
            clocks[column] < clocks["vru_entry"] - _NEXT_DAY_S, SECONDS_PER_DAY, 0.0
        )
        instants = midnight + pd.to_timedelta(seconds, unit="s")
        return instants.where(happened)

    answered = outcome[real] == "AGENT"
    queued = clocks["q_start"] > 0
    arrival = at("vru_exit", np.ones(len(cells), dtype=bool))
    served = answered & ~queued & (clocks["ser_start"] > 0)
    answer = at("q_exit", answered & queued).fillna(at("ser_start", served))
    answer = answer.fillna(arrival.where(answered))
    abandon = at("q_exit", ~answered & queued)
    known = answered & (cells["server"] != NO_SERVER).to_numpy()
    early = _stamped_early(table, real, arrival, answer.fillna(abandon))
    return make_call_log(
        call_id=cells["vru+line"] + "-" + cells["call_id"],
        call_type=cells["type"],
        arrival_at=arrival,
        queue_at=at("q_start", queued),
        answer_at=answer.where(~(answer < arrival), arrival),
        abandon_at=abandon.where(~(abandon < arrival), arrival),
        handle_s=handle_s.where(answered),
        agent=cells["server"].where(known, None),
        source=Path(path).name,
        stamped_early=early,
        priority=priority[real] == PRIORITY_CUSTOMER,
        priority_if_queued=True,
    )


def _stamped_early(
    table: TextTable, real: NDArray[np.bool_], arrival: pd.Series, left: pd.Series
) -> int:
    """Count calls answered or abandoned more than the clock skew before they arrived.

    Raises
    ------
    ScenarioError
        When they are more than :data:`EARLY_TOLERANCE` of the calls, naming the first one.
    """
    early = ((arrival - left).dt.total_seconds() > CLOCK_SKEW_S).to_numpy()
    count = int(early.sum())
    if count > EARLY_TOLERANCE * len(early):
        first_line = table.lines[np.flatnonzero(real)[np.flatnonzero(early)[0]]]
        raise ScenarioError(
            table.source,
            "",
            f"{count} of {len(early)} calls are answered or abandoned more than "
            f"{CLOCK_SKEW_S:.0f} s before they arrive, first on line {first_line}; at most "
            f"{EARLY_TOLERANCE:.0%} is accepted",
        )
    return count


def _clock_s(table: TextTable, column: str) -> NDArray[np.float64]:
    """Parse clock times ``h:mm:ss`` into seconds after midnight (``0:00:00`` gives 0)."""
    parts = table.text(column).str.extract(_CLOCK).astype(np.float64).to_numpy()
    seconds = parts @ np.array([3600.0, 60.0, 1.0])
    table.check(~(seconds < SECONDS_PER_DAY), column, "must be a clock time h:mm:ss")
    return seconds

"""Call logs: what a centre's ACD recorded, call by call, in one typed table.

The documented CSV format (``docs/reference/call-log.md``) is read by :func:`read_call_log` and
written by :func:`write_call_log`; :func:`log_from_records` turns the simulator's call records
into the same table, and ``sim.calibration.bank`` reads the "Anonymous Bank" format.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from sim.calibration.table import TextTable, read_table
from sim.engines.base import CallRecords, Outcome
from sim.errors import UsageError
from sim.files import atomic_write
from sim.scenario.checks import NAME_RULE, is_valid_name
from sim.scenario.inputs import Columns
from sim.scenario.plan import Plan

Column = ArrayLike | Sequence[str | None]
"""Values of one call-log column: an array, a pandas Series or a list."""

CALL_LOG_HEADER = (
    "call_id",
    "call_type",
    "arrival",
    "queue_entry",
    "answer",
    "abandon",
    "handle_s",
    "agent",
)
"""Required columns of the documented CSV format, in the order :func:`write_call_log` writes
them (then the optional ``priority``)."""
PRIORITY_COLUMN = "priority"

OUTCOMES = ("answered", "abandoned", "other")
"""Values of the derived ``outcome`` column."""

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
DATETIME_TEXT = "must be a date-time YYYY-MM-DD HH:MM:SS"
_COLUMNS = Columns("call log", CALL_LOG_HEADER, (PRIORITY_COLUMN,), frozenset())
_TEXT = pd.StringDtype()
_INSTANT = "datetime64[ns]"


@dataclass(frozen=True, eq=False)
class CallLog:
    """Calls offered to a centre's agent queues, one row per call.

    Attributes
    ----------
    calls : pandas.DataFrame
        Columns, typed:

        - ``call_id``, ``call_type`` (string): the call and its queue;
        - ``arrival_at`` (datetime64): when the call was offered to the agent queues;
        - ``queue_at`` (datetime64, NaT when it did not queue): when it entered a queue;
        - ``answer_at``, ``abandon_at`` (datetime64, NaT when it did not happen): at most one
          of the two;
        - ``handle_s`` (float64, NaN when not answered): talk plus after-call work, seconds;
        - ``agent`` (string, NA when unknown or not answered): who answered;
        - ``priority`` (bool): a priority customer, served before the regular callers of its
          queue (False where the log does not say);
        - ``outcome`` (categorical ``answered`` | ``abandoned`` | ``other``): derived; ``other``
          rows (callers who left before reaching the queues, calls dropped or transferred)
          are kept but left out of queue statistics;
        - ``wait_s`` (float64, NaN for ``other``): answer or abandonment minus arrival, seconds.
    source : str
        Name of the file the calls came from (or of what made them).
    stamped_early : int
        Calls whose answer or abandonment the file stamped well before their arrival (a
        record error, not clock skew), moved to the arrival by the reader.
    priority_if_queued : bool
        The file records the priority field only for calls that queued (the bank's): a call
        answered without queueing reads as a regular caller whoever called.
    """

    calls: pd.DataFrame
    source: str
    stamped_early: int = 0
    priority_if_queued: bool = False

    def __len__(self) -> int:
        return len(self.calls)

    def outcome_is(self, outcome: str) -> NDArray[np.bool_]:
        """Return where the outcome is ``answered``, ``abandoned`` or ``other``."""
        return (self.calls["outcome"] == outcome).to_numpy()


def make_call_log(
    *,
    call_id: Column,
    call_type: Column,
    arrival_at: Column,
    queue_at: Column,
    answer_at: Column,
    abandon_at: Column,
    handle_s: Column,
    agent: Column,
    source: str,
    stamped_early: int = 0,
    priority: Column | None = None,
    priority_if_queued: bool = False,
) -> CallLog:
    """Build a :class:`CallLog` from its columns, deriving ``outcome`` and ``wait_s``.

    Parameters
    ----------
    call_id, call_type : array-like of str
        One value per call.
    arrival_at, queue_at, answer_at, abandon_at : array-like of datetime64
        Instants; NaT where the event did not happen. A call with both an answer and an
        abandonment counts as answered (readers refuse such rows first).
    handle_s : array-like of float
        Handle time of answered calls, seconds (NaN otherwise).
    agent : array-like of str or None
        Who answered (None or NA when unknown).
    source : str
        Where the calls came from.
    stamped_early : int
        Calls the reader moved to their arrival (see :attr:`CallLog.stamped_early`).
    priority : array-like of bool, optional
        Which calls are priority customers' (default: none).
    priority_if_queued : bool
        See :attr:`CallLog.priority_if_queued`.

    Returns
    -------
    CallLog
        The typed table.
    """
    answer, abandon = _column(answer_at, _INSTANT), _column(abandon_at, _INSTANT)
    arrival = _column(arrival_at, _INSTANT)
    answered, abandoned = answer.notna().to_numpy(), abandon.notna().to_numpy()
    outcome = np.where(answered, "answered", np.where(abandoned, "abandoned", "other"))
    frame = pd.DataFrame(
        {
            "call_id": _column(call_id, _TEXT),
            "call_type": _column(call_type, _TEXT),
            "arrival_at": arrival,
            "queue_at": _column(queue_at, _INSTANT),
            "answer_at": answer,
            "abandon_at": abandon,
            "handle_s": _column(handle_s, np.float64),
            "agent": _column(agent, _TEXT),
            "priority": _column(
                np.zeros(len(arrival), dtype=bool) if priority is None else priority, bool
            ),
            "outcome": pd.Categorical(outcome, categories=OUTCOMES),
            "wait_s": (answer.fillna(abandon) - arrival).dt.total_seconds(),
        }
    )
    return CallLog(
        calls=frame,
        source=source,
        stamped_early=stamped_early,
        priority_if_queued=priority_if_queued,
    )


def _column(values: Column, dtype: object) -> pd.Series:
    """Return values as a column with a fresh 0..n-1 index (inputs may carry their own)."""
    return pd.Series(np.asarray(values), dtype=dtype)  # type: ignore[call-overload]


def read_call_log(path: str | Path) -> CallLog:
    """Read a call log in the documented CSV format (``docs/reference/call-log.md``).

    Parameters
    ----------
    path : str or Path
        CSV file with the header ``call_id,call_type,arrival,queue_entry,answer,abandon,
        handle_s,agent`` and optionally ``priority`` (any order).

    Returns
    -------
    CallLog
        The calls, ``source`` the file's name.

    Raises
    ------
    ScenarioError
        For the first bad row: ``FILE: line N, column C: what is wrong (got VALUE)``.
    """
    table = read_table(path, _COLUMNS)
    _check_names(table)
    instants = {
        column: table.datetimes(column, DATETIME_FORMAT, DATETIME_TEXT)
        for column in ("arrival", "queue_entry", "answer", "abandon")
    }
    table.require("arrival")
    _check_order(table, instants)
    answered = table.given("answer")
    table.require("handle_s", answered)
    handle_s = table.numbers("handle_s", seconds=True)
    for column in ("handle_s", "agent"):
        table.check(table.given(column) & ~answered, column, "must be empty: not answered")
    return make_call_log(
        priority=_priority(table),
        call_id=table.text("call_id"),
        call_type=table.text("call_type"),
        arrival_at=instants["arrival"],
        queue_at=instants["queue_entry"],
        answer_at=instants["answer"],
        abandon_at=instants["abandon"],
        handle_s=handle_s,
        agent=table.text("agent").where(table.given("agent"), None),
        source=Path(path).name,
    )


def _priority(table: TextTable) -> NDArray[np.bool_]:
    """Read the optional ``priority`` column: 1 a priority customer, 0 or empty not."""
    if PRIORITY_COLUMN not in table.cells:
        return np.zeros(len(table.cells), dtype=bool)
    flags = table.text(PRIORITY_COLUMN)
    table.check(~flags.isin(["", "0", "1"]).to_numpy(), PRIORITY_COLUMN, "must be 0 or 1")
    return (flags == "1").to_numpy()


def _check_names(table: TextTable) -> None:
    """Refuse missing or repeated call ids and call types that cannot name a call type."""
    table.require("call_id")
    ids = table.text("call_id")
    repeated = ids.duplicated().to_numpy()
    first_line = dict(zip(ids[::-1], table.lines[::-1], strict=True))
    table.check(
        repeated,
        "call_id",
        lambda row: f"is given twice, first on line {first_line[ids.iloc[row]]}",
    )
    table.require("call_type")
    valid = table.text("call_type").map(is_valid_name).to_numpy(dtype=bool)
    table.check(~valid, "call_type", f"is not a valid call type name: {NAME_RULE}")


def _check_order(table: TextTable, instants: dict[str, pd.Series]) -> None:
    """Refuse both outcomes at once, and events out of order."""
    both = table.given("answer") & table.given("abandon")
    table.check(both, "abandon", "must be empty when the call was answered")
    arrival = instants["arrival"]
    for column in ("queue_entry", "answer", "abandon"):
        early = (instants[column] < arrival).to_numpy()
        table.check(early, column, lambda row: f"must not be before arrival {arrival.iloc[row]}")
    queue = instants["queue_entry"]
    left = instants["answer"].fillna(instants["abandon"])
    late = (queue > left).to_numpy()
    table.check(
        late, "queue_entry", lambda row: f"must not be after the call left at {left.iloc[row]}"
    )


def write_call_log(log: CallLog, path: str | Path) -> None:
    """Write a call log in the documented CSV format, whole or not at all.

    Instants are written to the second (fractions dropped); empty cells stand for what did
    not happen.

    Parameters
    ----------
    log : CallLog
        The calls.
    path : str or Path
        Target CSV file; its folder must exist.
    """
    calls = log.calls
    columns: dict[str, list[str]] = {
        "call_id": calls["call_id"].tolist(),
        "call_type": calls["call_type"].tolist(),
        "arrival": _format_instants(calls["arrival_at"]),
        "queue_entry": _format_instants(calls["queue_at"]),
        "answer": _format_instants(calls["answer_at"]),
        "abandon": _format_instants(calls["abandon_at"]),
        "handle_s": [repr(float(x)) if np.isfinite(x) else "" for x in calls["handle_s"]],
        "agent": calls["agent"].fillna("").tolist(),
        PRIORITY_COLUMN: calls["priority"].astype(int).astype(str).tolist(),
    }
    header = (*CALL_LOG_HEADER, PRIORITY_COLUMN)
    rows = zip(*(columns[name] for name in header), strict=True)

    def write(target: Path) -> None:
        with target.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)

    atomic_write(Path(path), write)


def _format_instants(values: pd.Series) -> list[str]:
    return values.dt.strftime(DATETIME_FORMAT).fillna("").tolist()


def log_from_records(
    calls: CallRecords, plan: Plan, start_date: date, *, source: str = "simulation"
) -> CallLog:
    """Turn the call records of one simulated replication into a call log.

    Instants are seconds from midnight of day 0, so day ``d`` becomes ``start_date + d`` days.
    Answered calls keep their answer, handle time and agent (``GROUP-AGENT``); abandoned calls
    their abandonment; dropped calls become ``other``. A call that waited (answered later than
    it arrived, or abandoned) entered the queue when it arrived.

    Parameters
    ----------
    calls : CallRecords
        Records of a single replication.
    plan : Plan
        The plan simulated (call type and group names).
    start_date : datetime.date
        Date of day 0.
    source : str
        Name recorded as the log's source.

    Returns
    -------
    CallLog
        One row per offered call.

    Raises
    ------
    UsageError
        When the records hold more than one replication.
    """
    reps = np.unique(calls.rep)
    if len(reps) > 1:
        raise UsageError(f"the records must hold one replication (got {len(reps)})")
    midnight = np.datetime64(datetime.combine(start_date, datetime.min.time()), "ns")

    def instants(seconds: NDArray[np.float64]) -> NDArray[np.datetime64]:
        nanoseconds = np.round(np.nan_to_num(seconds) * 1e9).astype(np.int64)
        at = midnight + nanoseconds.astype("timedelta64[ns]")
        return np.where(np.isnan(seconds), np.datetime64("NaT", "ns"), at)

    answered = calls.outcome == Outcome.ANSWERED
    abandoned = calls.outcome == Outcome.ABANDONED
    waited = abandoned | (answered & (calls.answered_at > calls.arrived_at))
    agent = [
        f"{plan.groups[group]}-{who}" if took else None
        for group, who, took in zip(calls.group, calls.agent, answered, strict=True)
    ]
    return make_call_log(
        call_id=calls.call_id.astype(str),
        call_type=np.asarray(plan.call_types, dtype=object)[calls.call_type],
        arrival_at=instants(calls.arrived_at),
        queue_at=instants(np.where(waited, calls.arrived_at, np.nan)),
        answer_at=instants(np.where(answered, calls.answered_at, np.nan)),
        abandon_at=instants(np.where(abandoned, calls.left_at, np.nan)),
        handle_s=np.where(answered, calls.handle_s, np.nan),
        agent=agent,
        source=source,
    )

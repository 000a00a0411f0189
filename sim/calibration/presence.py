"""Agents' presence from their service records: working spans, and agents on duty per interval.

A call log shows who served, not who was logged in. Each agent's services of a day are chained
into working spans: from the start of a service to the end of the last one before a gap longer
than a threshold. Idle time between calls inside a span counts as available (the agent was
waiting for the next call); a longer gap is a break or a log-off. Summing the spans' overlap
with each interval gives the agents on duty there, on average.

The agents **ready** to take calls are the working spans cut by what the queue shows: an agent
who sits idle while a caller of a call type they serve waits longer than the pickup time (how
long an agent takes to pick up a caller already waiting) was not taking calls, so their span
ends at the first such moment of the idle gap and resumes with their next call. On a log the
simulator made from one group of agents, where an idle agent never leaves a caller waiting,
the cut changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim.calibration.calllog import DATETIME_FORMAT, DATETIME_TEXT
from sim.calibration.estimate import agent_activity
from sim.calibration.table import read_table
from sim.scenario.inputs import Columns

GAP_MINUTES = 15.0
"""Default threshold: an agent idle longer than this between two calls was away."""
PICKUP_QUANTILE = 0.9
"""The pickup time is this quantile of the times agents took to pick up a caller already waiting
when they ended a call: an agent idle longer than 9 in 10 agents took was not taking calls."""


@dataclass(frozen=True, eq=False)
class Spans:
    """Working spans of agents, one row per span.

    Attributes
    ----------
    agent : int64[n]
        Code of the agent.
    start_s, end_s : float64[n]
        Start of the span's first service and end of its last one (after-call work
        included), seconds on the caller's time line.
    """

    agent: NDArray[np.int64]
    start_s: NDArray[np.float64]
    end_s: NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Waits:
    """Callers who waited in the queues, one row per call that waited.

    Attributes
    ----------
    call_type : int64[m]
        Code of the call type (the codes of the services' call types).
    start_s, end_s : float64[m]
        Arrival, and answer or abandonment, seconds on the services' time line.
    """

    call_type: NDArray[np.int64]
    start_s: NDArray[np.float64]
    end_s: NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class ReadyCut:
    """What cuts working spans into the spans an agent was ready to take calls.

    Attributes
    ----------
    call_type : int64[n]
        Code of the call type of each service (for :class:`Waits`).
    waits : Waits
        The callers who waited.
    pickup_s : float
        Pickup time, seconds (:func:`pickup_time_s`).
    """

    call_type: NDArray[np.int64]
    waits: Waits
    pickup_s: float


def working_spans(
    agent: NDArray[np.int64],
    start_s: NDArray[np.float64],
    end_s: NDArray[np.float64],
    gap_s: float,
    ready: ReadyCut | None = None,
) -> Spans:
    """Chain each agent's services into working spans.

    Services of one agent, in order of start, belong to one span while each starts at most
    ``gap_s`` after every earlier service of the span has ended. With ``ready``, an idle gap
    also ends the span where a caller of a call type the agent served among these services
    had waited longer than the pickup time, at least the pickup time after the agent's last
    service ended (the module's doc): the span ends there, and the next one starts with the
    agent's next service.

    Parameters
    ----------
    agent : int64[n]
        Code of the agent of each service.
    start_s, end_s : float64[n]
        Service start and end, seconds (any common origin).
    gap_s : float
        Longest idle time inside a span, seconds (>= 0).
    ready : ReadyCut, optional
        The services' call types, the callers who waited and the pickup time.

    Returns
    -------
    Spans
        The spans, ordered by agent then start.
    """
    frame = pd.DataFrame({"agent": agent, "start_s": start_s, "end_s": end_s})
    if ready is not None:
        frame["call_type"] = ready.call_type
    frame = frame.sort_values(["agent", "start_s"], kind="stable").reset_index(drop=True)
    latest_end = frame.groupby("agent")["end_s"].cummax()
    previous_end = latest_end.groupby(frame["agent"]).shift()
    new_span = previous_end.isna() | (frame["start_s"] - previous_end > gap_s)
    if ready is not None:
        idle_until_s = _first_unanswered_wait_s(frame, previous_end, new_span, ready)
        cut = idle_until_s.notna()
        new_span |= cut
        # the service before a cut gap ends its span; its agent stayed ready until the cut
        before = np.flatnonzero(cut.to_numpy()) - 1
        frame.loc[before, "end_s"] = idle_until_s[cut].to_numpy()
    spans = frame.groupby(new_span.cumsum().to_numpy()).agg(
        agent=("agent", "first"), start_s=("start_s", "min"), end_s=("end_s", "max")
    )
    return Spans(
        agent=spans["agent"].to_numpy(dtype=np.int64),
        start_s=spans["start_s"].to_numpy(dtype=np.float64),
        end_s=spans["end_s"].to_numpy(dtype=np.float64),
    )


def _first_unanswered_wait_s(
    frame: pd.DataFrame, previous_end: pd.Series, new_span: pd.Series, ready: ReadyCut
) -> pd.Series:
    """Where each idle gap inside a span first saw a caller wait while its agent sat idle.

    Returns
    -------
    pandas.Series
        Per service (``frame``'s order), the first instant of the idle gap before it, at least
        the pickup time after the gap starts, at which a caller of a call type its agent
        served had waited longer than the pickup time; NaN where there is none.
    """
    pickup_s = ready.pickup_s
    waits = ready.waits
    long_enough = waits.end_s - waits.start_s > pickup_s
    idle_until_s = pd.Series(np.nan, index=frame.index)
    gap_start_s = previous_end + pickup_s
    in_gap = (~new_span & (frame["start_s"] > gap_start_s)).to_numpy()
    for _, rows in frame.groupby("agent"):
        served = np.isin(waits.call_type, rows["call_type"].unique()) & long_enough
        union_start_s, union_end_s = _union(waits.start_s[served] + pickup_s, waits.end_s[served])
        mine = rows.index[in_gap[rows.index]]
        if not len(mine) or not len(union_start_s):
            continue
        after_s = gap_start_s[mine].to_numpy()
        block = np.searchsorted(union_end_s, after_s, side="right")
        found = block < len(union_start_s)
        first_s = np.full(len(mine), np.inf)
        first_s[found] = np.maximum(union_start_s[block[found]], after_s[found])
        cut = first_s < frame["start_s"][mine].to_numpy()
        idle_until_s[mine[cut]] = first_s[cut]
    return idle_until_s


def _union(
    start_s: NDArray[np.float64], end_s: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Merge intervals ``[start, end)`` into disjoint ones, in order."""
    if not len(start_s):
        return start_s, end_s
    order = np.argsort(start_s, kind="stable")
    start_s, end_s = start_s[order], end_s[order]
    reach_s = np.maximum.accumulate(end_s)
    new = np.ones(len(start_s), dtype=bool)
    new[1:] = start_s[1:] > reach_s[:-1]
    first = np.flatnonzero(new)
    last = np.append(first[1:], len(start_s)) - 1
    return start_s[first], reach_s[last]


def pickup_time_s(
    agent: NDArray[np.int64],
    start_s: NDArray[np.float64],
    end_s: NDArray[np.float64],
    waited_since_s: NDArray[np.float64],
    *,
    gap_s: float = GAP_MINUTES * 60.0,
    quantile: float = PICKUP_QUANTILE,
) -> float:
    """How long agents take to pick up a caller who is already waiting when they end a call.

    For each service whose caller had been waiting since before the agent's previous service
    ended (in the same working span), the time from that end to this service's start; the
    ``quantile`` of those times. It holds what the service records leave out between two
    calls (ringing, the agent's clicks), and a log where idle agents answer waiting callers
    at once gives 0.

    Parameters
    ----------
    agent : int64[n]
        Code of the agent of each service.
    start_s, end_s : float64[n]
        Service start and end, seconds.
    waited_since_s : float64[n]
        When each service's caller started waiting (their arrival), seconds; NaN when they
        did not wait.
    gap_s : float
        Longest idle time inside a working span, seconds.
    quantile : float
        Which quantile, in (0, 1).

    Returns
    -------
    float
        The pickup time, seconds (0 when no caller was waiting as an agent ended a call).
    """
    frame = pd.DataFrame(
        {"agent": agent, "start_s": start_s, "end_s": end_s, "since_s": waited_since_s}
    ).sort_values(["agent", "start_s"], kind="stable")
    previous_end = frame.groupby("agent")["end_s"].cummax().groupby(frame["agent"]).shift()
    pickup_s = frame["start_s"] - previous_end
    waiting = (frame["since_s"] < previous_end) & (pickup_s >= 0) & (pickup_s <= gap_s)
    if not waiting.any():
        return 0.0
    return float(np.quantile(pickup_s[waiting], quantile))


def agents_present(spans: Spans, interval_s: float, n_intervals: int) -> NDArray[np.float64]:
    """Agents on duty in consecutive intervals: the spans' time in each, over its length.

    Parameters
    ----------
    spans : Spans
        Working spans, seconds from the start of interval 0 (an agent's spans do not overlap).
    interval_s : float
        Interval length, seconds.
    n_intervals : int
        Intervals; time outside them is left out.

    Returns
    -------
    float64[n_intervals]
        Mean agents on duty in each interval.
    """
    return agent_activity(spans.agent, spans.start_s, spans.end_s, interval_s, n_intervals).busy


def reconstructed_presence(
    agent: NDArray[np.int64],
    start_s: NDArray[np.float64],
    end_s: NDArray[np.float64],
    interval_s: float,
    n_intervals: int,
    *,
    gap_s: float = GAP_MINUTES * 60.0,
    ready: ReadyCut | None = None,
) -> NDArray[np.float64]:
    """Agents on duty per interval, reconstructed from services (see the module's doc).

    Parameters
    ----------
    agent : int64[n]
        Code of the agent of each service.
    start_s, end_s : float64[n]
        Service start and end, seconds from the start of interval 0.
    interval_s : float
        Interval length, seconds.
    n_intervals : int
        Intervals.
    gap_s : float
        Longest idle time inside a working span, seconds.
    ready : ReadyCut, optional
        Count only the agents ready to take calls (:func:`working_spans`).

    Returns
    -------
    float64[n_intervals]
        Mean agents on duty in each interval.
    """
    spans = working_spans(agent, start_s, end_s, gap_s, ready)
    return agents_present(spans, interval_s, n_intervals)


@dataclass(frozen=True, eq=False)
class ServiceRecords:
    """A call log's services and waits on one time line, for the presence estimates.

    Attributes
    ----------
    agent : int64[n]
        Code of the agent of each answered call with a known agent.
    start_s, end_s : float64[n]
        Its answer, and answer plus handle time, seconds after the origin.
    waited_since_s : float64[n]
        Its arrival where its caller waited (wait > 0), else NaN, seconds after the origin.
    call_type : int64[n]
        Code of its call type (the codes of ``waits``).
    waits : Waits
        Every answered or abandoned call that waited.
    """

    agent: NDArray[np.int64]
    start_s: NDArray[np.float64]
    end_s: NDArray[np.float64]
    waited_since_s: NDArray[np.float64]
    call_type: NDArray[np.int64]
    waits: Waits

    def pickup_time_s(self, gap_s: float) -> float:
        """Return the pickup time of these services (:func:`pickup_time_s`), seconds."""
        return pickup_time_s(self.agent, self.start_s, self.end_s, self.waited_since_s, gap_s=gap_s)

    def ready_cut(self, pickup_s: float) -> ReadyCut:
        """Return what cuts the working spans of these services into ready spans."""
        return ReadyCut(call_type=self.call_type, waits=self.waits, pickup_s=pickup_s)


def service_records(calls: pd.DataFrame, origin: pd.Timestamp) -> ServiceRecords:
    """Take a call log's services and waits, seconds after ``origin``.

    Parameters
    ----------
    calls : pandas.DataFrame
        :attr:`sim.calibration.calllog.CallLog.calls`, or some of its rows.
    origin : pandas.Timestamp
        Instant 0 of the time line.

    Returns
    -------
    ServiceRecords
        Answered calls with a known agent (a missing handle time counts as 0 s) and the
        waits of every answered or abandoned call.
    """
    offered = calls[calls["outcome"] != "other"]
    codes = pd.factorize(offered["call_type"])[0].astype(np.int64)
    arrival_s = np.asarray((offered["arrival_at"] - origin).dt.total_seconds(), dtype=np.float64)
    wait_s = offered["wait_s"].to_numpy(dtype=np.float64)
    waited = wait_s > 0
    served = ((offered["outcome"] == "answered") & offered["agent"].notna()).to_numpy()
    start_s = np.asarray((offered["answer_at"][served] - origin).dt.total_seconds(), np.float64)
    handle_s = np.nan_to_num(offered["handle_s"].to_numpy(dtype=np.float64)[served])
    return ServiceRecords(
        agent=pd.factorize(offered["agent"][served])[0].astype(np.int64),
        start_s=start_s,
        end_s=start_s + handle_s,
        waited_since_s=np.where(waited, arrival_s, np.nan)[served],
        call_type=codes[served],
        waits=Waits(
            call_type=codes[waited],
            start_s=arrival_s[waited],
            end_s=arrival_s[waited] + wait_s[waited],
        ),
    )


ROSTER_COLUMNS = Columns("roster of spans", ("agent", "start", "end"), (), frozenset())
"""A roster of who was logged in: one row per agent and span."""


def read_roster(path: str | Path) -> pd.DataFrame:
    """Read a roster of who was logged in: ``agent,start,end``, one row per span.

    ``start`` and ``end`` are date-times ``YYYY-MM-DD HH:MM:SS`` (as in a call log); an agent
    may have several spans a day (breaks between them), which must not overlap.

    Parameters
    ----------
    path : str or Path
        The CSV file.

    Returns
    -------
    pandas.DataFrame
        ``agent`` (string), ``start_at``, ``end_at`` (datetime64).

    Raises
    ------
    ScenarioError
        For the first bad row: ``FILE: line N, column C: what is wrong (got VALUE)``.
    """
    table = read_table(path, ROSTER_COLUMNS)
    for column in ROSTER_COLUMNS.required:
        table.require(column)
    start = table.datetimes("start", DATETIME_FORMAT, DATETIME_TEXT)
    end = table.datetimes("end", DATETIME_FORMAT, DATETIME_TEXT)
    table.check((end <= start).to_numpy(), "end", "must be after start")
    frame = pd.DataFrame({"agent": table.text("agent"), "start_at": start, "end_at": end})
    order = frame.sort_values(["agent", "start_at"], kind="stable")
    overlap = (order["start_at"] < order.groupby("agent")["end_at"].shift()).to_numpy()
    rows = np.zeros(len(frame), dtype=bool)
    rows[order.index[overlap]] = True
    table.check(rows, "start", "must not be before the end of the agent's earlier span")
    return frame

"""Agents' presence from their service records: working spans, and agents on duty per interval.

A call log shows who served, not who was logged in. Each agent's services of a day are chained
into working spans: from the start of a service to the end of the last one before a gap longer
than a threshold. Idle time between calls inside a span counts as available (the agent was
waiting for the next call); a longer gap is a break or a log-off. Summing the spans' overlap
with each interval gives the agents on duty there, on average.
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


def working_spans(
    agent: NDArray[np.int64],
    start_s: NDArray[np.float64],
    end_s: NDArray[np.float64],
    gap_s: float,
) -> Spans:
    """Chain each agent's services into working spans.

    Services of one agent, in order of start, belong to one span while each starts at most
    ``gap_s`` after every earlier service of the span has ended.

    Parameters
    ----------
    agent : int64[n]
        Code of the agent of each service.
    start_s, end_s : float64[n]
        Service start and end, seconds (any common origin).
    gap_s : float
        Longest idle time inside a span, seconds (>= 0).

    Returns
    -------
    Spans
        The spans, ordered by agent then start.
    """
    frame = pd.DataFrame({"agent": agent, "start_s": start_s, "end_s": end_s})
    frame = frame.sort_values(["agent", "start_s"], kind="stable")
    latest_end = frame.groupby("agent")["end_s"].cummax()
    previous_end = latest_end.groupby(frame["agent"]).shift()
    new_span = previous_end.isna() | (frame["start_s"] - previous_end > gap_s)
    spans = frame.groupby(new_span.cumsum().to_numpy()).agg(
        agent=("agent", "first"), start_s=("start_s", "min"), end_s=("end_s", "max")
    )
    return Spans(
        agent=spans["agent"].to_numpy(dtype=np.int64),
        start_s=spans["start_s"].to_numpy(dtype=np.float64),
        end_s=spans["end_s"].to_numpy(dtype=np.float64),
    )


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

    Returns
    -------
    float64[n_intervals]
        Mean agents on duty in each interval.
    """
    return agents_present(working_spans(agent, start_s, end_s, gap_s), interval_s, n_intervals)


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

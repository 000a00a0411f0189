"""Call-log readers (documented CSV, the bank's format, records); one-line errors for bad rows."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import invoke, make_scenario

from sim.calibration import (
    log_from_records,
    read_any_log,
    read_bank_log,
    read_call_log,
    write_call_log,
)
from sim.errors import ScenarioError, UsageError
from sim.simulation import simulate

HEADER = "call_id,call_type,arrival,queue_entry,answer,abandon,handle_s,agent"
GOOD = f"""\
{HEADER}
c1,sales,2024-03-04 08:00:05,,2024-03-04 08:00:05,,185.5,ann
c2,sales,2024-03-04 08:01:00,2024-03-04 08:01:00,,2024-03-04 08:02:30,,

c3,service,2024-03-04 08:02:00,2024-03-04 08:02:00,2024-03-04 08:02:40,,300,bob
c4,service,2024-03-04 08:03:00,,,,,
"""

BANK_HEADER = "\t".join(
    [
        "vru+line",
        "call_id",
        "customer_id",
        "priority",
        "type",
        "date",
        "vru_entry",
        "vru_exit",
        "vru_time",
        "q_start",
        "q_exit",
        "q_time",
        "outcome",
        "ser_start",
        "ser_exit",
        "ser_time",
        "server",
    ]
)
# call_id type vru_entry vru_exit q_start q_exit outcome ser_start ser_time server; the other
# columns (vru+line AA0101, date 990103, ...) are filled in by bank_file().
BANK_ROWS = [
    # queued, answered: ser_start a second before the queue exit, which ends the wait
    "1 PS 10:00:00 10:00:05 10:00:05 10:01:05 AGENT 10:01:04 120 AGENT_01",
    # unqueued, answered at once by an unknown agent (ser_start a second before the arrival)
    "2 PS 10:05:00 10:05:06 0:00:00 0:00:00 AGENT 10:05:05 60 NO_SERVER",
    # queued, abandoned
    "3 NW 10:10:00 10:10:05 10:10:05 10:10:45 HANG 0:00:00 0 NO_SERVER",
    # left from the VRU
    "4 PS 10:20:00 10:20:09 0:00:00 0:00:00 HANG 0:00:00 0 NO_SERVER",
    # virtual call
    "5 PS 10:30:00 10:30:05 0:00:00 0:00:00 PHANTOM 0:00:00 0 NO_SERVER",
    # crosses midnight in the queue
    "6 PS 23:59:20 23:59:28 23:59:28 0:00:03 AGENT 0:00:03 52 AGENT_02",
    # answered, but no service start recorded
    "7 PS 12:00:00 12:00:05 0:00:00 0:00:00 AGENT 0:00:00 0 AGENT_03",
]
BANK_FIELDS = [
    "call_id",
    "type",
    "vru_entry",
    "vru_exit",
    "q_start",
    "q_exit",
    "outcome",
    "ser_start",
    "ser_time",
    "server",
]
BANK_FILLED = {
    "vru+line": "AA0101",
    "customer_id": "0",
    "priority": "0",
    "date": "990103",
    "vru_time": "0",
    "q_time": "0",
    "ser_exit": "0:00:00",
}


def write(folder: Path, text: str, name: str = "log.csv") -> Path:
    """Write a file and return its path."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def bank_file(folder: Path, rows: list[str], **changes: str) -> Path:
    """Write a bank-format file from rows of :data:`BANK_FIELDS`; ``changes`` alter the last."""
    records = [{**BANK_FILLED, **dict(zip(BANK_FIELDS, row.split(), strict=True))} for row in rows]
    records[-1].update(changes)
    header = BANK_HEADER.split("\t")
    lines = [BANK_HEADER, *("\t".join(record[name] for name in header) for record in records)]
    return write(folder, "\n".join(lines) + "\n", "bank.tsv")


class TestCallLogFormat:
    """The documented CSV format."""

    def test_read(self, tmp_path: Path) -> None:
        """Outcomes and waits are derived; empty cells are NaT, NaN or NA; blank lines skipped."""
        log = read_call_log(write(tmp_path, GOOD))
        calls = log.calls
        assert "log.csv" == log.source
        assert ["answered", "abandoned", "answered", "other"] == list(calls["outcome"])
        np.testing.assert_array_equal([0.0, 90.0, 40.0, np.nan], calls["wait_s"])
        assert [185.5, 300.0] == list(calls["handle_s"].dropna())
        assert ["ann", "bob"] == list(calls["agent"].dropna())
        assert pd.isna(calls["queue_at"][0])
        assert "datetime64[ns]" == str(calls["arrival_at"].dtype)

    def test_write_then_read(self, tmp_path: Path) -> None:
        """Writing a log and reading it back gives the same table."""
        log = read_call_log(write(tmp_path, GOOD))
        target = tmp_path / "again.csv"
        write_call_log(log, target)
        pd.testing.assert_frame_equal(log.calls, read_call_log(target).calls)

    def test_priority_column(self, tmp_path: Path) -> None:
        """The optional priority column: 1 a priority customer; written and read back."""
        text = GOOD.replace(HEADER, f"{HEADER},priority").replace("ann\n", "ann,1\n")
        text = text.replace(",,\n", ",,,\n").replace("bob\n", "bob,0\n")
        log = read_call_log(write(tmp_path, text))
        assert [True, False, False, False] == list(log.calls["priority"])
        assert not log.priority_if_queued  # the CSV format records it for every call
        target = tmp_path / "again.csv"
        write_call_log(log, target)
        pd.testing.assert_frame_equal(log.calls, read_call_log(target).calls)
        bad = write(tmp_path, text.replace("ann,1", "ann,yes"))
        with pytest.raises(ScenarioError, match="line 2, column priority: must be 0 or 1"):
            read_call_log(bad)


BAD_ROWS = {
    "date-time": (
        "c1,sales,2024-03-04 8h00,,,,,",
        "line 2, column arrival: must be a date-time YYYY-MM-DD HH:MM:SS (got '2024-03-04 8h00')",
    ),
    "no arrival": ("c1,sales,,,,,,", "line 2, column arrival: is required (got '')"),
    "both outcomes": (
        "c1,sales,2024-03-04 08:00:00,,2024-03-04 08:00:10,2024-03-04 08:00:20,5,",
        "line 2, column abandon: must be empty when the call was answered "
        "(got '2024-03-04 08:00:20')",
    ),
    "answer before arrival": (
        "c1,sales,2024-03-04 08:00:00,,2024-03-04 07:59:00,,5,",
        "line 2, column answer: must not be before arrival 2024-03-04 08:00:00 "
        "(got '2024-03-04 07:59:00')",
    ),
    "queue entry after answer": (
        "c1,sales,2024-03-04 08:00:00,2024-03-04 08:01:00,2024-03-04 08:00:30,,5,",
        "line 2, column queue_entry: must not be after the call left at 2024-03-04 08:00:30 "
        "(got '2024-03-04 08:01:00')",
    ),
    "no handle time": (
        "c1,sales,2024-03-04 08:00:00,,2024-03-04 08:00:10,,,",
        "line 2, column handle_s: is required (got '')",
    ),
    "huge handle time": (
        "c1,sales,2024-03-04 08:00:00,,2024-03-04 08:00:10,,1e308,",
        "line 2, column handle_s: must be at most 1e+07 s (got '1e308')",
    ),
    "date past the range": (
        "c1,sales,9999-12-31 23:59:59,,,,,",
        "line 2, column arrival: must be from 1900 to 2199 (got '9999-12-31 23:59:59')",
    ),
    "negative handle time": (
        "c1,sales,2024-03-04 08:00:00,,2024-03-04 08:00:10,,-5,",
        "line 2, column handle_s: must be a number >= 0 (got '-5')",
    ),
    "handle time not answered": (
        "c1,sales,2024-03-04 08:00:00,,,2024-03-04 08:00:10,5,",
        "line 2, column handle_s: must be empty: not answered (got '5')",
    ),
    "agent not answered": (
        "c1,sales,2024-03-04 08:00:00,,,2024-03-04 08:00:10,,ann",
        "line 2, column agent: must be empty: not answered (got 'ann')",
    ),
    "call type name": (
        "c1,2nd line,2024-03-04 08:00:00,,,,,",
        "line 2, column call_type: is not a valid call type name: names start with a letter and "
        "use letters, digits, '_' or '-', and 'all' is reserved (got '2nd line')",
    ),
    "duplicate id": (
        "c1,sales,2024-03-04 08:00:00,,,,,\nc1,sales,2024-03-04 08:00:00,,,,,",
        "line 3, column call_id: is given twice, first on line 2 (got 'c1')",
    ),
    "too many cells": (
        "c1,sales,2024-03-04 08:00:00,,,,,,x",
        "line 2: has 9 cells, the header has 8 columns "
        "(got ['c1', 'sales', '2024-03-04 08:00:00', '', '', '', '', '', 'x'])",
    ),
}


class TestBadRows:
    """Each bad row gives one line: file, line, column, what is wrong, and the value."""

    @pytest.mark.parametrize("case", list(BAD_ROWS), ids=list(BAD_ROWS))
    def test_bad_row(self, tmp_path: Path, case: str) -> None:
        """The first bad row is named with its line, column and value."""
        row, expected = BAD_ROWS[case]
        path = write(tmp_path, f"{HEADER}\n{row}\n")
        with pytest.raises(ScenarioError) as raised:
            read_call_log(path)
        assert f"{path}: {expected}" == str(raised.value)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            (
                "call_id,call_type,arrival\n",
                "line 1: needs columns call_id, call_type, arrival, queue_entry, answer, "
                "abandon, handle_s, agent (got call_id,call_type,arrival)",
            ),
            (
                f"{HEADER},extra\n",
                "line 1: unknown column, expected some of: call_id, call_type, arrival, "
                "queue_entry, answer, abandon, handle_s, agent, priority (got 'extra')",
            ),
            (f"{HEADER}\n\n", "has no rows below the header"),
            ("", "the call log is empty"),
        ],
        ids=["missing column", "unknown column", "no rows", "empty"],
    )
    def test_bad_file(self, tmp_path: Path, text: str, expected: str) -> None:
        """A wrong header or an empty file is one line too."""
        path = write(tmp_path, text)
        with pytest.raises(ScenarioError) as raised:
            read_call_log(path)
        assert f"{path}: {expected}" == str(raised.value)

    def test_missing_file(self, tmp_path: Path) -> None:
        """A file that cannot be read says so."""
        path = tmp_path / "none.csv"
        with pytest.raises(ScenarioError, match="cannot read call log"):
            read_call_log(path)


class TestBankFormat:
    """The Anonymous Bank's tab-separated records."""

    def test_mapping(self, tmp_path: Path) -> None:
        """Phantoms dropped, VRU hang-ups kept as other, waits from the queue, midnight crossed."""
        calls = read_bank_log(bank_file(tmp_path, BANK_ROWS)).calls
        expected_ids = [f"AA0101-{n}" for n in (1, 2, 3, 4, 6, 7)]
        assert expected_ids == list(calls["call_id"])
        expected_outcomes = ["answered", "answered", "abandoned", "other", "answered", "answered"]
        assert expected_outcomes == list(calls["outcome"])
        np.testing.assert_array_equal([60.0, 0.0, 40.0, np.nan, 35.0, 0.0], calls["wait_s"])
        assert pd.Timestamp("1999-01-04 00:00:03") == calls["answer_at"][4]
        assert ["AGENT_01", None, None, None, "AGENT_02", "AGENT_03"] == [
            None if pd.isna(agent) else agent for agent in calls["agent"]
        ]
        np.testing.assert_array_equal([120.0, 60.0, np.nan, np.nan, 52.0, 0.0], calls["handle_s"])
        assert ["PS", "PS", "NW", "PS", "PS", "PS"] == list(calls["call_type"])
        assert pd.isna(calls["queue_at"][1])

    @pytest.mark.parametrize(
        ("field", "value", "expected"),
        [
            ("outcome", "BUSY", "column outcome: must be AGENT, HANG or PHANTOM (got 'BUSY')"),
            ("q_exit", "25:00:00", "column q_exit: must be a clock time h:mm:ss (got '25:00:00')"),
            ("date", "990230", "column date: must be a date yymmdd (got '990230')"),
            ("ser_time", "1e9", "column ser_time: must be at most 1e+07 s (got '1e9')"),
            (
                "ser_time",
                "x",
                "column ser_time: must be a whole number of seconds >= 0 (got 'x')",
            ),
        ],
    )
    def test_bad_row(self, tmp_path: Path, field: str, value: str, expected: str) -> None:
        """A bad cell is named with its line, column and value."""
        path = bank_file(tmp_path, BANK_ROWS[:2], **{field: value})
        with pytest.raises(ScenarioError) as raised:
            read_bank_log(path)
        assert f"{path}: line 3, {expected}" == str(raised.value)

    def test_priority_customers(self, tmp_path: Path) -> None:
        """Priority 2 is a priority customer; 0 and 1 are regular; anything else is refused.

        The log says the field holds for queued calls only (the file's documentation: the
        customer of a call that did not queue is not recorded, so it reads priority 0).
        """
        rows = [*BANK_ROWS[:2], BANK_ROWS[2]]
        path = bank_file(tmp_path, rows, priority="2")
        assert [False, False, True] == list(read_bank_log(path).calls["priority"])
        assert read_bank_log(path).priority_if_queued  # recorded for queued calls only
        path = bank_file(tmp_path, BANK_ROWS[:2], priority="3")
        with pytest.raises(ScenarioError, match="line 3, column priority: must be 0, 1 or 2"):
            read_bank_log(path)

    def test_early_stamps_are_counted(self, tmp_path: Path) -> None:
        """An answer hours before the arrival is moved to it and counted; skew is not counted.

        One such call in 101 is within the 1% tolerance.
        """
        early = "8 PS 10:40:00 10:40:05 0:00:00 0:00:00 AGENT 8:00:00 60 AGENT_01"
        log = read_bank_log(bank_file(tmp_path, [*BANK_ROWS[:1] * 100, early]))
        assert 1 == log.stamped_early
        assert 0.0 == log.calls["wait_s"].iloc[-1]
        assert 0 == read_bank_log(bank_file(tmp_path, BANK_ROWS)).stamped_early  # 1 s skew

    def test_too_many_early_stamps_are_refused(self, tmp_path: Path) -> None:
        """Beyond the tolerance: one line naming the file, the count and the first line."""
        early = "8 NW 10:40:00 10:40:05 10:40:05 9:00:00 HANG 0:00:00 0 NO_SERVER"
        path = bank_file(tmp_path, [*BANK_ROWS[:2], early])
        with pytest.raises(ScenarioError) as raised:
            read_bank_log(path)
        assert (
            f"{path}: 1 of 3 calls are answered or abandoned more than 60 s before they "
            "arrive, first on line 4; at most 1% is accepted"
        ) == str(raised.value)
        code, _, err = invoke("replay", str(path))
        assert 2 == code
        assert 1 == len(err.strip().splitlines())

    def test_real_month(self, bank_log: Path) -> None:
        """January 1999 matches the data's description: calls, served, abandoned, AHT, waits."""
        log = read_bank_log(bank_log)
        calls = log.calls
        assert 31_359 == len(calls)
        assert {"answered": 27_060, "abandoned": 3_101, "other": 1_198} == dict(
            calls["outcome"].value_counts()
        )
        answered = calls[calls["outcome"] == "answered"]
        handled = answered["handle_s"][answered["handle_s"] > 0]
        assert 185.3 == pytest.approx(handled.mean(), abs=0.05)
        queued = answered[answered["queue_at"].notna()]
        assert 69.8 == pytest.approx(queued["wait_s"].mean(), abs=0.05)
        abandoned = calls[calls["outcome"] == "abandoned"]
        assert 60.7 == pytest.approx(abandoned["wait_s"].mean(), abs=0.05)
        assert 0 == (calls["wait_s"] < 0).sum()
        assert 2 == log.stamped_early
        assert 8_727 == calls["priority"][calls["outcome"] != "other"].sum()


class TestAnyFormat:
    """The format is told by the header, or given."""

    def test_auto(self, tmp_path: Path) -> None:
        """A tab-separated header is the bank's; a comma-separated one the documented CSV."""
        assert 6 == len(read_any_log(bank_file(tmp_path, BANK_ROWS)))
        assert 4 == len(read_any_log(write(tmp_path, GOOD)))

    def test_given_format(self, tmp_path: Path) -> None:
        """A format given is used as is (the CSV reader refuses the bank's header)."""
        with pytest.raises(ScenarioError, match="line 1: needs columns"):
            read_any_log(bank_file(tmp_path, BANK_ROWS), "ccsim")
        with pytest.raises(UsageError, match="format must be one of auto, ccsim, bank"):
            read_any_log(write(tmp_path, GOOD), "excel")


class TestFromRecords:
    """Simulator records become a call log."""

    def test_one_replication_only(self) -> None:
        """Records of several replications are refused."""
        result = simulate(make_scenario(), reps=2, seed=1, engine="simpy", keep_records=True)
        assert result.calls is not None
        with pytest.raises(UsageError, match="one replication"):
            log_from_records(result.calls, result.plan, pd.Timestamp("2024-01-01").date())

    def test_agents_and_queue(self) -> None:
        """Answered calls name group and agent; calls that waited entered the queue on arrival."""
        result = simulate(make_scenario(), reps=1, seed=1, engine="simpy", keep_records=True)
        assert result.calls is not None
        calls = log_from_records(result.calls, result.plan, pd.Timestamp("2024-01-01").date())
        frame = calls.calls
        answered = frame[frame["outcome"] == "answered"]
        assert answered["agent"].str.startswith("agents-").all()
        waited = frame["wait_s"] > 0
        assert (frame["queue_at"][waited] == frame["arrival_at"][waited]).all()
        assert frame["queue_at"][~waited].isna().all()
        assert math.isclose(
            float(answered["handle_s"].sum()), float(np.nansum(result.calls.handle_s))
        )

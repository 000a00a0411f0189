"""Delimited call-log files as columns of text, checked column by column with one-line errors.

A problem names the file, the line and the column of the first row at fault, and the value:
``FILE: line N, column C: what is wrong (got VALUE)`` (a :class:`~sim.errors.ScenarioError`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim.errors import ScenarioError
from sim.scenario.inputs import Columns, check_header, read_csv
from sim.scenario.limits import MAX_DURATION_S, MAX_NUMBER

FIRST_DATE, END_DATE = pd.Timestamp("1900-01-01"), pd.Timestamp("2200-01-01")
"""Dates a log may hold: from the first, before the end (nanosecond date-times end in 2262)."""

Expectation = str | Callable[[int], str]
"""What a bad cell should have been: a text, or a function of the row (for row-dependent text)."""


@dataclass(frozen=True, eq=False)
class TextTable:
    """The data rows of a delimited file: stripped text per column and the line of each row.

    Attributes
    ----------
    source : str
        The file as the user named it, for messages.
    cells : pandas.DataFrame
        One text column per header column, one row per data row (blank lines left out).
    lines : int64[rows]
        Line of each row in the file (the header is line 1).
    """

    source: str
    cells: pd.DataFrame
    lines: NDArray[np.int64]

    def text(self, column: str) -> pd.Series:
        """Return a column's cells (empty string where the cell is empty)."""
        return self.cells[column]

    def given(self, column: str) -> NDArray[np.bool_]:
        """Return where a column's cell is not empty."""
        return (self.cells[column] != "").to_numpy()

    def check(self, bad: NDArray[np.bool_], column: str, expectation: Expectation) -> None:
        """Raise on the first row where ``bad`` holds, naming its line, the column and the cell.

        Parameters
        ----------
        bad : bool[rows]
            Rows at fault.
        column : str
            The column at fault.
        expectation : str or callable
            What the cell should be (``must be a number >= 0``), or a function of the row's
            position that says it.

        Raises
        ------
        ScenarioError
            ``FILE: line N, column C: EXPECTATION (got 'CELL')``.
        """
        if not bad.any():
            return
        row = int(np.flatnonzero(bad)[0])
        message = expectation(row) if callable(expectation) else expectation
        got = self.cells[column].iloc[row]
        where = f"line {self.lines[row]}, column {column}"
        raise ScenarioError(self.source, where, f"{message} (got {got!r})")

    def require(self, column: str, needed: NDArray[np.bool_] | None = None) -> None:
        """Raise on the first row (of those ``needed``, default all) whose cell is empty."""
        missing = ~self.given(column)
        self.check(missing if needed is None else missing & needed, column, "is required")

    def numbers(
        self, column: str, expectation: str = "must be a number >= 0", *, seconds: bool = False
    ) -> pd.Series:
        """Parse a column of finite numbers >= 0 (NaN where empty), refusing anything else.

        Numbers have the scenario's size limits (:mod:`sim.scenario.limits`): durations
        (``seconds``) at most ``MAX_DURATION_S``, any other number at most ``MAX_NUMBER``.
        """
        values = pd.to_numeric(self.text(column), errors="coerce").astype(np.float64)
        array = values.to_numpy()
        given = self.given(column)
        self.check(given & ~(np.isfinite(array) & (array >= 0)), column, expectation)
        most, unit = (MAX_DURATION_S, " s") if seconds else (MAX_NUMBER, "")
        self.check(given & (array > most), column, f"must be at most {most:g}{unit}")
        return values

    def datetimes(self, column: str, fmt: str, expectation: str) -> pd.Series:
        """Parse a column of date-times written as ``fmt`` (NaT where empty).

        Parameters
        ----------
        column : str
            The column.
        fmt : str
            ``strptime`` format, e.g. ``%Y-%m-%d %H:%M:%S``.
        expectation : str
            The message for a cell that does not parse.

        Raises
        ------
        ScenarioError
            For a cell that does not parse, or a date outside :data:`FIRST_DATE` to
            :data:`END_DATE`.
        """
        values = pd.to_datetime(self.text(column), format=fmt, errors="coerce")
        self.check(self.given(column) & values.isna().to_numpy(), column, expectation)
        outside = ((values < FIRST_DATE) | (values >= END_DATE)).to_numpy()
        self.check(outside, column, f"must be from {FIRST_DATE:%Y} to {END_DATE.year - 1}")
        return values.astype("datetime64[ns]")


def read_table(path: str | Path, columns: Columns, *, delimiter: str = ",") -> TextTable:
    """Read a delimited file with a header row into a :class:`TextTable`.

    Parameters
    ----------
    path : str or Path
        The file (UTF-8; a byte-order mark is skipped).
    columns : Columns
        The header's required and optional columns; any other column is refused.
    delimiter : str
        Cell separator.

    Returns
    -------
    TextTable
        Every data row; blank lines are skipped.

    Raises
    ------
    ScenarioError
        When the file cannot be read, is empty, has a wrong header, or a row has a different
        number of cells than the header.
    """
    source = str(path)
    rows = read_csv(Path(path), "", source, columns.what, delimiter=delimiter)
    if not rows:
        raise ScenarioError(source, "", f"the {columns.what} is empty")
    header = [cell.strip() for cell in rows[0]]
    check_header(header, source, columns)
    kept = [
        (line, row)
        for line, row in enumerate(rows[1:], start=2)
        if any(cell.strip() for cell in row)
    ]
    for line, row in kept:
        if len(row) != len(header):
            message = f"has {len(row)} cells, the header has {len(header)} columns"
            raise ScenarioError(source, f"line {line}", f"{message} (got {row!r})")
    if not kept:
        raise ScenarioError(source, "", "has no rows below the header")
    cells = pd.DataFrame([row for _, row in kept], columns=header, dtype=object)
    stripped = pd.DataFrame({name: cells[name].str.strip() for name in header})
    lines = np.array([line for line, _ in kept], dtype=np.int64)
    return TextTable(source=source, cells=stripped, lines=lines)

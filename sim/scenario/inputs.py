"""Planner inputs in CSV files: a forecast and rosters, read into rows of the scenario's fields.

``forecast: file.csv`` (top level) and ``roster: file.csv`` (in a group) are replaced by the
file's rows before validation, one mapping per row; the models validate them like inline rows.
Each row remembers its line, so that a problem found in a row is reported on the CSV file as
``FILE.csv: line N, column C: what is wrong (got VALUE)``. Columns are documented in
``docs/reference/scenario.md``.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.files import InputRefused, read_bounded
from sim.scenario.limits import MAX_CSV_BYTES
from sim.scenario.problems import not_utf8

Record = dict[str, Any]


@dataclass(frozen=True)
class Columns:
    """The columns of one kind of CSV input.

    Attributes
    ----------
    what : str
        What the file holds, for messages (``forecast``, ``roster``).
    required, optional : tuple of str
        Column names the header must have, and may have.
    numeric : frozenset of str
        Columns whose cells are numbers (a cell that is not a number is kept as text, for the
        model to refuse with the usual message).
    """

    what: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    numeric: frozenset[str]


FORECAST_COLUMNS = Columns(
    "forecast",
    ("interval_start", "call_type", "volume"),
    ("aht_s", "day", "volume_lo", "volume_hi"),
    frozenset({"volume", "aht_s", "day", "volume_lo", "volume_hi"}),
)
"""``volume_lo`` and ``volume_hi``: a prediction interval around ``volume`` (``ccsim forecast``)."""
SCENARIO_FORECAST_COLUMNS = Columns(
    "forecast",
    FORECAST_COLUMNS.required,
    (*FORECAST_COLUMNS.optional, "date"),
    FORECAST_COLUMNS.numeric,
)
"""A scenario's forecast may also key rows by ``date`` (its calendar gives the dates)."""
ROSTER_COLUMNS = Columns("roster", ("agent", "start", "end"), ("day", "breaks"), frozenset({"day"}))


def read_csv(
    path: Path, field: str, source: str, what: str, *, delimiter: str = ","
) -> list[list[str]]:
    """Read the rows of a CSV file that a scenario field names.

    Parameters
    ----------
    path : Path
        The CSV file.
    field : str
        Path of the scenario field that names it (where an unreadable file is reported).
    source : str
        The scenario file, for messages.
    what : str
        What the file holds (``profile``, ``forecast``, ``roster``), for messages.
    delimiter : str
        Cell separator (``","``; a tab for tab-separated files).

    Returns
    -------
    list of list of str
        The rows, header included.

    Raises
    ------
    ScenarioError
        When the file cannot be read, is not a regular file, is larger than
        :data:`~sim.scenario.limits.MAX_CSV_BYTES`, is not UTF-8 or is not CSV.
    """
    try:
        # utf-8-sig: spreadsheet programs start CSV files with a byte-order mark.
        text = read_bounded(path, MAX_CSV_BYTES).decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except OSError as error:
        message = f"cannot read {what} {str(path)!r} ({error.strerror})"
        raise ScenarioError(source, field, message) from None
    except InputRefused as error:
        raise ScenarioError(str(path), "", str(error)) from None
    except UnicodeDecodeError as error:
        raise ScenarioError(str(path), "", not_utf8(error)) from None
    except csv.Error as error:
        raise ScenarioError(str(path), "", f"is not a readable CSV file ({error})") from None


def read_table(path: Path, columns: Columns) -> tuple[list[Record], list[int]]:
    """Read a CSV input given on its own, not named by a scenario (a planner's forecast).

    Parameters
    ----------
    path : Path
        The CSV file.
    columns : Columns
        The columns expected.

    Returns
    -------
    tuple of (list of dict, list of int)
        One mapping per data row (empty cells left out, numeric cells as numbers) and the
        line each came from (1 is the header).

    Raises
    ------
    ScenarioError
        When the file cannot be read, or its header or a row's cell count is wrong.
    """
    return _parse_table(read_csv(path, "", str(path), columns.what), str(path), columns)


def _parse_table(
    rows: list[list[str]], csv_name: str, columns: Columns
) -> tuple[list[Record], list[int]]:
    """Turn CSV rows into one mapping per data row, with the line each came from.

    Blank lines are skipped; empty cells are left out of the mapping (an optional value not
    given); cells of numeric columns become ``int`` or ``float`` where they read as numbers.

    Parameters
    ----------
    rows : list of list of str
        The file's rows, header first.
    csv_name : str
        The file, for messages.
    columns : Columns
        The columns expected.

    Returns
    -------
    tuple of (list of dict, list of int)
        The records and their line numbers (1 is the header).
    """
    if not rows:
        raise ScenarioError(csv_name, "", f"the {columns.what} is empty")
    header = [cell.strip() for cell in rows[0]]
    check_header(header, csv_name, columns)
    records, lines = [], []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if any(cell.strip() for cell in row[len(header) :]):
            message = f"has more cells than the header's {len(header)} columns (got {len(row)})"
            raise ScenarioError(csv_name, f"line {line}", message)
        cells = zip(header, (cell.strip() for cell in row), strict=False)
        records.append(
            {name: _value(text, name in columns.numeric) for name, text in cells if text}
        )
        lines.append(line)
    if not records:
        raise ScenarioError(csv_name, "", "has no rows below the header")
    return records, lines


def check_header(header: list[str], csv_name: str, columns: Columns) -> None:
    """Raise unless the header names every required column, only known ones, each once.

    Parameters
    ----------
    header : list of str
        The header row, cells stripped.
    csv_name : str
        The file, for messages.
    columns : Columns
        The columns expected.
    """
    missing = [name for name in columns.required if name not in header]
    if missing:
        message = f"needs columns {', '.join(columns.required)} (got {','.join(header)})"
        raise ScenarioError(csv_name, "line 1", message)
    known = columns.required + columns.optional
    for i, name in enumerate(header):
        if name not in known:
            message = f"unknown column, expected some of: {', '.join(known)} (got {name!r})"
            raise ScenarioError(csv_name, "line 1", message)
        if name in header[:i]:
            raise ScenarioError(csv_name, "line 1", f"names a column twice (got {name!r})")


def _value(text: str, numeric: bool) -> int | float | str:
    if not numeric:
        return text
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


class InputReader:
    """Replace the CSV inputs a raw scenario names by their rows, remembering their lines.

    Parameters
    ----------
    base_dir : Path
        Folder against which file names are resolved (the scenario file's folder).
    """

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.origins: dict[str, tuple[str, list[int]]] = {}

    def resolve(self, raw: dict[str, Any], source: str) -> dict[str, Any]:
        """Return the raw scenario with ``forecast`` and group ``roster`` files read as rows.

        Parameters
        ----------
        raw : dict
            The parsed scenario; fields that are not file names are left as they are.
        source : str
            The scenario file, for messages.
        """
        resolved = dict(raw)
        if isinstance(raw.get("forecast"), str):
            forecast = raw["forecast"]
            columns = SCENARIO_FORECAST_COLUMNS
            resolved["forecast"] = self._rows(forecast, "forecast", source, columns)
        groups = raw.get("groups")
        if isinstance(groups, dict):
            resolved["groups"] = {
                name: self._group(name, spec, source) for name, spec in groups.items()
            }
        return resolved

    def _group(self, name: str, spec: Any, source: str) -> Any:
        roster = spec.get("roster") if isinstance(spec, dict) else None
        if not isinstance(roster, str):
            return spec
        return {
            **spec,
            "roster": self._rows(roster, f"groups.{name}.roster", source, ROSTER_COLUMNS),
        }

    def _rows(self, name: str, field: str, source: str, columns: Columns) -> list[Record]:
        path = self.base_dir / name
        records, lines = _parse_table(
            read_csv(path, field, source, columns.what), str(path), columns
        )
        self.origins[field] = (str(path), lines)
        return records

    def locate(self, path: str) -> tuple[str, str] | None:
        """Return the CSV file and ``line N, column C`` of a field path inside its rows.

        Parameters
        ----------
        path : str
            Field path of a problem, e.g. ``forecast[3].volume``.

        Returns
        -------
        tuple of (str, str) or None
            ``(csv file, where)``, where is empty for the file as a whole; None when the path
            is not inside rows read from a CSV file.
        """
        for field, (csv_name, lines) in self.origins.items():
            if path == field:
                return csv_name, ""
            match = re.fullmatch(rf"{re.escape(field)}\[(\d+)\](?:\.(\w+).*)?", path)
            if match is not None:
                where = f"line {lines[int(match.group(1))]}"
                column = match.group(2)
                return csv_name, f"{where}, column {column}" if column else where
        return None


def rebased_inputs(raw: dict[str, Any], from_dir: Path, to_dir: Path) -> dict[str, Any]:
    """Return a raw scenario whose CSV file names resolve from ``to_dir`` as they did before.

    A scenario names its inputs (``forecast``, ``call_types.*.volume.profile``,
    ``groups.*.roster``) relative to its own folder; a copy written elsewhere needs them
    relative to its new folder. Absolute names and fields that are not file names are kept.

    Parameters
    ----------
    raw : dict
        The parsed scenario (not validated).
    from_dir : Path
        Folder of the scenario file the names were written for.
    to_dir : Path
        Folder of the copy.
    """

    def moved(name: str) -> str:
        if Path(name).is_absolute():
            return name
        return Path(os.path.relpath(from_dir.absolute() / name, to_dir.absolute())).as_posix()

    resolved = dict(_with_text(raw, ("forecast",), moved))
    for section, path in (("call_types", ("volume", "profile")), ("groups", ("roster",))):
        entries = raw.get(section)
        if isinstance(entries, dict):
            resolved[section] = {
                name: _with_text(spec, path, moved) for name, spec in entries.items()
            }
    return resolved


def _with_text(spec: Any, path: tuple[str, ...], change: Callable[[str], str]) -> Any:
    """Return ``spec`` with the text at ``path`` (keys of nested mappings) changed, as a copy."""
    if not isinstance(spec, dict) or path[0] not in spec:
        return spec
    value = spec[path[0]]
    if len(path) > 1:
        return {**spec, path[0]: _with_text(value, path[1:], change)}
    return {**spec, path[0]: change(value)} if isinstance(value, str) else spec

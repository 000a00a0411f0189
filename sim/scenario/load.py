"""Read a scenario: YAML (``yaml.safe_load``) and CSV profiles into a validated :class:`Scenario`.

Every problem becomes a :class:`~sim.errors.ScenarioError` with one line:
``FILE: FIELD.PATH: what is wrong (got VALUE)``.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from sim.errors import ScenarioError
from sim.scenario.problems import FieldProblem
from sim.scenario.schema import Scenario
from sim.units import clock_to_s, s_to_clock

_PROFILE_WEIGHT_COLUMNS = ("weight", "share")


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        YAML file. CSV profiles it names are read relative to the file's folder.

    Returns
    -------
    Scenario
        The validated, frozen scenario.

    Raises
    ------
    ScenarioError
        On unreadable files, YAML syntax errors and invalid fields.
    """
    source = str(path)
    raw = _read_yaml(Path(path), source)
    return scenario_from_dict(raw, source=source, base_dir=Path(path).parent)


def scenario_from_dict(raw: Any, *, source: str = "<scenario>", base_dir: Path | None = None) -> Scenario:
    """Validate a scenario given as plain data (as parsed from YAML).

    Parameters
    ----------
    raw : Any
        The parsed document; it must be a mapping.
    source : str
        Name used in error messages.
    base_dir : Path, optional
        Folder against which CSV profile paths are resolved (default: the current folder).

    Returns
    -------
    Scenario
        The validated, frozen scenario.
    """
    if not isinstance(raw, dict):
        raise ScenarioError(source, "", f"the file must hold a mapping of fields (got {type(raw).__name__})")
    profiles = _ProfileReader(base_dir or Path.cwd())
    resolved = profiles.resolve(raw, source)
    try:
        scenario = Scenario.model_validate(resolved)
    except ValidationError as error:
        raise _first_problem(error, source) from None
    profiles.check_interval_starts(scenario)
    return scenario


def _read_yaml(path: Path, source: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError(source, "", f"cannot read the file ({error.strerror or error})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ScenarioError(source, where, f"YAML syntax error: {problem}") from None


class _ProfileReader:
    """Replace ``volume.profile: file.csv`` by the file's weights, remembering their start times."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.starts: dict[str, list[tuple[int, str]]] = {}

    def resolve(self, raw: dict[str, Any], source: str) -> dict[str, Any]:
        call_types = raw.get("call_types")
        if not isinstance(call_types, dict):
            return raw
        resolved_types = {}
        for name, spec in call_types.items():
            volume = spec.get("volume") if isinstance(spec, dict) else None
            profile = volume.get("profile") if isinstance(volume, dict) else None
            if isinstance(profile, str):
                weights = self._read(profile, f"call_types.{name}.volume.profile", source)
                spec = {**spec, "volume": {**volume, "profile": weights}}
            resolved_types[name] = spec
        return {**raw, "call_types": resolved_types}

    def _read(self, name: str, field: str, source: str) -> list[float]:
        path = self.base_dir / name
        try:
            with path.open(newline="", encoding="utf-8") as handle:
                rows = list(csv.reader(handle))
        except OSError as error:
            raise ScenarioError(source, field, f"cannot read profile {str(path)!r} ({error.strerror})") from None
        return self._parse(rows, str(path))

    def _parse(self, rows: list[list[str]], csv_name: str) -> list[float]:
        if not rows:
            raise ScenarioError(csv_name, "", "the profile is empty")
        header = [cell.strip() for cell in rows[0]]
        weight_column = next((c for c in _PROFILE_WEIGHT_COLUMNS if c in header), None)
        if "interval_start" not in header or weight_column is None:
            raise ScenarioError(
                csv_name, "line 1", f"needs columns interval_start and weight (got {','.join(header)})"
            )
        start_at, weight_at = header.index("interval_start"), header.index(weight_column)
        weights, starts = [], []
        for line, row in enumerate(rows[1:], start=2):
            if not any(cell.strip() for cell in row):
                continue
            starts.append((line, _cell(row, start_at, csv_name, line, "interval_start")))
            weights.append(_weight(_cell(row, weight_at, csv_name, line, weight_column), csv_name, line, weight_column))
        self.starts[csv_name] = starts
        return weights

    def check_interval_starts(self, scenario: Scenario) -> None:
        for csv_name, starts in self.starts.items():
            for j, (line, text) in enumerate(starts):
                expected = scenario.open_s + j * scenario.interval_s
                try:
                    ok = clock_to_s(text) == expected
                except ValueError:
                    ok = False
                if not ok:
                    raise ScenarioError(
                        csv_name,
                        f"line {line}, column interval_start",
                        f"expected {s_to_clock(expected)} (interval {j} of the day) (got {text!r})",
                    )


def _cell(row: list[str], index: int, csv_name: str, line: int, column: str) -> str:
    if index >= len(row):
        raise ScenarioError(csv_name, f"line {line}, column {column}", "is missing")
    return row[index].strip()


def _weight(text: str, csv_name: str, line: int, column: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (value >= 0 and value != float("inf")):
        raise ScenarioError(csv_name, f"line {line}, column {column}", f"must be a number >= 0 (got {text!r})")
    return value


def _first_problem(error: ValidationError, source: str) -> ScenarioError:
    detail = error.errors(include_url=False)[0]
    path = ".".join(_path_parts(detail["loc"]))
    problem = detail.get("ctx", {}).get("error")
    if isinstance(problem, FieldProblem):
        path = ".".join(p for p in (path, problem.subpath) if p)
        return ScenarioError(source, _bracket_indices(path), problem.message)
    return ScenarioError(source, _bracket_indices(path), _message(detail))


def _path_parts(loc: tuple[int | str, ...]) -> list[str]:
    # Pydantic names the member of a union it tried ("int", "list[int]"); users never wrote those.
    return [str(part) for part in loc if not (isinstance(part, str) and _is_union_tag(part))]


def _is_union_tag(part: str) -> bool:
    return part in {"int", "float", "str", "bool"} or part.endswith("]") or part.startswith("function-")


def _bracket_indices(path: str) -> str:
    parts = path.split(".")
    out: list[str] = []
    for part in parts:
        if part.isdigit() and out:
            out[-1] += f"[{part}]"
        else:
            out.append(part)
    return ".".join(out)


def _message(detail: ErrorDetails) -> str:
    kind, ctx, value = detail["type"], detail.get("ctx", {}), detail.get("input")
    got = f" (got {value!r})"
    bounds = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field"
    if kind in bounds:
        limit = next(iter(ctx.values()))
        return f"must be {bounds[kind]} {limit}{got}"
    if kind == "literal_error":
        return f"must be {ctx.get('expected')}{got}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be a whole number{got}"
    if kind in ("float_type", "float_parsing", "finite_number"):
        return f"must be a finite number{got}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be a mapping of fields{got}"
    if kind == "list_type":
        return f"must be a list{got}"
    if kind == "string_type":
        return f"must be text{got}"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s){got}"
    return f"{detail['msg']}{got}"

"""Read a scenario: YAML (``yaml.safe_load``) and its CSV inputs into a validated :class:`Scenario`.

Every problem becomes a :class:`~sim.errors.ScenarioError` with one line:
``FILE: FIELD.PATH: what is wrong (got VALUE)``; a problem in a CSV input names the CSV file and
``line N, column C`` instead of the field path.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from sim.errors import ScenarioError
from sim.files import InputRefused, read_bounded
from sim.scenario.inputs import Columns, InputReader, read_csv, read_table
from sim.scenario.limits import MAX_YAML_BYTES, MAX_YAML_DEPTH, MAX_YAML_VALUES
from sim.scenario.problems import FieldError, not_utf8, shown
from sim.scenario.schema import Scenario
from sim.scenario.sizes import check_row_sizes, check_sizes
from sim.units import clock_to_s, s_to_clock

_PROFILE_WEIGHT_COLUMNS = ("weight", "share")


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        YAML file. CSV files it names (profiles, forecast, rosters) are read relative to the
        file's folder.

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
    raw = read_yaml(Path(path), source)
    return scenario_from_dict(raw, source=source, base_dir=Path(path).parent)


def scenario_from_dict(
    raw: Any, *, source: str = "<scenario>", base_dir: Path | None = None
) -> Scenario:
    """Validate a scenario given as plain data (as parsed from YAML).

    Parameters
    ----------
    raw : Any
        The parsed document; it must be a mapping.
    source : str
        Name used in error messages.
    base_dir : Path, optional
        Folder against which CSV file names are resolved (default: the current folder).

    Returns
    -------
    Scenario
        The validated, frozen scenario.
    """
    if not isinstance(raw, dict):
        got = "an empty file" if raw is None else f"a {type(raw).__name__}"
        raise ScenarioError(source, "", f"the file must hold a mapping of fields (got {got})")
    profiles = _ProfileReader(base_dir or Path.cwd())
    inputs = InputReader(base_dir or Path.cwd())
    resolved = inputs.resolve(profiles.resolve(raw, source), source)
    scenario = validate_fields(Scenario, resolved, source, inputs)
    profiles.check_interval_starts(scenario)
    try:
        check_sizes(scenario)
    except FieldError as problem:
        located = inputs.locate(problem.subpath)
        file, where = located or (source, problem.subpath)
        raise ScenarioError(file, where, problem.message) from None
    return scenario


ModelT = typing.TypeVar("ModelT", bound=BaseModel)


def validate_fields(
    model: type[ModelT], raw: Any, source: str, inputs: InputReader | None = None
) -> ModelT:
    """Validate plain data against a pydantic model, the first problem as a one-line error.

    Parameters
    ----------
    model : type
        The pydantic model of the document (a scenario, an experiment file).
    raw : Any
        The parsed document.
    source : str
        File named in the error.
    inputs : InputReader, optional
        CSV inputs the document was resolved from, so that a bad CSV value names its file,
        line and column.

    Raises
    ------
    ScenarioError
        ``FILE: FIELD.PATH: what is wrong (got VALUE)``, with the closest known field for a
        misspelt key.
    """
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise _first_problem(error, source, model, inputs) from None


def read_rows(path: str | Path, columns: Columns, model: type[ModelT]) -> list[tuple[int, ModelT]]:
    """Read a CSV file given on its own into validated rows, each with its line.

    Parameters
    ----------
    path : str or Path
        The CSV file (a planner's forecast or requirements).
    columns : Columns
        The columns expected.
    model : type
        The pydantic model of one row.

    Returns
    -------
    list of (int, model)
        Line number (1 is the header) and validated row, in file order.

    Raises
    ------
    ScenarioError
        ``FILE: line N, column C: what is wrong (got VALUE)`` for the first bad cell, a number
        beyond its limit included (see :mod:`sim.scenario.sizes`).
    """
    source = str(path)
    records, lines = read_table(Path(path), columns)
    rows = []
    for record, line in zip(records, lines, strict=True):
        try:
            row = validate_fields(model, record, source)
            check_row_sizes(row)
        except ScenarioError as error:
            where = f"line {line}, column {error.path}" if error.path else f"line {line}"
            raise ScenarioError(source, where, error.message) from None
        except FieldError as error:
            raise ScenarioError(
                source, f"line {line}, column {error.subpath}", error.message
            ) from None
        rows.append((line, row))
    return rows


def read_yaml(path: Path, source: str) -> Any:
    """Parse a YAML file (plain data only, no duplicate keys); problems as one-line errors.

    The file is read only if it is a regular file within :data:`MAX_YAML_BYTES`; documents
    nested deeper than :data:`MAX_YAML_DEPTH` or holding more than :data:`MAX_YAML_VALUES`
    values once aliases are expanded (an alias bomb) are refused before they are built.
    """
    try:
        text = read_bounded(path, MAX_YAML_BYTES).decode("utf-8")
    except OSError as error:
        raise ScenarioError(
            source, "", f"cannot read the file ({error.strerror or error})"
        ) from None
    except InputRefused as error:
        raise ScenarioError(source, "", str(error)) from None
    except UnicodeDecodeError as error:
        raise ScenarioError(source, "", not_utf8(error)) from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: plain data only
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ScenarioError(source, where, f"YAML syntax error: {problem}") from None


def parse_yaml_value(text: str, source: str, where: str) -> Any:
    """Parse one YAML value given as text (a command-line ``PATH=VALUE``), with the file bounds.

    Raises
    ------
    ScenarioError
        ``SOURCE: WHERE: YAML syntax error: ...`` when the text is not YAML.
    """
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ScenarioError(source, where, f"YAML syntax error: {problem}") from None


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe loader that refuses a key given twice in a mapping (PyYAML silently keeps the last).

    It also bounds the document: nesting depth while composing (PyYAML composes recursively,
    so 1,000 ``[`` would end in a RecursionError), and the number of values with every alias
    expanded, counted on the composed graph before any Python object is built.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self.depth += 1
        try:
            if self.depth > MAX_YAML_DEPTH:
                problem = f"nested deeper than the limit of {MAX_YAML_DEPTH} levels"
                raise yaml.composer.ComposerError(None, None, problem, self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def compose_document(self) -> yaml.Node | None:
        node = super().compose_document()
        if node is not None and _expanded_values(node, {}, 0) > MAX_YAML_VALUES:
            problem = f"holds more than {MAX_YAML_VALUES:,} values once its aliases are expanded"
            raise yaml.composer.ComposerError(None, None, problem, node.start_mark)
        return node


def _expanded_values(node: yaml.Node, counted: dict[int, int], depth: int) -> int:
    """Count the values under ``node``, a node reached through several aliases each time."""
    if id(node) in counted:
        return counted[id(node)]
    if depth > MAX_YAML_DEPTH:  # only an alias can lead this deep: a recursive anchor
        return MAX_YAML_VALUES + 1
    total = 1
    if isinstance(node, yaml.SequenceNode):
        total += sum(_expanded_values(item, counted, depth + 1) for item in node.value)
    elif isinstance(node, yaml.MappingNode):
        total += sum(
            _expanded_values(key, counted, depth + 1) + _expanded_values(value, counted, depth + 1)
            for key, value in node.value
        )
    counted[id(node)] = min(total, MAX_YAML_VALUES + 1)
    return counted[id(node)]


def _construct_unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Iterator[Any]:
    seen: set[str] = set()
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            continue  # keys merged from an anchor may be overridden on purpose
        key = str(loader.construct_object(key_node))
        if key in seen:
            problem = f"duplicate key {key!r}"
            raise yaml.constructor.ConstructorError(None, None, problem, key_node.start_mark)
        seen.add(key)
    yield from loader.construct_yaml_map(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_unique_mapping,
)


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
            if isinstance(volume, dict) and isinstance(profile, str):
                weights = self._read(profile, f"call_types.{name}.volume.profile", source)
                resolved_types[name] = {**spec, "volume": {**volume, "profile": weights}}
            else:
                resolved_types[name] = spec
        return {**raw, "call_types": resolved_types}

    def _read(self, name: str, field: str, source: str) -> list[float]:
        path = self.base_dir / name
        return self._parse(read_csv(path, field, source, "profile"), str(path))

    def _parse(self, rows: list[list[str]], csv_name: str) -> list[float]:
        if not rows:
            raise ScenarioError(csv_name, "", "the profile is empty")
        header = [cell.strip() for cell in rows[0]]
        weight_column = next((c for c in _PROFILE_WEIGHT_COLUMNS if c in header), None)
        if "interval_start" not in header or weight_column is None:
            raise ScenarioError(
                csv_name,
                "line 1",
                f"needs columns interval_start and weight (got {','.join(header)})",
            )
        start_at, weight_at = header.index("interval_start"), header.index(weight_column)
        weights, starts = [], []
        for line, row in enumerate(rows[1:], start=2):
            if not any(cell.strip() for cell in row):
                continue
            starts.append((line, _cell(row, start_at, csv_name, line, "interval_start")))
            weights.append(
                _weight(
                    _cell(row, weight_at, csv_name, line, weight_column),
                    csv_name,
                    line,
                    weight_column,
                )
            )
        if not weights:
            raise ScenarioError(csv_name, "", "has no rows below the header")
        if not any(weights):
            raise ScenarioError(csv_name, f"column {weight_column}", "must not all be zero (got 0)")
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
        raise ScenarioError(
            csv_name, f"line {line}, column {column}", f"must be a number >= 0 (got {text!r})"
        )
    return value


def _first_problem(
    error: ValidationError, source: str, model: type[BaseModel], inputs: InputReader | None
) -> ScenarioError:
    detail = _first_detail(error.errors(include_url=False))
    path = ".".join(_path_parts(detail["loc"]))
    problem = detail.get("ctx", {}).get("error")
    if isinstance(problem, FieldError):
        path = ".".join(p for p in (path, problem.subpath) if p)
        message = problem.message
    else:
        message = _message(detail)
        if detail["type"] == "extra_forbidden":
            message += _suggestion(model, _path_parts(detail["loc"]))
    path = _bracket_indices(path)
    located = inputs.locate(path) if inputs is not None else None
    file, where = located or (source, path)
    return ScenarioError(file, where, message)


def _first_detail(details: list[ErrorDetails]) -> ErrorDetails:
    """Pick the error to report: the first field at fault, as precisely as can be said."""
    first = _path_parts(details[0]["loc"])
    # A value that fits no member of a union gets one error per member; the deepest one names the
    # item at fault (``headcount[2]`` rather than the whole list).
    same_field = [d for d in details if _path_parts(d["loc"])[: len(first)] == first]
    detail = max(same_field, key=lambda d: len(_path_parts(d["loc"])))
    if detail["type"] != "missing":
        return detail
    # A misspelt key is both a missing field and an unknown one: name the key the user wrote.
    parent = _path_parts(detail["loc"])[:-1]
    misspelt = (
        d
        for d in details
        if d["type"] == "extra_forbidden" and _path_parts(d["loc"])[:-1] == parent
    )
    return next(misspelt, detail)


def _suggestion(root: type[BaseModel], parts: list[str]) -> str:
    """Name the closest known field (or all of them) for a misspelt key at ``parts``."""
    known = known_fields(root, parts[:-1])
    close = difflib.get_close_matches(parts[-1], known, n=1)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (known fields: {', '.join(known)})" if known else ""


def known_fields(root: type[BaseModel], parts: list[str]) -> list[str]:
    """Return the field names of the model found by following ``parts`` down from ``root``.

    Names the user chooses (call types, groups) and list indices may be any part; an empty list
    means ``parts`` do not lead to a model.
    """
    model: Any = root
    for part in parts:
        model = _container(model)
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get(part)
            model = field.annotation if field is not None else None
        elif typing.get_origin(model) in (dict, list):
            model = typing.get_args(model)[-1]  # the part was a user-chosen name or an index
        else:
            return []
    model = _container(model)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _container(annotation: Any) -> Any:
    """Strip ``Annotated`` and the scalar or None members of a union (``list[Break] | str``)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _container(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        scalars = (type(None), str, int, float, bool)
        members = [m for m in typing.get_args(annotation) if m not in scalars]
        return _container(members[0]) if len(members) == 1 else None
    return annotation


def _path_parts(loc: tuple[int | str, ...]) -> list[str]:
    # Pydantic names the member of a union it tried ("int", "list[int]"); users never wrote those.
    return [str(part) for part in loc if not (isinstance(part, str) and _is_union_tag(part))]


def _is_union_tag(part: str) -> bool:
    return (
        part in {"int", "float", "str", "bool"}
        or part.endswith("]")
        or part.startswith(("function-", "constrained-"))
    )


def _bracket_indices(path: str) -> str:
    parts = path.split(".")
    out: list[str] = []
    for part in parts:
        if part.isdigit() and out:
            out[-1] += f"[{part}]"
        else:
            out.append(part)
    return ".".join(out)


_BOUNDS = {
    "greater_than_equal": ">=",
    "greater_than": ">",
    "less_than_equal": "<=",
    "less_than": "<",
}
_WITHOUT_VALUE = {"missing": "is required", "extra_forbidden": "is not a known field"}
_WRONG_TYPE = {
    **dict.fromkeys(("int_type", "int_parsing", "int_from_float"), "must be a whole number"),
    **dict.fromkeys(("float_type", "float_parsing", "finite_number"), "must be a finite number"),
    **dict.fromkeys(
        ("dict_type", "model_type", "model_attributes_type"), "must be a mapping of fields"
    ),
    "list_type": "must be a list",
    "string_type": "must be text",
}
_SIZES = {
    "string_too_short": "must have at least {min_length} character(s)",
    "too_short": "must have at least {min_length} item(s)",
    "too_long": "must have at most {max_length} item(s)",
}


def _message(detail: ErrorDetails) -> str:
    kind, ctx, value = detail["type"], detail.get("ctx", {}), detail.get("input")
    got = f" (got {shown(value)})"
    if kind in _WITHOUT_VALUE:
        return _WITHOUT_VALUE[kind]
    if kind in _WRONG_TYPE:
        return _WRONG_TYPE[kind] + got
    if kind in _SIZES:
        return _SIZES[kind].format(**ctx) + got
    if kind in _BOUNDS:
        limit = next(iter(ctx.values()))
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)  # "must be > 0", as the bound was written, not "> 0.0"
        return f"must be {_BOUNDS[kind]} {limit}{got}"
    if kind == "literal_error":
        return f"must be {ctx.get('expected')}{got}"
    return f"{detail['msg']}{got}"

"""Experiment files: a base scenario, design points by dotted-path overrides, run settings.

An experiment file (``docs/reference/experiments.md``) names a base scenario and either a grid of
factors, a list of named variants, or both (every variant crossed with every grid cell). Each
design point is validated as a scenario of its own, and gets a fingerprint: a hash of its
validated scenario, the seed, the engine and the ccsim version. Results are stored under the
fingerprint, so a point whose definition changed can never be mistaken for the old one.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from sim import __version__
from sim.errors import ScenarioError, UsageError
from sim.experiments.compare import check_same_layout, compared_kpis
from sim.results.email import RUN_EMAIL_KPIS
from sim.results.kpis import (
    AGENT_KPIS,
    BOT_RATE_KPIS,
    CALL_KPIS,
    CHANNEL_KPIS,
    CHAT_KPIS,
    COST_KPIS,
    OUTBOUND_RATE_KPIS,
)
from sim.scenario import Plan, Scenario, build_plan, scenario_from_dict
from sim.scenario.fields import Frozen
from sim.scenario.limits import MAX_REPS
from sim.scenario.load import read_yaml, validate_fields
from sim.scenario.overrides import Override, apply_overrides
from sim.scenario.problems import FieldError

KNOWN_KPIS: tuple[str, ...] = (
    *CALL_KPIS,
    *BOT_RATE_KPIS,
    *AGENT_KPIS,
    *OUTBOUND_RATE_KPIS,
    *COST_KPIS,
    *CHAT_KPIS,
    *CHANNEL_KPIS,
    *RUN_EMAIL_KPIS,
)
"""KPIs an experiment can report (whole run, whole centre; the bot KPIs of call types with a bot,
the chat KPIs of scenarios with chats, the occupancy by channel of scenarios with chat or email
and the email KPIs (all email types) of scenarios with email, undefined for others)."""
BASE_POINT = "base"
DEFAULT_MAX_REPLICATIONS = 10_000
"""Most replications of a point with precision targets unless told (fewer where the tallies of
every point would pass :data:`~sim.scenario.limits.MAX_TALLY_BYTES`)."""
_SCALARS = (str, int, float, bool)


_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


def _slug(name: str) -> str:
    """Accept a name that is safe as one folder name (the default store is out/experiments/NAME)."""
    if not _SLUG.fullmatch(name) or ".." in name:
        message = (
            "must be a folder name: a letter or digit, then letters, digits, '_', '-' or '.' "
            f"(no '..'), at most 100 characters (got {name!r})"
        )
        raise FieldError("", message)
    return name


class Factor(Frozen):
    """One factor of a grid.

    Attributes
    ----------
    path : str
        Dotted path of the scenario field it sets (``groups.agents.shifts.day``).
    levels : list
        Values the field takes (any YAML value).
    labels : list of str, optional
        Names of the levels in point names and reports; required when a level is not a plain
        number or text.
    """

    path: str = Field(min_length=1)
    levels: Annotated[list[Any], Field(min_length=1)]
    labels: list[str] | None = None

    @model_validator(mode="after")
    def _labels_fit(self) -> Factor:
        if self.labels is not None and len(self.labels) != len(self.levels):
            raise FieldError(
                "labels",
                f"must have one label per level ({len(self.levels)}) (got {len(self.labels)})",
            )
        if self.labels is None:
            for i, level in enumerate(self.levels):
                if not isinstance(level, _SCALARS):
                    raise FieldError(
                        f"levels.{i}",
                        f"is not a number or text: give the factor labels (got {level!r})",
                    )
        if self.labels is not None and len(set(self.labels)) != len(self.labels):
            raise FieldError("labels", f"must be different from each other (got {self.labels})")
        written = [json.dumps(level, sort_keys=True, default=str) for level in self.levels]
        for i, level in enumerate(written):
            if level in written[:i]:
                message = f"repeats an earlier level: its points would not differ (got {level})"
                raise FieldError(f"levels.{i}", message)
        return self

    def level_labels(self) -> list[str]:
        """Return the label of each level (the level itself when no labels are given)."""
        return self.labels if self.labels is not None else [_label(v) for v in self.levels]


class Variant(Frozen):
    """A named variant of the base scenario.

    Attributes
    ----------
    name : str
        Its name in reports.
    scenario : str, optional
        Another scenario file to start from (relative to the experiment file).
    set : dict of str to Any
        Dotted path -> value overrides.
    """

    name: str = Field(min_length=1)
    scenario: str | None = None
    set: dict[str, Any] = Field(default_factory=dict)


class ExperimentFile(Frozen):
    """An experiment file as written (see ``docs/reference/experiments.md``)."""

    name: Annotated[str, AfterValidator(_slug)]
    description: str = ""
    scenario: str = Field(min_length=1)
    seed: int = Field(default=1, ge=0)
    engine: Literal["fast", "simpy"] = "fast"
    replications: int = Field(default=100, ge=2, le=MAX_REPS)
    max_replications: int = Field(default=DEFAULT_MAX_REPLICATIONS, ge=2, le=MAX_REPS)
    precision: dict[str, Annotated[float, Field(gt=0, allow_inf_nan=False)]] = Field(
        default_factory=dict
    )
    kpis: Annotated[list[str], Field(min_length=1)] | None = None
    baseline: str | None = None
    interval_points: Annotated[list[str], Field(min_length=1)] | None = None
    set: dict[str, Any] = Field(default_factory=dict)
    variants: Annotated[list[Variant], Field(min_length=1)] | None = None
    factors: dict[str, Factor] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> ExperimentFile:
        for i, kpi in enumerate(self.kpis or []):
            _check_kpi(kpi, f"kpis.{i}")
            if kpi in (self.kpis or [])[:i]:
                raise FieldError(f"kpis.{i}", f"is listed twice (got {kpi!r})")
        paths = [factor.path for factor in self.factors.values()]
        for name, factor in self.factors.items():
            if paths.count(factor.path) > 1:
                message = f"sets the same field as another factor (got {factor.path!r})"
                raise FieldError(f"factors.{name}.path", message)
        for kpi in self.precision:
            _check_kpi(kpi, f"precision.{kpi}")
        if self.max_replications < self.replications:
            raise FieldError(
                "max_replications",
                f"must be at least replications ({self.replications}) "
                f"(got {self.max_replications})",
            )
        names = [variant.name for variant in self.variants or []]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise FieldError(f"variants.{i}.name", f"is used twice (got {name!r})")
        return self


@dataclass(frozen=True, eq=False)
class DesignPoint:
    """One design point: a validated scenario and where it came from.

    Attributes
    ----------
    name : str
        ``variant, factor=label, ...`` (``base`` when the experiment has one point).
    levels : dict of str to str
        Factor (and ``variant``) -> label of this point.
    scenario : Scenario
        The point's validated scenario.
    fingerprint : str
        Hex digest of the scenario, seed, engine and ccsim version.
    """

    name: str
    levels: dict[str, str]
    scenario: Scenario
    fingerprint: str

    @cached_property
    def plan(self) -> Plan:
        """The point's plan (built on first use)."""
        return build_plan(self.scenario)


@dataclass(frozen=True, eq=False)
class Experiment:
    """A loaded experiment: its settings and design points, in design order.

    Attributes
    ----------
    source : str
        The experiment file as the user named it.
    spec : ExperimentFile
        The validated file.
    points : tuple of DesignPoint
        Variants (outer) by grid cells (inner, the first factor slowest).
    kpis : tuple of str
        KPIs reported (the file's, or the standard comparison set).
    baseline : str
        Name of the point the paired differences are taken against.
    interval_points : tuple of str
        Points whose service level by interval is plotted.
    """

    source: str
    spec: ExperimentFile
    points: tuple[DesignPoint, ...]
    kpis: tuple[str, ...]
    baseline: str
    interval_points: tuple[str, ...]
    factor_names: tuple[str, ...] = field(default=())

    @property
    def fingerprint(self) -> str:
        """Hex digest of every point's fingerprint, in order."""
        return _digest([point.fingerprint for point in self.points])

    def point(self, name: str) -> DesignPoint:
        """Return the point called ``name``."""
        return next(point for point in self.points if point.name == name)


def load_experiment(path: str | Path) -> Experiment:
    """Read an experiment file and validate every design point.

    Parameters
    ----------
    path : str or Path
        The YAML file; scenario files it names are relative to its folder.

    Returns
    -------
    Experiment
        Points in design order, with their scenarios validated.

    Raises
    ------
    ScenarioError
        One line naming the file, the field path, what is wrong and the bad value: in the
        experiment file, or in a point's scenario (``FILE: point 'NAME': FIELD: ...``).
    """
    source = str(path)
    folder = Path(path).parent
    spec = validate_fields(ExperimentFile, read_yaml(Path(path), source), source)
    bases = _base_scenarios(spec, folder)
    points = tuple(_points(spec, bases, source))
    try:
        check_same_layout({point.name: point.plan for point in points})
    except UsageError as error:
        raise ScenarioError(source, "", f"design points must line up in time: {error}") from None
    names = [point.name for point in points]
    baseline = spec.baseline if spec.baseline is not None else names[0]
    _check_point_names([baseline], names, source, "baseline")
    chosen = spec.interval_points or _default_interval_points(names, baseline)
    _check_point_names(chosen, names, source, "interval_points")
    kpis = tuple(spec.kpis) if spec.kpis else compared_kpis([p.plan for p in points])
    return Experiment(
        source=source,
        spec=spec,
        points=points,
        kpis=kpis,
        baseline=baseline,
        interval_points=tuple(chosen),
        factor_names=(*(("variant",) if spec.variants else ()), *spec.factors),
    )


def _base_scenarios(spec: ExperimentFile, folder: Path) -> dict[str, tuple[dict[str, Any], Path]]:
    """Read each base scenario file once: file name -> (raw document, its folder)."""
    files = [spec.scenario, *(v.scenario for v in spec.variants or [] if v.scenario)]
    bases = {}
    for name in dict.fromkeys(files):
        path = folder / name
        raw = read_yaml(path, str(path))
        if not isinstance(raw, dict):
            got = "an empty file" if raw is None else f"a {type(raw).__name__}"
            raise ScenarioError(str(path), "", f"a scenario must hold a mapping (got {got})")
        bases[name] = (raw, path.parent)
    return bases


def _points(
    spec: ExperimentFile, bases: dict[str, tuple[dict[str, Any], Path]], source: str
) -> list[DesignPoint]:
    variants = spec.variants or [Variant(name=BASE_POINT)]
    factors = list(spec.factors.items())
    cells = list(itertools.product(*(range(len(f.levels)) for _, f in factors)))
    points = []
    for v, variant in enumerate(variants):
        raw, folder = bases[variant.scenario or spec.scenario]
        changes = [Override(path, value, f"set.{path}") for path, value in spec.set.items()]
        changes += [
            Override(path, value, f"variants[{v}].set.{path}")
            for path, value in variant.set.items()
        ]
        raw = apply_overrides(raw, changes, source=source)
        for cell in cells:
            levels = {"variant": variant.name} if spec.variants else {}
            changes = []
            for (name, factor), i in zip(factors, cell, strict=True):
                levels[name] = factor.level_labels()[i]
                changes.append(Override(factor.path, factor.levels[i], f"factors.{name}.path"))
            point_raw = apply_overrides(raw, changes, source=source)
            name = _point_name(levels, spec.variants is not None)
            scenario = scenario_from_dict(
                point_raw, source=f"{source}: point {name!r}", base_dir=folder
            )
            points.append(
                DesignPoint(
                    name=name,
                    levels=levels,
                    scenario=scenario,
                    fingerprint=point_fingerprint(scenario, spec.seed, spec.engine),
                )
            )
    return points


def point_fingerprint(scenario: Scenario, seed: int, engine: str) -> str:
    """Return the hex digest that identifies a point's results.

    The validated scenario (profiles and CSV inputs resolved), seed, engine and ccsim version:
    what decides every replication's numbers. The number of replications is not part of it,
    since replication ``r`` depends on ``(seed, r)`` only and a point can be extended.
    """
    return _digest(
        {
            "scenario": scenario.model_dump(mode="json"),
            "seed": seed,
            "engine": engine,
            "version": __version__,
        }
    )


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _point_name(levels: dict[str, str], has_variants: bool) -> str:
    parts = [
        label if has_variants and key == "variant" else f"{key}={label}"
        for key, label in levels.items()
    ]
    return ", ".join(parts) if parts else BASE_POINT


def _label(level: Any) -> str:
    if isinstance(level, float) and level.is_integer():
        return f"{level:g}"
    return str(level)


def _check_kpi(kpi: str, where: str) -> None:
    if kpi not in KNOWN_KPIS:
        raise FieldError(where, f"is not a KPI (known: {', '.join(KNOWN_KPIS)}) (got {kpi!r})")


def _check_point_names(chosen: list[str], names: list[str], source: str, where: str) -> None:
    for name in chosen:
        if name not in names:
            raise ScenarioError(
                source, where, f"is not a design point (points: {', '.join(names)}) (got {name!r})"
            )


def _default_interval_points(names: list[str], baseline: str) -> list[str]:
    """All points when there are at most four, else the baseline and the last point."""
    if len(names) <= 4:
        return names
    return list(dict.fromkeys([baseline, names[-1]]))

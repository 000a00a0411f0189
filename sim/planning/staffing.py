"""Simulation-based staffing: start from Erlang, add agents where the simulation misses.

Erlang sizes each interval alone, in steady state, with exponential times and no day-to-day
variation. Here the chosen group's headcount per interval starts at the Erlang C (or Erlang A,
when every call type has exponential patience) agents for the service-level target, and the day
is simulated: each interval needs its service level to reach the target in at least
``confidence`` of the replications. One agent is added to every interval that misses, and the
day is simulated again on the same seed (common random numbers: more agents never change the
calls), until every interval passes or ``max_rounds`` is spent. The search asks a little more
than ``confidence`` — one-sided 95% above it, ``confidence + 1.645 * sqrt(c (1 - c) / reps)`` —
so that a staffing that only just passes by the luck of the search seed is not kept; the
staffing found is then checked on a fresh seed.

With the ``"day"`` criterion it is the whole day's service level that must reach the target in
that share of replications; while it does not, one agent is added to every interval whose mean
service level (over the replications) is below the target, or to the lowest interval when none
is. It asks far fewer agents than the interval criterion and keeps intervals that miss the
target on many days.

A group on shifts (:mod:`sim.planning.shift_staffing`) starts from the least paid hours of its
shift starts that cover Erlang's requirement less the other groups' agents; each round raises
the requirement by one agent on the phones where the simulation misses and solves the schedule
again, no start losing agents. The calendar may then have several days: each day's interval is
one cell of the criterion.

Given a contract's ``targets``, every round also checks each target on the search seed and adds
agents where the ones that do not hold at the share asked miss
(:mod:`sim.planning.target_staffing`), until the criterion and every target hold; a target that
agents cannot reach (first-contact resolution) stops the search.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd
import yaml

from sim.errors import UsageError
from sim.planning.demand import short_by_group, start_requirements
from sim.planning.shift_staffing import ShiftStaffer
from sim.planning.target_staffing import failing, target_short_by_group, unreachable
from sim.results.kpis import ALL, replication_kpis
from sim.results.targets import TargetsResult, evaluate_targets
from sim.scenario import Plan, Scenario, build_plan, scenario_from_dict
from sim.scenario.contract import Target
from sim.scenario.inputs import rebased_inputs
from sim.simulation import SimulationResult, StatusCallback, simulate

VALIDATION_SEED_OFFSET = 1000
"""The fresh seed of the check, unless given: the search seed plus this."""

Criterion = Literal["interval", "day"]
"""What must reach the target: every interval's service level, or the whole day's."""


@dataclass(frozen=True)
class Shares:
    """How often one staffing reaches the target, over the replications of one seed.

    Attributes
    ----------
    interval : numpy.ndarray
        Per interval, share of replications whose interval service level reaches the target
        (an interval without calls counts as reaching it).
    day : float
        Share of replications whose service level over the day reaches it.
    mean_level : numpy.ndarray
        Per interval, the service level averaged over the replications (1.0 without calls).
    type_levels : numpy.ndarray
        Per call type and interval, float64[K, D * I], the service level averaged over the
        replications that had calls of the type there (NaN when none had).
    """

    interval: np.ndarray
    day: float
    mean_level: np.ndarray
    type_levels: np.ndarray


@dataclass(frozen=True)
class StaffingResult:
    """The staffing found and how it performs.

    Attributes
    ----------
    intervals : pandas.DataFrame
        One row per interval (and ``day``, on a calendar of several days): ``interval`` (clock
        label), ``erlang`` (the group's agents at Erlang's staffing), ``agents`` (at the
        staffing found), ``uplift`` (agents - erlang), ``p_search`` and ``p_fresh`` (share of
        replications whose interval service level reaches the target, on the search seed and
        on the fresh seed). A headcount group's agents are its headcount; a group on shifts
        has its agents on the phones (breaks deducted, before absence), in agents.
    rounds : int
        Rounds of adding agents, and tries at taking agents off (with ``trim``).
    met : bool
        The criterion, and every target searched for, reach the search's share
        (:func:`search_confidence`) on its seed.
    validated : bool
        It reaches ``confidence`` on the fresh seed.
    target, confidence : float
        The service level asked for, and the share of replications that must reach it.
    interval_s : float
        Interval length, seconds.
    document : dict
        The scenario with the staffing found (plain data).
    criterion : {"interval", "day"}
        Every interval's service level must reach the target, or the day's.
    day_search, day_fresh : float
        Share of replications whose day service level reaches the target, on each seed.
    fresh_seed : int
        The seed of the check.
    shifts : pandas.DataFrame, optional
        A group on shifts: per shift start ``shift``, ``start``, ``erlang``, ``agents``,
        ``uplift`` and ``paid_h_per_agent`` (hours over the calendar). None for headcount.
    targets_search : TargetsResult, optional
        The targets searched for, on the search seed at the staffing found (None: none).
    unreachable : tuple of str
        Labels of the targets that missed on the search seed and that agents cannot reach: the
        search stopped there.
    """

    intervals: pd.DataFrame
    rounds: int
    met: bool
    validated: bool
    target: float
    confidence: float
    interval_s: float
    document: dict[str, Any]
    criterion: Criterion = "interval"
    day_search: float = math.nan
    day_fresh: float = math.nan
    fresh_seed: int = 0
    shifts: pd.DataFrame | None = None
    targets_search: TargetsResult | None = None
    unreachable: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentRuns:
    """How a search simulates scenario documents: replications, engine and where inputs are.

    Attributes
    ----------
    reps : int
        Replications of every simulation.
    engine : {"fast", "simpy"}
        Engine.
    source : str
        File named in errors.
    base_dir : Path, optional
        Folder of the scenario's CSV inputs.
    """

    reps: int
    engine: str
    source: str
    base_dir: Path | None

    def plan(self, document: dict[str, Any]) -> Plan:
        """Return the plan of a scenario document (validated)."""
        return build_plan(scenario_from_dict(document, source=self.source, base_dir=self.base_dir))

    def simulate(self, document: dict[str, Any], seed: int) -> SimulationResult:
        """Simulate a scenario document on a seed."""
        return simulate(self.plan(document), reps=self.reps, seed=seed, engine=self.engine)


@dataclass(frozen=True)
class Trial:
    """One staffing simulated on the search seed: its document, run, shares and targets."""

    document: dict[str, Any]
    result: SimulationResult
    shares: Shares
    targets: TargetsResult | None

    @property
    def plan(self) -> Plan:
        """The plan simulated."""
        return self.result.plan


class _Staffer(Protocol):
    """The staffing of one group, grown round by round."""

    def add(self, short: np.ndarray) -> bool:
        """Add agents where ``short`` (per day and interval); return whether any were added."""
        ...

    def on_duty(self) -> np.ndarray:
        """Return the group's agents per day and interval."""
        ...

    def staffed(self, document: dict[str, Any]) -> dict[str, Any]:
        """Return the scenario (plain data) with the group's current staffing."""
        ...

    def reach(self) -> np.ndarray:
        """Return the days' intervals where the group can add agents, bool[D * I]."""
        ...


class HeadcountStaffer:
    """Headcount per interval of one group on a one-day calendar.

    Parameters
    ----------
    group : str
        The group staffed by ``headcount``.
    required : float64[I]
        Agents it must have per interval (Erlang's start), rounded up.
    """

    def __init__(self, group: str, required: np.ndarray) -> None:
        self._group = group
        self.agents = np.ceil(required - 1e-9).astype(np.int64)

    def add(self, short: np.ndarray) -> bool:
        """Add one agent to every interval where ``short``."""
        self.agents = self.agents + short
        return bool(short.any())

    def on_duty(self) -> np.ndarray:
        """Return the headcount per interval."""
        return self.agents

    def reach(self) -> np.ndarray:
        """Return every interval: a headcount can grow anywhere."""
        return np.ones(self.agents.shape, dtype=bool)

    def staffed(self, document: dict[str, Any]) -> dict[str, Any]:
        """Return the scenario with the group's headcount per interval."""
        groups = document["groups"]
        staffed = {**groups[self._group], "headcount": self.agents.tolist()}
        return {**document, "groups": {**groups, self._group: staffed}}


def simulated_staffing(
    raw: dict[str, Any],
    *,
    group: str | Sequence[str],
    target: float | None = None,
    confidence: float = 0.9,
    criterion: Criterion = "interval",
    reps: int = 200,
    seed: int = 1,
    validation_seed: int | None = None,
    max_rounds: int = 30,
    engine: str = "fast",
    source: str = "<scenario>",
    base_dir: Path | None = None,
    trim: bool = False,
    targets: Sequence[Target] = (),
    status: StatusCallback | None = None,
) -> StaffingResult:
    """Find the staffing of one or more groups that meets the target with confidence.

    Parameters
    ----------
    raw : dict
        The scenario as parsed from YAML, on a finite calendar. Each group to staff is staffed
        by ``headcount`` (then the calendar must be one day) or by ``shifts``.
    group : str or sequence of str
        The group, or groups, to staff.
    target : float, optional
        Service level per interval (default: the scenario's target).
    confidence : float
        Share of replications in which each interval (or the day) must reach the target, in
        (0, 1).
    criterion : {"interval", "day"}
        Every interval's service level must reach the target, or the whole day's.
    reps, seed : int
        Replications of each round and the search seed.
    validation_seed : int, optional
        Seed of the check (default: seed + 1000).
    max_rounds : int
        Most rounds of adding agents.
    engine : {"fast", "simpy"}
        Engine.
    source : str
        File named in errors.
    base_dir : Path, optional
        Folder of the scenario's CSV inputs.
    trim : bool
        One group staffed by headcount: once the criterion holds, take agents off where the
        service level is highest while it still holds (:func:`trimmed_headcount`), so that a
        start above need comes down. Groups on shifts are not trimmed.
    targets : sequence of Target
        Contract targets that must also hold at the share asked on the search seed (scopes
        validated against the scenario); agents are added where they miss
        (:mod:`sim.planning.target_staffing`).
    status : callable, optional
        Told each round (its number, the agent-hours on duty and what misses) and the check on
        the fresh seed; it changes no number.

    Returns
    -------
    StaffingResult
        The staffing, the Erlang start and the shares reached.
    """
    groups = [group] if isinstance(group, str) else list(dict.fromkeys(group))
    scenario = scenario_from_dict(raw, source=source, base_dir=base_dir)
    for name in groups:
        _check_group(scenario, name, source)
    goal = target if target is not None else scenario.service_level.target
    required = start_requirements(scenario, build_plan(scenario), goal, groups)
    staffers: dict[str, _Staffer] = {
        name: HeadcountStaffer(name, required[name])
        if scenario.groups[name].headcount is not None
        else ShiftStaffer(scenario, name, required[name], source)
        for name in groups
    }
    start_agents = _agents_on_duty(staffers)
    runs = DocumentRuns(reps=reps, engine=engine, source=source, base_dir=base_dir)

    def evaluate() -> Trial:
        document = _staffed_document(raw, staffers)
        result = runs.simulate(document, seed)
        contract = evaluate_targets(result.tallies, result.plan, list(targets)) if targets else None
        return Trial(document, result, shares_of(result, goal), contract)

    asked = search_confidence(confidence, reps)

    def passes(trial: Trial) -> bool:
        missing = failing(trial.targets, asked) if trial.targets is not None else []
        return not missing and not short_intervals(trial.shares, criterion, asked, goal).any()

    rounds = 0
    blocked: tuple[str, ...] = ()
    while True:
        trial = evaluate()
        missing = failing(trial.targets, asked) if trial.targets is not None else []
        blocked = tuple(outcome.target.label for outcome in missing if unreachable(outcome))
        if status is not None:
            short = short_intervals(trial.shares, criterion, asked, goal)
            status(_round_status(rounds, trial, staffers, short, len(missing)))
        if passes(trial) or blocked or rounds == max_rounds:
            break
        reach = {name: staffer.reach() for name, staffer in staffers.items()}
        masks = _masks_to_add(
            scenario, trial, criterion=criterion, asked=asked, goal=goal, reach=reach
        )
        added = [staffers[name].add(mask) for name, mask in masks.items()]
        if not any(added):
            break
        rounds += 1
    met = passes(trial)
    only = next(iter(staffers.values())) if len(staffers) == 1 else None
    if trim and met and isinstance(only, HeadcountStaffer):
        trial, trims = trimmed_headcount(only, trial, evaluate, passes)
        rounds += trims
    plan, shares = trial.plan, trial.shares
    fresh_seed = seed + VALIDATION_SEED_OFFSET if validation_seed is None else validation_seed
    if status is not None:
        status(f"checking on the fresh seed {fresh_seed}")
    fresh = service_shares(plan, goal, reps=reps, seed=fresh_seed, engine=engine)
    shift_tables = [s.shift_table() for s in staffers.values() if isinstance(s, ShiftStaffer)]
    return StaffingResult(
        intervals=_interval_table(plan, start_agents, _agents_on_duty(staffers), shares, fresh),
        rounds=rounds,
        met=met,
        validated=not short_intervals(fresh, criterion, confidence, goal).any(),
        target=goal,
        confidence=confidence,
        interval_s=plan.interval_s,
        document=trial.document,
        criterion=criterion,
        day_search=shares.day,
        day_fresh=fresh.day,
        fresh_seed=fresh_seed,
        shifts=pd.concat(shift_tables, ignore_index=True) if shift_tables else None,
        targets_search=trial.targets,
        unreachable=blocked,
    )


def _round_status(
    rounds: int, trial: Trial, staffers: dict[str, _Staffer], short: np.ndarray, targets: int
) -> str:
    """Return a search round in a few words: agent-hours on duty and what misses."""
    agent_h = float(_agents_on_duty(staffers).sum()) * trial.plan.interval_s / 3600.0
    misses = [f"{int(short.sum())} interval(s)"] if short.any() else []
    misses += [f"{targets} target(s)"] if targets else []
    return f"round {rounds}: {agent_h:.1f} agent-h, day met in {trial.shares.day:.0%}, " + (
        f"short: {', '.join(misses)}" if misses else "all pass"
    )


def _masks_to_add(
    scenario: Scenario,
    trial: Trial,
    *,
    criterion: Criterion,
    asked: float,
    goal: float,
    reach: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Return per group the intervals that get one agent: the criterion's and the targets'."""
    short = short_intervals(trial.shares, criterion, asked, goal)
    masks = {name: np.zeros(cells.shape, dtype=bool) for name, cells in reach.items()}
    if short.any():
        masks = short_by_group(scenario, short, trial.shares.type_levels, goal, reach)
    missing = failing(trial.targets, asked) if trial.targets is not None else []
    for outcome in missing:
        extra = target_short_by_group(scenario, trial.result, outcome, asked=asked, reach=reach)
        masks = {name: mask | extra[name] for name, mask in masks.items()}
    return masks


def trimmed_headcount(
    staffer: HeadcountStaffer,
    kept: Trial,
    evaluate: Callable[[], Trial],
    passes: Callable[[Trial], bool],
    max_tries: int = 30,
) -> tuple[Trial, int]:
    """Take agents off a headcount that meets the criterion, while it still does.

    Each try takes one agent off the ``size`` intervals with the highest mean service level
    (first ``size`` = half the staffed intervals) and simulates on the search seed: kept when
    the criterion still holds, undone and ``size`` halved otherwise, until a single interval
    fails or ``max_tries`` simulations are spent.

    Parameters
    ----------
    staffer : HeadcountStaffer
        The headcount found, changed in place.
    kept : Trial
        Its document, plan and shares on the search seed.
    evaluate : callable
        Simulates the staffer's current headcount on the search seed.
    passes : callable
        Whether a staffing simulated meets the criterion (and the targets searched for).
    max_tries : int
        Most simulations.

    Returns
    -------
    tuple of (Trial, int)
        The headcount kept, simulated, and the tries.
    """
    size = max(1, int(np.count_nonzero(staffer.agents)) // 2)
    tries = 0
    while tries < max_tries:
        staffed = np.flatnonzero(staffer.agents > 0)
        cells = staffed[np.argsort(-kept.shares.mean_level[staffed], kind="stable")[:size]]
        fewer = np.zeros(staffer.agents.shape, dtype=np.int64)
        fewer[cells] = 1
        staffer.agents = staffer.agents - fewer
        trial = evaluate()
        tries += 1
        if passes(trial):
            kept = trial
            continue
        staffer.agents = staffer.agents + fewer
        if size == 1:
            break
        size //= 2
    return kept, tries


def _agents_on_duty(staffers: dict[str, _Staffer]) -> np.ndarray:
    """Return the agents of every group being staffed, summed, per day and interval."""
    return np.sum([staffer.on_duty() for staffer in staffers.values()], axis=0)


def _staffed_document(raw: dict[str, Any], staffers: dict[str, _Staffer]) -> dict[str, Any]:
    document = raw
    for staffer in staffers.values():
        document = staffer.staffed(document)
    return document


def _interval_table(
    plan: Plan, erlang: np.ndarray, agents: np.ndarray, search: Shares, fresh: Shares
) -> pd.DataFrame:
    """Return the staffing table: one row per day and interval (``day`` when several)."""
    cells = [(d, j) for d in range(plan.n_days) for j in range(plan.n_intervals)]
    days = {"day": [d for d, _ in cells]} if plan.n_days > 1 else {}
    return pd.DataFrame(
        {
            **days,
            "interval": [plan.interval_label(d, j) for d, j in cells],
            "erlang": erlang,
            "agents": agents,
            "uplift": agents - erlang,
            "p_search": search.interval,
            "p_fresh": fresh.interval,
        }
    )


def short_intervals(
    shares: Shares, criterion: Criterion, asked: float, target: float
) -> np.ndarray:
    """Return the intervals that get one more agent, as a boolean mask (none: criterion met).

    Parameters
    ----------
    shares : Shares
        How often the current staffing reaches the target.
    criterion : {"interval", "day"}
        ``"interval"``: the intervals reaching the target in fewer than ``asked`` of the
        replications. ``"day"``: when the day reaches it in fewer, the intervals whose mean
        service level is below the target, or the lowest one when none is.
    asked : float
        Share of replications required, in (0, 1].
    target : float
        Service level, in (0, 1).
    """
    if criterion == "interval":
        return shares.interval < asked
    if shares.day >= asked:
        return np.zeros(shares.mean_level.shape, dtype=bool)
    below = shares.mean_level < target
    if not below.any():
        below[np.argmin(shares.mean_level)] = True
    return below


ONE_SIDED_Z = 1.645
"""Standard normal quantile of the search's one-sided 95% margin."""


def search_confidence(confidence: float, reps: int) -> float:
    """Return the share the search asks of each interval: one-sided 95% above ``confidence``."""
    return min(1.0, confidence + search_margin(confidence, reps))


def search_margin(confidence: float, reps: int) -> float:
    """Return the share the search adds to ``confidence``: 1.645 binomial standard errors."""
    return ONE_SIDED_Z * math.sqrt(confidence * (1.0 - confidence) / reps)


def min_search_reps(confidence: float) -> int:
    """Return the fewest replications whose search margin is at most half of ``1 - confidence``.

    With fewer, the search asks so much more than ``confidence`` (each interval may miss in
    less than half the replications that ``confidence`` allows) that it staffs well above need:
    ``1.645 sqrt(c (1 - c) / n) <= (1 - c) / 2`` gives ``n >= (2 * 1.645)^2 c / (1 - c)``.
    """
    return math.ceil((2 * ONE_SIDED_Z) ** 2 * confidence / (1.0 - confidence) - 1e-9)


def few_reps_warning(confidence: float, reps: int) -> str | None:
    """Return why ``reps`` replications are too few for ``confidence``, or None when enough."""
    least = min_search_reps(confidence)
    if reps >= least:
        return None
    asked = search_confidence(confidence, reps)
    share = (
        "every replication"
        if asked >= 1.0
        else f"{asked:.3f} (+{search_margin(confidence, reps):.3f})"
    )
    return (
        f"{reps} replications are too few for confidence {confidence:g}: the search asks "
        f"{share} and staffs above need; use --reps {least} or more"
    )


def interval_shares(plan: Plan, target: float, *, reps: int, seed: int, engine: str) -> np.ndarray:
    """Return the share of replications whose interval service level reaches the target.

    An interval without calls (service level undefined) counts as reaching it.
    """
    return service_shares(plan, target, reps=reps, seed=seed, engine=engine).interval


def service_shares(plan: Plan, target: float, *, reps: int, seed: int, engine: str) -> Shares:
    """Simulate one staffing and return how often it reaches the target, by interval and day.

    Parameters
    ----------
    plan : Plan
        The staffed one-day plan.
    target : float
        Service level, in (0, 1).
    reps, seed : int
        Replications and seed.
    engine : {"fast", "simpy"}
        Engine.
    """
    return shares_of(simulate(plan, reps=reps, seed=seed, engine=engine), target)


def shares_of(result: SimulationResult, target: float) -> Shares:
    """Return how often a simulated staffing reaches the target, by interval and day."""
    reps = result.tallies.reps
    frame = replication_kpis(result.tallies, result.plan, "interval")
    levels = _levels(frame, ALL, reps)
    day_frame = replication_kpis(result.tallies, result.plan, "day")
    day = day_frame.loc[day_frame["call_type"] == ALL, "service_level"].to_numpy(dtype=float)
    return Shares(
        interval=(np.isnan(levels) | (levels >= target)).mean(axis=0),
        day=float(np.mean(np.isnan(day) | (day >= target))),
        mean_level=np.nan_to_num(_mean_levels(levels), nan=1.0),
        type_levels=np.array(
            [_mean_levels(_levels(frame, k, reps)) for k in result.plan.call_types]
        ),
    )


def _levels(frame: pd.DataFrame, call_type: str, reps: int) -> np.ndarray:
    """Return the service level of a call type (or ``all``) per replication and interval."""
    rows = frame["call_type"] == call_type
    return frame.loc[rows, "service_level"].to_numpy(dtype=float).reshape(reps, -1)


def _mean_levels(levels: np.ndarray) -> np.ndarray:
    """Return the mean over replications of each interval's levels, NaN where none had calls."""
    answered = ~np.isnan(levels).all(axis=0)
    means = np.full(levels.shape[1], np.nan)
    means[answered] = np.nanmean(levels[:, answered], axis=0)
    return means


def staffed_scenario_yaml(result: StaffingResult, from_dir: Path, to_dir: Path) -> str:
    """Return the scenario with the staffing found as YAML, its CSV names valid from ``to_dir``."""
    document = rebased_inputs(result.document, from_dir, to_dir)
    header = (
        f"# Simulation-based staffing: target {result.target:g} in at least "
        f"{result.confidence:g} of replications, "
        f"{'every interval' if result.criterion == 'interval' else 'over the day'}.\n"
    )
    return header + yaml.safe_dump(document, sort_keys=False, default_flow_style=None, width=100)


def _check_group(scenario: Scenario, group: str, source: str) -> None:
    if group not in scenario.groups:
        known = ", ".join(scenario.groups)
        raise UsageError(f"{source}: no group {group!r} (groups: {known})")
    spec = scenario.groups[group]
    if spec.roster is not None:
        raise UsageError(
            f"{source}: group {group!r} works a roster; simulation-based staffing sets a "
            "headcount per interval or agents per shift"
        )
    if scenario.steady_state is not None:
        raise UsageError(f"{source}: simulation-based staffing plans calendar days")
    if spec.headcount is not None and scenario.n_days != 1:
        raise UsageError(
            f"{source}: a headcount is the same every day; simulation-based staffing of group "
            f"{group!r} by headcount plans one calendar day (got {scenario.n_days} days)"
        )

"""Outsourcing bid sizing: the staffing that holds the contract, what it costs, what to charge.

The scenario's inbound group (or the groups named) is staffed by
:func:`sim.planning.staffing.simulated_staffing` with the day criterion and the contract's
targets: Erlang's headcount per interval, then agents added until the day's service level
reaches the contractual target, and every target of the contract holds, in ``confidence`` of
the replications of the search seed (with the search's margin), then agents taken off while
they still do (``trim``, one group). A target agents cannot reach (first-contact resolution)
stops the search, and the bid does not hold. The price is the one
given, else the scenario contract's, else a quote: the staffed scenario (which then has no
contract) is simulated on the search seed and priced per handled call at its mean total cost
times ``1 + markup`` over its mean answered calls. The staffed, priced scenario is then
simulated on the fresh seed of the staffing check at 90%, 100% and 110% of the forecast
(``busyness.multiplier`` times the scenario's own), with the same seed for the three (common
random numbers), so the numbers reported are not those the search was tuned on. A fourth,
stochastic case stands for forecast error: the forecast with ``busyness.day_cv`` set to the
forecast CV (given, else the scenario's own ``busyness.day_cv``; none when both are 0), a gamma
volume multiplier with mean 1 drawn per calendar day, so per replication on a one-day bid.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import UsageError
from sim.planning.staffing import (
    DocumentRuns,
    StaffingResult,
    simulated_staffing,
    staffed_scenario_yaml,
)
from sim.results.kpis import ALL, group_kpis, replication_kpis
from sim.results.money import ContractResult, Money, evaluate_contract
from sim.results.summary import mean_ci
from sim.results.targets import wilson_interval
from sim.scenario import Plan, Scenario, scenario_from_dict
from sim.scenario.limits import MAX_CV, MIN_CV
from sim.simulation import SimulationResult, StatusCallback

VOLUME_FACTORS = (0.9, 1.0, 1.1)
"""Volume cases of a bid, as factors on the forecast."""
FORECAST_PCT = 100
"""The volume case at the forecast, percent."""
FORECAST_ERROR = 0
"""The ``volume_pct`` key of the forecast-error case: the forecast times a random multiplier."""
PRICE_FACTORS = (0.9, 1.0, 1.1)
"""Price factors of the sensitivity table (every price of the contract times each)."""
HEADCOUNT_STEPS = (-2, -1, 0, 1, 2)
"""Agents added to every interval of each staffed group in the headcount table."""
DEFAULT_MARKUP = 0.15
"""Share added to the mean total cost when the price is quoted."""
INBOUND_ROLE = "agent"
"""The role of plain inbound groups, the ones a bid staffs by default."""
PRICE_FIELDS = ("price_per_handled_call", "price_per_hour")
COST_COMPONENTS = ("base_wage_cost", "reserve_phone_cost", "overtime_cost", "seat_cost")
"""Parts of the total cost: wages other than reserves' phone time, that time, the overtime
premium and seats (they sum to ``total_cost``)."""
REPLICATION_KPIS = (
    "offered",
    "answered",
    "service_level",
    "p_day_sl_met",
    "staffed_h",
    "seats",
    *COST_COMPONENTS,
    "total_cost",
    *PRICE_FIELDS,
    "revenue",
    "sla_penalty",
    "margin",
)
"""Per replication of a volume case: the whole run of the centre (``docs/reference/kpis.md``)."""
BID_KPIS = (*REPLICATION_KPIS, "margin_pct")
"""The rows of a volume case in :attr:`BidResult.cases`."""


@dataclass(frozen=True)
class Quote:
    """A price per handled call quoted from the staffed scenario's cost.

    Attributes
    ----------
    total_cost : float
        Mean total cost of the run (wages, overtime premium, seats), currency units.
    answered : float
        Mean answered calls of the run.
    markup : float
        Share added to the cost (0.15: 15%).
    seed : int
        The seed of the simulation quoted on (the search seed).
    """

    total_cost: float
    answered: float
    markup: float
    seed: int

    @property
    def price_per_call(self) -> float:
        """Price per handled call: total cost x (1 + markup) / answered calls, currency units."""
        return self.total_cost * (1.0 + self.markup) / self.answered


@dataclass(frozen=True)
class MarginPrice:
    """The prices that reach a margin, every price form scaled by one factor.

    Revenue, penalties and bonuses (shares of the invoice) all scale with the prices, so per
    replication the yearly margin at factor k is ``k (revenue + bonuses - penalties) - cost``;
    the factor that makes the mean margin ``margin`` x the mean revenue is
    ``cost / (revenue + bonuses - penalties - margin x revenue)`` (means; none when that is not
    positive).

    Attributes
    ----------
    margin : float
        The margin asked, a share of the revenue.
    factor : float
        The factor on every price (NaN: no price reaches the margin).
    yearly_margin : float64[reps]
        Per replication the yearly margin at the scaled prices (forecast volume).
    """

    margin: float
    factor: float
    yearly_margin: np.ndarray


@dataclass(frozen=True)
class BidResult:
    """The staffing of a bid, its price and how it does at three volumes.

    Attributes
    ----------
    name : str
        Scenario name.
    group : str
        The groups staffed, comma-separated (staffed jointly by one search).
    staffing : StaffingResult
        The staffing search (Erlang start, headcount found, day shares on both seeds).
    price_per_call, price_per_hour : float
        The contract's price per handled call and per staffed agent hour, currency units (the
        one not charged is 0).
    quote : Quote or None
        How the price was quoted; None when it was given or the scenario's.
    headcount : dict of str to int
        Per group, the peak over the day of agents scheduled.
    replications : pandas.DataFrame
        One row per volume case and replication: ``volume_pct`` (percent of the forecast),
        ``rep`` and :data:`REPLICATION_KPIS`.
    cases : pandas.DataFrame
        One row per volume case and KPI of :data:`BID_KPIS`: ``volume_pct``, ``kpi``, ``mean``,
        ``ci_low``, ``ci_high`` (95% Student-t interval; Wilson for ``p_day_sl_met``, the delta
        method for ``margin_pct``).
    groups : pandas.DataFrame
        One row per volume case and group: ``volume_pct``, ``group``, ``headcount`` (peak
        agents), ``paid_h`` (staffed hours), ``wage_cost``, ``phone_h`` (means over the
        replications).
    document : dict
        The staffed scenario with the price (plain data), at the forecast volume.
    reps, seed : int
        Replications and search seed (the cases run on ``staffing.fresh_seed``).
    engine : str
        Engine.
    contracts : dict of int to ContractResult
        Per volume case (percent of the forecast): the contract's targets and yearly money, when
        the scenario has a contract or costs (else empty).
    margin_goal : MarginPrice or None
        The price factor that reaches ``--margin`` at the forecast volume, when asked.
    forecast_cv : float
        CV of the forecast-error case's volume multiplier (0: no such case). Its rows have
        ``volume_pct`` :data:`FORECAST_ERROR`; the cases keep their run order (90, 100, 110,
        then the forecast error).
    sensitivity : pandas.DataFrame
        The yearly margin per volume case and price factor (:func:`price_volume_margins`);
        empty without a contract or costs.
    headcount_table : pandas.DataFrame
        P(bid met) and the yearly margin with the staffing found shifted by
        :data:`HEADCOUNT_STEPS` agents per interval (:func:`headcount_meets`); empty when a
        staffed group is on shifts or there is no contract or costs.
    """

    name: str
    group: str
    staffing: StaffingResult
    price_per_call: float
    price_per_hour: float
    quote: Quote | None
    headcount: dict[str, int]
    replications: pd.DataFrame
    cases: pd.DataFrame
    groups: pd.DataFrame
    document: dict[str, Any]
    reps: int
    seed: int
    engine: str
    contracts: dict[int, ContractResult] = dataclasses.field(default_factory=dict)
    margin_goal: MarginPrice | None = None
    forecast_cv: float = 0.0
    sensitivity: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    headcount_table: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)

    def case_label(self, volume_pct: int) -> str:
        """Return a volume case's name: ``90% of forecast``, or the forecast-error case's."""
        if volume_pct == FORECAST_ERROR:
            return f"forecast, error CV {self.forecast_cv:g}"
        return f"{volume_pct}% of forecast"

    @property
    def priced_by_forms(self) -> bool:
        """Whether the contract states its prices as ``price`` forms (yearly money only)."""
        return bool(self.document.get("contract", {}).get("price"))

    @property
    def price_forms(self) -> list[tuple[str, float]]:
        """The contract's prices as ``(unit, unit price)``: its forms, or its single price."""
        contract = self.document.get("contract", {})
        if contract.get("price"):
            return [(form["per"], float(form["unit_price"])) for form in contract["price"]]
        if self.price_per_hour > 0:
            return [("staffed_hour", self.price_per_hour)]
        return [("handled_call", self.price_per_call)]

    @property
    def staffed_groups(self) -> list[str]:
        """The groups staffed (names hold no comma)."""
        return self.group.split(", ")

    @property
    def forecast_contract(self) -> ContractResult | None:
        """The contract's targets and money at the forecast volume (None without a contract)."""
        return self.contracts.get(FORECAST_PCT)

    @property
    def failed_targets(self) -> list[str]:
        """Targets whose P(period met) at the forecast volume is below the confidence asked."""
        contract = self.forecast_contract
        if contract is None or contract.targets is None:
            return []
        confidence = self.staffing.confidence
        return [o.target.label for o in contract.targets.outcomes if o.p_met < confidence]

    @property
    def holds(self) -> bool:
        """Whether the bid holds on the fresh seed: the staffing's criterion and every target."""
        return self.staffing.validated and not self.failed_targets

    @property
    def erlang_h(self) -> float:
        """Agent-hours of the staffed group that Erlang asks for over the day."""
        return self._agent_h("erlang")

    @property
    def staffed_group_h(self) -> float:
        """Agent-hours of the staffed group in the staffing found, over the day."""
        return self._agent_h("agents")

    def _agent_h(self, column: str) -> float:
        return float(self.staffing.intervals[column].sum()) * self.staffing.interval_s / 3600.0


def size_bid(
    raw: dict[str, Any],
    *,
    group: str | Sequence[str] | None = None,
    sl_target: float | None = None,
    margin: float | None = None,
    confidence: float = 0.95,
    price_per_call: float | None = None,
    price_per_hour: float | None = None,
    markup: float = DEFAULT_MARKUP,
    reps: int = 200,
    seed: int = 1,
    validation_seed: int | None = None,
    forecast_cv: float | None = None,
    engine: str = "fast",
    source: str = "<scenario>",
    base_dir: Path | None = None,
    status: StatusCallback | None = None,
) -> BidResult:
    """Staff, price and check a bid on a one-day scenario.

    Parameters
    ----------
    raw : dict
        The scenario as parsed from YAML (one calendar day; the group staffed by headcount).
    group : str or sequence of str, optional
        The group, or groups (staffed jointly), to staff (default: the only group of role
        ``agent``).
    sl_target : float, optional
        Service level the day must reach, in (0, 1) (default: the threshold of the contract's
        service-level target of the whole centre by day, else ``sl_penalty.below``, else
        ``service_level.target``).
    margin : float, optional
        Margin to reach, a share of the revenue in [0, 1): the prices are scaled to it
        (:class:`MarginPrice`).
    confidence : float
        Share of days (replications) that must reach it, in (0, 1).
    price_per_call, price_per_hour : float, optional
        Price per handled call or per staffed agent hour, currency units (at most one); replaces
        the scenario contract's price and keeps its penalty.
    markup : float
        Share added to the mean total cost when the price is quoted (no price given or in the
        scenario).
    reps, seed : int
        Replications of every simulation, and the search seed.
    validation_seed : int, optional
        Seed of the volume cases (default: seed + 1000).
    forecast_cv : float, optional
        CV of the forecast-error case's gamma volume multiplier, >= 0 (default: the scenario's
        ``busyness.day_cv``; 0: no such case).
    engine : {"fast", "simpy"}
        Engine.
    source : str
        File named in errors.
    base_dir : Path, optional
        Folder of the scenario's CSV inputs.
    status : callable, optional
        Told each step: the staffing search's rounds and check, the price quote, the volume
        cases and the headcount steps; it changes no number.

    Returns
    -------
    BidResult
        The staffing, the price and the volume cases.
    """
    price = given_price(price_per_call, price_per_hour)
    scenario = scenario_from_dict(raw, source=source, base_dir=base_dir)
    target = sl_target if sl_target is not None else contract_target(scenario)
    _check_fraction("the service-level target", target, source)
    _check_fraction("the confidence", confidence, source)
    if group is None:
        chosen = [inbound_group(scenario, source)]
    else:
        chosen = [group] if isinstance(group, str) else list(dict.fromkeys(group))
    if price is None and scenario.contract is None:
        _check_costs(scenario, source)
    staffing = simulated_staffing(
        raw,
        group=chosen,
        target=target,
        confidence=confidence,
        criterion="day",
        reps=reps,
        seed=seed,
        validation_seed=validation_seed,
        engine=engine,
        source=source,
        base_dir=base_dir,
        trim=True,
        targets=scenario.contract.targets if scenario.contract is not None else (),
        status=status,
    )
    tell = status if status is not None else _silent
    runs = DocumentRuns(reps=reps, engine=engine, source=source, base_dir=base_dir)
    quote = None
    if price is None and scenario.contract is None:
        tell("quoting the price")
        quote = quote_price(runs, staffing.document, markup=markup, seed=seed)
        price = {"price_per_handled_call": quote.price_per_call}
    document = with_price(staffing.document, price)
    error_cv = scenario.busyness.day_cv if forecast_cv is None else forecast_cv
    _check_cv(error_cv, source)
    tell("simulating the volume cases")
    results = volume_runs(
        runs, document, scenario.busyness.multiplier, staffing.fresh_seed, forecast_cv=error_cv
    )
    plan = results[FORECAST_PCT].plan
    headcount = peak_agents(plan)
    replications = _per_case(results, lambda result: case_replications(result, target))
    contracts = case_contracts(results, document, source, base_dir)
    margin_goal = None
    tell("simulating the headcount steps")
    if margin is not None and FORECAST_PCT in contracts:
        margin_goal = margin_price(contracts[FORECAST_PCT].money, margin)
    return BidResult(
        name=scenario.name,
        group=", ".join(chosen),
        staffing=staffing,
        price_per_call=plan.price_per_call,
        price_per_hour=plan.price_per_hour,
        quote=quote,
        headcount=headcount,
        replications=replications,
        cases=case_table(replications),
        groups=_per_case(results, lambda result: group_means(result, headcount)),
        document=document,
        reps=reps,
        seed=seed,
        engine=engine,
        contracts=contracts,
        margin_goal=margin_goal,
        forecast_cv=error_cv,
        sensitivity=price_volume_margins(contracts),
        headcount_table=headcount_meets(
            runs, document, chosen, target=target, seed=staffing.fresh_seed, at_forecast=results
        ),
    )


def _silent(_: str) -> None:
    """Hear a status and say nothing."""


def headcount_meets(
    runs: DocumentRuns,
    document: dict[str, Any],
    groups: Sequence[str],
    *,
    target: float,
    seed: int,
    at_forecast: dict[int, SimulationResult],
    steps: tuple[int, ...] = HEADCOUNT_STEPS,
) -> pd.DataFrame:
    """Return P(bid met) and the yearly margin with the staffing shifted by a few agents.

    Each step adds that many agents to every interval of each staffed group (at least 0 agents
    in an interval), simulated at the forecast volume on ``seed`` (step 0 is the forecast case
    of ``at_forecast``). A replication meets the bid when every day's service level reaches
    ``target`` and every period of every contract target meets it.

    Returns
    -------
    pandas.DataFrame
        ``step``, ``agent_h`` (agent-hours of the staffed groups over the day), ``p_met``,
        ``p_met_low``, ``p_met_high`` (Wilson), the yearly ``margin`` mean, ``margin_low``,
        ``margin_high`` (95% Student-t) and ``p_loss``. Empty when a staffed group is not
        staffed by headcount, or the scenario has no contract or costs.
    """
    staffed = [document["groups"][name].get("headcount") for name in groups]
    if any(headcount is None for headcount in staffed):
        return pd.DataFrame()
    source, base_dir = runs.source, runs.base_dir
    scenario = scenario_from_dict(document, source=source, base_dir=base_dir)
    rows = []
    for step in steps:
        shifted = with_headcount_step(document, groups, step)
        result = at_forecast[FORECAST_PCT] if step == 0 else runs.simulate(shifted, seed)
        contract = evaluate_contract(result.tallies, result.plan, scenario)
        if contract is None:
            return pd.DataFrame()
        met = bid_met(case_replications(result, target)["p_day_sl_met"].to_numpy(), contract)
        margin = contract.money.yearly["margin"]
        agent_h = _staffed_agent_h(result.plan, groups)
        p_met = float(met.mean())
        rows.append(
            (
                step,
                agent_h,
                p_met,
                *wilson_interval(p_met, len(met)),
                *mean_ci(margin)[:3],
                float((margin < 0).mean()),
            )
        )
    columns = ["step", "agent_h", "p_met", "p_met_low", "p_met_high", "margin"]
    return pd.DataFrame(rows, columns=[*columns, "margin_low", "margin_high", "p_loss"])


def bid_met(days_met: np.ndarray, contract: ContractResult) -> np.ndarray:
    """Return per replication whether it meets the bid: every day and every target's periods.

    Parameters
    ----------
    days_met : float64[reps]
        Per replication the share of its days whose service level reaches the bid's target.
    contract : ContractResult
        The contract's targets on the same replications.
    """
    met = days_met == 1.0
    for outcome in contract.targets.outcomes if contract.targets is not None else []:
        met &= outcome.met.all(axis=1)
    return met


def with_headcount_step(
    document: dict[str, Any], groups: Sequence[str], step: int
) -> dict[str, Any]:
    """Return the scenario with ``step`` agents more in every interval of each group (>= 0)."""
    changed = dict(document["groups"])
    for name in groups:
        heads = np.asarray(changed[name]["headcount"], dtype=np.int64)
        changed[name] = {**changed[name], "headcount": np.maximum(heads + step, 0).tolist()}
    return {**document, "groups": changed}


def _staffed_agent_h(plan: Plan, groups: Sequence[str]) -> float:
    """Return the agent-hours the staffed groups are scheduled over the day (mean of the days)."""
    chosen = [plan.groups.index(name) for name in groups]
    hours = plan.scheduled_agents[..., chosen].sum(axis=(1, 2)) * plan.interval_s / 3600.0
    return float(hours.mean())


def case_contracts(
    results: dict[int, SimulationResult],
    document: dict[str, Any],
    source: str,
    base_dir: Path | None,
) -> dict[int, ContractResult]:
    """Evaluate the contract (targets and yearly money) of each volume case, when it has one.

    The cases differ only in volume, so the contract and costs are the document's.
    """
    scenario = scenario_from_dict(document, source=source, base_dir=base_dir)
    contracts = {}
    for volume, result in results.items():
        contract = evaluate_contract(result.tallies, result.plan, scenario)
        if contract is not None:
            contracts[volume] = contract
    return contracts


def margin_price(money: Money, margin: float) -> MarginPrice:
    """Return the price factor that reaches ``margin`` (see :class:`MarginPrice`)."""
    yearly = money.yearly
    scaled = yearly["revenue"] + yearly["bonuses"] - yearly["penalties"]
    denominator = float(scaled.mean() - margin * yearly["revenue"].mean())
    factor = float(yearly["total_cost"].mean()) / denominator if denominator > 0 else math.nan
    return MarginPrice(margin, factor, scaled_margin(money, factor))


def scaled_margin(money: Money, factor: float) -> np.ndarray:
    """Return each replication's yearly margin with every price times ``factor``.

    Revenue, penalties and bonuses are shares of the invoice and scale with the prices; the
    cost does not: ``factor x (revenue + bonuses - penalties) - total cost``.
    """
    yearly = money.yearly
    return (
        factor * (yearly["revenue"] + yearly["bonuses"] - yearly["penalties"])
        - yearly["total_cost"]
    )


def price_volume_margins(
    contracts: dict[int, ContractResult], factors: tuple[float, ...] = PRICE_FACTORS
) -> pd.DataFrame:
    """Return the yearly margin of each volume case at each price factor: the sensitivity table.

    Returns
    -------
    pandas.DataFrame
        ``volume_pct``, ``price_factor``, ``mean``, ``ci_low``, ``ci_high`` (95% Student-t) of
        the yearly margin, and ``p_loss``, ``p_loss_low``, ``p_loss_high`` (share of
        replications whose yearly margin is below 0, Wilson interval).
    """
    rows = []
    for volume, contract in contracts.items():
        for factor in factors:
            margin = scaled_margin(contract.money, factor)
            loss = float((margin < 0).mean())
            interval = wilson_interval(loss, len(margin))
            rows.append((volume, factor, *mean_ci(margin)[:3], loss, *interval))
    columns = ["volume_pct", "price_factor", "mean", "ci_low", "ci_high"]
    return pd.DataFrame(rows, columns=[*columns, "p_loss", "p_loss_low", "p_loss_high"])


def quote_price(runs: DocumentRuns, document: dict[str, Any], *, markup: float, seed: int) -> Quote:
    """Simulate the staffed scenario (no contract) and quote a price per handled call on it."""
    kpis = case_replications(runs.simulate(document, seed), target=1.0)  # days met: unused
    return Quote(
        total_cost=float(kpis["total_cost"].mean()),
        answered=float(kpis["answered"].mean()),
        markup=markup,
        seed=seed,
    )


def volume_runs(
    runs: DocumentRuns,
    document: dict[str, Any],
    multiplier: float,
    seed: int,
    *,
    forecast_cv: float = 0.0,
) -> dict[int, SimulationResult]:
    """Simulate the scenario at each of :data:`VOLUME_FACTORS`, on one seed; keys: percent.

    The factor multiplies ``multiplier``, the scenario's own ``busyness.multiplier``. With a
    ``forecast_cv`` above 0, the forecast-error case follows, key :data:`FORECAST_ERROR`: the
    forecast with ``busyness.day_cv`` set to it.
    """
    results = {
        round(100 * factor): runs.simulate(with_volume(document, factor * multiplier), seed)
        for factor in VOLUME_FACTORS
    }
    if forecast_cv > 0:
        erring = with_volume(document, multiplier)
        erring["busyness"]["day_cv"] = forecast_cv
        results[FORECAST_ERROR] = runs.simulate(erring, seed)
    return results


def _per_case(
    results: dict[int, SimulationResult], frame_of: Callable[[SimulationResult], pd.DataFrame]
) -> pd.DataFrame:
    """Stack one frame per volume case, ``volume_pct`` first."""
    frames = [frame_of(result).assign(volume_pct=volume) for volume, result in results.items()]
    stacked = pd.concat(frames, ignore_index=True)
    return stacked[["volume_pct", *(c for c in stacked.columns if c != "volume_pct")]]


def given_price(
    price_per_call: float | None, price_per_hour: float | None
) -> dict[str, float] | None:
    """Return the contract price field given (None: none given); refuse both at once."""
    if price_per_call is not None and price_per_hour is not None:
        raise UsageError("give one price, per handled call or per hour (got both)")
    if price_per_call is not None:
        return {"price_per_handled_call": price_per_call}
    if price_per_hour is not None:
        return {"price_per_hour": price_per_hour}
    return None


def contract_target(scenario: Scenario) -> float:
    """Return the service level a bid staffs for.

    The threshold of the contract's service-level target of the whole centre by day, else its
    penalty threshold, else the scenario's service-level target.
    """
    contract = scenario.contract
    if contract is not None:
        for target in contract.targets:
            is_day_sl = target.kpi == "service_level" and target.period == "day"
            if is_day_sl and target.scope == ALL and target.threshold is not None:
                return target.threshold
        if contract.sl_penalty is not None:
            return contract.sl_penalty.below
    return scenario.service_level.target


def inbound_group(scenario: Scenario, source: str) -> str:
    """Return the scenario's only plain inbound group (role ``agent``); refuse none or several."""
    inbound = [name for name, group in scenario.groups.items() if group.role == INBOUND_ROLE]
    if len(inbound) != 1:
        known = ", ".join(f"{name} ({group.role})" for name, group in scenario.groups.items())
        raise UsageError(
            f"{source}: {len(inbound)} groups of role {INBOUND_ROLE}; name the group to staff "
            f"with --group (groups: {known})"
        )
    return inbound[0]


def with_price(document: dict[str, Any], price: dict[str, float] | None) -> dict[str, Any]:
    """Return the scenario with its contract's price replaced (None: as it is).

    The price given replaces every price of the contract (the single prices and the ``price``
    forms); penalties and targets are kept.
    """
    if price is None:
        return document
    dropped = (*PRICE_FIELDS, "price")
    kept = {k: v for k, v in document.get("contract", {}).items() if k not in dropped}
    return {**document, "contract": {**kept, **price}}


def with_volume(document: dict[str, Any], multiplier: float) -> dict[str, Any]:
    """Return the scenario with ``busyness.multiplier`` set to ``multiplier``."""
    return {**document, "busyness": {**document.get("busyness", {}), "multiplier": multiplier}}


def case_replications(result: SimulationResult, target: float) -> pd.DataFrame:
    """Return the centre's KPIs per replication of a run: ``rep`` and :data:`REPLICATION_KPIS`.

    ``p_day_sl_met`` is the share of the replication's days whose service level reaches
    ``target`` (a day without calls counts as reaching it); ``base_wage_cost`` is the wage cost
    less the reserves' phone cost; the prices are the plan's.
    """
    plan = result.plan
    total = _centre(replication_kpis(result.tallies, plan, "total"))
    days = _centre(replication_kpis(result.tallies, plan, "day"))
    level = days["service_level"].to_numpy(dtype=float)
    met = pd.Series(np.isnan(level) | (level >= target)).groupby(days["rep"].to_numpy()).mean()
    frame = total[["rep", "offered", "answered", "service_level", "staffed_h", "seats"]].copy()
    frame["p_day_sl_met"] = met.reindex(frame["rep"]).to_numpy(dtype=float)
    frame["base_wage_cost"] = total["wage_cost"] - total["reserve_phone_cost"]
    for name in ("reserve_phone_cost", "overtime_cost", "seat_cost", "total_cost"):
        frame[name] = total[name]
    frame["price_per_handled_call"] = plan.price_per_call
    frame["price_per_hour"] = plan.price_per_hour
    for name in ("revenue", "sla_penalty", "margin"):
        frame[name] = total[name]
    return frame[["rep", *REPLICATION_KPIS]].reset_index(drop=True)


def case_table(replications: pd.DataFrame) -> pd.DataFrame:
    """Return the mean and 95% CI of every KPI of each volume case (:attr:`BidResult.cases`)."""
    rows = []
    for volume_pct, case in replications.groupby("volume_pct", sort=False):
        for kpi in REPLICATION_KPIS:
            values = case[kpi].to_numpy(dtype=float)
            if kpi == "p_day_sl_met":
                rows.append((volume_pct, kpi, *share_ci(values)))
            else:
                rows.append((volume_pct, kpi, *mean_ci(values)[:3]))
        mean, low, high = margin_pct(case["margin"].to_numpy(), case["revenue"].to_numpy())
        rows.append((volume_pct, "margin_pct", mean, low, high))
    return pd.DataFrame(rows, columns=["volume_pct", "kpi", "mean", "ci_low", "ci_high"])


def share_ci(values: np.ndarray) -> tuple[float, float, float]:
    """Return the mean of 0/1 values (days meeting the target) and its 95% Wilson interval."""
    share = float(values.mean())
    return (share, *wilson_interval(share, len(values)))


def margin_pct(margin: np.ndarray, revenue: np.ndarray) -> tuple[float, float, float]:
    """Return 100 x mean margin / mean revenue and its 95% CI (delta method); NaN without revenue.

    The ratio of means R has the CI of the mean of ``R + (margin_i - R revenue_i) / mean
    revenue``, whose mean is R.
    """
    mean_revenue = float(revenue.mean())
    if mean_revenue == 0.0:
        return (math.nan, math.nan, math.nan)
    ratio = float(margin.mean()) / mean_revenue
    linear = ratio + (margin - ratio * revenue) / mean_revenue
    _, low, high, _ = mean_ci(100.0 * linear)
    return (100.0 * ratio, low, high)


def peak_agents(plan: Plan) -> dict[str, int]:
    """Return per group the most agents scheduled in any interval (rounded up)."""
    peaks = plan.scheduled_agents.max(axis=(0, 1))
    return {
        name: math.ceil(float(peak) - 1e-9) for name, peak in zip(plan.groups, peaks, strict=True)
    }


def group_means(result: SimulationResult, headcount: dict[str, int]) -> pd.DataFrame:
    """Return per group its headcount and mean paid hours, wage cost and phone hours."""
    frame = group_kpis(result.tallies, result.plan, "total")
    rows = frame[(frame["call_type"] == ALL) & (frame["group"] != ALL)]
    means = rows.groupby("group", observed=True)[["staffed_h", "wage_cost", "phone_h"]].mean()
    means = means.reindex(list(headcount)).rename(columns={"staffed_h": "paid_h"})
    means.insert(0, "headcount", list(headcount.values()))
    return means.rename_axis("group").reset_index()


def bid_scenario_yaml(result: BidResult, from_dir: Path, to_dir: Path) -> str:
    """Return the staffed, priced scenario as YAML, its CSV names valid from ``to_dir``."""
    if result.quote is not None:
        priced = (
            f"# Price quoted: mean total cost x {1 + result.quote.markup:g} / mean answered "
            f"calls = {result.price_per_call:.4f} per handled call.\n"
        )
    else:
        priced = "# Priced as the bid: the contract below.\n"
    staffed = dataclasses.replace(result.staffing, document=result.document)
    return priced + staffed_scenario_yaml(staffed, from_dir, to_dir)


def _centre(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["call_type"] == ALL].reset_index(drop=True)


def _check_costs(scenario: Scenario, source: str) -> None:
    """Refuse to quote a price when nothing costs anything (no wages, no seats)."""
    wages = [group.wage_per_hour for group in scenario.groups.values()]
    if not any(wages) and not scenario.costs.seat_per_day:
        raise UsageError(
            f"{source}: no price to charge and no costs to quote one from: give a price per "
            "handled call or per hour, or wages (groups.*.wage_per_hour) or costs.seat_per_day"
        )


def _check_cv(cv: float, source: str) -> None:
    """Refuse a forecast CV outside 0 or [MIN_CV, MAX_CV], the range of every ``day_cv``."""
    if cv != 0 and not MIN_CV <= cv <= MAX_CV:
        raise UsageError(
            f"{source}: the forecast CV must be 0 or between {MIN_CV:g} and {MAX_CV:g} (got {cv:g})"
        )


def _check_fraction(what: str, value: float, source: str) -> None:
    if not 0.0 < value < 1.0:
        raise UsageError(f"{source}: {what} must be in (0, 1) (got {value:g})")

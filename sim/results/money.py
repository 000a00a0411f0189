"""A contract's money over a year: headcount, costs, revenue, penalties and bonuses.

Headcount by role, cost by component, revenue by price form, penalties and bonuses by target,
rolled up to day, week, month and year with CIs.

Definitions (``docs/reference/kpis.md``, contract money). Currency units per year unless said:

* the simulated days stand for every open day: a variable amount (wages, calls, hours) counts
  each replication's mean simulated day ``costs.open_days_per_year`` times; fixed amounts are
  stated per year or per month;
* agent FTE = scheduled hours of the answering groups (roles agent, temp, blended; absences
  still scheduled) per open day x open days / ``hours_per_fte_year``; agents (headcount) =
  ceil(FTE x (1 + redundancy)); team leaders = ceil(agents / per), supervisors = ceil(team
  leaders / per), QA and trainers = ceil(agents / per); seat-lines = ceil(the most agents of
  every group scheduled at once);
* a period's share of the year: a day 1 / open days, a week 7 / 365, a month 1 / 12; so the
  year is the sum of its 12 months and of its components.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, get_args

import numpy as np
from numpy.typing import NDArray

from sim.engines.base import Tallies
from sim.results.kpis import agent_kpis, cost_kpis, measured_intervals
from sim.results.summary import mean_ci
from sim.results.targets import TargetsResult, band_percent, by_period, evaluate_targets
from sim.scenario.contract import Overhead, Price, PriceUnit
from sim.scenario.plan import GroupKind, Plan
from sim.scenario.schema import Contract, Costs, Scenario

Array = NDArray[np.float64]
MONTHS_PER_YEAR = 12
WEEKS_PER_YEAR = 365 / 7
OVERHEAD_ROLES = ("team_leaders", "supervisors", "qa", "trainers")
VARIABLE_PRICES = {"handled_call": "answered", "talk_hour": "busy_h", "staffed_hour": "staffed_h"}
"""Price forms paid per unit of a day's work, and the day quantity each one counts."""
COST_COMPONENTS = (
    "agent_wages",
    "overtime_premium",
    "redundancy",
    *OVERHEAD_ROLES,
    "recruitment",
    "training",
    "seats_per_day",
    "seat_lines",
)
PRICE_UNITS: tuple[str, ...] = get_args(PriceUnit)
REVENUE_COMPONENTS = tuple(f"revenue_{unit}" for unit in PRICE_UNITS)
ROLL_UP_PERIODS = ("day", "week", "month", "year")


@dataclass(frozen=True)
class Headcount:
    """Staff of a proposal (see the module docstring for the rules).

    Attributes
    ----------
    agent_fte : float
        Agent full-time equivalents the simulated staffing schedules.
    agents : int
        Agent headcount with the redundancy margin, rounded up.
    overhead : dict of str to int
        Headcount of each overhead role given (``team_leaders``, ``supervisors``, ``qa``,
        ``trainers``).
    seat_lines : int
        Seats with a line: the most agents scheduled at once, rounded up.
    hires_per_month : float
        Expected new agents a month: annual attrition x agents / 12.
    agent_wage_per_hour : float
        Mean wage of the answering groups, weighted by scheduled hours.
    """

    agent_fte: float
    agents: int
    overhead: dict[str, int]
    seat_lines: int
    hires_per_month: float
    agent_wage_per_hour: float


def ceil_ratio(staff: float, per: float) -> int:
    """Return how many are needed at one per ``per`` of ``staff``: ceil(staff / per)."""
    return math.ceil(staff / per - 1e-9)


def overhead_headcount(agents: int, overhead: Overhead) -> dict[str, int]:
    """Return the overhead roles' headcount for an agent headcount.

    Team leaders, QA and trainers: ceil(agents / per); supervisors: ceil(team leaders / per).
    Roles not given are left out.
    """
    staff: dict[str, int] = {}
    for role in OVERHEAD_ROLES:
        ratio = getattr(overhead, role)
        if ratio is not None:
            base = staff["team_leaders"] if role == "supervisors" else agents
            staff[role] = ceil_ratio(base, ratio.per)
    return staff


def headcount(plan: Plan, costs: Costs) -> Headcount:
    """Return the staff of a proposal from the plan's schedule (see :class:`Headcount`)."""
    answering = plan.group_kind != GroupKind.RESERVE
    hours = plan.scheduled_agents.sum(axis=1) * plan.interval_s / 3600.0  # [days, groups]
    day_hours = hours[:, answering].sum(axis=1).mean()
    fte = float(day_hours * costs.open_days_per_year / costs.hours_per_fte_year)
    agents = ceil_ratio(fte * (1.0 + costs.redundancy), 1.0)
    group_hours = hours[:, answering].sum(axis=0)
    wages = plan.wage_per_hour[answering]
    wage = float(group_hours @ wages / group_hours.sum()) if group_hours.sum() > 0 else 0.0
    rate = costs.attrition.annual_rate if costs.attrition is not None else 0.0
    return Headcount(
        agent_fte=fte,
        agents=agents,
        overhead=overhead_headcount(agents, costs.overhead),
        seat_lines=ceil_ratio(float(plan.scheduled_agents.sum(axis=2).max(initial=0.0)), 1.0),
        hires_per_month=rate * agents / MONTHS_PER_YEAR,
        agent_wage_per_hour=wage,
    )


def prices_of(contract: Contract | None) -> list[Price]:
    """Return a contract's price forms; the two single prices become forms of their own."""
    if contract is None:
        return []
    if contract.price:
        return list(contract.price)
    single: list[Price] = []
    if contract.price_per_handled_call is not None:
        single.append(Price(per="handled_call", unit_price=contract.price_per_handled_call))
    if contract.price_per_hour is not None:
        single.append(Price(per="staffed_hour", unit_price=contract.price_per_hour))
    return single


def day_quantities(tallies: Tallies, plan: Plan) -> dict[str, Array]:
    """Return the day quantities prices count, each ``[reps, days]``.

    ``answered`` (calls by day of arrival, warm-up left out), ``busy_h`` (handle hours) and
    ``staffed_h`` (agent hours) of the whole centre.
    """
    weights = measured_intervals(plan)[None, None, :, None]
    answered = (tallies.count("answered") * weights).sum(axis=(2, 3))
    agents = agent_kpis(tallies, plan, "day")
    return {
        "answered": answered,
        "busy_h": agents["busy_h"][..., -1],
        "staffed_h": agents["staffed_h"][..., -1],
    }


def day_revenue(
    quantities: dict[str, Array], prices: list[Price], staff: Headcount, open_days: int
) -> dict[str, Array]:
    """Return the revenue of each price form per replication and day, ``[reps, days]``.

    Variable forms: unit price x the day's quantity; fixed forms spread over the open days:
    ``fte_month`` unit price x agent FTE x 12 / open days, ``seat_line_year`` unit price x
    seat-lines / open days.
    """
    shape = quantities["answered"].shape
    fixed_per_year = {
        "fte_month": staff.agent_fte * MONTHS_PER_YEAR,
        "seat_line_year": float(staff.seat_lines),
    }
    revenue: dict[str, Array] = {}
    for price in prices:
        if price.per in VARIABLE_PRICES:
            revenue[price.per] = price.unit_price * quantities[VARIABLE_PRICES[price.per]]
        else:
            revenue[price.per] = np.full(
                shape, price.unit_price * fixed_per_year[price.per] / open_days
            )
    return revenue


@dataclass(frozen=True)
class Money:
    """A contract's money over a year, per replication.

    Attributes
    ----------
    headcount : Headcount
        Staff by role and seat-lines.
    yearly : dict of str to float64[reps]
        Per year: cost components (:data:`COST_COMPONENTS`), revenue by form
        (``revenue_FORM``), ``sla_penalty`` (of ``contract.sl_penalty``), ``penalty: LABEL``
        and ``bonus: LABEL`` of each target with bands (LABEL: ``Target.label``), and the
        totals ``total_cost``, ``revenue``, ``penalties``, ``bonuses``, ``margin``.
    open_days : int
        Open days a year.
    """

    headcount: Headcount
    yearly: dict[str, Array]
    open_days: int

    def roll_up(self) -> list[dict[str, Any]]:
        """Return every yearly amount per day, week, month and year: mean and 95% CI.

        Returns
        -------
        list of dict
            One row per item and period, each with ``item``, ``period``, ``mean``, ``ci_low``
            and ``ci_high``; items in the order of :attr:`yearly`, periods from day to year.
        """
        shares = {
            "day": 1 / self.open_days,
            "week": 1 / WEEKS_PER_YEAR,
            "month": 1 / MONTHS_PER_YEAR,
            "year": 1.0,
        }
        rows = []
        for item, values in self.yearly.items():
            for period, share in shares.items():
                mean, low, high, _ = mean_ci(values * share)
                rows.append(
                    {"item": item, "period": period, "mean": mean, "ci_low": low, "ci_high": high}
                )
        return rows


def contract_money(
    tallies: Tallies,
    plan: Plan,
    costs: Costs,
    contract: Contract | None,
    targets: TargetsResult | None,
) -> Money:
    """Work out a contract's money over a year from the tallies of a run.

    Parameters
    ----------
    tallies : Tallies
        Tallies of the replications.
    plan : Plan
        The plan simulated.
    costs : Costs
        The scenario's costs.
    contract : Contract, optional
        Its contract (none: no revenue).
    targets : TargetsResult, optional
        The contract's targets evaluated on the same tallies (for penalties and bonuses).

    Returns
    -------
    Money
        Headcount and yearly amounts per replication.
    """
    open_days, n_days = costs.open_days_per_year, plan.n_days
    staff = headcount(plan, costs)
    revenue = day_revenue(day_quantities(tallies, plan), prices_of(contract), staff, open_days)
    invoice = sum(revenue.values(), np.zeros((tallies.reps, n_days)))
    per_year = open_days / n_days  # a replication's run total -> a year
    yearly = _yearly_costs(tallies, plan, costs, staff)
    for unit in PRICE_UNITS:
        yearly[f"revenue_{unit}"] = (
            revenue[unit].sum(axis=1) * per_year if unit in revenue else np.zeros(tallies.reps)
        )
    run = cost_kpis(tallies, plan, "total")
    yearly["sla_penalty"] = run["sla_penalty"] * per_year
    for outcome in targets.outcomes if targets is not None else []:
        for kind, sign in (("penalty", 1.0), ("bonus", -1.0)):
            adjustment = getattr(outcome.target, kind)
            if adjustment is None:
                continue
            share = band_percent(sign * outcome.miss_points, adjustment) / 100.0
            period_invoice = by_period(
                invoice, outcome.target.period, plan.start_date
            )  # not interval
            yearly[f"{kind}: {outcome.target.label}"] = (share * period_invoice).sum(
                axis=1
            ) * per_year
    yearly["total_cost"] = sum((yearly[name] for name in COST_COMPONENTS), np.zeros(tallies.reps))
    yearly["revenue"] = sum((yearly[name] for name in REVENUE_COMPONENTS), np.zeros(tallies.reps))
    yearly["penalties"] = yearly["sla_penalty"] + _sum_of(yearly, "penalty: ")
    yearly["bonuses"] = _sum_of(yearly, "bonus: ")
    yearly["margin"] = (
        yearly["revenue"] + yearly["bonuses"] - yearly["total_cost"] - yearly["penalties"]
    )
    return Money(staff, yearly, open_days)


def _yearly_costs(tallies: Tallies, plan: Plan, costs: Costs, staff: Headcount) -> dict[str, Array]:
    """Cost components per year and replication (see :data:`COST_COMPONENTS`)."""
    per_year = costs.open_days_per_year / plan.n_days
    on_cost = 1.0 + costs.on_cost_percent / 100.0
    run = cost_kpis(tallies, plan, "total")
    group_wages = agent_kpis(tallies, plan, "total")["wage_cost"][..., :-1] * per_year * on_cost
    answering = group_wages[:, plan.group_kind != GroupKind.RESERVE].sum(axis=1)
    reps = tallies.reps

    def fixed(amount: float) -> Array:
        return np.full(reps, amount)

    overhead = {role: fixed(0.0) for role in OVERHEAD_ROLES}
    for role, count in staff.overhead.items():
        ratio = getattr(costs.overhead, role)
        overhead[role] = fixed(count * ratio.wage_per_hour * costs.hours_per_fte_year * on_cost)
    attrition = costs.attrition
    hires = staff.hires_per_month * MONTHS_PER_YEAR
    recruitment = hires * attrition.cost_per_hire if attrition is not None else 0.0
    training = 0.0
    if attrition is not None:
        hours = attrition.training_weeks * costs.hours_per_fte_year / WEEKS_PER_YEAR
        unproductive = 1.0 - attrition.training_productivity
        training = hires * hours * staff.agent_wage_per_hour * on_cost * unproductive
    return {
        "agent_wages": group_wages.sum(axis=1),
        "overtime_premium": run["overtime_cost"] * per_year * on_cost,
        "redundancy": answering * costs.redundancy,
        **overhead,
        "recruitment": fixed(recruitment),
        "training": fixed(training),
        "seats_per_day": run["seat_cost"] * per_year,
        "seat_lines": fixed(staff.seat_lines * costs.seat_line_per_year),
    }


def _sum_of(yearly: dict[str, Array], prefix: str) -> Array:
    reps = len(yearly["revenue"])
    return sum((v for k, v in yearly.items() if k.startswith(prefix)), np.zeros(reps))


@dataclass(frozen=True)
class ContractResult:
    """A run's contract: its targets (none when it states none) and its yearly money."""

    targets: TargetsResult | None
    money: Money


def evaluate_contract(tallies: Tallies, plan: Plan, scenario: Scenario) -> ContractResult | None:
    """Evaluate a scenario's targets and money; None when it has no contract and default costs.

    Parameters
    ----------
    tallies : Tallies
        Tallies of the replications.
    plan : Plan
        The plan of ``scenario``.
    scenario : Scenario
        The scenario simulated.

    Returns
    -------
    ContractResult or None
        Targets and money, or None when there is nothing to report.
    """
    contract = scenario.contract
    if contract is None and scenario.costs == Costs():
        return None
    targets = None
    if contract is not None and contract.targets:
        targets = evaluate_targets(tallies, plan, contract.targets)
    return ContractResult(targets, contract_money(tallies, plan, scenario.costs, contract, targets))

"""Per-replication realisation drawn in Python and handed to either engine.

The day's volume multipliers and the absent agent-days are drawn once per replication, from
their own streams, so both engines (and every design point of an experiment) see the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.rng import Purpose, stream
from sim.scenario.plan import Plan, RosterKind
from sim.units import SECONDS_PER_DAY


@dataclass(frozen=True, eq=False)
class Realisation:
    """What a replication draws before its first call.

    Attributes
    ----------
    rate_per_s : float64[n_call_types, n_segments]
        Arrival rates after the day's busyness multipliers, calls per second.
    email_rate_per_s : float64[n_call_types, n_email_segments]
        Email arrival rates after the multipliers of each segment's calendar day, per second.
    day_multiplier : float64[n_days, n_call_types]
        The multipliers (shared multiplier times the call type's own).
    absent : bool[n_agents, n_days]
        Agent-days lost to absenteeism.
    roster_kept : bool[n_events]
        Roster events that happen (events of absent agent-days are dropped; closings stay).
    """

    rate_per_s: NDArray[np.float64]
    email_rate_per_s: NDArray[np.float64]
    day_multiplier: NDArray[np.float64]
    absent: NDArray[np.bool_]
    roster_kept: NDArray[np.bool_]


def draw_realisation(plan: Plan, seed: int, rep: int) -> Realisation:
    """Draw the busyness multipliers and absences of replication ``rep``.

    Day multipliers are gamma with mean 1 and the scenario's CV (one shared by all call types and
    one per call type, multiplied); each agent-day is absent with its group's absenteeism. Each
    kind of draw has its own stream, and the absence uniforms are drawn for every agent-day
    whatever its group's probability, so changing one input shifts no other draw.
    """
    shared = _gamma_mean_one(seed, rep, 0, plan.day_cv_shared, plan.n_days)
    per_type = [
        _gamma_mean_one(seed, rep, 1 + k, float(cv), plan.n_days)
        for k, cv in enumerate(plan.day_cv)
    ]
    day_multiplier = shared[:, None] * np.stack(per_type, axis=1).reshape(
        plan.n_days, plan.n_call_types
    )
    rate = plan.rate_per_s * np.repeat(day_multiplier.T, plan.n_intervals, axis=1)
    email_day = np.minimum(plan.email_start_at // SECONDS_PER_DAY, plan.n_days - 1).astype(int)
    email_rate = plan.email_rate_per_s * day_multiplier.T[:, email_day]
    absent = np.zeros((plan.n_agents, plan.n_days), dtype=bool)
    if plan.absenteeism.any():
        uniforms = stream(seed, rep, Purpose.ABSENCE).random((plan.n_agents, plan.n_days))
        absent = uniforms < plan.absenteeism[plan.agent_group][:, None]
    return Realisation(
        rate_per_s=rate,
        email_rate_per_s=email_rate,
        day_multiplier=day_multiplier,
        absent=absent,
        roster_kept=_roster_kept(plan, absent),
    )


def realisation_varies(plan: Plan) -> bool:
    """Return whether replications of ``plan`` draw different realisations.

    Only busyness (a day CV above 0) and absenteeism draw; without them every replication's
    realisation is the same (multipliers of exactly 1, nobody absent) and an engine may draw
    it once.
    """
    return bool(plan.day_cv_shared > 0.0 or np.any(plan.day_cv > 0.0) or plan.absenteeism.any())


def _gamma_mean_one(seed: int, rep: int, index: int, cv: float, n: int) -> NDArray[np.float64]:
    """``n`` gamma draws with mean 1 and coefficient of variation ``cv`` (ones when cv is 0)."""
    if cv <= 0.0:
        return np.ones(n)
    rng = stream(seed, rep, Purpose.DAY_VOLUME, index)
    return rng.standard_gamma(1.0 / (cv * cv), n) * (cv * cv)


def _roster_kept(plan: Plan, absent: NDArray[np.bool_]) -> NDArray[np.bool_]:
    kept = plan.roster_kind == RosterKind.CLOSE
    agents = ~kept
    kept[agents] = ~absent[plan.roster_who[agents], plan.roster_day[agents]]
    return kept

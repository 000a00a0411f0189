"""Per-replication realisation drawn in Python and handed to either engine.

The day's volume multipliers and the absent agent-days are drawn once per replication, from
their own streams, so both engines (and every design point of an experiment) see the same.
"""

from __future__ import annotations

from collections.abc import Callable
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


StreamOf = Callable[[Purpose, int], np.random.Generator]
"""Returns the generator of a replication's stream ``(purpose, index)``."""


def draw_realisation(plan: Plan, seed: int, rep: int) -> Realisation:
    """Draw the busyness multipliers and absences of replication ``rep``.

    Day multipliers are gamma with mean 1 and the scenario's CV (one shared by all call types and
    one per call type, multiplied); each agent-day is absent with its group's absenteeism. Each
    kind of draw has its own stream, and the absence uniforms are drawn for every agent-day
    whatever its group's probability, so changing one input shifts no other draw.
    """
    return RealisationDrawer(plan).draw(lambda purpose, index: stream(seed, rep, purpose, index))


class RealisationDrawer:
    """Draws the realisations of one plan (:func:`draw_realisation`), one per replication.

    What does not depend on the replication (which streams are drawn, the calendar days of the
    email segments, the roster events of agents) is worked out once: an engine running many
    replications of a plan keeps one drawer.
    """

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        # (stream index, CV) of the day multipliers: the shared one, then each call type's
        self.day_cvs = [(0, float(plan.day_cv_shared))]
        self.day_cvs += [(1 + k, float(cv)) for k, cv in enumerate(plan.day_cv)]
        self.absence_limit = plan.absenteeism[plan.agent_group][:, None]
        self.draws_absences = bool(plan.absenteeism.any())
        self.email_day = np.minimum(plan.email_start_at // SECONDS_PER_DAY, plan.n_days - 1).astype(
            int
        )
        self.closings = plan.roster_kind == RosterKind.CLOSE
        agent_events = ~self.closings
        self.agent_events = agent_events
        self.event_who = plan.roster_who[agent_events]
        self.event_day = plan.roster_day[agent_events]

    def streams(self) -> list[tuple[Purpose, int]]:
        """Return the streams a realisation draws from, as ``(purpose, index)``."""
        keys = [(Purpose.DAY_VOLUME, index) for index, cv in self.day_cvs if cv > 0.0]
        return keys + ([(Purpose.ABSENCE, 0)] if self.draws_absences else [])

    def draw(self, stream_of: StreamOf) -> Realisation:
        """Draw one replication's realisation from its streams (``stream_of``)."""
        plan = self.plan
        shared, *per_type = (
            _gamma_mean_one(stream_of, index, cv, plan.n_days) for index, cv in self.day_cvs
        )
        day_multiplier = shared[:, None] * np.stack(per_type, axis=1).reshape(
            plan.n_days, plan.n_call_types
        )
        rate = plan.rate_per_s * np.repeat(day_multiplier.T, plan.n_intervals, axis=1)
        email_rate = plan.email_rate_per_s * day_multiplier.T[:, self.email_day]
        if self.draws_absences:
            uniforms = stream_of(Purpose.ABSENCE, 0).random((plan.n_agents, plan.n_days))
            absent = uniforms < self.absence_limit
        else:
            absent = np.zeros((plan.n_agents, plan.n_days), dtype=bool)
        return Realisation(
            rate_per_s=rate,
            email_rate_per_s=email_rate,
            day_multiplier=day_multiplier,
            absent=absent,
            roster_kept=self._roster_kept(absent),
        )

    def _roster_kept(self, absent: NDArray[np.bool_]) -> NDArray[np.bool_]:
        """Roster events that happen: closings, and agents' events of days they are present."""
        kept = self.closings.copy()
        kept[self.agent_events] = ~absent[self.event_who, self.event_day]
        return kept


def realisation_varies(plan: Plan) -> bool:
    """Return whether replications of ``plan`` draw different realisations.

    Only busyness (a day CV above 0) and absenteeism draw; without them every replication's
    realisation is the same (multipliers of exactly 1, nobody absent) and an engine may draw
    it once.
    """
    return bool(plan.day_cv_shared > 0.0 or np.any(plan.day_cv > 0.0) or plan.absenteeism.any())


def _gamma_mean_one(stream_of: StreamOf, index: int, cv: float, n: int) -> NDArray[np.float64]:
    """``n`` gamma draws with mean 1 and coefficient of variation ``cv`` (ones when cv is 0)."""
    if cv <= 0.0:
        return np.ones(n)
    rng = stream_of(Purpose.DAY_VOLUME, index)
    return rng.standard_gamma(1.0 / (cv * cv), n) * (cv * cv)

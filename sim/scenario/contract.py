"""Contract terms as tenders state them: targets, price forms and the costs of a proposal.

Targets carry penalty and bonus bands; costs add on-costs, overhead staff by ratio, seat-lines
and attrition.

See ``docs/reference/scenario.md`` (costs and contract). Nothing here changes what the engines
simulate: every quantity is computed from tallies (:mod:`sim.results.targets`,
:mod:`sim.results.money`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Self

from pydantic import Field, model_validator

from sim.scenario.fields import Frozen
from sim.scenario.problems import FieldError, check_known

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

TargetKpi = Literal["service_level", "asa_s", "answer_rate", "abandonment", "occupancy", "fcr"]
TargetPeriod = Literal["interval", "day", "week", "month", "run"]
PriceUnit = Literal["handled_call", "talk_hour", "staffed_hour", "fte_month", "seat_line_year"]
AT_LEAST_KPIS = ("service_level", "answer_rate", "fcr")
"""KPIs whose target is met at or above the threshold."""
AT_MOST_KPIS = ("asa_s", "abandonment")
"""KPIs whose target is met at or below the threshold."""
MAX_ASA_S = 3600.0
"""Largest ASA threshold accepted, seconds."""
MAX_TARGETS = 50
"""Most targets a contract may state."""
MAX_BANDS = 20
"""Most bands in one penalty or bonus."""


class Band(Frozen):
    """One band of a penalty or bonus, on the points by which a target is missed (or beaten).

    Points are percentage points for fraction KPIs (service level, answer rate, abandonment,
    occupancy, FCR) and seconds for ASA.

    Attributes
    ----------
    from_points : float
        The band starts here (>= 0): a miss of more points than this falls in it.
    to_points : float, optional
        The band ends here (> ``from_points``); none: no end.
    percent_per_point : float
        Percent of the period's invoice per point inside the band.
    percent : float
        Flat percent of the period's invoice once the miss is more than ``from_points``.
    """

    from_points: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    to_points: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    percent_per_point: float = Field(default=0.0, ge=0, le=100, allow_inf_nan=False)
    percent: float = Field(default=0.0, ge=0, le=100, allow_inf_nan=False)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.to_points is not None and self.to_points <= self.from_points:
            message = f"must be above from_points {self.from_points:g} (got {self.to_points:g})"
            raise FieldError("to_points", message)
        return self


class Adjustment(Frozen):
    """A penalty (or bonus): bands of percent of the period's invoice, capped.

    Attributes
    ----------
    bands : list of Band
        Non-overlapping bands in increasing order of points.
    cap_percent : float
        Most percent of the period's invoice it takes (or gives), in (0, 100].
    """

    bands: list[Band] = Field(min_length=1, max_length=MAX_BANDS)
    cap_percent: float = Field(default=100.0, gt=0, le=100, allow_inf_nan=False)

    @model_validator(mode="after")
    def _no_overlap(self) -> Self:
        for i, (before, band) in enumerate(zip(self.bands, self.bands[1:], strict=False), 1):
            if before.to_points is None or band.from_points < before.to_points:
                end = "no end" if before.to_points is None else f"{before.to_points:g}"
                message = (
                    f"overlaps bands[{i - 1}] (which ends at {end}); bands must not overlap and "
                    f"go in increasing order (got from_points {band.from_points:g})"
                )
                raise FieldError(f"bands[{i}].from_points", message)
        return self


class Target(Frozen):
    """One contractual target, measured over every period of a kind.

    Attributes
    ----------
    kpi : {"service_level", "asa_s", "answer_rate", "abandonment", "occupancy", "fcr"}
        The KPI (definitions in ``docs/reference/kpis.md``).
    scope : str
        A call type, or ``all`` (every call type together); for ``occupancy`` a group or ``all``.
    threshold : float, optional
        Met at or above it (``service_level``, ``answer_rate``, ``fcr``: fractions) or at or
        below it (``asa_s``, seconds; ``abandonment``, a fraction). Not for ``occupancy``.
    threshold_s : float, optional
        ``service_level`` only: its T, seconds; it must equal ``service_level.threshold_s``
        (the engines count calls answered within that one T). Default: that T.
    min, max : float, optional
        ``occupancy`` only: the band it must stay in (fractions; at least one of them).
    period : {"interval", "day", "week", "month", "run"}
        Each planning interval, day, week (7 days), month (30 days) or the whole run.
    penalty, bonus : Adjustment, optional
        Percent of the period's invoice lost by a miss, or gained by beating the target (not
        for period ``interval``).
    """

    kpi: TargetKpi
    scope: str = Field(default="all", min_length=1)
    threshold: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    threshold_s: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    min: float | None = Field(default=None, ge=0, le=1)
    max: float | None = Field(default=None, ge=0, le=1)
    period: TargetPeriod = "day"
    penalty: Adjustment | None = None
    bonus: Adjustment | None = None

    @model_validator(mode="after")
    def _fits_kpi(self) -> Self:
        if self.kpi == "occupancy":
            self._check_band()
        else:
            self._check_threshold()
        if self.threshold_s is not None and self.kpi != "service_level":
            raise FieldError("threshold_s", f"is for kpi service_level only (got {self.kpi})")
        if self.period == "interval" and (self.penalty or self.bonus):
            message = "penalties and bonuses need a period of day or longer (got interval)"
            raise FieldError("period", message)
        return self

    def _check_band(self) -> None:
        if self.threshold is not None:
            message = f"is not for occupancy: give min and/or max (got {self.threshold:g})"
            raise FieldError("threshold", message)
        if self.min is None and self.max is None:
            raise FieldError("min", "occupancy needs min and/or max (got neither)")
        if self.min is not None and self.max is not None and self.max < self.min:
            raise FieldError("max", f"must be at least min {self.min:g} (got {self.max:g})")

    def _check_threshold(self) -> None:
        for name in ("min", "max"):
            if getattr(self, name) is not None:
                raise FieldError(name, f"is for kpi occupancy only (got {self.kpi})")
        if self.threshold is None:
            raise FieldError("threshold", f"is required for kpi {self.kpi}")
        limit = MAX_ASA_S if self.kpi == "asa_s" else 1.0
        if self.threshold > limit:
            message = f"must be <= {limit:g} for kpi {self.kpi} (got {self.threshold:g})"
            raise FieldError("threshold", message)

    @property
    def label(self) -> str:
        """Short name: ``"service_level >= 0.8 (all, day)"``."""
        if self.kpi == "occupancy":
            low = "" if self.min is None else f"{self.min:g} <= "
            high = "" if self.max is None else f" <= {self.max:g}"
            rule = f"{low}occupancy{high}"
        else:
            sign = ">=" if self.kpi in AT_LEAST_KPIS else "<="
            rule = f"{self.kpi} {sign} {self.threshold:g}"
        return f"{rule} ({self.scope}, {self.period})"


class Price(Frozen):
    """One price form of a contract; a contract may mix several.

    Attributes
    ----------
    per : {"handled_call", "talk_hour", "staffed_hour", "fte_month", "seat_line_year"}
        Per answered call; per productive (handle) hour; per staffed agent hour; per agent FTE
        per month; per seat-line per year (fixed).
    unit_price : float
        Price of one unit (>= 0).
    """

    per: PriceUnit
    unit_price: float = Field(ge=0, allow_inf_nan=False)


class OverheadRatio(Frozen):
    """Staff not on the phones, by ratio: one per ``per`` of the staff they look after.

    Attributes
    ----------
    per : float
        How many of the base staff one of them covers (> 0): agents for team leaders, QA and
        trainers; team leaders for supervisors.
    wage_per_hour : float
        Pay per paid hour (>= 0); a year pays ``costs.hours_per_fte_year`` hours.
    """

    per: float = Field(gt=0, allow_inf_nan=False)
    wage_per_hour: float = Field(default=0.0, ge=0, allow_inf_nan=False)


class Overhead(Frozen):
    """Overhead roles (each optional): headcounts rounded up, see ``sim.results.money``.

    Attributes
    ----------
    team_leaders : OverheadRatio, optional
        One per ``per`` agents.
    supervisors : OverheadRatio, optional
        One per ``per`` team leaders (needs ``team_leaders``).
    qa, trainers : OverheadRatio, optional
        One per ``per`` agents.
    """

    team_leaders: OverheadRatio | None = None
    supervisors: OverheadRatio | None = None
    qa: OverheadRatio | None = None
    trainers: OverheadRatio | None = None

    @model_validator(mode="after")
    def _supervisors_need_leaders(self) -> Self:
        if self.supervisors is not None and self.team_leaders is None:
            raise FieldError("supervisors", "are counted per team leader: give team_leaders")
        return self


class Attrition(Frozen):
    """Agents who leave and the hiring and training that replaces them.

    Attributes
    ----------
    annual_rate : float
        Share of the agent headcount that leaves in a year (0.25: 25%), in [0, 5].
    cost_per_hire : float
        Recruitment cost of one hire (>= 0).
    training_weeks : float
        Weeks of paid training of a hire, in [0, 52].
    training_productivity : float
        Share of a trained agent's output a trainee gives during training, in [0, 1]; the rest
        of the trainee's pay is a cost.
    """

    annual_rate: float = Field(ge=0, le=5, allow_inf_nan=False)
    cost_per_hire: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    training_weeks: float = Field(default=0.0, ge=0, le=52, allow_inf_nan=False)
    training_productivity: float = Field(default=0.0, ge=0, le=1)


def check_contract(scenario: Scenario) -> None:
    """Raise a :class:`FieldError` when a target names an unknown scope or another T.

    Parameters
    ----------
    scenario : Scenario
        A scenario whose sections are each valid on their own.
    """
    if scenario.contract is None:
        return
    for i, target in enumerate(scenario.contract.targets):
        path = f"contract.targets[{i}]"
        if target.kpi == "occupancy":
            known, what = [*scenario.groups, "all"], "group or all"
        else:
            known, what = [*scenario.call_types, "all"], "call type or all"
        check_known(f"{path}.scope", what, target.scope, known)
        threshold_s = scenario.service_level.threshold_s
        if target.threshold_s is not None and target.threshold_s != threshold_s:
            message = (
                f"must equal service_level.threshold_s {threshold_s:g}: calls are counted "
                f"against that one T (got {target.threshold_s:g})"
            )
            raise FieldError(f"{path}.threshold_s", message)

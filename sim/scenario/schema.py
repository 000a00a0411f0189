"""Typed, frozen scenario models validated from YAML (see ``docs/reference/scenario.md``).

Every model forbids unknown keys. Cross-field checks (:mod:`sim.scenario.checks`) raise
:class:`FieldError` with the path of the field at fault, which the loader turns into
``file: path: message (got value)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Literal, Self

from pydantic import Field, field_validator, model_validator

from sim.scenario.calendar import Calendar, DayHours, IsoDate, check_weekday, day_label
from sim.scenario.checks import check_scenario
from sim.scenario.contract import MAX_TARGETS, Attrition, Overhead, Price, Target
from sim.scenario.controls import Activate, Calm, Outbound, Switch, check_hysteresis
from sim.scenario.distributions import HandleTime, Patience, TalkTime
from sim.scenario.fields import Clock, Count, DayRow, Frozen, check_non_negative
from sim.scenario.limits import (
    DEFAULT_REDIAL_ATTEMPTS,
    DEFAULT_REPEAT_ATTEMPTS,
    MAX_BOT_PORTS,
    MAX_CONCURRENT,
    MAX_LINES,
    MAX_REDIAL_ATTEMPTS,
    MAX_SLOWDOWN,
)
from sim.scenario.problems import FieldError, check_known
from sim.scenario.shifts import Break, Overtime, RosterRow, Shift
from sim.units import SECONDS_PER_HOUR, SECONDS_PER_MINUTE, clock_to_s

HOURS_PER_DAY = 24

SlDefinition = Literal[
    "offered_minus_short_abandons", "answered", "answered_plus_abandoned_after_t", "p_wait_le_t"
]
DEFAULT_TIER = "standard"
STAFFING_FORMS = ("headcount", "shifts", "roster")
StaffingDrop = Literal["finish_calls", "hold_count"]
Lines = Annotated[int, Field(ge=1, le=MAX_LINES)]
"""A number of lines (trunks), 1..MAX_LINES."""
BotPorts = Annotated[int, Field(ge=1, le=MAX_BOT_PORTS)]
"""A number of licensed bot ports, 1..MAX_BOT_PORTS."""
Role = Literal["agent", "temp", "blended", "supervisor", "reserve"]
Channel = Literal["voice", "chat", "email"]
"""How a contact reaches the centre: a call, an online chat session, or an email item."""
BLENDED_ROLES: tuple[str, ...] = ("blended",)
RESERVE_ROLES: tuple[str, ...] = ("supervisor", "reserve")
ROLE_SECTIONS = {
    "outbound": BLENDED_ROLES,
    "switch": BLENDED_ROLES,
    "activate": RESERVE_ROLES,
    "deactivate": RESERVE_ROLES,
}
"""Group sections that belong to some roles only."""
REQUIRED_SECTIONS = ("outbound", "switch", "activate")
"""Of those, the ones each of their roles must give."""


def _roles_text(roles: tuple[str, ...]) -> str:
    return f"role {roles[0]}" if len(roles) == 1 else f"roles {' and '.join(roles)}"


class SteadyState(Frozen):
    """One long stationary period for checks against queueing formulas.

    Attributes
    ----------
    horizon_h : float
        Length of the arrival period, hours (the queue then drains).
    warmup_h : float
        Leading hours whose arrivals are left out of every KPI.
    interval_minutes : int
        Reporting interval; horizon and warm-up must be whole numbers of intervals.
    """

    horizon_h: float = Field(gt=0, allow_inf_nan=False)
    warmup_h: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    interval_minutes: int = Field(default=60, ge=1)

    @model_validator(mode="after")
    def _warmup_fits(self) -> Self:
        if self.warmup_h >= self.horizon_h:
            raise FieldError(
                "warmup_h", f"must be shorter than horizon_h {self.horizon_h} (got {self.warmup_h})"
            )
        interval_h = self.interval_minutes / 60.0
        for name, value in (("horizon_h", self.horizon_h), ("warmup_h", self.warmup_h)):
            n = value / interval_h
            if abs(n - round(n)) > 1e-9:
                raise FieldError(
                    name,
                    f"must be a whole number of {self.interval_minutes}-minute intervals "
                    f"(got {value})",
                )
        return self


class Costs(Frozen):
    """Costs beyond wages (wages are per group, ``groups.NAME.wage_per_hour``).

    Attributes
    ----------
    seat_per_day : float
        Cost of one seat (workstation) for a day; a day needs as many seats as the most agents
        present at once (the peak over its intervals of the mean agents present, rounded up).
    overtime_premium : float
        Extra pay for overtime hours, a fraction of the wage (0.5: time and a half).
    on_cost_percent : float
        Employer on-costs (social charges, benefits) on every wage of the yearly money, percent.
    open_days_per_year : int
        Days a year the centre opens like the simulated days: the yearly money counts each
        simulated day's mean this many times.
    hours_per_fte_year : float
        Paid hours of one full-time equivalent a year (agent FTE and overhead wages).
    redundancy : float
        Agents on top of the simulated staffing, a fraction (0.05: 5%); paid, not simulated.
    seat_line_per_year : float
        Lease of one seat with its line for a year; seat-lines: the most agents scheduled at
        once, rounded up.
    overhead : Overhead
        Team leaders, supervisors, QA and trainers by ratio.
    attrition : Attrition, optional
        Hiring and training of the agents who leave.
    """

    seat_per_day: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    overtime_premium: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    on_cost_percent: float = Field(default=0.0, ge=0, le=200, allow_inf_nan=False)
    open_days_per_year: int = Field(default=365, ge=1, le=366)
    hours_per_fte_year: float = Field(default=1720.0, gt=0, le=8784, allow_inf_nan=False)
    redundancy: float = Field(default=0.0, ge=0, le=1)
    seat_line_per_year: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    overhead: Overhead = Overhead()
    attrition: Attrition | None = None


class SlPenalty(Frozen):
    """A service-level penalty: part of the invoice is lost when the service level is short.

    Attributes
    ----------
    below : float
        The penalty applies when the service level of the period is below this (a fraction).
    period : {"day", "run"}
        Each day on its own, or the whole run.
    percent_of_invoice : float
        Share of the period's revenue lost, percent.
    """

    below: float = Field(gt=0, le=1)
    period: Literal["day", "run"] = "day"
    percent_of_invoice: float = Field(ge=0, le=100, allow_inf_nan=False)


class Contract(Frozen):
    """What the client pays and the targets it measures.

    Attributes
    ----------
    price_per_handled_call : float, optional
        Revenue per answered call.
    price_per_hour : float, optional
        Revenue per staffed agent hour (all groups).
    price : list of Price
        Price forms, mixed (instead of the two prices above).
    sl_penalty : SlPenalty, optional
        Penalty for a short service level.
    targets : list of Target
        Targets measured per period, each with its penalty and bonus bands.
    """

    price_per_handled_call: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    price_per_hour: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    price: list[Price] = Field(default_factory=list)
    sl_penalty: SlPenalty | None = None
    targets: list[Target] = Field(default_factory=list, max_length=MAX_TARGETS)

    @model_validator(mode="after")
    def _one_price(self) -> Self:
        prices = [p for p in (self.price_per_handled_call, self.price_per_hour) if p is not None]
        if self.price:
            if prices:
                message = (
                    "give price forms either in price or as price_per_handled_call / "
                    f"price_per_hour, not both (got {len(prices)} of those)"
                )
                raise FieldError("price", message)
            units = [p.per for p in self.price]
            for i, unit in enumerate(units):
                if unit in units[:i]:
                    raise FieldError(f"price[{i}].per", f"names a form a second time (got {unit})")
        elif len(prices) != 1 and not (self.targets and not prices):
            raise FieldError(
                "",
                "give exactly one of price_per_handled_call and price_per_hour "
                f"(got {len(prices)})",
            )
        return self


class ServiceLevel(Frozen):
    """Service-level threshold, target and definition (see ``docs/reference/kpis.md``).

    Attributes
    ----------
    threshold_s : float
        A call is answered in time when its wait is at most this, seconds.
    target : float
        Contractual service level, a fraction in (0, 1].
    definition : str
        ``offered_minus_short_abandons`` (default): answered within T / (offered - short
        abandons); ``answered``: / answered; ``answered_plus_abandoned_after_t``: / (answered +
        abandoned after T); ``p_wait_le_t``: (answered within T + abandoned within T) / offered.
    short_abandon_s : float
        Callers who hang up before this many seconds are short abandons.
    """

    threshold_s: float = Field(default=20.0, ge=0, allow_inf_nan=False)
    target: float = Field(default=0.8, gt=0, le=1)
    definition: SlDefinition = "offered_minus_short_abandons"
    short_abandon_s: float = Field(default=0.0, ge=0, allow_inf_nan=False)


class Tier(Frozen):
    """A skill tier: how fast and how well an agent with this tier handles a call type.

    Attributes
    ----------
    handle_time_factor : float
        Multiplies the talk time and after-call work (> 0; 1 = as specified).
    fcr : float
        First-contact resolution probability in (0, 1]; an unresolved call comes back as a
        repeat call.
    """

    handle_time_factor: float = Field(default=1.0, gt=0, allow_inf_nan=False)
    fcr: float = Field(default=1.0, gt=0, le=1)


class Busyness(Frozen):
    """Day-to-day volume variation shared by every call type.

    Attributes
    ----------
    day_cv : float
        CV of a gamma volume multiplier with mean 1, drawn once per day (0: none).
    multiplier : float
        Fixed factor on every call type's expected volume (1.1: 10% above the forecast), for
        what-if runs and experiments.
    """

    day_cv: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    multiplier: float = Field(default=1.0, ge=0, allow_inf_nan=False)


class Volume(Frozen):
    """Offered calls of one call type: at most one of three forms (or rows in the forecast).

    Attributes
    ----------
    per_interval : list of float, optional
        Expected calls in each planning interval of a day.
    daily : float, optional
        Expected calls per day, spread over the day by ``profile``.
    profile : list of float, optional
        Weights per planning interval (divided by their total); in YAML also a CSV file.
    per_hour : float, optional
        Constant arrival rate, calls per hour, while open (email: around the clock).
    hourly : list of float, optional
        Email only, with ``daily``: 24 weights, one per clock hour from midnight, that spread
        the day's items over the calendar day (divided by their total).
    day_cv : float
        CV of a gamma volume multiplier with mean 1 drawn per day for this call type (0: none).
    weekday_factors : dict of str to float
        Weekday (``mon`` ... ``sun``) -> factor (>= 0) on the volume of that weekday's days;
        weekdays not named keep factor 1. Needs ``calendar.start_date``.
    weekday_profiles : dict of str to list of float
        Weekday -> weights per planning interval that replace ``profile`` on that weekday's
        days (``daily`` form only). Needs ``calendar.start_date``.
    """

    per_interval: list[float] | None = None
    daily: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    profile: list[float] | None = None
    per_hour: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    hourly: list[float] | None = None
    day_cv: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    weekday_factors: dict[str, float] = Field(default_factory=dict)
    weekday_profiles: dict[str, list[float]] = Field(default_factory=dict)

    @property
    def forms(self) -> list[str]:
        """Names of the volume forms given (none when the forecast gives the volumes)."""
        return [n for n in ("per_interval", "daily", "per_hour") if getattr(self, n) is not None]

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        if len(self.forms) > 1:
            raise FieldError(
                "",
                f"give exactly one of per_interval, daily (with profile), per_hour "
                f"(got {self.forms})",
            )
        if self.hourly is not None:
            self._check_hourly()
        elif self.profile is not None and self.daily is None:
            message = "daily and profile go together (got profile without daily)"
            raise FieldError(subpath="daily", message=message)
        for name in ("per_interval", "profile"):
            values = getattr(self, name)
            if values is not None:
                check_non_negative(name, values)
        if self.profile is not None and sum(self.profile) <= 0:
            raise FieldError("profile", f"weights must not all be zero (got {self.profile})")
        for name, factor in self.weekday_factors.items():
            check_weekday(f"weekday_factors.{name}", name)
            check_non_negative(f"weekday_factors.{name}", [factor])
        if self.weekday_profiles and self.daily is None:
            message = f"need the daily form (got {self.forms or 'the forecast'})"
            raise FieldError(subpath="weekday_profiles", message=message)
        for name, weights in self.weekday_profiles.items():
            check_weekday(f"weekday_profiles.{name}", name)
            check_non_negative(f"weekday_profiles.{name}", weights)
        return self

    def _check_hourly(self) -> None:
        """Check the email form ``daily`` with ``hourly``: 24 weights, not all zero."""
        assert self.hourly is not None
        if self.daily is None or self.profile is not None:
            got = "profile" if self.profile is not None else "no daily"
            message = f"goes with daily and replaces profile (got {got})"
            raise FieldError(subpath="hourly", message=message)
        if len(self.hourly) != HOURS_PER_DAY:
            message = f"needs one weight per clock hour: {HOURS_PER_DAY} (got {len(self.hourly)})"
            raise FieldError(subpath="hourly", message=message)
        check_non_negative("hourly", self.hourly)
        if sum(self.hourly) <= 0:
            raise FieldError("hourly", f"weights must not all be zero (got {self.hourly})")

    def items_per_hour(self) -> list[float]:
        """Return an email type's expected items in each clock hour of a day (24 values).

        ``per_hour`` is flat; ``daily`` is spread by ``hourly`` (flat without it). Weekday
        factors are applied by the plan, not here.
        """
        if self.per_hour is not None:
            return [self.per_hour] * HOURS_PER_DAY
        assert self.daily is not None
        weights = self.hourly or [1.0] * HOURS_PER_DAY
        total = sum(weights)
        return [self.daily * weight / total for weight in weights]

    def calls_per_interval(
        self, n_intervals: int, interval_s: float, weekday: str | None = None
    ) -> list[float]:
        """Return the expected calls in each of the ``n_intervals`` planning intervals.

        Parameters
        ----------
        n_intervals : int
            Planning intervals of the day.
        interval_s : float
            Their length, seconds.
        weekday : str, optional
            The day's weekday: its profile (``weekday_profiles``) replaces ``profile``. Weekday
            factors are applied by the plan, not here.

        Returns
        -------
        list of float
            Expected calls; the ``daily`` form spreads its calls over every interval (the plan
            spreads them over the day's open intervals).
        """
        if self.per_interval is not None:
            return list(self.per_interval)
        if self.per_hour is not None:
            return [self.per_hour * interval_s / SECONDS_PER_HOUR] * n_intervals
        assert self.daily is not None
        assert self.profile is not None
        profile = self.weekday_profiles.get(weekday or "", self.profile)
        total = sum(profile)
        return [self.daily * weight / total for weight in profile]


class Redial(Frozen):
    """Callers who abandon may call again.

    Attributes
    ----------
    probability : float
        Probability in [0, 1] that an abandoned caller calls again.
    delay_mean_s : float
        Mean of the exponential delay before the new call, seconds (> 0).
    max_attempts : int
        Most redials one caller makes, in 0..MAX_REDIAL_ATTEMPTS (default 10): a caller whose
        last allowed redial is abandoned too gives up, whatever ``probability`` says. A repeat
        call starts a new count.
    """

    probability: float = Field(ge=0, le=1)
    delay_mean_s: float = Field(gt=0, allow_inf_nan=False)
    max_attempts: int = Field(default=DEFAULT_REDIAL_ATTEMPTS, ge=0, le=MAX_REDIAL_ATTEMPTS)


class Repeat(Frozen):
    """Calls not resolved at first contact (the serving tier's ``fcr`` < 1) come back.

    Attributes
    ----------
    delay_mean_s : float
        Mean of the exponential delay before the repeat call, seconds (> 0).
    max_attempts : int
        Most repeat calls of one caller's matter, in 0..MAX_REDIAL_ATTEMPTS (default 20): an
        unresolved contact after that many repeat calls does not come back.
    """

    delay_mean_s: float = Field(default=1800.0, gt=0, allow_inf_nan=False)
    max_attempts: int = Field(default=DEFAULT_REPEAT_ATTEMPTS, ge=0, le=MAX_REDIAL_ATTEMPTS)


class Bot(Frozen):
    """A bot (or IVR) in front of a call type: it resolves some contacts, hands the rest over.

    A contact that finds a free bot port holds it for its bot time; then it is resolved by the
    bot (``resolve_share``), hangs up in the bot (``abandon_share``), or is handed over to the
    people's queue, where its handle time is multiplied by ``handover_factor``. A contact that
    finds every port busy skips the bot and queues for people at once.

    Attributes
    ----------
    resolve_share : float
        Share in [0, 1] of the contacts entering the bot that it resolves.
    time : TalkTime
        Time a contact spends in the bot, seconds (one distribution for the whole day).
    abandon_share : float
        Share in [0, 1] of the contacts entering the bot that hang up in it;
        ``resolve_share + abandon_share <= 1``.
    handover_factor : float
        Multiplier (> 0) of the handle time (talk and after-call work) of a contact handed
        over: below 1 when the bot passes the context on, above 1 when the caller repeats.
    """

    resolve_share: float = Field(ge=0, le=1)
    time: TalkTime
    abandon_share: float = Field(default=0.0, ge=0, le=1)
    handover_factor: float = Field(default=1.0, gt=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _shares_fit(self) -> Self:
        if self.resolve_share + self.abandon_share > 1.0:
            message = (
                "plus resolve_share must be at most 1 (got "
                f"{self.resolve_share} + {self.abandon_share})"
            )
            raise FieldError(subpath="abandon_share", message=message)
        return self


class RoutingEntry(Frozen):
    """One group in a call type's preference order.

    Attributes
    ----------
    group : str
        Name of a group with the skill.
    after_s : float
        The group may take the call only once it has waited this long, seconds (0: at once).
    """

    group: str
    after_s: float = Field(default=0.0, ge=0, allow_inf_nan=False)


class ResponseTarget(Frozen):
    """An email type's promise: a share of its items answered within some hours of arrival.

    Attributes
    ----------
    within_h : float
        Hours from arrival (> 0); "by the next day" is ``within_h: 24``. At most the horizon.
    share : float
        Share of items in [0, 1] to answer within ``within_h``.
    """

    within_h: float = Field(gt=0, allow_inf_nan=False)
    share: float = Field(default=0.9, ge=0, le=1)


class CallType(Frozen):
    """A queue of one kind of call (chat, or email item).

    Attributes
    ----------
    channel : {"voice", "chat", "email"}
        Voice calls occupy one agent each; an agent holds up to its group's
        ``max_concurrent.chat`` chat sessions at once (see :class:`Group`). For a chat,
        ``handle_time`` is the session's length when the agent holds only it, and ``patience``
        the wait for the first response (the answer). Chats need no lines. Email items arrive
        around the clock, wait in a backlog and are worked when no call or chat an agent could
        take waits (``docs/background/model.md``).
    priority : int
        Higher is served first when an agent frees up; FCFS within a priority.
    volume : Volume
        Offered calls (no form when the forecast gives them).
    handle_time : HandleTime
        Talk time distribution plus after-call work.
    patience : Patience
        Abandonment (``none`` by default).
    redial : Redial, optional
        Abandoned callers who call again (none by default).
    repeat : Repeat
        Delay of repeat calls after an unresolved contact.
    routing : list of RoutingEntry, optional
        Groups in preference order; in YAML a group name or ``{group, after_s}`` each.
        Default: every group with the skill, in scenario order, at once.
    lines : int, optional
        Lines (trunks) of the call type's own, 1..MAX_LINES: a call holds one from its arrival
        until it leaves (end of talk, abandonment, drop); one arriving when all are in use is
        blocked. None: no limit of its own (the centre's ``lines`` may still block it).
    bot : Bot, optional
        A bot in front of the call type (none by default); its ports are the scenario's
        ``bot_ports``.
    response_target : ResponseTarget, optional
        Email only: the share of items to answer within some hours.
    """

    channel: Channel = "voice"
    priority: int = Field(default=1, ge=0)
    volume: Volume = Volume()
    handle_time: HandleTime
    patience: Patience = Patience()
    redial: Redial | None = None
    repeat: Repeat = Repeat()
    routing: Annotated[list[RoutingEntry], Field(min_length=1)] | None = None
    lines: Lines | None = None
    bot: Bot | None = None
    response_target: ResponseTarget | None = None

    @model_validator(mode="after")
    def _lines_are_voice(self) -> Self:
        if self.channel == "chat" and self.lines is not None:
            message = f"lines are for voice calls; a chat needs none (got {self.lines})"
            raise FieldError(subpath="lines", message=message)
        return self

    @field_validator("routing", mode="before")
    @classmethod
    def _names_to_entries(cls, value: object) -> object:
        if not isinstance(value, list):
            return value
        return [{"group": item} if isinstance(item, str) else item for item in value]


class ForecastRow(DayRow):
    """Offered calls of one call type in one planning interval, as in a forecast CSV row.

    Attributes
    ----------
    interval_start : str
        Clock time at which the planning interval starts.
    call_type : str
        Name of the call type.
    volume : float
        Expected calls in the interval (>= 0).
    aht_s : float, optional
        Mean handle time (talk + after-call work) of calls arriving in it, seconds (> 0).
    day : int, optional
        Day of the calendar (0-based); absent: the same for every day.
    date : str, optional
        ISO date of a day of the calendar, instead of ``day`` (needs ``calendar.start_date``).
    volume_lo, volume_hi : float, optional
        Ends of a prediction interval around ``volume`` (>= 0); read, not simulated.
    """

    interval_start: Clock
    call_type: str
    volume: float = Field(ge=0, allow_inf_nan=False)
    aht_s: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    date: IsoDate | None = None
    volume_lo: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    volume_hi: float | None = Field(default=None, ge=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _one_day(self) -> Self:
        if self.day is not None and self.date is not None:
            message = f"give day or date, not both (got day {self.day} and date {self.date})"
            raise FieldError(subpath="date", message=message)
        return self


class Group(Frozen):
    """A group of agents with the same skills and role, and how it is staffed.

    Attributes
    ----------
    role : {"agent", "temp", "blended", "supervisor", "reserve"}
        ``agent`` and ``temp`` (temporary staff, reported apart) answer calls whenever on duty;
        ``blended``: a buffer pool that works ``outbound`` while inbound is calm and switches by
        the ``switch`` rules; ``supervisor`` and ``reserve`` (alike): off the phones until
        ``activate`` fires.
    skills : dict of str to str, optional
        Call type -> tier name. Required when there are several groups and for roles
        ``blended``, ``supervisor`` and ``reserve``; a lone group without skills takes every
        call type at the first tier.
    headcount : int or list of int, optional
        Agents on duty: one number for the whole day, or one per planning interval.
    shifts : dict of str to int, optional
        Shift pattern name -> number of agents working it.
    roster : list of RosterRow, optional
        One row per agent shift segment (in YAML, usually a CSV file).
    overtime : list of Overtime
        Voluntary overtime on the group's shifts.
    absenteeism : float
        Probability in [0, 1) that a scheduled agent-day is absent.
    wage_per_hour : float
        Pay per staffed agent-hour (>= 0).
    outbound : Outbound, optional
        Outbound work (role ``blended`` only, and required for it).
    switch : Switch, optional
        When the agents move between outbound and inbound (role ``blended`` only, required).
    activate : Activate, optional
        When reserves log in (roles ``supervisor`` and ``reserve`` only, required for them).
    deactivate : Calm, optional
        When they log out (those roles only; default: queue at most 0, at once).
    staffing_drop : {"finish_calls", "hold_count"}, optional
        What a drop in the group's agents on shift means while some of them are on calls past
        their shift end: ``finish_calls``, the others answer at once; ``hold_count``, a call
        starts with one of its agents only while fewer of its agents are on calls (those past
        their shift end included) than are on shift. None: the scenario's ``staffing_drop``.
    max_concurrent : dict of str to int
        Channel -> contacts of that channel one agent holds at once: ``chat``,
        1..MAX_CONCURRENT (default 1); ``voice`` may only be 1.
    chat_slowdown : list of float, optional
        Handle-time factor of a chat session started when the agent then holds ``n`` sessions
        (the new one counted), one factor per ``n`` = 1..``max_concurrent.chat``, each > 0
        and at most MAX_SLOWDOWN.
        None: every factor 1.
    voice_while_chatting : bool
        An agent holding chat sessions may take a voice call (an agent on a voice call takes
        no chat either way).
    """

    role: Role = "agent"
    skills: Annotated[dict[str, str], Field(min_length=1)] | None = None
    headcount: int | list[int] | None = None
    shifts: dict[str, Count] | None = None
    roster: Annotated[list[RosterRow], Field(min_length=1)] | None = None
    overtime: list[Overtime] = Field(default_factory=list)
    absenteeism: float = Field(default=0.0, ge=0, lt=1)
    wage_per_hour: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    outbound: Outbound | None = None
    switch: Switch | None = None
    activate: Activate | None = None
    deactivate: Calm | None = None
    staffing_drop: StaffingDrop | None = None
    max_concurrent: dict[Channel, int] = Field(default_factory=dict)
    chat_slowdown: list[float] | None = None
    voice_while_chatting: bool = False

    @property
    def max_chats(self) -> int:
        """Chat sessions one agent of the group holds at once."""
        return self.max_concurrent.get("chat", 1)

    @property
    def staffing(self) -> str:
        """Name of the staffing form: ``headcount``, ``shifts`` or ``roster``."""
        return next(form for form in STAFFING_FORMS if getattr(self, form) is not None)

    @model_validator(mode="after")
    def _one_staffing(self) -> Self:
        forms = [form for form in STAFFING_FORMS if getattr(self, form) is not None]
        if len(forms) != 1:
            message = f"give exactly one of headcount, shifts, roster (got {forms or 'none'})"
            raise FieldError(subpath="", message=message)
        if isinstance(self.headcount, list):
            check_non_negative("headcount", self.headcount)
        elif self.headcount is not None and self.headcount < 0:
            message = f"must be a whole number >= 0 (got {self.headcount})"
            raise FieldError(subpath="headcount", message=message)
        self._check_overtime()
        self._check_role()
        self._check_concurrency()
        return self

    def _check_concurrency(self) -> None:
        for channel, most in self.max_concurrent.items():
            if channel == "chat" and not 1 <= most <= MAX_CONCURRENT:
                message = f"must be a whole number from 1 to {MAX_CONCURRENT} (got {most})"
            elif channel != "chat" and most != 1:
                message = f"must be 1: an agent holds one {channel} contact at a time (got {most})"
            else:
                continue
            raise FieldError(subpath=f"max_concurrent.{channel}", message=message)
        factors = self.chat_slowdown
        if factors is None:
            return
        if not self.max_chats <= len(factors) <= MAX_CONCURRENT:
            message = (
                f"must give one factor per number of sessions 1..{self.max_chats} "
                f"(max_concurrent.chat) and at most {MAX_CONCURRENT} in all "
                f"(got {len(factors)}: {factors})"
            )
            raise FieldError(subpath="chat_slowdown", message=message)
        for i, factor in enumerate(factors):
            if not 0 < factor <= MAX_SLOWDOWN:
                message = f"must be a number > 0 and at most {MAX_SLOWDOWN:g} (got {factor})"
                raise FieldError(f"chat_slowdown[{i}]", message)

    @property
    def n_agents(self) -> int:
        """Number of agents of the group (as numbered by the staffing, see ``roster.staff_of``)."""
        if self.roster is not None:
            return len({row.agent for row in self.roster})
        if self.shifts is not None:
            return sum(self.shifts.values())
        if isinstance(self.headcount, list):
            return max(self.headcount, default=0)
        assert self.headcount is not None
        return self.headcount

    def _check_role(self) -> None:
        for section, roles in ROLE_SECTIONS.items():
            given = getattr(self, section) is not None
            if given and self.role not in roles:
                message = f"is only for {_roles_text(roles)} (got role {self.role!r})"
                raise FieldError(subpath=section, message=message)
            if not given and self.role in roles and section in REQUIRED_SECTIONS:
                raise FieldError(section, f"is required for role {self.role} (got none)")
        if self.role in BLENDED_ROLES + RESERVE_ROLES and self.skills is None:
            message = (
                f"is required for role {self.role}: list the call types it may take (got none)"
            )
            raise FieldError(subpath="skills", message=message)
        if self.switch is not None and self.switch.min_outbound > self.n_agents:
            message = (
                f"must be at most the group's {self.n_agents} agents "
                f"(got {self.switch.min_outbound})"
            )
            raise FieldError(subpath="switch.min_outbound", message=message)
        if self.activate is not None and self.deactivate is not None:
            queue_on, queue_off = self.activate.queue_at_least, self.deactivate.queue_at_most
            check_hysteresis(
                "activate.queue_at_least", queue_on, "deactivate.queue_at_most", queue_off
            )

    def _check_overtime(self) -> None:
        if self.overtime and self.shifts is None:
            message = f"needs a group staffed by shifts (got {self.staffing})"
            raise FieldError(subpath="overtime", message=message)
        shifts = self.shifts or {}
        for i, overtime in enumerate(self.overtime):
            check_known(f"overtime[{i}].shift", "shift of the group", overtime.shift, shifts)
            if overtime.shift in [o.shift for o in self.overtime[:i]]:
                message = f"names the shift a second time (got {overtime.shift!r})"
                raise FieldError(subpath=f"overtime[{i}].shift", message=message)
            if overtime.agents > shifts[overtime.shift]:
                message = (
                    f"must be at most the group's {shifts[overtime.shift]} agents on "
                    f"{overtime.shift} (got {overtime.agents})"
                )
                raise FieldError(subpath=f"overtime[{i}].agents", message=message)


class Scenario(Frozen):
    """A whole scenario: time, demand, supply and the service-level contract.

    Attributes
    ----------
    name : str
        Short identifier.
    description : str
        Free text.
    calendar : Calendar, optional
        Finite days (exactly one of ``calendar`` and ``steady_state``).
    steady_state : SteadyState, optional
        One long stationary period with a warm-up.
    service_level : ServiceLevel
        Threshold, target and definition.
    tiers : dict of str to Tier, optional
        Skill tiers; default one tier ``standard`` (factor 1, fcr 1).
    busyness : Busyness
        Day multiplier of volume shared by all call types.
    call_types : dict of str to CallType
        The queues, in scenario order.
    forecast : list of ForecastRow, optional
        Volumes (and handle times) per interval; in YAML, usually a CSV file.
    break_patterns : dict of str to list of Break
        Named lists of breaks that shifts refer to.
    break_policy : {"delay", "shorten"}
        A break due while the agent is on a call starts when the call ends and lasts its full
        length (``delay``) or still ends at its scheduled end (``shorten``).
    shifts : dict of str to Shift
        Shift patterns that groups are staffed with.
    groups : dict of str to Group
        Agent groups, in scenario order.
    costs : Costs
        Seat cost and overtime premium (wages are per group).
    contract : Contract, optional
        Price and service-level penalty, for revenue and margin.
    lines : int, optional
        Lines (trunks) of the whole centre, 1..MAX_LINES, shared by every call type: a call
        holds one from its arrival until it leaves; one arriving when all are in use is
        blocked. None: no limit.
    staffing_drop : {"finish_calls", "hold_count"}
        Default of the groups' ``staffing_drop``.
    bot_ports : int, optional
        Licensed bot ports, 1..MAX_BOT_PORTS: the most contacts in the bots of every call type
        together at once. None: no limit. Only with a call type that has a ``bot``.
    """

    name: str = Field(min_length=1)
    description: str = ""
    calendar: Calendar | None = None
    steady_state: SteadyState | None = None
    service_level: ServiceLevel = ServiceLevel()
    tiers: Annotated[dict[str, Tier], Field(min_length=1)] | None = None
    busyness: Busyness = Busyness()
    call_types: dict[str, CallType] = Field(min_length=1)
    forecast: Annotated[list[ForecastRow], Field(min_length=1)] | None = None
    break_patterns: dict[str, list[Break]] = Field(default_factory=dict)
    break_policy: Literal["delay", "shorten"] = "delay"
    shifts: dict[str, Shift] = Field(default_factory=dict)
    groups: dict[str, Group] = Field(min_length=1)
    costs: Costs = Costs()
    contract: Contract | None = None
    lines: Lines | None = None
    staffing_drop: StaffingDrop = "finish_calls"
    bot_ports: BotPorts | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        check_scenario(self)
        return self

    @property
    def n_days(self) -> int:
        """Number of simulated days (1 in steady state)."""
        return self.calendar.days if self.calendar is not None else 1

    @property
    def interval_s(self) -> float:
        """Planning (reporting) interval length, seconds."""
        section = self.calendar or self.steady_state
        assert section is not None
        return section.interval_minutes * SECONDS_PER_MINUTE

    @property
    def open_s(self) -> float:
        """Start of the interval grid, seconds after each day's start (0 in steady state).

        The earliest opening of the calendar's days (see :meth:`day_hours_s` for each day's).
        """
        return self.calendar.grid_s()[0] if self.calendar is not None else 0.0

    @property
    def close_s(self) -> float:
        """End of the interval grid, seconds after each day's start (horizon in steady state).

        The latest closing of the calendar (see :meth:`day_hours_s` for each day's).
        """
        if self.calendar is not None:
            return self.calendar.grid_s()[1]
        assert self.steady_state is not None
        return self.steady_state.horizon_h * SECONDS_PER_HOUR

    def day_hours_s(self, day: int) -> DayHours:
        """Return a day's own opening and closing, seconds after its start (None: closed)."""
        if self.calendar is not None:
            return self.calendar.day_hours_s(day)
        return self.open_s, self.close_s

    def open_days(self) -> list[int]:
        """Return the days of the calendar that open at all."""
        return [day for day in range(self.n_days) if self.day_hours_s(day) is not None]

    @property
    def start_date(self) -> str | None:
        """ISO date of day 0, or None when the days have no dates."""
        return self.calendar.start_date if self.calendar is not None else None

    def day_label(self, day: int, undated: str = "d") -> str:
        """Name a day for people: ``"2027-01-04 Mon"`` with dates, else ``"d3"``.

        Without dates, ``undated`` and the index (see :func:`~sim.scenario.calendar.day_label`).
        """
        return day_label(self.start_date, day, undated)

    def open_intervals(self, day: int) -> range:
        """Return the planning intervals of the grid that are open on a day (empty: closed)."""
        hours = self.day_hours_s(day)
        if hours is None:
            return range(0)
        first, end = ((at - self.open_s) / self.interval_s for at in hours)
        return range(round(first), round(end))

    def weekday_of(self, day: int) -> str | None:
        """Return a day's weekday name (``mon`` ... ``sun``), or None without dates."""
        return self.calendar.weekday_of(day) if self.calendar is not None else None

    def working_days(self, days: Sequence[int | str] | None) -> list[int]:
        """Return the days a shift's ``days`` (validated) make an agent work, in order.

        Parameters
        ----------
        days : list of int or str, optional
            Day indices and weekday names; None: every open day.

        Returns
        -------
        list of int
            Listed indices, and every open day of a listed weekday (closed ones skipped).
        """
        open_days = self.open_days()
        if days is None:
            return open_days
        named = {day for day in days if isinstance(day, str)}
        return [
            day
            for day in range(self.n_days)
            if day in days or (day in open_days and self.weekday_of(day) in named)
        ]

    def forecast_days(self, row: ForecastRow) -> list[int]:
        """Return the days a forecast row gives: its ``date``'s, its ``day``, or every day."""
        if row.date is not None:
            assert self.calendar is not None  # validated
            return [self.calendar.day_of(dt.date.fromisoformat(row.date))]
        return row.days(self.n_days)

    @property
    def n_intervals(self) -> int:
        """Planning intervals per day."""
        return round((self.close_s - self.open_s) / self.interval_s)

    @property
    def warmup_intervals(self) -> int:
        """Leading intervals left out of KPIs (steady state only)."""
        if self.steady_state is None:
            return 0
        return round(self.steady_state.warmup_h * SECONDS_PER_HOUR / self.interval_s)

    @property
    def drops_at_close(self) -> bool:
        """Whether calls still waiting at closing are dropped instead of served."""
        return self.calendar is not None and self.calendar.at_close == "drop"

    @property
    def tier_table(self) -> dict[str, Tier]:
        """Tiers by name; one implicit ``standard`` tier when the scenario names none."""
        return self.tiers if self.tiers is not None else {DEFAULT_TIER: Tier()}

    def skills_of(self, group: str) -> dict[str, str]:
        """Return a group's skills (call type -> tier); a lone group defaults to all types."""
        skills = self.groups[group].skills
        if skills is not None:
            return skills
        first_tier = next(iter(self.tier_table))
        return dict.fromkeys(self.call_types, first_tier)

    def routing_of(self, call_type: str) -> list[RoutingEntry]:
        """Return a call type's routing: as given, or every group with the skill at once."""
        routing = self.call_types[call_type].routing
        if routing is not None:
            return routing
        return [RoutingEntry(group=g) for g in self.groups if call_type in self.skills_of(g)]

    def breaks_of(self, shift: Shift) -> list[Break]:
        """Return a shift's breaks, a break pattern's name resolved (validated to exist)."""
        if isinstance(shift.breaks, str):
            return self.break_patterns[shift.breaks]
        return shift.breaks

    def interval_of(self, clock: str) -> int | None:
        """Return the planning interval of the day that starts at a clock time, or None.

        Parameters
        ----------
        clock : str
            ``"HH:MM"``, a valid clock time.

        Returns
        -------
        int or None
            The interval's index, or None when no interval starts at that time.
        """
        offset = (clock_to_s(clock) - self.open_s) / self.interval_s
        if offset.is_integer() and 0 <= offset < self.n_intervals:
            return int(offset)
        return None

    def forecast_rows(self, call_type: str) -> list[ForecastRow]:
        """Return the forecast rows of one call type (none without a forecast)."""
        return [row for row in self.forecast or [] if row.call_type == call_type]

"""Typed, frozen scenario models validated from YAML (see ``docs/reference/scenario.md``).

Every model forbids unknown keys. Cross-field checks raise :class:`FieldError` with the path
of the field at fault, which the loader turns into ``file: path: message (got value)``.
"""

from __future__ import annotations

import re
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.scenario.distributions import HandleTime, Patience
from sim.scenario.problems import FieldError
from sim.units import SECONDS_PER_HOUR, SECONDS_PER_MINUTE, clock_to_s

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")
RESERVED_NAMES = frozenset({"all"})

SlDefinition = Literal[
    "offered_minus_short_abandons", "answered", "answered_plus_abandoned_after_t", "p_wait_le_t"
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class Calendar(_Frozen):
    """Opening days and hours, cut into planning intervals.

    Attributes
    ----------
    days : int
        Number of consecutive days simulated (day ``d`` starts ``d * 86400`` s after the start).
    open, close : str
        Opening and closing clock times ``"HH:MM"``; calls arrive only in ``[open, close)``.
    interval_minutes : {15, 30, 60}
        Planning interval length.
    at_close : {"drain", "drop"}
        ``drain``: agents on duty at closing stay until no call waits (their extra time is
        overtime); ``drop``: calls still waiting at closing are dropped (counted as offered).
    """

    days: int = Field(default=1, ge=1, le=366)
    open: str = "08:00"
    close: str = "20:00"
    interval_minutes: Literal[15, 30, 60] = 30
    at_close: Literal["drain", "drop"] = "drain"

    @field_validator("open", "close", mode="before")
    @classmethod
    def _quoted_clock(cls, value: object) -> object:
        # YAML 1.1 reads an unquoted 8:00 as the base-60 number 480: say so instead of "not text".
        if isinstance(value, int | float) and not isinstance(value, bool):
            message = (
                f'must be a clock time in quotes such as "08:00" (got the number {value}; '
                "YAML reads an unquoted 8:00 as 480)"
            )
            raise FieldError(subpath="", message=message)
        return value

    @model_validator(mode="after")
    def _hours_fit_intervals(self) -> Self:
        open_s = _clock(self.open, "open")
        close_s = _clock(self.close, "close")
        if close_s <= open_s:
            raise FieldError("close", f"must be after open {self.open} (got {self.close})")
        if (close_s - open_s) % (self.interval_minutes * SECONDS_PER_MINUTE) != 0:
            raise FieldError(
                "close",
                f"opening hours {self.open}-{self.close} are not a whole number of "
                f"{self.interval_minutes}-minute intervals",
            )
        return self


class SteadyState(_Frozen):
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


class ServiceLevel(_Frozen):
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


class Volume(_Frozen):
    """Offered calls of one call type: exactly one of three forms.

    Attributes
    ----------
    per_interval : list of float, optional
        Expected calls in each planning interval of a day.
    daily : float, optional
        Expected calls per day, spread over the day by ``profile``.
    profile : list of float, optional
        Weights per planning interval (divided by their total); in YAML also a CSV file.
    per_hour : float, optional
        Constant arrival rate, calls per hour, while open.
    """

    per_interval: list[float] | None = None
    daily: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    profile: list[float] | None = None
    per_hour: float | None = Field(default=None, ge=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        forms = [n for n in ("per_interval", "daily", "per_hour") if getattr(self, n) is not None]
        if len(forms) != 1:
            raise FieldError(
                "",
                "give exactly one of per_interval, daily (with profile), per_hour "
                f"(got {forms or 'none'})",
            )
        if (self.daily is None) != (self.profile is None):
            given, missing = ("daily", "profile") if self.profile is None else ("profile", "daily")
            message = f"daily and profile go together (got {given} without {missing})"
            raise FieldError(subpath=missing, message=message)
        for name in ("per_interval", "profile"):
            values = getattr(self, name)
            if values is not None:
                _check_non_negative(name, values)
        if self.profile is not None and sum(self.profile) <= 0:
            raise FieldError("profile", f"weights must not all be zero (got {self.profile})")
        return self

    def calls_per_interval(self, n_intervals: int, interval_s: float) -> list[float]:
        """Return the expected calls in each of the ``n_intervals`` planning intervals."""
        if self.per_interval is not None:
            return list(self.per_interval)
        if self.per_hour is not None:
            return [self.per_hour * interval_s / SECONDS_PER_HOUR] * n_intervals
        assert self.daily is not None
        assert self.profile is not None
        total = sum(self.profile)
        return [self.daily * weight / total for weight in self.profile]


class CallType(_Frozen):
    """A queue of one kind of call.

    Attributes
    ----------
    channel : {"voice"}
        Voice calls occupy one agent each.
    priority : int
        Higher is served first when an agent frees up; FCFS within a priority.
    volume : Volume
        Offered calls.
    handle_time : HandleTime
        Talk time distribution plus after-call work.
    patience : Patience
        Abandonment (``none`` by default).
    """

    channel: Literal["voice"] = "voice"
    priority: int = Field(default=1, ge=0)
    volume: Volume
    handle_time: HandleTime
    patience: Patience = Patience()


class Group(_Frozen):
    """A group of identical agents who take every call type.

    Attributes
    ----------
    headcount : int or list of int
        Agents on duty: one number for the whole day, or one per planning interval.
    """

    headcount: int | list[int]

    @model_validator(mode="after")
    def _non_negative(self) -> Self:
        if isinstance(self.headcount, list):
            _check_non_negative("headcount", self.headcount)
        elif self.headcount < 0:
            message = f"must be a whole number >= 0 (got {self.headcount})"
            raise FieldError(subpath="headcount", message=message)
        return self


class Scenario(_Frozen):
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
    call_types : dict of str to CallType
        The queues, in scenario order.
    groups : dict of str to Group
        Agent groups (one group in this version).
    """

    name: str = Field(min_length=1)
    description: str = ""
    calendar: Calendar | None = None
    steady_state: SteadyState | None = None
    service_level: ServiceLevel = ServiceLevel()
    call_types: dict[str, CallType] = Field(min_length=1)
    groups: dict[str, Group] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.calendar is None) == (self.steady_state is None):
            got = "both" if self.calendar is not None else "neither"
            message = f"give exactly one of calendar and steady_state (got {got})"
            raise FieldError(subpath="calendar", message=message)
        for section in ("call_types", "groups"):
            for name in getattr(self, section):
                _check_name(f"{section}.{name}", name)
        if len(self.groups) != 1:
            raise FieldError(
                "groups",
                f"this version serves all calls with one agent group (got {len(self.groups)})",
            )
        self._check_lengths()
        if self.steady_state is not None:
            self._check_stationary()
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
        """Opening time, seconds after each day's start (0 in steady state)."""
        return clock_to_s(self.calendar.open) if self.calendar is not None else 0.0

    @property
    def close_s(self) -> float:
        """Closing time, seconds after each day's start (the horizon in steady state)."""
        if self.calendar is not None:
            return clock_to_s(self.calendar.close)
        assert self.steady_state is not None
        return self.steady_state.horizon_h * SECONDS_PER_HOUR

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

    def _check_lengths(self) -> None:
        n = self.n_intervals
        for name, call_type in self.call_types.items():
            for field in ("per_interval", "profile"):
                values = getattr(call_type.volume, field)
                if values is not None and len(values) != n:
                    raise FieldError(
                        f"call_types.{name}.volume.{field}",
                        f"needs one value per interval: {n} (got {len(values)})",
                    )
        for name, group in self.groups.items():
            if isinstance(group.headcount, list) and len(group.headcount) != n:
                raise FieldError(
                    f"groups.{name}.headcount",
                    f"needs one value per interval: {n} (got {len(group.headcount)})",
                )

    def _check_stationary(self) -> None:
        for name, call_type in self.call_types.items():
            if call_type.volume.per_hour is None:
                form = "per_interval" if call_type.volume.per_interval is not None else "daily"
                message = f"steady state needs a constant rate: use per_hour (got {form})"
                raise FieldError(subpath=f"call_types.{name}.volume", message=message)
        for name, group in self.groups.items():
            if isinstance(group.headcount, list):
                raise FieldError(
                    f"groups.{name}.headcount",
                    "steady state needs a constant headcount "
                    f"(got a list of {len(group.headcount)})",
                )


def _clock(text: str, field: str) -> float:
    try:
        return clock_to_s(text)
    except ValueError as error:
        raise FieldError(field, str(error)) from None


def _check_name(path: str, name: str) -> None:
    if not _NAME.match(name) or name in RESERVED_NAMES:
        raise FieldError(
            path,
            "names start with a letter and use letters, digits, '_' or '-', "
            f"and 'all' is reserved (got {name!r})",
        )


def _check_non_negative(field: str, values: list[float] | list[int]) -> None:
    for i, value in enumerate(values):
        if not value >= 0 or value == float("inf"):
            raise FieldError(f"{field}[{i}]", f"must be a finite number >= 0 (got {value})")

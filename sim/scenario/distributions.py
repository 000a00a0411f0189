"""Distribution specifications (handle time, outbound talk time, patience) and their moments.

A scenario names a distribution by its mean (and coefficient of variation, CV = sd / mean);
engines receive a compact code with two parameters, see :func:`dist_parameters`.
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from sim.scenario.fields import Frozen, Positive
from sim.scenario.problems import FieldError


class DistCode(IntEnum):
    """Integer code of a distribution as the engines see it (with parameters ``p1``, ``p2``)."""

    NONE = 0  # never happens (infinite patience): no draw
    EXPONENTIAL = 1  # p1 = mean
    LOGNORMAL = 2  # p1 = mu, p2 = sigma of the underlying normal
    GAMMA = 3  # p1 = shape, p2 = scale
    DETERMINISTIC = 4  # p1 = value: no draw
    EMPIRICAL = 5  # p1 = scale on the values, p2 = number of values (a uniform draw picks one)


class _Spec(Frozen):
    mean_s: Positive | list[Positive] | None = None
    cv: float | None = Field(default=None, gt=0, allow_inf_nan=False)

    def means_per_interval(self, n_intervals: int) -> list[float | None]:
        """Return the mean of each planning interval of a day, seconds (None: no mean given).

        Parameters
        ----------
        n_intervals : int
            Planning intervals per day; a list ``mean_s`` has that many values (validated by
            the scenario).
        """
        if isinstance(self.mean_s, list):
            return list(self.mean_s)
        return [self.mean_s] * n_intervals

    def _check_parameters(self, dist: str, *, mean_required: bool = True) -> None:
        if dist == "none":
            for field in ("mean_s", "cv"):
                value = getattr(self, field)
                if value is not None:
                    message = f"is not used by dist 'none' (got {value})"
                    raise FieldError(subpath=field, message=message)
            return
        if self.mean_s is None and mean_required:
            raise FieldError("mean_s", f"is required for dist {dist!r}")
        if dist in ("lognormal", "gamma") and self.cv is None:
            raise FieldError("cv", f"is required for dist {dist!r}")
        if dist in ("exponential", "deterministic") and self.cv is not None:
            raise FieldError("cv", f"is not used by dist {dist!r} (got {self.cv})")


class HandleTime(_Spec):
    """Talk time distribution of a call type, plus a fixed after-call work time.

    Attributes
    ----------
    dist : {"exponential", "lognormal", "gamma", "deterministic", "empirical"}
        Shape of the talk time; ``empirical``: each call takes one of ``values_s`` at random.
    mean_s : float or list of float, optional
        Mean talk time, seconds: one value, or one per planning interval of a day (by the
        call's arrival interval). Optional only when every forecast row of the call type gives
        ``aht_s`` (checked by the scenario), or for ``empirical``, whose values are scaled to
        the mean when one is given (their own mean otherwise).
    cv : float, optional
        Coefficient of variation (lognormal and gamma only).
    values_s : list of float, optional
        The talk times an ``empirical`` distribution draws from, equally likely, seconds (> 0):
        observed durations, or their quantiles.
    acw_s : float
        After-call work, seconds: the agent stays busy, the caller has left.
    """

    dist: Literal["exponential", "lognormal", "gamma", "deterministic", "empirical"]
    values_s: Annotated[list[Positive], Field(min_length=1)] | None = None
    acw_s: float = Field(default=0.0, ge=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _parameters_fit_dist(self) -> Self:
        if self.dist == "empirical":
            if self.values_s is None:
                raise FieldError("values_s", "is required for dist 'empirical'")
            if self.cv is not None:
                raise FieldError("cv", f"is not used by dist 'empirical' (got {self.cv})")
            return self
        if self.values_s is not None:
            raise FieldError(
                "values_s", f"is used by dist 'empirical' only (got {len(self.values_s)} values)"
            )
        self._check_parameters(self.dist, mean_required=False)
        return self

    def means_per_interval(self, n_intervals: int) -> list[float | None]:
        """Return the mean of each planning interval of a day, seconds (see :class:`_Spec`).

        An empirical distribution without ``mean_s`` has the mean of its values.
        """
        if self.mean_s is None and self.values_s is not None:
            return [math.fsum(self.values_s) / len(self.values_s)] * n_intervals
        return super().means_per_interval(n_intervals)


class TalkTime(_Spec):
    """Talk time of outbound contacts: one distribution for the whole day.

    Attributes
    ----------
    dist : {"exponential", "lognormal", "gamma", "deterministic"}
        Shape of the talk time.
    mean_s : float
        Mean talk time, seconds (> 0).
    cv : float, optional
        Coefficient of variation (lognormal and gamma only).
    """

    dist: Literal["exponential", "lognormal", "gamma", "deterministic"]
    mean_s: Positive

    @model_validator(mode="after")
    def _parameters_fit_dist(self) -> Self:
        self._check_parameters(self.dist)
        return self


class Patience(_Spec):
    """How long a caller is willing to wait before hanging up.

    Attributes
    ----------
    dist : {"none", "exponential", "lognormal", "deterministic"}
        ``none`` means callers never abandon.
    mean_s : float or list of float, optional
        Mean patience, seconds: one value, or one per planning interval of a day.
    cv : float, optional
        Coefficient of variation (lognormal only).
    """

    dist: Literal["none", "exponential", "lognormal", "deterministic"] = "none"

    @model_validator(mode="after")
    def _parameters_fit_dist(self) -> Self:
        self._check_parameters(self.dist)
        return self


def dist_parameters(
    dist: str, mean_s: float | None, cv: float | None
) -> tuple[DistCode, float, float]:
    """Convert a (dist, mean, CV) specification to an engine code and two parameters.

    Parameters
    ----------
    dist : str
        Distribution name as in the scenario.
    mean_s : float or None
        Mean, seconds (None only for ``none``).
    cv : float or None
        Coefficient of variation (lognormal, gamma).

    Returns
    -------
    tuple
        ``(code, p1, p2)``: exponential (mean, 0); lognormal (mu, sigma) with
        ``sigma**2 = log(1 + cv**2)`` and ``mu = log(mean) - sigma**2 / 2`` so that the mean and
        CV are exact; gamma (shape ``1/cv**2``, scale ``mean*cv**2``); deterministic (value, 0);
        none (inf, 0).
    """
    if dist == "none":
        return DistCode.NONE, math.inf, 0.0
    assert mean_s is not None
    if dist == "exponential":
        return DistCode.EXPONENTIAL, mean_s, 0.0
    if dist == "deterministic":
        return DistCode.DETERMINISTIC, mean_s, 0.0
    assert cv is not None
    if dist == "lognormal":
        sigma2 = math.log1p(cv * cv)
        return DistCode.LOGNORMAL, math.log(mean_s) - sigma2 / 2.0, math.sqrt(sigma2)
    if dist == "gamma":
        return DistCode.GAMMA, 1.0 / (cv * cv), mean_s * cv * cv
    raise ValueError(f"unknown distribution {dist!r}")

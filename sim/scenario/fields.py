"""Building blocks of the scenario models: the frozen base model and shared field types."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from sim.scenario.problems import FieldError
from sim.units import clock_to_s


class Frozen(BaseModel):
    """Base of every scenario model: immutable, unknown keys refused, no type coercion."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


def _refuse_number(value: object) -> object:
    # YAML 1.1 reads an unquoted 8:00 as the base-60 number 480: say so instead of "not text".
    if isinstance(value, int | float) and not isinstance(value, bool):
        message = (
            f'must be a clock time in quotes such as "08:00" (got the number {value}; '
            "YAML reads an unquoted 8:00 as 480)"
        )
        raise FieldError(subpath="", message=message)
    return value


def _valid_clock(text: str) -> str:
    try:
        clock_to_s(text)
    except ValueError as error:
        raise FieldError("", str(error)) from None
    return text


Clock = Annotated[str, BeforeValidator(_refuse_number), AfterValidator(_valid_clock)]
"""A clock time ``"HH:MM"`` between 00:00 and 24:00, written in quotes."""

Span = Annotated[list[Clock], Field(min_length=2, max_length=2)]
"""A ``["HH:MM", "HH:MM"]`` pair: start and end of a span of the day."""

Count = Annotated[int, Field(ge=0)]
"""A whole number >= 0."""

Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
"""A finite number > 0."""


class DayRow(Frozen):
    """Base of CSV-like rows that hold one day of the calendar, or every day.

    Attributes
    ----------
    day : int, optional
        Day of the calendar (0-based); absent: every day.
    """

    day: Count | None = None

    def days(self, n_days: int) -> list[int]:
        """Return the days the row covers: its own, or every day of an ``n_days`` calendar."""
        return list(range(n_days)) if self.day is None else [self.day]


def check_non_negative(field: str, values: list[float] | list[int]) -> None:
    """Raise a :class:`FieldError` on the first value of ``values`` that is not finite and >= 0.

    Parameters
    ----------
    field : str
        Path of the list relative to the model being validated.
    values : list of float or int
        The values to check.
    """
    for i, value in enumerate(values):
        if not value >= 0 or value == float("inf"):
            raise FieldError(f"{field}[{i}]", f"must be a finite number >= 0 (got {value})")

"""Controls that move people: blended (buffer) groups and reserves such as supervisors.

A blended group works outbound while inbound is calm and switches by its ``switch`` rules; a
reserve group (supervisors, QA, trainers) stays off the phones until its ``activate`` rule fires.

The engines evaluate the controls after every event that changes a queue. A group's *queue* is
the waiting calls of the call types it has skills in. See ``docs/reference/scenario.md``.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from sim.scenario.distributions import TalkTime
from sim.scenario.fields import Count, Frozen, Positive
from sim.scenario.problems import FieldError


class Outbound(Frozen):
    """Outbound work of a blended group while inbound is calm.

    Attributes
    ----------
    attempt_s : float
        Dial and ring time of every attempt, seconds (> 0).
    contact_probability : float
        Probability in [0, 1] that an attempt reaches someone.
    talk : TalkTime, optional
        Talk time of a contact; required when ``contact_probability`` > 0.
    wrap_s : float
        Wrap-up after a contact, seconds.
    list_size : int, optional
        Records the group may dial per day (>= 1); absent: unlimited.
    """

    attempt_s: Positive
    contact_probability: float = Field(ge=0, le=1)
    talk: TalkTime | None = None
    wrap_s: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    list_size: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _talk_for_contacts(self) -> Self:
        if self.talk is None and self.contact_probability > 0:
            message = (
                f"is required when contact_probability is above 0 "
                f"(got none with contact_probability {self.contact_probability:g})"
            )
            raise FieldError(subpath="talk", message=message)
        return self


class ToInbound(Frozen):
    """When a blended group's agents switch to inbound: either trigger fires.

    Attributes
    ----------
    queue_at_least : int, optional
        The group's queue holds at least this many calls (>= 1).
    or_oldest_wait_s : float, optional
        The oldest of those calls has waited at least this long, seconds (> 0).
    """

    queue_at_least: int | None = Field(default=None, ge=1)
    or_oldest_wait_s: Positive | None = None

    @model_validator(mode="after")
    def _some_trigger(self) -> Self:
        if self.queue_at_least is None and self.or_oldest_wait_s is None:
            message = "give at least one of queue_at_least, or_oldest_wait_s (got none)"
            raise FieldError(subpath="", message=message)
        return self


class Calm(Frozen):
    """When a group stands down: its queue has been short for long enough.

    Attributes
    ----------
    queue_at_most : int
        The group's queue holds at most this many calls ...
    for_s : float
        ... continuously for at least this long, seconds (0: at once).
    """

    queue_at_most: Count = 0
    for_s: float = Field(default=0.0, ge=0, allow_inf_nan=False)


class Switch(Frozen):
    """How a blended group moves between outbound and inbound work.

    Attributes
    ----------
    to_inbound : ToInbound
        Trigger that sends the dialling agents to inbound work.
    to_outbound : Calm
        Calm that sends them back to outbound work.
    preempt : bool
        A switch to inbound cuts outbound attempts and contacts short (otherwise each agent
        finishes the one in hand first).
    min_outbound : int
        Agents of the group kept dialling while it works inbound.
    """

    to_inbound: ToInbound
    to_outbound: Calm = Calm()
    preempt: bool = False
    min_outbound: Count = 0

    @model_validator(mode="after")
    def _hysteresis(self) -> Self:
        check_hysteresis(
            "switch.to_inbound.queue_at_least",
            self.to_inbound.queue_at_least,
            "to_outbound.queue_at_most",
            self.to_outbound.queue_at_most,
        )
        return self


class Activate(Frozen):
    """When reserves log in to take calls: any trigger fires.

    Attributes
    ----------
    queue_at_least : int, optional
        The group's queue holds at least this many calls (>= 1).
    or_oldest_wait_s : float, optional
        The oldest of those calls has waited at least this long, seconds (> 0).
    or_service_level_below : float, optional
        Service level in (0, 1] below which reserves log in, over the last ``window_minutes``.
    window_minutes : float, optional
        Sliding window of that service level, minutes (> 0; only with
        ``or_service_level_below``, and then required).
    max_active : int, optional
        Reserves of the group on the phones at most at once (>= 1); absent: all of them.
    min_stay_minutes : float
        An activated reserve stays on the phones at least this long, minutes.
    """

    queue_at_least: int | None = Field(default=None, ge=1)
    or_oldest_wait_s: Positive | None = None
    or_service_level_below: float | None = Field(default=None, gt=0, le=1)
    window_minutes: Positive | None = None
    max_active: int | None = Field(default=None, ge=1)
    min_stay_minutes: float = Field(default=0.0, ge=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _triggers(self) -> Self:
        triggers = (self.queue_at_least, self.or_oldest_wait_s, self.or_service_level_below)
        if all(trigger is None for trigger in triggers):
            message = (
                "give at least one of queue_at_least, or_oldest_wait_s, "
                "or_service_level_below (got none)"
            )
            raise FieldError(subpath="", message=message)
        if self.or_service_level_below is not None and self.window_minutes is None:
            message = (
                f"is required with or_service_level_below "
                f"(got none with or_service_level_below {self.or_service_level_below:g})"
            )
            raise FieldError(subpath="window_minutes", message=message)
        if self.or_service_level_below is None and self.window_minutes is not None:
            message = f"is only used with or_service_level_below (got {self.window_minutes:g})"
            raise FieldError(subpath="window_minutes", message=message)
        return self


def check_hysteresis(on_path: str, queue_on: int | None, off_path: str, queue_off: int) -> None:
    """Raise a :class:`FieldError` at ``off_path`` unless ``queue_off`` < ``queue_on``.

    Parameters
    ----------
    on_path : str
        Path of the trigger's ``queue_at_least`` as the user reads it (from the group), for
        the message.
    queue_on : int or None
        That trigger (None: no queue trigger, nothing to check).
    off_path : str
        Path of the calm rule's ``queue_at_most`` from the model being validated.
    queue_off : int
        That calm queue.
    """
    if queue_on is not None and queue_off >= queue_on:
        message = (
            f"must be below {on_path} ({queue_on}), or the group would stand down as soon as "
            f"it is called (got {queue_off})"
        )
        raise FieldError(subpath=off_path, message=message)

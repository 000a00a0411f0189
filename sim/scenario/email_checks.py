"""Checks of email call types: what makes no sense for deferred work is refused.

Email items arrive around the clock, never abandon, never redial, hold no line, pass no bot and
are worked from a backlog (``docs/background/model.md``). Each check raises
:class:`~sim.scenario.problems.FieldError` with the path of the field at fault and the bad value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.scenario.problems import FieldError
from sim.units import SECONDS_PER_DAY, SECONDS_PER_HOUR

if TYPE_CHECKING:
    from sim.scenario.schema import CallType, Scenario

EMAIL_FORMS = "per_hour, or daily (flat, or with hourly)"
"""The volume forms an email type may use, for messages."""


def check_email(scenario: Scenario) -> None:
    """Raise a :class:`FieldError` on the first email rule a scenario breaks.

    Parameters
    ----------
    scenario : Scenario
        A scenario whose sections are each valid on their own.
    """
    for name, call_type in scenario.call_types.items():
        path = f"call_types.{name}"
        if call_type.channel == "email":
            _check_email_type(scenario, path, name, call_type)
        else:
            _check_voice_type(path, call_type)
    _check_email_groups(scenario)


def _check_voice_type(path: str, call_type: CallType) -> None:
    volume = call_type.volume
    if volume.daily is not None and volume.profile is None and volume.hourly is None:
        # a voice day is spread over open hours by a profile (email's daily may be flat)
        message = "daily and profile go together (got daily without profile)"
        raise FieldError(f"{path}.volume.profile", message)
    if volume.hourly is not None:
        raise FieldError(f"{path}.volume.hourly", "is for email call types (got channel voice)")
    if call_type.response_target is not None:
        message = "is for email call types; voice has service_level (got channel voice)"
        raise FieldError(f"{path}.response_target", message)


def _check_email_type(scenario: Scenario, path: str, name: str, call_type: CallType) -> None:
    volume = call_type.volume
    for field in ("per_interval", "profile"):
        if getattr(volume, field) is not None:
            message = f"email arrives around the clock: use {EMAIL_FORMS} (got {field})"
            raise FieldError(f"{path}.volume.{field}", message)
    if volume.weekday_profiles:
        message = f"email spreads a day by hourly (got {sorted(volume.weekday_profiles)})"
        raise FieldError(f"{path}.volume.weekday_profiles", message)
    if scenario.forecast_rows(name):
        message = f"email arrives around the clock: use the call type's volume (got rows of {name})"
        raise FieldError("forecast", message)
    if call_type.patience.dist != "none":
        message = f"email items never abandon (got dist {call_type.patience.dist!r})"
        raise FieldError(f"{path}.patience", message)
    if call_type.redial is not None:
        raise FieldError(f"{path}.redial", "email items never redial (got a redial section)")
    if call_type.lines is not None:
        raise FieldError(f"{path}.lines", f"email items hold no line (got {call_type.lines})")
    if call_type.bot is not None:
        message = "email items go to people's backlog, not through a bot (got a bot section)"
        raise FieldError(f"{path}.bot", message)
    for i, entry in enumerate(scenario.routing_of(name)):
        if entry.after_s > 0:
            message = f"email items go to their groups at once (got after_s {entry.after_s:g})"
            raise FieldError(f"{path}.routing[{i}].after_s", message)
    target = call_type.response_target
    horizon_h = _horizon_s(scenario) / SECONDS_PER_HOUR
    if target is not None and target.within_h > horizon_h:
        message = f"is longer than the horizon of {horizon_h:g} h (got {target.within_h:g})"
        raise FieldError(f"{path}.response_target.within_h", message)


def _check_email_groups(scenario: Scenario) -> None:
    emails = [n for n, c in scenario.call_types.items() if c.channel == "email"]
    if not emails:
        return
    if scenario.lines is not None:
        message = f"lines with email call types are not supported yet (got {scenario.lines})"
        raise FieldError("lines", message)
    for group_name, group in scenario.groups.items():
        served = [k for k in scenario.skills_of(group_name) if k in emails]
        if served and group.role not in ("agent", "temp"):
            message = (
                f"email is served by groups of role agent or temp only (got role {group.role} "
                f"with skills {', '.join(served)})"
            )
            raise FieldError(f"groups.{group_name}.role", message)


def _horizon_s(scenario: Scenario) -> float:
    """Return the simulated span: the calendar's days, or the steady state's horizon, seconds."""
    if scenario.steady_state is not None:
        return scenario.steady_state.horizon_h * SECONDS_PER_HOUR
    return scenario.n_days * SECONDS_PER_DAY

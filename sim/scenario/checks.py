"""Cross-field checks of a scenario: what no single section can check on its own.

Each check raises :class:`~sim.scenario.problems.FieldError` with the full path of the field at
fault (from the scenario's top) and the bad value; the loader renders it as one line, and for
rows that came from a CSV file it names the file, the line and the column instead.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sim.scenario.contract import check_contract
from sim.scenario.email_checks import check_email
from sim.scenario.problems import FieldError, check_date, check_day, check_known
from sim.scenario.staffing_checks import check_rosters, check_shifts, check_staffing
from sim.units import SECONDS_PER_MINUTE, s_to_clock

if TYPE_CHECKING:
    from sim.scenario.schema import ForecastRow, Group, Scenario

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")
RESERVED_NAMES = frozenset({"all"})
NAMED_SECTIONS = ("tiers", "call_types", "break_patterns", "shifts", "groups")


def check_scenario(scenario: Scenario) -> None:
    """Raise a :class:`FieldError` on the first inconsistency between sections of a scenario.

    Parameters
    ----------
    scenario : Scenario
        A scenario whose sections are each valid on their own.
    """
    _check_time_form(scenario)
    _check_names(scenario)
    check_email(scenario)
    _check_lengths(scenario)
    if scenario.steady_state is not None:
        _check_stationary(scenario)
    _check_weekday_volumes(scenario)
    _check_forecast(scenario)
    _check_demand_sources(scenario)
    _check_skills(scenario)
    _check_routing(scenario)
    _check_bot_ports(scenario)
    _check_chat(scenario)
    check_shifts(scenario)
    check_staffing(scenario)
    check_rosters(scenario)
    check_contract(scenario)


def _check_time_form(scenario: Scenario) -> None:
    if (scenario.calendar is None) == (scenario.steady_state is None):
        got = "both" if scenario.calendar is not None else "neither"
        message = f"give exactly one of calendar and steady_state (got {got})"
        raise FieldError(subpath="calendar", message=message)


NAME_RULE = "names start with a letter and use letters, digits, '_' or '-', and 'all' is reserved"
"""What :func:`is_valid_name` checks, for messages."""


def is_valid_name(name: str) -> bool:
    """Tell whether a name may name a tier, call type, break pattern, shift or group."""
    return _NAME.match(name) is not None and name not in RESERVED_NAMES


def _check_names(scenario: Scenario) -> None:
    for section in NAMED_SECTIONS:
        for name in getattr(scenario, section) or {}:
            if not is_valid_name(name):
                raise FieldError(f"{section}.{name}", f"{NAME_RULE} (got {name!r})")


def _check_lengths(scenario: Scenario) -> None:
    n = scenario.n_intervals
    for name, call_type in scenario.call_types.items():
        per_interval = {
            "volume.per_interval": call_type.volume.per_interval,
            "volume.profile": call_type.volume.profile,
            "handle_time.mean_s": call_type.handle_time.mean_s,
            "patience.mean_s": call_type.patience.mean_s,
        }
        for field, values in per_interval.items():
            _check_length(f"call_types.{name}.{field}", values, n)
        for weekday, weights in call_type.volume.weekday_profiles.items():
            _check_length(f"call_types.{name}.volume.weekday_profiles.{weekday}", weights, n)
    for name, group in scenario.groups.items():
        _check_length(f"groups.{name}.headcount", group.headcount, n)


def _check_length(path: str, values: object, n_intervals: int) -> None:
    if isinstance(values, list) and len(values) != n_intervals:
        message = f"needs one value per interval: {n_intervals} (got {len(values)})"
        raise FieldError(subpath=path, message=message)


def _check_stationary(scenario: Scenario) -> None:
    if scenario.forecast is not None:
        message = "steady state needs a constant rate: use volume.per_hour (got a forecast)"
        raise FieldError(subpath="forecast", message=message)
    if scenario.shifts:
        message = f"steady state has no clock times: use a headcount (got {list(scenario.shifts)})"
        raise FieldError(subpath="shifts", message=message)
    for name, call_type in scenario.call_types.items():
        forms = call_type.volume.forms
        if forms != ["per_hour"]:
            got = forms[0] if forms else "none"
            message = f"steady state needs a constant rate: use per_hour (got {got})"
            raise FieldError(subpath=f"call_types.{name}.volume", message=message)
        for field in ("handle_time", "patience"):
            mean_s = getattr(call_type, field).mean_s
            if isinstance(mean_s, list):
                message = f"steady state needs a constant mean (got a list of {len(mean_s)})"
                raise FieldError(subpath=f"call_types.{name}.{field}.mean_s", message=message)
    for name, group in scenario.groups.items():
        _check_constant_headcount(f"groups.{name}", group)


def _check_constant_headcount(path: str, group: Group) -> None:
    if isinstance(group.headcount, list):
        message = f"steady state needs a constant headcount (got a list of {len(group.headcount)})"
        raise FieldError(subpath=f"{path}.headcount", message=message)
    if group.staffing != "headcount":
        message = f"steady state needs a constant headcount (got {group.staffing})"
        raise FieldError(subpath=f"{path}.{group.staffing}", message=message)


def _check_weekday_volumes(scenario: Scenario) -> None:
    """Weekday factors and profiles need dates, and factors a volume form of the call type."""
    for name, call_type in scenario.call_types.items():
        volume = call_type.volume
        for field in ("weekday_factors", "weekday_profiles"):
            given = getattr(volume, field)
            if given and scenario.start_date is None:
                message = f"needs calendar.start_date to know the weekdays (got {list(given)})"
                raise FieldError(subpath=f"call_types.{name}.volume.{field}", message=message)
        if volume.weekday_factors and not volume.forms:
            message = (
                "apply to the call type's own volume; a forecast gives volumes by day or date "
                f"(got {dict(volume.weekday_factors)})"
            )
            raise FieldError(subpath=f"call_types.{name}.volume.weekday_factors", message=message)


def _check_forecast(scenario: Scenario) -> None:
    covered: set[tuple[str, int, int]] = set()
    for i, row in enumerate(scenario.forecast or []):
        interval = _check_forecast_row(f"forecast[{i}]", row, scenario)
        for day in scenario.forecast_days(row):
            if (row.call_type, day, interval) in covered:
                message = (
                    f"gives {row.call_type} on {scenario.day_label(day, 'day ')} at "
                    f"{row.interval_start} a second time (got another row for it before)"
                )
                raise FieldError(subpath=f"forecast[{i}]", message=message)
            if row.volume > 0 and interval not in scenario.open_intervals(day):
                message = (
                    f"gives calls on {scenario.day_label(day)} at {row.interval_start}, while "
                    f"the centre is closed (got volume {row.volume:g})"
                )
                raise FieldError(subpath=f"forecast[{i}].volume", message=message)
            covered.add((row.call_type, day, interval))
    _check_forecast_coverage(scenario, covered)


def _check_forecast_row(path: str, row: ForecastRow, scenario: Scenario) -> int:
    """Check one forecast row against the scenario and return its interval of the day."""
    check_known(f"{path}.call_type", "call type", row.call_type, scenario.call_types)
    interval = scenario.interval_of(row.interval_start)
    if interval is None:
        message = (
            f"must be the start of a planning interval, {s_to_clock(scenario.open_s)} to "
            f"{s_to_clock(scenario.close_s - scenario.interval_s)} every "
            f"{scenario.interval_s / SECONDS_PER_MINUTE:g} minutes (got {row.interval_start!r})"
        )
        raise FieldError(subpath=f"{path}.interval_start", message=message)
    if row.day is not None:
        check_day(f"{path}.day", row.day, scenario.n_days)
    if row.date is not None:
        check_date(f"{path}.date", row.date, scenario.calendar)
    acw_s = scenario.call_types[row.call_type].handle_time.acw_s
    if row.aht_s is not None and row.aht_s <= acw_s:
        message = f"must be more than acw_s {acw_s:g} of {row.call_type} (got {row.aht_s:g})"
        raise FieldError(subpath=f"{path}.aht_s", message=message)
    return interval


def _check_forecast_coverage(scenario: Scenario, covered: set[tuple[str, int, int]]) -> None:
    if not scenario.forecast:
        return
    open_cells = [(d, j) for d in range(scenario.n_days) for j in scenario.open_intervals(d)]
    for name in dict.fromkeys(row.call_type for row in scenario.forecast or []):
        cells = [(name, d, j) for d, j in open_cells]
        missing = next((cell for cell in cells if cell not in covered), None)
        if missing is not None:
            start = s_to_clock(scenario.open_s + missing[2] * scenario.interval_s)
            given = sum(cell in covered for cell in cells)
            message = (
                f"has no row for {name} on {scenario.day_label(missing[1], 'day ')} at {start} "
                f"(got {given} of the {len(cells)} intervals of {name})"
            )
            raise FieldError(subpath="forecast", message=message)


def _check_demand_sources(scenario: Scenario) -> None:
    for name, call_type in scenario.call_types.items():
        forms, rows = call_type.volume.forms, scenario.forecast_rows(name)
        if forms and rows:
            message = f"the forecast also gives volumes of {name} (got {forms[0]} and the forecast)"
            raise FieldError(subpath=f"call_types.{name}.volume", message=message)
        if not forms and not rows:
            raise FieldError(
                f"call_types.{name}.volume",
                "give exactly one of per_interval, daily (with profile), per_hour, "
                "or forecast rows (got none)",
            )
        handle = call_type.handle_time
        forecast_aht = rows and all(row.aht_s is not None for row in rows)
        if handle.mean_s is None and handle.values_s is None and not forecast_aht:
            message = (
                f"is required for dist {handle.dist!r} unless every forecast row gives aht_s "
                "(got none)"
            )
            raise FieldError(subpath=f"call_types.{name}.handle_time.mean_s", message=message)


def _check_skills(scenario: Scenario) -> None:
    for name, group in scenario.groups.items():
        if group.skills is None and len(scenario.groups) > 1:
            message = "is required when there are several groups (got none)"
            raise FieldError(subpath=f"groups.{name}.skills", message=message)
        for call_type, tier in (group.skills or {}).items():
            path = f"groups.{name}.skills.{call_type}"
            check_known(path, "call type", call_type, scenario.call_types)
            check_known(path, "tier", tier, scenario.tier_table)


def _check_bot_ports(scenario: Scenario) -> None:
    if scenario.bot_ports is not None and all(c.bot is None for c in scenario.call_types.values()):
        message = f"needs a call type with a bot (got {scenario.bot_ports} ports and no bot)"
        raise FieldError(subpath="bot_ports", message=message)


def _check_routing(scenario: Scenario) -> None:
    for name in scenario.call_types:
        entries = scenario.routing_of(name)
        if not entries:
            message = f"no group has the skill (got no group with {name} in its skills)"
            raise FieldError(subpath=f"call_types.{name}", message=message)
        for i, entry in enumerate(entries):
            path = f"call_types.{name}.routing[{i}]"
            check_known(path, "group", entry.group, scenario.groups)
            if name not in scenario.skills_of(entry.group):
                message = f"the group has no skill in {name} (got {entry.group!r})"
                raise FieldError(subpath=path, message=message)
            if entry.group in [e.group for e in entries[:i]]:
                raise FieldError(path, f"lists the group a second time (got {entry.group!r})")
    routed = {entry.group for name in scenario.call_types for entry in scenario.routing_of(name)}
    for group in scenario.groups:
        if group not in routed:
            skills = ", ".join(scenario.skills_of(group))
            message = (
                "the group can serve no call: the routing of every call type it has a skill "
                f"in leaves it out; add it to a routing or remove the group (got skills {skills})"
            )
            raise FieldError(f"groups.{group}.skills", message)


CHAT_ROLES = ("agent", "temp")
"""Roles of groups that may take chats (blended and reserve groups answer voice only)."""


def _check_chat(scenario: Scenario) -> None:
    chats = [name for name, c in scenario.call_types.items() if c.channel == "chat"]
    if not chats:
        return
    if scenario.lines is not None:
        message = (
            f"lines are for voice calls and may not be set with chat call types "
            f"(got {scenario.lines}, chats {', '.join(chats)})"
        )
        raise FieldError(subpath="lines", message=message)
    for name, group in scenario.groups.items():
        taken = [k for k in scenario.skills_of(name) if k in chats]
        if not taken:
            continue
        if group.role not in CHAT_ROLES:
            message = f"a group of role {group.role} may not take chats (got {taken[0]!r})"
            raise FieldError(subpath=f"groups.{name}.skills.{taken[0]}", message=message)
        if (group.staffing_drop or scenario.staffing_drop) == "hold_count":
            message = f"hold_count is for voice groups; the group takes chats (got {taken[0]!r})"
            raise FieldError(subpath=f"groups.{name}.staffing_drop", message=message)

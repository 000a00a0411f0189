"""Cross-field checks of staffing: shift patterns against opening hours, breaks, overtime, rosters.

Each check raises :class:`~sim.scenario.problems.FieldError` with the full path of the field at
fault; see :mod:`sim.scenario.checks`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.scenario.calendar import check_weekday
from sim.scenario.problems import FieldError, check_day, check_known
from sim.scenario.shifts import Duty, Overtime, RosterRow, Shift, span_s, span_text
from sim.units import SECONDS_PER_MINUTE, clock_to_s, s_to_clock

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

Window = tuple[float, float]


def check_shifts(scenario: Scenario) -> None:
    """Check every shift pattern against the calendar and its breaks.

    Break patterns and days must exist; for each start of the pattern, its segments must lie
    within opening hours and its breaks inside its segments.

    Parameters
    ----------
    scenario : Scenario
        A scenario whose sections are each valid on their own.
    """
    for name, shift in scenario.shifts.items():
        path = f"shifts.{name}"
        if isinstance(shift.breaks, str):
            pattern = shift.breaks
            check_known(f"{path}.breaks", "break pattern", pattern, scenario.break_patterns)
        for i, day in enumerate(shift.days or []):
            _check_shift_day(f"{path}.days[{i}]", day, scenario)
        breaks = scenario.breaks_of(shift)
        for first_start_s in shift.first_starts_s():
            duty = shift.duty(first_start_s, breaks)
            _check_shift_hours(path, shift, duty, scenario)
            windows = [b.window_s(first_start_s) for b in breaks]
            _check_shift_breaks(path, shift, windows, list(duty.segments))
            days = scenario.working_days(shift.days)
            _check_days_fit(f"{path}.days", duty, days, scenario, _days_text(shift.days))


def _check_shift_day(path: str, day: int | str, scenario: Scenario) -> None:
    """Check a listed day: an open day of the calendar, or a weekday name (needs dates)."""
    if isinstance(day, str):
        check_weekday(path, day)
        if scenario.start_date is None:
            message = f"needs calendar.start_date to know the weekdays (got {day!r})"
            raise FieldError(subpath=path, message=message)
        return
    check_day(path, day, scenario.n_days)
    if scenario.day_hours_s(day) is None:
        message = f"is a closed day, {scenario.day_label(day)}: no one works it (got {day})"
        raise FieldError(subpath=path, message=message)


def _days_text(days: object) -> str:
    return "every open day" if days is None else str(days)


def _check_days_fit(path: str, duty: Duty, days: list[int], scenario: Scenario, got: str) -> None:
    """Check that every day worked is open for the whole duty (a short day needs own shifts).

    Parameters
    ----------
    path : str
        Field path of the days worked.
    duty : Duty
        The working day.
    days : list of int
        The days it is worked.
    scenario : Scenario
        The scenario, for each day's hours.
    got : str
        The days as given, for the message.
    """
    start, end = duty.segments[0][0], duty.end_s
    for day in days:
        hours = scenario.day_hours_s(day)
        if hours is None:
            message = f"is a closed day, {scenario.day_label(day)}: no one works it (got {got})"
            raise FieldError(subpath=path, message=message)
        if start < hours[0] or end > hours[1]:
            message = (
                f"works {span_text(start, end)} on {scenario.day_label(day)}, open only "
                f"{span_text(*hours)}: list the days it fits (got {got})"
            )
            raise FieldError(subpath=path, message=message)


def _check_shift_hours(path: str, shift: Shift, duty: Duty, scenario: Scenario) -> None:
    first_start = s_to_clock(duty.segments[0][0])
    variant = f"the start at {first_start} " if shift.form == "staggered" else ""
    for i, (start, end) in enumerate(duty.segments):
        if start < scenario.open_s:
            field, got = _shift_field(shift, i, "start")
            opening = s_to_clock(scenario.open_s)
            message = f"starts at {s_to_clock(start)}, before opening {opening} (got {got})"
            raise FieldError(subpath=f"{path}.{field}", message=message)
        if end > scenario.close_s:
            field, got = _shift_field(shift, i, "end")
            closing = s_to_clock(scenario.close_s)
            message = f"{variant}ends at {s_to_clock(end)}, after closing {closing} (got {got})"
            raise FieldError(subpath=f"{path}.{field}", message=message)


def _shift_field(shift: Shift, segment: int, side: str) -> tuple[str, str]:
    """Return the field that sets a segment's ``start`` or ``end`` side, and its value."""
    if shift.segments is not None:
        return f"segments[{segment}]", str(shift.segments[segment])
    if side == "start":
        return "start", repr(shift.start)
    if shift.end is not None:
        return "end", repr(shift.end)
    return "length_h", f"{shift.length_h:g}"


def _check_shift_breaks(
    path: str, shift: Shift, windows: list[Window], segments: list[Window]
) -> None:
    problem = _break_problem(windows, segments)
    if problem is None:
        return
    i, text = problem
    if isinstance(shift.breaks, str):
        message = f"break {i} of pattern {shift.breaks!r} {text} (got {shift.breaks!r})"
        raise FieldError(subpath=f"{path}.breaks", message=message)
    got = shift.breaks[i].model_dump(exclude_none=True)
    raise FieldError(f"{path}.breaks[{i}]", f"{text} (got {got})")


def _break_problem(windows: list[Window], segments: list[Window]) -> tuple[int, str] | None:
    """Return the index of the first break that does not fit the shift, and what is wrong.

    Parameters
    ----------
    windows : list of (float, float)
        Breaks ``(start_s, length_s)`` in the order given.
    segments : list of (float, float)
        The shift's segments ``(start_s, end_s)``.

    Returns
    -------
    tuple of (int, str) or None
        None when every break lies inside a segment and starts after the previous one ends.
    """
    shift_s = sum(end - start for start, end in segments)
    previous_end = -math.inf
    for i, (start, length) in enumerate(windows):
        end = start + length
        if length > shift_s:
            minutes, shift_minutes = length / SECONDS_PER_MINUTE, shift_s / SECONDS_PER_MINUTE
            return i, f"lasts {minutes:g} minutes, longer than the {shift_minutes:g}-minute shift"
        if not any(a <= start and end <= b for a, b in segments):
            shift_text = ", ".join(span_text(a, b) for a, b in segments)
            return i, f"falls at {span_text(start, end)}, outside the shift {shift_text}"
        if start < previous_end:
            return i, (
                f"starts at {s_to_clock(start)}, before the previous break ends at "
                f"{s_to_clock(previous_end)}"
            )
        previous_end = end
    return None


def check_staffing(scenario: Scenario) -> None:
    """Check the groups' shifts exist and their overtime ends by closing.

    Parameters
    ----------
    scenario : Scenario
        A scenario whose sections are each valid on their own.
    """
    for name, group in scenario.groups.items():
        for shift in group.shifts or {}:
            check_known(f"groups.{name}.shifts.{shift}", "shift", shift, scenario.shifts)
        for i, overtime in enumerate(group.overtime):
            _check_overtime(f"groups.{name}.overtime[{i}].minutes", overtime, scenario)


def _check_overtime(path: str, overtime: Overtime, scenario: Scenario) -> None:
    shift = scenario.shifts[overtime.shift]
    breaks = scenario.breaks_of(shift)
    starts = {shift.agent_start_s(agent) for agent in range(overtime.agents)}
    for start in sorted(starts):
        duty = shift.duty(start, breaks).extended(overtime.minutes * SECONDS_PER_MINUTE)
        if duty.end_s > scenario.close_s:
            message = (
                f"the shift starting at {s_to_clock(start)} would end at "
                f"{s_to_clock(duty.end_s)}, after closing {s_to_clock(scenario.close_s)} "
                f"(got {overtime.minutes:g})"
            )
            raise FieldError(subpath=path, message=message)
        days = scenario.working_days(shift.days)
        _check_days_fit(path, duty, days, scenario, f"{overtime.minutes:g}")


def check_rosters(scenario: Scenario) -> None:
    """Check roster rows against the calendar and each other.

    Rows must lie within opening hours and the calendar, breaks inside the row's segment, and
    no two segments of an agent on the same day may overlap.

    Parameters
    ----------
    scenario : Scenario
        A scenario whose sections are each valid on their own.
    """
    for name, group in scenario.groups.items():
        rows = group.roster or []
        for i, row in enumerate(rows):
            _check_roster_row(f"groups.{name}.roster[{i}]", row, scenario)
        _check_roster_overlaps(f"groups.{name}.roster", rows, scenario.n_days)


def _check_roster_row(path: str, row: RosterRow, scenario: Scenario) -> None:
    if clock_to_s(row.start) < scenario.open_s:
        message = f"starts before opening {s_to_clock(scenario.open_s)} (got {row.start!r})"
        raise FieldError(subpath=f"{path}.start", message=message)
    if clock_to_s(row.end) > scenario.close_s:
        message = f"ends after closing {s_to_clock(scenario.close_s)} (got {row.end!r})"
        raise FieldError(subpath=f"{path}.end", message=message)
    if row.day is not None:
        check_day(f"{path}.day", row.day, scenario.n_days)
    duty = row.duty()
    days = scenario.working_days(None if row.day is None else [row.day])
    _check_days_fit(f"{path}.day", duty, days, scenario, _days_text(row.day))
    windows = [(start, end - start) for start, end in map(span_s, row.breaks)]
    problem = _break_problem(windows, list(duty.segments))
    if problem is not None:
        i, text = problem
        start, length = windows[i]
        message = f"{text} (got {span_text(start, start + length)})"
        raise FieldError(subpath=f"{path}.breaks", message=message)


def _check_roster_overlaps(path: str, rows: list[RosterRow], n_days: int) -> None:
    taken: dict[tuple[str, int], list[Window]] = {}
    for i, row in enumerate(rows):
        start, end = clock_to_s(row.start), clock_to_s(row.end)
        for day in row.days(n_days):
            spans = taken.setdefault((row.agent, day), [])
            clash = next(((a, b) for a, b in spans if a < end and start < b), None)
            if clash is not None:
                message = (
                    f"overlaps agent {row.agent}'s segment {span_text(*clash)} on day {day} "
                    f"(got {row.start}-{row.end})"
                )
                raise FieldError(subpath=f"{path}[{i}].start", message=message)
            spans.append((start, end))

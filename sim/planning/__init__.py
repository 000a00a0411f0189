"""Planning tools: interval requirements from a forecast, shift schedules and weekly rosters."""

from sim.planning.patterns import Limits, Patterns, ShiftVariant, load_patterns
from sim.planning.requirements import (
    ChatSizing,
    Forecast,
    IntervalGrid,
    RequiredAgents,
    ServiceGoal,
    interval_requirements,
    read_forecast,
    read_requirements,
    scheduled_agents,
    write_requirements,
)
from sim.planning.schedule import (
    DaySchedule,
    Schedule,
    interval_table,
    optimise_schedule,
    roster_rows,
    roster_table,
    scenario_with_roster,
    scenario_with_rosters,
    shift_table,
)

__all__ = [
    "ChatSizing",
    "DaySchedule",
    "Forecast",
    "IntervalGrid",
    "Limits",
    "Patterns",
    "RequiredAgents",
    "Schedule",
    "ServiceGoal",
    "ShiftVariant",
    "interval_requirements",
    "interval_table",
    "load_patterns",
    "optimise_schedule",
    "read_forecast",
    "read_requirements",
    "roster_rows",
    "roster_table",
    "scenario_with_roster",
    "scenario_with_rosters",
    "scheduled_agents",
    "shift_table",
    "write_requirements",
]

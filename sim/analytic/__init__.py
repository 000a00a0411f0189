"""Analytic yardsticks: Erlang B, C and A, M/M/c/K and staffing (numbers in, numbers out)."""

from sim.analytic.erlang import QueueKpis, erlang_b, erlang_c
from sim.analytic.erlang_a import erlang_a
from sim.analytic.mmck import MmckKpis, mmck
from sim.analytic.staffing import (
    GoalStaffing,
    Staffing,
    agents_required,
    queue_kpis,
    staffing_for_goals,
)

__all__ = [
    "GoalStaffing",
    "MmckKpis",
    "QueueKpis",
    "Staffing",
    "agents_required",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "mmck",
    "queue_kpis",
    "staffing_for_goals",
]

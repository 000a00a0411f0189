"""Analytic yardsticks: Erlang B, C and A, M/M/c/K and staffing (numbers in, numbers out)."""

from sim.analytic.erlang import QueueKpis, erlang_b, erlang_c
from sim.analytic.erlang_a import erlang_a
from sim.analytic.mmck import MmckKpis, mmck
from sim.analytic.staffing import Staffing, agents_required, queue_kpis

__all__ = [
    "MmckKpis",
    "QueueKpis",
    "Staffing",
    "agents_required",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "mmck",
    "queue_kpis",
]

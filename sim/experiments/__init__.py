"""Runs over several scenarios: comparisons on common random numbers."""

from sim.experiments.compare import Comparison, compare_scenarios

__all__ = ["Comparison", "compare_scenarios"]

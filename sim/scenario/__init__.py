"""Scenario files: schema, loading and the deterministic plan the engines run."""

from sim.scenario.load import load_scenario, scenario_from_dict
from sim.scenario.plan import Plan, build_plan
from sim.scenario.schema import Scenario

__all__ = ["Plan", "Scenario", "build_plan", "load_scenario", "scenario_from_dict"]

"""Runs over several scenarios: comparisons and experiment files on common random numbers."""

from sim.experiments.analysis import ExperimentTables, experiment_tables
from sim.experiments.compare import Comparison, compare_scenarios
from sim.experiments.design import DesignPoint, Experiment, load_experiment
from sim.experiments.runner import (
    LOCAL_CLUSTER,
    PointState,
    Progress,
    Settings,
    StaleResultsError,
    point_states,
    run_experiment,
    run_settings,
)
from sim.experiments.store import ResultStore

__all__ = [
    "LOCAL_CLUSTER",
    "Comparison",
    "DesignPoint",
    "Experiment",
    "ExperimentTables",
    "PointState",
    "Progress",
    "ResultStore",
    "Settings",
    "StaleResultsError",
    "compare_scenarios",
    "experiment_tables",
    "load_experiment",
    "point_states",
    "run_experiment",
    "run_settings",
]

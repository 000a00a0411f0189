"""Tables, plots and files made from summaries.

The names load on first use, so a command that only prints a table never imports matplotlib.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.report.experiment_report import (
        EXPERIMENT_REPORT_FILES,
        markdown_table,
        write_experiment_report,
    )
    from sim.report.outputs import (
        COMPARE_FILES,
        RUN_FILES,
        write_comparison_report,
        write_run_report,
    )
    from sim.report.tables import (
        comparison_console,
        comparison_table,
        console_table,
        group_table,
        interval_table,
        kpis_json,
        summary_table,
    )

_HOMES = {
    "EXPERIMENT_REPORT_FILES": "sim.report.experiment_report",
    "markdown_table": "sim.report.experiment_report",
    "write_experiment_report": "sim.report.experiment_report",
    "COMPARE_FILES": "sim.report.outputs",
    "RUN_FILES": "sim.report.outputs",
    "write_comparison_report": "sim.report.outputs",
    "write_run_report": "sim.report.outputs",
    "comparison_console": "sim.report.tables",
    "comparison_table": "sim.report.tables",
    "console_table": "sim.report.tables",
    "group_table": "sim.report.tables",
    "interval_table": "sim.report.tables",
    "kpis_json": "sim.report.tables",
    "summary_table": "sim.report.tables",
}
__all__ = [
    "COMPARE_FILES",
    "EXPERIMENT_REPORT_FILES",
    "RUN_FILES",
    "comparison_console",
    "comparison_table",
    "console_table",
    "group_table",
    "interval_table",
    "kpis_json",
    "markdown_table",
    "summary_table",
    "write_comparison_report",
    "write_experiment_report",
    "write_run_report",
]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'sim.report' has no attribute {name!r}")

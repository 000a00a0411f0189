"""Tables, plots and files made from summaries."""

from sim.report.experiment_report import (
    EXPERIMENT_REPORT_FILES,
    markdown_table,
    write_experiment_report,
)
from sim.report.outputs import COMPARE_FILES, RUN_FILES, write_comparison_report, write_run_report
from sim.report.tables import (
    comparison_console,
    comparison_table,
    console_table,
    group_table,
    interval_table,
    kpis_json,
    summary_table,
)

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

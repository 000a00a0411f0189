"""Tables, plots and files made from summaries."""

from sim.report.outputs import RUN_FILES, write_run_report
from sim.report.tables import console_table, interval_table, kpis_json, summary_table

__all__ = [
    "RUN_FILES",
    "console_table",
    "interval_table",
    "kpis_json",
    "summary_table",
    "write_run_report",
]

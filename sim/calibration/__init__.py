"""Calibration from real call logs: read a centre's calls, estimate a scenario, report."""

from sim.calibration.bank import read_bank_log
from sim.calibration.calibrate import (
    Calibration,
    CallTypeCalibration,
    calibrate,
    calibration_report,
    headcount,
    scenario_document,
    write_scenario,
)
from sim.calibration.calllog import (
    CallLog,
    log_from_records,
    make_call_log,
    read_call_log,
    write_call_log,
)
from sim.calibration.formats import LOG_FORMATS, read_any_log

__all__ = [
    "LOG_FORMATS",
    "Calibration",
    "CallLog",
    "CallTypeCalibration",
    "calibrate",
    "calibration_report",
    "headcount",
    "log_from_records",
    "make_call_log",
    "read_any_log",
    "read_bank_log",
    "read_call_log",
    "scenario_document",
    "write_call_log",
    "write_scenario",
]

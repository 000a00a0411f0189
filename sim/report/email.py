"""The email section of a run: console lines and the ``email`` part of ``--json``.

``email.csv`` is the frame of :func:`sim.results.email.summarize_email` as it is.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import Any

import pandas as pd

from sim.results.email import EMAIL_KPIS, TOTAL
from sim.results.kpis import ALL

_LABELS = {
    "arrived": "arrived",
    "answered": "answered",
    "carried": "carried over",
    "within_target_share": "answered within target",
    "age_answered_mean_s": "age answered, mean",
    "age_answered_max_s": "age answered, max",
    "age_left_mean_s": "age left, mean",
    "age_left_max_s": "age left, max",
    "backlog_open": "backlog at opening",
    "backlog_close": "backlog at closing",
}


def email_console(frame: pd.DataFrame) -> str:
    """Return the email block: each type's KPIs of the run, then each day's backlog.

    With several email types ``all`` (the types pooled) follows them.
    """
    lines = ["email (mean over replications, 95% CI)"]
    total = frame[frame["day"] == TOTAL]
    if total["call_type"].nunique() == 2:  # one email type: "all" would repeat it
        total = total[total["call_type"] != ALL]
    for call_type, rows in total.groupby("call_type", sort=False):
        lines.append(f"  {call_type}")
        for row in rows.to_dict("records"):
            kpi = str(row["kpi"])
            if kpi.startswith("backlog") or math.isnan(row["mean"]):
                continue
            target = "" if math.isnan(row["target"]) else f"  (target {row['target']:.0%})"
            lines.append(f"    {_LABELS[kpi]:<24}{_value(kpi, row)}{target}")
    days = frame[(frame["day"] != TOTAL) & (frame["call_type"] == "all")]
    lines.append("  backlog (all email types)      at opening    at closing")
    for day, rows in days.groupby("day", sort=False):
        by_kpi = rows.set_index("kpi")["mean"]
        lines.append(
            f"    {day:<28}{by_kpi['backlog_open']:>10.1f}{by_kpi['backlog_close']:>14.1f}"
        )
    return "\n".join(lines)


def _value(kpi: str, row: dict[Hashable, Any]) -> str:
    """Format a KPI's mean and interval: shares in %, ages in hours, counts as numbers."""
    if kpi == "within_target_share":
        scale, unit, digits = 100.0, "%", 1
    elif kpi.endswith("_s"):
        scale, unit, digits = 1 / 3600.0, " h", 2
    else:
        scale, unit, digits = 1.0, "", 1
    mean = f"{row['mean'] * scale:.{digits}f}{unit}"
    if math.isnan(row["ci_low"]):
        return mean
    low, high = row["ci_low"] * scale, row["ci_high"] * scale
    return f"{mean}  [{low:.{digits}f}{unit}, {high:.{digits}f}{unit}]"


def email_json(frame: pd.DataFrame) -> dict[str, Any]:
    """Return the email KPIs as plain data: ``{type: {day or "total": {kpi: numbers}}}``.

    Each KPI has ``mean``, ``ci_low``, ``ci_high`` (None where undefined) and, for
    ``within_target_share``, ``target``.
    """
    document: dict[str, Any] = {}
    for row in frame.to_dict("records"):
        numbers = {name: _number(row[name]) for name in ("mean", "ci_low", "ci_high")}
        if row["kpi"] == "within_target_share":
            numbers["target"] = _number(row["target"])
        cell = document.setdefault(str(row["call_type"]), {}).setdefault(str(row["day"]), {})
        cell[str(row["kpi"])] = numbers
    return document


def _number(value: Any) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


assert set(_LABELS) == set(EMAIL_KPIS)

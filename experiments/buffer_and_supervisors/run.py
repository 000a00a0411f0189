"""Buffer pool and supervisors on the blended centre, and a sweep of the switch threshold.

Study 1 compares (a) the inbound agents alone, (b) with the blended buffer pool, (c) with the
buffer pool and the supervisors in reserve. Study 2 sweeps the queue length at which the buffer
pool turns to inbound (``queue_at_least``, the oldest-wait trigger removed so that the queue
alone decides), supervisors included. Every scenario runs on the same seed, so replication
``r`` of each sees the same inbound calls.

Usage: ``python experiments/buffer_and_supervisors/run.py [--reps 200] [--seed 1] [--out DIR]``.
It prints, per study, the whole-day inbound service level, outbound contacts and supervisor
phone hours with 95% confidence intervals, and writes ``<study>.csv`` (every compared KPI) and
``<study>.png`` (the three KPIs, mean and CI per scenario) in ``--out``.
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.experiments import compare_scenarios
from sim.report.plots import kpis_by_scenario
from sim.scenario import Scenario, scenario_from_dict

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "blended_centre.yaml"
SHOWN = {
    "service_level": ("inbound SL", 100.0, "{:.1f}%"),
    "outbound_contacts": ("outbound contacts", 1.0, "{:.0f}"),
    "reserve_phone_h": ("supervisor phone h", 1.0, "{:.1f}"),
}
QUEUE_ON = (4, 8, 12, 16, 24)


def study_controls(raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return the variants (a) no buffer, (b) buffer pool, (c) buffer pool and supervisors."""
    no_buffer, buffer = copy.deepcopy(raw), copy.deepcopy(raw)
    for group in ("buffer", "supervisors"):
        del no_buffer["groups"][group]
    del buffer["groups"]["supervisors"]
    return {"no buffer": no_buffer, "buffer": buffer, "buffer + supervisors": raw}


def study_queue_on(raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return buffer pool and supervisors, the pool turning to inbound at q_on waiting calls."""
    variants = {}
    for queue_on in QUEUE_ON:
        variant = copy.deepcopy(raw)
        variant["groups"]["buffer"]["switch"]["to_inbound"] = {"queue_at_least": queue_on}
        variants[f"q_on = {queue_on}"] = variant
    return variants


def scenarios_of(raws: dict[str, dict[str, Any]]) -> dict[str, Scenario]:
    """Validate the variants (profile files resolve next to the base scenario)."""
    return {
        name: scenario_from_dict(raw, source=str(SCENARIO), base_dir=SCENARIO.parent)
        for name, raw in raws.items()
    }


def summary_text(table: pd.DataFrame, names: tuple[str, ...]) -> str:
    """Return one row per scenario: each shown KPI as mean [95% CI]."""
    rows = []
    for name in names:
        row = {"scenario": name}
        for kpi, (label, scale, fmt) in SHOWN.items():
            cell = table[(table["scenario"] == name) & (table["kpi"] == kpi)].iloc[0]
            low, mean, high = (scale * cell[c] for c in ("ci_low", "mean", "ci_high"))
            row[label] = f"{fmt.format(mean)} [{fmt.format(low)}, {fmt.format(high)}]"
        rows.append(row)
    return pd.DataFrame(rows).to_string(index=False)


def main() -> None:
    """Run both studies, print their tables and write their files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("out/buffer_and_supervisors"))
    args = parser.parse_args()
    raw = yaml.safe_load(SCENARIO.read_text())
    args.out.mkdir(parents=True, exist_ok=True)
    for study, raws in (
        ("controls", study_controls(raw)),
        ("queue_on", study_queue_on(raw)),
    ):
        comparison = compare_scenarios(scenarios_of(raws), reps=args.reps, seed=args.seed)
        print(f"{study}: {args.reps} replications, seed {args.seed}")
        print(summary_text(comparison.table, comparison.names))
        print()
        comparison.table.to_csv(args.out / f"{study}.csv", index=False)
        kpis_by_scenario(comparison.table, comparison.names).savefig(args.out / f"{study}.png")
    print(f"wrote {args.out}/controls.csv, queue_on.csv and their .png plots")


if __name__ == "__main__":
    main()

"""Solve time of the weekly roster program: 3 groups x 7 days x 30-minute intervals.

The case: opening hours 08:00-20:00 (24 half-hour intervals) on every day of the week; three
groups whose requirements are Erlang A (80/20, patience 180 s, shrinkage 10%) for the volumes
of ``scenarios/planning/week_forecast.csv`` (general and billing calls; the third group takes
a third of the general volume); four shift families (8.5, 10.5, 6 and 4 hours on site) with a
start every 30 minutes from 08:00 to the latest start that ends by 20:00, fixed breaks; three
work rules (5 x 8 h full time with two days off in a row, 4 x 10 h, and part time: 3-4 days of
6 or 4 hours, 12-24 h a week) open to every group; each group at most 30% part-time; 110
seats. Target: at most 60 s on 2 cores.

Each round builds and solves the integer program and its LP relaxation (``plan_week``, which
stops at ``week.mip_gap`` of HiGHS's bound or at ``week.time_limit_s``, both the defaults) and
prints the seconds taken, the cost, its gaps to the best bound and to the LP bound and HiGHS's
status; then the median and the spread (min-max) of the rounds.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np
import scipy

from sim.planning import (
    Patterns,
    RequiredAgents,
    ServiceGoal,
    interval_requirements,
    read_forecast,
)
from sim.planning.week import plan_week

FORECAST = Path(__file__).resolve().parents[1] / "scenarios" / "planning" / "week_forecast.csv"
TARGET_S = 60.0
FAMILIES = {  # name: (hours on site, paid breaks at hours after the start, unpaid lunch at)
    "eight": (8.5, (2.0, 6.5), 4.0),
    "ten": (10.5, (2.5, 8.0), 5.0),
    "six": (6.0, (3.0,), None),
    "four": (4.0, (2.0,), None),
}


def patterns() -> Patterns:
    """Return the four families with every 30-minute start, the rules and the group limits."""
    families = {}
    for name, (length_h, paid, lunch) in FAMILIES.items():
        latest_min = 20 * 60 - round(length_h * 60)
        breaks = [{"after_h": at, "minutes": 15} for at in paid]
        if lunch is not None:
            breaks.append({"after_h": lunch, "minutes": 30, "paid": False})
        breaks.sort(key=lambda pause: pause["after_h"])
        families[name] = {
            "starts": {
                "earliest": "08:00",
                "latest": f"{latest_min // 60:02d}:{latest_min % 60:02d}",
                "every_minutes": 30,
            },
            "length_h": length_h,
            "breaks": breaks,
        }
    rules = {
        "full_time": {
            "hours_per_week": {"min": 40, "max": 40},
            "days_per_week": 5,
            "consecutive_days_off": True,
            "max_consecutive_days": 5,
            "families": ["eight"],
        },
        "four_ten": {
            "hours_per_week": {"min": 40, "max": 40},
            "days_per_week": 4,
            "families": ["ten"],
        },
        "part_time": {
            "hours_per_week": {"min": 12, "max": 24},
            "days_per_week": {"min": 3, "max": 4},
            "families": ["six", "four"],
            "cost_per_hour": 18,
            "part_time": True,
        },
    }
    groups = {name: {"max_part_time_share": 0.3} for name in ("general", "billing", "vip")}
    return Patterns.model_validate(
        {
            "open": "08:00",
            "close": "20:00",
            "cost_per_paid_hour": 20,
            "families": families,
            "week": {"seats": 110, "rules": rules, "groups": groups},
        }
    )


def requirements() -> dict[str, RequiredAgents]:
    """Return the three groups' requirements from the week forecast."""
    forecast = read_forecast(FORECAST)
    frame = interval_requirements(
        forecast, ServiceGoal(0.8, 20.0, 180.0), shrinkage=0.1, by_call_type=True
    )
    grid = forecast.grid
    shape = (len(grid.days), grid.n_intervals)

    def agents(call_type: str) -> np.ndarray:
        rows = frame[frame["call_type"] == call_type]
        return rows["scheduled"].to_numpy(dtype=np.float64).reshape(shape)

    general = agents("general")
    return {
        "general": RequiredAgents(str(FORECAST), grid, general),
        "billing": RequiredAgents(str(FORECAST), grid, agents("billing")),
        "vip": RequiredAgents(str(FORECAST), grid, np.ceil(general / 3.0)),
    }


def main() -> None:
    """Solve the program ``--rounds`` times and print the times, their median and spread."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    chosen, required = patterns(), requirements()
    print(
        "3 groups x 7 days x 24 half-hour intervals; families "
        + ", ".join(
            f"{name} ({len(family.starts.starts_s())} starts)"
            for name, family in chosen.families.items()
        )
    )
    seconds = []
    for round_ in range(args.rounds):
        start = time.perf_counter()
        roster = plan_week(required, chosen, "benchmark")
        seconds.append(time.perf_counter() - start)
        print(
            f"round {round_ + 1}: {seconds[-1]:.1f} s; {roster.n_columns} integer columns; "
            f"people {len(roster.people)}; cost {roster.cost:,.0f}; best bound "
            f"{roster.best_bound:,.0f}, gap {100 * roster.gap:.2f}%; LP bound "
            f"{roster.lp_bound:,.0f}, gap {100 * roster.lp_gap:.2f}%; unmet "
            f"{roster.total_unmet:g}; {roster.solver_status}"
        )
    print(
        f"solve time: median {np.median(seconds):.1f} s, spread {min(seconds):.1f}-"
        f"{max(seconds):.1f} s over {args.rounds} rounds (target <= {TARGET_S:.0f} s)"
    )
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; Python "
        f"{platform.python_version()}, scipy {scipy.__version__}"
    )


if __name__ == "__main__":
    main()

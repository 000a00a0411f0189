"""Fast engine vs the project's SimPy engine on the multi-skill example, in one process.

Both engines give identical call records on the same seed, so the check before the ratio is
exact: the replications simulated by both must have the same number of offered calls.
Target: the fast engine at least 50 times faster (per core) than the SimPy engine.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from sim.scenario import build_plan, load_scenario
from sim.simulation import simulate

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "multiskill_bank.yaml"
TARGET_RATIO = 50.0


def timed_run(plan: object, engine: str, reps: int, seed: int) -> tuple[np.ndarray, float]:
    """Simulate on one core; return offered calls per replication, and seconds taken."""
    start = time.perf_counter()
    result = simulate(plan, reps=reps, seed=seed, engine=engine, workers=1)  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    offered = result.tallies.count("offered").sum(axis=(1, 2, 3))
    return offered, seconds


def main() -> None:
    """Measure and print calls per second of both engines and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps-fast", type=int, default=40)
    parser.add_argument("--reps-simpy", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    plan = build_plan(load_scenario(SCENARIO))
    simulate(plan, reps=2, seed=args.seed, engine="fast", workers=1)  # compile or load the kernel
    fast_offered, fast_s = timed_run(plan, "fast", args.reps_fast, args.seed)
    simpy_offered, simpy_s = timed_run(plan, "simpy", args.reps_simpy, args.seed)
    shared = min(args.reps_fast, args.reps_simpy)
    assert np.array_equal(fast_offered[:shared], simpy_offered[:shared]), (
        "engines simulated different weeks"
    )
    print(
        f"multi-skill example: {SCENARIO.name}, {plan.n_days} days, {plan.n_agents} agents, "
        f"{plan.n_call_types} call types, {plan.n_groups} groups"
    )
    print(
        f"check: replications 0..{shared - 1} offered the same calls in both engines: "
        f"{simpy_offered[:shared].tolist()}"
    )
    fast_rate = fast_offered.sum() / fast_s
    simpy_rate = simpy_offered.sum() / simpy_s
    for label, offered, seconds, rate in (
        ("fast engine, 1 thread", fast_offered, fast_s, fast_rate),
        ("SimPy engine", simpy_offered, simpy_s, simpy_rate),
    ):
        print(f"  {label:<22}  {offered.sum():>10,} calls in {seconds:7.3f} s -> {rate:>11,.0f}/s")
    ratio = fast_rate / simpy_rate
    verdict = "PASS" if ratio >= TARGET_RATIO else "MISS"
    print(f"  fast / SimPy (per core) {ratio:8.1f}x   target >= {TARGET_RATIO:.0f}x: {verdict}")


if __name__ == "__main__":
    main()

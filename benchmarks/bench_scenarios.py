"""Fast engine vs the project's SimPy engine on example scenarios, in one process.

The examples: the multi-skill week, the blended centre (buffer pool and supervisors), and the
promotion day (chats with concurrency, calls behind a bot, an email backlog). Both engines give
identical records on the same seed, so the check before the ratio is exact: the replications
simulated by both must have the same number of contacts (calls and chats offered to people,
contacts the bot kept, email items) and outbound attempts. Rates count those contacts. Target:
the fast engine at least 50 times faster (per core) than the SimPy engine.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from sim.scenario import Plan, build_plan, load_scenario
from sim.simulation import simulate

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
EXAMPLES = ("multiskill_bank.yaml", "blended_centre.yaml", "promotion_day.yaml")
TARGET_RATIO = 50.0


def timed_run(plan: Plan, engine: str, reps: int, seed: int) -> tuple[np.ndarray, float, float]:
    """Simulate on one core; return contacts and outbound attempts per replication
    (shape ``[reps, 2]``), and the wall and CPU seconds taken."""
    start, cpu_start = time.perf_counter(), time.process_time()
    result = simulate(plan, reps=reps, seed=seed, engine=engine, workers=1)
    seconds, cpu_s = time.perf_counter() - start, time.process_time() - cpu_start
    tallies = result.tallies
    offered = sum(tallies.count(name) for name in ("offered", "bot_resolved", "bot_abandoned")).sum(
        axis=(1, 2, 3)
    ) + tallies.email_count("email_arrived").sum(axis=(1, 2))
    attempts = result.tallies.group_count("attempts").sum(axis=(1, 2, 3))
    return np.stack([offered, attempts], axis=1), seconds, cpu_s


def main() -> None:
    """Measure and print calls per second of both engines and their ratio, per example."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps-fast", type=int, default=40)
    parser.add_argument("--reps-simpy", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=EXAMPLES, default=None, help="One example only.")
    args = parser.parse_args()
    for name in [args.only] if args.only else EXAMPLES:
        bench_example(name, args.reps_fast, args.reps_simpy, args.seed)


def bench_example(name: str, reps_fast: int, reps_simpy: int, seed: int) -> None:
    """Measure one example scenario and print its rates and the ratio."""
    plan = build_plan(load_scenario(SCENARIOS / name))
    simulate(plan, reps=2, seed=seed, engine="fast", workers=1)  # compile or load the kernel
    fast_counts, fast_s, fast_cpu_s = timed_run(plan, "fast", reps_fast, seed)
    simpy_counts, simpy_s, simpy_cpu_s = timed_run(plan, "simpy", reps_simpy, seed)
    shared = min(reps_fast, reps_simpy)
    assert np.array_equal(fast_counts[:shared], simpy_counts[:shared]), (
        "engines simulated different days"
    )
    fast_offered, simpy_offered = fast_counts[:, 0], simpy_counts[:, 0]
    print(
        f"{name}: {plan.n_days} days, {plan.n_agents} agents, "
        f"{plan.n_call_types} call types, {plan.n_groups} groups"
    )
    print(
        f"check: replications 0..{shared - 1} had the same contacts and made the same "
        f"outbound attempts in both engines: {simpy_counts[:shared].tolist()}"
    )
    fast_rate = fast_offered.sum() / fast_s
    simpy_rate = simpy_offered.sum() / simpy_s
    for label, offered, seconds, cpu_s in (
        ("fast engine, 1 thread", fast_offered, fast_s, fast_cpu_s),
        ("SimPy engine", simpy_offered, simpy_s, simpy_cpu_s),
    ):
        print(
            f"  {label:<22}  {offered.sum():>10,} contacts in {seconds:7.3f} s "
            f"-> {offered.sum() / seconds:>11,.0f}/s ({cpu_s:7.3f} s CPU "
            f"-> {offered.sum() / cpu_s:>11,.0f}/s)"
        )
    ratio = fast_rate / simpy_rate
    verdict = "PASS" if ratio >= TARGET_RATIO else "MISS"
    print(f"  fast / SimPy (per core) {ratio:8.1f}x   target >= {TARGET_RATIO:.0f}x: {verdict}")
    cpu_ratio = (fast_offered.sum() / fast_cpu_s) / (simpy_offered.sum() / simpy_cpu_s)
    print(f"  fast / SimPy (CPU time) {cpu_ratio:8.1f}x")


if __name__ == "__main__":
    main()

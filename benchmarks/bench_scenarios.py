"""Fast engine vs the project's SimPy engine on example scenarios, in one process.

The examples: the multi-skill week, the blended centre (buffer pool and supervisors), and the
promotion day (chats with concurrency, calls behind a bot, an email backlog). Both engines give
identical records on the same seed, so the check before the ratio is exact: the replications
simulated by both must have the same number of contacts (calls and chats offered to people,
contacts the bot kept, email items) and outbound attempts. Rates count those contacts.

Each example is timed in ``--rounds`` interleaved rounds (the fast engine, then the SimPy
engine, with new seeds each round); rates and the ratio (taken within each round) are printed
as the median and range over rounds. Targets, per core: the multi-skill week at least 200 times
faster than the SimPy engine, the others at least 50 times. Also printed: the standard variates
the fast engine draws ahead per contact (replication 1's first try, sized after replication 0).

Run: ``python benchmarks/bench_scenarios.py [--rounds 3] [--reps-fast 40] [--reps-simpy 2]
[--only NAME]``. It measures; it never fails on a missed target.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from sim.engines.base import Tallies
from sim.engines.fast.engine import _ReplicationRunner
from sim.engines.fast.pack import pack
from sim.scenario import Plan, build_plan, load_scenario
from sim.simulation import simulate

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
EXAMPLES = ("multiskill_bank.yaml", "blended_centre.yaml", "promotion_day.yaml")
TARGET_RATIO = {"multiskill_bank.yaml": 200.0}  # the others: DEFAULT_TARGET_RATIO
DEFAULT_TARGET_RATIO = 50.0


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


def predrawn_per_replication(plan: Plan, seed: int) -> int:
    """Return the standard variates the fast engine draws ahead for replication 1 (first try).

    The per-call streams' blocks, sized from the plan's expected counts and the share of
    redials and repeat calls replication 0 used, and each blended group's outbound contact
    and talk blocks.
    """
    runner = _ReplicationRunner(plan, pack(plan), seed, Tallies.zeros(plan, 2), False, 0, None)
    runner.run(0)
    _, _, fresh_calls = runner.fixed or runner._realisation(1)
    sizes = runner.block_sizes(fresh_calls, runner.capacity)
    return int(sizes.sum()) + 2 * len(runner.blended) * runner.capacity.attempts


def spread(values: list[float], fmt: str) -> str:
    """Return ``median (low-high)`` of ``values`` formatted with ``fmt``."""
    return f"{statistics.median(values):{fmt}} ({min(values):{fmt}}-{max(values):{fmt}})"


def main() -> None:
    """Measure and print contacts per second of both engines and their ratio, per example."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved timing rounds")
    parser.add_argument("--reps-fast", type=int, default=40)
    parser.add_argument("--reps-simpy", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=EXAMPLES, default=None, help="One example only.")
    args = parser.parse_args()
    for name in ("rounds", "reps_simpy"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.reps_fast < 2:
        parser.error("--reps-fast must be at least 2")
    for name in [args.only] if args.only else EXAMPLES:
        bench_example(name, args.rounds, args.reps_fast, args.reps_simpy, args.seed)


def bench_example(name: str, rounds: int, reps_fast: int, reps_simpy: int, seed: int) -> None:
    """Measure one example scenario in interleaved rounds; print rates and the ratio."""
    plan = build_plan(load_scenario(SCENARIOS / name))
    simulate(plan, reps=2, seed=seed, engine="fast", workers=1)  # compile or load the kernel
    print(
        f"{name}: {plan.n_days} days, {plan.n_agents} agents, "
        f"{plan.n_call_types} call types, {plan.n_groups} groups"
    )
    rates: dict[str, list[float]] = {"fast": [], "simpy": [], "fast_cpu": [], "simpy_cpu": []}
    ratios = []
    for r in range(rounds):
        round_seed = seed + 1000 * r
        fast_counts, fast_s, fast_cpu_s = timed_run(plan, "fast", reps_fast, round_seed)
        simpy_counts, simpy_s, simpy_cpu_s = timed_run(plan, "simpy", reps_simpy, round_seed)
        shared = min(reps_fast, reps_simpy)
        assert np.array_equal(fast_counts[:shared], simpy_counts[:shared]), (
            "engines simulated different days"
        )
        if r == 0:
            second_contacts = float(fast_counts[1, 0])  # replication 1 of the run seed
            print(
                f"check: replications 0..{shared - 1} had the same contacts and made the same "
                f"outbound attempts in both engines: {simpy_counts[:shared].tolist()}"
            )
        fast_total, simpy_total = fast_counts[:, 0].sum(), simpy_counts[:, 0].sum()
        rates["fast"].append(fast_total / fast_s)
        rates["simpy"].append(simpy_total / simpy_s)
        rates["fast_cpu"].append(fast_total / fast_cpu_s)
        rates["simpy_cpu"].append(simpy_total / simpy_cpu_s)
        ratios.append(rates["fast"][-1] / rates["simpy"][-1])
    print(f"contacts per second, median (range) over {rounds} rounds (wall; CPU)")
    for label, key in (("fast engine, 1 thread", "fast"), ("SimPy engine", "simpy")):
        print(
            f"  {label:<22} {spread(rates[key], ',.0f')}/s; {spread(rates[key + '_cpu'], ',.0f')}/s"
        )
    target = TARGET_RATIO.get(name, DEFAULT_TARGET_RATIO)
    verdict = "PASS" if statistics.median(ratios) >= target else "MISS"
    print(f"  fast / SimPy (per core) {spread(ratios, '.1f')}x  target >= {target:.0f}x: {verdict}")
    per_contact = predrawn_per_replication(plan, seed) / second_contacts
    print(f"  numbers drawn ahead per contact: {per_contact:.1f}")


if __name__ == "__main__":
    main()

"""Measure the Python the fast engine runs around its kernel, per replication.

For each scenario — the benchmark day of ``bench_engines.py`` (S1), the demo
(``scenarios/retail_bank_day.yaml``) and the multi-skill week (``scenarios/multiskill_bank.yaml``)
— ``--reps`` replications are simulated on one worker thread (tallies only), ``--rounds`` times.
Each round prints, per replication, the CPU time of the process and the CPU time of the worker
thread inside the compiled kernel (the kernel's call wrapped in ``time.thread_time``); their
difference is everything else: streams, draws, buffers, the realisation and the thread pool.
CPU times, not wall times, so that other jobs on a shared machine move them little; medians and
ranges over rounds.

Run: ``python benchmarks/bench_overhead.py [--rounds 5] [--only s1|demo|week]``. It measures;
it never fails.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_engines import benchmark_scenario

import sim.engines.fast.engine as fast
from sim.scenario import Plan, build_plan, load_scenario, scenario_from_dict
from sim.simulation import simulate

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
REPS = {"s1": 300, "demo": 300, "week": 20}


def load(name: str) -> Plan:
    """Return the plan of ``name``: ``s1``, ``demo`` or ``week``."""
    if name == "s1":
        return build_plan(scenario_from_dict(benchmark_scenario()))
    file = {"demo": "retail_bank_day.yaml", "week": "multiskill_bank.yaml"}[name]
    return build_plan(load_scenario(SCENARIOS / file))


def time_kernels(kernel_s: list[float]) -> None:
    """Make the fast engine's kernels add their thread CPU seconds to ``kernel_s``."""
    make_kernel = fast.kernel

    def timed_kernel(*features: bool) -> Callable[..., Any]:
        compiled = make_kernel(*features)

        def timed(*args: Any) -> Any:
            start = time.thread_time()
            counters = compiled(*args)
            kernel_s.append(time.thread_time() - start)
            return counters

        return timed

    fast.kernel = timed_kernel  # type: ignore[assignment]


def measure(plan: Plan, reps: int, seed: int, kernel_s: list[float]) -> tuple[float, float]:
    """Simulate ``reps`` replications on one thread; return CPU ms per rep: all, in kernels."""
    kernel_s.clear()
    start = time.process_time()
    simulate(plan, reps=reps, seed=seed, engine="fast", workers=1)
    total_s = time.process_time() - start
    return total_s / reps * 1e3, sum(kernel_s) / reps * 1e3


def spread(values: list[float]) -> str:
    """Return ``median (low-high)`` with three decimals."""
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def main() -> None:
    """Print the CPU time per replication in and around the kernel for each scenario."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds per scenario")
    parser.add_argument("--only", choices=tuple(REPS), default=None, help="one scenario only")
    parser.add_argument("--seed", type=int, default=1, help="seed of the first round")
    args = parser.parse_args()
    kernel_s: list[float] = []
    time_kernels(kernel_s)
    print("CPU ms per replication, one worker thread, tallies only: median (range) over rounds")
    print(f"  {'scenario':<8} {'reps':>5}  {'process':<22} {'kernel':<22} {'around the kernel'}")
    for name in [args.only] if args.only else list(REPS):
        plan = load(name)
        simulate(plan, reps=2, seed=args.seed, engine="fast", workers=1)  # compile or load
        rounds = [measure(plan, REPS[name], args.seed + r, kernel_s) for r in range(args.rounds)]
        total = [t for t, _ in rounds]
        kernel = [k for _, k in rounds]
        around = [t - k for t, k in rounds]
        print(
            f"  {name:<8} {REPS[name]:>5}  {spread(total):<22} {spread(kernel):<22} "
            f"{spread(around)}"
        )


if __name__ == "__main__":
    main()

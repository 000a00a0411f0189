"""Benchmark the engines on one day of one queue, all in one process.

The benchmark day: 1,000 calls/hour for 10 hours (08:00-18:00), 90 agents, exponential
handle time of mean 300 s, no patience (callers never abandon). It is simulated by

* the fast (numba) engine, single thread, after a warm-up that compiles the kernel;
* the project's SimPy engine;
* a minimal SimPy model written here (one ``simpy.Resource``, one process per call),
  the yardstick for "how fast is plain SimPy on this model";
* a Kiefer-Wolfowitz recursion written here (numba): each call starts on the agent free
  first, found in a heap of the agents' free times — the speed limit of a first-come,
  first-served queue, with its variates drawn by numpy as the fast engine's are.

The fast engine, the minimal SimPy model and the recursion are timed in ``--rounds``
interleaved rounds (a shared machine varies); rates and ratios are printed as the median and
range over rounds, each ratio taken within a round.

Before any ratio is printed, every engine's mean offered calls per replication is checked
against the expected 10,000 (a 5-standard-error band for Poisson totals), and the project's
engines are checked to have run the same plan. Then 1,000 replications (``--big-reps``) are
timed on ``--workers`` threads of the fast engine.

Run: ``python benchmarks/bench_engines.py [--rounds 5] [--reps-fast 50] [--reps-simpy 3]
[--reps-minimal 3] [--big-reps 1000] [--workers 2]``. The script measures; it never fails
on a missed target.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import time
from dataclasses import dataclass

import numba
import numpy as np
import simpy

from sim.scenario import Plan, build_plan, scenario_from_dict
from sim.simulation import simulate

CALLS_PER_HOUR = 1000.0
OPEN_HOURS = 10.0
AGENTS = 90
MEAN_HANDLE_S = 300.0
EXPECTED_CALLS = CALLS_PER_HOUR * OPEN_HOURS
BAND_SE = 5.0  # half-width of the offered-calls band, in standard errors of the mean

TARGET_BIG_WALL_S = 0.8  # 1,000 replications on 2 cores, after compilation
TARGET_FAST_OVER_MINIMAL = 150.0  # fast engine (one core) over the minimal SimPy model
TARGET_FAST_OVER_RECURSION = 0.75  # fast engine over the Kiefer-Wolfowitz recursion


@dataclass(frozen=True)
class Timing:
    """Calls simulated by one engine and the wall time it took.

    Attributes
    ----------
    label : str
        Engine label as printed.
    reps : int
        Replications run.
    calls_per_rep : numpy.ndarray
        Offered calls of each replication.
    wall_s : float
        Wall-clock seconds of all replications together.
    cpu_s : float
        CPU seconds of the process (all threads) meanwhile; ``cpu_s / wall_s`` below the
        thread count means the threads waited (for the GIL, or for a core on a busy machine).
    """

    label: str
    reps: int
    calls_per_rep: np.ndarray
    wall_s: float
    cpu_s: float

    @property
    def total_calls(self) -> int:
        """Calls simulated over all replications."""
        return int(self.calls_per_rep.sum())

    @property
    def mean_calls(self) -> float:
        """Mean offered calls per replication."""
        return float(self.calls_per_rep.mean())

    @property
    def calls_per_s(self) -> float:
        """Calls simulated per wall-clock second."""
        return self.total_calls / self.wall_s

    @property
    def calls_per_cpu_s(self) -> float:
        """Calls simulated per CPU second of the process (on a shared machine, steadier)."""
        return self.total_calls / self.cpu_s


def benchmark_scenario() -> dict:
    """Return the benchmark day as a scenario dict (as read from YAML)."""
    return {
        "name": "benchmark-day",
        "calendar": {"days": 1, "open": "08:00", "close": "18:00", "interval_minutes": 60},
        "call_types": {
            "calls": {
                "volume": {"per_hour": CALLS_PER_HOUR},
                "handle_time": {"dist": "exponential", "mean_s": MEAN_HANDLE_S},
            }
        },
        "groups": {"agents": {"headcount": AGENTS}},
    }


def time_project_engine(
    plan: Plan, *, engine: str, reps: int, seed: int, workers: int | None, label: str
) -> tuple[Timing, float]:
    """Time ``simulate`` on one of the project's engines (tallies only).

    Returns the timing and the expected calls of the plan the result says it ran.
    """
    start, cpu_start = time.perf_counter(), time.process_time()
    result = simulate(
        plan, reps=reps, seed=seed, engine=engine, keep_records=False, workers=workers
    )
    wall_s, cpu_s = time.perf_counter() - start, time.process_time() - cpu_start
    offered = result.tallies.count("offered").reshape(reps, -1).sum(axis=1)
    return Timing(label, reps, offered, wall_s, cpu_s), result.plan.expected_calls()


def minimal_simpy_day(seed: int) -> int:
    """Simulate the benchmark day once in a minimal SimPy model; return the calls served.

    One ``simpy.Resource`` of 90 agents; Poisson arrivals (exponential interarrival times from
    numpy's ``default_rng``) over 10 hours; one process per call that requests an agent, holds it
    for an exponential handle time and releases it. The run ends when every call is served.
    """
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=AGENTS)
    horizon_s = OPEN_HOURS * 3600.0
    mean_gap_s = 3600.0 / CALLS_PER_HOUR
    served = [0]

    def call(handle_s: float):
        with agents.request() as request:
            yield request
            yield env.timeout(handle_s)
        served[0] += 1

    def arrivals():
        now = rng.exponential(mean_gap_s)
        while now < horizon_s:
            yield env.timeout(now - env.now)
            env.process(call(rng.exponential(MEAN_HANDLE_S)))
            now += rng.exponential(mean_gap_s)

    env.process(arrivals())
    env.run()
    return served[0]


def time_minimal_simpy(reps: int, seed: int) -> Timing:
    """Time ``reps`` days of the minimal SimPy model, seeds ``seed, seed + 1, ...``."""
    start, cpu_start = time.perf_counter(), time.process_time()
    calls = np.array([minimal_simpy_day(seed + r) for r in range(reps)], dtype=np.int64)
    wall_s, cpu_s = time.perf_counter() - start, time.process_time() - cpu_start
    return Timing("minimal SimPy model", reps, calls, wall_s, cpu_s)


@numba.njit(cache=True)
def _recursion_waits_s(arrival_at: np.ndarray, handle_s: np.ndarray, agents: int) -> float:
    """Serve calls first come, first served by ``agents`` agents; return the total wait, s.

    Kiefer-Wolfowitz: each call starts when it arrives or when the agent free first frees,
    whichever is later; the agents' free times sit in a binary min-heap.
    """
    free_at = np.zeros(agents)
    total_wait_s = 0.0
    for i in range(arrival_at.shape[0]):
        start_at = max(arrival_at[i], free_at[0])
        total_wait_s += start_at - arrival_at[i]
        end_at = start_at + handle_s[i]
        node = 0  # replace the root by end_at and sift it down
        while True:
            child = 2 * node + 1
            if child >= agents:
                break
            if child + 1 < agents and free_at[child + 1] < free_at[child]:
                child += 1
            if free_at[child] >= end_at:
                break
            free_at[node] = free_at[child]
            node = child
        free_at[node] = end_at
    return total_wait_s


def recursion_day(seed: int) -> int:
    """Simulate the benchmark day once by the recursion; return the calls served.

    Arrival gaps and handle times are exponential variates from numpy's ``default_rng``
    (drawn for the mean calls plus ten standard deviations, the arrivals after closing cut).
    """
    rng = np.random.default_rng(seed)
    room = int(EXPECTED_CALLS + 10.0 * math.sqrt(EXPECTED_CALLS))
    arrival_at = np.cumsum(rng.exponential(3600.0 / CALLS_PER_HOUR, room))
    arrival_at = arrival_at[arrival_at < OPEN_HOURS * 3600.0]
    handle_s = rng.exponential(MEAN_HANDLE_S, arrival_at.shape[0])
    _recursion_waits_s(arrival_at, handle_s, AGENTS)
    return int(arrival_at.shape[0])


def time_recursion(reps: int, seed: int) -> Timing:
    """Time ``reps`` days of the recursion, seeds ``seed, seed + 1, ...``."""
    start, cpu_start = time.perf_counter(), time.process_time()
    calls = np.array([recursion_day(seed + r) for r in range(reps)], dtype=np.int64)
    wall_s, cpu_s = time.perf_counter() - start, time.process_time() - cpu_start
    return Timing("Kiefer-Wolfowitz recursion", reps, calls, wall_s, cpu_s)


def spread(values: list[float], fmt: str) -> str:
    """Return ``median (low-high, n rounds)`` of ``values`` formatted with ``fmt``."""
    low, high = min(values), max(values)
    return f"{statistics.median(values):{fmt}} ({low:{fmt}}-{high:{fmt}}, {len(values)} rounds)"


def check_day_size(timings: list[Timing], plan_expectations: dict[str, float]) -> list[str]:
    """Check every engine simulated the benchmark day; return the lines that state it.

    Raises ``AssertionError`` (even under ``python -O``) when a check fails.

    Each engine's mean offered calls must lie within ``BAND_SE`` standard errors of the
    expected 10,000 (Poisson totals: standard error ``sqrt(10000 / reps)``), and every plan
    the project's engines ran must expect the same 10,000 calls.
    """
    lines = []
    for label, expected in plan_expectations.items():
        if not math.isclose(expected, EXPECTED_CALLS):
            msg = f"{label} ran a plan expecting {expected:.1f} calls, not {EXPECTED_CALLS:.0f}"
            raise AssertionError(msg)
    lines.append(
        f"  plans of the project's engines expect {EXPECTED_CALLS:,.0f} calls per day: "
        + ", ".join(f"{k} {v:,.1f}" for k, v in plan_expectations.items())
    )
    for t in timings:
        band = BAND_SE * math.sqrt(EXPECTED_CALLS / t.reps)
        deviation = t.mean_calls - EXPECTED_CALLS
        if abs(deviation) > band:
            msg = (
                f"{t.label}: mean offered {t.mean_calls:.1f} is {deviation:+.1f} from "
                f"{EXPECTED_CALLS:.0f}, outside +/-{band:.1f}"
            )
            raise AssertionError(msg)
        lines.append(
            f"  {t.label:<34} mean offered {t.mean_calls:9.1f} over {t.reps:4d} reps "
            f"(|{deviation:+.1f}| <= {band:.1f})  ok"
        )
    return lines


def verdict(ok: bool) -> str:
    """Return the word printed next to a target."""
    return "PASS" if ok else "MISS"


def machine_lines() -> list[str]:
    """Describe the machine and the library versions."""
    return [
        f"  platform : {platform.platform()} ({platform.machine()})",
        f"  processor: {platform.processor() or 'unknown'}; os.cpu_count() = {os.cpu_count()}",
        f"  python   : {platform.python_version()} ({platform.python_implementation()})",
        f"  numpy {np.__version__}, numba {numba.__version__}, simpy {simpy.__version__}",
    ]


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved timing rounds")
    parser.add_argument("--reps-fast", type=int, default=50, help="fast-engine reps, one thread")
    parser.add_argument("--reps-simpy", type=int, default=3, help="project SimPy engine reps")
    parser.add_argument("--reps-minimal", type=int, default=3, help="minimal SimPy model reps")
    parser.add_argument("--big-reps", type=int, default=1000, help="reps of the multi-thread run")
    parser.add_argument("--workers", type=int, default=2, help="threads of the multi-thread run")
    parser.add_argument("--seed", type=int, default=1, help="run seed")
    args = parser.parse_args()
    for name in ("rounds", "reps_fast", "reps_simpy", "reps_minimal", "big_reps", "workers"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def print_rates(rounds: list[list[Timing]], project_simpy: Timing) -> None:
    """Print each engine's calls per second: median and range over the rounds."""
    print("\nCalls simulated per second (total calls / wall seconds), median over rounds")
    for column in zip(*rounds, strict=True):
        rates = [t.calls_per_s for t in column]
        print(f"  {column[0].label:<34} {spread(rates, ',.0f')} calls/s")
    print(f"  {project_simpy.label:<34} {project_simpy.calls_per_s:,.0f} calls/s (one round)")
    print("Calls per CPU second of the process (total calls / CPU seconds), median over rounds")
    for column in zip(*rounds, strict=True):
        rates = [t.calls_per_cpu_s for t in column]
        print(f"  {column[0].label:<34} {spread(rates, ',.0f')} calls/s")


def print_ratios(rounds: list[list[Timing]], project_simpy: Timing) -> None:
    """Print the speed ratios (each taken within a round) against their targets."""
    over_minimal = [fast.calls_per_s / minimal.calls_per_s for fast, minimal, _ in rounds]
    over_recursion = [fast.calls_per_s / kw.calls_per_s for fast, _, kw in rounds]
    over_project = [fast.calls_per_s / project_simpy.calls_per_s for fast, _, _ in rounds]
    print("\nRatios (each within a round), median over rounds")
    ok = statistics.median(over_minimal) >= TARGET_FAST_OVER_MINIMAL
    print(
        f"  fast (per core) / minimal SimPy   {spread(over_minimal, '.1f')}   "
        f"target >= {TARGET_FAST_OVER_MINIMAL:.0f}x: {verdict(ok)}"
    )
    ok = statistics.median(over_recursion) >= TARGET_FAST_OVER_RECURSION
    print(
        f"  fast (per core) / recursion       {spread(over_recursion, '.2f')}   "
        f"target >= {TARGET_FAST_OVER_RECURSION:.2f}: {verdict(ok)}"
    )
    print(f"  fast (per core) / project SimPy   {spread(over_project, '.1f')}")


def print_big_run(big: Timing, workers: int) -> None:
    """Print the multi-thread run, with its wall-time target."""
    print(f"\nFast engine, {big.reps:,d} replications on {workers} threads (tallies only)")
    print(f"  os.cpu_count() = {os.cpu_count()}")
    print(
        f"  wall time {big.wall_s:.3f} s, {big.total_calls:,d} calls "
        f"-> {big.calls_per_s:,.0f} calls/s"
    )
    print(
        f"  CPU time {big.cpu_s:.3f} s, CPU/wall {big.cpu_s / big.wall_s:.2f} "
        f"(at most {workers}; less means threads waited for the GIL or for a busy core)"
    )
    if big.reps == 1000 and workers == 2:
        target_ok = big.wall_s <= TARGET_BIG_WALL_S
        print(f"  target <= {TARGET_BIG_WALL_S} s for 1,000 reps on 2 cores: {verdict(target_ok)}")
    else:
        scaled = big.wall_s * 1000 / big.reps
        print(
            f"  target <= {TARGET_BIG_WALL_S} s is for 1,000 reps on 2 cores; "
            f"this run scaled to 1,000 reps: {scaled:.3f} s (not judged)"
        )


def warm_up(plan: Plan, seed: int) -> float:
    """Run 2 fast-engine replications (compiles the kernel or loads it from the cache).

    Returns the wall seconds it took.
    """
    start = time.perf_counter()
    simulate(plan, reps=2, seed=seed, engine="fast", workers=1)
    return time.perf_counter() - start


def main() -> None:
    """Run the benchmark and print the measurements."""
    args = parse_args()
    plan = build_plan(scenario_from_dict(benchmark_scenario()))
    print("ccsim engine benchmark: one day, one queue")
    print(
        f"  {CALLS_PER_HOUR:,.0f} calls/h x {OPEN_HOURS:.0f} h, {AGENTS} agents, "
        f"exponential handle time {MEAN_HANDLE_S:.0f} s, no abandonment"
    )
    warm_s = warm_up(plan, args.seed + 10_000)
    print(f"  fast-engine warm-up (2 reps, compile or cache load): {warm_s:.2f} s")

    recursion_day(args.seed)  # compiles the recursion (or loads it from numba's cache)
    rounds: list[list[Timing]] = []
    expectations: dict[str, float] = {}
    for r in range(args.rounds):
        fast, expectations["fast"] = time_project_engine(
            plan,
            engine="fast",
            reps=args.reps_fast,
            seed=args.seed + r * args.reps_fast,
            workers=1,
            label="fast engine, 1 thread (per core)",
        )
        minimal = time_minimal_simpy(args.reps_minimal, args.seed + r * args.reps_minimal)
        recursion = time_recursion(args.reps_fast, args.seed + r * args.reps_fast)
        rounds.append([fast, minimal, recursion])
    project_simpy, expectations["simpy"] = time_project_engine(
        plan,
        engine="simpy",
        reps=args.reps_simpy,
        seed=args.seed,
        workers=None,
        label="project SimPy engine",
    )
    big, expectations["fast (big run)"] = time_project_engine(
        plan,
        engine="fast",
        reps=args.big_reps,
        seed=args.seed,
        workers=args.workers,
        label=f"fast engine, {args.workers} threads",
    )

    print("\nCheck: every engine simulated the same day (asserted before any ratio)")
    for line in check_day_size([*rounds[0], project_simpy, big], expectations):
        print(line)

    print_rates(rounds, project_simpy)
    print_ratios(rounds, project_simpy)
    print_big_run(big, args.workers)
    print("\nMachine")
    for line in machine_lines():
        print(line)


if __name__ == "__main__":
    main()

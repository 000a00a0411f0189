"""How the fast engine's cost per call grows with agents and with calls per day.

One queue open 10 hours, exponential handle time of mean 300 s, no abandonment (the day of
``bench_engines.py``), in two series, each on one thread (``workers=1``), tallies only:

* **agents**: 1,000 calls/h with 90, 500, 2,000 and 8,000 agents — the same calls per day, so
  any growth is the cost of agents themselves (roster events, idle lines, the event heap);
* **calls**: 10,000 to 200,000 calls a day, agents scaled with the load (the square-root
  staffing rule, ``a + 2 sqrt(a)`` for offered load ``a`` Erlangs).

Each point is timed in ``--rounds`` interleaved rounds; the cost is CPU microseconds per call
(Python per replication included), printed as the median and range over rounds, with each
point's ratio to the first point of its series taken within a round. Targets: at 2,000 agents
at most 1.15 times the cost at 90; at 200,000 calls a day at most 1.1 times the cost at 10,000.

Run: ``python benchmarks/bench_scaling.py [--rounds 5] [--calls 200000]``. The script measures;
it never fails on a missed target.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

from sim.scenario import Plan, build_plan, scenario_from_dict
from sim.simulation import simulate

OPEN_HOURS = 10.0
MEAN_HANDLE_S = 300.0
AGENT_SERIES = (90, 500, 2000, 8000)
CALL_SERIES = (10_000, 50_000, 200_000)
TARGET_AGENTS = (2000, 1.15)
TARGET_CALLS = (200_000, 1.10)


def day_plan(calls_per_day: float, agents: int) -> Plan:
    """Return the plan of one day with ``calls_per_day`` expected calls and ``agents`` agents."""
    return build_plan(
        scenario_from_dict(
            {
                "name": f"scaling-{calls_per_day:.0f}-{agents}",
                "calendar": {"days": 1, "open": "08:00", "close": "18:00"},
                "call_types": {
                    "calls": {
                        "volume": {"per_hour": calls_per_day / OPEN_HOURS},
                        "handle_time": {"dist": "exponential", "mean_s": MEAN_HANDLE_S},
                    }
                },
                "groups": {"agents": {"headcount": agents}},
            }
        )
    )


def square_root_staffing(calls_per_day: float) -> int:
    """Agents for the load: ``a + 2 sqrt(a)``, rounded up (``a`` in Erlangs)."""
    load = calls_per_day / (OPEN_HOURS * 3600.0) * MEAN_HANDLE_S
    return math.ceil(load + 2.0 * math.sqrt(load))


def cpu_us_per_call(plan: Plan, reps: int, seed: int) -> float:
    """Simulate ``reps`` replications on one thread; return CPU microseconds per call."""
    start = time.process_time()
    result = simulate(plan, reps=reps, seed=seed, engine="fast", workers=1)
    seconds = time.process_time() - start
    return seconds * 1e6 / float(result.tallies.count("offered").sum())


def spread(values: list[float]) -> str:
    """Return ``median (low-high)`` with two decimals."""
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def run_series(label: str, plans: dict[str, Plan], calls_per_day: dict[str, float], rounds: int):
    """Time every plan of a series in interleaved rounds; return the ratios to the first."""
    costs: dict[str, list[float]] = {name: [] for name in plans}
    for r in range(rounds):
        for name, plan in plans.items():
            reps = max(2, round(200_000 / calls_per_day[name]))
            costs[name].append(cpu_us_per_call(plan, reps, seed=1 + r * reps))
    first = next(iter(plans))
    print(f"\n{label}: CPU µs per call, median (range) over {rounds} rounds")
    ratios = {}
    for name in plans:
        ratios[name] = [c / f for c, f in zip(costs[name], costs[first], strict=True)]
        print(f"  {name:<28} {spread(costs[name])} µs   x{spread(ratios[name])} of {first}")
    return ratios


def main() -> None:
    """Measure both series and print them against the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--calls", type=int, default=CALL_SERIES[-1], help="largest day, calls")
    args = parser.parse_args()
    if args.rounds < 1 or args.calls < CALL_SERIES[0]:
        parser.error(f"--rounds must be at least 1 and --calls at least {CALL_SERIES[0]}")
    by_agents = {f"{a:,d} agents": day_plan(10_000, a) for a in AGENT_SERIES}
    calls = sorted({*[c for c in CALL_SERIES if c <= args.calls], args.calls})
    by_calls = {f"{c:,d} calls, {square_root_staffing(c)} agents": c for c in calls}
    plans_by_calls = {name: day_plan(c, square_root_staffing(c)) for name, c in by_calls.items()}
    for plan in (*by_agents.values(), *plans_by_calls.values()):
        simulate(plan, reps=1, seed=0, engine="fast", workers=1)  # compile or load, warm caches
    agent_ratios = run_series(
        "Agents (10,000 calls a day)", by_agents, dict.fromkeys(by_agents, 10_000.0), args.rounds
    )
    call_ratios = run_series("Calls per day", plans_by_calls, by_calls, args.rounds)
    print("\nTargets (median ratios)")
    at_agents = statistics.median(agent_ratios[f"{TARGET_AGENTS[0]:,d} agents"])
    print(f"  {TARGET_AGENTS[0]:,d} agents <= {TARGET_AGENTS[1]}x of 90: {at_agents:.3f}")
    largest = statistics.median(list(call_ratios.values())[-1])
    print(f"  {args.calls:,d} calls <= {TARGET_CALLS[1]}x of 10,000: {largest:.3f}")


if __name__ == "__main__":
    main()

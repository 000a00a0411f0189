"""Benchmark start-up: the cold compile, the warm command-line overhead and the import time.

Every measurement runs in a fresh child process, so nothing is shared with this one:

* **cold**: the demo command (``ccsim run scenarios/retail_bank_day.yaml --reps 200 --seed 1
  --out DIR``) with an empty numba cache (``NUMBA_CACHE_DIR`` set to a new temporary folder),
  as after a fresh clone; then the same command again on that cache (**warm**). The compile is
  the difference. Wall time, CPU time (user + system) and peak memory (``ru_maxrss``) are those
  of the child, read with ``os.wait4``.
* **overhead**: ``ccsim run ... --reps 200 --json`` on a warm cache, minus the simulation itself
  (``simulate`` of the same scenario, replications and seed, timed inside a child after a
  one-replication warm-up), in wall and in CPU time.
* **import**: ``from sim import simulate``, timed inside a child.

Python's bytecode cache is warm too: the children write and read ``__pycache__`` whatever
``PYTHONDONTWRITEBYTECODE`` says here.

Each figure is printed as the median and the range over ``--rounds`` rounds (``--cold-rounds``
for the cold compile, which takes longest; ``--cold-rounds 0`` skips it and measures the warm
rounds on the cache that ``ccsim`` uses anyway, warmed by one run first). Other environment
variables of this process reach the children, so ``NUMBA_OPT=1 python benchmarks/bench_startup.py``
measures that setting.

Run: ``python benchmarks/bench_startup.py [--cold-rounds 3] [--rounds 5]``. The script measures;
it never fails on a missed target.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "scenarios/retail_bank_day.yaml"
REPS = 200
SEED = 1

TARGET_COLD_WALL_S = 20.0
TARGET_COLD_PEAK_MB = 1000.0
TARGET_OVERHEAD_S = 1.0
TARGET_IMPORT_S = 0.5

_SIMULATE_CHILD = f"""
import json, time
from sim import load_scenario, simulate
scenario = load_scenario({SCENARIO!r})
simulate(scenario, reps=1, seed={SEED})
start, start_cpu = time.perf_counter(), time.process_time()
simulate(scenario, reps={REPS}, seed={SEED})
print(json.dumps([time.perf_counter() - start, time.process_time() - start_cpu]))
"""

_IMPORT_CHILD = """
import json, time
start, start_cpu = time.perf_counter(), time.process_time()
from sim import simulate
print(json.dumps([time.perf_counter() - start, time.process_time() - start_cpu]))
"""


@dataclass(frozen=True)
class Child:
    """What one child process cost.

    Attributes
    ----------
    wall_s : float
        Wall-clock seconds from start to exit.
    cpu_s : float
        User plus system CPU seconds of the child (all its threads).
    peak_mb : float
        Its peak resident memory, megabytes.
    stdout : str
        What it printed.
    """

    wall_s: float
    cpu_s: float
    peak_mb: float
    stdout: str


def run_child(args: list[str], env: dict[str, str]) -> Child:
    """Run ``python ARGS`` in the repository root and measure it; raise if it fails."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    stdout = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall_s = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{args} exited with {process.returncode}")
    return Child(wall_s, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0, stdout)


def child_env(cache_dir: str | None) -> dict[str, str]:
    """This process's environment, importing ``sim`` from this tree, with the numba cache.

    ``cache_dir`` None keeps the cache of this environment (``NUMBA_CACHE_DIR`` if set, else the
    user's cache folder). ``PYTHONDONTWRITEBYTECODE`` is dropped: a user's Python keeps the
    compiled bytecode of ``sim`` (pip writes it at install, a clone's first run beside the
    sources), so a warm run does not compile its modules again (about 0.1 s of CPU).
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    return env


def demo_args(out_dir: str) -> list[str]:
    """The demo command of ``make demo`` writing to ``out_dir``."""
    seeded = ["-m", "sim", "run", SCENARIO, "--reps", str(REPS), "--seed", str(SEED)]
    return [*seeded, "--out", out_dir]


def spread(values: list[float], unit: str, digits: int = 2) -> str:
    """Median and range of ``values``, e.g. ``12.3 s (11.9-13.0, 3 rounds)``."""
    return (
        f"{statistics.median(values):.{digits}f} {unit} "
        f"({min(values):.{digits}f}-{max(values):.{digits}f}, {len(values)} rounds)"
    )


def verdict(value: float, target: float) -> str:
    """PASS when ``value`` is at most ``target``."""
    return "PASS" if value <= target else "MISS"


def measure_cold(rounds: int, scratch: str) -> tuple[list[Child], list[Child], str | None]:
    """Run the demo on an empty cache, then again on it, ``rounds`` times; return the last cache.

    With no rounds, the demo runs once on this environment's cache, to fill it, and that cache
    (None) is returned.
    """
    cold: list[Child] = []
    warm: list[Child] = []
    if rounds == 0:
        run_child(demo_args(str(Path(scratch, "out"))), child_env(None))
        return cold, warm, None
    cache_dir = ""
    for n in range(rounds):
        cache_dir = str(Path(scratch, f"cache{n}"))
        out_dir = str(Path(scratch, f"out{n}"))
        cold.append(run_child(demo_args(out_dir), child_env(cache_dir)))
        warm.append(run_child(demo_args(out_dir), child_env(cache_dir)))
        print(
            f"  cold round {n + 1}: cold {cold[-1].wall_s:.1f} s wall, {cold[-1].cpu_s:.1f} s"
            f" CPU, {cold[-1].peak_mb:.0f} MB; warm {warm[-1].wall_s:.1f} s wall",
            flush=True,
        )
    return cold, warm, cache_dir


def measure_warm(rounds: int, env: dict[str, str]) -> dict[str, list[float]]:
    """Time the warm ``--json`` command, the simulation inside it, and the import."""
    times: dict[str, list[float]] = {
        name: []
        for name in ("command", "simulation", "overhead", "overhead_cpu", "import", "import_cpu")
    }
    for _ in range(rounds):
        cli = run_child(["-m", "sim", "run", SCENARIO, "--reps", str(REPS), "--json"], env)
        simulation_s, simulation_cpu_s = json.loads(run_child(["-c", _SIMULATE_CHILD], env).stdout)
        import_s, import_cpu_s = json.loads(run_child(["-c", _IMPORT_CHILD], env).stdout)
        times["command"].append(cli.wall_s)
        times["simulation"].append(simulation_s)
        times["overhead"].append(cli.wall_s - simulation_s)
        times["overhead_cpu"].append(cli.cpu_s - simulation_cpu_s)
        times["import"].append(import_s)
        times["import_cpu"].append(import_cpu_s)
    return times


def report_cold(cold: list[Child], warm: list[Child]) -> None:
    """Print the cold and warm demo runs and their difference, the compile (if measured)."""
    if not cold:
        return
    print("\nCold first run of the demo (empty numba cache), compile included")
    for label, children in (("cold", cold), ("warm", warm)):
        if label == "warm":
            print("The same command again on that cache (warm)")
        print(f"  wall   {spread([c.wall_s for c in children], 's', 1)}")
        print(f"  CPU    {spread([c.cpu_s for c in children], 's', 1)}")
        print(f"  peak   {spread([c.peak_mb for c in children], 'MB', 0)}")
    pairs = list(zip(cold, warm, strict=True))
    print("Compile: cold minus warm, same round")
    print(f"  wall   {spread([c.wall_s - w.wall_s for c, w in pairs], 's', 1)}")
    print(f"  CPU    {spread([c.cpu_s - w.cpu_s for c, w in pairs], 's', 1)}")


def report_warm(times: dict[str, list[float]]) -> None:
    """Print the warm command, its overhead beyond the simulation, and the import."""
    print(f"\nWarm `ccsim run {SCENARIO} --reps {REPS} --json`")
    print(f"  command     {spread(times['command'], 's')}")
    print(f"  simulation  {spread(times['simulation'], 's')}")
    print(f"  overhead    {spread(times['overhead'], 's')}")
    print(f"  overhead    {spread(times['overhead_cpu'], 's')} of CPU")
    print("`from sim import simulate`")
    print(f"  import      {spread(times['import'], 's', 3)}")
    print(f"  import      {spread(times['import_cpu'], 's', 3)} of CPU")


def report_targets(cold: list[Child], times: dict[str, list[float]]) -> None:
    """Print each target of the issue against the median measured."""
    median = statistics.median
    rows = [
        ("warm overhead", "s", median(times["overhead"]), TARGET_OVERHEAD_S),
        ("import", "s", median(times["import"]), TARGET_IMPORT_S),
    ]
    if cold:
        rows[:0] = [
            ("cold first run", "s wall", median([c.wall_s for c in cold]), TARGET_COLD_WALL_S),
            ("cold first run", "MB peak", median([c.peak_mb for c in cold]), TARGET_COLD_PEAK_MB),
        ]
    print("\nTargets (medians)")
    for label, unit, value, target in rows:
        print(f"  {label} <= {target:g} {unit}: {value:.2f} {verdict(value, target)}")


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cold-rounds", type=int, default=3, help="rounds of the cold compile (0: none)"
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the warm measurements")
    args = parser.parse_args()

    print(f"ccsim start-up benchmark: {SCENARIO}, {REPS} replications, seed {SEED}")
    options = {name: value for name, value in os.environ.items() if name.startswith("NUMBA_")}
    print(f"  numba settings from the environment: {options or 'none'}")
    with tempfile.TemporaryDirectory(prefix="ccsim-bench-") as scratch:
        cold, warm, cache_dir = measure_cold(args.cold_rounds, scratch)
        times = measure_warm(args.rounds, child_env(cache_dir))
    report_cold(cold, warm)
    report_warm(times)
    report_targets(cold, times)
    print("\nMachine")
    print(f"  platform : {platform.platform()}; os.cpu_count() = {os.cpu_count()}")
    print(f"  python   : {platform.python_version()} ({platform.python_implementation()})")
    load = os.getloadavg()
    print(f"  load     : {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} (1, 5, 15 min)")


if __name__ == "__main__":
    main()

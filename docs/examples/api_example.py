"""A worked example of the Python API: a scenario, a what-if, and the Erlang yardstick.

Run it from the repository root: ``python docs/examples/api_example.py``. The test suite runs
it too (``tests/test_api_example.py``), so what it prints is what the API does today.
"""

from __future__ import annotations

from pathlib import Path

from sim import load_scenario, simulate, summarize
from sim.analytic import agents_required
from sim.results import Summary
from sim.scenario import scenario_from_dict

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "erlang_c_check.yaml"


def service_level(summary: Summary) -> tuple[float, float, float]:
    """Whole-run service level of every call type together: mean and 95% CI."""
    total = summary.total
    row = total[(total["call_type"] == "all") & (total["kpi"] == "service_level")].iloc[0]
    return float(row["mean"]), float(row["ci_low"]), float(row["ci_high"])


def main() -> None:
    """Simulate the shipped Erlang C check, then the same centre with two agents fewer."""
    scenario = load_scenario(SCENARIO)
    result = simulate(scenario, reps=20, seed=7)
    base = service_level(summarize(result.tallies, result.plan))
    print(f"{scenario.name}: service level {base[0]:.3f} [{base[1]:.3f}, {base[2]:.3f}]")

    # A what-if: the scenario is plain data, so change a field and validate it again.
    raw = scenario.model_dump(mode="json", exclude_defaults=True)
    raw["groups"]["agents"]["headcount"] -= 2
    fewer = scenario_from_dict(raw, source="what-if")
    result = simulate(fewer, reps=20, seed=7)  # same seed: common random numbers
    what_if = service_level(summarize(result.tallies, result.plan))
    print(f"two agents fewer: service level {what_if[0]:.3f}")

    # The yardstick: Erlang C's agents for the scenario's target.
    calls = scenario.call_types["calls"]
    staffing = agents_required(
        calls_per_hour=calls.volume.per_hour or 0.0,
        aht_s=calls.handle_time.mean_s,  # type: ignore[arg-type]
        threshold_s=scenario.service_level.threshold_s,
        target=scenario.service_level.target,
    )
    print(
        f"Erlang C: {staffing.kpis.agents} agents for {scenario.service_level.target:.0%} "
        f"within {scenario.service_level.threshold_s:g} s"
    )


if __name__ == "__main__":
    main()

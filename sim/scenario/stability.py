"""Whether a steady state can settle: the warning ``ccsim erlang`` gives, for scenarios too."""

from __future__ import annotations

from sim.scenario.schema import Scenario


def overload_warning(scenario: Scenario) -> str | None:
    """Return a warning when a steady-state queue grows without bound, else None.

    Without abandonment a queue settles only if the offered load (erlangs: calls per second
    times the mean handle time, talk plus after-call work) is below the agents. The load is
    taken at its least: every call served at the fastest tier that may take it, and every
    agent of every group counted as on the phones; so the warning is given only when no
    routing could keep up. Calls with lines (their type's or the centre's) cannot pile up:
    their queue is bounded, and they are left out of the load, which keeps the warning certain.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario; calendar days are not steady states and get no warning.
    """
    unbounded = {n: c for n, c in scenario.call_types.items() if c.lines is None}
    no_patience = [n for n, c in unbounded.items() if c.patience.dist == "none"]
    if scenario.steady_state is None or scenario.lines is not None or not no_patience:
        return None
    factors = {name: tier.handle_time_factor for name, tier in scenario.tier_table.items()}
    horizon_s = scenario.n_intervals * scenario.interval_s
    load = 0.0
    for name, call_type in unbounded.items():
        calls = sum(call_type.volume.calls_per_interval(scenario.n_intervals, scenario.interval_s))
        talk_s = call_type.handle_time.means_per_interval(scenario.n_intervals)[0]
        assert talk_s is not None  # a steady state has no forecast to give it
        fastest = min(
            factors[scenario.skills_of(entry.group)[name]] for entry in scenario.routing_of(name)
        )
        load += (
            calls
            * scenario.busyness.multiplier
            / horizon_s
            * ((talk_s + call_type.handle_time.acw_s) * fastest)
        )
    agents = sum(group.n_agents for group in scenario.groups.values())
    if load < agents:
        return None
    return (
        f"offered load {load:.4g} erlangs >= {agents} agents and callers of "
        f"{', '.join(no_patience)} never hang up: the queue grows without bound (no steady state)"
    )

"""ccsim: a discrete-event contact-centre simulator with Erlang yardsticks.

The public API: :func:`load_scenario`, :func:`simulate`, :func:`summarize` and :class:`Scenario`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.results import summarize
    from sim.scenario import Scenario, load_scenario
    from sim.simulation import SimulationResult, simulate

__version__ = "0.1.0"
__all__ = ["Scenario", "SimulationResult", "__version__", "load_scenario", "simulate", "summarize"]

# The public names load on first use, so `import sim` (and the command line) starts quickly.
_HOMES = {
    "Scenario": "sim.scenario",
    "load_scenario": "sim.scenario",
    "SimulationResult": "sim.simulation",
    "simulate": "sim.simulation",
    "summarize": "sim.results",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")

"""ccsim: a discrete-event contact-centre simulator with Erlang yardsticks.

The public API: :func:`load_scenario`, :func:`simulate`, :func:`summarize` and :class:`Scenario`.
"""

from sim.results import summarize
from sim.scenario import Scenario, load_scenario
from sim.simulation import SimulationResult, simulate

__version__ = "0.1.0"
__all__ = ["Scenario", "SimulationResult", "__version__", "load_scenario", "simulate", "summarize"]

"""Simulation engines behind one interface; concrete engines load on first use."""

from __future__ import annotations

from sim.engines.base import Engine
from sim.errors import UsageError

ENGINE_NAMES = ("fast", "simpy")


def get_engine(name: str) -> Engine:
    """Return the engine called ``name`` (``"fast"`` or ``"simpy"``)."""
    if name == "fast":
        from sim.engines.fast.engine import FastEngine  # noqa: PLC0415 (numba loads only when used)

        return FastEngine()
    if name == "simpy":
        from sim.engines.simpy.engine import SimpyEngine  # noqa: PLC0415

        return SimpyEngine()
    raise UsageError(f"engine must be one of {', '.join(ENGINE_NAMES)} (got {name!r})")

"""Compile every kernel of the fast engine ahead of the first run (``ccsim warm-up``)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from sim.engines.fast.engine import FastEngine
from sim.scenario import build_plan, scenario_from_dict

# Two one-hour days small enough to simulate in milliseconds: an inbound group alone, and one
# with a blended group and a reserve (the kernels with the controls).
_INBOUND: dict[str, Any] = {
    "name": "warm-up",
    "calendar": {"open": "08:00", "close": "09:00", "interval_minutes": 30},
    "call_types": {
        "calls": {
            "volume": {"per_interval": [10, 10]},
            "handle_time": {"dist": "exponential", "mean_s": 120},
            "patience": {"dist": "exponential", "mean_s": 120},
        }
    },
    "groups": {"agents": {"headcount": 2}},
}
_CONTROLLED: dict[str, Any] = {
    **_INBOUND,
    "shifts": {"hour": {"start": "08:00", "length_h": 1}},
    "groups": {
        "agents": {"skills": {"calls": "standard"}, "headcount": 2},
        "buffer": {
            "role": "blended",
            "skills": {"calls": "standard"},
            "shifts": {"hour": 1},
            "outbound": {
                "attempt_s": 30,
                "contact_probability": 0.5,
                "talk": {"dist": "exponential", "mean_s": 60},
                "wrap_s": 10,
            },
            "switch": {
                "to_inbound": {"queue_at_least": 2},
                "to_outbound": {"queue_at_most": 0, "for_s": 60},
            },
        },
        "supervisors": {
            "role": "supervisor",
            "skills": {"calls": "standard"},
            "shifts": {"hour": 1},
            "activate": {"queue_at_least": 3, "max_active": 1},
            "deactivate": {"queue_at_most": 0, "for_s": 60},
        },
    },
}


_CALLS = _INBOUND["call_types"]["calls"]
_BOT = {"resolve_share": 0.3, "time": {"dist": "exponential", "mean_s": 30}}
_CHAT = {**_CALLS, "channel": "chat"}
_EMAIL = {
    "channel": "email",
    "volume": {"per_hour": 2},
    "handle_time": {"dist": "exponential", "mean_s": 120},
}
_SCENARIOS = {
    "inbound": _INBOUND,
    "controls": _CONTROLLED,
    "lines": {**_INBOUND, "lines": 5},
    "hold_count": {**_INBOUND, "staffing_drop": "hold_count"},
    "bot": {**_INBOUND, "call_types": {"calls": {**_CALLS, "bot": _BOT}}},
    "chat": {
        **_INBOUND,
        "call_types": {"chats": _CHAT},
        "groups": {"agents": {"headcount": 2, "max_concurrent": {"chat": 2}}},
    },
    "email": {**_INBOUND, "call_types": {"calls": _CALLS, "email": _EMAIL}},
    "channels": {
        **_INBOUND,
        "call_types": {"calls": {**_CALLS, "bot": _BOT}, "chats": _CHAT, "email": _EMAIL},
        "groups": {"agents": {"headcount": 2, "max_concurrent": {"chat": 2}}},
    },
}
# The kernels of the shipped scenarios, the longest to compile first: a plan with any feature
# beyond plain inbound always runs the one that writes records.
KERNELS = (
    ("controls", True),
    ("inbound", False),
    ("inbound", True),
    ("lines", True),
    ("hold_count", True),
    ("bot", True),
    ("chat", True),
    ("email", True),
    ("channels", True),
)


def compile_kernel(name: str, keep: bool) -> float:
    """Compile (or load from numba's cache) one kernel; return the seconds it took.

    ``name`` is a key of the small plans here: ``"inbound"``, ``"controls"`` (a blended group
    and a reserve), ``"lines"``, ``"hold_count"``, ``"bot"``, ``"chat"``, ``"email"`` or
    ``"channels"`` (a bot, chats and email together); ``keep``: the kernel that writes records.
    """
    plan = build_plan(scenario_from_dict(_SCENARIOS[name]))
    start = time.perf_counter()
    FastEngine().run(plan, seed=0, reps=1, keep_records=keep, workers=1)
    return time.perf_counter() - start


def warm_up(workers: int, report: Callable[[str, float], None] | None = None) -> str:
    """Compile the kernels of the shipped scenarios, ``workers`` at a time in child processes.

    numba compiles one function at a time per process; the children write the kernels into
    the shared cache, where every later run finds them.

    Parameters
    ----------
    workers : int
        Child processes compiling at once.
    report : callable, optional
        Called after each kernel with its name and the seconds it took.

    Returns
    -------
    str
        The cache folder (``NUMBA_CACHE_DIR``).
    """
    names = [name for name, _ in KERNELS]
    keeps = [keep for _, keep in KERNELS]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for name, keep, seconds in zip(
            names, keeps, pool.map(compile_kernel, names, keeps), strict=True
        ):
            if report is not None:
                report(f"{name}, {'records' if keep else 'tallies'}", seconds)
    return os.environ["NUMBA_CACHE_DIR"]

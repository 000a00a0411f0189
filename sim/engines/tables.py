"""Tables derived from a plan that both engines use, computed once here.

These rules belong to the model, not to an engine: which per-call draws a call takes, and when a
group may take a call type.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.engines.sampling import takes_draw
from sim.scenario.plan import Plan

# Columns of call_draws: the per-call purposes after arrivals, in sim.rng.CALL_PURPOSES order.
(
    DRAW_HANDLE,
    DRAW_PATIENCE,
    DRAW_REDIAL_DECISION,
    DRAW_REDIAL_DELAY,
    DRAW_REPEAT_DECISION,
    DRAW_REPEAT_DELAY,
) = range(6)


def call_draws(plan: Plan) -> NDArray[np.bool_]:
    """Return which per-call draws a call of each type takes when it is created.

    Returns
    -------
    bool[n_call_types, 6]
        Columns: handle, patience, redial decision, redial delay, repeat decision, repeat delay.
        Deterministic and absent distributions take no draw; a call draws a redial pair when its
        type redials at all, and a repeat pair when some group serves its type at a tier whose
        first-contact resolution is below 1 (never for email: an answered item is done).
    """
    handle = np.array([takes_draw(int(code)) for code in plan.handle_code], dtype=bool)
    patience = np.array([takes_draw(int(code)) for code in plan.patience_code], dtype=bool)
    redial = plan.redial_probability > 0.0
    repeat = np.any(np.nan_to_num(plan.tier_fcr, nan=1.0) < 1.0, axis=0) & ~plan.is_email
    return np.stack([handle, patience, redial, redial, repeat, repeat], axis=1).reshape(
        plan.n_call_types, 6
    )


def bot_draws(plan: Plan) -> NDArray[np.bool_]:
    """Return which draws a contact of each type takes when it enters the bot.

    Returns
    -------
    bool[n_call_types, 2]
        Columns: bot time (a bot whose time distribution takes a draw), outcome (any bot).
    """
    time = np.array([takes_draw(int(code)) for code in plan.bot_time_code], dtype=bool)
    return np.stack([plan.bot_in_front & time, plan.bot_in_front], axis=1).reshape(
        plan.n_call_types, 2
    )


def eligible_after_s(plan: Plan) -> NDArray[np.float64]:
    """Return ``float64[G, K]``: the wait after which a group may take a call type (inf: never)."""
    after = np.full((plan.n_groups, plan.n_call_types), np.inf)
    for k in range(plan.n_call_types):
        for group, delay_s in zip(plan.routing_group[k], plan.routing_after_s[k], strict=True):
            if group >= 0:
                after[group, k] = delay_s
    return after


def line_capacity(plan: Plan) -> NDArray[np.int64]:
    """Return ``int64[K + 1]``: the lines of each call type's own, then the centre's (-1: none).

    A call of type ``k`` needs a line of pool ``k`` and one of pool ``K`` (the centre), each
    only where it is limited.
    """
    return np.append(plan.type_lines, plan.centre_lines).astype(np.int64)

"""Blended buffer pools and emergency reserves: their YAML fields, errors and plan tables."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pytest
import yaml
from helpers import SCENARIOS

from sim.errors import ScenarioError
from sim.scenario import Plan, build_plan, load_scenario, scenario_from_dict
from sim.scenario.distributions import DistCode, dist_parameters
from sim.scenario.plan import GroupKind

Raw = dict[str, Any]

BASE: Raw = {
    "name": "controls",
    "calendar": {"open": "08:00", "close": "10:00", "interval_minutes": 30},
    "service_level": {"threshold_s": 20},
    "call_types": {
        "general": {
            "volume": {"per_hour": 120},
            "handle_time": {"dist": "exponential", "mean_s": 180},
        },
        "vip": {
            "volume": {"per_hour": 20},
            "handle_time": {"dist": "exponential", "mean_s": 240},
        },
    },
    "groups": {
        "agents": {
            "skills": {"general": "standard", "vip": "standard"},
            "headcount": 6,
            "wage_per_hour": 18.0,
        },
        "buffer": {
            "role": "blended",
            "skills": {"general": "standard"},
            "headcount": [2, 3, 3, 1],
            "outbound": {
                "attempt_s": 25,
                "contact_probability": 0.35,
                "talk": {"dist": "lognormal", "mean_s": 180, "cv": 0.8},
                "wrap_s": 30,
                "list_size": 400,
            },
            "switch": {
                "to_inbound": {"queue_at_least": 8, "or_oldest_wait_s": 30},
                "to_outbound": {"queue_at_most": 2, "for_s": 120},
                "preempt": True,
                "min_outbound": 1,
            },
            "wage_per_hour": 16.0,
        },
        "supervisors": {
            "role": "supervisor",
            "skills": {"general": "standard", "vip": "standard"},
            "headcount": 4,
            "activate": {
                "queue_at_least": 15,
                "or_oldest_wait_s": 90,
                "or_service_level_below": 0.6,
                "window_minutes": 15,
                "max_active": 3,
                "min_stay_minutes": 20,
            },
            "deactivate": {"queue_at_most": 3, "for_s": 300},
            "wage_per_hour": 30.0,
        },
    },
}
AGENTS, BUFFER, SUPERVISORS = 0, 1, 2


def _raw() -> Raw:
    """Return a fresh copy of the base scenario."""
    return copy.deepcopy(BASE)


def _group(raw: Raw, name: str) -> Raw:
    """Return a group of a raw scenario."""
    group: Raw = raw["groups"][name]
    return group


def _plan(raw: Raw) -> Plan:
    """Validate a raw scenario and build its plan."""
    return build_plan(scenario_from_dict(raw))


def _minimal(raw: Raw) -> Raw:
    """Strip the buffer and the supervisors to their required fields."""
    _group(raw, "buffer").update(
        headcount=3,
        outbound={"attempt_s": 20, "contact_probability": 0},
        switch={"to_inbound": {"or_oldest_wait_s": 45}},
    )
    del _group(raw, "buffer")["wage_per_hour"]
    _group(raw, "supervisors").update(activate={"queue_at_least": 10})
    del _group(raw, "supervisors")["deactivate"]
    return raw


class TestPlanTables:
    """The plan's per-group arrays follow the groups' roles and control fields."""

    def test_kinds_and_wages(self) -> None:
        """Each role maps to its kind; wages per group in scenario order."""
        plan = _plan(_raw())
        assert [GroupKind.INBOUND, GroupKind.BLENDED, GroupKind.RESERVE] == list(plan.group_kind)
        assert ("agent", "blended", "supervisor") == plan.group_role
        np.testing.assert_array_equal([18.0, 16.0, 30.0], plan.wage_per_hour)
        assert plan.has_controls

    def test_blended_outbound(self) -> None:
        """Outbound work of the blended group; talk encoded as handle times are."""
        plan = _plan(_raw())
        code, p1, p2 = dist_parameters("lognormal", 180.0, 0.8)
        assert 25.0 == plan.outbound_attempt_s[BUFFER]
        assert 0.35 == plan.outbound_contact_probability[BUFFER]
        assert code == plan.outbound_talk_code[BUFFER]
        assert (p1, p2) == (plan.outbound_talk_p1[BUFFER], plan.outbound_talk_p2[BUFFER])
        assert 30.0 == plan.outbound_wrap_s[BUFFER]
        assert 400 == plan.outbound_list_size[BUFFER]

    def test_blended_switch(self) -> None:
        """Switch thresholds of the blended group."""
        plan = _plan(_raw())
        assert 8.0 == plan.control_queue_on[BUFFER]
        assert 30.0 == plan.control_wait_on_s[BUFFER]
        assert 2.0 == plan.control_queue_off[BUFFER]
        assert 120.0 == plan.control_calm_s[BUFFER]
        assert plan.control_preempt[BUFFER]
        assert 1 == plan.control_min_outbound[BUFFER]
        assert 0.0 == plan.control_sl_below[BUFFER]
        assert 0 == plan.control_max_active[BUFFER]

    def test_supervisor_activation(self) -> None:
        """Activation and deactivation of the supervisors, minutes turned into seconds."""
        plan = _plan(_raw())
        assert 15.0 == plan.control_queue_on[SUPERVISORS]
        assert 90.0 == plan.control_wait_on_s[SUPERVISORS]
        assert 0.6 == plan.control_sl_below[SUPERVISORS]
        assert 900.0 == plan.control_sl_window_s[SUPERVISORS]
        assert 3 == plan.control_max_active[SUPERVISORS]
        assert 1200.0 == plan.control_min_stay_s[SUPERVISORS]
        assert 3.0 == plan.control_queue_off[SUPERVISORS]
        assert 300.0 == plan.control_calm_s[SUPERVISORS]
        assert not plan.control_preempt[SUPERVISORS]
        assert math.isnan(plan.outbound_attempt_s[SUPERVISORS])

    def test_inbound_group_never_switches(self) -> None:
        """An inbound group keeps thresholds that never fire and no outbound work."""
        plan = _plan(_raw())
        assert math.isinf(plan.control_queue_on[AGENTS])
        assert math.isinf(plan.control_wait_on_s[AGENTS])
        assert 0.0 == plan.control_sl_below[AGENTS]
        assert 0 == plan.control_max_active[AGENTS]
        assert DistCode.NONE == plan.outbound_talk_code[AGENTS]
        assert math.isnan(plan.outbound_talk_p1[AGENTS])
        assert -1 == plan.outbound_list_size[AGENTS]

    def test_reserve_role_is_a_reserve(self) -> None:
        """Role ``reserve`` means the same as ``supervisor``."""
        raw = _raw()
        _group(raw, "supervisors")["role"] = "reserve"
        plan = _plan(raw)
        assert GroupKind.RESERVE == plan.group_kind[SUPERVISORS]
        assert "reserve" == plan.group_role[SUPERVISORS]

    def test_temp_is_inbound(self) -> None:
        """Temporary staff answer calls like agents."""
        raw = _raw()
        _group(raw, "agents")["role"] = "temp"
        assert GroupKind.INBOUND == _plan(raw).group_kind[AGENTS]

    def test_dtypes(self) -> None:
        """The filled arrays keep the dtypes of the defaults."""
        plan = _plan(_raw())
        for name in ("group_kind", "outbound_talk_code", "outbound_list_size"):
            assert np.int64 == getattr(plan, name).dtype, name
        for name in ("control_min_outbound", "control_max_active"):
            assert np.int64 == getattr(plan, name).dtype, name
        assert np.bool_ == plan.control_preempt.dtype
        for name in ("wage_per_hour", "outbound_attempt_s", "control_queue_on", "control_calm_s"):
            assert np.float64 == getattr(plan, name).dtype, name


class TestDefaults:
    """Fields left out take their documented defaults."""

    def test_plan_defaults(self) -> None:
        """Minimal blended and supervisor groups: unlimited list, no wage, no SL trigger."""
        plan = _plan(_minimal(_raw()))
        assert 0.0 == plan.wage_per_hour[BUFFER]
        assert 0.0 == plan.outbound_wrap_s[BUFFER]
        assert -1 == plan.outbound_list_size[BUFFER]
        assert DistCode.NONE == plan.outbound_talk_code[BUFFER]
        assert math.isinf(plan.control_queue_on[BUFFER])
        assert 45.0 == plan.control_wait_on_s[BUFFER]
        assert (0.0, 0.0) == (plan.control_queue_off[BUFFER], plan.control_calm_s[BUFFER])
        assert not plan.control_preempt[BUFFER]
        assert 0 == plan.control_min_outbound[BUFFER]
        assert math.isinf(plan.control_wait_on_s[SUPERVISORS])
        assert (0.0, 0.0) == (plan.control_sl_below[SUPERVISORS], plan.control_sl_window_s[2])
        assert (0.0, 0.0) == (plan.control_queue_off[SUPERVISORS], plan.control_calm_s[2])
        assert 0.0 == plan.control_min_stay_s[SUPERVISORS]

    def test_max_active_defaults_to_the_group(self) -> None:
        """Without ``max_active`` every agent of the reserve group may log in."""
        raw = _raw()
        del _group(raw, "supervisors")["activate"]["max_active"]
        plan = _plan(raw)
        agents = int(np.sum(plan.agent_group == SUPERVISORS))
        assert 4 == agents
        assert agents == plan.control_max_active[SUPERVISORS]

    def test_max_active_defaults_to_shift_staff(self) -> None:
        """A reserve staffed by shifts may activate all the agents of its shifts."""
        raw = _raw()
        raw["shifts"] = {
            "a": {"start": "08:00", "length_h": 2},
            "b": {"start": "09:00", "length_h": 1},
        }
        supervisors = _group(raw, "supervisors")
        del supervisors["headcount"], supervisors["activate"]["max_active"]
        supervisors["shifts"] = {"a": 2, "b": 3}
        assert 5 == _plan(raw).control_max_active[SUPERVISORS]

    def test_schema_defaults(self) -> None:
        """The models' defaults, as documented."""
        scenario = scenario_from_dict(_minimal(_raw()))
        buffer, supervisors = scenario.groups["buffer"], scenario.groups["supervisors"]
        assert buffer.switch is not None
        assert buffer.outbound is not None
        to_outbound = buffer.switch.to_outbound
        assert (0, 0.0) == (to_outbound.queue_at_most, to_outbound.for_s)
        assert buffer.outbound.list_size is None
        assert buffer.outbound.talk is None
        assert supervisors.activate is not None
        assert supervisors.activate.max_active is None
        assert supervisors.deactivate is None
        assert "agent" == scenario.groups["agents"].role


class Case(NamedTuple):
    """A bad scenario: how to spoil the base, and what the error must name."""

    id: str
    spoil: Callable[[Raw], Any]
    path: str
    got: str


def _switch(raw: Raw) -> Raw:
    switch: Raw = _group(raw, "buffer")["switch"]
    return switch


def _activate(raw: Raw) -> Raw:
    activate: Raw = _group(raw, "supervisors")["activate"]
    return activate


def _outbound(raw: Raw) -> Raw:
    outbound: Raw = _group(raw, "buffer")["outbound"]
    return outbound


CASES = [
    Case(
        "unknown_role",
        lambda r: _group(r, "agents").update(role="boss"),
        "groups.agents.role",
        "(got 'boss')",
    ),
    Case(
        "negative_wage",
        lambda r: _group(r, "agents").update(wage_per_hour=-1),
        "groups.agents.wage_per_hour",
        "must be >= 0 (got -1)",
    ),
    Case(
        "outbound_on_agents",
        lambda r: _group(r, "agents").update(outbound=_outbound(r)),
        "groups.agents.outbound",
        "only for role blended (got role 'agent')",
    ),
    Case(
        "switch_on_supervisors",
        lambda r: _group(r, "supervisors").update(switch=_switch(r)),
        "groups.supervisors.switch",
        "only for role blended (got role 'supervisor')",
    ),
    Case(
        "activate_on_buffer",
        lambda r: _group(r, "buffer").update(activate=_activate(r)),
        "groups.buffer.activate",
        "only for roles supervisor and reserve (got role 'blended')",
    ),
    Case(
        "deactivate_on_agents",
        lambda r: _group(r, "agents").update(deactivate={}),
        "groups.agents.deactivate",
        "only for roles supervisor and reserve (got role 'agent')",
    ),
    Case(
        "blended_without_outbound",
        lambda r: _group(r, "buffer").pop("outbound"),
        "groups.buffer.outbound",
        "is required for role blended (got none)",
    ),
    Case(
        "blended_without_switch",
        lambda r: _group(r, "buffer").pop("switch"),
        "groups.buffer.switch",
        "is required for role blended (got none)",
    ),
    Case(
        "supervisor_without_activate",
        lambda r: _group(r, "supervisors").pop("activate"),
        "groups.supervisors.activate",
        "is required for role supervisor (got none)",
    ),
    Case(
        "blended_without_skills",
        lambda r: _group(r, "buffer").pop("skills"),
        "groups.buffer.skills",
        "is required for role blended",
    ),
    Case(
        "attempt_zero",
        lambda r: _outbound(r).update(attempt_s=0),
        "groups.buffer.outbound.attempt_s",
        "must be > 0 (got 0)",
    ),
    Case(
        "contact_probability_above_one",
        lambda r: _outbound(r).update(contact_probability=1.5),
        "groups.buffer.outbound.contact_probability",
        "must be <= 1 (got 1.5)",
    ),
    Case(
        "talk_missing",
        lambda r: _outbound(r).pop("talk"),
        "groups.buffer.outbound.talk",
        "(got none with contact_probability 0.35)",
    ),
    Case(
        "talk_cv_missing",
        lambda r: _outbound(r)["talk"].pop("cv"),
        "groups.buffer.outbound.talk.cv",
        "is required for dist 'lognormal'",
    ),
    Case(
        "talk_mean_list",
        lambda r: _outbound(r)["talk"].update(mean_s=[180, 200]),
        "groups.buffer.outbound.talk.mean_s",
        "(got [180, 200])",
    ),
    Case(
        "wrap_negative",
        lambda r: _outbound(r).update(wrap_s=-5),
        "groups.buffer.outbound.wrap_s",
        "must be >= 0 (got -5)",
    ),
    Case(
        "list_size_zero",
        lambda r: _outbound(r).update(list_size=0),
        "groups.buffer.outbound.list_size",
        "must be >= 1 (got 0)",
    ),
    Case(
        "to_inbound_empty",
        lambda r: _switch(r).update(to_inbound={}),
        "groups.buffer.switch.to_inbound",
        "at least one of queue_at_least, or_oldest_wait_s",
    ),
    Case(
        "to_inbound_queue_zero",
        lambda r: _switch(r)["to_inbound"].update(queue_at_least=0),
        "groups.buffer.switch.to_inbound.queue_at_least",
        "must be >= 1 (got 0)",
    ),
    Case(
        "to_inbound_wait_zero",
        lambda r: _switch(r)["to_inbound"].update(or_oldest_wait_s=0),
        "groups.buffer.switch.to_inbound.or_oldest_wait_s",
        "must be > 0 (got 0)",
    ),
    Case(
        "switch_back_at_trigger",
        lambda r: _switch(r)["to_outbound"].update(queue_at_most=8),
        "groups.buffer.switch.to_outbound.queue_at_most",
        "must be below switch.to_inbound.queue_at_least (8)",
    ),
    Case(
        "calm_negative",
        lambda r: _switch(r)["to_outbound"].update(for_s=-1),
        "groups.buffer.switch.to_outbound.for_s",
        "must be >= 0 (got -1)",
    ),
    Case(
        "min_outbound_above_group",
        lambda r: _switch(r).update(min_outbound=4),
        "groups.buffer.switch.min_outbound",
        "at most the group's 3 agents (got 4)",
    ),
    Case(
        "preempt_not_bool",
        lambda r: _switch(r).update(preempt="yes"),
        "groups.buffer.switch.preempt",
        "(got 'yes')",
    ),
    Case(
        "activate_no_trigger",
        lambda r: _group(r, "supervisors").update(activate={"max_active": 2}),
        "groups.supervisors.activate",
        "give at least one of queue_at_least",
    ),
    Case(
        "sl_without_window",
        lambda r: _activate(r).pop("window_minutes"),
        "groups.supervisors.activate.window_minutes",
        "(got none with or_service_level_below 0.6)",
    ),
    Case(
        "window_without_sl",
        lambda r: _activate(r).pop("or_service_level_below"),
        "groups.supervisors.activate.window_minutes",
        "only used with or_service_level_below (got 15)",
    ),
    Case(
        "sl_zero",
        lambda r: _activate(r).update(or_service_level_below=0),
        "groups.supervisors.activate.or_service_level_below",
        "must be > 0 (got 0)",
    ),
    Case(
        "sl_above_one",
        lambda r: _activate(r).update(or_service_level_below=1.2),
        "groups.supervisors.activate.or_service_level_below",
        "must be <= 1 (got 1.2)",
    ),
    Case(
        "window_zero",
        lambda r: _activate(r).update(window_minutes=0),
        "groups.supervisors.activate.window_minutes",
        "must be > 0 (got 0)",
    ),
    Case(
        "max_active_zero",
        lambda r: _activate(r).update(max_active=0),
        "groups.supervisors.activate.max_active",
        "must be >= 1 (got 0)",
    ),
    Case(
        "min_stay_negative",
        lambda r: _activate(r).update(min_stay_minutes=-1),
        "groups.supervisors.activate.min_stay_minutes",
        "must be >= 0 (got -1)",
    ),
    Case(
        "deactivate_above_trigger",
        lambda r: _group(r, "supervisors")["deactivate"].update(queue_at_most=15),
        "groups.supervisors.deactivate.queue_at_most",
        "must be below activate.queue_at_least (15), or the group would stand down as soon "
        "as it is called (got 15)",
    ),
    Case(
        "deactivate_unknown_key",
        lambda r: _group(r, "supervisors")["deactivate"].update(queue_at_mots=1),
        "groups.supervisors.deactivate.queue_at_mots",
        "did you mean 'queue_at_most'?",
    ),
]


class TestErrors:
    """Each bad control field gives one line naming the field path and the bad value."""

    @pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
    def test_error_names_path_and_value(self, case: Case) -> None:
        """The error's path is the field at fault and the message holds the bad value."""
        raw = _raw()
        case.spoil(raw)
        with pytest.raises(ScenarioError) as caught:
            scenario_from_dict(raw)
        error = caught.value
        assert "\n" not in str(error)
        assert case.path == error.path
        assert case.got in error.message

    def test_base_is_valid(self) -> None:
        """The unspoilt base loads (so every case fails for its own reason)."""
        assert 3 == len(scenario_from_dict(_raw()).groups)

    def test_error_line_names_the_file(self, tmp_path: Path) -> None:
        """From a YAML file, the line is ``FILE: PATH: message (got VALUE)``."""
        raw = _raw()
        _switch(raw)["to_outbound"]["queue_at_most"] = 9
        path = tmp_path / "bad.yaml"
        path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
        with pytest.raises(ScenarioError) as caught:
            load_scenario(path)
        expected = (
            f"{path}: groups.buffer.switch.to_outbound.queue_at_most: must be below "
            "switch.to_inbound.queue_at_least (8), or the group would stand down as soon as it "
            "is called (got 9)"
        )
        assert expected == str(caught.value)

    def test_deactivate_below_wait_only_trigger(self) -> None:
        """Without a queue trigger any calm queue is allowed."""
        raw = _raw()
        del _activate(raw)["queue_at_least"]
        _group(raw, "supervisors")["deactivate"]["queue_at_most"] = 50
        assert 50.0 == _plan(raw).control_queue_off[SUPERVISORS]


class TestExample:
    """The shipped blended centre builds a plan with one group of each kind."""

    def test_blended_centre(self) -> None:
        """Inbound, blended and supervisor groups with wages and controls."""
        plan = build_plan(load_scenario(SCENARIOS / "blended_centre.yaml"))
        kinds = sorted(int(kind) for kind in plan.group_kind)
        assert [GroupKind.INBOUND, GroupKind.BLENDED, GroupKind.RESERVE] == kinds
        assert np.all(plan.wage_per_hour > 0)
        blended = int(np.flatnonzero(plan.group_kind == GroupKind.BLENDED)[0])
        assert -1 == plan.outbound_list_size[blended] or plan.outbound_list_size[blended] > 0

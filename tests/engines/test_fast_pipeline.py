"""The kernel's compiler pipeline computes what numba's own passes compute.

``sim.engines.fast.pipeline`` replaces numba's liveness, dead-statement removal and scope fix-up
with faster versions while the kernel compiles. They must give the same results, or the compiled
kernel would differ: checked on the IR of real functions (the kernel's among them) and on random
control-flow graphs.
"""

from __future__ import annotations

import copy

import numba
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba.core import analysis, ir_utils, untyped_passes
from numba.core.compiler import run_frontend
from numba.core.controlflow import CFGraph

from sim.engines.fast import events, kernel, pipeline
from sim.engines.sampling import next_arrival_delay


def with_dead_code(x, values):
    """A function with statements dead code elimination removes."""
    doubled = x * 2
    pair = (x, doubled)  # noqa: F841 (dead on purpose)
    values[0] = x
    total = 0.0
    for v in values:
        unused = v * v  # noqa: F841 (dead on purpose)
        total += v
    return total


FUNCTIONS = [
    with_dead_code,
    kernel.simulate_replication,
    events.heap_pop.py_func,
    events.add_span.py_func,
    events.instants_due.py_func,
    next_arrival_delay,
]


def ir_of(function):
    """Return numba's untyped IR of ``function``."""
    return run_frontend(function)


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__name__)
def test_live_map_is_numbas_on_real_functions(function):
    func_ir = ir_of(function)
    cfg = analysis.compute_cfg_from_blocks(func_ir.blocks)
    usedefs = analysis.compute_use_defs(func_ir.blocks)
    expected = analysis.compute_live_map(cfg, func_ir.blocks, usedefs.usemap, usedefs.defmap)
    got = pipeline.live_map(cfg, func_ir.blocks, usedefs.usemap, usedefs.defmap)
    assert got == expected
    assert any(got.values())  # the comparison saw live variables


@st.composite
def flow_graphs(draw):
    """A random control-flow graph (entry 0, loops allowed) with random uses and definitions."""
    n = draw(st.integers(1, 12))
    names = [f"v{i}" for i in range(8)]
    edges = draw(st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=30))
    uses = {b: set(draw(st.lists(st.sampled_from(names), max_size=4))) for b in range(n)}
    defs = {b: set(draw(st.lists(st.sampled_from(names), max_size=4))) for b in range(n)}
    cfg = CFGraph()
    for b in range(n):
        cfg.add_node(b)
    for source, to in edges:
        cfg.add_edge(source, to)
    cfg.set_entry_point(0)
    cfg.process()
    return cfg, dict.fromkeys(range(n)), uses, defs


@settings(max_examples=300, deadline=None)
@given(flow_graphs())
def test_live_map_is_numbas_on_random_graphs(graph):
    cfg, blocks, uses, defs = graph
    expected = analysis.compute_live_map(cfg, blocks, uses, defs)
    assert pipeline.live_map(cfg, blocks, uses, defs) == expected


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__name__)
def test_dead_code_elimination_removes_what_numbas_does(function, monkeypatch):
    numbas, ours = ir_of(function), ir_of(function)
    assert numbas.dump_to_string() == ours.dump_to_string()
    statements = sum(len(b.body) for b in numbas.blocks.values())
    ir_utils.dead_code_elimination(numbas)
    monkeypatch.setattr(ir_utils, "remove_dead_block", pipeline.remove_dead_block)
    monkeypatch.setattr(ir_utils, "compute_live_map", pipeline.live_map)
    ir_utils.dead_code_elimination(ours)
    assert ours.dump_to_string() == numbas.dump_to_string()
    if function is with_dead_code:  # the comparison saw statements removed
        assert sum(len(b.body) for b in numbas.blocks.values()) < statements


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__name__)
def test_scope_fix_up_defines_what_numbas_does(function):
    numbas, ours = ir_of(function), ir_of(function)
    for func_ir in (numbas, ours):  # blocks with scopes of their own, as inlining leaves them
        for label, block in list(func_ir.blocks.items())[1::2]:
            block.scope = copy.copy(block.scope)
            block.scope.localvars = copy.copy(block.scope.localvars)
            block.scope.localvars._con = {}
            func_ir.blocks[label] = block
    untyped_passes.fixup_var_define_in_scope(numbas.blocks)
    pipeline.define_used_variables(ours.blocks)

    def defined(func_ir):
        return [list(b.scope.localvars._con) for b in func_ir.blocks.values()]

    assert defined(ours) == defined(numbas)
    assert all(defined(ours))


def test_every_replacement_is_used_with_the_numba_it_was_written_for():
    # Each replacement takes numba's parameters, or numba's own is kept (another numba version).
    if not numba.__version__.startswith("0.68."):
        pytest.skip(f"the replacements were written for numba 0.68, not {numba.__version__}")
    assert [name for _, name, _ in pipeline._USABLE] == [
        name for _, name, _ in pipeline._REPLACEMENTS
    ]

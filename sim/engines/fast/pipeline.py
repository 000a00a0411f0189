"""The kernel's compiler pipeline: numba's, pruned before inlining, with faster analyses.

Compiling the kernel is most of a new user's first run. Two changes to numba's pipeline make it
shorter, and neither changes the code compiled:

* switched-off features are pruned from the kernel and from each closure before closures are
  inlined (:class:`_InlinePrunedClosures`), so a feature a plan does not use costs nothing;
* three of numba's analyses, whose cost grows with the number of blocks times the number of
  variables, are replaced while the kernel compiles by equivalents that compute the same
  result: the live variables of each block on bit sets (:func:`live_map`), dead-statement
  removal building the set of live and aliased variables only where needed
  (:func:`remove_dead_block`), and the scope fix-up after inlining once per scope
  (:func:`define_used_variables`). On the inlined kernel (thousands of blocks, thousands of
  variables) they took about a fifth of the compile. ``tests/engines/test_fast_pipeline.py``
  compares each with numba's, and the kernel's LLVM IR came out byte for byte the same.
"""

from __future__ import annotations

import inspect
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from numba.core import analysis, inline_closurecall, ir, ir_utils, untyped_passes
from numba.core import types as numba_types
from numba.core.analysis import dead_branch_prune
from numba.core.compiler import CompilerBase, DefaultPassBuilder
from numba.core.compiler_machinery import register_pass
from numba.core.untyped_passes import DeadBranchPrune, InlineClosureLikes, IRProcessing


class _BitSets:
    """Sets of variable names as Python integers, one bit per name (numbered as first seen)."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.names: list[str] = []

    def bits(self, names: Iterable[str]) -> int:
        """Return the bit set of ``names``."""
        bits = 0
        for name in names:
            i = self.index.get(name)
            if i is None:
                i = self.index[name] = len(self.names)
                self.names.append(name)
            bits |= 1 << i
        return bits

    def names_of(self, bits: int) -> set[str]:
        """Return the names in the bit set ``bits``."""
        digits = bin(bits)[:1:-1]  # the lowest bit first
        out = set()
        i = digits.find("1")
        while i >= 0:
            out.add(self.names[i])
            i = digits.find("1", i + 1)
        return out


def live_map(cfg: Any, blocks: dict, var_use_map: dict, var_def_map: dict) -> dict[Any, set]:
    """Return the variables live at the entry of each block: numba's ``compute_live_map``.

    The same fix-point iterations as numba's (definitions reaching each block forwards in
    topological order, then uses backwards, each until nothing changes), on bit sets. The sets
    only grow, so "nothing changed" is numba's "no set changed size", and both reach the same
    least fixed point.
    """
    sets = _BitSets()
    use = {label: sets.bits(names) for label, names in var_use_map.items()}
    defined = {label: sets.bits(names) for label, names in var_def_map.items()}
    order = cfg.topo_order()
    successors = {label: [to for to, _ in cfg.successors(label)] for label in order}
    predecessors = {label: [source for source, _ in cfg.predecessors(label)] for label in order}

    reach: defaultdict[Any, int] = defaultdict(int)
    changed = True
    while changed:
        changed = False
        for label in order:
            here = reach[label] | defined[label] | use[label]
            changed |= here != reach[label]
            reach[label] = here
            for to in successors[label]:
                grown = reach[to] | here
                changed |= grown != reach[to]
                reach[to] = grown

    live = {label: use[label] for label in blocks}
    changed = True
    while changed:
        changed = False
        for label in reversed(order):
            here = live[label]
            for source in predecessors[label]:
                grown = live[source] | (here & reach[source] & ~defined[source])
                changed |= grown != live[source]
                live[source] = grown
    return {label: sets.names_of(bits) for label, bits in live.items()}


def remove_dead_block(
    block: Any,
    lives: set,
    call_table: dict,
    arg_aliases: set,
    alias_map: dict,
    alias_set: set,
    func_ir: Any,
    typemap: Any,
) -> bool:
    """Remove the dead statements of ``block``: numba's ``ir_utils.remove_dead_block``.

    numba's builds, before every statement, the set of the variables live after it with their
    aliases, copying the whole live set each time; it is needed only for the few statements
    that might be dead. This builds it for those alone, and otherwise does what numba's does, in
    the same order: the same statements are removed.
    """
    removed = False

    def live_or_aliased() -> set:
        aliased = set()
        for name in lives & alias_set:
            aliased |= alias_map[name]
        return lives | aliased | arg_aliases

    new_body = [block.terminator]
    for statement in reversed(block.body[:-1]):
        stmt = statement
        extension = ir_utils.remove_dead_extensions.get(type(stmt))
        if extension is not None:
            stmt = extension(
                stmt, lives, live_or_aliased(), arg_aliases, alias_map, func_ir, typemap
            )
            if stmt is None:
                removed = True
                continue
        if isinstance(stmt, ir.Assign):
            lhs, rhs = stmt.target, stmt.value
            if lhs.name not in lives and ir_utils.has_no_side_effect(
                rhs, live_or_aliased(), call_table
            ):
                removed = True
                continue
            if isinstance(rhs, ir.Var) and lhs.name == rhs.name:
                removed = True
                continue
        if isinstance(stmt, ir.Del) and stmt.value not in lives:
            removed = True
            continue
        if isinstance(stmt, ir.SetItem) and stmt.target.name not in live_or_aliased():
            continue
        usedefs = analysis.ir_extension_usedefs.get(type(stmt))
        if usedefs is not None:
            uses, defs = usedefs(stmt)
            lives -= defs
            lives |= uses
        else:
            lives |= {v.name for v in stmt.list_vars()}
            # an assignment's target is dead above it, unless it reads it too (a = f(a))
            if isinstance(stmt, ir.Assign) and (
                not isinstance(stmt.value, ir.Expr)
                or lhs.name not in {v.name for v in stmt.value.list_vars()}
            ):
                lives.remove(lhs.name)
        new_body.append(stmt)
    new_body.reverse()
    block.body = new_body
    return removed


def define_used_variables(blocks: dict) -> None:
    """Define every variable the blocks use in each of their scopes (numba's scope fix-up).

    numba's ``ir_utils.fixup_var_define_in_scope`` walks every used variable once per block,
    though the blocks share one or a few scopes: thousands of blocks times thousands of
    variables in the inlined kernel. This walks them once per distinct scope, in the same
    order, and defines the same variables.
    """
    used = {}
    for block in blocks.values():
        for stmt in block.body:
            for var in stmt.list_vars():
                used[var] = stmt
    scopes = {id(block.scope): block.scope for block in blocks.values()}
    for scope in scopes.values():
        for var in used:
            if var.name not in scope.localvars:
                scope.localvars.define(var.name, var)


# numba's functions replaced while the kernel compiles: (module, name, replacement). Each is
# checked to take the same parameters as numba's, or numba's own is kept (another numba version).
_REPLACEMENTS = (
    (analysis, "compute_live_map", live_map),
    (ir_utils, "compute_live_map", live_map),  # imported by name there
    (ir_utils, "remove_dead_block", remove_dead_block),
    (untyped_passes, "fixup_var_define_in_scope", define_used_variables),
)


def _same_parameters(original: Any, replacement: Any) -> bool:
    return list(inspect.signature(original).parameters) == list(
        inspect.signature(replacement).parameters
    )


_USABLE = [
    (module, name, replacement)
    for module, name, replacement in _REPLACEMENTS
    if _same_parameters(getattr(module, name), replacement)
]


@contextmanager
def _faster_passes() -> Iterator[None]:
    """Use the faster equivalents of numba's analyses while the block runs (under numba's lock)."""
    originals = [(module, name, getattr(module, name)) for module, name, _ in _USABLE]
    for module, name, replacement in _USABLE:
        setattr(module, name, replacement)
    try:
        yield
    finally:
        for module, name, original in originals:
            setattr(module, name, original)


class _AnyArguments:
    """Argument types for pruning a closure before inlining: none of them is known yet."""

    def __getitem__(self, index: int) -> Any:
        return numba_types.unknown


@register_pass(mutates_CFG=True, analysis_only=False)
class _InlinePrunedClosures(InlineClosureLikes):
    """numba's closure inlining, with each closure's switched-off branches pruned first.

    numba builds the IR of a closure when it inlines a call to it, and goes on inlining the calls
    that IR makes, pruning the branches of switches that are off only once everything is
    inlined: the handlers a feature adds inside other handlers (say ``tally_email`` in
    ``answer``) were inlined, then dropped. Pruning each closure's IR as it is built keeps them
    out, so a feature left out costs the compilation nothing.
    """

    _name = "inline_pruned_closures"

    def run_pass(self, state: Any) -> bool:
        build_ir = inline_closurecall.get_ir_of_code

        def pruned_ir(glbls: Any, fcode: Any) -> Any:
            closure_ir = build_ir(glbls, fcode)
            dead_branch_prune(closure_ir, _AnyArguments())
            return closure_ir

        # numba compiles under its global lock: nothing else inlines while this is in place.
        inline_closurecall.get_ir_of_code = pruned_ir
        try:
            return bool(super().run_pass(state))
        finally:
            inline_closurecall.get_ir_of_code = build_ir


class PruneBeforeInlining(CompilerBase):
    """numba's pipeline, pruning switched-off features before closures are inlined.

    Inlining the handlers is the largest part of the compile time; a handler called only under a
    switch that is off (say ``run_controls``) is then never inlined at all, in the kernel's own
    code or in a handler's (:class:`_InlinePrunedClosures`). Liveness is computed on bit sets
    throughout, in the functions compiled on the way too (:func:`live_map`).
    """

    def define_pipelines(self) -> list[Any]:
        """Return numba's nopython pipeline with the pruning passes in place."""
        manager = DefaultPassBuilder.define_nopython_pipeline(self.state)
        manager.add_pass_after(DeadBranchPrune, IRProcessing)
        manager.passes = [
            (_InlinePrunedClosures if pass_class is InlineClosureLikes else pass_class, text)
            for pass_class, text in manager.passes
        ]
        manager.finalize()
        return [manager]

    def _compile_core(self) -> Any:
        with _faster_passes():
            return super()._compile_core()

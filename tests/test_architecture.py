"""Import rules (docs/design.md): scenario -> plan -> engine -> records -> KPIs -> report."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from helpers import REPO

SIM = REPO / "sim"

# (module prefix, prefixes it must not import). The most specific prefix of a module applies.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "sim.errors": ("sim.",),
    "sim.units": ("sim.",),
    "sim.rng": ("sim.",),
    "sim.files": ("sim.",),
    "sim.analytic": (
        "sim.scenario",
        "sim.engines",
        "sim.results",
        "sim.report",
        "sim.cli",
        "sim.simulation",
        "pandas",
    ),
    "sim.scenario": (
        "sim.engines",
        "sim.results",
        "sim.report",
        "sim.experiments",
        "sim.cli",
        "sim.simulation",
        "sim.analytic",
    ),
    "sim.engines": ("sim.results", "sim.report", "sim.experiments", "sim.cli", "sim.simulation"),
    "sim.engines.base": (
        "sim.engines.simpy",
        "sim.engines.fast",
        "sim.results",
        "sim.report",
        "sim.cli",
    ),
    "sim.engines.sampling": (
        "sim.engines.simpy",
        "sim.engines.fast",
        "sim.results",
        "sim.report",
        "sim.cli",
    ),
    "sim.engines.simpy": (
        "sim.engines.fast",
        "sim.results",
        "sim.report",
        "sim.cli",
        "sim.simulation",
        "numba",
    ),
    "sim.engines.fast": (
        "sim.engines.simpy",
        "sim.results",
        "sim.report",
        "sim.cli",
        "sim.simulation",
        "pandas",
        "simpy",
    ),
    "sim.results": (
        "sim.engines.simpy",
        "sim.engines.fast",
        "sim.report",
        "sim.cli",
        "sim.simulation",
        "sim.experiments",
    ),
    "sim.report": (
        "sim.engines",
        "sim.experiments",
        "sim.cli",
        "sim.simulation",
        "matplotlib.pyplot",
    ),
    "sim.simulation": ("sim.report", "sim.cli"),
    "sim.experiments": ("sim.report", "sim.cli"),
    "sim.planning": ("sim.report", "sim.cli"),
    "sim.calibration": ("sim.report", "sim.cli"),
    # Forecasts read histories with the calibration's readers and write scenario inputs.
    "sim.forecast": ("sim.engines", "sim.simulation", "sim.report", "sim.cli", "sim.experiments"),
    # The command line wires the layers; it reaches an engine only through sim.simulation.
    "sim.cli": ("sim.engines.simpy", "sim.engines.fast", "numba", "simpy"),
}


def module_name(path: Path) -> str:
    """Return the dotted module name of a file under sim/."""
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Return every module a file imports (absolute names; relative imports resolved)."""
    package = (
        module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    )
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def rules_for(module: str) -> tuple[str, ...]:
    """Return the forbidden prefixes of the most specific rule matching ``module``."""
    matches = [
        prefix for prefix in FORBIDDEN if module == prefix or module.startswith(prefix + ".")
    ]
    return FORBIDDEN[max(matches, key=len)] if matches else ()


def violations(module: str, imports: set[str]) -> list[str]:
    """Return the imports of ``module`` that its layer forbids."""
    forbidden = rules_for(module)

    def is_under(name: str, prefix: str) -> bool:
        return (
            name.startswith(prefix)
            if prefix.endswith(".")
            else name == prefix or name.startswith(prefix + ".")
        )

    return sorted(
        n for n in imports if not n.startswith(module) and any(is_under(n, p) for p in forbidden)
    )


SOURCES = sorted(SIM.rglob("*.py"))


class TestImportRules:
    """Each layer imports only the layers below it."""

    @pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(REPO)))
    def test_module_respects_its_layer(self, path: Path) -> None:
        """A module imports nothing its layer forbids."""
        module = module_name(path)
        assert [] == violations(module, imported_modules(path)), module

    def test_only_the_entry_point_imports_the_cli(self) -> None:
        """Nothing but ``sim.__main__`` imports the command line."""
        importers = sorted(
            module_name(p)
            for p in SOURCES
            if "sim.cli" in imported_modules(p) and not module_name(p).startswith("sim.cli")
        )
        assert ["sim.__main__"] == importers

    def test_rules_cover_every_package(self) -> None:
        """Every subpackage of sim has a rule, so a new layer cannot slip through unchecked."""
        packages = {module_name(p) for p in SOURCES if p.name == "__init__.py" and p.parent != SIM}
        assert [] == sorted(p for p in packages if not rules_for(p))

    def test_a_violation_is_detected(self) -> None:
        """It flags the fast engine importing the SimPy engine; relative imports resolve."""
        expected = ["sim.engines.simpy.engine"]
        assert expected == violations(
            "sim.engines.fast.kernel", {"sim.engines.simpy.engine", "numpy"}
        )
        assert "sim.engines.base" in imported_modules(SIM / "engines" / "simpy" / "centre.py")

"""Layering rules of docs/architecture.md, checked on the source: imports run one way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "model" / "aseangrid"
FORMULATION_SIDE = {"build", "formulation", "solve", "results", "pyomo", "highspy"}
NO_FORMULATION = [
    "schema",
    "io",
    "scenario",
    "compare",
    "report",
    "tracing",
    "diagnose",
    "profiles",
    "errors",
    "expansion",
    "timeagg",
]


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            mod = (node.module or "").split(".")[0]
            if node.level and mod:
                names.add(mod)
            elif node.level and not mod:
                names |= {a.name for a in node.names}
            else:
                names.add(mod)
    return names


@pytest.mark.parametrize("module", NO_FORMULATION)
def test_data_and_reporting_layers_do_not_import_the_formulation(module):
    bad = imported(PKG / f"{module}.py") & FORMULATION_SIDE
    assert not bad, f"{module}.py imports {bad}"


def test_only_solve_knows_the_solver():
    for p in PKG.rglob("*.py"):
        if p.name != "solve.py":
            assert "highspy" not in imported(p), p


def test_registry_lists_every_formulation_function():
    from aseangrid.formulation import REGISTRY

    defined = set()
    for p in (PKG / "formulation").glob("*.py"):
        for node in ast.parse(p.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("add_"):
                defined.add(node.name)
    assert {f.__name__ for f in REGISTRY} == defined
    assert REGISTRY[-2].__name__ == "add_nodal_balance"  # sums what the others registered
    assert REGISTRY[-1].__name__ == "add_objective"

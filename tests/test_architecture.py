"""The house, checked on the source: floors, one-way imports, no circles, no private names
crossing modules, Pyomo and highspy only where they belong, modest room sizes
(docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "model" / "aseangrid"

#: The floor of every top-level unit of the package (a module or a sub-package). A unit may
#: import units of its own floor or below, never above.
FLOORS: dict[str, int] = {
    "errors": 0,
    "procs": 0,
    "progress": 0,
    "lp": 0,
    "data": 1,
    "formulation": 2,
    "scenario": 2,
    "solve": 3,
    "results": 3,
    "pipeline": 4,
    "engine": 4,
    "decompose": 4,
    "session": 4,
    "compare": 4,
    "examples": 4,
    "report": 5,
    "twostage": 5,
    "runner": 6,
    "jobs": 6,
    "pathway": 6,
    "ensemble": 6,
    "cli": 7,
    "__init__": 8,
}
#: Units that must not import Pyomo or highspy (they work on Datasets only).
NO_SOLVER = ("data", "scenario", "results", "compare", "report", "cli", "errors")
#: Modules allowed over the room-size limits, and why (kept short on purpose).
LARGE_ROOMS: dict[str, str] = {}
MAX_LINES = 500


def modules() -> list[Path]:
    return sorted(p for p in PKG.rglob("*.py"))


def module_name(p: Path) -> str:
    rel = p.relative_to(PKG).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["aseangrid", *parts])


def unit(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(p: Path) -> list[tuple[str, list[str], int]]:
    """Absolute module names imported by a file (relative imports resolved), with the names
    taken from them and the line."""
    me = module_name(p)
    pkg_parts = me.split(".") if p.name == "__init__.py" else me.split(".")[:-1]
    out = []
    for node in ast.walk(ast.parse(p.read_text())):
        if isinstance(node, ast.Import):
            for a in node.names:
                out.append((a.name, [], node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg_parts[: len(pkg_parts) - (node.level - 1)]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            out.append((mod, [a.name for a in node.names], node.lineno))
    return out


def internal_graph() -> dict[str, set[str]]:
    names = {module_name(p) for p in modules()}
    graph: dict[str, set[str]] = {}
    for p in modules():
        me = module_name(p)
        deps = set()
        for mod, taken, _ in imports(p):
            if not mod.startswith("aseangrid"):
                continue
            # "from . import schema" names a module
            for t in taken:
                if f"{mod}.{t}" in names:
                    deps.add(f"{mod}.{t}")
            if mod in names:
                deps.add(mod)
        graph[me] = deps - {me}
    return graph


def test_every_unit_has_a_floor():
    units = {unit(module_name(p)) for p in modules()}
    assert units <= set(FLOORS), units - set(FLOORS)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PKG)))
def test_imports_run_downhill(path):
    me = unit(module_name(path))
    for mod, _taken, line in imports(path):
        if not mod.startswith("aseangrid"):
            continue
        other = unit(mod)
        if other == "__init__" and mod == "aseangrid":
            pytest.fail(f"{path.name}:{line} imports the package itself")
        assert FLOORS[other] <= FLOORS[me], (
            f"{path}:{line}: {me} (floor {FLOORS[me]}) imports {mod} (floor {FLOORS[other]})"
        )


def test_no_import_circles():
    """No circle among the package's modules (function-level imports included)."""
    graph = internal_graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for d in graph.get(n, ()):
            # a package's __init__ importing its own modules is not a circle of rooms
            if d.startswith(n + "."):
                continue
            if state.get(d) == 1:
                cyc = [*stack[stack.index(d) :], d]
                if not all(x.startswith(n + ".") or n.startswith(x + ".") for x in cyc[1:-1]):
                    pytest.fail("import circle: " + " -> ".join(cyc))
            elif d not in state:
                visit(d)
        stack.pop()
        state[n] = 2

    for n in graph:
        if n not in state:
            visit(n)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PKG)))
def test_no_private_names_cross_modules(path):
    me = module_name(path)
    for mod, taken, line in imports(path):
        if not mod.startswith("aseangrid") or mod == me:
            continue
        private = [t for t in taken if t.startswith("_") and t != "__version__"]
        assert not private, f"{path}:{line} imports private {private} from {mod}"


def test_only_the_highs_backend_imports_highspy():
    for p in modules():
        mods = {m.split(".")[0] for m, _, _ in imports(p)}
        if "highspy" in mods:
            assert p.relative_to(PKG).as_posix() == "solve/highs.py", p


@pytest.mark.parametrize("u", NO_SOLVER)
def test_dataset_layers_import_no_solver(u):
    for p in modules():
        if unit(module_name(p)) != u:
            continue
        mods = {m.split(".")[0] for m, _, _ in imports(p)}
        assert not mods & {"pyomo", "highspy"}, f"{p} imports {mods & {'pyomo', 'highspy'}}"


def test_lp_kernel_knows_no_energy():
    """No identifier of the kernel names an energy concept (docstrings may give examples)."""
    words = ("generator", "generation", "demand", "emission", "balance", "storage", "link")
    for p in (PKG / "lp").glob("*.py"):
        idents = set()
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.Name):
                idents.add(node.id)
            elif isinstance(node, ast.Attribute):
                idents.add(node.attr)
            elif isinstance(node, ast.arg):
                idents.add(node.arg)
            elif isinstance(node, ast.FunctionDef | ast.ClassDef):
                idents.add(node.name)
        bad = {i for i in idents for w in words if w in i.lower()}
        assert not bad, (p.name, bad)


def test_rooms_are_modest():
    big = {}
    for p in modules():
        rel = p.relative_to(PKG).as_posix()
        n = len(p.read_text().splitlines())
        if n > MAX_LINES and rel not in LARGE_ROOMS:
            big[rel] = n
    assert not big, f"modules over {MAX_LINES} lines: {big}"


def test_functions_are_small():
    long = {}
    for p in modules():
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1
                if n > 80:
                    long[f"{p.relative_to(PKG).as_posix()}:{node.name}"] = n
    assert not long, f"functions over 80 lines: {long}"


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


@pytest.mark.parametrize(
    "script", sorted((ROOT / "benchmarks").glob("bench_*.py")), ids=lambda p: p.name
)
def test_benchmarks_start(script):
    """Every benchmark imports what it uses (a moved function once broke two of them)."""
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr[-1500:]

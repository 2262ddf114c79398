"""Peer benchmark: aseangrid against PyPSA on the same network, same HiGHS options.

Usage (one command, everything; about 20 minutes on 2 cores)::

    pip install -e ".[bench]"
    python benchmarks/bench_pypsa.py

Other uses::

    python benchmarks/bench_pypsa.py --hours 168 --nodes ltms       # one small case
    python benchmarks/bench_pypsa.py --options-study                 # HiGHS options, quarter
    python benchmarks/bench_pypsa.py --policies --hours 8760 --nodes all --side aseangrid \
        --side pypsa                                                 # with the policy rows

Every case (a horizon of the shipped dataset and a node set) is solved by both models, each in
its own subprocess so that peak memory is that model's alone. Both models are built from the
same input Dataset after :func:`pypsa_network.comparable` (annual policy rows and contracts
removed on both sides), both get exactly the same HiGHS options, and the objectives must agree
to 1e-6 relative or the run fails. With ``--policies`` the annual policy rows stay on both
sides (``comparable(ds, policies=True)``): aseangrid builds them as always, PyPSA gets them as
extra linopy variables and constraints after ``create_model`` (:func:`pypsa_network.add_policies`,
timed as part of its build); records go to ``results/pypsa_policies.jsonl``. The aseangrid side
is always the exact monolithic LP (``build_lp`` -> ``prepare`` -> ``HighsLP``, what
``ag.solve(method="monolithic")`` solves), never the decomposed default. Stages timed, for
both: load (CSV -> Dataset), build, hand-over to HiGHS, solve (HiGHS's own run time),
extraction and writing the results to disk.
Results go to ``benchmarks/results/pypsa.jsonl`` (one JSON line per model and case), the table
to standard output (``--update-readme`` also writes it and the plot into
``benchmarks/README.md``). Timings depend on the machine and its load: compare the two models
only within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
README = HERE / "README.md"
PLOT = HERE / "pypsa_scaling.png"
TABLE_START, TABLE_END = "<!-- bench-pypsa-table:start -->", "<!-- bench-pypsa-table:end -->"
#: Markers of the table of the runs with the annual policy rows (``--policies``).
POLICY_TABLE_START = "<!-- bench-pypsa-policies-table:start -->"
POLICY_TABLE_END = "<!-- bench-pypsa-policies-table:end -->"

#: Horizons of the scaling curve: a week, a quarter, a year [hours].
HORIZONS = {"week": 168, "quarter": 2190, "year": 8760}
#: Relative objective difference above which the comparison is refused.
OBJ_RTOL = 1e-6


def _rss_gb() -> float:
    """Resident memory high-water mark of this process [GB] (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def _setup_paths() -> None:
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(ROOT / "model"))


def _highs_options(extra: dict | None = None, method: str = "simplex") -> dict:
    """The HiGHS options both models get: aseangrid's defaults with one thread."""
    from aseangrid.solve import SolverOptions

    so = SolverOptions(method=method, threads=1, extra=extra or {})
    return so.highs_options()


def _load(year: int, hours: int, nodes: str, policies: bool = False) -> Any:
    from pypsa_network import LTMS_NODES, comparable, subset_nodes

    import aseangrid as ag

    ds = ag.load_inputs(ROOT / "inputs" / "asean", year=year)
    ds = comparable(ds, policies=policies)
    if hours < ds.sizes["time"]:
        ds = ds.isel(time=slice(0, hours))
    if nodes == "ltms":
        ds = subset_nodes(ds, LTMS_NODES)
    return ds


def run_aseangrid(
    year: int,
    hours: int,
    nodes: str,
    highs: dict,
    out: Path,
    pyomo: bool = False,
    policies: bool = False,
    start: str = "cold",
) -> dict:
    """One aseangrid run, stage by stage, as :func:`aseangrid.solve` does it with
    ``method="monolithic"`` (the exact LP: the matrix assembled from the formulation's arrays
    and handed to HiGHS whole, no Pyomo objects, no decomposition; ``pyomo=True``: the Pyomo
    model built and compiled; ``policies``: the annual policy rows kept; ``start``:
    ``"decomposed"`` starts HiGHS from the stitched solution of one decomposition pass, as the
    exact path ``--exact`` does, the pass's time counted in the solver's); returns sizes,
    times [s], memory [GB], objective."""
    t0 = time.perf_counter()
    from aseangrid.engine import check_solution, prepare
    from aseangrid.formulation import build_lp
    from aseangrid.results import extract
    from aseangrid.results.store import write_results
    from aseangrid.solve import SolverOptions
    from aseangrid.solve.highs import HighsLP

    rss_import = _rss_gb()
    t_import = time.perf_counter() - t0
    t = time.perf_counter()
    ds = _load(year, hours, nodes, policies)
    t_load = time.perf_counter() - t
    t = time.perf_counter()
    lp = build_lp(ds)
    t_build = time.perf_counter() - t
    so = SolverOptions(extra=highs)  # the exact option set, as given
    t = time.perf_counter()
    sf = prepare(lp)
    if pyomo:  # the complete Pyomo model, compiled by Pyomo (the pyomo:<solver> path's cost)
        from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

        from aseangrid.lp.pyomo_view import materialise

        m, cols, rows = materialise(lp)
        LinearStandardFormCompiler().write(
            m, mixed_form=True, set_sense=None, column_order=cols, row_order=rows
        )
    t_compile = time.perf_counter() - t
    backend = HighsLP(sf, so)
    t_start = 0.0
    if start == "decomposed":
        from aseangrid.decompose import start_point

        x0, t_start = start_point(ds, lp.options, so, None, "decomposed")
        backend.set_start(x0)
    sol = backend.solve()
    h = backend.h
    t = time.perf_counter()
    res = extract(lp, sf, sol, ds)
    t_extract = time.perf_counter() - t
    t = time.perf_counter()
    check_solution(lp, sf, ds, res, sol.x)
    t_verify = time.perf_counter() - t
    t = time.perf_counter()
    write_results(res, out / "aseangrid", overwrite=True)
    t_write = time.perf_counter() - t
    return {
        "method": "monolithic" if start == "cold" else "monolithic from the stitched start",
        "start_s": t_start,
        "rows": int(h.getNumRow()),
        "cols": int(h.getNumCol()),
        "nnz": int(h.getNumNz()),
        "import_s": t_import,
        "load_s": t_load,
        "build_s": t_build,
        "compile_s": t_compile,
        "handover_s": t_compile + sol.timings["handover_s"],
        "solve_wall_s": sol.timings["solve_s"] + t_start,
        "solver_s": float(h.getRunTime()) + t_start,
        "extract_s": t_extract + sol.timings.get("retrieve_s", 0.0),
        "verify_s": t_verify,
        "write_s": t_write,
        "rss_import_gb": rss_import,
        "objective": sol.objective,
        "simplex_iterations": sol.info["simplex_iterations"],
        "ipm_iterations": sol.info["ipm_iterations"],
        "dual_status": sol.info["dual_solution_status"],
    }


def run_aseangrid_pyomo(
    year: int, hours: int, nodes: str, highs: dict, out: Path, policies: bool = False
) -> dict:
    """aseangrid with its Pyomo model of record built and compiled by Pyomo's standard-form
    compiler (:func:`aseangrid.lp.pyomo_view.materialise`, the ``pyomo:<solver>`` path): the
    path every solve took before the direct assembly; the LP is the same (tested)."""
    return run_aseangrid(year, hours, nodes, highs, out, pyomo=True, policies=policies)


def run_pypsa(
    year: int, hours: int, nodes: str, highs: dict, out: Path, policies: bool = False
) -> dict:
    """One PyPSA run, stage by stage (same Dataset, same HiGHS options; ``policies``: the
    annual policy rows added to the linopy model by :func:`pypsa_network.add_policies`)."""
    t0 = time.perf_counter()
    import logging

    import linopy
    import pypsa
    from pypsa_network import add_policies, to_pypsa

    logging.getLogger("pypsa").setLevel(logging.ERROR)
    logging.getLogger("linopy").setLevel(logging.ERROR)
    pypsa.options.api.legacy_string_dtype = True
    rss_import = _rss_gb()
    t_import = time.perf_counter() - t0

    # instrument linopy's HiGHS hand-over, run and solution assignment (timing only)
    timed: dict[str, float] = {}
    box: dict[str, Any] = {}

    def wrap(cls: type, name: str, key: str) -> None:
        orig = getattr(cls, name)

        def inner(self, *a, **k):
            t = time.perf_counter()
            try:
                return orig(self, *a, **k)
            finally:
                timed[key] = timed.get(key, 0.0) + time.perf_counter() - t
                if key == "run":
                    box["h"] = self.solver_model

        setattr(cls, name, inner)

    wrap(linopy.solvers.Highs, "_build_direct", "build_direct")
    wrap(linopy.solvers.Highs, "_run_direct", "run")
    wrap(linopy.Model, "assign_result", "assign_result")

    t = time.perf_counter()
    ds = _load(year, hours, nodes, policies)
    t_load = time.perf_counter() - t
    t = time.perf_counter()
    n = to_pypsa(ds, policies=policies)
    t_network = time.perf_counter() - t
    t = time.perf_counter()
    model = n.optimize.create_model(include_objective_constant=False)
    t_create = time.perf_counter() - t
    t = time.perf_counter()
    if policies:
        add_policies(n, ds)
    t_policies = time.perf_counter() - t
    t = time.perf_counter()
    status, condition = model.solve(solver_name="highs", io_api="direct", **highs)
    t_msolve = time.perf_counter() - t
    if condition != "optimal":
        raise RuntimeError(f"PyPSA/HiGHS: {status} {condition}")
    h = box["h"]
    t = time.perf_counter()
    n.optimize.assign_solution()
    n.optimize.assign_duals(False)
    n.optimize.post_processing()
    t_assign = time.perf_counter() - t
    t = time.perf_counter()
    n.export_to_netcdf(out / "pypsa.nc")
    t_write = time.perf_counter() - t
    info = h.getInfo()
    return {
        "rows": int(h.getNumRow()),
        "cols": int(h.getNumCol()),
        "nnz": int(h.getNumNz()),
        "import_s": t_import,
        "load_s": t_load,
        "network_s": t_network,
        "create_model_s": t_create,
        "policies_s": t_policies,
        "build_s": t_network + t_create + t_policies,
        "build_direct_s": timed.get("build_direct", 0.0),
        # everything in linopy's solve that is neither the run nor the solution assignment:
        # sanitising, validation and the direct hand-over to highspy
        "handover_s": t_msolve - timed.get("run", 0.0) - timed.get("assign_result", 0.0),
        "solve_wall_s": timed.get("run", 0.0),
        "solver_s": float(h.getRunTime()),
        "extract_s": timed.get("assign_result", 0.0) + t_assign,
        "verify_s": 0.0,
        "write_s": t_write,
        "rss_import_gb": rss_import,
        "objective": float(n.objective),
        "simplex_iterations": int(info.simplex_iteration_count),
        "ipm_iterations": int(info.ipm_iteration_count),
        "dual_status": int(info.dual_solution_status),
    }


def _preimport() -> None:
    """Import what both sides share, so that no stage times an import.

    xarray imports dask.array lazily at its first operation when dask is installed (0.6 s
    here); PyPSA imports it up front, so without this the aseangrid side's load would pay it.
    """
    import aseangrid  # noqa: F401

    try:
        import dask.array  # noqa: F401
    except ImportError:  # pragma: no cover - dask is optional for xarray
        pass


def worker(spec: dict) -> dict:
    """Run one model on one case in this process and return its record."""
    _setup_paths()
    _preimport()
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    runners = {"aseangrid": run_aseangrid, "pypsa": run_pypsa, "pyomo": run_aseangrid_pyomo}
    fn = runners[spec["side"]]
    with tempfile.TemporaryDirectory(prefix="bench-pypsa-") as tmp:
        rec = fn(
            spec["year"],
            spec["hours"],
            spec["nodes"],
            spec["highs"],
            Path(tmp),
            policies=bool(spec.get("policies", False)),
            **({"start": spec["start"]} if spec.get("start", "cold") != "cold" else {}),
        )
    rec["end_to_end_s"] = time.perf_counter() - t0 - rec["import_s"]
    rec["n_nodes"] = int(_load(spec["year"], 24, spec["nodes"]).sizes["node"])
    stages = ("load_s", "build_s", "handover_s", "solve_wall_s", "extract_s", "verify_s", "write_s")
    rec["other_s"] = rec["end_to_end_s"] - sum(rec[k] for k in stages)
    rec["outside_solver_s"] = rec["end_to_end_s"] - rec["solver_s"]
    rec["overhead_share"] = rec["outside_solver_s"] / rec["end_to_end_s"]
    rec["peak_rss_gb"] = _rss_gb()
    # the machine is shared: record how busy it was (1-minute load average, 2 cores)
    rec["loadavg"] = [load_before, os.getloadavg()[0]]
    return {**spec, **rec}


def spawn(spec: dict) -> dict:
    """Run :func:`worker` in a fresh Python process (its own peak memory)."""
    env = dict(os.environ, PYTHONHASHSEED="0")
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{spec['side']} failed on {spec}:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------------------------
def _e2e(rec: dict) -> float:
    return rec["end_to_end_s"]


def _f(x: float, nd: int = 1) -> str:
    return f"{x:,.{nd}f}"


#: Row labels of the models in the table.
LABELS = {
    "aseangrid": "aseangrid",
    "pypsa": "PyPSA",
    "pyomo": "aseangrid, Pyomo model compiled",
}


def table(records: list[dict]) -> str:
    """Markdown table: every model per case, and the ratios of each aseangrid variant to PyPSA."""
    by = {(r["hours"], r["nodes"], r["side"]): r for r in records}
    cases = sorted({(r["hours"], r["nodes"]) for r in records}, key=lambda c: (c[1], c[0]))
    cols = (
        "case",
        "model",
        "rows",
        "columns",
        "nonzeros",
        "load",
        "build",
        "hand-over",
        "solve (HiGHS)",
        "extract + verify + write",
        "**end to end**",
        "**outside solver** (share)",
        "**peak RSS**",
        "objective",
    )
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for hours, nodes in cases:
        # records before the LA-EVN node (Dec 2026) ran on 23 nodes and carry no count
        n = next(
            (r.get("n_nodes") for r in records if (r["hours"], r["nodes"]) == (hours, nodes)), None
        )
        label = f"{n or ('23' if nodes == 'all' else '7')} nodes, {hours:,} h"
        if any(r.get("policies") for r in records if (r["hours"], r["nodes"]) == (hours, nodes)):
            label += ", policies"
        p = by.get((hours, nodes, "pypsa"))
        for side in ("aseangrid", "pypsa", "pyomo"):
            r = by.get((hours, nodes, side))
            if r is None:
                continue
            post = r["extract_s"] + r["verify_s"] + r["write_s"]
            obj = f"{r['objective'] / 1e9:.9f} bn USD"
            if p is not None and side != "pypsa":
                obj = f"rel. diff {abs(r['objective'] - p['objective']) / abs(p['objective']):.0e}"
            lines.append(
                f"| {label} | {LABELS[side]} | {r['rows']:,} | {r['cols']:,} | {r['nnz']:,} | "
                f"{_f(r['load_s'])} s | {_f(r['build_s'])} s | {_f(r['handover_s'])} s | "
                f"{_f(r['solver_s'])} s | {_f(post)} s | {_f(r['end_to_end_s'])} s | "
                f"{_f(r['outside_solver_s'])} s ({100 * r['overhead_share']:.0f} %) | "
                f"{r['peak_rss_gb']:.2f} GB | {obj} |"
            )
        for side in ("aseangrid", "pyomo"):
            r = by.get((hours, nodes, side))
            if r is None or p is None:
                continue

            def ratio(k: str, r=r, p=p) -> str:
                return f"{r[k] / p[k]:.2f}×" if p[k] > 0 else "–"

            post_r = (r["extract_s"] + r["verify_s"] + r["write_s"]) / (
                p["extract_s"] + p["verify_s"] + p["write_s"]
            )
            who = "aseangrid" if side == "aseangrid" else "with Pyomo compile"
            lines.append(
                f"| {label} | *ratio {who} / PyPSA* | {r['rows'] / p['rows']:.2f} | "
                f"{r['cols'] / p['cols']:.2f} | {r['nnz'] / p['nnz']:.2f} | {ratio('load_s')} | "
                f"{ratio('build_s')} | {ratio('handover_s')} | {ratio('solver_s')} | "
                f"{post_r:.2f}× | **{ratio('end_to_end_s')}** | **{ratio('outside_solver_s')}** | "
                f"**{ratio('peak_rss_gb')}** | |"
            )
    return "\n".join(lines)


def plot(records: list[dict], path: Path) -> None:
    """Time outside the solver, solver time and peak memory against hours, per model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    style = {
        "aseangrid": ("tab:blue", "o"),
        "pypsa": ("tab:orange", "s"),
        "pyomo": ("tab:green", "^"),
    }
    for side, (color, marker) in style.items():
        for nodes, ls in (("all", "-"), ("ltms", "--")):
            rs = sorted(
                (r for r in records if r["side"] == side and r["nodes"] == nodes),
                key=lambda r: r["hours"],
            )
            if not rs:
                continue
            h = [r["hours"] for r in rs]
            lab = f"{LABELS[side]}, {'23' if nodes == 'all' else '7'} nodes"
            kw = dict(color=color, marker=marker, ls=ls, label=lab)
            axes[0].plot(h, [r["outside_solver_s"] for r in rs], **kw)
            axes[1].plot(h, [r["solver_s"] for r in rs], **kw)
            axes[2].plot(h, [r["peak_rss_gb"] for r in rs], **kw)
    titles = ("time outside the solver [s]", "HiGHS run time [s]", "peak resident memory [GB]")
    for ax, title in zip(axes, titles, strict=True):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("hours")
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("aseangrid vs PyPSA, same network and HiGHS options (2030, policies removed)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def update_readme(records: list[dict], header: str) -> None:
    """Replace the table between the markers of ``benchmarks/README.md`` (the policy table's
    markers when the records are of a ``--policies`` run)."""
    policies = any(r.get("policies") for r in records)
    start, end = (POLICY_TABLE_START, POLICY_TABLE_END) if policies else (TABLE_START, TABLE_END)
    text = README.read_text()
    a, b = text.index(start), text.index(end)
    block = f"{start}\n{header}\n\n{table(records)}\n{end}"
    README.write_text(text[:a] + block + text[b + len(end) :])


def linopy_version() -> str:
    """The installed linopy version."""
    import importlib.metadata as md

    return md.version("linopy")


def options_study(year: int, hours: int, nodes: str) -> list[dict]:
    """aseangrid on one case under the HiGHS options worth comparing (duals always kept)."""
    _setup_paths()
    import highspy

    variants: list[tuple[str, dict]] = [
        ("dual simplex (default)", _highs_options()),
        ("dual simplex, presolve off", _highs_options({"presolve": "off"})),
        ("IPM, no crossover", _highs_options(method="ipm")),
        ("IPM + crossover", _highs_options({"run_crossover": "on"}, method="ipm")),
        ("IPM, presolve off", _highs_options({"presolve": "off"}, method="ipm")),
        ("primal simplex", _highs_options({"simplex_strategy": 4})),
    ]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    if h.setOptionValue("solver", "hipo") == highspy.HighsStatus.kOk:
        variants.append(("HiPO (new IPM)", _highs_options(method="hipo")))
    out = []
    for label, opts in variants:
        spec = {"side": "aseangrid", "year": year, "hours": hours, "nodes": nodes, "highs": opts}
        try:
            rec = spawn(spec)
        except RuntimeError as exc:
            rec = {**spec, "error": str(exc).splitlines()[-1]}
        rec["variant"] = label
        out.append(rec)
        print(json.dumps(rec), flush=True)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--year", type=int, default=2030)
    p.add_argument("--hours", type=int, action="append", help="horizon(s); default 168/2190/8760")
    p.add_argument("--nodes", choices=["all", "ltms"], action="append", help="node set(s)")
    p.add_argument(
        "--side",
        choices=["aseangrid", "pypsa", "pyomo"],
        action="append",
        help="models to run (default all three; 'pyomo' builds and compiles the Pyomo model)",
    )
    p.add_argument("--options-study", action="store_true", help="HiGHS options on the quarter")
    p.add_argument("--update-readme", action="store_true", help="write table + plot to README")
    p.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs per model of each case shorter than a year; the fastest is kept (default 3)",
    )
    p.add_argument("--from-results", action="store_true", help="only redo table/plot/README")
    p.add_argument(
        "--policies",
        action="store_true",
        help="keep the annual policy rows on both sides (PyPSA: extra linopy rows); "
        "records to results/pypsa_policies.jsonl",
    )
    p.add_argument(
        "--exact-start",
        choices=["cold", "decomposed"],
        default="cold",
        help="how the aseangrid side's exact LP starts (decomposed: from the stitched solution "
        "of one decomposition pass, as --exact does; its time counted as solver time)",
    )
    p.add_argument("--out", type=Path, help="records (default results/pypsa[_policies].jsonl)")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker:
        print(json.dumps(worker(json.loads(a.worker))), flush=True)
        return
    _setup_paths()
    if a.out is None:
        a.out = RESULTS / ("pypsa_policies.jsonl" if a.policies else "pypsa.jsonl")
    if a.options_study:
        recs = options_study(a.year, (a.hours or [HORIZONS["quarter"]])[0], (a.nodes or ["all"])[0])
        out = a.out.with_name("highs_options.jsonl")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("".join(json.dumps(r) + "\n" for r in recs))
        return
    if a.from_results:
        records = [json.loads(x) for x in a.out.read_text().splitlines() if x.strip()]
        print(table(records))
        if a.update_readme:
            update_readme(records, records[0].get("header", ""))
            if not any(r.get("policies") for r in records):
                plot(records, PLOT)
        return
    hours = a.hours or list(HORIZONS.values())
    node_sets = a.nodes or ["ltms", "all"]
    sides = a.side or ["aseangrid", "pypsa", "pyomo"]
    highs = _highs_options()
    records: list[dict] = []
    failures = []
    for nodes in node_sets:
        for h in sorted(hours):
            pair = {}
            for side in sides:
                spec = {
                    "side": side,
                    "year": a.year,
                    "hours": h,
                    "nodes": nodes,
                    "highs": highs,
                    "policies": a.policies,
                    **({"start": a.exact_start} if side == "aseangrid" else {}),
                }
                runs = a.repeat if h < HORIZONS["year"] else 1
                rec = min((spawn(spec) for _ in range(max(runs, 1))), key=_e2e)
                rec["runs"] = runs
                pair[side] = rec
                records.append(rec)
                print(json.dumps(rec), flush=True)
            if "pypsa" in pair:
                op = pair["pypsa"]["objective"]
                for side, rec in pair.items():
                    if abs(rec["objective"] - op) > OBJ_RTOL * abs(op):
                        failures.append(
                            f"{nodes}, {h} h: {side} {rec['objective']:.10g} vs PyPSA {op:.10g}"
                        )
    import highspy
    import pypsa

    header = (
        f"Year {a.year}; HiGHS {highspy.Highs().version()} (highspy), PyPSA {pypsa.__version__}, "
        f"linopy {linopy_version()}; HiGHS options (both models) `{highs}`; "
        f"{'annual policy rows kept on both sides; ' if a.policies else ''}"
        f"{time.strftime('%Y-%m-%d')}."
    )
    for r in records:
        r["header"] = header
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text("".join(json.dumps(r) + "\n" for r in records))
    print(table(records))
    if a.update_readme:
        update_readme(records, header)
        if not a.policies:
            plot(records, PLOT)
    if failures:
        sys.exit("objectives differ:\n" + "\n".join(failures))


if __name__ == "__main__":
    main()

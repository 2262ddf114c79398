"""Measure a proposal: aseangrid's own triplets handed to HiGHS without Pyomo.

Usage::

    python benchmarks/bench_direct.py --year 2030 --hours 2190 [--solve]

The formulation functions already prepare every row as numpy triplets ``(row, column,
coefficient)``; :mod:`aseangrid.build` turns them into Pyomo components and
:mod:`aseangrid.solve` compiles those back into a matrix. This script runs the *same*
formulation functions with ``add_var``/``add_rows``/``add_objective`` replaced by versions that
only record the arrays, assembles the CSC matrix with scipy and passes it to highspy, then
compares it with what the Pyomo path hands over (same matrix, bounds and costs) and, with
``--solve``, solves both and compares the objectives. Nothing in ``model/`` is changed: the
replacement is done on the imported modules of this process only.

Prints one JSON line: the time of each stage of both paths and whether the LPs are identical.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import types
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "model"))


def build_direct(ds) -> tuple[object, dict]:
    """Run the formulation registry, recording arrays instead of Pyomo components.

    Returns the index (``m._ag`` equivalent) and the recorded rows
    ``{name: (rows, cols, coefs, rhs)}`` in registry order.
    """
    import aseangrid.formulation as fm
    from aseangrid import build
    from aseangrid.build import Index, Options, VarBlock

    recorded: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}

    def add_var(m, name, dims, lb, ub, units, description):
        ix = m._ag
        shape = tuple(ix.size(d) for d in dims)
        lb = np.broadcast_to(np.asarray(lb, dtype=float), shape)
        ub = np.broadcast_to(np.asarray(ub, dtype=float), shape)
        blk = VarBlock(name, dims, shape, ix.n_cols, lb.copy(), ub.copy(), units, description)
        ix.blocks[name] = blk
        ix.n_cols += blk.size
        return blk

    def add_rows(m, block, rows, cols, coefs, rhs):
        rows = np.asarray(rows).ravel()
        coefs = np.broadcast_to(np.asarray(coefs, dtype=float), rows.shape).ravel()
        rhs = np.broadcast_to(np.asarray(rhs, dtype=float), block.shape).ravel()
        recorded[block.name] = (rows, np.asarray(cols).ravel(), coefs, rhs)
        m._ag.rows[block.name] = block

    def add_objective(m, ds):
        ix = m._ag
        cols = np.concatenate([c for c, _ in ix.cost_terms.values()])
        cost = np.concatenate([k for _, k in ix.cost_terms.values()])
        recorded["__objective__"] = (cols, np.bincount(cols, weights=cost, minlength=ix.n_cols))

    saved = {}
    for mod in [build, *(getattr(fm, n) for n in dir(fm) if not n.startswith("_"))]:
        if not isinstance(mod, types.ModuleType):
            continue
        for name, fn in (("add_var", add_var), ("add_rows", add_rows)):
            if hasattr(mod, name):
                saved[(mod, name)] = getattr(mod, name)
                setattr(mod, name, fn)
    try:
        m = types.SimpleNamespace(_ag=Index(ds=ds, options=Options()))
        for fn in fm.REGISTRY:
            (add_objective if fn.__name__ == "add_objective" else fn)(m, ds)
    finally:
        for (mod, name), fn in saved.items():
            setattr(mod, name, fn)
    return m._ag, recorded


def assemble(ix, recorded) -> dict:
    """CSC matrix, row bounds, column bounds and costs from the recorded arrays."""
    from scipy import sparse

    rr, cc, kk, lo, up = [], [], [], [], []
    off = 0
    for name, blk in ix.rows.items():
        rows, cols, coefs, rhs = recorded[name]
        rr.append(rows + off)
        cc.append(cols)
        kk.append(coefs)
        lo.append(rhs if blk.sense in ("==", ">=") else np.full(rhs.size, -np.inf))
        up.append(rhs if blk.sense in ("==", "<=") else np.full(rhs.size, np.inf))
        off += blk.size
    A = sparse.csc_matrix(
        (np.concatenate(kk), (np.concatenate(rr), np.concatenate(cc))), shape=(off, ix.n_cols)
    )
    A.sum_duplicates()
    A.eliminate_zeros()
    lb = np.concatenate([b.lb.ravel() for b in ix.blocks.values()])
    ub = np.concatenate([b.ub.ravel() for b in ix.blocks.values()])
    return {
        "A": A,
        "row_lower": np.concatenate(lo),
        "row_upper": np.concatenate(up),
        "lb": lb,
        "ub": ub,
        "c": recorded["__objective__"][1],
    }


def to_highs(lp: dict, options: dict):
    """A live HiGHS instance holding the LP (no solve)."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    for k, v in options.items():
        h.setOptionValue(k, v)
    inf = highspy.kHighsInf
    A = lp["A"]
    model = highspy.HighsLp()
    model.num_col_, model.num_row_ = A.shape[1], A.shape[0]
    model.col_cost_ = lp["c"]
    model.col_lower_ = np.where(np.isfinite(lp["lb"]), lp["lb"], -inf)
    model.col_upper_ = np.where(np.isfinite(lp["ub"]), lp["ub"], inf)
    model.row_lower_ = np.where(np.isfinite(lp["row_lower"]), lp["row_lower"], -inf)
    model.row_upper_ = np.where(np.isfinite(lp["row_upper"]), lp["row_upper"], inf)
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = A.indptr
    model.a_matrix_.index_ = A.indices
    model.a_matrix_.value_ = A.data
    h.passModel(model)
    return h


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--year", type=int, default=2030)
    p.add_argument("--hours", type=int, default=2190)
    p.add_argument("--nodes", choices=["all", "ltms"], default="all")
    p.add_argument("--solve", action="store_true", help="solve both paths, compare objectives")
    a = p.parse_args()

    from bench_pypsa import _load, _preimport

    from aseangrid.build import build_model
    from aseangrid.solve import SolverOptions, prepare, run_prepared

    _preimport()
    ds = _load(a.year, a.hours, a.nodes)
    options = SolverOptions(threads=1).highs_options()
    out: dict = {"year": a.year, "hours": a.hours, "nodes": a.nodes}

    t = time.perf_counter()
    ix, rec = build_direct(ds)
    out["direct_build_s"] = time.perf_counter() - t
    t = time.perf_counter()
    lp = assemble(ix, rec)
    out["direct_assemble_s"] = time.perf_counter() - t
    t = time.perf_counter()
    hd = to_highs(lp, options)
    out["direct_pass_s"] = time.perf_counter() - t

    t = time.perf_counter()
    m = build_model(ds)
    out["pyomo_build_s"] = time.perf_counter() - t
    out["pyomo_build_by_function_s"] = {k: round(v, 3) for k, v in m._ag.timings.items()}
    prep = prepare(m, SolverOptions(extra=options))
    out["pyomo_compile_s"] = prep.timings["compile_s"]
    out["pyomo_handover_s"] = prep.timings["handover_s"]

    # the same LP? compare what each HiGHS instance holds
    lp_p, lp_d = prep.h.getLp(), hd.getLp()
    same = lp_p.num_row_ == lp_d.num_row_ and lp_p.num_col_ == lp_d.num_col_
    for attr in ("col_cost_", "col_lower_", "col_upper_", "row_lower_", "row_upper_"):
        same = same and np.allclose(getattr(lp_p, attr), getattr(lp_d, attr), rtol=1e-12)
    for attr in ("start_", "index_", "value_"):
        x, y = getattr(lp_p.a_matrix_, attr), getattr(lp_d.a_matrix_, attr)
        same = same and len(x) == len(y) and np.allclose(x, y, rtol=1e-12)
    out["identical_lp"] = bool(same)
    out["rows"], out["cols"], out["nnz"] = int(hd.getNumRow()), int(hd.getNumCol()), hd.getNumNz()
    if a.solve:
        sol = run_prepared(prep)
        hd.run()
        out["objective_pyomo"] = sol.objective
        out["objective_direct"] = hd.getInfo().objective_function_value
        out["solver_s_pyomo"], out["solver_s_direct"] = float(prep.h.getRunTime()), hd.getRunTime()
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()

"""Benchmark: the labelled Pyomo view and user extensions on the full 2030 year.

Measures, in one process (best of ``--repeat``), the direct path's work outside the solver
(build the program, assemble and check its numbers, hand it to HiGHS, extract and verify a
solution) with and without the three documented extensions (``aseangrid.examples``), and the
parts the extensions add: building the labelled view, running the extension functions
(writing their Pyomo expressions) and compiling them into the program. No LP is solved:
extraction and verification run on the column lower bounds, so their cost is that of a real
solution's (verification then reports violations, which is caught).

    python benchmarks/bench_pyomo_view.py [--year 2030] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "model"))

import aseangrid as ag  # noqa: E402
from aseangrid import examples  # noqa: E402
from aseangrid.engine import check_solution, prepare  # noqa: E402
from aseangrid.errors import VerificationError  # noqa: E402
from aseangrid.formulation import build_lp  # noqa: E402
from aseangrid.lp.pyomo_view import compile_user_components, view  # noqa: E402
from aseangrid.results import extract  # noqa: E402
from aseangrid.solve import Solution  # noqa: E402
from aseangrid.solve.highs import HighsLP  # noqa: E402

EXTENSIONS = (examples.thai_gas_limit, examples.my_sg_minimum_flow, examples.indonesia_coal_levy)


def outside_solver(ds, with_extensions: bool) -> dict[str, float]:
    t = {}
    t0 = time.perf_counter()
    lp = build_lp(ds)
    t["build_s"] = time.perf_counter() - t0
    if with_extensions:
        t0 = time.perf_counter()
        m = view(lp, context={"ds": ds})
        t["view_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for ext in EXTENSIONS:
            ext(m, ds)
        t["extension_functions_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        compile_user_components(m)
        t["compile_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    sf = prepare(lp)
    t["assemble_check_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    HighsLP(sf)
    t["handover_s"] = time.perf_counter() - t0
    x = np.where(np.isfinite(sf.col_lower), sf.col_lower, 0.0)
    sol = Solution(x, np.zeros(sf.n_rows), float(sf.c @ x), "Optimal", "none")
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = extract(lp, sf, sol, ds)
        try:
            check_solution(lp, sf, ds, res, x)
        except VerificationError:
            pass
    t["extract_verify_s"] = time.perf_counter() - t0
    t["total_s"] = sum(v for k, v in t.items() if k != "total_s")
    return t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--year", type=int, default=2030)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    ds = ag.load_inputs(ROOT / "inputs" / "asean", year=a.year)
    out = {}
    for label, ext in (("direct", False), ("with_examples", True)):
        runs = [outside_solver(ds, ext) for _ in range(a.repeat)]
        out[label] = {k: round(min(r[k] for r in runs), 4) for k in runs[0]}
    out["view_only_s"] = round(min(_view_time(ds) for _ in range(a.repeat)), 4)
    out["added_share"] = round(out["with_examples"]["total_s"] / out["direct"]["total_s"] - 1, 4)
    print(json.dumps(out, indent=1))


def _view_time(ds) -> float:
    lp = build_lp(ds)
    t0 = time.perf_counter()
    view(lp)
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()

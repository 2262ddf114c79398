"""Benchmark: build, hand-over, solve and extraction times of the dispatch LP on shipped data.

Usage::

    python benchmarks/bench_dispatch.py --year 2024 --hours 8760 --method ipm
    python benchmarks/bench_dispatch.py --hours 672 --method ipm --method simplex --method hipo

Prints one line per run: problem size, the time of each stage, peak memory (resident set size
high-water mark of this process) and the objective. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "model"))

import aseangrid as ag  # noqa: E402
from aseangrid.engine import check_solution, prepare, run_solver  # noqa: E402
from aseangrid.formulation import build_lp  # noqa: E402
from aseangrid.results import extract  # noqa: E402
from aseangrid.solve import SolverOptions  # noqa: E402


def peak_rss_gb() -> float:
    """High-water mark of resident memory of this process [GB] (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def run(
    year: int,
    hours: int,
    method: str,
    crossover: bool,
    threads: int | None,
    policies: bool = True,
    extra: dict | None = None,
) -> dict:
    t0 = time.perf_counter()
    ds = ag.load_inputs(ROOT / "inputs" / "asean", year=year)
    if not policies:
        from aseangrid.scenario import Scenario, apply

        ds = apply(ds, Scenario(year=year, dataset_policies=False))
    if hours < ds.sizes["time"]:
        ds = ds.isel(time=slice(0, hours))
    t_load = time.perf_counter() - t0
    t1 = time.perf_counter()
    lp = build_lp(ds)
    t_build = time.perf_counter() - t1
    so = SolverOptions(method=method, crossover=crossover, threads=threads, extra=extra or {})
    sf = prepare(lp)
    sol = run_solver(lp, sf, ds, so)
    t2 = time.perf_counter()
    res = extract(lp, sf, sol, ds)
    t_extract = time.perf_counter() - t2
    t3 = time.perf_counter()
    check_solution(lp, sf, ds, res, sol.x)
    t_verify = time.perf_counter() - t3
    return {
        "year": year,
        "hours": ds.sizes["time"],
        "method": method,
        "policies": policies,
        "extra": extra or {},
        "crossover": crossover,
        "variables": int(lp.n_cols),
        "constraints": int(sf.n_rows),
        "load_s": round(t_load, 2),
        "build_s": round(t_build, 2),
        "compile_s": round(lp.timings["assemble_s"], 2),
        "handover_s": round(sol.timings["handover_s"], 2),
        "solve_s": round(sol.timings["solve_s"], 2),
        "extract_s": round(t_extract, 2),
        "verify_s": round(t_verify, 2),
        "peak_rss_gb": round(peak_rss_gb(), 2),
        "objective_busd": round(sol.objective / 1e9, 4),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--year", type=int, default=2024)
    p.add_argument("--hours", type=int, default=8760)
    p.add_argument("--method", action="append", default=None)
    p.add_argument("--crossover", action="store_true")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--no-policies", action="store_true", help="drop the dataset's policies")
    p.add_argument("--highs", action="append", default=[], help="extra HiGHS option k=v")
    a = p.parse_args()
    extra = {}
    for kv in a.highs:
        k, v = kv.split("=", 1)
        extra[k] = int(v) if v.lstrip("-").isdigit() else v
    for method in a.method or ["simplex"]:
        r = run(a.year, a.hours, method, a.crossover, a.threads, not a.no_policies, extra)
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()

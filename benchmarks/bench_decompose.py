"""Benchmark: the decomposed solve against the monolithic LP on the main job's core pair.

For each scenario of ``runs/integrated-vs-isolated.yaml`` given (default: the 2030 pair), in
one process, one after another: the decomposed solve (coarse year + weekly sub-horizons in
``--workers`` processes, stitched and verified); with ``--live-pair`` the exact path as
``--exact`` runs it (isolated from the stitched solution, then integrated in the same live
model); with ``--monolithic`` each exact LP from a cold start. Prints one JSON line per run:
objective, lower bound, certified gaps, measured gap to the exact optimum, simplex
iterations, times of each stage.

    python benchmarks/bench_decompose.py [--scenarios 2030-integrated 2030-isolated]
        [--monolithic] [--live-pair] [--block-hours 6] [--workers 2] [--hours N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "model"))

from aseangrid.decompose import Decomposition, solve_decomposed  # noqa: E402
from aseangrid.pipeline import options_of, solve  # noqa: E402
from aseangrid.scenario import load_run, load_scenario  # noqa: E402


def penalty_free(res) -> float:
    return float(res["cost_usd"].sum() - res["cost_usd"].sel(cost_component="policy_penalty"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", nargs="+", default=["2030-integrated", "2030-isolated"])
    ap.add_argument("--monolithic", action="store_true")
    ap.add_argument("--block-hours", type=int, default=6)
    ap.add_argument("--refine-block-hours", type=int, default=3)
    ap.add_argument("--tolerance", type=float, default=1e-3)
    ap.add_argument("--tolerance-excl-penalties", type=float, default=5e-3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--hours", type=int, default=0)
    ap.add_argument(
        "--live-pair", action="store_true", help="also the exact pair in one live model"
    )
    a = ap.parse_args()
    _, scen = load_run(ROOT / "runs" / "integrated-vs-isolated.yaml")
    warnings.simplefilter("ignore")
    decomposed = {}
    for name in a.scenarios:
        s = scen[name]
        if a.hours:
            s = s.model_copy(update={"hours": a.hours})
        t0 = time.perf_counter()
        ds = load_scenario(s)
        t_load = time.perf_counter() - t0
        opts, so = options_of(s)
        dec = Decomposition(
            block_hours=a.block_hours,
            workers=a.workers,
            tolerance=a.tolerance,
            tolerance_excl_penalties=a.tolerance_excl_penalties,
            refine_block_hours=a.refine_block_hours or None,
        )
        t0 = time.perf_counter()
        rd = solve_decomposed(ds, opts, so, dec)
        t_dec = time.perf_counter() - t0
        decomposed[name] = rd
        row = {
            "scenario": name,
            "load_s": round(t_load, 1),
            "decomposed_s": round(t_dec, 1),
            "coarse_s": rd.attrs["time_coarse_s"],
            "subhorizons_s": rd.attrs["time_subhorizons_s"],
            "objective_usd": rd.attrs["objective_usd"],
            "lower_bound_usd": rd.attrs["lower_bound_usd"],
            "lower_bound_coarse_usd": rd.attrs["lower_bound_coarse_usd"],
            "lower_bound_lagrangian_usd": rd.attrs["lower_bound_lagrangian_usd"],
            "penalty_free_usd": penalty_free(rd),
            "certified_gap": rd.attrs["certified_gap"],
            "certified_gap_excl_penalties": rd.attrs["certified_gap_excl_penalties"],
            "decomposition": rd.attrs["decomposition"],
        }
        print(json.dumps(row), flush=True)
    if a.live_pair:
        live_pair(scen, a, decomposed)
    if a.monolithic:
        for name in a.scenarios:
            s = scen[name]
            if a.hours:
                s = s.model_copy(update={"hours": a.hours})
            ds = load_scenario(s)
            opts, so = options_of(s)
            t0 = time.perf_counter()
            rm = solve(ds, opts, so, method="monolithic", start="cold")
            row = {"scenario": name, "cold_monolithic_s": round(time.perf_counter() - t0, 1)}
            row.update(exact_row(rm, decomposed[name]))
            print(json.dumps(row), flush=True)


def exact_row(rm, rd) -> dict:
    """An exact solve's figures and the decomposed solve's measured gap to it."""
    obj, up = rm.attrs["objective_usd"], rd.attrs["objective_usd"]
    return {
        "solve_s": rm.attrs["time_solve_s"],
        "simplex_iterations": rm.attrs.get("simplex_iterations"),
        "start": rm.attrs.get("start"),
        "objective_usd": obj,
        "measured_gap": (up - obj) / abs(obj),
        "measured_gap_excl_penalties": (up - obj) / penalty_free(rm),
        "lower_bound_below_optimum": bool(rd.attrs["lower_bound_usd"] <= obj * (1 + 1e-9)),
        "co2_mt_decomposed_exact": [
            float(rd["emissions_country_t"].sum()) / 1e6,
            float(rm["emissions_country_t"].sum()) / 1e6,
        ],
    }


def live_pair(scen: dict, a, decomposed: dict) -> None:
    """The exact path as ``--exact`` runs the pair: isolated first (from the stitched solution
    of a decomposition pass), then integrated in the same live model (only the cross-border
    bounds change; the solver starts from the isolated basis)."""
    from aseangrid.session import Session, set_sweep_values, sweep_groups

    exact = {
        n: scen[n].model_copy(
            update={
                "hours": a.hours or None,
                "solve": scen[n].solve.model_copy(update={"method": "monolithic"}),
            }
        )
        for n in a.scenarios
    }
    session = None
    for name in sweep_groups(exact, a.scenarios)[0]:
        s = exact[name]
        t0 = time.perf_counter()
        if session is None:
            session = Session(load_scenario(s), *options_of(s), s.strict, s.solve.start)
        set_sweep_values(session, s)
        res = session.solve()
        row = {"scenario": name, "exact_path_s": round(time.perf_counter() - t0, 1)}
        row.update(exact_row(res, decomposed[name]))
        row["warm_start"] = res.attrs["warm_start"]
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()

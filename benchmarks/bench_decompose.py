"""Benchmark: the decomposed solve against the monolithic LP on the main job's core pair.

For each scenario of ``runs/integrated-vs-isolated.yaml`` given (default: the 2030 pair), in
one process, one after another: the decomposed solve (coarse year + weekly sub-horizons in
``--workers`` processes, stitched and verified) and, with ``--monolithic``, the exact LP.
Prints one JSON line per run: objective, lower bound, certified gaps, measured gap to the
monolithic optimum, times of each stage.

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
    cold: dict[str, tuple[float, float]] = {}
    _, scen = load_run(ROOT / "runs" / "integrated-vs-isolated.yaml")
    warnings.simplefilter("ignore")
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
        if a.monolithic:
            t0 = time.perf_counter()
            rm = solve(ds, opts, so, method="monolithic")
            row["monolithic_s"] = round(time.perf_counter() - t0, 1)
            row["monolithic_objective_usd"] = rm.attrs["objective_usd"]
            row["measured_gap"] = (rd.attrs["objective_usd"] - rm.attrs["objective_usd"]) / abs(
                rm.attrs["objective_usd"]
            )
            row["measured_gap_excl_penalties"] = (
                rd.attrs["objective_usd"] - rm.attrs["objective_usd"]
            ) / penalty_free(rm)
            row["co2_mt"] = [
                float(rd["emissions_country_t"].sum()) / 1e6,
                float(rm["emissions_country_t"].sum()) / 1e6,
            ]
        print(json.dumps(row), flush=True)
        if a.monolithic:
            cold[name] = (row["monolithic_s"], row["monolithic_objective_usd"])
    if a.live_pair:
        live_pair(scen, a, cold)


def live_pair(scen: dict, a, cold: dict) -> None:
    """The exact path of a run file's pair: isolated, then integrated in the same live model
    (only the cross-border bounds change; the solver starts from the isolated basis)."""
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
            session = Session(load_scenario(s), *options_of(s))
        set_sweep_values(session, s)
        res = session.solve()
        row = {
            "scenario": name,
            "live_pair_s": round(time.perf_counter() - t0, 1),
            "solve_s": res.attrs["time_solve_s"],
            "warm_start": res.attrs["warm_start"],
            "simplex_iterations": res.attrs.get("simplex_iterations"),
            "objective_usd": res.attrs["objective_usd"],
        }
        if name in cold:
            row["cold_monolithic_s"], obj = cold[name]
            row["relative_difference_to_cold"] = (res.attrs["objective_usd"] - obj) / abs(obj)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()

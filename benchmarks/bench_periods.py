"""Representative periods against the full hourly year on an expansion problem.

One expansion step (default: Indonesia 2030 on the JETP settings of runs/indonesia-jetp.yaml)
is solved with every hour and with K typical days; for each K the script reports the wall
time, the objective, CO2 and the capacity mix (built + kept) against the hourly solution.

    python benchmarks/bench_periods.py --year 2030 --periods 8 16 32 64 --out bench_periods.csv

All runs use the interior point method (crossover only with ``--crossover``: on the hourly
year it took longer than the whole rest).

Error measures: relative difference of the objective and of CO2; for the capacity mix, the
largest difference of a technology's share of total capacity in percentage points, and the
largest difference of new capacity per technology relative to all new capacity.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

import aseangrid as ag
from aseangrid.pipeline import options_of as _options
from aseangrid.scenario import load_run, load_scenario, scenario_for_year

ROOT = Path(__file__).resolve().parents[1]


def mix(res) -> tuple[pd.Series, pd.Series]:
    tech = res["generator_technology"].to_series()
    cap = res["capacity_total_mw"].to_series().groupby(tech).sum()
    new = pd.Series(0.0, index=cap.index)
    if "capacity_new_mw" in res:
        n = res["capacity_new_mw"].to_series()
        new = n.groupby(tech.loc[n.index]).sum().reindex(cap.index, fill_value=0.0)
    st = res["storage_technology"].to_series()
    if len(st):
        cap = cap.add(res["storage_power_total_mw"].to_series().groupby(st).sum(), fill_value=0)
        if "storage_power_new_mw" in res:
            sn = res["storage_power_new_mw"].to_series()
            new = new.add(sn.groupby(st.loc[sn.index]).sum(), fill_value=0.0)
    return cap, new.reindex(cap.index, fill_value=0.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run-file", default=str(ROOT / "runs" / "indonesia-jetp.yaml"))
    ap.add_argument("--scenario", default="jetp")
    ap.add_argument("--year", type=int, default=2030)
    ap.add_argument("--periods", type=int, nargs="+", default=[8, 16, 32, 64])
    ap.add_argument("--out", default=None)
    ap.add_argument("--countries", nargs="+", default=None, help="model only these (ISO3)")
    ap.add_argument("--method", default="ipm", help="HiGHS method (ipm, simplex)")
    ap.add_argument(
        "--crossover",
        action="store_true",
        help="run crossover after the interior point method (slow on the hourly year)",
    )
    a = ap.parse_args()
    _, scen = load_run(a.run_file)
    s = scenario_for_year(scen[a.scenario], a.year)
    if a.countries:
        s = s.model_copy(update={"countries": a.countries})
    solver = s.solver.model_copy(update={"method": a.method, "crossover": a.crossover})
    s = s.model_copy(update={"solver": solver})
    runs = {}
    for k in [*sorted(a.periods), None]:  # the typical periods first: they are quick
        tr = s.time_resolution.model_copy(update={"representative_periods": k})
        sk = s.model_copy(update={"time_resolution": tr})
        t0 = time.perf_counter()
        ds = load_scenario(sk, year=a.year)
        opts, so = _options(sk)
        res = ag.solve(ds, opts, so)
        dt = time.perf_counter() - t0
        cap, new = mix(res)
        row = {
            "periods": "hourly" if k is None else k,
            "hours": ds.sizes["time"],
            "wall_s": round(dt, 1),
            "solve_s": res.attrs["time_solve_s"],
            "objective_bn_usd": res.attrs["objective_usd"] / 1e9,
            "co2_mt": float(res["emissions_t"].sum()) / 1e6,
            "new_gw": new.sum() / 1e3,
        }
        runs[k] = (row, cap, new)
        print(row, flush=True)
    r0, cap0, new0 = runs[None]
    rows = []
    for k in [None, *sorted(a.periods)]:
        row, cap, new = runs[k]
        if k is not None:
            share = (cap / cap.sum()).sub(cap0 / cap0.sum(), fill_value=0).abs().max()
            newd = new.sub(new0, fill_value=0).abs().max() / max(new0.sum(), 1.0)
            row.update(
                {
                    "speedup": round(r0["wall_s"] / row["wall_s"], 1),
                    "objective_err": row["objective_bn_usd"] / r0["objective_bn_usd"] - 1,
                    "co2_err": row["co2_mt"] / r0["co2_mt"] - 1,
                    "mix_share_err_pp": 100 * share,
                    "new_cap_err": newd,
                }
            )
        rows.append(row)
    df = pd.DataFrame(rows).set_index("periods")
    print(df.round(4).to_string())
    if a.out:
        df.to_csv(a.out)
    print("new capacity by technology, hourly [GW]:")
    print((new0 / 1e3).round(2).to_string())


if __name__ == "__main__":
    main()

"""Benchmark: a carbon-cap sweep in one live session against independent runs.

Usage::

    python benchmarks/bench_sweep.py --year 2024 --hours 2190 --points 10 [--kind cap]

``--kind cap`` (default) first solves the case without a cap to find its emissions E, then
sweeps an ASEAN-wide cap over E x (1.00, 0.97, 0.94, ...); ``--kind price`` sweeps an
ASEAN-wide carbon price over 0, 10, 20, ... USD/t; ``--kind link`` sweeps the
Malaysia-Singapore link over 0..2x its capacity. Each sweep runs twice: as independent runs
(build, hand-over, cold solve each) and in one :class:`aseangrid.Session` (build and
hand-over once, numbers changed in the live solver, warm-started dual simplex). Prints one
JSON line with both totals, the speed-up and the largest relative difference of the
objectives.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "model"))

import aseangrid as ag  # noqa: E402
from aseangrid import Session  # noqa: E402
from aseangrid.scenario import Scenario, apply  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--year", type=int, default=2024)
    p.add_argument("--hours", type=int, default=2190)
    p.add_argument("--points", type=int, default=10)
    p.add_argument("--kind", choices=["cap", "price", "link"], default="cap")
    a = p.parse_args()
    base = ag.load_inputs(ROOT / "inputs" / "asean", year=a.year).isel(time=slice(0, a.hours))
    if a.kind == "cap":
        e0 = float(ag.solve(base)["emissions_t"].sum()) / 1e6
        values = [e0 * (1 - 0.03 * i) for i in range(a.points)]

        def scenario(v):
            return Scenario(year=a.year, carbon_caps={"ASEAN": {"countries": "ASEAN", "mt": v}})

        def change(session, v):
            session.set_carbon_cap("ASEAN", v)
    elif a.kind == "price":
        values = [10.0 * i for i in range(a.points)]

        def scenario(v):
            return Scenario(year=a.year, carbon_price_usd_per_t={"ASEAN": v})

        def change(session, v):
            session.set_carbon_price("ASEAN", v)
    else:
        links = base["link"].values.tolist()
        link = next(x for x in links if x.startswith("MY-PEN_SG"))
        c0 = float(base["link_capacity_forward_mw"].sel(link=link))
        values = [c0 * 2 * i / max(a.points - 1, 1) for i in range(a.points)]

        def scenario(v):
            return Scenario(year=a.year, link_capacity_mw={link: v})

        def change(session, v):
            session.set_link_capacity(link, v)

    t0 = time.perf_counter()
    cold = [ag.solve(apply(base, scenario(v))).attrs["objective_usd"] for v in values]
    t_cold = time.perf_counter() - t0
    t1 = time.perf_counter()
    session = Session(apply(base, scenario(values[0])))
    warm = []
    for v in values:
        change(session, v)
        warm.append(session.solve().attrs["objective_usd"])
    t_warm = time.perf_counter() - t1
    diff = max(abs(w - c) / abs(c) for w, c in zip(warm, cold, strict=True))
    print(
        json.dumps(
            {
                "year": a.year,
                "hours": a.hours,
                "points": a.points,
                "kind": a.kind,
                "values": [round(c, 2) for c in values],
                "independent_s": round(t_cold, 1),
                "session_s": round(t_warm, 1),
                "speedup": round(t_cold / t_warm, 2),
                "max_rel_objective_difference": diff,
            }
        )
    )


if __name__ == "__main__":
    main()

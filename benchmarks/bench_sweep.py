"""Benchmark: a carbon-cap sweep in one live session against independent runs.

Usage::

    python benchmarks/bench_sweep.py --year 2024 --hours 2190 --points 5

First solves the case without a cap to find its emissions E, then sweeps an ASEAN-wide cap
over E x (1.00, 0.97, 0.94, ...) twice: as independent runs (build, hand-over, cold solve
each) and in one :class:`aseangrid.solve.Session` (build and hand-over once, warm-started
dual simplex). Prints one JSON line with both totals, the speed-up and the largest relative
difference of the objectives.
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
from aseangrid.scenario import Scenario, apply  # noqa: E402
from aseangrid.solve import Session  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--year", type=int, default=2024)
    p.add_argument("--hours", type=int, default=2190)
    p.add_argument("--points", type=int, default=5)
    a = p.parse_args()
    base = ag.load_inputs(ROOT / "inputs" / "asean", year=a.year).isel(time=slice(0, a.hours))
    e0 = float(ag.solve(base)["emissions_t"].sum()) / 1e6
    caps = [e0 * (1 - 0.03 * i) for i in range(a.points)]

    def capped(mt: float):
        return apply(
            base, Scenario(year=a.year, carbon_caps={"ASEAN": {"countries": "ASEAN", "mt": mt}})
        )

    t0 = time.perf_counter()
    cold = [ag.solve(capped(mt)).attrs["objective_usd"] for mt in caps]
    t_cold = time.perf_counter() - t0
    t1 = time.perf_counter()
    session = Session(capped(caps[0]))
    warm = []
    for mt in caps:
        session.set_carbon_cap("ASEAN", mt)
        warm.append(session.solve().attrs["objective_usd"])
    t_warm = time.perf_counter() - t1
    diff = max(abs(w - c) / abs(c) for w, c in zip(warm, cold, strict=True))
    print(
        json.dumps(
            {
                "year": a.year,
                "hours": a.hours,
                "points": a.points,
                "caps_mt": [round(c, 2) for c in caps],
                "independent_s": round(t_cold, 1),
                "session_s": round(t_warm, 1),
                "speedup": round(t_cold / t_warm, 2),
                "max_rel_objective_difference": diff,
            }
        )
    )


if __name__ == "__main__":
    main()

"""Calibration: compare a base-year result with published figures.

Usage::

    aseangrid solve inputs/asean --year 2024 --out runs/base-2024
    python benchmarks/calibration.py runs/base-2024

Prints a Markdown table (model, published, gap) from ``inputs/asean/calibration_targets.csv``,
whose rows carry their sources. The published years differ (2022-2024); the gap is indicative.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "model"))

from aseangrid.runner import load_results  # noqa: E402

GROUPS = {
    "gas": ["gas_ccgt", "gas_ocgt"],
    "coal_lignite": ["coal", "lignite"],
    "hydro": ["hydro_reservoir", "hydro_ror"],
    "solar": ["solar_pv"],
    "wind": ["wind_onshore", "wind_offshore"],
    "geothermal": ["geothermal"],
    "other_renewable": ["biomass", "solar_pv", "wind_onshore", "wind_offshore", "geothermal"],
}


def table(res) -> pd.DataFrame:
    targets = pd.read_csv(ROOT / "inputs" / "asean" / "calibration_targets.csv")
    gen = res["generation_country_twh"].to_pandas()
    total = gen.sum(axis=1)
    rows = []
    fx = float(targets.query("metric == 'price_mean'")["value"].iloc[0])
    for _, t in targets.iterrows():
        c, m = t["country"], t["metric"]
        if m == "generation":
            model = float(gen.loc[c, GROUPS[t["technology"]]].sum())
            label = f"{c} generation, {t['technology']} [TWh]"
        elif m == "imports":
            model = float(res["imports_twh"].sel(country=c))
            label = f"{c} imports [TWh]"
        elif m == "coal_share":
            model = float(gen.loc[c, GROUPS["coal_lignite"]].sum() / total[c])
            label = f"{c} coal share of generation"
        elif m in ("price_low", "price_high"):
            if m == "price_high":
                continue
            lo = float(t["value"]) * fx
            hi = float(targets.query("metric == 'price_high'")["value"].iloc[0]) * fx
            sg = list(res["node"].values).index("SG")
            model = float(res["price_demand_weighted_usd_per_mwh"].values[sg])
            rows.append(
                {
                    "quantity": "SG demand-weighted price [USD/MWh] vs USEP range",
                    "model": round(model, 1),
                    "published": f"{lo:.0f}-{hi:.0f}",
                    "gap": "inside" if lo <= model <= hi else f"{model - (lo + hi) / 2:+.0f}",
                    "year": int(t["year"]),
                    "source": t["source"],
                }
            )
            continue
        elif m.startswith("emission_intensity"):
            e = float(res["emissions_country_t"].sel(country=c))
            model = e / (float(total[c]) * 1e6) if total[c] > 0 else np.nan
            label = f"{c} CO2 intensity of generation [t/MWh]" + (
                " (published: lifecycle)" if "lifecycle" in m else ""
            )
        else:
            continue
        pub = float(t["value"])
        gap = (model - pub) / pub if pub else np.nan
        rows.append(
            {
                "quantity": label,
                "model": round(model, 3),
                "published": pub,
                "gap": f"{gap:+.0%}",
                "year": int(t["year"]),
                "source": t["source"],
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "runs" / "base-2024")
    res = load_results(path)
    df = table(res)
    cols = list(df.columns)
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for _, r in df.iterrows():
        print("| " + " | ".join(str(r[c]) for c in cols) + " |")


if __name__ == "__main__":
    main()

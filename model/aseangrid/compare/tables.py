"""Tables for reports from a comparison or a pathway: headline, emissions, pathway table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from ..data import schema as sc


def headline(cmp: xr.Dataset) -> pd.DataFrame:
    """The headline table: one row per scenario, rounded for reports."""
    ref = cmp.attrs.get("reference", str(cmp["scenario"].values[0]))
    dem = cmp["demand_twh"]
    rows = []
    for s in cmp["scenario"].values:
        c = cmp.sel(scenario=s)
        trade = float(c["exports_twh"].sum())
        row = {
            "scenario": s,
            "total cost [bn USD]": float(c["total_cost_usd"]) / 1e9,
            "Δ cost vs " + ref + " [bn USD]": float(c["delta_total_cost_usd"]) / 1e9,
            "CO2 production [Mt]": float(c["emissions_production_t"].sum()) / 1e6,
            "Δ CO2 [Mt]": float(c["delta_emissions_production_t"].sum()) / 1e6,
            "cross-border trade [TWh]": trade,
            "ASEAN demand-weighted price [USD/MWh]": float(c["price_asean_usd_per_mwh"]),
            "unserved [TWh]": float(c["unserved_twh"].sum()),
            "RE target shortfall [TWh]": float(c["renewable_shortfall_twh"]),
            "cap excess [Mt]": float(c["carbon_cap_excess_mt"]),
            "curtailed [TWh]": float(c["curtailment_twh"].sum()),
            "demand [TWh]": float(dem.sel(scenario=s).sum()),
        }
        if "carbon_shadow_price_usd_per_t" in cmp:
            v = cmp["carbon_shadow_price_usd_per_t"].sel(scenario=s).values
            row["max carbon shadow price [USD/t]"] = (
                float(np.nanmax(v)) if np.isfinite(v).any() else np.nan
            )
        rows.append(row)
    return pd.DataFrame(rows).set_index("scenario").round(2)


def emissions_table(cmp: xr.Dataset) -> pd.DataFrame:
    """Production- and consumption-based emissions per country and scenario [MtCO2]."""
    frames = []
    for s in cmp["scenario"].values:
        c = cmp.sel(scenario=s)
        frames.append(
            pd.DataFrame(
                {
                    "scenario": s,
                    "country": cmp["country"].values,
                    "production [Mt]": c["emissions_production_t"].values / 1e6,
                    "consumption [Mt]": c["emissions_consumption_t"].values / 1e6,
                    "imports [TWh]": c["imports_twh"].values,
                    "exports [TWh]": c["exports_twh"].values,
                }
            )
        )
    return pd.concat(frames).set_index(["scenario", "country"]).round(2)


def pathway_table(pw: xr.Dataset, countries: list[str] | None = None) -> pd.DataFrame:
    """The pathway table: capacity by technology [GW], emissions [Mt], RE share, cost [bn USD]
    by year, for ``countries`` (default: all with capacity)."""
    if countries is None:
        has = pw["capacity_mw"].sum(("year", "technology")) > 0
        countries = [str(c) for c in pw["country"].values[has.values]]
    sub = pw.sel(country=countries)
    cap = (sub["capacity_mw"].sum("country") / 1e3).to_pandas()
    cap = cap.loc[:, cap.abs().max() > 0.05]
    cap.columns = [f"{c} [GW]" for c in cap.columns]
    df = cap.round(1)
    df["CO2 [Mt]"] = sub["emissions_mt"].sum("country").to_pandas().round(1)
    gen = sub["generation_twh"].sum("country")
    ren = list(sc.RENEWABLE_TECHNOLOGIES)
    df["RE share of demand"] = (
        (gen.sel(technology=ren).sum("technology") / sub["demand_twh"].sum("country"))
        .to_pandas()
        .round(3)
    )
    df["system cost [bn USD/yr]"] = (pw["system_cost_usd"] / 1e9).to_pandas().round(2)
    df.index.name = "year"
    return df

"""Tables for reports from a comparison or a pathway: headline, emissions, pathway table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from ..data import schema as sc


def headline(cmp: xr.Dataset) -> pd.DataFrame:
    """The headline table: one row per scenario, rounded for reports.

    The headline cost is ``cost_excl_voll_penalty_usd``: fuel and variable O&M, carbon prices,
    wheeling and investment, **without** unserved energy priced at the value of lost load and
    without policy penalties. Both are reported beside it (cost and energy), never folded in.
    ``Δ`` columns are the scenario minus the reference; a saving is a negative ``Δ``.
    """
    ref = cmp.attrs.get("reference", str(cmp["scenario"].values[0]))
    dem = cmp["demand_twh"]
    rows = []
    for s in cmp["scenario"].values:
        c = cmp.sel(scenario=s)
        trade = float(c["exports_twh"].sum())
        d = dem.sel(scenario=s).values
        share = np.divide(c["unserved_twh"].values, d, out=np.zeros_like(d), where=d > 0)
        row = {
            "scenario": s,
            "cost excl. VoLL and penalties [bn USD]": float(c["cost_excl_voll_penalty_usd"]) / 1e9,
            "Δ cost excl. VoLL and penalties vs " + ref + " [bn USD]": float(
                c["delta_cost_excl_voll_penalty_usd"]
            )
            / 1e9,
            "unserved energy at VoLL [bn USD]": float(c["unserved_cost_usd"]) / 1e9,
            "policy penalties [bn USD]": float(c["policy_penalty_usd"]) / 1e9,
            "CO2 production [Mt]": float(c["emissions_production_t"].sum()) / 1e6,
            "Δ CO2 [Mt]": float(c["delta_emissions_production_t"].sum()) / 1e6,
            "cross-border trade [TWh]": trade,
            "ASEAN demand-weighted price [USD/MWh]": float(c["price_asean_usd_per_mwh"]),
            "unserved [TWh]": float(c["unserved_twh"].sum()),
            "max unserved share of a country's demand [%]": 100 * float(share.max()),
            "RE target shortfall [TWh]": float(c["renewable_shortfall_twh"]),
            "cap excess [Mt]": float(c["carbon_cap_excess_mt"]),
            "curtailed [TWh]": float(c["curtailment_twh"].sum()),
            "demand [TWh]": float(d.sum()),
        }
        if "carbon_shadow_price_usd_per_t" in cmp:
            v = cmp["carbon_shadow_price_usd_per_t"].sel(scenario=s).values
            row["max carbon shadow price [USD/t]"] = (
                float(np.nanmax(v)) if np.isfinite(v).any() else np.nan
            )
        rows.append(row)
    return pd.DataFrame(rows).set_index("scenario").round(3)


def decomposition(cmp: xr.Dataset) -> pd.DataFrame:
    """The integration benefit decomposed: each scenario minus the reference [bn USD, TWh, Mt].

    Rows: the cost components (fuel and variable O&M, carbon price, wheeling, investment,
    fixed O&M saved), their sum (the headline, excl. VoLL and penalties), the isolated-grid
    fallback capacity each side calls on and its annuity (avoided investment), then beside it the
    unserved energy (its energy and its cost at VoLL) and the policy penalties, the congestion
    rent of the cross-border corridors, CO2 (production-based) and cross-border trade. A
    negative cost is a saving of the scenario against the reference.
    """
    ref = cmp.attrs.get("reference", str(cmp["scenario"].values[0]))
    comps = [str(k) for k in cmp["cost_component"].values]
    headline_comps = [k for k in comps if k not in ("unserved_energy", "policy_penalty")]
    cross = None
    if "corridor" in cmp.coords:
        cross = cmp["corridor_from"].values != cmp["corridor_to"].values
    out = {}
    for s in cmp["scenario"].values:
        if s == ref:
            continue
        c = cmp.sel(scenario=s)
        d = c["delta_cost_usd"]
        col = {f"Δ {k} [bn USD]": float(d.sel(cost_component=k)) / 1e9 for k in headline_comps}
        col["Δ cost excl. VoLL and penalties [bn USD]"] = (
            float(c["delta_cost_excl_voll_penalty_usd"]) / 1e9
        )
        col["fallback capacity called [MW]"] = float(c["fallback_called_mw"].sum())
        col["fallback capacity called by the reference [MW]"] = float(
            cmp["fallback_called_mw"].sel(scenario=ref).sum()
        )
        col["Δ fallback investment (OCGT annuity) [bn USD]"] = (
            float(c["delta_fallback_investment_usd"]) / 1e9
        )
        col["Δ cost excl. VoLL and penalties, incl. fallback investment [bn USD]"] = (
            col["Δ cost excl. VoLL and penalties [bn USD]"]
            + col["Δ fallback investment (OCGT annuity) [bn USD]"]
        )
        if "build_stage_investment_usd" in cmp and float(
            abs(cmp["build_stage_investment_usd"]).max()
        ):
            col["Δ build-stage investment (in Δ investment) [bn USD]"] = (
                float(c["delta_build_stage_investment_usd"]) / 1e9
            )
            col["peak top-up capacity [MW]"] = float(c["peak_topup_mw"].sum())
            col["peak top-up capacity of the reference [MW]"] = float(
                cmp["peak_topup_mw"].sel(scenario=ref).sum()
            )
        col["Δ unserved energy [TWh]"] = float(c["delta_unserved_twh"].sum())
        col["Δ unserved energy at VoLL [bn USD]"] = float(c["delta_unserved_cost_usd"]) / 1e9
        col["Δ policy penalties [bn USD]"] = float(c["delta_policy_penalty_usd"]) / 1e9
        if cross is not None:
            rent = c["corridor_congestion_rent_usd"].values
            col["cross-border congestion rent [bn USD]"] = float(rent[cross].sum()) / 1e9
        col["Δ CO2 production [Mt]"] = float(c["delta_emissions_production_t"].sum()) / 1e6
        col["cross-border trade [TWh]"] = float(c["exports_twh"].sum())
        out[f"{s} vs {ref}"] = col
    return pd.DataFrame(out).round(3)


def who_gains(cmp: xr.Dataset) -> pd.DataFrame:
    """Per country: the change in the cost it bears (excl. VoLL), in unserved energy, in
    production- and consumption-based CO2 and its net imports, each scenario minus the reference.
    """
    ref = cmp.attrs.get("reference", str(cmp["scenario"].values[0]))
    frames = []
    for s in cmp["scenario"].values:
        if s == ref:
            continue
        c = cmp.sel(scenario=s)
        frames.append(
            pd.DataFrame(
                {
                    "comparison": f"{s} vs {ref}",
                    "country": cmp["country"].values,
                    "Δ cost excl. VoLL [bn USD]": c["delta_cost_country_excl_voll_usd"].values
                    / 1e9,
                    "Δ unserved [TWh]": c["delta_unserved_twh"].values,
                    "Δ CO2 production [Mt]": c["delta_emissions_production_t"].values / 1e6,
                    "Δ CO2 consumption [Mt]": c["delta_emissions_consumption_t"].values / 1e6,
                    "net imports [TWh]": c["imports_twh"].values - c["exports_twh"].values,
                }
            )
        )
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames).set_index(["comparison", "country"]).round(3)


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

"""Compare scenario results along a ``scenario`` dimension, with differences to a reference.

Works on results Datasets only (never on Pyomo objects). Everything compared is annual and
aggregated: cost, emissions (production- and consumption-based), generation mix, trade per
corridor, prices, curtailment, unserved energy, carbon shadow prices, and the integration
effect (which technologies in which countries were displaced, and by what).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr

from .data import schema as sc


def _by_country(res: xr.Dataset, var: str, dim: str = "node") -> np.ndarray:
    countries = res["country"].values.tolist()
    out = np.zeros(len(countries))
    labels = res[f"{dim}_country"].values
    vals = res[var].values
    for lab, v in zip(labels, vals, strict=True):
        out[countries.index(lab)] += v
    return out


def corridors(res: xr.Dataset) -> pd.DataFrame:
    """Annual trade per directed country pair over cross-border links.

    Columns: ``from_country``, ``to_country``, ``sent_twh`` (before losses), ``received_twh``,
    ``capacity_mw`` (sum of the links' limits in that direction), ``hours_at_limit`` (hours the
    corridor's total flow is within 0.1 % of its total limit), ``congestion_rent_usd``.
    """
    if "flow_forward_mw" not in res or res.sizes["link"] == 0:
        return pd.DataFrame(
            columns=[
                "from_country",
                "to_country",
                "sent_twh",
                "received_twh",
                "capacity_mw",
                "hours_at_limit",
                "congestion_rent_usd",
            ]
        )
    nc = dict(zip(res["node"].values, res["node_country"].values, strict=True))
    w = res["time_weight_h"].values if "time_weight_h" in res else np.ones(res.sizes["time"])
    rows: dict[tuple[str, str], dict] = {}
    loss = res["link_loss_fraction"].values
    cross = res["link_cross_border"].values.astype(bool)
    for i in np.flatnonzero(cross):
        a, b = nc[res["link_from"].values[i]], nc[res["link_to"].values[i]]
        for (x, y), flow, cap in (
            (
                (a, b),
                res["flow_forward_mw"].values[:, i],
                res["link_capacity_forward_mw"].values[i],
            ),
            (
                (b, a),
                res["flow_backward_mw"].values[:, i],
                res["link_capacity_backward_mw"].values[i],
            ),
        ):
            r = rows.setdefault(
                (x, y), {"flow": np.zeros(res.sizes["time"]), "cap": 0.0, "recv": 0.0}
            )
            r["flow"] = r["flow"] + flow
            r["cap"] += cap
            r["recv"] += float((w * flow).sum() * (1 - loss[i]))
    rent: dict[tuple[str, str], float] = {}
    if "congestion_rent_forward_usd" in res:
        for i in np.flatnonzero(cross):
            a, b = nc[res["link_from"].values[i]], nc[res["link_to"].values[i]]
            rent[(a, b)] = rent.get((a, b), 0.0) + float(
                res["congestion_rent_forward_usd"].values[i]
            )
            rent[(b, a)] = rent.get((b, a), 0.0) + float(
                res["congestion_rent_backward_usd"].values[i]
            )
    out = []
    for (x, y), r in sorted(rows.items()):
        if r["cap"] <= 0 and r["flow"].sum() <= 0:
            continue
        at = int(((r["flow"] >= 0.999 * r["cap"]) & (r["cap"] > 0)).sum())
        out.append(
            {
                "from_country": x,
                "to_country": y,
                "sent_twh": float((w * r["flow"]).sum()) / 1e6,
                "received_twh": r["recv"] / 1e6,
                "capacity_mw": r["cap"],
                "hours_at_limit": at,
                "congestion_rent_usd": rent.get((x, y), 0.0),
            }
        )
    return pd.DataFrame(out)


def compare(results: Mapping[str, xr.Dataset], reference: str | None = None) -> xr.Dataset:
    """Stack scenario results along ``scenario`` and add differences to the reference.

    Parameters
    ----------
    results
        Scenario name -> results Dataset (from :func:`aseangrid.solve` or a results file).
    reference
        Scenario the differences (``delta_*``) are taken against (default: the first).

    Returns
    -------
    xarray.Dataset
        Dimensions ``scenario``, ``country``, ``technology``, ``node``, ``corridor``,
        ``cost_component`` and ``carbon_cap``; every variable has units.
    """
    names = list(results)
    if not names:
        raise ValueError("compare needs at least one result")
    reference = reference or names[0]
    if reference not in results:
        raise KeyError(f"reference scenario {reference!r} is not among {names}")
    first = results[names[0]]
    countries = first["country"].values
    nodes = first["node"].values
    techs = np.array(sc.GENERATION_TECHNOLOGIES)
    per: dict[str, list] = {
        k: []
        for k in (
            "total_cost_usd",
            "cost_usd",
            "cost_country_usd",
            "emissions_production_t",
            "emissions_consumption_t",
            "generation_twh",
            "price_mean_usd_per_mwh",
            "price_demand_weighted_usd_per_mwh",
            "curtailment_twh",
            "unserved_twh",
            "imports_twh",
            "exports_twh",
            "demand_twh",
            "policy_penalty_usd",
            "renewable_shortfall_twh",
            "carbon_cap_excess_mt",
            "node_demand_twh",
        )
    }
    corr_frames, caps = [], []
    for name in names:
        r = results[name]
        per["total_cost_usd"].append(
            float(r["cost_usd"].sum() - r["cost_usd"].sel(cost_component="policy_penalty"))
        )
        per["policy_penalty_usd"].append(float(r["cost_usd"].sel(cost_component="policy_penalty")))
        short = {}
        for v, f in (("renewable_shortfall_mwh", 1e-6), ("carbon_cap_excess_t", 1e-6)):
            short[v] = float(r[v].sum()) * f if v in r else 0.0
        per["renewable_shortfall_twh"].append(short["renewable_shortfall_mwh"])
        per["carbon_cap_excess_mt"].append(short["carbon_cap_excess_t"])
        per["cost_usd"].append(r["cost_usd"].values)
        per["cost_country_usd"].append(r["cost_country_usd"].sum("cost_component").values)
        per["emissions_production_t"].append(r["emissions_country_t"].values)
        per["emissions_consumption_t"].append(r["emissions_consumption_country_t"].values)
        per["generation_twh"].append(r["generation_country_twh"].values)
        per["price_mean_usd_per_mwh"].append(r["price_mean_usd_per_mwh"].values)
        per["price_demand_weighted_usd_per_mwh"].append(
            r["price_demand_weighted_usd_per_mwh"].values
        )
        curt = np.zeros(len(countries))
        for c, v in zip(r["generator_country"].values, r["curtailment_twh"].values, strict=True):
            curt[list(countries).index(c)] += v
        per["curtailment_twh"].append(curt)
        per["unserved_twh"].append(_by_country(r, "unserved_twh"))
        per["imports_twh"].append(
            r["imports_twh"].values if "imports_twh" in r else np.zeros(len(countries))
        )
        per["exports_twh"].append(
            r["exports_twh"].values if "exports_twh" in r else np.zeros(len(countries))
        )
        w = r["time_weight_h"] if "time_weight_h" in r else 1.0
        dem = (w * r["demand_mw"]).sum("time").values / 1e6
        per["node_demand_twh"].append(dem)
        per["demand_twh"].append(
            np.array([dem[r["node_country"].values == c].sum() for c in countries])
        )
        df = corridors(r)
        df["scenario"] = name
        corr_frames.append(df)
        if "carbon_shadow_price_usd_per_t" in r:
            caps.append(r["carbon_shadow_price_usd_per_t"].expand_dims(scenario=[name]))
    S = len(names)
    out = xr.Dataset(
        coords={
            "scenario": names,
            "country": countries,
            "node": nodes,
            "technology": techs,
            "cost_component": first["cost_usd"]["cost_component"].values,
            "node_country": ("node", first["node_country"].values),
        }
    )

    def put(name, dims, data, units, desc):
        out[name] = xr.DataArray(
            np.asarray(data), dims=dims, attrs={"units": units, "description": desc}
        )

    put(
        "total_cost_usd",
        ("scenario",),
        per["total_cost_usd"],
        "USD",
        "Annual system cost: fuel, O&M, carbon prices, wheeling and unserved energy "
        "(policy shortfall penalties excluded, see policy_penalty_usd).",
    )
    put(
        "policy_penalty_usd",
        ("scenario",),
        per["policy_penalty_usd"],
        "USD",
        "Penalty paid in the objective for missed policies (a modelling device, not a cost).",
    )
    put(
        "renewable_shortfall_twh",
        ("scenario",),
        per["renewable_shortfall_twh"],
        "TWh",
        "Renewable energy missing to reach the targets, all countries.",
    )
    put(
        "carbon_cap_excess_mt",
        ("scenario",),
        per["carbon_cap_excess_mt"],
        "MtCO2",
        "Emissions above the carbon caps, all caps.",
    )
    put(
        "cost_usd",
        ("scenario", "cost_component"),
        per["cost_usd"],
        "USD",
        "Annual system cost by component.",
    )
    put(
        "cost_country_usd",
        ("scenario", "country"),
        per["cost_country_usd"],
        "USD",
        "Annual cost borne per country (see results cost_country_usd).",
    )
    put(
        "emissions_production_t",
        ("scenario", "country"),
        per["emissions_production_t"],
        "tCO2",
        "Production-based emissions (where the power is generated).",
    )
    put(
        "emissions_consumption_t",
        ("scenario", "country"),
        per["emissions_consumption_t"],
        "tCO2",
        "Consumption-based emissions (where the power is used; flow tracing).",
    )
    put(
        "generation_twh",
        ("scenario", "country", "technology"),
        per["generation_twh"],
        "TWh",
        "Annual generation by country and technology.",
    )
    put(
        "price_mean_usd_per_mwh",
        ("scenario", "node"),
        per["price_mean_usd_per_mwh"],
        "USD/MWh",
        "Time-average nodal price.",
    )
    put(
        "price_demand_weighted_usd_per_mwh",
        ("scenario", "node"),
        per["price_demand_weighted_usd_per_mwh"],
        "USD/MWh",
        "Demand-weighted nodal price.",
    )
    put(
        "curtailment_twh",
        ("scenario", "country"),
        per["curtailment_twh"],
        "TWh",
        "Curtailed variable renewable and run-of-river energy.",
    )
    put("unserved_twh", ("scenario", "country"), per["unserved_twh"], "TWh", "Unserved energy.")
    put(
        "imports_twh",
        ("scenario", "country"),
        per["imports_twh"],
        "TWh",
        "Cross-border imports received.",
    )
    put(
        "exports_twh",
        ("scenario", "country"),
        per["exports_twh"],
        "TWh",
        "Cross-border exports sent.",
    )
    put("demand_twh", ("scenario", "country"), per["demand_twh"], "TWh", "Annual demand.")
    put(
        "node_demand_twh",
        ("scenario", "node"),
        per["node_demand_twh"],
        "TWh",
        "Annual demand per node.",
    )
    pdw = np.nan_to_num(np.asarray(per["price_demand_weighted_usd_per_mwh"]))
    nd = np.asarray(per["node_demand_twh"])
    put(
        "price_asean_usd_per_mwh",
        ("scenario",),
        (pdw * nd).sum(1) / nd.sum(1),
        "USD/MWh",
        "ASEAN demand-weighted average price (node prices weighted by hourly demand).",
    )
    corr = pd.concat(corr_frames, ignore_index=True)
    if len(corr):
        keys = sorted(set(zip(corr["from_country"], corr["to_country"], strict=True)))
        out = out.assign_coords(
            corridor=[f"{a}>{b}" for a, b in keys],
            corridor_from=("corridor", [a for a, _ in keys]),
            corridor_to=("corridor", [b for _, b in keys]),
        )
        for col, units, desc in (
            ("sent_twh", "TWh", "Energy sent along the corridor (before losses)."),
            ("hours_at_limit", "h", "Hours the corridor is at its limit."),
            ("capacity_mw", "MW", "Corridor limit (sum of its links)."),
            (
                "congestion_rent_usd",
                "USD",
                "Congestion rent of the corridor's direction (price gap after losses x flow).",
            ),
        ):
            arr = np.zeros((S, len(keys)))
            for _, row in corr.iterrows():
                arr[
                    names.index(row["scenario"]),
                    keys.index((row["from_country"], row["to_country"])),
                ] = row[col]
            put(f"corridor_{col}", ("scenario", "corridor"), arr, units, desc)
    if caps:
        cp = xr.concat(caps, dim="scenario", join="outer")
        out["carbon_shadow_price_usd_per_t"] = cp.reindex(scenario=names).drop_vars(
            [c for c in cp.coords if c not in ("scenario", "carbon_cap")]
        )
        out["carbon_shadow_price_usd_per_t"].attrs.update(
            units="USD/tCO2", description="Shadow price of each carbon cap (NaN: no such cap)."
        )
    # differences against the reference
    for v in (
        "total_cost_usd",
        "cost_country_usd",
        "emissions_production_t",
        "emissions_consumption_t",
        "generation_twh",
        "price_demand_weighted_usd_per_mwh",
        "imports_twh",
        "exports_twh",
        "unserved_twh",
        "curtailment_twh",
    ):
        d = out[v] - out[v].sel(scenario=reference)
        d.attrs = {
            "units": out[v].attrs["units"],
            "description": f"{out[v].attrs['description']} Minus the reference "
            f"scenario '{reference}'.",
        }
        out[f"delta_{v}"] = d
    disp = out["delta_generation_twh"]
    out["displaced_twh"] = (-disp.clip(max=0)).sum("country")
    out["displaced_twh"].attrs = {
        "units": "TWh",
        "description": "Generation that fell against "
        "the reference, by technology (summed over countries).",
    }
    out["displacing_twh"] = disp.clip(min=0).sum("country")
    out["displacing_twh"].attrs = {
        "units": "TWh",
        "description": "Generation that rose against the reference, by technology.",
    }
    out.attrs["reference"] = reference
    return out


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

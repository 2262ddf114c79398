"""Quantities derived from a solution and its inputs: capacities in service, curtailment,
emissions (production- and consumption-based), trade, rents, costs by component and prices.

Every function adds variables with units and a description to the results Dataset ``res``;
:func:`derive` calls them in order. Costs are recomputed from the values and the inputs
(:mod:`aseangrid.results.costs`).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..data import schema as sc
from .costs import costs, energy, group_sum, node_countries, put


def by_label(res: xr.Dataset, name: str, dim: str, labels: np.ndarray) -> np.ndarray:
    """Values of a variable on a subset dimension, spread over ``labels`` (0 elsewhere)."""
    out = np.zeros(len(labels))
    if name in res:
        pos = {x: i for i, x in enumerate(np.asarray(labels).tolist())}
        for x, v in zip(res[dim].values.tolist(), res[name].values.tolist(), strict=True):
            out[pos[x]] = v
    return out


def retired(ds: xr.Dataset, res: xr.Dataset) -> np.ndarray:
    """Capacity retired early per generator [MW] (0 where not retirable)."""
    return by_label(res, "capacity_retired_mw", "generator_retirable", ds["generator"].values)


def capacities(ds: xr.Dataset, res: xr.Dataset) -> None:
    """Capacities in service after this step's builds and early retirements [MW, MWh]."""
    g = ds["generator"].values
    new = by_label(res, "capacity_new_mw", "generator_extendable", g)
    put(
        res,
        "capacity_total_mw",
        "generator",
        ds["capacity_mw"].values + new - retired(ds, res),
        "MW",
        "Capacity in service: existing + built - retired.",
    )
    s = ds["storage"].values
    for name, base, new_name, units in (
        ("storage_power_total_mw", "storage_power_mw", "storage_power_new_mw", "MW"),
        ("storage_energy_total_mwh", "storage_energy_mwh", "storage_energy_new_mwh", "MWh"),
    ):
        put(
            res,
            name,
            "storage",
            ds[base].values + by_label(res, new_name, "storage_extendable", s),
            units,
            "Existing plus built storage capacity.",
        )
    new = by_label(res, "link_capacity_new_mw", "link_extendable", ds["link"].values)
    for d in ("forward", "backward"):
        put(
            res,
            f"link_capacity_{d}_total_mw",
            "link",
            ds[f"link_capacity_{d}_mw"].values + new,
            "MW",
            f"Existing plus built capacity ({d}).",
        )


def generation(ds: xr.Dataset, res: xr.Dataset) -> None:
    """Annual generation, curtailment and generation by country and technology [TWh]."""
    T, G = ds.sizes["time"], ds.sizes["generator"]
    gen = res["generation_mw"].values if "generation_mw" in res else np.zeros((T, G))
    gt = ds["generator_technology"].values
    put(res, "generation_twh", ("generator",), energy(ds, gen) / 1e6, "TWh", "Annual generation.")
    avail = ds["availability_pu"].values * res["capacity_total_mw"].values[None, :]
    has_profile = (ds["reservoir_capacity_mwh"].values == 0) & np.isin(
        gt, ["solar_pv", "wind_onshore", "wind_offshore", "hydro_ror"]
    )
    curt = np.where(has_profile[None, :], np.maximum(avail - gen, 0.0), 0.0)
    put(
        res,
        "curtailment_mw",
        ("time", "generator"),
        curt,
        "MW",
        "Available variable renewable or run-of-river output not used.",
    )
    put(
        res, "curtailment_twh", ("generator",), energy(ds, curt) / 1e6, "TWh", "Annual curtailment."
    )
    techs = np.array(sc.GENERATION_TECHNOLOGIES)
    countries = ds["country"].values
    gct = np.zeros((len(countries), len(techs)))
    cpos = {c: i for i, c in enumerate(countries.tolist())}
    tpos = {t: i for i, t in enumerate(techs.tolist())}
    gwh = res["generation_twh"].values
    for i, (c, t) in enumerate(
        zip(ds["generator_country"].values.tolist(), gt.tolist(), strict=True)
    ):
        gct[cpos[c], tpos[t]] += gwh[i]
    put(
        res,
        "generation_country_twh",
        ("country", "technology"),
        gct,
        "TWh",
        "Annual generation by country and technology.",
        coords={"technology": techs},
    )


def emissions(ds: xr.Dataset, res: xr.Dataset) -> None:
    """Production-based CO2 per generator, node and country, and consumption-based CO2 by
    flow tracing [tCO2]."""
    em_g = res["generation_twh"].values * 1e6 * ds["emission_factor_t_per_mwh"].values
    put(res, "emissions_t", ("generator",), em_g, "tCO2", "Annual CO2 emissions per generator.")
    put(
        res,
        "emissions_node_t",
        ("node",),
        group_sum(em_g, ds["generator_node"].values, ds["node"].values),
        "tCO2",
        "Annual CO2 emissions of the generators at each node (production-based).",
    )
    put(
        res,
        "emissions_country_t",
        ("country",),
        group_sum(em_g, ds["generator_country"].values, ds["country"].values),
        "tCO2",
        "Annual CO2 emissions of the generators in each country (production-based).",
    )
    if "unserved_mw" not in res:
        return
    from .tracing import consumption_emissions

    ce = consumption_emissions(ds, res)
    put(
        res,
        "emissions_consumption_node_t",
        ("node",),
        ce["node"],
        "tCO2",
        "Consumption-based CO2: emissions of the power consumed at each node, traced through "
        "the optimised flows (proportional sharing; see aseangrid.results.tracing).",
    )
    put(
        res,
        "emissions_consumption_country_t",
        ("country",),
        ce["country"],
        "tCO2",
        "Consumption-based CO2 per country (flow tracing); sums to the production total.",
    )
    put(
        res,
        "consumption_intensity_t_per_mwh",
        ("time", "node"),
        ce["intensity"],
        "t/MWh",
        "Hourly CO2 intensity of the power available at each node (flow tracing).",
    )


def links(ds: xr.Dataset, res: xr.Dataset) -> None:
    """Energy sent per link and direction, wheeling paid, hours at the limit."""
    if "flow_forward_mw" not in res:
        return
    ff, fb = energy(ds, res["flow_forward_mw"].values), energy(ds, res["flow_backward_mw"].values)
    wheel = (
        ff * ds["wheeling_forward_usd_per_mwh"].values
        + fb * ds["wheeling_backward_usd_per_mwh"].values
    )
    put(res, "link_energy_forward_twh", ("link",), ff / 1e6, "TWh", "Annual energy sent forward.")
    put(res, "link_energy_backward_twh", ("link",), fb / 1e6, "TWh", "Annual energy sent backward.")
    put(res, "wheeling_cost_usd", ("link",), wheel, "USD", "Annual wheeling charges paid.")
    for d in ("forward", "backward"):
        cap = ds[f"link_capacity_{d}_mw"].values
        at = (res[f"flow_{d}_mw"].values >= cap[None, :] * (1 - 1e-6) - 1e-6) & (cap > 0)
        put(
            res,
            f"link_hours_at_limit_{d}",
            ("link",),
            at.sum(axis=0),
            "h",
            f"Hours the {d} flow is at its limit.",
        )


def trade(ds: xr.Dataset, res: xr.Dataset) -> None:
    """Exports, imports and net imports per country over cross-border links and contracts."""
    if "flow_forward_mw" not in res:
        return
    countries = ds["country"].values
    ff, fb = (
        res["link_energy_forward_twh"].values * 1e6,
        res["link_energy_backward_twh"].values * 1e6,
    )
    loss = ds["link_loss_fraction"].values
    cross = ds["link_cross_border"].values.astype(bool)
    cf, ct = node_countries(ds, ds["link_from"].values), node_countries(ds, ds["link_to"].values)
    exp = group_sum(np.where(cross, ff, 0), cf, countries) + group_sum(
        np.where(cross, fb, 0), ct, countries
    )
    imp = group_sum(np.where(cross, ff * (1 - loss), 0), ct, countries) + group_sum(
        np.where(cross, fb * (1 - loss), 0), cf, countries
    )
    if "contract_delivery_mw" in res:  # contracts across borders are trade too
        xk = energy(ds, res["contract_delivery_mw"].values)
        keep_k = 1 - ds["contract_loss_fraction"].values
        sc_ = node_countries(ds, ds["contract_seller"].values)
        bc_ = node_countries(ds, ds["contract_buyer"].values)
        crossk = sc_ != bc_
        exp = exp + group_sum(np.where(crossk, xk / keep_k, 0), sc_, countries)
        imp = imp + group_sum(np.where(crossk, xk, 0), bc_, countries)
    put(
        res,
        "exports_twh",
        ("country",),
        exp / 1e6,
        "TWh",
        "Annual energy sent across borders (before losses), links and contracts.",
    )
    put(
        res,
        "imports_twh",
        ("country",),
        imp / 1e6,
        "TWh",
        "Annual energy received across borders (after losses), links and contracts.",
    )
    put(
        res,
        "net_imports_twh",
        ("country",),
        (imp - exp) / 1e6,
        "TWh",
        "Imports received minus exports sent.",
    )


def congestion_rents(ds: xr.Dataset, res: xr.Dataset) -> None:
    """Flow times the price difference (after losses) per link and direction [USD]."""
    if "flow_forward_mw" not in res or "price_usd_per_mwh" not in res:
        return
    price = res["price_usd_per_mwh"].values
    nidx = {n: i for i, n in enumerate(ds["node"].values.tolist())}
    ia = np.array([nidx[a] for a in ds["link_from"].values.tolist()], dtype=np.int64)
    ib = np.array([nidx[b] for b in ds["link_to"].values.tolist()], dtype=np.int64)
    keep = (1 - ds["link_loss_fraction"].values)[None, :]
    rent_f = energy(ds, res["flow_forward_mw"].values * (price[:, ib] * keep - price[:, ia]))
    rent_b = energy(ds, res["flow_backward_mw"].values * (price[:, ia] * keep - price[:, ib]))
    put(
        res,
        "congestion_rent_forward_usd",
        ("link",),
        rent_f,
        "USD",
        "Annual congestion rent of the forward direction: flow x (price at the receiving node "
        "x (1 - loss) - price at the sending node).",
    )
    put(
        res,
        "congestion_rent_backward_usd",
        ("link",),
        rent_b,
        "USD",
        "Annual congestion rent of the backward direction.",
    )
    put(
        res,
        "congestion_rent_usd",
        ("link",),
        rent_f + rent_b,
        "USD",
        "Annual price difference times flow (after losses), both directions.",
    )


def contracts(ds: xr.Dataset, res: xr.Dataset) -> None:
    """Energy delivered under each contract and the transit countries' wheeling revenue."""
    if "contract_delivery_mw" not in res:
        return
    x = energy(ds, res["contract_delivery_mw"].values)
    put(
        res,
        "contract_delivered_twh",
        ("contract",),
        x / 1e6,
        "TWh",
        "Annual energy delivered under each contract.",
    )
    put(
        res,
        "contract_wheeling_revenue_usd",
        ("contract", "country"),
        x[:, None] * ds["contract_wheeling_usd_per_mwh"].values,
        "USD",
        "Wheeling revenue of each transit country from each contract.",
    )


def unserved(ds: xr.Dataset, res: xr.Dataset) -> None:
    """Annual unserved energy per node [TWh]."""
    if "unserved_mw" in res:
        put(
            res,
            "unserved_twh",
            ("node",),
            energy(ds, res["unserved_mw"].values) / 1e6,
            "TWh",
            "Annual unserved energy.",
        )


def prices(ds: xr.Dataset, res: xr.Dataset) -> None:
    """Time-average and demand-weighted price per node [USD/MWh]."""
    if "price_usd_per_mwh" not in res:
        return
    w = ds["time_weight_h"].values
    price = res["price_usd_per_mwh"].values
    dem = ds["demand_mw"].values
    put(
        res,
        "price_mean_usd_per_mwh",
        ("node",),
        (w[:, None] * price).sum(0) / w.sum(),
        "USD/MWh",
        "Time-average price.",
    )
    dw = (w[:, None] * dem * price).sum(0) / np.maximum((w[:, None] * dem).sum(0), 1e-9)
    put(
        res,
        "price_demand_weighted_usd_per_mwh",
        ("node",),
        np.where(dem.sum(0) > 0, dw, np.nan),
        "USD/MWh",
        "Demand-weighted average price (NaN at nodes without demand).",
    )


def derive(
    ds: xr.Dataset,
    res: xr.Dataset,
    component_costs: dict[str, float] | None = None,
    constant_costs: dict[str, float] | None = None,
) -> None:
    """Add every derived quantity to ``res``.

    ``component_costs`` are the solver's cost components; only the user's (``user_*``) are
    taken from it (with their constants), the model's are recomputed from values and inputs.
    """
    user = {
        k: v + (constant_costs or {}).get(k, 0.0)
        for k, v in (component_costs or {}).items()
        if k.startswith("user_")
    }
    for k, v in (constant_costs or {}).items():
        user.setdefault(k, v)
    capacities(ds, res)
    generation(ds, res)
    emissions(ds, res)
    links(ds, res)
    trade(ds, res)
    congestion_rents(ds, res)
    contracts(ds, res)
    unserved(ds, res)
    costs(ds, res, user)
    prices(ds, res)

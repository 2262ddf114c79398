"""Costs by country and component, recomputed from the values and the inputs (not read from
the solver), which is what lets the verification compare them with the objective; with the
accounting helpers every derived quantity uses: energy over the horizon, sums by group and a
variable put on the results with its units.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..data.timeagg import horizon_share
from ..formulation import COST_COMPONENTS

#: Policy shortfall variables and the policy each belongs to.
SHORTFALLS: dict[str, str] = {
    "carbon_cap_excess_t": "carbon_cap_limit",
    "renewable_shortfall_mwh": "renewable_share",
    "coal_generation_excess_mwh": "coal_generation_limit",
    "coal_capacity_excess_mw": "coal_capacity_limit",
    "energy_limit_shortfall_mwh": "energy_limit_min",
    "energy_limit_excess_mwh": "energy_limit_max",
}


def put(res: xr.Dataset, name: str, dims, data, units: str, desc: str, coords=None) -> None:
    """Add one variable with its units and description."""
    res[name] = xr.DataArray(
        data, dims=dims, coords=coords, attrs={"units": units, "description": desc}
    )


def group_sum(values: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Sum ``values[..., i]`` over the last axis into ``groups`` by ``labels``."""
    out = np.zeros((*values.shape[:-1], len(groups)))
    pos = {g: i for i, g in enumerate(np.asarray(groups).tolist())}
    for i, lab in enumerate(np.asarray(labels).tolist()):
        out[..., pos[lab]] += values[..., i]
    return out


def energy(ds: xr.Dataset, mw: np.ndarray) -> np.ndarray:
    """Energy over the horizon of an hourly power series ``(time, ...)`` [MWh]."""
    w = ds["time_weight_h"].values
    return (w.reshape((-1,) + (1,) * (mw.ndim - 1)) * mw).sum(axis=0)


def node_countries(ds: xr.Dataset, nodes) -> np.ndarray:
    """Country of each node label in ``nodes``."""
    nc = dict(zip(ds["node"].values.tolist(), ds["node_country"].values.tolist(), strict=True))
    return np.array([nc[n] for n in np.asarray(nodes).tolist()], dtype=object)


def _capital_costs(
    ds: xr.Dataset, res: xr.Dataset, countries: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Investment (annuity + fixed O&M of what is built) and the fixed O&M saved by early
    retirement, by country [USD per horizon]."""
    share = horizon_share(ds)
    inv, saved = np.zeros(len(countries)), np.zeros(len(countries))
    if "capacity_new_mw" in res:
        g = res["generator_extendable"].values
        k = ds["annual_cost_usd_per_mw"].sel(generator=g).values
        inv += group_sum(
            share * k * res["capacity_new_mw"].values,
            ds["generator_country"].sel(generator=g).values,
            countries,
        )
    if "storage_power_new_mw" in res:
        st = res["storage_extendable"].values
        v = share * (
            ds["storage_annual_cost_usd_per_mw"].sel(storage=st).values
            * res["storage_power_new_mw"].values
            + ds["storage_annual_cost_usd_per_mwh"].sel(storage=st).values
            * res["storage_energy_new_mwh"].values
        )
        inv += group_sum(
            v, node_countries(ds, ds["storage_node"].sel(storage=st).values), countries
        )
    if "link_capacity_new_mw" in res:
        ln = res["link_extendable"].values
        v = (
            share
            * ds["link_annual_cost_usd_per_mw"].sel(link=ln).values
            * res["link_capacity_new_mw"].values
        )
        for end in ("link_from", "link_to"):  # shared half and half by the two ends
            inv += group_sum(0.5 * v, node_countries(ds, ds[end].sel(link=ln).values), countries)
    if "capacity_retired_mw" in res:
        g = res["generator_retirable"].values
        f = ds["fom_usd_per_mw"].sel(generator=g).values
        saved -= group_sum(
            share * f * res["capacity_retired_mw"].values,
            ds["generator_country"].sel(generator=g).values,
            countries,
        )
    return inv, saved


def penalties(ds: xr.Dataset, res: xr.Dataset) -> float:
    """Policy shortfalls priced at the penalty [USD]."""
    pen = float(ds["policy_penalty_usd"])
    total = 0.0
    for v in SHORTFALLS:
        if v in res:
            arr = res[v].values
            if "time" in res[v].dims:
                arr = energy(ds, arr)
            total += pen * float(arr.sum())
    return total


def costs(ds: xr.Dataset, res: xr.Dataset, user_costs: dict[str, float]) -> None:
    """Annual cost by country and component, and the system total by component [USD]."""
    countries = ds["country"].values
    gc = ds["generator_country"].values
    cpos = {c: i for i, c in enumerate(countries.tolist())}
    gen = res["generation_twh"].values * 1e6
    cp = (
        ds["carbon_price_usd_per_t"].values[[cpos[c] for c in gc.tolist()]]
        if gc.size
        else np.zeros(0)
    )
    comps = list(COST_COMPONENTS) + sorted(user_costs)
    cost_c = np.zeros((len(countries), len(comps)))
    cost_c[:, 0] = group_sum(gen * ds["marginal_cost_usd_per_mwh"].values, gc, countries)
    cost_c[:, 1] = group_sum(res["emissions_t"].values * cp, gc, countries)
    if "flow_forward_mw" in res:  # charged to the sending country
        cost_c[:, 2] = group_sum(
            res["link_energy_forward_twh"].values * 1e6 * ds["wheeling_forward_usd_per_mwh"].values,
            node_countries(ds, ds["link_from"].values),
            countries,
        ) + group_sum(
            res["link_energy_backward_twh"].values
            * 1e6
            * ds["wheeling_backward_usd_per_mwh"].values,
            node_countries(ds, ds["link_to"].values),
            countries,
        )
    if "contract_wheeling_revenue_usd" in res:  # paid by the buyer
        cost_c[:, 2] += group_sum(
            res["contract_wheeling_revenue_usd"].values.sum(axis=1),
            node_countries(ds, ds["contract_buyer"].values),
            countries,
        )
    if "unserved_twh" in res:
        voll = float(ds["value_of_lost_load_usd_per_mwh"])
        cost_c[:, 3] = group_sum(
            res["unserved_twh"].values * 1e6 * voll, ds["node_country"].values, countries
        )
    cost_c[:, 5], cost_c[:, 6] = _capital_costs(ds, res, countries)
    put(
        res,
        "cost_country_usd",
        ("country", "cost_component"),
        cost_c,
        "USD",
        "Annual cost by country and component (fuel and O&M and carbon by generator country; "
        "wheeling by sending country; unserved energy by node country; policy penalties and "
        "user cost terms only in the system total).",
        coords={"cost_component": comps},
    )
    total = cost_c.sum(axis=0)
    total[4] = penalties(ds, res)
    for k, name in enumerate(comps[len(COST_COMPONENTS) :], start=len(COST_COMPONENTS)):
        total[k] = user_costs[name]
    put(
        res,
        "cost_usd",
        ("cost_component",),
        total,
        "USD",
        "Annual system cost by component.",
        coords={"cost_component": comps},
    )

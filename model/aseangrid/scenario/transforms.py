"""Scenario transforms: pure functions from an input Dataset to the Dataset of a scenario.

The one place that isolates grids, overrides link capacities, sets policies, scales demand
and fuel prices and adds bilateral contracts along a path. Integrated versus isolated is data
(cross-border capacities set to zero), not a second code path.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import xarray as xr

from ..data import schema as sc
from ..data.fleet import heat_rate, marginal_cost
from ..errors import InputError, Problem
from .model import Scenario


def set_country_value(ds: xr.Dataset, var: str, country: str, value: float | None) -> None:
    """Set a per-country input (``ASEAN``: all ten; ``None``: no value) in place."""
    arr = ds[var].values.copy()
    val = np.nan if value is None else float(value)
    if country == sc.ASEAN:
        arr[:] = val
    else:
        arr[ds["country"].values.tolist().index(country)] = val
    ds[var] = (ds[var].dims, arr, ds[var].attrs)


def _set_country(ds: xr.Dataset, var: str, values: dict[str, float | None]) -> None:
    for c, v in values.items():
        set_country_value(ds, var, c, v)


def link_directions(ds: xr.Dataset) -> np.ndarray:
    """``forward``, ``backward`` or ``both`` per link: the directions it can carry power in,
    as the dataset defines it (``link_direction``), never as a scenario left its capacities."""
    if "link_direction" in ds.coords:
        return ds["link_direction"].values
    f = ds["link_capacity_forward_mw"].values > 0
    b = ds["link_capacity_backward_mw"].values > 0
    return np.where(f & ~b, "forward", np.where(b & ~f, "backward", "both"))


def link_capacity_values(ds: xr.Dataset, i: int, mw: float) -> tuple[float, float]:
    """Forward and backward capacity of link ``i`` set to ``mw`` [MW]: a one-way link stays
    one-way (the direction it lacks stays at 0)."""
    d = link_directions(ds)[i]
    return (float(mw) if d != "backward" else 0.0, float(mw) if d != "forward" else 0.0)


def set_link_capacity(ds: xr.Dataset, link: str, mw: float) -> None:
    """Set a link's capacity in the directions it has [MW], in place."""
    i = ds["link"].values.tolist().index(link)
    f, b = link_capacity_values(ds, i, mw)
    ds["link_capacity_forward_mw"].values[i] = f
    ds["link_capacity_backward_mw"].values[i] = b


def set_carbon_cap(ds: xr.Dataset, cap: str, mt: float) -> None:
    """Set the annual limit of an existing carbon cap [MtCO2], in place."""
    ds["carbon_cap_mt"].values[ds["carbon_cap"].values.tolist().index(cap)] = float(mt)


def _path_links(ds: xr.Dataset, path: list[str]) -> list[tuple[int, bool]]:
    """Links along a node path: (link position, True if used forward), largest capacity."""
    out = []
    frm, to = ds["link_from"].values, ds["link_to"].values
    capf = ds["link_capacity_forward_mw"].values
    capb = ds["link_capacity_backward_mw"].values
    for a, b in pairwise(path):
        cands = [(i, True, capf[i]) for i in np.flatnonzero((frm == a) & (to == b))]
        cands += [(i, False, capb[i]) for i in np.flatnonzero((frm == b) & (to == a))]
        if not cands:
            raise InputError(
                [
                    Problem(
                        "(scenario)",
                        None,
                        "contracts.path",
                        f"{a}-{b}",
                        f"a link between {a} and {b} in {ds.attrs.get('year')}",
                    )
                ],
                context="scenario",
            )
        i, fwd, _ = max(cands, key=lambda x: x[2])
        out.append((int(i), fwd))
    return out


def isolated_capacities(ds: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Link capacities with every cross-border link at zero (domestic links kept) [MW]."""
    cross = ds["link_cross_border"].values.astype(bool)
    capf = np.where(cross, 0.0, ds["link_capacity_forward_mw"].values)
    capb = np.where(cross, 0.0, ds["link_capacity_backward_mw"].values)
    return capf, capb


def disconnected(ds: xr.Dataset, countries: list[str]) -> np.ndarray:
    """Per link: does it touch a node with load in one of ``countries``? (Export-only nodes
    without load, projects dedicated to a buyer abroad, are not a country's grid.)"""
    nodes = ds["node"].values.tolist()
    load = (ds["demand_mw"].values > 0).any(axis=0)
    in_country = np.isin(ds["node_country"].values, countries)
    grid = [n for n, keep in zip(nodes, in_country & load, strict=True) if keep]
    return np.isin(ds["link_from"].values, grid) | np.isin(ds["link_to"].values, grid)


def isolate(ds: xr.Dataset) -> xr.Dataset:
    """The Dataset with no cross-border trade (a copy)."""
    out = ds.copy(deep=True)
    capf, capb = isolated_capacities(ds)
    out["link_capacity_forward_mw"].values[:] = capf
    out["link_capacity_backward_mw"].values[:] = capb
    return out


def apply(ds: xr.Dataset, s: Scenario) -> xr.Dataset:
    """Apply a scenario's overrides to an input Dataset (a new Dataset is returned).

    The Dataset must have been loaded for the scenario's year and hydrology
    (:func:`load_scenario` does both).
    """
    ds = ds.copy(deep=True)
    _apply_links(ds, s)
    ds = _apply_policies(ds, s)
    _scale_demand(ds, s)
    _scale_fuel_prices(ds, s)
    ds["value_of_lost_load_usd_per_mwh"] = ds["value_of_lost_load_usd_per_mwh"].copy(
        data=float(s.value_of_lost_load_usd_per_mwh)
    )
    ds["policy_penalty_usd"] = ds["policy_penalty_usd"].copy(data=float(s.policy_penalty_usd))
    if s.hours:
        ds = ds.isel(time=slice(0, s.hours))
    if s.contracts:
        ds = _add_contracts(ds, s)
    ds.attrs["scenario"] = s.model_dump_json()
    return ds


def _apply_links(ds: xr.Dataset, s: Scenario) -> None:
    """Link capacities of the scenario's topology and link overrides [MW], in place."""
    cross = ds["link_cross_border"].values.astype(bool)
    capf = ds["link_capacity_forward_mw"].values.copy()
    capb = ds["link_capacity_backward_mw"].values.copy()
    if s.topology == "isolated":
        capf, capb = isolated_capacities(ds)
    elif s.topology == "existing":
        keep = ds["link_status"].values == "existing"
        capf[~keep] = 0.0
        capb[~keep] = 0.0
    elif isinstance(s.topology, list):
        keep = np.isin(ds["link"].values, s.topology) | ~cross
        capf[~keep] = 0.0
        capb[~keep] = 0.0
    if s.disconnected_countries:
        cut = cross & disconnected(ds, s.disconnected_countries)
        capf[cut] = 0.0
        capb[cut] = 0.0
    links = ds["link"].values.tolist()
    for lk, v in s.link_capacity_mw.items():
        if lk in links:  # links of other years are absent in this year
            i = links.index(lk)
            capf[i], capb[i] = link_capacity_values(ds, i, v)
    ds["link_capacity_forward_mw"].values[:] = capf
    ds["link_capacity_backward_mw"].values[:] = capb


def _apply_policies(ds: xr.Dataset, s: Scenario) -> xr.Dataset:
    """The scenario's policies: the dataset's kept or cleared, then the scenario's carbon
    prices [USD/tCO2], renewable shares [1], coal limits [MW, TWh] and carbon caps set."""
    if not s.dataset_policies:
        ds["carbon_price_usd_per_t"].values[:] = 0.0
        for v in ("renewable_share_min", "coal_generation_max_twh", "coal_capacity_max_mw"):
            ds[v].values[:] = np.nan
        ds = ds.isel(carbon_cap=slice(0, 0))
    _set_country(ds, "carbon_price_usd_per_t", s.carbon_price_usd_per_t)
    _set_country(ds, "renewable_share_min", s.renewable_share_min)
    _set_country(ds, "coal_capacity_max_mw", s.coal_capacity_max_mw)
    _set_country(ds, "coal_generation_max_twh", s.coal_generation_max_twh)
    if s.carbon_caps:
        ds = _replace_carbon_caps(ds, s)
    return ds


def _replace_carbon_caps(ds: xr.Dataset, s: Scenario) -> xr.Dataset:
    """The Dataset with the scenario's carbon caps [MtCO2] added after the dataset's, a cap of
    the same name replacing the dataset's."""
    countries = ds["country"].values.tolist()
    ids = [c for c in ds["carbon_cap"].values.tolist() if c not in s.carbon_caps]
    keep = ds.sel(carbon_cap=ids)
    new_ids = list(s.carbon_caps)
    mt = np.array([s.carbon_caps[k].mt for k in new_ids])
    mem = np.array(
        [
            [cap.countries == sc.ASEAN or c in cap.countries for c in countries]
            for cap in s.carbon_caps.values()
        ],
        bool,
    )
    add = xr.Dataset(
        {
            "carbon_cap_mt": (("carbon_cap",), mt, ds["carbon_cap_mt"].attrs),
            "carbon_cap_member": (
                ("carbon_cap", "country"),
                mem,
                ds["carbon_cap_member"].attrs,
            ),
        },
        coords={"carbon_cap": new_ids, "country": countries},
    )
    merged = xr.concat([keep[["carbon_cap_mt", "carbon_cap_member"]], add], "carbon_cap")
    return ds.drop_vars(["carbon_cap_mt", "carbon_cap_member", "carbon_cap"]).merge(merged)


def _scale_demand(ds: xr.Dataset, s: Scenario) -> None:
    """Hourly demand [MW], annual demand [TWh] and peak [MW] times the scenario's demand
    scale (one factor, or one per country), in place."""
    if isinstance(s.demand_scale, dict):
        f = np.array([s.demand_scale.get(c, 1.0) for c in ds["node_country"].values])
    else:
        f = np.full(ds.sizes["node"], float(s.demand_scale))
    ds["demand_mw"] = ds["demand_mw"] * f[None, :]
    ds["demand_twh"] = ds["demand_twh"] * f
    ds["peak_mw"] = ds["peak_mw"] * f


def _scale_fuel_prices(ds: xr.Dataset, s: Scenario) -> None:
    """Fuel prices [USD/GJ] times the scenario's factor per fuel and the marginal costs
    [USD/MWh] that follow from them, in place."""
    if not s.fuel_price_scale:
        return
    fac = np.array([s.fuel_price_scale.get(fu, 1.0) for fu in ds["generator_fuel"].values])
    price = ds["fuel_price_usd_per_gj"].values * fac
    hr = heat_rate(ds["generator_fuel"].values, ds["efficiency"].values)
    ds["fuel_price_usd_per_gj"].values[:] = price
    ds["marginal_cost_usd_per_mwh"].values[:] = marginal_cost(
        price, hr, ds["vom_usd_per_mwh"].values
    )


def _add_contracts(ds: xr.Dataset, s: Scenario) -> xr.Dataset:
    names = list(s.contracts)
    T = ds.sizes["time"]
    months = ds["time"].dt.month.values
    countries = ds["country"].values.tolist()
    mw = np.zeros((T, len(names)))
    loss = np.zeros(len(names))
    wheel = np.zeros((len(names), len(countries)))
    capf = ds["link_capacity_forward_mw"].values
    capb = ds["link_capacity_backward_mw"].values
    for k, name in enumerate(names):
        c = s.contracts[name]
        mw[:, k] = c.mw if c.mw is not None else np.asarray(c.monthly_mw)[months - 1]
        used = _path_links(ds, c.path)
        keep = 1.0
        peak = mw[:, k].max()
        for i, fwd in used:
            keep *= 1 - ds["link_loss_fraction"].values[i]
            cap = capf if fwd else capb
            if cap[i] + 1e-9 < peak:
                raise InputError(
                    [
                        Problem(
                            "(scenario)",
                            None,
                            f"contracts.{name}",
                            f"{peak:g} MW",
                            f"at most the {cap[i]:g} MW of link {ds['link'].values[i]} on the path",
                        )
                    ],
                    context="scenario",
                )
            cap[i] -= peak  # firm reservation of the contract's peak on the path
        loss[k] = c.loss_fraction if c.loss_fraction is not None else 1 - keep
        for country, charge in c.wheeling_usd_per_mwh.items():
            wheel[k, countries.index(country)] = charge
    ds = ds.assign_coords(
        contract=names,
        contract_seller=("contract", [s.contracts[n].seller for n in names]),
        contract_buyer=("contract", [s.contracts[n].buyer for n in names]),
        contract_path=("contract", ["-".join(s.contracts[n].path) for n in names]),
    )
    ds["contract_mw"] = (
        ("time", "contract"),
        mw,
        {"units": "MW", "description": "Contracted delivery to the buyer."},
    )
    ds["contract_loss_fraction"] = (
        ("contract",),
        loss,
        {"units": "1", "description": "Transit losses."},
    )
    ds["contract_wheeling_usd_per_mwh"] = (
        ("contract", "country"),
        wheel,
        {
            "units": "USD/MWh",
            "description": "Wheeling charge per MWh delivered, per transit country.",
        },
    )
    return ds


def restrict_candidates(ds: xr.Dataset, s: Scenario) -> None:
    """Candidate corridors follow the topology: none across borders when isolated, none at
    all for the existing grid, only the named ones for a list."""
    if "link_extendable" not in ds:
        return
    ext = ds["link_extendable"].values.copy()
    cross = ds["link_cross_border"].values.astype(bool)
    if s.topology == "isolated":
        ext &= ~cross
    elif s.topology == "existing":
        ext[:] = False
    elif isinstance(s.topology, list):
        ext &= np.isin(ds["link"].values, s.topology) | ~cross
    ds["link_extendable"].values[:] = ext

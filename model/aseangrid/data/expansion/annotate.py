"""Expansion variables of the LP added to a Dataset: potentials and annualised costs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from .spec import LINK_FOM_SHARE, ExpansionSpec, PathwayState, annual_cost_usd_per_mw, costs, crf


def v(dims, data, units: str, desc: str) -> xr.DataArray:
    """A Dataset variable with units and a description."""
    return xr.DataArray(data, dims=dims, attrs={"units": units, "description": desc})


def _generators(
    ds: xr.Dataset, tables: dict, year: int, spec: ExpansionSpec, state: PathwayState
) -> None:
    """Potential, annualised cost and retirability of the generators."""
    tech = tables["technologies"].set_index("technology")
    bl = tables["build_limits"].set_index(["node", "technology"])
    r = spec.discount_rate
    st = ds["generator_status"].values
    ext = st == "candidate"
    G = ds.sizes["generator"]
    pmax = np.zeros(G)
    kcost = np.zeros(G)
    for i in np.flatnonzero(ext):
        n = str(ds["generator_node"].values[i])
        k = str(ds["generator_technology"].values[i])
        lim = bl.loc[(n, k), "max_total_mw"]
        pmax[i] = np.inf if pd.isna(lim) else max(0.0, float(lim) - state.built_mw(n, k))
        kcost[i] = annual_cost_usd_per_mw(tables, year, k, r)
    ds["generator_extendable"] = v(("generator",), ext, "1", "Capacity may be built.")
    ds["lifetime_yr"] = v(
        ("generator",),
        np.array([float(tech.loc[k, "lifetime_yr"]) for k in ds["generator_technology"].values]),
        "yr",
        "Economic lifetime of new capacity.",
    )
    ds["capacity_new_max_mw"] = v(
        ("generator",), pmax, "MW", "Most new capacity this step (remaining potential)."
    )
    ds["annual_cost_usd_per_mw"] = v(
        ("generator",),
        kcost,
        "USD/MW/yr",
        "Annualised capital cost plus fixed O&M of new capacity.",
    )
    techs = ds["generator_technology"].values
    retirable = (st == "existing") & np.isin(techs, list(spec.early_retirement))
    fom = np.array([1000.0 * float(tech.loc[k, "fom_usd_per_kw_yr"]) for k in techs])
    ds["generator_retirable"] = v(
        ("generator",), retirable, "1", "Existing capacity that may be retired early."
    )
    ds["fom_usd_per_mw"] = v(("generator",), fom, "USD/MW/yr", "Fixed O&M of the technology.")


def _storage(
    ds: xr.Dataset, tables: dict, year: int, spec: ExpansionSpec, state: PathwayState
) -> None:
    """Potential and annualised costs of the storage candidates."""
    tech = tables["technologies"].set_index("technology")
    bl = tables["build_limits"].set_index(["node", "technology"])
    r = spec.discount_rate
    S = ds.sizes["storage"]
    sext = ds["storage_status"].values == "candidate" if S else np.zeros(0, bool)
    smax_p, smax_e = np.zeros(S), np.zeros(S)
    kp, ke = np.zeros(S), np.zeros(S)
    for i in np.flatnonzero(sext):
        n = str(ds["storage_node"].values[i])
        k = str(ds["storage_technology"].values[i])
        lim = bl.loc[(n, k), "max_total_mw"]
        smax_p[i] = np.inf if pd.isna(lim) else max(0.0, float(lim) - state.built_mw(n, k))
        smax_e[i] = np.inf
        capex_kw, capex_kwh, fom_kw = costs(tables, year, k)
        a = float(crf(r, tech.loc[k, "lifetime_yr"]))
        kp[i] = 1000.0 * (a * capex_kw + fom_kw)
        ke[i] = 1000.0 * a * capex_kwh
    ds["storage_extendable"] = v(("storage",), sext, "1", "Storage may be built.")
    ds["storage_lifetime_yr"] = v(
        ("storage",),
        np.array([float(tech.loc[k, "lifetime_yr"]) for k in ds["storage_technology"].values]),
        "yr",
        "Economic lifetime of new storage.",
    )
    ds["storage_power_new_max_mw"] = v(("storage",), smax_p, "MW", "Most new power.")
    ds["storage_energy_new_max_mwh"] = v(("storage",), smax_e, "MWh", "Most new energy.")
    ds["storage_annual_cost_usd_per_mw"] = v(
        ("storage",), kp, "USD/MW/yr", "Annualised cost of storage power."
    )
    ds["storage_annual_cost_usd_per_mwh"] = v(
        ("storage",), ke, "USD/MWh/yr", "Annualised cost of storage energy."
    )


def _links(
    ds: xr.Dataset, tables: dict, year: int, spec: ExpansionSpec, state: PathwayState
) -> None:
    """Potential and annualised cost of the candidate corridors."""
    r = spec.discount_rate
    lst = ds["link_status"].values
    L = ds.sizes["link"]
    lext = lst == "candidate" if L else np.zeros(0, bool)
    lmax, kl, llife = np.zeros(L), np.zeros(L), np.full(L, np.nan)
    if lext.any():
        lc = tables["link_candidates"].set_index("link")
        for i in np.flatnonzero(lext):
            lid = str(ds["link"].values[i])
            row = lc.loc[lid]
            lmax[i] = max(0.0, float(row["max_capacity_mw"]) - state.built_link_mw(lid))
            capex = float(row["capex_usd_per_mw"])
            kl[i] = capex * (float(crf(r, row["lifetime_yr"])) + LINK_FOM_SHARE)
            llife[i] = float(row["lifetime_yr"])
    ds["link_extendable"] = v(("link",), lext, "1", "Transfer capacity may be built.")
    ds["link_lifetime_yr"] = v(("link",), llife, "yr", "Economic lifetime of a candidate.")
    ds["link_capacity_new_max_mw"] = v(("link",), lmax, "MW", "Most new transfer capacity.")
    ds["link_annual_cost_usd_per_mw"] = v(
        ("link",), kl, "USD/MW/yr", "Annualised capital cost plus fixed O&M of a link."
    )


def annotate(
    ds: xr.Dataset,
    tables: dict[str, pd.DataFrame],
    year: int,
    spec: ExpansionSpec,
    state: PathwayState,
) -> xr.Dataset:
    """Add the expansion variables of the LP to a Dataset assembled from :func:`edit_tables`.

    Adds ``generator_extendable``, ``capacity_new_max_mw`` [MW], ``annual_cost_usd_per_mw``
    [USD/MW/yr], ``generator_retirable``, ``fom_usd_per_mw`` [USD/MW/yr], the storage
    (``storage_extendable``, ``storage_power_new_max_mw``, ``storage_energy_new_max_mwh``,
    ``storage_annual_cost_usd_per_mw``, ``storage_annual_cost_usd_per_mwh``) and link
    (``link_extendable``, ``link_capacity_new_max_mw``, ``link_annual_cost_usd_per_mw``)
    counterparts, and ``discount_rate``.
    """
    ds = ds.copy()
    r = spec.discount_rate
    for part in (_generators, _storage, _links):
        part(ds, tables, year, spec, state)
    ds["discount_rate"] = xr.DataArray(
        float(r), attrs={"units": "1/yr", "description": "Real discount rate."}
    )
    return ds

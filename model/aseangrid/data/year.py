"""Assemble the input Dataset of one model year from validated tables and profiles.

One small assembler per component family (demand, the generator fleet in
:mod:`aseangrid.data.fleet`, storage, links, policies); each returns plain arrays and the
problems it found, and :func:`assemble_year` puts them into one Dataset whose units and
descriptions come from the data dictionary (:data:`schema.DATASET_VARIABLES`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import Problem
from . import schema as sc
from .fleet import (
    GENERATOR_VARIABLES,
    fleet_parameters,
    fuel_costs,
    heat_rate,
    hourly_availability,
    marginal_cost,
    merge_identical,
)
from .limits import energy_limits
from .profiles import read_profile

__all__ = ["active", "as_dataset", "assemble_year", "heat_rate", "marginal_cost", "model_time"]


def model_time(year: int) -> pd.DatetimeIndex:
    """Hourly UTC timestamps of a model year, 8760 steps (29 February dropped in leap years)."""
    t = pd.date_range(f"{year}-01-01", periods=8784, freq="h")
    t = t[t.year == year]
    t = t[~((t.month == 2) & (t.day == 29))]
    return t


def active(df: pd.DataFrame, year: int) -> pd.DataFrame:
    """Rows in operation in ``year``: ``commission_year <= year < retire_year``."""
    retire = df["retire_year"].fillna(np.inf)
    return df[(df["commission_year"] <= year) & (retire > year)].reset_index(drop=True)


def _needed_profiles(t: dict, gens: pd.DataFrame, hydrology: str) -> set[str]:
    """The profile files a year's fleet needs (candidates included)."""
    tech = t["technologies"].set_index("technology")
    used = set(gens["technology"])
    profiles = {str(tech.loc[k, "profile"]) for k in used if k in tech.index}
    need = {"demand_shape"}
    need |= {sc.PROFILE_FILE_OF[p] for p in profiles if p in sc.PROFILE_FILE_OF}
    if "hydro" in profiles:
        need.add("hydro_inflow_dry" if hydrology == "dry" else "hydro_inflow")
    return need


def _profiles(folder: Path, t: dict, gens: pd.DataFrame, hydrology: str, problems, notes) -> dict:
    """The hourly profiles the year needs; profiles it does not need may be absent, and an
    absent demand shape means flat demand (both said in ``notes``)."""
    node_ids = list(t["nodes"]["node"])
    hydro_nodes = sorted(set(t["hydro"]["node"]))
    need = _needed_profiles(t, gens, hydrology)
    prof: dict[str, pd.DataFrame] = {}
    for p in sc.PROFILE_FILES:
        present = (folder / "profiles" / f"{p.name}.csv").is_file()
        if not present and p.name == "demand_shape":
            notes.append("profiles/demand_shape.csv absent: flat demand in every hour")
            prof[p.name] = pd.DataFrame(
                1.0, index=pd.RangeIndex(sc.HOURS_PER_YEAR), columns=node_ids
            )
            continue
        if not present and p.name not in need:
            if p.name != "hydro_inflow_dry":
                notes.append(f"profiles/{p.name}.csv absent: not needed by this year's fleet")
            continue
        cols = node_ids if p.nodes == "all" else hydro_nodes
        df = read_profile(folder, p, cols, problems)
        if df is not None:
            prof[p.name] = df
    return prof


def _demand(t: dict, prof: dict, node_ids: list[str], year: int, problems: list[Problem]) -> dict:
    """Hourly demand = annual demand spread over the node's shape (annual mean 1) [MW]."""
    dem = t["demand"][t["demand"]["year"] == year].set_index("node")
    shape = prof["demand_shape"][node_ids].to_numpy()
    mean = shape.mean(axis=0)
    demand_twh = dem.loc[node_ids, "demand_twh"].to_numpy(dtype=float)
    for j in np.flatnonzero((np.abs(mean - 1) > 0.01) & (demand_twh > 0)):
        problems.append(
            Problem(
                "profiles/demand_shape.csv",
                None,
                node_ids[j],
                f"mean {mean[j]:.4f}",
                "a shape with annual mean 1.0 (per unit of mean demand)",
            )
        )
    return {
        "demand_mw": shape * (demand_twh * 1e6 / sc.HOURS_PER_YEAR)[None, :],
        "demand_twh": demand_twh,
        "peak_mw": dem.loc[node_ids, "peak_mw"].to_numpy(dtype=float),
    }


def _policies(t: dict, year: int) -> dict:
    """Country policies and carbon caps of the year."""
    pol = t["policies"][t["policies"]["year"] == year]
    countries = list(sc.COUNTRIES)

    def per_country(kind: str) -> np.ndarray:
        out = np.full(len(countries), np.nan)
        sub = pol[pol["policy"] == kind]
        for s, v in zip(sub["scope"], sub["value"], strict=True):
            if s == sc.ASEAN:
                out[:] = v
            else:
                out[countries.index(s)] = v
        return out

    caps = pol[pol["policy"] == "carbon_cap"]
    cap_ids = list(caps["scope"])
    member = np.array(
        [[(s == sc.ASEAN) or (s == c) for c in countries] for s in cap_ids], bool
    ).reshape(len(cap_ids), len(countries))
    return {
        "carbon_price_usd_per_t": np.nan_to_num(per_country("carbon_price"), nan=0.0),
        "renewable_share_min": per_country("renewable_share_min"),
        "coal_generation_max_twh": per_country("coal_generation_max"),
        "coal_capacity_max_mw": per_country("coal_capacity_max"),
        "carbon_cap_mt": caps["value"].to_numpy(dtype=float),
        "carbon_cap_member": member,
        "_cap_ids": cap_ids,
    }


def _storage_efficiencies(stor: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Charge and discharge efficiency: as given, or both the square root of the round trip
    (the pair is checked in :mod:`aseangrid.data.tables`)."""
    rt = stor["efficiency_roundtrip"].to_numpy(dtype=float)
    nan = np.full(rt.size, np.nan)
    c = stor["efficiency_charge"].to_numpy(dtype=float) if "efficiency_charge" in stor else nan
    d = (
        stor["efficiency_discharge"].to_numpy(dtype=float)
        if "efficiency_discharge" in stor
        else nan
    )
    return np.where(np.isnan(c), np.sqrt(rt), c), np.where(np.isnan(d), np.sqrt(rt), d)


def _network(stor: pd.DataFrame, links: pd.DataFrame, problems: list[Problem]) -> dict:
    c, d = _storage_efficiencies(stor)
    share = (
        stor["initial_level_share"].to_numpy(dtype=float)
        if "initial_level_share" in stor
        else np.full(len(stor), 0.5)
    )
    energy = stor["energy_mwh"].to_numpy(dtype=float)
    return {
        "storage_power_mw": stor["power_mw"].to_numpy(dtype=float),
        "storage_energy_mwh": energy,
        "storage_efficiency_roundtrip": stor["efficiency_roundtrip"].to_numpy(dtype=float),
        "storage_efficiency_charge": c,
        "storage_efficiency_discharge": d,
        "storage_level_initial_mwh": np.nan_to_num(share, nan=0.5) * energy,
        "link_capacity_forward_mw": links["capacity_forward_mw"].to_numpy(dtype=float),
        "link_capacity_backward_mw": links["capacity_backward_mw"].to_numpy(dtype=float),
        "link_loss_fraction": links["loss_fraction"].to_numpy(dtype=float),
        "wheeling_forward_usd_per_mwh": links["wheeling_forward_usd_per_mwh"].to_numpy(dtype=float),
        "wheeling_backward_usd_per_mwh": links["wheeling_backward_usd_per_mwh"].to_numpy(
            dtype=float
        ),
        "link_voltage_kv": links["voltage_kv"].to_numpy(dtype=float),
    }


def _directions(links: pd.DataFrame) -> np.ndarray:
    """Directions a link carries power in, from its two capacities in links.csv."""
    f = links["capacity_forward_mw"].to_numpy(dtype=float) > 0
    b = links["capacity_backward_mw"].to_numpy(dtype=float) > 0
    return np.where(f & ~b, "forward", np.where(b & ~f, "backward", "both")).astype(object)


def _coords(nodes, node_country, time, g, stor, links, cap_ids) -> dict:
    lf_from = links["node_from"].to_numpy(dtype=object)
    lf_to = links["node_to"].to_numpy(dtype=object)
    cross = np.array(
        [node_country[a] != node_country[b] for a, b in zip(lf_from, lf_to, strict=True)], bool
    )
    node_ids = list(nodes["node"])
    return {
        "time": ("time", time, {"description": "Start of hour, UTC"}),
        "node": node_ids,
        "country": list(sc.COUNTRIES),
        "generator": list(g["id"]),
        "storage": list(stor["storage"]),
        "link": list(links["link"]),
        "carbon_cap": cap_ids,
        "node_country": ("node", [node_country[n] for n in node_ids]),
        "node_name": ("node", list(nodes["name"])),
        "node_lat": ("node", nodes["lat"].to_numpy(dtype=float), {"units": "degree_north"}),
        "node_lon": ("node", nodes["lon"].to_numpy(dtype=float), {"units": "degree_east"}),
        "node_timezone": ("node", list(nodes["timezone"])),
        "generator_node": ("generator", list(g["node"])),
        "generator_technology": ("generator", list(g["technology"])),
        "generator_country": ("generator", list(g["country"])),
        "generator_fuel": ("generator", list(g["fuel"])),
        "generator_status": ("generator", list(g["status"])),
        "generator_rows": ("generator", list(g.get("rows", g["id"]))),
        "storage_node": ("storage", list(stor["node"])),
        "storage_technology": ("storage", list(stor["technology"])),
        "storage_status": ("storage", list(stor["status"])),
        "link_from": ("link", list(lf_from)),
        "link_to": ("link", list(lf_to)),
        "link_kind": ("link", list(links["kind"])),
        "link_cross_border": ("link", cross),
        "link_direction": ("link", _directions(links)),
        "link_status": ("link", list(links["status"])),
        "link_commission_year": ("link", links["commission_year"].to_numpy(dtype=int)),
    }


def as_dataset(values: dict[str, np.ndarray], coords: dict) -> xr.Dataset:
    """A Dataset of input variables with dimensions, units and descriptions from the schema."""
    data = {}
    for name, arr in values.items():
        v = sc.DATASET_VARIABLES[name]
        data[name] = (v.dims, arr, {"units": v.units, "description": v.description})
    return xr.Dataset(data, coords=coords)


def _year_listed(t: dict, year: int, problems: list[Problem]) -> bool:
    years = sorted(set(t["demand"]["year"].astype(int)))
    if year in years:
        return True
    problems.append(
        Problem("demand.csv", None, "year", str(year), f"one of the years in the file ({years})")
    )
    return False


def assemble_year(
    folder: Path,
    t: dict[str, pd.DataFrame],
    year: int,
    hydrology: str,
    problems: list[Problem],
    aggregate: bool = True,
) -> xr.Dataset:
    """The Dataset of one year (empty, with ``problems`` filled, when something is wrong)."""
    nodes = t["nodes"]
    node_ids = list(nodes["node"])
    node_country = dict(zip(nodes["node"], nodes["country"], strict=True))
    if not _year_listed(t, year, problems):
        return xr.Dataset()
    dem_rows = set(t["demand"][t["demand"]["year"] == year]["node"])
    for n in node_ids:
        if n not in dem_rows:
            problems.append(Problem("demand.csv", None, "node", n, f"a row for node {n} in {year}"))
    gens, stor, links = (active(t[k], year) for k in ("generators", "storage", "links"))
    notes = [df.attrs["defaulted"] for df in t.values() if "defaulted" in df.attrs]
    prof = _profiles(folder, t, pd.concat([gens, stor]), hydrology, problems, notes)
    if problems:
        return xr.Dataset()
    time = model_time(year)
    values = _demand(t, prof, node_ids, year, problems)
    g = fleet_parameters(gens, t, node_country)
    fuel_costs(g, t, year, problems)
    hourly_availability(g, t, prof, len(time), hydrology, problems)
    if problems:
        return xr.Dataset()
    if aggregate and len(g["id"]):
        g = merge_identical(g)
    for k in GENERATOR_VARIABLES:
        values[k] = g[k]
    values.update(_network(stor, links, problems))
    if problems:
        return xr.Dataset()
    pol = _policies(t, year)
    cap_ids = pol.pop("_cap_ids")
    values.update(pol)
    limits, limit_ids = energy_limits(t, g, list(links["link"]), year, problems)
    if problems:
        return xr.Dataset()
    values.update(limits)
    values["time_weight_h"] = np.ones(len(time))
    coords = _coords(nodes, node_country, time, g, stor, links, cap_ids)
    coords["energy_limit"] = limit_ids
    ds = as_dataset(values, coords)
    ds.attrs["defaulted"] = "; ".join(notes)
    return ds

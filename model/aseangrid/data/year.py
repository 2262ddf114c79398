"""Assemble the input Dataset of one model year from validated tables and profiles.

One small assembler per component family (demand, generators and their costs, hourly
availability and hydro, merging identical fleet rows, storage, links, policies); each returns
plain arrays and the problems it found, and :func:`assemble_year` puts them into one Dataset
whose units and descriptions come from the data dictionary (:data:`schema.DATASET_VARIABLES`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import Problem
from . import schema as sc
from .profiles import read_profile
from .units import GJ_PER_MWH


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


def _fleet_parameters(gens: pd.DataFrame, t: dict, node_country: dict) -> dict:
    """Per-row technology parameters, with the row's overrides where given."""
    tech = t["technologies"].set_index("technology")
    G = len(gens)
    g_tech = gens["technology"].to_numpy(dtype=object)
    g_node = gens["node"].to_numpy(dtype=object)

    def of_tech(col: str, dtype=float) -> np.ndarray:
        return tech.loc[g_tech, col].to_numpy(dtype=dtype) if G else np.zeros(0, dtype)

    def param(col: str) -> np.ndarray:
        default = of_tech(col)
        if col in gens:
            over = gens[col].to_numpy(dtype=float)
            return np.where(np.isnan(over), default, over)
        return default

    return {
        "id": np.asarray(gens["generator"], dtype=object),
        "status": np.asarray(gens["status"], dtype=object),
        "node": g_node,
        "technology": g_tech,
        "country": np.array([node_country[n] for n in g_node], dtype=object),
        "capacity_mw": gens["capacity_mw"].to_numpy(dtype=float),
        "efficiency": param("efficiency"),
        "availability": param("availability"),
        "must_run_share": param("must_run_share"),
        "vom_usd_per_mwh": of_tech("vom_usd_per_mwh"),
        "ramp_per_hour": of_tech("ramp_per_hour"),
        "renewable": of_tech("renewable", bool),
        "profile": of_tech("profile", object),
        "fuel": of_tech("fuel", object),
    }


def _fuel_costs(g: dict, t: dict, year: int, problems: list[Problem]) -> None:
    """Fuel price, emission factor and marginal cost per row (into ``g``)."""
    prices = t["fuel_prices"]
    prices = prices[prices["year"] == year].set_index(["fuel", "country"])["price_usd_per_gj"]
    fuels = t["fuels"].set_index("fuel")
    G = len(g["id"])
    fuel_price, ef_t_per_gj = np.zeros(G), np.zeros(G)
    for i in range(G):
        if g["fuel"][i] == "none":
            continue
        key = (g["fuel"][i], g["country"][i])
        if key not in prices.index:
            problems.append(
                Problem(
                    "fuel_prices.csv",
                    None,
                    "price_usd_per_gj",
                    f"{key[0]}/{key[1]}/{year}",
                    f"a price for fuel {key[0]} in {key[1]} in {year} "
                    f"(used by generator {g['id'][i]})",
                )
            )
            continue
        fuel_price[i] = prices.loc[key]
        if g["fuel"][i] not in fuels.index:
            problems.append(
                Problem(
                    "fuels.csv",
                    None,
                    "fuel",
                    g["fuel"][i],
                    f"a row for fuel {g['fuel'][i]} (used by generator {g['id'][i]})",
                )
            )
            continue
        ef_t_per_gj[i] = fuels.loc[g["fuel"][i], "emission_factor_t_per_gj"]
    heat_rate = np.where(g["fuel"] == "none", 0.0, GJ_PER_MWH / g["efficiency"])  # GJ/MWh_e
    g["fuel_price_usd_per_gj"] = fuel_price
    g["emission_factor_t_per_mwh"] = ef_t_per_gj * heat_rate
    g["marginal_cost_usd_per_mwh"] = marginal_cost(fuel_price, heat_rate, g["vom_usd_per_mwh"])


def marginal_cost(fuel_price_usd_per_gj, heat_rate_gj_per_mwh, vom_usd_per_mwh):
    """Marginal cost before carbon prices: ``p_fuel * heat rate + VOM`` [USD/MWh].

    The one place this formula lives (scenario transforms call it when they scale fuels).
    """
    return fuel_price_usd_per_gj * heat_rate_gj_per_mwh + vom_usd_per_mwh


def heat_rate(fuel, efficiency) -> np.ndarray:
    """GJ of fuel per MWh of electricity (0 without fuel)."""
    return np.where(
        np.asarray(fuel) == "none", 0.0, GJ_PER_MWH / np.asarray(efficiency, dtype=float)
    )


def _hydro_row(g: dict, i: int, hydro: pd.DataFrame, inflow_profile: pd.DataFrame, problems):
    """The hydro.csv row of a hydro generator (new plants take the node's other hydro row)."""
    node, tech = g["node"][i], g["technology"][i]
    key = (node, tech)
    candidate = g["status"][i] in ("candidate", "built")
    if candidate and key not in hydro.index:
        other = "hydro_ror" if tech == "hydro_reservoir" else "hydro_reservoir"
        if (node, other) in hydro.index:
            key = (node, other)
    if key in hydro.index and node in inflow_profile.columns:
        return hydro.loc[key], candidate
    if candidate:
        problems.append(
            Problem(
                "build_limits.csv",
                None,
                "node/technology",
                f"{node}/{tech}",
                "hydro only at nodes with a hydro.csv row and a hydro_inflow profile column "
                "(the new plant's inflow comes from them)",
            )
        )
    else:
        problems.append(
            Problem(
                "hydro.csv",
                None,
                "node/technology",
                f"{node}/{tech}",
                f"a row for generator {g['id'][i]}'s node and technology, and a hydro_inflow "
                "profile column",
            )
        )
    return None, candidate


def _availability(g: dict, t: dict, prof: dict, T: int, hydrology: str, problems) -> None:
    """Hourly availability per unit capacity, reservoir inflow [MW] and size [MWh] per row."""
    G = len(g["id"])
    avail_pu, inflow_mw, reservoir_mwh = np.empty((T, G)), np.zeros((T, G)), np.zeros(G)
    initial = np.zeros(G)
    hydro = t["hydro"].set_index(["node", "technology"])
    inflow_profile = prof.get(
        "hydro_inflow_dry" if hydrology == "dry" else "hydro_inflow", pd.DataFrame()
    )
    avail, cap = g["availability"], g["capacity_mw"]
    for i in range(G):
        p = g["profile"][i]
        if p in sc.PROFILE_FILE_OF:
            avail_pu[:, i] = prof[sc.PROFILE_FILE_OF[p]][g["node"][i]].to_numpy() * avail[i]
        elif p == "hydro":
            h, candidate = _hydro_row(g, i, hydro, inflow_profile, problems)
            if h is None:
                continue
            inflow = h["annual_cf"] * inflow_profile[g["node"][i]].to_numpy()  # per unit cap
            if (
                g["technology"][i] == "hydro_reservoir"
                and h["reservoir_hours"] > 0
                and not candidate
            ):
                avail_pu[:, i] = avail[i]
                inflow_mw[:, i] = inflow * cap[i]
                reservoir_mwh[i] = h["reservoir_hours"] * cap[i]
                share = h["initial_level_share"] if "initial_level_share" in h else 0.5
                initial[i] = (0.5 if pd.isna(share) else float(share)) * reservoir_mwh[i]
            else:
                avail_pu[:, i] = np.minimum(inflow, 1.0) * avail[i]
        else:
            avail_pu[:, i] = avail[i]
    g["availability_pu"], g["hydro_inflow_mw"], g["reservoir_capacity_mwh"] = (
        avail_pu,
        inflow_mw,
        reservoir_mwh,
    )
    g["reservoir_level_initial_mwh"] = initial


#: Row parameters that must agree for fleet rows to be merged into one generator.
_MERGE_KEYS = (
    "node",
    "technology",
    "efficiency",
    "availability",
    "must_run_share",
    "marginal_cost_usd_per_mwh",
    "emission_factor_t_per_mwh",
    "ramp_per_hour",
)
#: Row quantities that add up when rows are merged.
_ADDITIVE = (
    "capacity_mw",
    "hydro_inflow_mw",
    "reservoir_capacity_mwh",
    "reservoir_level_initial_mwh",
)


def _merge_identical(g: dict) -> dict:
    """Merge rows of one node and technology whose parameters are identical per unit of
    capacity (e.g. vintages added by a plan): the LP is the same, only smaller.

    Candidates are never merged; with candidates (expansion), existing rows stay apart from
    planned ones so that early retirement touches existing plants only, and model-built rows
    apart from the dataset's (new hydro runs on its inflow profile). ``rows`` lists the merged
    ``generators.csv`` ids.
    """
    status = list(g["status"])
    expanding = "candidate" in status
    group_of = {"existing": -2, "built": -3}
    own = [
        i if st == "candidate" else (group_of.get(st, -1) if expanding else -1)
        for i, st in enumerate(status)
    ]
    keys = list(zip(*(g[k] for k in _MERGE_KEYS), own, strict=True))
    groups: dict[tuple, list[int]] = {}
    for i, k in enumerate(keys):
        groups.setdefault(k, []).append(i)
    used: dict[str, int] = {}
    ids = []
    for members in groups.values():
        i0 = members[0]
        if len(members) == 1:
            ids.append(g["id"][i0])
            continue
        base = f"{g['node'][i0]}_{g['technology'][i0]}"
        used[base] = used.get(base, 0) + 1
        ids.append(base if used[base] == 1 else f"{base}_{used[base]}")
    first = np.array([v[0] for v in groups.values()], dtype=np.int64)
    out = {}
    for k, a in g.items():
        if k in _ADDITIVE:
            out[k] = np.stack([a[..., v].sum(axis=-1) for v in groups.values()], axis=-1)
        elif k == "availability_pu":
            out[k] = a[:, first]
        else:
            out[k] = np.asarray(a)[first]
    out["id"] = np.array(ids, dtype=object)
    out["rows"] = np.array([";".join(g["id"][i] for i in v) for v in groups.values()], dtype=object)
    out["status"] = np.array(
        [
            "existing" if any(status[i] == "existing" for i in v) else status[v[0]]
            for v in groups.values()
        ],
        dtype=object,
    )
    return out


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
    g = _fleet_parameters(gens, t, node_country)
    _fuel_costs(g, t, year, problems)
    _availability(g, t, prof, len(time), hydrology, problems)
    if problems:
        return xr.Dataset()
    if aggregate and len(g["id"]):
        g = _merge_identical(g)
    for k in (
        "capacity_mw",
        "efficiency",
        "availability",
        "must_run_share",
        "ramp_per_hour",
        "renewable",
        "fuel_price_usd_per_gj",
        "vom_usd_per_mwh",
        "emission_factor_t_per_mwh",
        "marginal_cost_usd_per_mwh",
        "availability_pu",
        "hydro_inflow_mw",
        "reservoir_capacity_mwh",
        "reservoir_level_initial_mwh",
    ):
        values[k] = g[k]
    values.update(_network(stor, links, problems))
    if problems:
        return xr.Dataset()
    pol = _policies(t, year)
    cap_ids = pol.pop("_cap_ids")
    values.update(pol)
    values["time_weight_h"] = np.ones(len(time))
    ds = as_dataset(values, _coords(nodes, node_country, time, g, stor, links, cap_ids))
    ds.attrs["defaulted"] = "; ".join(notes)
    return ds

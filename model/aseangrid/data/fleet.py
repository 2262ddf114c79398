"""The generator fleet of one model year: parameters per fleet row, fuel costs and emissions,
hourly availability and hydro inflow, and the merging of identical rows.

Each function works on ``g``, a dict of per-row arrays (one entry per active ``generators.csv``
row) that :func:`aseangrid.data.year.assemble_year` puts into the Dataset.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import Problem
from . import schema as sc
from .units import GJ_PER_MWH

#: Per-row arrays of the fleet that become Dataset variables of the same name.
GENERATOR_VARIABLES = (
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
)


#: Marker of the isolated-grid fallback rows of ``generators.csv`` (``inputs/README.md``).
FALLBACK = "_isolated_fallback"


def fleet_performance(gens: pd.DataFrame, t: dict, country: np.ndarray, col: str) -> np.ndarray:
    """The ``fleet_performance.csv`` value of ``col`` (efficiency or availability) per row:
    the achieved figure of the row's country and technology for ``existing`` rows, NaN
    elsewhere (new plants keep the technology default) and where the table leaves it blank."""
    perf = t.get("fleet_performance")
    out = np.full(len(gens), np.nan)
    if perf is None or perf.empty or not len(gens):
        return out
    table = perf.set_index(["country", "technology"])[col]
    existing = gens["status"].to_numpy(dtype=object) == "existing"
    tech = gens["technology"].to_numpy(dtype=object)
    for i in np.flatnonzero(existing):
        key = (country[i], tech[i])
        if key in table.index:
            out[i] = float(table.loc[key])
    return out


def fleet_parameters(gens: pd.DataFrame, t: dict, node_country: dict) -> dict:
    """Per-row technology parameters: the technology default, the existing fleet's achieved
    figure from ``fleet_performance.csv`` where given, the row's own value where given."""
    tech = t["technologies"].set_index("technology")
    G = len(gens)
    g_tech = gens["technology"].to_numpy(dtype=object)
    g_node = gens["node"].to_numpy(dtype=object)
    g_country = np.array([node_country[n] for n in g_node], dtype=object)

    def of_tech(col: str, dtype=float) -> np.ndarray:
        return tech.loc[g_tech, col].to_numpy(dtype=dtype) if G else np.zeros(0, dtype)

    def param(col: str) -> np.ndarray:
        default = of_tech(col)
        if col in ("efficiency", "availability"):
            fleet = fleet_performance(gens, t, g_country, col)
            default = np.where(np.isnan(fleet), default, fleet)
        if col in gens:
            over = gens[col].to_numpy(dtype=float)
            return np.where(np.isnan(over), default, over)
        return default

    return {
        "id": np.asarray(gens["generator"], dtype=object),
        "status": np.asarray(gens["status"], dtype=object),
        "node": g_node,
        "technology": g_tech,
        "country": g_country,
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


def fuel_costs(g: dict, t: dict, year: int, problems: list[Problem]) -> None:
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


def hourly_availability(g: dict, t: dict, prof: dict, T: int, hydrology: str, problems) -> None:
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


def merge_identical(g: dict) -> dict:
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

"""Capacity expansion inputs: build candidates, their annualised costs, retirements, carry-over.

This is the data side of expansion; the LP side is in :mod:`aseangrid.formulation`
(``add_generation_expansion``, ``add_retirement``, extendable storage and links).

For one model year ``Y`` of a pathway, :func:`edit_tables` turns the dataset tables into the
fleet of that year:

1. *adequacy top-ups* (the ``[assumption]`` gas rows that keep far years served in dispatch
   runs) are dropped: expansion decides what to build instead;
2. *scheduled retirements* (``retirements.csv``, kinds chosen by the scenario) and the early
   retirements chosen in earlier steps reduce the existing rows of their node and technology;
3. capacity *built in earlier steps* (the :class:`PathwayState`) joins the fleet as rows with
   status ``built``, retiring after its lifetime;
4. one *candidate* per buildable node and technology (``build_limits.csv``: first year reached,
   technology allowed, no new coal once forbidden) joins with zero capacity, likewise storage
   and transmission candidates (``link_candidates.csv``).

:func:`annotate` then adds, per candidate, the remaining potential and the annualised cost::

    k = CRF(r, n) * capex + fom,     CRF(r, n) = r / (1 - (1 + r) ** -n)      [USD/MW/yr]

with the discount rate ``r`` (real), the technology's lifetime ``n`` [yr] and the year's
capital and fixed O&M costs (``cost_trajectories.csv``, linear between the years given).
Storage has a power part [USD/MW/yr] and an energy part [USD/MWh/yr]; links pay their capital
cost per MW and a fixed O&M of :data:`LINK_FOM_SHARE` of it per year.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import InputError, Problem
from . import schema as sc

#: Fixed O&M of new transmission per year as a share of its capital cost (ENTSO-E/TYNDP-style
#: 2 %/yr quoted in shared reference asean-profiles-costs §6.6).
LINK_FOM_SHARE = 0.02
#: Default real discount rate: 10 % (OSeMOSYS Global Indonesia application, based on the IEA
#: cost of capital; shared reference asean-profiles-costs §6.7).
DISCOUNT_RATE = 0.10


def crf(rate: float, years: np.ndarray | float) -> np.ndarray:
    """Capital recovery factor ``r / (1 - (1 + r)^-n)`` [1/yr] (``1/n`` when ``r = 0``)."""
    n = np.asarray(years, dtype=float)
    if rate == 0:
        return 1.0 / n
    return rate / (1.0 - (1.0 + rate) ** (-n))


@dataclass(frozen=True)
class ExpansionSpec:
    """What a scenario lets the model build and retire (see ``docs/expansion.md``).

    Parameters
    ----------
    discount_rate
        Real discount rate for annuities and for discounting a pathway's costs.
    countries
        Countries where new capacity may be built (``None``: every modelled country).
    technologies
        Technologies that may be built (``None``: all with a ``build_limits.csv`` row).
    links
        Candidate corridors allowed: ``"all"``, ``"none"`` or a list of candidate ids.
    retirements
        Kinds of ``retirements.csv`` rows applied (``age``, ``plan``, ``early_candidate``).
    early_retirement
        Technologies whose existing plants the model may retire early when that saves cost.
    no_new_coal_from
        First year in which no new coal or lignite may be built (``None``: no ban beyond
        ``build_limits.csv``). Plants already in the fleet tables (committed) still come.
    keep_adequacy_rows
        Keep the ``[assumption]`` adequacy top-up rows (default: dropped, expansion replaces
        them).
    """

    discount_rate: float = DISCOUNT_RATE
    countries: tuple[str, ...] | None = None
    technologies: tuple[str, ...] | None = None
    links: str | tuple[str, ...] = "all"
    retirements: tuple[str, ...] = ("age", "plan")
    early_retirement: tuple[str, ...] = ()
    no_new_coal_from: int | None = None
    keep_adequacy_rows: bool = False


@dataclass
class PathwayState:
    """What earlier steps of a pathway left behind.

    ``built`` holds one record per asset built: ``kind`` (generator, storage, link), ``id``,
    ``node``/``technology`` or link ends, ``year``, ``capacity_mw``, ``energy_mwh``,
    ``lifetime_yr`` and ``annual_cost_usd`` (what it costs every year of its life).
    ``retired_early`` maps ``(node, technology)`` to MW retired early so far.
    """

    built: list[dict] = field(default_factory=list)
    retired_early: dict[tuple[str, str], float] = field(default_factory=dict)

    def built_mw(self, node: str, technology: str) -> float:
        """MW of a node's technology built so far (for the remaining potential)."""
        return sum(
            b["capacity_mw"]
            for b in self.built
            if b["kind"] in ("generator", "storage")
            and b["node"] == node
            and b["technology"] == technology
        )

    def built_link_mw(self, link: str) -> float:
        """MW of a candidate corridor built so far."""
        return sum(b["capacity_mw"] for b in self.built if b["kind"] == "link" and b["id"] == link)

    def annual_cost_usd(self, year: int) -> float:
        """Annuities and fixed O&M of earlier builds still in service in ``year`` [USD/yr]."""
        return sum(
            b["annual_cost_usd"]
            for b in self.built
            if b["year"] <= year < b["year"] + b["lifetime_yr"]
        )


def _is_adequacy(gens: pd.DataFrame) -> np.ndarray:
    src = gens["source"].astype(str).str.lower()
    return (gens["generator"].str.contains("_adequacy_") & src.str.contains("adequacy")).to_numpy()


def _costs(tables: dict[str, pd.DataFrame], year: int, tech: str) -> tuple[float, float, float]:
    """Capex per kW, capex per kWh (storage) and FOM per kW-yr of ``tech`` in ``year``."""
    ct = tables["cost_trajectories"]
    rows = ct[ct["technology"] == tech].sort_values("year")
    y = rows["year"].to_numpy(dtype=float)
    out = []
    for col in ("capex_usd_per_kw", "capex_usd_per_kwh", "fom_usd_per_kw_yr"):
        v = rows[col].to_numpy(dtype=float)
        ok = ~np.isnan(v)
        out.append(float(np.interp(year, y[ok], v[ok])) if ok.any() else 0.0)
    return out[0], out[1], out[2]


def restrict_countries(tables: dict[str, pd.DataFrame], countries: list[str]) -> dict:
    """Keep only the nodes of ``countries`` (and the fleet, links and candidates among them)."""
    t = dict(tables)
    nodes = t["nodes"][t["nodes"]["country"].isin(countries)]
    keep = set(nodes["node"])
    t["nodes"] = nodes.reset_index(drop=True)
    for name in ("demand", "generators", "storage", "hydro", "build_limits", "retirements"):
        if name in t:
            t[name] = t[name][t[name]["node"].isin(keep)].reset_index(drop=True)
    for name in ("links", "link_candidates"):
        if name in t:
            df = t[name]
            t[name] = df[df["node_from"].isin(keep) & df["node_to"].isin(keep)].reset_index(
                drop=True
            )
    return t


def _need(tables: dict[str, pd.DataFrame]) -> None:
    missing = [
        n for n in ("build_limits", "cost_trajectories") if n not in tables or tables[n] is None
    ]
    if missing:
        raise InputError(
            [
                Problem(
                    f"{n}.csv",
                    None,
                    "(file)",
                    "missing",
                    "the table in the dataset folder (expansion needs it; see inputs/README.md)",
                )
                for n in missing
            ]
        )


def edit_tables(
    tables: dict[str, pd.DataFrame], year: int, spec: ExpansionSpec, state: PathwayState
) -> dict[str, pd.DataFrame]:
    """Return the tables of model year ``year``: retirements applied, earlier builds and
    candidates added (see the module docstring)."""
    _need(tables)
    t = dict(tables)
    node_country = dict(zip(t["nodes"]["node"], t["nodes"]["country"], strict=True))
    tech = t["technologies"].set_index("technology")
    gens = t["generators"].copy()
    if not spec.keep_adequacy_rows:
        gens = gens[~_is_adequacy(gens)]
    gens = gens.reset_index(drop=True)

    # --- scheduled and early retirements reduce the existing rows of a node and technology
    retired: dict[tuple[str, str], float] = dict(state.retired_early)
    if "retirements" in t:
        r = t["retirements"]
        r = r[(r["year"] <= year) & r["kind"].isin(spec.retirements)]
        for (n, k), mw in r.groupby(["node", "technology"])["capacity_mw"].sum().items():
            retired[(n, k)] = retired.get((n, k), 0.0) + float(mw)
    cap = gens["capacity_mw"].to_numpy(dtype=float).copy()
    existing = (gens["status"] == "existing").to_numpy()
    # rows with their own retire year leave on their own; retirements.csv counts the others
    open_ended = existing & gens["retire_year"].isna().to_numpy()
    node_of, tech_of = gens["node"].to_numpy(), gens["technology"].to_numpy()
    for (n, k), mw in retired.items():
        rows = np.flatnonzero(open_ended & (node_of == n) & (tech_of == k))
        total = cap[rows].sum()
        if total <= 0:
            continue
        cap[rows] *= max(0.0, 1.0 - mw / total)
    gens["capacity_mw"] = cap
    gens = gens[~(open_ended & (cap <= 1e-6))].reset_index(drop=True)

    # --- earlier builds join the fleet
    new_g, new_s, new_l = [], [], []
    for b in state.built:
        life = b["lifetime_yr"]
        if not (b["year"] <= year < b["year"] + life):
            continue
        if b["kind"] == "generator":
            new_g.append(
                {
                    "generator": b["id"],
                    "node": b["node"],
                    "technology": b["technology"],
                    "capacity_mw": b["capacity_mw"],
                    "commission_year": b["year"],
                    "retire_year": b["year"] + life,
                    "status": "built",
                    "source": f"built by the model in {b['year']}",
                }
            )
        elif b["kind"] == "storage":
            new_s.append(
                {
                    "storage": b["id"],
                    "node": b["node"],
                    "technology": b["technology"],
                    "power_mw": b["capacity_mw"],
                    "energy_mwh": b["energy_mwh"],
                    "efficiency_roundtrip": b["efficiency_roundtrip"],
                    "commission_year": b["year"],
                    "retire_year": b["year"] + life,
                    "status": "built",
                    "source": f"built by the model in {b['year']}",
                }
            )
        else:
            new_l.append(_link_row(t, b["id"], b["capacity_mw"], "built", b["year"]))

    # --- candidates
    bl = t["build_limits"]
    allowed_c = set(spec.countries) if spec.countries is not None else set(sc.COUNTRIES)
    for n, k, first in zip(bl["node"], bl["technology"], bl["first_year"], strict=True):
        if first > year or node_country.get(n) not in allowed_c:
            continue
        if spec.technologies is not None and k not in spec.technologies:
            continue
        if k in sc.COAL_TECHNOLOGIES and spec.no_new_coal_from is not None:
            if year >= spec.no_new_coal_from:
                continue
        cid = f"{n}_{k}_new_{year}"
        if k in sc.STORAGE_TECHNOLOGIES:
            new_s.append(
                {
                    "storage": cid,
                    "node": n,
                    "technology": k,
                    "power_mw": 0.0,
                    "energy_mwh": 0.0,
                    "efficiency_roundtrip": float(tech.loc[k, "efficiency"]),
                    "commission_year": year,
                    "retire_year": np.nan,
                    "status": "candidate",
                    "source": "build candidate (build_limits.csv)",
                }
            )
        else:
            new_g.append(
                {
                    "generator": cid,
                    "node": n,
                    "technology": k,
                    "capacity_mw": 0.0,
                    "commission_year": year,
                    "retire_year": np.nan,
                    "status": "candidate",
                    "source": "build candidate (build_limits.csv)",
                }
            )
    if "link_candidates" in t and spec.links != "none":
        lc = t["link_candidates"]
        for lid, first, a, b_ in zip(
            lc["link"], lc["first_year"], lc["node_from"], lc["node_to"], strict=True
        ):
            if first > year or (spec.links != "all" and lid not in spec.links):
                continue
            if node_country.get(a) not in allowed_c and node_country.get(b_) not in allowed_c:
                continue
            new_l.append(_link_row(t, lid, 0.0, "candidate", year))
    if new_g:
        gens = pd.concat([gens, pd.DataFrame(new_g)], ignore_index=True)
    t["generators"] = gens
    if new_s:
        t["storage"] = pd.concat([t["storage"], pd.DataFrame(new_s)], ignore_index=True)
    if new_l:
        t["links"] = pd.concat([t["links"], pd.DataFrame(new_l)], ignore_index=True)
    return t


def _link_row(t: dict[str, pd.DataFrame], lid: str, mw: float, status: str, year: int) -> dict:
    lc = t["link_candidates"].set_index("link").loc[lid]
    return {
        "link": lid if status == "candidate" else f"{lid}_built_{year}",
        "node_from": lc["node_from"],
        "node_to": lc["node_to"],
        "capacity_forward_mw": mw,
        "capacity_backward_mw": mw,
        "loss_fraction": float(lc["loss_fraction"]),
        "kind": lc["kind"],
        "voltage_kv": np.nan,
        "commission_year": year,
        "retire_year": year + float(lc["lifetime_yr"]) if status == "built" else np.nan,
        "wheeling_forward_usd_per_mwh": 0.0,
        "wheeling_backward_usd_per_mwh": 0.0,
        "status": status,
        "source": f"candidate corridor {lid} (link_candidates.csv)",
    }


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
    tech = tables["technologies"].set_index("technology")
    bl = tables["build_limits"].set_index(["node", "technology"])
    r = spec.discount_rate

    def v(dims, data, units, desc):
        return xr.DataArray(data, dims=dims, attrs={"units": units, "description": desc})

    # generators
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
        capex, _, fom = _costs(tables, year, k)
        kcost[i] = 1000.0 * (float(crf(r, tech.loc[k, "lifetime_yr"])) * capex + fom)
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
    # storage
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
        capex_kw, capex_kwh, fom_kw = _costs(tables, year, k)
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
    # links
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
    ds["discount_rate"] = xr.DataArray(
        float(r), attrs={"units": "1/yr", "description": "Real discount rate."}
    )
    return ds


def record_step(
    state: PathwayState, ds: xr.Dataset, res: xr.Dataset, year: int, min_mw: float = 0.1
) -> PathwayState:
    """Carry this step's builds and early retirements into the state of the next steps."""
    built = list(state.built)
    if "capacity_new_mw" in res:
        for g, mw in zip(
            res["generator_extendable"].values.tolist(),
            res["capacity_new_mw"].values.tolist(),
            strict=True,
        ):
            if mw < min_mw:
                continue
            i = int(np.flatnonzero(ds["generator"].values == g)[0])
            k = str(ds["generator_technology"].values[i])
            life = float(ds["lifetime_yr"].values[i])
            built.append(
                {
                    "kind": "generator",
                    "id": g.replace("_new_", "_built_"),
                    "node": str(ds["generator_node"].values[i]),
                    "technology": k,
                    "year": year,
                    "capacity_mw": float(mw),
                    "energy_mwh": 0.0,
                    "lifetime_yr": life,
                    "annual_cost_usd": float(mw * ds["annual_cost_usd_per_mw"].values[i]),
                }
            )
    if "storage_power_new_mw" in res:
        for s, p, e in zip(
            res["storage_extendable"].values.tolist(),
            res["storage_power_new_mw"].values.tolist(),
            res["storage_energy_new_mwh"].values.tolist(),
            strict=True,
        ):
            if p < min_mw and e < min_mw:
                continue
            i = int(np.flatnonzero(ds["storage"].values == s)[0])
            built.append(
                {
                    "kind": "storage",
                    "id": s.replace("_new_", "_built_"),
                    "node": str(ds["storage_node"].values[i]),
                    "technology": str(ds["storage_technology"].values[i]),
                    "year": year,
                    "capacity_mw": float(p),
                    "energy_mwh": float(e),
                    "efficiency_roundtrip": float(ds["storage_efficiency_roundtrip"].values[i]),
                    "lifetime_yr": float(ds["storage_lifetime_yr"].values[i]),
                    "annual_cost_usd": float(
                        p * ds["storage_annual_cost_usd_per_mw"].values[i]
                        + e * ds["storage_annual_cost_usd_per_mwh"].values[i]
                    ),
                }
            )
    if "link_capacity_new_mw" in res:
        for lid, mw in zip(
            res["link_extendable"].values.tolist(),
            res["link_capacity_new_mw"].values.tolist(),
            strict=True,
        ):
            if mw < min_mw:
                continue
            i = int(np.flatnonzero(ds["link"].values == lid)[0])
            built.append(
                {
                    "kind": "link",
                    "id": lid,
                    "node": str(ds["link_from"].values[i]),
                    "technology": "link",
                    "year": year,
                    "capacity_mw": float(mw),
                    "energy_mwh": 0.0,
                    "lifetime_yr": float(ds["link_lifetime_yr"].values[i]),
                    "annual_cost_usd": float(mw * ds["link_annual_cost_usd_per_mw"].values[i]),
                }
            )
    retired = dict(state.retired_early)
    if "capacity_retired_mw" in res:
        for g, mw in zip(
            res["generator_retirable"].values.tolist(),
            res["capacity_retired_mw"].values.tolist(),
            strict=True,
        ):
            if mw < min_mw:
                continue
            i = int(np.flatnonzero(ds["generator"].values == g)[0])
            key = (str(ds["generator_node"].values[i]), str(ds["generator_technology"].values[i]))
            retired[key] = retired.get(key, 0.0) + float(mw)
    return PathwayState(built=built, retired_early=retired)

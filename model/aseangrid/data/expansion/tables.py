"""The fleet tables of one pathway year: retirements applied, earlier builds and candidates
added."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema as sc
from .spec import ExpansionSpec, PathwayState, is_adequacy, need


def _retire(gens: pd.DataFrame, t: dict, year: int, spec: ExpansionSpec, state: PathwayState):
    """Scheduled and early retirements reduce the open-ended existing rows of a node and
    technology."""
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
    return gens[~(open_ended & (cap <= 1e-6))].reset_index(drop=True)


def _earlier_builds(t: dict, year: int, state: PathwayState) -> tuple[list, list, list]:
    """Rows of what earlier steps built and is still in service: generators, storage, links."""
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

    return new_g, new_s, new_l


def _candidates(
    t: dict, year: int, spec: ExpansionSpec, new_g: list, new_s: list, new_l: list
) -> None:
    """One zero-capacity candidate per buildable node and technology, and candidate links."""
    node_country = dict(zip(t["nodes"]["node"], t["nodes"]["country"], strict=True))
    tech = t["technologies"].set_index("technology")
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


def edit_tables(
    tables: dict[str, pd.DataFrame], year: int, spec: ExpansionSpec, state: PathwayState
) -> dict[str, pd.DataFrame]:
    """Return the tables of model year ``year``: retirements applied, earlier builds and
    candidates added (see the module docstring)."""
    need(tables)
    t = dict(tables)
    gens = t["generators"].copy()
    if not spec.keep_adequacy_rows:
        gens = gens[~is_adequacy(gens)]
    gens = gens.reset_index(drop=True)

    gens = _retire(gens, t, year, spec, state)
    new_g, new_s, new_l = _earlier_builds(t, year, state)
    _candidates(t, year, spec, new_g, new_s, new_l)
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

"""A pathway step's builds and early retirements carried into the next steps."""

from __future__ import annotations

import numpy as np
import xarray as xr

from .spec import PathwayState


def _generator_record(ds, res, i, g, mw, year):
    return {
        "kind": "generator",
        "id": g.replace("_new_", "_built_"),
        "node": str(ds["generator_node"].values[i]),
        "technology": str(ds["generator_technology"].values[i]),
        "year": year,
        "capacity_mw": mw,
        "energy_mwh": 0.0,
        "lifetime_yr": float(ds["lifetime_yr"].values[i]),
        "annual_cost_usd": float(mw * ds["annual_cost_usd_per_mw"].values[i]),
    }


def _storage_record(ds, res, i, s, p, e, year):
    return {
        "kind": "storage",
        "id": s.replace("_new_", "_built_"),
        "node": str(ds["storage_node"].values[i]),
        "technology": str(ds["storage_technology"].values[i]),
        "year": year,
        "capacity_mw": p,
        "energy_mwh": e,
        "efficiency_roundtrip": float(ds["storage_efficiency_roundtrip"].values[i]),
        "lifetime_yr": float(ds["storage_lifetime_yr"].values[i]),
        "annual_cost_usd": float(
            p * ds["storage_annual_cost_usd_per_mw"].values[i]
            + e * ds["storage_annual_cost_usd_per_mwh"].values[i]
        ),
    }


def _link_record(ds, res, i, lid, mw, year):
    return {
        "kind": "link",
        "id": lid,
        "node": str(ds["link_from"].values[i]),
        "technology": "link",
        "year": year,
        "capacity_mw": mw,
        "energy_mwh": 0.0,
        "lifetime_yr": float(ds["link_lifetime_yr"].values[i]),
        "annual_cost_usd": float(mw * ds["link_annual_cost_usd_per_mw"].values[i]),
    }


def _pairs(res: xr.Dataset, dim: str, *variables: str):
    if variables[0] not in res:
        return []
    cols = [res[v].values.tolist() for v in variables]
    return list(zip(res[dim].values.tolist(), *cols, strict=True))


def _position(ds: xr.Dataset, dim: str, label) -> int:
    return int(np.flatnonzero(ds[dim].values == label)[0])


def record_step(
    state: PathwayState, ds: xr.Dataset, res: xr.Dataset, year: int, min_mw: float = 0.1
) -> PathwayState:
    """Carry this step's builds and early retirements into the state of the next steps
    (builds below ``min_mw`` are dropped)."""
    built = list(state.built)
    for g, mw in _pairs(res, "generator_extendable", "capacity_new_mw"):
        if mw >= min_mw:
            built.append(_generator_record(ds, res, _position(ds, "generator", g), g, mw, year))
    for s, p, e in _pairs(
        res, "storage_extendable", "storage_power_new_mw", "storage_energy_new_mwh"
    ):
        if p >= min_mw or e >= min_mw:
            built.append(_storage_record(ds, res, _position(ds, "storage", s), s, p, e, year))
    for lid, mw in _pairs(res, "link_extendable", "link_capacity_new_mw"):
        if mw >= min_mw:
            built.append(_link_record(ds, res, _position(ds, "link", lid), lid, mw, year))
    retired = dict(state.retired_early)
    for g, mw in _pairs(res, "generator_retirable", "capacity_retired_mw"):
        if mw < min_mw:
            continue
        i = _position(ds, "generator", g)
        key = (str(ds["generator_node"].values[i]), str(ds["generator_technology"].values[i]))
        retired[key] = retired.get(key, 0.0) + float(mw)
    return PathwayState(built=built, retired_early=retired)

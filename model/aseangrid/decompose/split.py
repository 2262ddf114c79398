"""The coarse year and the sub-horizons cut from it: levels, budgets, slacks."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..formulation import Options


@dataclass(frozen=True)
class Decomposition:
    """How a horizon is decomposed.

    Parameters
    ----------
    block_hours
        Hours per step of the coarse year (a divisor of ``subhorizon_hours``).
    subhorizon_hours
        Hours per sub-horizon (the last one also takes the remainder of the horizon).
    workers
        Processes solving sub-horizons side by side (1: in this process).
    tolerance
        Largest certified gap accepted relative to the objective (the usual optimality gap).
    tolerance_excl_penalties
        Largest certified gap accepted relative to the system cost without policy penalties
        (where a policy is out of reach its penalty dominates the objective, and a gap that is
        small against the objective may not be against what the system costs). Above either
        tolerance the bound is tightened (Lagrangian), then the coarse year solved again with
        ``refine_block_hours`` blocks; if the gap stays above, the results say so.
    refine_block_hours
        Block length of the refinement (``None``: no refinement).
    """

    block_hours: int = 6
    subhorizon_hours: int = 168
    workers: int = 2
    tolerance: float = 1e-3
    tolerance_excl_penalties: float = 5e-3
    refine_block_hours: int | None = 3


#: Variables along ``time`` that the coarse year averages (the weights are summed).
_MEAN = ("demand_mw", "availability_pu", "hydro_inflow_mw", "contract_mw")


def why_not(ds: xr.Dataset, options: Options, extensions, dec: Decomposition) -> str | None:
    """Why a Dataset cannot be decomposed (``None``: it can)."""
    if "period" in ds:
        return "representative periods"
    for v in (
        "generator_extendable",
        "storage_extendable",
        "link_extendable",
        "generator_retirable",
    ):
        if v in ds and bool(np.asarray(ds[v].values).any()):
            return "capacity expansion"
    if options.ramping:
        return "ramping rows (they link the hours across sub-horizon boundaries)"
    if extensions:
        return "user extensions (they may span sub-horizons)"
    if not np.allclose(ds["time_weight_h"].values, 1.0):
        return "time steps of other than one hour"
    if ds.sizes["time"] < 2 * dec.subhorizon_hours:
        return f"a horizon shorter than two sub-horizons of {dec.subhorizon_hours} h"
    if dec.subhorizon_hours % dec.block_hours:
        return "sub-horizons not a whole number of blocks"
    return None


# ---------------------------------------------------------------------------------------
# the coarse year


def coarse(ds: xr.Dataset, block_hours: int) -> xr.Dataset:
    """The horizon in blocks of ``block_hours``: series averaged, weights summed.

    Ramping limits are per block (``ramp_per_hour * b``, at most 1); the steps keep the
    time stamp of their first hour.
    """
    T = ds.sizes["time"]
    starts = np.arange(0, T, block_hours)
    out = ds.isel(time=starts).copy()
    w = ds["time_weight_h"].values
    wsum = np.add.reduceat(w, starts)
    for v in _MEAN:
        if v in ds:
            a = ds[v].values
            if ds[v].dims[0] != "time":
                continue
            s = np.add.reduceat(a * w.reshape((-1,) + (1,) * (a.ndim - 1)), starts, axis=0)
            out[v] = (ds[v].dims, s / wsum.reshape((-1,) + (1,) * (a.ndim - 1)), ds[v].attrs)
    out["time_weight_h"] = ("time", wsum, ds["time_weight_h"].attrs)
    out["time_step_h"] = ("time", wsum, {"units": "h", "description": "Duration of the block."})
    out["ramp_per_hour"] = np.minimum(1.0, ds["ramp_per_hour"] * block_hours)
    out.attrs["time_resolution"] = f"{block_hours}-hour blocks (coarse year of a decomposed solve)"
    return out


# ---------------------------------------------------------------------------------------
# sub-horizons


def bounds_of_subhorizons(T: int, hours: int) -> list[tuple[int, int]]:
    """``[(first hour, end hour), ...]``: whole sub-horizons, the last one with the rest."""
    n = max(1, T // hours)
    edges = [k * hours for k in range(n)] + [T]
    return list(itertools.pairwise(edges))


def _levels(ds, cres, name: str, dim: str, E_of) -> tuple[np.ndarray, np.ndarray]:
    """Coarse levels at the end of every block, per ``ds`` element (generator or storage),
    and the level before the first block."""
    size = ds.sizes[dim if dim == "storage" else "generator"]
    if name not in cres:
        z = np.zeros((cres.sizes["time"], size))
        return z, np.zeros(size)
    lvl = cres[name].values
    if dim == "reservoir":
        full = np.zeros((lvl.shape[0], size))
        pos = {g: i for i, g in enumerate(ds["generator"].values.tolist())}
        cols = [pos[g] for g in cres["reservoir"].values.tolist()]
        full[:, cols] = lvl
        lvl = full
    return lvl, lvl[-1].copy()  # cyclic: the horizon starts where it ends


def _shares(values_by_block: np.ndarray, blocks: list[tuple[int, int]]) -> np.ndarray:
    """Sum of a per-block quantity over each sub-horizon (blocks given as block ranges)."""
    return np.array([values_by_block[a:b].sum(axis=0) for a, b in blocks])


def _allocate(total: np.ndarray, parts: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Split ``total`` (per element) over sub-horizons in proportion to ``parts`` (sub-horizon
    x element), or to ``fallback`` where the parts add up to zero; the shares add up exactly."""
    s = parts.sum(axis=0)
    weights = np.where(s > 0, parts / np.where(s > 0, s, 1.0), fallback[:, None] / fallback.sum())
    return weights * total[None, :]


def _energy_limit_budgets(ds, cds, cres, sub, blocks, hours) -> np.ndarray:
    """Per sub-horizon and energy limit: the share of the limit's period it gets, in
    proportion to the coarse year's energy of the group in the period (fallback: hours)."""
    from ..data.limits import energy_limit_share, in_period, link_masks

    w = cds["time_weight_h"].values[:, None]
    period = in_period(cds)  # (block, limit)
    energy = (cres["generation_mw"].values * w) @ ds["energy_limit_member"].values.T.astype(float)
    fwd, bwd = link_masks(ds)
    for var, mask in (("flow_forward_mw", fwd), ("flow_backward_mw", bwd)):
        if var in cres and mask.any():
            energy = energy + (cres[var].values * w) @ mask.T.astype(float)
    parts = _shares(energy * period, blocks)  # (sub, limit)
    in_sub = np.array(
        [
            [(in_period(ds.isel(time=slice(a, e)))[:, k]).sum() for k in range(period.shape[1])]
            for a, e in sub
        ],
        dtype=float,
    )
    total = energy_limit_share(ds)  # the horizon's share of each period
    alloc = np.empty_like(parts)
    for k in range(parts.shape[1]):
        fb = in_sub[:, k] if in_sub[:, k].sum() > 0 else hours
        alloc[:, k] = _allocate(np.array([total[k]]), parts[:, [k]], fb)[:, 0]
    return alloc


def _policy_budgets(ds: xr.Dataset, cds: xr.Dataset, cres: xr.Dataset, sub: list, b: int) -> dict:
    """Per sub-horizon: carbon caps [Mt], coal generation limits [TWh], renewable shares."""
    from ..data.timeagg import limit_share

    blocks = [(a // b, e // b) for a, e in sub]
    hours = np.array([e - a for a, e in sub], dtype=float)
    w = cds["time_weight_h"].values[:, None]
    gen = cres["generation_mw"].values * w  # MWh per block and generator
    share = limit_share(ds)
    gc = ds["generator_country"].values
    out: dict[str, np.ndarray] = {}
    if ds.sizes.get("carbon_cap", 0):
        em_g = gen * ds["emission_factor_t_per_mwh"].values[None, :]
        member = ds["carbon_cap_member"].values
        countries = ds["country"].values
        em = np.stack(
            [
                em_g[:, np.isin(gc, countries[member[k]])].sum(axis=1)
                for k in range(member.shape[0])
            ],
            axis=1,
        )
        out["carbon_cap_mt"] = _allocate(
            share * ds["carbon_cap_mt"].values, _shares(em, blocks), hours
        )
    coal = np.isin(ds["generator_technology"].values, ("coal", "lignite"))
    cmax = ds["coal_generation_max_twh"].values
    if np.isfinite(cmax).any():
        parts = np.stack(
            [gen[:, coal & (gc == c)].sum(axis=1) for c in ds["country"].values], axis=1
        )
        alloc = _allocate(np.nan_to_num(share * cmax), _shares(parts, blocks), hours)
        out["coal_generation_max_twh"] = np.where(np.isfinite(cmax)[None, :], alloc, np.nan)
    if ds.sizes.get("energy_limit", 0):
        out["energy_limit_share"] = _energy_limit_budgets(ds, cds, cres, sub, blocks, hours)
    rmin = ds["renewable_share_min"].values
    if np.isfinite(rmin).any():
        ren = ds["renewable"].values.astype(bool)
        nc = ds["node_country"].values
        dem = ds["demand_mw"].values  # hourly
        countries = ds["country"].values
        need = np.array(
            [
                rmin[i] * dem[:, nc == c].sum() if np.isfinite(rmin[i]) else 0.0
                for i, c in enumerate(countries)
            ]
        )
        parts = np.stack([gen[:, ren & (gc == c)].sum(axis=1) for c in countries], axis=1)
        req = _allocate(need, _shares(parts, blocks), hours)
        dem_sub = np.array([[dem[a:e, nc == c].sum() for c in countries] for a, e in sub])
        with np.errstate(invalid="ignore", divide="ignore"):
            out["renewable_share_min"] = np.where(
                np.isfinite(rmin)[None, :] & (dem_sub > 0), req / dem_sub, np.nan
            )
    return out


def subhorizon_datasets(
    ds: xr.Dataset, cds: xr.Dataset, cres: xr.Dataset, dec: Decomposition
) -> list[tuple[int, int, xr.Dataset]]:
    """The Dataset of every sub-horizon: its hours, boundary levels and policy budgets."""
    b = dec.block_hours
    sub = bounds_of_subhorizons(ds.sizes["time"], dec.subhorizon_hours)
    slvl, s0 = _levels(ds, cres, "storage_level_mwh", "storage", None)
    rlvl, r0 = _levels(ds, cres, "reservoir_level_mwh", "reservoir", None)
    budgets = _policy_budgets(ds, cds, cres, sub, b)
    out = []
    for k, (a, e) in enumerate(sub):
        d = ds.isel(time=slice(a, e)).copy()
        start = a // b - 1
        d["storage_level_initial_mwh"] = ("storage", s0 if start < 0 else slvl[start])
        d["storage_level_final_mwh"] = ("storage", slvl[e // b - 1])
        d["reservoir_level_initial_mwh"] = ("generator", r0 if start < 0 else rlvl[start])
        d["reservoir_level_final_mwh"] = (
            "generator",
            np.where(ds["reservoir_capacity_mwh"].values > 0, rlvl[e // b - 1], np.nan),
        )
        for v, arr in budgets.items():  # Mt, TWh and shares of this sub-horizon
            dims = ("energy_limit",) if v == "energy_limit_share" else ds[v].dims
            d[v] = (dims, arr[k], {} if v == "energy_limit_share" else ds[v].attrs)
        d["annual_limit_share"] = xr.DataArray(
            1.0, attrs={"units": "1", "description": "Limits given for this sub-horizon."}
        )
        d.attrs["subhorizon"] = f"{k} ({a}..{e - 1} h)"
        out.append((a, e, d))
    return out


#: Annual rows with a slack: (row block, slack block, sense of the slack in the row).
ANNUAL_ROWS = (
    ("carbon_cap_limit", "carbon_cap_excess_t", -1.0),
    ("renewable_share", "renewable_shortfall_mwh", 1.0),
    ("coal_generation_limit", "coal_generation_excess_mwh", -1.0),
    ("energy_limit_min", "energy_limit_shortfall_mwh", 1.0),
    ("energy_limit_max", "energy_limit_excess_mwh", -1.0),
)


def minimal_slacks(lp, sf, x: np.ndarray) -> None:
    """Set each annual slack of a stitched solution to the least its row needs (in place)."""
    for row, slack, sign in ANNUAL_ROWS:
        if row not in lp.rows or slack not in lp.blocks:
            continue
        b = lp.blocks[slack]
        cols = b.cols().ravel()
        x[cols] = 0.0
        rows = sf.rows_of(row)
        act = (sf.A @ x)[rows]
        if sign < 0:  # activity - slack <= upper
            need = np.maximum(act - sf.row_upper[rows], 0.0)
        else:  # activity + slack >= lower
            need = np.maximum(sf.row_lower[rows] - act, 0.0)
        x[cols] = need

"""A year solved in steps, with a certified gap: a coarse year, then weeks in parallel.

1. **Coarse year.** The horizon in blocks of ``b`` hours (6 by default): demand, availability,
   inflows and contracts averaged over each block, every step weighing ``b`` hours; storage,
   reservoirs, annual caps, targets and limits kept. With time-invariant costs and no ramping
   rows, any hourly solution averaged over the blocks is feasible for this model at the same
   cost, so its optimum is a **lower bound** of the hourly optimum.
2. **Sub-horizons.** The hours cut into weeks (the last one takes the remainder). Each week
   starts and ends at the coarse year's storage and reservoir levels at its boundaries, and
   gets a budget of each annual policy: its share of the coarse year's emissions (coal
   generation, renewable generation) scaled so that the budgets add up to the annual amount.
   The weeks are independent: they are solved in parallel processes.
3. **Stitching.** The weeks' values fill the hourly program of the whole horizon (annual
   slacks summed); the result is extracted and verified exactly like a monolithic solve,
   every row and column of the hourly program included. Its cost is an **upper bound**; the
   relative distance to the lower bound is the **certified gap**, recorded in the results.
   Annual policies hold exactly because the budgets add up to them.

Hourly prices and water values come from the weeks; the shadow prices of annual policies from
the coarse year. Cases the method cannot take (typical periods, capacity expansion, ramping
rows, user extensions, horizons shorter than two weeks, time weights other than 1 h) are
solved monolithically and say why (``decomposition`` attribute).
"""

from __future__ import annotations

import itertools
import time as _time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
import xarray as xr

from .engine import finish, prepare, run_solver
from .formulation import Options, build_lp
from .procs import die_with_parent
from .solve.options import SolverOptions
from .solve.status import Solution


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
        Largest certified gap accepted, relative to the system cost without policy penalties;
        above it the coarse year is solved again with ``refine_block_hours`` blocks, and if the
        gap is still above it the results say so.
    refine_block_hours
        Block length of the refinement (``None``: no refinement).
    """

    block_hours: int = 6
    subhorizon_hours: int = 168
    workers: int = 2
    tolerance: float = 1e-3
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


def _policy_budgets(ds: xr.Dataset, cds: xr.Dataset, cres: xr.Dataset, sub: list, b: int) -> dict:
    """Per sub-horizon: carbon caps [Mt], coal generation limits [TWh], renewable shares."""
    from .data.timeagg import limit_share

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
            d[v] = (ds[v].dims, arr[k], ds[v].attrs)
        d["annual_limit_share"] = xr.DataArray(
            1.0, attrs={"units": "1", "description": "Limits given for this sub-horizon."}
        )
        d.attrs["subhorizon"] = f"{k} ({a}..{e - 1} h)"
        out.append((a, e, d))
    return out


# ---------------------------------------------------------------------------------------
# solving the sub-horizons


def solve_subhorizons(
    items: list[tuple[int, xr.Dataset]], options: Options, so: SolverOptions
) -> list[dict]:
    """Solve sub-horizons one after another (in a worker process): per sub-horizon its
    primal values by variable block, its raw row duals by row block, objective, time."""
    out = []
    for k, d in items:
        t0 = _time.perf_counter()
        lp = build_lp(d, replace(options, cyclic=False))
        sf = prepare(lp)
        sol = run_solver(lp, sf, d, so)
        out.append(
            {
                "k": k,
                "x": {
                    n: sol.x[b.offset : b.offset + b.size].reshape(b.shape)
                    for n, b in lp.blocks.items()
                },
                "y": {n: sol.row_dual[sf.rows_of(n)].reshape(r.shape) for n, r in lp.rows.items()},
                "objective": sol.objective,
                "simplex_iterations": int(sol.info.get("simplex_iterations", 0)),
                "seconds": _time.perf_counter() - t0,
            }
        )
    return out


def _in_parallel(subs: list, options: Options, so: SolverOptions, workers: int) -> list[dict]:
    items = [(k, d) for k, (_a, _e, d) in enumerate(subs)]
    if workers <= 1:
        return solve_subhorizons(items, options, so)
    chunks = [items[i :: workers * 2] for i in range(workers * 2)]
    with ProcessPoolExecutor(max_workers=workers, initializer=die_with_parent) as pool:
        parts = list(
            pool.map(solve_subhorizons, chunks, [options] * len(chunks), [so] * len(chunks))
        )
    return sorted((r for p in parts for r in p), key=lambda r: r["k"])


def stitch(lp, sf, subs: list, solved: list[dict], coarse_duals: dict) -> Solution:
    """One hourly solution of the whole horizon from the sub-horizons' values (annual blocks:
    summed) and duals (annual rows: the coarse year's)."""
    x = np.zeros(lp.n_cols)
    for name, b in lp.blocks.items():
        v = np.zeros(b.shape)
        if b.dims and b.dims[0] == "time":
            for (a, e, _d), r in zip(subs, solved, strict=True):
                v[a:e] = r["x"][name]
        else:
            for r in solved:
                v = v + r["x"][name]
        x[b.offset : b.offset + b.size] = v.ravel()
    y = np.zeros(sf.n_rows)
    for name, r in lp.rows.items():
        rows = sf.rows_of(name)
        if r.dims and r.dims[0] == "time":
            v = np.zeros(r.shape)
            for (a, e, _d), s in zip(subs, solved, strict=True):
                v[a:e] = s["y"][name]
            y[rows] = v.ravel()
        elif name in coarse_duals:
            y[rows] = coarse_duals[name].ravel()
    return Solution(
        x,
        y,
        float(sf.c @ x),
        "Optimal (decomposed)",
        "HiGHS (decomposed: coarse year + sub-horizons)",
    )


# ---------------------------------------------------------------------------------------
# the whole


class DecompositionGapWarning(UserWarning):
    """A decomposed solve could not certify its gap below the tolerance."""


def _coarse_solve(ds: xr.Dataset, options: Options, so: SolverOptions, block_hours: int):
    from .results import extract

    t0 = _time.perf_counter()
    cds = coarse(ds, block_hours)
    lp = build_lp(cds, options)
    sf = prepare(lp)
    sol = run_solver(lp, sf, cds, so)
    cres = extract(lp, sf, sol, cds)
    duals = {
        n: sol.row_dual[sf.rows_of(n)].reshape(r.shape)
        for n, r in lp.rows.items()
        if not (r.dims and r.dims[0] == "time")
    }
    return cds, cres, sol.objective, duals, _time.perf_counter() - t0


def _pass(ds, options, so, dec, lp, sf) -> dict:
    """One decomposition: coarse year, sub-horizons, stitched solution (not yet verified)."""
    cds, cres, lower, duals, t_coarse = _coarse_solve(ds, options, so, dec.block_hours)
    t0 = _time.perf_counter()
    subs = subhorizon_datasets(ds, cds, cres, dec)
    solved = _in_parallel(subs, options, so, dec.workers)
    t_sub = _time.perf_counter() - t0
    sol = stitch(lp, sf, subs, solved, duals)
    return {
        "solution": sol,
        "lower": lower,
        "upper": sol.objective,
        "block_hours": dec.block_hours,
        "subhorizons": len(subs),
        "coarse_s": t_coarse,
        "subhorizons_s": t_sub,
        "subhorizon_iterations": sum(r["simplex_iterations"] for r in solved),
    }


def _penalties(sf, lp, x) -> float:
    return float(lp.component_costs(x).get("policy_penalty", 0.0))


def solve_decomposed(
    ds: xr.Dataset,
    options: Options | None = None,
    solver_options: SolverOptions | None = None,
    dec: Decomposition | None = None,
    verify: bool = True,
    strict: bool = False,
) -> xr.Dataset:
    """Solve a horizon by decomposition (see the module docstring) and verify the stitched
    hourly solution like a monolithic one.

    The results carry ``decomposition`` (method and block length), ``lower_bound_usd`` (the
    coarse year's optimum), ``objective_usd`` (the stitched cost, an upper bound),
    ``certified_gap`` (relative to the objective) and ``certified_gap_excl_penalties``
    (relative to the system cost without policy penalties). When that gap is above
    ``dec.tolerance``, the coarse year is solved again with shorter blocks; if it stays above,
    a :class:`DecompositionGapWarning` says so and ``decomposition_note`` records it.
    """
    import warnings

    options = options or Options()
    so = solver_options or SolverOptions()
    dec = dec or Decomposition()
    t0 = _time.perf_counter()
    lp = build_lp(ds, options)
    lp.timings["build_s"] = _time.perf_counter() - t0
    sf = prepare(lp)
    passes = [_pass(ds, options, so, dec, lp, sf)]
    gap = _gap(passes, lp)
    if (
        gap[1] > dec.tolerance
        and dec.refine_block_hours
        and dec.refine_block_hours < dec.block_hours
    ):
        passes.append(
            _pass(ds, options, so, replace(dec, block_hours=dec.refine_block_hours), lp, sf)
        )
        gap = _gap(passes, lp)
    best = min(passes, key=lambda p: p["upper"])
    sol = best["solution"]
    sol.timings = {"solve_s": sum(p["coarse_s"] + p["subhorizons_s"] for p in passes)}
    res = finish(lp, sf, ds, sol, verify, strict)
    lower = max(p["lower"] for p in passes)
    note = ""
    if gap[1] > dec.tolerance:
        note = (
            f"the certified gap {gap[1]:.3%} of the system cost without penalties is above the "
            f"tolerance {dec.tolerance:.3%} (blocks of {[p['block_hours'] for p in passes]} h); "
            "for the exact optimum solve monolithically (--exact)"
        )
        warnings.warn(note, DecompositionGapWarning, stacklevel=2)
    res.attrs.update(
        {
            "decomposition": f"decomposed: coarse year in {best['block_hours']}-hour blocks, "
            f"{best['subhorizons']} sub-horizons of {dec.subhorizon_hours} h, "
            f"{len(passes)} pass(es)",
            "lower_bound_usd": lower,
            "certified_gap": gap[0],
            "certified_gap_excl_penalties": gap[1],
            "decomposition_note": note,
            "time_coarse_s": round(sum(p["coarse_s"] for p in passes), 3),
            "time_subhorizons_s": round(sum(p["subhorizons_s"] for p in passes), 3),
            "simplex_iterations": int(sum(p["subhorizon_iterations"] for p in passes)),
        }
    )
    return res


def _gap(passes: list[dict], lp) -> tuple[float, float]:
    """Certified gap of the best bounds so far: relative to the objective and to the system
    cost without policy penalties."""
    upper = min(p["upper"] for p in passes)
    lower = max(p["lower"] for p in passes)
    best = min(passes, key=lambda p: p["upper"])
    pen = float(lp.component_costs(best["solution"].x).get("policy_penalty", 0.0))
    diff = max(upper - lower, 0.0)
    return diff / max(abs(upper), 1.0), diff / max(abs(upper - pen), 1.0)

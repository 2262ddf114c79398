"""The sub-horizons solved (side by side in processes) and stitched; the Lagrangian bound."""

from __future__ import annotations

import itertools
import time as _time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace

import numpy as np
import xarray as xr

from ..engine import prepare, run_solver
from ..formulation import Options, build_lp
from ..procs import die_with_parent
from ..progress import report as say_progress
from ..solve.options import SolverOptions
from ..solve.status import Solution
from .split import minimal_slacks

# ---------------------------------------------------------------------------------------
# solving the sub-horizons


def solve_subhorizons(
    items: list[tuple[int, xr.Dataset]], options: Options, so: SolverOptions
) -> list[dict]:
    """Solve sub-horizons one after another (in a worker process), each from the optimal
    basis of the last one of its shape: per sub-horizon its primal values by variable block,
    its raw row duals by row block, objective, time."""
    out = []
    bases: dict = {}
    for k, d in items:
        t0 = _time.perf_counter()
        lp = build_lp(d, replace(options, cyclic=False))
        sf = prepare(lp)
        sol = run_solver(lp, sf, d, so, bases=bases)
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


def _runs_of(items: list, n: int) -> list[list]:
    """``items`` in ``n`` runs of consecutive sub-horizons (each starts from the basis of the
    one before it, and neighbouring weeks are alike)."""
    edges = np.linspace(0, len(items), n + 1).round().astype(int)
    return [items[a:b] for a, b in itertools.pairwise(edges) if b > a]


def solve_in_parallel(subs: list, options: Options, so: SolverOptions, workers: int) -> list[dict]:
    items = [(k, d) for k, (_a, _e, d) in enumerate(subs)]
    if workers <= 1:
        return solve_subhorizons(items, options, so)
    chunks = _runs_of(items, workers * 2)
    parts = []
    with ProcessPoolExecutor(max_workers=workers, initializer=die_with_parent) as pool:
        futures = [pool.submit(solve_subhorizons, c, options, so) for c in chunks]
        for f in as_completed(futures):
            parts.append(f.result())
            done = sum(len(p) for p in parts)
            say_progress(f"sub-horizons: {done} of {len(items)} solved")
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
            for r in solved:  # a week whose budget of a row is nil builds no slack for it
                if name in r["x"]:
                    v = v + r["x"][name]
        x[b.offset : b.offset + b.size] = v.ravel()
    minimal_slacks(lp, sf, x)
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
# a tighter lower bound: the weeks priced by the coarse year's duals (Lagrangian)


def _prices(ds: xr.Dataset, cres: xr.Dataset) -> dict:
    """Multipliers of the annual rows from the coarse year: per country, the sum of the
    carbon shadow prices of its caps [USD/t], the coal limit's [USD/MWh], the renewable
    target's [USD/MWh] (all >= 0, at most the policy penalty)."""
    countries = ds["country"].values.tolist()
    C = len(countries)
    out = {"carbon": np.zeros(C), "coal": np.zeros(C), "renewable": np.zeros(C)}
    K = ds.sizes.get("energy_limit", 0)
    labels = ds["energy_limit"].values.tolist() if K else []
    for side in ("min", "max"):
        v = np.zeros(K)
        var, dim = f"energy_limit_{side}_shadow_price_usd_per_mwh", f"energy_limit_{side}"
        if var in cres:
            for x, y in zip(cres[dim].values.tolist(), cres[var].values.tolist(), strict=True):
                v[labels.index(x)] = max(float(y), 0.0)
        out[f"energy_limit_{side}"] = v
    if "carbon_shadow_price_usd_per_t" in cres:
        mu = np.maximum(cres["carbon_shadow_price_usd_per_t"].values, 0.0)
        out["carbon"] = (ds["carbon_cap_member"].values * mu[:, None]).sum(axis=0)
    for key, var, dim in (
        ("coal", "coal_generation_shadow_price_usd_per_mwh", "country_coal_generation"),
        ("renewable", "renewable_shadow_price_usd_per_mwh", "country_renewable_target"),
    ):
        if var in cres:
            for c, v in zip(cres[dim].values.tolist(), cres[var].values.tolist(), strict=True):
                out[key][countries.index(c)] = max(float(v), 0.0)
    return out


def _priced_energy_limits(d: xr.Dataset, prices: dict) -> xr.Dataset:
    """The week's energy-limit rows dropped, their multipliers (``nu - mu``: the max row's
    minus the min row's, >= 0 each) added to the cost of every MWh of the group (generation
    or flow over its links); only annual limits can be priced so (a month's price would vary
    in time), see :func:`lagrangian_bound`."""
    from ..data.limits import link_masks

    net = prices["energy_limit_max"] - prices["energy_limit_min"]  # USD/MWh per limit
    member = d["energy_limit_member"].values.astype(float)
    mc = d["marginal_cost_usd_per_mwh"].values + net @ member
    d["marginal_cost_usd_per_mwh"] = (("generator",), mc, d["marginal_cost_usd_per_mwh"].attrs)
    fwd, bwd = link_masks(d)
    for var, mask in (
        ("wheeling_forward_usd_per_mwh", fwd),
        ("wheeling_backward_usd_per_mwh", bwd),
    ):
        if mask.any():
            d[var] = (("link",), d[var].values + net @ mask.astype(float), d[var].attrs)
    return d.isel(energy_limit=slice(0, 0))


def _priced_week(d: xr.Dataset, prices: dict) -> xr.Dataset:
    """A sub-horizon without its annual rows, their multipliers in its costs instead."""
    d = d.copy()
    cpos = {c: i for i, c in enumerate(d["country"].values.tolist())}
    gci = np.array([cpos[c] for c in d["generator_country"].values.tolist()], dtype=np.int64)
    coal = np.isin(d["generator_technology"].values, ("coal", "lignite"))
    ren = d["renewable"].values.astype(bool)
    mc = d["marginal_cost_usd_per_mwh"].values.copy()
    mc = (
        mc + np.where(coal, prices["coal"][gci], 0.0) - np.where(ren, prices["renewable"][gci], 0.0)
    )
    d["marginal_cost_usd_per_mwh"] = (("generator",), mc, d["marginal_cost_usd_per_mwh"].attrs)
    d["carbon_price_usd_per_t"] = d["carbon_price_usd_per_t"] + prices["carbon"]
    d = d.isel(carbon_cap=slice(0, 0))
    if d.sizes.get("energy_limit", 0):
        d = _priced_energy_limits(d, prices)
    for v in ("coal_generation_max_twh", "renewable_share_min"):
        d[v] = d[v] * np.nan
    for v in ("storage_level_initial_mwh", "reservoir_level_initial_mwh"):
        d[v] = d[v] * 0.0
    for v in ("storage_level_final_mwh", "reservoir_level_final_mwh"):
        d[v] = d[v] * np.nan
    return d


def _free_boundaries(lp, d: xr.Dataset, values: dict) -> None:
    """A start level per stock as a column (bounded by the capacity, priced at the value of
    the water or energy at the start) entering the first hour's balance, and a credit for the
    level left at the end (valued at the end's price)."""
    for level, row, dim, (v_start, v_end) in (
        ("storage_level_mwh", "storage_balance", "storage", values["storage"]),
        ("reservoir_level_mwh", "reservoir_balance", "reservoir", values["reservoir"]),
    ):
        if level not in lp.blocks:
            continue
        blk = lp.blocks[level]
        K = blk.shape[1]
        start = lp.add_var(f"{level}_at_start", (dim,), 0.0, blk.ub[0], "MWh", "Start level.")
        lp.add_entries(row, np.arange(K), start.cols(), -1.0)
        lp.add_cost("boundary_value", start.cols(), v_start)
        lp.add_cost("boundary_value", blk.cols()[-1], -v_end)


def lagrangian_subhorizons(items, options: Options, so: SolverOptions) -> list[dict]:
    """Solve priced sub-horizons (in a worker): their optimal costs, whose sum minus the
    multipliers' constant is a lower bound of the hourly optimum."""
    out = []
    bases: dict = {}
    for k, d, values in items:
        lp = build_lp(d, replace(options, cyclic=False))
        _free_boundaries(lp, d, values)
        sf = prepare(lp)
        sol = run_solver(lp, sf, d, so, bases=bases)
        levels = {}
        for level in ("storage_level_mwh", "reservoir_level_mwh"):
            if level in lp.blocks:
                b, s = lp.blocks[level], lp.blocks[f"{level}_at_start"]
                vals = sol.x[b.offset : b.offset + b.size].reshape(b.shape)
                levels[level] = (sol.x[s.offset : s.offset + s.size], vals[-1])
        out.append({"k": k, "objective": sol.objective, "levels": levels})
    return out


def _boundary_values(cres: xr.Dataset, a: int, e: int, b: int, n_blocks: int) -> dict:
    """Values of stored energy at a sub-horizon's start and end from the coarse year's duals
    of the stock balances [USD/MWh] (the block after each boundary; cyclic at the end)."""
    out = {}
    for key, var in (
        ("storage", "storage_value_usd_per_mwh"),
        ("reservoir", "water_value_usd_per_mwh"),
    ):
        if var in cres:
            v = cres[var].values
            out[key] = (v[a // b], v[(e // b) % n_blocks])
        else:
            out[key] = (np.zeros(0), np.zeros(0))
    return out


def _annual_constant(ds: xr.Dataset, prices: dict) -> float:
    """``sum mu * limit`` of the dualised annual rows over the horizon [USD]."""
    from ..data.timeagg import limit_share

    share = limit_share(ds)
    const = 0.0
    if ds.sizes.get("carbon_cap", 0) and "carbon_cap_member" in ds:
        pass  # the carbon caps' constant is added in lagrangian_bound (needs their own prices)
    nc = ds["node_country"].values
    dem = ds["demand_mw"].values
    for i, c in enumerate(ds["country"].values.tolist()):
        cmax = ds["coal_generation_max_twh"].values[i]
        if np.isfinite(cmax):
            const -= prices["coal"][i] * 1e6 * share * cmax
        rmin = ds["renewable_share_min"].values[i]
        if np.isfinite(rmin):
            const += prices["renewable"][i] * rmin * dem[:, nc == c].sum()
    return const


def lagrangian_bound(ds, options, so, dec, cds, cres, subs) -> tuple[float, float]:
    """A lower bound of the hourly optimum from the sub-horizons priced by the coarse duals
    (water values at the boundaries, shadow prices of the annual rows); and its time [s]."""
    from ..data.timeagg import limit_share

    t0 = _time.perf_counter()
    say_progress("lower bound: sub-horizons priced by the coarse year's duals")
    prices = _prices(ds, cres)
    n = cds.sizes["time"]
    items = [
        (k, _priced_week(d, prices), _boundary_values(cres, a, e, dec.block_hours, n))
        for k, (a, e, d) in enumerate(subs)
    ]
    if dec.workers <= 1:
        solved = lagrangian_subhorizons(items, options, so)
    else:
        chunks = _runs_of(items, dec.workers * 2)
        with ProcessPoolExecutor(max_workers=dec.workers, initializer=die_with_parent) as pool:
            parts = pool.map(
                lagrangian_subhorizons, chunks, [options] * len(chunks), [so] * len(chunks)
            )
            solved = [r for p in parts for r in p]
    solved = sorted(solved, key=lambda r: r["k"])
    total = sum(r["objective"] for r in solved) + _annual_constant(ds, prices)
    if ds.sizes.get("energy_limit", 0):
        from ..data.limits import energy_limit_share

        e = 1e6 * energy_limit_share(ds)
        lo = np.nan_to_num(ds["energy_limit_min_twh"].values)
        hi = np.nan_to_num(ds["energy_limit_max_twh"].values)
        total += float((prices["energy_limit_min"] * e * lo).sum())
        total -= float((prices["energy_limit_max"] * e * hi).sum())
        monthly = ds["energy_limit_month"].values != 0
        if (monthly & ((prices["energy_limit_min"] > 0) | (prices["energy_limit_max"] > 0))).any():
            total = -np.inf  # a binding monthly limit cannot be priced per MWh of the week
    if "carbon_shadow_price_usd_per_t" in cres:
        mu = np.maximum(cres["carbon_shadow_price_usd_per_t"].values, 0.0)
        total -= float((mu * 1e6 * limit_share(ds) * ds["carbon_cap_mt"].values).sum())
    return total, _time.perf_counter() - t0, solved


def relevelled(ds: xr.Dataset, subs: list, priced: list[dict]) -> list:
    """The sub-horizons again, each storage boundary level now the mean of what the two priced
    sub-horizons on either side of it chose (the end of one, the start of the next; cyclic)."""
    n = len(subs)
    pos = {g: i for i, g in enumerate(ds["generator"].values.tolist())}
    out = []
    for k, (a, e, d) in enumerate(subs):
        d = d.copy()
        nxt, cur, prv = priced[(k + 1) % n]["levels"], priced[k]["levels"], priced[k - 1]["levels"]
        # storage only: it charges from the grid, so any level it chose is reachable;
        # a reservoir can rise only by its inflow, so it keeps the coarse year's levels
        for level, init, final in (
            ("storage_level_mwh", "storage_level_initial_mwh", "storage_level_final_mwh"),
        ):
            if level not in cur:
                continue
            start = 0.5 * (prv[level][1] + cur[level][0])
            end = 0.5 * (cur[level][1] + nxt[level][0])
            if level.startswith("reservoir"):
                idx = [
                    pos[g] for g in d["generator"].values[d["reservoir_capacity_mwh"].values > 0]
                ]
                s_full, e_full = d[init].values.copy(), d[final].values.copy()
                s_full[idx], e_full[idx] = start, end
                start, end = s_full, e_full
            d[init] = (d[init].dims, start, d[init].attrs)
            d[final] = (d[final].dims, end, d[final].attrs)
        out.append((a, e, d))
    return out

"""Infeasibility in the model's terms.

The solver's irreducible infeasible subset (IIS) names matrix rows and column bounds; this
module turns them back into nodes, hours, caps and targets, with the numbers a user can check
("Singapore's balance at 2030-07-14 19:00 cannot be met: local capacity 7.9 GW + import limit
1.0 GW < demand 9.4 GW") and the way out. It knows the formulation's blocks, not the solver.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

WAY_OUT = (
    "way out: allow unserved energy (scenario key unserved_energy: true, the default), allow "
    "policy shortfalls at a penalty (policy_slack: true, the default), or relax the cap, target "
    "or limit named above"
)


def _t(ds: xr.Dataset, t: int) -> str:
    return str(np.datetime_as_string(ds["time"].values[t], unit="m")).replace("T", " ") + " UTC"


def node_hour_supply(ds: xr.Dataset, t: int, n: int) -> tuple[float, float, float]:
    """Local capacity, import limit (after losses) and demand of node ``n`` in hour ``t`` [MW]."""
    node = ds["node"].values[n]
    at = ds["generator_node"].values == node
    local = float((ds["availability_pu"].values[t, at] * ds["capacity_mw"].values[at]).sum())
    if ds.sizes.get("storage", 0):
        local += float(ds["storage_power_mw"].values[ds["storage_node"].values == node].sum())
    keep = 1 - ds["link_loss_fraction"].values
    imp = float(
        (ds["link_capacity_forward_mw"].values * keep)[ds["link_to"].values == node].sum()
        + (ds["link_capacity_backward_mw"].values * keep)[ds["link_from"].values == node].sum()
    )
    return local, imp, float(ds["demand_mw"].values[t, n])


def adequacy_shortfalls(ds: xr.Dataset, limit: int = 5) -> list[str]:
    """Node-hours where local capacity plus imports cannot cover demand (a quick pre-check)."""
    T, N = ds.sizes["time"], ds.sizes["node"]
    cap = np.zeros((T, N))
    nidx = {n: i for i, n in enumerate(ds["node"].values.tolist())}
    gi = np.array([nidx[n] for n in ds["generator_node"].values], dtype=np.int64)
    np.add.at(cap, (slice(None), gi), ds["availability_pu"].values * ds["capacity_mw"].values)
    if ds.sizes.get("storage", 0):
        si = np.array([nidx[n] for n in ds["storage_node"].values], dtype=np.int64)
        np.add.at(cap, (slice(None), si), ds["storage_power_mw"].values[None, :])
    keep = 1 - ds["link_loss_fraction"].values
    imp = np.zeros(N)
    if ds.sizes.get("link", 0):
        bi = np.array([nidx[n] for n in ds["link_to"].values], dtype=np.int64)
        ai = np.array([nidx[n] for n in ds["link_from"].values], dtype=np.int64)
        np.add.at(imp, bi, ds["link_capacity_forward_mw"].values * keep)
        np.add.at(imp, ai, ds["link_capacity_backward_mw"].values * keep)
    gap = ds["demand_mw"].values - cap - imp[None, :]
    out = []
    for k in np.argsort(gap, axis=None)[::-1][:limit]:
        t, n = np.unravel_index(int(k), gap.shape)
        if gap[t, n] <= 1e-6:
            break
        out.append(
            f"{ds['node'].values[n]}'s balance at {_t(ds, int(t))} cannot be met: local capacity "
            f"{cap[t, n] / 1e3:.2f} GW + import limit {imp[n] / 1e3:.2f} GW < demand "
            f"{ds['demand_mw'].values[t, n] / 1e3:.2f} GW"
        )
    return out


def must_run_surplus(ds: xr.Dataset, limit: int = 5) -> list[str]:
    """Node-hours whose must-run output exceeds what the node can absorb: its demand, its
    export limits and its storage charging (no unserved energy or slack helps there)."""
    T, N = ds.sizes["time"], ds.sizes["node"]
    if not ds.sizes.get("generator", 0):
        return []
    nidx = {n: i for i, n in enumerate(ds["node"].values.tolist())}
    gi = np.array([nidx[n] for n in ds["generator_node"].values.tolist()], dtype=np.int64)
    must = (
        ds["availability_pu"].values
        * (ds["capacity_mw"].values * ds["must_run_share"].values)[None, :]
    )
    must = np.where(ds["reservoir_capacity_mwh"].values[None, :] > 0, 0.0, must)
    floor = np.zeros((T, N))
    np.add.at(floor, (slice(None), gi), must)
    sink = ds["demand_mw"].values.copy()
    if ds.sizes.get("storage", 0):
        si = np.array([nidx[n] for n in ds["storage_node"].values.tolist()], dtype=np.int64)
        np.add.at(sink, (slice(None), si), ds["storage_power_mw"].values[None, :])
    if ds.sizes.get("link", 0):
        ai = np.array([nidx[n] for n in ds["link_from"].values.tolist()], dtype=np.int64)
        bi = np.array([nidx[n] for n in ds["link_to"].values.tolist()], dtype=np.int64)
        out = np.zeros(N)
        np.add.at(out, ai, ds["link_capacity_forward_mw"].values)
        np.add.at(out, bi, ds["link_capacity_backward_mw"].values)
        sink = sink + out[None, :]
    gap = floor - sink
    found = []
    for k in np.argsort(gap, axis=None)[::-1][:limit]:
        t, n = np.unravel_index(int(k), gap.shape)
        if gap[t, n] <= 1e-6:
            break
        found.append(
            f"must-run output at {ds['node'].values[n]} in {_t(ds, int(t))} is "
            f"{floor[t, n] / 1e3:.2f} GW, more than the node can use or send "
            f"({sink[t, n] / 1e3:.2f} GW of demand, export limits and storage charging): lower "
            "must_run_share (technologies.csv or generators.csv) or add an outlet"
        )
    return found


def explain_rows(ds: xr.Dataset, rows: list[tuple[str, tuple]], limit: int = 8) -> list[str]:
    """Explain IIS rows given as (row block name, element index tuple) in the model's terms."""
    out: list[str] = []
    families: dict[str, int] = {}
    for name, _ in rows:
        families[name] = families.get(name, 0) + 1
    # policies first (they are what a user relaxes), then balances, then the rest; at most
    # three rows of one family
    priority = {
        "carbon_cap_limit": 0,
        "renewable_share": 0,
        "coal_generation_limit": 0,
        "coal_capacity_limit": 1,
        "nodal_balance": 2,
    }
    shown: dict[str, int] = {}
    for name, idx in sorted(rows, key=lambda r: priority.get(r[0], 3)):
        if len(out) >= limit or shown.get(name, 0) >= 3:
            continue
        shown[name] = shown.get(name, 0) + 1
        if name == "nodal_balance":
            t, n = idx
            local, imp, dem = node_hour_supply(ds, t, n)
            rel = "<" if local + imp < dem else ">="
            out.append(
                f"{ds['node'].values[n]}'s balance at {_t(ds, t)} cannot be met together with the "
                f"other rows of the conflict: local capacity {local / 1e3:.2f} GW + import limit "
                f"{imp / 1e3:.2f} GW {rel} demand {dem / 1e3:.2f} GW"
            )
        elif name == "carbon_cap_limit":
            (k,) = idx
            out.append(
                f"carbon cap '{ds['carbon_cap'].values[k]}' of "
                f"{float(ds['carbon_cap_mt'].values[k]):g} MtCO2 is below the emissions the fleet "
                "must emit to serve demand over the horizon (its low-carbon supply is not enough)"
            )
        elif name == "renewable_share":
            (k,) = idx
            c = ds["country"].values[np.isfinite(ds["renewable_share_min"].values)][k]
            share = float(ds["renewable_share_min"].sel(country=c))
            ren = ds["renewable"].values.astype(bool) & (ds["generator_country"].values == c)
            avail = (
                float((ds["availability_pu"].values[:, ren] * ds["capacity_mw"].values[ren]).sum())
                / 1e6
            )
            dem = float(ds["demand_mw"].values[:, ds["node_country"].values == c].sum()) / 1e6
            out.append(
                f"{c}'s renewable target {share:.0%} of {dem:.1f} TWh = {share * dem:.1f} TWh "
                f"exceeds the renewable energy it can generate ({avail:.1f} TWh at most)"
            )
        elif name == "reservoir_balance":
            t, k = idx
            label = ds["generator"].values[ds["reservoir_capacity_mwh"].values > 0][k]
            out.append(
                f"the water balance of {label} at {_t(ds, t)} is part of the conflict "
                "(its inflow limits its output)"
            )
        elif name == "storage_balance":
            t, k = idx
            out.append(
                f"the energy balance of storage {ds['storage'].values[k]} at {_t(ds, t)} "
                "is part of the conflict"
            )
        else:
            out.append(f"{name}{list(idx)} is part of the conflict")
    summary = ", ".join(f"{k} x{v}" for k, v in families.items())
    if summary:
        out.append(f"conflicting rows by family: {summary}")
    return out


def diagnoser(ds: xr.Dataset, lp, quick: bool):
    """The ``diagnose`` callback of :class:`~aseangrid.solve.highs.HighsLP` for one model:
    the adequacy pre-check first (when ``quick``: unserved energy is not allowed), then the
    IIS rows explained."""

    def diagnose(rows):
        if rows is None:
            surplus = must_run_surplus(ds)
            return surplus or (adequacy_shortfalls(ds) if quick else [])
        named = [
            (b, tuple(int(i) for i in np.unravel_index(el, lp.rows[b].shape))) for b, el in rows
        ]
        return explain_rows(ds, named)

    return diagnose

"""Verification of a solution: the physical checks recomputed from the inputs.

Every balance, limit and cap is recomputed from the returned values and the input Dataset,
independently of the matrix that was solved; :func:`aseangrid.lp.residuals` checks that matrix
row by row. Both run after every solve (``aseangrid.pipeline``).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..data.timeagg import period_bounds, step_hours
from ..errors import VerificationError
from .derive import retired


def stock_residual(
    ds: xr.Dataset,
    res: xr.Dataset,
    name: str,
    lvl: np.ndarray,
    delta: np.ndarray,
    E: np.ndarray,
    cyclic: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Balance residual and level-bound violation of a stock, hourly or over linked periods.

    Returns ``(balance residual (T, K), bound violation)``: ``level[t] - level[t-1] - delta[t]``
    and how far the absolute level leaves ``[0, E]`` (0 where inside).
    """
    if "period" not in ds:
        prev = np.roll(lvl, 1, axis=0)
        if not cyclic:
            prev[0] = 0.5 * E
        bal = lvl - prev - delta
        viol = np.maximum(lvl - E[None, :], 0) + np.minimum(lvl, 0)
        return bal, viol
    p = ds["period"].values
    start = np.r_[True, p[1:] != p[:-1]]
    prev = np.where(start[:, None], 0.0, np.roll(lvl, 1, axis=0))
    bal = lvl - prev - delta
    s0 = res[f"{name}_start"].values  # (D, K)
    order = ds["period_order"].values
    _, last = period_bounds(ds)
    link = np.roll(s0, -1, axis=0) - s0 - lvl[last[order]]
    viol = np.zeros_like(s0)
    for k in range(int(p.max()) + 1):
        d = np.flatnonzero(order == k)
        if d.size == 0:
            continue
        absolute = s0[d][:, None, :] + lvl[p == k][None, :, :]
        v = np.maximum(absolute - E[None, None, :], 0) + np.minimum(absolute, 0)
        viol[d] = np.abs(v).max(axis=1)
    viol = np.maximum(viol, np.abs(link))
    return bal, viol.max(axis=0)


def verify_results(
    ds: xr.Dataset, res: xr.Dataset, tol_mw: float = 0.05, rel: float = 1e-6
) -> None:
    """Recompute every constraint from the returned values and the inputs; raise if violated.

    Checks, with tolerance ``tol_mw + rel * scale``: the energy balance of every node and hour;
    generation within must-run and availability; flows, charge, discharge and levels within
    their limits; storage and reservoir energy balances; carbon caps (emissions <= cap +
    reported excess); and that the objective equals the cost recomputed from the values.

    Raises
    ------
    VerificationError
        Naming the constraint family, the node/unit and the hour of the worst residual.
    """
    T, N = ds.sizes["time"], ds.sizes["node"]
    times = ds["time"].values
    nodes = ds["node"].values
    nidx = {n: i for i, n in enumerate(nodes.tolist())}
    inj = np.zeros((T, N))
    errors: list[str] = []
    cyclic = "'cyclic': False" not in str(res.attrs.get("formulation_options", ""))

    def check(name: str, resid: np.ndarray, scale: np.ndarray | float, labels=None) -> None:
        if resid.size == 0:
            return
        tol = tol_mw + rel * np.abs(scale)
        excess = np.abs(resid) - tol
        if np.any(~np.isfinite(resid)):
            errors.append(f"{name}: non-finite values in the solution")
            return
        if excess.max() > 0:
            k = np.unravel_index(int(np.argmax(excess)), resid.shape)
            where = ""
            if resid.ndim == 2:
                lab = labels[k[1]] if labels is not None else k[1]
                where = f" at {lab}, {np.datetime_as_string(times[k[0]], unit='h')}"
            elif labels is not None:
                where = f" at {labels[k[0]]}"
            errors.append(f"{name}: residual {resid[k]:.6g}{where} exceeds tolerance")

    G = ds.sizes["generator"]
    if G:
        gen = res["generation_mw"].values
        cap = res["capacity_total_mw"].values
        ub = ds["availability_pu"].values * cap[None, :]
        kept = ds["capacity_mw"].values - retired(ds, res)
        lb = np.where(
            ds["reservoir_capacity_mwh"].values[None, :] > 0,
            0.0,
            ds["availability_pu"].values * kept[None, :] * ds["must_run_share"].values[None, :],
        )
        gl = ds["generator"].values
        check("generation above availability", np.maximum(gen - ub, 0), ub, gl)
        check("generation below must-run", np.maximum(lb - gen, 0), ub, gl)
        gi = np.array([nidx[n] for n in ds["generator_node"].values], dtype=np.int64)
        np.add.at(inj, (slice(None), gi), gen)
        sel = np.flatnonzero(ds["reservoir_capacity_mwh"].values > 0)
        if sel.size:
            lvl = res["reservoir_level_mwh"].values
            spill = res["spill_mw"].values
            E = ds["reservoir_capacity_mwh"].values[sel]
            rl = ds["generator"].values[sel]
            check("negative spill", np.minimum(spill, 0), E, rl)
            dt = step_hours(ds)[:, None]
            delta = dt * (ds["hydro_inflow_mw"].values[:, sel] - gen[:, sel] - spill)
            bal, absolute = stock_residual(ds, res, "reservoir_level_mwh", lvl, delta, E, cyclic)
            check("reservoir level outside [0, capacity]", absolute, E, rl)
            check("reservoir balance", bal, E, rl)
    if ds.sizes["storage"]:
        ch = res["storage_charge_mw"].values
        dis = res["storage_discharge_mw"].values
        lvl = res["storage_level_mwh"].values
        P = res["storage_power_total_mw"].values
        E = res["storage_energy_total_mwh"].values
        sl = ds["storage"].values
        check("storage power", np.maximum(np.maximum(ch, dis) - P[None, :], 0), P, sl)
        check("negative charge or discharge", np.minimum(np.minimum(ch, dis), 0), P, sl)
        eta = np.sqrt(ds["storage_efficiency_roundtrip"].values)
        delta = step_hours(ds)[:, None] * (eta * ch - dis / eta)
        bal, absolute = stock_residual(ds, res, "storage_level_mwh", lvl, delta, E, cyclic)
        check("storage balance", bal, E, sl)
        check("storage level outside [0, capacity]", absolute, E, sl)
        si = np.array([nidx[n] for n in ds["storage_node"].values], dtype=np.int64)
        np.add.at(inj, (slice(None), si), dis - ch)
    if ds.sizes["link"]:
        ff = res["flow_forward_mw"].values
        fb = res["flow_backward_mw"].values
        cf = res["link_capacity_forward_total_mw"].values
        cb = res["link_capacity_backward_total_mw"].values
        ll = ds["link"].values
        check("flow above forward limit", np.maximum(ff - cf[None, :], 0), cf, ll)
        check("flow above backward limit", np.maximum(fb - cb[None, :], 0), cb, ll)
        check("negative flow", np.minimum(np.minimum(ff, fb), 0), cf, ll)
        keep = 1 - ds["link_loss_fraction"].values
        ia = np.array([nidx[n] for n in ds["link_from"].values], dtype=np.int64)
        ib = np.array([nidx[n] for n in ds["link_to"].values], dtype=np.int64)
        np.add.at(inj, (slice(None), ia), -ff + keep * fb)
        np.add.at(inj, (slice(None), ib), keep * ff - fb)
    if "contract" in ds.dims and ds.sizes["contract"]:
        x = res["contract_delivery_mw"].values
        check(
            "contract delivery",
            x - ds["contract_mw"].values,
            ds["contract_mw"].values,
            ds["contract"].values,
        )
        keep = 1 - ds["contract_loss_fraction"].values
        si = np.array([nidx[n] for n in ds["contract_seller"].values], dtype=np.int64)
        bi = np.array([nidx[n] for n in ds["contract_buyer"].values], dtype=np.int64)
        np.add.at(inj, (slice(None), si), -x / keep)
        np.add.at(inj, (slice(None), bi), x)
    use = res["unserved_mw"].values
    dem = ds["demand_mw"].values
    check(
        "unserved energy outside [0, demand]",
        np.maximum(use - dem, 0) + np.minimum(use, 0),
        dem,
        nodes,
    )
    inj += use
    check("nodal balance", inj - dem, dem, nodes)
    # carbon caps
    if ds.sizes.get("carbon_cap", 0) and G:
        em = res["emissions_t"].values
        gc = ds["generator_country"].values
        for k, cap_id in enumerate(ds["carbon_cap"].values.tolist()):
            members = set(ds["country"].values[ds["carbon_cap_member"].values[k]].tolist())
            e = em[np.isin(gc, list(members))].sum()
            excess = (
                float(res["carbon_cap_excess_t"].values[k]) if "carbon_cap_excess_t" in res else 0.0
            )
            limit = 1e6 * float(ds["carbon_cap_mt"].values[k]) + excess
            if e > limit + 1.0 + 1e-6 * limit:
                errors.append(f"carbon cap {cap_id}: emissions {e:.6g} t above {limit:.6g} t")
    # objective
    obj = float(res.attrs.get("objective_usd", np.nan))
    total = float(res["cost_usd"].values.sum())
    if not np.isfinite(obj) or abs(obj - total) > 1e-5 * max(abs(obj), 1.0) + 1.0:
        errors.append(f"objective {obj:.9g} USD differs from the recomputed cost {total:.9g} USD")
    if errors:
        raise VerificationError(
            "the solution fails verification against the inputs:\n  - " + "\n  - ".join(errors)
        )

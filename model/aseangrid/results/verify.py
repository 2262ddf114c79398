"""Verification of a solution: the physical checks recomputed from the inputs.

Every row family of the formulation has its counterpart here, recomputed from the returned
values and the input Dataset, independently of the matrix that was solved: nodal balances,
generation within availability and must-run (of the capacity kept and built), ramping, the
stock balances and level bounds of storage and reservoirs (hourly and over linked typical
periods), power and level limits of what is built, link limits, contracts, unserved energy,
carbon caps, renewable targets, coal limits (annual and hourly, pro rata on partial horizons)
and the objective. :func:`aseangrid.lp.residuals` checks the solved matrix row by row; both
run after every solve (:mod:`aseangrid.pipeline`).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..data import schema as sc
from ..data.limits import applies, energy_limit_share, in_period, link_masks
from ..data.timeagg import limit_share, period_bounds, step_hours
from ..errors import VerificationError
from .derive import by_label, retired


class Checks:
    """Collects violations, each named by its family and the worst element."""

    def __init__(self, ds: xr.Dataset, tol_mw: float, rel: float):
        self.ds, self.tol, self.rel = ds, tol_mw, rel
        self.errors: list[str] = []
        self.times = ds["time"].values

    def check(self, name: str, resid, scale, labels=None) -> None:
        """``resid`` must be 0 within ``tol + rel * |scale|`` (violations are non-zero)."""
        resid = np.asarray(resid, dtype=float)
        if resid.size == 0:
            return
        if np.any(~np.isfinite(resid)):
            self.errors.append(f"{name}: non-finite values in the solution")
            return
        excess = np.abs(resid) - (self.tol + self.rel * np.abs(np.broadcast_to(scale, resid.shape)))
        if excess.max() <= 0:
            return
        k = np.unravel_index(int(np.argmax(excess)), resid.shape)
        where = ""
        if resid.ndim == 2:
            lab = labels[k[1]] if labels is not None else k[1]
            t = self.times[k[0]] if k[0] < len(self.times) else k[0]
            when = np.datetime_as_string(t, unit="h") if isinstance(t, np.datetime64) else t
            where = f" at {lab}, {when}"
        elif labels is not None and resid.ndim == 1:
            where = f" at {labels[k[0]]}"
        self.errors.append(f"{name}: residual {resid[k]:.6g}{where} exceeds tolerance")

    def above(self, name: str, value, limit, labels=None, scale=None) -> None:
        """``value <= limit`` (tolerance relative to ``scale``, default the limit)."""
        diff = np.maximum(np.asarray(value) - np.asarray(limit), 0)
        self.check(name, diff, limit if scale is None else scale, labels)

    def within(self, name: str, value, lo, hi, labels=None) -> None:
        """``lo <= value <= hi``."""
        v = np.asarray(value, dtype=float)
        viol = np.maximum(v - hi, 0) + np.minimum(v - lo, 0)
        self.check(name, viol, np.maximum(np.abs(hi), 1.0) if np.ndim(hi) else abs(hi), labels)


def stock_residual(ds, res, name, lvl, delta, E, cyclic, initial) -> tuple[np.ndarray, np.ndarray]:
    """Balance residual and level-bound violation of a stock, hourly or over linked periods.

    Returns ``(balance residual (T, K), bound violation)``: ``level[t] - level[t-1] - delta[t]``
    and how far the absolute level leaves ``[0, E]`` (0 where inside).
    """
    if "period" not in ds:
        prev = np.roll(lvl, 1, axis=0)
        if not cyclic:
            prev[0] = initial
        bal = lvl - prev - delta
        return bal, np.maximum(lvl - E[None, :], 0) + np.minimum(lvl, 0)
    p = ds["period"].values
    start = np.r_[True, p[1:] != p[:-1]]
    bal = lvl - np.where(start[:, None], 0.0, np.roll(lvl, 1, axis=0)) - delta
    s0 = res[f"{name}_start"].values  # (D, K)
    order = ds["period_order"].values
    _, last = period_bounds(ds)
    link = np.roll(s0, -1, axis=0) - s0 - lvl[last[order]]
    viol = np.zeros_like(s0)
    for k in range(int(p.max()) + 1):
        d = np.flatnonzero(order == k)
        if d.size:
            absolute = s0[d][:, None, :] + lvl[p == k][None, :, :]
            v = np.maximum(absolute - E[None, None, :], 0) + np.minimum(absolute, 0)
            viol[d] = np.abs(v).max(axis=1)
    return bal, np.maximum(viol, np.abs(link)).max(axis=0)


def _cyclic(res: xr.Dataset) -> bool:
    return "'cyclic': False" not in str(res.attrs.get("formulation_options", ""))


def _generation(c: Checks, ds, res, inj, nidx) -> None:
    gen = res["generation_mw"].values
    gl = ds["generator"].values
    a = ds["availability_pu"].values
    ub = a * res["capacity_total_mw"].values[None, :]
    kept = ds["capacity_mw"].values - retired(ds, res)
    must = a * kept[None, :] * ds["must_run_share"].values[None, :]
    lb = np.where(ds["reservoir_capacity_mwh"].values[None, :] > 0, 0.0, must)
    c.above("generation above availability (generation_capacity, generation_kept)", gen, ub, gl)
    c.above("generation below must-run (must_run_kept)", lb, gen, gl)
    c.above("negative generation", -gen, 0.0 * gen, gl)
    np.add.at(
        inj,
        (slice(None), np.array([nidx[n] for n in ds["generator_node"].values.tolist()], np.int64)),
        gen,
    )
    if "capacity_new_mw" in res:
        g = res["generator_extendable"].values
        c.within(
            "capacity built outside [0, potential]",
            res["capacity_new_mw"].values,
            0.0,
            ds["capacity_new_max_mw"].sel(generator=g).values,
            g,
        )
    if "capacity_retired_mw" in res:
        g = res["generator_retirable"].values
        c.within(
            "capacity retired outside [0, capacity]",
            res["capacity_retired_mw"].values,
            0.0,
            ds["capacity_mw"].sel(generator=g).values,
            g,
        )


def _ramping(c: Checks, ds, res) -> None:
    if "'ramping': True" not in str(res.attrs.get("formulation_options", "")):
        return
    r = ds["ramp_per_hour"].values
    sel = np.flatnonzero(r < 1.0)
    if sel.size == 0:
        return
    gen = res["generation_mw"].values[:, sel]
    if "period" in ds:
        idx = np.arange(gen.shape[0]) - 1
        p = ds["period"].values
        for k in np.unique(p):
            w = np.flatnonzero(p == k)
            idx[w[0]] = w[-1]
        prev = gen[idx]
    else:
        prev = np.roll(gen, 1, axis=0)
    limit = (r[sel] * ds["capacity_mw"].values[sel])[None, :]
    c.above("ramping (ramp_up, ramp_down)", np.abs(gen - prev), limit, ds["generator"].values[sel])


def _reservoirs(c: Checks, ds, res, cyclic) -> None:
    sel = np.flatnonzero(ds["reservoir_capacity_mwh"].values > 0)
    if sel.size == 0:
        return
    gen = res["generation_mw"].values[:, sel]
    spill = res["spill_mw"].values
    E = ds["reservoir_capacity_mwh"].values[sel]
    rl = ds["generator"].values[sel]
    c.above("negative spill", -spill, 0.0 * spill, rl)
    dt = step_hours(ds)[:, None]
    delta = dt * (ds["hydro_inflow_mw"].values[:, sel] - gen - spill)
    initial = (
        ds["reservoir_level_initial_mwh"].values[sel]
        if "reservoir_level_initial_mwh" in ds
        else 0.5 * E
    )
    bal, absolute = stock_residual(
        ds, res, "reservoir_level_mwh", res["reservoir_level_mwh"].values, delta, E, cyclic, initial
    )
    c.check(
        "reservoir level outside [0, capacity] (reservoir_level_mwh bounds and period rows)",
        absolute,
        E,
        rl,
    )
    c.check("reservoir balance (reservoir_balance)", bal, E, rl)


def _storage(c: Checks, ds, res, inj, nidx, cyclic) -> None:
    if not ds.sizes["storage"]:
        return
    ch, dis = res["storage_charge_mw"].values, res["storage_discharge_mw"].values
    P, E = res["storage_power_total_mw"].values, res["storage_energy_total_mwh"].values
    sl = ds["storage"].values
    c.above(
        "storage power (storage_charge_cap, storage_discharge_cap)",
        np.maximum(ch, dis),
        P[None, :],
        sl,
    )
    c.above("negative charge or discharge", -np.minimum(ch, dis), 0.0 * ch, sl)
    rt = np.sqrt(ds["storage_efficiency_roundtrip"].values)
    eta_c = ds["storage_efficiency_charge"].values if "storage_efficiency_charge" in ds else rt
    eta_d = (
        ds["storage_efficiency_discharge"].values if "storage_efficiency_discharge" in ds else rt
    )
    delta = step_hours(ds)[:, None] * (eta_c * ch - dis / eta_d)
    E0 = ds["storage_energy_mwh"].values
    initial = (
        ds["storage_level_initial_mwh"].values if "storage_level_initial_mwh" in ds else 0.5 * E0
    )
    bal, absolute = stock_residual(
        ds, res, "storage_level_mwh", res["storage_level_mwh"].values, delta, E, cyclic, initial
    )
    c.check("storage balance (storage_balance)", bal, E, sl)
    c.check(
        "storage level outside [0, capacity] (storage_level_mwh_cap and period rows)",
        absolute,
        E,
        sl,
    )
    for var, mx in (
        ("storage_power_new_mw", "storage_power_new_max_mw"),
        ("storage_energy_new_mwh", "storage_energy_new_max_mwh"),
    ):
        if var in res:
            s = res["storage_extendable"].values
            c.within(
                f"{var} outside [0, potential]",
                res[var].values,
                0.0,
                ds[mx].sel(storage=s).values,
                s,
            )
    si = np.array([nidx[n] for n in ds["storage_node"].values.tolist()], dtype=np.int64)
    np.add.at(inj, (slice(None), si), dis - ch)


def _links(c: Checks, ds, res, inj, nidx) -> None:
    if not ds.sizes["link"]:
        return
    ff, fb = res["flow_forward_mw"].values, res["flow_backward_mw"].values
    cf, cb = (
        res["link_capacity_forward_total_mw"].values,
        res["link_capacity_backward_total_mw"].values,
    )
    ll = ds["link"].values
    c.above("flow above forward limit (flow_forward_cap)", ff, cf[None, :], ll)
    c.above("flow above backward limit (flow_backward_cap)", fb, cb[None, :], ll)
    c.above("negative flow", -np.minimum(ff, fb), 0.0 * ff, ll)
    if "link_capacity_new_mw" in res:
        lk = res["link_extendable"].values
        c.within(
            "link capacity built outside [0, potential]",
            res["link_capacity_new_mw"].values,
            0.0,
            ds["link_capacity_new_max_mw"].sel(link=lk).values,
            lk,
        )
    keep = 1 - ds["link_loss_fraction"].values
    ia = np.array([nidx[n] for n in ds["link_from"].values.tolist()], dtype=np.int64)
    ib = np.array([nidx[n] for n in ds["link_to"].values.tolist()], dtype=np.int64)
    np.add.at(inj, (slice(None), ia), -ff + keep * fb)
    np.add.at(inj, (slice(None), ib), keep * ff - fb)


def _contracts(c: Checks, ds, res, inj, nidx) -> None:
    if "contract" not in ds.dims or not ds.sizes["contract"]:
        return
    x = res["contract_delivery_mw"].values
    c.check(
        "contract delivery",
        x - ds["contract_mw"].values,
        ds["contract_mw"].values,
        ds["contract"].values,
    )
    keep = 1 - ds["contract_loss_fraction"].values
    si = np.array([nidx[n] for n in ds["contract_seller"].values.tolist()], dtype=np.int64)
    bi = np.array([nidx[n] for n in ds["contract_buyer"].values.tolist()], dtype=np.int64)
    np.add.at(inj, (slice(None), si), -x / keep)
    np.add.at(inj, (slice(None), bi), x)


def _annual(ds, res, var: str, sel: np.ndarray, coef: np.ndarray | None = None) -> float:
    w = ds["time_weight_h"].values
    gen = res["generation_mw"].values[:, sel]
    if coef is not None:
        gen = gen * coef[sel][None, :]
    return float((w[:, None] * gen).sum())


def _policies(c: Checks, ds, res) -> None:
    if not ds.sizes["generator"]:
        return
    share = limit_share(ds)
    gc = ds["generator_country"].values
    ef = ds["emission_factor_t_per_mwh"].values
    countries = ds["country"].values.tolist()
    for k, cap in enumerate(ds["carbon_cap"].values.tolist() if "carbon_cap" in ds.dims else []):
        members = ds["country"].values[ds["carbon_cap_member"].values[k]]
        e = _annual(ds, res, "", np.flatnonzero(np.isin(gc, members)), ef)
        excess = (
            float(res["carbon_cap_excess_t"].values[k]) if "carbon_cap_excess_t" in res else 0.0
        )
        limit = 1e6 * share * float(ds["carbon_cap_mt"].values[k])
        c.above(
            f"carbon cap {cap} (carbon_cap_limit)", np.array([e - excess]), np.array([limit]), [cap]
        )
        c.above(f"negative cap excess {cap}", np.array([-excess]), np.array([0.0]), [cap])
    ren = ds["renewable"].values.astype(bool)
    w = ds["time_weight_h"].values
    dem = (w[:, None] * ds["demand_mw"].values).sum(axis=0)
    coal = np.isin(ds["generator_technology"].values, sc.COAL_TECHNOLOGIES)
    for c_ in np.flatnonzero(np.isfinite(ds["renewable_share_min"].values)):
        country = countries[c_]
        got = _annual(ds, res, "", np.flatnonzero((gc == country) & ren))
        short = by_label(
            res, "renewable_shortfall_mwh", "country_renewable_target", np.array(countries)
        )[c_]
        need = float(ds["renewable_share_min"].values[c_]) * float(
            dem[ds["node_country"].values == country].sum()
        )
        c.above(
            f"renewable target {country} (renewable_share)",
            np.array([need - got - short]),
            np.array([0.0]),
            [country],
            scale=np.array([need]),
        )
    for c_ in np.flatnonzero(np.isfinite(ds["coal_generation_max_twh"].values)):
        country = countries[c_]
        got = _annual(ds, res, "", np.flatnonzero((gc == country) & coal))
        excess = by_label(
            res, "coal_generation_excess_mwh", "country_coal_generation", np.array(countries)
        )[c_]
        limit = 1e6 * share * float(ds["coal_generation_max_twh"].values[c_])
        c.above(
            f"coal generation limit {country} (coal_generation_limit)",
            np.array([got - excess]),
            np.array([limit]),
            [country],
        )
    _coal_hourly(c, ds, res, gc, coal, countries)


def _energy_limits(c: Checks, ds, res) -> None:
    """Least and most energy of each generator or link group over its period
    (``energy_limit_min``, ``energy_limit_max``), pro rata on a partial horizon, less the
    penalised slacks."""
    if not ds.sizes.get("energy_limit", 0):
        return
    labels = ds["energy_limit"].values
    w = ds["time_weight_h"].values
    period = in_period(ds)
    got = np.zeros(len(labels))
    fwd, bwd = link_masks(ds)
    for value, member in (
        ("generation_mw", ds["energy_limit_member"].values.astype(bool)),
        ("flow_forward_mw", fwd),
        ("flow_backward_mw", bwd),
    ):
        if value not in res or not member.any():
            continue
        x = res[value].values
        for k in range(len(labels)):
            got[k] += (w[period[:, k]][:, None] * x[period[:, k]][:, member[k]]).sum()
    share = energy_limit_share(ds)
    for side, slack, sign in (
        ("min", "energy_limit_shortfall_mwh", -1.0),
        ("max", "energy_limit_excess_mwh", 1.0),
    ):
        value = ds[f"energy_limit_{side}_twh"].values
        k = np.flatnonzero(np.isfinite(value) & applies(ds))
        if k.size == 0:
            continue
        s = by_label(res, slack, f"energy_limit_{side}", labels)[k]
        limit = 1e6 * share[k] * value[k]
        # min: limit - got - shortfall <= 0; max: got - excess - limit <= 0
        c.above(
            f"energy limit {side} (energy_limit_{side})",
            sign * (got[k] - limit) - s,
            np.zeros(k.size),
            list(labels[k]),
            scale=np.maximum(limit, 1.0),
        )


def _coal_hourly(c: Checks, ds, res, gc, coal, countries) -> None:
    idx = np.flatnonzero(np.isfinite(ds["coal_capacity_max_mw"].values))
    if idx.size == 0:
        return
    gen = res["generation_mw"].values
    out = np.stack([gen[:, (gc == countries[k]) & coal].sum(axis=1) for k in idx], axis=1)
    excess = res["coal_capacity_excess_mw"].values if "coal_capacity_excess_mw" in res else 0.0
    limit = ds["coal_capacity_max_mw"].values[idx][None, :]
    c.above(
        "hourly coal limit (coal_capacity_limit)", out - excess, limit, [countries[k] for k in idx]
    )


def _balance(c: Checks, ds, res, inj) -> None:
    use, dem = res["unserved_mw"].values, ds["demand_mw"].values
    nodes = ds["node"].values
    c.within("unserved energy outside [0, demand]", use, 0.0 * dem, dem, nodes)
    c.check("nodal balance (nodal_balance)", inj + use - dem, dem, nodes)
    for var in (
        "carbon_cap_excess_t",
        "renewable_shortfall_mwh",
        "coal_generation_excess_mwh",
        "coal_capacity_excess_mw",
        "energy_limit_shortfall_mwh",
        "energy_limit_excess_mwh",
    ):
        if var in res:
            c.above(f"negative {var}", -res[var].values, 0.0 * res[var].values)


def verify_results(
    ds: xr.Dataset, res: xr.Dataset, tol_mw: float = 0.05, rel: float = 1e-6
) -> None:
    """Recompute every constraint family from the returned values and the inputs.

    Tolerance ``tol_mw + rel * scale`` (MW, or MWh and tCO2 for energy rows). Checks: the
    energy balance of every node and hour; generation within availability and must-run of
    the capacity kept and built; ramping; storage and reservoir balances and levels (hourly
    or over linked periods); power, level and link limits of what is built; flows; contracts;
    unserved energy; carbon caps, renewable targets, annual and hourly coal limits; and that
    the objective equals the cost recomputed from the values.

    Raises
    ------
    VerificationError
        Naming every failing family with its worst element (node/unit and hour).
    """
    c = Checks(ds, tol_mw, rel)
    nidx = {n: i for i, n in enumerate(ds["node"].values.tolist())}
    inj = np.zeros((ds.sizes["time"], ds.sizes["node"]))
    cyclic = _cyclic(res)
    if ds.sizes["generator"]:
        _generation(c, ds, res, inj, nidx)
        _ramping(c, ds, res)
        _reservoirs(c, ds, res, cyclic)
    _storage(c, ds, res, inj, nidx, cyclic)
    _links(c, ds, res, inj, nidx)
    _contracts(c, ds, res, inj, nidx)
    _balance(c, ds, res, inj)
    _policies(c, ds, res)
    _energy_limits(c, ds, res)
    obj = float(res.attrs.get("objective_usd", np.nan))
    total = float(res["cost_usd"].values.sum())
    if not np.isfinite(obj) or abs(obj - total) > 1e-5 * max(abs(obj), 1.0) + 1.0:
        c.errors.append(f"objective {obj:.9g} USD differs from the recomputed cost {total:.9g} USD")
    if c.errors:
        raise VerificationError(
            "the solution fails verification against the inputs:\n  - " + "\n  - ".join(c.errors)
        )

"""From a solved model to a results Dataset, and the post-solve verification.

Sign conventions of the duals (tested in ``tests/test_lp_analytic.py``):

* ``price_usd_per_mwh[t, n]`` = d(total cost)/d(demand at n in hour t): positive when more
  demand costs more; equal to the marginal generator's cost when it is strictly inside its
  bounds.
* ``carbon_shadow_price_usd_per_t[k]`` >= 0: the cost saved by one more tonne of cap.
* ``renewable_shadow_price_usd_per_mwh[c]`` >= 0: the cost of one more MWh of target.
* ``water_value_usd_per_mwh`` and ``storage_value_usd_per_mwh``: value of one more stored MWh.
"""

from __future__ import annotations

import importlib.metadata as md
import platform

import numpy as np
import pyomo.environ as pyo
import xarray as xr

from . import schema as sc
from .build import Index
from .errors import VerificationError
from .solve import Solution
from .timeagg import period_bounds, step_hours


def _coords_for(ix: Index, ds: xr.Dataset, dims: tuple[str, ...]) -> dict:
    out = {}
    for d in dims:
        out[d] = ix.coords[d] if d in ix.coords else ds[d].values
    return out


def _versions() -> str:
    names = ["aseangrid", "pyomo", "highspy", "xarray", "pandas", "numpy"]
    vs = []
    for n in names:
        try:
            vs.append(f"{n}={md.version(n)}")
        except md.PackageNotFoundError:
            vs.append(f"{n}=?")
    return ", ".join([*vs, f"python={platform.python_version()}"])


def extract(m: pyo.ConcreteModel, sol: Solution) -> xr.Dataset:
    """Turn the raw solution into a labelled results Dataset with derived quantities.

    Parameters
    ----------
    m
        The solved model (its ``m._ag`` index).
    sol
        Raw solution from :func:`aseangrid.solve.solve_model`.

    Returns
    -------
    xarray.Dataset
        Primal blocks under their Pyomo names, duals under their ``dual_name``, and derived
        quantities (curtailment, emissions, costs, trade, price statistics).
    """
    ix: Index = m._ag
    ds = ix.ds
    res = xr.Dataset(coords=dict(ds.coords))
    for name, b in ix.blocks.items():
        vals = sol.x[b.offset : b.offset + b.size].reshape(b.shape)
        res[name] = xr.DataArray(
            vals,
            dims=b.dims,
            coords=_coords_for(ix, ds, b.dims),
            attrs={"units": b.units, "description": b.description},
        )
    w = ds["time_weight_h"].values
    for name, r in ix.rows.items():
        if not r.dual_name:
            continue
        k = sol.row_of[name]
        y = np.where(k >= 0, sol.row_dual[np.maximum(k, 0)], 0.0).reshape(r.shape) * r.dual_sign
        if "time" in r.dims and r.units == "MW":  # power rows: per hour weight -> per MWh
            y = y / w.reshape((-1,) + (1,) * (len(r.shape) - 1))
        res[r.dual_name] = xr.DataArray(
            y,
            dims=r.dims,
            coords=_coords_for(ix, ds, r.dims),
            attrs={"units": r.dual_units, "description": r.dual_description},
        )
    _derive(ds, res)
    _record_inputs(ds, res)
    res.attrs.update(
        {
            "objective_usd": sol.objective,
            "solver": "HiGHS (highspy, in memory)",
            "solver_status": sol.status,
            "solver_options": str(sol.info.get("highs_options", {})),
            "solver_info": str({k: v for k, v in sol.info.items() if k != "highs_options"}),
            "simplex_iterations": int(sol.info.get("simplex_iterations", -1)),
            "time_compile_s": round(sol.timings.get("compile_s", 0.0), 3),
            "time_handover_s": round(sol.timings.get("handover_s", 0.0), 3),
            "time_solve_s": round(sol.timings.get("solve_s", 0.0), 3),
            "versions": _versions(),
            "input_dataset": ds.attrs.get("dataset", ""),
            "input_hash": ds.attrs.get("dataset_hash", ""),
            "year": ds.attrs.get("year", -1),
            "hydrology": ds.attrs.get("hydrology", ""),
            "n_variables": int(ix.n_cols),
            "n_constraints": int(sum(r.size for r in ix.rows.values())),
            "time_build_breakdown_s": str({k: round(v, 3) for k, v in ix.timings.items()}),
        }
    )
    return res


#: Inputs copied into the results so that a results file stands on its own.
RECORDED_INPUTS = (
    "time_weight_h",
    "demand_mw",
    "capacity_mw",
    "availability_pu",
    "marginal_cost_usd_per_mwh",
    "emission_factor_t_per_mwh",
    "link_capacity_forward_mw",
    "link_capacity_backward_mw",
    "link_loss_fraction",
    "storage_power_mw",
    "storage_energy_mwh",
    "carbon_cap_mt",
    "carbon_price_usd_per_t",
    "value_of_lost_load_usd_per_mwh",
)


def _record_inputs(ds: xr.Dataset, res: xr.Dataset) -> None:
    for v in RECORDED_INPUTS:
        if v in ds and v not in res:
            res[v] = ds[v]
    res.attrs["scenario"] = ds.attrs.get("scenario", "")


def _by_label(res: xr.Dataset, name: str, dim: str, labels: np.ndarray) -> np.ndarray:
    """Values of a variable defined on a subset dimension, spread over ``labels`` (0 elsewhere)."""
    out = np.zeros(len(labels))
    if name in res:
        pos = {x: i for i, x in enumerate(labels.tolist())}
        for x, v in zip(res[dim].values.tolist(), res[name].values.tolist(), strict=True):
            out[pos[x]] = v
    return out


def _retired(ds: xr.Dataset, res: xr.Dataset) -> np.ndarray:
    return _by_label(res, "capacity_retired_mw", "generator_retirable", ds["generator"].values)


def _totals(ds: xr.Dataset, res: xr.Dataset) -> None:
    """Capacities in service after this step's builds and early retirements [MW, MWh]."""
    g = ds["generator"].values
    new = _by_label(res, "capacity_new_mw", "generator_extendable", g)
    res["capacity_total_mw"] = xr.DataArray(
        ds["capacity_mw"].values + new - _retired(ds, res),
        dims="generator",
        attrs={"units": "MW", "description": "Capacity in service: existing + built - retired."},
    )
    s = ds["storage"].values
    for name, base, new_name, units in (
        ("storage_power_total_mw", "storage_power_mw", "storage_power_new_mw", "MW"),
        ("storage_energy_total_mwh", "storage_energy_mwh", "storage_energy_new_mwh", "MWh"),
    ):
        res[name] = xr.DataArray(
            ds[base].values + _by_label(res, new_name, "storage_extendable", s),
            dims="storage",
            attrs={"units": units, "description": "Existing plus built storage capacity."},
        )
    ln = ds["link"].values
    new = _by_label(res, "link_capacity_new_mw", "link_extendable", ln)
    for d in ("forward", "backward"):
        res[f"link_capacity_{d}_total_mw"] = xr.DataArray(
            ds[f"link_capacity_{d}_mw"].values + new,
            dims="link",
            attrs={"units": "MW", "description": f"Existing plus built capacity ({d})."},
        )


def _capital_costs(
    ds: xr.Dataset, res: xr.Dataset, cost_c: np.ndarray, countries: np.ndarray, w: np.ndarray
) -> None:
    """Investment (annuity + fixed O&M of what is built) and fixed O&M saved by early
    retirement, by country, in columns 5 and 6 of ``cost_c`` [USD per horizon]."""
    share = w.sum() / sc.HOURS_PER_YEAR
    ncountry = dict(
        zip(ds["node"].values.tolist(), ds["node_country"].values.tolist(), strict=True)
    )
    if "capacity_new_mw" in res:
        g = res["generator_extendable"].values
        k = ds["annual_cost_usd_per_mw"].sel(generator=g).values
        c = ds["generator_country"].sel(generator=g).values
        cost_c[:, 5] += _group_sum(share * k * res["capacity_new_mw"].values, c, countries)
    if "storage_power_new_mw" in res:
        st = res["storage_extendable"].values
        c = np.array([ncountry[n] for n in ds["storage_node"].sel(storage=st).values.tolist()])
        v = share * (
            ds["storage_annual_cost_usd_per_mw"].sel(storage=st).values
            * res["storage_power_new_mw"].values
            + ds["storage_annual_cost_usd_per_mwh"].sel(storage=st).values
            * res["storage_energy_new_mwh"].values
        )
        cost_c[:, 5] += _group_sum(v, c, countries)
    if "link_capacity_new_mw" in res:
        ln = res["link_extendable"].values
        v = share * ds["link_annual_cost_usd_per_mw"].sel(link=ln).values
        v = v * res["link_capacity_new_mw"].values
        for end in ("link_from", "link_to"):  # shared half and half by the two ends
            c = np.array([ncountry[n] for n in ds[end].sel(link=ln).values.tolist()])
            cost_c[:, 5] += _group_sum(0.5 * v, c, countries)
    if "capacity_retired_mw" in res:
        g = res["generator_retirable"].values
        f = ds["fom_usd_per_mw"].sel(generator=g).values
        c = ds["generator_country"].sel(generator=g).values
        cost_c[:, 6] -= _group_sum(share * f * res["capacity_retired_mw"].values, c, countries)


def _stock_residual(
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


def _group_sum(values: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Sum ``values[..., i]`` over the last axis into ``groups`` by ``labels``."""
    out = np.zeros((*values.shape[:-1], len(groups)))
    pos = {g: i for i, g in enumerate(groups.tolist())}
    for i, lab in enumerate(labels.tolist()):
        out[..., pos[lab]] += values[..., i]
    return out


def _derive(ds: xr.Dataset, res: xr.Dataset) -> None:
    """Add emissions, costs, curtailment, trade and price statistics to ``res``."""
    w = ds["time_weight_h"].values
    T = ds.sizes["time"]
    countries = ds["country"].values
    techs = np.array(sc.GENERATION_TECHNOLOGIES)
    G = ds.sizes["generator"]
    gen = res["generation_mw"].values if "generation_mw" in res else np.zeros((T, G))
    gen_mwh = (w[:, None] * gen).sum(axis=0)
    ef = ds["emission_factor_t_per_mwh"].values
    gc = ds["generator_country"].values
    gt = ds["generator_technology"].values
    gn = ds["generator_node"].values

    def put(name, dims, data, units, desc, coords=None):
        res[name] = xr.DataArray(
            data, dims=dims, coords=coords, attrs={"units": units, "description": desc}
        )

    put("generation_twh", ("generator",), gen_mwh / 1e6, "TWh", "Annual generation.")
    _totals(ds, res)
    avail = ds["availability_pu"].values * res["capacity_total_mw"].values[None, :]
    has_profile = (ds["reservoir_capacity_mwh"].values == 0) & np.isin(
        gt, ["solar_pv", "wind_onshore", "wind_offshore", "hydro_ror"]
    )
    curt = np.where(has_profile[None, :], np.maximum(avail - gen, 0.0), 0.0)
    put(
        "curtailment_mw",
        ("time", "generator"),
        curt,
        "MW",
        "Available variable renewable or run-of-river output not used.",
    )
    put(
        "curtailment_twh",
        ("generator",),
        (w[:, None] * curt).sum(axis=0) / 1e6,
        "TWh",
        "Annual curtailment.",
    )
    em_g = gen_mwh * ef
    put("emissions_t", ("generator",), em_g, "tCO2", "Annual CO2 emissions per generator.")
    put(
        "emissions_node_t",
        ("node",),
        _group_sum(em_g, gn, ds["node"].values),
        "tCO2",
        "Annual CO2 emissions of the generators at each node (production-based).",
    )
    put(
        "emissions_country_t",
        ("country",),
        _group_sum(em_g, gc, countries),
        "tCO2",
        "Annual CO2 emissions of the generators in each country (production-based).",
    )
    if "unserved_mw" in res:
        from .tracing import consumption_emissions

        ce = consumption_emissions(ds, res)
        put(
            "emissions_consumption_node_t",
            ("node",),
            ce["node"],
            "tCO2",
            "Consumption-based CO2: emissions of the power consumed at each node, traced "
            "through the optimised flows (proportional sharing; see aseangrid.tracing).",
        )
        put(
            "emissions_consumption_country_t",
            ("country",),
            ce["country"],
            "tCO2",
            "Consumption-based CO2 per country (flow tracing); sums to the production total.",
        )
        put(
            "consumption_intensity_t_per_mwh",
            ("time", "node"),
            ce["intensity"],
            "t/MWh",
            "Hourly CO2 intensity of the power available at each node (flow tracing).",
        )
    # generation by country and technology
    gct = np.zeros((len(countries), len(techs)))
    cpos = {c: i for i, c in enumerate(countries.tolist())}
    tpos = {t: i for i, t in enumerate(techs.tolist())}
    for i in range(G):
        gct[cpos[gc[i]], tpos[gt[i]]] += gen_mwh[i] / 1e6
    put(
        "generation_country_twh",
        ("country", "technology"),
        gct,
        "TWh",
        "Annual generation by country and technology.",
        coords={"technology": techs},
    )
    # costs by component and country [USD]
    cp = ds["carbon_price_usd_per_t"].values[[cpos[c] for c in gc]] if G else np.zeros(0)
    fuel_vom = gen_mwh * ds["marginal_cost_usd_per_mwh"].values
    carbon = em_g * cp
    comps = [
        "fuel_and_vom",
        "carbon_price",
        "wheeling",
        "unserved_energy",
        "policy_penalty",
        "investment",
        "fixed_om_saved",
    ]
    cost_c = np.zeros((len(countries), len(comps)))
    cost_c[:, 0] = _group_sum(fuel_vom, gc, countries)
    cost_c[:, 1] = _group_sum(carbon, gc, countries)
    ncountry = ds["node_country"].values
    if "flow_forward_mw" in res:
        ff = (w[:, None] * res["flow_forward_mw"].values).sum(axis=0)
        fb = (w[:, None] * res["flow_backward_mw"].values).sum(axis=0)
        wheel = (
            ff * ds["wheeling_forward_usd_per_mwh"].values
            + fb * ds["wheeling_backward_usd_per_mwh"].values
        )
        # charged to the sending country
        send_country_f = np.array(
            [ncountry[list(ds["node"].values).index(a)] for a in ds["link_from"].values],
            dtype=object,
        )
        send_country_b = np.array(
            [ncountry[list(ds["node"].values).index(b)] for b in ds["link_to"].values], dtype=object
        )
        cost_c[:, 2] = _group_sum(
            ff * ds["wheeling_forward_usd_per_mwh"].values, send_country_f, countries
        ) + _group_sum(fb * ds["wheeling_backward_usd_per_mwh"].values, send_country_b, countries)
        put("link_energy_forward_twh", ("link",), ff / 1e6, "TWh", "Annual energy sent forward.")
        put("link_energy_backward_twh", ("link",), fb / 1e6, "TWh", "Annual energy sent backward.")
        put("wheeling_cost_usd", ("link",), wheel, "USD", "Annual wheeling charges paid.")
        capf = ds["link_capacity_forward_mw"].values
        capb = ds["link_capacity_backward_mw"].values
        atf = (res["flow_forward_mw"].values >= capf[None, :] * (1 - 1e-6) - 1e-6) & (capf > 0)
        atb = (res["flow_backward_mw"].values >= capb[None, :] * (1 - 1e-6) - 1e-6) & (capb > 0)
        put(
            "link_hours_at_limit_forward",
            ("link",),
            atf.sum(axis=0),
            "h",
            "Hours the forward flow is at its limit.",
        )
        put(
            "link_hours_at_limit_backward",
            ("link",),
            atb.sum(axis=0),
            "h",
            "Hours the backward flow is at its limit.",
        )
        # trade per country (cross-border links only): exports sent, imports received
        loss = ds["link_loss_fraction"].values
        cross = ds["link_cross_border"].values.astype(bool)
        recv_country_f = send_country_b
        recv_country_b = send_country_f
        exp = _group_sum(np.where(cross, ff, 0), send_country_f, countries) + _group_sum(
            np.where(cross, fb, 0), send_country_b, countries
        )
        imp = _group_sum(
            np.where(cross, ff * (1 - loss), 0), recv_country_f, countries
        ) + _group_sum(np.where(cross, fb * (1 - loss), 0), recv_country_b, countries)
        if "contract_delivery_mw" in res:  # contracts across borders are trade too
            xk = (w[:, None] * res["contract_delivery_mw"].values).sum(axis=0)
            keep_k = 1 - ds["contract_loss_fraction"].values
            nco = dict(zip(ds["node"].values, ncountry, strict=True))
            sc_ = np.array([nco[n] for n in ds["contract_seller"].values], dtype=object)
            bc_ = np.array([nco[n] for n in ds["contract_buyer"].values], dtype=object)
            crossk = sc_ != bc_
            exp = exp + _group_sum(np.where(crossk, xk / keep_k, 0), sc_, countries)
            imp = imp + _group_sum(np.where(crossk, xk, 0), bc_, countries)
        put(
            "exports_twh",
            ("country",),
            exp / 1e6,
            "TWh",
            "Annual energy sent across borders (before losses), links and contracts.",
        )
        put(
            "imports_twh",
            ("country",),
            imp / 1e6,
            "TWh",
            "Annual energy received across borders (after losses), links and contracts.",
        )
        put(
            "net_imports_twh",
            ("country",),
            (imp - exp) / 1e6,
            "TWh",
            "Imports received minus exports sent.",
        )
        if "price_usd_per_mwh" in res:
            price = res["price_usd_per_mwh"].values
            nidx = {n: i for i, n in enumerate(ds["node"].values.tolist())}
            ia = np.array([nidx[a] for a in ds["link_from"].values], dtype=np.int64)
            ib = np.array([nidx[b] for b in ds["link_to"].values], dtype=np.int64)
            rent_f = (
                w[:, None]
                * res["flow_forward_mw"].values
                * (price[:, ib] * (1 - loss)[None, :] - price[:, ia])
            ).sum(axis=0)
            rent_b = (
                w[:, None]
                * res["flow_backward_mw"].values
                * (price[:, ia] * (1 - loss)[None, :] - price[:, ib])
            ).sum(axis=0)
            rent = rent_f + rent_b
            put(
                "congestion_rent_forward_usd",
                ("link",),
                rent_f,
                "USD",
                "Annual congestion rent of the forward direction: flow x (price at the "
                "receiving node x (1 - loss) - price at the sending node).",
            )
            put(
                "congestion_rent_backward_usd",
                ("link",),
                rent_b,
                "USD",
                "Annual congestion rent of the backward direction.",
            )
            put(
                "congestion_rent_usd",
                ("link",),
                rent,
                "USD",
                "Annual price difference times flow (after losses), both directions.",
            )
    if "contract_delivery_mw" in res:
        x = (w[:, None] * res["contract_delivery_mw"].values).sum(axis=0)  # MWh per contract
        charge = ds["contract_wheeling_usd_per_mwh"].values  # (contract, country)
        revenue = x[:, None] * charge
        put(
            "contract_delivered_twh",
            ("contract",),
            x / 1e6,
            "TWh",
            "Annual energy delivered under each contract.",
        )
        put(
            "contract_wheeling_revenue_usd",
            ("contract", "country"),
            revenue,
            "USD",
            "Wheeling revenue of each transit country from each contract.",
        )
        buyer_country = np.array(
            [ncountry[list(ds["node"].values).index(b)] for b in ds["contract_buyer"].values],
            dtype=object,
        )
        cost_c[:, 2] += _group_sum(revenue.sum(axis=1), buyer_country, countries)
    if "unserved_mw" in res:
        use = (w[:, None] * res["unserved_mw"].values).sum(axis=0)
        voll = float(ds["value_of_lost_load_usd_per_mwh"])
        cost_c[:, 3] = _group_sum(use * voll, ncountry, countries)
        put("unserved_twh", ("node",), use / 1e6, "TWh", "Annual unserved energy.")
    _capital_costs(ds, res, cost_c, countries, w)
    pen = float(ds["policy_penalty_usd"])
    penalty_total = 0.0
    for v in (
        "carbon_cap_excess_t",
        "renewable_shortfall_mwh",
        "coal_generation_excess_mwh",
        "coal_capacity_excess_mw",
    ):
        if v in res:
            arr = res[v].values
            if "time" in res[v].dims:
                arr = w.reshape((-1,) + (1,) * (arr.ndim - 1)) * arr
            penalty_total += pen * float(arr.sum())
    put(
        "cost_country_usd",
        ("country", "cost_component"),
        cost_c,
        "USD",
        "Annual cost by country and component (fuel and O&M and carbon by generator country; "
        "wheeling by sending country; unserved energy by node country).",
        coords={"cost_component": comps},
    )
    total = cost_c.sum(axis=0)
    total[4] = penalty_total
    put(
        "cost_usd",
        ("cost_component",),
        total,
        "USD",
        "Annual system cost by component.",
        coords={"cost_component": comps},
    )
    # prices
    if "price_usd_per_mwh" in res:
        price = res["price_usd_per_mwh"].values
        dem = ds["demand_mw"].values
        put(
            "price_mean_usd_per_mwh",
            ("node",),
            (w[:, None] * price).sum(0) / w.sum(),
            "USD/MWh",
            "Time-average price.",
        )
        dw = (w[:, None] * dem * price).sum(0) / np.maximum((w[:, None] * dem).sum(0), 1e-9)
        dw = np.where(dem.sum(0) > 0, dw, np.nan)
        put(
            "price_demand_weighted_usd_per_mwh",
            ("node",),
            dw,
            "USD/MWh",
            "Demand-weighted average price (NaN at nodes without demand).",
        )


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
        kept = ds["capacity_mw"].values - _retired(ds, res)
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
            bal, absolute = _stock_residual(ds, res, "reservoir_level_mwh", lvl, delta, E, cyclic)
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
        bal, absolute = _stock_residual(ds, res, "storage_level_mwh", lvl, delta, E, cyclic)
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

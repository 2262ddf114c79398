"""Generation: output per generator and hour, its costs, must-run and ramping."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import xarray as xr

from ..build import RowBlock, add_balance_term, add_cost, add_rows, add_var
from ._util import country_index, node_index


def add_generation(m: pyo.ConcreteModel, ds: xr.Dataset) -> None:
    """Add ``generation_mw[t, g]`` with its bounds, nodal injection and costs.

    Bounds: ``must_run_g * a[t, g] * P_g <= generation_mw[t, g] <= a[t, g] * P_g`` [MW], where
    ``a`` is the hourly availability per unit capacity (profile x derating) and ``P`` the
    capacity. Curtailment ``a * P - generation_mw`` is reported, not modelled.

    Costs [USD]: ``sum_{t,g} w_t * generation_mw[t, g] * (mc_g + cp_{c(g)} * ef_g)`` with the
    marginal fuel + O&M cost ``mc`` [USD/MWh], the carbon price of the generator's country
    ``cp`` [USD/tCO2] and the emission factor ``ef`` [tCO2/MWh].
    """
    if ds.sizes["generator"] == 0:
        return
    cap = ds["capacity_mw"].values
    a = ds["availability_pu"].values  # (T, G)
    ub = a * cap[None, :]
    lb = ub * ds["must_run_share"].values[None, :]
    # reservoir hydro is limited by its energy, not by must-run
    lb = np.where(ds["reservoir_capacity_mwh"].values[None, :] > 0, 0.0, lb)
    blk = add_var(
        m,
        "generation_mw",
        ("time", "generator"),
        lb,
        ub,
        "MW",
        "Electric output per generator and hour.",
    )
    cols = blk.cols()
    T = ds.sizes["time"]
    nodes = np.broadcast_to(node_index(ds, ds["generator_node"].values)[None, :], cols.shape)
    add_balance_term(m, nodes, cols, 1.0)
    w = ds["time_weight_h"].values[:, None]
    add_cost(m, "fuel_and_vom", cols, w * ds["marginal_cost_usd_per_mwh"].values[None, :])
    cp = ds["carbon_price_usd_per_t"].values[country_index(ds, ds["generator_country"].values)]
    carbon = cp * ds["emission_factor_t_per_mwh"].values
    if np.any(carbon > 0):
        add_cost(m, "carbon_price", cols, w * carbon[None, :] * np.ones((T, 1)))


def add_ramping(m: pyo.ConcreteModel, ds: xr.Dataset) -> None:
    """Limit hourly changes of output when ``options.ramping`` is on.

    ``-r_g * P_g <= generation_mw[t, g] - generation_mw[t-1, g] <= r_g * P_g`` [MW] for every
    generator with ``ramp_per_hour`` ``r_g < 1`` (cyclic over the horizon). Two row blocks,
    ``ramp_up`` (``<=``) and ``ramp_down`` (``>=``).
    """
    ix = m._ag
    if not ix.options.ramping or "generation_mw" not in ix.blocks:
        return
    r = ds["ramp_per_hour"].values
    sel = np.flatnonzero(r < 1.0)
    if sel.size == 0:
        return
    ix.coords["generator_ramped"] = ds["generator"].values[sel]
    cols = ix.blocks["generation_mw"].cols()[:, sel]
    prev = np.roll(cols, 1, axis=0)  # ramping wraps around the horizon, like the levels
    T, K = cols.shape
    limit = (r[sel] * ds["capacity_mw"].values[sel])[None, :] * np.ones((T, 1))
    rows = np.arange(T * K).reshape(T, K)
    rr = np.concatenate([rows, rows], axis=None)
    cc = np.concatenate([cols, prev], axis=None)
    kk = np.concatenate([np.ones(T * K), -np.ones(T * K)])
    for name, sense, rhs in (("ramp_up", "<=", limit), ("ramp_down", ">=", -limit)):
        blk = RowBlock(
            name,
            ("time", "generator_ramped"),
            (T, K),
            sense,
            "MW",
            f"Ramping limit ({name}).",
        )
        add_rows(m, blk, rr, cc, kk, rhs)

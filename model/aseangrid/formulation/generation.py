"""Generation: output per generator and hour, its costs, must-run and ramping."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..data.timeagg import horizon_share
from ..lp import LinearProgram, RowBlock
from ._util import country_index, inject, node_index, previous_in_period


def add_generation(lp: LinearProgram, ds: xr.Dataset) -> None:
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
    lb = a * cap[None, :] * ds["must_run_share"].values[None, :]
    if "generator_retirable" in ds:  # must-run of what is kept: rows in add_retirement
        lb[:, ds["generator_retirable"].values] = 0.0
    ext = _extendable(ds)
    if ext.size:  # new capacity: output bounded by a row, the bound only by the potential
        cap = cap.copy()
        cap[ext] += ds["capacity_new_max_mw"].values[ext]
        a = a.copy()
        a[:, ext] = _clean(a[:, ext])
    with np.errstate(invalid="ignore"):  # 0 * inf (no sun, unlimited potential) is 0
        ub = np.where(a > 0, a * cap[None, :], 0.0)
    # reservoir hydro is limited by its energy, not by must-run
    lb = np.where(ds["reservoir_capacity_mwh"].values[None, :] > 0, 0.0, lb)
    blk = lp.add_var(
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
    inject(lp, nodes, cols, 1.0)
    w = ds["time_weight_h"].values[:, None]
    lp.add_cost("fuel_and_vom", cols, w * ds["marginal_cost_usd_per_mwh"].values[None, :])
    cp = ds["carbon_price_usd_per_t"].values[country_index(ds, ds["generator_country"].values)]
    carbon = cp * ds["emission_factor_t_per_mwh"].values
    if np.any(carbon > 0):
        lp.add_cost("carbon_price", cols, w * carbon[None, :] * np.ones((T, 1)))


#: availability below this counts as zero for new capacity (dawn and dusk solar values of
#: 1e-7 would otherwise put coefficients 1e-7 next to 1 in the same rows; measured: they
#: slowed the interior point method and crossover of the Indonesian expansion LP)
MIN_AVAILABILITY = 1e-3


def _clean(a: np.ndarray) -> np.ndarray:
    return np.where(a < MIN_AVAILABILITY, 0.0, a)


def _extendable(ds: xr.Dataset) -> np.ndarray:
    if "generator_extendable" not in ds:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(ds["generator_extendable"].values)


def add_generation_expansion(lp: LinearProgram, ds: xr.Dataset) -> None:
    """New generation capacity ``capacity_new_mw[g]`` for the extendable generators.

    ``0 <= capacity_new_mw[g] <= Pmax_g`` [MW] (the remaining resource potential) and, for every
    hour, ``generation_mw[t, g] - a[t, g] * capacity_new_mw[g] <= a[t, g] * P_g`` [MW]. Each MW
    built costs ``k_g`` [USD/MW/yr] (capital annuity plus fixed O&M) times the share of the year
    the horizon covers. Must-run applies to the existing part only.
    """
    ext = _extendable(ds)
    if ext.size == 0 or "generation_mw" not in lp.blocks:
        return
    lp.coords["generator_extendable"] = ds["generator"].values[ext]
    share = horizon_share(ds)
    new = lp.add_var(
        "capacity_new_mw",
        ("generator_extendable",),
        0.0,
        ds["capacity_new_max_mw"].values[ext],
        "MW",
        "Generation capacity built in this step.",
    )
    lp.add_cost("investment", new.cols(), share * ds["annual_cost_usd_per_mw"].values[ext])
    T, K = ds.sizes["time"], ext.size
    a = _clean(ds["availability_pu"].values[:, ext])
    rows = np.arange(T * K).reshape(T, K)
    gcols = lp.blocks["generation_mw"].cols()[:, ext]
    ncols = np.broadcast_to(new.cols()[None, :], (T, K))
    nz = a > 0  # hours without availability: the output bound is already 0
    lp.add_rows(
        RowBlock(
            "generation_capacity",
            ("time", "generator_extendable"),
            (T, K),
            "<=",
            "MW",
            "Output within the available existing plus new capacity.",
        ),
        np.concatenate([rows, rows[nz]], axis=None),
        np.concatenate([gcols, ncols[nz]], axis=None),
        np.concatenate([np.ones((T, K)), -a[nz]], axis=None),
        a * ds["capacity_mw"].values[ext][None, :],
    )


def add_retirement(lp: LinearProgram, ds: xr.Dataset) -> None:
    """Economic early retirement ``capacity_retired_mw[g]`` of the retirable generators.

    ``0 <= capacity_retired_mw[g] <= P_g`` [MW] and ``generation_mw[t, g] + a[t, g] *
    capacity_retired_mw[g] <= a[t, g] * P_g`` [MW]; each MW retired saves its fixed O&M
    ``f_g`` [USD/MW/yr] (times the share of the year covered): the objective carries
    ``-f_g * capacity_retired_mw[g]``, so a plant is retired when keeping it open costs more
    than it saves. Must-run applies to what is kept only.
    """
    if "generator_retirable" not in ds or "generation_mw" not in lp.blocks:
        return
    sel = np.flatnonzero(ds["generator_retirable"].values)
    if sel.size == 0:
        return
    lp.coords["generator_retirable"] = ds["generator"].values[sel]
    share = horizon_share(ds)
    P = ds["capacity_mw"].values[sel]
    ret = lp.add_var(
        "capacity_retired_mw",
        ("generator_retirable",),
        0.0,
        P,
        "MW",
        "Existing capacity retired early in this step.",
    )
    lp.add_cost("fixed_om_saved", ret.cols(), -share * ds["fom_usd_per_mw"].values[sel])
    T, K = ds.sizes["time"], sel.size
    a = ds["availability_pu"].values[:, sel]
    rows = np.arange(T * K).reshape(T, K)
    gcols = lp.blocks["generation_mw"].cols()[:, sel]
    lp.add_rows(
        RowBlock(
            "generation_kept",
            ("time", "generator_retirable"),
            (T, K),
            "<=",
            "MW",
            "Output within the capacity not retired.",
        ),
        np.concatenate([rows, rows], axis=None),
        np.concatenate([gcols, np.broadcast_to(ret.cols()[None, :], (T, K))], axis=None),
        np.concatenate([np.ones((T, K)), a], axis=None),
        a * P[None, :],
    )
    must = ds["must_run_share"].values[sel]
    if np.any(must > 0):  # must-run of what is kept: gen + must * a * R >= must * a * P
        lp.add_rows(
            RowBlock(
                "must_run_kept",
                ("time", "generator_retirable"),
                (T, K),
                ">=",
                "MW",
                "Must-run share of the capacity not retired.",
            ),
            np.concatenate([rows, rows], axis=None),
            np.concatenate([gcols, np.broadcast_to(ret.cols()[None, :], (T, K))], axis=None),
            np.concatenate([np.ones((T, K)), must[None, :] * a], axis=None),
            must[None, :] * a * P[None, :],
        )


def add_ramping(lp: LinearProgram, ds: xr.Dataset) -> None:
    """Limit hourly changes of output when ``options.ramping`` is on.

    ``-r_g * P_g <= generation_mw[t, g] - generation_mw[t-1, g] <= r_g * P_g`` [MW] for every
    generator with ``ramp_per_hour`` ``r_g < 1`` (cyclic over the horizon). Two row blocks,
    ``ramp_up`` (``<=``) and ``ramp_down`` (``>=``).
    """
    if not lp.options.ramping or "generation_mw" not in lp.blocks:
        return
    r = ds["ramp_per_hour"].values
    sel = np.flatnonzero(r < 1.0)
    if sel.size == 0:
        return
    lp.coords["generator_ramped"] = ds["generator"].values[sel]
    cols = lp.blocks["generation_mw"].cols()[:, sel]
    prev = previous_in_period(ds, cols)  # ramping wraps around the horizon (or period)
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
        lp.add_rows(blk, rr, cc, kk, rhs)

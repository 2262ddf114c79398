"""Reservoir hydro: water (as stored electric energy) balance, level limits and spill."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import xarray as xr

from ..build import RowBlock, add_rows, add_var


def add_hydro_reservoir(m: pyo.ConcreteModel, ds: xr.Dataset) -> None:
    """Add ``reservoir_level_mwh``, ``spill_mw`` and the ``reservoir_balance`` rows.

    For every reservoir generator ``h`` (``reservoir_capacity_mwh > 0``) and hour ``t``::

        level[t, h] - level[t-1, h] + w_t * (generation_mw[t, h] + spill_mw[t, h])
            = w_t * inflow[t, h]                                          [MWh]
        0 <= level[t, h] <= E_h,   spill_mw[t, h] >= 0

    with ``level[-1] = level[T-1]`` (cyclic: the year ends where it began). The dual of a
    reservoir row is the water value [USD/MWh]. Run-of-river plants have no reservoir: their
    hourly inflow bounds their output directly (see ``availability_pu``).
    """
    ix = m._ag
    if "generation_mw" not in ix.blocks:
        return
    E = ds["reservoir_capacity_mwh"].values
    sel = np.flatnonzero(E > 0)
    if sel.size == 0:
        return
    T, K = ds.sizes["time"], sel.size
    ix.coords["reservoir"] = ds["generator"].values[sel]
    lvl = add_var(
        m,
        "reservoir_level_mwh",
        ("time", "reservoir"),
        0.0,
        np.broadcast_to(E[sel][None, :], (T, K)),
        "MWh",
        "Energy stored in hydro reservoirs at the end of each hour.",
    )
    spill = add_var(
        m,
        "spill_mw",
        ("time", "reservoir"),
        0.0,
        np.inf,
        "MW",
        "Inflow released without generating.",
    )
    gcols = ix.blocks["generation_mw"].cols()[:, sel]
    lc = lvl.cols()
    prev = np.roll(lc, 1, axis=0)
    w = ds["time_weight_h"].values[:, None] * np.ones((1, K))
    rows = np.arange(T * K).reshape(T, K)
    if ix.options.cyclic:
        rr = np.concatenate([rows, rows, rows, rows], axis=None)
        cc = np.concatenate([lc, prev, gcols, spill.cols()], axis=None)
        kk = np.concatenate([np.ones(T * K), -np.ones(T * K), w, w], axis=None)
    else:  # start half full, no predecessor in the first hour
        rr = np.concatenate([rows, rows[1:], rows, rows], axis=None)
        cc = np.concatenate([lc, prev[1:], gcols, spill.cols()], axis=None)
        kk = np.concatenate([np.ones(T * K), -np.ones((T - 1) * K), w, w], axis=None)
    rhs = w * ds["hydro_inflow_mw"].values[:, sel]
    if not ix.options.cyclic:
        rhs = rhs.copy()
        rhs[0] += 0.5 * E[sel]
    blk = RowBlock(
        "reservoir_balance",
        ("time", "reservoir"),
        (T, K),
        "==",
        "MWh",
        "Reservoir energy balance.",
        dual_name="water_value_usd_per_mwh",
        dual_units="USD/MWh",
        dual_description="Marginal value of one more MWh of stored water (minus the reservoir "
        "row dual).",
        dual_sign=-1.0,
    )
    add_rows(m, blk, rr, cc, kk, rhs)

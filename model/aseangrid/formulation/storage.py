"""Storage (batteries, pumped hydro): charge, discharge and state of charge."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import xarray as xr

from ..build import RowBlock, add_balance_term, add_rows, add_var
from ._util import node_index


def add_storage(m: pyo.ConcreteModel, ds: xr.Dataset) -> None:
    """Add ``storage_charge_mw``, ``storage_discharge_mw``, ``storage_level_mwh`` and the
    ``storage_balance`` rows.

    For every storage ``s`` and hour ``t``, with one-way efficiency ``eta_s = sqrt(rt_s)`` of
    the round-trip efficiency ``rt_s``::

        level[t, s] - level[t-1, s] - w_t * (eta_s * charge[t, s] - discharge[t, s] / eta_s) = 0
        0 <= charge, discharge <= P_s  [MW],   0 <= level <= E_s  [MWh]

    cyclic over the horizon (``level[-1] = level[T-1]``); when not cyclic the store starts
    half full. Discharge injects into the node, charge withdraws from it.
    """
    S = ds.sizes["storage"]
    if S == 0:
        return
    ix = m._ag
    T = ds.sizes["time"]
    P = ds["storage_power_mw"].values
    E = ds["storage_energy_mwh"].values
    eta = np.sqrt(ds["storage_efficiency_roundtrip"].values)
    ch = add_var(
        m,
        "storage_charge_mw",
        ("time", "storage"),
        0.0,
        P[None, :],
        "MW",
        "Charging power (withdrawn from the node).",
    )
    dis = add_var(
        m,
        "storage_discharge_mw",
        ("time", "storage"),
        0.0,
        P[None, :],
        "MW",
        "Discharging power (injected into the node).",
    )
    lvl = add_var(
        m,
        "storage_level_mwh",
        ("time", "storage"),
        0.0,
        E[None, :],
        "MWh",
        "Energy stored at the end of each hour.",
    )
    nodes = np.broadcast_to(node_index(ds, ds["storage_node"].values)[None, :], (T, S))
    add_balance_term(m, nodes, dis.cols(), 1.0)
    add_balance_term(m, nodes, ch.cols(), -1.0)
    w = ds["time_weight_h"].values[:, None] * np.ones((1, S))
    rows = np.arange(T * S).reshape(T, S)
    lc = lvl.cols()
    prev = np.roll(lc, 1, axis=0)
    first = 0 if ix.options.cyclic else 1
    rr = np.concatenate([rows, rows[first:], rows, rows], axis=None)
    cc = np.concatenate([lc, prev[first:], ch.cols(), dis.cols()], axis=None)
    kk = np.concatenate(
        [np.ones(T * S), -np.ones((T - first) * S), -w * eta[None, :], w / eta[None, :]],
        axis=None,
    )
    rhs = np.zeros((T, S))
    if not ix.options.cyclic:
        rhs[0] = 0.5 * E
    blk = RowBlock(
        "storage_balance",
        ("time", "storage"),
        (T, S),
        "==",
        "MWh",
        "Storage energy balance.",
        dual_name="storage_value_usd_per_mwh",
        dual_units="USD/MWh",
        dual_description="Marginal value of one more MWh stored (minus the storage row dual).",
        dual_sign=-1.0,
    )
    add_rows(m, blk, rr, cc, kk, rhs)

"""Storage (batteries, pumped hydro): charge, discharge and state of charge."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..data.timeagg import horizon_share, step_hours
from ..lp import LinearProgram, RowBlock
from ._util import inject, node_index
from .stock import final_level, initial_level, write_stock


def add_storage(lp: LinearProgram, ds: xr.Dataset) -> None:
    """Add ``storage_charge_mw``, ``storage_discharge_mw``, ``storage_level_mwh`` and the
    ``storage_balance`` rows.

    For every storage ``s`` and hour ``t``, with the charging and discharging efficiencies
    ``c_s`` and ``d_s`` (by default both ``sqrt(rt_s)`` of the round trip)::

        level[t, s] - level[t-1, s] - w_t * (c_s * charge[t, s] - discharge[t, s] / d_s) = 0
        0 <= charge, discharge <= P_s  [MW],   0 <= level <= E_s  [MWh]

    cyclic over the horizon (``level[-1] = level[T-1]``); when not cyclic the store starts at
    ``storage_level_initial_mwh`` (``initial_level_share`` of storage.csv, default half
    full). Discharge injects into the node, charge withdraws from it.
    """
    S = ds.sizes["storage"]
    if S == 0:
        return
    T = ds.sizes["time"]
    P = ds["storage_power_mw"].values
    E = ds["storage_energy_mwh"].values
    eta_c, eta_d = efficiencies(ds)
    pnew, enew = _extendable(lp, ds)
    P_ub = P + (np.where(pnew[0] >= 0, pnew[1], 0.0) if pnew else 0.0)
    ch = lp.add_var(
        "storage_charge_mw",
        ("time", "storage"),
        0.0,
        P_ub[None, :],
        "MW",
        "Charging power (withdrawn from the node).",
    )
    dis = lp.add_var(
        "storage_discharge_mw",
        ("time", "storage"),
        0.0,
        P_ub[None, :],
        "MW",
        "Discharging power (injected into the node).",
    )
    nodes = np.broadcast_to(node_index(ds, ds["storage_node"].values)[None, :], (T, S))
    inject(lp, nodes, dis.cols(), 1.0)
    inject(lp, nodes, ch.cols(), -1.0)
    dt = step_hours(ds)[:, None] * np.ones((1, S))
    write_stock(
        lp,
        ds,
        level_name="storage_level_mwh",
        row_name="storage_balance",
        dim="storage",
        terms=[(ch.cols(), dt * eta_c[None, :]), (dis.cols(), -dt / eta_d[None, :])],
        rhs=np.zeros((T, S)),
        energy_mwh=E,
        energy_new=enew,
        initial_mwh=initial_level(ds, "storage_level_initial_mwh", E),
        final_mwh=final_level(ds, "storage_level_final_mwh", S),
        level_description="Energy stored at the end of each hour.",
        row_block_kwargs=dict(
            description="Storage energy balance.",
            dual_name="storage_value_usd_per_mwh",
            dual_units="USD/MWh",
            dual_description="Marginal value of one more MWh stored (minus the storage row dual).",
            dual_sign=-1.0,
        ),
    )
    if pnew:
        _power_rows(lp, ds, ch, dis, P, pnew[0])


def efficiencies(ds: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Charging and discharging efficiency per storage (default: sqrt of the round trip)."""
    rt = np.sqrt(ds["storage_efficiency_roundtrip"].values)
    c = ds["storage_efficiency_charge"].values if "storage_efficiency_charge" in ds else rt
    d = ds["storage_efficiency_discharge"].values if "storage_efficiency_discharge" in ds else rt
    return c, d


def _extendable(lp: LinearProgram, ds: xr.Dataset):
    """Capacity variables of the extendable storage, with their annualised costs.

    ``storage_power_new_mw[s] in [0, Pmax_s]`` and ``storage_energy_new_mwh[s] in [0, Emax_s]``
    cost ``k_P`` [USD/MW/yr] and ``k_E`` [USD/MWh/yr] (annuity plus fixed O&M) times the share
    of the year the horizon covers.
    """
    if "storage_extendable" not in ds or not ds["storage_extendable"].values.any():
        return None, None
    ext = np.flatnonzero(ds["storage_extendable"].values)
    lp.coords["storage_extendable"] = ds["storage"].values[ext]
    share = horizon_share(ds)
    out = []
    for var, mx, cost, units, desc in (
        (
            "storage_power_new_mw",
            "storage_power_new_max_mw",
            "storage_annual_cost_usd_per_mw",
            "MW",
            "Storage power built in this step.",
        ),
        (
            "storage_energy_new_mwh",
            "storage_energy_new_max_mwh",
            "storage_annual_cost_usd_per_mwh",
            "MWh",
            "Storage energy capacity built.",
        ),
    ):
        ub = ds[mx].values[ext]
        blk = lp.add_var(var, ("storage_extendable",), 0.0, ub, units, desc)
        lp.add_cost("investment", blk.cols(), share * ds[cost].values[ext])
        cols = np.full(ds.sizes["storage"], -1, dtype=np.int64)
        cols[ext] = blk.cols()
        full_ub = np.zeros(ds.sizes["storage"])
        full_ub[ext] = ub
        out.append((cols, full_ub))
    return out[0], out[1]


def _power_rows(lp, ds, ch, dis, P, pcols) -> None:
    """``charge - P_new <= P`` and ``discharge - P_new <= P`` for extendable storage [MW]."""
    ext = np.flatnonzero(pcols >= 0)
    T, K = ds.sizes["time"], ext.size
    rows = np.arange(T * K).reshape(T, K)
    pc = np.broadcast_to(pcols[ext][None, :], (T, K))
    for name, v in (("storage_charge_cap", ch), ("storage_discharge_cap", dis)):
        lp.add_rows(
            RowBlock(
                name,
                ("time", "storage_extendable"),
                (T, K),
                "<=",
                "MW",
                "Power within the built capacity.",
            ),
            np.concatenate([rows, rows], axis=None),
            np.concatenate([v.cols()[:, ext], pc], axis=None),
            np.concatenate([np.ones((T, K)), -np.ones((T, K))], axis=None),
            np.broadcast_to(P[ext][None, :], (T, K)),
        )

"""Transmission as a transport model: directed flows, losses and wheeling charges."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..data.timeagg import horizon_share
from ..lp import LinearProgram, RowBlock
from ._util import inject, node_index


def add_transmission(lp: LinearProgram, ds: xr.Dataset) -> None:
    """Add ``flow_forward_mw`` and ``flow_backward_mw`` per link and hour.

    ``0 <= flow_forward_mw[t, l] <= F_l`` and ``0 <= flow_backward_mw[t, l] <= B_l`` [MW]. The
    sending node withdraws the flow; the receiving node gets ``(1 - loss_l)`` of it. Each MWh
    sent pays the wheeling/hurdle charge of its direction [USD/MWh], which is how trade across a
    border (or along a wheeling path) stops being free.
    """
    L = ds.sizes["link"]
    if L == 0:
        return
    T = ds.sizes["time"]
    cf = ds["link_capacity_forward_mw"].values.copy()
    cb = ds["link_capacity_backward_mw"].values.copy()
    if "link_extendable" in ds:  # new capacity: bounded by rows in add_transmission_expansion
        ext = ds["link_extendable"].values
        cf[ext] += ds["link_capacity_new_max_mw"].values[ext]
        cb[ext] += ds["link_capacity_new_max_mw"].values[ext]
    fwd = lp.add_var(
        "flow_forward_mw",
        ("time", "link"),
        0.0,
        cf[None, :],
        "MW",
        "Flow sent from link_from to link_to (before losses).",
    )
    bwd = lp.add_var(
        "flow_backward_mw",
        ("time", "link"),
        0.0,
        cb[None, :],
        "MW",
        "Flow sent from link_to to link_from (before losses).",
    )
    a = np.broadcast_to(node_index(ds, ds["link_from"].values)[None, :], (T, L))
    b = np.broadcast_to(node_index(ds, ds["link_to"].values)[None, :], (T, L))
    keep = (1.0 - ds["link_loss_fraction"].values)[None, :]
    inject(lp, a, fwd.cols(), -1.0)
    inject(lp, b, fwd.cols(), keep)
    inject(lp, b, bwd.cols(), -1.0)
    inject(lp, a, bwd.cols(), keep)
    w = ds["time_weight_h"].values[:, None]
    lp.add_cost("wheeling", fwd.cols(), w * ds["wheeling_forward_usd_per_mwh"].values[None, :])
    lp.add_cost("wheeling", bwd.cols(), w * ds["wheeling_backward_usd_per_mwh"].values[None, :])


def add_transmission_expansion(lp: LinearProgram, ds: xr.Dataset) -> None:
    """New transfer capacity ``link_capacity_new_mw[l]`` on the candidate corridors.

    ``0 <= link_capacity_new_mw[l] <= Fmax_l`` [MW], the same in both directions, and
    ``flow_forward_mw[t, l] - link_capacity_new_mw[l] <= F_l`` (likewise backward) [MW]. Each MW
    costs ``k_l`` [USD/MW/yr] (annuity plus fixed O&M) times the share of the year covered.
    """
    if "link_extendable" not in ds or "flow_forward_mw" not in lp.blocks:
        return
    ext = np.flatnonzero(ds["link_extendable"].values)
    if ext.size == 0:
        return
    lp.coords["link_extendable"] = ds["link"].values[ext]
    share = horizon_share(ds)
    new = lp.add_var(
        "link_capacity_new_mw",
        ("link_extendable",),
        0.0,
        ds["link_capacity_new_max_mw"].values[ext],
        "MW",
        "Transfer capacity built in this step (both directions).",
    )
    lp.add_cost("investment", new.cols(), share * ds["link_annual_cost_usd_per_mw"].values[ext])
    T, K = ds.sizes["time"], ext.size
    rows = np.arange(T * K).reshape(T, K)
    nc = np.broadcast_to(new.cols()[None, :], (T, K))
    for name, var, capname in (
        ("flow_forward_cap", "flow_forward_mw", "link_capacity_forward_mw"),
        ("flow_backward_cap", "flow_backward_mw", "link_capacity_backward_mw"),
    ):
        lp.add_rows(
            RowBlock(
                name,
                ("time", "link_extendable"),
                (T, K),
                "<=",
                "MW",
                "Flow within the existing plus built capacity.",
            ),
            np.concatenate([rows, rows], axis=None),
            np.concatenate([lp.blocks[var].cols()[:, ext], nc], axis=None),
            np.concatenate([np.ones((T, K)), -np.ones((T, K))], axis=None),
            np.broadcast_to(ds[capname].values[ext][None, :], (T, K)),
        )

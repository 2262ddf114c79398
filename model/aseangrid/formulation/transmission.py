"""Transmission as a transport model: directed flows, losses and wheeling charges."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import xarray as xr

from ..build import add_balance_term, add_cost, add_var
from ._util import node_index


def add_transmission(m: pyo.ConcreteModel, ds: xr.Dataset) -> None:
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
    fwd = add_var(
        m,
        "flow_forward_mw",
        ("time", "link"),
        0.0,
        ds["link_capacity_forward_mw"].values[None, :],
        "MW",
        "Flow sent from link_from to link_to (before losses).",
    )
    bwd = add_var(
        m,
        "flow_backward_mw",
        ("time", "link"),
        0.0,
        ds["link_capacity_backward_mw"].values[None, :],
        "MW",
        "Flow sent from link_to to link_from (before losses).",
    )
    a = np.broadcast_to(node_index(ds, ds["link_from"].values)[None, :], (T, L))
    b = np.broadcast_to(node_index(ds, ds["link_to"].values)[None, :], (T, L))
    keep = (1.0 - ds["link_loss_fraction"].values)[None, :]
    add_balance_term(m, a, fwd.cols(), -1.0)
    add_balance_term(m, b, fwd.cols(), keep)
    add_balance_term(m, b, bwd.cols(), -1.0)
    add_balance_term(m, a, bwd.cols(), keep)
    w = ds["time_weight_h"].values[:, None]
    add_cost(m, "wheeling", fwd.cols(), w * ds["wheeling_forward_usd_per_mwh"].values[None, :])
    add_cost(m, "wheeling", bwd.cols(), w * ds["wheeling_backward_usd_per_mwh"].values[None, :])

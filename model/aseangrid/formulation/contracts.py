"""Bilateral contracts along a path (e.g. LTMS: Lao hydro to Singapore via TH and MY)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..lp import LinearProgram
from ._util import inject, node_index


def add_contracts(lp: LinearProgram, ds: xr.Dataset) -> None:
    """Add ``contract_delivery_mw[t, k]`` fixed to the contracted volume profile.

    The seller's node withdraws ``x / (1 - loss_k)`` and the buyer's node receives ``x`` [MW];
    the transit links' capacities were reduced by the contract's peak when the scenario was
    applied (a firm reservation), so the contract never competes with the optimised flows.
    Wheeling [USD] ``sum_t w_t * x[t, k] * sum_c charge[k, c]`` is paid to the transit
    countries ``c``.
    """
    if "contract" not in ds.dims or ds.sizes["contract"] == 0:
        return
    T, K = ds.sizes["time"], ds.sizes["contract"]
    x = ds["contract_mw"].values
    blk = lp.add_var(
        "contract_delivery_mw",
        ("time", "contract"),
        x,
        x,
        "MW",
        "Contracted energy delivered to the buyer (fixed to the volume profile).",
    )
    seller = np.broadcast_to(node_index(ds, ds["contract_seller"].values)[None, :], (T, K))
    buyer = np.broadcast_to(node_index(ds, ds["contract_buyer"].values)[None, :], (T, K))
    keep = 1.0 - ds["contract_loss_fraction"].values
    inject(lp, seller, blk.cols(), -1.0 / keep[None, :])
    inject(lp, buyer, blk.cols(), 1.0)
    charge = ds["contract_wheeling_usd_per_mwh"].values.sum(axis=1)
    w = ds["time_weight_h"].values[:, None]
    lp.add_cost("wheeling", blk.cols(), w * charge[None, :])

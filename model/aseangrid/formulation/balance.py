"""The nodal energy balance: the sum of every registered injection equals demand."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..lp import LinearProgram, RowBlock
from ._util import BALANCE


def add_nodal_balance(lp: LinearProgram, ds: xr.Dataset) -> None:
    """Add ``nodal_balance[t, n]``: ``sum_k coef_k * x_k[t] = demand_mw[t, n]`` [MW].

    The terms are those registered by the components with :func:`._util.inject`
    (generation +, storage discharge +, charge -, flows received x (1 - loss) +, flows sent -,
    unserved energy +). The dual is the hourly electricity price at the node [USD/MWh]: the
    cost of serving one more MWh of demand there.
    """
    T, N = ds.sizes["time"], ds.sizes["node"]
    t_idx = np.arange(T)
    rows, cols, coefs = [], [], []
    for node_idx, c, k in lp.pending.pop(BALANCE, []):
        rows.append((t_idx[:, None] * N + node_idx).ravel())
        cols.append(c.ravel())
        coefs.append(k.ravel())
    blk = RowBlock(
        "nodal_balance",
        ("time", "node"),
        (T, N),
        "==",
        "MW",
        "Energy balance per node and hour.",
        dual_name="price_usd_per_mwh",
        dual_units="USD/MWh",
        dual_description="Hourly electricity price at the node: the marginal cost of serving "
        "one more MWh of demand there (dual of the nodal balance).",
    )
    lp.add_rows(
        blk,
        np.concatenate(rows) if rows else np.zeros(0, np.int64),
        np.concatenate(cols) if cols else np.zeros(0, np.int64),
        np.concatenate(coefs) if coefs else np.zeros(0),
        ds["demand_mw"].values,
    )

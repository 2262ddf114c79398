"""Unserved energy at the value of lost load."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..lp import LinearProgram
from ._util import inject


def add_unserved_energy(lp: LinearProgram, ds: xr.Dataset) -> None:
    """Add ``unserved_mw[t, n]`` in ``[0, demand_mw[t, n]]`` at cost ``VoLL`` [USD/MWh].

    Every scenario then has a solution, and a shortfall shows as unserved energy at a node and
    hour instead of an opaque "infeasible". With ``options.unserved_energy`` off the upper bound
    is 0.
    """
    T, N = ds.sizes["time"], ds.sizes["node"]
    ub = ds["demand_mw"].values if lp.options.unserved_energy else np.zeros((T, N))
    blk = lp.add_var("unserved_mw", ("time", "node"), 0.0, ub, "MW", "Demand not served.")
    inject(lp, np.broadcast_to(np.arange(N)[None, :], (T, N)), blk.cols(), 1.0)
    w = ds["time_weight_h"].values[:, None]
    lp.add_cost(
        "unserved_energy",
        blk.cols(),
        w * float(ds["value_of_lost_load_usd_per_mwh"]) * np.ones((1, N)),
    )

"""Unserved energy at the value of lost load."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import xarray as xr

from ..build import add_balance_term, add_cost, add_var


def add_unserved_energy(m: pyo.ConcreteModel, ds: xr.Dataset) -> None:
    """Add ``unserved_mw[t, n]`` in ``[0, demand_mw[t, n]]`` at cost ``VoLL`` [USD/MWh].

    Every scenario then has a solution, and a shortfall shows as unserved energy at a node and
    hour instead of an opaque "infeasible". With ``options.unserved_energy`` off the upper bound
    is 0.
    """
    T, N = ds.sizes["time"], ds.sizes["node"]
    ub = ds["demand_mw"].values if m._ag.options.unserved_energy else np.zeros((T, N))
    blk = add_var(m, "unserved_mw", ("time", "node"), 0.0, ub, "MW", "Demand not served.")
    add_balance_term(m, np.broadcast_to(np.arange(N)[None, :], (T, N)), blk.cols(), 1.0)
    w = ds["time_weight_h"].values[:, None]
    add_cost(
        m,
        "unserved_energy",
        blk.cols(),
        w * float(ds["value_of_lost_load_usd_per_mwh"]) * np.ones((1, N)),
    )

"""The objective: total cost [USD] summed over the registered cost terms."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import xarray as xr
from pyomo.core.expr.numeric_expr import LinearExpression


def add_objective(m: pyo.ConcreteModel, ds: xr.Dataset) -> None:
    """Minimise ``sum_components sum_k cost_k * x_k`` [USD].

    Components: fuel and variable O&M, carbon prices, wheeling charges, unserved energy and
    policy shortfall penalties, each registered by its module. Coefficients of one column are
    summed before the expression is built.
    """
    ix = m._ag
    cols = np.concatenate([c for c, _ in ix.cost_terms.values()])
    cost = np.concatenate([k for _, k in ix.cost_terms.values()])
    dense = np.bincount(cols, weights=cost, minlength=ix.n_cols)
    ix.cost = dense
    if not ix.pyomo:
        return
    nz = np.flatnonzero(dense)
    pv = ix.pyvars
    expr = LinearExpression(
        constant=0.0, linear_coefs=dense[nz].tolist(), linear_vars=[pv[i] for i in nz.tolist()]
    )
    m.total_cost = pyo.Objective(expr=expr, sense=pyo.minimize)

"""The objective: total cost [USD] summed over the registered cost terms."""

from __future__ import annotations

import xarray as xr

from ..lp import LinearProgram

#: Cost components the formulation may register, in the order results report them.
COST_COMPONENTS: tuple[str, ...] = (
    "fuel_and_vom",
    "carbon_price",
    "wheeling",
    "unserved_energy",
    "policy_penalty",
    "investment",
    "fixed_om_saved",
)


def add_objective(lp: LinearProgram, ds: xr.Dataset) -> None:
    """Minimise ``sum_components sum_k cost_k * x_k`` [USD].

    Components (:data:`COST_COMPONENTS`): fuel and variable O&M, carbon prices, wheeling
    charges, unserved energy, policy shortfall penalties, investment and the fixed O&M saved by
    early retirement, each registered by its module with ``lp.add_cost``; the program sums the
    coefficients of one column (``lp.cost_vector()``). Added last, this function checks that
    every registered component is one the results know how to report.
    """
    unknown = [k for k in lp.cost_terms if k not in COST_COMPONENTS]
    if unknown:
        raise ValueError(f"cost components {unknown} are not in formulation.COST_COMPONENTS")

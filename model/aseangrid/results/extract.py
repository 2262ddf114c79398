"""From a solved program to a labelled results Dataset.

Sign conventions of the duals (tested in ``tests/test_lp_analytic.py``):

* ``price_usd_per_mwh[t, n]`` = d(total cost)/d(demand at n in hour t): positive when more
  demand costs more; equal to the marginal generator's cost when it is strictly inside its
  bounds.
* ``carbon_shadow_price_usd_per_t[k]`` >= 0: the cost saved by one more tonne of cap.
* ``renewable_shadow_price_usd_per_mwh[c]`` >= 0: the cost of one more MWh of target.
* ``water_value_usd_per_mwh`` and ``storage_value_usd_per_mwh``: value of one more stored MWh.
* ``dual_<name>`` of a user constraint: d(total cost)/d(its right-hand side).
"""

from __future__ import annotations

import importlib.metadata as md
import platform
from dataclasses import asdict, is_dataclass

import numpy as np
import xarray as xr

from ..data.timeagg import horizon_share
from ..lp import LinearProgram, StandardForm
from .derive import derive

#: Inputs copied into the results so that a results file stands on its own.
RECORDED_INPUTS = (
    "time_weight_h",
    "demand_mw",
    "capacity_mw",
    "availability_pu",
    "marginal_cost_usd_per_mwh",
    "emission_factor_t_per_mwh",
    "link_capacity_forward_mw",
    "link_capacity_backward_mw",
    "link_loss_fraction",
    "storage_power_mw",
    "storage_energy_mwh",
    "carbon_cap_mt",
    "carbon_price_usd_per_t",
    "value_of_lost_load_usd_per_mwh",
    "policy_penalty_usd",
)


def versions() -> str:
    """Versions of the packages that produced a result."""
    names = ["aseangrid", "pyomo", "highspy", "xarray", "pandas", "numpy"]
    vs = []
    for n in names:
        try:
            vs.append(f"{n}={md.version(n)}")
        except md.PackageNotFoundError:
            vs.append(f"{n}=?")
    return ", ".join([*vs, f"python={platform.python_version()}"])


def _coords(lp: LinearProgram, dims: tuple[str, ...]) -> dict:
    return {d: lp.coords[d] for d in dims}


def primal_and_duals(lp: LinearProgram, sf: StandardForm, sol, ds: xr.Dataset) -> xr.Dataset:
    """Every variable block under its name and every dual under its ``dual_name``."""
    res = xr.Dataset(coords=dict(ds.coords))
    for name, b in lp.blocks.items():
        res[name] = xr.DataArray(
            sol.x[b.offset : b.offset + b.size].reshape(b.shape),
            dims=b.dims,
            coords=_coords(lp, b.dims),
            attrs={"units": b.units, "description": b.description},
        )
    w = ds["time_weight_h"].values
    for name, r in lp.rows.items():
        if not r.dual_name:
            continue
        y = sol.row_dual[sf.rows_of(name)].reshape(r.shape) * r.dual_sign
        if r.origin == "model" and "time" in r.dims and r.units == "MW":
            # power rows hold w_t-weighted costs: per hour weight -> per MWh
            y = y / w.reshape((-1,) + (1,) * (len(r.shape) - 1))
        if name in lp.row_present:
            y = np.where(lp.row_present[name].reshape(r.shape), y, np.nan)
        res[r.dual_name] = xr.DataArray(
            y,
            dims=r.dims,
            coords=_coords(lp, r.dims),
            attrs={
                "units": r.dual_units,
                "description": r.dual_description,
                "origin": r.origin,
            },
        )
    return res


def extract(lp: LinearProgram, sf: StandardForm, sol, ds: xr.Dataset) -> xr.Dataset:
    """The results Dataset of a solved program: primals, duals, derived quantities, provenance.

    Parameters
    ----------
    lp, sf
        The program and the standard form that was solved.
    sol
        The :class:`~aseangrid.solve.status.Solution`.
    ds
        The input Dataset the program was built from.
    """
    res = primal_and_duals(lp, sf, sol, ds)
    derive(ds, res, lp.component_costs(sol.x), lp.constant_cost)
    for v in RECORDED_INPUTS:
        if v in ds and v not in res:
            res[v] = ds[v]
    res.attrs.update(
        {
            "scenario": ds.attrs.get("scenario", ""),
            "scenario_name": ds.attrs.get("scenario_name", ""),
            "objective_usd": sol.objective + float(sum(lp.constant_cost.values())),
            "solver": sol.solver,
            "solver_status": sol.status,
            "solver_options": str(sol.info.get("highs_options", {})),
            "solver_info": str({k: v for k, v in sol.info.items() if k != "highs_options"}),
            "simplex_iterations": int(sol.info.get("simplex_iterations", -1)),
            "time_compile_s": round(lp.timings.get("assemble_s", 0.0), 3),
            "time_handover_s": round(sol.timings.get("handover_s", 0.0), 3),
            "time_solve_s": round(sol.timings.get("solve_s", 0.0), 3),
            "versions": versions(),
            "input_dataset": ds.attrs.get("dataset", ""),
            "input_hash": ds.attrs.get("dataset_hash", ""),
            "year": ds.attrs.get("year", -1),
            "hydrology": ds.attrs.get("hydrology", ""),
            "n_variables": int(lp.n_cols),
            "n_constraints": int(sum(r.size for r in lp.rows.values())),
            "user_components": ", ".join(lp.provenance),
            "time_build_breakdown_s": str({k: round(v, 3) for k, v in lp.timings.items()}),
            "formulation_options": str(asdict(lp.options)) if is_dataclass(lp.options) else "",
            "horizon_share": horizon_share(ds),
            "annual_limit_rule": "annual caps and coal generation limits applied pro rata to the "
            f"horizon: x {horizon_share(ds):.6g} of a year",
        }
    )
    return res

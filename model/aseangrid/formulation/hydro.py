"""Reservoir hydro: water (as stored electric energy) balance, level limits and spill."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..data.timeagg import step_hours
from ..lp import LinearProgram
from .stock import final_level, initial_level, write_stock


def add_hydro_reservoir(lp: LinearProgram, ds: xr.Dataset) -> None:
    """Add ``reservoir_level_mwh``, ``spill_mw`` and the ``reservoir_balance`` rows.

    For every reservoir generator ``h`` (``reservoir_capacity_mwh > 0``) and hour ``t``::

        level[t, h] - level[t-1, h] + w_t * (generation_mw[t, h] + spill_mw[t, h])
            = w_t * inflow[t, h]                                          [MWh]
        0 <= level[t, h] <= E_h,   spill_mw[t, h] >= 0

    with ``level[-1] = level[T-1]`` (cyclic: the year ends where it began); a non-cyclic run
    starts at ``reservoir_level_initial_mwh`` (hydro.csv ``initial_level_share``, default
    half). The dual of a reservoir row is the water value [USD/MWh]. Run-of-river plants
    have no reservoir: their hourly inflow bounds their output directly (see
    ``availability_pu``).
    """
    if "generation_mw" not in lp.blocks:
        return
    E = ds["reservoir_capacity_mwh"].values
    sel = np.flatnonzero(E > 0)
    if sel.size == 0:
        return
    K = sel.size
    lp.coords["reservoir"] = ds["generator"].values[sel]
    spill = lp.add_var(
        "spill_mw",
        ("time", "reservoir"),
        0.0,
        np.inf,
        "MW",
        "Inflow released without generating.",
    )
    gcols = lp.blocks["generation_mw"].cols()[:, sel]
    dt = step_hours(ds)[:, None] * np.ones((1, K))
    write_stock(
        lp,
        ds,
        level_name="reservoir_level_mwh",
        row_name="reservoir_balance",
        dim="reservoir",
        terms=[(gcols, -dt), (spill.cols(), -dt)],
        rhs=dt * ds["hydro_inflow_mw"].values[:, sel],
        energy_mwh=E[sel],
        energy_new=None,
        initial_mwh=initial_level(ds, "reservoir_level_initial_mwh", E)[sel],
        final_mwh=final_level(ds, "reservoir_level_final_mwh", E.size)[sel],
        level_description="Energy stored in hydro reservoirs at the end of each hour.",
        row_block_kwargs=dict(
            description="Reservoir energy balance.",
            dual_name="water_value_usd_per_mwh",
            dual_units="USD/MWh",
            dual_description="Marginal value of one more MWh of stored water (minus the "
            "reservoir row dual).",
            dual_sign=-1.0,
        ),
    )

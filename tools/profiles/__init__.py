"""Reproducible hourly profiles for an aseangrid dataset, built from published statistics.

The generator writes, into ``<dataset>/profiles/``:

* ``demand_shape.csv``  -- hourly demand per unit of the annual mean (mean 1, max 1/LF);
* ``solar_pv.csv``      -- hourly PV capacity factor (AC, per unit of rated AC power);
* ``wind_onshore.csv``  -- hourly onshore wind capacity factor;
* ``wind_offshore.csv`` -- hourly offshore wind capacity factor;
* ``hydro_inflow.csv``  -- hourly natural inflow per unit of the normal-year annual mean;
* ``hydro_inflow_dry.csv`` -- dry-year inflow per unit of the *normal-year* annual mean;

plus ``<dataset>/profile_targets.csv``, the calibration targets and their sources.

The sourced inputs (node settings, monthly factors, holidays, daily shapes, seasons, targets,
hydro regimes and scalar parameters) are data files in ``<dataset>/recipes/``, one row per
record with a ``source`` column; this package holds only the methods.  All series cover the
8,760 hours of the non-leap reference year 2015 in UTC.  Everything is deterministic (seeds
derived from the node id), so, from the repository root::

    python -m tools.profiles inputs/asean

regenerates the shipped CSV files byte-identically.  Methods and sources: ``docs/profiles.md``.

This is a data-preparation tool, not part of the runtime package: it imports ``aseangrid``
(the data dictionary and the model time axis), numpy, pandas and pvlib; ``aseangrid`` never
imports it.
"""

from __future__ import annotations

from .build import (
    BASE_YEAR,
    PROFILE_FILES,
    build_all,
    find_sg_ema,
    read_hydro,
    read_load_factors,
    write_all,
)
from .demand import calibrate_load_factor
from .numerics import monthly_to_daily, node_seed
from .recipes import read_recipes
from .records import Recipes
from .timebase import (
    DAYS_IN_MONTH,
    MONTH_OF_DAY,
    N_DAYS,
    N_HOURS,
    REF_YEAR,
    UTC_INDEX,
    months_range,
)

__all__ = [
    "BASE_YEAR",
    "DAYS_IN_MONTH",
    "MONTH_OF_DAY",
    "N_DAYS",
    "N_HOURS",
    "PROFILE_FILES",
    "REF_YEAR",
    "UTC_INDEX",
    "Recipes",
    "build_all",
    "calibrate_load_factor",
    "find_sg_ema",
    "monthly_to_daily",
    "months_range",
    "node_seed",
    "read_hydro",
    "read_load_factors",
    "read_recipes",
    "write_all",
]

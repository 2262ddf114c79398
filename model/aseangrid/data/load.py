"""Load a dataset folder for one model year into a validated ``xr.Dataset``."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import InputError, Problem
from . import schema as sc
from .tables import read_tables
from .year import assemble_year


def _hash_folder(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*.csv")):
        h.update(str(p.relative_to(folder)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def load_inputs(
    path: str | Path,
    year: int = sc.BASE_YEAR,
    hydrology: str = "normal",
    value_of_lost_load_usd_per_mwh: float = 5000.0,
    policy_penalty_usd: float = 5000.0,
    aggregate: bool = True,
    edit_tables: Callable[[dict[str, pd.DataFrame], int], dict[str, pd.DataFrame]] | None = None,
) -> xr.Dataset:
    """Load a dataset folder for one model year into a validated ``xr.Dataset``.

    Parameters
    ----------
    path
        Dataset folder, e.g. ``"inputs/asean"``.
    year
        Model year; chooses demand, fleet, grid, fuel prices and policies.
    hydrology
        ``"normal"`` or ``"dry"`` (hydro inflows from ``profiles/hydro_inflow_dry.csv``).
    value_of_lost_load_usd_per_mwh
        Cost of unserved energy [USD/MWh] (an assumption; a scenario parameter).
    policy_penalty_usd
        Penalty per unit of policy shortfall (per tCO2 above a cap, per MWh below a renewable
        target or above a coal limit) [USD]. Shortfalls are reported, never hidden.
    aggregate
        Merge fleet rows of one node and technology whose parameters are identical per unit of
        capacity (e.g. vintages added by a plan) into one generator; the LP is unchanged, only
        smaller. ``generator_rows`` lists the merged ``generators.csv`` ids.
    edit_tables
        Called with the validated tables and the year before the Dataset is assembled; returns
        the tables to use. Capacity expansion uses it to carry a pathway's earlier builds and
        retirements and to add build candidates (fleet rows with status ``candidate``).

    Returns
    -------
    xarray.Dataset
        Dimensions ``time`` (8760), ``node``, ``country``, ``generator``, ``storage``, ``link``,
        ``carbon_cap``; every variable carries ``units`` and ``description`` attributes.

    Raises
    ------
    InputError
        Listing every problem found: file, line, field, value and what was expected.

    Examples
    --------
    >>> import aseangrid as ag
    >>> ds = ag.load_inputs("inputs/asean", year=2024)  # doctest: +SKIP
    >>> ds.sizes["time"]  # doctest: +SKIP
    8760
    """
    folder = Path(path)
    tables, problems = read_tables(folder)
    problems += _option_problems(hydrology, value_of_lost_load_usd_per_mwh)
    if problems:
        raise InputError(problems)
    if edit_tables is not None:
        tables = edit_tables(tables, int(year))
    ds = assemble_year(folder, tables, int(year), hydrology, problems, aggregate)
    if problems:
        raise InputError(problems)
    _add_penalties(ds, value_of_lost_load_usd_per_mwh, policy_penalty_usd)
    ds.attrs.update(
        {
            "dataset": str(folder),
            "dataset_hash": _hash_folder(folder),
            "year": int(year),
            "hydrology": hydrology,
            "title": f"aseangrid inputs, {folder.name}, {year}, {hydrology} hydrology",
        }
    )
    return ds


def _option_problems(hydrology: str, value_of_lost_load_usd_per_mwh: float) -> list[Problem]:
    """Problems with the options of :func:`load_inputs` (not with the tables).

    Parameters
    ----------
    hydrology
        Must be ``"normal"`` or ``"dry"``.
    value_of_lost_load_usd_per_mwh
        Must be finite and in 0..100000 [USD/MWh].

    Returns
    -------
    list of Problem
        Empty when both options are valid.
    """
    problems = []
    if hydrology not in ("normal", "dry"):
        problems.append(Problem("(option)", None, "hydrology", str(hydrology), "normal or dry"))
    if not np.isfinite(value_of_lost_load_usd_per_mwh) or not (
        0 < value_of_lost_load_usd_per_mwh <= 1e5
    ):
        problems.append(
            Problem(
                "(option)",
                None,
                "value_of_lost_load_usd_per_mwh",
                str(value_of_lost_load_usd_per_mwh),
                "a value in 0..100000 USD/MWh",
            )
        )
    return problems


def _add_penalties(
    ds: xr.Dataset, value_of_lost_load_usd_per_mwh: float, policy_penalty_usd: float
) -> None:
    """Put the two penalty prices on ``ds`` as scalar variables (in place).

    Parameters
    ----------
    ds
        The assembled Dataset of one year.
    value_of_lost_load_usd_per_mwh
        Cost of unserved energy [USD/MWh].
    policy_penalty_usd
        Penalty per unit of policy shortfall [USD per tCO2 or per MWh].
    """
    ds["value_of_lost_load_usd_per_mwh"] = xr.DataArray(
        float(value_of_lost_load_usd_per_mwh),
        attrs={"units": "USD/MWh", "description": "Cost of unserved energy [assumption]."},
    )
    ds["policy_penalty_usd"] = xr.DataArray(
        float(policy_penalty_usd),
        attrs={
            "units": "USD per tCO2 or per MWh",
            "description": "Penalty per unit of policy shortfall (carbon above cap, renewable or "
            "coal target missed).",
        },
    )

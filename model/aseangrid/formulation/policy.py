"""Carbon and policy constraints: emission caps, renewable targets, coal limits.

Each policy may be missed at a penalty (``policy_penalty_usd`` per tCO2 or MWh) when
``options.policy_slack`` is on, so that a scenario always solves; the shortfall is reported in
the results, printed as a warning, shown at the top of the report and an error in strict runs
(:mod:`aseangrid.results.breaches`). Below the penalty, the shadow prices are exact; a shadow
price that equals the penalty is labelled so. Annual limits apply pro rata on partial
horizons (:func:`aseangrid.data.timeagg.horizon_share`).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..data import schema as sc
from ..data.timeagg import limit_share
from ..data.units import MWH_PER_TWH, T_PER_MT
from ..lp import LinearProgram, RowBlock
from ._util import country_index


def _slack(lp, ds, name: str, dims: tuple[str, ...], units: str, description: str):
    """Shortfall variables of a policy at the penalty per unit (``None`` when policies are hard)."""
    if not lp.options.policy_slack:
        return None
    blk = lp.add_var(name, dims, 0.0, np.inf, units, description)
    penalty = float(ds["policy_penalty_usd"])
    lp.add_cost("policy_penalty", blk.cols(), penalty * np.ones(blk.shape))
    return blk


def _generator_energy_terms(ds: xr.Dataset, lp, sel: np.ndarray, coef: np.ndarray):
    """Columns and coefficients of ``sum_t w_t * coef_g * generation_mw[t, g]`` for g in sel."""
    cols = lp.blocks["generation_mw"].cols()[:, sel]
    w = ds["time_weight_h"].values[:, None]
    return cols, w * coef[sel][None, :]


def add_carbon_cap(lp: LinearProgram, ds: xr.Dataset) -> None:
    """Cap CO2 per group of countries ``k``:

    ``sum_{g in G(k), t} w_t * ef_g * generation_mw[t, g] - shortfall_k <= 1e6 * h * cap_k``
    [tCO2], with the horizon's share of the year ``h`` (:func:`horizon_share`: the annual cap
    applies pro rata on a partial horizon). ``carbon_shadow_price_usd_per_t`` is minus the
    row dual: the cost saved per tonne of cap added (0 when the cap does not bind).
    """
    K = ds.sizes.get("carbon_cap", 0)
    if K == 0 or "generation_mw" not in lp.blocks:
        return
    member = ds["carbon_cap_member"].values  # (K, C)
    gc = country_index(ds, ds["generator_country"].values)
    ef = ds["emission_factor_t_per_mwh"].values
    groups = [np.flatnonzero(member[k, gc] & (ef > 0)) for k in range(K)]
    slack = _slack(
        lp,
        ds,
        "carbon_cap_excess_t",
        ("carbon_cap",),
        "tCO2",
        "Emissions above the cap (penalised).",
    )
    rows, cols, coefs = _annual_rows(ds, lp, groups, ef, slack, -1.0)
    blk = RowBlock(
        "carbon_cap_limit",
        ("carbon_cap",),
        (K,),
        "<=",
        "tCO2",
        "Annual CO2 cap per group.",
        dual_name="carbon_shadow_price_usd_per_t",
        dual_units="USD/tCO2",
        dual_description="Cost saved per tonne of cap added (minus the cap row dual); "
        "0 when the cap does not bind.",
        dual_sign=-1.0,
    )
    rhs = T_PER_MT * limit_share(ds) * ds["carbon_cap_mt"].values
    lp.add_rows(blk, rows, cols, coefs, rhs)


def _annual_rows(
    ds: xr.Dataset, lp, groups: list[np.ndarray], coef: np.ndarray, slack, slack_sign: float
):
    """Triplets of one row per group ``k``: ``sum_{g in groups[k], t} w_t * coef_g * x[t, g]``
    plus ``slack_sign * slack_k`` when a slack block is given."""
    rows, cols, coefs = [], [], []
    for k, sel in enumerate(groups):
        cc, ww = _generator_energy_terms(ds, lp, sel, coef)
        rows.append(np.full(cc.size, k))
        cols.append(cc.ravel())
        coefs.append(ww.ravel())
    if slack is not None:
        rows.append(np.arange(len(groups)))
        cols.append(slack.cols().ravel())
        coefs.append(np.full(len(groups), slack_sign))
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(coefs)


def _countries_with(ds: xr.Dataset, var: str) -> np.ndarray:
    return np.flatnonzero(np.isfinite(ds[var].values))


def add_renewable_share_min(lp: LinearProgram, ds: xr.Dataset) -> None:
    """Minimum renewable share per country ``c``:

    ``sum_{g renewable in c, t} w_t * generation_mw[t, g] + shortfall_c
    >= share_c * sum_{n in c, t} w_t * demand_mw[t, n]`` [MWh]. The share is measured against
    demand (not generation) so that shedding load can never help meet it.
    ``renewable_shadow_price_usd_per_mwh`` is the row dual: the cost of one more MWh of target.
    """
    idx = _countries_with(ds, "renewable_share_min")
    if idx.size == 0 or "generation_mw" not in lp.blocks:
        return
    lp.coords["country_renewable_target"] = ds["country"].values[idx]
    gc = country_index(ds, ds["generator_country"].values)
    nc = country_index(ds, ds["node_country"].values)
    ren = ds["renewable"].values.astype(bool)
    w = ds["time_weight_h"].values
    energy = (w[:, None] * ds["demand_mw"].values).sum(axis=0)  # MWh per node
    groups = [np.flatnonzero((gc == c) & ren) for c in idx]
    rhs = np.array([ds["renewable_share_min"].values[c] * energy[nc == c].sum() for c in idx])
    slack = _slack(
        lp,
        ds,
        "renewable_shortfall_mwh",
        ("country_renewable_target",),
        "MWh",
        "Renewable energy missing to reach the target (penalised).",
    )
    rows, cols, coefs = _annual_rows(ds, lp, groups, np.ones(ds.sizes["generator"]), slack, 1.0)
    blk = RowBlock(
        "renewable_share",
        ("country_renewable_target",),
        (idx.size,),
        ">=",
        "MWh",
        "Minimum renewable generation per country.",
        dual_name="renewable_shadow_price_usd_per_mwh",
        dual_units="USD/MWh",
        dual_description="Cost of requiring one more MWh of renewable generation (row dual).",
    )
    lp.add_rows(blk, rows, cols, coefs, rhs)


def _coal_mask(ds: xr.Dataset) -> np.ndarray:
    return np.isin(ds["generator_technology"].values, sc.COAL_TECHNOLOGIES)


def add_coal_generation_max(lp: LinearProgram, ds: xr.Dataset) -> None:
    """Cap annual coal and lignite generation per country ``c``:

    ``sum_{g coal in c, t} w_t * generation_mw[t, g] - excess_c <= 1e6 * h * max_c`` [MWh],
    with the horizon's share of the year ``h`` (the annual limit applies pro rata).
    ``coal_generation_shadow_price_usd_per_mwh`` is minus the row dual.
    """
    idx = _countries_with(ds, "coal_generation_max_twh")
    if idx.size == 0 or "generation_mw" not in lp.blocks:
        return
    lp.coords["country_coal_generation"] = ds["country"].values[idx]
    gc = country_index(ds, ds["generator_country"].values)
    coal = _coal_mask(ds)
    groups = [np.flatnonzero((gc == c) & coal) for c in idx]
    slack = _slack(
        lp,
        ds,
        "coal_generation_excess_mwh",
        ("country_coal_generation",),
        "MWh",
        "Coal generation above the limit (penalised).",
    )
    rows, cols, coefs = _annual_rows(ds, lp, groups, np.ones(ds.sizes["generator"]), slack, -1.0)
    blk = RowBlock(
        "coal_generation_limit",
        ("country_coal_generation",),
        (idx.size,),
        "<=",
        "MWh",
        "Annual coal generation limit per country.",
        dual_name="coal_generation_shadow_price_usd_per_mwh",
        dual_units="USD/MWh",
        dual_description="Cost saved per MWh of coal generation allowed (minus the row dual).",
        dual_sign=-1.0,
    )
    lp.add_rows(
        blk,
        rows,
        cols,
        coefs,
        MWH_PER_TWH * limit_share(ds) * ds["coal_generation_max_twh"].values[idx],
    )


def add_coal_capacity_max(lp: LinearProgram, ds: xr.Dataset) -> None:
    """Limit coal and lignite output in every hour per country ``c`` (a phase-out):

    ``sum_{g coal in c} generation_mw[t, g] - excess[t, c] <= max_c`` [MW].
    """
    idx = _countries_with(ds, "coal_capacity_max_mw")
    if idx.size == 0 or "generation_mw" not in lp.blocks:
        return
    lp.coords["country_coal_capacity"] = ds["country"].values[idx]
    gc = country_index(ds, ds["generator_country"].values)
    coal = _coal_mask(ds)
    T, K = ds.sizes["time"], idx.size
    gcols = lp.blocks["generation_mw"].cols()
    rows, cols, coefs = [], [], []
    t_idx = np.arange(T)[:, None]
    for k, c in enumerate(idx):
        sel = np.flatnonzero((gc == c) & coal)
        cc = gcols[:, sel]
        rows.append((t_idx * K + k + 0 * cc).ravel())
        cols.append(cc.ravel())
        coefs.append(np.ones(cc.size))
    slack = _slack(
        lp,
        ds,
        "coal_capacity_excess_mw",
        ("time", "country_coal_capacity"),
        "MW",
        "Coal output above the hourly limit (penalised).",
    )
    if slack is not None:
        rows.append(np.arange(T * K))
        cols.append(slack.cols().ravel())
        coefs.append(-np.ones(T * K))
    blk = RowBlock(
        "coal_capacity_limit",
        ("time", "country_coal_capacity"),
        (T, K),
        "<=",
        "MW",
        "Hourly coal output limit per country.",
        dual_name="coal_capacity_shadow_price_usd_per_mw",
        dual_units="USD/MW",
        dual_description="Cost saved per MW of coal output allowed in that hour.",
        dual_sign=-1.0,
    )
    rhs = np.broadcast_to(ds["coal_capacity_max_mw"].values[idx][None, :], (T, K))
    lp.add_rows(blk, np.concatenate(rows), np.concatenate(cols), np.concatenate(coefs), rhs)

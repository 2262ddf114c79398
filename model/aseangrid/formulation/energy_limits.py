"""Energy limits of generator groups over a year or a month (contracts and fuel supply).

Take-or-pay gas, PPA minimum take and domestic coal obligations set a least energy of a group
of plants; fuel-supply caps set a most energy (``energy_limits.csv``). A group may also be the
flow over links in given directions (a bilateral PPA, an import licence). Path contracts that
fix a delivered profile are in :mod:`.contracts`.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..data.limits import applies, energy_limit_share, in_period, link_masks
from ..data.units import MWH_PER_TWH
from ..lp import LinearProgram, RowBlock


def _slack(lp, ds, name: str, dims: tuple[str, ...], description: str):
    """Penalised slacks [MWh] of the rows (``None`` when policies are hard)."""
    if not lp.options.policy_slack:
        return None
    blk = lp.add_var(name, dims, 0.0, np.inf, "MWh", description)
    lp.add_cost("policy_penalty", blk.cols(), float(ds["policy_penalty_usd"]) * np.ones(blk.shape))
    return blk


def _members(ds: xr.Dataset, lp) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per block of columns (generation, forward and backward flows): its ``(time, k)``
    columns and the ``(limit, k)`` membership mask."""
    out = [(lp.blocks["generation_mw"].cols(), ds["energy_limit_member"].values.astype(bool))]
    fwd, bwd = link_masks(ds)
    for block, mask in (("flow_forward_mw", fwd), ("flow_backward_mw", bwd)):
        if block in lp.blocks and mask.any():
            out.append((lp.blocks[block].cols(), mask))
    return out


def _group_terms(ds: xr.Dataset, lp, idx: np.ndarray):
    """Triplets of ``sum_{t in P(k)} w_t * (sum_{g in G(k)} generation_mw[t, g] + sum_{l in
    L(k)} flow_mw[t, l])`` for the limits ``idx`` (a group is generators or link flows)."""
    w = ds["time_weight_h"].values
    period = in_period(ds)
    rows, cols, coefs = [], [], []
    for block_cols, member in _members(ds, lp):
        for r, k in enumerate(idx):
            t_sel = np.flatnonzero(period[:, k])
            cc = block_cols[np.ix_(t_sel, np.flatnonzero(member[k]))]
            rows.append(np.full(cc.size, r))
            cols.append(cc.ravel())
            coefs.append(np.broadcast_to(w[t_sel][:, None], cc.shape).ravel())
    return rows, cols, coefs


def _one_side(lp: LinearProgram, ds: xr.Dataset, side: str) -> None:
    """The ``min`` (``>=``) or ``max`` (``<=``) rows of the limits that give one."""
    value = ds[f"energy_limit_{side}_twh"].values
    idx = np.flatnonzero(np.isfinite(value) & applies(ds))
    if idx.size == 0:
        return
    dim = f"energy_limit_{side}"
    lp.coords[dim] = ds["energy_limit"].values[idx]
    rows, cols, coefs = _group_terms(ds, lp, idx)
    lower = side == "min"
    slack = _slack(
        lp,
        ds,
        "energy_limit_shortfall_mwh" if lower else "energy_limit_excess_mwh",
        (dim,),
        "Energy missing to reach the group's least energy (penalised)."
        if lower
        else "Energy above the group's most energy (penalised).",
    )
    if slack is not None:
        rows.append(np.arange(idx.size))
        cols.append(slack.cols().ravel())
        coefs.append(np.full(idx.size, 1.0 if lower else -1.0))
    blk = RowBlock(
        f"energy_limit_{side}",
        (dim,),
        (idx.size,),
        ">=" if lower else "<=",
        "MWh",
        "Least energy of a generator group over its period."
        if lower
        else "Most energy of a generator group over its period.",
        dual_name=f"energy_limit_{side}_shadow_price_usd_per_mwh",
        dual_units="USD/MWh",
        dual_description="Cost of requiring one more MWh from the group (row dual): the "
        "contract's cost above merit order; 0 when it does not bind."
        if lower
        else "Cost saved per MWh more allowed to the group (minus the row dual): the value of "
        "more fuel; 0 when it does not bind.",
        dual_sign=1.0 if lower else -1.0,
    )
    rhs = MWH_PER_TWH * energy_limit_share(ds)[idx] * value[idx]
    lp.add_rows(blk, np.concatenate(rows), np.concatenate(cols), np.concatenate(coefs), rhs)


def add_energy_limits(lp: LinearProgram, ds: xr.Dataset) -> None:
    """Least and most energy of each group ``k`` over its period ``P(k)`` (year or month):

    ``sum_{g in G(k), t in P(k)} w_t * generation_mw[t, g] + shortfall_k
    >= 1e6 * s_k * min_k`` and ``... - excess_k <= 1e6 * s_k * max_k`` [MWh], where ``s_k``
    is the share of the period the horizon stands for
    (:func:`aseangrid.data.limits.energy_limit_share`: pro rata on a partial horizon; each
    sub-horizon of a decomposed solve gets its hours' share). A link group sums the flows sent
    over its links in the given directions instead of generation. The slacks are penalised at
    ``policy_penalty_usd`` when ``options.policy_slack`` is on. The duals
    ``energy_limit_min_shadow_price_usd_per_mwh`` and ``..._max_...`` are >= 0.
    """
    if ds.sizes.get("energy_limit", 0) == 0 or "generation_mw" not in lp.blocks:
        return
    _one_side(lp, ds, "min")
    _one_side(lp, ds, "max")

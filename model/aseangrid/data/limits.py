"""Energy limits of generator groups (``energy_limits.csv``): the groups of one model year and
the share of each limit's period that a horizon covers.

A limit bounds the energy of a group of generators (a country's technologies, optionally only
at some nodes) over a calendar year or month: take-or-pay gas, PPA minimum take, fuel-supply
caps. The rows are built in :mod:`aseangrid.formulation.energy_limits` and recomputed in
:mod:`aseangrid.results.verify`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import Problem
from . import schema as sc
from .csvfile import line_of

#: Hours of each calendar month of a model year (29 February is dropped).
MONTH_HOURS = 24 * np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)
#: Hours of a model year.
YEAR_HOURS = float(MONTH_HOURS.sum())


def _split(text) -> list[str]:
    return [p.strip() for p in str(text or "").split(";") if p.strip()]


def _link_group(spec: str, link_ids: list[str], line: int, problems, partial: bool) -> tuple:
    """Forward and backward masks over the links of a ``link:direction;...`` group (a link
    not in the run is a problem unless the run models only some countries, ``partial``)."""
    fwd, bwd = np.zeros(len(link_ids), bool), np.zeros(len(link_ids), bool)
    for part in _split(spec):
        lid, _, way = part.partition(":")
        if partial and lid not in link_ids and way in ("forward", "backward"):
            continue  # a border the country selection left out
        if lid not in link_ids or way not in ("forward", "backward"):
            problems.append(
                Problem(
                    "energy_limits.csv",
                    line,
                    "links",
                    part,
                    "`link:forward` or `link:backward` with a link in operation this year "
                    f"({', '.join(link_ids)})",
                )
            )
            continue
        (fwd if way == "forward" else bwd)[link_ids.index(lid)] = True
    return fwd, bwd


def _generator_group(r, g: dict) -> np.ndarray:
    techs, nodes = _split(r["technologies"]), _split(r["nodes"])
    sel = (g["country"] == r["country"]) & np.isin(g["technology"], techs)
    if nodes:
        sel &= np.isin(g["node"], nodes)
    return sel


def _bounds_problems(r, line: int, problems) -> None:
    lo, hi = r["min_twh"], r["max_twh"]
    if pd.isna(lo) and pd.isna(hi):
        problems.append(
            Problem("energy_limits.csv", line, "min_twh/max_twh", "", "a min_twh or a max_twh")
        )
    elif not pd.isna(lo) and not pd.isna(hi) and lo > hi:
        problems.append(
            Problem("energy_limits.csv", line, "min_twh", f"{lo:g}", f"at most max_twh {hi:g}")
        )
    if bool(_split(r["technologies"])) == bool(_split(r.get("links", ""))):
        problems.append(
            Problem(
                "energy_limits.csv",
                line,
                "technologies/links",
                f"{r['technologies']}|{r.get('links', '')}",
                "either technologies (a generator group) or links (a link group), not both",
            )
        )


def energy_limits(
    t: dict, g: dict, link_ids: list[str], year: int, problems: list[Problem]
) -> tuple[dict, list]:
    """The energy limits of ``year`` over the fleet ``g`` (after merging) and the links.

    Returns
    -------
    values, ids
        Dataset variables (``energy_limit_member`` (limit x generator),
        ``energy_limit_link_forward``/``_backward`` (limit x link), ``_month``, ``_min_twh``,
        ``_max_twh``) and the limit ids; problems (a group without a generator or link in
        operation, a technology or node that is not the country's, min above max) go into
        ``problems``. Limits of countries without a node in the run are left out.
    """
    G, L = len(g["id"]), len(link_ids)
    lim = t.get("energy_limits")
    if lim is None or lim.empty:
        lim = pd.DataFrame(
            {c: pd.Series(dtype=float) for c in ("year", "month", "min_twh", "max_twh")}
        ).assign(
            limit=pd.Series(dtype=object),
            country=pd.Series(dtype=object),
            links=pd.Series(dtype=object),
        )
    modelled = set(t["nodes"]["country"]) if "nodes" in t else set(g["country"])
    # limits of countries left out of the run (a scenario's country selection) do not apply
    lim_year = lim[(lim["year"] == year) & lim["country"].isin(modelled)]
    K = len(lim_year)
    member = np.zeros((K, G), dtype=bool)
    fwd, bwd = np.zeros((K, L), dtype=bool), np.zeros((K, L), dtype=bool)
    for k, (i, r) in enumerate(lim_year.iterrows()):
        line = line_of(lim, int(np.flatnonzero(lim.index == i)[0]))
        _bounds_problems(r, line, problems)
        if _split(r.get("links", "")):
            partial = not set(sc.COUNTRIES) <= modelled
            fwd[k], bwd[k] = _link_group(r["links"], link_ids, line, problems, partial)
            continue
        member[k] = _generator_group(r, g)
        if not member[k].any():
            problems.append(
                Problem(
                    "energy_limits.csv",
                    line,
                    "technologies/nodes",
                    f"{r['country']}: {r['technologies']} {r['nodes'] or ''}".strip(),
                    f"at least one generator of {r['country']} in operation in {year} "
                    "with one of these technologies (and nodes)",
                )
            )
    keep = (
        member.any(axis=1)
        | fwd.any(axis=1)
        | bwd.any(axis=1)
        | ~lim_year["links"].map(lambda x: bool(_split(x))).to_numpy(dtype=bool)
    )  # a link group whose borders the selection left out is dropped
    member, fwd, bwd, lim_year = member[keep], fwd[keep], bwd[keep], lim_year[keep]
    values = {
        "energy_limit_member": member,
        "energy_limit_link_forward": fwd,
        "energy_limit_link_backward": bwd,
        "energy_limit_month": lim_year["month"].to_numpy(dtype=int),
        "energy_limit_min_twh": lim_year["min_twh"].to_numpy(dtype=float),
        "energy_limit_max_twh": lim_year["max_twh"].to_numpy(dtype=float),
    }
    return values, list(lim_year["limit"])


def in_period(ds: xr.Dataset) -> np.ndarray:
    """``(time, energy_limit)``: whether each step lies in each limit's period (its calendar
    month, or the whole year for month 0)."""
    month = pd.DatetimeIndex(ds["time"].values).month.to_numpy()
    want = ds["energy_limit_month"].values
    return (want[None, :] == 0) | (month[:, None] == want[None, :])


def energy_limit_share(ds: xr.Dataset) -> np.ndarray:
    """The share of each limit's period that the horizon stands for (its limits apply pro
    rata): the hours of the steps in the period (weights summed) over the period's hours.

    A full year gives 1 for every limit; a sub-horizon of a decomposed solve (cut from the
    year) gets its hours' share of each limit. A Dataset may give the shares itself
    (``energy_limit_share``, e.g. budgets a decomposition allocated). With representative
    periods the weights of the steps stamped in a month stand for that month.
    """
    if "energy_limit_share" in ds:
        return np.asarray(ds["energy_limit_share"].values, dtype=float)
    w = ds["time_weight_h"].values
    hours = (w[:, None] * in_period(ds)).sum(axis=0)
    month = ds["energy_limit_month"].values
    period = np.where(month == 0, YEAR_HOURS, MONTH_HOURS[np.clip(month - 1, 0, 11)])
    return hours / period


def link_masks(ds: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """``(limit, link)`` masks of the flows each limit counts, forward and backward: only
    links open in that direction (a scenario that closes a border, e.g. an isolated grid,
    closes the contracts over it too)."""
    K, L = ds.sizes.get("energy_limit", 0), ds.sizes.get("link", 0)
    if "energy_limit_link_forward" not in ds or L == 0:
        return np.zeros((K, L), bool), np.zeros((K, L), bool)
    fwd = ds["energy_limit_link_forward"].values.astype(bool)
    bwd = ds["energy_limit_link_backward"].values.astype(bool)
    open_f = ds["link_capacity_forward_mw"].values > 0
    open_b = ds["link_capacity_backward_mw"].values > 0
    if "link_extendable" in ds:  # a link that may be built is open
        ext = np.asarray(ds["link_extendable"].values, bool)
        open_f, open_b = open_f | ext, open_b | ext
    return fwd & open_f[None, :], bwd & open_b[None, :]


def applies(ds: xr.Dataset) -> np.ndarray:
    """Per limit: whether it applies (its generator group has a member, or its link group
    an open link; a link group whose links are all closed does not apply)."""
    member = ds["energy_limit_member"].values.astype(bool).any(axis=1)
    fwd, bwd = link_masks(ds)
    linked = np.zeros(member.shape, bool)
    if "energy_limit_link_forward" in ds:
        linked = ds["energy_limit_link_forward"].values.astype(bool).any(axis=1) | ds[
            "energy_limit_link_backward"
        ].values.astype(bool).any(axis=1)
    return np.where(linked, fwd.any(axis=1) | bwd.any(axis=1), member)

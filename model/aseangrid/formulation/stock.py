"""Energy stocks (storage, reservoirs) over an hourly horizon or over linked typical periods.

One helper writes the level variables and balance rows for both storage and reservoir hydro,
so the two share one treatment of time:

*hourly* (no ``period`` in the Dataset)::

    level[t, k] - level[t-1, k] - sum_j c_j[t, k] * x_j[t, k] = b[t, k]        [MWh]
    0 <= level[t, k] <= E_k (+ E_new_k when the energy capacity is extendable)

cyclic over the horizon, or starting half full when not cyclic.

*typical periods* (``period`` and ``period_order`` in the Dataset, see
:mod:`aseangrid.timeagg`): ``level`` is the change since the start of the period (free in
sign); an inter-period level ``level_start[d, k]`` per original period ``d`` carries the
stock through the year::

    level[t, k] - level[t-1, k] * [t not first of its period] - sum_j c_j x_j = b   [MWh]
    level_start[d+1, k] = level_start[d, k] + level[last(p(d)), k]   (cyclic in d)
    level_max[p, k] >= level[t, k] >= level_min[p, k]      for t in period p
    level_start[d, k] + level_max[p(d), k] <= E_k,   level_start[d, k] + level_min[p(d), k] >= 0

The last two rows keep the absolute level ``level_start[d] + level[t]`` inside ``[0, E]`` in
every hour of every original period, exactly, without a row per hour of the year.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..data.timeagg import period_bounds
from ..lp import LinearProgram, RowBlock, VarBlock


def initial_level(ds: xr.Dataset, var: str, capacity_mwh: np.ndarray) -> np.ndarray:
    """Level at the start of a non-cyclic run [MWh]: ``ds[var]`` when the Dataset has it,
    else half the capacity."""
    return ds[var].values if var in ds else 0.5 * np.asarray(capacity_mwh, dtype=float)


def final_level(ds: xr.Dataset, var: str, k: int) -> np.ndarray:
    """Level the horizon must end at [MWh] per stock (NaN: free); none unless ``ds[var]``."""
    return ds[var].values if var in ds else np.full(k, np.nan)


def write_stock(
    lp: LinearProgram,
    ds: xr.Dataset,
    *,
    level_name: str,
    row_name: str,
    dim: str,
    terms: list[tuple[np.ndarray, np.ndarray]],
    rhs: np.ndarray,
    energy_mwh: np.ndarray,
    energy_new: tuple[np.ndarray, np.ndarray] | None,
    initial_mwh: np.ndarray | None = None,
    final_mwh: np.ndarray | None = None,
    level_description: str,
    row_block_kwargs: dict,
) -> VarBlock:
    """Add the level variables and balance rows of ``K`` stocks along ``dim``.

    Parameters
    ----------
    terms
        ``(columns, coefficients)`` pairs shaped ``(T, K)``: the flows into the stock
        [MWh per step], e.g. ``(charge, eta * dt)`` and ``(discharge, -dt / eta)``.
    rhs
        Exogenous inflow per step [MWh], shape ``(T, K)``.
    energy_mwh
        Fixed energy capacity ``E_k`` [MWh].
    energy_new
        ``(columns, upper bounds)`` of the extendable energy capacity per stock (column -1 for
        a stock that cannot be extended), or ``None``.
    initial_mwh
        Level before the first step of a non-cyclic run [MWh] (default: half the capacity).
    final_mwh
        Level the last step of a non-cyclic hourly run must end at [MWh] (NaN or ``None``:
        free); a decomposed solve fixes it at a sub-horizon's boundary.
    """
    E_ub = energy_mwh.copy()
    if energy_new is not None:
        ecols, emax = energy_new
        E_ub = E_ub + np.where(ecols >= 0, emax, 0.0)
    linked = "period" in ds
    if not linked:
        lvl, entries, b = _hourly_level(
            lp, ds, level_name, dim, E_ub, level_description, rhs, energy_mwh, initial_mwh
        )
        if final_mwh is not None and not lp.options.cyclic:
            fix = np.isfinite(final_mwh)
            lvl.lb[-1, fix] = lvl.ub[-1, fix] = final_mwh[fix]
    else:
        lvl, entries, b = _period_level(lp, ds, level_name, dim, E_ub, level_description, rhs)
    lc = lvl.cols()
    _balance_rows(lp, row_name, dim, lc.shape, entries, terms, b, row_block_kwargs)
    if energy_new is not None and not linked:
        _level_cap_rows(lp, ds, f"{level_name}_cap", ("time", dim), lc, energy_mwh, energy_new)
    if linked:
        if not lp.options.cyclic:
            raise ValueError("typical periods are linked cyclically: use cyclic=True")
        _link_periods(lp, ds, level_name, dim, lc, energy_mwh, E_ub, energy_new)
    return lvl


#: the entries of a balance row block so far: row indices, columns and coefficients
_Entries = tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]


def _hourly_level(
    lp: LinearProgram,
    ds: xr.Dataset,
    level_name: str,
    dim: str,
    E_ub: np.ndarray,
    description: str,
    rhs: np.ndarray,
    energy_mwh: np.ndarray,
    initial_mwh: np.ndarray | None,
) -> tuple[VarBlock, _Entries, np.ndarray]:
    """The level variable of an hourly horizon and its ``level[t] - level[t-1]`` entries.

    Parameters
    ----------
    E_ub
        Upper bound of the level per stock [MWh] (fixed plus the most that can be built).
    rhs
        Exogenous inflow per step [MWh], shape ``(T, K)``.
    energy_mwh
        Fixed energy capacity per stock [MWh]; a non-cyclic run starts half full of it unless
        ``initial_mwh`` [MWh] is given.

    Returns
    -------
    tuple
        The level variable block, the balance entries so far and the right-hand side [MWh].
    """
    T, K = ds.sizes["time"], energy_mwh.size
    rows = np.arange(T * K).reshape(T, K)
    lvl = lp.add_var(level_name, ("time", dim), 0.0, E_ub[None, :], "MWh", description)
    lc = lvl.cols()
    prev = np.roll(lc, 1, axis=0)
    first = 0 if lp.options.cyclic else 1
    entries = (
        [rows, rows[first:]],
        [lc, prev[first:]],
        [np.ones((T, K)), -np.ones((T - first, K))],
    )
    b = rhs.astype(float).copy()
    if not lp.options.cyclic:
        b[0] += 0.5 * energy_mwh if initial_mwh is None else initial_mwh
    return lvl, entries, b


def _period_level(
    lp: LinearProgram,
    ds: xr.Dataset,
    level_name: str,
    dim: str,
    E_ub: np.ndarray,
    description: str,
    rhs: np.ndarray,
) -> tuple[VarBlock, _Entries, np.ndarray]:
    """The level variable of typical periods (change since the period's start, free in sign)
    and its ``level[t] - level[t-1]`` entries, the previous level dropped at a period's start.

    Parameters
    ----------
    E_ub
        Bound of the change per stock [MWh], both signs.
    rhs
        Exogenous inflow per step [MWh], shape ``(T, K)``.

    Returns
    -------
    tuple
        The level variable block, the balance entries so far and the right-hand side [MWh].
    """
    T, K = ds.sizes["time"], E_ub.size
    rows = np.arange(T * K).reshape(T, K)
    p = ds["period"].values
    start = np.r_[True, p[1:] != p[:-1]]
    lvl = lp.add_var(
        level_name,
        ("time", dim),
        -E_ub[None, :],
        E_ub[None, :],
        "MWh",
        description + " Typical periods: change since the start of the period.",
    )
    lc = lvl.cols()
    prev = np.roll(lc, 1, axis=0)
    keep = ~start
    entries = (
        [rows, rows[keep]],
        [lc, prev[keep]],
        [np.ones((T, K)), -np.ones((int(keep.sum()), K))],
    )
    return lvl, entries, rhs.astype(float)


def _balance_rows(
    lp: LinearProgram,
    row_name: str,
    dim: str,
    shape: tuple[int, int],
    entries: _Entries,
    terms: list[tuple[np.ndarray, np.ndarray]],
    b: np.ndarray,
    row_block_kwargs: dict,
) -> None:
    """Add the stock balance rows: the level entries plus ``-c_j x_j`` per flow term.

    Parameters
    ----------
    shape
        ``(T, K)``: steps and stocks.
    entries
        Row indices, columns and coefficients of the level terms (extended in place).
    terms
        ``(columns, coefficients)`` of the flows into the stock [MWh per step].
    b
        Right-hand side [MWh], shape ``(T, K)``.
    """
    T, K = shape
    rows = np.arange(T * K).reshape(T, K)
    rr, cc, kk = entries
    for cols, coef in terms:
        rr.append(rows)
        cc.append(cols)
        kk.append(-np.broadcast_to(coef, (T, K)))
    blk = RowBlock(row_name, ("time", dim), (T, K), "==", "MWh", **row_block_kwargs)
    lp.add_rows(
        blk,
        np.concatenate(rr, axis=None),
        np.concatenate(cc, axis=None),
        np.concatenate(kk, axis=None),
        b,
    )


def _level_cap_rows(lp, ds, name, dims, lcols, energy_mwh, energy_new) -> None:
    """``level - E_new <= E`` for the extendable stocks (others are bounded by their var)."""
    ecols, _ = energy_new
    sel = np.flatnonzero(ecols >= 0)
    if sel.size == 0:
        return
    n = lcols.shape[0]
    lc = lcols[:, sel]
    rows = np.arange(n * sel.size).reshape(n, sel.size)
    labels = lp.coords[dims[1]] if dims[1] in lp.coords else ds[dims[1]].values
    lp.coords[f"{dims[1]}_extendable"] = np.asarray(labels)[sel]
    blk = RowBlock(
        name,
        (dims[0], f"{dims[1]}_extendable"),
        (n, sel.size),
        "<=",
        "MWh",
        "Level within the built energy capacity.",
    )
    lp.add_rows(
        blk,
        np.concatenate([rows, rows], axis=None),
        np.concatenate([lc, np.broadcast_to(ecols[sel][None, :], lc.shape)], axis=None),
        np.concatenate([np.ones(lc.shape), -np.ones(lc.shape)], axis=None),
        np.broadcast_to(energy_mwh[sel][None, :], lc.shape),
    )


def _link_periods(
    lp: LinearProgram,
    ds: xr.Dataset,
    level_name: str,
    dim: str,
    lc: np.ndarray,
    energy_mwh: np.ndarray,
    E_ub: np.ndarray,
    energy_new: tuple[np.ndarray, np.ndarray] | None,
) -> None:
    """Link the typical periods in the order of the year and keep the absolute level in bounds.

    Parameters
    ----------
    lc
        Columns of the within-period level, shape ``(T, K)``.
    energy_mwh
        Fixed energy capacity per stock [MWh].
    E_ub
        Upper bound of the start level per stock [MWh].
    energy_new
        ``(columns, upper bounds)`` of the extendable energy capacity, or ``None``.
    """
    p = ds["period"].values
    order = ds["period_order"].values
    _, last = period_bounds(ds)
    start = lp.add_var(
        f"{level_name}_start",
        ("period_original", dim),
        0.0,
        E_ub[None, :],
        "MWh",
        "Level at the start of each original period (typical periods linked in order).",
    )
    sc = start.cols()
    hi, lo = _extreme_vars(lp, level_name, dim, int(p.max()) + 1)
    _carry_rows(lp, level_name, dim, sc, lc[last[order]])
    _extreme_rows(lp, level_name, dim, lc, hi.cols()[p], lo.cols()[p])
    _absolute_rows(
        lp, level_name, dim, sc, hi.cols()[order], lo.cols()[order], energy_mwh, energy_new
    )


def _extreme_vars(
    lp: LinearProgram, level_name: str, dim: str, P: int
) -> tuple[VarBlock, VarBlock]:
    """The highest and lowest level [MWh] within each of the ``P`` typical periods."""
    lp.coords.setdefault("typical_period", np.arange(P))
    hi = lp.add_var(
        f"{level_name}_period_max",
        ("typical_period", dim),
        -np.inf,
        np.inf,
        "MWh",
        "Highest level within each typical period (relative to its start).",
    )
    lo = lp.add_var(
        f"{level_name}_period_min",
        ("typical_period", dim),
        -np.inf,
        np.inf,
        "MWh",
        "Lowest level within each typical period (relative to its start).",
    )
    return hi, lo


def _carry_rows(
    lp: LinearProgram, level_name: str, dim: str, sc: np.ndarray, end_cols: np.ndarray
) -> None:
    """``start[d+1] - start[d] - level[last(order[d])] = 0`` [MWh], cyclic in ``d``.

    Parameters
    ----------
    sc
        Columns of the start level, shape ``(D, K)``.
    end_cols
        Columns of the level in the last hour of each original period's typical period.
    """
    D, K = sc.shape
    nxt = np.roll(sc, -1, axis=0)
    rows = np.arange(D * K).reshape(D, K)
    lp.add_rows(
        RowBlock(
            f"{level_name}_link",
            ("period_original", dim),
            (D, K),
            "==",
            "MWh",
            "Level carried from one original period to the next.",
        ),
        np.concatenate([rows, rows, rows], axis=None),
        np.concatenate([nxt, sc, end_cols], axis=None),
        np.concatenate([np.ones((D, K)), -np.ones((D, K)), -np.ones((D, K))], axis=None),
        0.0,
    )


def _extreme_rows(
    lp: LinearProgram,
    level_name: str,
    dim: str,
    lc: np.ndarray,
    hi_cols: np.ndarray,
    lo_cols: np.ndarray,
) -> None:
    """``level[t] <= max[p(t)]`` and ``level[t] >= min[p(t)]`` [MWh] for every kept hour.

    Parameters
    ----------
    lc
        Columns of the within-period level, shape ``(T, K)``.
    hi_cols, lo_cols
        Columns of the period's highest and lowest level, per hour, shape ``(T, K)``.
    """
    T, K = lc.shape
    rows = np.arange(T * K).reshape(T, K)
    for name, cols, sense in (
        (f"{level_name}_below_max", hi_cols, "<="),
        (f"{level_name}_above_min", lo_cols, ">="),
    ):
        lp.add_rows(
            RowBlock(
                name, ("time", dim), (T, K), sense, "MWh", "Level within the period's extreme."
            ),
            np.concatenate([rows, rows], axis=None),
            np.concatenate([lc, cols], axis=None),
            np.concatenate([np.ones((T, K)), -np.ones((T, K))], axis=None),
            0.0,
        )


def _absolute_rows(
    lp: LinearProgram,
    level_name: str,
    dim: str,
    sc: np.ndarray,
    hi_cols: np.ndarray,
    lo_cols: np.ndarray,
    energy_mwh: np.ndarray,
    energy_new: tuple[np.ndarray, np.ndarray] | None,
) -> None:
    """Absolute level inside ``[0, E (+ E_new)]`` [MWh] in every original period.

    The start level itself is the end of the previous period, so it is bounded by that
    period's rows.

    Parameters
    ----------
    sc
        Columns of the start level, shape ``(D, K)``.
    hi_cols, lo_cols
        Columns of the highest and lowest change of each original period's typical period.
    energy_mwh
        Fixed energy capacity per stock [MWh].
    energy_new
        ``(columns, upper bounds)`` of the extendable energy capacity, or ``None``.
    """
    D, K = sc.shape
    rows = np.arange(D * K).reshape(D, K)
    hi_rows_c = [rows, rows]
    hi_cols_c = [sc, hi_cols]
    hi_coef = [np.ones((D, K)), np.ones((D, K))]
    if energy_new is not None:
        ecols, _ = energy_new
        ext = np.flatnonzero(ecols >= 0)
        if ext.size:
            hi_rows_c.append(rows[:, ext])
            hi_cols_c.append(np.broadcast_to(ecols[ext][None, :], (D, ext.size)))
            hi_coef.append(-np.ones((D, ext.size)))
    lp.add_rows(
        RowBlock(
            f"{level_name}_top",
            ("period_original", dim),
            (D, K),
            "<=",
            "MWh",
            "Start level plus the period's highest change within the capacity.",
        ),
        np.concatenate(hi_rows_c, axis=None),
        np.concatenate(hi_cols_c, axis=None),
        np.concatenate(hi_coef, axis=None),
        np.broadcast_to(energy_mwh[None, :], (D, K)),
    )
    lp.add_rows(
        RowBlock(
            f"{level_name}_bottom",
            ("period_original", dim),
            (D, K),
            ">=",
            "MWh",
            "Start level plus the period's lowest change at least empty.",
        ),
        np.concatenate([rows, rows], axis=None),
        np.concatenate([sc, lo_cols], axis=None),
        np.concatenate([np.ones((D, K)), np.ones((D, K))], axis=None),
        0.0,
    )

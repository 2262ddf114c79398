"""Small index helpers shared by the formulation modules."""

from __future__ import annotations

import numpy as np
import xarray as xr


def node_index(ds: xr.Dataset, labels) -> np.ndarray:
    """Positions of node labels in ``ds.node``."""
    pos = {n: i for i, n in enumerate(ds["node"].values.tolist())}
    return np.array([pos[x] for x in np.asarray(labels).tolist()], dtype=np.int64)


def country_index(ds: xr.Dataset, labels) -> np.ndarray:
    """Positions of country labels in ``ds.country``."""
    pos = {c: i for i, c in enumerate(ds["country"].values.tolist())}
    return np.array([pos[x] for x in np.asarray(labels).tolist()], dtype=np.int64)


def previous_in_period(ds: xr.Dataset, cols: np.ndarray) -> np.ndarray:
    """Columns of the previous step (axis 0), wrapping within each typical period if any,
    otherwise around the whole horizon."""
    if "period" not in ds:
        return np.roll(cols, 1, axis=0)
    p = ds["period"].values
    idx = np.arange(p.size) - 1
    for k in np.unique(p):
        where = np.flatnonzero(p == k)
        idx[where[0]] = where[-1]
    return cols[idx]


#: Key of ``lp.pending`` under which components register their nodal balance terms.
BALANCE = "nodal_balance"


def inject(lp, node_idx: np.ndarray, cols: np.ndarray, coef) -> None:
    """Register an injection (+) or withdrawal (-) into the nodal balance.

    ``node_idx`` and ``cols`` have the shape ``(time, k)``; ``coef`` broadcasts to it. The
    balance (:func:`aseangrid.formulation.balance.add_nodal_balance`) sums what was registered.
    """
    node_idx = np.asarray(node_idx)
    cols = np.asarray(cols)
    coef = np.broadcast_to(np.asarray(coef, dtype=float), cols.shape)
    lp.pending.setdefault(BALANCE, []).append((node_idx, cols, coef))

"""The generic check of a solution: every row and every column of the program that was solved.

Independent of what the rows mean: for each row block the largest violation of
``row_lower <= A x <= row_upper`` and for each variable block the largest violation of its
bounds, with the label of the worst element. The physical checks of the results layer recompute
the same conditions from the inputs; this one proves that the numbers the solver returned
satisfy the matrix that was handed to it, user rows included.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .assemble import StandardForm
from .model import LinearProgram


@dataclass(frozen=True)
class Residual:
    """Largest violation in one block: ``block``, ``kind`` (``row`` or ``bound``), amount,
    the element's name and the tolerance it was held to."""

    block: str
    kind: str
    violation: float
    where: str
    tolerance: float

    def __str__(self) -> str:
        return (
            f"{self.kind} block {self.block}: violated by {self.violation:.6g} at {self.where} "
            f"(tolerance {self.tolerance:.3g})"
        )


def residuals(
    lp: LinearProgram, sf: StandardForm, x: np.ndarray, atol: float = 1e-4, rtol: float = 1e-7
) -> list[Residual]:
    """Every row block and variable block whose worst violation exceeds its tolerance.

    The tolerance of a row is ``atol + rtol * (|bound| + sum_k |a_k x_k|)``; of a bound
    ``atol + rtol * |bound|``. Non-finite values always count.
    """
    out: list[Residual] = []
    ax = sf.A @ x
    scale = abs(sf.A) @ np.abs(x)
    for k, name in enumerate(sf.block_names):
        a, b = sf.row_start[k], sf.row_start[k + 1]
        if a == b:
            continue
        v = ax[a:b]
        lo, up = sf.row_lower[a:b], sf.row_upper[a:b]
        bound = np.where(np.isfinite(up), np.abs(up), 0.0) + np.where(
            np.isfinite(lo), np.abs(lo), 0.0
        )
        tol = atol + rtol * (bound + scale[a:b])
        viol = np.maximum(np.maximum(lo - v, v - up), 0.0)
        viol = np.where(np.isfinite(v), viol, np.inf)
        excess = viol - tol
        i = int(np.argmax(excess))
        if excess[i] > 0:
            out.append(Residual(name, "row", float(viol[i]), lp.row_name(name, i), float(tol[i])))
    for name, blk in lp.blocks.items():
        xs = x[blk.offset : blk.offset + blk.size]
        lo, up = blk.lb.ravel(), blk.ub.ravel()
        bound = np.where(np.isfinite(up), np.abs(up), 0.0) + np.where(
            np.isfinite(lo), np.abs(lo), 0.0
        )
        tol = atol + rtol * bound
        viol = np.maximum(np.maximum(lo - xs, xs - up), 0.0)
        viol = np.where(np.isfinite(xs), viol, np.inf)
        excess = viol - tol
        if excess.size == 0:
            continue
        i = int(np.argmax(excess))
        if excess[i] > 0:
            out.append(
                Residual(
                    name, "bound", float(viol[i]), lp.column_name(blk.offset + i), float(tol[i])
                )
            )
    return out


def objective_value(sf: StandardForm, x: np.ndarray) -> float:
    """``c x`` [USD]."""
    return float(np.dot(sf.c, x))

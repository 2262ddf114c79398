"""From blocks to one sparse matrix, with every number checked before a solver sees it."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .model import LinearProgram

#: Largest absolute bound or right-hand side accepted before solving.
MAX_MAGNITUDE = 1e12
#: Largest absolute cost coefficient accepted before solving [USD per unit].
MAX_COST = 1e12
#: Largest absolute matrix coefficient accepted before solving.
MAX_COEFFICIENT = 1e7


class ScalingWarning(UserWarning):
    """The model's numbers span a range that may slow or destabilise the solver."""


class NumberProblem(ValueError):
    """Numbers that must not reach a solver; ``problems`` lists ``(where, value, expected)``."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{w}: {v} (expected {e})" for w, v, e in problems[:5]))


@dataclass
class StandardForm:
    """``min c x  s.t.  row_lower <= A x <= row_upper,  col_lower <= x <= col_upper``.

    ``row_block[i]`` is the position (in ``lp.rows``) of the block row ``i`` belongs to and
    ``row_start[k]`` the first matrix row of block ``k``; rows keep the order of the blocks and
    of the elements within them. Infinite bounds are ``+-inf``.
    """

    A: sparse.csc_matrix
    c: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    block_names: list[str]
    row_start: np.ndarray

    @property
    def n_rows(self) -> int:
        return int(self.A.shape[0])

    @property
    def n_cols(self) -> int:
        return int(self.A.shape[1])

    def rows_of(self, block: str) -> np.ndarray:
        """Matrix rows of a row block, in element order."""
        k = self.block_names.index(block)
        return np.arange(self.row_start[k], self.row_start[k + 1])

    def locate_row(self, i: int) -> tuple[str, int]:
        """The block and the element within it of matrix row ``i``."""
        k = int(np.searchsorted(self.row_start, i, side="right") - 1)
        return self.block_names[k], int(i - self.row_start[k])


def row_bounds(sense: str, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper row bounds of a sense and right-hand side."""
    inf = np.full(rhs.shape, np.inf)
    if sense == "==":
        return rhs, rhs
    if sense == "<=":
        return -inf, rhs
    return rhs, inf


def assemble(lp: LinearProgram) -> StandardForm:
    """The standard form of a program: rows in block order, duplicates summed, zeros dropped."""
    rr, cc, kk, lo, up, starts = [], [], [], [], [], [0]
    off = 0
    for name, blk in lp.rows.items():
        t = lp.triplets[name]
        rr.append(t.rows + off)
        cc.append(t.cols)
        kk.append(t.coefs)
        a, b = row_bounds(blk.sense, t.rhs)
        lo.append(a)
        up.append(b)
        off += blk.size
        starts.append(off)

    def cat(xs, dt):
        return np.concatenate(xs) if xs else np.zeros(0, dtype=dt)

    A = sparse.csc_matrix(
        (cat(kk, float), (cat(rr, np.int64), cat(cc, np.int64))), shape=(off, lp.n_cols)
    )
    A.sum_duplicates()
    A.eliminate_zeros()
    A.sort_indices()
    lb, ub = lp.bounds()
    return StandardForm(
        A=A,
        c=lp.cost_vector(),
        row_lower=cat(lo, float),
        row_upper=cat(up, float),
        col_lower=lb,
        col_upper=ub,
        block_names=list(lp.rows),
        row_start=np.asarray(starts, dtype=np.int64),
    )


def check_numbers(lp: LinearProgram, sf: StandardForm, limit: int = 10) -> None:
    """Refuse non-finite or absurd numbers before they reach a solver, naming where they are.

    Raises
    ------
    NumberProblem
        With the labelled place (``cost of generation_mw[2030-01-01T00:00, TH-C_gas]``), the
        value and what was expected.
    """
    out: list[tuple[str, str, str]] = []

    def row_label(i: int) -> str:
        name, el = sf.locate_row(int(i))
        return lp.row_name(name, el)

    data = sf.A.data
    bad = ~np.isfinite(data) | (np.abs(data) > MAX_COEFFICIENT)
    if bad.any():
        coo = sf.A.tocoo()
        for k in np.flatnonzero(~np.isfinite(coo.data) | (np.abs(coo.data) > MAX_COEFFICIENT))[
            :limit
        ]:
            out.append(
                (
                    f"coefficient of {lp.column_name(int(coo.col[k]))} in {row_label(coo.row[k])}",
                    f"{coo.data[k]:g}",
                    f"a finite coefficient below {MAX_COEFFICIENT:g}",
                )
            )
    for j in np.flatnonzero(~np.isfinite(sf.c) | (np.abs(sf.c) > MAX_COST))[:limit]:
        out.append(
            (
                f"cost of {lp.column_name(int(j))}",
                f"{sf.c[j]:g}",
                f"a finite cost below {MAX_COST:g} USD",
            )
        )
    for name, t in lp.triplets.items():
        bad = ~np.isfinite(t.rhs) | (np.abs(t.rhs) > MAX_MAGNITUDE)
        for i in np.flatnonzero(bad)[:limit]:
            out.append(
                (
                    f"right-hand side of {lp.row_name(name, int(i))}",
                    f"{t.rhs[i]:g}",
                    f"a finite value below {MAX_MAGNITUDE:g}",
                )
            )
    for arr, what in ((sf.col_lower, "lower"), (sf.col_upper, "upper")):
        bad = np.isnan(arr) | (np.isfinite(arr) & (np.abs(arr) > MAX_MAGNITUDE))
        for j in np.flatnonzero(bad)[:limit]:
            out.append(
                (
                    f"{what} bound of {lp.column_name(int(j))}",
                    f"{arr[j]:g}",
                    f"a number below {MAX_MAGNITUDE:g}",
                )
            )
    for j in np.flatnonzero(sf.col_lower > sf.col_upper + 1e-9)[:limit]:
        out.append(
            (
                f"bounds of {lp.column_name(int(j))}",
                f"{sf.col_lower[j]:g} > {sf.col_upper[j]:g}",
                "lower bound <= upper bound (e.g. must-run above availability)",
            )
        )
    for i in np.flatnonzero(sf.row_lower > sf.row_upper + 1e-9)[:limit]:
        out.append(
            (
                f"bounds of {row_label(i)}",
                f"{sf.row_lower[i]:g} > {sf.row_upper[i]:g}",
                "lower <= upper",
            )
        )
    if out:
        raise NumberProblem(out)


def warn_scaling(sf: StandardForm, threshold: float = 1e10) -> None:
    """Warn (not fail) when the coefficients or costs span a range that troubles solvers."""

    def span(a: np.ndarray) -> float:
        # values below 1e-9 are round-off (a capacity factor of 1e-16 at dusk), not data
        a = np.abs(a[np.isfinite(a)])
        a = a[a > 1e-9]
        return float(a.max() / a.min()) if a.size else 1.0

    # bounds are left out: hourly capacity factors near zero make their span large on any
    # real dataset, and solvers handle bound ranges well
    spans = {"matrix coefficients": span(sf.A.data), "costs": span(sf.c)}
    bad = {k: v for k, v in spans.items() if v > threshold}
    if bad:
        what = ", ".join(f"{k} span {v:.1e}" for k, v in bad.items())
        warnings.warn(
            f"badly scaled model ({what}); it solves, but check the inputs for values in the "
            "wrong unit (e.g. kW for MW) or negligible capacities and costs",
            ScalingWarning,
            stacklevel=3,
        )

"""The direct path: the assembled matrix handed to HiGHS in memory through highspy.

No LP file and no Pyomo objects: :class:`HighsLP` passes the column-wise matrix, costs and
bounds of a :class:`~aseangrid.lp.StandardForm` to a live ``highspy.Highs`` instance, solves
it, and returns a :class:`~aseangrid.solve.status.Solution` only for a proven optimum; every
other outcome raises :class:`~aseangrid.errors.SolveError` with its meaning. The live instance
can be edited (costs, bounds, coefficients) and solved again from the last basis.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time as _time
from collections.abc import Callable

import numpy as np

from ..errors import EnvironmentFault, SolveError
from ..lp import StandardForm
from .options import SolverOptions
from .status import STATUS_MEANING, Solution


def import_highspy():
    """``highspy``, or an :class:`EnvironmentFault` that says how to install it."""
    try:
        import highspy
    except ImportError as exc:
        raise EnvironmentFault(
            f"the solver package highspy cannot be imported ({exc}); install it with "
            "`pip install highspy` (it is a dependency of aseangrid: `pip install -e .`)"
        ) from None
    return highspy


@contextlib.contextmanager
def quiet_stdout(active: bool = True):
    """Silence C-level standard output (HiGHS's banner) for the duration of the block."""
    if not active:
        yield
        return
    sys.stdout.flush()
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):  # e.g. captured output without a descriptor
        yield
        return
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


#: Called with the IIS rows ``[(block, element), ...]`` of an infeasible program; returns
#: sentences in the model's terms.
Diagnose = Callable[[list[tuple[str, int]] | None], list[str]]


class HighsLP:
    """A standard-form program in a live HiGHS instance.

    Parameters
    ----------
    sf
        The program.
    options
        Solver settings.
    diagnose
        Explains an infeasible program in the model's terms (given HiGHS's IIS rows, or
        ``None`` to ask for a quick check without them).
    """

    def __init__(
        self,
        sf: StandardForm,
        options: SolverOptions | None = None,
        diagnose: Diagnose | None = None,
    ):
        hs = import_highspy()
        self.hs = hs
        self.sf = sf
        self.options = options or SolverOptions()
        self.diagnose = diagnose
        self.timings: dict[str, float] = {}
        t0 = _time.perf_counter()
        with quiet_stdout(not self.options.log):
            h = hs.Highs()  # prints a banner on construction
            h.setOptionValue("output_flag", False)
        for k, v in self.options.highs_options().items():
            if h.setOptionValue(k, v) != hs.HighsStatus.kOk:
                raise SolveError("kOptionError", f"HiGHS refused option {k}={v!r}")
        inf = hs.kHighsInf
        lp = hs.HighsLp()
        lp.num_col_ = sf.n_cols
        lp.num_row_ = sf.n_rows
        lp.col_cost_ = sf.c
        lp.col_lower_ = np.where(np.isfinite(sf.col_lower), sf.col_lower, -inf)
        lp.col_upper_ = np.where(np.isfinite(sf.col_upper), sf.col_upper, inf)
        lp.row_lower_ = np.where(np.isfinite(sf.row_lower), sf.row_lower, -inf)
        lp.row_upper_ = np.where(np.isfinite(sf.row_upper), sf.row_upper, inf)
        lp.a_matrix_.format_ = hs.MatrixFormat.kColwise
        lp.a_matrix_.start_ = sf.A.indptr
        lp.a_matrix_.index_ = sf.A.indices
        lp.a_matrix_.value_ = sf.A.data
        lp.offset_ = 0.0
        if h.passModel(lp) != hs.HighsStatus.kOk:
            # HiGHS rejects rows with bad values but would still solve what is left: never go on
            raise SolveError("kModelError", "HiGHS did not accept the model")
        self.h = h
        self.timings["handover_s"] = _time.perf_counter() - t0
        self.solves = 0

    # ------------------------------------------------------------------ edits
    def change_costs(self, cols: np.ndarray, cost: np.ndarray) -> None:
        """New objective coefficients of some columns."""
        cols = np.asarray(cols, dtype=np.int32)
        self.h.changeColsCost(cols.size, cols, np.asarray(cost, dtype=float))
        self.sf.c[cols] = cost

    def change_col_bounds(self, cols: np.ndarray, lo: np.ndarray, up: np.ndarray) -> None:
        """New bounds of some columns (``+-inf`` for none)."""
        inf = self.hs.kHighsInf
        cols = np.asarray(cols, dtype=np.int32)
        lo, up = np.asarray(lo, float), np.asarray(up, float)
        self.h.changeColsBounds(
            cols.size, cols, np.where(np.isfinite(lo), lo, -inf), np.where(np.isfinite(up), up, inf)
        )
        self.sf.col_lower[cols], self.sf.col_upper[cols] = lo, up

    def change_row_bounds(self, rows: np.ndarray, lo: np.ndarray, up: np.ndarray) -> None:
        """New bounds of some rows (``+-inf`` for none)."""
        inf = self.hs.kHighsInf
        for i, a, b in zip(
            np.asarray(rows).tolist(), np.asarray(lo).tolist(), np.asarray(up).tolist(), strict=True
        ):
            self.h.changeRowBounds(
                int(i), a if np.isfinite(a) else -inf, b if np.isfinite(b) else inf
            )
        self.sf.row_lower[rows], self.sf.row_upper[rows] = lo, up

    def change_coefficients(self, rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
        """New matrix coefficients (0 removes one)."""
        for i, j, v in zip(
            np.asarray(rows).tolist(),
            np.asarray(cols).tolist(),
            np.asarray(values).tolist(),
            strict=True,
        ):
            self.h.changeCoeff(int(i), int(j), float(v))

    def live_program(self) -> dict[str, np.ndarray]:
        """What HiGHS holds now: matrix (CSC), costs and bounds (for tests of edits)."""
        from scipy import sparse

        lp = self.h.getLp()
        inf = self.hs.kHighsInf
        m = lp.a_matrix_
        A = sparse.csc_matrix(
            (np.asarray(m.value_), np.asarray(m.index_), np.asarray(m.start_)),
            shape=(lp.num_row_, lp.num_col_),
        )

        def fin(a):
            a = np.asarray(a, dtype=float)
            return np.where(np.abs(a) >= inf, np.sign(a) * np.inf, a)

        return {
            "A": A,
            "c": np.asarray(lp.col_cost_, dtype=float),
            "col_lower": fin(lp.col_lower_),
            "col_upper": fin(lp.col_upper_),
            "row_lower": fin(lp.row_lower_),
            "row_upper": fin(lp.row_upper_),
        }

    def basis(self):
        """The basis of the last solve (HiGHS ``getBasis``), to start a like program from."""
        return self.h.getBasis()

    def set_basis(self, basis) -> bool:
        """Start the next solve from ``basis`` (of a program with the same columns and rows:
        the next week of a decomposed year); ``False`` where HiGHS refuses it."""
        return self.h.setBasis(basis) == self.hs.HighsStatus.kOk

    def set_start(self, x: np.ndarray) -> None:
        """Start the next solve from a primal point (HiGHS ``setSolution``)."""
        sol = self.hs.HighsSolution()
        sol.col_value = np.asarray(x, dtype=float)
        sol.value_valid = True
        self.h.setSolution(sol)

    def write(
        self, path: str, col_names: list[str] | None = None, row_names: list[str] | None = None
    ) -> None:
        """Write the program as HiGHS writes it (``.mps`` or ``.lp`` by the file's suffix)."""
        if col_names is not None:
            for j, n in enumerate(col_names):
                self.h.passColName(j, n)
        if row_names is not None:
            for i, n in enumerate(row_names):
                self.h.passRowName(i, n)
        self.h.writeModel(str(path))

    # ------------------------------------------------------------------ solving
    def solve(self) -> Solution:
        """Solve (from the last basis when there is one); a proven optimum or an error."""
        h = self.h
        t0 = _time.perf_counter()
        h.HandleKeyboardInterrupt = True  # Ctrl-C stops HiGHS cleanly (status kInterrupt)
        from ..progress import SimplexProgress, active

        listen = active()
        if listen:
            cb = SimplexProgress()
            h.cbSimplexInterrupt.subscribe(cb)
        try:
            h.solve()
        finally:
            if listen:
                h.cbSimplexInterrupt.unsubscribe(cb)
        solve_s = _time.perf_counter() - t0
        status = h.modelStatusToString(h.getModelStatus())
        code = str(h.getModelStatus()).split(".")[-1]
        info = h.getInfo()
        stats = {
            "simplex_iterations": int(info.simplex_iteration_count),
            "ipm_iterations": int(info.ipm_iteration_count),
            "crossover_iterations": int(info.crossover_iteration_count),
            "max_primal_infeasibility": float(info.max_primal_infeasibility),
            "max_dual_infeasibility": float(info.max_dual_infeasibility),
            "primal_solution_status": int(info.primal_solution_status),
            "dual_solution_status": int(info.dual_solution_status),
            "highs_options": self.options.highs_options(),
        }
        if code != "kOptimal":
            raise self._error(code, status, info)
        sol = h.getSolution()
        self.solves += 1
        return Solution(
            x=np.asarray(sol.col_value, dtype=float),
            row_dual=np.asarray(sol.row_dual, dtype=float),
            objective=float(info.objective_function_value),
            status=status,
            solver="HiGHS (highspy, in memory)",
            info=stats,
            timings={**self.timings, "solve_s": solve_s},
        )

    def _error(self, code: str, status: str, info) -> SolveError:
        msg = STATUS_MEANING.get(code, status)
        extra = ""
        diagnosis: list[str] = []
        if code in ("kTimeLimit", "kIterationLimit"):
            extra = (
                f"; objective when stopped {info.objective_function_value:.6g} USD (not proven "
                "optimal; an LP stopped early has no proven bound); raise the limit (solver: "
                "time_limit_s) or shorten the horizon"
            )
        elif code in ("kInfeasible", "kUnboundedOrInfeasible"):
            diagnosis = self._diagnose()
            extra = ": " + "; ".join(diagnosis[:3]) if diagnosis else ""
            from .diagnose import WAY_OUT

            extra += f"; {WAY_OUT}"
        elif code in ("kInterrupt", "kHighsInterrupt"):
            extra = "; nothing was written"
        return SolveError(code, f"HiGHS: {msg} (status {status}){extra}", diagnosis)

    def _diagnose(self) -> list[str]:
        if self.diagnose is None:
            return []
        quick = self.diagnose(None)
        if quick:
            return quick
        try:
            # strategy 2: from the LP's dual ray, column priority (measured: the default "light"
            # strategy returns an empty set on a capped week of the shipped data; 2 finds it)
            self.h.setOptionValue("iis_strategy", 2)
            _status, iis = self.h.getIis()
            rows = list(iis.row_index_)
            if not iis.valid_ or not rows:
                return [
                    "HiGHS's infeasibility analysis found no conflicting rows (the conflict may "
                    "be in variable bounds alone: check capacities and must-run shares)"
                ]
        except Exception:
            return ["HiGHS's infeasibility analysis did not complete"]
        return self.diagnose([self.sf.locate_row(int(r)) for r in rows])

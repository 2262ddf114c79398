"""The common path of every solve: assemble and check, solve, extract, mark breaches, verify.

Used by the monolithic solve (:mod:`aseangrid.pipeline`), the live session
(:mod:`aseangrid.session`) and the decomposed solve (:mod:`aseangrid.decompose`).
"""

from __future__ import annotations

import time as _time
import warnings
from dataclasses import asdict

import numpy as np
import xarray as xr

from .errors import InputError, PolicyBreachError, PolicyBreachWarning, Problem, VerificationError
from .lp import (
    LinearProgram,
    NumberProblem,
    StandardForm,
    assemble,
    check_numbers,
    residuals,
    warn_scaling,
)
from .results import extract, verify_results
from .results.breaches import mark_breaches
from .solve.options import SolverOptions


def prepare(lp: LinearProgram) -> StandardForm:
    """Assemble a program and check its numbers; bad numbers become an :class:`InputError`."""
    t0 = _time.perf_counter()
    sf = assemble(lp)
    try:
        check_numbers(lp, sf)
    except NumberProblem as exc:
        raise InputError(
            [
                Problem("(model)", None, where, value, expected)
                for where, value, expected in exc.problems
            ],
            context="model built from the inputs",
        ) from None
    warn_scaling(sf)
    lp.timings["assemble_s"] = _time.perf_counter() - t0
    return sf


def run_solver(
    lp: LinearProgram,
    sf: StandardForm,
    ds: xr.Dataset,
    so: SolverOptions,
    start: np.ndarray | None = None,
    bases: dict | None = None,
):
    """Solve with the solver the options name; a proven optimum or an error (``start``: a
    primal point of the same program for HiGHS to start from; ``bases``: HiGHS simplex bases
    by program shape, read to start from the last like program's optimal basis and updated
    with this one's: on a week of 2030 that cut dual simplex iterations from about 20,000
    to 2,600-3,600 against a cold start, see ``benchmarks/bench_decompose.py``)."""
    if so.solver.startswith("pyomo:"):
        from .solve.pyomo_solvers import solve_with_pyomo

        return solve_with_pyomo(lp, so)
    if so.solver != "highs":
        raise InputError(
            [
                Problem(
                    "(solver)",
                    None,
                    "solver",
                    so.solver,
                    "highs or pyomo:<name> (e.g. pyomo:appsi_highs)",
                )
            ],
            context="solver options",
        )
    from .solve.diagnose import diagnoser
    from .solve.highs import HighsLP

    h = HighsLP(sf, so, diagnoser(ds, lp, quick=not lp.options.unserved_energy))
    if start is not None and start.shape == (sf.n_cols,):
        h.set_start(start)
    warm = bases is not None and so.method == "simplex"
    shape = (sf.n_cols, sf.n_rows)
    if warm and shape in bases:
        h.set_basis(bases[shape])
    sol = h.solve()
    if warm:
        bases[shape] = h.basis()
    return sol


def check_solution(
    lp: LinearProgram, sf: StandardForm, ds: xr.Dataset, res: xr.Dataset, x: np.ndarray
) -> None:
    """Both layers of verification: every row and column of the solved matrix, and the
    physical checks recomputed from the inputs. Raises :class:`VerificationError`."""
    found = residuals(lp, sf, x)
    errors = [str(r) for r in found]
    try:
        verify_results(ds, res)
    except VerificationError as exc:
        errors.append(str(exc))
    if errors:
        raise VerificationError("the solution fails verification:\n  - " + "\n  - ".join(errors))


def report_breaches(res: xr.Dataset, found: list[str], strict: bool) -> None:
    """Warn about every breach (never silent); in a strict run, fail on them."""
    if not found:
        return
    what = res.attrs.get("scenario_name") or "the scenario"
    text = f"{what}: " + "; ".join(found)
    if strict:
        raise PolicyBreachError(
            f"strict run: {text}. Relax the policy or add capacity, or run without strict to "
            "get the penalised solution (its shortfalls are reported)"
        )
    warnings.warn(text, PolicyBreachWarning, stacklevel=3)


def finish(
    lp: LinearProgram, sf: StandardForm, ds: xr.Dataset, sol, verify: bool, strict: bool = False
) -> xr.Dataset:
    """Extract the results of a solution, mark breaches, verify; fail on breaches if strict."""
    t1 = _time.perf_counter()
    res = extract(lp, sf, sol, ds)
    found = mark_breaches(res)
    res.attrs["time_extract_s"] = round(_time.perf_counter() - t1, 3)
    res.attrs["time_build_s"] = round(
        lp.timings.get("build_s", lp.timings.get("build_total", 0.0)), 3
    )
    res.attrs["formulation_options"] = str(asdict(lp.options))
    if verify:
        t2 = _time.perf_counter()
        check_solution(lp, sf, ds, res, sol.x)
        res.attrs["time_verify_s"] = round(_time.perf_counter() - t2, 3)
        res.attrs["verified"] = 1
    else:
        res.attrs["verified"] = 0
    res.attrs["strict"] = int(strict)
    report_breaches(res, found, strict)
    return res


def solve_lp(
    lp: LinearProgram,
    ds: xr.Dataset,
    solver_options: SolverOptions | None = None,
    verify: bool = True,
    strict: bool = False,
    start: np.ndarray | None = None,
) -> xr.Dataset:
    """Solve a built program and return its verified results (``start``: see
    :func:`run_solver`)."""
    so = solver_options or SolverOptions()
    sf = prepare(lp)
    sol = run_solver(lp, sf, ds, so, start)
    return finish(lp, sf, ds, sol, verify, strict)

"""Any Pyomo solver: the complete labelled Pyomo model of a program, solved through Pyomo.

``solver: "pyomo:<name>"`` (``pyomo:appsi_highs``, ``pyomo:gurobi_direct``, ``pyomo:cbc``, ...)
builds every column and row of the program as Pyomo components
(:func:`aseangrid.lp.pyomo_view.materialise`), solves with ``SolverFactory(<name>)``, and maps
the primal values and the row duals back into the program's order, so that extraction,
verification and reports are the same whichever way the LP was solved. Building the complete
model costs tens of seconds on a full hourly year (the direct path avoids it).
"""

from __future__ import annotations

import time as _time

import numpy as np

from ..errors import EnvironmentFault, SolveError
from ..lp import LinearProgram
from .options import SolverOptions
from .status import Solution

PREFIX = "pyomo:"


def solve_with_pyomo(lp: LinearProgram, options: SolverOptions) -> Solution:
    """Solve ``lp`` with the Pyomo solver named in ``options.solver`` (``pyomo:<name>``)."""
    import pyomo.environ as pyo
    from pyomo.opt import SolverStatus, TerminationCondition

    from ..lp.pyomo_view import materialise

    name = options.solver[len(PREFIX) :]
    t0 = _time.perf_counter()
    m, cols, rows = materialise(lp)
    m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    t_build = _time.perf_counter() - t0
    try:
        opt = pyo.SolverFactory(name)
        available = opt.available(exception_flag=False)
    except Exception as exc:  # unknown plugin names raise in some Pyomo versions
        raise EnvironmentFault(f"Pyomo solver {name!r} is not available: {exc}") from None
    if not available:
        raise EnvironmentFault(
            f"Pyomo solver {name!r} is not available on this machine (install it, or use "
            "solver: highs, the direct path)"
        )
    for k, v in options.extra.items():
        opt.options[k] = v
    if options.time_limit_s is not None and name.startswith("appsi_"):
        opt.config.time_limit = options.time_limit_s
    t1 = _time.perf_counter()
    try:
        result = opt.solve(m, tee=options.log, load_solutions=False)
    except Exception as exc:
        raise SolveError("kSolveError", f"Pyomo solver {name} failed: {exc}") from None
    solve_s = _time.perf_counter() - t1
    term = result.solver.termination_condition
    if term != TerminationCondition.optimal or result.solver.status not in (
        SolverStatus.ok,
        SolverStatus.warning,
    ):
        code = {
            TerminationCondition.infeasible: "kInfeasible",
            TerminationCondition.unbounded: "kUnbounded",
            TerminationCondition.infeasibleOrUnbounded: "kUnboundedOrInfeasible",
            TerminationCondition.maxTimeLimit: "kTimeLimit",
            TerminationCondition.maxIterations: "kIterationLimit",
        }.get(term, "kSolveError")
        raise SolveError(
            code, f"Pyomo solver {name}: termination {term} (status {result.solver.status})"
        )
    m.solutions.load_from(result)
    x = np.array([v.value if v.value is not None else 0.0 for v in cols], dtype=float)
    y = np.array([m.dual.get(c, 0.0) or 0.0 for c in rows], dtype=float)
    return Solution(
        x=x,
        row_dual=y,
        objective=float(pyo.value(m.total_cost)),
        status="Optimal",
        solver=f"Pyomo {name}",
        info={"termination": str(term), "pyomo_build_s": round(t_build, 3)},
        timings={"handover_s": t_build, "solve_s": solve_s},
    )

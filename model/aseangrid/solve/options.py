"""Solver settings a user can give."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SolverOptions:
    """How the LP is solved.

    Parameters
    ----------
    solver
        ``"highs"`` (default): the matrix straight to HiGHS in memory (highspy). ``"pyomo:<name>"``
        (e.g. ``"pyomo:appsi_highs"``, ``"pyomo:gurobi_direct"``, ``"pyomo:cbc"``): the complete
        Pyomo model is built and solved by that Pyomo solver; values and duals are mapped back,
        so results and verification are the same either way.
    method
        HiGHS algorithm: ``"simplex"`` (dual simplex, the default: on the full-year ASEAN LP it
        solved in 97 s where the interior point method had not finished after 15 min, see
        ``benchmarks/``), ``"ipm"`` (HiGHS's IPX interior point, always: with the separate
        ``highspy-extras`` wheel installed HiGHS's own ``"ipm"`` would switch to its newer
        HiPO solver), ``"hipo"`` (that solver, where the wheel is installed), ``"pdlp"`` or
        ``"choose"``.
    crossover
        Run crossover after the interior point method (a basic solution; slower).
    threads
        Number of threads (``None``: the solver decides).
    time_limit_s
        Wall-clock limit in seconds (``None``: none). Reaching it is an error, not a result.
    primal_feasibility_tolerance, dual_feasibility_tolerance, ipm_optimality_tolerance
        HiGHS tolerances.
    presolve
        Run HiGHS presolve.
    log
        Print the solver log.
    extra
        Further HiGHS options by their HiGHS names (e.g. ``{"simplex_strategy": 4}``), or
        options of the Pyomo solver.
    """

    solver: str = "highs"
    method: str = "simplex"
    crossover: bool = False
    threads: int | None = None
    time_limit_s: float | None = None
    primal_feasibility_tolerance: float = 1e-7
    dual_feasibility_tolerance: float = 1e-7
    ipm_optimality_tolerance: float = 1e-8
    presolve: bool = True
    log: bool = False
    extra: dict = field(default_factory=dict)

    def highs_options(self) -> dict:
        """The options as HiGHS option names and values."""
        opts = {
            "solver": {"ipm": "ipx"}.get(self.method, self.method),
            "run_crossover": "on" if self.crossover else "off",
            "primal_feasibility_tolerance": self.primal_feasibility_tolerance,
            "dual_feasibility_tolerance": self.dual_feasibility_tolerance,
            "ipm_optimality_tolerance": self.ipm_optimality_tolerance,
            "presolve": "on" if self.presolve else "off",
            "output_flag": bool(self.log),
        }
        if self.threads is not None:
            opts["threads"] = int(self.threads)
        if self.time_limit_s is not None:
            opts["time_limit"] = float(self.time_limit_s)
        opts.update(self.extra)
        return opts

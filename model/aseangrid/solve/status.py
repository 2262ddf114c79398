"""What a solver outcome means, and the raw solution of a proven optimum."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Plain-language meaning of each non-optimal outcome (HiGHS model status names).
STATUS_MEANING = {
    "kInfeasible": "infeasible: no dispatch satisfies every constraint",
    "kUnbounded": "unbounded: the cost can fall without limit (a negative cost without bound?)",
    "kUnboundedOrInfeasible": "infeasible or unbounded",
    "kTimeLimit": "stopped at the time limit before proving optimality",
    "kIterationLimit": "stopped at the iteration limit before proving optimality",
    "kInterrupt": "interrupted",
    "kHighsInterrupt": "interrupted",
    "kSolveError": "numerical trouble in the solver",
    "kMemoryLimit": "out of memory",
}


@dataclass
class Solution:
    """A proven optimum in the program's column and row order.

    ``x`` primal values, ``row_dual`` the solver's row duals (d objective / d row bound for a
    minimisation), ``solver`` the solver that actually ran, ``info`` its statistics.
    """

    x: np.ndarray
    row_dual: np.ndarray
    objective: float
    status: str
    solver: str
    info: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)

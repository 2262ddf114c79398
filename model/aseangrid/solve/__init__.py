"""Solvers: the direct HiGHS path, any Pyomo solver, statuses and infeasibility diagnosis.

Only :mod:`.highs` imports ``highspy``; :mod:`.pyomo_solvers` solves the complete Pyomo model
with a Pyomo solver."""

from .options import SolverOptions
from .status import STATUS_MEANING, Solution

__all__ = ["STATUS_MEANING", "Solution", "SolverOptions"]

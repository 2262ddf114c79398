"""aseangrid: hourly power-system optimisation of the ASEAN grid (Pyomo + HiGHS).

Typical use::

    import aseangrid as ag
    ds = ag.load_inputs("inputs/asean", year=2030)
    res = ag.solve(ds)
    res["price_usd_per_mwh"].sel(node="SG").mean()
"""

from __future__ import annotations

from .build import Options, build_model
from .errors import (
    AseangridError,
    InputError,
    OutputError,
    Problem,
    SolveError,
    VerificationError,
)
from .io import load_inputs, write_results
from .results import verify_results
from .solve import SolverOptions, solve

__version__ = "0.1.0"

__all__ = [
    "AseangridError",
    "InputError",
    "Options",
    "OutputError",
    "Problem",
    "SolveError",
    "SolverOptions",
    "VerificationError",
    "build_model",
    "load_inputs",
    "solve",
    "verify_results",
    "write_results",
]

"""aseangrid: hourly power-system optimisation of the ASEAN grid (Pyomo + HiGHS).

Typical use::

    import aseangrid as ag
    ds = ag.load_inputs("inputs/asean", year=2030)
    res = ag.solve(ds)
    res["price_usd_per_mwh"].sel(node="SG").mean()

    folder = ag.run("runs/ltms.yaml")          # scenarios, comparison and report
    out = ag.ensemble("runs/ensemble-hydro-carbon.yaml")   # many scenarios on Dask
"""

from __future__ import annotations

from .build import Options, build_model
from .compare import compare, headline
from .ensemble import ensemble
from .errors import (
    AseangridError,
    InputError,
    OutputError,
    Problem,
    SolveError,
    VerificationError,
)
from .io import load_inputs, write_results
from .report import write_report
from .results import verify_results
from .runner import load_results, run
from .scenario import Scenario, apply, load_run, load_scenario
from .solve import Session, SolverOptions, solve

#: ``ag.report(folder, comparisons, results, title)`` writes the HTML/Markdown report.
report = write_report

__version__ = "0.1.0"

__all__ = [
    "AseangridError",
    "InputError",
    "Options",
    "OutputError",
    "Problem",
    "Scenario",
    "Session",
    "SolveError",
    "SolverOptions",
    "VerificationError",
    "apply",
    "build_model",
    "compare",
    "ensemble",
    "headline",
    "load_inputs",
    "load_results",
    "load_run",
    "load_scenario",
    "report",
    "run",
    "solve",
    "verify_results",
    "write_report",
    "write_results",
]

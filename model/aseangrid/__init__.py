"""aseangrid: hourly power-system optimisation of the ASEAN grid (Pyomo + HiGHS).

Typical use::

    import aseangrid as ag
    ds = ag.load_inputs("inputs/asean", year=2030)
    res = ag.solve(ds)
    res["price_usd_per_mwh"].sel(node="SG").mean()

    m = ag.build_model(ds)                      # the labelled Pyomo model, to extend
    res = ag.solve_model(m)

    folder = ag.run("runs/ltms.yaml")          # scenarios, comparison and report
    run = ag.open_run(folder)                  # its scenarios and comparisons as xarray
    out = ag.ensemble("runs/ensemble-hydro-carbon.yaml")   # many scenarios on Dask
"""

from __future__ import annotations

from .compare import compare, headline
from .data import load_inputs
from .ensemble import ensemble
from .errors import (
    AseangridError,
    InputError,
    OutputError,
    Problem,
    SolveError,
    VerificationError,
)
from .formulation import Options
from .lp.pyomo_view import describe
from .pipeline import build_model, export_model, solve, solve_model
from .report import open_run, write_report
from .results import verify_results
from .results.store import write_results
from .runner import load_results, run
from .scenario import Scenario, apply, load_run, load_scenario
from .session import Session
from .solve import SolverOptions

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
    "describe",
    "ensemble",
    "export_model",
    "headline",
    "load_inputs",
    "load_results",
    "load_run",
    "load_scenario",
    "open_run",
    "report",
    "run",
    "solve",
    "solve_model",
    "verify_results",
    "write_report",
    "write_results",
]

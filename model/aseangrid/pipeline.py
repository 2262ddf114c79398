"""Solve one scenario: build -> (user extensions) -> assemble -> check -> solve -> extract ->
verify. Run files, pathways, ensembles and the Python API all come through here.

The labelled Pyomo model (:func:`build_model`) is the model users read and extend; the
formulation's own rows stay arrays on the default path and go to HiGHS directly; what a user
adds in Pyomo is compiled into the same matrix (:mod:`aseangrid.lp.pyomo_view`).
"""

from __future__ import annotations

import importlib
import time as _time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict

import numpy as np
import xarray as xr

from .errors import InputError, PolicyBreachError, PolicyBreachWarning, Problem, VerificationError
from .formulation import Options, build_lp
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

#: A user extension: called with the labelled Pyomo model and the input Dataset; adds
#: constraints, variables or cost terms to the model.
Extension = Callable[..., None]


def resolve_extension(ext: Extension | str) -> Extension:
    """A callable, or ``"package.module:function"`` imported by name."""
    if callable(ext):
        return ext
    mod, _, fn = str(ext).partition(":")
    try:
        f = getattr(importlib.import_module(mod), fn) if fn else None
    except (ImportError, AttributeError) as exc:
        f = None
        why = str(exc)
    else:
        why = "not found"
    if not callable(f):
        raise InputError(
            [
                Problem(
                    "(extensions)",
                    None,
                    "extensions",
                    str(ext),
                    f"'package.module:function' importable here ({why})",
                )
            ],
            context="scenario",
        )
    return f


def extension_name(ext: Extension | str) -> str:
    """How an extension is recorded in the results' provenance."""
    if isinstance(ext, str):
        return ext
    return f"{getattr(ext, '__module__', '?')}:{getattr(ext, '__qualname__', repr(ext))}"


def options_of(s) -> tuple[Options, SolverOptions]:
    """Formulation and solver options of a :class:`~aseangrid.scenario.Scenario`."""
    so = SolverOptions(
        solver=s.solver.solver,
        method=s.solver.method,
        crossover=s.solver.crossover,
        threads=s.solver.threads,
        time_limit_s=s.solver.time_limit_s,
    )
    opts = Options(
        ramping=s.ramping, unserved_energy=s.unserved_energy, policy_slack=s.policy_slack
    )
    return opts, so


# ---------------------------------------------------------------------------------------
# the Pyomo surface


def build_model(ds: xr.Dataset, options: Options | None = None):
    """The labelled Pyomo model of a Dataset, to read, extend and solve.

    ``m.time``, ``m.node``, ``m.generator``, ... are ordered Pyomo sets of labels and
    ``m.generation_mw[t, g]``, ``m.flow_forward_mw[t, l]``, ... the model's variables (created
    when touched). Add constraints, variables and cost terms (a minimising ``Objective`` is
    added to the total cost) in plain Pyomo, then :func:`solve_model`.
    """
    from .lp.pyomo_view import view

    lp = build_lp(ds, options)
    return view(lp, context={"ds": ds, "options": lp.options})


def solve_model(
    m, solver_options: SolverOptions | None = None, verify: bool = True, strict: bool = False
) -> xr.Dataset:
    """Solve a model from :func:`build_model` with everything the user added to it.

    Raises
    ------
    ExtensionError (an InputError)
        An active component that cannot be taken into the LP.
    """
    from .lp.pyomo_view import ExtensionError, compile_user_components, handle

    h = handle(m)
    try:
        compile_user_components(m)
    except ExtensionError as exc:
        raise InputError(
            [Problem("(extension)", None, "pyomo component", "", str(exc))],
            context="model extension",
        ) from None
    return solve_lp(h.lp, h.context["ds"], solver_options, verify, strict)


def solve(
    ds: xr.Dataset,
    options: Options | None = None,
    solver_options: SolverOptions | None = None,
    verify: bool = True,
    extensions: Sequence[Extension | str] = (),
    strict: bool = False,
) -> xr.Dataset:
    """Build, solve, extract and verify the dispatch of one input Dataset.

    Parameters
    ----------
    ds
        Inputs from :func:`aseangrid.load_inputs` (after any scenario transforms).
    options
        Formulation switches (:class:`aseangrid.Options`).
    solver_options
        Solver settings (:class:`aseangrid.SolverOptions`).
    verify
        Check every row and column of the solved LP and recompute balances, limits and caps
        from the values (default on; never turn off for results you publish).
    extensions
        Functions ``f(m, ds)`` (or ``"module:function"`` names) that add Pyomo components to
        the labelled model before it is solved.
    strict
        A missed policy or unserved energy is an error (:class:`PolicyBreachError`, exit
        code 11) instead of a :class:`PolicyBreachWarning` and a penalised solution.

    Returns
    -------
    xarray.Dataset
        Results: primal values, prices (duals), derived emissions, costs and trade, with units;
        attributes record the objective, status, options, timings, versions and input hash.

    Raises
    ------
    InputError, SolveError, VerificationError
    """
    t0 = _time.perf_counter()
    if not extensions:
        lp = build_lp(ds, options)
        lp.timings["build_s"] = _time.perf_counter() - t0
        return solve_lp(lp, ds, solver_options, verify, strict)
    m = build_model(ds, options)
    for ext in extensions:
        f = resolve_extension(ext)
        f(m, ds)
        m._aseangrid.lp.provenance.append(f"extension:{extension_name(ext)}")
    return solve_model(m, solver_options, verify, strict)


# ---------------------------------------------------------------------------------------
# the common path


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


def run_solver(lp: LinearProgram, sf: StandardForm, ds: xr.Dataset, so: SolverOptions):
    """Solve with the solver the options name; a proven optimum or an error."""
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

    return HighsLP(sf, so, diagnoser(ds, lp, quick=not lp.options.unserved_energy)).solve()


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
) -> xr.Dataset:
    """Solve a built program and return its verified results."""
    so = solver_options or SolverOptions()
    sf = prepare(lp)
    sol = run_solver(lp, sf, ds, so)
    return finish(lp, sf, ds, sol, verify, strict)


def solve_scenario(s, ds: xr.Dataset | None = None) -> xr.Dataset:
    """Load (unless ``ds`` is given), solve and verify one scenario with its extensions."""
    from .scenario import load_scenario

    if ds is None:
        ds = load_scenario(s)
    opts, so = options_of(s)
    return solve(ds, opts, so, extensions=list(s.extensions), strict=s.strict)


def export_model(m_or_ds, path, options: Options | None = None) -> None:
    """Write the LP (with what a user added to the model) as an LP or MPS file with readable
    names, for debugging with any solver: ``generation_mw(2030_01_01_05_00_00,TH_C_gas)``.

    Parameters
    ----------
    m_or_ds
        A model from :func:`build_model` (user components included) or an input Dataset.
    path
        ``*.lp`` or ``*.mps``.
    options
        Formulation switches when a Dataset is given.
    """
    from pathlib import Path

    from .lp.pyomo_view import ExtensionError, compile_user_components, handle, materialise

    m = m_or_ds if hasattr(m_or_ds, "component_objects") else build_model(m_or_ds, options)
    try:
        compile_user_components(m)
    except ExtensionError as exc:
        raise InputError(
            [Problem("(extension)", None, "pyomo component", "", str(exc))],
            context="model extension",
        ) from None
    full, _cols, _rows = materialise(handle(m).lp)
    p = Path(path)
    fmt = {".lp": "lp", ".mps": "mps"}.get(p.suffix.lower())
    if fmt is None:
        raise InputError(
            [Problem("(export)", None, "path", str(path), "a file name ending .lp or .mps")],
            context="export",
        )
    full.write(str(p), format=fmt, io_options={"symbolic_solver_labels": True})

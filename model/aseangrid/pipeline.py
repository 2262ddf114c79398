"""Solve one scenario: build -> (user extensions) -> assemble -> check -> solve -> extract ->
verify. Run files, pathways, ensembles and the Python API all come through here.

The labelled Pyomo model (:func:`build_model`) is the model users read and extend; the
formulation's own rows stay arrays on the default path and go to HiGHS directly; what a user
adds in Pyomo is compiled into the same matrix (:mod:`aseangrid.lp.pyomo_view`).
"""

from __future__ import annotations

import importlib
import time as _time
from collections.abc import Callable, Sequence

import xarray as xr

from .engine import solve_lp
from .errors import InputError, Problem
from .formulation import Options, build_lp
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


def _compile(m) -> None:
    """Take the user's Pyomo components into the program; one that cannot be taken in is an
    :class:`InputError` naming it."""
    from .lp.pyomo_view import ExtensionError, compile_user_components

    try:
        compile_user_components(m)
    except ExtensionError as exc:
        raise InputError(
            [Problem("(extension)", None, "pyomo component", "", str(exc))],
            context="model extension",
        ) from None


def solve_model(
    m, solver_options: SolverOptions | None = None, verify: bool = True, strict: bool = False
) -> xr.Dataset:
    """Solve a model from :func:`build_model` with everything the user added to it.

    Raises
    ------
    ExtensionError (an InputError)
        An active component that cannot be taken into the LP.
    """
    from .lp.pyomo_view import handle

    h = handle(m)
    _compile(m)
    return solve_lp(h.lp, h.context["ds"], solver_options, verify, strict)


def solve(
    ds: xr.Dataset,
    options: Options | None = None,
    solver_options: SolverOptions | None = None,
    verify: bool = True,
    extensions: Sequence[Extension | str] = (),
    strict: bool = False,
    method: str = "auto",
    decomposition=None,
    start: str = "auto",
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
    method
        ``"auto"`` (the default: decomposed where the horizon allows it, see
        :mod:`aseangrid.decompose`), ``"decomposed"`` or ``"monolithic"`` (the exact LP).
        Where a decomposition was asked for but cannot be applied, the results say why
        (``decomposition`` attribute) and the exact LP is solved.
    decomposition
        :class:`aseangrid.decompose.Decomposition` settings.
    start
        Where the exact (monolithic) LP starts: ``"auto"`` (the default: from the stitched
        solution of one decomposition pass on horizons of a quarter or more, where the
        decomposition can take the case; measured 3.2x fewer simplex iterations on a quarter),
        ``"cold"`` or ``"decomposed"`` (wherever the decomposition can take the case). The
        optimum is the same; the results record the start (``start`` attribute).

    Returns
    -------
    xarray.Dataset
        Results: primal values, prices (duals), derived emissions, costs and trade, with units;
        attributes record the objective, status, options, timings, versions and input hash.

    Raises
    ------
    InputError, SolveError, VerificationError
    """
    if method != "monolithic":
        from .decompose import Decomposition, solve_decomposed, why_not

        dec = decomposition or Decomposition()
        reason = why_not(ds, options or Options(), extensions, dec)
        if reason is None:
            return solve_decomposed(ds, options, solver_options, dec, verify, strict)
        res = solve(ds, options, solver_options, verify, extensions, strict, "monolithic")
        res.attrs["decomposition"] = f"monolithic (not decomposed: {reason})"
        return res
    if not extensions:
        return _solve_exact(ds, options, solver_options, verify, strict, decomposition, start)
    m = build_model(ds, options)
    for ext in extensions:
        f = resolve_extension(ext)
        f(m, ds)
        m._aseangrid.lp.provenance.append(f"extension:{extension_name(ext)}")
    return solve_model(m, solver_options, verify, strict)


def _solve_exact(ds, options, solver_options, verify, strict, decomposition, start):
    """The monolithic LP of :func:`solve`, from the start its rule gives."""
    from .decompose import start_point

    x0 = start_point(ds, options, solver_options, decomposition, start)
    t0 = _time.perf_counter()
    lp = build_lp(ds, options)
    lp.timings["build_s"] = _time.perf_counter() - t0
    res = solve_lp(lp, ds, solver_options, verify, strict, x0[0] if x0 else None)
    res.attrs["start"] = (
        f"from the stitched solution of a decomposition pass ({x0[1]:.1f} s, not in time_solve_s)"
        if x0
        else "cold"
    )
    return res


def decomposition_of(s, workers: int | None = None):
    """The :class:`~aseangrid.decompose.Decomposition` of a scenario's ``solve`` settings."""
    import os

    from .decompose import Decomposition

    m = s.solve
    return Decomposition(
        block_hours=m.block_hours,
        subhorizon_hours=m.subhorizon_hours,
        tolerance=m.tolerance,
        tolerance_excl_penalties=m.tolerance_excl_penalties,
        workers=m.workers or workers or max(1, min(2, os.cpu_count() or 1)),
    )


def solve_scenario(s, ds: xr.Dataset | None = None, workers: int | None = None) -> xr.Dataset:
    """Load (unless ``ds`` is given), solve and verify one scenario with its extensions, by
    the scenario's solve method (``workers``: processes for sub-horizons, default 2)."""
    from .scenario import load_scenario

    if ds is None:
        ds = load_scenario(s)
    opts, so = options_of(s)
    return solve(
        ds,
        opts,
        so,
        extensions=list(s.extensions),
        strict=s.strict,
        method=s.solve.method,
        decomposition=decomposition_of(s, workers),
        start=s.solve.start,
    )


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

    from .lp.pyomo_view import handle, materialise

    m = m_or_ds if hasattr(m_or_ds, "component_objects") else build_model(m_or_ds, options)
    _compile(m)
    full, _cols, _rows = materialise(handle(m).lp)
    p = Path(path)
    fmt = {".lp": "lp", ".mps": "mps"}.get(p.suffix.lower())
    if fmt is None:
        raise InputError(
            [Problem("(export)", None, "path", str(path), "a file name ending .lp or .mps")],
            context="export",
        )
    full.write(str(p), format=fmt, io_options={"symbolic_solver_labels": True})

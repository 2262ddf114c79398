"""Solving: the only module that knows the solver is HiGHS.

The Pyomo model is compiled to matrices with Pyomo's standard-form compiler and passed to HiGHS
in memory through ``highspy`` (no LP file). Before the hand-over every coefficient, bound and
right-hand side is checked for finiteness and sane magnitude, because HiGHS rejects (or Pyomo's
interfaces silently drop) bad values while still reporting "optimal". After the solve only a
proven optimum counts; every other status raises :class:`~aseangrid.errors.SolveError`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time as _time
from dataclasses import asdict, dataclass, field

import numpy as np
import pyomo.environ as pyo
import xarray as xr
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from .build import Index, Options, build_model
from .errors import EnvironmentFault, InputError, Problem, SolveError

#: Largest absolute coefficient, bound or right-hand side accepted before solving.
MAX_MAGNITUDE = 1e12
#: Largest absolute matrix coefficient accepted before solving.
MAX_COEFFICIENT = 1e7


@dataclass(frozen=True)
class SolverOptions:
    """HiGHS settings exposed to users.

    Parameters
    ----------
    method
        ``"simplex"`` (dual simplex, the default: on the full-year ASEAN LP it solved in
        97 s where the interior point method had not finished after 15 min, see
        ``benchmarks/``), ``"ipm"``, ``"pdlp"`` or ``"choose"``.
    crossover
        Run crossover after the interior point method (gives a basic solution; slower).
    threads
        Number of threads (``None``: HiGHS decides).
    time_limit_s
        Wall-clock limit in seconds (``None``: none). Reaching it is an error, not a result.
    primal_feasibility_tolerance, dual_feasibility_tolerance, ipm_optimality_tolerance
        HiGHS tolerances.
    presolve
        Run HiGHS presolve.
    log
        Print the HiGHS log.
    extra
        Further HiGHS options by their HiGHS names (e.g. ``{"simplex_strategy": 4}``).
    """

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
            "solver": self.method,
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


@dataclass
class Solution:
    """Raw solution in column/row order of the compiled matrices."""

    x: np.ndarray
    row_dual: np.ndarray
    row_of: dict[str, np.ndarray]  # row block name -> matrix row of each element (-1: none)
    objective: float
    status: str
    info: dict
    timings: dict


_STATUS_MEANING = {
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


@contextlib.contextmanager
def _quiet_stdout(active: bool = True):
    """Silence C-level standard output (HiGHS's banner) for the duration of the block."""
    if not active:
        yield
        return
    sys.stdout.flush()
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):  # e.g. captured output without a descriptor
        yield
        return
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def _check_numbers(m: pyo.ConcreteModel, A, c, rhs, lb, ub, row_block, col_block) -> None:
    """Refuse non-finite or absurd numbers before they reach HiGHS, naming where they are."""
    problems: list[Problem] = []

    def name_col(j: int) -> str:
        b = col_block(j)
        return f"{b.name}[{np.unravel_index(j - b.offset, b.shape)}]"

    data = A.data
    bad = ~np.isfinite(data) | (np.abs(data) > MAX_COEFFICIENT)
    if bad.any():
        A = A.tocoo()
        for k in np.flatnonzero(~np.isfinite(A.data) | (np.abs(A.data) > MAX_COEFFICIENT))[:10]:
            problems.append(
                Problem(
                    "(model)",
                    None,
                    f"row {row_block(int(A.row[k]))}, column {name_col(int(A.col[k]))}",
                    f"{A.data[k]:g}",
                    f"a finite coefficient below {MAX_COEFFICIENT:g} (check the inputs behind it)",
                )
            )
    for j in np.flatnonzero(~np.isfinite(c) | (np.abs(c) > MAX_MAGNITUDE))[:10]:
        problems.append(
            Problem(
                "(model)",
                None,
                f"cost of {name_col(int(j))}",
                f"{c[j]:g}",
                f"a finite cost below {MAX_MAGNITUDE:g} USD",
            )
        )
    for i in np.flatnonzero(~np.isfinite(rhs) | (np.abs(rhs) > MAX_MAGNITUDE))[:10]:
        problems.append(
            Problem(
                "(model)",
                None,
                f"right-hand side of {row_block(int(i))}",
                f"{rhs[i]:g}",
                f"a finite value below {MAX_MAGNITUDE:g}",
            )
        )
    for arr, what in ((lb, "lower"), (ub, "upper")):
        bad = np.isnan(arr) | (np.isfinite(arr) & (np.abs(arr) > MAX_MAGNITUDE))
        for j in np.flatnonzero(bad)[:10]:
            problems.append(
                Problem(
                    "(model)",
                    None,
                    f"{what} bound of {name_col(int(j))}",
                    f"{arr[j]:g}",
                    f"a number below {MAX_MAGNITUDE:g}",
                )
            )
    if (lb > ub + 1e-9).any():
        for j in np.flatnonzero(lb > ub + 1e-9)[:10]:
            problems.append(
                Problem(
                    "(model)",
                    None,
                    f"bounds of {name_col(int(j))}",
                    f"{lb[j]:g} > {ub[j]:g}",
                    "lower bound <= upper bound (e.g. must-run above availability)",
                )
            )
    if problems:
        raise InputError(problems, context="model built from the inputs")


def _warn_scaling(A, c) -> None:
    """Warn (not fail) when the numbers span a range that slows or destabilises the solver."""
    import warnings

    def span(a: np.ndarray) -> float:
        # values below 1e-9 are round-off (e.g. a capacity factor of 1e-16 at dusk), not data
        a = np.abs(a[np.isfinite(a)])
        a = a[a > 1e-9]
        return float(a.max() / a.min()) if a.size else 1.0

    # bounds are left out: hourly capacity factors near zero make their span large on any
    # real dataset, and HiGHS handles bound ranges well
    spans = {"matrix coefficients": span(A.data), "costs": span(c)}
    bad = {k: v for k, v in spans.items() if v > 1e10}
    if bad:
        what = ", ".join(f"{k} span {v:.1e}" for k, v in bad.items())
        warnings.warn(
            f"badly scaled model ({what}); it solves, but check the inputs for values in the "
            "wrong unit (e.g. kW for MW) or negligible capacities and costs",
            ScalingWarning,
            stacklevel=3,
        )


class ScalingWarning(UserWarning):
    """The model's numbers span a range that may slow or destabilise the solver."""


def _diagnose(h, ix: Index, row_name: list[str], row_of: dict[str, np.ndarray]) -> list[str]:
    """Run HiGHS's infeasibility analysis and explain the conflict in the model's terms."""
    from .diagnose import adequacy_shortfalls, explain_rows

    quick = adequacy_shortfalls(ix.ds) if not ix.options.unserved_energy else []
    if quick:
        return quick
    try:
        # strategy 2: from the LP's dual ray, column priority (measured: the default "light"
        # strategy returns an empty set on a capped week of the shipped data; 2 finds it)
        h.setOptionValue("iis_strategy", 2)
        _status, iis = h.getIis()
        rows = list(iis.row_index_)
        if not iis.valid_ or not rows:
            return [
                "HiGHS's infeasibility analysis found no conflicting rows (the conflict may "
                "be in variable bounds alone: check capacities and must-run shares)"
            ]
    except Exception:
        return ["HiGHS's infeasibility analysis did not complete"]
    named = []
    for r in rows:
        name = row_name[r]
        el = int(np.flatnonzero(row_of[name] == r)[0])
        named.append((name, tuple(int(i) for i in np.unravel_index(el, ix.rows[name].shape))))
    return explain_rows(ix.ds, named)


@dataclass
class Prepared:
    """A model handed over to a live HiGHS instance, with the maps back to the model's rows."""

    h: object
    ix: Index
    row_of: dict[str, np.ndarray]
    row_name: list[str]
    timings: dict
    so: SolverOptions


def solve_model(m: pyo.ConcreteModel, solver_options: SolverOptions | None = None) -> Solution:
    """Compile the model, check its numbers, solve it with HiGHS and return the raw solution.

    Raises
    ------
    InputError
        A coefficient, bound or right-hand side is not finite or absurdly large.
    SolveError
        HiGHS did not prove optimality (status and meaning in the message).
    """
    return run_prepared(prepare(m, solver_options))


def _compile_pyomo(m: pyo.ConcreteModel):
    """The LP from the Pyomo components through Pyomo's standard-form compiler.

    Returns ``(A (CSC), c, rhs, mult, row_of, row_name)`` with ``mult`` 0 for equalities, +1
    for ``<= rhs`` and -1 for ``>= rhs``. Used when asked (``via_pyomo``) and by the test that
    checks the direct assembly gives the same LP.
    """
    ix: Index = m._ag
    col_order = [getattr(m, b) for b in ix.blocks]
    row_order = [getattr(m, r) for r in ix.rows]
    repn = LinearStandardFormCompiler().write(
        m, mixed_form=True, set_sense=None, column_order=col_order, row_order=row_order
    )
    if len(repn.columns) != ix.n_cols:
        raise SolveError(
            "kModelError", f"compiled {len(repn.columns)} columns, expected {ix.n_cols}"
        )
    c = np.asarray(repn.c.todense()).ravel() if repn.c.shape[0] else np.zeros(ix.n_cols)
    A = repn.A.tocsc()
    rhs = np.asarray(repn.rhs, dtype=float)
    pos: dict[int, tuple[str, int]] = {}
    for name in ix.rows:
        comp = getattr(m, name)
        for i, cd in comp.items():
            pos[id(cd)] = (name, i)
    row_of = {name: np.full(r.size, -1, dtype=np.int64) for name, r in ix.rows.items()}
    mult = np.empty(len(repn.rows), dtype=np.int8)
    row_name = []
    for k, entry in enumerate(repn.rows):
        name, i = pos[id(entry[0])]
        row_of[name][i] = k
        mult[k] = entry[1]
        row_name.append(name)
    return A, c, rhs, mult, row_of, row_name


_SENSE = {"==": 0, "<=": 1, ">=": -1}


def _assemble(ix: Index):
    """The LP straight from the formulation's triplets, in the same row and column order as
    :func:`_compile_pyomo` (duplicates summed, explicit zeros dropped)."""
    from scipy import sparse

    rr, cc, kk, rhs, mult, row_name = [], [], [], [], [], []
    row_of: dict[str, np.ndarray] = {}
    off = 0
    for name, blk in ix.rows.items():
        rows, cols, coefs, b = ix.triplets[name]
        rr.append(rows + off)
        cc.append(cols)
        kk.append(coefs)
        rhs.append(b)
        mult.append(np.full(blk.size, _SENSE[blk.sense], dtype=np.int8))
        row_of[name] = np.arange(off, off + blk.size, dtype=np.int64)
        row_name.extend([name] * blk.size)
        off += blk.size
    A = sparse.csc_matrix(
        (np.concatenate(kk), (np.concatenate(rr), np.concatenate(cc))), shape=(off, ix.n_cols)
    )
    A.sum_duplicates()
    A.eliminate_zeros()
    A.sort_indices()
    c = ix.cost if ix.cost is not None else np.zeros(ix.n_cols)
    return A, c, np.concatenate(rhs), np.concatenate(mult), row_of, row_name


def prepare(
    m: pyo.ConcreteModel, solver_options: SolverOptions | None = None, via_pyomo: bool = False
) -> Prepared:
    """Assemble the LP, check its numbers and pass it to a new HiGHS instance (no solve).

    The matrix is assembled directly from the formulation's triplets (``via_pyomo=False``,
    the default; the Pyomo components need not exist) or compiled from the Pyomo components
    (``via_pyomo=True``; needs a model built with ``pyomo=True``). Both give the same LP.
    """
    try:
        import highspy
    except ImportError as exc:
        raise EnvironmentFault(
            f"the solver package highspy cannot be imported ({exc}); install it with "
            "`pip install highspy` (it is a dependency of aseangrid: `pip install -e .`)"
        ) from None

    so = solver_options or SolverOptions()
    ix: Index = m._ag
    timings: dict[str, float] = {}
    t0 = _time.perf_counter()
    if via_pyomo:
        A, c, rhs, mult, row_of, row_name = _compile_pyomo(m)
    else:
        A, c, rhs, mult, row_of, row_name = _assemble(ix)
    timings["compile_s"] = _time.perf_counter() - t0

    t1 = _time.perf_counter()
    n_cols = ix.n_cols
    # columns are in block order
    lb = np.concatenate([b.lb.ravel() for b in ix.blocks.values()])
    ub = np.concatenate([b.ub.ravel() for b in ix.blocks.values()])

    starts = np.cumsum([0] + [b.size for b in ix.blocks.values()])
    block_list = list(ix.blocks.values())

    def col_block(j: int):
        return block_list[int(np.searchsorted(starts, j, side="right") - 1)]

    def row_block(i: int) -> str:
        name = row_name[i]
        el = int(np.flatnonzero(row_of[name] == i)[0])  # only on errors
        return f"{name}[{np.unravel_index(el, ix.rows[name].shape)}]"

    _check_numbers(m, A, c, rhs, lb, ub, row_block, col_block)
    _warn_scaling(A, c)
    inf = highspy.kHighsInf
    # mixed form: multiplier 0 = equality, +1 = "<= rhs", -1 = ">= rhs"
    row_lower = np.where(mult == 0, rhs, np.where(mult == -1, rhs, -inf))
    row_upper = np.where(mult == 0, rhs, np.where(mult == 1, rhs, inf))

    with _quiet_stdout(not so.log):
        h = highspy.Highs()  # prints a banner on construction
        h.setOptionValue("output_flag", False)
    for k, v in so.highs_options().items():
        st = h.setOptionValue(k, v)
        if st != highspy.HighsStatus.kOk:
            raise SolveError("kOptionError", f"HiGHS refused option {k}={v!r}")
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = A.shape[0]
    lp.col_cost_ = c
    lp.col_lower_ = np.where(np.isfinite(lb), lb, -inf)
    lp.col_upper_ = np.where(np.isfinite(ub), ub, inf)
    lp.row_lower_ = row_lower
    lp.row_upper_ = row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr
    lp.a_matrix_.index_ = A.indices
    lp.a_matrix_.value_ = A.data
    lp.offset_ = 0.0
    st = h.passModel(lp)
    if st != highspy.HighsStatus.kOk:
        # HiGHS rejects rows with bad values but would still solve what is left: never go on
        raise SolveError("kModelError", f"HiGHS did not accept the model (status {st})")
    timings["handover_s"] = _time.perf_counter() - t1
    return Prepared(h=h, ix=ix, row_of=row_of, row_name=row_name, timings=timings, so=so)


def run_prepared(p: Prepared) -> Solution:
    """Solve a model already in HiGHS (warm-started from the last basis when there is one)."""
    h, ix, row_of, row_name, so = p.h, p.ix, p.row_of, p.row_name, p.so
    timings = dict(p.timings)
    t2 = _time.perf_counter()
    h.HandleKeyboardInterrupt = True  # Ctrl-C stops HiGHS cleanly (status kInterrupt)
    h.solve()
    timings["solve_s"] = _time.perf_counter() - t2
    status = h.modelStatusToString(h.getModelStatus())
    code = str(h.getModelStatus()).split(".")[-1]
    info = h.getInfo()
    info_d = {
        "simplex_iterations": int(info.simplex_iteration_count),
        "ipm_iterations": int(info.ipm_iteration_count),
        "crossover_iterations": int(info.crossover_iteration_count),
        "max_primal_infeasibility": float(info.max_primal_infeasibility),
        "max_dual_infeasibility": float(info.max_dual_infeasibility),
        "primal_solution_status": int(info.primal_solution_status),
        "dual_solution_status": int(info.dual_solution_status),
        "mip_gap": float("nan"),
    }
    if code != "kOptimal":
        msg = _STATUS_MEANING.get(code, status)
        extra = ""
        diagnosis: list[str] = []
        if code in ("kTimeLimit", "kIterationLimit"):
            obj = info.objective_function_value
            extra = (
                f"; objective when stopped {obj:.6g} USD (not proven optimal; an LP stopped early "
                "has no proven bound); raise the limit (solver: time_limit_s) or shorten the "
                "horizon"
            )
        elif code in ("kInfeasible", "kUnboundedOrInfeasible"):
            diagnosis = _diagnose(h, ix, row_name, row_of)
            extra = ": " + "; ".join(diagnosis[:3]) if diagnosis else ""
            from .diagnose import WAY_OUT

            extra += f"; {WAY_OUT}"
        elif code in ("kInterrupt", "kHighsInterrupt"):
            extra = "; nothing was written"
        raise SolveError(code, f"HiGHS: {msg} (status {status}){extra}", diagnosis)
    t3 = _time.perf_counter()
    sol = h.getSolution()
    x = np.asarray(sol.col_value, dtype=float)
    y = np.asarray(sol.row_dual, dtype=float)
    timings["retrieve_s"] = _time.perf_counter() - t3
    return Solution(
        x=x,
        row_dual=y,
        row_of=row_of,
        objective=float(h.getInfo().objective_function_value),
        status=status,
        info=info_d | {"highs_options": so.highs_options()},
        timings=timings,
    )


def solve(
    ds: xr.Dataset,
    options: Options | None = None,
    solver_options: SolverOptions | None = None,
    verify: bool = True,
) -> xr.Dataset:
    """Build, solve, extract and verify the dispatch of one input Dataset.

    Parameters
    ----------
    ds
        Inputs from :func:`aseangrid.load_inputs` (after any scenario transforms).
    options
        Formulation switches (:class:`aseangrid.build.Options`).
    solver_options
        HiGHS settings (:class:`SolverOptions`).
    verify
        Recompute balances, limits and caps from the returned values and fail loudly on any
        residual above tolerance (default on; never turn off for results you publish).

    Returns
    -------
    xarray.Dataset
        Results: primal values, prices (duals), derived emissions, costs and trade, with units;
        attributes record the objective, status, options, timings, versions and input hash.

    Raises
    ------
    InputError, SolveError, VerificationError
    """
    from .results import extract, verify_results

    t0 = _time.perf_counter()
    m = build_model(ds, options, pyomo=False)
    t_build = _time.perf_counter() - t0
    sol = solve_model(m, solver_options)
    t1 = _time.perf_counter()
    res = extract(m, sol)
    t_extract = _time.perf_counter() - t1
    res.attrs["time_build_s"] = round(t_build, 3)
    res.attrs["time_extract_s"] = round(t_extract, 3)
    res.attrs["formulation_options"] = str(asdict(m._ag.options))
    if verify:
        t2 = _time.perf_counter()
        verify_results(ds, res)
        res.attrs["time_verify_s"] = round(_time.perf_counter() - t2, 3)
        res.attrs["verified"] = 1
    else:
        res.attrs["verified"] = 0
    return res


class Session:
    """Build once, solve many: sweeps that change only numbers in the live solver.

    The model is built and handed to HiGHS once; each change edits the live HiGHS model (and
    the input Dataset the results and the verification are computed from), and each solve
    starts from the previous optimal basis (a warm start of the dual simplex). The Pyomo model
    keeps the numbers it was built with.

    Examples
    --------
    >>> s = Session(ds)                                       # doctest: +SKIP
    >>> for mt in (800, 700, 600):                            # doctest: +SKIP
    ...     s.set_carbon_cap("ASEAN", mt)
    ...     res = s.solve()

    Carbon prices (:meth:`set_carbon_price`) and link capacities (:meth:`set_link_capacity`)
    are changed the same way. Extendable links keep their build limit separately.
    """

    def __init__(
        self,
        ds: xr.Dataset,
        options: Options | None = None,
        solver_options: SolverOptions | None = None,
    ):
        t0 = _time.perf_counter()
        self.ds = ds.copy(deep=True)
        self.m = build_model(self.ds, options, pyomo=False)
        self.t_build = _time.perf_counter() - t0
        self.prepared = prepare(self.m, solver_options)
        self.solves = 0

    def set_carbon_cap(self, cap: str, mt: float) -> None:
        """Change the annual limit of an existing carbon cap [MtCO2]."""
        import highspy

        caps = self.ds["carbon_cap"].values.tolist()
        if cap not in caps:
            raise InputError(
                [Problem("(session)", None, "carbon_cap", cap, f"one of the model's caps {caps}")],
                context="sweep",
            )
        k = caps.index(cap)
        row = int(self.prepared.row_of["carbon_cap_limit"][k])
        self.prepared.h.changeRowBounds(row, -highspy.kHighsInf, 1e6 * float(mt))
        self.ds["carbon_cap_mt"].values[k] = float(mt)

    def set_carbon_price(self, country: str, usd_per_t: float) -> None:
        """Change the carbon price of a country (``ASEAN``: all ten) [USD/tCO2].

        Edits the objective coefficients of the country's generators in the live model:
        ``w_t * (mc_g + cp * ef_g)`` per MWh.
        """
        countries = self.ds["country"].values.tolist()
        if country != "ASEAN" and country not in countries:
            raise InputError(
                [Problem("(session)", None, "country", country, f"one of {countries} or ASEAN")],
                context="sweep",
            )
        cp = self.ds["carbon_price_usd_per_t"].values
        if country == "ASEAN":
            cp[:] = float(usd_per_t)
        else:
            cp[countries.index(country)] = float(usd_per_t)
        blk = self.m._ag.blocks.get("generation_mw")
        if blk is None:
            return
        gc = self.ds["generator_country"].values
        sel = np.flatnonzero(np.isin(gc, countries if country == "ASEAN" else [country]))
        if sel.size == 0:
            return
        pos = {c: i for i, c in enumerate(countries)}
        gcp = np.array([cp[pos[c]] for c in gc[sel]])
        w = self.ds["time_weight_h"].values[:, None]
        cost = w * (
            self.ds["marginal_cost_usd_per_mwh"].values[sel]
            + gcp * self.ds["emission_factor_t_per_mwh"].values[sel]
        )[None, :]
        cols = blk.cols()[:, sel].ravel()
        self.prepared.h.changeColsCost(cols.size, cols.astype(np.int32), cost.ravel())

    def set_link_capacity(self, link: str, mw: float) -> None:
        """Change a link's capacity in both directions [MW] (a one-way link stays one-way)."""
        links = self.ds["link"].values.tolist()
        if link not in links:
            raise InputError(
                [Problem("(session)", None, "link", link, "a link of the model's year")],
                context="sweep",
            )
        i = links.index(link)
        fwd = self.ds["link_capacity_forward_mw"].values
        bwd = self.ds["link_capacity_backward_mw"].values
        one_way = bwd[i] == 0 and fwd[i] > 0
        fwd[i] = float(mw)
        bwd[i] = 0.0 if one_way else float(mw)
        ix = self.m._ag
        for name, v in (("flow_forward_mw", fwd[i]), ("flow_backward_mw", bwd[i])):
            cols = ix.blocks[name].cols()[:, i].astype(np.int32)
            n = cols.size
            self.prepared.h.changeColsBounds(n, cols, np.zeros(n), np.full(n, v))
            ix.blocks[name].ub[:, i] = v

    def solve(self, verify: bool = True) -> xr.Dataset:
        """Solve from the current numbers; return verified results as :func:`solve` does."""
        from .results import extract, verify_results

        sol = run_prepared(self.prepared)
        res = extract(self.m, sol)
        res.attrs["time_build_s"] = round(self.t_build if self.solves == 0 else 0.0, 3)
        res.attrs["formulation_options"] = str(asdict(self.m._ag.options))
        res.attrs["warm_start"] = int(self.solves > 0)
        self.solves += 1
        if verify:
            verify_results(self.ds, res)
            res.attrs["verified"] = 1
        return res

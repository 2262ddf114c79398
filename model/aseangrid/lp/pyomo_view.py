"""The labelled Pyomo model of a linear program: what users read, extend and solve.

:func:`view` gives every program a Pyomo ``ConcreteModel`` at almost no cost: one ordered
``Set`` per dimension with its labels (``m.time`` holds ``pandas.Timestamp`` values, ``m.node``
the node ids, ...) and one ``Var`` per variable block indexed by those sets
(``m.generation_mw[t, "TH-C_gas_ccgt"]``), created sparse: a variable exists only once it is
touched, so the view of a full hourly year takes hundredths of a second. The formulation's own
rows are not Pyomo objects on this path; they stay arrays and go to the solver directly.

What a user adds in plain Pyomo (``Constraint``, ``Var``, an ``Objective`` as an extra cost term,
bounds or fixed values set on the model's variables) is read back with Pyomo's own
standard-repn machinery by :func:`compile_user_components` (:mod:`aseangrid.lp.compile`,
re-exported here) and becomes rows, columns, bounds and cost terms of the same program: solved
together with the built-in rows, verified like them, and returned with their duals. An active
component that cannot be taken into a linear program (a nonlinear or integer part, an unknown
kind of component) is an error, never dropped.

:func:`materialise` builds the complete Pyomo model of a program (every row a Pyomo constraint)
for solving through any Pyomo solver and for exports with readable names.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from .compile import HANDLE, ExtensionError, Handle, compile_user_components, handle
from .labelled import Columns, LabelledVar
from .model import LinearProgram

__all__ = [
    "HANDLE",
    "ExtensionError",
    "Handle",
    "compile_user_components",
    "describe",
    "handle",
    "materialise",
    "python_label",
    "view",
]


def python_label(x):
    """A label as Pyomo likes it: ``pandas.Timestamp`` for times, ``str``/``int`` otherwise."""
    if isinstance(x, np.datetime64):
        return pd.Timestamp(x)
    if isinstance(x, np.generic):
        return x.item()
    return x


def _dims_used(lp: LinearProgram) -> list[str]:
    seen: dict[str, None] = {}
    for b in lp.blocks.values():
        for d in b.dims:
            seen.setdefault(d)
    return list(seen)


def view(lp: LinearProgram, context: dict | None = None) -> pyo.ConcreteModel:
    """The labelled Pyomo view of a program (sets and sparse variables; no rows).

    Parameters
    ----------
    lp
        The program.
    context
        Anything the caller keeps with the model (e.g. the input Dataset), kept as
        ``m._aseangrid.context``.
    """
    m = pyo.ConcreteModel(name=lp.name)
    positions: dict[str, dict] = {}
    builtin: set[str] = set()
    for d in _dims_used(lp):
        labels = [python_label(x) for x in lp.coords[d]]
        positions[d] = {x: i for i, x in enumerate(labels)}
        setattr(m, d, pyo.Set(initialize=labels, ordered=True, doc=f"Labels of dimension {d}."))
        builtin.add(d)
    columns = Columns()
    for name, b in lp.blocks.items():
        doc = f"{b.description} [{b.units}]"
        if b.dims:
            var = LabelledVar(
                *[getattr(m, d) for d in b.dims],
                positions=[positions[d] for d in b.dims],
                offset=b.offset,
                shape=b.shape,
                lb=b.lb.ravel(),
                ub=b.ub.ravel(),
                columns=columns,
                doc=doc,
            )
        else:
            lo, hi = float(b.lb), float(b.ub)
            var = pyo.Var(
                bounds=(None if np.isinf(lo) else lo, None if np.isinf(hi) else hi), doc=doc
            )
        setattr(m, name, var)
        builtin.add(name)
    h = Handle(lp=lp, positions=positions, builtin=builtin, context=context or {}, columns=columns)
    setattr(m, HANDLE, h)
    return m


def describe(component, units: str = "", dual_units: str = "", description: str = "") -> None:
    """Give a user component units and a description, carried to the results.

    ``units`` are those of the constraint's rows (or of a variable), ``dual_units`` those of its
    dual (e.g. ``"USD/MWh"`` for a limit in MWh).
    """
    m = component.model()
    handle(m).meta[component.local_name] = {
        "units": units,
        "dual_units": dual_units,
        "description": description,
    }


# ---------------------------------------------------------------------------------------
# the complete Pyomo model


def _row_expressions(lp: LinearProgram, name: str, cols: list):
    """A function giving the Pyomo ``(lower, body, upper)`` of element ``i`` of a row block."""
    from pyomo.core.expr.numeric_expr import LinearExpression

    r, t = lp.rows[name], lp.triplets[name]
    order = np.argsort(t.rows, kind="stable")
    cl = t.cols[order].tolist()
    cf = t.coefs[order].tolist()
    ptr = np.searchsorted(t.rows[order], np.arange(r.size + 1)).tolist()
    rhs = t.rhs.tolist()

    def expr_of(i: int):
        a, b = ptr[i], ptr[i + 1]
        e = LinearExpression(
            constant=0.0, linear_coefs=cf[a:b], linear_vars=[cols[c] for c in cl[a:b]]
        )
        if r.sense == "==":
            return (rhs[i], e, rhs[i])
        if r.sense == "<=":
            return (None, e, rhs[i])
        return (rhs[i], e, None)

    return expr_of


def _all_columns(m: pyo.ConcreteModel, lp: LinearProgram) -> list:
    cols: list = []
    for name, b in lp.blocks.items():
        comp = getattr(m, name)
        if not b.dims:
            cols.append(comp)
            continue
        for idx in itertools.product(*[list(getattr(m, d)) for d in b.dims]):
            cols.append(comp[idx if len(idx) > 1 else idx[0]])
    return cols


def materialise(lp: LinearProgram) -> tuple[pyo.ConcreteModel, list, list]:
    """The complete labelled Pyomo model of a program: every column a variable, every row a
    constraint, one objective ``total_cost``.

    Returns
    -------
    (m, columns, rows)
        The model, its ``VarData`` in column order and its ``ConstraintData`` in row order.
    """
    from pyomo.core.expr.numeric_expr import LinearExpression

    m = view(lp)
    cols = _all_columns(m, lp)
    rows_out: list = []
    for name, r in lp.rows.items():
        expr_of = _row_expressions(lp, name, cols)
        for d in r.dims:
            if not hasattr(m, d):
                labels = [python_label(x) for x in lp.coords[d]]
                setattr(m, d, pyo.Set(initialize=labels, ordered=True))
        if not r.dims:
            con = pyo.Constraint(expr=expr_of(0))
            setattr(m, _safe(m, name), con)
            rows_out.append(con)
            continue
        sets = [getattr(m, d) for d in r.dims]
        keys = list(itertools.product(*[list(s) for s in sets]))
        flat = {k: i for i, k in enumerate(keys)}
        con = pyo.Constraint(*sets, rule=lambda _m, *k, flat=flat, f=expr_of: f(flat[tuple(k)]))
        setattr(m, _safe(m, name), con)
        rows_out += [con[k if len(k) > 1 else k[0]] for k in keys]
    c = lp.cost_vector()
    nz = np.flatnonzero(c)
    m.total_cost = pyo.Objective(
        expr=LinearExpression(
            constant=float(sum(lp.constant_cost.values())),
            linear_coefs=c[nz].tolist(),
            linear_vars=[cols[j] for j in nz.tolist()],
        ),
        sense=pyo.minimize,
    )
    return m, cols, rows_out


def _safe(m, name: str) -> str:
    return name if not hasattr(m, name) else f"{name}_rows"

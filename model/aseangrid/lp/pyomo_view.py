"""The labelled Pyomo model of a linear program: what users read, extend and solve.

:func:`view` gives every program a Pyomo ``ConcreteModel`` at almost no cost: one ordered
``Set`` per dimension with its labels (``m.time`` holds ``pandas.Timestamp`` values, ``m.node``
the node ids, ...) and one ``Var`` per variable block indexed by those sets
(``m.generation_mw[t, "TH-C_gas_ccgt"]``), created sparse: a variable exists only once it is
touched, so the view of a full hourly year takes hundredths of a second. The formulation's own
rows are not Pyomo objects on this path; they stay arrays and go to the solver directly.

What a user adds in plain Pyomo (``Constraint``, ``Var``, an ``Objective`` as an extra cost term,
bounds or fixed values set on the model's variables) is read back with Pyomo's own
standard-repn machinery by :func:`compile_user_components` and becomes rows, columns, bounds
and cost terms of the same program: solved together with the built-in rows, verified like them,
and returned with their duals. An active component that cannot be taken into a linear program
(a nonlinear or integer part, an unknown kind of component) is an error, never dropped.

:func:`materialise` builds the complete Pyomo model of a program (every row a Pyomo constraint)
for solving through any Pyomo solver and for exports with readable names.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.repn import generate_standard_repn

from .model import LinearProgram, RowBlock

#: Name of the attribute of the Pyomo model that links it to its program.
HANDLE = "_aseangrid"


class ExtensionError(ValueError):
    """A user component that cannot be taken into the linear program, with the reason."""


@dataclass
class Handle:
    """What the Pyomo view knows about its program (attached as ``m._aseangrid``)."""

    lp: LinearProgram
    #: label -> position per dimension
    positions: dict[str, dict]
    #: component names that belong to the model itself (sets and variable blocks)
    builtin: set[str]
    #: units and descriptions given to user components with :func:`describe`
    meta: dict[str, dict] = field(default_factory=dict)
    #: user components already compiled into ``lp`` (name -> kind)
    compiled: dict[str, str] = field(default_factory=dict)
    #: anything else the layers above keep with the model (the Dataset, options)
    context: dict = field(default_factory=dict)


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
    for name, b in lp.blocks.items():
        lb, ub = b.lb, b.ub
        sets = [getattr(m, d) for d in b.dims]
        pos = [positions[d] for d in b.dims]

        def bounds(_m, *idx, lb=lb, ub=ub, pos=pos):
            k = tuple(p[i] for p, i in zip(pos, idx, strict=True))
            lo, hi = float(lb[k]), float(ub[k])
            return (lo if np.isfinite(lo) else None, hi if np.isfinite(hi) else None)

        doc = f"{b.description} [{b.units}]"
        var = (
            pyo.Var(*sets, dense=False, bounds=bounds, doc=doc)
            if sets
            else pyo.Var(bounds=(bounds(None)), doc=doc)
        )
        setattr(m, name, var)
        builtin.add(name)
    setattr(m, HANDLE, Handle(lp=lp, positions=positions, builtin=builtin, context=context or {}))
    return m


def handle(m: pyo.ConcreteModel) -> Handle:
    """The program behind a Pyomo view (raises if ``m`` is not one)."""
    h = getattr(m, HANDLE, None)
    if not isinstance(h, Handle):
        raise ExtensionError(
            "this Pyomo model was not made by aseangrid (use ag.build_model(ds) to get one)"
        )
    return h


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
# compiling what users add


_ALLOWED_PASSIVE = (pyo.Set, pyo.RangeSet, pyo.Param, pyo.Expression, pyo.Suffix)


def _column_of(h: Handle, vd, user_cols: dict[int, int]) -> int:
    comp = vd.parent_component()
    name = comp.local_name
    if id(vd) in user_cols:
        return user_cols[id(vd)]
    b = h.lp.blocks.get(name)
    if b is None or name not in h.builtin or comp.model() is not vd.model():
        raise ExtensionError(f"variable {vd.name} is not a variable of this model")
    idx = vd.index()
    idx = idx if isinstance(idx, tuple) else (idx,)
    if not b.dims:
        return b.offset
    try:
        k = tuple(h.positions[d][i] for d, i in zip(b.dims, idx, strict=True))
    except KeyError as exc:
        raise ExtensionError(f"{vd.name}: label {exc} is not in the model's sets") from None
    return b.offset + int(np.ravel_multi_index(k, b.shape))


def _linear(expr, what: str):
    repn = generate_standard_repn(expr, compute_values=True, quadratic=False)
    if not repn.is_linear():
        raise ExtensionError(
            f"{what} is not linear (only linear constraints and costs can be added)"
        )
    return repn


def _dims_of(h: Handle, comp, name: str) -> tuple[tuple[str, ...], list, bool]:
    """Dimensions of an indexed user component: its index set's factors where they are the
    model's sets and the component is dense over them, else one dimension of its keys."""
    if not comp.is_indexed():
        return (), [None], True
    iset = comp.index_set()
    factors = list(iset.subsets()) if hasattr(iset, "subsets") else [iset]
    keys = list(comp.keys())
    full = 1
    for s in factors:
        full *= len(s)
    dims = []
    for s in factors:
        sname = s.local_name
        if sname in h.positions and s is getattr(comp.model(), sname, None):
            dims.append(sname)
        else:
            dims = []
            break
    if dims and len(keys) == full and len(set(dims)) == len(dims):
        return tuple(dims), keys, True
    return (f"{name}_index",), keys, False


def _new_user_var(h: Handle, comp, user_cols: dict[int, int]) -> None:
    lp = h.lp
    name = comp.local_name
    if name in lp.blocks or name in lp.rows:
        raise ExtensionError(f"variable {name}: a block of that name exists already")
    datas = list(comp.values())
    for vd in datas:
        if not vd.is_continuous():
            raise ExtensionError(f"variable {vd.name} is not continuous (the model is an LP)")
    dims, keys, dense = _dims_of(h, comp, name)
    if not dense and dims:
        lp.set_coord(dims[0], np.array([str(k) for k in keys], dtype=object))
    lb = np.array([-np.inf if vd.lb is None else float(vd.lb) for vd in datas])
    ub = np.array([np.inf if vd.ub is None else float(vd.ub) for vd in datas])
    for i, vd in enumerate(datas):
        if vd.fixed:
            lb[i] = ub[i] = float(vd.value)
    meta = h.meta.get(name, {})
    shape = tuple(lp.size(d) for d in dims)
    if dense and dims:  # keys may come in another order than the sets
        order = [
            int(
                np.ravel_multi_index(
                    tuple(
                        h.positions[d][i]
                        for d, i in zip(dims, k if isinstance(k, tuple) else (k,), strict=True)
                    ),
                    shape,
                )
            )
            for k in keys
        ]
        lb2, ub2 = np.empty(len(keys)), np.empty(len(keys))
        lb2[order], ub2[order] = lb, ub
        lb, ub = lb2, ub2
    else:
        order = list(range(len(keys)))
    blk = lp.add_var(
        name,
        dims,
        lb.reshape(shape),
        ub.reshape(shape),
        meta.get("units", ""),
        meta.get("description", "") or (comp.doc or "user variable"),
    )
    for vd, k in zip(datas, order, strict=True):
        user_cols[id(vd)] = blk.offset + k
    h.compiled[name] = "Var"


def _user_constraint(h: Handle, comp, user_cols: dict[int, int]) -> None:
    lp = h.lp
    name = comp.local_name
    if name in lp.rows or name in lp.blocks:
        raise ExtensionError(f"constraint {name}: a block of that name exists already")
    dims, keys, dense = _dims_of(h, comp, name)
    datas = [comp[k] for k in keys] if comp.is_indexed() else [comp]
    shape = tuple(lp.size(d) for d in dims) if dense else (len(keys),) if dims else ()
    if not dense and dims:
        lp.set_coord(dims[0], np.array([str(k) for k in keys], dtype=object))
    parts: dict[str, list] = {"==": [], "<=": [], ">=": []}
    for pos_k, (k, cd) in enumerate(zip(keys, datas, strict=True)):
        if not cd.active:
            continue
        if dense and dims:
            kk = k if isinstance(k, tuple) else (k,)
            el = int(
                np.ravel_multi_index(
                    tuple(h.positions[d][i] for d, i in zip(dims, kk, strict=True)), shape
                )
            )
        else:
            el = pos_k
        repn = _linear(cd.body, f"constraint {cd.name}")
        cols = [_column_of(h, v, user_cols) for v in repn.linear_vars]
        coefs = [float(a) for a in repn.linear_coefs]
        const = float(repn.constant)
        lo = None if cd.lower is None else float(pyo.value(cd.lower)) - const
        up = None if cd.upper is None else float(pyo.value(cd.upper)) - const
        if lo is not None and up is not None and abs(lo - up) <= 1e-12 * max(1.0, abs(up)):
            parts["=="].append((el, cols, coefs, up))
        else:
            if up is not None:
                parts["<="].append((el, cols, coefs, up))
            if lo is not None:
                parts[">="].append((el, cols, coefs, lo))
    meta = h.meta.get(name, {})
    used = [s for s, p in parts.items() if p]
    if not used:
        h.compiled[name] = "Constraint (no active rows)"
        return
    for sense in used:
        bname = (
            name
            if len(used) == 1
            else f"{name}_{ {'==': 'eq', '<=': 'upper', '>=': 'lower'}[sense] }"
        )
        rows, cols, coefs = [], [], []
        rhs = np.zeros(int(np.prod(shape)) if shape else 1)
        present = np.zeros(rhs.size, bool)
        for el, cc, kk, b in parts[sense]:
            rows += [el] * len(cc)
            cols += cc
            coefs += kk
            rhs[el] = b
            present[el] = True
        blk = RowBlock(
            bname,
            dims,
            shape,
            sense,
            meta.get("units", ""),
            meta.get("description", "") or (comp.doc or f"user constraint {name}"),
            dual_name=f"dual_{bname}",
            dual_units=meta.get("dual_units", "USD per unit of the row"),
            dual_description=(
                f"Dual of the user constraint {bname}: change of the total cost [USD] per unit "
                "increase of its right-hand side (a binding upper limit has a dual <= 0)."
            ),
            origin="user",
        )
        # absent elements (skipped indices) become empty rows 0 (sense) 0: always satisfied
        lp.add_rows(
            blk,
            np.array(rows, dtype=np.int64),
            np.array(cols, dtype=np.int64),
            np.array(coefs),
            rhs.reshape(shape),
        )
        lp.row_present[bname] = present
    h.compiled[name] = "Constraint"


def _user_objective(h: Handle, comp, user_cols: dict[int, int]) -> None:
    name = comp.local_name
    for od in comp.values() if comp.is_indexed() else [comp]:
        if not od.active:
            continue
        if od.sense != pyo.minimize:
            raise ExtensionError(
                f"objective {od.name} maximises; an added objective is a cost term added to "
                "the total cost that is minimised (write it as a cost, with minimize)"
            )
        repn = _linear(od.expr, f"objective {od.name}")
        cols = np.array([_column_of(h, v, user_cols) for v in repn.linear_vars], dtype=np.int64)
        h.lp.add_cost(f"user_{name}", cols, np.array([float(a) for a in repn.linear_coefs]))
        if float(repn.constant) != 0.0:
            h.lp.constant_cost[f"user_{name}"] = h.lp.constant_cost.get(
                f"user_{name}", 0.0
            ) + float(repn.constant)
    h.compiled[name] = "Objective"


def _bound_edits(h: Handle, m: pyo.ConcreteModel) -> None:
    """Bounds set or values fixed on the model's own variables go into the program."""
    lp = h.lp
    for name, b in lp.blocks.items():
        if name not in h.builtin:
            continue
        comp = getattr(m, name)
        for idx, vd in comp.items():
            kk = idx if isinstance(idx, tuple) else (idx,)
            k = tuple(h.positions[d][i] for d, i in zip(b.dims, kk, strict=True)) if b.dims else ()
            lo = -np.inf if vd.lb is None else float(vd.lb)
            up = np.inf if vd.ub is None else float(vd.ub)
            if vd.fixed:
                lo = up = float(vd.value)
            if lo != b.lb[k] or up != b.ub[k]:
                b.lb[k], b.ub[k] = lo, up
                h.compiled[name] = "Var (bounds edited)"


def compile_user_components(m: pyo.ConcreteModel) -> list[str]:
    """Take every active component a user added to the view into its program.

    Returns the names compiled in this call. Raises :class:`ExtensionError` for anything that
    cannot be taken in (nothing is ever dropped silently). Calling it again compiles only what
    was added since.
    """
    h = handle(m)
    user_cols: dict[int, int] = h.context.setdefault("_user_cols", {})
    new: list[str] = []
    comps = list(m.component_objects(descend_into=True))
    # variables first: constraints and costs refer to them
    for comp in comps:
        name = comp.local_name
        if name in h.builtin or name in h.compiled:
            continue
        if comp.parent_block() is not m:
            raise ExtensionError(
                f"component {comp.name} is inside a sub-block; add components to the model itself"
            )
        if isinstance(comp, pyo.Var):
            _new_user_var(h, comp, user_cols)
            new.append(name)
    for comp in comps:
        name = comp.local_name
        if name in h.builtin or name in h.compiled:
            continue
        if isinstance(comp, pyo.Constraint):
            if comp.active:
                _user_constraint(h, comp, user_cols)
                new.append(name)
        elif isinstance(comp, pyo.Objective):
            if comp.active:
                _user_objective(h, comp, user_cols)
                new.append(name)
        elif isinstance(comp, _ALLOWED_PASSIVE) or (isinstance(comp, pyo.Block) and comp is m):
            continue
        elif isinstance(comp, pyo.Block):
            raise ExtensionError(f"component {comp.name}: sub-blocks are not supported")
        elif getattr(comp, "active", True):
            raise ExtensionError(
                f"component {comp.name} ({type(comp).__name__}) cannot be taken into the linear "
                "program; deactivate it or use Constraint, Var, Objective, Expression, Param, Set"
            )
    _bound_edits(h, m)
    for n in new:
        h.lp.provenance.append(f"pyomo:{n}")
    return new


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

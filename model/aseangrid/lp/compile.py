"""Compiling what users add to a Pyomo view into its linear program.

The view (:mod:`aseangrid.lp.pyomo_view`) attaches a :class:`Handle` to its Pyomo model: the
program, the position of every label per dimension and the names of the model's own
components. :func:`compile_user_components` reads every other active component with Pyomo's
standard-repn machinery and writes it into the program: a ``Var`` becomes a column block, a
``Constraint`` one row block per sense, an ``Objective`` a cost term, and bounds set or values
fixed on the model's own variables become the columns' bounds. Whatever cannot be taken into
a linear program is an :class:`ExtensionError`, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo
from pyomo.repn import generate_standard_repn

from .labelled import Columns
from .model import LinearProgram, RowBlock

#: Name of the attribute of the Pyomo model that links it to its program.
HANDLE = "_aseangrid"

#: Components that may sit on a view without becoming part of the program.
_ALLOWED_PASSIVE = (pyo.Set, pyo.RangeSet, pyo.Param, pyo.Expression, pyo.Suffix)

#: Suffix of a user constraint's row block per sense, when it has rows of several senses.
_SENSE_SUFFIX = {"==": "eq", "<=": "upper", ">=": "lower"}


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
    #: columns of the model's variables created so far (:class:`aseangrid.lp.labelled.Columns`)
    columns: Columns = field(default_factory=Columns)


def handle(m: pyo.ConcreteModel) -> Handle:
    """The program behind a Pyomo view (raises if ``m`` is not one)."""
    h = getattr(m, HANDLE, None)
    if not isinstance(h, Handle):
        raise ExtensionError(
            "this Pyomo model was not made by aseangrid (use ag.build_model(ds) to get one)"
        )
    return h


def compile_user_components(m: pyo.ConcreteModel) -> list[str]:
    """Take every active component a user added to the view into its program.

    Returns the names compiled in this call. Raises :class:`ExtensionError` for anything that
    cannot be taken in (nothing is ever dropped silently). Calling it again compiles only what
    was added since.
    """
    h = handle(m)
    user_cols: dict[int, int] = h.context.setdefault("_user_cols", {})
    comps = list(m.component_objects(descend_into=True))
    # variables first: constraints and costs refer to them
    new = _compile_variables(h, m, comps, user_cols)
    new += _compile_rows_and_costs(h, m, comps, user_cols)
    _bound_edits(h, m)
    for n in new:
        h.lp.provenance.append(f"pyomo:{n}")
    return new


def _is_new(h: Handle, comp) -> bool:
    """Whether ``comp`` is a user component not compiled yet."""
    return comp.local_name not in h.builtin and comp.local_name not in h.compiled


def _compile_variables(
    h: Handle, m: pyo.ConcreteModel, comps: list, user_cols: dict[int, int]
) -> list[str]:
    """Compile the new user variables into column blocks; return their names.

    Raises :class:`ExtensionError` for a new component that is not on the model itself.
    """
    new: list[str] = []
    for comp in comps:
        if not _is_new(h, comp):
            continue
        if comp.parent_block() is not m:
            raise ExtensionError(
                f"component {comp.name} is inside a sub-block; add components to the model itself"
            )
        if isinstance(comp, pyo.Var):
            _new_user_var(h, comp, user_cols)
            new.append(comp.local_name)
    return new


def _compile_rows_and_costs(
    h: Handle, m: pyo.ConcreteModel, comps: list, user_cols: dict[int, int]
) -> list[str]:
    """Compile the new active constraints and objectives; return their names.

    Raises :class:`ExtensionError` for an active component of any other kind than the
    passive ones (sets, parameters, expressions, suffixes).
    """
    new: list[str] = []
    for comp in comps:
        if not _is_new(h, comp):
            continue
        if isinstance(comp, pyo.Constraint):
            if comp.active:
                _user_constraint(h, comp, user_cols)
                new.append(comp.local_name)
        elif isinstance(comp, pyo.Objective):
            if comp.active:
                _user_objective(h, comp, user_cols)
                new.append(comp.local_name)
        elif isinstance(comp, _ALLOWED_PASSIVE) or (isinstance(comp, pyo.Block) and comp is m):
            continue
        elif isinstance(comp, pyo.Block):
            raise ExtensionError(f"component {comp.name}: sub-blocks are not supported")
        elif getattr(comp, "active", True):
            raise ExtensionError(
                f"component {comp.name} ({type(comp).__name__}) cannot be taken into the linear "
                "program; deactivate it or use Constraint, Var, Objective, Expression, Param, Set"
            )
    return new


def _column_of(h: Handle, vd, user_cols: dict[int, int]) -> int:
    """The program column of a Pyomo ``VarData`` (of the model's or a compiled user block)."""
    col = h.columns.by_id.get(id(vd))
    if col is not None and vd.model() is not None:
        return col
    if id(vd) in user_cols:
        return user_cols[id(vd)]
    comp = vd.parent_component()
    name = comp.local_name
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
    """The standard repn of a linear expression (raises if ``expr`` is not linear)."""
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


def _element(h: Handle, dims: tuple[str, ...], key, shape: tuple[int, ...]) -> int:
    """Flat position of the index ``key`` of a component dense over the model's ``dims``."""
    kk = key if isinstance(key, tuple) else (key,)
    return int(
        np.ravel_multi_index(tuple(h.positions[d][i] for d, i in zip(dims, kk, strict=True)), shape)
    )


def _new_user_var(h: Handle, comp, user_cols: dict[int, int]) -> None:
    """Add a user ``Var`` as a column block; record the column of each of its ``VarData``."""
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
        order = [_element(h, dims, k, shape) for k in keys]
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


#: the rows of a user constraint per sense: (element, columns, coefficients, right-hand side)
_Parts = dict[str, list[tuple[int, list[int], list[float], float]]]


def _user_constraint(h: Handle, comp, user_cols: dict[int, int]) -> None:
    """Add a user ``Constraint`` as one row block per sense it uses."""
    lp = h.lp
    name = comp.local_name
    if name in lp.rows or name in lp.blocks:
        raise ExtensionError(f"constraint {name}: a block of that name exists already")
    dims, keys, dense = _dims_of(h, comp, name)
    shape = tuple(lp.size(d) for d in dims) if dense else (len(keys),) if dims else ()
    if not dense and dims:
        lp.set_coord(dims[0], np.array([str(k) for k in keys], dtype=object))
    parts = _constraint_parts(h, comp, keys, dims if dense else (), shape, user_cols)
    used = [s for s, p in parts.items() if p]
    if not used:
        h.compiled[name] = "Constraint (no active rows)"
        return
    for sense in used:
        bname = name if len(used) == 1 else f"{name}_{_SENSE_SUFFIX[sense]}"
        _add_user_rows(h, comp, bname, sense, parts[sense], dims, shape)
    h.compiled[name] = "Constraint"


def _constraint_parts(
    h: Handle,
    comp,
    keys: list,
    dense_dims: tuple[str, ...],
    shape: tuple[int, ...],
    user_cols: dict[int, int],
) -> _Parts:
    """The active rows of a user constraint, sorted by sense.

    An equality (lower and upper equal) is one ``==`` row; otherwise each finite side is a
    ``<=`` or ``>=`` row. The constant of the body moves to the right-hand side.

    Parameters
    ----------
    keys
        Indices of the component, in the order of its data.
    dense_dims
        The model's dimensions the component is dense over (empty: elements are numbered in
        the order of ``keys``).
    shape
        Shape of the row block.
    """
    datas = [comp[k] for k in keys] if comp.is_indexed() else [comp]
    parts: _Parts = {"==": [], "<=": [], ">=": []}
    for pos_k, (k, cd) in enumerate(zip(keys, datas, strict=True)):
        if not cd.active:
            continue
        el = _element(h, dense_dims, k, shape) if dense_dims else pos_k
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
    return parts


def _add_user_rows(
    h: Handle,
    comp,
    bname: str,
    sense: str,
    entries: list[tuple[int, list[int], list[float], float]],
    dims: tuple[str, ...],
    shape: tuple[int, ...],
) -> None:
    """Write the rows of one sense of a user constraint as the row block ``bname``.

    Elements without a row (skipped or inactive indices) become empty rows ``0 (sense) 0``,
    always satisfied, and are marked absent in ``lp.row_present``.
    """
    name = comp.local_name
    meta = h.meta.get(name, {})
    rows, cols, coefs = [], [], []
    rhs = np.zeros(int(np.prod(shape)) if shape else 1)
    present = np.zeros(rhs.size, bool)
    for el, cc, kk, b in entries:
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
    h.lp.add_rows(
        blk,
        np.array(rows, dtype=np.int64),
        np.array(cols, dtype=np.int64),
        np.array(coefs),
        rhs.reshape(shape),
    )
    h.lp.row_present[bname] = present


def _user_objective(h: Handle, comp, user_cols: dict[int, int]) -> None:
    """Add a user ``Objective`` (minimised) as a cost term of the program."""
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
    lb, ub = lp.bounds()
    for vd, col in h.columns.created:
        lo = -np.inf if vd._lb is None else vd._lb
        up = np.inf if vd._ub is None else vd._ub
        if vd.fixed:
            lo = up = float(vd.value)
        elif not (isinstance(lo, float | int) and isinstance(up, float | int)):
            lo = -np.inf if vd.lb is None else float(vd.lb)  # bounds given as expressions
            up = np.inf if vd.ub is None else float(vd.ub)
        if lo != lb[col] or up != ub[col]:
            b = lp.block_of_column(col)
            b.lb.ravel()[col - b.offset], b.ub.ravel()[col - b.offset] = lo, up
            h.compiled[b.name] = "Var (bounds edited)"
    for name, b in lp.blocks.items():  # blocks without dimensions: plain scalar Vars
        if name in h.builtin and not b.dims:
            vd = getattr(m, name)
            lo = -np.inf if vd.lb is None else float(vd.lb)
            up = np.inf if vd.ub is None else float(vd.ub)
            if vd.fixed:
                lo = up = float(vd.value)
            if lo != float(b.lb) or up != float(b.ub):
                b.lb[()], b.ub[()] = lo, up
                h.compiled[name] = "Var (bounds edited)"

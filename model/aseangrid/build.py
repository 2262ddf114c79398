"""Build the Pyomo model from an input Dataset.

Variables are declared in blocks (one Pyomo ``Var`` per quantity, flat-indexed, with the block's
dimensions recorded beside it) and constraints are assembled from numpy triplets
``(row, column, coefficient)`` prepared by the formulation functions. This keeps the Pyomo build
free of per-element lookups into pandas or xarray, and gives every row and column a known
position, so that results and duals are mapped back by slicing rather than by name.

The formulation itself lives in :mod:`aseangrid.formulation`; its ordered registry decides what
is added and in which order.
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo
import xarray as xr
from pyomo.core.expr.numeric_expr import LinearExpression


@dataclass(frozen=True)
class Options:
    """Switches of the formulation (new options go here, never into signatures).

    Parameters
    ----------
    ramping
        Add hourly ramping limits for technologies whose ``ramp_per_hour`` < 1.
    unserved_energy
        Allow unserved energy at the value of lost load (otherwise shortfalls are infeasible).
    policy_slack
        Allow policy shortfalls at ``policy_penalty_usd`` (otherwise policies are hard).
    cyclic
        Storage and reservoir levels end the horizon where they started.
    """

    ramping: bool = False
    unserved_energy: bool = True
    policy_slack: bool = True
    cyclic: bool = True


@dataclass
class VarBlock:
    """A block of variables: one Pyomo ``Var`` with its dimensions and column offset."""

    name: str
    dims: tuple[str, ...]
    shape: tuple[int, ...]
    offset: int
    lb: np.ndarray
    ub: np.ndarray
    units: str
    description: str

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def cols(self) -> np.ndarray:
        """Global column index of every element, shaped like the block."""
        return np.arange(self.offset, self.offset + self.size).reshape(self.shape)


@dataclass
class RowBlock:
    """A block of constraints: one Pyomo ``Constraint`` with its dimensions and dual units."""

    name: str
    dims: tuple[str, ...]
    shape: tuple[int, ...]
    sense: str  # "==", "<=" or ">="
    units: str
    description: str
    dual_name: str | None = None
    dual_units: str = ""
    dual_description: str = ""
    #: multiplier applied to the solver's row dual so that the reported value has the meaning
    #: stated in ``dual_description`` (e.g. -1 to report a binding cap's price as positive)
    dual_sign: float = 1.0

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))


@dataclass
class Index:
    """Book-keeping attached to the Pyomo model as ``m._ag``."""

    ds: xr.Dataset
    options: Options
    blocks: dict[str, VarBlock] = field(default_factory=dict)
    rows: dict[str, RowBlock] = field(default_factory=dict)
    pyvars: list = field(default_factory=list)
    n_cols: int = 0
    #: nodal balance terms: (node index array, column array, coefficient array), same shapes
    balance_terms: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    #: objective terms: name -> (column array, cost array) [USD]
    cost_terms: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    #: labels of dimensions that are not in ``ds`` (e.g. ``reservoir``, ``generator_ramped``)
    coords: dict[str, np.ndarray] = field(default_factory=dict)
    #: also create the Pyomo components (``False``: only the arrays the solver needs)
    pyomo: bool = True
    #: every row block as triplets: name -> (row, column, coefficient, rhs per row)
    triplets: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = field(
        default_factory=dict
    )
    #: objective coefficient per column [USD], set by ``add_objective``
    cost: np.ndarray | None = None

    def size(self, dim: str) -> int:
        """Length of a dimension of the input Dataset or of an extra dimension."""
        if dim in self.coords:
            return len(self.coords[dim])
        return int(self.ds.sizes[dim])


def _bound_list(a: np.ndarray) -> list:
    return [None if not np.isfinite(x) else float(x) for x in a.ravel()]


def add_var(
    m: pyo.ConcreteModel,
    name: str,
    dims: tuple[str, ...],
    lb: np.ndarray | float,
    ub: np.ndarray | float,
    units: str,
    description: str,
) -> VarBlock:
    """Add a block of variables with element-wise bounds.

    Parameters
    ----------
    m
        The model.
    name
        Component name (also the results variable name).
    dims
        Dataset dimensions of the block, e.g. ``("time", "generator")``.
    lb, ub
        Bounds broadcast to the block's shape; ``-inf``/``inf`` for none.
    units, description
        Metadata carried to the results.
    """
    ix: Index = m._ag
    shape = tuple(ix.size(d) for d in dims)
    lb = np.broadcast_to(np.asarray(lb, dtype=float), shape)
    ub = np.broadcast_to(np.asarray(ub, dtype=float), shape)
    n = int(np.prod(shape))
    if ix.pyomo:
        lbl, ubl = _bound_list(lb), _bound_list(ub)
        var = pyo.Var(range(n), bounds=lambda _m, i: (lbl[i], ubl[i]))
        setattr(m, name, var)
        ix.pyvars.extend(var.values())
    block = VarBlock(name, dims, shape, ix.n_cols, lb.copy(), ub.copy(), units, description)
    ix.blocks[name] = block
    ix.n_cols += n
    return block


def add_rows(
    m: pyo.ConcreteModel,
    block: RowBlock,
    rows: np.ndarray,
    cols: np.ndarray,
    coefs: np.ndarray,
    rhs: np.ndarray,
) -> None:
    """Add a block of linear constraints from triplets.

    Row ``i`` reads ``sum_k coefs[k] * x[cols[k]] (sense) rhs[i]`` over the ``k`` with
    ``rows[k] == i``.

    Parameters
    ----------
    m
        The model.
    block
        Name, dimensions, sense and metadata of the rows.
    rows, cols, coefs
        Triplets (row in the block, global column, coefficient).
    rhs
        Right-hand side per row, shaped like the block.
    """
    ix: Index = m._ag
    n = block.size
    rows = np.asarray(rows).ravel()
    cols = np.asarray(cols).ravel()
    coefs = np.broadcast_to(np.asarray(coefs, dtype=float), rows.shape).ravel()
    ix.triplets[block.name] = (
        rows,
        cols,
        coefs,
        np.broadcast_to(np.asarray(rhs, dtype=float), block.shape).ravel().copy(),
    )
    ix.rows[block.name] = block
    if not ix.pyomo:
        return
    order = np.argsort(rows, kind="stable")
    cl = cols[order].tolist()
    cf = coefs[order].tolist()
    ptr = np.searchsorted(rows[order], np.arange(n + 1)).tolist()
    r = np.broadcast_to(np.asarray(rhs, dtype=float), block.shape).ravel().tolist()
    pv = ix.pyvars

    if block.sense == "==":

        def rule(_m, i):
            a, b = ptr[i], ptr[i + 1]
            e = LinearExpression(
                constant=0.0, linear_coefs=cf[a:b], linear_vars=[pv[c] for c in cl[a:b]]
            )
            return (r[i], e, r[i])
    elif block.sense == "<=":

        def rule(_m, i):
            a, b = ptr[i], ptr[i + 1]
            e = LinearExpression(
                constant=0.0, linear_coefs=cf[a:b], linear_vars=[pv[c] for c in cl[a:b]]
            )
            return (None, e, r[i])
    else:

        def rule(_m, i):
            a, b = ptr[i], ptr[i + 1]
            e = LinearExpression(
                constant=0.0, linear_coefs=cf[a:b], linear_vars=[pv[c] for c in cl[a:b]]
            )
            return (r[i], e, None)

    setattr(m, block.name, pyo.Constraint(range(n), rule=rule))


def add_balance_term(m: pyo.ConcreteModel, node_idx: np.ndarray, cols: np.ndarray, coef) -> None:
    """Register an injection (+) or withdrawal (-) into the nodal balance.

    ``node_idx`` and ``cols`` have the shape ``(time, k)``; ``coef`` broadcasts to it.
    """
    node_idx = np.asarray(node_idx)
    cols = np.asarray(cols)
    coef = np.broadcast_to(np.asarray(coef, dtype=float), cols.shape)
    m._ag.balance_terms.append((node_idx, cols, coef))


def add_cost(m: pyo.ConcreteModel, name: str, cols: np.ndarray, cost: np.ndarray) -> None:
    """Register an objective term ``sum cost * x[cols]`` [USD] under a cost component name."""
    cols = np.asarray(cols)
    cost = np.broadcast_to(np.asarray(cost, dtype=float), cols.shape).ravel()
    cols = cols.ravel()
    if name in m._ag.cost_terms:
        c0, k0 = m._ag.cost_terms[name]
        cols, cost = np.concatenate([c0, cols]), np.concatenate([k0, cost])
    m._ag.cost_terms[name] = (cols, cost)


def build_model(
    ds: xr.Dataset, options: Options | None = None, pyomo: bool = True
) -> pyo.ConcreteModel:
    """Build the LP for one input Dataset.

    Parameters
    ----------
    ds
        Input Dataset from :func:`aseangrid.load_inputs` (after any scenario changes).
    options
        Formulation switches.
    pyomo
        Create the Pyomo variables, constraints and objective (the model of record, to inspect
        or export). ``False`` keeps only the numpy arrays the formulation functions produce,
        which is all :func:`aseangrid.solve.prepare` hands to HiGHS: the same LP (tested
        element by element) without the cost of millions of Pyomo objects. :func:`solve`
        and :class:`Session` build this way.

    Returns
    -------
    pyomo.environ.ConcreteModel
        The model ``m``; ``m._ag`` holds the block index used by :mod:`aseangrid.solve` and
        :mod:`aseangrid.results`.
    """
    from .formulation import REGISTRY

    t0 = _time.perf_counter()
    m = pyo.ConcreteModel(name=ds.attrs.get("title", "aseangrid"))
    m._ag = Index(ds=ds, options=options or Options(), pyomo=pyomo)
    for fn in REGISTRY:
        t1 = _time.perf_counter()
        fn(m, ds)
        m._ag.timings[fn.__name__] = _time.perf_counter() - t1
    m._ag.timings["build_total"] = _time.perf_counter() - t0
    return m

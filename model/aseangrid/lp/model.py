"""Blocks of variables and rows with their labels: the linear program as numbers.

A :class:`LinearProgram` holds

* *variable blocks* (:class:`VarBlock`): one family of columns over named dimensions, e.g.
  ``generation_mw[time, generator]``, with element-wise bounds, units and a description;
* *row blocks* (:class:`RowBlock`): one family of constraints over named dimensions, given as
  triplets ``(row in the block, global column, coefficient)`` and a right-hand side, with the
  meaning and sign convention of its dual;
* cost terms ``sum_k cost_k * x[cols_k]`` by component name;
* the labels of every dimension (``coords``).

Columns and rows are numbered in block order, so a block's values are a slice of the solution.
Nothing here knows what a generator is: the formulation decides what the blocks mean.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

SENSES = ("==", "<=", ">=")


@dataclass
class VarBlock:
    """A family of columns: name, dimensions, shape, first column, bounds and metadata."""

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
        """Number of columns."""
        return int(np.prod(self.shape))

    def cols(self) -> np.ndarray:
        """Global column index of every element, shaped like the block."""
        return np.arange(self.offset, self.offset + self.size).reshape(self.shape)


@dataclass
class RowBlock:
    """A family of rows: name, dimensions, sense, units and the meaning of its dual.

    ``dual_sign`` multiplies the solver's row dual so that the reported value has the meaning
    stated in ``dual_description`` (e.g. -1 to report a binding cap's price as positive).
    ``origin`` is ``"model"`` for the formulation's rows and ``"user"`` for rows compiled from
    a user's Pyomo constraints.
    """

    name: str
    dims: tuple[str, ...]
    shape: tuple[int, ...]
    sense: str
    units: str
    description: str
    dual_name: str | None = None
    dual_units: str = ""
    dual_description: str = ""
    dual_sign: float = 1.0
    origin: str = "model"

    def __post_init__(self) -> None:
        if self.sense not in SENSES:
            raise ValueError(f"row block {self.name}: sense {self.sense!r} not in {SENSES}")

    @property
    def size(self) -> int:
        """Number of rows."""
        return int(np.prod(self.shape))


@dataclass
class Triplets:
    """Rows of one block as coordinates: ``sum_k coefs[k] * x[cols[k]]`` over ``rows[k] == i``,
    compared with ``rhs[i]``."""

    rows: np.ndarray
    cols: np.ndarray
    coefs: np.ndarray
    rhs: np.ndarray


@dataclass
class LinearProgram:
    """A linear program ``min c x  s.t.  rows (sense) rhs,  lb <= x <= ub`` built from blocks.

    Parameters
    ----------
    coords
        Labels of the dimensions the blocks may use (``time``, ``node``, ...); blocks over a
        subset of a dimension register their own (e.g. ``generator_extendable``).
    options
        The formulation's switches (read by the functions that build the blocks).
    name
        A readable name (used in exports).
    """

    coords: dict[str, np.ndarray] = field(default_factory=dict)
    options: Any = None
    name: str = "aseangrid"
    blocks: dict[str, VarBlock] = field(default_factory=dict)
    rows: dict[str, RowBlock] = field(default_factory=dict)
    triplets: dict[str, Triplets] = field(default_factory=dict)
    #: objective terms: component name -> (columns, cost per column) [USD]
    cost_terms: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    #: contributions collected for a row block that one function adds later (e.g. a balance)
    pending: dict[str, list] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    n_cols: int = 0
    #: where user components came from (``extension`` names, Pyomo component names)
    provenance: list[str] = field(default_factory=list)
    #: constant terms of the objective by component [USD] (from user cost terms)
    constant_cost: dict[str, float] = field(default_factory=dict)
    #: rows of a block that stand for a constraint element (False: an index the user skipped)
    row_present: dict[str, np.ndarray] = field(default_factory=dict)

    # ------------------------------------------------------------------ dimensions
    def size(self, dim: str) -> int:
        """Length of a dimension."""
        return len(self.coords[dim])

    def set_coord(self, dim: str, labels) -> None:
        """Register (or confirm) the labels of a dimension."""
        labels = np.asarray(labels)
        old = self.coords.get(dim)
        if old is not None and (len(old) != len(labels) or not np.array_equal(old, labels)):
            raise ValueError(f"dimension {dim!r} is already registered with other labels")
        self.coords[dim] = labels

    # ------------------------------------------------------------------ variables
    def add_var(
        self,
        name: str,
        dims: tuple[str, ...],
        lb: np.ndarray | float,
        ub: np.ndarray | float,
        units: str,
        description: str,
    ) -> VarBlock:
        """Add a block of columns with element-wise bounds (``-inf``/``inf``: none).

        Bounds broadcast to the block's shape ``tuple(len(coords[d]) for d in dims)``.
        """
        if name in self.blocks or name in self.rows:
            raise ValueError(f"a block named {name!r} exists already")
        shape = tuple(self.size(d) for d in dims)
        lb = np.broadcast_to(np.asarray(lb, dtype=float), shape).copy()
        ub = np.broadcast_to(np.asarray(ub, dtype=float), shape).copy()
        block = VarBlock(name, tuple(dims), shape, self.n_cols, lb, ub, units, description)
        self.blocks[name] = block
        self.n_cols += block.size
        return block

    # ------------------------------------------------------------------ rows
    def add_rows(
        self,
        block: RowBlock,
        rows: np.ndarray,
        cols: np.ndarray,
        coefs: np.ndarray | float,
        rhs: np.ndarray | float,
    ) -> None:
        """Add a block of linear rows from triplets.

        Row ``i`` reads ``sum_k coefs[k] * x[cols[k]] (sense) rhs[i]`` over the ``k`` with
        ``rows[k] == i`` (duplicates are summed when the matrix is assembled).
        """
        if block.name in self.rows or block.name in self.blocks:
            raise ValueError(f"a block named {block.name!r} exists already")
        rows = np.asarray(rows, dtype=np.int64).ravel()
        cols = np.asarray(cols, dtype=np.int64).ravel()
        coefs = np.broadcast_to(np.asarray(coefs, dtype=float), rows.shape).ravel().copy()
        rhs = np.broadcast_to(np.asarray(rhs, dtype=float), block.shape).ravel().copy()
        if rows.size and (rows.min() < 0 or rows.max() >= block.size):
            raise ValueError(f"row block {block.name}: row index outside 0..{block.size - 1}")
        if cols.size and (cols.min() < 0 or cols.max() >= self.n_cols):
            raise ValueError(f"row block {block.name}: column index outside the program")
        self.rows[block.name] = block
        self.triplets[block.name] = Triplets(rows, cols, coefs, rhs)

    def add_entries(
        self, block: str, rows: np.ndarray, cols: np.ndarray, coefs: np.ndarray | float
    ) -> None:
        """Add coefficients to existing rows of a block (e.g. a column that enters them)."""
        t = self.triplets[block]
        rows = np.asarray(rows, dtype=np.int64).ravel()
        cols = np.asarray(cols, dtype=np.int64).ravel()
        coefs = np.broadcast_to(np.asarray(coefs, dtype=float), rows.shape).ravel()
        self.triplets[block] = Triplets(
            np.concatenate([t.rows, rows]),
            np.concatenate([t.cols, cols]),
            np.concatenate([t.coefs, coefs]),
            t.rhs,
        )

    # ------------------------------------------------------------------ costs
    def add_cost(self, component: str, cols: np.ndarray, cost: np.ndarray | float) -> None:
        """Add ``sum cost * x[cols]`` [USD] to the objective under a cost component name."""
        cols = np.asarray(cols, dtype=np.int64)
        cost = np.broadcast_to(np.asarray(cost, dtype=float), cols.shape).ravel()
        cols = cols.ravel()
        if component in self.cost_terms:
            c0, k0 = self.cost_terms[component]
            cols, cost = np.concatenate([c0, cols]), np.concatenate([k0, cost])
        self.cost_terms[component] = (cols, cost.copy())

    def cost_vector(self) -> np.ndarray:
        """Objective coefficient per column [USD] (terms of one column summed)."""
        if not self.cost_terms:
            return np.zeros(self.n_cols)
        cols = np.concatenate([c for c, _ in self.cost_terms.values()])
        cost = np.concatenate([k for _, k in self.cost_terms.values()])
        return np.bincount(cols, weights=cost, minlength=self.n_cols)

    def component_costs(self, x: np.ndarray) -> dict[str, float]:
        """Value of every cost component at a solution ``x`` [USD]."""
        return {k: float(np.dot(cost, x[cols])) for k, (cols, cost) in self.cost_terms.items()}

    # ------------------------------------------------------------------ bounds and labels
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bound of every column, in column order."""
        if not self.blocks:
            return np.zeros(0), np.zeros(0)
        lb = np.concatenate([b.lb.ravel() for b in self.blocks.values()])
        ub = np.concatenate([b.ub.ravel() for b in self.blocks.values()])
        return lb, ub

    def block_of_column(self, j: int) -> VarBlock:
        """The variable block a column belongs to."""
        for b in self.blocks.values():
            if b.offset <= j < b.offset + b.size:
                return b
        raise IndexError(j)

    def element_labels(self, dims: tuple[str, ...], shape: tuple[int, ...], flat: int) -> list:
        """Labels of the element at flat position ``flat`` of a block over ``dims``."""
        idx = np.unravel_index(int(flat), shape) if shape else ()
        return [self.coords[d][i] for d, i in zip(dims, idx, strict=True)]

    def column_name(self, j: int) -> str:
        """Readable name of a column, e.g. ``generation_mw[2030-01-01T05:00, TH-C_gas_ccgt]``."""
        b = self.block_of_column(j)
        labels = self.element_labels(b.dims, b.shape, j - b.offset)
        return f"{b.name}[{', '.join(map(label_text, labels))}]"

    def row_name(self, block: str, i: int) -> str:
        """Readable name of row ``i`` of a row block."""
        r = self.rows[block]
        return f"{block}[{', '.join(map(label_text, self.element_labels(r.dims, r.shape, i)))}]"


def label_text(x) -> str:
    """A label as text: timestamps to the minute, everything else as ``str``."""
    if isinstance(x, np.datetime64):
        return str(np.datetime_as_string(x, unit="m"))
    if hasattr(x, "isoformat"):
        return x.isoformat(timespec="minutes") if hasattr(x, "hour") else x.isoformat()
    return str(x)

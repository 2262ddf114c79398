"""A sparse Pyomo ``Var`` over labelled sets that knows its columns.

Pyomo creates a ``VarData`` the first time an index is touched; for the view of a program
that is the only cost of the view, so :class:`LabelledVar` makes it as cheap as Pyomo allows:
the index is checked against the labels' positions (a dictionary look-up per dimension, not
a product-set search), the bounds are set from the program's arrays, and the program column
of every created ``VarData`` is recorded, so that compiling a user's expression maps each
variable to its column without searching.
"""

from __future__ import annotations

import math

import pyomo.environ as pyo
from pyomo.core.base.var import IndexedVar, VarData


class Columns:
    """Columns of the ``VarData`` created so far: ``by_id[id(vd)] -> column`` and, in order of
    creation, ``created`` as ``(vd, column)``."""

    def __init__(self) -> None:
        self.by_id: dict[int, int] = {}
        self.created: list[tuple[VarData, int]] = []


class LabelledVar(IndexedVar):
    """An ``IndexedVar`` over the view's sets whose ``VarData`` are the program's columns.

    Parameters
    ----------
    sets
        The Pyomo sets of the block's dimensions, in order.
    positions
        ``label -> position`` per dimension.
    offset, shape
        First column of the block and its shape.
    lb, ub
        Flat arrays of the block's bounds (``+-inf`` for none; read when an index is touched).
    columns
        The view's shared :class:`Columns` record.
    """

    def __init__(self, *sets, positions, offset, shape, lb, ub, columns: Columns, **kw):
        self._ag_pos = positions
        self._ag_offset = offset
        strides, s = [], 1
        for n in reversed(shape):
            strides.append(s)
            s *= n
        self._ag_strides = tuple(reversed(strides))
        self._ag_lb, self._ag_ub = lb, ub
        self._ag_columns = columns
        super().__init__(*sets, dense=False, **kw)

    def _ag_flat(self, index) -> int:
        pos = self._ag_pos
        if len(pos) == 2:  # (time, unit): nearly every block
            return pos[0][index[0]] * self._ag_strides[0] + pos[1][index[1]]
        if len(pos) == 1:
            return pos[0][index]
        return sum(p[i] * s for p, i, s in zip(pos, index, self._ag_strides, strict=True))

    def _validate_index(self, idx):
        try:
            self._ag_last = (idx, self._ag_flat(idx))
        except (KeyError, TypeError, ValueError, IndexError):
            return super()._validate_index(idx)  # Pyomo's own message for a bad index
        return idx

    def _getitem_when_not_present(self, index):
        last = getattr(self, "_ag_last", None)
        k = last[1] if last is not None and last[0] is index else self._ag_flat(index)
        vd = VarData(component=self)
        vd._index = index
        vd._domain = pyo.Reals
        lo, hi = float(self._ag_lb[k]), float(self._ag_ub[k])
        vd._lb = None if math.isinf(lo) else lo
        vd._ub = None if math.isinf(hi) else hi
        self._data[index] = vd
        col = self._ag_offset + k
        self._ag_columns.by_id[id(vd)] = col
        self._ag_columns.created.append((vd, col))
        return vd

"""Tables formatted for people: rounding per unit, years as years, no negative zeros.

A :class:`Table` holds a DataFrame whose numbers are already rounded to what is printed, so
that the HTML, the Markdown, the Excel workbook and the sentences of the summary show the same
values. The number of decimals follows the unit in the column label (``"CO2 [Mt]"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: decimals per unit (the text inside the brackets of a column label); default 2
DECIMALS: dict[str, int] = {
    "bn USD": 2,
    "bn USD/yr": 2,
    "M USD": 1,
    "k USD": 1,
    "USD/MWh": 1,
    "USD/t": 1,
    "Mt": 2,
    "kt": 1,
    "TWh": 2,
    "GW": 2,
    "MW": 0,
    "MWh": 0,
    "h": 0,
    "%": 1,
    "% of hours": 1,
    "% of objective": 3,
    "% of cost without penalties": 3,
    "s": 1,
    "share": 3,
    "TWh or Mt": 4,
}
_UNIT = re.compile(r"\[([^\]]+)\]\s*$")
#: column or index names whose values are years (printed without separators or decimals)
YEAR_NAMES = ("year", "commission year")


def unit_of(label: object) -> str:
    """The unit in a column label's trailing brackets (``"CO2 [Mt]"`` -> ``"Mt"``), or ``""``."""
    m = _UNIT.search(str(label))
    return m.group(1).strip() if m else ""


def column(df: pd.DataFrame, prefix: str) -> str:
    """The first column of ``df`` whose label starts with ``prefix``."""
    for c in df.columns:
        if str(c).startswith(prefix):
            return str(c)
    raise KeyError(f"no column {prefix}... in {list(df.columns)}")


def decimals_of(label: object) -> int:
    """Decimals printed for a column, from its unit (:data:`DECIMALS`; 2 when unknown)."""
    if str(label).lower() in YEAR_NAMES:
        return 0
    u = unit_of(label)
    if not u and "share" in str(label).lower():
        return DECIMALS["share"]
    if u in DECIMALS:
        return DECIMALS[u]
    if u.startswith("Δ "):
        return DECIMALS.get(u[2:], 2)
    return 2


def show(value: object, label: object = "", absolute: bool = False) -> str:
    """A value as the report prints it in column ``label`` (thousands separators, the
    column's decimals, ``0`` never ``-0``; empty for NaN)."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer) and str(label).lower() in YEAR_NAMES:
        return str(int(value))
    if isinstance(value, int | np.integer):
        return f"{abs(int(value)) if absolute else int(value):,d}"
    if isinstance(value, float | np.floating):
        v = float(value)
        if not np.isfinite(v):
            return ""
        if absolute:
            v = abs(v)
        d = decimals_of(label)
        text = f"{v:,.{d}f}"
        return "0" if float(text.replace(",", "")) == 0 and d == 0 else _no_negative_zero(text)
    return "" if value is None else str(value)


def _no_negative_zero(text: str) -> str:
    return text[1:] if text.startswith("-") and float(text.replace(",", "")) == 0 else text


def tidy(df: pd.DataFrame) -> pd.DataFrame:
    """Round every numeric column to its printed decimals, turn ``-0.0`` into ``0.0`` and
    year columns (and index levels) into integers."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if str(col).lower() in YEAR_NAMES and pd.api.types.is_numeric_dtype(s):
            out[col] = s.round().astype("Int64")
        elif pd.api.types.is_float_dtype(s):
            out[col] = s.round(decimals_of(col)) + 0.0  # + 0.0 turns -0.0 into 0.0
    if isinstance(out.index, pd.MultiIndex):
        out.index = out.index.set_levels(
            [
                lv.astype(int) if str(n).lower() in YEAR_NAMES else lv
                for lv, n in zip(out.index.levels, out.index.names, strict=True)
            ]
        )
    elif str(out.index.name).lower() in YEAR_NAMES and pd.api.types.is_numeric_dtype(out.index):
        out.index = out.index.astype(int)
    return out


def shown_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The table as the strings the report prints (index moved into columns)."""
    flat = df.reset_index() if _has_named_index(df) else df.copy()
    return pd.DataFrame(
        {c: [show(v, c) for v in flat[c].tolist()] for c in flat.columns}, index=None
    )


def _has_named_index(df: pd.DataFrame) -> bool:
    return any(n is not None for n in df.index.names)


@dataclass
class Table:
    """One table of the report.

    Attributes
    ----------
    key
        Unique name: the HTML anchor, the CSV file name and the Excel sheet's entry.
    title
        Heading printed above the table.
    df
        The values, rounded as printed (:func:`tidy`); column labels carry units.
    note
        What the numbers are and where they come from (printed below the table).
    """

    key: str
    title: str
    df: pd.DataFrame
    note: str = ""
    section: str = ""
    anchor: str = field(init=False)

    def __post_init__(self) -> None:
        self.df = tidy(self.df)
        self.anchor = "t-" + slug(self.key)

    def value(self, row: object, col: str) -> object:
        """The cell at ``row`` (index label; a tuple for a MultiIndex) and column ``col``."""
        return self.df.loc[row, col]


def slug(text: str) -> str:
    """Lower-case letters, digits, underscores and hyphens only (anchors, file names)."""
    return re.sub(r"[^a-z0-9_]+", "-", str(text).lower()).strip("-")


def md_table(df: pd.DataFrame) -> str:
    """A Markdown table of the printed strings (numbers right-aligned)."""
    flat = df.reset_index() if _has_named_index(df) else df
    sf = shown_frame(df)
    cols = [str(c) for c in sf.columns]
    num = [pd.api.types.is_numeric_dtype(flat[c]) for c in flat.columns]
    head = "| " + " | ".join(c.replace("|", "/") for c in cols) + " |"
    rule = "|" + "|".join("---:" if n else "---" for n in num) + "|"
    rows = ["| " + " | ".join(str(v).replace("|", "/") for v in r) + " |" for r in sf.values]
    return "\n".join([head, rule, *rows])

"""The Excel workbook of a report: a contents sheet, then one sheet per table (units in the
column headers, the note below the title), written with pandas and openpyxl."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .fmt import YEAR_NAMES, Table, decimals_of

#: rows above each table: its title and its note
HEADER_ROWS = 2


def sheet_names(tables: Sequence[Table]) -> list[str]:
    """Unique Excel sheet names (at most 31 characters, none of ``[]:*?/\\``)."""
    out: list[str] = []
    for i, t in enumerate(tables, start=1):
        name = re.sub(r"[\[\]:*?/\\]", "", f"{i:02d} {t.key}")[:31]
        out.append(name)
    return out


def write_workbook(
    path: Path, tables: Sequence[Table], about: dict[str, str] | None = None
) -> Path:
    """Write every table to its own sheet and a ``contents`` sheet that lists them.

    Parameters
    ----------
    path
        The ``.xlsx`` file.
    tables
        The report's tables (values as printed).
    about
        Run id, input hashes, versions: written at the top of the contents sheet.

    Returns
    -------
    pathlib.Path
        ``path``.

    Notes
    -----
    Each table sheet holds the title in A1, the note in A2 and the table from row 3 (read it
    back with ``pd.read_excel(path, sheet_name=..., header=2)``).
    """
    tables = [t for t in tables if len(t.df)]
    names = sheet_names(tables)
    about = about or {}
    contents = pd.DataFrame(
        {
            "sheet": names,
            "table": [t.title for t in tables],
            "key": [t.key for t in tables],
            "note": [t.note for t in tables],
        }
    )
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        info = pd.DataFrame({"field": list(about), "value": list(about.values())})
        info.to_excel(xw, sheet_name="contents", index=False)
        contents.to_excel(xw, sheet_name="contents", index=False, startrow=len(info) + 2)
        for name, t in zip(names, tables, strict=True):
            flat = t.df.reset_index() if any(n is not None for n in t.df.index.names) else t.df
            flat.to_excel(xw, sheet_name=name, index=False, startrow=HEADER_ROWS)
            ws = xw.sheets[name]
            ws["A1"] = t.title
            ws["A2"] = t.note
            _layout(ws, flat)
    return path


def _number_format(col: object) -> str:
    """Excel's number format for a column: the report's decimals, thousands separators, years
    without either."""
    if str(col).lower() in YEAR_NAMES:
        return "0"
    d = decimals_of(col)
    return "#,##0" + ("." + "0" * d if d else "")


def _layout(ws, flat: pd.DataFrame) -> None:
    """Column widths and number formats of one table sheet."""
    for k, col in enumerate(flat.columns, start=1):
        letter = ws.cell(row=HEADER_ROWS + 1, column=k).column_letter
        width = max(len(str(col)), *(len(str(v)) for v in flat[col].head(50)), 6)
        ws.column_dimensions[letter].width = min(width + 2, 60)
        if pd.api.types.is_numeric_dtype(flat[col]) and flat[col].dtype != bool:
            fmt = _number_format(col)
            for r in range(HEADER_ROWS + 2, HEADER_ROWS + 2 + len(flat)):
                ws.cell(row=r, column=k).number_format = fmt

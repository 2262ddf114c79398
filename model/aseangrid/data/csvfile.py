"""Reading a CSV file as text, keeping the line number of every row.

The reader of every table and profile: blank lines are skipped without shifting the line
numbers that messages give, values are kept exactly as typed (``n/a`` stays ``n/a``), and the
common ways a file goes wrong get their own message: a spreadsheet that saved with ``;`` or
tabs, rows with more or fewer cells than the header, a column given twice, an encoding that
is not UTF-8, an empty file.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from ..errors import Problem


def _separator_problem(fname: str, header: str) -> Problem | None:
    for sep, name in ((";", "';'"), ("\t", "a tab")):
        if sep in header and "," not in header:
            return Problem(
                fname,
                1,
                "(file)",
                header[:60],
                f"comma-separated values (the separator is {name}, as some spreadsheets save "
                "it: save the file as CSV with commas)",
            )
    return None


def read_csv_text(path: Path, fname: str, problems: list[Problem]) -> pd.DataFrame | None:
    """The cells of a CSV file as text (stripped), one row per non-blank line.

    ``df.attrs["lines"]`` holds the file line number of each row (the header is line 1).
    Returns ``None`` (with the problems recorded) when the file cannot be read as a table.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(
            Problem(fname, None, "(file)", str(exc)[:60], "a UTF-8 text file (save as CSV UTF-8)")
        )
        return None
    except OSError as exc:
        problems.append(Problem(fname, None, "(file)", str(exc)[:60], "a readable file"))
        return None
    reader = csv.reader(text.splitlines(keepends=True))
    rows: list[list[str]] = []
    lines: list[int] = []
    header: list[str] | None = None
    ragged = 0
    for cells in reader:
        if not cells or all(c.strip() == "" for c in cells):
            continue
        if header is None:
            header = [c.strip() for c in cells]
            bad = _separator_problem(fname, ",".join(cells))
            if bad is not None:
                problems.append(bad)
                return None
            continue
        if len(cells) != len(header):
            if ragged < 5:
                problems.append(
                    Problem(
                        fname,
                        reader.line_num,
                        "(row)",
                        ",".join(cells)[:60],
                        f"{len(header)} cells as in the header (found {len(cells)}; a comma "
                        "inside a value needs quotes)",
                    )
                )
            ragged += 1
            continue
        rows.append([c.strip() for c in cells])
        lines.append(reader.line_num)
    if header is None:
        problems.append(Problem(fname, None, "(file)", "(empty)", "a header line and rows"))
        return None
    dups = sorted({c for c in header if header.count(c) > 1})
    for c in dups:
        problems.append(
            Problem(fname, 1, c, c, "each column once (this column name is given twice)")
        )
    if dups or ragged:
        return None
    df = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(columns=header)
    df.attrs["lines"] = tuple(lines)
    return df


def line_of(df: pd.DataFrame, i: int) -> int:
    """File line number of positional row ``i`` (``i + 2`` when the table was built in code)."""
    lines = df.attrs.get("lines")
    if lines is None or i >= len(lines):
        return int(i) + 2
    return int(lines[i])

"""Read the CSV tables of a dataset folder against the data dictionary, finding every problem.

Each table is parsed column by column against :mod:`aseangrid.data.schema` (kind, unit,
bounds, choices, references); every problem is collected with its file, line, field, the
value as typed and what was expected, before anything is raised.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from . import schema as sc


def _suggest(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _parse_column(raw: pd.Series, col: sc.Column, fname: str, problems: list[Problem]) -> pd.Series:
    """Parse one text column to its kind, recording a problem per bad cell."""
    text = raw.astype(str).str.strip()
    blank = text.eq("") | text.str.lower().isin(["nan", "na", "n/a", "null"])
    if col.kind == "str":
        out = text.copy()
        if col.choices is not None:
            bad = ~blank & ~out.isin(col.choices)
            for i in np.flatnonzero(bad.to_numpy())[:20]:
                v = out.iloc[i]
                problems.append(
                    Problem(
                        fname,
                        int(i) + 2,
                        col.name,
                        v,
                        f"one of {', '.join(col.choices)}{_suggest(v, list(col.choices))}",
                    )
                )
    elif col.kind == "bool":
        low = text.str.lower()
        ok = low.isin(["true", "false", "1", "0", "yes", "no"])
        for i in np.flatnonzero((~ok & ~blank).to_numpy())[:20]:
            problems.append(Problem(fname, int(i) + 2, col.name, text.iloc[i], "true or false"))
        out = low.isin(["true", "1", "yes"])
    else:
        num = pd.to_numeric(text.where(~blank), errors="coerce")
        notnum = num.isna() & ~blank
        for i in np.flatnonzero(notnum.to_numpy())[:20]:
            problems.append(
                Problem(fname, int(i) + 2, col.name, text.iloc[i], f"a number in {col.unit}")
            )
        arr = num.to_numpy(dtype=float)
        inf = np.isinf(arr)
        for i in np.flatnonzero(inf)[:20]:
            problems.append(
                Problem(fname, int(i) + 2, col.name, text.iloc[i], f"a finite number in {col.unit}")
            )
        finite = np.isfinite(arr)
        if col.low is not None or col.high is not None:
            lo = -np.inf if col.low is None else col.low
            hi = np.inf if col.high is None else col.high
            out_of = finite & ((arr < lo) | (arr > hi))
            for i in np.flatnonzero(out_of)[:20]:
                problems.append(
                    Problem(
                        fname,
                        int(i) + 2,
                        col.name,
                        text.iloc[i],
                        f"a value between {lo:g} and {hi:g} {col.unit}",
                    )
                )
        if col.kind == "int":
            frac = finite & (np.round(arr) != arr)
            for i in np.flatnonzero(frac)[:20]:
                problems.append(
                    Problem(fname, int(i) + 2, col.name, text.iloc[i], "a whole number")
                )
        out = pd.Series(arr, index=raw.index)
    if not col.optional:
        for i in np.flatnonzero(blank.to_numpy())[:20]:
            problems.append(
                Problem(fname, int(i) + 2, col.name, "", f"a value ({col.description})")
            )
    elif col.default is not None:
        out = out.where(~blank, col.default)
    elif col.kind in ("float", "int"):
        out = out.where(~blank, np.nan)
    return out


def read_table(folder: Path, table: sc.Table, problems: list[Problem]) -> pd.DataFrame | None:
    """Read and check one CSV table against the schema.

    Parameters
    ----------
    folder
        Dataset folder.
    table
        Schema of the table.
    problems
        List that receives every problem found.

    Returns
    -------
    pandas.DataFrame or None
        Parsed table (numbers as float, labels as str), or ``None`` when the file is missing or
        unreadable.
    """
    path = folder / table.filename
    if not path.is_file():
        if table.required:
            problems.append(Problem(table.filename, None, "(file)", str(path), "the file to exist"))
        return None
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        problems.append(
            Problem(table.filename, None, "(file)", str(exc).splitlines()[0], "a readable CSV")
        )
        return None
    expected = [c.name for c in table.columns]
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in expected if c not in raw.columns]
    explained: set[str] = set()
    for c in raw.columns:
        if c not in expected:
            close = difflib.get_close_matches(c, missing, n=1, cutoff=0.5)
            if close:  # a misspelling of a missing column: one message, not two
                explained.add(close[0])
                problems.append(
                    Problem(
                        table.filename,
                        1,
                        c,
                        c,
                        f"a known column (did you mean '{close[0]}'? it is missing)",
                    )
                )
            else:
                problems.append(
                    Problem(table.filename, 1, c, c, f"a known column{_suggest(c, expected)}")
                )
    for c in missing:
        if c in explained:
            continue
        problems.append(
            Problem(
                table.filename, 1, c, "(missing)", f"a column '{c}' ({table.column(c).description})"
            )
        )
    if missing:
        return None
    df = pd.DataFrame(index=raw.index)
    for col in table.columns:
        df[col.name] = _parse_column(raw[col.name], col, table.filename, problems)
    dup = df.duplicated(list(table.key), keep="first")
    for i in np.flatnonzero(dup.to_numpy())[:20]:
        key = ", ".join(str(df[k].iloc[i]) for k in table.key)
        first = int(
            np.flatnonzero((df[list(table.key)] == df[list(table.key)].iloc[i]).all(axis=1))[0]
        )
        problems.append(
            Problem(
                table.filename,
                int(i) + 2,
                "/".join(table.key),
                key,
                f"a unique key (already on line {first + 2})",
            )
        )
    df.attrs["file"] = table.filename
    return df


def _check_refs(tables: dict[str, pd.DataFrame], problems: list[Problem]) -> None:
    for table in sc.TABLES + sc.EXPANSION_TABLES:
        df = tables.get(table.name)
        if df is None:
            continue
        for col in table.columns:
            if not col.ref:
                continue
            rt, rc = col.ref.split(".")
            ref = tables.get(rt)
            if ref is None:
                continue
            known = set(ref[rc])
            bad = ~df[col.name].isin(known)
            for i in np.flatnonzero(bad.to_numpy())[:20]:
                v = str(df[col.name].iloc[i])
                problems.append(
                    Problem(
                        table.filename,
                        int(i) + 2,
                        col.name,
                        v,
                        f"a {rc} listed in {rt}.csv{_suggest(v, sorted(known))}",
                    )
                )


def read_tables(folder: str | Path) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Read every table of a dataset folder; return the tables and all problems found."""
    folder = Path(folder)
    problems: list[Problem] = []
    if not folder.is_dir():
        raise InputError(
            [Problem(str(folder), None, "(folder)", str(folder), "an existing dataset folder")]
        )
    tables: dict[str, pd.DataFrame] = {}
    for table in sc.TABLES + sc.EXPANSION_TABLES:
        df = read_table(folder, table, problems)
        if df is not None:
            tables[table.name] = df
    _check_refs(tables, problems)
    _check_table_logic(tables, problems)
    return tables, problems


def _check_table_logic(tables: dict[str, pd.DataFrame], problems: list[Problem]) -> None:
    """Checks across columns of one table (self-loops, year order, units, storage sizes)."""
    links = tables.get("links")
    if links is not None:
        loop = links["node_from"] == links["node_to"]
        for i in np.flatnonzero(loop.to_numpy()):
            problems.append(
                Problem(
                    "links.csv",
                    int(i) + 2,
                    "node_to",
                    str(links["node_to"].iloc[i]),
                    "a node different from node_from (a link from a node to itself)",
                )
            )
        zero = (links["capacity_forward_mw"] <= 0) & (links["capacity_backward_mw"] <= 0)
        for i in np.flatnonzero(zero.to_numpy()):
            problems.append(
                Problem(
                    "links.csv",
                    int(i) + 2,
                    "capacity_forward_mw",
                    "0",
                    "a positive capacity in at least one direction",
                )
            )
    for name in ("generators", "storage", "links"):
        df = tables.get(name)
        if df is None:
            continue
        bad = df["retire_year"].notna() & (df["retire_year"] <= df["commission_year"])
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append(
                Problem(
                    f"{name}.csv",
                    int(i) + 2,
                    "retire_year",
                    f"{df['retire_year'].iloc[i]:g}",
                    f"a year after commission_year {df['commission_year'].iloc[i]:g}",
                )
            )
    storage = tables.get("storage")
    if storage is not None:
        hours = storage["energy_mwh"] / storage["power_mw"]
        bad = (hours < 0.25) | (hours > 2000)
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append(
                Problem(
                    "storage.csv",
                    int(i) + 2,
                    "energy_mwh",
                    f"{storage['energy_mwh'].iloc[i]:g}",
                    "0.25 to 2000 hours of the power_mw (a unit mix-up of MW and MWh?)",
                )
            )
    pol = tables.get("policies")
    if pol is not None:
        for i, (p, u, s) in enumerate(zip(pol["policy"], pol["unit"], pol["scope"], strict=True)):
            want = sc.POLICY_UNITS.get(p)
            if want is not None and u != want:
                problems.append(Problem("policies.csv", i + 2, "unit", u, f"'{want}' for {p}"))
            if s == sc.ASEAN and p not in ("carbon_price", "carbon_cap"):
                problems.append(
                    Problem("policies.csv", i + 2, "scope", s, f"a country code for {p}")
                )
            if p == "renewable_share_min" and pol["value"].iloc[i] > 1:
                problems.append(
                    Problem(
                        "policies.csv",
                        i + 2,
                        "value",
                        f"{pol['value'].iloc[i]:g}",
                        "a fraction between 0 and 1 (not a percentage)",
                    )
                )
    tech = tables.get("technologies")
    if tech is not None:
        missing = set(sc.TECHNOLOGIES) - set(tech["technology"])
        for t in sorted(missing):
            problems.append(Problem("technologies.csv", None, "technology", t, f"a row for '{t}'"))
    demand = tables.get("demand")
    if demand is not None:
        ok = (
            (demand["peak_mw"] > 0)
            & np.isfinite(demand["demand_twh"])
            & np.isfinite(demand["peak_mw"])
        )
        lf = demand["demand_twh"] * 1e6 / (sc.HOURS_PER_YEAR * demand["peak_mw"].where(ok))
        bad = ok & ((lf < 0.3) | (lf > 1.0))
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append(
                Problem(
                    "demand.csv",
                    int(i) + 2,
                    "peak_mw",
                    f"{demand['peak_mw'].iloc[i]:g}",
                    f"a peak giving a load factor in 0.3..1 (got {lf.iloc[i]:.2f}; TWh vs GWh?)",
                )
            )
        nopk = (demand["peak_mw"] <= 0) & (demand["demand_twh"] > 0)
        for i in np.flatnonzero(nopk.to_numpy()):
            problems.append(
                Problem("demand.csv", int(i) + 2, "peak_mw", "0", "a positive peak when demand > 0")
            )

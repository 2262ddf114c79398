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
from .csvfile import line_of, read_csv_text
from .profiles import profile_headers


def _suggest(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _parse_column(
    raw: pd.Series, col: sc.Column, fname: str, problems: list[Problem], lines: np.ndarray
) -> pd.Series:
    """Parse one text column to its kind, recording a problem per bad cell (with its line)."""
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
                        int(lines[i]),
                        col.name,
                        v,
                        f"one of {', '.join(col.choices)}{_suggest(v, list(col.choices))}",
                    )
                )
    elif col.kind == "bool":
        low = text.str.lower()
        ok = low.isin(["true", "false", "1", "0", "yes", "no"])
        for i in np.flatnonzero((~ok & ~blank).to_numpy())[:20]:
            problems.append(Problem(fname, int(lines[i]), col.name, text.iloc[i], "true or false"))
        out = low.isin(["true", "1", "yes"])
    else:
        num = pd.to_numeric(text.where(~blank), errors="coerce")
        notnum = num.isna() & ~blank
        for i in np.flatnonzero(notnum.to_numpy())[:20]:
            problems.append(
                Problem(fname, int(lines[i]), col.name, text.iloc[i], f"a number in {col.unit}")
            )
        arr = num.to_numpy(dtype=float)
        inf = np.isinf(arr)
        for i in np.flatnonzero(inf)[:20]:
            problems.append(
                Problem(
                    fname, int(lines[i]), col.name, text.iloc[i], f"a finite number in {col.unit}"
                )
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
                        int(lines[i]),
                        col.name,
                        text.iloc[i],
                        f"a value between {lo:g} and {hi:g} {col.unit}",
                    )
                )
        if col.kind == "int":
            frac = finite & (np.round(arr) != arr)
            for i in np.flatnonzero(frac)[:20]:
                problems.append(
                    Problem(fname, int(lines[i]), col.name, text.iloc[i], "a whole number")
                )
        out = pd.Series(arr, index=raw.index)
    if not col.optional:
        for i in np.flatnonzero(blank.to_numpy())[:20]:
            problems.append(
                Problem(
                    fname, int(lines[i]), col.name, text.iloc[i], f"a value ({col.description})"
                )
            )
    elif col.default is not None:
        out = out.where(~blank, col.default)
    elif col.kind in ("float", "int"):
        out = out.where(~blank, np.nan)
    return out


#: Files a dataset folder may hold beside its tables (read by the profile tool or the
#: calibration, not by the model), and its sub-folders.
OTHER_FILES = ("calibration_targets.csv", "profile_targets.csv")
SUBFOLDERS = ("profiles", "sources", "recipes")


def _columns(raw: pd.DataFrame, table: sc.Table, problems: list[Problem]) -> bool:
    """Check the header against the schema; absent optional columns are added blank."""
    expected = [c.name for c in table.columns]
    missing = [c for c in expected if c not in raw.columns and not table.column(c).optional]
    explained: set[str] = set()
    for c in raw.columns:
        if c in expected:
            continue
        absent = [m for m in expected if m not in raw.columns]
        close = difflib.get_close_matches(c, absent, n=1, cutoff=0.5)
        if close:  # a misspelling of an absent column: one message, not two
            explained.add(close[0])
            what = "it is missing" if close[0] in missing else "an optional column"
            problems.append(
                Problem(
                    table.filename, 1, c, c, f"a known column (did you mean '{close[0]}'? {what})"
                )
            )
        else:
            problems.append(
                Problem(table.filename, 1, c, c, f"a known column{_suggest(c, expected)}")
            )
    for c in missing:
        if c not in explained:
            problems.append(
                Problem(
                    table.filename,
                    1,
                    c,
                    "(missing)",
                    f"a column '{c}' ({table.column(c).description})",
                )
            )
    for c in expected:
        if c not in raw.columns and table.column(c).optional:
            raw[c] = ""
    return not missing and not explained.intersection(missing)


def _duplicate_keys(
    df: pd.DataFrame, table: sc.Table, lines: np.ndarray, problems: list[Problem]
) -> None:
    dup = df.duplicated(list(table.key), keep="first")
    for i in np.flatnonzero(dup.to_numpy())[:20]:
        key = ", ".join(str(df[k].iloc[i]) for k in table.key)
        first = int(
            np.flatnonzero((df[list(table.key)] == df[list(table.key)].iloc[i]).all(axis=1))[0]
        )
        problems.append(
            Problem(
                table.filename,
                int(lines[i]),
                "/".join(table.key),
                key,
                f"a unique key (already on line {int(lines[first])})",
            )
        )


def empty_table(table: sc.Table) -> pd.DataFrame:
    """A table with the schema's columns and no rows (an optional table left out)."""
    df = pd.DataFrame(
        {
            c.name: pd.Series(dtype=float if c.kind in ("float", "int") else object)
            for c in table.columns
        }
    )
    df.attrs["lines"] = ()
    return df


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
        Parsed table (numbers as float, labels as str; ``attrs["lines"]``: the file line of
        each row), an empty table when an optional file is absent (``attrs["defaulted"]``
        says so), or ``None`` when the file is missing or unreadable.
    """
    path = folder / table.filename
    if not path.is_file():
        if table.required:
            problems.append(Problem(table.filename, None, "(file)", str(path), "the file to exist"))
            return None
        df = empty_table(table)
        df.attrs["defaulted"] = f"{table.filename} absent: {table.absent}"
        return df
    raw = read_csv_text(path, table.filename, problems)
    present = set() if raw is None else set(raw.columns)
    if raw is None or not _columns(raw, table, problems):
        return None
    lines = raw.attrs["lines"]
    if "basis" in present:  # optional column, but a file that has it gives it on every row
        blank = raw["basis"].astype(str).str.strip().isin(["", "nan"]).to_numpy()
        for i in np.flatnonzero(blank)[:20]:
            problems.append(
                Problem(
                    table.filename,
                    int(lines[i]),
                    "basis",
                    "(blank)",
                    f"one of {', '.join(sc.BASIS_VALUES)} (the file has a basis column)",
                )
            )
    df = pd.DataFrame(index=raw.index)
    for col in table.columns:
        df[col.name] = _parse_column(raw[col.name], col, table.filename, problems, lines)
    _duplicate_keys(df, table, lines, problems)
    df.attrs["file"] = table.filename
    df.attrs["lines"] = lines
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
                        line_of(df, int(i)),
                        col.name,
                        v,
                        f"a {rc} listed in {rt}.csv{_suggest(v, sorted(known))}",
                    )
                )


def _unknown_files(folder: Path, problems: list[Problem]) -> None:
    """A file the model does not know is refused with the closest known name: a misspelt
    ``storge.csv`` must not quietly mean "no storage"."""
    known = [t.filename for t in sc.TABLES + sc.EXPANSION_TABLES] + list(OTHER_FILES)
    for p in sorted(folder.glob("*.csv")):
        if p.name not in known:
            problems.append(
                Problem(
                    p.name,
                    None,
                    "(file)",
                    p.name,
                    f"a known table name{_suggest(p.name, known)}; known: {', '.join(known)}",
                )
            )
    prof = folder / "profiles"
    names = [f"{p.name}.csv" for p in sc.PROFILE_FILES]
    for p in sorted(prof.glob("*.csv")) if prof.is_dir() else []:
        if p.name not in names:
            problems.append(
                Problem(
                    f"profiles/{p.name}",
                    None,
                    "(file)",
                    p.name,
                    f"a known profile name{_suggest(p.name, names)}; known: {', '.join(names)}",
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
    _unknown_files(folder, problems)
    tables: dict[str, pd.DataFrame] = {}
    for table in sc.TABLES + sc.EXPANSION_TABLES:
        df = read_table(folder, table, problems)
        if df is not None:
            tables[table.name] = df
    _check_refs(tables, problems)
    _check_table_logic(tables, problems)
    if "nodes" in tables:
        profile_headers(folder, set(tables["nodes"]["node"]), problems)
    return tables, problems


def _check_links(links: pd.DataFrame, problems: list[Problem]) -> None:
    """No link from a node to itself (a link of capacity 0 is allowed: out of service)."""
    loop = links["node_from"] == links["node_to"]
    for i in np.flatnonzero(loop.to_numpy()):
        problems.append(
            Problem(
                "links.csv",
                line_of(links, int(i)),
                "node_to",
                str(links["node_to"].iloc[i]),
                "a node different from node_from (a link from a node to itself)",
            )
        )


def _check_years(tables: dict[str, pd.DataFrame], problems: list[Problem]) -> None:
    for name in ("generators", "storage", "links"):
        df = tables.get(name)
        if df is None:
            continue
        bad = df["retire_year"].notna() & (df["retire_year"] <= df["commission_year"])
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append(
                Problem(
                    f"{name}.csv",
                    line_of(df, int(i)),
                    "retire_year",
                    f"{df['retire_year'].iloc[i]:g}",
                    f"a year after commission_year {df['commission_year'].iloc[i]:g}",
                )
            )


def _check_storage(storage: pd.DataFrame, problems: list[Problem]) -> None:
    """Sizes in a plausible ratio; charge and discharge efficiencies given together and
    multiplying to the round trip."""
    rt = storage["efficiency_roundtrip"].to_numpy(dtype=float)
    c = storage["efficiency_charge"].to_numpy(dtype=float)
    d = storage["efficiency_discharge"].to_numpy(dtype=float)
    for i in range(len(storage)):
        line = line_of(storage, i)
        if np.isnan(c[i]) != np.isnan(d[i]):
            problems.append(
                Problem(
                    "storage.csv",
                    line,
                    "efficiency_charge/efficiency_discharge",
                    f"{c[i]:g}/{d[i]:g}",
                    "both directions or neither (blank: each the square root of the round trip)",
                )
            )
        elif not np.isnan(c[i]) and abs(c[i] * d[i] - rt[i]) > 0.005:
            problems.append(
                Problem(
                    "storage.csv",
                    line,
                    "efficiency_roundtrip",
                    f"{rt[i]:g}",
                    f"the product of the two efficiencies ({c[i] * d[i]:.3f})",
                )
            )
    hours = storage["energy_mwh"] / storage["power_mw"]
    for i in np.flatnonzero(((hours < 0.25) | (hours > 2000)).to_numpy()):
        problems.append(
            Problem(
                "storage.csv",
                line_of(storage, int(i)),
                "energy_mwh",
                f"{storage['energy_mwh'].iloc[i]:g}",
                "0.25 to 2000 hours of the power_mw (a unit mix-up of MW and MWh?)",
            )
        )


def _check_policies(pol: pd.DataFrame, problems: list[Problem]) -> None:
    for i, (p, u, s, v) in enumerate(
        zip(pol["policy"], pol["unit"], pol["scope"], pol["value"], strict=True)
    ):
        line = line_of(pol, i)
        want = sc.POLICY_UNITS.get(p)
        if want is not None and u != want:
            problems.append(Problem("policies.csv", line, "unit", u, f"'{want}' for {p}"))
        if s == sc.ASEAN and p not in ("carbon_price", "carbon_cap"):
            problems.append(Problem("policies.csv", line, "scope", s, f"a country code for {p}"))
        if np.isfinite(v) and v < 0:
            problems.append(
                Problem("policies.csv", line, "value", f"{v:g}", f"a value >= 0 for {p}")
            )
        if p == "renewable_share_min" and v > 1:
            problems.append(
                Problem(
                    "policies.csv",
                    line,
                    "value",
                    f"{v:g}",
                    "a fraction between 0 and 1 (not a percentage)",
                )
            )


def _check_technologies(tables: dict[str, pd.DataFrame], problems: list[Problem]) -> None:
    """A technologies.csv row for every technology the fleet, storage or candidates use."""
    tech = tables.get("technologies")
    if tech is None:
        return
    used: set[str] = set()
    for name in ("generators", "storage", "build_limits"):
        if name in tables:
            used |= set(tables[name]["technology"])
    for t in sorted((used & set(sc.TECHNOLOGIES)) - set(tech["technology"])):
        problems.append(
            Problem(
                "technologies.csv",
                None,
                "technology",
                t,
                f"a row for '{t}' (used by the fleet or the build limits)",
            )
        )


def _check_demand(demand: pd.DataFrame, problems: list[Problem]) -> None:
    ok = (
        (demand["peak_mw"] > 0) & np.isfinite(demand["demand_twh"]) & np.isfinite(demand["peak_mw"])
    )
    lf = demand["demand_twh"] * 1e6 / (sc.HOURS_PER_YEAR * demand["peak_mw"].where(ok))
    for i in np.flatnonzero((ok & ((lf < 0.3) | (lf > 1.0))).to_numpy()):
        problems.append(
            Problem(
                "demand.csv",
                line_of(demand, int(i)),
                "peak_mw",
                f"{demand['peak_mw'].iloc[i]:g}",
                f"a peak giving a load factor in 0.3..1 (got {lf.iloc[i]:.2f}; TWh vs GWh?)",
            )
        )
    nopk = (demand["peak_mw"] <= 0) & (demand["demand_twh"] > 0)
    for i in np.flatnonzero(nopk.to_numpy()):
        problems.append(
            Problem(
                "demand.csv",
                line_of(demand, int(i)),
                "peak_mw",
                "0",
                "a positive peak when demand > 0",
            )
        )


def _check_table_logic(tables: dict[str, pd.DataFrame], problems: list[Problem]) -> None:
    """Checks across columns of one table (self-loops, year order, units, storage sizes)."""
    if "links" in tables:
        _check_links(tables["links"], problems)
    _check_years(tables, problems)
    if "storage" in tables:
        _check_storage(tables["storage"], problems)
    if "policies" in tables:
        _check_policies(tables["policies"], problems)
    _check_technologies(tables, problems)
    if "demand" in tables:
        _check_demand(tables["demand"], problems)

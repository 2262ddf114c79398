"""Read an input folder into one validated ``xr.Dataset``; write results atomically.

The reader parses every table against :mod:`aseangrid.schema`, collects *every* problem before
raising (:class:`~aseangrid.errors.InputError`), then selects the fleet and grid of the chosen
year and attaches the hourly series. Nothing is filled silently: optional blanks take the
defaults the schema documents, everything else must be present.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from . import schema as sc
from .errors import InputError, OutputError, Problem

#: Conversion of thermal energy: GJ per MWh.
GJ_PER_MWH = 3.6


# ----------------------------------------------------------------------------------------------
# table reading
# ----------------------------------------------------------------------------------------------
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


# ----------------------------------------------------------------------------------------------
# profiles
# ----------------------------------------------------------------------------------------------
def read_profile(
    folder: Path, prof: sc.Profile, nodes: list[str], problems: list[Problem]
) -> pd.DataFrame | None:
    """Read one hourly profile file and check its time axis and values.

    Returns a frame indexed by hour 0..8759 with one column per required node, or ``None``.
    """
    fname = f"profiles/{prof.name}.csv"
    path = folder / fname
    if not path.is_file():
        problems.append(Problem(fname, None, "(file)", str(path), "the file to exist"))
        return None
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        problems.append(Problem(fname, None, "(file)", str(exc).splitlines()[0], "a readable CSV"))
        return None
    n0 = len(problems)
    if "hour" not in raw.columns:
        problems.append(Problem(fname, 1, "hour", ",".join(raw.columns[:3]), "a column 'hour'"))
        return None
    hour = pd.to_numeric(raw["hour"], errors="coerce")
    axis_problem = False
    if hour.isna().any():
        i = int(np.flatnonzero(hour.isna().to_numpy())[0])
        problems.append(
            Problem(fname, i + 2, "hour", raw["hour"].iloc[i], "an hour number 0..8759")
        )
        axis_problem = True
    else:
        h = hour.to_numpy()
        dup = pd.Series(h).duplicated().to_numpy()
        steps = np.diff(h)
        if dup.any():
            i = int(np.flatnonzero(dup)[0])
            problems.append(
                Problem(fname, i + 2, "hour", f"{h[i]:g}", "each hour once (duplicate hour)")
            )
            axis_problem = True
        elif len(h) and (h[0] != 0 or (steps != 1).any()):
            axis_problem = True
            bad = np.flatnonzero(steps != 1)
            i = int(bad[0]) + 1 if len(bad) else 0
            problems.append(
                Problem(
                    fname,
                    i + 2,
                    "hour",
                    f"{h[i]:g}",
                    f"hour {0 if i == 0 else h[i - 1] + 1:g} (hours 0..8759 without gaps)",
                )
            )
    if len(raw) != sc.HOURS_PER_YEAR and not axis_problem:
        problems.append(
            Problem(fname, None, "hour", f"{len(raw)} rows", f"{sc.HOURS_PER_YEAR} hourly rows")
        )
    for node in nodes:
        if node not in raw.columns:
            problems.append(Problem(fname, 1, node, "(missing)", f"a column for node {node}"))
    if len(problems) > n0:
        return None
    out = pd.DataFrame(index=pd.RangeIndex(sc.HOURS_PER_YEAR, name="hour"))
    for node in nodes:
        text = raw[node].str.strip()
        vals = pd.to_numeric(text, errors="coerce").to_numpy()
        bad = ~np.isfinite(vals)
        for i in np.flatnonzero(bad)[:5]:
            problems.append(
                Problem(fname, int(i) + 2, node, text.iloc[i], "a finite number", f"hour {i}")
            )
        rng = np.isfinite(vals) & ((vals < prof.low) | (vals > prof.high))
        for i in np.flatnonzero(rng)[:5]:
            problems.append(
                Problem(
                    fname,
                    int(i) + 2,
                    node,
                    text.iloc[i],
                    f"a value between {prof.low:g} and {prof.high:g}",
                    f"hour {i}",
                )
            )
        out[node] = vals
    return out if len(problems) == n0 else None


# ----------------------------------------------------------------------------------------------
# dataset assembly
# ----------------------------------------------------------------------------------------------
def model_time(year: int) -> pd.DatetimeIndex:
    """Hourly UTC timestamps of a model year, 8760 steps (29 February dropped in leap years)."""
    t = pd.date_range(f"{year}-01-01", periods=8784, freq="h")
    t = t[t.year == year]
    t = t[~((t.month == 2) & (t.day == 29))]
    return t


def _active(df: pd.DataFrame, year: int) -> pd.DataFrame:
    retire = df["retire_year"].fillna(np.inf)
    return df[(df["commission_year"] <= year) & (retire > year)].reset_index(drop=True)


def _hash_folder(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*.csv")):
        h.update(str(p.relative_to(folder)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def load_inputs(
    path: str | Path,
    year: int = sc.BASE_YEAR,
    hydrology: str = "normal",
    value_of_lost_load_usd_per_mwh: float = 5000.0,
    policy_penalty_usd: float = 5000.0,
    aggregate: bool = True,
    edit_tables: Callable[[dict[str, pd.DataFrame], int], dict[str, pd.DataFrame]] | None = None,
) -> xr.Dataset:
    """Load a dataset folder for one model year into a validated ``xr.Dataset``.

    Parameters
    ----------
    path
        Dataset folder, e.g. ``"inputs/asean"``.
    year
        Model year; chooses demand, fleet, grid, fuel prices and policies.
    hydrology
        ``"normal"`` or ``"dry"`` (hydro inflows from ``profiles/hydro_inflow_dry.csv``).
    value_of_lost_load_usd_per_mwh
        Cost of unserved energy [USD/MWh] (an assumption; a scenario parameter).
    policy_penalty_usd
        Penalty per unit of policy shortfall (per tCO2 above a cap, per MWh below a renewable
        target or above a coal limit) [USD]. Shortfalls are reported, never hidden.
    aggregate
        Merge fleet rows of one node and technology whose parameters are identical per unit of
        capacity (e.g. vintages added by a plan) into one generator; the LP is unchanged, only
        smaller. ``generator_rows`` lists the merged ``generators.csv`` ids.
    edit_tables
        Called with the validated tables and the year before the Dataset is assembled; returns
        the tables to use. Capacity expansion uses it to carry a pathway's earlier builds and
        retirements and to add build candidates (fleet rows with status ``candidate``).

    Returns
    -------
    xarray.Dataset
        Dimensions ``time`` (8760), ``node``, ``country``, ``generator``, ``storage``, ``link``,
        ``carbon_cap``; every variable carries ``units`` and ``description`` attributes.

    Raises
    ------
    InputError
        Listing every problem found: file, line, field, value and what was expected.

    Examples
    --------
    >>> import aseangrid as ag
    >>> ds = ag.load_inputs("inputs/asean", year=2024)  # doctest: +SKIP
    >>> ds.sizes["time"]  # doctest: +SKIP
    8760
    """
    folder = Path(path)
    tables, problems = read_tables(folder)
    if hydrology not in ("normal", "dry"):
        problems.append(Problem("(option)", None, "hydrology", str(hydrology), "normal or dry"))
    if not np.isfinite(value_of_lost_load_usd_per_mwh) or not (
        0 < value_of_lost_load_usd_per_mwh <= 1e5
    ):
        problems.append(
            Problem(
                "(option)",
                None,
                "value_of_lost_load_usd_per_mwh",
                str(value_of_lost_load_usd_per_mwh),
                "a value in 0..100000 USD/MWh",
            )
        )
    if problems:
        raise InputError(problems)
    if edit_tables is not None:
        tables = edit_tables(tables, int(year))
    ds = _assemble(folder, tables, int(year), hydrology, problems, aggregate)
    if problems:
        raise InputError(problems)
    ds["value_of_lost_load_usd_per_mwh"] = xr.DataArray(
        float(value_of_lost_load_usd_per_mwh),
        attrs={"units": "USD/MWh", "description": "Cost of unserved energy [assumption]."},
    )
    ds["policy_penalty_usd"] = xr.DataArray(
        float(policy_penalty_usd),
        attrs={
            "units": "USD per tCO2 or per MWh",
            "description": "Penalty per unit of policy shortfall (carbon above cap, renewable or "
            "coal target missed).",
        },
    )
    ds.attrs.update(
        {
            "dataset": str(folder),
            "dataset_hash": _hash_folder(folder),
            "year": int(year),
            "hydrology": hydrology,
            "title": f"aseangrid inputs, {folder.name}, {year}, {hydrology} hydrology",
        }
    )
    return ds


def _assemble(
    folder: Path,
    t: dict[str, pd.DataFrame],
    year: int,
    hydrology: str,
    problems: list[Problem],
    aggregate: bool = True,
) -> xr.Dataset:
    nodes = t["nodes"]
    node_ids = list(nodes["node"])
    node_country = dict(zip(nodes["node"], nodes["country"], strict=True))
    if year not in set(t["demand"]["year"].astype(int)):
        problems.append(
            Problem(
                "demand.csv",
                None,
                "year",
                str(year),
                f"one of the years in the file ({sorted(set(t['demand']['year'].astype(int)))})",
            )
        )
        return xr.Dataset()
    dem = t["demand"][t["demand"]["year"] == year].set_index("node")
    for n in node_ids:
        if n not in dem.index:
            problems.append(Problem("demand.csv", None, "node", n, f"a row for node {n} in {year}"))
    tech = t["technologies"].set_index("technology")
    fuels = t["fuels"].set_index("fuel")
    gens = _active(t["generators"], year)
    stor = _active(t["storage"], year)
    links = _active(t["links"], year)
    hydro = t["hydro"].set_index(["node", "technology"])

    # --- profiles
    hydro_nodes = sorted(set(t["hydro"]["node"]))
    prof: dict[str, pd.DataFrame] = {}
    for p in sc.PROFILE_FILES:
        need = node_ids if p.nodes == "all" else hydro_nodes
        df = read_profile(folder, p, need, problems)
        if df is not None:
            prof[p.name] = df
    if problems:
        return xr.Dataset()
    time = model_time(year)
    T = len(time)

    # --- demand
    shape = prof["demand_shape"][node_ids].to_numpy()
    mean = shape.mean(axis=0)
    bad = (np.abs(mean - 1) > 0.01) & (dem.loc[node_ids, "demand_twh"].to_numpy() > 0)
    for j in np.flatnonzero(bad):
        problems.append(
            Problem(
                "profiles/demand_shape.csv",
                None,
                node_ids[j],
                f"mean {mean[j]:.4f}",
                "a shape with annual mean 1.0 (per unit of mean demand)",
            )
        )
    demand_twh = dem.loc[node_ids, "demand_twh"].to_numpy(dtype=float)
    demand_mw = shape * (demand_twh * 1e6 / sc.HOURS_PER_YEAR)[None, :]

    # --- generators
    G = len(gens)
    g_tech = gens["technology"].to_numpy(dtype=object)
    g_node = gens["node"].to_numpy(dtype=object)
    g_country = np.array([node_country[n] for n in g_node], dtype=object)

    def _param(col: str) -> np.ndarray:
        default = tech.loc[g_tech, col].to_numpy(dtype=float) if G else np.zeros(0)
        if col in gens:
            over = gens[col].to_numpy(dtype=float)
            return np.where(np.isnan(over), default, over)
        return default

    eff = _param("efficiency")
    avail = _param("availability")
    must = _param("must_run_share")
    vom = tech.loc[g_tech, "vom_usd_per_mwh"].to_numpy(dtype=float) if G else np.zeros(0)
    ramp = tech.loc[g_tech, "ramp_per_hour"].to_numpy(dtype=float) if G else np.zeros(0)
    renewable = tech.loc[g_tech, "renewable"].to_numpy(dtype=bool) if G else np.zeros(0, bool)
    profile = tech.loc[g_tech, "profile"].to_numpy(dtype=object) if G else np.zeros(0, object)
    fuel = tech.loc[g_tech, "fuel"].to_numpy(dtype=object) if G else np.zeros(0, object)
    prices = t["fuel_prices"]
    prices = prices[prices["year"] == year].set_index(["fuel", "country"])["price_usd_per_gj"]
    fuel_price = np.zeros(G)
    ef_t_per_gj = np.zeros(G)
    for i in range(G):
        if fuel[i] == "none":
            continue
        key = (fuel[i], g_country[i])
        if key not in prices.index:
            problems.append(
                Problem(
                    "fuel_prices.csv",
                    None,
                    "price_usd_per_gj",
                    f"{fuel[i]}/{g_country[i]}/{year}",
                    f"a price for fuel {fuel[i]} in {g_country[i]} in {year} "
                    f"(used by generator {gens['generator'].iloc[i]})",
                )
            )
            continue
        fuel_price[i] = prices.loc[key]
        ef_t_per_gj[i] = fuels.loc[fuel[i], "emission_factor_t_per_gj"]
    heat_rate = np.where(fuel == "none", 0.0, GJ_PER_MWH / eff)  # GJ per MWh_e
    emission_factor = ef_t_per_gj * heat_rate  # tCO2/MWh_e
    marginal = fuel_price * heat_rate + vom

    # hourly availability per unit capacity
    avail_pu = np.empty((T, G))
    inflow_mw = np.zeros((T, G))
    reservoir_mwh = np.zeros(G)
    hyd_profile = prof["hydro_inflow_dry" if hydrology == "dry" else "hydro_inflow"]
    cap = gens["capacity_mw"].to_numpy(dtype=float)
    for i in range(G):
        p = profile[i]
        if p in sc.PROFILE_FILE_OF:
            avail_pu[:, i] = prof[sc.PROFILE_FILE_OF[p]][g_node[i]].to_numpy() * avail[i]
        elif p == "hydro":
            key = (g_node[i], g_tech[i])
            # new hydro (a candidate, or built by an earlier pathway step): run-of-river profile
            candidate = gens["status"].iloc[i] in ("candidate", "built")
            if candidate and key not in hydro.index:  # new hydro: the node's other hydro row
                other = "hydro_ror" if g_tech[i] == "hydro_reservoir" else "hydro_reservoir"
                if (g_node[i], other) in hydro.index:
                    key = (g_node[i], other)
            if candidate and (key not in hydro.index or g_node[i] not in hyd_profile.columns):
                problems.append(
                    Problem(
                        "build_limits.csv",
                        None,
                        "node/technology",
                        f"{g_node[i]}/{g_tech[i]}",
                        "hydro only at nodes with a hydro.csv row and a hydro_inflow profile "
                        "column (the new plant's inflow comes from them)",
                    )
                )
                continue
            if key not in hydro.index or g_node[i] not in hyd_profile.columns:
                problems.append(
                    Problem(
                        "hydro.csv",
                        None,
                        "node/technology",
                        f"{g_node[i]}/{g_tech[i]}",
                        f"a row for generator {gens['generator'].iloc[i]}'s node and technology, "
                        "and a hydro_inflow profile column",
                    )
                )
                continue
            h = hydro.loc[key]
            inflow = h["annual_cf"] * hyd_profile[g_node[i]].to_numpy()  # per unit capacity
            if (
                g_tech[i] == "hydro_reservoir"
                and h["reservoir_hours"] > 0
                and not candidate
            ):
                avail_pu[:, i] = avail[i]
                inflow_mw[:, i] = inflow * cap[i]
                reservoir_mwh[i] = h["reservoir_hours"] * cap[i]
            else:
                avail_pu[:, i] = np.minimum(inflow, 1.0) * avail[i]
        else:
            avail_pu[:, i] = avail[i]
    if problems:
        return xr.Dataset()

    # --- merge fleet rows that are identical per unit of capacity (same node, technology and
    # parameters): the LP is the same, only smaller. The merged rows are kept in gen_rows.
    ids = list(gens["generator"])
    status = list(gens["status"])
    if aggregate and G:
        # candidates are never merged; with candidates (expansion), existing rows stay apart
        # from planned ones so that early retirement touches existing plants only
        expanding = "candidate" in status
        # (and model-built rows apart from the dataset's: new hydro runs on its inflow profile)
        group_of = {"existing": -2, "built": -3}
        own = [
            i if st == "candidate" else (group_of.get(st, -1) if expanding else -1)
            for i, st in enumerate(status)
        ]
        keys = list(
            zip(
                g_node, g_tech, eff, avail, must, marginal, emission_factor, ramp, own, strict=True
            )
        )
        groups: dict[tuple, list[int]] = {}
        for i, k in enumerate(keys):
            groups.setdefault(k, []).append(i)
        first = [v[0] for v in groups.values()]
        used: dict[str, int] = {}
        new_ids = []
        for members in groups.values():
            i0 = members[0]
            if len(members) == 1:
                name = ids[i0]
            else:
                base = f"{g_node[i0]}_{g_tech[i0]}"
                used[base] = used.get(base, 0) + 1
                name = base if used[base] == 1 else f"{base}_{used[base]}"
            new_ids.append(name)
        rows_of = [";".join(ids[i] for i in v) for v in groups.values()]
        status = [
            "existing" if any(status[i] == "existing" for i in v) else status[v[0]]
            for v in groups.values()
        ]

        def _sum(a: np.ndarray) -> np.ndarray:
            return np.stack([a[..., v].sum(axis=-1) for v in groups.values()], axis=-1)

        cap = _sum(cap)
        inflow_mw = _sum(inflow_mw)
        reservoir_mwh = _sum(reservoir_mwh)
        sel = np.array(first, dtype=np.int64)
        g_node, g_tech, g_country = g_node[sel], g_tech[sel], g_country[sel]
        eff, avail, must, vom, ramp = eff[sel], avail[sel], must[sel], vom[sel], ramp[sel]
        renewable, fuel, fuel_price = renewable[sel], fuel[sel], fuel_price[sel]
        emission_factor, marginal, avail_pu = emission_factor[sel], marginal[sel], avail_pu[:, sel]
        ids = new_ids
    else:
        rows_of = ids
    G = len(ids)

    # --- storage
    rt = stor["efficiency_roundtrip"].to_numpy(dtype=float)

    # --- links
    lf_from = links["node_from"].to_numpy(dtype=object)
    lf_to = links["node_to"].to_numpy(dtype=object)
    cross = np.array(
        [node_country[a] != node_country[b] for a, b in zip(lf_from, lf_to, strict=True)], bool
    )

    # --- policies
    pol = t["policies"][t["policies"]["year"] == year]
    countries = list(sc.COUNTRIES)

    def _country_policy(kind: str) -> np.ndarray:
        out = np.full(len(countries), np.nan)
        sub = pol[pol["policy"] == kind]
        for s, v in zip(sub["scope"], sub["value"], strict=True):
            if s == sc.ASEAN:
                out[:] = v
            else:
                out[countries.index(s)] = v
        return out

    carbon_price = np.nan_to_num(_country_policy("carbon_price"), nan=0.0)
    caps = pol[pol["policy"] == "carbon_cap"]
    cap_ids = list(caps["scope"])
    member = np.array(
        [[(s == sc.ASEAN) or (s == c) for c in countries] for s in cap_ids], bool
    ).reshape(len(cap_ids), len(countries))

    def v(dims, data, units, desc):
        return (dims, data, {"units": units, "description": desc})

    ds = xr.Dataset(
        {
            "demand_mw": v(("time", "node"), demand_mw, "MW", "Hourly demand."),
            "demand_twh": v(("node",), demand_twh, "TWh", "Annual demand."),
            "peak_mw": v(
                ("node",),
                dem.loc[node_ids, "peak_mw"].to_numpy(dtype=float),
                "MW",
                "Annual peak demand as given in demand.csv.",
            ),
            "capacity_mw": v(("generator",), cap, "MW", "Installed generation capacity."),
            "efficiency": v(("generator",), eff, "1", "Net electrical efficiency (LHV)."),
            "availability": v(("generator",), avail, "1", "Mean available share of capacity."),
            "must_run_share": v(
                ("generator",), must, "1", "Share of available capacity that must run."
            ),
            "ramp_per_hour": v(
                ("generator",), ramp, "1/h", "Largest hourly change as a share of capacity."
            ),
            "renewable": v(("generator",), renewable, "1", "Counts towards renewable targets."),
            "fuel_price_usd_per_gj": v(("generator",), fuel_price, "USD/GJ", "Fuel price."),
            "vom_usd_per_mwh": v(("generator",), vom, "USD/MWh", "Variable O&M cost."),
            "emission_factor_t_per_mwh": v(
                ("generator",), emission_factor, "t/MWh", "CO2 per MWh of electricity."
            ),
            "marginal_cost_usd_per_mwh": v(
                ("generator",),
                marginal,
                "USD/MWh",
                "Fuel plus variable O&M per MWh of electricity, before carbon prices.",
            ),
            "availability_pu": v(
                ("time", "generator"),
                avail_pu,
                "1",
                "Hourly upper bound of output per unit of capacity (profile x availability).",
            ),
            "hydro_inflow_mw": v(
                ("time", "generator"),
                inflow_mw,
                "MW",
                "Hourly natural inflow of reservoir hydro as electric power (0 elsewhere).",
            ),
            "reservoir_capacity_mwh": v(
                ("generator",), reservoir_mwh, "MWh", "Reservoir energy capacity (0: none)."
            ),
            "storage_power_mw": v(
                ("storage",), stor["power_mw"].to_numpy(dtype=float), "MW", "Storage power."
            ),
            "storage_energy_mwh": v(
                ("storage",), stor["energy_mwh"].to_numpy(dtype=float), "MWh", "Storage energy."
            ),
            "storage_efficiency_roundtrip": v(
                ("storage",), rt, "1", "Round-trip efficiency (split evenly: sqrt each way)."
            ),
            "link_capacity_forward_mw": v(
                ("link",),
                links["capacity_forward_mw"].to_numpy(dtype=float),
                "MW",
                "Limit from->to.",
            ),
            "link_capacity_backward_mw": v(
                ("link",),
                links["capacity_backward_mw"].to_numpy(dtype=float),
                "MW",
                "Limit to->from.",
            ),
            "link_loss_fraction": v(
                ("link",),
                links["loss_fraction"].to_numpy(dtype=float),
                "1",
                "Share lost in transit.",
            ),
            "wheeling_forward_usd_per_mwh": v(
                ("link",),
                links["wheeling_forward_usd_per_mwh"].to_numpy(dtype=float),
                "USD/MWh",
                "Charge per MWh sent forward.",
            ),
            "wheeling_backward_usd_per_mwh": v(
                ("link",),
                links["wheeling_backward_usd_per_mwh"].to_numpy(dtype=float),
                "USD/MWh",
                "Charge per MWh sent backward.",
            ),
            "link_voltage_kv": v(
                ("link",), links["voltage_kv"].to_numpy(dtype=float), "kV", "Nominal voltage."
            ),
            "carbon_price_usd_per_t": v(
                ("country",), carbon_price, "USD/tCO2", "Carbon price on power-sector CO2."
            ),
            "renewable_share_min": v(
                ("country",),
                _country_policy("renewable_share_min"),
                "1",
                "Minimum share of annual demand met by renewable generation in the country "
                "(NaN: no target).",
            ),
            "coal_generation_max_twh": v(
                ("country",),
                _country_policy("coal_generation_max"),
                "TWh",
                "Maximum annual coal and lignite generation (NaN: no limit).",
            ),
            "coal_capacity_max_mw": v(
                ("country",),
                _country_policy("coal_capacity_max"),
                "MW",
                "Maximum coal and lignite output in any hour (NaN: no limit).",
            ),
            "carbon_cap_mt": v(
                ("carbon_cap",),
                caps["value"].to_numpy(dtype=float),
                "MtCO2",
                "Annual CO2 cap of a group of countries.",
            ),
            "carbon_cap_member": v(
                ("carbon_cap", "country"), member, "1", "Countries covered by each cap."
            ),
            "time_weight_h": v(("time",), np.ones(T), "h", "Hours represented by each step."),
        },
        coords={
            "time": ("time", time, {"description": "Start of hour, UTC"}),
            "node": node_ids,
            "country": countries,
            "generator": ids,
            "storage": list(stor["storage"]),
            "link": list(links["link"]),
            "carbon_cap": cap_ids,
            "node_country": ("node", [node_country[n] for n in node_ids]),
            "node_name": ("node", list(nodes["name"])),
            "node_lat": ("node", nodes["lat"].to_numpy(dtype=float), {"units": "degree_north"}),
            "node_lon": ("node", nodes["lon"].to_numpy(dtype=float), {"units": "degree_east"}),
            "node_timezone": ("node", list(nodes["timezone"])),
            "generator_node": ("generator", list(g_node)),
            "generator_technology": ("generator", list(g_tech)),
            "generator_country": ("generator", list(g_country)),
            "generator_fuel": ("generator", list(fuel)),
            "generator_status": ("generator", status),
            "generator_rows": ("generator", rows_of),
            "storage_node": ("storage", list(stor["node"])),
            "storage_technology": ("storage", list(stor["technology"])),
            "storage_status": ("storage", list(stor["status"])),
            "link_from": ("link", list(lf_from)),
            "link_to": ("link", list(lf_to)),
            "link_kind": ("link", list(links["kind"])),
            "link_cross_border": ("link", cross),
            "link_status": ("link", list(links["status"])),
            "link_commission_year": ("link", links["commission_year"].to_numpy(dtype=int)),
        },
    )
    return ds


# ----------------------------------------------------------------------------------------------
# writing
# ----------------------------------------------------------------------------------------------
def _netcdf_ready(ds: xr.Dataset) -> xr.Dataset:
    """Make object/bool arrays and attrs storable in NetCDF."""
    out = ds.copy()
    for name, var in list(out.variables.items()):
        if var.dtype == bool:
            out[name] = var.astype("int8")
            out[name].attrs.update(var.attrs)
            out[name].attrs["dtype"] = "bool"
        elif var.dtype == object:
            out[name] = var.astype(str)
            out[name].attrs.update(var.attrs)
    for k, val in list(out.attrs.items()):
        if isinstance(val, bool):
            out.attrs[k] = int(val)
        elif isinstance(val, dict | list | tuple):
            out.attrs[k] = str(val)
        elif val is None:
            out.attrs[k] = ""
    return out


def replace_folder(tmp: Path, folder: Path) -> None:
    """Move a complete temporary folder into place; an existing folder is swapped out first
    and deleted only after the new one is in place."""
    if folder.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old.", dir=folder.parent))
        os.replace(folder, old / folder.name)
        os.replace(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, folder)


def write_results(
    res: xr.Dataset,
    folder: str | Path,
    overwrite: bool = False,
    tables: dict[str, pd.DataFrame] | None = None,
) -> Path:
    """Write a results Dataset (NetCDF + CSV tables) atomically.

    The files are written to a temporary folder beside ``folder`` and renamed into place only
    when complete; an existing folder is kept unless ``overwrite`` is true, and even then it is
    replaced only after the new one is complete.

    Parameters
    ----------
    res
        Results Dataset.
    folder
        Target folder, e.g. ``runs/base-2024``.
    overwrite
        Replace an existing folder.
    tables
        Extra tidy tables written as ``<name>.csv``.

    Returns
    -------
    pathlib.Path
        The folder written.
    """
    folder = Path(folder)
    if folder.exists() and not overwrite:
        raise OutputError(
            f"{folder} already exists; pass overwrite=True (CLI: --overwrite) to replace it"
        )
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=parent))
    except OSError as exc:
        raise OutputError(f"cannot create the results folder in {parent}: {exc}") from exc
    try:
        _netcdf_ready(res).to_netcdf(tmp / "results.nc", engine="h5netcdf")
        for name, df in (tables or {}).items():
            df.to_csv(tmp / f"{name}.csv", index=True)
        replace_folder(tmp, folder)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"cannot write results to {folder}: {exc}") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder

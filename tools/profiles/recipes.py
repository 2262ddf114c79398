"""Read and check the recipe files ``inputs/<dataset>/recipes/*.csv``.

Every file has one row per record and a non-empty ``source`` column; ``README.md`` in the
recipes folder describes the files.  Numbers are parsed from their text with :class:`float`, so
a value written as in the source reproduces that value exactly.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from .records import (
    DailyShape,
    Holiday,
    HydroMonthly,
    HydroRegime,
    Monthly,
    MonthlyDemand,
    NodeSpec,
    Parameters,
    Recipes,
    Season,
    SolarSeason,
    Target,
)
from .timebase import REF_YEAR, months_range

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
"""Column names of the twelve monthly values, January first."""
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Rows of ``demand_weekdays.csv``, in pandas ``day_of_week`` order."""


def _read(folder: Path, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """One recipe file as text, checked for its columns, a unique key and sources.

    Parameters
    ----------
    folder : pathlib.Path
        The recipes folder.
    name : str
        File name without ``.csv``.
    columns : tuple of str
        Required columns besides ``source``; the first is the key and must be unique.

    Returns
    -------
    pandas.DataFrame
        All cells as ``str`` (empty cells as ``""``).
    """
    path = folder / f"{name}.csv"
    if not path.is_file():
        raise FileNotFoundError(f"recipe file {path} not found")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in (*columns, "source") if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}")
    dup = df[columns[0]][df[columns[0]].duplicated()].tolist()
    if dup:
        raise ValueError(f"{path}: duplicate {columns[0]} {dup}")
    unsourced = df[columns[0]][df["source"].str.strip() == ""].tolist()
    if unsourced:
        raise ValueError(f"{path}: rows without a source: {unsourced}")
    return df


def _month_span(first: str, last: str) -> tuple[int, ...]:
    """Months from two cells ``first``, ``last`` (1-12); both empty for none."""
    if not first and not last:
        return ()
    return months_range(int(first), int(last))


def _span_cell(cell: str) -> tuple[int, ...]:
    """Months from a ``"first-last"`` cell such as ``"10-11"``; empty cell for none."""
    if not cell:
        return ()
    first, last = cell.split("-")
    return months_range(int(first), int(last))


def _points(cell: str) -> tuple[tuple[float, float], ...] | None:
    """Key points from ``"hour:level hour:level ..."``; empty cell for none (measured)."""
    if not cell.strip():
        return None
    pairs = [item.split(":") for item in cell.split()]
    points = tuple((float(h), float(v)) for h, v in pairs)
    hours = [h for h, _ in points]
    if hours != sorted(hours) or len(set(hours)) != len(hours) or not 0 <= hours[0] < 24:
        raise ValueError(f"key points {cell!r}: hours must increase within one day")
    if hours[-1] >= 24 or min(v for _, v in points) <= 0:
        raise ValueError(f"key points {cell!r}: hours must be < 24 and levels positive")
    return points


def _twelve(row: pd.Series) -> np.ndarray:
    """The twelve monthly values ``jan`` .. ``dec`` of a row."""
    return np.array([float(row[m]) for m in MONTHS])


def _nodes(folder: Path) -> dict[str, NodeSpec]:
    cols = ("node", "demand_monthly", "demand_monthly_note", "demand_shape", "solar_cf")
    cols += ("solar_season", "wind_cf", "wind_season", "wind_peak_solar_hour")
    df = _read(folder, "node_settings", cols)
    return {
        r["node"]: NodeSpec(
            monthly=r["demand_monthly"],
            monthly_note=r["demand_monthly_note"],
            shape=r["demand_shape"],
            solar_cf=r["solar_cf"],
            solar_season=r["solar_season"],
            wind_cf=r["wind_cf"],
            wind_season=r["wind_season"],
            wind_peak_hour=float(r["wind_peak_solar_hour"]),
            source=r["source"],
        )
        for _, r in df.iterrows()
    }


def _monthly_demand(folder: Path) -> dict[str, MonthlyDemand]:
    df = _read(folder, "demand_monthly", ("profile", "basis", "average_months", *MONTHS))
    out = {}
    for _, r in df.iterrows():
        if r["basis"] not in ("power", "energy"):
            raise ValueError(f"demand_monthly {r['profile']}: basis must be power or energy")
        out[r["profile"]] = MonthlyDemand(
            _twelve(r), r["basis"], _span_cell(r["average_months"]), r["source"]
        )
    return out


def _weekdays(folder: Path) -> np.ndarray:
    df = _read(folder, "demand_weekdays", ("weekday", "factor"))
    if tuple(df["weekday"]) != WEEKDAYS:
        raise ValueError(f"demand_weekdays: rows must be {', '.join(WEEKDAYS)} in this order")
    return np.array([float(v) for v in df["factor"]])


def _holidays(folder: Path) -> tuple[Holiday, ...]:
    df = _read(folder, "demand_holidays", ("holiday", "nodes", "dates", "factor"))
    out = []
    for _, r in df.iterrows():
        dates = tuple(r["dates"].split())
        bad = [d for d in dates if pd.Timestamp(d).year != REF_YEAR or len(d) != 10]
        if bad or not dates:
            raise ValueError(f"holiday {r['holiday']!r}: dates must be YYYY-MM-DD in {REF_YEAR}")
        out.append(
            Holiday(r["holiday"], dates, float(r["factor"]), tuple(r["nodes"].split()), r["source"])
        )
    return tuple(out)


def _targets(folder: Path, name: str) -> dict[str, Target]:
    df = _read(folder, name, ("target", "annual_cf"))
    return {r["target"]: Target(float(r["annual_cf"]), r["source"]) for _, r in df.iterrows()}


def _solar_season(folder: Path) -> dict[str, SolarSeason]:
    cols = ("season", "max_month", "max_factor", "min_month", "min_factor")
    df = _read(folder, "solar_season", cols)
    out = {}
    for _, r in df.iterrows():
        cells = [r[c] for c in cols[1:]]
        if not any(cells):
            out[r["season"]] = SolarSeason(None, r["source"])
            continue
        spec = (int(cells[0]), float(cells[1]), int(cells[2]), float(cells[3]))
        out[r["season"]] = SolarSeason(spec, r["source"])
    return out


def _hydro(folder: Path) -> dict[str, HydroRegime]:
    cols = ("node", "wet_first_month", "wet_last_month", "wet_dry_ratio")
    df = _read(folder, "hydro_regimes", cols)
    return {
        r["node"]: HydroRegime(
            _month_span(r["wet_first_month"], r["wet_last_month"]),
            float(r["wet_dry_ratio"]),
            r["source"],
        )
        for _, r in df.iterrows()
    }


DRY_MONTHS = tuple(f"dry_{m}" for m in MONTHS)
"""Columns of the optional dry-year monthly shape in ``hydro_monthly.csv``."""
HYDRO_MONTHLY_MEAN_TOL = 0.005
"""Allowed gap between the mean of a row's twelve factors and 1 (rounding), dimensionless."""


def _shape_cells(name: str, row: pd.Series, cols: tuple[str, ...]) -> np.ndarray:
    """Twelve positive factors with mean 1 from the cells ``cols`` of one row, checked."""
    out = []
    for c in cols:
        try:
            v = float(row[c])
        except ValueError:
            msg = f"{name}.csv node {row['node']}: {c} = {row[c]!r} is not a number"
            raise ValueError(msg) from None
        if not np.isfinite(v) or v <= 0.0:
            raise ValueError(f"{name}.csv node {row['node']}: {c} = {row[c]!r} must be > 0")
        out.append(v)
    f = np.array(out)
    if abs(f.mean() - 1.0) > HYDRO_MONTHLY_MEAN_TOL:
        raise ValueError(
            f"{name}.csv node {row['node']}: {cols[0]}..{cols[-1]} have mean {f.mean():.4f}, "
            f"not 1 (within {HYDRO_MONTHLY_MEAN_TOL})"
        )
    return f


def _hydro_monthly(folder: Path) -> dict[str, HydroMonthly]:
    """Measured monthly inflow shapes (``hydro_monthly.csv``; absent file: none)."""
    name = "hydro_monthly"
    if not (folder / f"{name}.csv").is_file():
        return {}
    df = _read(folder, name, ("node", *MONTHS, *DRY_MONTHS))
    out = {}
    for _, r in df.iterrows():
        dry_cells = [r[c].strip() for c in DRY_MONTHS]
        if any(dry_cells) and not all(dry_cells):
            raise ValueError(f"{name}.csv node {r['node']}: give all twelve dry_* cells or none")
        dry = _shape_cells(name, r, DRY_MONTHS) if all(dry_cells) else None
        out[r["node"]] = HydroMonthly(_shape_cells(name, r, MONTHS), dry, r["source"])
    return out


def _parameters(folder: Path) -> Parameters:
    df = _read(folder, "parameters", ("parameter", "value", "unit"))
    given = {r["parameter"]: float(r["value"]) for _, r in df.iterrows()}
    names = {f.name for f in dataclasses.fields(Parameters)}
    if set(given) != names:
        raise ValueError(
            f"parameters.csv: missing {sorted(names - set(given))}, "
            f"unknown {sorted(set(given) - names)}"
        )
    return Parameters(**given)


def check_recipes(rec: Recipes) -> None:
    """Check that every key a node refers to exists and every node named is a known node.

    Parameters
    ----------
    rec : Recipes
        As read by :func:`read_recipes`.

    Raises
    ------
    ValueError
        Listing every dangling reference.
    """
    problems = []
    for node, s in rec.nodes.items():
        refs = (
            ("demand_monthly", s.monthly, rec.monthly_demand),
            ("demand_shape", s.shape, rec.daily_shapes),
            ("solar_cf", s.solar_cf, rec.solar_cf),
            ("solar_season", s.solar_season, rec.solar_season),
            ("wind_cf", s.wind_cf, rec.wind_cf),
            ("wind_season", s.wind_season, rec.wind_monthly),
        )
        problems += [
            f"{node}: {col} {key!r} unknown" for col, key, table in refs if key not in table
        ]
    named = {f"peak season of {n}" for n in rec.peak_season if n not in rec.nodes}
    named |= {f"hydro regime of {n}" for n in rec.hydro_regime if n not in rec.nodes}
    named |= {f"monthly hydro shape of {n}" for n in rec.hydro_monthly if n not in rec.nodes}
    for h in rec.holidays:
        named |= {f"holiday {h.name!r} for {n}" for n in h.nodes if n not in rec.nodes}
    problems += [f"{p}: node not in node_settings.csv" for p in sorted(named)]
    problems += [f"{n}: no hydro regime" for n in rec.nodes if n not in rec.hydro_regime]
    if problems:
        raise ValueError("inconsistent recipes:\n  " + "\n  ".join(problems))


def read_recipes(folder: str | Path) -> Recipes:
    """Read and check every recipe file of a dataset.

    Parameters
    ----------
    folder : str or pathlib.Path
        The recipes folder, e.g. ``inputs/asean/recipes``.

    Returns
    -------
    Recipes
        All sourced inputs of the generator.
    """
    folder = Path(folder)
    shapes = _read(folder, "demand_daily_shapes", ("shape", "key_points"))
    peaks = _read(folder, "demand_peak_season", ("node", "first_month", "last_month"))
    wind = _read(folder, "wind_monthly", ("season", *MONTHS))
    rec = Recipes(
        nodes=_nodes(folder),
        monthly_demand=_monthly_demand(folder),
        weekday_factor=_weekdays(folder),
        holidays=_holidays(folder),
        daily_shapes={
            r["shape"]: DailyShape(_points(r["key_points"]), r["source"])
            for _, r in shapes.iterrows()
        },
        peak_season={
            r["node"]: Season(_month_span(r["first_month"], r["last_month"]), r["source"])
            for _, r in peaks.iterrows()
        },
        solar_cf=_targets(folder, "solar_cf"),
        wind_cf=_targets(folder, "wind_cf"),
        solar_season=_solar_season(folder),
        wind_monthly={r["season"]: Monthly(_twelve(r), r["source"]) for _, r in wind.iterrows()},
        hydro_regime=_hydro(folder),
        params=_parameters(folder),
        hydro_monthly=_hydro_monthly(folder),
    )
    check_recipes(rec)
    return rec

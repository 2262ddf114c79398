"""Read the dataset inputs, build every profile and the target table, and write them."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from aseangrid.data import schema

from .demand import build_demand, load_sg_ema
from .hydro import hydro_daily, hydro_dry_daily, hydro_monthly_daily, monthly_wet_dry_ratio
from .numerics import daily_to_hourly, node_seed
from .recipes import read_recipes
from .records import NodeSpec, Recipes
from .solar import build_solar
from .timebase import N_HOURS, format_months
from .wind import build_wind, correlated_rayleigh

BASE_YEAR = schema.BASE_YEAR
"""Year of ``demand.csv`` whose load factor calibrates the demand shapes."""
PROFILE_FILES: tuple[str, ...] = tuple(p.name for p in schema.PROFILE_FILES)
"""The hourly files the model reads (``profiles/<name>.csv``), from the data dictionary."""
TARGETS_FILE = "profile_targets"
"""Calibration targets and their sources, one row per node (beside the tables)."""
RECIPES_DIR = "recipes"
"""Folder of the recipe files inside a dataset folder."""
FLOAT_FORMAT = "%.5g"
SG_EMA_FILE = "sg_ema_half_hourly_system_demand_2012-2016.csv"
SG_EMA_ENV = "ASEANGRID_SG_EMA"
SG_EMA_DEFAULT_DIRS = ("sources", ".", "/work/shared/reference")


def read_load_factors(demand_csv: str | Path, year: int = BASE_YEAR) -> dict[str, float]:
    """Base-year load factors from ``demand.csv``.

    Parameters
    ----------
    demand_csv : str or pathlib.Path
        CSV with ``node, year, demand_twh, peak_mw``.
    year : int
        Base year.

    Returns
    -------
    dict
        Node -> LF = demand_twh * 1e6 / (8760 * peak_mw), dimensionless; ``nan`` where the
        peak is zero.
    """
    d = pd.read_csv(demand_csv)
    d = d[d["year"] == year]
    out = {}
    for node, twh, peak in zip(d["node"], d["demand_twh"], d["peak_mw"], strict=True):
        out[str(node)] = float(twh) * 1e6 / (8760.0 * float(peak)) if peak > 0 else float("nan")
    return out


def read_hydro(
    hydro_csv: str | Path, nodes: list[str], default: float | None = None
) -> dict[str, float]:
    """Nodes with hydro and their dry-year factor.

    Parameters
    ----------
    hydro_csv : str or pathlib.Path
        ``hydro.csv`` (``node, technology, annual_cf, dry_year_factor, ...``).
    nodes : list of str
        All node ids, in output order.
    default : float, optional
        Dry-year factor of every node when ``hydro_csv`` does not exist (the generator passes
        ``hydro_default_dry_year_factor`` of ``parameters.csv``); without it a missing file is
        an error.

    Returns
    -------
    dict
        Node -> dry-year factor (dimensionless), in ``nodes`` order: the value of the node's
        reservoir row if it has one, else of its first row (run-of-river rows in ``hydro.csv``
        carry a lower factor; scale the column by ``dyf_ror / dyf_reservoir`` to use it for
        run-of-river).
    """
    path = Path(hydro_csv)
    if not path.exists():
        if default is None:
            raise FileNotFoundError(f"{path} not found and no default dry-year factor given")
        return {n: default for n in nodes}
    h = pd.read_csv(path)
    out = {}
    for n in nodes:
        rows = h[h["node"] == n]
        if rows.empty:
            continue
        res = rows[rows["technology"].astype(str).str.contains("reservoir")]
        out[n] = float((res if not res.empty else rows)["dry_year_factor"].iloc[0])
    return out


def find_sg_ema(input_dir: str | Path, explicit: str | Path | None = None) -> Path:
    """Locate the EMA half-hourly demand CSV.

    Search order: ``explicit``, environment variable ``ASEANGRID_SG_EMA``, then
    ``<input_dir>/<d>/sg_ema_half_hourly_system_demand_2012-2016.csv`` for ``d`` in
    :data:`SG_EMA_DEFAULT_DIRS`.

    Parameters
    ----------
    input_dir : str or pathlib.Path
        Dataset directory (e.g. ``inputs/asean``).
    explicit : str or pathlib.Path, optional
        Path given by the caller.

    Returns
    -------
    pathlib.Path
        Existing file.
    """
    cands: list[Path] = []
    if explicit:
        cands.append(Path(explicit))
    if os.environ.get(SG_EMA_ENV):
        cands.append(Path(os.environ[SG_EMA_ENV]))
    cands += [Path(input_dir) / d / SG_EMA_FILE for d in SG_EMA_DEFAULT_DIRS]
    for c in cands:
        if c.is_file():
            return c
    raise FileNotFoundError(
        f"{SG_EMA_FILE} not found (tried {', '.join(str(c) for c in cands)}); "
        f"pass --sg-ema or set {SG_EMA_ENV}"
    )


WIND_KINDS = ("onshore", "offshore")
"""Wind profile kinds; each has its own seeds and its own correlated field."""


def wind_speed_factors(
    ids: list[str], lat: np.ndarray, lon: np.ndarray, rec: Recipes
) -> dict[str, np.ndarray]:
    """Spatially correlated unit-mean wind-speed factors of every node, per wind kind.

    Parameters
    ----------
    ids : list of str
        Node ids, in ``nodes.csv`` order (the first node keeps its own seeded draws).
    lat, lon : numpy.ndarray
        Node coordinates from ``nodes.csv``, degrees.
    rec : Recipes
        Sourced inputs (``wind_ar_phi`` and ``wind_correlation_length_km``).

    Returns
    -------
    dict
        Kind -> ``len(ids) x 8,760`` speed factors, dimensionless
        (:func:`.wind.correlated_rayleigh`).
    """
    p = rec.params
    return {
        kind: correlated_rayleigh(
            [node_seed(n, f"wind_{kind}") for n in ids],
            lat,
            lon,
            p.wind_correlation_length_km,
            p.wind_ar_phi,
        )
        for kind in WIND_KINDS
    }


def renewables(
    node: str, lat: float, lon: float, rec: Recipes, speed: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Solar PV, onshore and offshore wind capacity factors of one node.

    Parameters
    ----------
    node : str
        Node id.
    lat, lon : float
        Coordinates, degrees.
    rec : Recipes
        Sourced inputs.
    speed : dict
        Wind kind -> the node's 8,760 unit-mean speed factors (a row of
        :func:`wind_speed_factors`), dimensionless.

    Returns
    -------
    solar, onshore, offshore : numpy.ndarray
        8,760 hourly capacity factors each, per unit.
    """
    spec, p = rec.nodes[node], rec.params
    scf, wcf = rec.solar_cf[spec.solar_cf].value, rec.wind_cf[spec.wind_cf].value
    season = rec.solar_season[spec.solar_season].spec
    solar = build_solar(lat, lon, scf, season, node_seed(node, "solar"), p)
    monthly = rec.wind_monthly[spec.wind_season].values
    winds = []
    for kind, cf, amp in (
        ("onshore", wcf, p.wind_diurnal_amplitude_onshore),
        ("offshore", wcf + p.offshore_cf_uplift, p.wind_diurnal_amplitude_offshore),
    ):
        winds.append(
            build_wind(lon, cf, monthly, spec.wind_peak_hour, amp, speed[kind], p.power_curve)
        )
    return solar, winds[0], winds[1]


def _target_source(node: str, spec: NodeSpec, rec: Recipes) -> str:
    """The ``source`` cell of a node's row of ``profile_targets.csv``."""
    peak = rec.peak_season.get(node)
    uplift = rec.params.offshore_cf_uplift
    return "; ".join(
        [
            f"demand: LF from demand.csv {BASE_YEAR}; monthly "
            f"{rec.monthly_demand[spec.monthly].source} ({spec.monthly_note}); daily shape "
            f"{rec.daily_shapes[spec.shape].source}" + (f"; {peak.source}" if peak else ""),
            f"solar: {rec.solar_cf[spec.solar_cf].source}; "
            f"season {rec.solar_season[spec.solar_season].source}",
            f"wind: {rec.wind_cf[spec.wind_cf].source}; season "
            f"{rec.wind_monthly[spec.wind_season].source}; offshore = onshore + "
            f"{uplift * 100:.0f} pp [assumption]",
            f"hydro: {_hydro_source(node, rec)}",
        ]
    )


def _hydro_source(node: str, rec: Recipes) -> str:
    """Citation of a node's inflow shape: its monthly row if it has one, else its regime."""
    monthly = rec.hydro_monthly.get(node)
    if monthly is None:
        return rec.hydro_regime[node].source
    return f"monthly shape (hydro_monthly.csv) {monthly.source}"


def _wet_dry_ratio(node: str, rec: Recipes) -> float:
    """Wet/dry inflow ratio of a node over its regime's wet months (measured if monthly)."""
    regime = rec.hydro_regime[node]
    monthly = rec.hydro_monthly.get(node)
    if monthly is None:
        return regime.ratio
    return round(monthly_wet_dry_ratio(monthly.normal, regime.wet_months), 3)


def target_row(node: str, peak_hour: float, rec: Recipes) -> dict[str, object]:
    """One row of ``profile_targets.csv``: the node's calibration targets and their sources.

    Parameters
    ----------
    node : str
        Node id.
    peak_hour : float
        Local peak hour of the node's intra-day demand template, h.
    rec : Recipes
        Sourced inputs.

    Returns
    -------
    dict
        Column -> value; capacity factors per unit, ``wet_dry_ratio`` dimensionless.
    """
    spec = rec.nodes[node]
    wcf = rec.wind_cf[spec.wind_cf].value
    regime = rec.hydro_regime[node]
    return {
        "node": node,
        "solar_cf": round(rec.solar_cf[spec.solar_cf].value, 4),
        "wind_onshore_cf": round(wcf, 4),
        "wind_offshore_cf": round(wcf + rec.params.offshore_cf_uplift, 4),
        "peak_hour_local": peak_hour,
        "monthly_profile_country": spec.monthly,
        "wet_season_months": format_months(regime.wet_months),
        "wet_dry_ratio": _wet_dry_ratio(node, rec),
        "source": _target_source(node, spec, rec),
    }


def _monthly_daily(node: str, factors: np.ndarray) -> np.ndarray:
    """:func:`.hydro.hydro_monthly_daily` with the recipe row named in its error."""
    try:
        return hydro_monthly_daily(factors)
    except ValueError as exc:
        raise ValueError(f"hydro_monthly.csv node {node}: {exc}") from exc


def hydro_profiles(
    dry_factors: dict[str, float], rec: Recipes
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Hourly normal-year and dry-year inflow of the nodes with hydro.

    Parameters
    ----------
    dry_factors : dict
        Node -> dry-year factor (output of :func:`read_hydro`), dimensionless.
    rec : Recipes
        Hydro regimes, measured monthly shapes (used where a node has one) and smoothing
        settings.

    Returns
    -------
    inflow, inflow_dry : dict
        Node -> 8,760 hourly values per unit of the normal-year annual mean.
    """
    p = rec.params
    inflow, inflow_dry = {}, {}
    for node, dyf in dry_factors.items():
        regime, monthly = rec.hydro_regime[node], rec.hydro_monthly.get(node)
        if monthly is None:
            normal = hydro_daily(regime, p.hydro_smooth_sd_days)
        else:
            normal = _monthly_daily(node, monthly.normal)
        inflow[node] = daily_to_hourly(normal)
        inflow[node] /= inflow[node].mean()
        if monthly is not None and monthly.dry is not None:
            dry_daily = _monthly_daily(node, monthly.dry) * dyf
        else:
            dry_daily = hydro_dry_daily(
                regime, normal, dyf, p.hydro_smooth_sd_days, p.hydro_dry_season_harder
            )
        dry = daily_to_hourly(dry_daily)
        inflow_dry[node] = dry * dyf / dry.mean()
    return inflow, inflow_dry


def build_all(
    input_dir: str | Path, sg_ema: str | Path | None = None, recipes: str | Path | None = None
) -> dict[str, pd.DataFrame]:
    """Build every profile and the target table.

    Parameters
    ----------
    input_dir : str or pathlib.Path
        Directory with ``nodes.csv``, ``demand.csv`` and optionally ``hydro.csv``.
    sg_ema : str or pathlib.Path, optional
        EMA half-hourly CSV (see :func:`find_sg_ema`).
    recipes : str or pathlib.Path, optional
        Recipes folder; default ``<input_dir>/recipes``.

    Returns
    -------
    dict
        ``{name: DataFrame}`` for the profile files (column ``hour`` then nodes) and
        ``"profile_targets"``.
    """
    input_dir = Path(input_dir)
    rec = read_recipes(recipes if recipes is not None else input_dir / RECIPES_DIR)
    nodes = pd.read_csv(input_dir / "nodes.csv")
    ids = [str(n) for n in nodes["node"]]
    unknown = set(ids) - set(rec.nodes)
    if unknown:
        raise KeyError(f"no profile settings for nodes {sorted(unknown)}")
    lfs = read_load_factors(input_dir / "demand.csv")
    sg_hourly = load_sg_ema(find_sg_ema(input_dir, sg_ema))
    demand, peak_hours = build_demand(nodes, lfs, sg_hourly, rec)
    lats, lons = nodes["lat"].to_numpy(float), nodes["lon"].to_numpy(float)
    speed = wind_speed_factors(ids, lats, lons, rec)
    solar, onshore, offshore = {}, {}, {}
    for i, (node, lat, lon) in enumerate(zip(ids, lats, lons, strict=True)):
        own = {kind: speed[kind][i] for kind in WIND_KINDS}
        solar[node], onshore[node], offshore[node] = renewables(node, lat, lon, rec, own)
    default = rec.params.hydro_default_dry_year_factor
    inflow, inflow_dry = hydro_profiles(read_hydro(input_dir / "hydro.csv", ids, default), rec)

    hour = pd.DataFrame({"hour": np.arange(N_HOURS)})
    series = {
        "demand_shape": demand,
        "solar_pv": solar,
        "wind_onshore": onshore,
        "wind_offshore": offshore,
        "hydro_inflow": inflow,
        "hydro_inflow_dry": inflow_dry,
    }
    if set(series) != set(PROFILE_FILES):
        raise RuntimeError(f"generator makes {sorted(series)}, the model reads {PROFILE_FILES}")
    tables = {name: pd.concat([hour, pd.DataFrame(series[name])], axis=1) for name in series}
    tables[TARGETS_FILE] = pd.DataFrame([target_row(n, peak_hours[n], rec) for n in ids])
    return tables


def write_all(
    input_dir: str | Path,
    out_dir: str | Path | None = None,
    sg_ema: str | Path | None = None,
    recipes: str | Path | None = None,
) -> dict[str, Path]:
    """Build and write all profiles.

    Parameters
    ----------
    input_dir : str or pathlib.Path
        Dataset directory with the input CSVs.
    out_dir : str or pathlib.Path, optional
        Where to write; default ``input_dir``.  Profiles go to ``<out_dir>/profiles/*.csv``,
        the targets to ``<out_dir>/profile_targets.csv``.
    sg_ema : str or pathlib.Path, optional
        EMA half-hourly CSV.
    recipes : str or pathlib.Path, optional
        Recipes folder; default ``<input_dir>/recipes``.

    Returns
    -------
    dict
        Name -> written path.
    """
    out = Path(out_dir) if out_dir is not None else Path(input_dir)
    (out / "profiles").mkdir(parents=True, exist_ok=True)
    tables = build_all(input_dir, sg_ema, recipes)
    paths = {}
    for name, df in tables.items():
        folder = out if name == TARGETS_FILE else out / "profiles"
        path = folder / f"{name}.csv"
        df.to_csv(path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
        paths[name] = path
    return paths

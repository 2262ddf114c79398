"""Hourly demand shapes: measured Singapore series and parametric shapes calibrated to the LF."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .numerics import ar1, bisect, circular_smooth, monthly_to_daily, node_seed, periodic_interp
from .records import MonthlyDemand, Recipes
from .timebase import (
    DAYS_IN_MONTH,
    MONTH_OF_DAY,
    N_DAYS,
    N_HOURS,
    REF_YEAR,
    UTC_INDEX,
    local_calendar,
)

MEASURED_NODE = "SG"
"""Node whose demand shape is the measured EMA series itself (only calibrated to its LF)."""
PEAK_MARGIN = 1.01
"""The annual maximum inside the peak season must exceed the maximum outside by this ratio."""

Points = tuple[tuple[float, float], ...]


def load_sg_ema(path: str | Path) -> pd.Series:
    """Singapore EMA system demand for the UTC reference year, hourly.

    Parameters
    ----------
    path : str or pathlib.Path
        The EMA half-hourly CSV (``date, period_ending_time, system_demand_actual, ...``).

    Returns
    -------
    pandas.Series
        8,760 hourly mean system demand values, MW, indexed by UTC hour start (2015).

    Notes
    -----
    In the 2015 rows the time labels run 00:00-23:30 within each date; they are taken as the
    start of each half-hour (local time, UTC+8).  Hour ``h`` is the mean of the two half-hours
    starting at ``h:00`` and ``h:30``.  The UTC year 2015 runs from 1 Jan 2015 08:00 to
    1 Jan 2016 08:00 local time; the 2016 hours are taken from the measured series.
    """
    raw = pd.read_csv(path, usecols=["date", "period_ending_time", "system_demand_actual"])
    raw = raw[raw["date"].str.startswith((f"{REF_YEAR}-", f"{REF_YEAR + 1}-01-01"))]
    stamp = pd.to_datetime(raw["date"] + " " + raw["period_ending_time"])
    s = pd.Series(raw["system_demand_actual"].astype(float).to_numpy(), index=stamp)
    s = s.tz_localize("Asia/Singapore").tz_convert("UTC")
    hourly = s.groupby(s.index.floor("h")).mean().reindex(UTC_INDEX)
    if hourly.isna().any():
        hourly = hourly.interpolate(limit_direction="both")
    return hourly


def template(points: Points) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed periodic daily template on a 15-minute grid.

    Linear periodic interpolation through the key points, then a circular Gaussian smoothing
    with a 0.5-hour standard deviation.

    Parameters
    ----------
    points : tuple of (float, float)
        Key points (local hour in h, relative level).

    Returns
    -------
    grid : numpy.ndarray
        96 local hours, h.
    level : numpy.ndarray
        Template level on the grid, maximum 1, dimensionless.
    """
    grid = np.arange(96) * 0.25
    hp = np.array([p[0] for p in points])
    lv = np.array([p[1] for p in points])
    y = circular_smooth(periodic_interp(grid, hp, lv, 24.0), 2.0)
    return grid, y / y.max()


def sg_template(sg_hourly: pd.Series) -> Points:
    """Mean 2015 weekday profile of Singapore as template key points.

    Parameters
    ----------
    sg_hourly : pandas.Series
        Output of :func:`load_sg_ema`, MW.

    Returns
    -------
    tuple of (float, float)
        24 key points (local hour at mid-hour in h, level per unit of the maximum hour).
    """
    loc = sg_hourly.tz_convert("Asia/Singapore")
    weekday = loc.index.day_of_week < 5
    prof = loc[weekday].groupby(loc.index.hour[weekday]).mean()
    return tuple((float(h) + 0.5, float(v / prof.max())) for h, v in prof.items())


def template_peak_hour(points: Points) -> float:
    """Target local peak hour of a template: hour of its highest key point, h."""
    return float(max(points, key=lambda p: p[1])[0])


def calibrate_load_factor(shape: np.ndarray, load_factor: float) -> tuple[np.ndarray, float]:
    """Exact calibration of a positive shape to mean 1 and max ``1 / load_factor``.

    The monotone power transform ``y = s**k / mean(s**k)`` keeps the ordering of hours; the
    peak-to-mean ratio of ``s**k`` increases monotonically with ``k``, which is solved by
    bisection.

    Parameters
    ----------
    shape : numpy.ndarray
        Positive hourly shape, any scale.
    load_factor : float
        Target load factor (mean / peak), dimensionless, in (0, 1].

    Returns
    -------
    y : numpy.ndarray
        Calibrated shape, per unit of the annual mean.
    k : float
        Exponent used, dimensionless.
    """
    s = np.asarray(shape, dtype=float) / np.max(shape)
    if load_factor >= 1.0:
        return np.ones_like(s), 0.0

    def ratio(k: float) -> float:
        p = s**k
        return float(p.max() / p.mean())

    k = bisect(ratio, 1e-4, 60.0, 1.0 / load_factor, n=80)
    p = s**k
    return p / p.mean(), k


def monthly_power_factors(monthly: MonthlyDemand) -> np.ndarray:
    """Monthly mean-power factors from published monthly factors.

    Months listed in ``average_months`` are first replaced by their mean (energy-neutral);
    energy-basis factors are then divided by the month length relative to an average month.

    Parameters
    ----------
    monthly : MonthlyDemand
        Published factors and their basis.

    Returns
    -------
    numpy.ndarray
        Twelve factors: mean power in the month / annual mean power, dimensionless.
    """
    f = monthly.values.copy()
    if monthly.average_months:
        idx = np.array(monthly.average_months) - 1
        f[idx] = f[idx].mean()
    if monthly.basis == "energy":
        f = f / (DAYS_IN_MONTH / (N_DAYS / 12))
    return f


def day_type_factors(node: str, rec: Recipes) -> np.ndarray:
    """Weekday and holiday factor of each day, rescaled to mean 1 within each month.

    The monthly factors already contain weekends and holidays, so the day-type factors only
    move load between the days of a month.

    Parameters
    ----------
    node : str
        Node id.
    rec : Recipes
        Weekday factors and holidays.

    Returns
    -------
    numpy.ndarray
        365 daily factors, dimensionless.
    """
    dates = pd.date_range(f"{REF_YEAR}-01-01", periods=N_DAYS, freq="D")
    daily = rec.weekday_factor[dates.day_of_week.to_numpy()].copy()
    iso = dates.strftime("%Y-%m-%d")
    for hol in rec.holidays:
        if node in hol.nodes:
            daily[np.isin(iso, hol.dates)] = hol.factor
    month_mean = np.bincount(MONTH_OF_DAY, weights=daily) / DAYS_IN_MONTH
    return daily / month_mean[MONTH_OF_DAY]


def peak_season_weight(months: tuple[int, ...]) -> np.ndarray:
    """Smooth 0-1 daily weight of the peak-demand season (10-day Gaussian edges).

    Parameters
    ----------
    months : tuple of int
        Months 1-12 of the season; empty for none.

    Returns
    -------
    numpy.ndarray
        365 daily weights, dimensionless.
    """
    if not months:
        return np.zeros(N_DAYS)
    return circular_smooth(np.isin(MONTH_OF_DAY + 1, months).astype(float), 10.0)


def demand_raw(node: str, tz: str, sg_points: Points, rec: Recipes) -> tuple[np.ndarray, float]:
    """Uncalibrated hourly demand shape of a node (UTC hours).

    ``level(day) * (1 + (t(h) - 1) * (1 + alpha * w(day)))``: the daily level is the product of
    smoothed monthly factors, the weekday/holiday factor and a seeded AR(1) day-to-day factor;
    ``t`` is the node's intra-day template (daily mean 1) at local time; ``w`` marks the
    sourced peak-demand season and ``alpha`` >= 0 is the smallest amplification of the
    intra-day swing in that season that puts the annual maximum inside it (at least
    :data:`PEAK_MARGIN` above the maximum outside), found by bisection.

    Parameters
    ----------
    node : str
        Node id (key of ``rec.nodes``).
    tz : str
        IANA time zone.
    sg_points : tuple
        Singapore weekday template key points (used by nodes whose template has none).
    rec : Recipes
        Sourced inputs.

    Returns
    -------
    shape : numpy.ndarray
        8,760 positive values (arbitrary scale).
    alpha : float
        Peak-season amplification used, dimensionless.
    """
    spec, p = rec.nodes[node], rec.params
    local_hour, day = local_calendar(tz)
    monthly = monthly_to_daily(monthly_power_factors(rec.monthly_demand[spec.monthly]))
    daily = day_type_factors(node, rec)
    rng = np.random.default_rng(node_seed(node, "demand"))
    noise = 1.0 + p.daily_noise_sd * ar1(rng, N_DAYS, p.daily_noise_phi)
    grid, tmpl = template(rec.daily_shapes[spec.shape].points or sg_points)
    intra = periodic_interp(local_hour, grid, tmpl / tmpl.mean(), 24.0)
    level = (monthly * daily * noise)[day]
    season = rec.peak_season.get(node)
    w = peak_season_weight(season.months if season else ())[day]
    inside = w > 0.5

    def shape(alpha: float) -> np.ndarray:
        return level * (1.0 + (intra - 1.0) * (1.0 + alpha * w))

    def margin(alpha: float) -> float:
        y = shape(alpha)
        return float(y[inside].max() / y[~inside].max())

    alpha = 0.0
    if inside.any() and margin(0.0) < PEAK_MARGIN:
        if margin(3.0) >= PEAK_MARGIN:
            alpha = bisect(margin, 0.0, 3.0, PEAK_MARGIN, n=50)
        else:
            alpha = 3.0
    return shape(alpha), alpha


def build_demand(
    nodes: pd.DataFrame, load_factors: dict[str, float], sg_hourly: pd.Series, rec: Recipes
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Demand shapes of all nodes, calibrated to their base-year load factor.

    Parameters
    ----------
    nodes : pandas.DataFrame
        ``nodes.csv`` (columns ``node``, ``timezone``).
    load_factors : dict
        Node -> base-year load factor (mean / peak); ``nan`` or missing = no load (flat 1.0).
    sg_hourly : pandas.Series
        Output of :func:`load_sg_ema`, MW.
    rec : Recipes
        Sourced inputs.

    Returns
    -------
    demand : pandas.DataFrame
        8,760 x nodes, per unit of annual mean.
    peak_hours : dict
        Node -> local peak hour of the intra-day template, h.
    """
    sg_points = sg_template(sg_hourly)
    out: dict[str, np.ndarray] = {}
    peak_hours: dict[str, float] = {}
    for node, tz in zip(nodes["node"], nodes["timezone"], strict=True):
        lf = load_factors.get(node, float("nan"))
        points = rec.daily_shapes[rec.nodes[node].shape].points or sg_points
        peak_hours[node] = template_peak_hour(points)
        if node == MEASURED_NODE:
            raw = sg_hourly.to_numpy()
        else:
            raw = demand_raw(node, tz, sg_points, rec)[0]
        if not np.isfinite(lf) or lf <= 0:
            out[node] = np.ones(N_HOURS)
        else:
            out[node] = calibrate_load_factor(raw, lf)[0]
    return pd.DataFrame(out), peak_hours

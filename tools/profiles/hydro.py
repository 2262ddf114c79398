"""Daily hydro inflow shapes for a normal and a dry year.

Two methods: a measured monthly shape (``hydro_monthly.csv``: twelve monthly mean inflows from
river-flow statistics) where one is sourced, else a box-shaped wet/dry regime
(``hydro_regimes.csv``).
"""

from __future__ import annotations

import numpy as np

from .numerics import bisect, circular_smooth, monthly_to_daily
from .records import HydroRegime
from .timebase import DAYS_IN_MONTH, MONTH_OF_DAY, N_DAYS

MIN_DRY_SEASON_MULTIPLIER = 0.05
"""Floor of the dry-year multiplier in the dry season, dimensionless (keeps inflow positive)."""


def wet_mask_days(wet_months: tuple[int, ...]) -> np.ndarray:
    """Boolean per day of the reference year: day in a wet-season month.

    Parameters
    ----------
    wet_months : tuple of int
        Months 1-12 of the wet season.

    Returns
    -------
    numpy.ndarray
        365 booleans.
    """
    return np.isin(MONTH_OF_DAY + 1, np.array(wet_months, dtype=int))


def _seasonal(regime: HydroRegime, wet: np.ndarray) -> bool:
    """Whether a regime has a wet/dry contrast on the calendar."""
    return not (regime.ratio == 1.0 or not wet.any() or wet.all())


def hydro_daily(regime: HydroRegime, smooth_sd_days: float) -> np.ndarray:
    """Smooth daily inflow per unit of the annual mean for a wet/dry regime.

    A wet/dry step smoothed with a circular Gaussian kernel; the step height is solved by
    bisection so that the mean over wet-season days / mean over dry-season days equals
    ``regime.ratio`` exactly after smoothing.

    Parameters
    ----------
    regime : HydroRegime
        Wet months and ratio.
    smooth_sd_days : float
        Kernel standard deviation, days.

    Returns
    -------
    numpy.ndarray
        365 daily values, mean 1, all positive, dimensionless.
    """
    wet = wet_mask_days(regime.wet_months)
    if not _seasonal(regime, wet):
        return np.ones(N_DAYS)

    def shape(r: float) -> np.ndarray:
        return circular_smooth(np.where(wet, r, 1.0), smooth_sd_days)

    def ratio(r: float) -> float:
        y = shape(r)
        return float(y[wet].mean() / y[~wet].mean())

    r = bisect(ratio, 1.0, 100.0, regime.ratio, n=80)
    y = shape(r)
    return y / y.mean()


def hydro_dry_daily(
    regime: HydroRegime,
    normal: np.ndarray,
    dry_factor: float,
    smooth_sd_days: float,
    dry_season_harder: float,
) -> np.ndarray:
    """Daily dry-year inflow per unit of the normal-year annual mean.

    The normal shape is multiplied by ``1 - d`` in the wet season and ``1 - h d`` in the dry
    season (``h = dry_season_harder``), smoothed, then scaled so that its annual mean is
    exactly ``dry_factor``.

    Parameters
    ----------
    regime : HydroRegime
        Wet months and ratio.
    normal : numpy.ndarray
        Output of :func:`hydro_daily`.
    dry_factor : float
        Dry-year annual inflow / normal-year annual inflow, dimensionless.
    smooth_sd_days : float
        Kernel standard deviation, days.
    dry_season_harder : float
        Relative cut in the dry season / relative cut in the wet season, dimensionless.

    Returns
    -------
    numpy.ndarray
        365 daily values with mean ``dry_factor``, dimensionless.
    """
    wet = wet_mask_days(regime.wet_months)
    if not _seasonal(regime, wet):
        return normal * dry_factor
    h = dry_season_harder
    w_share = normal[wet].sum() / normal.sum()
    d = (1.0 - dry_factor) / (h - (h - 1.0) * w_share)
    cut = np.where(wet, 1.0 - d, np.maximum(1.0 - h * d, MIN_DRY_SEASON_MULTIPLIER))
    y = normal * circular_smooth(cut, smooth_sd_days)
    return y * dry_factor / y.mean()


def _day_weighted(factors: np.ndarray) -> np.ndarray:
    """Monthly factors rescaled so that their day-weighted mean over the year is 1."""
    f = np.asarray(factors, dtype=float)
    return f * N_DAYS / float(f @ DAYS_IN_MONTH)


def hydro_monthly_daily(factors: np.ndarray) -> np.ndarray:
    """Smooth daily inflow per unit of the annual mean from twelve monthly mean inflows.

    The factors are rescaled so that their day-weighted annual mean is 1; the daily curve is
    piecewise linear between mid-month anchors solved so that each calendar month's mean equals
    its rescaled factor exactly (:func:`.numerics.monthly_to_daily`).

    Parameters
    ----------
    factors : numpy.ndarray
        Twelve monthly mean inflows, January first, any unit (a row of ``hydro_monthly.csv``).

    Returns
    -------
    numpy.ndarray
        365 daily values, mean 1, dimensionless. Month ``m`` has mean
        ``factors[m] * 365 / sum(factors * days_in_month)``.

    Raises
    ------
    ValueError
        If the curve dips to zero or below (a monthly shape too steep for linear anchors).
    """
    y = monthly_to_daily(_day_weighted(factors))
    if y.min() <= 0.0:
        shape = " ".join(f"{v:g}" for v in np.asarray(factors, dtype=float))
        raise ValueError(f"monthly inflow shape {shape} gives a daily value <= 0 (too steep)")
    return y


def monthly_wet_dry_ratio(factors: np.ndarray, wet_months: tuple[int, ...]) -> float:
    """Mean inflow over wet-season days / mean over dry-season days of a monthly shape.

    Parameters
    ----------
    factors : numpy.ndarray
        Twelve monthly mean inflows, January first, any unit.
    wet_months : tuple of int
        Months 1-12 of the wet season; empty for none.

    Returns
    -------
    float
        The ratio, dimensionless; 1.0 when the wet season is empty or the whole year.
    """
    f = np.asarray(factors, dtype=float)
    wet = np.isin(np.arange(1, 13), np.array(wet_months, dtype=int))
    if not wet.any() or wet.all():
        return 1.0
    d = DAYS_IN_MONTH
    return float((f[wet] @ d[wet] / d[wet].sum()) / (f[~wet] @ d[~wet] / d[~wet].sum()))

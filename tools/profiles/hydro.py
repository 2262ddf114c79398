"""Daily hydro inflow shapes for a normal and a dry year from a wet/dry regime."""

from __future__ import annotations

import numpy as np

from .numerics import bisect, circular_smooth
from .records import HydroRegime
from .timebase import MONTH_OF_DAY, N_DAYS

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

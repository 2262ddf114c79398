"""Hourly wind capacity factors: seeded Rayleigh speeds, monsoon months, calibrated annual CF."""

from __future__ import annotations

import numpy as np

from .numerics import ar1, bisect, monthly_mean, monthly_to_daily
from .timebase import DAYS_IN_MONTH, N_HOURS


def power_curve(v: np.ndarray, curve: tuple[float, float, float]) -> np.ndarray:
    """Evaluate a generic normalised wind-turbine power curve.

    Parameters
    ----------
    v : numpy.ndarray
        Hub-height wind speed, m/s.
    curve : tuple of float
        Cut-in, rated and cut-out wind speed, m/s.

    Returns
    -------
    numpy.ndarray
        Output per unit of rated power: cubic between cut-in and rated speed, 1 up to cut-out,
        0 above.
    """
    vin, vr, vout = curve
    p = np.clip((v**3 - vin**3) / (vr**3 - vin**3), 0.0, 1.0)
    return np.where((v < vin) | (v >= vout), 0.0, p)


def rayleigh_process(seed: int, phi: float) -> np.ndarray:
    """Unit-mean Rayleigh process from two seeded hourly AR(1) Gaussian series.

    Parameters
    ----------
    seed : int
        Random seed.
    phi : float
        Hourly lag-1 autocorrelation of the Gaussian components, dimensionless.

    Returns
    -------
    numpy.ndarray
        8,760 values, dimensionless, mean 1 in expectation.
    """
    rng = np.random.default_rng(seed)
    z1 = ar1(rng, N_HOURS, phi)
    z2 = ar1(rng, N_HOURS, phi)
    return np.sqrt(z1**2 + z2**2) / np.sqrt(np.pi / 2.0)


def build_wind(
    lon: float,
    target_cf: float,
    monthly: np.ndarray,
    peak_hour: float,
    amplitude: float,
    seed: int,
    phi: float,
    curve: tuple[float, float, float],
) -> np.ndarray:
    """Hourly wind capacity factor of one node, calibrated to an annual CF.

    Wind speed ``v = V * m(day) * (1 + a cos(2 pi (h - h0) / 24)) * R(t)`` where ``R`` is a
    unit-mean Rayleigh process built from two seeded AR(1) Gaussian series, ``m`` a smooth
    monthly speed factor solved (fixed-point iteration) so that monthly output follows the
    sourced monsoon factors, ``h`` local solar time and ``V`` solved by bisection for the
    target annual CF.

    Parameters
    ----------
    lon : float
        Longitude, degrees (for local solar time).
    target_cf : float
        Annual capacity factor, per unit.
    monthly : numpy.ndarray
        Twelve sourced monthly output factors per unit of the annual mean, dimensionless.
    peak_hour : float
        Local solar hour of the diurnal speed maximum, h.
    amplitude : float
        Relative diurnal amplitude of the speed, dimensionless.
    seed : int
        Random seed.
    phi : float
        Hourly lag-1 autocorrelation of the Gaussian speed components, dimensionless.
    curve : tuple of float
        Cut-in, rated and cut-out wind speed, m/s (see :func:`power_curve`).

    Returns
    -------
    numpy.ndarray
        8,760 hourly capacity factors in [0, 1].
    """
    rayleigh = rayleigh_process(seed, phi)
    solar_hour = (np.arange(N_HOURS) + 0.5 + lon / 15.0) % 24.0
    diurnal = 1.0 + amplitude * np.cos(2 * np.pi * (solar_hour - peak_hour) / 24.0)
    day = np.arange(N_HOURS) // 24
    target = monthly / np.average(monthly, weights=DAYS_IN_MONTH)
    m = target ** (1.0 / 3.0)

    def run(v0: float, mm: np.ndarray) -> np.ndarray:
        return power_curve(v0 * monthly_to_daily(mm)[day] * diurnal * rayleigh, curve)

    def solve(mm: np.ndarray) -> float:
        return bisect(lambda v0: float(run(v0, mm).mean()), 0.5, 14.0, target_cf, n=50)

    if np.ptp(target) > 0:
        for _ in range(6):
            got = monthly_mean(run(solve(m), m))
            m = m * (target / np.maximum(got, 1e-3)) ** 0.4
            m /= np.average(m, weights=DAYS_IN_MONTH)
    return run(solve(m), m)

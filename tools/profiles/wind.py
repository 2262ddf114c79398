"""Hourly wind capacity factors: seeded, spatially correlated Rayleigh speeds, monsoon months,
calibrated annual CF."""

from __future__ import annotations

import numpy as np
from scipy.special import hyp2f1

from .numerics import bisect, monthly_mean, monthly_to_daily
from .timebase import DAYS_IN_MONTH, N_HOURS

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), km."""
RAYLEIGH_VAR = 4.0 / np.pi - 1.0
"""Variance of sqrt(z1^2 + z2^2) / sqrt(pi/2) for independent standard normals z1, z2."""


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


def great_circle_km(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Great-circle distance between every pair of points (haversine formula).

    Parameters
    ----------
    lat_deg, lon_deg : numpy.ndarray
        Latitudes and longitudes of ``n`` points, degrees.

    Returns
    -------
    numpy.ndarray
        ``n x n`` symmetric matrix of distances, km, zero on the diagonal.
    """
    lat, lon = np.radians(np.asarray(lat_deg, float)), np.radians(np.asarray(lon_deg, float))
    dlat, dlon = lat[:, None] - lat[None, :], lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def rayleigh_correlation(rho: float) -> float:
    """Correlation of two Rayleigh magnitudes whose Gaussian components correlate by ``rho``.

    With ``R_k = sqrt(x_k^2 + y_k^2)``, unit-variance Gaussian components, corr(x1, x2) =
    corr(y1, y2) = ``rho`` and x independent of y: ``E[R1 R2] = (pi/2) 2F1(-1/2, -1/2; 1;
    rho^2)``, so the correlation is ``(2F1(-1/2, -1/2; 1; rho^2) - 1) / (4/pi - 1)`` (about
    ``0.915 rho^2``).

    Parameters
    ----------
    rho : float
        Correlation of the Gaussian components, dimensionless, in [-1, 1].

    Returns
    -------
    float
        Correlation of the magnitudes, dimensionless, in [0, 1].
    """
    return float((hyp2f1(-0.5, -0.5, 1.0, rho * rho) - 1.0) / RAYLEIGH_VAR)


def gaussian_correlation(target: float) -> float:
    """Component correlation that gives Rayleigh magnitudes the correlation ``target``.

    The inverse of :func:`rayleigh_correlation` on [0, 1], by bisection.

    Parameters
    ----------
    target : float
        Correlation of the magnitudes (the wind-speed factors), dimensionless, in [0, 1].

    Returns
    -------
    float
        Correlation of the Gaussian components, dimensionless, in [0, 1].
    """
    if not 0.0 <= target <= 1.0:
        raise ValueError(f"wind-speed correlation {target} outside [0, 1]")
    if target in (0.0, 1.0):
        return target
    return bisect(rayleigh_correlation, 0.0, 1.0, target, n=60)


def driver_correlation(dist_km: np.ndarray, decay_km: float) -> np.ndarray:
    """Correlation matrix of the Gaussian wind drivers of a set of sites.

    The wind-speed factors of two sites at great-circle distance ``d`` correlate by
    ``exp(-d / decay_km)``; each Gaussian component gets the correlation
    :func:`gaussian_correlation` of that.

    Parameters
    ----------
    dist_km : numpy.ndarray
        ``n x n`` distances between the sites, km (distinct sites: off-diagonal > 0).
    decay_km : float
        E-folding distance of the wind-speed correlation, km, > 0.

    Returns
    -------
    numpy.ndarray
        ``n x n`` correlation matrix, dimensionless, ones on the diagonal.
    """
    if not decay_km > 0:
        raise ValueError(f"wind correlation e-folding distance {decay_km} km must be > 0")
    target = np.exp(-np.asarray(dist_km, float) / decay_km)
    corr = np.vectorize(gaussian_correlation, otypes=[float])(target)
    np.fill_diagonal(corr, 1.0)
    return corr


def _sites(lat_deg: np.ndarray, lon_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each node's site (nodes at equal coordinates share one) and the first node of
    every site."""
    coords = np.round(np.column_stack([lat_deg, lon_deg]).astype(float), 6)
    _, first, site = np.unique(coords, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[site.ravel()], first[order]


def correlated_drivers(
    seeds: list[int],
    lat_deg: np.ndarray,
    lon_deg: np.ndarray,
    decay_km: float,
    phi: float,
    n_hours: int = N_HOURS,
) -> np.ndarray:
    """The two Gaussian AR(1) wind-speed components of several nodes, correlated in space.

    Each node draws ``2 x n_hours`` standard-normal innovations from its own seed. Across
    sites they are mixed by the Cholesky factor of :func:`driver_correlation` (sites in node
    order, so the first node keeps its own draws) and then filtered into two stationary AR(1)
    series per node, ``z[0] = e[0]``, ``z[t] = phi z[t-1] + sqrt(1 - phi^2) e[t]``. Every
    node keeps the marginal process of an independent node, and two sites' components
    correlate by their :func:`driver_correlation` entry at every hour. Nodes at the same
    coordinates share one site and get the same series (the first of them draws it).

    Parameters
    ----------
    seeds : list of int
        Random seed of each node.
    lat_deg, lon_deg : numpy.ndarray
        Node coordinates, degrees.
    decay_km : float
        E-folding distance of the wind-speed correlation, km.
    phi : float
        Hourly lag-1 autocorrelation of the Gaussian components, dimensionless, in [0, 1).
    n_hours : int
        Length of the series, h.

    Returns
    -------
    numpy.ndarray
        ``len(seeds) x 2 x n_hours`` components, dimensionless, unit variance.
    """
    lat_deg, lon_deg = np.asarray(lat_deg, float), np.asarray(lon_deg, float)
    site, first = _sites(lat_deg, lon_deg)
    corr = driver_correlation(great_circle_km(lat_deg[first], lon_deg[first]), decay_km)
    try:
        chol = np.linalg.cholesky(corr)
    except np.linalg.LinAlgError as exc:
        raise ValueError(
            f"wind driver correlation for e-folding distance {decay_km} km is not positive "
            f"definite (smallest eigenvalue {np.linalg.eigvalsh(corr).min():.3g})"
        ) from exc
    rngs = [np.random.default_rng(seeds[i]) for i in first]
    e = np.einsum("ij,jkt->ikt", chol, np.stack([r.standard_normal((2, n_hours)) for r in rngs]))
    z = np.empty_like(e)
    z[..., 0] = e[..., 0]
    s = np.sqrt(1.0 - phi * phi)
    for t in range(1, n_hours):
        z[..., t] = phi * z[..., t - 1] + s * e[..., t]
    return z[site]


def correlated_rayleigh(
    seeds: list[int],
    lat_deg: np.ndarray,
    lon_deg: np.ndarray,
    decay_km: float,
    phi: float,
    n_hours: int = N_HOURS,
) -> np.ndarray:
    """Unit-mean Rayleigh speed factors of several nodes, correlated in space.

    ``sqrt(z1^2 + z2^2) / sqrt(pi/2)`` of the components of :func:`correlated_drivers`: the
    speed factors of two sites at distance ``d`` correlate by ``exp(-d / decay_km)`` in
    expectation, at every hour.

    Parameters
    ----------
    seeds : list of int
        Random seed of each node.
    lat_deg, lon_deg : numpy.ndarray
        Node coordinates, degrees.
    decay_km : float
        E-folding distance of the wind-speed correlation, km.
    phi : float
        Hourly lag-1 autocorrelation of the Gaussian components, dimensionless, in [0, 1).
    n_hours : int
        Length of the series, h.

    Returns
    -------
    numpy.ndarray
        ``len(seeds) x n_hours`` speed factors, dimensionless, mean 1 in expectation.
    """
    z = correlated_drivers(seeds, lat_deg, lon_deg, decay_km, phi, n_hours)
    return np.sqrt(z[:, 0] ** 2 + z[:, 1] ** 2) / np.sqrt(np.pi / 2.0)


def build_wind(
    lon: float,
    target_cf: float,
    monthly: np.ndarray,
    peak_hour: float,
    amplitude: float,
    rayleigh: np.ndarray,
    curve: tuple[float, float, float],
) -> np.ndarray:
    """Hourly wind capacity factor of one node, calibrated to an annual CF.

    Wind speed ``v = V * m(day) * (1 + a cos(2 pi (h - h0) / 24)) * R(t)`` where ``R`` is a
    unit-mean Rayleigh process (:func:`correlated_rayleigh`), ``m`` a smooth
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
    rayleigh : numpy.ndarray
        8,760 hourly unit-mean speed factors ``R(t)``, dimensionless.
    curve : tuple of float
        Cut-in, rated and cut-out wind speed, m/s (see :func:`power_curve`).

    Returns
    -------
    numpy.ndarray
        8,760 hourly capacity factors in [0, 1].
    """
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

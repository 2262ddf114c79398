"""Small numerical helpers of the profile generator: seeds, AR(1), smoothing, interpolation."""

from __future__ import annotations

import zlib
from collections.abc import Callable

import numpy as np

from .timebase import DAYS_IN_MONTH, MONTH_OF_DAY, MONTH_START, N_DAYS, N_HOURS


def node_seed(node: str, kind: str) -> int:
    """Deterministic random seed for one node and profile kind.

    Parameters
    ----------
    node : str
        Node id.
    kind : str
        Profile kind, e.g. ``"solar"``.

    Returns
    -------
    int
        CRC-32 of ``"kind:node"`` (platform independent).
    """
    return zlib.crc32(f"{kind}:{node}".encode())


def ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    """Stationary AR(1) series with unit variance.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the standard-normal innovations (``n`` draws).
    n : int
        Length of the series.
    phi : float
        Lag-1 autocorrelation, dimensionless, in [0, 1).

    Returns
    -------
    numpy.ndarray
        ``n`` values, dimensionless.
    """
    e = rng.standard_normal(n)
    x = np.empty(n)
    x[0] = e[0]
    s = np.sqrt(1.0 - phi * phi)
    for i in range(1, n):
        x[i] = phi * x[i - 1] + s * e[i]
    return x


def circular_smooth(x: np.ndarray, sd: float) -> np.ndarray:
    """Circular convolution of a periodic series with a Gaussian kernel.

    Parameters
    ----------
    x : numpy.ndarray
        Periodic series (one period).
    sd : float
        Kernel standard deviation in samples.

    Returns
    -------
    numpy.ndarray
        Smoothed series (same sum as ``x``).
    """
    n = len(x)
    lag = np.minimum(np.arange(n), n - np.arange(n))
    k = np.exp(-0.5 * (lag / sd) ** 2)
    k /= k.sum()
    return np.real(np.fft.ifft(np.fft.fft(x) * np.fft.fft(k)))


def periodic_interp(x: np.ndarray, xp: np.ndarray, fp: np.ndarray, period: float) -> np.ndarray:
    """Linear interpolation of periodic data.

    Parameters
    ----------
    x : numpy.ndarray
        Where to evaluate (any real values; taken modulo ``period``).
    xp : numpy.ndarray
        Sample positions, increasing, inside one period.
    fp : numpy.ndarray
        Sample values.
    period : float
        Period, in the unit of ``x``.

    Returns
    -------
    numpy.ndarray
        Interpolated values, in the unit of ``fp``.
    """
    xe = np.concatenate([[xp[-1] - period], xp, [xp[0] + period]])
    fe = np.concatenate([[fp[-1]], fp, [fp[0]]])
    return np.interp(np.mod(x, period), xe, fe)


def monthly_to_daily(factors: np.ndarray) -> np.ndarray:
    """Smooth daily curve whose monthly means equal given monthly factors.

    A periodic piecewise-linear curve through mid-month anchor values; the anchors are solved
    (12 x 12 linear system) so that each calendar month's mean equals its factor exactly.

    Parameters
    ----------
    factors : numpy.ndarray
        Twelve monthly mean values (any unit).

    Returns
    -------
    numpy.ndarray
        365 daily values (same unit), one per day of the reference year.
    """
    days = np.arange(N_DAYS) + 0.5
    mids = MONTH_START + DAYS_IN_MONTH / 2.0
    basis = np.column_stack([periodic_interp(days, mids, np.eye(12)[j], N_DAYS) for j in range(12)])
    avg = np.zeros((12, N_DAYS))
    avg[MONTH_OF_DAY, np.arange(N_DAYS)] = 1.0
    avg /= DAYS_IN_MONTH[:, None]
    anchors = np.linalg.solve(avg @ basis, np.asarray(factors, dtype=float))
    return basis @ anchors


def daily_to_hourly(daily: np.ndarray) -> np.ndarray:
    """Linear interpolation of 365 daily values (UTC days) to 8,760 hours.

    Parameters
    ----------
    daily : numpy.ndarray
        One value per day, taken at noon UTC (any unit).

    Returns
    -------
    numpy.ndarray
        8,760 hourly values (same unit), periodic over the year.
    """
    hours = np.arange(N_HOURS) + 0.5
    return periodic_interp(hours, np.arange(N_DAYS) * 24.0 + 12.0, daily, float(N_HOURS))


def bisect(f: Callable[[float], float], lo: float, hi: float, target: float, n: int = 60) -> float:
    """Solve ``f(x) = target`` for increasing ``f`` on ``[lo, hi]`` by bisection.

    Parameters
    ----------
    f : callable
        Increasing function of one float.
    lo, hi : float
        Bracket.
    target : float
        Value sought, in the unit of ``f``.
    n : int
        Number of halvings.

    Returns
    -------
    float
        Midpoint of the final bracket.
    """
    for _ in range(n):
        mid = 0.5 * (lo + hi)
        if f(mid) < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def monthly_mean(hourly: np.ndarray) -> np.ndarray:
    """Mean of an hourly series in each calendar month, normalised to a day-weighted mean of 1.

    Parameters
    ----------
    hourly : numpy.ndarray
        8,760 values (any unit).

    Returns
    -------
    numpy.ndarray
        Twelve monthly means per unit of the annual mean.
    """
    month_h = MONTH_OF_DAY[np.arange(N_HOURS) // 24]
    got = np.bincount(month_h, weights=hourly, minlength=12) / (DAYS_IN_MONTH * 24)
    return got / np.average(got, weights=DAYS_IN_MONTH)

"""Hourly solar PV capacity factors: pvlib clear sky, seeded clouds, calibrated annual CF."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pvlib

from .numerics import ar1, bisect, monthly_mean, monthly_to_daily
from .records import Parameters
from .timebase import DAYS_IN_MONTH, N_DAYS, N_HOURS, UTC_INDEX

ALBEDO = 0.2
"""Ground reflectance seen by the tilted panel, dimensionless."""
MIN_TILT = 5.0
"""Smallest panel tilt, degrees (the tilt is otherwise |latitude|)."""


def skewed_cosine(spec: tuple[int, float, int, float]) -> np.ndarray:
    """Twelve monthly factors from a month of maximum and a month of minimum (smooth, periodic).

    Half-cosine falling from the maximum month to the minimum month and rising back, each
    branch with its own length; normalised to a day-weighted mean of 1.

    Parameters
    ----------
    spec : tuple of (int, float, int, float)
        Month of maximum (1-12), its factor, month of minimum, its factor (dimensionless).

    Returns
    -------
    numpy.ndarray
        Twelve monthly factors, dimensionless.
    """
    m_max, f_max, m_min, f_min = spec
    mid, amp = 0.5 * (f_max + f_min), 0.5 * (f_max - f_min)
    down = (m_min - m_max) % 12
    up = 12 - down
    f = np.empty(12)
    for m in range(1, 13):
        d = (m - m_max) % 12
        f[m - 1] = mid + amp * (
            np.cos(np.pi * d / down) if d <= down else -np.cos(np.pi * (d - down) / up)
        )
    return f / np.average(f, weights=DAYS_IN_MONTH)


@dataclass
class PVGeometry:
    """Pre-computed sun geometry and clear-sky irradiance of one site (hourly, UTC).

    Attributes
    ----------
    ghi_cs : numpy.ndarray
        Clear-sky global horizontal irradiance, W/m2.
    cos_zen, cos_aoi : numpy.ndarray
        Cosine of the apparent solar zenith and of the angle of incidence on the panel.
    zenith : numpy.ndarray
        Apparent solar zenith, degrees.
    dni_extra : numpy.ndarray
        Extraterrestrial normal irradiance, W/m2.
    tilt : float
        Panel tilt, degrees.
    doy : numpy.ndarray
        Day of year of each hour.
    """

    ghi_cs: np.ndarray
    cos_zen: np.ndarray
    cos_aoi: np.ndarray
    zenith: np.ndarray
    dni_extra: np.ndarray
    tilt: float
    doy: np.ndarray


def pv_geometry(lat: float, lon: float) -> PVGeometry:
    """Solar position (pvlib SPA), Ineichen clear-sky GHI and plane-of-array geometry.

    Parameters
    ----------
    lat, lon : float
        Site coordinates, degrees.

    Returns
    -------
    PVGeometry
        At the middle of each UTC hour; the panel faces the equator.
    """
    times = UTC_INDEX + pd.Timedelta(minutes=30)
    site = pvlib.location.Location(lat, lon, tz="UTC", altitude=0.0)
    sp = site.get_solarposition(times)
    cs = site.get_clearsky(times, model="ineichen", solar_position=sp)
    tilt = max(abs(lat), MIN_TILT)
    azimuth = 180.0 if lat >= 0 else 0.0
    aoi = pvlib.irradiance.aoi(tilt, azimuth, sp["apparent_zenith"], sp["azimuth"])
    zen = sp["apparent_zenith"].to_numpy()
    return PVGeometry(
        ghi_cs=cs["ghi"].to_numpy(),
        cos_zen=np.cos(np.radians(zen)),
        cos_aoi=np.cos(np.radians(aoi.to_numpy())),
        zenith=zen,
        dni_extra=pvlib.irradiance.get_extra_radiation(times).to_numpy(),
        tilt=tilt,
        doy=times.day_of_year.to_numpy(),
    )


def pv_output(geo: PVGeometry, kc_hourly: np.ndarray, params: Parameters) -> np.ndarray:
    """AC capacity factor for a given hourly clear-sky index (Erbs split, isotropic sky).

    Parameters
    ----------
    geo : PVGeometry
        Site geometry.
    kc_hourly : numpy.ndarray
        Clear-sky index of each hour, dimensionless.
    params : Parameters
        Air temperature, temperature coefficient and DC/AC ratio.

    Returns
    -------
    numpy.ndarray
        8,760 capacity factors in [0, 1].
    """
    ghi = geo.ghi_cs * kc_hourly
    erbs = pvlib.irradiance.erbs(ghi, geo.zenith, geo.doy)
    dni = np.nan_to_num(np.asarray(erbs["dni"], dtype=float))
    dhi = np.nan_to_num(np.asarray(erbs["dhi"], dtype=float))
    ct = np.cos(np.radians(geo.tilt))
    poa = dni * np.clip(geo.cos_aoi, 0.0, None) + dhi * (1 + ct) / 2 + ghi * ALBEDO * (1 - ct) / 2
    poa = np.where(geo.cos_zen > 0, poa, 0.0)
    t_cell = pvlib.temperature.faiman(poa, params.pv_temp_air, 1.0)
    dc = poa / 1000.0 * (1.0 + params.pv_gamma * (t_cell - 25.0))
    return np.clip(params.pv_dc_ac * dc, 0.0, 1.0)


def build_solar(
    lat: float,
    lon: float,
    target_cf: float,
    season: tuple[int, float, int, float] | None,
    seed: int,
    params: Parameters,
) -> np.ndarray:
    """Hourly PV capacity factor of one node, calibrated to an annual CF.

    Clear-sky GHI (Ineichen, pvlib) x daily clear-sky index; the index is
    ``min(1, s * m(day) * r(day))`` where ``m`` is a smooth monthly cloudiness factor solved
    so that monthly PV output follows the sourced seasonal factors, ``r`` a seeded lognormal
    AR(1) daily factor and ``s`` the level solved by bisection for the target annual CF.

    Parameters
    ----------
    lat, lon : float
        Site coordinates, degrees.
    target_cf : float
        Annual mean AC capacity factor, per unit.
    season : tuple of (int, float, int, float) or None
        Month of maximum, factor, month of minimum, factor of monthly PV output (see
        :func:`skewed_cosine`); ``None`` for sun geometry only.
    seed : int
        Random seed.
    params : Parameters
        Cloud and PV settings.

    Returns
    -------
    numpy.ndarray
        8,760 hourly capacity factors in [0, 1] (UTC hours).
    """
    geo = pv_geometry(lat, lon)
    rng = np.random.default_rng(seed)
    sd = params.pv_cloud_sd
    r_day = np.exp(sd * ar1(rng, N_DAYS, params.pv_cloud_phi) - 0.5 * sd**2)
    day = np.arange(N_HOURS) // 24
    target_month = skewed_cosine(season) if season is not None else None
    m = np.ones(12)

    def run(scale: float, mm: np.ndarray) -> np.ndarray:
        kc = np.minimum(1.0, scale * monthly_to_daily(mm)[day] * r_day[day])
        return pv_output(geo, np.clip(kc, 0.02, 1.0), params)

    def solve(mm: np.ndarray) -> float:
        return bisect(lambda sc: float(run(sc, mm).mean()), 0.05, 3.0, target_cf, n=30)

    if target_month is not None:
        for _ in range(4):
            got = monthly_mean(run(solve(m), m))
            m = np.clip(m * target_month / got, 0.05, None)
            m /= m.max()
    out = run(solve(m), m)
    if out.mean() < target_cf - 1e-4:  # clear skies not enough: raise the DC/AC ratio
        g = bisect(lambda x: float(np.clip(x * out, 0, 1).mean()), 1.0, 5.0, target_cf)
        out = np.clip(g * out, 0.0, 1.0)
    return out

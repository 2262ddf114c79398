"""Reproducible hourly profiles for the aseangrid ASEAN dataset.

This module builds, from published statistics only, the hourly input profiles of the model:

* ``demand_shape.csv``  -- hourly demand per unit of the annual mean (mean 1, max 1/LF);
* ``solar_pv.csv``      -- hourly PV capacity factor (AC, per unit of rated AC power);
* ``wind_onshore.csv``  -- hourly onshore wind capacity factor;
* ``wind_offshore.csv`` -- hourly offshore wind capacity factor;
* ``hydro_inflow.csv``  -- hourly natural inflow per unit of the normal-year annual mean;
* ``hydro_inflow_dry.csv`` -- dry-year inflow per unit of the *normal-year* annual mean;

plus ``profile_targets.csv``, the calibration targets and their sources.

All series cover the 8,760 hours of the non-leap reference year 2015 in UTC (row ``hour`` 0 is
1 Jan 2015 00:00-01:00 UTC).  2015 is used because it is the last complete year of the only
measured hourly demand series available (Singapore, EMA); its calendar (weekdays, public holidays)
is used for every node so that weekends and holidays coincide with the measured series.

Everything is deterministic (fixed seeds derived from the node id), so::

    python -m aseangrid.profiles inputs/asean

regenerates the shipped CSV files byte-identically.  Methods and sources are documented in
``docs/profiles.md``; the reference sheet is ``asean-profiles-costs.md`` (cited as "APC") and
``asean-facts.md`` (cited as "AF").

Only numpy, pandas and pvlib (plus the standard library) are imported.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib

# ---------------------------------------------------------------------------------------------
# General constants
# ---------------------------------------------------------------------------------------------

REF_YEAR = 2015
"""Calendar year whose weekdays and holidays the profiles follow (non-leap)."""

N_HOURS = 8760
N_DAYS = 365
BASE_YEAR = 2024
"""Year of ``demand.csv`` whose load factor calibrates the demand shapes."""

PROFILE_FILES = (
    "demand_shape",
    "solar_pv",
    "wind_onshore",
    "wind_offshore",
    "hydro_inflow",
    "hydro_inflow_dry",
)
FLOAT_FORMAT = "%.5g"
SG_EMA_FILE = "sg_ema_half_hourly_system_demand_2012-2016.csv"
SG_EMA_ENV = "ASEANGRID_SG_EMA"
SG_EMA_DEFAULT_DIRS = ("sources", ".", "/work/shared/reference")

DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
MONTH_START = np.concatenate([[0], np.cumsum(DAYS_IN_MONTH)[:-1]])
MONTH_OF_DAY = np.repeat(np.arange(12), DAYS_IN_MONTH)
"""Month index (0 = January) of each day of the reference year."""

UTC_INDEX = pd.date_range(f"{REF_YEAR}-01-01", periods=N_HOURS, freq="h", tz="UTC")
"""Start of each hour of the reference year, UTC."""

# ---------------------------------------------------------------------------------------------
# Demand: sourced statistics
# ---------------------------------------------------------------------------------------------

_VNM_TABLE_1C = np.array(
    [0.865, 0.850, 0.947, 0.999, 1.043, 1.048, 1.071, 1.037, 1.004, 0.978, 1.087, 1.072]
)
# APC §1.1 flags the Viet Nam November spike (and October low) as probable reporting-period
# effects: October and November are replaced by their mean (energy-neutral).
_VNM_TABLE_1C[9:11] = _VNM_TABLE_1C[9:11].mean()

MONTHLY_DEMAND: dict[str, tuple[np.ndarray, str]] = {
    "THA": (
        np.array(
            [0.902, 1.071, 1.050, 1.110, 1.077, 1.031, 0.977, 1.005, 0.988, 0.983, 0.960, 0.855]
        ),
        "Thailand 2024, Ember monthly, APC Table 1b",
    ),
    "MYS": (
        np.array(
            [0.963, 0.985, 1.026, 1.019, 1.040, 0.987, 1.014, 1.015, 0.992, 1.005, 0.987, 0.966]
        ),
        "Malaysia 2024, Ember monthly, APC Table 1b",
    ),
    "MMR": (
        np.array(
            [0.963, 0.918, 0.883, 0.962, 0.969, 1.023, 1.076, 1.071, 1.079, 1.146, 0.990, 0.915]
        ),
        "Myanmar 2022, Ember monthly, APC Table 1b",
    ),
    "SGP": (
        np.array(
            [0.953, 0.967, 0.984, 1.025, 1.024, 1.005, 1.028, 1.016, 1.013, 1.010, 0.994, 0.980]
        ),
        "Singapore: measured EMA 2015 hourly series (Table 1b 2024 not applied)",
    ),
    "PHL": (
        np.array(
            [0.889, 0.964, 0.894, 1.074, 1.097, 1.101, 0.980, 1.029, 1.029, 0.985, 1.029, 0.932]
        ),
        "Philippines 2024, Ember monthly, APC Table 1b",
    ),
    # Viet Nam: APC §1.1 flags the 2024 March dip / November spike as reporting artefacts and
    # recommends Table 1c (2022-2024 mean of energy factors); converted here to mean-power
    # factors by removing the month-length effect.
    "VNM": (
        _VNM_TABLE_1C / (DAYS_IN_MONTH / (N_DAYS / 12)),
        "Viet Nam 2022-24 mean, Ember monthly, APC Table 1c, Oct/Nov averaged, month-length "
        "corrected",
    ),
}

WEEKDAY_FACTOR = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.93, 0.895])
"""Daily mean demand by weekday (Mon..Sun) relative to the Mon-Fri mean: Singapore EMA
2013-2015, Saturday 0.93, Sunday 0.89-0.90 (APC §1.2); applied to every node."""

DAILY_NOISE_SD = 0.016
"""Standard deviation of the day-to-day demand factor: SD of 2015 Singapore weekday daily means
around an 11-weekday running median (derived here from the EMA series)."""
DAILY_NOISE_PHI = 0.2
"""Lag-1 autocorrelation of the day-to-day demand factor (same derivation: 0.17)."""


@dataclass(frozen=True)
class Holiday:
    """A holiday effect on daily demand.

    Attributes
    ----------
    name : str
        Label.
    dates : tuple of str
        Local calendar dates (``YYYY-MM-DD``) of the reference year.
    factor : float
        Daily mean demand relative to a normal weekday, dimensionless.
    nodes : tuple of str
        Node ids the effect applies to.
    source : str
        Citation.
    """

    name: str
    dates: tuple[str, ...]
    factor: float
    nodes: tuple[str, ...]
    source: str


_ID = ("ID-JAMALI", "ID-SUM", "ID-KAL", "ID-SUL", "ID-EAST")
_MY_BN = ("MY-PEN", "MY-SWK", "MY-SBH", "BN")
HOLIDAYS: tuple[Holiday, ...] = (
    Holiday(
        "Tet (Lunar New Year) holiday window",
        tuple(f"2015-02-{d:02d}" for d in range(15, 24)),
        0.666,
        ("VN-N", "VN-C", "VN-S"),
        "EVN/NSMO Tet 2025: 9-day window (Tet-4..Tet+4) 33.4 % below a normal day (APC §1.2); "
        "Lunar New Year 2015 = 19 Feb (lowest days of the EMA 2015 series)",
    ),
    Holiday(
        "Chinese New Year",
        ("2015-02-19", "2015-02-20"),
        0.82,
        _MY_BN,
        "SG CNY days 0.82 x weekday mean in 2015 (APC §1.2), proxy for MY/BN (APC §1.2: "
        "'expected similar to SG/ID')",
    ),
    Holiday(
        "Songkran / Lao, Khmer New Year, Thingyan",
        ("2015-04-13", "2015-04-14", "2015-04-15"),
        0.726,
        ("TH-N", "TH-C", "TH-S", "LA", "KH", "MM"),
        "EGAT 14 Apr 2008 maximum 27.4 % below normal (APC §1.2); same festival dates used as "
        "a proxy for LA, KH, MM [assumption]",
    ),
    Holiday(
        "Eid al-Fitr (Lebaran) core days",
        ("2015-07-17", "2015-07-18"),
        0.675,
        _ID,
        "PLN Eid 2019: national consumption 30-35 % below a normal day (APC §1.2); "
        "Hari Raya Puasa 2015 = 17 Jul (SG public holiday in the EMA 2015 series)",
    ),
    Holiday(
        "Eid al-Fitr (Lebaran) shoulder days",
        ("2015-07-15", "2015-07-16", "2015-07-19", "2015-07-20", "2015-07-21"),
        0.85,
        _ID,
        "[assumption] half of the core-day reduction on the collective-leave days around Eid",
    ),
    Holiday(
        "Hari Raya Puasa",
        ("2015-07-17", "2015-07-18"),
        0.82,
        _MY_BN,
        "SG major-festival factor 0.82 (CNY 2015, APC §1.2) as proxy for MY/BN",
    ),
    Holiday(
        "Christmas / New Year",
        ("2015-01-01", "2015-12-25"),
        0.87,
        _ID,
        "DG Electricity (Indonesia), Dec 2024: consumption ~13 % lower (APC §1.2)",
    ),
)


@dataclass(frozen=True)
class DailyShape:
    """Parametric intra-day demand template (local time).

    Attributes
    ----------
    points : tuple of (float, float)
        Key points (local hour, relative level); linear periodic interpolation, then a circular
        Gaussian smoothing with a 0.5-hour standard deviation.  ``None`` for the measured
        Singapore weekday profile.
    source : str
        Citation for the peak hour and secondary peak.
    """

    points: tuple[tuple[float, float], ...] | None
    source: str


DAILY_SHAPES: dict[str, DailyShape] = {
    "sg": DailyShape(
        None,
        "Singapore EMA 2015 mean weekday profile (plateau 11-17 h, peak ~14:30)",
    ),
    "th": DailyShape(
        (
            (0.0, 0.85),
            (4.0, 0.74),
            (7.0, 0.80),
            (10.0, 0.92),
            (14.0, 0.96),
            (17.0, 0.93),
            (19.0, 0.97),
            (21.0, 1.00),
            (23.0, 0.93),
        ),
        "Thai peak ~21:00 in 2023-24 (ERC/EGAT, AF §1.2, APC §1.2); afternoon plateau 0.96 "
        "[assumption: former 14:00 peak, APC §1.2]",
    ),
    "th_s": DailyShape(
        (
            (0.0, 0.85),
            (4.0, 0.74),
            (7.0, 0.80),
            (10.0, 0.90),
            (14.0, 0.93),
            (17.0, 0.92),
            (19.0, 0.97),
            (21.0, 1.00),
            (23.0, 0.93),
        ),
        "Southern Thailand evening peak at 21:00 (EGAT 18 Apr 2016, APC §1.2)",
    ),
    "vn": DailyShape(
        (
            (0.0, 0.80),
            (4.0, 0.70),
            (7.0, 0.82),
            (10.0, 0.96),
            (13.5, 1.00),
            (16.0, 0.95),
            (18.0, 0.92),
            (21.0, 0.97),
            (23.0, 0.88),
        ),
        "VN Pmax at 13:30 (A0/EVN 2024) with evening 20-22 h second peak (EVN peak windows, "
        "APC §1.2); evening level 0.97 [assumption]",
    ),
    "ph": DailyShape(
        (
            (0.0, 0.80),
            (5.0, 0.72),
            (8.0, 0.85),
            (11.0, 0.96),
            (14.0, 1.00),
            (17.0, 0.96),
            (20.0, 0.96),
            (23.0, 0.86),
        ),
        "Luzon annual peaks 13:44-14:29 (NGCP), Mindanao 14:42 (2022); evening 18-22 h alerts "
        "(APC §1.2); evening level 0.96 [assumption]",
    ),
    "jamali": DailyShape(
        (
            (0.0, 0.85),
            (4.0, 0.78),
            (7.0, 0.86),
            (10.0, 0.96),
            (14.0, 1.00),
            (17.0, 0.95),
            (19.0, 0.975),
            (22.0, 0.92),
        ),
        "JAMALI day record 28,693 MW vs night 27,936 MW (ratio 0.974), PLN 2022 (APC §1.2)",
    ),
    "evening": DailyShape(
        (
            (0.0, 0.78),
            (4.0, 0.68),
            (7.0, 0.72),
            (10.0, 0.84),
            (14.0, 0.88),
            (17.0, 0.88),
            (19.0, 1.00),
            (21.0, 0.97),
            (23.0, 0.86),
        ),
        "Sumatra evening peak: day record 6,115 MW vs night 6,928 MW (0.88), PLN 2022; "
        "Sumbagselteng peak 18-23 h (APC §1.2)",
    ),
    "sbh": DailyShape(
        (
            (0.0, 0.80),
            (4.0, 0.72),
            (8.0, 0.84),
            (11.0, 0.96),
            (14.5, 1.00),
            (17.0, 0.94),
            (19.5, 0.93),
            (22.0, 0.86),
        ),
        "Sabah 22 Jan 2024: 1,027 MW at 14:30 vs 957 MW at 19:30 (0.93), Sabah GSO (APC §1.2)",
    ),
}

PEAK_SEASON: dict[str, tuple[tuple[int, ...], str]] = {
    **{
        n: ((3, 4, 5), "annual peak in Mar-May: EGAT/ERC records Apr-May (APC §1.2)")
        for n in ("TH-N", "TH-C", "TH-S")
    },
    **{
        n: ((4, 5, 6, 7), "annual peak in Apr-Jul: EVN, record 19 Jun 2024 (APC §1.2)")
        for n in ("VN-N", "VN-C", "VN-S")
    },
    "PH-LUZ": (
        (4, 5),
        "annual peak in Apr-May: NGCP Luzon peaks 2013-17, 2022 in May, 2023 "
        "19 Apr (APC §1.2, AF §3)",
    ),
    "MY-PEN": ((3, 4, 5), "annual peak in Mar-May hot spell: TNB 7 Mar 2024 (APC §1.2)"),
}
"""Sourced months of the annual demand peak (see :func:`demand_raw`)."""

# ---------------------------------------------------------------------------------------------
# Solar and wind: sourced statistics
# ---------------------------------------------------------------------------------------------

SOLAR_SEASON: dict[str, tuple[tuple[int, float, int, float] | None, str]] = {
    # (month of maximum 1-12, factor, month of minimum, factor): monthly PV output / annual mean
    "THA": ((1, 1.37, 8, 0.77), "ZNES 100-sea-2050 PV factors TH 1.37 Jan / 0.77 Aug (APC §2.2)"),
    "VNM": ((2, 1.30, 7, 0.73), "ZNES PV factors VN 1.27-1.33 Jan-Mar / 0.73 Jul (APC §2.2)"),
    "KHM": ((1, 1.41, 8, 0.73), "ZNES PV factors KH 1.41 Jan / 0.73 Aug (APC §2.2)"),
    "LAO": (
        (1, 1.31, 8, 0.75),
        "ZNES PV factors LA 1.31 / 0.75 (APC §2.2); months as TH [assumption]",
    ),
    "MMR": ((2, 1.33, 8, 0.73), "ZNES PV factors MM 1.33 Feb / 0.73 Jul-Aug (APC §2.2)"),
    "flat": (None, "no monthly cloud seasonality (equatorial: weak, APC §2.2): sun geometry only"),
}

WIND_MONTHLY: dict[str, tuple[np.ndarray, str]] = {
    "monsoon2": (
        np.array([1.9, 1.4, 0.9, 0.45, 0.5, 1.35, 1.5, 1.1, 0.5, 0.55, 1.1, 1.8]),
        "two-monsoon output factors: NE monsoon Dec-Jan 1.5-2.1, SW Jun-Jul 1.2-1.6, "
        "Apr-May and Sep-Oct 0.3-0.7 x mean (ZNES VN/TH/KH, APC §2.2)",
    ),
    "mm": (
        np.array([0.8, 0.6, 0.6, 0.6, 1.0, 2.0, 2.0, 1.6, 1.0, 0.5, 0.6, 0.8]),
        "Myanmar wind peaks Jun-Jul 1.9-2.1 x mean (ZNES, APC §2.2)",
    ),
    "flat": (np.ones(12), "equatorial: no sourced seasonality [assumption: flat]"),
}

WIND_AR_PHI = 0.95
"""Hourly lag-1 autocorrelation of the two Gaussian components of the wind speed [assumption,
e-folding time ~20 h]."""
WIND_DIURNAL_AMPLITUDE = {"onshore": 0.10, "offshore": 0.03}
"""Relative amplitude of the diurnal cosine in wind speed [assumption]."""
POWER_CURVE = (3.0, 12.0, 25.0)
"""Generic power curve: cut-in, rated and cut-out wind speed, m/s [assumption]."""
OFFSHORE_UPLIFT = 0.10
"""Offshore CF = onshore CF + 10 percentage points [assumption]; the only ASEAN offshore-type
statistic, Viet Nam intertidal 19.0 % (IRENA 2022, APC §2.1), is a near-shore value below the
onshore CF and is not used as an offshore target."""

SOLAR_CF_COUNTRY: dict[str, tuple[float, str]] = {
    "THA": (0.1905, "IRENA TH 2019-22 mean (19.7/19.3/18.9/18.3 %, APC §2.1)"),
    "VNM": (0.188, "IRENA VN 2021-22 mean (18.7/18.9 %, APC §2.1)"),
    "PHL": (0.1503, "IRENA PH 2019-22 mean (15.4/15.9/14.3/14.5 %, APC §2.1)"),
    "KHM": (0.1875, "IRENA KH 2019-22 mean (17.8/16.5/20.9/19.8 %, APC §2.1)"),
    "SGP": (0.154, "IRENA SG 2019-22 mean (15.8/15.1/15.5/15.2 %, APC §2.1)"),
    "LAO": (0.1553, "IRENA LA 2019-22 mean (15.0/19.1/14.9/13.1 %, APC §2.1)"),
    "eq": (
        0.154,
        "equatorial proxy = SG IRENA 2019-22 mean 15.4 % (IRENA ID/MY series flagged unusable, "
        "APC §2.1; maritime 14-16 % guidance)",
    ),
    "mainland": (
        0.1905,
        "mainland proxy = TH IRENA 2019-22 mean 19.05 % (IRENA MM series flagged poor, APC §2.1)",
    ),
    "VN-N": (
        0.1188,
        "[derived] VN 18.88 % x GHI Hanoi 1,220 / south 1,930 kWh/m2/yr (APC §2.1, §2.3)",
    ),
}

WIND_CF_COUNTRY: dict[str, tuple[float, str]] = {
    "THA": (0.2633, "IRENA TH onshore 2019-22 mean (32.1/24.4/26.6/22.2 %, APC §2.1)"),
    "PHL": (0.2825, "IRENA PH onshore 2019-22 mean (27.3/26.5/32.7/26.5 %, APC §2.1)"),
    "VNM": (0.215, "IRENA VN onshore 2022, first full year (APC §2.1)"),
    "proxy": (
        0.215,
        "no operating data: lowest measured ASEAN onshore CF (VN 2022, 21.5 %, APC §2.1) "
        "[assumption]",
    ),
}

# ---------------------------------------------------------------------------------------------
# Hydro: sourced statistics
# ---------------------------------------------------------------------------------------------

HYDRO_SMOOTH_SD_DAYS = 15.0
"""Standard deviation (days) of the circular Gaussian smoothing of the wet/dry step [assumption]."""
DRY_SEASON_HARDER = 2.0
"""In a dry year the relative inflow cut in the dry season is this multiple of the wet-season
cut [assumption; VN 2023: April-May inflow ~50 % of normal, APC §3.2]."""
DEFAULT_DRY_YEAR_FACTOR = 0.8
"""Used only when ``hydro.csv`` is absent [assumption; APC §3.1 dry/wet 0.60-0.80]."""


@dataclass(frozen=True)
class HydroRegime:
    """Monthly wet/dry inflow regime.

    Attributes
    ----------
    wet_months : tuple of int
        Months (1-12) of the wet season; empty for no seasonality.
    ratio : float
        Mean inflow in wet-season months / mean inflow in dry-season months.
    source : str
        Citation.
    """

    wet_months: tuple[int, ...]
    ratio: float
    source: str


def _months(first: int, last: int) -> tuple[int, ...]:
    """Months from ``first`` to ``last`` inclusive (1-12), wrapping over the year end."""
    n = (last - first) % 12 + 1
    return tuple((first - 1 + i) % 12 + 1 for i in range(n))


_MAINLAND = HydroRegime(
    _months(5, 10),
    3.0,
    "mainland wet May-Oct / dry Nov-Apr, ratio ~3:1 (LTMS 100/30 MW; VN dry season 15-30 % of "
    "flow), APC §3.2-3.3",
)
_EQ_NE = HydroRegime(
    _months(11, 1),
    1.3,
    "equatorial 1.3-1.5:1 (APC §3.3); NE-monsoon wet months [assumption]",
)
_SOUTH_EQ = HydroRegime(
    _months(11, 4),
    1.5,
    "southern-hemisphere monsoon wet Nov-Apr [assumption]; ratio at the top of the equatorial "
    "1.3-1.5 range (APC §3.3)",
)

HYDRO_REGIME: dict[str, HydroRegime] = {
    "LA": _MAINLAND,
    "LA-EGAT": _MAINLAND,
    "KH": _MAINLAND,
    "MM": _MAINLAND,
    "TH-N": _MAINLAND,
    "TH-C": _MAINLAND,
    "TH-S": _MAINLAND,
    "VN-S": _MAINLAND,
    "VN-N": HydroRegime(
        _months(6, 10),
        3.0,
        "northern flood season from July, reservoirs refill Jul-Sep (NLDC 2023); ratio 3:1 "
        "(APC §3.2-3.3)",
    ),
    "VN-C": HydroRegime(
        _months(9, 12),
        3.0,
        "Central/Central-Highlands floods Sep-Dec (APC §3.2); ratio 3:1 (APC §3.3)",
    ),
    "PH-LUZ": HydroRegime(
        _months(5, 10),
        3.0,
        "PH wet season May-Oct (NREL 2000, APC §2.2); monsoonal ratio as mainland [assumption]",
    ),
    "PH-VIS": HydroRegime(
        _months(5, 10),
        1.3,
        "PH wet season May-Oct (APC §2.2); low end of equatorial range [assumption]",
    ),
    "PH-MIN": HydroRegime(
        _months(5, 10),
        1.3,
        "PH wet season May-Oct (APC §2.2); near-equatorial Agus-Pulangi, 1.3:1 [assumption]",
    ),
    "MY-SWK": HydroRegime(
        (),
        1.0,
        "Bakun/Murum: large seasonal-storage reservoirs with flat monthly inflow (APC §3.2)",
    ),
    "MY-PEN": _EQ_NE,
    "MY-SBH": _EQ_NE,
    "BN": _EQ_NE,
    "SG": _EQ_NE,
    "ID-SUM": HydroRegime(
        _months(11, 5),
        1.5,
        "Sumatra dry season Jun-Oct cuts Maninjau/Singkarak/Koto Panjang (APC §3.2); ratio "
        "1.5 (equatorial range, APC §3.3)",
    ),
    "ID-SUL": HydroRegime(
        _months(11, 4),
        1.5,
        "Sulawesi: El Nino dry spell to Oct-Nov 2023, rains from Dec (APC §3.2); ratio 1.5 "
        "(APC §3.3)",
    ),
    "ID-JAMALI": _SOUTH_EQ,
    "ID-EAST": _SOUTH_EQ,
    "ID-KAL": HydroRegime(
        _months(11, 4), 1.3, "equatorial 1.3:1 (APC §3.3); wet Nov-Apr [assumption]"
    ),
}


# ---------------------------------------------------------------------------------------------
# Per-node configuration
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeSpec:
    """Profile settings of one node.

    Attributes
    ----------
    monthly : str
        Key of :data:`MONTHLY_DEMAND` used for the monthly demand factors.
    monthly_note : str
        Why that country (own data or proxy).
    shape : str
        Key of :data:`DAILY_SHAPES`.
    solar_cf : str
        Key of :data:`SOLAR_CF_COUNTRY`.
    solar_season : str
        Key of :data:`SOLAR_SEASON`.
    wind_cf : str
        Key of :data:`WIND_CF_COUNTRY`.
    wind_season : str
        Key of :data:`WIND_MONTHLY`.
    wind_peak_hour : float
        Local solar hour of the diurnal wind-speed maximum, h.
    """

    monthly: str
    monthly_note: str
    shape: str
    solar_cf: str
    solar_season: str
    wind_cf: str
    wind_season: str
    wind_peak_hour: float


_TH_WIND = 15.0  # TH wind afternoon maximum ~14-16 h local (APC §2.2)
_VN_WIND = 4.0  # VN wind night/morning maximum (APC §2.2)
_SEA_BREEZE = 15.0  # [assumption] afternoon maximum elsewhere
_OWN = "own country"

#: Indonesia outside Java-Bali: evening peak, equatorial, Malaysian monthly shape as a proxy.
_ID_OUTER_ISLANDS = NodeSpec(
    "MYS",
    "proxy: Malaysia (equatorial, no ID monthly series)",
    "evening",
    "eq",
    "flat",
    "proxy",
    "flat",
    _SEA_BREEZE,
)

NODE_SPECS: dict[str, NodeSpec] = {
    "BN": NodeSpec(
        "MYS",
        "proxy: Malaysia (Borneo neighbour)",
        "sg",
        "eq",
        "flat",
        "proxy",
        "flat",
        _SEA_BREEZE,
    ),
    "KH": NodeSpec(
        "THA",
        "proxy: Thailand (mainland hot-season climate)",
        "evening",
        "KHM",
        "KHM",
        "proxy",
        "monsoon2",
        _TH_WIND,
    ),
    "ID-JAMALI": NodeSpec(
        "MYS",
        "proxy: Malaysia (equatorial, no ID monthly series)",
        "jamali",
        "eq",
        "flat",
        "proxy",
        "flat",
        _SEA_BREEZE,
    ),
    "ID-SUM": _ID_OUTER_ISLANDS,
    "ID-KAL": _ID_OUTER_ISLANDS,
    "ID-SUL": _ID_OUTER_ISLANDS,
    "ID-EAST": _ID_OUTER_ISLANDS,
    "LA": NodeSpec(
        "THA",
        "proxy: Thailand (mainland hot-season climate)",
        "evening",
        "LAO",
        "LAO",
        "proxy",
        "monsoon2",
        _TH_WIND,
    ),
    "LA-EGAT": NodeSpec(
        "THA", "no load: flat 1.0", "evening", "LAO", "LAO", "proxy", "monsoon2", _TH_WIND
    ),
    "MM": NodeSpec("MMR", _OWN, "evening", "mainland", "MMR", "proxy", "mm", _TH_WIND),
    "MY-PEN": NodeSpec(
        "MYS", _OWN + " (whole Malaysia)", "sg", "eq", "flat", "proxy", "flat", _SEA_BREEZE
    ),
    "MY-SWK": NodeSpec(
        "MYS", _OWN + " (whole Malaysia)", "sg", "eq", "flat", "proxy", "flat", _SEA_BREEZE
    ),
    "MY-SBH": NodeSpec(
        "MYS", _OWN + " (whole Malaysia)", "sbh", "eq", "flat", "proxy", "flat", _SEA_BREEZE
    ),
    "PH-LUZ": NodeSpec("PHL", _OWN, "ph", "PHL", "flat", "PHL", "monsoon2", _SEA_BREEZE),
    "PH-VIS": NodeSpec("PHL", _OWN, "ph", "PHL", "flat", "PHL", "monsoon2", _SEA_BREEZE),
    "PH-MIN": NodeSpec("PHL", _OWN, "ph", "PHL", "flat", "PHL", "monsoon2", _SEA_BREEZE),
    "SG": NodeSpec("SGP", "measured (EMA 2015)", "sg", "SGP", "flat", "proxy", "flat", _SEA_BREEZE),
    "TH-N": NodeSpec("THA", _OWN, "th", "THA", "THA", "THA", "monsoon2", _TH_WIND),
    "TH-C": NodeSpec("THA", _OWN, "th", "THA", "THA", "THA", "monsoon2", _TH_WIND),
    "TH-S": NodeSpec("THA", _OWN, "th_s", "THA", "THA", "THA", "monsoon2", _TH_WIND),
    "VN-N": NodeSpec("VNM", _OWN, "vn", "VN-N", "flat", "VNM", "monsoon2", _VN_WIND),
    "VN-C": NodeSpec("VNM", _OWN, "vn", "VNM", "VNM", "VNM", "monsoon2", _VN_WIND),
    "VN-S": NodeSpec("VNM", _OWN, "vn", "VNM", "VNM", "VNM", "monsoon2", _VN_WIND),
}

# ---------------------------------------------------------------------------------------------
# Small numerical helpers
# ---------------------------------------------------------------------------------------------


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


def _ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    """Stationary AR(1) series with unit variance."""
    e = rng.standard_normal(n)
    x = np.empty(n)
    x[0] = e[0]
    s = np.sqrt(1.0 - phi * phi)
    for i in range(1, n):
        x[i] = phi * x[i - 1] + s * e[i]
    return x


def _circular_smooth(x: np.ndarray, sd: float) -> np.ndarray:
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


def _periodic_interp(x: np.ndarray, xp: np.ndarray, fp: np.ndarray, period: float) -> np.ndarray:
    """Linear interpolation of periodic data (``xp`` increasing inside one period)."""
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
    basis = np.column_stack(
        [_periodic_interp(days, mids, np.eye(12)[j], N_DAYS) for j in range(12)]
    )
    avg = np.zeros((12, N_DAYS))
    avg[MONTH_OF_DAY, np.arange(N_DAYS)] = 1.0
    avg /= DAYS_IN_MONTH[:, None]
    anchors = np.linalg.solve(avg @ basis, np.asarray(factors, dtype=float))
    return basis @ anchors


def _daily_to_hourly(daily: np.ndarray) -> np.ndarray:
    """Linear interpolation of 365 daily values (UTC days) to 8,760 hours."""
    hours = np.arange(N_HOURS) + 0.5
    return _periodic_interp(hours, np.arange(N_DAYS) * 24.0 + 12.0, daily, float(N_HOURS))


def _bisect(f, lo: float, hi: float, target: float, n: int = 60) -> float:
    """Solve ``f(x) = target`` for increasing ``f`` on ``[lo, hi]`` by bisection."""
    for _ in range(n):
        mid = 0.5 * (lo + hi)
        if f(mid) < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _local_calendar(tz: str) -> tuple[np.ndarray, np.ndarray]:
    """Local hour and reference-year day index of every UTC hour.

    Parameters
    ----------
    tz : str
        IANA time zone.

    Returns
    -------
    local_hour : numpy.ndarray
        Local clock time at the middle of each UTC hour, h (0-24).
    day : numpy.ndarray
        Day of the reference year (0-364) of the local date; dates outside the reference year
        wrap around (local 1 Jan 2016 maps to 1 Jan 2015).
    """
    loc = (UTC_INDEX + pd.Timedelta(minutes=30)).tz_convert(tz)
    local_hour = loc.hour.to_numpy() + loc.minute.to_numpy() / 60.0
    naive = loc.tz_localize(None).normalize()
    day = ((naive - pd.Timestamp(f"{REF_YEAR}-01-01")).days.to_numpy()) % N_DAYS
    return local_hour.astype(float), day.astype(int)


# ---------------------------------------------------------------------------------------------
# Demand
# ---------------------------------------------------------------------------------------------


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


def _template(points: tuple[tuple[float, float], ...]) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed periodic daily template on a 15-minute grid (local hours, level, max 1)."""
    grid = np.arange(96) * 0.25
    hp = np.array([p[0] for p in points])
    lv = np.array([p[1] for p in points])
    y = _circular_smooth(_periodic_interp(grid, hp, lv, 24.0), 2.0)
    return grid, y / y.max()


def _sg_template(sg_hourly: pd.Series) -> tuple[tuple[float, float], ...]:
    """Mean 2015 weekday profile of Singapore as template key points (local hour, level)."""
    loc = sg_hourly.tz_convert("Asia/Singapore")
    weekday = loc.index.day_of_week < 5
    prof = loc[weekday].groupby(loc.index.hour[weekday]).mean()
    return tuple((float(h) + 0.5, float(v / prof.max())) for h, v in prof.items())


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
        Exponent used.
    """
    s = np.asarray(shape, dtype=float) / np.max(shape)
    if load_factor >= 1.0:
        return np.ones_like(s), 0.0

    def ratio(k: float) -> float:
        p = s**k
        return float(p.max() / p.mean())

    k = _bisect(ratio, 1e-4, 60.0, 1.0 / load_factor, n=80)
    p = s**k
    return p / p.mean(), k


def _peak_season_weight(months: tuple[int, ...]) -> np.ndarray:
    """Smooth 0-1 daily weight of the peak-demand season (10-day Gaussian edges)."""
    if not months:
        return np.zeros(N_DAYS)
    return _circular_smooth(np.isin(MONTH_OF_DAY + 1, months).astype(float), 10.0)


def demand_raw(
    node: str, tz: str, sg_template: tuple[tuple[float, float], ...]
) -> tuple[np.ndarray, float]:
    """Uncalibrated hourly demand shape of a node (UTC hours).

    ``level(day) * (1 + (t(h) - 1) * (1 + alpha * w(day)))``: the daily level is the product of
    smoothed monthly factors, the weekday/holiday factor and a seeded AR(1) day-to-day factor;
    ``t`` is the node's intra-day template (daily mean 1) at local time; ``w`` marks the
    sourced peak-demand season (:data:`PEAK_SEASON`) and ``alpha`` >= 0 is the smallest
    amplification of the intra-day swing in that season that puts the annual maximum inside it
    (at least 1 % above the maximum outside), found by bisection.

    Parameters
    ----------
    node : str
        Node id (key of :data:`NODE_SPECS`).
    tz : str
        IANA time zone.
    sg_template : tuple
        Singapore weekday template key points (used by nodes with shape ``"sg"``).

    Returns
    -------
    shape : numpy.ndarray
        8,760 positive values (arbitrary scale).
    alpha : float
        Peak-season amplification used, dimensionless.
    """
    spec = NODE_SPECS[node]
    local_hour, day = _local_calendar(tz)
    monthly = monthly_to_daily(MONTHLY_DEMAND[spec.monthly][0])
    dates = pd.date_range(f"{REF_YEAR}-01-01", periods=N_DAYS, freq="D")
    daily = WEEKDAY_FACTOR[dates.day_of_week.to_numpy()].copy()
    iso = dates.strftime("%Y-%m-%d")
    for hol in HOLIDAYS:
        if node in hol.nodes:
            daily[np.isin(iso, hol.dates)] = hol.factor
    # Ember monthly factors already contain weekends and holidays: keep each month's mean.
    month_mean = np.bincount(MONTH_OF_DAY, weights=daily) / DAYS_IN_MONTH
    daily = daily / month_mean[MONTH_OF_DAY]
    rng = np.random.default_rng(node_seed(node, "demand"))
    noise = 1.0 + DAILY_NOISE_SD * _ar1(rng, N_DAYS, DAILY_NOISE_PHI)
    points = DAILY_SHAPES[spec.shape].points or sg_template
    grid, tmpl = _template(points)
    intra = _periodic_interp(local_hour, grid, tmpl / tmpl.mean(), 24.0)
    level = (monthly * daily * noise)[day]
    months = PEAK_SEASON.get(node, ((), ""))[0]
    w = _peak_season_weight(months)[day]
    inside = w > 0.5

    def shape(alpha: float) -> np.ndarray:
        return level * (1.0 + (intra - 1.0) * (1.0 + alpha * w))

    def margin(alpha: float) -> float:
        y = shape(alpha)
        return float(y[inside].max() / y[~inside].max())

    alpha = 0.0
    if inside.any() and margin(0.0) < 1.01:
        alpha = _bisect(margin, 0.0, 3.0, 1.01, n=50) if margin(3.0) >= 1.01 else 3.0
    return shape(alpha), alpha


def template_peak_hour(points: tuple[tuple[float, float], ...]) -> float:
    """Target local peak hour of a template: hour of its highest key point, h."""
    return float(max(points, key=lambda p: p[1])[0])


def build_demand(
    nodes: pd.DataFrame, load_factors: dict[str, float], sg_hourly: pd.Series
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

    Returns
    -------
    demand : pandas.DataFrame
        8,760 x nodes, per unit of annual mean.
    peak_hours : dict
        Node -> local peak hour of the intra-day template, h.
    """
    sg_tmpl = _sg_template(sg_hourly)
    out: dict[str, np.ndarray] = {}
    peak_hours: dict[str, float] = {}
    for node, tz in zip(nodes["node"], nodes["timezone"], strict=True):
        lf = load_factors.get(node, float("nan"))
        points = DAILY_SHAPES[NODE_SPECS[node].shape].points or sg_tmpl
        peak_hours[node] = template_peak_hour(points)
        if node == "SG":
            raw = sg_hourly.to_numpy()
        else:
            raw = demand_raw(node, tz, sg_tmpl)[0]
        if not np.isfinite(lf) or lf <= 0:
            out[node] = np.ones(N_HOURS)
        else:
            out[node] = calibrate_load_factor(raw, lf)[0]
    return pd.DataFrame(out), peak_hours


# ---------------------------------------------------------------------------------------------
# Solar PV
# ---------------------------------------------------------------------------------------------

PV_TEMP_AIR = 28.0
"""Ambient temperature for the cell-temperature model, deg C [assumption, tropical lowland]."""
PV_GAMMA = -0.0037
"""Power temperature coefficient, 1/K [assumption, crystalline silicon]."""
PV_DC_AC = 1.0
"""DC rating x system efficiency per unit of AC rating; output is clipped at 1 [assumption]."""
PV_CLOUD_SD = 0.3
PV_CLOUD_PHI = 0.4
"""Daily clear-sky-index factor: lognormal AR(1), log-SD 0.3, lag-1 0.4 [assumption]."""


def _skewed_cosine(spec: tuple[int, float, int, float]) -> np.ndarray:
    """Twelve monthly factors from a month of maximum and a month of minimum (smooth, periodic).

    Half-cosine falling from the maximum month to the minimum month and rising back, each
    branch with its own length; normalised to a day-weighted mean of 1.
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
class _PVGeometry:
    """Pre-computed sun geometry and clear-sky irradiance of one site (hourly, UTC)."""

    ghi_cs: np.ndarray
    cos_zen: np.ndarray
    cos_aoi: np.ndarray
    zenith: np.ndarray
    dni_extra: np.ndarray
    tilt: float
    doy: np.ndarray


def _pv_geometry(lat: float, lon: float) -> _PVGeometry:
    """Solar position (pvlib SPA), Ineichen clear-sky GHI and plane-of-array geometry."""
    times = UTC_INDEX + pd.Timedelta(minutes=30)
    site = pvlib.location.Location(lat, lon, tz="UTC", altitude=0.0)
    sp = site.get_solarposition(times)
    cs = site.get_clearsky(times, model="ineichen", solar_position=sp)
    tilt = max(abs(lat), 5.0)
    azimuth = 180.0 if lat >= 0 else 0.0
    aoi = pvlib.irradiance.aoi(tilt, azimuth, sp["apparent_zenith"], sp["azimuth"])
    zen = sp["apparent_zenith"].to_numpy()
    return _PVGeometry(
        ghi_cs=cs["ghi"].to_numpy(),
        cos_zen=np.cos(np.radians(zen)),
        cos_aoi=np.cos(np.radians(aoi.to_numpy())),
        zenith=zen,
        dni_extra=pvlib.irradiance.get_extra_radiation(times).to_numpy(),
        tilt=tilt,
        doy=times.day_of_year.to_numpy(),
    )


def _pv_output(geo: _PVGeometry, kc_hourly: np.ndarray) -> np.ndarray:
    """AC capacity factor for a given hourly clear-sky index (Erbs split, isotropic sky)."""
    ghi = geo.ghi_cs * kc_hourly
    erbs = pvlib.irradiance.erbs(ghi, geo.zenith, geo.doy)
    dni = np.nan_to_num(np.asarray(erbs["dni"], dtype=float))
    dhi = np.nan_to_num(np.asarray(erbs["dhi"], dtype=float))
    ct = np.cos(np.radians(geo.tilt))
    poa = dni * np.clip(geo.cos_aoi, 0.0, None) + dhi * (1 + ct) / 2 + ghi * 0.2 * (1 - ct) / 2
    poa = np.where(geo.cos_zen > 0, poa, 0.0)
    t_cell = pvlib.temperature.faiman(poa, PV_TEMP_AIR, 1.0)
    dc = poa / 1000.0 * (1.0 + PV_GAMMA * (t_cell - 25.0))
    return np.clip(PV_DC_AC * dc, 0.0, 1.0)


def build_solar(lat: float, lon: float, target_cf: float, season: str, seed: int) -> np.ndarray:
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
    season : str
        Key of :data:`SOLAR_SEASON`.
    seed : int
        Random seed.

    Returns
    -------
    numpy.ndarray
        8,760 hourly capacity factors in [0, 1] (UTC hours).
    """
    geo = _pv_geometry(lat, lon)
    rng = np.random.default_rng(seed)
    r_day = np.exp(PV_CLOUD_SD * _ar1(rng, N_DAYS, PV_CLOUD_PHI) - 0.5 * PV_CLOUD_SD**2)
    day = np.arange(N_HOURS) // 24
    spec = SOLAR_SEASON[season][0]
    target_month = _skewed_cosine(spec) if spec is not None else None
    month_h = MONTH_OF_DAY[day]
    m = np.ones(12)

    def run(scale: float, mm: np.ndarray) -> np.ndarray:
        kc = np.minimum(1.0, scale * monthly_to_daily(mm)[day] * r_day[day])
        return _pv_output(geo, np.clip(kc, 0.02, 1.0))

    def solve(mm: np.ndarray) -> float:
        return _bisect(lambda sc: float(run(sc, mm).mean()), 0.05, 3.0, target_cf, n=30)

    if target_month is not None:
        for _ in range(4):
            sc = solve(m)
            out = run(sc, m)
            got = np.bincount(month_h, weights=out, minlength=12) / (DAYS_IN_MONTH * 24)
            got /= np.average(got, weights=DAYS_IN_MONTH)
            m = np.clip(m * target_month / got, 0.05, None)
            m /= m.max()
    sc = solve(m)
    out = run(sc, m)
    if out.mean() < target_cf - 1e-4:  # clear skies not enough: raise the DC/AC ratio
        g = _bisect(lambda x: float(np.clip(x * out, 0, 1).mean()), 1.0, 5.0, target_cf)
        out = np.clip(g * out, 0.0, 1.0)
    return out


# ---------------------------------------------------------------------------------------------
# Wind
# ---------------------------------------------------------------------------------------------


def power_curve(v: np.ndarray) -> np.ndarray:
    """Evaluate a generic normalised wind-turbine power curve.

    Parameters
    ----------
    v : numpy.ndarray
        Hub-height wind speed, m/s.

    Returns
    -------
    numpy.ndarray
        Output per unit of rated power: cubic between cut-in and rated speed, 1 up to cut-out,
        0 above (see :data:`POWER_CURVE`).
    """
    vin, vr, vout = POWER_CURVE
    p = np.clip((v**3 - vin**3) / (vr**3 - vin**3), 0.0, 1.0)
    return np.where((v < vin) | (v >= vout), 0.0, p)


def build_wind(
    lon: float, target_cf: float, season: str, peak_hour: float, amplitude: float, seed: int
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
    season : str
        Key of :data:`WIND_MONTHLY`.
    peak_hour : float
        Local solar hour of the diurnal speed maximum, h.
    amplitude : float
        Relative diurnal amplitude of the speed.
    seed : int
        Random seed.

    Returns
    -------
    numpy.ndarray
        8,760 hourly capacity factors in [0, 1].
    """
    rng = np.random.default_rng(seed)
    z1 = _ar1(rng, N_HOURS, WIND_AR_PHI)
    z2 = _ar1(rng, N_HOURS, WIND_AR_PHI)
    rayleigh = np.sqrt(z1**2 + z2**2) / np.sqrt(np.pi / 2.0)
    solar_hour = (np.arange(N_HOURS) + 0.5 + lon / 15.0) % 24.0
    diurnal = 1.0 + amplitude * np.cos(2 * np.pi * (solar_hour - peak_hour) / 24.0)
    day = np.arange(N_HOURS) // 24
    month_h = MONTH_OF_DAY[day]
    target = WIND_MONTHLY[season][0]
    target = target / np.average(target, weights=DAYS_IN_MONTH)
    m = target ** (1.0 / 3.0)

    def run(v0: float, mm: np.ndarray) -> np.ndarray:
        return power_curve(v0 * monthly_to_daily(mm)[day] * diurnal * rayleigh)

    def solve(mm: np.ndarray) -> float:
        return _bisect(lambda v0: float(run(v0, mm).mean()), 0.5, 14.0, target_cf, n=50)

    if np.ptp(target) > 0:
        for _ in range(6):
            v0 = solve(m)
            out = run(v0, m)
            got = np.bincount(month_h, weights=out, minlength=12) / (DAYS_IN_MONTH * 24)
            got /= np.average(got, weights=DAYS_IN_MONTH)
            m = m * (target / np.maximum(got, 1e-3)) ** 0.4
            m /= np.average(m, weights=DAYS_IN_MONTH)
    return run(solve(m), m)


# ---------------------------------------------------------------------------------------------
# Hydro
# ---------------------------------------------------------------------------------------------


def _wet_mask_days(wet_months: tuple[int, ...]) -> np.ndarray:
    """Boolean per day of the reference year: day in a wet-season month."""
    return np.isin(MONTH_OF_DAY + 1, np.array(wet_months, dtype=int))


def hydro_daily(regime: HydroRegime) -> np.ndarray:
    """Smooth daily inflow per unit of the annual mean for a wet/dry regime.

    A wet/dry step smoothed with a circular Gaussian kernel; the step height is solved by
    bisection so that the mean over wet-season days / mean over dry-season days equals
    ``regime.ratio`` exactly after smoothing.

    Parameters
    ----------
    regime : HydroRegime
        Wet months and ratio.

    Returns
    -------
    numpy.ndarray
        365 daily values, mean 1, all positive.
    """
    wet = _wet_mask_days(regime.wet_months)
    if regime.ratio == 1.0 or not wet.any() or wet.all():
        return np.ones(N_DAYS)

    def shape(r: float) -> np.ndarray:
        return _circular_smooth(np.where(wet, r, 1.0), HYDRO_SMOOTH_SD_DAYS)

    def ratio(r: float) -> float:
        y = shape(r)
        return float(y[wet].mean() / y[~wet].mean())

    r = _bisect(ratio, 1.0, 100.0, regime.ratio, n=80)
    y = shape(r)
    return y / y.mean()


def hydro_dry_daily(regime: HydroRegime, normal: np.ndarray, dry_factor: float) -> np.ndarray:
    """Daily dry-year inflow per unit of the normal-year annual mean.

    The normal shape is multiplied by ``1 - d`` in the wet season and ``1 - 2 d`` in the dry
    season (see :data:`DRY_SEASON_HARDER`), smoothed, then scaled so that its annual mean is
    exactly ``dry_factor``.

    Parameters
    ----------
    regime : HydroRegime
        Wet months and ratio.
    normal : numpy.ndarray
        Output of :func:`hydro_daily`.
    dry_factor : float
        Dry-year annual inflow / normal-year annual inflow.

    Returns
    -------
    numpy.ndarray
        365 daily values with mean ``dry_factor``.
    """
    wet = _wet_mask_days(regime.wet_months)
    if regime.ratio == 1.0 or not wet.any() or wet.all():
        return normal * dry_factor
    w_share = normal[wet].sum() / normal.sum()
    d = (1.0 - dry_factor) / (DRY_SEASON_HARDER - (DRY_SEASON_HARDER - 1.0) * w_share)
    cut = np.where(wet, 1.0 - d, np.maximum(1.0 - DRY_SEASON_HARDER * d, 0.05))
    y = normal * _circular_smooth(cut, HYDRO_SMOOTH_SD_DAYS)
    return y * dry_factor / y.mean()


# ---------------------------------------------------------------------------------------------
# Inputs, targets and the driver
# ---------------------------------------------------------------------------------------------


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
        Node -> LF = demand_twh * 1e6 / (8760 * peak_mw); ``nan`` where the peak is zero.
    """
    d = pd.read_csv(demand_csv)
    d = d[d["year"] == year]
    out = {}
    for node, twh, peak in zip(d["node"], d["demand_twh"], d["peak_mw"], strict=True):
        out[str(node)] = float(twh) * 1e6 / (8760.0 * float(peak)) if peak > 0 else float("nan")
    return out


def read_hydro(hydro_csv: str | Path, nodes: list[str]) -> dict[str, float]:
    """Nodes with hydro and their dry-year factor.

    Parameters
    ----------
    hydro_csv : str or pathlib.Path
        ``hydro.csv`` (``node, technology, annual_cf, dry_year_factor, ...``).  When it does not
        exist every node gets :data:`DEFAULT_DRY_YEAR_FACTOR`.
    nodes : list of str
        All node ids, in output order.

    Returns
    -------
    dict
        Node -> dry-year factor, in ``nodes`` order: the value of the node's reservoir row if it
        has one, else of its first row (run-of-river rows in ``hydro.csv`` carry a lower factor;
        scale the column by ``dyf_ror / dyf_reservoir`` to use it for run-of-river).
    """
    path = Path(hydro_csv)
    if not path.exists():
        return {n: DEFAULT_DRY_YEAR_FACTOR for n in nodes}
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


def _fmt_months(months: tuple[int, ...]) -> str:
    """'5-10' style text for a contiguous (possibly wrapping) month range; 'none' if empty."""
    if not months:
        return "none"
    return f"{months[0]}-{months[-1]}"


def build_all(input_dir: str | Path, sg_ema: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """Build every profile and the target table.

    Parameters
    ----------
    input_dir : str or pathlib.Path
        Directory with ``nodes.csv``, ``demand.csv`` and optionally ``hydro.csv``.
    sg_ema : str or pathlib.Path, optional
        EMA half-hourly CSV (see :func:`find_sg_ema`).

    Returns
    -------
    dict
        ``{name: DataFrame}`` for the six profile files (column ``hour`` then nodes) and
        ``"profile_targets"``.
    """
    input_dir = Path(input_dir)
    nodes = pd.read_csv(input_dir / "nodes.csv")
    ids = [str(n) for n in nodes["node"]]
    unknown = set(ids) - set(NODE_SPECS)
    if unknown:
        raise KeyError(f"no profile settings for nodes {sorted(unknown)}")
    lfs = read_load_factors(input_dir / "demand.csv")
    sg_hourly = load_sg_ema(find_sg_ema(input_dir, sg_ema))
    demand, peak_hours = build_demand(nodes, lfs, sg_hourly)

    solar, onshore, offshore = {}, {}, {}
    rows = []
    for node, lat, lon in zip(ids, nodes["lat"], nodes["lon"], strict=True):
        spec = NODE_SPECS[node]
        scf, s_src = SOLAR_CF_COUNTRY[spec.solar_cf]
        wcf, w_src = WIND_CF_COUNTRY[spec.wind_cf]
        ocf = wcf + OFFSHORE_UPLIFT
        solar[node] = build_solar(
            float(lat), float(lon), scf, spec.solar_season, node_seed(node, "solar")
        )
        onshore[node] = build_wind(
            float(lon),
            wcf,
            spec.wind_season,
            spec.wind_peak_hour,
            WIND_DIURNAL_AMPLITUDE["onshore"],
            node_seed(node, "wind_onshore"),
        )
        offshore[node] = build_wind(
            float(lon),
            ocf,
            spec.wind_season,
            spec.wind_peak_hour,
            WIND_DIURNAL_AMPLITUDE["offshore"],
            node_seed(node, "wind_offshore"),
        )
        regime = HYDRO_REGIME[node]
        month_src = MONTHLY_DEMAND[spec.monthly][1]
        rows.append(
            {
                "node": node,
                "solar_cf": round(scf, 4),
                "wind_onshore_cf": round(wcf, 4),
                "wind_offshore_cf": round(ocf, 4),
                "peak_hour_local": peak_hours[node],
                "monthly_profile_country": spec.monthly,
                "wet_season_months": _fmt_months(regime.wet_months),
                "wet_dry_ratio": regime.ratio,
                "source": "; ".join(
                    [
                        f"demand: LF from demand.csv {BASE_YEAR}; monthly {month_src} "
                        f"({spec.monthly_note}); daily shape {DAILY_SHAPES[spec.shape].source}"
                        + (f"; {PEAK_SEASON[node][1]}" if node in PEAK_SEASON else ""),
                        f"solar: {s_src}; season {SOLAR_SEASON[spec.solar_season][1]}",
                        f"wind: {w_src}; season {WIND_MONTHLY[spec.wind_season][1]}; offshore "
                        f"= onshore + {OFFSHORE_UPLIFT * 100:.0f} pp [assumption]",
                        f"hydro: {regime.source}",
                    ]
                ),
            }
        )

    dyf = read_hydro(input_dir / "hydro.csv", ids)
    inflow, inflow_dry = {}, {}
    for node in dyf:
        regime = HYDRO_REGIME[node]
        normal = hydro_daily(regime)
        inflow[node] = _daily_to_hourly(normal)
        inflow[node] /= inflow[node].mean()
        dry = _daily_to_hourly(hydro_dry_daily(regime, normal, dyf[node]))
        inflow_dry[node] = dry * dyf[node] / dry.mean()

    hour = pd.DataFrame({"hour": np.arange(N_HOURS)})

    def frame(cols: dict[str, np.ndarray] | pd.DataFrame) -> pd.DataFrame:
        return pd.concat([hour, pd.DataFrame(cols)], axis=1)

    return {
        "demand_shape": frame(demand),
        "solar_pv": frame(solar),
        "wind_onshore": frame(onshore),
        "wind_offshore": frame(offshore),
        "hydro_inflow": frame(inflow),
        "hydro_inflow_dry": frame(inflow_dry),
        "profile_targets": pd.DataFrame(rows),
    }


def write_all(
    input_dir: str | Path, out_dir: str | Path | None = None, sg_ema: str | Path | None = None
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

    Returns
    -------
    dict
        Name -> written path.
    """
    out = Path(out_dir) if out_dir is not None else Path(input_dir)
    (out / "profiles").mkdir(parents=True, exist_ok=True)
    tables = build_all(input_dir, sg_ema)
    paths = {}
    for name, df in tables.items():
        folder = out if name == "profile_targets" else out / "profiles"
        path = folder / f"{name}.csv"
        df.to_csv(path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
        paths[name] = path
    return paths


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: ``python -m aseangrid.profiles INPUT_DIR [--out DIR]``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input_dir", help="dataset directory, e.g. inputs/asean")
    ap.add_argument("--out", default=None, help="output directory (default: input_dir)")
    ap.add_argument("--sg-ema", default=None, help=f"path to {SG_EMA_FILE}")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    paths = write_all(args.input_dir, args.out, args.sg_ema)
    for name, p in paths.items():
        print(f"wrote {p} ({name})")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

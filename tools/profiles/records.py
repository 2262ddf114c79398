"""Typed records of the sourced generator inputs (the rows of ``inputs/<dataset>/recipes/``).

:mod:`.recipes` reads the CSV files into these records; the methods that use them are in
:mod:`.demand`, :mod:`.solar`, :mod:`.wind` and :mod:`.hydro`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class NodeSpec:
    """Profile settings of one node (a row of ``node_settings.csv``).

    Attributes
    ----------
    monthly : str
        Key of :attr:`Recipes.monthly_demand` used for the monthly demand factors.
    monthly_note : str
        Why that country (own data or proxy).
    shape : str
        Key of :attr:`Recipes.daily_shapes`.
    solar_cf : str
        Key of :attr:`Recipes.solar_cf`.
    solar_season : str
        Key of :attr:`Recipes.solar_season`.
    wind_cf : str
        Key of :attr:`Recipes.wind_cf`.
    wind_season : str
        Key of :attr:`Recipes.wind_monthly`.
    wind_peak_hour : float
        Local solar hour of the diurnal wind-speed maximum, h.
    source : str
        Citation of the settings.
    """

    monthly: str
    monthly_note: str
    shape: str
    solar_cf: str
    solar_season: str
    wind_cf: str
    wind_season: str
    wind_peak_hour: float
    source: str


@dataclass(frozen=True)
class MonthlyDemand:
    """Monthly demand factors of one country (a row of ``demand_monthly.csv``).

    Attributes
    ----------
    values : numpy.ndarray
        Twelve factors as published, dimensionless.
    basis : str
        ``"power"``: mean power in the month / annual mean power; ``"energy"``: energy in the
        month / (annual energy / 12), still containing the month-length effect.
    average_months : tuple of int
        Months (1-12) whose factors are replaced by their mean before use; empty for none.
    source : str
        Citation.
    """

    values: np.ndarray
    basis: str
    average_months: tuple[int, ...]
    source: str


@dataclass(frozen=True)
class Holiday:
    """A holiday effect on daily demand (a row of ``demand_holidays.csv``).

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


@dataclass(frozen=True)
class DailyShape:
    """Parametric intra-day demand template, local time (a row of ``demand_daily_shapes.csv``).

    Attributes
    ----------
    points : tuple of (float, float) or None
        Key points (local hour in h, relative level); ``None`` for the measured Singapore
        weekday profile.
    source : str
        Citation for the peak hour and secondary peak.
    """

    points: tuple[tuple[float, float], ...] | None
    source: str


@dataclass(frozen=True)
class Season:
    """Months of a seasonal effect with its citation.

    Attributes
    ----------
    months : tuple of int
        Months 1-12, in order from the first month; empty for none.
    source : str
        Citation.
    """

    months: tuple[int, ...]
    source: str


@dataclass(frozen=True)
class Target:
    """A sourced annual value, e.g. a capacity factor.

    Attributes
    ----------
    value : float
        The value, per unit.
    source : str
        Citation.
    """

    value: float
    source: str


@dataclass(frozen=True)
class SolarSeason:
    """Monthly PV output pattern (a row of ``solar_season.csv``).

    Attributes
    ----------
    spec : tuple of (int, float, int, float) or None
        Month of maximum (1-12), its factor, month of minimum, its factor: monthly PV output per
        unit of the annual mean; ``None`` for no monthly cloud seasonality.
    source : str
        Citation.
    """

    spec: tuple[int, float, int, float] | None
    source: str


@dataclass(frozen=True)
class Monthly:
    """Twelve monthly factors with their citation (a row of ``wind_monthly.csv``).

    Attributes
    ----------
    values : numpy.ndarray
        Twelve factors per unit of the annual mean, dimensionless.
    source : str
        Citation.
    """

    values: np.ndarray
    source: str


@dataclass(frozen=True)
class HydroRegime:
    """Monthly wet/dry inflow regime of one node (a row of ``hydro_regimes.csv``).

    Attributes
    ----------
    wet_months : tuple of int
        Months (1-12) of the wet season; empty for no seasonality.
    ratio : float
        Mean inflow in wet-season months / mean inflow in dry-season months, dimensionless.
    source : str
        Citation.
    """

    wet_months: tuple[int, ...]
    ratio: float
    source: str


@dataclass(frozen=True)
class HydroMonthly:
    """Measured monthly inflow shape of one node (its rows of ``hydro_monthly.csv``).

    Attributes
    ----------
    normal : numpy.ndarray
        Twelve monthly mean inflows of a normal year, January first, per unit of the mean of
        the twelve, dimensionless.
    dry : numpy.ndarray or None
        Twelve monthly mean inflows of a dry year per unit of *their own* mean (a shape only:
        the dry year's annual level stays the node's ``dry_year_factor`` in ``hydro.csv``),
        dimensionless; None keeps the regime's dry-year cut.
    source : str
        Citation (station, period, years, units, address).
    """

    normal: np.ndarray
    dry: np.ndarray | None
    source: str


@dataclass(frozen=True)
class Parameters:
    """Scalar settings of the methods (``parameters.csv``; units as in its ``unit`` column).

    Attributes
    ----------
    daily_noise_sd : float
        Standard deviation of the day-to-day demand factor, dimensionless.
    daily_noise_phi : float
        Lag-1 autocorrelation of the day-to-day demand factor, dimensionless.
    pv_temp_air : float
        Ambient temperature of the cell-temperature model, deg C.
    pv_gamma : float
        PV power temperature coefficient, 1/K.
    pv_dc_ac : float
        DC rating x system efficiency per unit of AC rating, dimensionless.
    pv_cloud_sd : float
        Log standard deviation of the daily clear-sky-index factor, dimensionless.
    pv_cloud_phi : float
        Lag-1 autocorrelation of the daily clear-sky-index factor, dimensionless.
    wind_ar_phi : float
        Hourly lag-1 autocorrelation of the Gaussian wind-speed components, dimensionless.
    wind_correlation_length_km : float
        E-folding distance of the hourly wind-speed correlation between two nodes, km.
    wind_diurnal_amplitude_onshore, wind_diurnal_amplitude_offshore : float
        Relative amplitude of the diurnal cosine in wind speed, dimensionless.
    wind_cut_in_speed, wind_rated_speed, wind_cut_out_speed : float
        Generic power curve, m/s.
    offshore_cf_uplift : float
        Offshore annual CF minus onshore annual CF, per unit.
    hydro_smooth_sd_days : float
        Standard deviation of the smoothing of the wet/dry step, days.
    hydro_dry_season_harder : float
        Dry-year cut in the dry season / cut in the wet season, dimensionless.
    hydro_default_dry_year_factor : float
        Dry-year factor used when ``hydro.csv`` is absent, dimensionless.
    """

    daily_noise_sd: float
    daily_noise_phi: float
    pv_temp_air: float
    pv_gamma: float
    pv_dc_ac: float
    pv_cloud_sd: float
    pv_cloud_phi: float
    wind_ar_phi: float
    wind_correlation_length_km: float
    wind_diurnal_amplitude_onshore: float
    wind_diurnal_amplitude_offshore: float
    wind_cut_in_speed: float
    wind_rated_speed: float
    wind_cut_out_speed: float
    offshore_cf_uplift: float
    hydro_smooth_sd_days: float
    hydro_dry_season_harder: float
    hydro_default_dry_year_factor: float

    @property
    def power_curve(self) -> tuple[float, float, float]:
        """Cut-in, rated and cut-out wind speed, m/s."""
        return (self.wind_cut_in_speed, self.wind_rated_speed, self.wind_cut_out_speed)


@dataclass(frozen=True)
class Recipes:
    """Every sourced input of the generator, keyed as in the recipe files.

    Attributes
    ----------
    nodes : dict
        Node id -> :class:`NodeSpec`.
    monthly_demand : dict
        Country key -> :class:`MonthlyDemand`.
    weekday_factor : numpy.ndarray
        Daily mean demand Mon..Sun relative to the Mon-Fri mean, dimensionless.
    holidays : tuple of Holiday
        In file order; a later row overrides an earlier one on the same node and day.
    daily_shapes : dict
        Template key -> :class:`DailyShape`.
    peak_season : dict
        Node id -> :class:`Season` of the annual demand peak (nodes without one are absent).
    solar_cf, wind_cf : dict
        Target key -> annual capacity factor :class:`Target`.
    solar_season : dict
        Season key -> :class:`SolarSeason`.
    wind_monthly : dict
        Season key -> monthly output factors (:class:`Monthly`).
    hydro_regime : dict
        Node id -> :class:`HydroRegime`.
    params : Parameters
        Scalar settings.
    hydro_monthly : dict
        Node id -> :class:`HydroMonthly` for the nodes with a measured monthly inflow shape;
        the others keep their regime's box shape.
    """

    nodes: dict[str, NodeSpec]
    monthly_demand: dict[str, MonthlyDemand]
    weekday_factor: np.ndarray
    holidays: tuple[Holiday, ...]
    daily_shapes: dict[str, DailyShape]
    peak_season: dict[str, Season]
    solar_cf: dict[str, Target]
    wind_cf: dict[str, Target]
    solar_season: dict[str, SolarSeason]
    wind_monthly: dict[str, Monthly]
    hydro_regime: dict[str, HydroRegime]
    params: Parameters
    hydro_monthly: dict[str, HydroMonthly] = field(default_factory=dict)

"""The data dictionary (core): constants and the classes that describe tables and columns.

The data dictionary: every input table, its columns, units, bounds and meaning.

This module is the single place where the input data contract is declared. The reader
(:mod:`aseangrid.io`) uses it to parse and check each CSV file, the validator uses its bounds,
the Dataset carries its units and descriptions as attributes, and ``inputs/README.md`` is
generated from it (:func:`render_markdown`), with a test keeping the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass

#: ISO 3166-1 alpha-3 codes of the ten ASEAN member states.
COUNTRIES: tuple[str, ...] = ("BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM")

#: Model years: the calibrated base year and the planning years.
BASE_YEAR = 2024
YEARS: tuple[int, ...] = (2024, 2030, 2035, 2040, 2045, 2050)

#: Generation technologies (storage technologies are listed in :data:`STORAGE_TECHNOLOGIES`).
GENERATION_TECHNOLOGIES: tuple[str, ...] = (
    "coal",
    "lignite",
    "gas_ccgt",
    "gas_ocgt",
    "oil",
    "hydro_reservoir",
    "hydro_ror",
    "geothermal",
    "biomass",
    "solar_pv",
    "wind_onshore",
    "wind_offshore",
)
STORAGE_TECHNOLOGIES: tuple[str, ...] = ("battery", "pumped_hydro")
TECHNOLOGIES: tuple[str, ...] = GENERATION_TECHNOLOGIES + STORAGE_TECHNOLOGIES
FUELS: tuple[str, ...] = ("coal", "lignite", "gas", "oil", "biomass")
#: Technologies whose generation counts as renewable in pathway tables (the dataset's
#: ``technologies.renewable`` column decides for the LP's targets).
RENEWABLE_TECHNOLOGIES: tuple[str, ...] = (
    "hydro_reservoir",
    "hydro_ror",
    "geothermal",
    "biomass",
    "solar_pv",
    "wind_onshore",
    "wind_offshore",
)
#: Technologies counted as coal by coal phase-out policies.
COAL_TECHNOLOGIES: tuple[str, ...] = ("coal", "lignite")
PROFILES: tuple[str, ...] = ("solar", "wind_onshore", "wind_offshore", "hydro", "none")
POLICIES: tuple[str, ...] = (
    "carbon_price",
    "carbon_cap",
    "renewable_share_min",
    "coal_generation_max",
    "coal_capacity_max",
)
POLICY_UNITS: dict[str, str] = {
    "carbon_price": "USD/tCO2",
    "carbon_cap": "MtCO2",
    "renewable_share_min": "fraction",
    "coal_generation_max": "TWh",
    "coal_capacity_max": "MW",
}
#: Scope that stands for all ten countries in ``policies.csv``.
ASEAN = "ASEAN"

#: Hours in a model year (a non-leap year; 29 February is dropped in leap years).
HOURS_PER_YEAR = 8760


@dataclass(frozen=True)
class Column:
    """One column of an input table.

    Parameters
    ----------
    name
        Column header, also the Dataset variable name where the column maps to one.
    kind
        ``"str"``, ``"float"``, ``"int"`` or ``"bool"``.
    unit
        Physical unit (``"-"`` for dimensionless, ``""`` for labels).
    description
        What the value means.
    low, high
        Inclusive physical range; values outside are rejected.
    optional
        Blank cells allowed; they take ``default`` (``None`` keeps them missing, e.g. "no
        retirement" or "use the technology default").
    choices
        Allowed values for labels.
    ref
        ``"table.column"`` a label must exist in (checked across tables).
    """

    name: str
    kind: str
    unit: str
    description: str
    low: float | None = None
    high: float | None = None
    optional: bool = False
    default: float | str | None = None
    choices: tuple[str, ...] | None = None
    ref: str | None = None


@dataclass(frozen=True)
class Table:
    """One input CSV file: its columns and its primary key."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = True
    #: what the dataset means when an optional table is left out (said when it is defaulted)
    absent: str = "none"

    @property
    def filename(self) -> str:
        """File name inside the dataset folder."""
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


SOURCE = Column(
    "source",
    "str",
    "",
    "Where the row's numbers come from (publisher, title, year); `[assumption]` and `[derived]` "
    "mark our own numbers and arithmetic.",
)
#: Allowed values of the ``basis`` column of capacity rows (generators, storage, links).
BASIS_VALUES: tuple[str, ...] = ("sourced", "derived", "planned", "assumption")
BASIS = Column(
    "basis",
    "str",
    "",
    "What the row's capacity rests on: `sourced` (a named statistic or operator figure), "
    "`derived` (arithmetic on sourced or planned figures, the rule in `source`), `planned` (a "
    "national plan, award, licence or PPA: RUPTL, PDP8, PDP, PEP, NETR, EMA licences) or "
    "`assumption` (our own number). Optional for a dataset, but a file with the column gives it "
    "on every row.",
    optional=True,
    choices=BASIS_VALUES,
)
YEAR_RANGE = {"low": 1950, "high": 2100}


@dataclass(frozen=True)
class Profile:
    """One hourly series file in ``profiles/``: ``hour`` then one column per node."""

    name: str
    unit: str
    description: str
    low: float
    high: float
    nodes: str = "all"  # "all" nodes or "hydro" nodes only


PROFILE_FILES: tuple[Profile, ...] = (
    Profile("demand_shape", "-", "Hourly demand per unit of the node's annual mean.", 0, 5),
    Profile("solar_pv", "-", "Hourly solar PV capacity factor.", 0, 1),
    Profile("wind_onshore", "-", "Hourly onshore wind capacity factor.", 0, 1),
    Profile("wind_offshore", "-", "Hourly offshore wind capacity factor.", 0, 1),
    Profile(
        "hydro_inflow",
        "-",
        "Hourly hydro inflow per unit of the normal-year annual mean.",
        0,
        10,
        "hydro",
    ),
    Profile(
        "hydro_inflow_dry",
        "-",
        "Hourly dry-year hydro inflow per unit of the normal-year annual mean.",
        0,
        10,
        "hydro",
    ),
)

#: Which profile file gives a technology's hourly availability.
PROFILE_FILE_OF: dict[str, str] = {
    "solar": "solar_pv",
    "wind_onshore": "wind_onshore",
    "wind_offshore": "wind_offshore",
}


@dataclass(frozen=True)
class Var:
    """Metadata of one variable of the input Dataset: dimensions, units, description."""

    dims: tuple[str, ...]
    units: str
    description: str

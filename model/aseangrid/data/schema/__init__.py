"""The data dictionary: every input table, its columns, units, bounds and meaning, and the
variables of the input Dataset.

This package is the single place where the input data contract is declared. The reader
(:mod:`aseangrid.data.tables`) parses and checks each CSV file against it, the assembler
(:mod:`aseangrid.data.year`) takes each Dataset variable's dimensions, units and description
from it, and ``inputs/README.md`` is generated from it (``python -m aseangrid.data.schema``),
with a test keeping the two in step.
"""

from .core import (
    ASEAN,
    BASE_YEAR,
    BASIS_VALUES,
    COAL_TECHNOLOGIES,
    COUNTRIES,
    FUELS,
    GENERATION_TECHNOLOGIES,
    HOURS_PER_YEAR,
    POLICIES,
    POLICY_UNITS,
    PROFILE_FILE_OF,
    PROFILE_FILES,
    PROFILES,
    RENEWABLE_TECHNOLOGIES,
    SOURCE,
    STORAGE_TECHNOLOGIES,
    TECHNOLOGIES,
    YEAR_RANGE,
    YEARS,
    Column,
    Profile,
    Table,
    Var,
)
from .expansion import EXPANSION_TABLES
from .readme import render_markdown
from .tables import TABLES
from .variables import DATASET_VARIABLES

#: Every table by name.
TABLE_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES + EXPANSION_TABLES}

__all__ = [
    "ASEAN",
    "BASE_YEAR",
    "BASIS_VALUES",
    "COAL_TECHNOLOGIES",
    "COUNTRIES",
    "DATASET_VARIABLES",
    "EXPANSION_TABLES",
    "FUELS",
    "GENERATION_TECHNOLOGIES",
    "HOURS_PER_YEAR",
    "POLICIES",
    "POLICY_UNITS",
    "PROFILES",
    "PROFILE_FILES",
    "PROFILE_FILE_OF",
    "RENEWABLE_TECHNOLOGIES",
    "SOURCE",
    "STORAGE_TECHNOLOGIES",
    "TABLES",
    "TABLE_BY_NAME",
    "TECHNOLOGIES",
    "YEARS",
    "YEAR_RANGE",
    "Column",
    "Profile",
    "Table",
    "Var",
    "render_markdown",
]

"""The base-year tables: achieved fleet performance and energy limits of generator groups."""

from __future__ import annotations

from .core import COUNTRIES, GENERATION_TECHNOLOGIES, SOURCE, YEAR_RANGE, Column, Table

#: How a number of an input row was obtained (``fitted``: chosen so that the model reproduces a
#: reported figure, which therefore cannot validate it).
BASES: tuple[str, ...] = ("sourced", "derived", "assumption", "fitted")
#: What sets an energy limit of a generator group.
ENERGY_LIMIT_KINDS: tuple[str, ...] = (
    "take_or_pay",
    "ppa_min_take",
    "supply_cap",
    "dmo",
    "must_run",
    "import_licence",
    "bilateral_ppa",
    "hydrology",
    "trade_rule",
)

PERFORMANCE_TABLES: tuple[Table, ...] = (
    Table(
        "fleet_performance",
        "Achieved efficiency and availability of the existing fleet per country and "
        "technology; applied to `existing` generators.csv rows whose own cells are blank "
        "(new plants keep the technology defaults).",
        (
            Column("country", "str", "", "ISO3 country code.", choices=COUNTRIES),
            Column("technology", "str", "", "Technology id.", choices=GENERATION_TECHNOLOGIES),
            Column(
                "efficiency",
                "float",
                "-",
                "Fleet-average net electrical efficiency (LHV); blank: technology default.",
                0.05,
                1,
                optional=True,
            ),
            Column(
                "efficiency_basis",
                "str",
                "",
                "How the efficiency was obtained.",
                choices=BASES,
                optional=True,
            ),
            Column(
                "availability",
                "float",
                "-",
                "Mean available share of capacity; blank: technology default.",
                0,
                1,
                optional=True,
            ),
            Column(
                "availability_basis",
                "str",
                "",
                "How the availability was obtained (`fitted`: from the generation it reproduces).",
                choices=BASES,
                optional=True,
            ),
            Column("year", "int", "year", "Year the evidence refers to.", **YEAR_RANGE),
            SOURCE,
        ),
        ("country", "technology"),
        required=False,
        absent="technology defaults for every existing plant",
    ),
    Table(
        "energy_limits",
        "Least and most energy of a group of generators over a year or a month (take-or-pay "
        "gas, PPA minimum take, fuel-supply caps, domestic-market-obligation coal) or of the "
        "flow over a group of links (bilateral PPAs, import licences).",
        (
            Column("limit", "str", "", "Unique row id."),
            Column("country", "str", "", "ISO3 country code of the group.", choices=COUNTRIES),
            Column(
                "technologies",
                "str",
                "",
                "Technologies of a generator group, separated by `;` (e.g. `gas_ccgt;gas_ocgt`); "
                "blank for a link group.",
                optional=True,
                default="",
            ),
            Column(
                "nodes",
                "str",
                "",
                "Nodes of the group separated by `;` (blank: every node of the country).",
                optional=True,
                default="",
            ),
            Column(
                "links",
                "str",
                "",
                "A link group instead: `link:forward` or `link:backward` separated by `;` (the "
                "energy sent that way over the links.csv row); blank for a generator group.",
                optional=True,
                default="",
            ),
            Column("year", "int", "year", "Model year the limit applies to.", **YEAR_RANGE),
            Column(
                "month", "int", "month", "Month the limit covers (1-12); 0: the whole year.", 0, 12
            ),
            Column(
                "min_twh",
                "float",
                "TWh",
                "Least energy over the period (blank: none).",
                0,
                5000,
                optional=True,
            ),
            Column(
                "max_twh",
                "float",
                "TWh",
                "Most energy over the period (blank: none).",
                0,
                5000,
                optional=True,
            ),
            Column("kind", "str", "", "What sets the limit.", choices=ENERGY_LIMIT_KINDS),
            Column(
                "basis",
                "str",
                "",
                "`fitted` when derived from the reported generation it makes the model match.",
                choices=BASES,
            ),
            SOURCE,
        ),
        ("limit",),
        required=False,
        absent="no energy limits on generator groups",
    ),
)

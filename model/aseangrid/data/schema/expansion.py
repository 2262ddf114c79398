"""The tables read only by capacity expansion and pathways."""

from __future__ import annotations

from .core import SOURCE, YEAR_RANGE, Column, Table

EXPANSION_TABLES: tuple[Table, ...] = (
    Table(
        "build_limits",
        "Where each technology may be built new, from when, and how much (resource potential). "
        "No row: the technology cannot be built at that node.",
        (
            Column("node", "str", "", "Node id.", ref="nodes.node"),
            Column("technology", "str", "", "Technology id.", ref="technologies.technology"),
            Column("first_year", "int", "year", "Earliest commissioning year.", **YEAR_RANGE),
            Column(
                "max_total_mw",
                "float",
                "MW",
                "Most new capacity (beyond the fleet tables) that can be built here by 2050; "
                "blank: no resource limit.",
                0,
                1e7,
                optional=True,
            ),
            SOURCE,
        ),
        ("node", "technology"),
        required=False,
    ),
    Table(
        "cost_trajectories",
        "Overnight capital and fixed O&M cost of new builds by technology and year (real USD); "
        "linear between the years given.",
        (
            Column("technology", "str", "", "Technology id.", ref="technologies.technology"),
            Column("year", "int", "year", "Year the cost applies to.", **YEAR_RANGE),
            Column("capex_usd_per_kw", "float", "USD/kW", "Capital cost per kW.", 0, 50000),
            Column(
                "capex_usd_per_kwh",
                "float",
                "USD/kWh",
                "Capital cost per kWh of storage energy (storage only).",
                0,
                5000,
                optional=True,
            ),
            Column("fom_usd_per_kw_yr", "float", "USD/kW/yr", "Fixed O&M.", 0, 2000),
            SOURCE,
        ),
        ("technology", "year"),
        required=False,
    ),
    Table(
        "link_candidates",
        "Transmission corridors that may be built (capacity the same in both directions).",
        (
            Column("link", "str", "", "Candidate id (distinct from `links.csv` ids)."),
            Column("node_from", "str", "", "One end.", ref="nodes.node"),
            Column("node_to", "str", "", "Other end.", ref="nodes.node"),
            Column("first_year", "int", "year", "Earliest commissioning year.", **YEAR_RANGE),
            Column("max_capacity_mw", "float", "MW", "Most capacity that can be built.", 0, 1e5),
            Column("loss_fraction", "float", "-", "Share lost in transit.", 0, 0.5),
            Column("kind", "str", "", "hvac or hvdc.", choices=("hvac", "hvdc")),
            Column("length_km", "float", "km", "Route length.", 0, 1e4),
            Column("capex_usd_per_mw", "float", "USD/MW", "Capital cost per MW.", 0, 1e8),
            Column("lifetime_yr", "float", "yr", "Economic lifetime.", 1, 100),
            SOURCE,
        ),
        ("link",),
        required=False,
    ),
    Table(
        "retirements",
        "Scheduled retirements of the existing fleet: `capacity_mw` of a node's existing "
        "technology is gone from `year` on. `early_candidate` rows apply only when a scenario "
        "opts in.",
        (
            Column("node", "str", "", "Node id.", ref="nodes.node"),
            Column("technology", "str", "", "Technology id.", ref="technologies.technology"),
            Column("year", "int", "year", "First year without the capacity.", **YEAR_RANGE),
            Column("capacity_mw", "float", "MW", "Capacity retired.", 0, 1e6),
            Column(
                "kind",
                "str",
                "",
                "age, plan or early_candidate.",
                choices=("age", "plan", "early_candidate"),
            ),
            SOURCE,
        ),
        ("node", "technology", "year", "kind"),
        required=False,
    ),
)

"""The data dictionary: every input table, its columns, units, bounds and meaning.

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
YEAR_RANGE = {"low": 1950, "high": 2100}

TABLES: tuple[Table, ...] = (
    Table(
        "nodes",
        "Model nodes: a country's grid or a part of it with its own balance.",
        (
            Column("node", "str", "", "Node id, e.g. `TH-C`."),
            Column("name", "str", "", "Readable name."),
            Column("country", "str", "", "ISO3 country code.", choices=COUNTRIES),
            Column("lat", "float", "degree_north", "Representative latitude.", -90, 90),
            Column("lon", "float", "degree_east", "Representative longitude.", -180, 180),
            Column("timezone", "str", "", "IANA time zone of the node, e.g. `Asia/Bangkok`."),
            SOURCE,
        ),
        ("node",),
    ),
    Table(
        "demand",
        "Annual electricity demand and peak per node and model year.",
        (
            Column("node", "str", "", "Node id.", ref="nodes.node"),
            Column("year", "int", "year", "Model year.", **YEAR_RANGE),
            Column(
                "demand_twh", "float", "TWh", "Annual demand (generation + net imports).", 0, 5000
            ),
            Column("peak_mw", "float", "MW", "Annual peak demand.", 0, 500_000),
            SOURCE,
        ),
        ("node", "year"),
    ),
    Table(
        "technologies",
        "Default techno-economic parameters per technology.",
        (
            Column("technology", "str", "", "Technology id.", choices=TECHNOLOGIES),
            Column("fuel", "str", "", "Fuel id or `none`.", choices=(*FUELS, "none")),
            Column(
                "efficiency",
                "float",
                "-",
                "Net electrical efficiency (LHV); round-trip efficiency for storage; "
                "1 without fuel.",
                0.05,
                1,
            ),
            Column("availability", "float", "-", "Mean available share of capacity.", 0, 1),
            Column(
                "must_run_share", "float", "-", "Share of available capacity that must run.", 0, 1
            ),
            Column("vom_usd_per_mwh", "float", "USD/MWh", "Variable O&M cost.", 0, 200),
            Column("fom_usd_per_kw_yr", "float", "USD/kW/yr", "Fixed O&M cost.", 0, 1000),
            Column("capex_usd_per_kw", "float", "USD/kW", "Overnight capital cost.", 0, 30_000),
            Column("lifetime_yr", "float", "yr", "Economic lifetime.", 1, 150),
            Column(
                "ramp_per_hour",
                "float",
                "1/h",
                "Largest change of output in one hour as a share of capacity (1 = free).",
                0.01,
                1,
            ),
            Column("renewable", "bool", "", "Counts towards renewable targets."),
            Column("profile", "str", "", "Hourly availability profile.", choices=PROFILES),
            SOURCE,
        ),
        ("technology",),
    ),
    Table(
        "fuels",
        "Fuels and their combustion CO2 factors.",
        (
            Column("fuel", "str", "", "Fuel id.", choices=FUELS),
            Column(
                "emission_factor_t_per_gj",
                "float",
                "tCO2/GJ",
                "Combustion CO2 per GJ of fuel (net calorific value).",
                0,
                0.2,
            ),
            SOURCE,
        ),
        ("fuel",),
    ),
    Table(
        "fuel_prices",
        "Fuel price delivered to power plants per country and year.",
        (
            Column("fuel", "str", "", "Fuel id.", ref="fuels.fuel"),
            Column("country", "str", "", "ISO3 country code.", choices=COUNTRIES),
            Column("year", "int", "year", "Model year.", **YEAR_RANGE),
            Column("price_usd_per_gj", "float", "USD/GJ", "Fuel price (LHV basis).", 0, 100),
            SOURCE,
        ),
        ("fuel", "country", "year"),
    ),
    Table(
        "generators",
        "Generation fleet rows: existing, committed and planned capacity with their years.",
        (
            Column("generator", "str", "", "Unique row id."),
            Column("node", "str", "", "Node the plant injects into.", ref="nodes.node"),
            Column(
                "technology",
                "str",
                "",
                "Technology id.",
                choices=GENERATION_TECHNOLOGIES,
            ),
            Column("capacity_mw", "float", "MW", "Installed capacity.", 0.001, 100_000),
            Column("commission_year", "int", "year", "First year in operation.", **YEAR_RANGE),
            Column(
                "retire_year",
                "int",
                "year",
                "First year no longer in operation (blank: beyond the horizon).",
                optional=True,
                **YEAR_RANGE,
            ),
            Column(
                "efficiency",
                "float",
                "-",
                "Override of the technology efficiency (blank: default).",
                0.05,
                1,
                optional=True,
            ),
            Column(
                "availability",
                "float",
                "-",
                "Override of the technology availability (blank: default).",
                0,
                1,
                optional=True,
            ),
            Column(
                "must_run_share",
                "float",
                "-",
                "Override of the technology must-run share (blank: default).",
                0,
                1,
                optional=True,
            ),
            Column(
                "status",
                "str",
                "",
                "existing, committed or planned.",
                choices=("existing", "committed", "planned"),
            ),
            SOURCE,
        ),
        ("generator",),
    ),
    Table(
        "storage",
        "Batteries and pumped hydro.",
        (
            Column("storage", "str", "", "Unique row id."),
            Column("node", "str", "", "Node.", ref="nodes.node"),
            Column("technology", "str", "", "Storage technology.", choices=STORAGE_TECHNOLOGIES),
            Column("power_mw", "float", "MW", "Charge and discharge power limit.", 0.001, 50_000),
            Column("energy_mwh", "float", "MWh", "Energy capacity.", 0.001, 1_000_000),
            Column("efficiency_roundtrip", "float", "-", "Round-trip efficiency (AC-AC).", 0.3, 1),
            Column("commission_year", "int", "year", "First year in operation.", **YEAR_RANGE),
            Column(
                "retire_year",
                "int",
                "year",
                "First year no longer in operation (blank: beyond the horizon).",
                optional=True,
                **YEAR_RANGE,
            ),
            Column(
                "status",
                "str",
                "",
                "existing, committed or planned.",
                choices=("existing", "committed", "planned"),
            ),
            SOURCE,
        ),
        ("storage",),
    ),
    Table(
        "hydro",
        "Hydro inflow and reservoir parameters per node and hydro technology.",
        (
            Column("node", "str", "", "Node.", ref="nodes.node"),
            Column(
                "technology",
                "str",
                "",
                "hydro_reservoir or hydro_ror.",
                choices=("hydro_reservoir", "hydro_ror"),
            ),
            Column(
                "annual_cf",
                "float",
                "-",
                "Long-run mean inflow energy as a share of capacity x 8760 h.",
                0.01,
                1,
            ),
            Column(
                "dry_year_factor",
                "float",
                "-",
                "Dry-year inflow energy relative to a normal year.",
                0.1,
                1,
            ),
            Column(
                "reservoir_hours",
                "float",
                "h",
                "Reservoir energy capacity in hours at full output (0 for run-of-river).",
                0,
                8760,
            ),
            SOURCE,
        ),
        ("node", "technology"),
    ),
    Table(
        "links",
        "Transmission links between nodes (transport model), cross-border and domestic.",
        (
            Column("link", "str", "", "Unique row id."),
            Column(
                "node_from", "str", "", "Sending node of the forward direction.", ref="nodes.node"
            ),
            Column(
                "node_to", "str", "", "Receiving node of the forward direction.", ref="nodes.node"
            ),
            Column("capacity_forward_mw", "float", "MW", "Limit from -> to.", 0, 50_000),
            Column("capacity_backward_mw", "float", "MW", "Limit to -> from.", 0, 50_000),
            Column("loss_fraction", "float", "-", "Share of the sent energy lost.", 0, 0.2),
            Column("kind", "str", "", "hvac or hvdc.", choices=("hvac", "hvdc")),
            Column("voltage_kv", "float", "kV", "Nominal voltage.", 1, 1500),
            Column("commission_year", "int", "year", "First year in operation.", **YEAR_RANGE),
            Column(
                "retire_year",
                "int",
                "year",
                "First year no longer in operation (blank: beyond the horizon).",
                optional=True,
                **YEAR_RANGE,
            ),
            Column(
                "wheeling_forward_usd_per_mwh",
                "float",
                "USD/MWh",
                "Wheeling or hurdle charge per MWh sent forward.",
                0,
                500,
            ),
            Column(
                "wheeling_backward_usd_per_mwh",
                "float",
                "USD/MWh",
                "Wheeling or hurdle charge per MWh sent backward.",
                0,
                500,
            ),
            Column(
                "status",
                "str",
                "",
                "existing, committed or planned.",
                choices=("existing", "committed", "planned"),
            ),
            SOURCE,
        ),
        ("link",),
    ),
    Table(
        "policies",
        "Carbon prices and caps, renewable targets and coal limits per scope and year.",
        (
            Column("policy", "str", "", "Policy kind.", choices=POLICIES),
            Column(
                "scope", "str", "", "ISO3 country code or `ASEAN`.", choices=(*COUNTRIES, ASEAN)
            ),
            Column("year", "int", "year", "Model year the policy applies to.", **YEAR_RANGE),
            Column("value", "float", "see unit", "Policy value.", 0, 1e6),
            Column("unit", "str", "", "Unit of the value; must match the policy kind."),
            SOURCE,
        ),
        ("policy", "scope", "year"),
    ),
)

#: Tables read only by capacity expansion and pathways (optional: dispatch runs without them).
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

TABLE_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES + EXPANSION_TABLES}


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


#: Every variable of the input Dataset of one year (:func:`aseangrid.load_inputs`), with its
#: dimensions, units and meaning: the assembler takes the metadata from here.
DATASET_VARIABLES: dict[str, Var] = {
    "demand_mw": Var(("time", "node"), "MW", "Hourly demand."),
    "demand_twh": Var(("node",), "TWh", "Annual demand."),
    "peak_mw": Var(("node",), "MW", "Annual peak demand as given in demand.csv."),
    "capacity_mw": Var(("generator",), "MW", "Installed generation capacity."),
    "efficiency": Var(("generator",), "1", "Net electrical efficiency (LHV)."),
    "availability": Var(("generator",), "1", "Mean available share of capacity."),
    "must_run_share": Var(("generator",), "1", "Share of available capacity that must run."),
    "ramp_per_hour": Var(("generator",), "1/h", "Largest hourly change as a share of capacity."),
    "renewable": Var(("generator",), "1", "Counts towards renewable targets."),
    "fuel_price_usd_per_gj": Var(("generator",), "USD/GJ", "Fuel price."),
    "vom_usd_per_mwh": Var(("generator",), "USD/MWh", "Variable O&M cost."),
    "emission_factor_t_per_mwh": Var(("generator",), "t/MWh", "CO2 per MWh of electricity."),
    "marginal_cost_usd_per_mwh": Var(
        ("generator",),
        "USD/MWh",
        "Fuel plus variable O&M per MWh of electricity, before carbon prices.",
    ),
    "availability_pu": Var(
        ("time", "generator"),
        "1",
        "Hourly upper bound of output per unit of capacity (profile x availability).",
    ),
    "hydro_inflow_mw": Var(
        ("time", "generator"),
        "MW",
        "Hourly natural inflow of reservoir hydro as electric power (0 elsewhere).",
    ),
    "reservoir_capacity_mwh": Var(("generator",), "MWh", "Reservoir energy capacity (0: none)."),
    "storage_power_mw": Var(("storage",), "MW", "Storage power."),
    "storage_energy_mwh": Var(("storage",), "MWh", "Storage energy."),
    "storage_efficiency_roundtrip": Var(
        ("storage",), "1", "Round-trip efficiency (split evenly: sqrt each way)."
    ),
    "link_capacity_forward_mw": Var(("link",), "MW", "Limit from->to."),
    "link_capacity_backward_mw": Var(("link",), "MW", "Limit to->from."),
    "link_loss_fraction": Var(("link",), "1", "Share lost in transit."),
    "wheeling_forward_usd_per_mwh": Var(("link",), "USD/MWh", "Charge per MWh sent forward."),
    "wheeling_backward_usd_per_mwh": Var(("link",), "USD/MWh", "Charge per MWh sent backward."),
    "link_voltage_kv": Var(("link",), "kV", "Nominal voltage."),
    "carbon_price_usd_per_t": Var(("country",), "USD/tCO2", "Carbon price on power-sector CO2."),
    "renewable_share_min": Var(
        ("country",),
        "1",
        "Minimum share of annual demand met by renewable generation in the country "
        "(NaN: no target).",
    ),
    "coal_generation_max_twh": Var(
        ("country",), "TWh", "Maximum annual coal and lignite generation (NaN: no limit)."
    ),
    "coal_capacity_max_mw": Var(
        ("country",), "MW", "Maximum coal and lignite output in any hour (NaN: no limit)."
    ),
    "carbon_cap_mt": Var(("carbon_cap",), "MtCO2", "Annual CO2 cap of a group of countries."),
    "carbon_cap_member": Var(("carbon_cap", "country"), "1", "Countries covered by each cap."),
    "time_weight_h": Var(("time",), "h", "Hours represented by each step."),
}


def render_markdown() -> str:
    """Render the data dictionary as Markdown (the body of ``inputs/README.md``).

    Returns
    -------
    str
        One section per table with a column table (name, unit, required, range, meaning).
    """
    lines = [
        "<!-- generated by `python -m aseangrid.data.schema`; "
        "edit model/aseangrid/data/schema.py -->",
        "## Tables",
        "",
    ]
    for table in TABLES + EXPANSION_TABLES:
        lines += [f"### `{table.filename}`", "", table.description, ""]
        lines += [f"Key: {', '.join(f'`{k}`' for k in table.key)}.", ""]
        lines += ["| column | unit | required | allowed | meaning |", "|---|---|---|---|---|"]
        for c in table.columns:
            allowed = ""
            if c.choices:
                allowed = ", ".join(c.choices)
            elif c.low is not None or c.high is not None:
                allowed = f"{c.low:g} .. {c.high:g}"
            elif c.ref:
                allowed = f"a `{c.ref}`"
            unit = c.unit or "label"
            req = "optional" if c.optional else "yes"
            lines.append(f"| `{c.name}` | {unit} | {req} | {allowed} | {c.description} |")
        lines.append("")
    lines += ["## Hourly profiles (`profiles/`)", ""]
    lines += [
        "Each file has a column `hour` (0..8759, hours of a non-leap year in UTC) and one column "
        "per node.",
        "",
        "| file | unit | range | nodes | meaning |",
        "|---|---|---|---|---|",
    ]
    for p in PROFILE_FILES:
        lines.append(
            f"| `profiles/{p.name}.csv` | {p.unit} | {p.low:g} .. {p.high:g} | {p.nodes} | "
            f"{p.description} |"
        )
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(render_markdown())

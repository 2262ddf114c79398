"""The variables of the input Dataset of one year: dimensions, units, meaning."""

from __future__ import annotations

from .core import Var

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
    "storage_efficiency_charge": Var(
        ("storage",), "1", "Charging efficiency (energy stored per MWh drawn from the node)."
    ),
    "storage_efficiency_discharge": Var(
        ("storage",), "1", "Discharging efficiency (MWh delivered per MWh taken from store)."
    ),
    "storage_level_initial_mwh": Var(
        ("storage",), "MWh", "Stored energy at the start of a non-cyclic run."
    ),
    "reservoir_level_initial_mwh": Var(
        ("generator",), "MWh", "Reservoir content at the start of a non-cyclic run (0: none)."
    ),
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
    "energy_limit_member": Var(
        ("energy_limit", "generator"), "1", "Generators of each energy-limit group."
    ),
    "energy_limit_link_forward": Var(
        ("energy_limit", "link"), "1", "Links whose forward flow counts in each limit's group."
    ),
    "energy_limit_link_backward": Var(
        ("energy_limit", "link"), "1", "Links whose backward flow counts in each limit's group."
    ),
    "energy_limit_month": Var(
        ("energy_limit",), "1", "Month an energy limit covers (1-12; 0: the whole year)."
    ),
    "energy_limit_min_twh": Var(
        ("energy_limit",), "TWh", "Least energy of the group over its period (NaN: none)."
    ),
    "energy_limit_max_twh": Var(
        ("energy_limit",), "TWh", "Most energy of the group over its period (NaN: none)."
    ),
}

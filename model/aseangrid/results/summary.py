"""Tidy tables of one results Dataset (written as CSV beside its NetCDF)."""

from __future__ import annotations

import pandas as pd


def summary_tables(res) -> dict[str, pd.DataFrame]:
    """Tidy tables of a results Dataset (written as CSV beside the NetCDF)."""
    countries = res["country"].values
    per_country = pd.DataFrame(
        {
            "cost_musd": res["cost_country_usd"].sum("cost_component").values / 1e6,
            "emissions_mt": res["emissions_country_t"].values / 1e6,
            "generation_twh": res["generation_country_twh"].sum("technology").values,
        },
        index=pd.Index(countries, name="country"),
    )
    for v in ("imports_twh", "exports_twh", "net_imports_twh"):
        if v in res:
            per_country[v] = res[v].values
    nodes = pd.DataFrame(
        {
            "country": res["node_country"].values,
            "price_mean_usd_per_mwh": res["price_mean_usd_per_mwh"].values,
            "price_demand_weighted_usd_per_mwh": res["price_demand_weighted_usd_per_mwh"].values,
            "unserved_twh": res["unserved_twh"].values,
            "emissions_mt": res["emissions_node_t"].values / 1e6,
        },
        index=pd.Index(res["node"].values, name="node"),
    )
    mix = res["generation_country_twh"].to_pandas()
    tables = {"summary_country": per_country, "summary_node": nodes, "generation_mix_twh": mix}
    if "link_energy_forward_twh" in res:
        tables["links"] = pd.DataFrame(
            {
                "from": res["link_from"].values,
                "to": res["link_to"].values,
                "cross_border": res["link_cross_border"].values.astype(bool),
                "forward_twh": res["link_energy_forward_twh"].values,
                "backward_twh": res["link_energy_backward_twh"].values,
                "hours_at_limit_forward": res["link_hours_at_limit_forward"].values,
                "hours_at_limit_backward": res["link_hours_at_limit_backward"].values,
                "congestion_rent_musd": res["congestion_rent_usd"].values / 1e6,
            },
            index=pd.Index(res["link"].values, name="link"),
        )
    return tables

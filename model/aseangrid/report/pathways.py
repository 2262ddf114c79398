"""The pathway section of a report: capacity, generation, emissions and cost by year."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd
import xarray as xr

from ..compare import pathway_table
from .figures import fig_pathway_emissions, fig_pathway_stack, pathway_countries
from .fmt import Table
from .render import Section

SRC = "Source: the pathway results of this run (pathway.nc)."


def _gw_by_year(da: xr.DataArray, keep: float) -> pd.DataFrame:
    df = (da.sum("country") / 1e3).to_pandas()
    df = df.loc[:, df.abs().max() > keep]
    df.columns = [f"{c} [GW]" for c in df.columns]
    df.index.name = "year"
    return df


def pathway_tables(s: str, pw: xr.Dataset) -> list[Table]:
    """The tables of one pathway scenario."""
    out = [Table(f"pathway.{s}", f"Pathway {s}", pathway_table(pw, pathway_countries(pw)), SRC)]
    if pw.sizes.get("carbon_cap", 0):
        caps = pd.DataFrame(
            {
                "cap [Mt]": pw["carbon_cap_mt"].to_pandas().stack(),
                "emissions [Mt]": pw["carbon_cap_emissions_mt"].to_pandas().stack(),
                "shadow price [USD/t]": pw["carbon_shadow_price_usd_per_t"].to_pandas().stack(),
            }
        )
        out.append(Table(f"pathway.{s}.caps", f"Carbon caps, {s}", caps, SRC))
    out.append(
        Table(
            f"pathway.{s}.additions", f"Additions, {s}", _gw_by_year(pw["additions_mw"], 0.01), SRC
        )
    )
    ret = _gw_by_year(pw["early_retirements_mw"], 0.01)
    if len(ret.columns):
        out.append(Table(f"pathway.{s}.retirements", f"Early retirements, {s}", ret, SRC))
    if pw.sizes.get("link_candidate", 0):
        lk = pw["link_additions_mw"].to_pandas()
        lk = lk.loc[:, lk.abs().max() > 0.5]
        if len(lk.columns):
            lk.columns = [f"{c} [MW]" for c in lk.columns]
            lk.index.name = "year"
            out.append(Table(f"pathway.{s}.corridors", f"Corridors built, {s}", lk, SRC))
    return out


def pathway_section(pathways: Mapping[str, xr.Dataset], figs: Path, figure: Callable) -> Section:
    """The "Pathways" section; ``figure(fig, figs, key, title)`` saves each figure."""
    tables = [t for s, pw in pathways.items() for t in pathway_tables(s, pw)]
    fl = [
        figure(
            fig_pathway_stack(pathways, "capacity_mw", 1e3, "GW"),
            figs,
            "pathway_capacity",
            "Capacity by year",
        ),
        figure(
            fig_pathway_stack(pathways, "generation_twh", 1.0, "TWh per year"),
            figs,
            "pathway_generation",
            "Generation by year",
        ),
        figure(
            fig_pathway_emissions(pathways), figs, "pathway_emissions", "Emissions against caps"
        ),
    ]
    return Section(
        "Pathways",
        "pathways",
        subtitle="capacity, generation, emissions and cost by year",
        tables=tables,
        figures=fl,
    )

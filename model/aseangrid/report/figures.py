"""Figures for reports (matplotlib, PNG and SVG), each with units and a source line."""

from __future__ import annotations

import base64
import io as _io
from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr

from ..data import schema as sc

TECH_COLORS = {
    "coal": "#3b3b3b",
    "lignite": "#7a5230",
    "gas_ccgt": "#e07b39",
    "gas_ocgt": "#f2b279",
    "oil": "#a0522d",
    "hydro_reservoir": "#1f5fa8",
    "hydro_ror": "#5fa2dd",
    "geothermal": "#b5485d",
    "biomass": "#4f8a3c",
    "solar_pv": "#f4d03f",
    "wind_onshore": "#7fc8a9",
    "wind_offshore": "#2e9c8a",
    "storage": "#9b59b6",
    "battery": "#9b59b6",
    "pumped_hydro": "#6c3483",
    "imports": "#bbbbbb",
}
SOURCE_NOTE = "aseangrid; inputs/asean (sources in inputs/asean/*.csv)"


def save_figure(fig, folder: Path, name: str) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    fig.text(
        0.99, -0.04, f"Source: {SOURCE_NOTE}", ha="right", va="top", fontsize=6, color="#666666"
    )
    png, svg = folder / f"{name}.png", folder / f"{name}.svg"
    fig.savefig(png, dpi=110, bbox_inches="tight")
    fig.savefig(svg, bbox_inches="tight")
    buf = _io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return {
        "png": png.name,
        "svg": svg.name,
        "b64": base64.b64encode(buf.getvalue()).decode("ascii"),
    }


def fig_emissions(cmp: xr.Dataset) -> plt.Figure:
    """Production- vs consumption-based emissions per country and scenario [MtCO2]."""
    countries = cmp["country"].values
    names = cmp["scenario"].values
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    width = 0.8 / len(names)
    x = np.arange(len(countries))
    for ax, var, title in (
        (axes[0], "emissions_production_t", "production-based"),
        (axes[1], "emissions_consumption_t", "consumption-based"),
    ):
        for k, s in enumerate(names):
            ax.bar(x + k * width, cmp[var].sel(scenario=s).values / 1e6, width, label=str(s))
        ax.set_xticks(x + width * (len(names) - 1) / 2, countries, rotation=45)
        ax.set_title(f"CO2 emissions, {title}")
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("MtCO2 per year")
    axes[1].legend(fontsize=7, ncol=2)
    return fig


def fig_mix(cmp: xr.Dataset, max_scenarios: int = 4) -> plt.Figure:
    """Generation mix per country, stacked by technology, for up to ``max_scenarios``."""
    names = list(cmp["scenario"].values)
    if len(names) > max_scenarios:
        names = [names[0], *names[-(max_scenarios - 1) :]]
    fig, axes = plt.subplots(
        1, len(names), figsize=(4.2 * len(names), 4.2), sharey=True, squeeze=False
    )
    countries = cmp["country"].values
    for ax, s in zip(axes[0], names, strict=True):
        g = cmp["generation_twh"].sel(scenario=s)
        bottom = np.zeros(len(countries))
        for t in cmp["technology"].values:
            v = g.sel(technology=t).values
            if v.sum() <= 0:
                continue
            ax.bar(countries, v, bottom=bottom, color=TECH_COLORS.get(str(t)), label=str(t))
            bottom += v
        ax.set_title(str(s), fontsize=9)
        ax.tick_params(axis="x", rotation=60, labelsize=7)
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].set_ylabel("TWh per year")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=7, fontsize=7, bbox_to_anchor=(0.5, 1.08))
    return fig


def _corridor_hourly(res: xr.Dataset) -> dict[tuple[str, str], np.ndarray]:
    """Hourly net flow per unordered country pair (positive in the sorted-pair direction)."""
    nc = dict(zip(res["node"].values, res["node_country"].values, strict=True))
    out: dict[tuple[str, str], np.ndarray] = {}
    if "flow_forward_mw" not in res:
        return out
    for i in np.flatnonzero(res["link_cross_border"].values.astype(bool)):
        a, b = nc[res["link_from"].values[i]], nc[res["link_to"].values[i]]
        net = res["flow_forward_mw"].values[:, i] - res["flow_backward_mw"].values[:, i]
        key = tuple(sorted((a, b)))
        sign = 1.0 if (a, b) == key else -1.0
        out[key] = out.get(key, 0.0) + sign * net
    return out


def fig_flow_duration(results: Mapping[str, xr.Dataset], top: int = 6) -> plt.Figure:
    """Flow-duration curves of the busiest corridors (net flow sorted, MW)."""
    flows = {s: _corridor_hourly(r) for s, r in results.items()}
    volume: dict[tuple[str, str], float] = {}
    for f in flows.values():
        for k, v in f.items():
            volume[k] = volume.get(k, 0.0) + float(np.abs(v).sum())
    keys = sorted(volume, key=volume.get, reverse=True)[:top]
    n = max(len(keys), 1)
    cols = min(3, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False)
    for ax, k in zip(axes.ravel(), keys, strict=False):
        for s, f in flows.items():
            if k in f:
                ax.plot(np.sort(f[k])[::-1], label=str(s), lw=1)
        ax.axhline(0, color="k", lw=0.5)
        ax.set_title(f"{k[0]} → {k[1]} (negative: ←)", fontsize=9)
        ax.set_xlabel("hours, sorted")
        ax.set_ylabel("net flow [MW]")
        ax.grid(alpha=0.3)
    for ax in axes.ravel()[len(keys) :]:
        ax.axis("off")
    if keys:
        axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def fig_dispatch(res: xr.Dataset, node: str, start: str, title: str) -> plt.Figure:
    """Dispatch stack of one node for one week: generation by technology, storage, net
    imports and demand [MW]."""
    t = pd.DatetimeIndex(res["time"].values)
    year = t[0].year
    t0 = pd.Timestamp(f"{year}-{start}")
    sel = np.flatnonzero((t >= t0) & (t < t0 + pd.Timedelta(days=7)))
    if sel.size == 0:
        sel = np.arange(min(168, len(t)))
    fig, ax = plt.subplots(figsize=(10, 3.8))
    at = res["generator_node"].values == node
    stack, labels, colors = [], [], []
    for tech in sc.GENERATION_TECHNOLOGIES:
        m = at & (res["generator_technology"].values == tech)
        if m.any():
            v = res["generation_mw"].values[np.ix_(sel, np.flatnonzero(m))].sum(axis=1)
            if v.sum() > 0:
                stack.append(v)
                labels.append(tech)
                colors.append(TECH_COLORS[tech])
    if res.sizes.get("storage", 0):
        ms = res["storage_node"].values == node
        if ms.any():
            v = (
                res["storage_discharge_mw"].values[np.ix_(sel, np.flatnonzero(ms))]
                - res["storage_charge_mw"].values[np.ix_(sel, np.flatnonzero(ms))]
            ).sum(axis=1)
            stack.append(np.clip(v, 0, None))
            labels.append("storage discharge")
            colors.append(TECH_COLORS["storage"])
    ni = list(res["node"].values).index(node)
    demand = res["demand_mw"].values[sel, ni]
    served_local = np.sum(stack, axis=0) if stack else np.zeros(sel.size)
    imports = np.clip(demand - res["unserved_mw"].values[sel, ni] - served_local, 0, None)
    stack.append(imports)
    labels.append("net imports")
    colors.append(TECH_COLORS["imports"])
    x = t[sel]
    ax.stackplot(x, *stack, labels=labels, colors=colors, alpha=0.9)
    ax.plot(x, demand, color="k", lw=1.2, label="demand")
    ax.set_ylabel("MW")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, ncol=4, loc="upper left")
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    return fig


def fig_price_duration(results: Mapping[str, xr.Dataset], nodes: list[str]) -> plt.Figure:
    """Price-duration curves at chosen nodes [USD/MWh]."""
    fig, axes = plt.subplots(1, len(nodes), figsize=(4.2 * len(nodes), 3.2), squeeze=False)
    for ax, n in zip(axes[0], nodes, strict=True):
        for s, r in results.items():
            if n in r["node"].values:
                p = r["price_usd_per_mwh"].sel(node=n).values
                ax.plot(np.sort(p)[::-1], lw=1, label=str(s))
        ax.set_title(n, fontsize=9)
        ax.set_xlabel("hours, sorted")
        ax.set_ylabel("price [USD/MWh]")
        ax.set_yscale("symlog", linthresh=200)
        ax.grid(alpha=0.3)
    if axes[0][0].get_legend_handles_labels()[0]:
        axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def fig_cost_emissions(cmp: xr.Dataset) -> plt.Figure:
    """Total cost against total emissions per scenario (the abatement cost curve)."""
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    em = cmp["emissions_production_t"].sum("country").values / 1e6
    cost = cmp["total_cost_usd"].values / 1e9
    ax.plot(em, cost, "o-", lw=0.8)
    for s, x, y in zip(cmp["scenario"].values, em, cost, strict=True):
        ax.annotate(str(s), (x, y), fontsize=7, xytext=(4, 2), textcoords="offset points")
    ax.set_xlabel("CO2 emissions [Mt per year]")
    ax.set_ylabel("total cost [bn USD per year]")
    ax.grid(alpha=0.3)
    return fig


def pathway_countries(pw: xr.Dataset) -> list[str]:
    has = pw["capacity_mw"].sum(("year", "technology")) > 0
    return [str(c) for c in pw["country"].values[has.values]]


def fig_pathway_stack(
    pathways: Mapping[str, xr.Dataset], var: str, scale: float, ylabel: str
) -> plt.Figure:
    """Stacked bars by year and technology, one panel per pathway scenario."""
    names = list(pathways)
    fig, axes = plt.subplots(
        1, len(names), figsize=(4.4 * len(names), 4.2), sharey=True, squeeze=False
    )
    for ax, s in zip(axes[0], names, strict=True):
        pw = pathways[s]
        v = pw[var].sel(country=pathway_countries(pw)).sum("country") / scale
        years = [str(y) for y in pw["year"].values]
        bottom = np.zeros(len(years))
        for t in pw["technology"].values:
            x = v.sel(technology=t).values
            if np.nansum(np.abs(x)) <= 1e-6:
                continue
            ax.bar(years, x, bottom=bottom, color=TECH_COLORS.get(str(t)), label=str(t))
            bottom += x
        ax.set_title(str(s), fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].set_ylabel(ylabel)
    handles, labels = [], []
    for ax in axes[0]:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="upper center", ncol=7, fontsize=7, bbox_to_anchor=(0.5, 1.1))
    return fig


def fig_pathway_emissions(pathways: Mapping[str, xr.Dataset]) -> plt.Figure:
    """Emissions of each pathway's countries by year, with the caps that cover them [MtCO2]."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for k, (s, pw) in enumerate(pathways.items()):
        color = f"C{k}"
        em = pw["emissions_mt"].sel(country=pathway_countries(pw)).sum("country")
        ax.plot(pw["year"].values, em.values, "o-", color=color, label=f"{s}: emissions")
        if pw.sizes.get("carbon_cap", 0):
            for c in pw["carbon_cap"].values:
                cap = pw["carbon_cap_mt"].sel(carbon_cap=c).values
                if np.all(np.isnan(cap)):
                    continue
                ax.plot(pw["year"].values, cap, "--", color=color, alpha=0.7, label=f"{s}: cap {c}")
    years = sorted({int(y) for pw in pathways.values() for y in pw["year"].values})
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_ylabel("MtCO2 per year")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title("Emissions against caps")
    return fig


def node_positions(res: xr.Dataset) -> tuple[dict, dict]:
    """Longitude and latitude [°] of each node, by label."""
    nodes = res["node"].values
    lon = dict(zip(nodes, res["node_lon"].values, strict=True))
    lat = dict(zip(nodes, res["node_lat"].values, strict=True))
    return lon, lat


def draw_nodes(ax, res: xr.Dataset, lon: dict, lat: dict, zorder: int) -> None:
    """The nodes of a map: dots sized by mean demand [MW], their labels, axes in degrees."""
    dem = res["demand_mw"].mean("time").values
    ax.scatter(
        res["node_lon"].values, res["node_lat"].values, s=20 + dem / 60, c="#2c3e50", zorder=zorder
    )
    for n in res["node"].values:
        ax.annotate(n, (lon[n], lat[n]), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("longitude [°E]")
    ax.set_ylabel("latitude [°N]")
    ax.set_aspect("equal")

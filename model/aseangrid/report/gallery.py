"""The figures of a report, saved as PNG and SVG and kept as base64 for the HTML page."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import xarray as xr

from . import charts
from .figures import (
    fig_cost_emissions,
    fig_dispatch,
    fig_emissions,
    fig_flow_duration,
    fig_mix,
    fig_price_duration,
    save_figure,
)
from .fmt import Table, slug
from .render import Figure


def figure(fig, figs: Path, key: str, title: str, note: str = "") -> Figure:
    """Save a matplotlib figure as PNG and SVG and keep it for embedding."""
    key = slug(key)
    saved = save_figure(fig, figs, key)
    return Figure(key, title, saved["png"], saved["svg"], saved["b64"], note)


def comparison_figures(
    cname: str,
    cmp: xr.Dataset,
    tabs: Mapping[str, Table],
    sub: Mapping[str, xr.Dataset],
    nodes: list[str],
    week: str,
    figs: Path,
) -> list[Figure]:
    """The figures of one comparison (anchors ``f-<comparison>-<kind>``)."""
    ref = str(cmp.attrs.get("reference"))
    names = [str(s) for s in cmp["scenario"].values]
    others = [s for s in names if s != ref]
    out = [
        figure(
            charts.fig_waterfall(tabs["cost"], ref, s),
            figs,
            f"{cname}-waterfall" if k == 0 else f"{cname}-waterfall-{s}",
            f"Cost change by component, {ref} → {s}",
            "Left: the costs a system pays, by component, without unserved energy and policy "
            "penalties; right (hatched): the change of unserved energy at the value of lost "
            "load and of policy penalties, modelling devices that are not costs.",
        )
        for k, s in enumerate(others)
    ]
    if others:
        out.append(
            figure(
                charts.fig_emissions_change(tabs["emissions"], others),
                figs,
                f"{cname}-emissions-change",
                "Change of CO2 by country, production- and consumption-based",
            )
        )
    out.append(
        figure(
            fig_emissions(cmp),
            figs,
            f"{cname}-emissions",
            "CO2 by country, production- and consumption-based",
        )
    )
    out.append(figure(fig_mix(cmp), figs, f"{cname}-mix", "Generation mix by country"))
    ref = str(cmp.attrs.get("reference"))
    disp = tabs["displacement"].df
    for s in [x for x in names if x != ref]:
        if len(disp) and s in disp.index.get_level_values("scenario"):
            out.append(
                figure(
                    charts.fig_displacement(tabs["displacement"], s),
                    figs,
                    f"{cname}-displacement" + ("" if s == names[-1] else f"-{s}"),
                    f"Generation displaced and displacing, {s}",
                    "TWh; colours per technology as in every figure.",
                )
            )
    out += _trade_and_price_figures(cname, cmp, tabs, sub, nodes, figs)
    if len(names) > 2:
        out.append(
            figure(
                fig_cost_emissions(cmp), figs, f"{cname}-cost-emissions", "Cost against emissions"
            )
        )
    out += _dispatch_figures(cname, names, sub, nodes, week, figs)
    last = names[-1]
    if last in sub:
        out.append(
            figure(
                charts.fig_flow_map(sub[last], f"{last}: net flows"),
                figs,
                f"{cname}-map",
                f"Grid map and net flows, {last}",
            )
        )
    return out


def _dispatch_figures(cname, names, sub, nodes, week, figs) -> list[Figure]:
    out = []
    for s in names[:2]:
        if s not in sub:
            continue
        for n in nodes[:2]:
            out.append(
                figure(
                    fig_dispatch(sub[s], n, week, f"{n} — {s}: dispatch, week from {week}"),
                    figs,
                    f"{cname}-dispatch-{s}-{n}",
                    f"Dispatch, {n}, {s}",
                    "MW; demand as the black line; net imports in grey.",
                )
            )
    return out


def _trade_and_price_figures(cname, cmp, tabs, sub, nodes, figs) -> list[Figure]:
    out = []
    if len(tabs["corridors"].df):
        out.append(
            figure(
                charts.fig_trade(tabs["corridors"]), figs, f"{cname}-trade", "Trade per corridor"
            )
        )
        out.append(
            figure(
                fig_flow_duration(sub),
                figs,
                f"{cname}-flow-duration",
                "Corridor flow-duration curves",
            )
        )
    price_nodes = nodes or [str(cmp["node"].values[0])]
    out.append(
        figure(
            charts.fig_price_heatmap(sub, price_nodes[:2]),
            figs,
            f"{cname}-price-heatmap",
            "Hourly prices, day × hour",
            "USD/MWh; colour scale capped at the 99th percentile.",
        )
    )
    out.append(
        figure(
            fig_price_duration(sub, price_nodes), figs, f"{cname}-prices", "Price-duration curves"
        )
    )
    return out

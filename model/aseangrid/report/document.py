"""The report of a run: tables, figures, a self-contained HTML page and a Markdown version.

Only results and comparison Datasets are used (no Pyomo); tables are rounded for reading.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import xarray as xr

from ..compare import corridors, emissions_table, headline, pathway_table
from .figures import (
    SOURCE_NOTE,
    fig_cost_emissions,
    fig_dispatch,
    fig_emissions,
    fig_flow_duration,
    fig_map,
    fig_mix,
    fig_pathway_emissions,
    fig_pathway_stack,
    fig_price_duration,
    pathway_countries,
    save_figure,
)


def md_table(df: pd.DataFrame) -> str:
    df = df.reset_index()
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, row in df.iterrows():
        cells = []
        for v in row.values:
            if isinstance(v, float):
                cells.append(f"{v:,.2f}")
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _pathway_section(pathways: Mapping[str, xr.Dataset], figs: Path, tables_dir: Path):

    tabs = []
    for s, pw in pathways.items():
        df = pathway_table(pw, pathway_countries(pw))
        df.to_csv(tables_dir / f"pathway_{s}.csv")
        tabs.append((f"Pathway {s}", df))
        if pw.sizes.get("carbon_cap", 0):
            caps = pd.DataFrame(
                {
                    "cap [Mt]": pw["carbon_cap_mt"].to_pandas().stack(),
                    "emissions [Mt]": pw["carbon_cap_emissions_mt"].to_pandas().stack(),
                    "shadow price [USD/t]": pw["carbon_shadow_price_usd_per_t"].to_pandas().stack(),
                }
            ).round(2)
            caps.to_csv(tables_dir / f"pathway_{s}_caps.csv")
            tabs.append((f"Carbon caps, {s}", caps))
        add = (pw["additions_mw"].sum("country") / 1e3).to_pandas()
        add = add.loc[:, add.abs().max() > 0.01].round(2)
        add.columns = [f"{c} [GW]" for c in add.columns]
        tabs.append((f"Additions, {s}", add))
        ret = (pw["early_retirements_mw"].sum("country") / 1e3).to_pandas()
        ret = ret.loc[:, ret.abs().max() > 0.01].round(2)
        if len(ret.columns):
            ret.columns = [f"{c} [GW]" for c in ret.columns]
            tabs.append((f"Early retirements, {s}", ret))
        if pw.sizes.get("link_candidate", 0):
            lk = pw["link_additions_mw"].to_pandas()
            lk = lk.loc[:, lk.abs().max() > 0.5].round(0)
            if len(lk.columns):
                tabs.append((f"Corridors built [MW], {s}", lk))
    fl = [
        {
            "title": "Capacity by year",
            **save_figure(
                fig_pathway_stack(pathways, "capacity_mw", 1e3, "GW"), figs, "pathway_capacity"
            ),
        },
        {
            "title": "Generation by year",
            **save_figure(
                fig_pathway_stack(pathways, "generation_twh", 1.0, "TWh per year"),
                figs,
                "pathway_generation",
            ),
        },
        {
            "title": "Emissions against caps",
            **save_figure(fig_pathway_emissions(pathways), figs, "pathway_emissions"),
        },
    ]
    return ("Pathways", "capacity, generation, emissions and cost by year", fl, tabs)


def comparison_section(
    cname: str,
    cmp: xr.Dataset,
    results: Mapping[str, xr.Dataset],
    nodes: list[str],
    dispatch_week_start: str,
    figs: Path,
    tables_dir: Path,
):
    """Tables and figures of one comparison: (name, subtitle, figures, tables)."""
    names = [str(s) for s in cmp["scenario"].values]
    sub = {s: results[s] for s in names if s in results}
    tabs = comparison_tables(cname, cmp, sub, tables_dir)
    fl = comparison_figures(cname, cmp, sub, nodes, dispatch_week_start, figs)
    return (cname, f"{' vs '.join(names)} (reference: {cmp.attrs.get('reference')})", fl, tabs)


def comparison_tables(
    cname: str, cmp: xr.Dataset, sub: Mapping[str, xr.Dataset], tables_dir: Path
) -> list[tuple[str, pd.DataFrame]]:
    """The tables of one comparison, also written as CSV."""
    head = headline(cmp)
    emis = emissions_table(cmp)
    mix = cmp["generation_twh"].sum("country").to_pandas().round(1)
    corr = []
    for s, r in sub.items():
        df = corridors(r)
        if len(df):
            df.insert(0, "scenario", s)
            corr.append(df)
    corr_df = (
        pd.concat(corr).round(3).set_index(["scenario", "from_country", "to_country"])
        if corr
        else pd.DataFrame()
    )
    disp = pd.DataFrame(
        {
            "displaced [TWh]": cmp["displaced_twh"].to_pandas().stack(),
            "displacing [TWh]": cmp["displacing_twh"].to_pandas().stack(),
        }
    )
    disp = disp[(disp.abs().sum(axis=1) > 0.05)].round(2)
    tabs = [
        ("Headline", head),
        ("Emissions by country", emis),
        ("Generation by technology [TWh]", mix),
        ("Trade per corridor", corr_df),
        (
            "Integration effect: generation displaced and displacing vs "
            f"{cmp.attrs.get('reference')}",
            disp,
        ),
    ]
    for tname, df in tabs:
        safe = tname.split(":")[0].lower().replace(" ", "_").replace("[", "").replace("]", "")
        df.to_csv(tables_dir / f"{cname}_{safe}.csv")
    return tabs


def comparison_figures(
    cname: str,
    cmp: xr.Dataset,
    sub: Mapping[str, xr.Dataset],
    nodes: list[str],
    dispatch_week_start: str,
    figs: Path,
) -> list[dict]:
    """The figures of one comparison (saved as PNG and SVG, embedded as base64)."""
    names = [str(s) for s in cmp["scenario"].values]
    fl = [
        {
            "title": "CO2 by country, production- and consumption-based",
            **save_figure(fig_emissions(cmp), figs, f"{cname}_emissions"),
        },
        {"title": "Generation mix", **save_figure(fig_mix(cmp), figs, f"{cname}_mix")},
        {
            "title": "Corridor flow-duration curves",
            **save_figure(fig_flow_duration(sub), figs, f"{cname}_flow_duration"),
        },
        {
            "title": "Price-duration curves",
            **save_figure(fig_price_duration(sub, nodes or ["SG"]), figs, f"{cname}_prices"),
        },
    ]
    if len(names) > 2:
        fl.append(
            {
                "title": "Cost against emissions",
                **save_figure(fig_cost_emissions(cmp), figs, f"{cname}_cost_emissions"),
            }
        )
    for s in names[:2]:
        if s not in sub:
            continue
        for n in nodes[:2]:
            fl.append(
                {
                    "title": f"Dispatch, {n}, {s}",
                    **save_figure(
                        fig_dispatch(
                            sub[s],
                            n,
                            dispatch_week_start,
                            f"{n} — {s}: dispatch, week from {dispatch_week_start}",
                        ),
                        figs,
                        f"{cname}_dispatch_{s}_{n}",
                    ),
                }
            )
    last = names[-1]
    if last in sub:
        fl.append(
            {
                "title": f"Grid map, {last}",
                **save_figure(
                    fig_map(sub[last], f"{last}: nodes and corridors"), figs, f"{cname}_map"
                ),
            }
        )
    return fl


def caveats(results: Mapping[str, xr.Dataset]) -> list[str]:
    """Breached policies and unserved energy of every scenario, one sentence each."""
    out = []
    for name, r in results.items():
        for key in ("policy_breaches", "unserved_energy_note"):
            for part in str(r.attrs.get(key, "")).split("; "):
                if part:
                    out.append(f"{name}: {part}")
    return out


def render(
    folder: Path, title: str, description: str, sections: list, warnings: list[str] = ()
) -> None:
    """Write ``report.html`` (self-contained) and ``report.md`` from the sections; a banner
    of ``warnings`` (breaches, unserved energy) opens both."""
    css = (
        "body{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em;color:#222}"
        "table{border-collapse:collapse;font-size:12px;margin:0.5em 0}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
        "th{background:#f3f3f3}img{max-width:100%}h2{border-bottom:1px solid #ccc}"
    )
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
        f"</title><style>{css}</style></head><body><h1>{html.escape(title)}</h1>",
        f"<p>{html.escape(description)}</p>",
    ]
    md = [f"# {title}", "", description, ""]
    if warnings:
        items = "".join(f"<li>{html.escape(w)}</li>" for w in warnings)
        parts.append(
            "<div id='caveats' style='border:2px solid #b00;background:#fff4f4;padding:0.5em "
            "1em'><b>Read first: policies missed or energy unserved in this run.</b> Their "
            "shortfalls are priced at the policy penalty or the value of lost load, and shadow "
            f"prices that equal the penalty are not market prices.<ul>{items}</ul></div>"
        )
        md += [
            "> **Read first: policies missed or energy unserved in this run.** Their "
            "shortfalls are priced at the policy penalty or the value of lost load, and "
            "shadow prices that equal the penalty are not market prices.",
            ">",
        ]
        md += [f"> - {w}" for w in warnings] + [""]
    for cname, sub_title, fl, tabs in sections:
        parts.append(f"<h2>{html.escape(cname)}</h2><p>{html.escape(sub_title)}</p>")
        md += [f"## {cname}", "", sub_title, ""]
        for tname, df in tabs:
            if df is None or len(df) == 0:
                continue
            parts.append(
                f"<h3>{html.escape(tname)}</h3>" + df.to_html(float_format="{:,.2f}".format)
            )
            md += [f"### {tname}", "", md_table(df), ""]
        for f in fl:
            parts.append(
                f"<h3>{html.escape(f['title'])}</h3><img alt='{html.escape(f['title'])}'"
                f" src='data:image/png;base64,{f['b64']}'>"
            )
            md += [f"### {f['title']}", "", f"![{f['title']}](figures/{f['png']})", ""]
    parts.append(
        f"<p style='font-size:11px;color:#666'>Source: {html.escape(SOURCE_NOTE)}. "
        "Units: USD of the cost data's year, MWh, tCO2. Consumption-based emissions "
        "by proportional flow tracing (aseangrid.tracing).</p></body></html>"
    )
    (folder / "report.html").write_text("\n".join(parts), encoding="utf-8")
    (folder / "report.md").write_text("\n".join(md), encoding="utf-8")


def write_report(
    folder: str | Path,
    comparisons: Mapping[str, xr.Dataset],
    results: Mapping[str, xr.Dataset],
    title: str,
    description: str = "",
    dispatch_nodes: list[str] | None = None,
    dispatch_week_start: str = "04-01",
    pathways: Mapping[str, xr.Dataset] | None = None,
) -> dict[str, Path]:
    """Write figures, tables, ``report.html`` (self-contained) and ``report.md``.

    Parameters
    ----------
    folder
        Output folder (figures go to ``figures/``, tables to ``tables/``).
    comparisons
        Comparison name -> Dataset from :func:`aseangrid.compare`.
    results
        Scenario name -> results Dataset (for hourly figures).
    title, description
        Report heading and the question the run answers.
    dispatch_nodes, dispatch_week_start
        Nodes and the ``MM-DD`` start of the dispatch-stack week.
    pathways
        Scenario name -> pathway Dataset (:mod:`aseangrid.pathway`): adds a "Pathways"
        section (capacity, generation and emissions by year). The comparisons then describe
        each pathway's last year.

    Returns
    -------
    dict
        Paths of ``html`` and ``md``.
    """
    folder = Path(folder)
    figs = folder / "figures"
    tables_dir = folder / "tables"
    tables_dir.mkdir(parents=True, exist_ok=True)
    nodes = [
        n
        for n in (dispatch_nodes or ["SG"])
        if all(n in r["node"].values for r in results.values())
    ]
    sections = [
        comparison_section(cname, cmp, results, nodes, dispatch_week_start, figs, tables_dir)
        for cname, cmp in comparisons.items()
    ]
    if pathways:
        sections.insert(0, _pathway_section(pathways, figs, tables_dir))
    render(folder, title, description, sections, caveats(results))
    return {"html": folder / "report.html", "md": folder / "report.md"}

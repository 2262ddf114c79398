"""Figures of what a comparison changes: the cost waterfall, emissions change per country,
trade per corridor, hourly price heat maps and the flow map (matplotlib; units and a source
line on each, colours per technology from :data:`~aseangrid.report.figures.TECH_COLORS`)."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr

from .figures import draw_nodes, node_positions
from .fmt import Table, column, unit_of
from .tables import ALL_CORRIDORS

RISE, FALL, TOTAL = "#c0392b", "#27ae60", "#34495e"


#: short labels of the cost table's rows for the waterfall's axis
SHORT = {
    "fuel and variable O&M": "fuel and\nvariable O&M",
    "carbon price": "carbon\nprice",
    "wheeling charges": "wheeling",
    "investment (annualised)": "investment",
    "fixed O&M saved by retirements": "fixed O&M\nsaved",
    "unserved energy (at the value of lost load)": "unserved energy\n(at VoLL)",
    "policy penalties (missed targets and caps)": "policy\npenalties",
}


def fig_waterfall(cost: Table, ref: str, s: str) -> plt.Figure:
    """The change of annual cost from ``ref`` to ``s``: on the left a waterfall of the costs a
    system pays (reference total, one bar per component, scenario total, all without unserved
    energy and penalties); on the right, hatched, the change of the modelling devices
    (unserved energy at the value of lost load, policy penalties)."""
    df = cost.df
    dcol = column(df, f"Δ {s} vs {ref} [")
    u = unit_of(dcol)
    d = df[dcol]
    ex = "total without unserved energy and penalties"
    devices = [
        c
        for c in df.index
        if not str(c).startswith("total") and ("unserved" in str(c) or "penalt" in str(c))
    ]
    comps = [
        c
        for c in df.index
        if not str(c).startswith("total") and c not in devices and abs(float(d[c])) > 0
    ]
    start, end = float(df.loc[ex, f"{ref} [{u}]"]), float(df.loc[ex, f"{s} [{u}]"])
    fig, (ax, ax2) = plt.subplots(
        1, 2, figsize=(10, 4.2), gridspec_kw={"width_ratios": [max(len(comps) + 2, 3), 2]}
    )
    labels, level = [f"{ref}\n(total)"], start
    ax.bar(0, start, color=TOTAL)
    lo, hi = min(start, end), max(start, end)
    for i, c in enumerate(comps, start=1):
        v = float(d[c])
        ax.bar(i, v, bottom=level, color=RISE if v > 0 else FALL)
        ax.annotate(f"{v:+,.2f}", (i, level + max(v, 0)), ha="center", va="bottom", fontsize=7)
        level += v
        lo, hi = min(lo, level), max(hi, level)
        labels.append(SHORT.get(str(c), str(c)))
    ax.bar(len(comps) + 1, end, color=TOTAL)
    labels.append(f"{s}\n(total)")
    ax.set_xticks(range(len(labels)), labels, fontsize=7)
    span = max(hi - lo, 1e-9)
    ax.set_ylim(max(0.0, lo - 0.6 * span), hi + 0.25 * span)
    ax.set_ylabel(f"annual cost without unserved energy and penalties [{u}]", fontsize=8)
    ax.set_title(f"Costs a system pays: {ref} → {s}", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    vals = [float(d[c]) for c in devices]
    ax2.bar(
        range(len(devices)),
        vals,
        color=[RISE if v > 0 else FALL for v in vals],
        hatch="//",
        edgecolor="k",
    )
    for i, v in enumerate(vals):
        ax2.annotate(f"{v:+,.2f}", (i, max(v, 0)), ha="center", va="bottom", fontsize=7)
    ax2.axhline(0, color="k", lw=0.6)
    m = max([abs(v) for v in vals] + [1e-9])
    ax2.set_ylim(
        min(0.0, min(vals, default=0.0)) - 0.1 * m, max(0.0, max(vals, default=0.0)) + 0.15 * m
    )
    ax2.set_xticks(range(len(devices)), [SHORT.get(str(c), str(c)) for c in devices], fontsize=7)
    ax2.set_ylabel(f"Δ [{u}]", fontsize=8)
    ax2.set_title("Modelling devices: change", fontsize=10)
    ax2.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def fig_emissions_change(emis: Table, scenarios: list[str]) -> plt.Figure:
    """Change of CO2 per country, production- and consumption-based [Mt]."""
    df = emis.df.drop(index="ASEAN")
    fig, axes = plt.subplots(
        1, len(scenarios), figsize=(6 * len(scenarios), 3.8), squeeze=False, sharey=True
    )
    x = np.arange(len(df.index))
    u = "Mt"
    for ax, s in zip(axes[0], scenarios, strict=True):
        dp = column(df, f"Δ production {s} [")
        u = unit_of(dp)
        ax.bar(x - 0.2, df[dp], 0.4, label="production-based", color="C0")
        ax.bar(
            x + 0.2,
            df[column(df, f"Δ consumption {s} [")],
            0.4,
            label="consumption-based",
            color="C1",
        )
        ax.axhline(0, color="k", lw=0.6)
        ax.set_xticks(x, df.index, rotation=45)
        ax.set_title(f"{s}: change of CO2 by country", fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].set_ylabel(f"Δ CO2 [{u} over the horizon]")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def fig_trade(corr: Table, top: int = 12) -> plt.Figure:
    """Energy sent per directed corridor and scenario [TWh], the busiest ``top``."""
    df = corr.df.drop(index=ALL_CORRIDORS, level="corridor")
    sent = df["sent [TWh]"].unstack("scenario").fillna(0.0)
    sent = sent.loc[sent.max(axis=1).sort_values(ascending=False).index[:top]]
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(sent) + 1.5))
    y = np.arange(len(sent))
    h = 0.8 / max(len(sent.columns), 1)
    for k, s in enumerate(sent.columns):
        ax.barh(y + k * h, sent[s].values, h, label=str(s))
    ax.set_yticks(y + h * (len(sent.columns) - 1) / 2, sent.index, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("energy sent [TWh per horizon]")
    ax.set_title("Trade per corridor", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    if len(sent.columns):
        ax.legend(fontsize=7)
    return fig


def fig_price_heatmap(results: Mapping[str, xr.Dataset], nodes: list[str]) -> plt.Figure:
    """Hourly nodal price as day x hour of day, one panel per scenario and node [USD/MWh]."""
    panels = [(s, n) for n in nodes for s in results if n in results[s]["node"].values]
    cols = min(2, max(len(panels), 1))
    rows = int(np.ceil(max(len(panels), 1) / cols))
    fig, axes = plt.subplots(
        rows, cols, figsize=(6.2 * cols, 3.0 * rows), squeeze=False, layout="constrained"
    )
    vmax = max(
        [
            float(np.nanpercentile(results[s]["price_usd_per_mwh"].sel(node=n), 99))
            for s, n in panels
        ]
        or [1.0]
    )
    im = None
    for ax, (s, n) in zip(axes.ravel(), panels, strict=False):
        p = results[s]["price_usd_per_mwh"].sel(node=n).to_pandas()
        t = pd.DatetimeIndex(p.index)
        grid = pd.DataFrame({"day": t.normalize(), "hour": t.hour, "p": p.values})
        m = grid.pivot_table(index="hour", columns="day", values="p", aggfunc="mean")
        im = ax.imshow(
            m.values, aspect="auto", origin="lower", cmap="viridis", vmin=0, vmax=vmax,
            extent=(0, m.shape[1], 0, 24),
        )  # fmt: skip
        ax.set_title(f"{n} — {s}", fontsize=9)
        ax.set_ylabel("hour of day")
        ax.set_xlabel(f"day from {t[0]:%Y-%m-%d}")
    for ax in axes.ravel()[len(panels) :]:
        ax.axis("off")
    if im is not None:
        fig.colorbar(im, ax=axes.ravel().tolist(), label="price [USD/MWh] (99th pct. cap)")
    return fig


def fig_flow_map(res: xr.Dataset, title: str) -> plt.Figure:
    """Nodes and links from coordinates; net annual energy as arrows sized by energy
    (no map tiles, nothing downloaded)."""
    fig, ax = plt.subplots(figsize=(8, 6.5))
    lon, lat = node_positions(res)
    fwd = res["link_energy_forward_twh"].values if "link_energy_forward_twh" in res else None
    bwd = res["link_energy_backward_twh"].values if fwd is not None else None
    net = (fwd - bwd) if fwd is not None else np.zeros(res.sizes["link"])
    emax = max(float(np.abs(net).max()) if net.size else 0.0, 1e-9)
    for i in range(res.sizes["link"]):
        a, b = res["link_from"].values[i], res["link_to"].values[i]
        cross = bool(res["link_cross_border"].values[i])
        color = "#c0392b" if cross else "#7f8c8d"
        ax.plot([lon[a], lon[b]], [lat[a], lat[b]], color=color, lw=0.4, alpha=0.5, zorder=1)
        if abs(net[i]) < 1e-3 * emax:
            continue
        src, dst = (a, b) if net[i] > 0 else (b, a)
        ax.annotate(
            "",
            xy=(lon[dst], lat[dst]),
            xytext=(lon[src], lat[src]),
            arrowprops={
                "arrowstyle": "-|>",
                "color": color,
                "lw": 0.8 + 6 * abs(net[i]) / emax,
                "alpha": 0.75,
                "shrinkA": 4,
                "shrinkB": 4,
            },
            zorder=2,
        )
    draw_nodes(ax, res, lon, lat, zorder=3)
    ax.set_title(
        f"{title}\narrows: net energy over the horizon, width ∝ TWh (largest {emax:,.1f} TWh); "
        "red: cross-border; dot ∝ mean demand",
        fontsize=9,
    )
    ax.grid(alpha=0.3)
    return fig


def fig_displacement(disp: Table, s: str, top: int = 16) -> plt.Figure:
    """Change of generation per country and technology against the reference [TWh], the
    ``top`` largest, coloured by technology (negative: displaced)."""
    from .figures import TECH_COLORS

    df = disp.df
    col = "Δ generation [TWh]"
    sub = df.xs(s, level="scenario")[col] if len(df) else pd.Series(dtype=float)
    sub = sub.reindex(sub.abs().sort_values(ascending=False).index[:top]).sort_values()
    fig, ax = plt.subplots(figsize=(8, 0.32 * max(len(sub), 1) + 1.4))
    labels = [f"{c} {t}" for c, t in sub.index]
    colors = [TECH_COLORS.get(str(t), "#999999") for _, t in sub.index]
    ax.barh(range(len(sub)), sub.values, color=colors, edgecolor="#333333", lw=0.3)
    ax.set_yticks(range(len(sub)), labels, fontsize=8)
    ax.axvline(0, color="k", lw=0.6)
    ax.set_xlabel("Δ generation [TWh over the horizon]  (← displaced | displacing →)")
    ax.set_title(
        f"{s}: generation displaced and displacing, by country and technology", fontsize=10
    )
    ax.grid(axis="x", alpha=0.3)
    return fig

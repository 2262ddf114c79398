"""The tables of a comparison, read from the comparison and results Datasets only.

Every table is a :class:`~aseangrid.report.fmt.Table` (rounded as printed, units in the column
labels); the summary's sentences cite their cells (:mod:`aseangrid.report.findings`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr

from ..compare import corridors, decomposition, headline, who_gains
from ..results.breaches import POLICIES, TOLERANCE
from .fmt import Table

#: readable names of the cost components of ``cost_usd``
COMPONENT_LABELS = {
    "fuel_and_vom": "fuel and variable O&M",
    "carbon_price": "carbon price",
    "wheeling": "wheeling charges",
    "unserved_energy": "unserved energy (at the value of lost load)",
    "policy_penalty": "policy penalties (missed targets and caps)",
    "investment": "investment (annualised)",
    "fixed_om_saved": "fixed O&M saved by retirements",
}
#: components that are modelling devices rather than costs a system pays
DEVICE_COMPONENTS = ("unserved_energy", "policy_penalty")
ALL_CORRIDORS = "all corridors"
AMOUNT = "amount [TWh or Mt]"
SOURCE = "aseangrid results of this run (comparison.nc, results.nc)"


def cost_unit(cmp: xr.Dataset) -> tuple[str, float]:
    """``("bn USD", 1e9)``; ``("M USD", 1e6)`` or ``("k USD", 1e3)`` for small systems (the
    largest cost without unserved energy and penalties under 1 bn or 1 M USD)."""
    c = cmp["cost_usd"]
    keep = [k for k in c["cost_component"].values if k not in DEVICE_COMPONENTS]
    top = float(abs(c.sel(cost_component=keep).sum("cost_component")).max())
    return ("bn USD", 1e9) if top >= 1e9 else ("M USD", 1e6) if top >= 1e6 else ("k USD", 1e3)


def mass_unit(cmp: xr.Dataset) -> tuple[str, float]:
    """``("Mt", 1e6)``, or ``("kt", 1e3)`` when every scenario emits under 1 MtCO2."""
    big = float(cmp["emissions_production_t"].sum("country").max()) >= 1e6
    return ("Mt", 1e6) if big else ("kt", 1e3)


def cost_table(cmp: xr.Dataset) -> pd.DataFrame:
    """Annual cost by component per scenario and its change against the reference (bn USD,
    M USD for small systems); the last rows give the total and the total without unserved
    energy and penalties."""
    ref = cmp.attrs.get("reference", str(cmp["scenario"].values[0]))
    u, scale = cost_unit(cmp)
    cost = cmp["cost_usd"].to_pandas().T / scale  # component x scenario
    total = cost.sum()
    devices = cost.loc[[c for c in DEVICE_COMPONENTS if c in cost.index]].sum()
    cost.loc["total"] = total
    cost.loc["total without unserved energy and penalties"] = total - devices
    cost.index = [COMPONENT_LABELS.get(c, c) for c in cost.index]
    out = pd.DataFrame(index=cost.index)
    for s in cost.columns:
        out[f"{s} [{u}]"] = cost[s]
    for s in cost.columns:
        if s != ref:
            out[f"Δ {s} vs {ref} [{u}]"] = cost[s] - cost[ref]
    out.index.name = "cost component"
    return out


def emissions_change_table(cmp: xr.Dataset) -> pd.DataFrame:
    """Production- and consumption-based CO2 per country, reference and scenarios, with the
    change (Mt, kt for small systems); countries with no emissions in any scenario are left
    out."""
    ref = cmp.attrs.get("reference", str(cmp["scenario"].values[0]))
    u, scale = mass_unit(cmp)
    prod = cmp["emissions_production_t"].to_pandas().T / scale  # country x scenario
    cons = cmp["emissions_consumption_t"].to_pandas().T / scale
    out = pd.DataFrame(index=prod.index)
    for s in prod.columns:
        out[f"production {s} [{u}]"] = prod[s]
        out[f"consumption {s} [{u}]"] = cons[s]
    for s in prod.columns:
        if s != ref:
            out[f"Δ production {s} [{u}]"] = prod[s] - prod[ref]
            out[f"Δ consumption {s} [{u}]"] = cons[s] - cons[ref]
    keep = (prod.abs().sum(axis=1) + cons.abs().sum(axis=1)) > 1e-6
    out = out[keep]
    out.loc["ASEAN"] = out.sum()
    out.index.name = "country"
    return out


def generation_table(cmp: xr.Dataset) -> pd.DataFrame:
    """ASEAN generation by technology per scenario and the change against the reference [TWh]."""
    ref = cmp.attrs.get("reference", str(cmp["scenario"].values[0]))
    g = cmp["generation_twh"].sum("country").to_pandas().T  # technology x scenario
    g = g[g.abs().sum(axis=1) > 1e-6]
    out = pd.DataFrame(index=g.index)
    for s in g.columns:
        out[f"{s} [TWh]"] = g[s]
    for s in g.columns:
        if s != ref:
            out[f"Δ {s} [TWh]"] = g[s] - g[ref]
    out.loc["total"] = out.sum()
    out.index.name = "technology"
    return out


def displacement_table(cmp: xr.Dataset, min_twh: float = 0.05) -> pd.DataFrame:
    """Generation that changed against the reference, per scenario, country and technology
    [TWh] (negative: displaced), largest changes first; changes under ``min_twh`` dropped."""
    d = cmp["delta_generation_twh"].to_dataframe(name="Δ generation [TWh]")
    d = d[["Δ generation [TWh]"]]
    ref = cmp.attrs.get("reference")
    d = d[(d["Δ generation [TWh]"].abs() >= min_twh)]
    d = d.drop(index=ref, level="scenario", errors="ignore")
    d = d.reindex(d["Δ generation [TWh]"].abs().sort_values(ascending=False).index)
    return d


def corridor_table(sub: Mapping[str, xr.Dataset]) -> pd.DataFrame:
    """Trade per directed corridor and scenario: energy, limit, hours at the limit, share of
    hours at the limit and congestion rent; a row ``all corridors`` per scenario sums them."""
    frames = []
    for s, r in sub.items():
        df = corridors(r)
        if not len(df):
            continue
        n = r.sizes["time"]
        f = pd.DataFrame(
            {
                "scenario": s,
                "corridor": df["from_country"] + " → " + df["to_country"],
                "sent [TWh]": df["sent_twh"],
                "received [TWh]": df["received_twh"],
                "limit [MW]": df["capacity_mw"],
                "hours at limit [h]": df["hours_at_limit"].astype(float),
                "at limit [% of hours]": 100.0 * df["hours_at_limit"] / max(n, 1),
                "congestion rent [M USD]": df["congestion_rent_usd"] / 1e6,
            }
        )
        f = f[(f["sent [TWh]"] > 1e-4) | (f["limit [MW]"] > 0)]
        total = {"scenario": s, "corridor": ALL_CORRIDORS}
        for c in ("sent [TWh]", "received [TWh]", "congestion rent [M USD]"):
            total[c] = float(f[c].sum())
        frames += [f, pd.DataFrame([total])]
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True).set_index(["scenario", "corridor"])


def price_table(cmp: xr.Dataset, sub: Mapping[str, xr.Dataset]) -> pd.DataFrame:
    """Demand-weighted nodal prices per scenario [USD/MWh] with the ASEAN average, and the
    hours whose price is set by unserved energy or a policy penalty (ASEAN row: node-hours)."""
    p = cmp["price_demand_weighted_usd_per_mwh"].to_pandas().T  # node x scenario
    out = pd.DataFrame(index=p.index)
    out.insert(0, "country", cmp["node_country"].values)
    asean = cmp["price_asean_usd_per_mwh"].to_pandas()
    row: list = ["ASEAN"]
    for s in p.columns:
        out[f"{s} [USD/MWh]"] = p[s]
        row.append(float(asean[s]))
    for s in p.columns:
        r = sub.get(s)
        if r is not None and "price_set_by_penalty" in r:
            h = r["price_set_by_penalty"].sum("time").to_pandas().reindex(out.index)
            out[f"hours priced at a penalty, {s} [h]"] = h.astype(float)
            row.append(float(h.sum()))
    out.loc["ASEAN"] = row
    out.index.name = "node"
    return out


def issues_table(results: Mapping[str, xr.Dataset]) -> pd.DataFrame:
    """Every missed policy and every node with unserved energy, per scenario, with the amount
    and what it adds to the objective [bn USD]. Empty when the run has none."""
    rows = []
    for s, r in results.items():
        pen = float(r["policy_penalty_usd"]) if "policy_penalty_usd" in r else np.nan
        for var, (dim, what, unit, _dual) in POLICIES.items():
            if var not in r:
                continue
            da = r[var]
            if "time" in da.dims:
                w = r["time_weight_h"] if "time_weight_h" in r else 1.0
                da = (da * w).sum("time")
            for label, v in zip(da[dim].values.tolist(), da.values.tolist(), strict=True):
                if v > TOLERANCE:
                    scale, u = (1e-6, "Mt") if unit == "tCO2" else (1e-6, "TWh")
                    rows.append((s, what, str(label), v * scale, u, v * pen / 1e9))
        if "unserved_twh" in r:
            voll = float(r["value_of_lost_load_usd_per_mwh"])
            for n, v in zip(r["node"].values.tolist(), r["unserved_twh"].values, strict=True):
                if v * 1e6 > TOLERANCE:
                    rows.append((s, "unserved energy", str(n), float(v), "TWh", v * voll / 1e3))
    big = any(abs(r[-1]) >= 1.0 for r in rows)
    cost = "in the objective [bn USD]" if big else "in the objective [M USD]"
    rows = [(*r[:-1], r[-1] if big else r[-1] * 1e3) for r in rows]
    cols = ["scenario", "issue", "where", AMOUNT, "unit", cost]
    df = pd.DataFrame(rows, columns=cols)
    return df.set_index(["scenario", "issue", "where"]) if len(df) else df


def headline_table(cmp: xr.Dataset) -> pd.DataFrame:
    """The comparison's headline (:func:`aseangrid.compare.headline`), as it defines it."""
    return headline(cmp)


def decomposition_table(cmp: xr.Dataset) -> pd.DataFrame:
    """The comparison's decomposition of the integration benefit
    (:func:`aseangrid.compare.decomposition`): one row per quantity (its unit in its label),
    one column per scenario against the reference."""
    d = decomposition(cmp)
    if not len(d.columns):
        return pd.DataFrame()
    d.index.name = "quantity [unit]"
    return d


def who_gains_table(cmp: xr.Dataset) -> pd.DataFrame:
    """Per country: the change of the cost it bears, unserved energy, CO2 and net imports
    (:func:`aseangrid.compare.who_gains`)."""
    return who_gains(cmp)


def comparison_tables(
    cname: str, cmp: xr.Dataset, sub: Mapping[str, xr.Dataset]
) -> dict[str, Table]:
    """The tables of one comparison, by short name (``headline``, ``cost``, ``emissions``,
    ``generation``, ``displacement``, ``corridors``, ``prices``)."""
    ref = cmp.attrs.get("reference")
    versus = f"against the reference {ref}; Δ is scenario minus reference"
    spec = {
        "headline": ("Headline", headline_table(cmp), f"One row per scenario, {versus}."),
        "decomposition": (
            "The benefit decomposed",
            decomposition_table(cmp),
            f"Each scenario {versus}: cost components, the isolated-grid fallback capacity and "
            "its annuity, unserved energy and penalties apart, congestion rent, CO2 and trade "
            "(aseangrid.compare.decomposition).",
        ),
        "who_gains": (
            "Who gains, by country",
            who_gains_table(cmp),
            f"Change of the cost each country bears (without the value of lost load), of its "
            f"unserved energy, CO2 and net imports, {versus} (aseangrid.compare.who_gains).",
        ),
        "cost": (
            "Cost by component",
            cost_table(cmp),
            f"Annual system cost by component {versus}. Unserved energy is priced at the "
            "value of lost load and missed policies at the policy penalty: modelling devices, "
            "shown apart from the costs a system pays.",
        ),
        "emissions": (
            "CO2 emissions by country",
            emissions_change_table(cmp),
            "Production-based: where the power is generated; consumption-based: where it is "
            "used (proportional flow tracing, aseangrid.results.tracing).",
        ),
        "generation": ("Generation by technology, ASEAN", generation_table(cmp), versus + "."),
        "displacement": (
            "Generation displaced and displacing",
            displacement_table(cmp),
            f"Change of generation per country and technology {versus}; negative: displaced.",
        ),
        "corridors": (
            "Trade per corridor",
            corridor_table(sub),
            "Directed country pairs over the cross-border links; at limit: total flow within "
            "0.1 % of the corridor's limit; rent: price gap after losses times flow.",
        ),
        "prices": (
            "Demand-weighted prices by node",
            price_table(cmp, sub),
            "Nodal prices (duals of the energy balance) weighted by hourly demand; hours priced "
            "at a penalty: the price is set by unserved energy at the value of lost load or by "
            "a missed policy, not by a generator (ASEAN row: node-hours).",
        ),
    }
    return {
        k: Table(f"{cname}.{k}", f"{title} — {cname}", df, note=f"{note} Source: {SOURCE}.")
        for k, (title, df, note) in spec.items()
    }

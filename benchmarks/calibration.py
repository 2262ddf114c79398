"""Calibration and validation of a base-year result against published figures.

Usage::

    aseangrid solve inputs/asean --year 2024 --out runs/base-2024
    aseangrid solve inputs/asean --year 2024 --hydrology dry --out runs/base-2024-dry
    python benchmarks/calibration.py runs/base-2024 --dry runs/base-2024-dry \\
        --write docs/calibration.md

Reads the references in ``<data>/calibration_targets.csv`` (each row with its source) and
sorts every comparison into one of two tables:

* **fitted**: a quantity that an input was chosen to reproduce: a ``fitted`` row of
  ``energy_limits.csv`` that binds or a ``fitted`` availability in ``fleet_performance.csv``
  whose group covers the cell, or a target row whose ``fitted_by`` names the input. Its match
  says nothing about the model.
* **validated**: compared with data that no input was derived from (the base-year cells not
  fitted, CO2, flows, Singapore's price against USEP, monthly hydro).

Tolerances (issue 15): a generation cell of at least 5 TWh within +-10 % or +-3 TWh, whichever
is larger; each fuel's share of a country's generation within +-5 percentage points; CO2
within +-10 %; flows in the right direction and within +-30 % (net imports derived from Ember
within +-30 % or +-1.7 TWh, the error band of that derivation). With ``--write`` the tables
replace the part of the document between the ``calibration:begin``/``end`` markers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "model"))

import aseangrid as ag  # noqa: E402
from aseangrid.runner import load_results  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dry_year import dry_year  # noqa: E402

#: Ember's fuel variables -> model technologies.
FUEL_TECHNOLOGIES = {
    "Coal": ("coal", "lignite"),
    "Gas": ("gas_ccgt", "gas_ocgt"),
    "Other Fossil": ("oil",),
    "Hydro": ("hydro_reservoir", "hydro_ror"),
    "Bioenergy": ("biomass",),
    "Other Renewables": ("geothermal",),
    "Solar": ("solar_pv",),
    "Wind": ("wind_onshore", "wind_offshore"),
    "Solar+Wind": ("solar_pv", "wind_onshore", "wind_offshore"),
}
BEGIN, END = "<!-- calibration:begin -->", "<!-- calibration:end -->"
CELL_MIN_TWH, CELL_REL, CELL_ABS_TWH = 5.0, 0.10, 3.0
SHARE_PP, CO2_REL, FLOW_REL = 5.0, 0.10, 0.30
#: CO2 references, most authoritative first (``technology`` column of the ``co2_combustion``
#: rows): a ministry or utility figure, one derived from an official grid emission factor by
#: the rule its source states, Ember's lifecycle CO2e converted to combustion (a lower bound).
CO2_REFERENCES = ("official", "derived_official", "ember_converted")
#: Error band of a net import derived as Ember demand minus Ember generation [TWh]: the
#: Philippines, with no interconnector, comes out at 1.69 TWh (calibration_targets.csv).
NET_IMPORT_BAND_TWH = 1.7


def fitted_by(
    data: Path, country: str, techs: tuple[str, ...], explicit: str, binding: set[str]
) -> str:
    """The inputs chosen to reproduce a country's generation of ``techs`` ('' if none): a
    fitted energy limit counts where it binds (one that does not bind leaves the cell to the
    merit order), a fitted availability always."""
    out = [explicit] if explicit else []
    lim = _read(data / "energy_limits.csv")
    for _, r in lim.iterrows():
        if r["country"] == country and r["basis"] == "fitted" and r["limit"] in binding:
            if set(str(r["technologies"]).split(";")) & set(techs):
                out.append(f"energy_limits {r['limit']}")
    perf = _read(data / "fleet_performance.csv")
    for _, r in perf.iterrows():
        if r["country"] == country and r["technology"] in techs:
            if r.get("availability_basis") == "fitted":
                out.append(f"fleet_performance {r['technology']} availability")
    return "; ".join(out)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False) if path.is_file() else pd.DataFrame()


def _gen(res) -> pd.DataFrame:
    return res["generation_country_twh"].to_pandas()


def generation_cells(res, targets: pd.DataFrame, data: Path, binding: set[str]) -> pd.DataFrame:
    """One row per published country x fuel cell: model, published, gap, pass, role."""
    gen = _gen(res)
    rows = []
    for _, t in targets[targets["metric"] == "generation"].iterrows():
        c, fuel = t["country"], t["technology"]
        techs = FUEL_TECHNOLOGIES[fuel]
        model = float(gen.loc[c, [k for k in techs if k in gen.columns]].sum())
        pub = float(t["value"])
        tol = max(CELL_REL * pub, CELL_ABS_TWH)
        rows.append(
            {
                "country": c,
                "fuel": fuel,
                "year": int(t["year"]),
                "model_twh": round(model, 2),
                "published_twh": pub,
                "gap_twh": round(model - pub, 2),
                "gap": f"{(model - pub) / pub:+.0%}" if pub else "",
                "test": "" if pub < CELL_MIN_TWH else ("ok" if abs(model - pub) <= tol else "MISS"),
                "fitted_by": fitted_by(data, c, techs, str(t["fitted_by"]), binding),
            }
        )
    return pd.DataFrame(rows)


def shares(res, targets: pd.DataFrame) -> pd.DataFrame:
    """Largest gap of a fuel's share of each country's generation [percentage points]."""
    gen = _gen(res)
    rows = []
    cells = targets[targets["metric"] == "generation"]
    for c, sub in cells.groupby("country", sort=False):
        fuels = [
            f
            for f in sub["technology"]
            if f != "Solar+Wind" or "Solar" not in set(sub["technology"])
        ]
        pub = sub.set_index("technology")["value"].astype(float)
        model = pd.Series(
            {
                f: float(gen.loc[c, [k for k in FUEL_TECHNOLOGIES[f] if k in gen.columns]].sum())
                for f in fuels
            }
        )
        p_share = 100 * pub[fuels] / pub[fuels].sum()
        m_share = 100 * model / float(gen.loc[c].sum())
        diff = (m_share - p_share).abs()
        worst = diff.idxmax()
        rows.append(
            {
                "country": c,
                "worst fuel": worst,
                "model share %": round(float(m_share[worst]), 1),
                "published share %": round(float(p_share[worst]), 1),
                "gap pp": round(float(m_share[worst] - p_share[worst]), 1),
                "test": "ok" if diff.max() <= SHARE_PP else "MISS",
            }
        )
    return pd.DataFrame(rows)


def co2(res, targets: pd.DataFrame) -> pd.DataFrame:
    """Combustion CO2 per country against each reference on the same basis."""
    rows = []
    for _, t in targets[targets["metric"] == "co2_combustion"].iterrows():
        c = t["country"]
        if c not in res["country"].values:
            continue
        model = float(res["emissions_country_t"].sel(country=c)) / 1e6
        pub = float(t["value"])
        rows.append(
            {
                "country": c,
                "reference": t["technology"],
                "year": t["year"],
                "model_mt": round(model, 1),
                "published_mt": pub,
                "unit": t.get("unit", ""),
                "gap": f"{(model - pub) / pub:+.0%}",
                "test": "ok" if abs(model - pub) <= CO2_REL * pub else "MISS",
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    rank = {r: i for i, r in enumerate(CO2_REFERENCES)}
    order = out["reference"].map(lambda r: rank.get(r, len(rank)))
    return out.assign(_o=order).sort_values(["_o", "country"]).drop(columns="_o")


def co2_summary(cc: pd.DataFrame) -> str:
    """'a of b' CO2 references within tolerance, official ones apart from Ember's."""
    if cc.empty:
        return "**0 of 0** references"
    off = cc["reference"].isin(CO2_REFERENCES[:2])
    ok = cc["test"] == "ok"
    return (
        f"**{(ok & off).sum()} of {off.sum()}** official references, "
        f"{(ok & ~off).sum()} of {(~off).sum()} converted from Ember"
    )


def _link_energy(res, spec: str) -> float:
    """Energy sent from node a to node b over the links between them [TWh] (``a>b``)."""
    a, b = spec.split(">")
    fwd, bwd = res["link_energy_forward_twh"].values, res["link_energy_backward_twh"].values
    frm, to = res["link_from"].values, res["link_to"].values
    return float(fwd[(frm == a) & (to == b)].sum() + bwd[(frm == b) & (to == a)].sum())


def flows(res, targets: pd.DataFrame) -> pd.DataFrame:
    """Net imports per country and metered flows: direction and size."""
    rows = []
    for _, t in targets[targets["metric"].isin(["net_imports", "flow"])].iterrows():
        if t["metric"] == "flow":
            spec = t["technology"]
            a, b = spec.split(">")
            model = _link_energy(res, spec) - _link_energy(res, f"{b}>{a}")
            what = f"{spec.replace('>', ' -> ')} (net)"
        else:
            model = float(res["net_imports_twh"].sel(country=t["country"]))
            what = f"{t['country']} net imports"
        pub = float(t["value"])
        band = NET_IMPORT_BAND_TWH if t["metric"] == "net_imports" else 0.0
        near_zero = abs(pub) <= max(band, 0.05)
        ok_dir = near_zero or np.sign(model) == np.sign(pub)
        ok_size = abs(model - pub) <= max(FLOW_REL * abs(pub), band)
        rows.append(
            {
                "flow": what,
                "year": int(t["year"]),
                "model_twh": round(model, 2),
                "published_twh": pub,
                "test": "ok"
                if ok_dir and ok_size
                else ("MISS (direction)" if not ok_dir else "MISS"),
                "fitted_by": t["fitted_by"],
            }
        )
    return pd.DataFrame(rows)


def usep(res, targets: pd.DataFrame) -> pd.DataFrame:
    """Singapore's hourly price by month against USEP 2024 (monthly mean, daily range)."""
    sg = res["price_usd_per_mwh"].sel(node="SG").to_pandas()
    month = sg.index.month
    rows = []
    for _, t in targets[targets["metric"] == "usep_month_mean"].iterrows():
        m = int(t["technology"])
        p = sg[month == m]
        if p.empty:
            continue
        lo = targets.query("metric == 'usep_month_daily_min' and technology == @t.technology")
        hi = targets.query("metric == 'usep_month_daily_max' and technology == @t.technology")
        daily = p.groupby(p.index.day).mean()
        rows.append(
            {
                "month": m,
                "model mean": round(float(p.mean()), 1),
                "USEP mean": float(t["value"]),
                "model daily min-max": f"{daily.min():.0f}-{daily.max():.0f}",
                "USEP daily min-max": (
                    f"{float(lo['value'].iloc[0]):.0f}-{float(hi['value'].iloc[0]):.0f}"
                    if len(lo) and len(hi)
                    else ""
                ),
                "model p10/p50/p90": "/".join(f"{q:.0f}" for q in p.quantile([0.1, 0.5, 0.9])),
            }
        )
    return pd.DataFrame(rows)


def hydro_months(res, targets: pd.DataFrame) -> pd.DataFrame:
    """Monthly shares of each country's hydro generation against Ember's 2024 months."""
    gen = res["generation_mw"]
    tech = res["generator_technology"].values
    country = res["generator_country"].values
    w = res["time_weight_h"].values
    month = pd.DatetimeIndex(res["time"].values).month
    rows = []
    ref = targets[targets["metric"] == "hydro_month_share"]
    for c, sub in ref.groupby("country", sort=False):
        sel = np.isin(tech, FUEL_TECHNOLOGIES["Hydro"]) & (country == c)
        e = gen.values[:, sel].sum(axis=1) * w
        by = np.array([e[month == m].sum() for m in range(1, 13)])
        if by.sum() <= 0 or len(np.unique(month)) < 12:
            continue
        model = by / by.sum()
        pub = (
            sub.set_index(sub["technology"].astype(int))["value"]
            .astype(float)
            .reindex(range(1, 13))
            .to_numpy()
        )
        rows.append(
            {
                "country": c,
                "wettest month (model/Ember)": f"{int(model.argmax()) + 1}/{int(pub.argmax()) + 1}",
                "Nov-Dec share (model/Ember)": f"{model[10:].sum():.1%}/{pub[10:].sum():.1%}",
                "mean abs gap of monthly share [pp]": round(
                    float(100 * np.abs(model - pub).mean()), 2
                ),
                "correlation": round(float(np.corrcoef(model, pub)[0, 1]), 2),
            }
        )
    return pd.DataFrame(rows)


def markdown(df: pd.DataFrame) -> str:
    """A pandas table as GitHub Markdown."""
    if df.empty:
        return "(none)\n"
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        lines.append("| " + " | ".join(str(r[c]) for c in cols) + " |")
    return "\n".join(lines) + "\n"


def contracts(res, data: Path) -> pd.DataFrame:
    """Each energy limit: its bounds, the group's energy and the shadow cost (the dual)."""
    lim = _read(data / "energy_limits.csv")
    if lim.empty or "energy_limit" not in res.dims:
        return pd.DataFrame()
    year = int(pd.DatetimeIndex(res["time"].values).year[0])
    ds = ag.load_inputs(data, year=year)  # the groups (generators as in the results)
    w = res["time_weight_h"].values
    gen = res["generation_mw"].values
    member = ds["energy_limit_member"].sel(generator=res["generator"].values).values.astype(bool)
    missing = sorted(set(res["energy_limit"].values.tolist()) - set(lim["limit"]))
    if missing:
        raise SystemExit(
            f"{data / 'energy_limits.csv'}: no row for the energy limit(s) {', '.join(missing)} "
            "of these results: give the dataset they were solved from with --data"
        )
    rows = []
    for k, name in enumerate(res["energy_limit"].values.tolist()):
        r = lim.set_index("limit").loc[name]
        energy = float((w[:, None] * gen[:, member[k]]).sum()) / 1e6
        for flow, mask in (
            ("flow_forward_mw", "energy_limit_link_forward"),
            ("flow_backward_mw", "energy_limit_link_backward"),
        ):
            if mask in ds:
                sel = ds[mask].sel(link=res["link"].values).values[k].astype(bool)
                energy += float((w[:, None] * res[flow].values[:, sel]).sum()) / 1e6
        dual = {}
        for side in ("min", "max"):
            var, dim = f"energy_limit_{side}_shadow_price_usd_per_mwh", f"energy_limit_{side}"
            if var in res and name in res[dim].values:
                dual[side] = float(res[var].sel({dim: name}))
        lo, hi = pd.to_numeric(r["min_twh"]), pd.to_numeric(r["max_twh"])
        at = [b for b in (lo, hi) if pd.notna(b) and abs(energy - b) <= 1e-3 * max(b, 1.0)]
        rows.append(
            {
                "limit": name,
                "binds": "yes" if at or any(abs(v) > 1e-6 for v in dual.values()) else "no",
                "kind": r["kind"],
                "basis": r["basis"],
                "min_twh": r["min_twh"],
                "max_twh": r["max_twh"],
                "model_twh": round(energy, 2),
                "shadow cost [USD/MWh]": "/".join(
                    f"{round(v, 1) + 0.0:.1f}" for v in dual.values()
                ),
            }
        )
    return pd.DataFrame(rows)


def report(res, data: Path, dry=None) -> str:
    """The calibration section of ``docs/calibration.md`` (between the markers).

    ``dry`` is the result of the same year solved with dry-year hydrology; with it the
    section ends with the dry-year response against EIA's spread (``dry_year.py``)."""
    targets = pd.read_csv(data / "calibration_targets.csv", keep_default_na=False)
    limits = contracts(res, data)
    binding = set(limits["limit"][limits["binds"] == "yes"]) if len(limits) else set()
    cells = generation_cells(res, targets, data, binding)
    fl = flows(res, targets)
    fitted = cells[cells["fitted_by"] != ""]
    free = cells[cells["fitted_by"] == ""].drop(columns="fitted_by")
    tested = cells[cells["test"] != ""]
    sh, cc = shares(res, targets), co2(res, targets)
    dy = dry_year(res, dry, data) if dry is not None else None
    a = res.attrs
    head = (
        f"Solve: {a.get('decomposition', 'monolithic')}; objective "
        f"{float(a.get('objective_usd', np.nan)) / 1e9:.2f} bn USD, certified gap "
        f"{float(a.get('certified_gap', 0.0)):.3%}; unserved energy "
        f"{float(res['unserved_twh'].sum()):.3f} TWh.\n\n"
        f"Generation cells of at least {CELL_MIN_TWH:g} TWh within +-10 % or +-3 TWh: "
        f"**{(tested['test'] == 'ok').sum()} of {len(tested)}** "
        f"({((tested['test'] == 'ok') & (tested['fitted_by'] == '')).sum()} of "
        f"{(tested['fitted_by'] == '').sum()} not fitted); fuel shares within +-5 pp: "
        f"**{(sh['test'] == 'ok').sum()} of {len(sh)}** countries; CO2 within +-10 %: "
        f"{co2_summary(cc)}; flows: "
        f"**{(fl['test'] == 'ok').sum()} of {len(fl)}** "
        f"({((fl['test'] == 'ok') & (fl['fitted_by'] == '')).sum()} of "
        f"{(fl['fitted_by'] == '').sum()} not fitted)"
    )
    if dy is not None:
        t = dy[dy["test"] != ""]
        head += (
            f"; dry-year hydro within EIA's range: **{(t['test'] == 'ok').sum()} of {len(t)}** "
            f"({((t['test'] == 'ok') & (t['fitted_by'] == '')).sum()} of "
            f"{(t['fitted_by'] == '').sum()} not fitted)"
        )
    head += ".\n"
    fl_fitted = fl[fl["fitted_by"] != ""]
    fl_free = fl[fl["fitted_by"] == ""].drop(columns="fitted_by")
    parts = [
        BEGIN,
        head,
        "## Fitted: quantities an input was chosen to reproduce\n",
        "A match here is by construction and validates nothing.\n",
        markdown(fitted),
        "Cross-border flows an input was chosen to reproduce (wholly or in part):\n",
        markdown(fl_fitted),
        "Energy limits (`energy_limits.csv`) and their shadow costs (the row duals: what one "
        "more MWh of required take costs the system, or one more MWh of allowed energy saves; "
        "0 where the limit does not bind):\n",
        markdown(limits),
        "## Validated: compared with data no input was derived from\n",
        "### Generation by country and fuel (cells not fitted)\n",
        markdown(free),
        "### Fuel shares of each country's generation (worst fuel)\n",
        markdown(sh),
        "### Combustion CO2 per country\n",
        markdown(cc),
        "### Cross-border flows (not fitted)\n",
        markdown(fl_free),
        "### Singapore's price against USEP 2024 [USD/MWh]\n",
        markdown(usep(res, targets)),
        "### Monthly hydro generation against Ember's 2024 months\n",
        markdown(hydro_months(res, targets)),
    ]
    if dy is not None:
        parts += [
            "### Dry-year response of hydro against EIA's 1980-2023 spread\n",
            "A row is fitted where the country's `dry_year_factor` was taken from EIA years; "
            "its test then checks the method, not the model.\n",
            markdown(dy),
        ]
    parts.append(END)
    return "\n".join(parts)


def write(doc: Path, section: str) -> None:
    """Replace the generated section of ``doc`` (or append it when the markers are absent)."""
    text = doc.read_text() if doc.is_file() else ""
    if BEGIN in text and END in text:
        a, b = text.index(BEGIN), text.index(END) + len(END)
        text = text[:a] + section + text[b:]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    doc.write_text(text)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("results", nargs="?", default=str(ROOT / "runs" / "base-2024"))
    p.add_argument("--data", default=str(ROOT / "inputs" / "asean"))
    p.add_argument("--write", default=None, help="document whose generated section to replace")
    p.add_argument("--dry", default=None, help="results of the same year with dry hydrology")
    args = p.parse_args(argv)
    dry = load_results(args.dry) if args.dry else None
    section = report(load_results(args.results), Path(args.data), dry)
    if args.write:
        write(Path(args.write), section)
    else:
        print(section)


if __name__ == "__main__":
    main()

"""Scenario results side by side along a ``scenario`` dimension, with differences to a reference.

Works on results Datasets only (never on Pyomo objects). Each compared quantity is one
:class:`Metric`: its dimensions, units, meaning and how it is read from one results Dataset.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from ..data import schema as sc
from ..data.expansion.spec import DISCOUNT_RATE, crf
from ..data.fleet import FALLBACK
from ..errors import InputError, Problem
from .corridors import by_country, corridors


@dataclass(frozen=True)
class Metric:
    """One quantity compared across scenarios."""

    name: str
    dims: tuple[str, ...]
    units: str
    description: str
    read: Callable[[xr.Dataset], np.ndarray | float]


def _zeros_if_absent(var: str) -> Callable[[xr.Dataset], np.ndarray]:
    return lambda r: r[var].values if var in r else np.zeros(r.sizes["country"])


def _sum_or_zero(var: str, factor: float) -> Callable[[xr.Dataset], float]:
    return lambda r: float(r[var].sum()) * factor if var in r else 0.0


def _penalty(r: xr.Dataset) -> float:
    return float(r["cost_usd"].sel(cost_component="policy_penalty"))


def _component(name: str) -> Callable[[xr.Dataset], float]:
    return lambda r: (
        float(r["cost_usd"].sel(cost_component=name))
        if name in r["cost_usd"]["cost_component"].values
        else 0.0
    )


#: Investment of a two-stage scenario's build stage by country [USD] (zeros otherwise): not
#: in the dispatch LP's ``cost_usd``, counted here as investment (aseangrid.twostage).
_built = _zeros_if_absent("build_stage_investment_country_usd")


def _cost_by_component(r: xr.Dataset) -> np.ndarray:
    out = r["cost_usd"].values.astype(float).copy()
    comps = [str(k) for k in r["cost_usd"]["cost_component"].values]
    out[comps.index("investment")] += float(_built(r).sum())
    return out


def _cost_excl_voll_penalty(r: xr.Dataset) -> float:
    return (
        float(r["cost_usd"].sum())
        - _penalty(r)
        - _component("unserved_energy")(r)
        + float(_built(r).sum())
    )


def _fallback_called_mw(r: xr.Dataset) -> np.ndarray:
    """Peak output of the isolated-grid fallback rows, by country [MW]."""
    countries = r["country"].values.tolist()
    out = np.zeros(len(countries))
    rows = r["generator_rows"].values if "generator_rows" in r else r["generator"].values
    for i, ids in enumerate(rows):
        if FALLBACK in str(ids):
            c = countries.index(str(r["generator_country"].values[i]))
            out[c] += float(r["generation_mw"].values[:, i].max())
    return out


def fallback_annuity_usd_per_mw(r: xr.Dataset) -> float:
    """Annual cost of one MW of new gas OCGT over the results' horizon [USD/MW]: capital
    recovery at the expansion default rate plus fixed O&M, from the run's ``technologies.csv``
    (NaN when that dataset cannot be read)."""
    path = Path(str(r.attrs.get("input_dataset", ""))) / "technologies.csv"
    try:
        t = pd.read_csv(path).set_index("technology").loc["gas_ocgt"]
    except (OSError, KeyError, ValueError):
        return float("nan")
    per_kw = float(t["capex_usd_per_kw"]) * float(crf(DISCOUNT_RATE, float(t["lifetime_yr"])))
    share = float(r.attrs.get("horizon_share", 1.0))
    return 1000.0 * (per_kw + float(t["fom_usd_per_kw_yr"])) * share


def _country_excl_voll(r: xr.Dataset) -> np.ndarray:
    cc = r["cost_country_usd"]
    keep = [k for k in cc["cost_component"].values if k != "unserved_energy"]
    return cc.sel(cost_component=keep).sum("cost_component").values + _built(r)


def _node_demand_twh(r: xr.Dataset) -> np.ndarray:
    w = r["time_weight_h"] if "time_weight_h" in r else 1.0
    return (w * r["demand_mw"]).sum("time").values / 1e6


def _country_demand_twh(r: xr.Dataset) -> np.ndarray:
    dem = _node_demand_twh(r)
    return np.array([dem[r["node_country"].values == c].sum() for c in r["country"].values])


def _curtailment(r: xr.Dataset) -> np.ndarray:
    countries = r["country"].values.tolist()
    out = np.zeros(len(countries))
    for c, v in zip(r["generator_country"].values, r["curtailment_twh"].values, strict=True):
        out[countries.index(c)] += v
    return out


S, SC, SN = ("scenario",), ("scenario", "country"), ("scenario", "node")
METRICS: tuple[Metric, ...] = (
    Metric(
        "total_cost_usd",
        S,
        "USD",
        "Annual system cost: fuel, O&M, carbon prices, wheeling and unserved energy "
        "(policy shortfall penalties excluded, see policy_penalty_usd); investment includes a "
        "two-stage scenario's build stage.",
        lambda r: float(r["cost_usd"].sum()) - _penalty(r) + float(_built(r).sum()),
    ),
    Metric(
        "cost_excl_voll_penalty_usd",
        S,
        "USD",
        "Annual system cost without unserved energy priced at the value of lost load and "
        "without policy penalties: fuel and variable O&M, carbon prices, wheeling, investment "
        "and the fixed O&M saved (the headline cost; VoLL and penalties are reported beside it).",
        _cost_excl_voll_penalty,
    ),
    Metric(
        "unserved_cost_usd",
        S,
        "USD",
        "Unserved energy priced at the value of lost load (reported apart from the headline cost).",
        _component("unserved_energy"),
    ),
    Metric(
        "policy_penalty_usd",
        S,
        "USD",
        "Penalty paid in the objective for missed policies (a modelling device, not a cost).",
        _penalty,
    ),
    Metric(
        "renewable_shortfall_twh",
        S,
        "TWh",
        "Renewable energy missing to reach the targets, all countries.",
        _sum_or_zero("renewable_shortfall_mwh", 1e-6),
    ),
    Metric(
        "carbon_cap_excess_mt",
        S,
        "MtCO2",
        "Emissions above the carbon caps, all caps.",
        _sum_or_zero("carbon_cap_excess_t", 1e-6),
    ),
    Metric(
        "cost_usd",
        ("scenario", "cost_component"),
        "USD",
        "Annual system cost by component (investment includes a two-stage scenario's build "
        "stage, results build_stage_investment_country_usd).",
        _cost_by_component,
    ),
    Metric(
        "cost_country_usd",
        SC,
        "USD",
        "Annual cost borne per country (see results cost_country_usd; with a two-stage "
        "scenario's build stage).",
        lambda r: r["cost_country_usd"].sum("cost_component").values + _built(r),
    ),
    Metric(
        "cost_country_excl_voll_usd",
        SC,
        "USD",
        "Annual cost borne per country without its unserved energy at the value of lost load.",
        _country_excl_voll,
    ),
    Metric(
        "fallback_called_mw",
        SC,
        "MW",
        "Peak output of the isolated-grid fallback capacity (new-build gas OCGT offered in both "
        "topologies, inputs/README.md): the firm capacity the scenario needs beyond its plans.",
        _fallback_called_mw,
    ),
    Metric(
        "fallback_investment_usd",
        S,
        "USD",
        "Annuity and fixed O&M of the fallback capacity called (new gas OCGT, technologies.csv, "
        "10 % real discount rate): the avoided investment when integration needs less of it.",
        lambda r: float(_fallback_called_mw(r).sum()) * fallback_annuity_usd_per_mw(r),
    ),
    Metric(
        "build_stage_investment_usd",
        S,
        "USD",
        "Annuities and fixed O&M of what a two-stage scenario's build stage built, peak top-ups "
        "included (aseangrid.twostage; 0 for other scenarios): part of the investment above.",
        lambda r: float(_built(r).sum()),
    ),
    Metric(
        "peak_topup_mw",
        SC,
        "MW",
        "New gas OCGT a two-stage scenario's peak check added where the hourly dispatch of the "
        "build left load unserved (a rule, not a least-cost choice; 0 for other scenarios).",
        lambda r: (
            r["build_stage_peak_topup_mw"].sum("peak_technology").values
            if "build_stage_peak_topup_mw" in r
            else np.zeros(r.sizes["country"])
        ),
    ),
    Metric(
        "emissions_production_t",
        SC,
        "tCO2",
        "Production-based emissions (where the power is generated).",
        lambda r: r["emissions_country_t"].values,
    ),
    Metric(
        "emissions_consumption_t",
        SC,
        "tCO2",
        "Consumption-based emissions (where the power is used; flow tracing).",
        lambda r: r["emissions_consumption_country_t"].values,
    ),
    Metric(
        "generation_twh",
        ("scenario", "country", "technology"),
        "TWh",
        "Annual generation by country and technology.",
        lambda r: r["generation_country_twh"].values,
    ),
    Metric(
        "price_mean_usd_per_mwh",
        SN,
        "USD/MWh",
        "Time-average nodal price.",
        lambda r: r["price_mean_usd_per_mwh"].values,
    ),
    Metric(
        "price_demand_weighted_usd_per_mwh",
        SN,
        "USD/MWh",
        "Demand-weighted nodal price.",
        lambda r: r["price_demand_weighted_usd_per_mwh"].values,
    ),
    Metric(
        "curtailment_twh",
        SC,
        "TWh",
        "Curtailed variable renewable and run-of-river energy.",
        _curtailment,
    ),
    Metric("unserved_twh", SC, "TWh", "Unserved energy.", lambda r: by_country(r, "unserved_twh")),
    Metric(
        "imports_twh", SC, "TWh", "Cross-border imports received.", _zeros_if_absent("imports_twh")
    ),
    Metric("exports_twh", SC, "TWh", "Cross-border exports sent.", _zeros_if_absent("exports_twh")),
    Metric("demand_twh", SC, "TWh", "Annual demand.", _country_demand_twh),
    Metric("node_demand_twh", SN, "TWh", "Annual demand per node.", _node_demand_twh),
)
#: Quantities whose difference to the reference is reported as ``delta_<name>``.
DELTAS = (
    "total_cost_usd",
    "cost_excl_voll_penalty_usd",
    "unserved_cost_usd",
    "policy_penalty_usd",
    "cost_usd",
    "cost_country_usd",
    "cost_country_excl_voll_usd",
    "fallback_called_mw",
    "fallback_investment_usd",
    "build_stage_investment_usd",
    "peak_topup_mw",
    "emissions_production_t",
    "emissions_consumption_t",
    "generation_twh",
    "price_demand_weighted_usd_per_mwh",
    "imports_twh",
    "exports_twh",
    "unserved_twh",
    "curtailment_twh",
)


def _check_comparable(results: Mapping[str, xr.Dataset], reference: str | None) -> str:
    names = list(results)
    if not names:
        raise InputError(
            [Problem("(compare)", None, "results", "[]", "at least one result")],
            context="comparison",
        )
    reference = reference or names[0]
    if reference not in results:
        raise InputError(
            [Problem("(compare)", None, "reference", reference, f"one of {names}")],
            context="comparison",
        )
    hours = {
        n: float(r["time_weight_h"].sum()) if "time_weight_h" in r else float(r.sizes["time"])
        for n, r in results.items()
    }
    ref_h = hours[reference]
    bad = [n for n, h in hours.items() if abs(h - ref_h) > 1e-6 * max(ref_h, 1.0)]
    if bad:
        raise InputError(
            [
                Problem(
                    "(compare)",
                    None,
                    f"horizon of {n}",
                    f"{hours[n]:g} h",
                    f"the {ref_h:g} h of the reference {reference} (annual sums of "
                    "different horizons are not comparable)",
                )
                for n in bad
            ],
            context="comparison",
        )
    return reference


def _corridor_vars(out: xr.Dataset, frames: list[pd.DataFrame], names: list[str]) -> xr.Dataset:
    corr = pd.concat(frames, ignore_index=True)
    if not len(corr):
        return out
    keys = sorted(set(zip(corr["from_country"], corr["to_country"], strict=True)))
    out = out.assign_coords(
        corridor=[f"{a}>{b}" for a, b in keys],
        corridor_from=("corridor", [a for a, _ in keys]),
        corridor_to=("corridor", [b for _, b in keys]),
    )
    for col, units, desc in (
        ("sent_twh", "TWh", "Energy sent along the corridor (before losses)."),
        ("hours_at_limit", "h", "Hours the corridor is at its limit."),
        ("capacity_mw", "MW", "Corridor limit (sum of its links)."),
        (
            "congestion_rent_usd",
            "USD",
            "Congestion rent of the corridor's direction (price gap after losses x flow).",
        ),
    ):
        arr = np.zeros((len(names), len(keys)))
        for _, row in corr.iterrows():
            arr[
                names.index(row["scenario"]), keys.index((row["from_country"], row["to_country"]))
            ] = row[col]
        out[f"corridor_{col}"] = xr.DataArray(
            arr, dims=("scenario", "corridor"), attrs={"units": units, "description": desc}
        )
    return out


def _shadow_prices(out: xr.Dataset, results: Mapping[str, xr.Dataset], names: list[str]) -> None:
    caps = [
        r["carbon_shadow_price_usd_per_t"].expand_dims(scenario=[n])
        for n, r in results.items()
        if "carbon_shadow_price_usd_per_t" in r
    ]
    if not caps:
        return
    cp = xr.concat(caps, dim="scenario", join="outer")
    out["carbon_shadow_price_usd_per_t"] = cp.reindex(scenario=names).drop_vars(
        [c for c in cp.coords if c not in ("scenario", "carbon_cap")]
    )
    out["carbon_shadow_price_usd_per_t"].attrs.update(
        units="USD/tCO2", description="Shadow price of each carbon cap (NaN: no such cap)."
    )


def _differences(out: xr.Dataset, reference: str) -> None:
    for v in DELTAS:
        d = out[v] - out[v].sel(scenario=reference)
        d.attrs = {
            "units": out[v].attrs["units"],
            "description": f"{out[v].attrs['description']} Minus the reference scenario "
            f"'{reference}'.",
        }
        out[f"delta_{v}"] = d
    disp = out["delta_generation_twh"]
    out["displaced_twh"] = (-disp.clip(max=0)).sum("country")
    out["displaced_twh"].attrs = {
        "units": "TWh",
        "description": "Generation that fell against the reference, by technology (summed "
        "over countries).",
    }
    out["displacing_twh"] = disp.clip(min=0).sum("country")
    out["displacing_twh"].attrs = {
        "units": "TWh",
        "description": "Generation that rose against the reference, by technology.",
    }


def compare(results: Mapping[str, xr.Dataset], reference: str | None = None) -> xr.Dataset:
    """Stack scenario results along ``scenario`` and add differences to the reference.

    Parameters
    ----------
    results
        Scenario name -> results Dataset (from :func:`aseangrid.solve` or a results file).
    reference
        Scenario the differences (``delta_*``) are taken against (default: the first).

    Returns
    -------
    xarray.Dataset
        Dimensions ``scenario``, ``country``, ``technology``, ``node``, ``corridor``,
        ``cost_component`` and ``carbon_cap``; every variable has units.
    """
    reference = _check_comparable(results, reference)
    names = list(results)
    first = results[names[0]]
    out = xr.Dataset(
        coords={
            "scenario": names,
            "country": first["country"].values,
            "node": first["node"].values,
            "technology": np.array(sc.GENERATION_TECHNOLOGIES),
            "cost_component": first["cost_usd"]["cost_component"].values,
            "node_country": ("node", first["node_country"].values),
        }
    )
    for m in METRICS:
        data = np.asarray([m.read(results[n]) for n in names])
        out[m.name] = xr.DataArray(
            data, dims=m.dims, attrs={"units": m.units, "description": m.description}
        )
    pdw = np.nan_to_num(out["price_demand_weighted_usd_per_mwh"].values)
    nd = out["node_demand_twh"].values
    out["price_asean_usd_per_mwh"] = xr.DataArray(
        (pdw * nd).sum(1) / nd.sum(1),
        dims=S,
        attrs={
            "units": "USD/MWh",
            "description": "ASEAN demand-weighted average price (node prices weighted by "
            "hourly demand).",
        },
    )
    frames = []
    for n in names:
        df = corridors(results[n])
        df["scenario"] = n
        frames.append(df)
    out = _corridor_vars(out, frames, names)
    _shadow_prices(out, results, names)
    _differences(out, reference)
    out.attrs["reference"] = reference
    return out

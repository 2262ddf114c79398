"""Pathways: model years solved in order, each building on what the earlier ones left (myopic).

For each year ``y`` of ``scenario.pathway.years`` the scenario is loaded with the
:class:`~aseangrid.expansion.PathwayState` of the earlier steps (builds join the fleet,
retirements and early retirements leave it), solved, verified and written; its builds and
early retirements are then carried forward.

Costs. A step's objective is one year of operation plus the annuities and fixed O&M of what
that step builds. Assets built in earlier steps keep costing their annuity every year of their
life: reported as ``earlier_builds`` in the yearly cost, not part of that step's decisions.
Step ``y`` stands for the years ``y .. y + n - 1`` up to the next step (``n = 5`` for the
last); the pathway's present value discounts each of those years to the first step year at
the scenario's discount rate::

    NPV = sum_y C_y * sum_{j=0}^{n_y - 1} (1 + r)^-(y + j - y_0)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from .data import schema as sc
from .data.expansion import PathwayState, record_step

Progress = Callable[[str], None]

#: technologies reported in pathway tables: generation then storage
TECHNOLOGIES = sc.GENERATION_TECHNOLOGIES + sc.STORAGE_TECHNOLOGIES


#: dimensions of the tables by country and technology
_CT = ("country", "technology")


def _by_country_tech(values, countries, techs, labels_c, labels_t) -> np.ndarray:
    """Sum ``values`` into a ``(country, technology)`` table by their labels."""
    out = np.zeros((len(countries), len(techs)))
    cpos = {c: i for i, c in enumerate(countries)}
    tpos = {t: i for i, t in enumerate(techs)}
    for v, c, t in zip(values, labels_c, labels_t, strict=True):
        out[cpos[c], tpos[t]] += v
    return out


def _var(dims: tuple[str, ...], data, units: str, description: str) -> tuple:
    """A Dataset variable as ``(dims, data, attrs)``."""
    return (dims, data, {"units": units, "description": description})


def year_summary(ds: xr.Dataset, res: xr.Dataset, state: PathwayState, year: int) -> xr.Dataset:
    """Capacity, additions, early retirements, generation, emissions, caps and costs of one
    solved pathway year (dimensions ``country``, ``technology``, ``carbon_cap``)."""
    add, energy_add, early = _additions(ds, res)
    gen, dem_c, re_share = _generation_and_demand(ds, res)
    caps, cap_em, shadow = _carbon_caps(ds, res)
    links = res["link_extendable"].values if "link_capacity_new_mw" in res else np.array([])
    link_new = res["link_capacity_new_mw"].values if links.size else np.array([])
    earlier = "Annuities and fixed O&M of capacity built in earlier steps, still in service."
    data = {
        "capacity_mw": _var(_CT, _capacity(ds, res), "MW", "Capacity in service (storage: power)."),
        "additions_mw": _var(_CT, add, "MW", "Capacity built in this step."),
        "storage_energy_additions_mwh": _var(
            ("country",), energy_add, "MWh", "Storage energy built."
        ),
        "early_retirements_mw": _var(_CT, early, "MW", "Existing capacity retired early."),
        "generation_twh": _var(_CT, gen, "TWh", "Annual generation."),
        "demand_twh": _var(("country",), dem_c, "TWh", "Demand."),
        "renewable_share": _var(("country",), re_share, "1", "Renewable generation / demand."),
        "renewable_share_min": _var(
            ("country",), ds["renewable_share_min"].values, "1", "Target (NaN: none)."
        ),
        "emissions_mt": _var(
            ("country",), res["emissions_country_t"].values / 1e6, "MtCO2", "Production-based CO2."
        ),
        "carbon_cap_mt": _var(("carbon_cap",), ds["carbon_cap_mt"].values, "MtCO2", "Cap."),
        "carbon_cap_emissions_mt": _var(
            ("carbon_cap",), np.array(cap_em), "MtCO2", "Emissions under it."
        ),
        "carbon_shadow_price_usd_per_t": _var(
            ("carbon_cap",), shadow, "USD/tCO2", "Cost of one tonne less."
        ),
        "cost_usd": _var(
            ("cost_component",), res["cost_usd"].values, "USD", "This year's cost by component."
        ),
        "earlier_builds_usd": _var((), state.annual_cost_usd(year), "USD", earlier),
        "link_additions_mw": _var(("link_candidate",), link_new, "MW", "Corridor capacity built."),
    }
    coords = {
        "country": list(sc.COUNTRIES),
        "technology": list(TECHNOLOGIES),
        "carbon_cap": caps,
        "cost_component": [str(c) for c in res["cost_component"].values],
        "link_candidate": [str(x) for x in links],
    }
    return xr.Dataset(data, coords=coords)


def _node_country(ds: xr.Dataset) -> dict[str, str]:
    """Country of each node."""
    return dict(zip(ds["node"].values.tolist(), ds["node_country"].values.tolist(), strict=True))


def _storage_countries(ds: xr.Dataset) -> list[str]:
    """Country of each storage unit, in the order of ``ds["storage"]``."""
    ncountry = _node_country(ds)
    return [ncountry[n] for n in ds["storage_node"].values.tolist()]


def _capacity(ds: xr.Dataset, res: xr.Dataset) -> np.ndarray:
    """Capacity in service by country and technology [MW] (storage: its power)."""
    countries, techs = list(sc.COUNTRIES), list(TECHNOLOGIES)
    gc = ds["generator_country"].values
    gt = ds["generator_technology"].values
    cap = _by_country_tech(res["capacity_total_mw"].values, countries, techs, gc, gt)
    cap += _by_country_tech(
        res["storage_power_total_mw"].values,
        countries,
        techs,
        _storage_countries(ds),
        ds["storage_technology"].values,
    )
    return cap


def _on_subset(
    ds: xr.Dataset, res: xr.Dataset, var: str, dim: str, country_of, tech_var: str
) -> np.ndarray:
    """``var`` (defined on the subset ``dim``) summed by country and technology (zeros when
    the results do not have it)."""
    countries, techs = list(sc.COUNTRIES), list(TECHNOLOGIES)
    if var not in res:
        return np.zeros((len(countries), len(techs)))
    sub = res[dim].values
    base = dim.removesuffix("_extendable").removesuffix("_retirable")
    return _by_country_tech(
        res[var].values,
        countries,
        techs,
        [country_of(x) for x in sub],
        ds[tech_var].sel({base: sub}).values,
    )


def _additions(ds: xr.Dataset, res: xr.Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What the step built and retired early.

    Returns
    -------
    additions : numpy.ndarray
        Capacity built by country and technology [MW] (storage: its power).
    energy_additions : numpy.ndarray
        Storage energy built per country [MWh].
    early_retirements : numpy.ndarray
        Existing capacity retired early by country and technology [MW].
    """
    countries = list(sc.COUNTRIES)
    gc = ds["generator_country"].values
    gen_country = dict(zip(ds["generator"].values.tolist(), gc.tolist(), strict=True))
    st_country = dict(zip(ds["storage"].values.tolist(), _storage_countries(ds), strict=True))
    add = _on_subset(
        ds, res, "capacity_new_mw", "generator_extendable", gen_country.get, "generator_technology"
    )
    add += _on_subset(
        ds, res, "storage_power_new_mw", "storage_extendable", st_country.get, "storage_technology"
    )
    energy_add = np.zeros(len(countries))
    if "storage_energy_new_mwh" in res:
        for v, x in zip(
            res["storage_energy_new_mwh"].values,
            res["storage_extendable"].values.tolist(),
            strict=True,
        ):
            energy_add[countries.index(st_country[x])] += v
    early = _on_subset(
        ds,
        res,
        "capacity_retired_mw",
        "generator_retirable",
        gen_country.get,
        "generator_technology",
    )
    return add, energy_add, early


def _generation_and_demand(
    ds: xr.Dataset, res: xr.Dataset
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Generation by country and technology [TWh] (0 for storage), demand per country [TWh]
    and the renewable share of demand per country [1] (NaN without demand)."""
    countries, techs = list(sc.COUNTRIES), list(TECHNOLOGIES)
    gen = np.zeros((len(countries), len(techs)))
    gen[:, : len(sc.GENERATION_TECHNOLOGIES)] = res["generation_country_twh"].values
    ncountry = _node_country(ds)
    dem = (ds["time_weight_h"].values[:, None] * ds["demand_mw"].values).sum(axis=0) / 1e6
    dem_c = np.zeros(len(countries))
    for v, n in zip(dem, ds["node"].values.tolist(), strict=True):
        dem_c[countries.index(ncountry[n])] += v
    ren = np.isin(techs, sc.RENEWABLE_TECHNOLOGIES)
    with np.errstate(invalid="ignore", divide="ignore"):
        re_share = np.where(dem_c > 0, gen[:, ren].sum(axis=1) / dem_c, np.nan)
    return gen, dem_c, re_share


def _carbon_caps(ds: xr.Dataset, res: xr.Dataset) -> tuple[list[str], list[float], np.ndarray]:
    """The carbon caps of the year, the emissions under each [MtCO2] and each cap's shadow
    price [USD/tCO2] (0 when the results have none)."""
    caps = [str(c) for c in ds["carbon_cap"].values]
    cap_em = []
    for k in range(len(caps)):
        members = ds["country"].values[ds["carbon_cap_member"].values[k]]
        cap_em.append(float(res["emissions_country_t"].sel(country=list(members)).sum()) / 1e6)
    shadow = (
        res["carbon_shadow_price_usd_per_t"].values
        if "carbon_shadow_price_usd_per_t" in res
        else np.zeros(len(caps))
    )
    return caps, cap_em, shadow


def combine(summaries: dict[int, xr.Dataset], discount_rate: float) -> xr.Dataset:
    """Stack yearly summaries along ``year`` and add totals and present values."""
    years = sorted(summaries)
    pw = xr.concat(
        [summaries[y] for y in years],
        dim=pd.Index(years, name="year"),
        join="outer",
        fill_value=np.nan,
    )
    for v in (
        "additions_mw",
        "early_retirements_mw",
        "storage_energy_additions_mwh",
        "link_additions_mw",
    ):
        if v in pw:
            pw[v] = pw[v].fillna(0.0)
    comps = [str(c) for c in pw["cost_component"].values]
    keep = [c for c in comps if c != "policy_penalty"]
    total = pw["cost_usd"].sel(cost_component=keep).sum("cost_component") + pw["earlier_builds_usd"]
    pw["system_cost_usd"] = total.assign_attrs(
        units="USD/yr",
        description="Cost of the year: operation, new builds' annuities and earlier builds' "
        "annuities (policy penalties excluded, reported separately).",
    )
    span = [(years[i + 1] - y) if i + 1 < len(years) else 5 for i, y in enumerate(years)]
    r = float(discount_rate)
    pv = np.array(
        [
            sum((1 + r) ** -(y + j - years[0]) for j in range(n))
            for y, n in zip(years, span, strict=True)
        ]
    )
    pw["years_represented"] = xr.DataArray(span, dims="year", attrs={"units": "yr"})
    pw["present_value_factor"] = xr.DataArray(
        pv, dims="year", attrs={"units": "yr", "description": "Discounted years per step."}
    )
    pw.attrs["npv_usd"] = float((total.values * pv).sum())
    pw.attrs["discount_rate"] = r
    pw.attrs["base_year"] = years[0]
    return pw


def solve_pathway(
    s, name: str, folder: str | Path, progress: Progress | None = None
) -> tuple[xr.Dataset, dict[int, xr.Dataset], list[dict]]:
    """Solve every year of a pathway scenario in order; write ``<folder>/<name>/<year>/``.

    Returns the combined pathway Dataset, the results per year and one info dict per year.
    """
    from .pipeline import options_of, solve
    from .results.store import write_scenario
    from .scenario import load_scenario, scenario_for_year

    say = progress or (lambda msg: None)
    folder = Path(folder)
    state = PathwayState()
    summaries, results, infos = {}, {}, []
    opts, so = options_of(s)
    for y in s.pathway.years:
        t0 = time.perf_counter()
        ds = load_scenario(scenario_for_year(s, y), year=y, state=state)
        t_load = time.perf_counter() - t0
        res = solve(ds, options=opts, solver_options=so, extensions=list(s.extensions))
        res.attrs["pathway_year"] = y
        res.attrs["earlier_builds_usd"] = state.annual_cost_usd(y)
        res.attrs["scenario_name"] = f"{name}/{y}"
        write_scenario(res, folder / name / str(y))
        summaries[y] = year_summary(ds, res, state, y)
        state = record_step(state, ds, res, y)
        results[y] = res
        dt = time.perf_counter() - t0
        infos.append(
            {
                "name": f"{name}/{y}",
                "load_s": round(t_load, 1),
                "total_s": round(dt, 1),
                "solve_s": res.attrs["time_solve_s"],
                "objective_usd": res.attrs["objective_usd"],
                "variables": res.attrs["n_variables"],
                "status": res.attrs["solver_status"],
                "verified": bool(res.attrs.get("verified", 0)),
            }
        )
        say(f"  {name} {y}: solved in {dt:.0f} s, verified")
    pw = combine(summaries, s.expansion.discount_rate if s.expansion else 0.10)
    pw.attrs["scenario_name"] = name
    pw.attrs["scenario"] = s.model_dump_json()
    return pw, results, infos

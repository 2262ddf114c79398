"""Loading the Dataset of a scenario: its dataset and year, transforms, time resolution."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from .model import CarbonCap, Scenario
from .transforms import apply, restrict_candidates


def _by_year(values: dict[int, float], year: int) -> float | None:
    ys = sorted(values)
    if year < ys[0]:
        return None
    return float(np.interp(year, ys, [values[y] for y in ys]))


def scenario_for_year(s: Scenario, year: int) -> Scenario:
    """The scenario of one pathway year: its year, and the pathway's caps and targets for it
    (linear between the years given, held after the last, none before the first)."""
    if s.pathway is None:
        return s
    caps = dict(s.carbon_caps)
    for name, c in s.pathway.carbon_caps.items():
        v = _by_year(c.mt, year)
        if v is not None:
            caps[name] = CarbonCap(countries=c.countries, mt=v)
    ren = dict(s.renewable_share_min)
    for country, by_year in s.pathway.renewable_share_min.items():
        v = _by_year(by_year, year)
        if v is not None:
            ren[country] = v
    return s.model_copy(update={"year": year, "carbon_caps": caps, "renewable_share_min": ren})


def expansion_spec(s: Scenario):
    """The :class:`aseangrid.expansion.ExpansionSpec` of a scenario (``None``: dispatch only)."""
    from ..data.expansion import ExpansionSpec

    if s.expansion is None:
        return None
    e = s.expansion
    return ExpansionSpec(
        discount_rate=e.discount_rate,
        countries=tuple(e.countries) if e.countries is not None else None,
        technologies=tuple(e.technologies) if e.technologies is not None else None,
        links=e.links if isinstance(e.links, str) else tuple(e.links),
        retirements=tuple(e.retirements),
        early_retirement=tuple(e.early_retirement),
        no_new_coal_from=e.no_new_coal_from,
        keep_adequacy_rows=e.keep_adequacy_rows,
    )


def without_fallback(tables: dict) -> dict:
    """The tables without the isolated-grid fallback rows of ``generators.csv``."""
    from ..data.fleet import FALLBACK

    t = dict(tables)
    g = t["generators"]
    t["generators"] = g[~g["generator"].astype(str).str.contains(FALLBACK)].reset_index(drop=True)
    return t


def load_scenario(s: Scenario, year: int | None = None, state=None) -> xr.Dataset:
    """Load the dataset named by a scenario for its year and hydrology and apply it.

    Parameters
    ----------
    s
        The scenario.
    year
        Model year (default: the scenario's ``year``; a pathway passes each of its years).
    state
        :class:`aseangrid.expansion.PathwayState` of a pathway's earlier steps (expansion
        scenarios only; default: nothing built yet).
    """
    from ..data import expansion as ex
    from ..data.load import load_inputs
    from ..data.timeagg import representative_periods

    y = s.year if year is None else int(year)
    spec = expansion_spec(s)
    state = state if state is not None else ex.PathwayState()
    seen: dict = {}

    def edit(tables, yr):
        if not s.isolated_fallback:
            tables = without_fallback(tables)
        if s.countries:
            tables = ex.restrict_countries(tables, s.countries)
        if spec is not None:
            tables = ex.edit_tables(tables, yr, spec, state)
        seen["tables"] = tables
        return tables

    ds = load_inputs(
        Path(s.dataset),
        year=y,
        hydrology=s.hydrology,
        value_of_lost_load_usd_per_mwh=s.value_of_lost_load_usd_per_mwh,
        policy_penalty_usd=s.policy_penalty_usd,
        edit_tables=edit if (s.countries or spec is not None or not s.isolated_fallback) else None,
    )
    if spec is not None:
        ds = ex.annotate(ds, seen["tables"], y, spec, state)
    ds = apply(ds, s)
    if spec is not None:
        restrict_candidates(ds, s)
    tr = s.time_resolution
    if tr.representative_periods:
        ds = representative_periods(ds, tr.representative_periods, tr.period_hours, tr.method)
    return ds

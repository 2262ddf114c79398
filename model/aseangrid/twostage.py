"""Two-stage planning: build on representative periods, then dispatch the builds hourly.

An expansion LP over a full hourly year is too large to solve; an expansion LP over a few
typical days (:mod:`aseangrid.data.timeagg`) is not, but its fleet was sized on those days
only. A scenario with ``expansion: {dispatch: hourly}`` therefore solves in two stages:

1. **Build**: the scenario as written (its candidates, on its ``time_resolution``
   representative periods) decides what to build and retire at least cost.
2. **Dispatch**: what stage 1 built joins the fleet (status ``built``, fixed capacity; the
   carrying of :func:`aseangrid.data.expansion.record_step`) and the full hourly year is
   dispatched by the scenario's solve method (decomposed by default), nothing more to build.
3. **Peak check**: typical days miss the hours that are hardest to serve. If the hourly
   dispatch leaves a node unserved, new gas OCGT (oil-fired engines where the node's country
   burns no gas: Laos) equal to the node's peak unserved power
   over its availability (rounded up to 10 MW) is added as a build of the same year and the
   hourly year is dispatched again, at most :data:`PEAK_ROUNDS` times. These *peak top-ups*
   are a rule, not a least-cost choice, and are reported apart
   (``build_stage_peak_topup_mw``).

The results are those of the hourly dispatch (its LP, its verification); stage 1's
investment does not appear in ``cost_usd`` (it is not in the dispatch LP) but in
``build_stage_investment_country_usd``, which :mod:`aseangrid.compare` adds to the
investment component so that a two-stage scenario compares with any other. Stage 1's own
results are written beside the scenario's (``<name>/build-stage/``).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import xarray as xr

from .data.expansion import PathwayState, record_step

#: Hourly dispatches with peak top-ups before the remaining unserved energy is reported.
PEAK_ROUNDS = 2
#: Unserved power below this [MW] at a node does not trigger a top-up (numerical noise).
PEAK_MIN_MW = 1.0
PEAK_TECHNOLOGY = "gas_ocgt"
#: The peak top-up of a country without gas (no gas generator in the stage-1 Dataset).
PEAK_TECHNOLOGY_NO_GAS = "oil"
GAS = ("gas_ccgt", "gas_ocgt")


def peak_technology(ds_b: xr.Dataset, node: str) -> str:
    """OCGT where the node's country has any gas generator (existing or candidate) in the
    stage-1 Dataset, oil-fired engines where it has none (it has no gas price to burn it at)."""
    if "generator_country" not in ds_b.coords or "node_country" not in ds_b.coords:
        return PEAK_TECHNOLOGY
    country = dict(
        zip(ds_b["node"].values.tolist(), ds_b["node_country"].values.tolist(), strict=True)
    )[node]
    gas = np.isin(ds_b["generator_technology"].values, GAS)
    return (
        PEAK_TECHNOLOGY
        if (gas & (ds_b["generator_country"].values == country)).any()
        else (PEAK_TECHNOLOGY_NO_GAS)
    )


def dispatch_scenario(s):
    """The dispatch stage of a two-stage scenario: hourly, nothing more to build or retire
    (what stage 1 built and retired comes in through the pathway state)."""
    from .scenario.model import TimeResolution

    e = s.expansion.model_copy(
        update={"technologies": [], "links": "none", "early_retirement": [], "dispatch": "same"}
    )
    return s.model_copy(update={"expansion": e, "time_resolution": TimeResolution()})


def _priced_from_tables(tables, year: int, kind: str, rate: float) -> tuple[float, float, float]:
    """Annual cost [USD/MW-yr], lifetime [yr] and availability of new ``kind`` from the
    dataset's tables, as a candidate of the expansion would be priced
    (:func:`aseangrid.data.expansion.spec.annual_cost_usd_per_mw`)."""
    from .data.expansion.spec import annual_cost_usd_per_mw

    tech = tables["technologies"].set_index("technology").loc[kind]
    k = annual_cost_usd_per_mw(tables, year, kind, rate)
    return k, float(tech["lifetime_yr"]), float(tech["availability"])


def _peak_cost(
    ds_b: xr.Dataset, node: str, kind: str = PEAK_TECHNOLOGY, priced=None
) -> tuple[float, float, float]:
    """Annual cost [USD/MW-yr], lifetime [yr] and availability of new ``kind`` at ``node``:
    its stage-1 candidate, else any candidate of that technology in the stage-1 Dataset
    (costs are by technology), else ``priced(kind)`` (from the dataset's tables)."""
    tech = ds_b["generator_technology"].values
    nodes = ds_b["generator_node"].values
    cost = ds_b["annual_cost_usd_per_mw"].values
    rows = np.flatnonzero((tech == kind) & (nodes == node) & (cost > 0))
    if rows.size == 0:
        rows = np.flatnonzero((tech == kind) & (cost > 0))
    if rows.size == 0:
        if priced is None:
            raise ValueError(f"no {kind} candidate in the dataset to price a peak top-up at {node}")
        return priced(kind)
    i = int(rows[0])
    avail = (
        float(np.max(ds_b["availability_pu"].values[:, i])) if "availability_pu" in ds_b else 1.0
    )
    return (
        float(ds_b["annual_cost_usd_per_mw"].values[i]),
        float(ds_b["lifetime_yr"].values[i]),
        max(avail, 1e-3),
    )


def peak_topups(ds_b: xr.Dataset, res_h: xr.Dataset, year: int, priced=None) -> list[dict]:
    """Build records of the peak top-ups (OCGT, or oil engines without gas: see
    :func:`peak_technology`) for every node the hourly dispatch left unserved; ``priced(kind)``
    prices a technology without a candidate in ``ds_b`` (:func:`_priced_from_tables`)."""
    if "unserved_mw" not in res_h:
        return []
    peak = res_h["unserved_mw"].max("time")
    out = []
    for node, mw in zip(peak["node"].values.tolist(), peak.values.tolist(), strict=True):
        if mw < PEAK_MIN_MW:
            continue
        kind = peak_technology(ds_b, node)
        k, life, avail = _peak_cost(ds_b, node, kind, priced)
        cap = 10.0 * math.ceil(mw / avail / 10.0)
        out.append(
            {
                "kind": "generator",
                "id": f"{node}_{kind}_peak_topup_{year}",
                "node": node,
                "technology": kind,
                "year": year,
                "capacity_mw": cap,
                "energy_mwh": 0.0,
                "lifetime_yr": life,
                "annual_cost_usd": cap * k,
            }
        )
    return out


def _by_country_technology(res: xr.Dataset, records: list[dict]) -> xr.DataArray:
    countries = [str(c) for c in res["country"].values]
    node_country = dict(
        zip(res["node"].values.tolist(), res["node_country"].values.tolist(), strict=True)
    )
    techs = sorted({r["technology"] for r in records}) or ["none"]
    a = np.zeros((len(countries), len(techs)))
    for r in records:
        a[countries.index(node_country[r["node"]]), techs.index(r["technology"])] += r[
            "capacity_mw"
        ]
    return xr.DataArray(a, dims=("country", "build_technology"), coords={"build_technology": techs})


def attach_build_stage(
    res_h: xr.Dataset, res_b: xr.Dataset, state: PathwayState, topups: list[dict]
) -> None:
    """Add stage 1's investment, builds and peak top-ups to the hourly results (in place)."""
    share = float(res_h.attrs.get("horizon_share", 1.0)) / float(
        res_b.attrs.get("horizon_share", 1.0)
    )
    cc = res_b["cost_country_usd"].sel(cost_component=["investment", "fixed_om_saved"])
    inv = cc.sum("cost_component").values * share
    node_country = dict(
        zip(res_h["node"].values.tolist(), res_h["node_country"].values.tolist(), strict=True)
    )
    countries = [str(c) for c in res_h["country"].values]
    for r in topups:
        inv[countries.index(node_country[r["node"]])] += r["annual_cost_usd"] * share
    res_h["build_stage_investment_country_usd"] = xr.DataArray(
        inv,
        dims="country",
        attrs={
            "units": "USD",
            "description": "Annuities and fixed O&M of what the build stage built (less the "
            "fixed O&M its early retirements save), with the peak top-ups, over the results' "
            "horizon: not in cost_usd (not in the dispatch LP); the comparison adds it to the "
            "investment component.",
        },
    )
    built = [b for b in state.built if b["kind"] in ("generator", "storage")]
    res_h["build_stage_capacity_mw"] = _by_country_technology(res_h, built)
    res_h["build_stage_capacity_mw"].attrs = {
        "units": "MW",
        "description": "Capacity the build stage chose on representative periods (storage: "
        "power), by country and technology; peak top-ups apart.",
    }
    res_h["build_stage_peak_topup_mw"] = _by_country_technology(res_h, topups).rename(
        build_technology="peak_technology"
    )
    res_h["build_stage_peak_topup_mw"].attrs = {
        "units": "MW",
        "description": "New gas OCGT (oil engines without gas) added by the peak check after "
        "the hourly dispatch left these countries unserved (a rule: peak unserved MW over "
        "availability).",
    }
    links = [b for b in state.built if b["kind"] == "link"]
    res_h.attrs["build_stage"] = (
        f"two-stage: built on {res_b.attrs.get('time_resolution', 'representative periods')} "
        f"(objective {float(res_b.attrs['objective_usd']) / 1e9:.3f} bn USD), then dispatched "
        f"hourly; {sum(b['capacity_mw'] for b in built):,.0f} MW of generation and storage and "
        f"{sum(b['capacity_mw'] for b in links):,.0f} MW of corridors built, "
        f"{sum(r['capacity_mw'] for r in topups):,.0f} MW of peak top-ups "
        "(OCGT, oil engines without gas)"
    )
    res_h.attrs["build_stage_objective_usd"] = float(res_b.attrs["objective_usd"])
    res_h.attrs["build_stage_investment_usd"] = float(inv.sum())


def solve_two_stage(s, workers: int | None = None, say=None) -> tuple[xr.Dataset, xr.Dataset]:
    """Solve a scenario with ``expansion.dispatch: hourly``: build on its representative
    periods, dispatch hourly, top up peaks (see the module docstring).

    Returns the hourly results (with the build stage attached) and stage 1's results.
    """
    from .data.tables import read_tables
    from .pipeline import solve_scenario
    from .scenario import load_scenario

    say = say or (lambda msg: None)
    ds_b = load_scenario(s)
    res_b = solve_scenario(s, ds_b, workers=workers)
    say(f"    build stage solved: {res_b.attrs['objective_usd'] / 1e9:.2f} bn USD")
    state = record_step(PathwayState(), ds_b, res_b, s.year)
    s_h = dispatch_scenario(s)
    tables = read_tables(s.dataset)[0]
    rate = s.expansion.discount_rate

    def priced(kind: str) -> tuple[float, float, float]:
        return _priced_from_tables(tables, s.year, kind, rate)

    topups: list[dict] = []
    for round_ in range(PEAK_ROUNDS + 1):
        st = PathwayState(built=state.built + topups, retired_early=state.retired_early)
        # a round the peak check repeats is not the answer: only the last one's warnings count
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res_h = solve_scenario(s_h, load_scenario(s_h, state=st), workers=workers)
        new = peak_topups(ds_b, res_h, s.year, priced) if round_ < PEAK_ROUNDS else []
        if not new:
            for w in caught:
                warnings.warn(w.message, w.category, stacklevel=2)
            break
        mw = sum(r["capacity_mw"] for r in new)
        say(f"    peak check {round_ + 1}: +{mw:,.0f} MW peak top-ups")
        topups = _merge(topups, new)
    attach_build_stage(res_h, res_b, state, topups)
    return res_h, res_b


def _merge(old: list[dict], new: list[dict]) -> list[dict]:
    """Top-ups of one more round added to those of earlier rounds, one record per node."""
    by = {r["id"]: dict(r) for r in old}
    for r in new:
        if r["id"] in by:
            by[r["id"]]["capacity_mw"] += r["capacity_mw"]
            by[r["id"]]["annual_cost_usd"] += r["annual_cost_usd"]
        else:
            by[r["id"]] = dict(r)
    return list(by.values())

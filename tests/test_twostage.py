"""Two-stage planning (aseangrid.twostage): build on typical days, dispatch the builds hourly."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from pydantic import ValidationError

from aseangrid.compare.stack import METRICS
from aseangrid.scenario import Scenario
from aseangrid.twostage import _merge, peak_topups, solve_two_stage

HOURS = 336


@pytest.fixture(scope="module")
def brunei():
    """Brunei 2035 under a tight cap over two weeks: the build stage on 2 typical days must
    build clean capacity, the hourly stage dispatches it."""
    s = Scenario.model_validate(
        dict(
            countries=["BRN"],
            year=2035,
            hours=HOURS,
            time_resolution=dict(representative_periods=2),
            expansion=dict(dispatch="hourly", no_new_coal_from=2025),
            carbon_caps={"BN": dict(countries=["BRN"], mt=1.0)},  # annual, scaled to the horizon
        )
    )
    return solve_two_stage(s)


def test_the_hourly_stage_dispatches_exactly_what_the_build_stage_built(brunei):
    res, res_b = brunei
    new = res_b["capacity_new_mw"].to_series()
    built = new[new >= 0.1]
    assert len(built), "the cap should make the build stage build something"
    assert res.sizes["time"] == HOURS and res_b.sizes["time"] == 2 * 24
    assert "capacity_new_mw" not in res  # nothing left to build in the dispatch stage
    rows = [str(r) for r in res["generator_rows"].values]  # identical rows are merged
    for name, mw in built.items():
        row = name.replace("_new_", "_built_")
        (i,) = [k for k, ids in enumerate(rows) if row in ids.split(";") or row == ids]
        others = [x for x in rows[i].split(";") if x != row]
        # a built row merged with existing rows of the same node and technology adds to them
        base = float(res_b["capacity_mw"].sel(generator=others).sum()) if others else 0.0
        got = float(res["capacity_mw"].values[i]) - base
        assert got == pytest.approx(mw, rel=1e-6), name


def test_the_build_stage_investment_is_its_annuities_over_the_same_horizon(brunei):
    res, res_b = brunei
    # both stages cover the same two weeks: the typical days' weights sum to HOURS
    assert res.attrs["horizon_share"] == pytest.approx(HOURS / 8760)
    assert res_b.attrs["horizon_share"] == pytest.approx(HOURS / 8760)
    cc = res_b["cost_country_usd"].sel(country="BRN")
    want = float(cc.sel(cost_component="investment") + cc.sel(cost_component="fixed_om_saved"))
    assert want > 0
    topups = float(res["build_stage_peak_topup_mw"].sum())
    if topups == 0:
        got = float(res["build_stage_investment_country_usd"].sel(country="BRN"))
        assert got == pytest.approx(want, rel=1e-9)
    # the dispatch LP's own cost has no investment; the comparison adds the build stage's
    assert float(res["cost_usd"].sel(cost_component="investment")) == 0.0
    m = {x.name: x for x in METRICS}
    headline = m["cost_excl_voll_penalty_usd"].read(res)
    plain = (
        float(res["cost_usd"].sum())
        - float(res["cost_usd"].sel(cost_component="policy_penalty"))
        - float(res["cost_usd"].sel(cost_component="unserved_energy"))
    )
    assert headline == pytest.approx(plain + float(res["build_stage_investment_country_usd"].sum()))
    by_comp = m["cost_usd"].read(res)
    comps = res["cost_usd"]["cost_component"].values.tolist()
    assert by_comp[comps.index("investment")] == pytest.approx(
        float(res["build_stage_investment_country_usd"].sum())
    )
    assert "two-stage" in res.attrs["build_stage"]


def test_the_hourly_stage_serves_the_load_and_reports_what_the_typical_days_missed(brunei):
    """Typical days cannot see every hour: the hourly year may miss a cap the build stage met.
    Whatever it misses is reported (breach, excess), never hidden."""
    res, res_b = brunei
    assert float(res["unserved_twh"].sum()) < 1e-6
    assert float(res_b["carbon_cap_excess_t"].sum()) < 1e-3
    cap_t = 1e6 * HOURS / 8760
    emitted = float(res["emissions_country_t"].sel(country="BRN"))
    excess = float(res["carbon_cap_excess_t"].sum())
    assert excess == pytest.approx(max(0.0, emitted - cap_t), abs=1e-3)
    if excess > 1e-3:
        assert "carbon cap BN missed" in res.attrs["policy_breaches"]


def test_a_run_file_solves_a_two_stage_pair_and_compares_with_the_build_annuities(tmp_path):
    """Through the runner: both topologies written with their build stage beside them, the
    comparison's investment is the build stages' annuities."""
    import textwrap

    from aseangrid.runner import load_results, run

    rf = tmp_path / "two.yaml"
    rf.write_text(
        textwrap.dedent("""
        description: two-stage pair
        defaults:
          countries: [BRN]
          year: 2035
          hours: 168
          time_resolution: {representative_periods: 2}
          expansion: {dispatch: hourly, no_new_coal_from: 2025}
          carbon_caps: {BN: {countries: [BRN], mt: 1.0}}
        scenarios:
          a: {}
          b: {carbon_caps: {BN: {countries: [BRN], mt: 0.8}}}
        comparisons:
          tighter: {reference: a, scenarios: [b]}
        """)
    )
    out = run(rf, jobs=1, progress=lambda m: None)
    for p in ("a/results.nc", "a/build-stage/results.nc", "b/build-stage/results.nc"):
        assert (out / p).is_file(), p
    cmp = load_results(out / "tighter" / "comparison.nc")
    for sc in ("a", "b"):
        res = load_results(out / sc / "results.nc")
        inv = float(res["build_stage_investment_country_usd"].sum())
        assert float(cmp["build_stage_investment_usd"].sel(scenario=sc)) == pytest.approx(inv)
        comps = [str(k) for k in cmp["cost_component"].values]
        got = float(cmp["cost_usd"].sel(scenario=sc).values[comps.index("investment")])
        assert got == pytest.approx(inv)


def _toy(unserved_mw: dict[str, list[float]]) -> tuple[xr.Dataset, xr.Dataset]:
    nodes = list(unserved_mw)
    ds_b = xr.Dataset(
        {
            "generator_technology": ("generator", ["gas_ocgt", "solar_pv"]),
            "generator_node": ("generator", ["A", "B"]),
            "availability_pu": (("time", "generator"), [[0.9, 0.2], [0.9, 0.5]]),
            "annual_cost_usd_per_mw": ("generator", [60_000.0, 50_000.0]),
            "lifetime_yr": ("generator", [30.0, 25.0]),
        }
    )
    res = xr.Dataset(
        {"unserved_mw": (("time", "node"), np.array([unserved_mw[n] for n in nodes]).T)},
        coords={"node": nodes},
    )
    return ds_b, res


def test_a_peak_top_up_is_the_peak_unserved_power_over_availability_rounded_up():
    """A: peak 95 MW unserved, OCGT availability 0.9 -> 95 / 0.9 = 105.6 -> 110 MW at
    60,000 USD/MW-yr = 6.6 M USD/yr; B: its own candidate missing, priced as A's OCGT;
    C: below 1 MW, no top-up."""
    ds_b, res = _toy({"A": [95.0, 40.0], "B": [0.0, 12.0], "C": [0.5, 0.0]})
    out = {r["node"]: r for r in peak_topups(ds_b, res, 2035)}
    assert set(out) == {"A", "B"}
    assert out["A"]["capacity_mw"] == 110.0
    assert out["A"]["annual_cost_usd"] == pytest.approx(110.0 * 60_000.0)
    assert out["A"]["technology"] == "gas_ocgt" and out["A"]["lifetime_yr"] == 30.0
    assert out["B"]["capacity_mw"] == 20.0  # 12 / 0.9 = 13.3 -> 20
    merged = _merge(list(out.values()), [dict(out["A"])])
    a = next(r for r in merged if r["node"] == "A")
    assert a["capacity_mw"] == 220.0 and len(merged) == 2


def test_hourly_dispatch_needs_typical_days_and_no_pathway():
    with pytest.raises(ValidationError, match="representative_periods"):
        Scenario.model_validate(dict(year=2035, expansion=dict(dispatch="hourly")))
    with pytest.raises(ValidationError, match="pathway"):
        Scenario.model_validate(
            dict(
                time_resolution=dict(representative_periods=4),
                expansion=dict(dispatch="hourly"),
                pathway=dict(years=[2030, 2035]),
            )
        )


def test_a_country_without_gas_is_topped_up_with_oil_engines_priced_from_the_tables():
    """Laos burns no gas (no gas generator, no gas price): its top-up is oil engines. With no
    oil candidate in stage 1 they are priced from the tables: capex 910 USD/kW, FOM 9.1
    USD/kW-yr, 25 years at 10 %: crf = 0.1 / (1 - 1.1^-25) = 0.110168, 1000 x (0.110168 x 910
    + 9.1) = 109,353 USD/MW-yr; availability 0.9, so 95 MW unserved -> 110 MW. Thailand keeps
    OCGT, priced by its candidate."""
    from aseangrid.data.tables import read_tables
    from aseangrid.twostage import _priced_from_tables, peak_technology
    from conftest import SHIPPED

    ds_b = xr.Dataset(
        {
            "generator_technology": ("generator", ["gas_ocgt", "hydro_reservoir"]),
            "generator_node": ("generator", ["TH-N", "LA"]),
            "availability_pu": (("time", "generator"), [[0.9, 0.5], [0.9, 0.5]]),
            "annual_cost_usd_per_mw": ("generator", [60_000.0, 0.0]),
            "lifetime_yr": ("generator", [30.0, 60.0]),
        },
        coords={
            "node": ["TH-N", "LA"],
            "node_country": ("node", ["THA", "LAO"]),
            "generator_country": ("generator", ["THA", "LAO"]),
        },
    )
    assert peak_technology(ds_b, "LA") == "oil" and peak_technology(ds_b, "TH-N") == "gas_ocgt"
    tables = read_tables(SHIPPED)[0]
    k, life, avail = _priced_from_tables(tables, 2035, "oil", 0.10)
    assert k == pytest.approx(1000 * (0.1 / (1 - 1.1**-25) * 910 + 9.1), rel=1e-9)
    assert k == pytest.approx(109_353, abs=1) and life == 25 and avail == 0.9
    res = xr.Dataset(
        {"unserved_mw": (("time", "node"), [[95.0, 95.0], [0.0, 0.0]])},
        coords={"node": ["TH-N", "LA"]},
    )
    out = {
        r["node"]: r
        for r in peak_topups(
            ds_b, res, 2035, lambda kind: _priced_from_tables(tables, 2035, kind, 0.10)
        )
    }
    assert out["LA"]["technology"] == "oil" and out["LA"]["id"] == "LA_oil_peak_topup_2035"
    assert out["LA"]["capacity_mw"] == 110.0
    assert out["LA"]["annual_cost_usd"] == pytest.approx(110.0 * k)
    assert out["TH-N"]["technology"] == "gas_ocgt"
    assert out["TH-N"]["annual_cost_usd"] == pytest.approx(110.0 * 60_000.0)
    with pytest.raises(ValueError, match="no oil candidate"):
        peak_topups(ds_b, res, 2035)

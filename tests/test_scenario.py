"""Scenarios, contracts along a path and consumption-based emissions (flow tracing)."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

import aseangrid as ag
from aseangrid.scenario import Scenario, apply, load_run, load_scenario
from conftest import make_ds
from test_io import write_tiny


def test_flow_tracing_by_hand():
    """A (Laos): coal 1.0 t/MWh serves its 50 MW and exports 50 MW over a link with 10 %
    losses; B (Thailand) burns gas (0.4 t/MWh) for the rest of its 100 MW: gas 55 MW.
    Pool at B: (55*0.4 + 50*1.0) t / (55 + 45) MWh = 0.72 t/MWh. Consumption-based: A 50 t,
    B 72 t; production-based: A 100 t, B 22 t; both total 122 t."""
    ds = make_ds(
        {"A": [50.0], "B": [100.0]},
        generators=[
            dict(node="A", capacity_mw=100, cost=10, ef=1.0, technology="coal"),
            dict(node="B", capacity_mw=200, cost=50, ef=0.4),
        ],
        links=[dict(a="A", b="B", fwd=50, bwd=50, loss=0.1)],
        country_of={"A": "LAO", "B": "THA"},
    )
    res = ag.solve(ds)
    cons = res["emissions_consumption_country_t"]
    prod = res["emissions_country_t"]
    assert float(cons.sel(country="LAO")) == pytest.approx(50, rel=1e-6)
    assert float(cons.sel(country="THA")) == pytest.approx(72, rel=1e-6)
    assert float(prod.sel(country="LAO")) == pytest.approx(100, rel=1e-6)
    assert float(cons.sum()) == pytest.approx(float(prod.sum()), rel=1e-9)
    np.testing.assert_allclose(
        res["consumption_intensity_t_per_mwh"].values[0], [1.0, 0.72], rtol=1e-6
    )


def test_flow_tracing_conserves_on_a_meshed_case():
    from test_lp_invariants import three_node_case

    ds = three_node_case()
    res = ag.solve(ds)
    assert float(res["emissions_consumption_country_t"].sum()) == pytest.approx(
        float(res["emissions_t"].sum()), rel=1e-6
    )


def contract_case(charge: float = 5.0):
    ds = make_ds(
        {"A": [50.0] * 4, "B": [100.0] * 4, "C": [80.0] * 4},
        generators=[
            dict(node="A", capacity_mw=300, cost=5, technology="hydro_ror", renewable=True),
            dict(node="B", capacity_mw=300, cost=40, ef=0.4),
            dict(node="C", capacity_mw=300, cost=60, ef=0.4),
        ],
        links=[
            dict(name="AB", a="A", b="B", fwd=100, bwd=100, loss=0.02),
            dict(name="BC", a="B", b="C", fwd=60, bwd=60, loss=0.01),
        ],
        country_of={"A": "LAO", "B": "THA", "C": "SGP"},
    )
    s = Scenario(
        contracts={
            "ltms": dict(
                seller="A",
                buyer="C",
                path=["A", "B", "C"],
                mw=20.0,
                wheeling_usd_per_mwh={"THA": charge},
            )
        }
    )
    return ds, apply(ds, s)


def test_contract_pays_wheeling_to_the_transit_country():
    """20 MW delivered for 4 h = 80 MWh; Thailand earns 80 * 5 = 400 USD; the path links
    keep 20 MW less for the optimised flows; the seller sends 20 / (0.98 * 0.99) MW."""
    _, ds = contract_case()
    res = ag.solve(ds)
    rev = res["contract_wheeling_revenue_usd"].sel(contract="ltms")
    assert float(rev.sel(country="THA")) == pytest.approx(400)
    assert float(rev.drop_sel(country="THA").sum()) == 0
    assert float(res["contract_delivered_twh"].sum()) * 1e6 == pytest.approx(80)
    assert float(ds["link_capacity_forward_mw"].sel(link="BC")) == pytest.approx(40)
    assert float(ds["contract_loss_fraction"][0]) == pytest.approx(1 - 0.98 * 0.99)
    # the wheeling paid by the buyer is in the costs and the objective
    assert float(res["cost_country_usd"].sel(country="SGP", cost_component="wheeling")) >= 400
    # the contract's energy is traced from A to C
    assert float(res["emissions_consumption_country_t"].sum()) == pytest.approx(
        float(res["emissions_t"].sum()), rel=1e-6
    )


def test_contract_cost_rises_by_the_charge():
    _, ds0 = contract_case(charge=0.0)
    _, ds5 = contract_case(charge=5.0)
    assert ag.solve(ds5).attrs["objective_usd"] == pytest.approx(
        ag.solve(ds0).attrs["objective_usd"] + 400, rel=1e-9
    )


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    data = write_tiny(folder / "tiny")
    return folder, data


def write_run(folder, text: str):
    p = folder / "run.yaml"
    p.write_text(textwrap.dedent(text))
    return p


def test_isolated_means_no_cross_border_flow_and_integration_never_costs_more(tiny_run):
    folder, data = tiny_run
    p = write_run(
        folder,
        f"""
        defaults: {{dataset: {data}, year: 2030, hours: 168}}
        scenarios:
          integrated: {{}}
          isolated: {{topology: isolated}}
        comparisons:
          main: {{reference: isolated, scenarios: [integrated]}}
    """,
    )
    _, scen = load_run(p)
    integ = ag.solve(load_scenario(scen["integrated"]))
    iso_ds = load_scenario(scen["isolated"])
    iso = ag.solve(iso_ds)
    cross = iso_ds["link_cross_border"].values.astype(bool)
    assert float(iso["flow_forward_mw"].values[:, cross].sum()) == 0
    assert float(iso["flow_backward_mw"].values[:, cross].sum()) == 0
    assert integ.attrs["objective_usd"] <= iso.attrs["objective_usd"] * (1 + 1e-9)


@pytest.mark.parametrize(
    "body,expect",
    [
        ("scenarios: {a: {yeer: 2030}}", ["scenarios.a.yeer", "did you mean 'year'"]),
        ("scenarios: {a: {year: twenty}}", ["scenarios.a.year", "integer"]),
        ("scenarios: {a: {year: 2031}}", ["not a model year"]),
        ("scenarios: {a: {topology: islanded}}", ["topology", "islanded"]),
        ("scenarios: {a: {carbon_price_usd_per_t: {SGX: 10}}}", ["SGX", "did you mean 'SGP'"]),
        (
            "scenarios: {a: {link_capacity_mw: {MY-PEN_SG_existin: 10}}}",
            ["link_capacity_mw", "did you mean 'MY-PEN_SG_existing'"],
        ),
        ("scenarios: {a: {carbon_caps: {x: {countries: [THA, XYZ], mt: 5}}}}", ["XYZ"]),
        (
            "scenarios: {a: {}}\ncomparisons: {c: {reference: b, scenarios: [a]}}",
            ["comparisons.c", "'b'", "a scenario defined"],
        ),
        (
            "scenarios: {a: {topology: isolated, contracts: {k: {seller: LA, buyer: SG, "
            "path: [LA, TH-N, SG], mw: 10}}}}",
            ["impossible combination"],
        ),
        (
            "scenarios: {a: {contracts: {k: {seller: LA, buyer: SG, path: [LA, TH-X, SG], "
            "mw: 10}}}}",
            ["TH-X", "a node of nodes.csv"],
        ),
        ("scenarios: {a: {renewable_share_min: {THA: 35}}}", ["fraction between 0 and 1"]),
        ("scenarios: [1, 2]", ["scenarios"]),
        ("scenarios: {a: {year: 2030}\n  b: [", ["yaml"]),
    ],
)
def test_run_file_errors_are_named(tmp_path, shipped_path, body, expect):
    p = tmp_path / "bad.yaml"
    p.write_text(f"defaults: {{dataset: {shipped_path}}}\n" + body)
    with pytest.raises(ag.InputError) as e:
        load_run(p)
    msg = str(e.value)
    assert "bad.yaml" in msg
    for piece in expect:
        assert piece in msg, (piece, msg)


def test_scenario_transforms(tiny_run):
    _, data = tiny_run
    base = ag.load_inputs(data, year=2030)
    s = Scenario(
        dataset=str(data),
        year=2030,
        demand_scale={"THA": 1.1},
        fuel_price_scale={"gas": 2.0},
        carbon_price_usd_per_t={"ASEAN": 30.0},
        carbon_caps={"ASEAN": dict(countries="ASEAN", mt=1.0)},
        renewable_share_min={"LAO": None},
        dataset_policies=True,
    )
    ds = apply(base, s)
    x1 = list(ds["node"].values).index("X1")
    assert float(ds["demand_twh"][x1]) == pytest.approx(1.1 * float(base["demand_twh"][x1]))
    gas = list(ds["generator"].values).index("X1_gas")
    assert float(ds["fuel_price_usd_per_gj"][gas]) == pytest.approx(10.0)
    assert float(ds["marginal_cost_usd_per_mwh"][gas]) == pytest.approx(10 * 3.6 / 0.55 + 2.0)
    assert (ds["carbon_price_usd_per_t"].values == 30.0).all()
    assert float(ds["carbon_cap_mt"].sel(carbon_cap="ASEAN")) == 1.0
    assert np.isnan(ds["renewable_share_min"].sel(country="LAO"))
    assert ds["carbon_cap_member"].sel(carbon_cap="ASEAN").values.all()
    # the original Dataset is untouched
    assert float(base["marginal_cost_usd_per_mwh"][gas]) == pytest.approx(5 * 3.6 / 0.55 + 2.0)
    dropped = apply(base, Scenario(dataset=str(data), year=2030, dataset_policies=False))
    assert dropped.sizes["carbon_cap"] == 0 and (dropped["carbon_price_usd_per_t"] == 0).all()


def test_contract_energy_counts_as_trade():
    """The 80 MWh delivered to C (Singapore) are imports of SGP and exports of LAO (sent
    before losses: 80 / (0.98 * 0.99))."""
    _, ds = contract_case()
    res = ag.solve(ds)
    sent = 80 / (0.98 * 0.99)
    assert float(res["imports_twh"].sel(country="SGP")) * 1e6 >= 80 - 1e-6
    assert float(res["exports_twh"].sel(country="LAO")) * 1e6 >= sent - 1e-6
    without = ag.solve(contract_case(charge=5.0)[0])  # same network, no contract
    assert float(res["imports_twh"].sel(country="SGP")) > float(
        without["imports_twh"].sel(country="SGP")
    )


def test_disconnected_countries_cut_their_grids_links_only():
    """The regional market without Viet Nam and Indonesia: every cross-border link of their
    grids at zero, every other link as it was; Singapore's dedicated Riau projects (a node
    without load) keep their cables."""
    from conftest import SHIPPED

    base = load_scenario(Scenario(dataset=str(SHIPPED), year=2030, hours=24))
    cut = load_scenario(
        Scenario(dataset=str(SHIPPED), year=2030, hours=24, disconnected_countries=["VNM", "IDN"])
    )
    country = dict(
        zip(base["node"].values.tolist(), base["node_country"].values.tolist(), strict=True)
    )
    for i, lk in enumerate(base["link"].values.tolist()):
        a, b = str(base["link_from"].values[i]), str(base["link_to"].values[i])
        ends = {country[a], country[b]}
        grid = (ends & {"VNM", "IDN"}) and a not in ("ID-RIAU", "VN-SG") and len(ends) == 2
        for v in ("link_capacity_forward_mw", "link_capacity_backward_mw"):
            want = 0.0 if grid else float(base[v].values[i])
            assert float(cut[v].values[i]) == want, (lk, v)
    assert float(cut["link_capacity_forward_mw"].sel(link="LA-EVN_VN-C_2030")) == 0.0
    assert float(cut["link_capacity_forward_mw"].sel(link="ID-RIAU_SG_singa")) == 1000.0
    with pytest.raises(ValueError, match="unknown country 'VN'"):
        Scenario(disconnected_countries=["VN"])


def test_the_dispatch_only_variant_has_no_fallback_capacity():
    from conftest import SHIPPED

    def capacity(**kw):
        ds = load_scenario(Scenario(dataset=str(SHIPPED), year=2030, hours=24, **kw))
        rows = ds["generator_rows"].values.tolist()
        return ds, {c: float(ds["capacity_mw"].values[i]) for i, c in enumerate(rows)}

    ds, with_fb = capacity()
    ds_no, without = capacity(isolated_fallback=False)
    fb = [r for r in with_fb if "_isolated_fallback" in r]
    assert fb  # Cambodia's OCGT, and the Visayas' engines merged with the committed oil rows
    assert not [r for r in without if "_isolated_fallback" in r]
    kh = "KH_gas_ocgt_isolated_fallback"
    assert with_fb[kh] == 2845.0 and kh not in without
    total = float(ds["capacity_mw"].sum()) - float(ds_no["capacity_mw"].sum())
    assert total == pytest.approx(2845.0 + 600.0)  # generators.csv: 2,845 MW and 600 MW

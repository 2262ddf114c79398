"""The shipped dataset: completeness, calibration to published demand, provenance, and short
solves on real data (full-year solves live in benchmarks/ and the main job)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import aseangrid as ag
from aseangrid.data import schema as sc


@pytest.fixture(scope="module")
def years(shipped_path):
    return {y: ag.load_inputs(shipped_path, year=y) for y in (2024, 2030, 2050)}


def test_every_year_loads_with_the_node_set(years):
    for y, ds in years.items():
        assert ds.sizes["node"] >= 20, y
        assert ds.sizes["time"] == 8760
        assert set(ds["node_country"].values) == set(sc.COUNTRIES)
    nodes = set(years[2024]["node"].values)
    for n in (
        "LA",
        "TH-N",
        "TH-C",
        "TH-S",
        "MY-PEN",
        "MY-SWK",
        "MY-SBH",
        "SG",
        "ID-JAMALI",
        "ID-SUM",
        "ID-KAL",
        "ID-SUL",
        "VN-N",
        "VN-C",
        "VN-S",
        "KH",
        "MM",
        "PH-LUZ",
        "PH-VIS",
        "PH-MIN",
        "BN",
    ):
        assert n in nodes, n


def test_every_technology_is_present(shipped_path, years):
    gens = pd.read_csv(shipped_path / "generators.csv")
    stor = pd.read_csv(shipped_path / "storage.csv")
    assert set(sc.GENERATION_TECHNOLOGIES) <= set(gens["technology"])
    assert set(sc.STORAGE_TECHNOLOGIES) <= set(stor["technology"])
    for y in (2024, 2030, 2050):
        assert set(years[y]["generator_technology"].values) == set(sc.GENERATION_TECHNOLOGIES)


def test_base_year_demand_matches_ember(shipped_path, years):
    targets = pd.read_csv(shipped_path / "calibration_targets.csv").query("metric == 'demand'")
    ds = years[2024]
    for _, t in targets.iterrows():
        model = float(ds["demand_twh"].values[ds["node_country"].values == t["country"]].sum())
        assert model == pytest.approx(t["value"], rel=0.02), t["country"]
        hourly = (
            float(ds["demand_mw"].values[:, ds["node_country"].values == t["country"]].sum()) / 1e6
        )
        assert hourly == pytest.approx(t["value"], rel=0.02), t["country"]


def test_lao_export_plants_reach_only_thailand(years):
    for ds in years.values():
        touch = (ds["link_from"].values == "LA-EGAT") | (ds["link_to"].values == "LA-EGAT")
        others = set(ds["link_from"].values[touch]) | set(ds["link_to"].values[touch])
        assert others <= {"LA-EGAT", "TH-N", "TH-C"}
        assert float(ds["demand_twh"].sel(node="LA-EGAT")) == 0


def test_lao_evn_plants_reach_only_viet_nam(years):
    """LA-EVN (the Lao IPPs under EVN PPAs) has no load and one-way lines to VN-C only, each
    sized to its plants: 692 MW (Xekaman 1 290 + Xanxay 32 + Xekaman 3 250 + Nam Kong 2 66 +
    Nam Kong 3 54) in 2024, plus Nam Emoun 129, Monsoon wind 600, the EVN-PPA hydro 1,060 and
    the export-target 2,160 MW by 2030 = 4,641 MW; the Lao domestic grid LA has no tie to Viet
    Nam. In 2024 the reservoir plants run on their group's design/PPA energy: (Xekaman 1
    1,096.56 + Xekaman 3 1,000.3 + Nam Kong 2/3 and Nam Emoun 894 GWh) / (789 MW x 8,760 h) =
    0.433, so 660 MW x 0.433 x 8,760 h = 2.503 TWh of inflow; run-of-river Xanxay 131.2 GWh
    (annual_cf 0.468 delivered, hydro.csv)."""
    for y, want_mw in ((2024, 692.0), (2030, 4641.0), (2050, 4641.0)):
        ds = years[y]
        frm, to = ds["link_from"].values, ds["link_to"].values
        touch = (frm == "LA-EVN") | (to == "LA-EVN")
        assert set(frm[touch]) == {"LA-EVN"} and set(to[touch]) == {"VN-C"}, y
        assert float(ds["link_capacity_backward_mw"].values[touch].sum()) == 0, y
        assert float(ds["link_capacity_forward_mw"].values[touch].sum()) == want_mw, y
        evn = ds["generator_node"].values == "LA-EVN"
        assert float(ds["capacity_mw"].values[evn].sum()) == pytest.approx(want_mw), y
        assert float(ds["demand_twh"].sel(node="LA-EVN")) == 0, y
        vn = np.isin(to, ["VN-N", "VN-C", "VN-S"]) | np.isin(frm, ["VN-N", "VN-C", "VN-S"])
        assert not (vn & ((frm == "LA") | (to == "LA"))).any(), y
    ds = years[2024]
    evn = ds["generator_node"].values == "LA-EVN"
    inflow_twh = float(ds["hydro_inflow_mw"].values[:, evn].sum()) / 1e6
    assert inflow_twh == pytest.approx(2.503, rel=0.002)
    ror = evn & (ds["capacity_mw"].values == 32.0)
    ror_twh = float((ds["availability_pu"].values[:, ror] * 32.0).sum()) / 1e6
    assert ror_twh == pytest.approx(0.1312, rel=0.002)


def test_cambodia_and_viet_nam_licences_are_dedicated_export_nodes(years):
    """Singapore's Cambodian and Vietnamese licences sit at export-only nodes without load, as
    ID-RIAU: KH-SG (Keppel, 1,000 MW export from 2032: 4,000 MWp x 0.85 = 3,400 MWac of PV and
    a Bulan-ratio battery 1000 x 500/600 = 833.3 MW, 4 h = 3,333.3 MWh) and VN-SG
    (Sembcorp-PTSC, 1,200 MW export from 2033: 2,300 MW offshore wind, 500 MW / 2,000 MWh
    battery), each with one one-way link to SG only; Cambodia's and Viet Nam's grids have no
    link to Singapore."""
    want = {
        "KH-SG": ("solar_pv", 3400.0, 833.3, 3333.3, 1000.0),
        "VN-SG": ("wind_offshore", 2300.0, 500.0, 2000.0, 1200.0),
    }
    for y, ds in years.items():
        frm, to = ds["link_from"].values, ds["link_to"].values
        grids = ["KH", "VN-N", "VN-C", "VN-S"]
        assert not (
            (np.isin(frm, grids) & (to == "SG")) | (np.isin(to, grids) & (frm == "SG"))
        ).any()
        for node, (tech, gen_mw, sto_mw, sto_mwh, link_mw) in want.items():
            assert float(ds["demand_twh"].sel(node=node)) == 0, (y, node)
            touch = (frm == node) | (to == node)
            gen = ds["generator_node"].values == node
            sto = ds["storage_node"].values == node
            if y < 2032:  # not yet commissioned (COD 2032 / 2033)
                assert not touch.any() and not gen.any() and not sto.any(), (y, node)
                continue
            assert set(frm[touch]) == {node} and set(to[touch]) == {"SG"}, (y, node)
            assert float(ds["link_capacity_forward_mw"].values[touch].sum()) == link_mw
            assert float(ds["link_capacity_backward_mw"].values[touch].sum()) == 0
            assert set(ds["generator_technology"].values[gen]) == {tech}, (y, node)
            assert float(ds["capacity_mw"].values[gen].sum()) == pytest.approx(gen_mw)
            assert float(ds["storage_power_mw"].values[sto].sum()) == pytest.approx(sto_mw)
            assert float(ds["storage_energy_mwh"].values[sto].sum()) == pytest.approx(sto_mwh)


def test_disconnecting_cambodia_and_viet_nam_keeps_singapores_dedicated_cables(shipped_path):
    """KH-SG and VN-SG have no load, so they are not their countries' grids: cutting KHM and
    VNM off the regional market (2035) keeps KH-SG_SG 1,000 MW and VN-SG_SG 1,200 MW, while the
    Cambodian and Vietnamese grids' cross-border links go to zero."""
    from aseangrid.scenario import Scenario, load_scenario

    s = Scenario(
        dataset=str(shipped_path), year=2035, hours=24, disconnected_countries=["KHM", "VNM"]
    )
    cut = load_scenario(s)
    assert float(cut["link_capacity_forward_mw"].sel(link="KH-SG_SG")) == 1000.0
    assert float(cut["link_capacity_forward_mw"].sel(link="VN-SG_SG")) == 1200.0
    grid = np.isin(cut["link_from"].values, ["KH", "VN-S"]) & cut["link_cross_border"].values
    assert grid.any() and float(cut["link_capacity_forward_mw"].values[grid].sum()) == 0.0


def test_existing_interconnectors_are_in_the_base_year(years):
    ds = years[2024]
    pairs = {
        frozenset((a, b)) for a, b in zip(ds["link_from"].values, ds["link_to"].values, strict=True)
    }
    for a, b in (
        ("LA-EGAT", "TH-N"),
        ("TH-S", "MY-PEN"),
        ("MY-PEN", "SG"),
        ("MY-SWK", "ID-KAL"),
        ("LA-EVN", "VN-C"),
        ("LA", "KH"),
        ("PH-LUZ", "PH-VIS"),
        ("PH-VIS", "PH-MIN"),
    ):
        assert frozenset((a, b)) in pairs, (a, b)
    assert ds["link_cross_border"].values.sum() >= 8


def test_choosing_a_year_chooses_the_grid(years):
    assert years[2030].sizes["link"] > years[2024].sizes["link"]
    assert float(years[2050]["capacity_mw"].sum()) > float(years[2024]["capacity_mw"].sum())
    assert "MY-PEN_SG_2030" in years[2030]["link"].values
    assert "MY-PEN_SG_2030" not in years[2024]["link"].values


@pytest.mark.parametrize("name", [t.name for t in sc.TABLES])
def test_every_row_has_a_source(shipped_path, name):
    df = pd.read_csv(shipped_path / f"{name}.csv", keep_default_na=False)
    assert (df["source"].str.strip().str.len() > 10).all(), name


def test_profile_targets_and_calibration_targets_have_sources(shipped_path):
    for f in ("profile_targets.csv", "calibration_targets.csv"):
        df = pd.read_csv(shipped_path / f, keep_default_na=False)
        assert (df["source"].str.len() > 10).all(), f


def test_dry_year_cuts_lao_hydro(shipped_path, years):
    dry = ag.load_inputs(shipped_path, year=2024, hydrology="dry")
    la = years[2024]["generator_node"].values == "LA-EGAT"
    normal = float(years[2024]["hydro_inflow_mw"].values[:, la].sum())
    assert float(dry["hydro_inflow_mw"].values[:, la].sum()) < 0.9 * normal


@pytest.mark.parametrize("year", [2024, 2030])
def test_short_solve_on_shipped_data_verifies(years, year):
    ds = years[year].isel(time=slice(0, 48))
    res = ag.solve(ds)
    assert res.attrs["verified"] == 1
    assert float(res["emissions_consumption_country_t"].sum()) == pytest.approx(
        float(res["emissions_t"].sum()), rel=1e-6
    )
    prices = res["price_usd_per_mwh"].values
    assert np.isfinite(prices).all()


def test_isolated_shipped_grid_has_no_cross_border_flow(years):
    from aseangrid.scenario import Scenario, apply

    ds = apply(years[2030], Scenario(year=2030, topology="isolated")).isel(time=slice(0, 24))
    res = ag.solve(ds)
    cross = ds["link_cross_border"].values.astype(bool)
    assert float(res["flow_forward_mw"].values[:, cross].sum()) == 0
    assert float(res["flow_backward_mw"].values[:, cross].sum()) == 0


RUN_FILES = sorted(
    p.stem
    for p in (Path(__file__).resolve().parents[1] / "runs").glob("*.yaml")
    if not p.stem.startswith("ensemble-")  # ensemble files: tests/test_ensemble.py
)


@pytest.mark.parametrize("run_file", RUN_FILES)
def test_shipped_run_files_validate(run_file, shipped_path):
    from aseangrid.scenario import load_run

    runfile, scen = load_run(shipped_path.parents[1] / "runs" / f"{run_file}.yaml")
    assert runfile.description and scen
    assert all(c.reference in scen for c in runfile.comparisons.values())


def test_link_override_keeps_one_way_links_one_way(years):
    from aseangrid.scenario import Scenario, apply

    ds = apply(years[2030], Scenario(year=2030, link_capacity_mw={"ID-RIAU_SG_medco": 500}))
    link = ds.sel(link="ID-RIAU_SG_medco")
    assert float(link["link_capacity_forward_mw"]) == 500
    assert float(link["link_capacity_backward_mw"]) == 0

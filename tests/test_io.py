"""Loading and validation: a tiny CSV dataset written in the test, then broken one way at a time.

Every bad input must give an :class:`aseangrid.InputError` whose message names the file, the
line (or timestamp), the field, the value and what was expected — never a bare traceback.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import aseangrid as ag
from aseangrid.data import schema as sc
from conftest import make_ds

H = sc.HOURS_PER_YEAR


def write_tiny(folder: Path) -> Path:
    """Two nodes in two countries, three generators, one battery, one link, all profiles."""
    folder.mkdir(parents=True, exist_ok=True)
    src = "test fixture [assumption]"
    pd.DataFrame(
        {
            "node": ["X1", "Y1"],
            "name": ["x", "y"],
            "country": ["THA", "LAO"],
            "lat": [13.7, 18.0],
            "lon": [100.5, 102.6],
            "timezone": ["Asia/Bangkok"] * 2,
            "source": [src] * 2,
        }
    ).to_csv(folder / "nodes.csv", index=False)
    rows = []
    for y in sc.YEARS:
        rows += [("X1", y, 8.76, 1400.0, src), ("Y1", y, 0.876, 140.0, src)]
    pd.DataFrame(rows, columns=["node", "year", "demand_twh", "peak_mw", "source"]).to_csv(
        folder / "demand.csv", index=False
    )
    techs = []
    for t in sc.TECHNOLOGIES:
        fuel = {
            "coal": "coal",
            "lignite": "lignite",
            "gas_ccgt": "gas",
            "gas_ocgt": "gas",
            "oil": "oil",
            "biomass": "biomass",
        }.get(t, "none")
        prof = {
            "solar_pv": "solar",
            "wind_onshore": "wind_onshore",
            "wind_offshore": "wind_offshore",
            "hydro_reservoir": "hydro",
            "hydro_ror": "hydro",
        }.get(t, "none")
        techs.append(
            (
                t,
                fuel,
                0.4 if fuel != "none" else 1.0,
                0.9 if prof == "none" else 1.0,
                0.0,
                2.0,
                20.0,
                1000.0,
                30.0,
                1.0,
                "true"
                if t
                in (
                    "hydro_reservoir",
                    "hydro_ror",
                    "solar_pv",
                    "biomass",
                    "geothermal",
                    "wind_onshore",
                    "wind_offshore",
                )
                else "false",
                prof,
                src,
            )
        )
    pd.DataFrame(techs, columns=[c.name for c in sc.TABLE_BY_NAME["technologies"].columns]).to_csv(
        folder / "technologies.csv", index=False
    )
    pd.DataFrame(
        {
            "fuel": list(sc.FUELS),
            "emission_factor_t_per_gj": [0.0946, 0.101, 0.0561, 0.0741, 0.0],
            "source": [src] * 5,
        }
    ).to_csv(folder / "fuels.csv", index=False)
    fp = [(f, c, y, 5.0, src) for f in sc.FUELS for c in ("THA", "LAO") for y in sc.YEARS]
    pd.DataFrame(fp, columns=["fuel", "country", "year", "price_usd_per_gj", "source"]).to_csv(
        folder / "fuel_prices.csv", index=False
    )
    gcols = [c.name for c in sc.TABLE_BY_NAME["generators"].columns if c.name != "basis"]
    pd.DataFrame(
        [
            ("X1_gas", "X1", "gas_ccgt", 1500.0, 2010, "", 0.55, "", "", "existing", src),
            ("X1_solar", "X1", "solar_pv", 500.0, 2020, "", "", "", "", "existing", src),
            ("Y1_hydro", "Y1", "hydro_reservoir", 600.0, 2015, "", "", "", "", "existing", src),
            ("Y1_coal_new", "Y1", "coal", 300.0, 2030, 2045, "", "", "", "planned", src),
        ],
        columns=gcols,
    ).to_csv(folder / "generators.csv", index=False)
    pd.DataFrame(
        [("X1_bat", "X1", "battery", 100.0, 400.0, 0.85, 2024, "", "existing", src)],
        columns=[
            c.name
            for c in sc.TABLE_BY_NAME["storage"].columns
            if c.name
            not in ("efficiency_charge", "efficiency_discharge", "initial_level_share", "basis")
        ],
    ).to_csv(folder / "storage.csv", index=False)
    pd.DataFrame(
        [("Y1", "hydro_reservoir", 0.5, 0.8, 2000.0, src)],
        columns=[
            c.name
            for c in sc.TABLE_BY_NAME["hydro"].columns
            if c.name not in ("efficiency_charge", "efficiency_discharge", "initial_level_share")
        ],
    ).to_csv(folder / "hydro.csv", index=False)
    pd.DataFrame(
        [
            (
                "Y1-X1",
                "Y1",
                "X1",
                500.0,
                200.0,
                0.02,
                "hvac",
                500.0,
                2010,
                "",
                3.0,
                3.0,
                "existing",
                src,
            )
        ],
        columns=[c.name for c in sc.TABLE_BY_NAME["links"].columns if c.name != "basis"],
    ).to_csv(folder / "links.csv", index=False)
    pd.DataFrame(
        [
            ("carbon_price", "THA", 2030, 20.0, "USD/tCO2", src),
            ("carbon_cap", "ASEAN", 2030, 5.0, "MtCO2", src),
            ("renewable_share_min", "LAO", 2030, 0.3, "fraction", src),
        ],
        columns=[c.name for c in sc.TABLE_BY_NAME["policies"].columns],
    ).to_csv(folder / "policies.csv", index=False)
    prof = folder / "profiles"
    prof.mkdir(exist_ok=True)
    hour = np.arange(H)
    day = hour % 24
    shape = 1 + 0.2 * np.sin((day - 8) / 24 * 2 * np.pi)
    shape = shape / shape.mean()
    solar = np.clip(np.sin((day - 6) / 12 * np.pi), 0, None) * 0.4
    season = 1 + 0.5 * np.sin((hour / H - 0.3) * 2 * np.pi)
    season = season / season.mean()
    for name, data in (
        ("demand_shape", shape),
        ("solar_pv", solar),
        ("wind_onshore", np.full(H, 0.25)),
        ("wind_offshore", np.full(H, 0.35)),
    ):
        pd.DataFrame({"hour": hour, "X1": data, "Y1": data}).to_csv(
            prof / f"{name}.csv", index=False, float_format="%.5g"
        )
    pd.DataFrame({"hour": hour, "Y1": season}).to_csv(prof / "hydro_inflow.csv", index=False)
    pd.DataFrame({"hour": hour, "Y1": 0.8 * season}).to_csv(
        prof / "hydro_inflow_dry.csv", index=False
    )
    return folder


@pytest.fixture()
def tiny(tmp_path) -> Path:
    return write_tiny(tmp_path / "tiny")


def edit(folder: Path, file: str, fn) -> None:
    path = folder / file
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df = fn(df)
    df.to_csv(path, index=False)


def problems_of(folder: Path, year: int = 2030, **kw) -> str:
    with pytest.raises(ag.InputError) as e:
        ag.load_inputs(folder, year=year, **kw)
    return str(e.value)


def test_tiny_dataset_loads_with_units(tiny):
    ds = ag.load_inputs(tiny, year=2030)
    assert ds.sizes["time"] == 8760 and ds.sizes["node"] == 2
    assert set(ds["generator"].values) == {"X1_gas", "X1_solar", "Y1_hydro", "Y1_coal_new"}
    for v in ds.data_vars:
        assert "units" in ds[v].attrs and "description" in ds[v].attrs, v
    np.testing.assert_allclose(ds["demand_mw"].sum("time").values / 1e6, [8.76, 0.876], rtol=1e-4)
    assert bool(ds["link_cross_border"].values[0])
    assert float(ds["carbon_price_usd_per_t"].sel(country="THA")) == 20.0
    # the year chooses the fleet
    assert "Y1_coal_new" not in ag.load_inputs(tiny, year=2024)["generator"].values
    assert "Y1_coal_new" not in ag.load_inputs(tiny, year=2045)["generator"].values
    # emission factor = fuel factor x heat rate: 0.0946 t/GJ * 3.6/0.4 GJ/MWh
    ef = ds["emission_factor_t_per_mwh"].sel(generator="Y1_coal_new")
    assert float(ef) == pytest.approx(0.0946 * 3.6 / 0.4)


def test_tiny_dataset_solves_and_results_write_atomically(tiny, tmp_path):
    ds = ag.load_inputs(tiny, year=2030).isel(time=slice(0, 168))
    res = ag.solve(ds)
    out = ag.write_results(res, tmp_path / "run")
    assert (out / "results.nc").is_file()
    before = (out / "results.nc").read_bytes()
    with pytest.raises(ag.OutputError):
        ag.write_results(res, tmp_path / "run")
    assert (out / "results.nc").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".run")]


def test_dry_year_lowers_hydro_inflow(tiny):
    normal = ag.load_inputs(tiny, year=2030)
    dry = ag.load_inputs(tiny, year=2030, hydrology="dry")
    assert float(dry["hydro_inflow_mw"].sum()) == pytest.approx(
        0.8 * float(normal["hydro_inflow_mw"].sum()), rel=1e-4
    )


@pytest.mark.parametrize(
    "file,mutate,expect",
    [
        (
            "generators.csv",
            lambda d: d.assign(capacity_mw=d.capacity_mw.where(d.index != 1, "abc")),
            ["generators.csv", "line 3", "capacity_mw", "'abc'", "a number"],
        ),
        (
            "generators.csv",
            lambda d: d.assign(capacity_mw=d.capacity_mw.where(d.index != 0, "")),
            ["generators.csv", "line 2", "capacity_mw", "expected a value"],
        ),
        (
            "generators.csv",
            lambda d: d.assign(capacity_mw=d.capacity_mw.where(d.index != 0, "inf")),
            ["line 2", "capacity_mw", "finite"],
        ),
        (
            "generators.csv",
            lambda d: d.assign(capacity_mw=d.capacity_mw.where(d.index != 0, "1e15")),
            ["line 2", "capacity_mw", "between"],
        ),
        (
            "generators.csv",
            lambda d: d.assign(node=d.node.where(d.index != 2, "Y2")),
            ["generators.csv", "line 4", "node", "'Y2'", "nodes.csv", "did you mean 'Y1'"],
        ),
        (
            "generators.csv",
            lambda d: d.assign(technology=d.technology.where(d.index != 0, "gas_cgt")),
            ["line 2", "technology", "'gas_cgt'", "did you mean 'gas_"],
        ),
        (
            "generators.csv",
            lambda d: pd.concat([d, d.iloc[[0]]]),
            ["generators.csv", "line 6", "generator", "X1_gas", "unique", "line 2"],
        ),
        (
            "generators.csv",
            lambda d: d.rename(columns={"capacity_mw": "capacity_MW"}),
            ["generators.csv", "capacity_MW", "did you mean 'capacity_mw'", "missing"],
        ),
        (
            "generators.csv",
            lambda d: d.assign(retire_year=d.retire_year.where(d.index != 3, "2020")),
            ["line 5", "retire_year", "after commission_year"],
        ),
        (
            "links.csv",
            lambda d: d.assign(node_to="Y1"),
            ["links.csv", "line 2", "node_to", "itself"],
        ),
        (
            "links.csv",
            lambda d: d.assign(loss_fraction="-0.1"),
            ["links.csv", "line 2", "loss_fraction", "between 0 and 0.2"],
        ),
        (
            "storage.csv",
            lambda d: d.assign(energy_mwh="0.01"),
            ["storage.csv", "line 2", "energy_mwh", "MW and MWh"],
        ),
        (
            "demand.csv",
            lambda d: d.assign(demand_twh=d.demand_twh.where(d.index != 0, "8760")),
            ["demand.csv", "line 2", "peak_mw", "load factor"],
        ),
        (
            "demand.csv",
            lambda d: d.assign(demand_twh=d.demand_twh.where(d.index != 0, "NaN")),
            ["demand.csv", "line 2", "demand_twh"],
        ),
        (
            "policies.csv",
            lambda d: d.assign(value=d.value.where(d.index != 2, "30")),
            ["policies.csv", "line 4", "value", "fraction"],
        ),
        (
            "policies.csv",
            lambda d: d.assign(unit=d.unit.where(d.index != 0, "SGD/t")),
            ["policies.csv", "line 2", "unit", "USD/tCO2"],
        ),
        (
            "nodes.csv",
            lambda d: d.assign(lat=d.lat.where(d.index != 0, "137")),
            ["nodes.csv", "line 2", "lat", "between -90 and 90"],
        ),
        (
            "fuel_prices.csv",
            lambda d: d[~((d.fuel == "coal") & (d.country == "LAO"))],
            ["fuel_prices.csv", "coal/LAO/2030", "Y1_coal_new"],
        ),
        ("hydro.csv", lambda d: d.iloc[0:0], ["hydro.csv", "Y1/hydro_reservoir", "Y1_hydro"]),
    ],
)
def test_bad_table_input_is_named(tiny, file, mutate, expect):
    edit(tiny, file, mutate)
    msg = problems_of(tiny)
    for piece in expect:
        assert piece in msg, (piece, msg)
    assert "Traceback" not in msg


def test_every_problem_is_reported_at_once(tiny):
    edit(tiny, "generators.csv", lambda d: d.assign(capacity_mw="x"))
    edit(tiny, "links.csv", lambda d: d.assign(node_to="Y1"))
    msg = problems_of(tiny)
    assert msg.count("capacity_mw") == 4 and "itself" in msg


def test_zero_capacity_link_is_a_link_out_of_service(tiny):
    """A link of capacity 0 in both directions is what "isolated" means: accepted."""
    edit(tiny, "links.csv", lambda d: d.assign(capacity_forward_mw="0", capacity_backward_mw="0"))
    ds = ag.load_inputs(tiny, year=2030)
    assert float(ds["link_capacity_forward_mw"].sum()) == 0.0


def test_missing_file_and_folder(tiny, tmp_path):
    (tiny / "generators.csv").unlink()
    assert "generators.csv" in problems_of(tiny) and "exist" in problems_of(tiny)
    msg = problems_of(tmp_path / "nope")
    assert "nope" in msg


@pytest.mark.parametrize(
    "mutate,expect",
    [
        (lambda d: d.iloc[:-1], ["solar_pv.csv", "8759 rows", "8760"]),
        (lambda d: d.drop(index=100), ["solar_pv.csv", "hour", "100"]),
        (lambda d: d.assign(hour=d.hour.where(d.index != 50, "49")), ["solar_pv.csv", "duplicate"]),
        (
            lambda d: d.assign(X1=d.X1.where(d.index != 7, "")),
            ["solar_pv.csv", "line 9", "X1", "hour 7", "finite"],
        ),
        (
            lambda d: d.assign(X1=d.X1.where(d.index != 7, "1.7")),
            ["solar_pv.csv", "X1", "between 0 and 1"],
        ),
        (lambda d: d.drop(columns="Y1"), ["solar_pv.csv", "node Y1"]),
    ],
)
def test_bad_time_series_is_named(tiny, mutate, expect):
    edit(tiny, "profiles/solar_pv.csv", mutate)
    msg = problems_of(tiny)
    for piece in expect:
        assert piece in msg, (piece, msg)


def test_demand_shape_must_have_mean_one(tiny):
    edit(
        tiny,
        "profiles/demand_shape.csv",
        lambda d: d.assign(X1=(d.X1.astype(float) * 1.5).astype(str)),
    )
    msg = problems_of(tiny)
    assert "demand_shape.csv" in msg and "X1" in msg and "mean 1.5" in msg


def test_unknown_year_and_bad_options(tiny):
    assert "one of the years" in problems_of(tiny, year=2031)
    assert "hydrology" in problems_of(tiny, hydrology="wet")
    assert "value_of_lost_load" in problems_of(tiny, value_of_lost_load_usd_per_mwh=float("nan"))


def test_inputs_readme_matches_schema():
    readme = (Path(__file__).resolve().parents[1] / "inputs" / "README.md").read_text()
    assert sc.render_markdown() in readme, "regenerate: python -m aseangrid.data.schema"


def test_shipped_dataset_copy_is_independent(tiny, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(tiny, copy)
    edit(copy, "nodes.csv", lambda d: d.assign(country=d.country.where(d.index != 0, "XXX")))
    assert "one of BRN" in problems_of(copy)
    ag.load_inputs(tiny, year=2030)  # the original is untouched


def test_merging_identical_fleet_rows_keeps_the_optimum(tiny):
    edit(
        tiny,
        "generators.csv",
        lambda d: pd.concat(
            [
                d,
                d.iloc[[0]].assign(
                    generator="X1_gas_b",
                    capacity_mw="300",
                    commission_year="2030",
                    status="planned",
                ),
            ]
        ),
    )
    merged = ag.load_inputs(tiny, year=2030).isel(time=slice(0, 72))
    rows = ag.load_inputs(tiny, year=2030, aggregate=False).isel(time=slice(0, 72))
    assert merged.sizes["generator"] == rows.sizes["generator"] - 1
    assert "X1_gas_b" in str(merged["generator_rows"].values)
    assert float(merged["capacity_mw"].sum()) == pytest.approx(float(rows["capacity_mw"].sum()))
    a, b = ag.solve(merged), ag.solve(rows)
    assert a.attrs["objective_usd"] == pytest.approx(b.attrs["objective_usd"], rel=1e-9)


def test_a_one_node_dataset_needs_only_four_tables(tmp_path):
    """nodes, demand, generators and the technologies it uses: everything else defaults, and
    the defaults are said."""
    d = tmp_path / "one"
    d.mkdir()
    src = "test [assumption]"
    pd.DataFrame(
        {
            "node": ["N"],
            "name": ["n"],
            "country": ["THA"],
            "lat": [13.7],
            "lon": [100.5],
            "timezone": ["Asia/Bangkok"],
            "source": [src],
        }
    ).to_csv(d / "nodes.csv", index=False)
    pd.DataFrame(
        {"node": ["N"], "year": [2030], "demand_twh": [0.876], "peak_mw": [120.0], "source": [src]}
    ).to_csv(d / "demand.csv", index=False)
    pd.DataFrame(
        {
            "generator": ["geo"],
            "node": ["N"],
            "technology": ["geothermal"],
            "capacity_mw": [150.0],
            "commission_year": [2000],
            "status": ["existing"],
            "source": [src],
        }
    ).to_csv(d / "generators.csv", index=False)
    tech = sc.TABLE_BY_NAME["technologies"]
    pd.DataFrame(
        [("geothermal", "none", 1.0, 0.9, 0.0, 5.0, 100.0, 4000.0, 30.0, 1.0, "true", "none", src)],
        columns=[c.name for c in tech.columns],
    ).to_csv(d / "technologies.csv", index=False)
    ds = ag.load_inputs(d, year=2030)
    notes = ds.attrs["defaulted"]
    for what in (
        "storage.csv absent",
        "links.csv absent",
        "policies.csv absent",
        "demand_shape.csv absent: flat demand",
    ):
        assert what in notes, notes
    res = ag.solve(ds.isel(time=slice(0, 1)))
    assert res.attrs["objective_usd"] == pytest.approx(100.0 * 5.0)


def test_an_unknown_table_file_is_refused_with_the_closest_name(tiny):
    (tiny / "storage.csv").rename(tiny / "storge.csv")
    msg = problems_of(tiny)
    assert "storge.csv" in msg and "did you mean 'storage.csv'" in msg


def test_initial_levels_of_a_non_cyclic_run(tiny):
    """storage.csv initial_level_share 0.25: the first hour's balance starts from a quarter
    of the energy capacity (400 MWh -> 100 MWh)."""
    edit(tiny, "storage.csv", lambda d: d.assign(initial_level_share="0.25"))
    ds = ag.load_inputs(tiny, year=2030).isel(time=slice(0, 24))
    assert float(ds["storage_level_initial_mwh"].sel(storage="X1_bat")) == pytest.approx(100.0)
    res = ag.solve(ds, options=ag.Options(cyclic=False))
    eta_c = float(ds["storage_efficiency_charge"].sel(storage="X1_bat"))
    eta_d = float(ds["storage_efficiency_discharge"].sel(storage="X1_bat"))
    lvl0 = float(res["storage_level_mwh"].sel(storage="X1_bat")[0])
    ch0 = float(res["storage_charge_mw"].sel(storage="X1_bat")[0])
    dis0 = float(res["storage_discharge_mw"].sel(storage="X1_bat")[0])
    assert lvl0 == pytest.approx(100.0 + eta_c * ch0 - dis0 / eta_d, abs=1e-6)


def test_separate_charge_and_discharge_efficiencies():
    """Cheap power (10) only in hour 0, dear (100) in hour 1; a 50 MWh store charging at 0.9
    and discharging at 0.8 (round trip 0.72): it stores 50 MWh from 55.6 MWh bought and
    delivers 40 MWh; the dear unit serves 60: 10 * 50/0.9 + 100 * 60 = 6,555.6 USD. (With
    both efficiencies sqrt(0.72) it would be 6,346.)"""
    ds = make_ds(
        {"A": [0.0, 100.0]},
        generators=[
            dict(name="cheap", node="A", capacity_mw=1000, cost=10, avail=[1.0, 0.0]),
            dict(name="dear", node="A", capacity_mw=1000, cost=100),
        ],
        storage=[dict(node="A", power_mw=100, energy_mwh=50, rt=0.72)],
    )
    ds["storage_efficiency_charge"] = ("storage", [0.9])
    ds["storage_efficiency_discharge"] = ("storage", [0.8])
    res = ag.solve(ds)
    assert res.attrs["objective_usd"] == pytest.approx(10 * 50 / 0.9 + 100 * 60)

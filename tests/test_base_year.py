"""The base year: energy limits of generator groups (hand-derived optima and dual signs), the
existing fleet's achieved performance, and the calibration report on a short horizon.

Hand derivations are in each test's docstring. On a horizon of T hours an annual limit
applies pro rata (T / 8760); a monthly one in proportion to the month's hours covered.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import aseangrid as ag
from aseangrid.data.limits import energy_limit_share
from aseangrid.errors import InputError
from conftest import make_ds

ROOT = Path(__file__).resolve().parents[1]


def with_limits(ds, limits: list[dict]):
    """``ds`` with energy limits: dicts of members (generator names), month, min/max over
    the horizon [MWh] (stored as the period's TWh so that the pro-rata share gives them)."""
    ds = ds.copy()
    gens = list(ds["generator"].values)
    member = np.array([[g in k["members"] for g in gens] for k in limits], bool)
    ds = ds.assign_coords(energy_limit=[k["name"] for k in limits])
    month = np.array([k.get("month", 0) for k in limits])
    ds["energy_limit_member"] = (("energy_limit", "generator"), member)
    ds["energy_limit_month"] = (("energy_limit",), month)
    share = energy_limit_share(ds)
    for side in ("min", "max"):
        v = np.array([k.get(side, np.nan) for k in limits], float)
        ds[f"energy_limit_{side}_twh"] = (("energy_limit",), v / 1e6 / share)
    return ds


def two_units(hours=4, demand=100.0, start="2030-01-01"):
    """One node, ``demand`` MW every hour; coal 200 MW at 20 USD/MWh, gas 200 MW at 50."""
    ds = make_ds(
        {"A": [demand] * hours},
        generators=[
            dict(name="coal", node="A", technology="coal", capacity_mw=200, cost=20),
            dict(name="gas", node="A", technology="gas_ccgt", capacity_mw=200, cost=50),
        ],
    )
    return ds.assign_coords(time=pd.date_range(start, periods=hours, freq="h").values)


def test_minimum_take_hand_optimum_and_dual():
    """Gas must deliver 120 MWh of the 400 MWh demand: cost = 120*50 + 280*20 = 11,600 USD.
    One more MWh of required take replaces 1 MWh of coal by gas: the dual is 50 - 20 = 30
    USD/MWh (>= 0), and raising the take by 10 MWh costs 300 USD more."""
    base = with_limits(two_units(), [dict(name="top", members=["gas"], min=120.0)])
    res = ag.solve(base, method="monolithic")
    assert res.attrs["objective_usd"] == pytest.approx(11_600, rel=1e-9)
    gas = float(res["generation_mw"].sel(generator="gas").sum())
    assert gas == pytest.approx(120, abs=1e-6)
    dual = float(res["energy_limit_min_shadow_price_usd_per_mwh"].sel(energy_limit_min="top"))
    assert dual == pytest.approx(30, rel=1e-6)
    more = with_limits(two_units(), [dict(name="top", members=["gas"], min=130.0)])
    res2 = ag.solve(more, method="monolithic")
    assert res2.attrs["objective_usd"] - res.attrs["objective_usd"] == pytest.approx(300, rel=1e-6)
    assert res.attrs["verified"] == 1


def test_supply_cap_hand_optimum_and_dual():
    """Cheap gas (cost 20) capped at 150 MWh, coal dearer (50): cost = 150*20 + 250*50 =
    15,500 USD; one more MWh of gas allowed saves 50 - 20 = 30 USD, reported as +30."""
    ds = make_ds(
        {"A": [100.0] * 4},
        generators=[
            dict(name="gas", node="A", technology="gas_ccgt", capacity_mw=200, cost=20),
            dict(name="coal", node="A", technology="coal", capacity_mw=200, cost=50),
        ],
    )
    ds = with_limits(ds, [dict(name="cap", members=["gas"], max=150.0)])
    res = ag.solve(ds, method="monolithic")
    assert res.attrs["objective_usd"] == pytest.approx(15_500, rel=1e-9)
    dual = float(res["energy_limit_max_shadow_price_usd_per_mwh"].sel(energy_limit_max="cap"))
    assert dual == pytest.approx(30, rel=1e-6)
    assert dual > 0


def test_monthly_limit_covers_only_its_month():
    """Four hours, two in January and two in February; gas must deliver 80 MWh in February.
    January takes only coal (gas is dearer and not required there); cost = 80*50 + 320*20 =
    10,400 USD; the dual is 30 USD/MWh. The February share of the horizon is 2 / 672."""
    ds = with_limits(
        two_units(start="2030-01-31 22:00"), [dict(name="feb", members=["gas"], month=2, min=80.0)]
    )
    assert float(energy_limit_share(ds)[0]) == pytest.approx(2 / 672)
    res = ag.solve(ds, method="monolithic")
    assert res.attrs["objective_usd"] == pytest.approx(10_400, rel=1e-9)
    gas = res["generation_mw"].sel(generator="gas").values
    assert gas[:2].sum() == pytest.approx(0, abs=1e-6)
    assert gas[2:].sum() == pytest.approx(80, abs=1e-6)
    dual = float(res["energy_limit_min_shadow_price_usd_per_mwh"].sel(energy_limit_min="feb"))
    assert dual == pytest.approx(30, rel=1e-6)


def test_unreachable_minimum_is_a_reported_breach():
    """Gas cannot deliver more than the 400 MWh demand: of a 1,000 MWh take, 600 MWh are
    missed at the 5,000 USD/MWh penalty; the breach is flagged and the dual is the penalty."""
    ds = with_limits(two_units(), [dict(name="top", members=["gas"], min=1000.0)])
    res = ag.solve(ds, method="monolithic")
    short = float(res["energy_limit_shortfall_mwh"].sel(energy_limit_min="top"))
    assert short == pytest.approx(600, rel=1e-6)
    assert bool(res["breach_energy_limit_shortfall"].sel(energy_limit_min="top"))
    assert res.attrs["objective_usd"] == pytest.approx(400 * 50 + 600 * 5000, rel=1e-9)
    dual = float(res["energy_limit_min_shadow_price_usd_per_mwh"].sel(energy_limit_min="top"))
    assert dual == pytest.approx(5000, rel=1e-6)


def test_decomposed_solve_meets_the_annual_limit():
    """336 hours, two sub-horizons of 168 h: each week gets its hours' share of the take;
    the stitched solution meets the whole take and costs what the monolithic optimum costs
    (gas 3,360 MWh of 33,600: 3,360*50 + 30,240*20 = 772,800 USD)."""
    ds = with_limits(two_units(hours=336), [dict(name="top", members=["gas"], min=3360.0)])
    mono = ag.solve(ds, method="monolithic")
    dec = ag.solve(ds, method="decomposed")
    assert mono.attrs["objective_usd"] == pytest.approx(772_800, rel=1e-9)
    assert dec.attrs["objective_usd"] == pytest.approx(772_800, rel=1e-6)
    assert float(dec["generation_mw"].sel(generator="gas").sum()) == pytest.approx(3360, rel=1e-6)
    assert dec.attrs["verified"] == 1


# --- the data layer ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def year2024(shipped_path):
    return ag.load_inputs(shipped_path, year=2024)


def test_fleet_performance_applies_to_existing_rows(year2024):
    """Indonesian existing gas CCGTs take 0.42 (fleet_performance.csv); Philippine
    geothermal 0.61 availability; a gas CCGT planned for 2030 without its own efficiency keeps
    the catalogue 0.54, and Singapore's new CCGTs have the EMA standard's 0.569."""
    ds = year2024
    c, t = ds["generator_country"].values, ds["generator_technology"].values
    assert np.allclose(ds["efficiency"].values[(c == "IDN") & (t == "gas_ccgt")], 0.42)
    assert np.allclose(ds["availability"].values[(c == "PHL") & (t == "geothermal")], 0.61)
    ds30 = ag.load_inputs(ROOT / "inputs" / "asean", year=2030)
    new = (ds30["generator_status"].values != "existing") & (
        ds30["generator_technology"].values == "gas_ccgt"
    )
    sg = ds30["generator_country"].values == "SGP"
    assert (new & ~sg).any() and np.allclose(ds30["efficiency"].values[new & ~sg], 0.54)
    assert (new & sg).any() and np.allclose(ds30["efficiency"].values[new & sg], 0.569)


def test_energy_limits_load_with_their_groups(year2024):
    ds = year2024
    k = list(ds["energy_limit"].values).index("IDN_gas_take_or_pay")
    members = ds["generator"].values[ds["energy_limit_member"].values[k]]
    assert len(members) > 0
    assert set(ds["generator_technology"].sel(generator=members).values) <= {"gas_ccgt", "gas_ocgt"}
    assert set(ds["generator_country"].sel(generator=members).values) == {"IDN"}


def test_bad_energy_limit_is_named(tmp_path, shipped_path):
    folder = tmp_path / "asean"
    shutil.copytree(shipped_path, folder)
    path = folder / "energy_limits.csv"
    df = pd.read_csv(path, keep_default_na=False)
    df.loc[0, "technologies"] = "wind_offshore"  # Indonesia has none in 2024
    df.to_csv(path, index=False)
    with pytest.raises(InputError) as e:
        ag.load_inputs(folder, year=2024)
    msg = str(e.value)
    assert "energy_limits.csv" in msg and "line 2" in msg and "wind_offshore" in msg


# --- the calibration report -------------------------------------------------------------


def test_calibration_report_on_a_short_horizon(tmp_path, year2024):
    """The calibration script runs on two days of 2024 and writes both tables."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import calibration

    res = ag.solve(year2024.isel(time=slice(0, 48)), method="monolithic")
    doc = tmp_path / "calibration.md"
    doc.write_text(f"# title\n\n{calibration.BEGIN}\nold\n{calibration.END}\n\nprose\n")
    section = calibration.report(res, ROOT / "inputs" / "asean")
    calibration.write(doc, section)
    text = doc.read_text()
    assert "## Fitted" in text and "## Validated" in text and "prose" in text
    assert "old" not in text
    assert "IDN_gas_take_or_pay" in text
    assert "Dry-year response" not in text
    # the same solve as its own "dry year": every ratio is 1, above EIA's lower quartile
    dry = calibration.dry_year(res, res, ROOT / "inputs" / "asean").set_index("country")
    assert np.allclose(dry["model dry/normal"], 1.0)
    assert dry.loc["IDN", "test"] == "MISS" and dry.loc["IDN", "fitted_by"] == ""
    assert dry.loc["THA", "fitted_by"] == "hydro.csv dry_year_factor"
    assert dry.loc["KHM", "test"] == ""  # 2024's hydro is fixed by KHM_hydro_2024
    assert "Dry-year response" in calibration.report(res, ROOT / "inputs" / "asean", dry=res)
    # results from another dataset: a clear error naming the file, not a KeyError
    other = tmp_path / "other"
    shutil.copytree(ROOT / "inputs" / "asean", other)
    lim = pd.read_csv(other / "energy_limits.csv")
    lim[lim["limit"] != "KHM_hydro_2024"].to_csv(other / "energy_limits.csv", index=False)
    with pytest.raises(SystemExit, match=r"energy_limits\.csv: no row for the energy limit"):
        calibration.contracts(res, other)


def test_eia_spread_by_hand():
    """A year at half its neighbours is 0.5 of its local level; steady growth is 1 in every
    interior year; a country whose hydro stays below 1 TWh has no spread."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import dry_year

    years = [str(y) for y in range(1980, 1989)]
    eia = pd.DataFrame(
        [
            ["Thailand", 2, 2, 2, 2, 1, 2, 2, 2, 2],
            ["Vietnam", 10, 11, 12, 13, 14, 15, 16, 17, 18],
            ["Cambodia", 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
        ],
        columns=["country", *years],
    )
    r = dry_year.eia_ratios(eia)
    assert list(r["THA"].index) == [1982, 1983, 1984, 1985, 1986]
    assert r["THA"][1984] == 0.5 and (r["THA"].drop(1984) == 1.0).all()
    assert np.allclose(r["VNM"], 1.0)
    assert r["KHM"].empty


def test_dry_year_factor_from_eia_reads_the_clause():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import dry_year

    assert dry_year.from_eia("IRENA CF 27 %; dry-year 0.60 (2020/2018 EIA, §3.1); hours 3000")
    assert dry_year.from_eia("x; dry-year 0.71 (2020/2022, §3.1); reservoir_hours 500")
    # EIA named for the annual energy, not for the dry year
    assert not dry_year.from_eia("[derived] EIA 2023 Lao hydro 40 TWh; dry-year 0.83 as LA-EGAT")
    assert not dry_year.from_eia("dry-year 0.75 [assumption: equatorial]; EIA elsewhere")


def test_verification_catches_a_missed_take():
    """A solution whose gas falls short of the take (slack not raised) fails verification,
    naming the energy-limit family."""
    from aseangrid.errors import VerificationError
    from aseangrid.results.verify import verify_results

    ds = with_limits(two_units(), [dict(name="top", members=["gas"], min=120.0)])
    res = ag.solve(ds, method="monolithic")
    bad = res.copy(deep=True)
    gas = list(bad["generator"].values).index("gas")
    bad["generation_mw"].values[:, gas] = 0.0
    bad["generation_mw"].values[:, 1 - gas] = 100.0
    with pytest.raises(VerificationError, match="energy limit min"):
        verify_results(ds, bad)


def test_link_group_limits_the_flow_and_lapses_on_a_closed_border():
    """B imports cheap power from A (10 against 50 USD/MWh, 100 MW demand, 2 hours) over a
    link licensed for 60 MWh: cost = 60*10 + 140*50 = 7,600 USD, the licence's dual 40.
    With the link closed (capacity 0) the licence does not apply: B runs alone, 200*50."""
    ds = make_ds(
        {"A": [0.0, 0.0], "B": [100.0, 100.0]},
        generators=[
            dict(name="a", node="A", capacity_mw=500, cost=10),
            dict(name="b", node="B", capacity_mw=500, cost=50),
        ],
        links=[dict(name="ab", a="A", b="B", fwd=1000, bwd=1000)],
    )
    ds = with_limits(ds, [dict(name="licence", members=[], max=60.0)])
    ds["energy_limit_link_forward"] = (("energy_limit", "link"), np.array([[True]]))
    ds["energy_limit_link_backward"] = (("energy_limit", "link"), np.array([[False]]))
    res = ag.solve(ds, method="monolithic")
    assert res.attrs["objective_usd"] == pytest.approx(7_600, rel=1e-9)
    dual = float(res["energy_limit_max_shadow_price_usd_per_mwh"].sel(energy_limit_max="licence"))
    assert dual == pytest.approx(40, rel=1e-6)
    closed = ds.copy()
    closed["link_capacity_forward_mw"] = closed["link_capacity_forward_mw"] * 0.0
    res2 = ag.solve(closed, method="monolithic")
    assert res2.attrs["objective_usd"] == pytest.approx(200 * 50, rel=1e-9)
    assert "energy_limit_max" not in res2.dims


# --- no row carrying more than 5 TWh of 2024 rests on a bare assumption -----------------

#: Capacity that could carry 5 TWh in 2024 (8,784 h) at 90 % availability [MW].
FIVE_TWH_MW = 5e6 / (8784 * 0.9)


def _bare(source: str) -> bool:
    """A source is bare when, without its bracketed tags, fewer than 30 characters remain."""
    import re

    return len(re.sub(r"\[[^\]]*\]", "", source).strip(" .;,")) < 30


def test_rows_that_can_carry_5_twh_of_2024_name_their_basis():
    """Issue 15: generator rows in service in 2024, fleet-performance groups and 2024 fuel
    prices that could carry 5 TWh or more say what an assumption rests on."""
    data = ROOT / "inputs" / "asean"
    gen = pd.read_csv(data / "generators.csv", keep_default_na=False)
    retire = pd.to_numeric(gen["retire_year"], errors="coerce").fillna(9999)
    live = gen[(gen["commission_year"].astype(int) <= 2024) & (retire > 2024)]
    live = live.merge(pd.read_csv(data / "nodes.csv")[["node", "country"]], on="node")
    big = live[live["capacity_mw"].astype(float) >= FIVE_TWH_MW]
    bad = [
        g
        for g, b, s in zip(big["generator"], big["basis"], big["source"], strict=True)
        if b == "assumption" and _bare(s)
    ]
    groups = live.groupby(["country", "technology"])["capacity_mw"].sum()
    groups = set(groups[groups >= FIVE_TWH_MW].index)
    fp = pd.read_csv(data / "fleet_performance.csv", keep_default_na=False)
    bad += [
        f"fleet_performance {c} {t}"
        for c, t, e, a, s in fp[
            ["country", "technology", "efficiency_basis", "availability_basis", "source"]
        ].itertuples(index=False)
        if (c, t) in groups and "assumption" in (e, a) and _bare(s)
    ]
    prices = pd.read_csv(data / "fuel_prices.csv", keep_default_na=False)
    prices = prices[prices["year"].astype(int) == 2024]
    fuel = pd.read_csv(data / "technologies.csv").set_index("technology")["fuel"]
    by_fuel = live.assign(fuel=live["technology"].map(fuel))
    by_fuel = by_fuel.groupby(["country", "fuel"])["capacity_mw"].sum()
    fuels = set(by_fuel[by_fuel >= FIVE_TWH_MW].index)
    prices = prices[
        [(c, f) in fuels for c, f in zip(prices["country"], prices["fuel"], strict=True)]
    ]
    bad += [
        f"fuel_prices {f} {c}"
        for f, c, s in prices[["fuel", "country", "source"]].itertuples(index=False)
        if _bare(s)
    ]
    assert len(big) > 20 and len(groups) > 20 and len(prices) > 10
    assert not bad, bad
    assert _bare("[assumption]") and _bare("[assumption, U] 0.85.")

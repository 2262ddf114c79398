"""The LP on tiny networks whose optimum, prices and shadow prices are derived by hand.

Each test states the hand derivation in its docstring. Asserted are unique quantities
(objective, prices where the marginal unit is strictly inside its bounds, shadow prices), not
dispatch that may be degenerate.
"""

from __future__ import annotations

import numpy as np
import pytest

import aseangrid as ag
from aseangrid import Options
from conftest import make_ds


def one(da) -> float:
    """The single value of a one-element DataArray."""
    arr = np.asarray(da).ravel()
    assert arr.size == 1
    return float(arr[0])


def solve(ds, **opts):
    return ag.solve(ds, options=Options(**opts) if opts else None)


def test_merit_order_single_node():
    """Cheap unit (250 MW @20) first, then dear unit (@50): cost 20*550 + 50*50; price
    20, 20, 50 (the marginal unit's cost)."""
    ds = make_ds(
        {"A": [100, 200, 300]},
        generators=[
            dict(node="A", capacity_mw=250, cost=20),
            dict(node="A", capacity_mw=100, cost=50),
        ],
    )
    res = solve(ds)
    assert res.attrs["objective_usd"] == pytest.approx(20 * 550 + 50 * 50)
    np.testing.assert_allclose(res["price_usd_per_mwh"].values.ravel(), [20, 20, 50], atol=1e-6)
    assert res.attrs["verified"] == 1
    assert res["unserved_twh"].values.sum() == pytest.approx(0)


def test_congestion_between_two_nodes():
    """A has cheap 10 USD/MWh power, B only 50. The 100 MW link binds for B's 150 MW:
    cost = 100*10 + 50*50 = 3500 per hour; prices 10 at A, 50 at B; congestion rent
    100 MW * 40 = 4000 USD per hour."""
    ds = make_ds(
        {"A": [0, 0], "B": [150, 150]},
        generators=[
            dict(node="A", capacity_mw=500, cost=10),
            dict(node="B", capacity_mw=500, cost=50),
        ],
        links=[dict(a="A", b="B", fwd=100, bwd=100)],
    )
    res = solve(ds)
    assert res.attrs["objective_usd"] == pytest.approx(2 * 3500)
    np.testing.assert_allclose(res["price_usd_per_mwh"].sel(node="A"), 10, atol=1e-6)
    np.testing.assert_allclose(res["price_usd_per_mwh"].sel(node="B"), 50, atol=1e-6)
    assert one(res["congestion_rent_usd"].sum()) == pytest.approx(2 * 4000, rel=1e-6)
    assert int(res["link_hours_at_limit_forward"].sum()) == 2


def test_losses_and_wheeling_set_the_price_gap():
    """Uncongested import with 10 % losses and a 5 USD/MWh hurdle: one more MWh at B needs
    1/0.9 MWh sent from A, each paying 10 + 5: price B = 15/0.9 = 16.67 (< B's own 50)."""
    ds = make_ds(
        {"A": [0], "B": [100]},
        generators=[
            dict(node="A", capacity_mw=500, cost=10),
            dict(node="B", capacity_mw=500, cost=50),
        ],
        links=[dict(a="A", b="B", fwd=1000, bwd=1000, loss=0.1, wheel_fwd=5.0)],
    )
    res = solve(ds)
    assert one(res["price_usd_per_mwh"].sel(node="B")) == pytest.approx(15 / 0.9, rel=1e-6)
    assert res.attrs["objective_usd"] == pytest.approx(100 / 0.9 * 15, rel=1e-6)
    assert one(res["cost_usd"].sel(cost_component="wheeling")) == pytest.approx(
        100 / 0.9 * 5, rel=1e-6
    )


def test_storage_arbitrage_with_losses():
    """Hour 1: cheap 10 (up to 200 MW), hour 2: only a 100 USD/MWh unit. Battery 50 MW /
    50 MWh, round trip 0.81 (0.9 each way). Charge 50/0.9 MWh... level 50*0.9=45 after a full
    hour of 50 MW charge; discharge 45*0.9 = 40.5 MWh in hour 2. Demand 100 each hour:
    cost = 10*(100 + 50) + 100*(100 - 40.5) = 1500 + 5950 = 7450."""
    ds = make_ds(
        {"A": [100, 100]},
        generators=[
            dict(node="A", capacity_mw=200, cost=10, avail=[1.0, 0.0]),
            dict(node="A", capacity_mw=200, cost=100),
        ],
        storage=[dict(node="A", power_mw=50, energy_mwh=50, rt=0.81)],
    )
    res = solve(ds)
    assert res.attrs["objective_usd"] == pytest.approx(7450, rel=1e-6)
    assert res["storage_charge_mw"].values[0, 0] == pytest.approx(50, rel=1e-6)
    assert res["storage_discharge_mw"].values[1, 0] == pytest.approx(40.5, rel=1e-6)


@pytest.mark.parametrize("cp,coal_runs", [(30.0, True), (40.0, False)])
def test_carbon_price_switch_point(cp, coal_runs):
    """Coal 20 USD/MWh at 1.0 t/MWh vs gas 40 at 0.4 t/MWh: they cost the same at
    cp* = (40 - 20)/(1.0 - 0.4) = 33.3 USD/t. Below it coal runs, above it gas."""
    ds = make_ds(
        {"A": [100]},
        generators=[
            dict(node="A", capacity_mw=200, cost=20, ef=1.0, technology="coal"),
            dict(node="A", capacity_mw=200, cost=40, ef=0.4),
        ],
        carbon_price={"THA": cp},
    )
    res = solve(ds)
    expected = 100 * (20 + cp * 1.0) if coal_runs else 100 * (40 + cp * 0.4)
    assert res.attrs["objective_usd"] == pytest.approx(expected, rel=1e-6)
    assert one(res["price_usd_per_mwh"].squeeze()) == pytest.approx(expected / 100, rel=1e-6)
    assert one(res["cost_usd"].sel(cost_component="carbon_price")) == pytest.approx(
        100 * cp * (1.0 if coal_runs else 0.4), rel=1e-6
    )


def test_binding_cap_shadow_price_is_the_fuel_switch_price():
    """Cap 70 t on 100 MWh: coal x with x + 0.4(100 - x) <= 70 -> x = 50. Shadow price
    = (40 - 20)/(1 - 0.4) = 33.33 USD/t; price = (40 - 0.4*20)/0.6 = 53.33 USD/MWh (serve one
    more MWh holding emissions: +1/0.6 gas, -0.4/0.6 coal)."""
    ds = make_ds(
        {"A": [100]},
        generators=[
            dict(node="A", capacity_mw=200, cost=20, ef=1.0, technology="coal"),
            dict(node="A", capacity_mw=200, cost=40, ef=0.4),
        ],
        carbon_caps={"THA": (70e-6, ["THA"])},
    )
    res = solve(ds)
    assert res.attrs["objective_usd"] == pytest.approx(50 * 20 + 50 * 40, rel=1e-6)
    assert one(res["carbon_shadow_price_usd_per_t"]) == pytest.approx(20 / 0.6, rel=1e-5)
    assert one(res["price_usd_per_mwh"].squeeze()) == pytest.approx(32 / 0.6, rel=1e-5)
    assert one(res["emissions_country_t"].sel(country="THA")) == pytest.approx(70, rel=1e-6)


def test_cap_not_binding_has_zero_shadow_price():
    ds = make_ds(
        {"A": [100]},
        generators=[dict(node="A", capacity_mw=200, cost=20, ef=1.0, technology="coal")],
        carbon_caps={"ASEAN": (1.0, ["THA", "LAO"])},
    )
    res = solve(ds)
    assert one(res["carbon_shadow_price_usd_per_t"]) == pytest.approx(0, abs=1e-6)
    assert one(res["carbon_cap_excess_t"]) == pytest.approx(0, abs=1e-6)


def test_cap_beyond_reach_is_reported_as_excess_at_the_penalty():
    """Only coal (1 t/MWh): a 40 t cap on 100 MWh is missed by 60 t at the 1000 USD/t
    penalty (cheaper than shedding load at 5000 USD/MWh); the shadow price equals the
    penalty, and the shortfall is visible."""
    ds = make_ds(
        {"A": [100]},
        generators=[dict(node="A", capacity_mw=200, cost=20, ef=1.0, technology="coal")],
        carbon_caps={"THA": (40e-6, ["THA"])},
        penalty=1000,
    )
    res = solve(ds)
    assert one(res["carbon_cap_excess_t"]) == pytest.approx(60, rel=1e-6)
    assert one(res["carbon_shadow_price_usd_per_t"]) == pytest.approx(1000, rel=1e-6)
    assert one(res["cost_usd"].sel(cost_component="policy_penalty")) == pytest.approx(60000)


def test_hydro_energy_limit_and_water_value():
    """Reservoir hydro 100 MW with 120 MWh of inflow over 3 hours (large reservoir) and gas
    at 50: hydro uses all its water, gas the rest: cost = (300 - 120)*50 = 9000; the water
    value is the gas cost, 50 USD/MWh."""
    ds = make_ds(
        {"A": [100, 100, 100]},
        generators=[
            dict(
                node="A",
                capacity_mw=100,
                technology="hydro_reservoir",
                renewable=True,
                inflow=[60, 60, 0],
                reservoir_mwh=1000,
            ),
            dict(node="A", capacity_mw=200, cost=50),
        ],
    )
    res = solve(ds)
    assert res.attrs["objective_usd"] == pytest.approx(9000, rel=1e-6)
    assert res["generation_mw"].values[:, 0].sum() == pytest.approx(120, rel=1e-6)
    np.testing.assert_allclose(res["water_value_usd_per_mwh"].values, 50, rtol=1e-5)


def test_renewable_target_binding_and_its_price():
    """Biomass (renewable) 60 vs gas 30; target 50 % of 200 MWh demand -> 100 MWh biomass:
    cost 100*60 + 100*30 = 9000; shadow price 60 - 30 = 30 USD/MWh."""
    ds = make_ds(
        {"A": [100, 100]},
        generators=[
            dict(node="A", capacity_mw=200, cost=60, renewable=True, technology="biomass"),
            dict(node="A", capacity_mw=200, cost=30),
        ],
        renewable_share_min={"THA": 0.5},
    )
    res = solve(ds)
    assert res.attrs["objective_usd"] == pytest.approx(9000, rel=1e-6)
    assert one(res["renewable_shadow_price_usd_per_mwh"]) == pytest.approx(30, rel=1e-5)


def test_coal_generation_and_capacity_limits():
    """Coal 20, gas 40, demand 100 for 2 h. Annual coal limit 150 MWh: cost 150*20 + 50*40 =
    5000, shadow 20 USD/MWh. Hourly coal limit 60 MW instead: 120*20 + 80*40 = 5600."""
    gens = [
        dict(node="A", capacity_mw=200, cost=20, technology="coal"),
        dict(node="A", capacity_mw=200, cost=40),
    ]
    res = solve(
        make_ds({"A": [100, 100]}, generators=gens, coal_generation_max_twh={"THA": 150e-6})
    )
    assert res.attrs["objective_usd"] == pytest.approx(5000, rel=1e-6)
    assert one(res["coal_generation_shadow_price_usd_per_mwh"]) == pytest.approx(20, rel=1e-5)
    res = solve(make_ds({"A": [100, 100]}, generators=gens, coal_capacity_max_mw={"THA": 60}))
    assert res.attrs["objective_usd"] == pytest.approx(5600, rel=1e-6)


def test_unserved_energy_priced_at_voll():
    ds = make_ds({"A": [150]}, generators=[dict(node="A", capacity_mw=100, cost=20)], voll=3000)
    res = solve(ds)
    assert one(res["unserved_twh"].sum()) * 1e6 == pytest.approx(50, rel=1e-6)
    assert one(res["price_usd_per_mwh"].squeeze()) == pytest.approx(3000, rel=1e-6)


def test_without_unserved_energy_a_shortfall_is_infeasible():
    ds = make_ds({"A": [150]}, generators=[dict(node="A", capacity_mw=100, cost=20)])
    with pytest.raises(ag.SolveError) as e:
        solve(ds, unserved_energy=False)
    assert "infeasible" in str(e.value).lower()


def test_must_run_forces_output_and_depresses_the_price():
    """Geothermal must run at 80 % of 100 MW = 80 MW at cost 5 while demand is 50 in hour 1
    and the only other unit costs 30: infeasible surplus is impossible, so with demand 100
    the geothermal runs 80 and gas 20 (price 30); its lower bound holds."""
    ds = make_ds(
        {"A": [100, 100]},
        generators=[
            dict(node="A", capacity_mw=100, cost=50, must_run=0.8, technology="geothermal"),
            dict(node="A", capacity_mw=200, cost=30),
        ],
    )
    res = solve(ds)
    assert res["generation_mw"].values[:, 0].min() == pytest.approx(80, rel=1e-6)
    assert res.attrs["objective_usd"] == pytest.approx(2 * (80 * 50 + 20 * 30), rel=1e-6)


def test_ramping_limit_binds():
    """Coal (10) ramps 20 % of 100 MW per hour; demand 20 then 100; gas at 50 fills the gap.
    Cyclic: coal can be at most 40 in hour 1 (it must come back down to be <= 20 + 20 later)
    ... hand optimum over the 2-hour cycle: coal x1, x2 with |x2 - x1| <= 20, x1 <= 20,
    x2 <= 100: best x1 = 20, x2 = 40; gas 60 in hour 2: cost 10*60 + 50*60 = 3600."""
    ds = make_ds(
        {"A": [20, 100]},
        generators=[
            dict(node="A", capacity_mw=100, cost=10, ramp=0.2, technology="coal"),
            dict(node="A", capacity_mw=200, cost=50),
        ],
    )
    res = solve(ds, ramping=True)
    assert res.attrs["objective_usd"] == pytest.approx(3600, rel=1e-6)
    res_free = solve(ds)
    assert res_free.attrs["objective_usd"] == pytest.approx(1200, rel=1e-6)


def test_slack_policies_have_zero_shadow_prices():
    """Targets already met by the cheapest dispatch do not bind: shadow prices are 0."""
    gens = [
        dict(node="A", capacity_mw=200, cost=10, renewable=True, technology="biomass"),
        dict(node="A", capacity_mw=200, cost=20, technology="coal"),
    ]
    res = solve(
        make_ds(
            {"A": [100, 300]},
            generators=gens,
            renewable_share_min={"THA": 0.3},
            coal_generation_max_twh={"THA": 1.0},
        )
    )
    assert one(res["renewable_shadow_price_usd_per_mwh"]) == pytest.approx(0, abs=1e-7)
    assert one(res["coal_generation_shadow_price_usd_per_mwh"]) == pytest.approx(0, abs=1e-7)
    assert one(res["renewable_shortfall_mwh"]) == pytest.approx(0, abs=1e-7)


def test_storage_value_is_the_price_it_shifts_to():
    """A lossless store charges 30 MWh in hour 1 (cheap unit at 10, interior) and covers the
    30 MW demand of hour 2 (cheap unit unavailable, dear unit at 100 idle): cost 130*10. Charge
    and discharge are strictly inside their limits, so the value of stored energy is unique:
    10 USD/MWh, and so is hour 2's price."""
    ds = make_ds(
        {"A": [100, 30]},
        generators=[
            dict(node="A", capacity_mw=300, cost=10, avail=[1.0, 0.0]),
            dict(node="A", capacity_mw=300, cost=100),
        ],
        storage=[dict(node="A", power_mw=50, energy_mwh=1000, rt=1.0)],
    )
    res = solve(ds)
    assert res.attrs["objective_usd"] == pytest.approx(130 * 10)
    assert res["storage_value_usd_per_mwh"].values.ravel()[0] == pytest.approx(10, rel=1e-6)
    np.testing.assert_allclose(res["price_usd_per_mwh"].values.ravel(), [10, 10], rtol=1e-6)

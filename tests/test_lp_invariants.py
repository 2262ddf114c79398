"""Invariants that hold on every solved case, and the guards around the solver."""

from __future__ import annotations

import numpy as np
import pytest

import aseangrid as ag
from aseangrid import Options
from conftest import make_ds


def three_node_case(link_cap: float = 80.0, scale: float = 1.0):
    """Three nodes in two countries with a storage, a reservoir and a solar profile."""
    T = 24
    hours = np.arange(T)
    solar = np.clip(np.sin((hours - 6) / 12 * np.pi), 0, None)
    demand = {
        "A": list(100 + 30 * np.sin(hours / 24 * 2 * np.pi)),
        "B": list(150 + 20 * np.cos(hours / 24 * 2 * np.pi)),
        "C": list(60 + 0 * hours),
    }
    gens = [
        dict(node="A", capacity_mw=120, cost=20 * scale, ef=1.0, technology="coal"),
        dict(
            node="A",
            capacity_mw=80,
            cost=0.0,
            technology="solar_pv",
            avail=list(solar),
            renewable=True,
        ),
        dict(node="B", capacity_mw=200, cost=45 * scale, ef=0.4),
        dict(
            node="C",
            capacity_mw=50,
            cost=1.0 * scale,
            technology="hydro_reservoir",
            inflow=[30.0] * T,
            reservoir_mwh=400,
            renewable=True,
        ),
        dict(node="C", capacity_mw=60, cost=70 * scale, ef=0.6),
    ]
    links = [
        dict(
            a="A",
            b="B",
            fwd=link_cap,
            bwd=link_cap,
            loss=0.02,
            wheel_fwd=2 * scale,
            wheel_bwd=2 * scale,
        ),
        dict(a="B", b="C", fwd=40, bwd=40, loss=0.01),
    ]
    storage = [dict(node="B", power_mw=30, energy_mwh=90, rt=0.85)]
    return make_ds(
        demand,
        gens,
        links,
        storage,
        country_of={"A": "LAO", "B": "THA", "C": "THA"},
        carbon_price={"THA": 10.0 * scale},
        voll=3000 * scale,
        penalty=4000 * scale,
    )


@pytest.fixture(scope="module")
def base():
    ds = three_node_case()
    return ds, ag.solve(ds)


def test_balance_closes_everywhere(base):
    ds, res = base
    assert res.attrs["verified"] == 1
    ag.verify_results(ds, res)  # the explicit check passes with the default tolerance


def test_flows_within_limits_and_emissions_add_up(base):
    ds, res = base
    assert (res["flow_forward_mw"] <= ds["link_capacity_forward_mw"] + 1e-6).all()
    assert (res["flow_backward_mw"] <= ds["link_capacity_backward_mw"] + 1e-6).all()
    total = float(res["emissions_t"].sum())
    assert float(res["emissions_country_t"].sum()) == pytest.approx(total)
    assert float(res["emissions_node_t"].sum()) == pytest.approx(total)
    assert float(res["cost_usd"].sum()) == pytest.approx(res.attrs["objective_usd"], rel=1e-7)


def test_relaxing_a_link_never_raises_cost(base):
    _, res = base
    for cap in (120.0, 500.0):
        assert ag.solve(three_node_case(link_cap=cap)).attrs["objective_usd"] <= res.attrs[
            "objective_usd"
        ] * (1 + 1e-9)


def test_isolating_never_lowers_cost(base):
    _, res = base
    iso = three_node_case(link_cap=0.0)
    iso["link_capacity_backward_mw"][:] = 0.0
    iso["link_capacity_forward_mw"][:] = 0.0
    assert ag.solve(iso).attrs["objective_usd"] >= res.attrs["objective_usd"] * (1 - 1e-9)


def test_scaling_all_costs_scales_objective_and_prices(base):
    _, res = base
    k = 3.0
    res_k = ag.solve(three_node_case(scale=k))
    assert res_k.attrs["objective_usd"] == pytest.approx(k * res.attrs["objective_usd"], rel=1e-6)
    # prices are unique where the marginal unit is interior; compare demand-weighted means
    np.testing.assert_allclose(
        res_k["price_demand_weighted_usd_per_mwh"],
        k * res["price_demand_weighted_usd_per_mwh"],
        rtol=1e-4,
    )


def test_prices_explain_the_objective_for_a_pure_dispatch_case():
    """LP duality on a merit-order case without storage: sum(price * demand) - rents equals the
    cost when every unit is either at a bound or marginal."""
    ds = make_ds(
        {"A": [50, 150]},
        generators=[
            dict(node="A", capacity_mw=100, cost=10),
            dict(node="A", capacity_mw=100, cost=30),
        ],
    )
    res = ag.solve(ds)
    price = res["price_usd_per_mwh"].values.ravel()
    np.testing.assert_allclose(price, [10, 30], atol=1e-7)


def test_nan_cost_is_refused_before_solving():
    ds = make_ds({"A": [100]}, generators=[dict(node="A", capacity_mw=200, cost=20)])
    ds["marginal_cost_usd_per_mwh"][0] = np.nan
    with pytest.raises(ag.InputError) as e:
        ag.solve(ds)
    assert "generation_mw" in str(e.value) and "nan" in str(e.value).lower()


def test_huge_coefficient_is_refused_before_solving():
    ds = make_ds({"A": [100]}, generators=[dict(node="A", capacity_mw=200, cost=20)], links=[])
    ds = make_ds(
        {"A": [100], "B": [0]},
        generators=[dict(node="A", capacity_mw=200, cost=20)],
        links=[dict(a="A", b="B", fwd=10, bwd=10, loss=-1e15)],
    )
    with pytest.raises(ag.InputError) as e:
        ag.solve(ds)
    assert "nodal_balance" in str(e.value)


def test_infinite_bound_from_data_is_refused():
    ds = make_ds({"A": [100]}, generators=[dict(node="A", capacity_mw=200, cost=20)])
    ds["demand_mw"][:] = np.inf
    with pytest.raises(ag.InputError):
        ag.solve(ds)


def test_tampered_solution_fails_verification(base):
    ds, res = base
    bad = res.copy(deep=True)
    bad["generation_mw"][5, 2] = bad["generation_mw"][5, 2] + 10.0
    with pytest.raises(ag.VerificationError) as e:
        ag.verify_results(ds, bad)
    assert "nodal balance" in str(e.value) and "B" in str(e.value)
    bad = res.copy(deep=True)
    bad["flow_forward_mw"][3, 0] = 1e4
    with pytest.raises(ag.VerificationError):
        ag.verify_results(ds, bad)


def test_time_limit_is_an_error_not_a_result():
    ds = three_node_case()
    with pytest.raises(ag.SolveError) as e:
        ag.solve(ds, solver_options=ag.SolverOptions(method="simplex", time_limit_s=0.0))
    assert e.value.status in ("kTimeLimit",)


def test_solver_options_are_recorded(base):
    _, res = base
    assert "simplex" in res.attrs["solver_options"]
    assert res.attrs["solver_status"] == "Optimal"
    assert "pyomo=" in res.attrs["versions"] and "highspy=" in res.attrs["versions"]
    for v in ("price_usd_per_mwh", "generation_mw", "emissions_country_t", "cost_usd"):
        assert res[v].attrs["units"]


def test_non_cyclic_levels_start_half_full():
    ds = three_node_case()
    res = ag.solve(ds, options=Options(cyclic=False))
    assert res.attrs["verified"] == 1


@pytest.mark.parametrize(
    "status,code",
    [
        ("kInfeasible", 3),
        ("kUnbounded", 6),
        ("kTimeLimit", 7),
        ("kIterationLimit", 8),
        ("kSolveError", 9),
        ("kInterrupt", 130),
    ],
)
def test_each_solver_outcome_has_its_exit_code(status, code):
    assert ag.SolveError(status, "x").exit_code == code


def test_sweep_in_a_live_session_matches_independent_solves():
    """Changing a cap in the live solver and warm-starting gives the same optima as building
    each case anew, with fewer simplex iterations after the first solve."""
    from aseangrid import Session

    def case(mt):
        ds = three_node_case()
        ds = ds.drop_vars(["carbon_cap_mt", "carbon_cap_member", "carbon_cap"])
        ds["carbon_cap_mt"] = ("carbon_cap", [mt])
        ds["carbon_cap_member"] = (
            ("carbon_cap", "country"),
            np.isin(ds["country"].values, ["LAO", "THA"])[None, :],
        )
        return ds.assign_coords(carbon_cap=["ASEAN"])

    caps = [0.01, 0.004, 0.003]
    session = Session(case(caps[0]))
    warm, cold_it = [], []
    for mt in caps:
        session.set_carbon_cap("ASEAN", mt)
        res = session.solve()
        cold = ag.solve(case(mt))
        assert res.attrs["objective_usd"] == pytest.approx(cold.attrs["objective_usd"], rel=1e-7)
        np.testing.assert_allclose(
            res["carbon_shadow_price_usd_per_t"],
            cold["carbon_shadow_price_usd_per_t"],
            rtol=1e-5,
            atol=1e-6,
        )
        warm.append(res.attrs["simplex_iterations"])
        cold_it.append(cold.attrs["simplex_iterations"])
    assert res.attrs["warm_start"] == 1
    assert sum(warm[1:]) < sum(cold_it[1:])  # re-solves start from the last basis
    with pytest.raises(ag.InputError):
        session.set_carbon_cap("nope", 1.0)


def test_price_and_link_sweeps_in_a_live_session_match_independent_solves():
    """Carbon prices (objective coefficients) and link capacities (column bounds) changed in
    the live solver give the optima of models built with those numbers."""
    from aseangrid import Session

    def case(price, cap):
        ds = three_node_case(link_cap=cap)
        ds["carbon_price_usd_per_t"].values[list(ds.country.values).index("LAO")] = price
        return ds

    session = Session(case(0.0, 80.0))
    for price, cap in [(0.0, 80.0), (25.0, 80.0), (25.0, 20.0), (60.0, 120.0)]:
        session.set_carbon_price("LAO", price)
        session.set_link_capacity("l0", cap)
        res = session.solve()
        cold = ag.solve(case(price, cap))
        assert res.attrs["objective_usd"] == pytest.approx(cold.attrs["objective_usd"], rel=1e-7)
        assert float(res["flow_forward_mw"].sel(link="l0").max()) <= cap + 1e-6
    with pytest.raises(ag.InputError):
        session.set_link_capacity("nope", 1.0)
    with pytest.raises(ag.InputError):
        session.set_carbon_price("XXX", 1.0)


@pytest.mark.parametrize("case", ["three_node", "shipped_expansion"])
def test_direct_assembly_is_the_pyomo_model(case):
    """The matrix handed to HiGHS straight from the formulation's arrays equals the one Pyomo
    compiles from the complete labelled Pyomo model (the pyomo:<solver> path): same rows,
    columns, coefficients, bounds and costs."""
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    from aseangrid.formulation import build_lp
    from aseangrid.lp import assemble
    from aseangrid.lp.pyomo_view import materialise

    if case == "three_node":
        ds = three_node_case()
    else:
        from aseangrid.scenario import Scenario, load_scenario
        from conftest import SHIPPED

        s = Scenario.model_validate(
            dict(
                dataset=str(SHIPPED),
                year=2035,
                countries=["IDN", "MYS", "SGP"],
                time_resolution=dict(representative_periods=3),
                expansion=dict(early_retirement=["coal"]),
                ramping=True,
            )
        )
        ds = load_scenario(s)
    lp = build_lp(ds)
    sf = assemble(lp)
    m, cols, rows = materialise(lp)
    repn = LinearStandardFormCompiler().write(
        m, mixed_form=True, set_sense=None, column_order=cols, row_order=rows
    )
    A1 = repn.A.tocsc()
    A1.sort_indices()
    assert A1.shape == sf.A.shape
    # rows in the same order as the direct assembly
    assert [id(r[0]) for r in repn.rows] == [id(r) for r in rows]
    np.testing.assert_array_equal(A1.indptr, sf.A.indptr)
    np.testing.assert_array_equal(A1.indices, sf.A.indices)
    np.testing.assert_allclose(A1.data, sf.A.data, rtol=1e-15)
    np.testing.assert_allclose(np.asarray(repn.c.todense()).ravel(), sf.c, rtol=1e-15)
    mult = np.array([r[1] for r in repn.rows])
    rhs = np.asarray(repn.rhs, dtype=float)
    lo = np.where(mult >= 0, np.where(mult == 0, rhs, -np.inf), rhs)
    up = np.where(mult <= 0, np.where(mult == 0, rhs, np.inf), rhs)
    np.testing.assert_allclose(lo, sf.row_lower, rtol=1e-15)
    np.testing.assert_allclose(up, sf.row_upper, rtol=1e-15)

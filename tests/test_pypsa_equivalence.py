"""The peer benchmark compares the same LP: aseangrid and its PyPSA rebuild agree.

On a small slice of the shipped dataset (the seven Thailand-Laos-Malaysia-Singapore nodes,
2030, 48 hours: thermal units with must-run, run-of-river, reservoir hydro with inflow and
spill, batteries, one-way and two-way links with losses and wheeling charges, Singapore's
carbon price) both models are solved with the same HiGHS options and must reach the same
optimal cost. Dispatch may be degenerate (units of equal cost), so instead of comparing it
hour by hour, PyPSA's dispatch is mapped onto aseangrid's variables and must pass aseangrid's
own verification (every balance, bound, storage and reservoir balance) at aseangrid's optimal
cost: it is an optimal solution of aseangrid's LP. Totals that every optimum shares are
compared directly. With the annual policy rows kept (``comparable(ds, policies=True)``) and
added to PyPSA's linopy model (:func:`pypsa_network.add_policies`), the two LPs must agree as
well, penalised slacks included. aseangrid's side is always the exact monolithic LP (the
matrix of ``build_lp`` handed to HiGHS whole), never the decomposed default.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pypsa")

import aseangrid as ag
from aseangrid.engine import check_solution, prepare, run_solver
from aseangrid.formulation import build_lp
from aseangrid.results import extract, verify_results
from aseangrid.solve import Solution, SolverOptions

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from pypsa_network import (  # noqa: E402
    LTMS_NODES,
    add_policies,
    comparable,
    pypsa_primal,
    subset_nodes,
    to_pypsa,
)

RTOL = 1e-6


@pytest.fixture(scope="module")
def raw_ds():
    """The shipped dataset of 2030, first two days (policies and all)."""
    return ag.load_inputs(ROOT / "inputs" / "asean", year=2030).isel(time=slice(0, 48))


@pytest.fixture(scope="module")
def base_ds(raw_ds):
    """The comparable seven-node slice."""
    return subset_nodes(comparable(raw_ds), LTMS_NODES)


def _solve_both(ds, policies: bool = False):
    """aseangrid's exact LP (monolithic: the whole matrix to HiGHS) and the PyPSA rebuild,
    same HiGHS options; with ``policies`` the policy rows are added to PyPSA's model."""
    so = SolverOptions(threads=1)
    lp = build_lp(ds)
    sf = prepare(lp)
    sol = run_solver(lp, sf, ds, so)
    n = to_pypsa(ds, policies=policies)
    n.optimize.create_model(include_objective_constant=False)
    if policies:
        add_policies(n, ds)
    status, condition = n.optimize.solve_model(
        solver_name="highs", io_api="direct", **so.highs_options()
    )
    assert (status, condition) == ("ok", "optimal")
    return (lp, sf), sol, n


def _pypsa_x(m, n, ds) -> np.ndarray:
    """PyPSA's solution as a vector of aseangrid's columns."""
    lp, _ = m
    x = np.zeros(lp.n_cols)
    primal = pypsa_primal(n, ds)
    assert set(primal) == set(lp.blocks), "every aseangrid variable block has a PyPSA value"
    for name, b in lp.blocks.items():
        x[b.offset : b.offset + b.size] = primal[name].ravel()
    return x


def _pypsa_as_aseangrid(m, n, ds, objective: float):
    """PyPSA's dispatch as an aseangrid results Dataset (duals left at zero)."""
    lp, sf = m
    sol = Solution(_pypsa_x(m, n, ds), np.zeros(sf.n_rows), objective, "Optimal", "PyPSA")
    return extract(lp, sf, sol, ds)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_same_objective_and_pypsa_dispatch_is_optimal_for_aseangrid(base_ds):
    """Objectives equal to 1e-6; PyPSA's dispatch passes aseangrid's verification at
    aseangrid's optimal cost; the totals every optimum shares agree. So that the
    unserved-energy generators at the value of lost load are exercised whatever the shipped
    fleet, Laos's demand in the first hour is raised above all the generation and storage
    power of the slice: at least the excess must be shed."""
    ds = base_ds.copy(deep=True)
    supply_mw = float(ds["capacity_mw"].sum() + ds["storage_power_mw"].sum())
    la = ds["node"].values.tolist().index("LA")
    ds["demand_mw"].values[0, la] = supply_mw + 1000.0
    m, sol, n = _solve_both(ds)
    assert n.objective == pytest.approx(sol.objective, rel=RTOL)

    res_p = _pypsa_as_aseangrid(m, n, ds, n.objective)
    verify_results(ds, res_p)  # raises on any violated balance or bound
    assert float(res_p["cost_usd"].sum()) == pytest.approx(sol.objective, rel=RTOL)

    res_a = extract(*m, sol, ds)
    shed_a = float(res_a["unserved_mw"].sum())
    shed_p = float(n.generators_t.p.filter(like="shed:").to_numpy().sum())
    assert shed_a >= 1000.0 - 1e-6
    # shedding costs the value of lost load, far above any other cost: every optimum sheds
    # the same energy
    assert shed_p == pytest.approx(shed_a, rel=1e-6)
    # unit by unit the dispatch is degenerate (equal-cost units), the total is not unless
    # equal-cost routes with different losses exist: compare it to 1e-4 (measured: 2e-16)
    gen_a = float(res_a["generation_mw"].sum())
    gen_p = float(res_p["generation_mw"].sum())
    assert gen_p == pytest.approx(gen_a, rel=1e-4)


@pytest.fixture(scope="module")
def policy_ds(raw_ds, base_ds):
    """The seven-node slice with its policy rows kept and four of them set to bind on it.

    The limits are set from the policy-free optimum of the slice (``base_ds``), so that they
    bind whatever the shipped fleet: Thailand's CO2 capped at 90 % of its unconstrained
    emissions, Malaysia's coal generation at half of its unconstrained coal generation,
    Laos's coal output at half of its unconstrained peak in every hour, Thailand's renewable
    share at 90 % of its demand (more than its renewables can give: the penalised shortfall
    is used). The annual limits are given per year: 48 hours get 48/8760 of them, so the
    test also checks the pro rata rule on both sides. Indonesia's and the Philippines'
    renewable targets and Viet Nam's coal limit stay: rows without a generator on the slice.
    """
    lp = build_lp(base_ds)
    sf = prepare(lp)
    sol = run_solver(lp, sf, base_ds, SolverOptions(threads=1))
    gen = extract(lp, sf, sol, base_ds)["generation_mw"].values  # (time, generator) MW
    w = base_ds["time_weight_h"].values
    per_year = 8760.0 / w.sum()
    country = base_ds["generator_country"].values
    coal = np.isin(base_ds["generator_technology"].values, ("coal", "lignite"))
    ef = base_ds["emission_factor_t_per_mwh"].values
    tha_t = float((w[:, None] * gen * ef)[:, country == "THA"].sum())
    mys_coal_mwh = float((w[:, None] * gen)[:, (country == "MYS") & coal].sum())
    lao_coal_mw = float(gen[:, (country == "LAO") & coal].sum(axis=1).max())
    assert min(tha_t, mys_coal_mwh, lao_coal_mw) > 0

    ds = subset_nodes(comparable(raw_ds, policies=True), LTMS_NODES).copy(deep=True)
    c = ds["country"].values.tolist()
    member = np.zeros_like(ds["carbon_cap_member"].values)
    member[0, c.index("THA")] = True
    ds["carbon_cap_member"].values[:] = member
    ds["carbon_cap_mt"].values[:] = 0.9 * tha_t * per_year / 1e6
    ds["renewable_share_min"].values[c.index("THA")] = 0.9
    ds["coal_generation_max_twh"].values[c.index("MYS")] = 0.5 * mys_coal_mwh * per_year / 1e6
    ds["coal_capacity_max_mw"].values[c.index("LAO")] = 0.5 * lao_coal_mw
    return ds


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_same_objective_with_policies(policy_ds):
    """With the policy rows on both sides (PyPSA's as extra linopy rows with the same
    penalised slacks), the optima agree to 1e-6; every row binds on aseangrid's side (a
    positive shadow price); Thailand's renewable shortfall, 90 % of its demand minus its
    renewable generation, is the same on both sides; PyPSA's solution, slacks included,
    satisfies every row of aseangrid's LP at aseangrid's optimal cost."""
    ds = policy_ds
    m, sol, n = _solve_both(ds, policies=True)
    assert n.objective == pytest.approx(sol.objective, rel=RTOL)

    res_a = extract(*m, sol, ds)
    assert float(res_a["carbon_shadow_price_usd_per_t"].isel(carbon_cap=0)) > 1.0
    assert (
        float(res_a["coal_generation_shadow_price_usd_per_mwh"].sel(country_coal_generation="MYS"))
        > 1.0
    )
    assert float(res_a["coal_capacity_shadow_price_usd_per_mw"].sum()) > 1.0
    assert float(
        res_a["renewable_shadow_price_usd_per_mwh"].sel(country_renewable_target="THA")
    ) == pytest.approx(float(ds["policy_penalty_usd"]))

    lp, sf = m
    x_p = _pypsa_x(m, n, ds)
    b = lp.blocks["renewable_shortfall_mwh"]
    short_a = sol.x[b.offset : b.offset + b.size]
    short_p = x_p[b.offset : b.offset + b.size]
    tha = list(lp.coords["country_renewable_target"]).index("THA")
    w = ds["time_weight_h"].values
    thai = ds["node_country"].values == "THA"
    target = 0.9 * float((w[:, None] * ds["demand_mw"].values)[:, thai].sum())
    gen = res_a["generation_mw"].values
    ren = (ds["generator_country"].values == "THA") & ds["renewable"].values.astype(bool)
    assert short_a[tha] == pytest.approx(target - float((w[:, None] * gen)[:, ren].sum()))
    assert short_a[tha] > 1e5
    np.testing.assert_allclose(short_p, short_a, rtol=RTOL, atol=1e-3)

    res_p = _pypsa_as_aseangrid(m, n, ds, n.objective)
    check_solution(lp, sf, ds, res_p, x_p)  # every row, the policy rows included
    assert float(res_p["cost_usd"].sum()) == pytest.approx(sol.objective, rel=RTOL)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_pypsa_network_mirrors_the_dataset(base_ds):
    """Component counts and capacities of the rebuild match the Dataset."""
    ds = base_ds
    n = to_pypsa(ds)
    reservoirs = int((ds["reservoir_capacity_mwh"].values > 0).sum())
    nodes = ds.sizes["node"]
    assert len(n.buses) == nodes
    assert len(n.generators) == ds.sizes["generator"] - reservoirs + nodes  # + shedding
    assert len(n.storage_units) == reservoirs + ds.sizes["storage"]
    assert len(n.links) == 2 * ds.sizes["link"]
    assert n.links.p_nom.sum() == pytest.approx(
        float(ds["link_capacity_forward_mw"].sum() + ds["link_capacity_backward_mw"].sum())
    )
    assert n.loads_t.p_set.to_numpy().sum() == pytest.approx(float(ds["demand_mw"].sum()))


def test_builder_refuses_what_it_cannot_express(raw_ds):
    """The PyPSA builder refuses a Dataset that still has annual policy rows;
    :func:`comparable` removes them and keeps the carbon prices."""
    ds = raw_ds
    assert ds.sizes["carbon_cap"] > 0  # 2030 has Indonesia's cap: the check is meaningful
    with pytest.raises(ValueError, match="comparable"):
        to_pypsa(ds)
    assert to_pypsa(comparable(ds, policies=True), policies=True) is not None
    out = comparable(ds)
    assert out.sizes["carbon_cap"] == 0
    assert not np.isfinite(out["renewable_share_min"].values).any()
    np.testing.assert_array_equal(
        out["carbon_price_usd_per_t"].values, ds["carbon_price_usd_per_t"].values
    )

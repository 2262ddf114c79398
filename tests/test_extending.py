"""User constraints, variables and cost terms in plain Pyomo, against hand-derived optima.

The case: one node, demand 100 MW in each of 4 hours; coal (20 USD/MWh, 1 tCO2/MWh, 100 MW)
and gas (50 USD/MWh, 100 MW). Without extensions coal serves everything: 20 * 400 = 8,000 USD.
A limit of 200 MWh of coal over the horizon moves 200 MWh to gas: 20 * 200 + 50 * 200 =
14,000 USD, and one more MWh of allowed coal saves 50 - 20 = 30 USD, so the limit's dual
(d cost / d right-hand side) is -30 USD/MWh.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

import aseangrid as ag
from conftest import make_ds

T = 4


def case():
    return make_ds(
        {"A": [100.0] * T},
        generators=[
            dict(name="coal", node="A", technology="coal", capacity_mw=100, cost=20, ef=1.0),
            dict(name="gas", node="A", technology="gas_ccgt", capacity_mw=100, cost=50),
        ],
    )


def coal_limit(m, ds):
    """At most 200 MWh of coal over the horizon."""
    m.coal_limit = pyo.Constraint(expr=sum(m.generation_mw[t, "coal"] for t in m.time) <= 200)
    ag.describe(m.coal_limit, units="MWh", dual_units="USD/MWh")


def test_without_extensions_coal_serves_all():
    assert ag.solve(case()).attrs["objective_usd"] == pytest.approx(8000)


def test_a_constraint_through_ag_solve_moves_the_optimum_and_returns_its_dual():
    res = ag.solve(case(), extensions=[coal_limit])
    assert res.attrs["objective_usd"] == pytest.approx(14000)
    assert float(res["dual_coal_limit"]) == pytest.approx(-30)
    assert res["dual_coal_limit"].attrs["units"] == "USD/MWh"
    assert float(res["generation_twh"].sel(generator="coal")) * 1e6 == pytest.approx(200)
    assert "coal_limit" in res.attrs["user_components"]
    assert "test_extending:coal_limit" in res.attrs["user_components"]
    assert res.attrs["verified"] == 1


def test_the_labelled_model_is_indexed_by_labels():
    m = ag.build_model(case())
    t0 = m.time.first()
    assert list(m.generator) == ["coal", "gas"]
    v = m.generation_mw[t0, "gas"]
    assert (v.lb, v.ub) == (0.0, 100.0)
    assert len(m.generation_mw) == 1  # sparse: only what was touched exists


def test_build_model_then_solve_model():
    ds = case()
    m = ag.build_model(ds)
    coal_limit(m, ds)
    res = ag.solve_model(m)
    assert res.attrs["objective_usd"] == pytest.approx(14000)


def test_an_indexed_constraint_has_its_dual_over_its_own_set():
    """Gas at least 30 MW in every hour: 4 * 30 MWh at 50 instead of 20 (+3,600 USD); each
    MW more in an hour costs 30 USD: dual +30 per hour."""

    def gas_min(m, ds):
        m.gas_min = pyo.Constraint(m.time, rule=lambda m, t: m.generation_mw[t, "gas"] >= 30)

    res = ag.solve(case(), extensions=[gas_min])
    assert res.attrs["objective_usd"] == pytest.approx(8000 + 3600)
    assert res["dual_gas_min"].dims == ("time",)
    np.testing.assert_allclose(res["dual_gas_min"].values, 30, atol=1e-6)


def test_an_objective_term_is_added_to_the_cost():
    """A 100 USD/MWh charge on coal: gas (50) becomes cheaper than coal (120): 50 * 400."""

    def coal_charge(m, ds):
        m.coal_charge = pyo.Objective(expr=100 * sum(m.generation_mw[t, "coal"] for t in m.time))

    res = ag.solve(case(), extensions=[coal_charge])
    assert res.attrs["objective_usd"] == pytest.approx(50 * 400)
    assert float(res["cost_usd"].sel(cost_component="user_coal_charge")) == pytest.approx(0)


def test_a_user_variable_and_a_fixed_model_variable():
    """A user variable ``extra`` (0..50 MW at 0 USD) counts towards a coal cap:
    coal[t] <= 60 + extra_t ... kept simple: coal in hour 0 fixed at 40 MW, so gas makes up
    60 MWh there: 8000 - 60 * 20 + 60 * 50 = 9,800."""

    def fix_coal(m, ds):
        m.generation_mw[m.time.first(), "coal"].fix(40)

    res = ag.solve(case(), extensions=[fix_coal])
    assert res.attrs["objective_usd"] == pytest.approx(9800)

    def with_var(m, ds):
        m.allowance = pyo.Var(bounds=(0, 100))
        m.cap = pyo.Constraint(
            expr=sum(m.generation_mw[t, "coal"] for t in m.time) <= 200 + m.allowance
        )
        m.allowance_cost = pyo.Objective(expr=40 * m.allowance)

    # an allowance costs 40 < 30 saved? no: 30 saved per MWh, 40 paid: none bought
    res = ag.solve(case(), extensions=[with_var])
    assert res.attrs["objective_usd"] == pytest.approx(14000)
    assert float(res["allowance"]) == pytest.approx(0, abs=1e-6)


def test_nothing_active_is_dropped():
    def nonlinear(m, ds):
        m.bad = pyo.Constraint(expr=m.generation_mw[m.time.first(), "gas"] ** 2 <= 10)

    with pytest.raises(ag.InputError, match="not linear"):
        ag.solve(case(), extensions=[nonlinear])

    def integer(m, ds):
        m.units = pyo.Var(domain=pyo.Integers, bounds=(0, 3))

    with pytest.raises(ag.InputError, match="not continuous"):
        ag.solve(case(), extensions=[integer])

    def unknown(m, ds):
        m.sos = pyo.SOSConstraint(var=m.generation_mw, index=[(m.time.first(), "gas")], sos=1)

    with pytest.raises(ag.InputError, match="cannot be taken"):
        ag.solve(case(), extensions=[unknown])

    def maximise(m, ds):
        m.benefit = pyo.Objective(expr=m.generation_mw[m.time.first(), "gas"], sense=pyo.maximize)

    with pytest.raises(ag.InputError, match="maximises"):
        ag.solve(case(), extensions=[maximise])


def test_a_deactivated_component_is_ignored_explicitly():
    def off(m, ds):
        coal_limit(m, ds)
        m.coal_limit.deactivate()

    assert ag.solve(case(), extensions=[off]).attrs["objective_usd"] == pytest.approx(8000)


def test_extensions_by_name(tmp_path, monkeypatch):
    (tmp_path / "my_ext.py").write_text(
        "import pyomo.environ as pyo\n"
        "def coal_limit(m, ds):\n"
        "    m.coal_limit = pyo.Constraint(expr=sum(m.generation_mw[t, 'coal'] for t in m.time)"
        " <= 200)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    res = ag.solve(case(), extensions=["my_ext:coal_limit"])
    assert res.attrs["objective_usd"] == pytest.approx(14000)
    with pytest.raises(ag.InputError, match="my_ext:nope"):
        ag.solve(case(), extensions=["my_ext:nope"])


def test_any_pyomo_solver_gives_the_same_optimum_and_duals():
    """The complete Pyomo model solved by appsi_highs: same objective, primal feasible in the
    same verification, and the user constraint's dual equal (unique here)."""
    pytest.importorskip("highspy")
    so = ag.SolverOptions(solver="pyomo:appsi_highs")
    res = ag.solve(case(), solver_options=so, extensions=[coal_limit])
    assert res.attrs["solver"] == "Pyomo appsi_highs"
    assert res.attrs["objective_usd"] == pytest.approx(14000, rel=1e-9)
    assert float(res["dual_coal_limit"]) == pytest.approx(-30, abs=1e-6)
    assert res.attrs["verified"] == 1


def test_a_missing_pyomo_solver_is_an_environment_error():
    so = ag.SolverOptions(solver="pyomo:no_such_solver_xyz")
    with pytest.raises(ag.AseangridError) as e:
        ag.solve(case(), solver_options=so)
    assert e.value.exit_code == 10

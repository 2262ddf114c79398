"""User constraints, variables and cost terms in plain Pyomo, against hand-derived optima.

The case: one node, demand 100 MW in each of 4 hours; coal (20 USD/MWh, 1 tCO2/MWh, 100 MW)
and gas (50 USD/MWh, 100 MW). Without extensions coal serves everything: 20 * 400 = 8,000 USD.
A limit of 200 MWh of coal over the horizon moves 200 MWh to gas: 20 * 200 + 50 * 200 =
14,000 USD, and one more MWh of allowed coal saves 50 - 20 = 30 USD, so the limit's dual
(d cost / d right-hand side) is -30 USD/MWh.
"""

from __future__ import annotations

import os
import warnings

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


# ---------------------------------------------------------------------------------------
# the same extension through every entry point: run files, pathways, ensembles

EXT = """
import pyomo.environ as pyo


def coal_limit(m, ds):
    m.coal_limit = pyo.Constraint(expr=sum(m.generation_mw[t, "coal"] for t in m.time) <= 200)
"""


def one_node_dataset(folder):
    """The case above as a dataset folder: one node, 100 MW flat, coal at 20 and gas at 50
    USD/MWh (no fuels: the cost is variable O&M), a second year for pathways."""
    import pandas as pd

    from aseangrid.data import schema as sc

    folder.mkdir(parents=True)
    src = "test [assumption]"
    pd.DataFrame(
        {
            "node": ["A"],
            "name": ["a"],
            "country": ["THA"],
            "lat": [13.7],
            "lon": [100.5],
            "timezone": ["Asia/Bangkok"],
            "source": [src],
        }
    ).to_csv(folder / "nodes.csv", index=False)
    pd.DataFrame(
        {
            "node": ["A", "A"],
            "year": [2030, 2035],
            "demand_twh": [0.876, 0.876],
            "peak_mw": [100.0, 100.0],
            "source": [src, src],
        }
    ).to_csv(folder / "demand.csv", index=False)
    pd.DataFrame(
        {
            "generator": ["coal", "gas"],
            "node": ["A", "A"],
            "technology": ["coal", "gas_ccgt"],
            "capacity_mw": [100.0, 100.0],
            "commission_year": [2000, 2000],
            "status": ["existing"] * 2,
            "source": [src] * 2,
        }
    ).to_csv(folder / "generators.csv", index=False)
    cols = [c.name for c in sc.TABLE_BY_NAME["technologies"].columns]
    rows = [
        (k, "none", 1.0, 1.0, 0.0, vom, 0.0, 1000.0, 30.0, 1.0, "false", "none", src)
        for k, vom in (("coal", 20.0), ("gas_ccgt", 50.0))
    ]
    pd.DataFrame(rows, columns=cols).to_csv(folder / "technologies.csv", index=False)
    for t in sc.EXPANSION_TABLES:
        if t.name in ("build_limits", "cost_trajectories"):
            pd.DataFrame(columns=[c.name for c in t.columns]).to_csv(
                folder / t.filename, index=False
            )
    return folder


@pytest.fixture()
def ext_env(tmp_path, monkeypatch):
    (tmp_path / "user_ext.py").write_text(EXT)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(p for p in (str(tmp_path), os.environ.get("PYTHONPATH")) if p)
    )
    return tmp_path, one_node_dataset(tmp_path / "data")


def test_an_extension_by_name_in_a_run_file(ext_env):
    root, data = ext_env
    rf = root / "ext.yaml"
    rf.write_text(
        f"defaults: {{dataset: {data}, year: 2030, hours: 4}}\n"
        "scenarios:\n  base: {}\n  limited: {extensions: ['user_ext:coal_limit']}\n"
    )
    out = ag.run(rf, out=root / "out", jobs=1)
    base, lim = ag.load_results(out / "base"), ag.load_results(out / "limited")
    assert base.attrs["objective_usd"] == pytest.approx(8000)
    assert lim.attrs["objective_usd"] == pytest.approx(14000)
    assert float(lim["dual_coal_limit"]) == pytest.approx(-30)
    assert "user_ext:coal_limit" in lim.attrs["user_components"]


def test_an_extension_in_every_year_of_a_pathway(ext_env):
    root, data = ext_env
    rf = root / "pw.yaml"
    rf.write_text(
        f"defaults: {{dataset: {data}, hours: 4, expansion: {{}}, pathway: {{years: [2030, 2035]}},"
        " extensions: ['user_ext:coal_limit']}\nscenarios:\n  pw: {}\n"
    )
    out = ag.run(rf, out=root / "out", jobs=1)
    for y in (2030, 2035):
        r = ag.load_results(out / "pw" / str(y))
        assert r.attrs["objective_usd"] == pytest.approx(14000)
        assert float(r["dual_coal_limit"]) == pytest.approx(-30)


def test_an_extension_in_an_ensemble_on_a_local_cluster(ext_env):
    root, data = ext_env
    ef = root / "ens.yaml"
    ef.write_text(
        f"base: {{dataset: {data}, year: 2030, hours: 4, extensions: ['user_ext:coal_limit']}}\n"
        "grid:\n  value_of_lost_load_usd_per_mwh: [5000, 6000]\n"
    )
    out = ag.ensemble(ef, out=root / "ens", workers=2, warm_start=False)
    assert sorted(out.computed) == sorted(out.summary.index.tolist())
    for nc in (root / "ens" / "scenarios").glob("*.nc"):
        r = ag.load_results(nc)
        assert r.attrs["objective_usd"] == pytest.approx(14000)
        assert float(r["dual_coal_limit"]) == pytest.approx(-30)


# ---------------------------------------------------------------------------------------
# the documented examples (docs/extending.md) on two days of the shipped 2030 data


@pytest.fixture(scope="module")
def shipped_48h():
    from conftest import SHIPPED

    return ag.load_inputs(SHIPPED, year=2030).isel(time=slice(0, 48))


@pytest.fixture(scope="module")
def base_48h(shipped_48h):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ag.solve(shipped_48h)


def _thai_gas_mwh(res):
    g = res["generator"].values[
        (res["generator_country"].values == "THA")
        & np.isin(res["generator_technology"].values, ["gas_ccgt", "gas_ocgt"])
    ]
    return float(res["generation_twh"].sel(generator=g).sum()) * 1e6


def test_example_thai_gas_limit(shipped_48h, base_48h):
    from aseangrid import examples

    limit = 1e6 * examples.THAI_GAS_TWH_PER_YEAR * 48 / 8760
    assert _thai_gas_mwh(base_48h) > limit  # it binds on these two days
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ag.solve(shipped_48h, extensions=[examples.thai_gas_limit])
    assert _thai_gas_mwh(res) == pytest.approx(limit, rel=1e-6)
    assert float(res["dual_thai_gas_limit"]) < 0
    assert res.attrs["objective_usd"] > base_48h.attrs["objective_usd"]


def test_example_corridor_minimum_flow(shipped_48h):
    from aseangrid import examples

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ag.solve(shipped_48h, extensions=[examples.my_sg_minimum_flow])
    ds = shipped_48h
    fwd = (ds["link_from"].values == "MY-PEN") & (ds["link_to"].values == "SG")
    bwd = (ds["link_from"].values == "SG") & (ds["link_to"].values == "MY-PEN")
    flow = res["flow_forward_mw"].values[:, fwd].sum(1) + res["flow_backward_mw"].values[
        :, bwd
    ].sum(1)
    assert flow.min() >= examples.MY_SG_MINIMUM_MW - 1e-6
    assert res["dual_my_sg_minimum_flow"].dims == ("time",)
    assert float(res["dual_my_sg_minimum_flow"].min()) >= -1e-6  # a >= row: dual >= 0


def test_example_cost_term(shipped_48h, base_48h):
    from aseangrid import examples

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ag.solve(shipped_48h, extensions=[examples.indonesia_coal_levy])
    g = res["generator"].values[
        (res["generator_country"].values == "IDN")
        & np.isin(res["generator_technology"].values, ["coal", "lignite"])
    ]
    levy = (
        examples.COAL_LEVY_USD_PER_MWH * float(res["generation_twh"].sel(generator=g).sum()) * 1e6
    )
    assert float(res["cost_usd"].sel(cost_component="user_indonesia_coal_levy")) == pytest.approx(
        levy
    )
    assert res.attrs["objective_usd"] >= base_48h.attrs["objective_usd"]


@pytest.mark.parametrize("suffix", [".lp", ".mps"])
def test_export_with_readable_names(tmp_path, suffix):
    m = ag.build_model(case())
    coal_limit(m, None)
    p = tmp_path / f"model{suffix}"
    ag.export_model(m, p)
    text = p.read_text()
    assert "generation_mw(" in text and "nodal_balance(" in text and "coal_limit" in text


def test_the_examples_in_the_docs_run(monkeypatch):
    """Every Python block of docs/extending.md, run in order from the repository root."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    text = (root / "docs" / "extending.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 3
    monkeypatch.chdir(root)
    scope: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for code in blocks:
            exec(compile(code, "docs/extending.md", "exec"), scope)
    assert float(scope["res"]["cost_usd"].sel(cost_component="user_indonesia_coal_levy")) > 0

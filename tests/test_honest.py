"""Honest solves: what is solved is what was asked, and a wrong solution cannot pass.

* Verification in two layers, per row block: a solution tampered so that one row of a block is
  violated fails the generic residual check of the solved matrix *and* the physical checks
  recomputed from the inputs alone (with the objective made consistent, so that only the rows
  can give it away).
* Live sessions: after any sequence of edits (carbon caps, carbon prices, link capacities,
  one-way links swept through zero and back) the matrix, bounds and costs in HiGHS equal a
  fresh build of the edited scenario.
* Breaches are recorded and labelled; strict runs fail on them; annual limits apply pro rata.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import aseangrid as ag
from aseangrid.engine import prepare, run_solver
from aseangrid.errors import PolicyBreachError, PolicyBreachWarning, VerificationError
from aseangrid.formulation import Options, build_lp
from aseangrid.lp import assemble, residuals
from aseangrid.results import extract, verify_results
from aseangrid.results.breaches import mark_breaches
from aseangrid.scenario import Scenario, apply, load_scenario
from aseangrid.solve import Solution
from conftest import SHIPPED, make_ds

# ---------------------------------------------------------------------------------------
# tampering, block by block

#: what the physical checks call each row block
FAMILY = {
    "nodal_balance": "nodal balance",
    "generation_capacity": "availability",
    "generation_kept": "availability",
    "must_run_kept": "must-run",
    "ramp_up": "ramping",
    "ramp_down": "ramping",
    "reservoir_balance": "reservoir balance",
    "storage_balance": "storage balance",
    "storage_charge_cap": "storage power",
    "storage_discharge_cap": "storage power",
    "storage_level_mwh_cap": "storage level",
    "flow_forward_cap": "forward limit",
    "flow_backward_cap": "backward limit",
    "carbon_cap_limit": "carbon cap",
    "renewable_share": "renewable target",
    "coal_generation_limit": "coal generation limit",
    "coal_capacity_limit": "hourly coal limit",
}


def _family(block: str) -> str:
    """The words the physical checks use for a block's rows. Rows that only tie a stock's
    typical-period extremes to its level (``*_below_max``, ``*_above_min``, ``*_link``,
    ``*_top``, ``*_bottom``) are checked as what they mean: the stock's level and balance."""
    if block in FAMILY:
        return FAMILY[block]
    if block.startswith("reservoir_level_mwh"):
        return "reservoir"
    if block.startswith("storage_level_mwh"):
        return "storage"
    raise KeyError(block)


def _case(hourly: bool):
    """Indonesia, Malaysia, Singapore in 2035 with expansion, early retirement, ramping and
    every policy kind: every row block of the formulation occurs."""
    s = dict(
        dataset=str(SHIPPED),
        year=2035,
        countries=["IDN", "MYS", "SGP"],
        expansion=dict(early_retirement=["coal"]),
        ramping=True,
        carbon_caps={"IDN": dict(countries=["IDN"], mt=250)},
        renewable_share_min={"MYS": 0.3},
        coal_generation_max_twh={"IDN": 150},
        coal_capacity_max_mw={"MYS": 8000},
    )
    if hourly:
        s["hours"] = 48
    else:
        s["time_resolution"] = dict(representative_periods=2)
    return load_scenario(Scenario.model_validate(s))


@pytest.fixture(scope="module", params=["typical_days", "hourly"])
def solved(request):
    ds = _case(request.param == "hourly")
    lp = build_lp(ds, Options(ramping=True))
    sf = prepare(lp)
    sol = run_solver(lp, sf, ds, ag.SolverOptions())
    return ds, lp, sf, sol


def _tamper(lp, sf, x: np.ndarray, block: str) -> np.ndarray:
    """``x`` moved along one column so that one row of ``block`` is violated by a clear margin."""
    rows = sf.rows_of(block)
    ax = sf.A @ x
    A = sf.A.tocsr()
    r = lp.rows[block]
    for i in rows[:: max(1, rows.size // 50)]:
        a, b = A.indptr[i], A.indptr[i + 1]
        if a == b:
            continue
        cols, vals = A.indices[a:b], A.data[a:b]
        j = int(np.argmax(np.abs(vals)))
        bound = sf.row_upper[i] if r.sense in ("<=", "==") else sf.row_lower[i]
        margin = max(5.0, 1e-3 * abs(bound))
        target = bound + margin if r.sense in ("<=", "==") else bound - margin
        y = x.copy()
        y[cols[j]] += (target - ax[i]) / vals[j]
        return y
    raise AssertionError(f"no row with columns in {block}")


def _blocks(lp):
    return [b for b in lp.rows if lp.triplets[b].rows.size]


def test_every_family_of_rows_is_in_the_cases(solved):
    _ds, lp, _sf, _sol = solved
    for b in _blocks(lp):
        _family(b)  # every block has a physical counterpart


def test_the_untampered_solution_passes_both_layers(solved):
    ds, lp, sf, sol = solved
    assert residuals(lp, sf, sol.x) == []
    verify_results(ds, extract(lp, sf, sol, ds))


def test_a_tampered_row_fails_both_layers_in_every_block(solved):
    ds, lp, sf, sol = solved
    missed = []
    for block in _blocks(lp):
        y = _tamper(lp, sf, sol.x, block)
        generic = {r.block for r in residuals(lp, sf, y)}
        if block not in generic:
            missed.append(f"{block}: generic check")
        bad = Solution(y, sol.row_dual, float(sf.c @ y), "Optimal", "tampered")
        res = extract(lp, sf, bad, ds)
        try:
            verify_results(ds, res)
            missed.append(f"{block}: physical checks passed")
        except VerificationError as exc:
            lines = [ln for ln in str(exc).splitlines()[1:] if "objective" not in ln]
            if not any(_family(block) in ln for ln in lines):
                missed.append(f"{block}: physical checks did not name '{_family(block)}': {lines}")
    assert not missed, "\n".join(missed)


def test_coal_far_above_its_limit_cannot_pass():
    """The reported case: 44 GW of coal against a 1 MW hourly limit must fail verification."""
    ds = make_ds(
        {"A": [500.0, 500.0]},
        generators=[dict(name="coal", node="A", technology="coal", capacity_mw=1000, cost=10)],
        coal_capacity_max_mw={"THA": 1.0},
    )
    res = ag.solve(ds, options=Options(policy_slack=False, unserved_energy=True))
    bad = res.copy(deep=True)
    bad["unserved_mw"][:] = 0.0
    bad["generation_mw"][:] = 500.0  # serves demand, breaks the coal limit
    with pytest.raises(VerificationError, match="hourly coal limit"):
        verify_results(ds, bad)


# ---------------------------------------------------------------------------------------
# live sessions equal fresh builds


def _sweep_case():
    """Two nodes in two countries, a two-way and a one-way link, a carbon cap and prices."""
    T = 6
    ds = make_ds(
        {"A": [100.0] * T, "B": [80.0] * T},
        generators=[
            dict(name="coal", node="A", technology="coal", capacity_mw=200, cost=20, ef=1.0),
            dict(name="gas", node="B", technology="gas_ccgt", capacity_mw=200, cost=50, ef=0.4),
        ],
        links=[
            dict(name="two_way", a="A", b="B", fwd=50, bwd=50),
            dict(name="one_way", a="A", b="B", fwd=40, bwd=0),
        ],
        country_of={"A": "THA", "B": "LAO"},
        carbon_caps={"ASEAN": (1.0, ["THA", "LAO"])},
    )
    return ds


def _same_program(live: dict, sf) -> list[str]:
    diffs = []
    A = live["A"].tocsc()
    A.sort_indices()
    if A.shape != sf.A.shape or (A != sf.A).nnz:
        diffs.append("matrix")
    for k, ref in (
        ("c", sf.c),
        ("col_lower", sf.col_lower),
        ("col_upper", sf.col_upper),
        ("row_lower", sf.row_lower),
        ("row_upper", sf.row_upper),
    ):
        if not np.array_equal(live[k], ref):
            diffs.append(k)
    return diffs


@pytest.mark.parametrize("seed", range(12))
def test_after_any_edits_the_live_program_equals_a_fresh_build(seed):
    rng = np.random.default_rng(seed)
    base = _sweep_case()
    s = ag.Session(base)
    caps, prices, links = {}, {}, {}
    for _ in range(6):
        kind = rng.integers(3)
        if kind == 0:
            caps["ASEAN"] = float(rng.choice([0.0, 1e-4, 2e-4, 1.0]))
            s.set_carbon_cap("ASEAN", caps["ASEAN"])
        elif kind == 1:
            c = str(rng.choice(["THA", "LAO", "ASEAN"]))
            v = float(rng.choice([0.0, 10.0, 80.0]))
            if c == "ASEAN":
                prices.clear()
            prices[c] = v
            s.set_carbon_price(c, v)
        else:
            lk = str(rng.choice(["two_way", "one_way"]))
            links[lk] = float(rng.choice([0.0, 30.0, 120.0]))
            s.set_link_capacity(lk, links[lk])
        if rng.random() < 0.5:
            s.solve()
    scen = Scenario(
        carbon_caps={k: dict(countries=["THA", "LAO"], mt=v) for k, v in caps.items()},
        carbon_price_usd_per_t=prices,
        link_capacity_mw=links,
    )
    fresh = apply(base, scen)
    sf = assemble(build_lp(fresh))
    assert _same_program(s.live_program(), sf) == []
    assert float(fresh["link_capacity_backward_mw"].sel(link="one_way")) == 0.0
    res = s.solve()
    assert float(res["flow_backward_mw"].sel(link="one_way").max()) == 0.0


def test_a_one_way_link_swept_through_zero_stays_one_way():
    s = ag.Session(_sweep_case())
    for mw in (40.0, 0.0, 60.0):
        s.set_link_capacity("one_way", mw)
        res = s.solve()
        assert float(res["link_capacity_backward_mw"].sel(link="one_way")) == 0.0
        assert float(res["link_capacity_forward_mw"].sel(link="one_way")) == mw


def test_singapore_import_sweep_keeps_the_licence_links_one_way(tmp_path):
    """The shipped run file's 4 GW and 6 GW points: no backward capacity on any one-way link."""
    out = ag.run(
        SHIPPED.parents[1] / "runs" / "singapore-imports.yaml",
        out=tmp_path / "sg",
        hours=24,
        jobs=1,
    )
    one_way = [
        n
        for n, d in zip(
            *(lambda r: (r["link"].values, r["link_direction"].values))(
                ag.load_results(out / "sg-imports-4gw")
            ),
            strict=True,
        )
        if d != "both"
    ]
    assert one_way
    for name in ("sg-no-new-imports", "sg-imports-4gw", "sg-imports-6gw"):
        r = ag.load_results(out / name)
        assert float(r["link_capacity_backward_mw"].sel(link=one_way).max()) == 0.0, name
        assert float(r["flow_backward_mw"].sel(link=one_way).max()) == 0.0, name


def test_sweep_values_are_checked_like_a_fresh_build():
    s = ag.Session(_sweep_case())
    with pytest.raises(ag.InputError, match=r"carbon_price_usd_per_t\.THA"):
        s.set_carbon_price("THA", 1e16)
    with pytest.raises(ag.InputError, match=r"link_capacity_mw\.one_way"):
        s.set_link_capacity("one_way", -5.0)
    with pytest.raises(ag.InputError, match=r"carbon_caps\.ASEAN"):
        s.set_carbon_cap("ASEAN", float("nan"))


# ---------------------------------------------------------------------------------------
# breaches and horizons


def _capped(mt: float):
    """Coal only (1 t/MWh), 100 MW for 4 hours: 400 t over the horizon; shedding (VoLL
    20,000 USD/MWh) costs more than a tonne over the cap (penalty 5,000 USD)."""
    return make_ds(
        {"A": [100.0] * 4},
        generators=[
            dict(name="coal", node="A", technology="coal", capacity_mw=200, cost=10, ef=1.0)
        ],
        carbon_caps={"ASEAN": (mt, ["THA"])},
        voll=20000.0,
    )


def test_a_breached_cap_is_recorded_labelled_and_warned():
    with pytest.warns(PolicyBreachWarning, match="carbon cap ASEAN missed by 0.0003 Mt"):
        res = ag.solve(_capped(1e-4))
    assert "carbon cap ASEAN missed" in res.attrs["policy_breaches"]
    assert bool(res["breach_carbon_cap_excess"].sel(carbon_cap="ASEAN"))
    assert bool(res["carbon_shadow_price_usd_per_t_is_penalty"].sel(carbon_cap="ASEAN"))
    assert float(res["carbon_shadow_price_usd_per_t"].sel(carbon_cap="ASEAN")) == pytest.approx(
        5000
    )
    assert bool(res["price_set_by_penalty"].all())


def test_strict_makes_a_breach_an_error():
    with pytest.raises(PolicyBreachError) as e:
        ag.solve(_capped(1e-4), strict=True)
    assert e.value.exit_code == 11 and "carbon cap ASEAN" in str(e.value)


def test_a_cap_that_holds_is_quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("error", PolicyBreachWarning)
        res = ag.solve(_capped(1e-3))
    assert res.attrs["policy_breaches"] == "" and res.attrs["n_policy_breaches"] == 0
    assert not bool(res["price_set_by_penalty"].any())


def test_annual_limits_apply_pro_rata_on_a_partial_horizon(tiny_shipped_2030):
    """An annual ASEAN cap of 500 Mt allows 500 * 48 / 8760 = 2.74 Mt over 48 hours (the
    48 hours would emit about 4.4 Mt uncapped: the cap binds)."""
    ds = apply(
        tiny_shipped_2030,
        Scenario(year=2030, carbon_caps={"ASEAN": dict(countries="ASEAN", mt=500)}),
    )
    res = ag.solve(ds)
    em = float(res["emissions_country_t"].sum()) - float(res["carbon_cap_excess_t"].sum())
    assert em <= 500e6 * 48 / 8760 + 1.0
    assert res.attrs["horizon_share"] == pytest.approx(48 / 8760)
    assert float(res["carbon_shadow_price_usd_per_t"].sel(carbon_cap="ASEAN")) > 0  # it binds


@pytest.fixture(scope="module")
def tiny_shipped_2030():
    return ag.load_inputs(SHIPPED, year=2030).isel(time=slice(0, 48))


def test_mark_breaches_finds_unserved_energy():
    ds = make_ds(
        {"A": [100.0, 300.0]}, generators=[dict(name="g", node="A", capacity_mw=200, cost=10)]
    )
    with pytest.warns(PolicyBreachWarning, match="unserved energy at A"):
        res = ag.solve(ds)
    assert "unserved energy at A: 0.0001 TWh" in res.attrs["unserved_energy_note"]
    assert mark_breaches(res)  # idempotent: finds it again


def test_integrated_after_isolated_in_one_session_equals_fresh_solves(tmp_path):
    """The exact path solves a topology pair in one live model, isolated first: only the
    cross-border bounds change, the integrated solve starts from the isolated basis, and both
    results are those of fresh builds."""
    from aseangrid.session import sweep_groups

    rf = tmp_path / "pair.yaml"
    rf.write_text(
        f"defaults:\n  dataset: {SHIPPED}\n  year: 2030\n  hours: 48\n"
        "  countries: [LAO, THA, KHM]\n  solve: {method: monolithic}\n"
        "scenarios:\n  integrated: {topology: integrated}\n  isolated: {topology: isolated}\n"
    )
    from aseangrid.scenario import load_run

    scen = load_run(rf)[1]
    assert sweep_groups(scen, list(scen)) == [["isolated", "integrated"]]
    out = ag.run(rf, out=tmp_path / "out", jobs=1, exact=True)
    for name in ("integrated", "isolated"):
        live = ag.load_results(out / name)
        fresh = ag.solve(load_scenario(scen[name]), method="monolithic")
        assert live.attrs["objective_usd"] == pytest.approx(fresh.attrs["objective_usd"], rel=1e-9)
        assert live.attrs["verified"] == 1
    assert ag.load_results(out / "integrated").attrs["warm_start"] == 1
    flows = ag.load_results(out / "isolated")["flow_forward_mw"]
    assert float(flows.sum()) > 0  # domestic links still carry power

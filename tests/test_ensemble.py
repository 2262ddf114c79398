"""Ensembles on Dask (issue 8): expansion, equality with one-by-one solves, failure isolation,
a worker killed mid-run, resume; on a LocalCluster with 2 workers and the shipped dataset at
48 hours."""

from __future__ import annotations

import dataclasses
import os
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import aseangrid as ag
from aseangrid.cli import app
from aseangrid.ensemble import (
    ExitOnce,
    Sample,
    ScenarioFailures,
    draw_sample,
    ensemble,
    load_ensemble,
    plan_tasks,
)
from aseangrid.ensemble.records import Reporter
from aseangrid.errors import InputError
from aseangrid.pipeline import options_of as _options
from aseangrid.runner import load_results
from aseangrid.scenario import load_scenario
from conftest import SHIPPED

#: Variables compared value for value with the one-by-one solves.
COMPARED = ("generation_mw", "flow_forward_mw", "storage_level_mwh", "price_usd_per_mwh")


def write(folder: Path, name: str, body: str) -> Path:
    p = folder / name
    p.write_text(textwrap.dedent(body).replace("DATA", str(SHIPPED)))
    return p


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as c:
        yield c


@pytest.fixture(scope="module")
def caps_file(tmp_path_factory) -> Path:
    # 48 hours of 2030 emit about 4.2 MtCO2 (integrated): caps of 4.0 and 3.6 bind
    return write(
        tmp_path_factory.mktemp("ens"),
        "caps.yaml",
        """
        description: topology x ASEAN cap, 48 hours
        base:
          dataset: DATA
          year: 2030
          hours: 48
          carbon_caps: {ASEAN: {countries: ASEAN, mt: 4.0}}
        grid:
          topology: [integrated, isolated]
          carbon_caps.ASEAN.mt: [4.0, 3.6]
        warm_start: false
        """,
    )


@pytest.fixture(scope="module")
def one_by_one(caps_file) -> dict:
    """The same scenarios solved one after another in this process with aseangrid.solve."""
    _, members = load_ensemble(caps_file)
    out = {}
    for m in members:
        opts, so = _options(m.scenario)
        out[m.name] = ag.solve(load_scenario(m.scenario), options=opts, solver_options=so)
    return out


@pytest.fixture(scope="module")
def first_run(caps_file, cluster):
    return ensemble(caps_file, scheduler=cluster.scheduler_address)


# -- the ensemble file ------------------------------------------------------------------------


def test_grid_expands_in_order_with_names_and_parameters(caps_file):
    _, members = load_ensemble(caps_file)
    assert [m.name for m in members] == [
        "integrated-mt4",
        "integrated-mt3.6",
        "isolated-mt4",
        "isolated-mt3.6",
    ]
    assert members[3].parameters == {"topology": "isolated", "mt": 3.6}
    s = members[3].scenario
    assert s.topology == "isolated" and s.carbon_caps["ASEAN"].mt == 3.6
    assert s.solver.threads == 1  # one solver thread per worker
    assert s.carbon_caps["ASEAN"].countries == "ASEAN"  # merged into the base's cap


def test_shipped_ensemble_files_validate():
    root = Path(__file__).resolve().parents[1] / "runs"
    ef, members = load_ensemble(root / "ensemble-hydro-carbon.yaml")
    assert len(members) == 20 and ef.warm_start
    assert {m.scenario.hydrology for m in members} == {"normal", "dry"}
    assert members[0].scenario.year == 2030 and members[0].scenario.hours is None
    # full years are solved decomposed (processes per week), so each member is its own task
    assert [len(t) for t in plan_tasks(members, 2, True)] == [1] * 20
    # solved as one LP, the 5 caps x 2 topologies of each hydrology share one live session
    exact = [
        dataclasses.replace(m, scenario=m.scenario.model_copy(update={"solve": mono}))
        for m in members
        for mono in [m.scenario.solve.model_copy(update={"method": "monolithic"})]
    ]
    tasks = plan_tasks(exact, 2, True)
    assert [len(t) for t in tasks] == [10, 10]
    assert all(m.scenario.topology == "isolated" for t in tasks for m in t[:5])
    # more workers than sweeps: sweeps are halved so no worker idles
    assert len(plan_tasks(exact, 8, True)) == 8
    month = load_ensemble(root / "ensemble-hydro-carbon-month.yaml")[1]
    assert [m.name for m in month][:2] == ["normal-integrated-cap800", "normal-integrated-cap750"]
    assert all(m.scenario.hours == 720 for m in month)
    sample = load_ensemble(root / "ensemble-fuel-demand-sample.yaml")[1]
    assert len(sample) == 32 and sample[0].name == "integrated-s00"


def test_bad_ensemble_files_name_the_key(tmp_path):
    bad = write(
        tmp_path,
        "bad.yaml",
        """
        base: {dataset: DATA, year: 2030}
        grid: {hydrolgy: [normal, dry]}
        """,
    )
    with pytest.raises(InputError, match="did you mean 'hydrology'"):
        load_ensemble(bad)
    bad2 = write(
        tmp_path,
        "bad2.yaml",
        """
        base: {dataset: DATA, year: 2030}
        grid: {demand_scale: [1.0, -1.0], hydrology: [normal, wet]}
        """,
    )
    with pytest.raises(InputError) as err:
        load_ensemble(bad2)
    msg = str(err.value)
    assert "scenarios.demand_scale1-wet.hydrology" in msg  # named by scenario and key
    assert "scenarios.demand_scale-1-normal.demand_scale" in msg
    dup = write(
        tmp_path,
        "dup.yaml",
        """
        base: {dataset: DATA, year: 2030}
        grid: {demand_scale: [1.0, 1.1]}
        name: same
        """,
    )
    with pytest.raises(InputError, match="unique names"):
        load_ensemble(dup)


def test_latin_hypercube_is_reproducible_stratified_and_within_bounds():
    bounds = {"demand_scale": (0.9, 1.1), "fuel_price_scale.gas": (0.7, 1.5)}
    s = Sample(
        size=10,
        seed=7,
        parameters={
            **{k: {"low": lo, "high": hi} for k, (lo, hi) in bounds.items()},
            "hydrology": {"choices": ["normal", "dry"]},
        },
    )
    a, b = draw_sample(s), draw_sample(s)
    assert a == b and len(a) == 10  # reproducible for a seed
    assert draw_sample(s.model_copy(update={"seed": 8})) != a
    for key, (lo, hi) in bounds.items():
        u = np.array([d[key] for d in a])
        assert ((u >= lo) & (u <= hi)).all()  # within bounds
        strata = np.floor((u - lo) / (hi - lo) * 10).astype(int)
        assert sorted(strata.tolist()) == list(range(10))  # one draw in each tenth
    # choices are strata too: 10 draws of 2 choices, 5 each
    assert sorted(d["hydrology"] for d in a) == ["dry"] * 5 + ["normal"] * 5


def test_random_sample_is_reproducible_and_within_bounds():
    s = Sample(
        size=50, seed=3, method="random", parameters={"demand_scale": {"low": 0.9, "high": 1.1}}
    )
    a = draw_sample(s)
    assert a == draw_sample(s)
    u = np.array([d["demand_scale"] for d in a])
    assert ((u >= 0.9) & (u <= 1.1)).all() and len(set(u.tolist())) == 50


def test_reporter_says_one_line_per_scenario_and_keeps_the_full_record(tmp_path):
    lines: list[str] = []
    rep = Reporter(tmp_path, 2, lines.append)
    event = {"name": "a", "status": "ok", "total_s": 1.0, "pid": 7, "peak_rss_mb": 10.0}
    rep.on_event((0.0, event))  # the worker's announcement comes first ...
    rep({**event, "worker": "tcp://w1", "objective_usd": 1.0})  # ... then the task's result
    rep({"name": "b", "status": "skipped"})  # no record on disk: not a finished scenario
    assert lines == ["  [1/2] a: solved in 1.0 s (process 7, peak 10 MB)"]
    assert rep.records["a"]["worker"] == "tcp://w1" and "b" not in rep.records


# -- running on a LocalCluster with 2 workers -------------------------------------------------


def test_results_identical_to_one_by_one(first_run, one_by_one):
    r = first_run
    assert r.computed == list(one_by_one) and not r.failed and not r.skipped
    assert r.summary["pid"].nunique() == 2  # both workers solved scenarios
    combined = r.open()
    assert combined.sizes["scenario"] == 4
    assert combined["topology"].values.tolist() == ["integrated"] * 2 + ["isolated"] * 2
    for name, ref in one_by_one.items():
        got = load_results(r.folder / "scenarios" / f"{name}.nc")
        assert got.attrs["objective_usd"] == ref.attrs["objective_usd"]
        assert float(combined["objective_usd"].sel(scenario=name)) == ref.attrs["objective_usd"]
        assert r.summary.loc[name, "objective_usd"] == ref.attrs["objective_usd"]
        for v in COMPARED:
            assert np.array_equal(got[v].values, ref[v].values), (name, v)
            assert np.array_equal(combined[v].sel(scenario=name).values, ref[v].values)
    # the caps bind: tighter cap, higher cost
    obj = r.summary["objective_usd"]
    assert obj["integrated-mt3.6"] > obj["integrated-mt4"]
    assert obj["isolated-mt4"] > obj["integrated-mt4"]
    assert (r.folder / "summary.csv").is_file() and (r.folder / "log.json").is_file()


def test_second_run_resumes_without_recomputing(first_run, caps_file, cluster, one_by_one):
    folder = first_run.folder
    files = sorted((folder / "scenarios").glob("*.nc"))
    stamps = {p: p.stat().st_mtime_ns for p in files}
    lines: list[str] = []
    again = ensemble(caps_file, scheduler=cluster.scheduler_address, progress=lines.append)
    assert again.computed == [] and again.skipped == list(one_by_one)
    assert {p: p.stat().st_mtime_ns for p in files} == stamps  # nothing rewritten
    assert "4 already complete, 0 to solve" in lines[0]
    assert again.open().sizes["scenario"] == 4
    # a lost result is the only one solved again
    (folder / "scenarios" / "isolated-mt4.nc").unlink()
    third = ensemble(caps_file, scheduler=cluster.scheduler_address)
    assert third.computed == ["isolated-mt4"]
    got = load_results(folder / "scenarios" / "isolated-mt4.nc")
    assert got.attrs["objective_usd"] == one_by_one["isolated-mt4"].attrs["objective_usd"]
    # without resume everything is solved again, each file replaced when its new one is done
    fresh = ensemble(caps_file, scheduler=cluster.scheduler_address, resume=False)
    assert fresh.computed == list(one_by_one) and not fresh.skipped
    assert all(p.stat().st_mtime_ns > stamps[p] for p in files)


def test_warm_started_sweeps_give_the_same_optima(caps_file, cluster, one_by_one, tmp_path):
    r = ensemble(caps_file, scheduler=cluster.scheduler_address, warm_start=True, out=tmp_path)
    assert not r.failed
    assert r.summary.loc["integrated-mt3.6", "warm_start"]  # second of its sweep
    assert not r.summary.loc["integrated-mt4", "warm_start"]
    for name, ref in one_by_one.items():
        assert r.summary.loc[name, "objective_usd"] == pytest.approx(
            ref.attrs["objective_usd"], rel=1e-9
        )


def test_failing_scenario_is_reported_and_the_others_complete(tmp_path, cluster):
    # isolated with no load shedding: a country cannot meet its demand (infeasible; with the
    # 2030 fleet from the national plans the diagnosis names Myanmar's first hour)
    f = write(
        tmp_path,
        "fail.yaml",
        """
        base: {dataset: DATA, year: 2030, hours: 48, topology: isolated}
        grid:
          unserved_energy: [true, false]
          hydrology: [normal, dry]
        """,
    )
    r = ensemble(f, scheduler=cluster.scheduler_address)
    assert r.failed == ["unserved_energy-no-normal", "unserved_energy-no-dry"]
    for name in r.failed:
        row = r.summary.loc[name]
        assert row["status"] == "failed" and row["exit_code"] == 3
        assert "infeasible" in row["error"]
        assert re.search(r"\b[A-Z]{2}(-[A-Z]+)?'s balance at 2030-", row["error"]), row["error"]
    ok = [n for n in r.summary.index if n not in r.failed]
    assert r.computed == ok and len(ok) == 2
    for n in ok:
        assert (r.folder / "scenarios" / f"{n}.nc").is_file()
    assert r.open()["scenario"].values.tolist() == ok
    with pytest.raises(ScenarioFailures) as err:
        r.raise_for_failures()
    assert err.value.exit_code == 3
    # a rerun tries the failed scenario again and skips the rest
    again = ensemble(f, scheduler=cluster.scheduler_address)
    assert again.computed == [] and again.skipped == ok and again.failed == r.failed


def test_killed_worker_does_not_lose_the_ensemble(caps_file, cluster, one_by_one, tmp_path):
    marker = tmp_path / "killed.pid"
    lines: list[str] = []
    r = ensemble(
        caps_file,
        scheduler=cluster.scheduler_address,
        out=tmp_path / "out",
        before_solve=ExitOnce("isolated-mt4", str(marker)),
        progress=lines.append,
    )
    dead_pid = int(marker.read_text())  # the worker process really exited ...
    assert not r.failed and r.computed == list(one_by_one)
    # ... and its scenario was solved again in another process
    assert r.summary.loc["isolated-mt4", "pid"] != dead_pid
    for name, ref in one_by_one.items():
        assert r.summary.loc[name, "objective_usd"] == ref.attrs["objective_usd"]
    assert sum("isolated-mt4: solved" in x for x in lines) == 1


def test_cli_on_a_local_cluster_exit_code_of_the_failure(tmp_path):
    f = write(
        tmp_path,
        "cli.yaml",
        """
        base: {dataset: DATA, year: 2030, hours: 48, topology: isolated}
        grid:
          unserved_energy: [true, false]
        """,
    )
    res = CliRunner().invoke(app, ["ensemble", str(f), "--workers", "2", "--no-warm-start"])
    assert res.exit_code == 3, res.output
    assert "1 of 2 scenarios failed" in res.output
    assert "local Dask cluster: 2 worker(s)" in res.output
    assert (tmp_path / "cli" / "scenarios" / "unserved_energy-yes.nc").is_file()
    assert os.path.getsize(tmp_path / "cli" / "ensemble.nc") > 0

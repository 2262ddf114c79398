"""What a solver process does for a run: solve one group of scenarios and write it.

A group (:func:`aseangrid.session.sweep_groups`) is one scenario, a pathway (its years in
order) or a sweep of scenarios that differ only in numbers (one live session). Each scenario's
results go into ``<run folder>/<name>/`` and a record of it (timings, solver, decomposition,
breaches, provenance) comes back for the run's ``log.json``.
"""

from __future__ import annotations

import json
import shutil
import signal
import time
from collections.abc import Callable
from pathlib import Path

import xarray as xr

from .procs import die_with_parent
from .results.store import write_netcdf, write_scenario
from .scenario import Scenario

Progress = Callable[[str], None]


def _info(res: xr.Dataset, name: str, scenario_json: str, t_load: float, t0: float) -> dict:
    return {
        "load_s": round(t_load, 1),
        "build_s": res.attrs.get("time_build_s", 0.0),
        "handover_s": round(res.attrs["time_compile_s"] + res.attrs["time_handover_s"], 1),
        "solve_s": res.attrs["time_solve_s"],
        "verify_s": res.attrs.get("time_verify_s", 0.0),
        "total_s": round(time.perf_counter() - t0, 1),
        "objective_usd": res.attrs["objective_usd"],
        "variables": res.attrs["n_variables"],
        "status": res.attrs["solver_status"],
        "solver": res.attrs.get("solver", ""),
        "verified": bool(res.attrs.get("verified", 0)),
        "warm_start": bool(res.attrs.get("warm_start", 0)),
        "decomposition": res.attrs.get("decomposition", "monolithic"),
        "certified_gap_excl_penalties": res.attrs.get("certified_gap_excl_penalties"),
        "policy_breaches": res.attrs.get("policy_breaches", ""),
        "unserved_energy": res.attrs.get("unserved_energy_note", ""),
        "input_dataset": res.attrs["input_dataset"],
        "input_hash": res.attrs["input_hash"],
        "solver_options": res.attrs["solver_options"],
        "versions": res.attrs["versions"],
        "scenario": json.loads(scenario_json),
        "name": name,
    }


def _write(res: xr.Dataset, name: str, folder: str) -> None:
    res.attrs["scenario_name"] = name
    write_scenario(res, Path(folder) / name)


def _solve_one(name: str, scenario_json: str, folder: str, workers: int | None = None) -> dict:
    """Load, solve, verify and write one scenario; return its record (``workers``: processes
    for the sub-horizons of a decomposed solve)."""
    from .pipeline import solve_scenario
    from .scenario import load_scenario

    s = Scenario.model_validate_json(scenario_json)
    t0 = time.perf_counter()
    ds = load_scenario(s)
    ds.attrs["scenario_name"] = name
    t_load = time.perf_counter() - t0
    res = solve_scenario(s, ds, workers=workers)
    _write(res, name, folder)
    return _info(res, name, scenario_json, t_load, t0)


def _solve_two_stage(
    name: str, scenario_json: str, folder: str, progress: Progress | None, workers: int | None
) -> dict:
    """Build on representative periods, dispatch hourly (:mod:`aseangrid.twostage`); the
    hourly results are the scenario's, the build stage's go to ``<name>/build-stage/``."""
    from .twostage import solve_two_stage

    s = Scenario.model_validate_json(scenario_json)
    t0 = time.perf_counter()
    res, res_b = solve_two_stage(s, workers=workers, say=progress)
    res.attrs["scenario"] = scenario_json
    _write(res, name, folder)  # first: it creates <name>/
    res_b.attrs["scenario"] = scenario_json
    _write(res_b, f"{name}/build-stage", folder)
    info = _info(res, name, scenario_json, 0.0, t0)
    info["build_stage"] = res.attrs["build_stage"]
    return info


def _solve_pathway(
    name: str, scenario_json: str, folder: str, progress: Progress | None
) -> list[dict]:
    """Every year of a pathway scenario in order; writes ``<name>/<year>/``,
    ``<name>/pathway.nc`` and ``pathway.csv``, and the last year as ``<name>/results.nc``."""
    from .compare import pathway_table
    from .pathway import solve_pathway

    s = Scenario.model_validate_json(scenario_json)
    pw, results, infos = solve_pathway(s, name, folder, progress)
    out = Path(folder) / name
    write_netcdf(pw, out / "pathway.nc")
    countries = s.expansion.countries if s.expansion and s.expansion.countries else s.countries
    pathway_table(pw, countries).to_csv(out / "pathway.csv")
    shutil.copy(out / str(max(results)) / "results.nc", out / "results.nc")
    for info in infos:
        info["pathway"] = True
    return infos


def _solve_sweep(
    names: list[str], jsons: list[str], folder: str, workers: int | None = None
) -> list[dict]:
    """Scenarios that differ only in caps, carbon prices or link capacities: one live session
    (built once, warm-started; every point checked and verified like a fresh build)."""
    from .pipeline import decomposition_of, options_of
    from .scenario import load_scenario
    from .session import Session, set_sweep_values

    scen = [Scenario.model_validate_json(j) for j in jsons]
    t0 = time.perf_counter()
    ds = load_scenario(scen[0])
    t_load = time.perf_counter() - t0
    opts, so = options_of(scen[0])
    session = Session(
        ds, opts, so, scen[0].strict, scen[0].solve.start, decomposition_of(scen[0], workers)
    )
    infos = []
    for name, s, js in zip(names, scen, jsons, strict=True):
        t1 = time.perf_counter()
        set_sweep_values(session, s)
        session.ds.attrs["scenario_name"] = name
        res = session.solve()
        res.attrs["scenario"] = js
        _write(res, name, folder)
        infos.append(_info(res, name, js, t_load if not infos else 0.0, t1))
    return infos


def solve_group(
    names: list[str],
    jsons: list[str],
    folder: str,
    progress: Progress | None = None,
    workers: int | None = None,
) -> list[dict]:
    """A group of :func:`aseangrid.session.sweep_groups`: one scenario, a pathway, or a sweep
    (``workers``: processes for sub-horizons of decomposed solves)."""
    if len(names) > 1:
        return _solve_sweep(names, jsons, folder, workers)
    s = Scenario.model_validate_json(jsons[0])
    if s.pathway is not None:
        return _solve_pathway(names[0], jsons[0], folder, progress)
    if s.expansion is not None and s.expansion.dispatch == "hourly":
        return [_solve_two_stage(names[0], jsons[0], folder, progress, workers)]
    return [_solve_one(names[0], jsons[0], folder, workers)]


def cores_each(side_by_side: int) -> int:
    """Sub-horizon processes per scenario when ``side_by_side`` scenarios run at once."""
    import os

    return max(1, (os.cpu_count() or 1) // max(1, side_by_side))


def worker_start() -> None:
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us

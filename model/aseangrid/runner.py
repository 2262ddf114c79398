"""Run a run file end to end: scenarios (side by side), comparisons and the report.

Everything is written into a temporary folder beside the target and renamed into place only
when complete: a run that fails or is interrupted leaves no half-written folder, and an
existing folder is kept unless ``overwrite`` is asked for.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import xarray as xr

from .errors import AseangridError, InputError, OutputError, Problem, SolveError
from .results.store import read_results, replace_folder, write_netcdf, write_scenario
from .scenario import Scenario, load_run

Progress = Callable[[str], None]


def _write(res: xr.Dataset, name: str, folder: str) -> None:
    res.attrs["scenario_name"] = name
    write_scenario(res, Path(folder) / name)


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
        "verified": bool(res.attrs.get("verified", 0)),
        "warm_start": bool(res.attrs.get("warm_start", 0)),
        "input_dataset": res.attrs["input_dataset"],
        "input_hash": res.attrs["input_hash"],
        "solver_options": res.attrs["solver_options"],
        "versions": res.attrs["versions"],
        "scenario": json.loads(scenario_json),
        "name": name,
    }


def _solve_one(name: str, scenario_json: str, folder: str) -> dict:
    """Worker: load, apply, solve, verify and write one scenario; return its timings."""
    from .pipeline import solve_scenario
    from .scenario import load_scenario

    s = Scenario.model_validate_json(scenario_json)
    t0 = time.perf_counter()
    ds = load_scenario(s)
    t_load = time.perf_counter() - t0
    res = solve_scenario(s, ds)
    _write(res, name, folder)
    return _info(res, name, scenario_json, t_load, t0)


def _solve_pathway(
    name: str, scenario_json: str, folder: str, progress: Progress | None = None
) -> list[dict]:
    """Worker: every year of a pathway scenario in order; writes ``<name>/<year>/``,
    ``<name>/pathway.nc`` and ``pathway.csv``, and the last year as ``<name>/results.nc``."""
    from .compare import pathway_table as headline_table
    from .pathway import solve_pathway

    s = Scenario.model_validate_json(scenario_json)
    pw, results, infos = solve_pathway(s, name, folder, progress)
    out = Path(folder) / name
    write_netcdf(pw, out / "pathway.nc")
    countries = s.expansion.countries if s.expansion and s.expansion.countries else s.countries
    headline_table(pw, countries).to_csv(out / "pathway.csv")
    last = max(results)
    shutil.copy(out / str(last) / "results.nc", out / "results.nc")
    for info in infos:
        info["pathway"] = True
    return infos


def _solve_group(
    names: list[str], scenario_jsons: list[str], folder: str, progress: Progress | None = None
) -> list[dict]:
    """Worker: scenarios that differ only in the values of caps, carbon prices or link
    capacities, solved in one live session (built once, warm-started); a group of one is
    solved as usual; a pathway scenario solves its years in order."""
    if len(names) == 1:
        if Scenario.model_validate_json(scenario_jsons[0]).pathway is not None:
            return _solve_pathway(names[0], scenario_jsons[0], folder, progress)
        return [_solve_one(names[0], scenario_jsons[0], folder)]
    from .pipeline import options_of
    from .scenario import load_scenario
    from .session import Session, set_sweep_values

    scen = [Scenario.model_validate_json(j) for j in scenario_jsons]
    t0 = time.perf_counter()
    ds = load_scenario(scen[0])
    t_load = time.perf_counter() - t0
    opts, so = options_of(scen[0])
    session = Session(ds, opts, so)
    infos = []
    for name, s, js in zip(names, scen, scenario_jsons, strict=True):
        t1 = time.perf_counter()
        set_sweep_values(session, s)
        res = session.solve()
        res.attrs["scenario"] = js
        _write(res, name, folder)
        infos.append(_info(res, name, js, t_load if not infos else 0.0, t1))
    return infos


def load_results(folder: str | Path) -> xr.Dataset:
    """Open a scenario's ``results.nc`` written by :func:`run` or :func:`write_results`."""
    return read_results(folder)


def report_run(
    folder: Path, runfile, comps: dict, results: dict, name: str, pathways: dict | None = None
) -> dict:
    """Write a run's report with the run file's report settings."""
    from .report import write_report

    return write_report(
        folder,
        comps,
        results,
        title=f"aseangrid — {name}",
        description=runfile.description,
        dispatch_nodes=runfile.report.dispatch_nodes,
        dispatch_week_start=runfile.report.dispatch_week_start,
        pathways=pathways,
    )


def reread_report(folder: str | Path) -> dict:
    """Rewrite the report of a finished run folder from its results and comparisons."""
    folder = Path(folder)
    runfile, _ = load_run(folder / "run.yaml")
    results = {p.parent.name: read_results(p) for p in sorted(folder.glob("*/results.nc"))}
    comps = {p.parent.name: read_results(p) for p in sorted(folder.glob("*/comparison.nc"))}
    pathways = {p.parent.name: read_results(p) for p in sorted(folder.glob("*/pathway.nc"))}
    return report_run(folder, runfile, comps, results, name=folder.name, pathways=pathways)


def _clean_stale(out: Path) -> None:
    """Remove temporary folders left by killed runs (their process no longer exists)."""
    for p in out.parent.glob(f".{out.name}.*"):
        if not p.is_dir():
            continue
        pid_file = p / ".pid"
        try:
            pid = int(pid_file.read_text()) if pid_file.exists() else -1
        except ValueError:
            pid = -1
        alive = False
        if pid > 0:
            try:
                os.kill(pid, 0)
                alive = True
            except OSError:
                alive = False
        if not alive:
            shutil.rmtree(p, ignore_errors=True)


def run(
    path: str | Path,
    scenarios: list[str] | None = None,
    all_scenarios: bool = False,
    out: str | Path | None = None,
    overwrite: bool = False,
    jobs: int = 2,
    hours: int | None = None,
    progress: Progress | None = None,
) -> Path:
    """Run the scenarios of a run file, compare them and write the report.

    Parameters
    ----------
    path
        Run file (YAML), e.g. ``runs/integrated-vs-isolated.yaml``.
    scenarios
        Names to run (default: the file's ``core`` list, or all when it has none).
    all_scenarios
        Run every scenario of the file.
    out
        Output folder (default: beside the run file, named after it).
    overwrite
        Replace an existing output folder (only once the new one is complete).
    jobs
        Scenarios solved side by side (processes).
    hours
        Solve only the first N hours of each scenario (quick checks).
    progress
        Callback receiving one line per stage.

    Returns
    -------
    pathlib.Path
        The output folder with ``<scenario>/results.nc``, ``<comparison>/comparison.nc``,
        ``report.html``, ``report.md``, ``figures/`` and ``tables/``.
    """
    from .compare import compare
    from .session import sweep_groups

    say = progress or (lambda msg: None)
    path = Path(path)
    runfile, scen = load_run(path)
    names = list(scen)
    if scenarios:
        unknown = [s for s in scenarios if s not in scen]
        if unknown:
            raise InputError(
                [
                    Problem(str(path), None, "scenarios", s, f"one of {', '.join(names)}")
                    for s in unknown
                ],
                context="run request",
            )
        names = list(scenarios)
    elif not all_scenarios and runfile.core:
        names = list(runfile.core)
    if hours:
        for n in names:
            scen[n] = scen[n].model_copy(update={"hours": hours})
    out = Path(out) if out else path.with_suffix("")
    if out.exists() and not overwrite:
        raise OutputError(f"{out} already exists; pass overwrite (CLI: --overwrite)")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        _clean_stale(out)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        (tmp / ".pid").write_text(str(os.getpid()))
    except OSError as exc:
        raise OutputError(f"cannot create a folder in {out.parent}: {exc}") from exc

    def _terminate(signum, frame):  # turn SIGTERM into the same clean abort as Ctrl-C
        raise KeyboardInterrupt

    old_term = signal.signal(signal.SIGTERM, _terminate)
    t0 = time.perf_counter()
    log: dict = {"run_file": str(path), "scenarios": [], "jobs": jobs}
    try:
        shutil.copy(path, tmp / "run.yaml")
        say(
            f"solving {len(names)} scenario(s), {min(jobs, len(names))} at a time: "
            f"{', '.join(names)}"
        )
        current = ""
        groups = sweep_groups(scen, names)
        for g in groups:
            if len(g) > 1:
                say(f"  {', '.join(g)}: one live session (built once, warm-started)")

        def report_done(infos: list[dict]) -> None:
            for info in infos:
                log["scenarios"].append(info)
                if info.get("pathway"):
                    if jobs > 1 and len(groups) > 1:  # sequential runs reported as they went
                        say(f"  {info['name']}: solved in {info['total_s']:.0f} s, verified")
                    continue
                say(
                    f"  {info['name']}: solved in {info['total_s']:.0f} s (build "
                    f"{info['build_s']:.0f}, hand-over {info['handover_s']:.0f}, solve "
                    f"{info['solve_s']:.0f}{', warm start' if info['warm_start'] else ''}, "
                    "verified)"
                )

        try:
            if jobs > 1 and len(groups) > 1:
                pool = ProcessPoolExecutor(max_workers=min(jobs, len(groups)))
                try:
                    futs = {
                        pool.submit(
                            _solve_group, g, [scen[n].model_dump_json() for n in g], str(tmp)
                        ): g
                        for g in groups
                    }
                    for f in as_completed(futs):
                        current = ",".join(futs[f])
                        report_done(f.result())
                except BaseException:
                    # stop the other scenarios now rather than waiting for their solves
                    for proc in list(getattr(pool, "_processes", {}).values()):
                        proc.terminate()
                    pool.shutdown(wait=False, cancel_futures=True)
                    raise
                pool.shutdown()
            else:
                for g in groups:
                    current = ",".join(g)
                    say(f"  {current}: loading, building, solving, verifying ...")
                    report_done(
                        _solve_group(g, [scen[n].model_dump_json() for n in g], str(tmp), say)
                    )
        except SolveError as exc:
            if exc.diagnosis:
                note = out.parent / f"{out.name}.{current}.infeasible.txt"
                note.write_text(
                    f"scenario {current} of {path}: {exc}\n\n" + "\n".join(exc.diagnosis) + "\n"
                )
                exc.args = (f"scenario {current}: {exc} (details: {note})",)
            else:
                exc.args = (f"scenario {current}: {exc}",)
            raise
        results = {n: read_results(tmp / n / "results.nc") for n in names}
        pathways = {n: read_results(tmp / n / "pathway.nc") for n in names if scen[n].pathway}
        comps = {}
        for cname, c in runfile.comparisons.items():
            members = [c.reference, *c.scenarios]
            if not all(m in results for m in members):
                continue
            say(f"comparing {cname}")
            cmp = compare({m: results[m] for m in members}, reference=c.reference)
            (tmp / cname).mkdir(exist_ok=True)
            write_netcdf(cmp, tmp / cname / "comparison.nc")
            comps[cname] = cmp
        if not comps and len(results) >= 1:
            cmp = compare(results)
            comps["all"] = cmp
        say("writing the report")
        report_run(tmp, runfile, comps, results, name=path.stem, pathways=pathways)
        log["total_s"] = round(time.perf_counter() - t0, 1)
        (tmp / ".pid").unlink(missing_ok=True)
        (tmp / "log.json").write_text(json.dumps(log, indent=1))
        replace_folder(tmp, out)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError) and not isinstance(exc, AseangridError):
            raise OutputError(f"cannot write the run to {out}: {exc}") from exc
        raise
    finally:
        signal.signal(signal.SIGTERM, old_term)
    say(f"done in {time.perf_counter() - t0:.0f} s: {out}/report.html")
    return out

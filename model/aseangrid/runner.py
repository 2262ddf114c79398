"""Run a run file end to end: scenarios (side by side), comparisons and the report.

The whole request is checked before the first solve: the run file, the scenarios asked for,
the horizon, the report settings and every scenario's dataset, so that no solved work is
thrown away over a typo. Everything is written into a temporary folder beside the target and
renamed into place only when complete (:mod:`aseangrid.results.folders`): a run that fails or
is interrupted leaves nothing half-written, and the target may only ever replace an earlier
aseangrid results folder. Solver workers end with the run, however it ends.
"""

from __future__ import annotations

import json
import shutil
import signal
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import xarray as xr

from .errors import InputError, Problem, SolveError
from .jobs import cores_each, solve_group, worker_start
from .progress import Heartbeat
from .report.rewrite import report_run, reread_report
from .results.folders import atomic_folder, check_target
from .results.store import read_results, write_netcdf
from .scenario import RunFile, Scenario, load_run

__all__ = [
    "RunPlan",
    "default_out",
    "load_results",
    "plan_run",
    "report_run",
    "reread_report",
    "run",
    "solve_group",
]

Progress = Callable[[str], None]


@dataclass
class RunPlan:
    """A checked request: the run file, the scenarios to solve, where results go."""

    path: Path
    runfile: RunFile
    scenarios: dict[str, Scenario]
    names: list[str]
    out: Path
    groups: list[list[str]] = field(default_factory=list)

    @property
    def inputs(self) -> list[Path]:
        """What the output folder must never replace: the run file and the datasets."""
        return [self.path, *{Path(s.dataset) for s in self.scenarios.values()}]


# ---------------------------------------------------------------------------------------
# checking the request


def _selection(path: Path, runfile: RunFile, scen: dict, scenarios, all_scenarios) -> list[str]:
    names = list(scen)
    if scenarios:
        problems = [
            Problem(str(path), None, "scenarios", s, f"one of {', '.join(names)}")
            for s in scenarios
            if s not in scen
        ]
        problems += [
            Problem(str(path), None, "scenarios", s, "each scenario once (-s given twice)")
            for s in sorted({s for s in scenarios if list(scenarios).count(s) > 1})
        ]
        if problems:
            raise InputError(problems, context="run request")
        return list(scenarios)
    if not all_scenarios and runfile.core:
        return list(runfile.core)
    return names


def default_out(path: Path) -> Path:
    """Results folder beside the run file, named after it (``runs/x.yaml`` -> ``runs/x``)."""
    if path.suffix.lower() in (".yaml", ".yml"):
        return path.with_suffix("")
    return path.with_name(path.name + ".results")


def _check_datasets(plan: RunPlan) -> None:
    """Load every scenario's Dataset once (a pathway: its first year), so bad data and bad
    transforms are found before anything is solved; check the report's nodes."""
    from .scenario import load_scenario, scenario_for_year

    found: dict[Problem, list[str]] = {}
    nodes: set[str] = set()
    for name in plan.names:
        s = plan.scenarios[name]
        if s.pathway is not None:
            s = scenario_for_year(s, s.pathway.years[0])
        try:
            ds = load_scenario(s)
        except InputError as exc:
            for p in exc.problems:
                found.setdefault(p, []).append(name)
            continue
        nodes |= set(ds["node"].values.tolist())
    problems = [
        p
        if len(who) == len(plan.names)
        else Problem(
            p.file, p.row, p.field, p.value, p.expected, p.where or f"scenario {', '.join(who)}"
        )
        for p, who in found.items()
    ]
    rep = plan.runfile.report
    if "dispatch_nodes" in rep.model_fields_set and nodes:
        for n in rep.dispatch_nodes:
            if n not in nodes:
                problems.append(
                    Problem(
                        str(plan.path),
                        None,
                        "report.dispatch_nodes",
                        n,
                        f"a node of the run ({', '.join(sorted(nodes))})",
                    )
                )
    if problems:
        raise InputError(problems, context="run request")


def plan_run(
    path: str | Path,
    scenarios: list[str] | None = None,
    all_scenarios: bool = False,
    out: str | Path | None = None,
    hours: int | None = None,
    strict: bool | None = None,
    exact: bool = False,
) -> RunPlan:
    """Check a whole run request before anything is solved (see :func:`run`)."""
    from .session import sweep_groups

    path = Path(path)
    if hours is not None and not (isinstance(hours, int) and 1 <= hours <= 8760):
        raise InputError(
            [
                Problem(
                    "(command line)",
                    None,
                    "--hours",
                    str(hours),
                    "a whole number of hours 1..8760 (0: the whole year)",
                )
            ],
            context="run request",
        )
    runfile, scen = load_run(path)
    names = _selection(path, runfile, scen, scenarios, all_scenarios)
    update = {k: v for k, v in (("hours", hours), ("strict", strict)) if v is not None}
    for n in names:
        d = scen[n].model_dump()
        if exact:
            d["solve"]["method"] = "monolithic"
        if update or exact:
            scen[n] = Scenario.model_validate({**d, **update})
    plan = RunPlan(
        path, runfile, {n: scen[n] for n in names}, names, Path(out) if out else default_out(path)
    )
    _check_datasets(plan)
    plan.groups = sweep_groups(plan.scenarios, names)
    return plan


# ---------------------------------------------------------------------------------------
# solving


def _in_parallel(
    plan: RunPlan, folder: Path, jobs: int, done: Callable[[list[str], list[dict]], None]
) -> None:
    n = min(jobs, len(plan.groups))
    pool = ProcessPoolExecutor(max_workers=n, initializer=worker_start)
    try:
        futs = {
            pool.submit(
                solve_group,
                g,
                [plan.scenarios[x].model_dump_json() for x in g],
                str(folder),
                None,
                cores_each(n),
            ): g
            for g in plan.groups
        }
        for f in as_completed(futs):
            done(futs[f], f.result())
    except BaseException:
        # stop the other scenarios now rather than waiting for their solves
        for proc in list(getattr(pool, "_processes", {}).values()):
            proc.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


def _solve_all(plan: RunPlan, folder: Path, jobs: int, say: Progress) -> list[dict]:
    """Solve every group (side by side when ``jobs > 1``); one record per scenario."""
    log: list[dict] = []
    parallel = jobs > 1 and len(plan.groups) > 1
    current: list[str] = []

    def done(group: list[str], infos: list[dict]) -> None:
        for info in infos:
            log.append(info)
            if info.get("pathway") and not parallel:
                continue  # reported year by year as they went
            extra = ", warm start" if info.get("warm_start") else ""
            how = str(info.get("decomposition", ""))
            if how.startswith("decomposed"):
                gap = info.get("certified_gap_excl_penalties") or 0.0
                extra += f", decomposed, certified gap {gap:.3%}"
            elif "not decomposed" in how:  # e.g. a user constraint over the year: exact LP
                extra += f", exact LP: {how.split('not decomposed: ', 1)[-1].rstrip(')')}"
            say(
                f"  {info['name']}: solved in {info['total_s']:.0f} s (build "
                f"{info['build_s']:.0f}, hand-over {info['handover_s']:.0f}, solve "
                f"{info['solve_s']:.0f}{extra}, verified)"
            )
            for what in (info.get("policy_breaches"), info.get("unserved_energy")):
                if what:
                    say(f"  WARNING {info['name']}: {what}")

    try:
        if parallel:
            left = [n for g in plan.groups for n in g]
            with Heartbeat(say, "  solving side by side", 10.0) as beat:
                beat.latest = ", ".join(left)

                def done_and_note(group: list[str], infos: list[dict]) -> None:
                    done(group, infos)
                    left[:] = [n for n in left if n not in group]
                    beat.latest = ", ".join(left)

                _in_parallel(plan, folder, jobs, done_and_note)
        else:
            for g in plan.groups:
                current[:] = g
                say(f"  {', '.join(g)}: loading, building, solving, verifying ...")
                with Heartbeat(say, f"  {', '.join(g)}", 10.0):
                    infos = solve_group(
                        g,
                        [plan.scenarios[n].model_dump_json() for n in g],
                        str(folder),
                        say,
                        cores_each(1),
                    )
                done(g, infos)
    except SolveError as exc:
        _explain_failure(plan, exc, ",".join(current) or "one of the scenarios")
        raise
    return log


def _explain_failure(plan: RunPlan, exc: SolveError, current: str) -> None:
    if exc.diagnosis:
        note = plan.out.parent / f"{plan.out.name}.{current}.infeasible.txt"
        note.write_text(
            f"scenario {current} of {plan.path}: {exc}\n\n" + "\n".join(exc.diagnosis) + "\n"
        )
        exc.args = (f"scenario {current}: {exc} (details: {note})",)
    else:
        exc.args = (f"scenario {current}: {exc}",)


# ---------------------------------------------------------------------------------------
# comparisons, report, the run


def _comparisons(plan: RunPlan, results: dict, folder: Path, say: Progress) -> dict:
    from .compare import compare

    comps = {}
    for cname, c in plan.runfile.comparisons.items():
        members = [c.reference, *c.scenarios]
        if not all(m in results for m in members):
            continue
        say(f"comparing {cname}")
        cmp = compare({m: results[m] for m in members}, reference=c.reference)
        (folder / cname).mkdir(exist_ok=True)
        write_netcdf(cmp, folder / cname / "comparison.nc")
        comps[cname] = cmp
    if not comps and results:
        comps["all"] = compare(results)
    return comps


def run(
    path: str | Path,
    scenarios: list[str] | None = None,
    all_scenarios: bool = False,
    out: str | Path | None = None,
    overwrite: bool = False,
    jobs: int = 2,
    hours: int | None = None,
    progress: Progress | None = None,
    strict: bool | None = None,
    exact: bool = False,
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
        Replace an earlier aseangrid results folder there (only once the new one is complete;
        anything else at that path is never replaced).
    jobs
        Scenarios solved side by side (processes).
    hours
        Solve only the first N hours of each scenario (quick checks; annual limits are scaled
        to the horizon, see :func:`aseangrid.data.timeagg.horizon_share`).
    progress
        Callback receiving one line per stage.
    strict
        A missed policy or unserved energy is an error (exit 11) for every scenario (default:
        each scenario's ``strict`` key).
    exact
        Solve every scenario as one exact LP (``solve: {method: monolithic}``) instead of the
        default decomposition of full-year dispatch (:mod:`aseangrid.decompose`).

    Returns
    -------
    pathlib.Path
        The output folder with ``<scenario>/results.nc``, ``<comparison>/comparison.nc``,
        ``report.html``, ``report.md``, ``figures/``, ``tables/`` and ``log.json``.
    """
    say = progress or (lambda msg: None)
    plan = plan_run(path, scenarios, all_scenarios, out, hours, strict, exact)
    target = check_target(plan.out, overwrite, plan.inputs)
    old_term = signal.signal(signal.SIGTERM, _terminate)
    t0 = time.perf_counter()
    try:
        with atomic_folder(target, overwrite, plan.inputs, kind="run", checked=True) as tmp:
            _run_into(plan, tmp, jobs, say, t0)
    finally:
        signal.signal(signal.SIGTERM, old_term)
    say(f"done in {time.perf_counter() - t0:.0f} s: {target}/report.html")
    return target


def _terminate(signum, frame):
    """Turn SIGTERM into the same clean abort as Ctrl-C."""
    raise KeyboardInterrupt


def _run_into(plan: RunPlan, tmp: Path, jobs: int, say: Progress, t0: float) -> None:
    """Solve, compare and report a checked run into the (temporary) folder ``tmp``.

    Parameters
    ----------
    plan
        The checked request (:func:`plan_run`).
    tmp
        Folder the run is written into; renamed into place by the caller when complete.
    jobs
        Scenarios solved side by side (processes).
    say
        Callback receiving one line per stage.
    t0
        ``time.perf_counter()`` at the start of the run [s]; ``log.json`` records the total.
    """
    shutil.copy(plan.path, tmp / "run.yaml")
    say(
        f"solving {len(plan.names)} scenario(s), {min(jobs, len(plan.groups))} at a "
        f"time: {', '.join(plan.names)}"
    )
    for g in plan.groups:
        if len(g) > 1:
            say(f"  {', '.join(g)}: one live session (built once, warm-started)")
    infos = _solve_all(plan, tmp, jobs, say)
    results = {n: read_results(tmp / n) for n in plan.names}
    pathways = {
        n: read_results(tmp / n / "pathway.nc") for n in plan.names if plan.scenarios[n].pathway
    }
    comps = _comparisons(plan, results, tmp, say)
    say("writing the report")
    report_run(tmp, plan.runfile, comps, results, name=plan.path.stem, pathways=pathways)
    from .report.method import run_id

    log = {
        "run_id": run_id(results, (tmp / "run.yaml").read_text()),  # as the report prints it
        "run_file": str(plan.path),
        "scenarios": infos,
        "jobs": jobs,
        "names": plan.names,
        "total_s": round(time.perf_counter() - t0, 1),
    }
    (tmp / "log.json").write_text(json.dumps(log, indent=1))


def load_results(folder: str | Path) -> xr.Dataset:
    """Open a scenario's ``results.nc`` written by :func:`run` or :func:`write_results`."""
    return read_results(folder)

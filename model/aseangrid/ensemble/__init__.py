"""Scenario ensembles: many scenarios around a base, solved in parallel on Dask.

An *ensemble file* (YAML, ``runs/ensemble-*.yaml``) names a base scenario and the parameters
that vary around it: a full-factorial ``grid`` of values and/or a random or Latin-hypercube
``sample``. :func:`ensemble` expands it into validated :class:`~aseangrid.Scenario` objects and
solves them on a Dask cluster: a local one by default (one single-threaded worker per core,
one solver thread each, a memory limit per worker), or an existing cluster given by its
scheduler address.

Each scenario is solved in a worker and written by that worker as soon as it is solved
(``scenarios/<name>.nc``, renamed into place only when complete), with a record of its outcome
(``scenarios/<name>.json``). Then the results are combined into one Dataset with a ``scenario``
dimension (``ensemble.nc`` or ``ensemble.zarr``) and a summary table (``summary.csv``).

Failure isolation: a scenario that fails (infeasible, time limit, failed verification, ...)
records its error and the others go on; a task whose worker dies is rescheduled by the Dask
scheduler on another worker (up to ``distributed.scheduler.allowed-failures`` times); a second
run of the same ensemble skips every scenario whose results are already written for exactly
the same scenario definition (resume).

Scenarios that differ only in the values of their carbon caps are solved in one live solver
session where ``warm_start`` is on (built once, each solve starts from the previous basis; see
:class:`aseangrid.Session`).

Modules, each using only those above it:

- :mod:`~aseangrid.ensemble.sampling`: sampled parameters and their draws;
- :mod:`~aseangrid.ensemble.spec`: the ensemble file and its expansion (:func:`load_ensemble`);
- :mod:`~aseangrid.ensemble.records`: each scenario's files and record, written atomically,
  and the resume test (:func:`is_complete`);
- :mod:`~aseangrid.ensemble.tasks`: what runs in a worker (:func:`solve_task`) and the
  planning of tasks (:func:`plan_tasks`);
- :mod:`~aseangrid.ensemble.cluster`: the Dask client and the submission of the tasks;
- :mod:`~aseangrid.ensemble.combine`: summary table, combined Dataset, :class:`EnsembleResult`.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from ..errors import InputError, OutputError, Problem
from .cluster import run_on_dask
from .combine import (
    EnsembleResult,
    ScenarioFailures,
    combine_results,
    complete_members,
    per_worker,
    summary_table,
)
from .records import (
    EVENT_TOPIC,
    SCENARIO_ATTR,
    Progress,
    Reporter,
    is_complete,
    remove_temporaries,
)
from .sampling import Sample, SampledParameter, draw_sample
from .spec import EnsembleFile, Member, load_ensemble
from .tasks import ExitOnce, TaskSettings, plan_tasks, solve_task

__all__ = [
    "EVENT_TOPIC",
    "SCENARIO_ATTR",
    "EnsembleFile",
    "EnsembleResult",
    "ExitOnce",
    "Member",
    "Sample",
    "SampledParameter",
    "ScenarioFailures",
    "draw_sample",
    "ensemble",
    "is_complete",
    "load_ensemble",
    "plan_tasks",
    "solve_task",
]


def _quiet(msg: str) -> None:
    """The progress callback that says nothing."""


def _check_format(path: Path, fmt: str) -> str:
    """The combined Dataset's format, if it can be written (zarr must be installed)."""
    if fmt == "zarr":
        try:
            import zarr  # noqa: F401
        except ImportError:
            problem = Problem(str(path), None, "combine", "zarr", "netcdf (zarr is not installed)")
            raise InputError([problem], context="ensemble request") from None
    return fmt


def _default_folder(path: Path) -> Path:
    """Beside the ensemble file, named after it (a file without extension: ``<name>.results``)."""
    if path.suffix.lower() in (".yaml", ".yml"):
        return path.with_suffix("")
    return path.with_name(path.name + ".results")


def _prepare_folder(path: Path, folder: Path, members: list[Member]) -> Path:
    """Create the output folder (or take up an earlier ensemble folder to resume it), clear
    what a killed run left, copy the ensemble file in. A folder that is not aseangrid's own
    results is never written into (it may be a dataset or a user's folder)."""
    from ..results.folders import MANIFEST, check_target, protect_inputs, write_manifest

    protect = [path, *{Path(m.scenario.dataset) for m in members}]
    if folder.is_dir() and any(folder.iterdir()):
        check_target(folder, overwrite=True, protect=protect)  # an earlier ensemble: resume
    elif folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} exists and is not a folder; it is never replaced")
    else:
        protect_inputs(folder, protect)
    try:
        (folder / "scenarios").mkdir(parents=True, exist_ok=True)
        if not (folder / MANIFEST).is_file():
            write_manifest(folder, "ensemble", ensemble_file=str(path))
        remove_temporaries(folder)
        shutil.copy(path, folder / "ensemble.yaml")
    except OSError as exc:
        raise OutputError(f"cannot write to {folder}: {exc}") from exc
    return folder


def _to_solve(
    folder: Path, members: list[Member], resume: bool, say: Progress
) -> tuple[set[str], list[Member]]:
    """Names of the members already complete (with resume) and the members to solve."""
    done = {m.name for m in complete_members(folder, members)} if resume else set()
    pending = [m for m in members if m.name not in done]
    say(
        f"{len(members)} scenario(s): {len(done)} already complete, {len(pending)} to solve"
        f"{' (resumed)' if done else ''}"
    )
    return done, pending


def _solve_pending(
    pending: list[Member],
    settings: TaskSettings,
    reporter: Reporter,
    sequential: bool,
    dask_args: tuple[str | None, int | None, str | float | None],
) -> dict[str, Any]:
    """Solve the pending scenarios in this process or on Dask; what ran where."""
    if not pending:
        return {"mode": "sequential" if sequential else "dask"}
    if not sequential:
        return run_on_dask(pending, settings, reporter, *dask_args)
    for task in plan_tasks(pending, 1, settings.warm_start):
        for rec in solve_task(*settings.args(task)):
            reporter(rec)
    return {"mode": "sequential"}


def _result(
    folder: Path, members: list[Member], reporter: Reporter, skipped: set[str], fmt: str, t0: float
) -> EnsembleResult:
    """Combine the results, tabulate every scenario and say what the run produced."""
    say, records = reporter.say, reporter.records
    computed = [m.name for m in members if records.get(m.name, {}).get("status") == "ok"]
    if fmt != "none":
        say(f"combining the results into one Dataset ({fmt})")
    try:
        combined = combine_results(folder, members, fmt)
    except ValueError as exc:  # scenarios of different shapes (e.g. different years)
        say(f"  not combined: {exc}")
        combined = None
    summary = summary_table(folder, members, set(computed))
    return EnsembleResult(
        folder=folder,
        summary=summary,
        computed=computed,
        skipped=[m.name for m in members if m.name in skipped],
        failed=summary.index[summary["status"] != "ok"].tolist(),
        combined=combined,
        wall_s=time.perf_counter() - t0,
        workers=per_worker(records),
    )


def ensemble(
    path: str | Path,
    *,
    out: str | Path | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    memory_limit: str | float | None = "auto",
    solver_threads: int | None = 1,
    hours: int | None = None,
    warm_start: bool | None = None,
    resume: bool = True,
    sequential: bool = False,
    combine: Literal["netcdf", "zarr", "none"] | None = None,
    before_solve: Callable[[str], None] | None = None,
    progress: Progress | None = None,
) -> EnsembleResult:
    """Solve the scenarios of an ensemble file in parallel on Dask.

    Parameters
    ----------
    path
        Ensemble file (YAML), e.g. ``runs/ensemble-hydro-carbon.yaml``.
    out
        Output folder (default: beside the file, named after it).
    scheduler
        Address of a running Dask scheduler (``tcp://host:8786``); default: a local cluster
        started for this run. Workers of a remote cluster must see the dataset and the output
        folder at the same paths (a shared file system).
    workers, memory_limit
        Workers of the local cluster (default: the number of cores) and the memory limit of
        each (``"6GB"``, bytes, or ``"auto"``: the machine's memory shared equally); a worker
        above 95 % of it is restarted and its task retried.
    solver_threads
        HiGHS threads per scenario that does not set its own (default 1: one per worker).
    hours
        Solve only the first N hours of every scenario [h] (quick checks).
    warm_start
        Solve scenarios that differ only in carbon-cap values in one live session (default:
        the file's ``warm_start``, itself true by default).
    resume
        Skip scenarios whose results are already written for the same definition.
    sequential
        Solve in this process, one scenario after another, without Dask.
    combine
        Combined Dataset format: ``netcdf``, ``zarr`` or ``none`` (default: the file's).
    before_solve
        Called in the worker with the scenario name before each solve (fault injection in
        tests, e.g. :class:`ExitOnce`); must be picklable.
    progress
        Callback receiving one line per finished scenario and per stage.

    Returns
    -------
    EnsembleResult
        Folder, summary table, scenarios computed, skipped and failed, combined Dataset path.
        A failed scenario does not raise; call :meth:`EnsembleResult.raise_for_failures`.

    Raises
    ------
    InputError
        The ensemble file or one of its scenarios is invalid (nothing is solved).
    OutputError
        The output folder cannot be written.
    """
    t0, path, say = time.perf_counter(), Path(path), progress or _quiet
    ef, members = load_ensemble(path, hours=hours, solver_threads=solver_threads)
    warm = ef.warm_start if warm_start is None else warm_start
    fmt = _check_format(path, combine or ef.combine)
    folder = _prepare_folder(path, Path(out) if out else _default_folder(path), members)
    done, pending = _to_solve(folder, members, resume, say)
    settings = TaskSettings.for_run(folder, warm, before_solve, resume)
    reporter = Reporter(folder, len(pending), say)
    dask_args = (scheduler, workers, memory_limit)
    cluster = _solve_pending(pending, settings, reporter, sequential, dask_args)
    result = _result(folder, members, reporter, done, fmt, t0)
    result.write(path, warm, cluster)
    say(result.describe())
    return result

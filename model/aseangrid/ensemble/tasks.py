"""What runs in a worker: solving a task's scenarios, writing each as soon as it is solved.

A *task* is a list of scenarios solved one after another in one process: a single scenario,
or a sweep of scenarios that differ only in their carbon caps' values, solved in one live
:class:`~aseangrid.Session` when warm start is on (:func:`plan_tasks`). Each scenario's
results and record are written by the worker itself (:mod:`aseangrid.ensemble.records`) and
announced to the client on a Dask event topic; a retried task skips what it had written.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import xarray as xr

from ..errors import AseangridError
from ..scenario import Scenario
from .records import (
    SCENARIO_ATTR,
    announce,
    atomic_write_text,
    base_record,
    failed_record,
    is_complete,
    ok_record,
    record_path,
    results_path,
    write_result,
    written_at,
)
from .spec import Member

if TYPE_CHECKING:
    from ..session import Session


@dataclass(frozen=True)
class ExitOnce:
    """A ``before_solve`` hook that makes the process exit once, before a given scenario.

    For fault-injection tests: the first process to reach ``scenario`` creates ``marker``
    (holding its process id) and exits at once, as a worker killed by the operating system
    would; later attempts find the marker and go on.
    """

    scenario: str
    marker: str

    def __call__(self, name: str) -> None:
        if name != self.scenario:
            return
        try:
            fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        os._exit(17)


# ----------------------------------------------------------------------------------------------
# Solving


class TaskSolver:
    """Solves a task's scenarios: each afresh, or all in one live session (warm start).

    The session is built from the first scenario solved; if that fails with a model error,
    every scenario of the task fails with it.
    """

    def __init__(self, warm_start: bool):
        self.warm_start = warm_start
        self.session: Session | None = None
        self.error: AseangridError | None = None

    def solve(self, s: Scenario) -> xr.Dataset:
        """Solve and verify one scenario; its results."""
        from ..pipeline import decomposition_of, options_of, solve_scenario

        if not self.warm_start:
            return solve_scenario(s, workers=1)  # Dask workers may not have children
        from ..scenario import load_scenario
        from ..session import Session, set_sweep_values

        if self.session is None and self.error is None:
            try:
                self.session = Session(
                    load_scenario(s),
                    *options_of(s),
                    s.strict,
                    s.solve.start,
                    decomposition_of(s, 1),  # Dask workers may not have children
                )
            except AseangridError as exc:
                self.error = exc
        if self.error is not None:
            raise self.error
        set_sweep_values(self.session, s)
        return self.session.solve()


def solve_one(solver: TaskSolver, name: str, params: dict, js: str, folder: Path) -> dict:
    """Solve one scenario, write its results (if solved) and its record; announce it."""
    t0 = time.perf_counter()
    res: xr.Dataset | None = None
    try:
        res = solver.solve(Scenario.model_validate_json(js))
        res.attrs[SCENARIO_ATTR] = js
        res.attrs["scenario"] = js
        res.attrs["scenario_name"] = name
        rec = ok_record(base_record(name, params, js, t0), res)
    except Exception as exc:  # every failure is recorded; the other scenarios go on
        res = None
        rec = failed_record(base_record(name, params, js, t0), exc)
    if res is not None:
        write_result(res, results_path(folder, name))
    atomic_write_text(record_path(folder, name), json.dumps(rec, indent=1, default=str))
    announce(rec)
    return rec


def solve_task(
    names: list[str],
    params: list[dict],
    scenario_jsons: list[str],
    folder: str,
    warm_start: bool = False,
    before_solve: Callable[[str], None] | None = None,
    written_after: float = 0.0,
) -> list[dict]:
    """Solve a task's scenarios in this process, writing each as soon as it is solved.

    Parameters
    ----------
    names, params, scenario_jsons
        Per scenario: its name, its varied parameters (label -> value) and its definition
        (``Scenario.model_dump_json()``).
    folder
        Output folder of the ensemble.
    warm_start
        With more than one scenario, solve them in one live session: they must differ only
        in their carbon caps' values (built once, each solve from the previous basis).
    before_solve
        Called with each scenario's name before it is solved (fault injection in tests).
    written_after
        A scenario already written for the same definition at or after this time [s since
        the epoch] is skipped, so a task retried after its worker died does not redo what it
        finished.

    Returns
    -------
    list of dict
        One record per scenario: ``status`` ``ok``, ``failed`` or ``skipped``, timings,
        objective, headline figures, worker, process id and its peak memory.
    """
    out = Path(folder)
    solver = TaskSolver(warm_start and len(names) > 1)
    records: list[dict] = []
    for i, (name, par, js) in enumerate(zip(names, params, scenario_jsons, strict=True)):
        if is_complete(out, name, js) and written_at(out, name) >= written_after:
            records.append({"name": name, "status": "skipped", "pid": os.getpid()})
            continue
        if before_solve is not None:
            before_solve(name)
        rec = solve_one(solver, name, par, js, out)
        rec["task_position"] = i
        records.append(rec)
    return records


# ----------------------------------------------------------------------------------------------
# Planning


def plan_tasks(members: list[Member], n_workers: int, warm_start: bool) -> list[list[Member]]:
    """Cut the scenarios to solve into tasks.

    Without warm start every scenario is its own task. With it, scenarios that differ only in
    their carbon caps' values form one task (one live session); the largest tasks are then
    halved until there are at least as many tasks as workers, so no worker stays idle.
    """
    if not warm_start:
        return [[m] for m in members]
    from ..session import sweep_groups

    by_name = {m.name: m for m in members}
    groups = sweep_groups({m.name: m.scenario for m in members}, [m.name for m in members])
    tasks = [[by_name[n] for n in g] for g in groups]
    while len(tasks) < n_workers:
        big = max(range(len(tasks)), key=lambda i: len(tasks[i]))
        if len(tasks[big]) < 2:
            break
        t = tasks.pop(big)
        half = math.ceil(len(t) / 2)
        tasks[big:big] = [t[:half], t[half:]]
    return tasks


@dataclass(frozen=True)
class TaskSettings:
    """What every task of a run shares: the arguments of :func:`solve_task` but the scenarios.

    Attributes
    ----------
    folder
        Output folder of the ensemble.
    warm_start
        Sweeps share one live session.
    before_solve
        Hook called in the worker before each solve (must be picklable).
    written_after
        Results written before this time [s since the epoch] are not taken as done.
    """

    folder: str
    warm_start: bool
    before_solve: Callable[[str], None] | None = None
    written_after: float = 0.0

    @classmethod
    def for_run(
        cls,
        folder: Path,
        warm_start: bool,
        before_solve: Callable[[str], None] | None,
        resume: bool,
    ) -> TaskSettings:
        """The settings of a run starting now.

        Without resume, results of earlier runs are replaced as the new ones finish (never
        deleted first): a task retried after its worker died skips only what this run wrote.
        """
        written_after = 0.0 if resume else time.time() - 1.0
        return cls(str(folder), warm_start, before_solve, written_after)

    def args(self, task: list[Member]) -> tuple:
        """Positional arguments of :func:`solve_task` for a task."""
        return (
            [m.name for m in task],
            [m.parameters for m in task],
            [m.scenario.model_dump_json() for m in task],
            self.folder,
            self.warm_start and len(task) > 1,
            self.before_solve,
            self.written_after,
        )

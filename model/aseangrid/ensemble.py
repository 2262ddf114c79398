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
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import functools
import itertools
import json
import math
import os
import resource
import shutil
import socket
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import AseangridError, InputError, OutputError, Problem
from .scenario import (
    SAFE_NAME,
    Scenario,
    check_scenario,
    load_run,
    resolve_dataset,
)
from .scenario import deep_merge as _deep_merge
from .scenario import validation_problems as _problems

Progress = Callable[[str], None]

#: Dask event topic on which workers announce each finished scenario.
EVENT_TOPIC = "aseangrid-ensemble"
#: Attribute of a scenario's results file holding the scenario it was solved for (resume key).
SCENARIO_ATTR = "ensemble_scenario"
#: Results attributes copied into per-scenario variables of the combined Dataset.
SCALAR_ATTRS = (
    "objective_usd",
    "simplex_iterations",
    "time_build_s",
    "time_solve_s",
    "warm_start",
    "verified",
)


# ----------------------------------------------------------------------------------------------
# The ensemble file


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SampledParameter(_Strict):
    """One sampled parameter: uniform on ``[low, high]`` or drawn from ``choices``."""

    low: float | None = None
    high: float | None = None
    choices: list[Any] | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _one_kind(self):
        ranged = self.low is not None and self.high is not None
        if ranged == (self.choices is not None) or (self.low is None) != (self.high is None):
            raise ValueError("give either low and high, or choices")
        if ranged and not self.low <= self.high:
            raise ValueError(f"low {self.low} is above high {self.high}")
        return self


class Sample(_Strict):
    """A sample of scenario parameters (the same draws at every grid point)."""

    size: int = Field(..., ge=1, le=100_000, description="Number of draws.")
    seed: int = Field(0, ge=0, description="Seed of the random generator (reproducible).")
    method: Literal["latin_hypercube", "random"] = "latin_hypercube"
    parameters: dict[str, SampledParameter] = Field(..., min_length=1)


class BaseRun(_Strict):
    """A scenario of an existing run file used as the ensemble's base."""

    file: str = Field(..., description="Run file, relative to the ensemble file.")
    scenario: str = Field(..., description="Scenario of that run file.")


class EnsembleFile(_Strict):
    """An ensemble file: a base scenario and the parameters varied around it."""

    description: str = ""
    base_run: BaseRun | None = None
    base: dict[str, Any] = Field(
        default_factory=dict, description="Scenario keys (over base_run's scenario, if given)."
    )
    grid: dict[str, list[Any]] = Field(
        default_factory=dict, description="Key path -> values; every combination is solved."
    )
    sample: Sample | None = None
    name: str | None = Field(
        None, description="Scenario name template, e.g. '{topology}-{hydrology}-{mt}'."
    )
    warm_start: bool = Field(
        True, description="Solve scenarios that differ only in carbon-cap values in one session."
    )
    combine: Literal["netcdf", "zarr", "none"] = "netcdf"


@dataclass(frozen=True)
class Member:
    """One scenario of an ensemble: its name, the varied parameters and the full scenario."""

    name: str
    parameters: dict[str, Any]
    scenario: Scenario


def _set_path(d: dict, path: str, value: Any) -> None:
    """Set ``d['a']['b']['c'] = value`` for ``path = 'a.b.c'``, creating mappings on the way."""
    parts = path.split(".")
    cur = d
    for p in parts[:-1]:
        nxt = cur.get(p)
        if not isinstance(nxt, dict):
            nxt = {}
            cur[p] = nxt
        cur = nxt
    cur[parts[-1]] = copy.deepcopy(value)


def _labels(paths: list[str]) -> dict[str, str]:
    """Short label of each key path: its last part, or the whole path (``_`` for ``.``) where
    two paths end alike."""
    last = [p.split(".")[-1] for p in paths]
    return {
        p: (lab if last.count(lab) == 1 else p.replace(".", "_"))
        for p, lab in zip(paths, last, strict=True)
    }


def _draw(sample: Sample) -> list[dict[str, Any]]:
    """Draws of a sample: one dict (key path -> value) per draw, reproducible from the seed.

    Latin hypercube: each parameter's range (or list of choices) is cut into ``size`` equal
    strata, one draw falls in each stratum, and the strata are paired at random across
    parameters.
    """
    rng = np.random.default_rng(sample.seed)
    n = sample.size
    cols: dict[str, list[Any]] = {}
    for key, par in sample.parameters.items():
        if sample.method == "latin_hypercube":
            u = (rng.permutation(n) + rng.random(n)) / n
        else:
            u = rng.random(n)
        if par.choices is not None:
            idx = np.minimum((u * len(par.choices)).astype(int), len(par.choices) - 1)
            cols[key] = [par.choices[i] for i in idx]
        else:
            cols[key] = [float(par.low + x * (par.high - par.low)) for x in u]
    return [{k: v[i] for k, v in cols.items()} for i in range(n)]


def _value_tag(label: str, value: Any, index: int) -> str:
    if isinstance(value, bool):
        return f"{label}-{'yes' if value else 'no'}"
    if isinstance(value, int | float):
        return f"{label}{value:g}"
    if isinstance(value, str) and SAFE_NAME.fullmatch(value):
        return value
    return f"{label}{index}"


def _read_yaml(path: Path, context: str) -> dict:
    fname = str(path)
    if not path.is_file():
        raise InputError([Problem(fname, None, "(file)", fname, f"an existing {context}")], context)
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise InputError(
            [Problem(fname, line, "(yaml)", str(exc).splitlines()[0], "valid YAML")], context
        ) from None
    if not isinstance(raw, dict):
        raise InputError(
            [Problem(fname, None, "(file)", str(raw)[:40], "a mapping with 'base' and 'grid'")],
            context,
        )
    return raw


@contextlib.contextmanager
def _tables_read_once() -> Iterator[None]:
    """Read each dataset's tables once while many scenarios of it are checked."""
    from .data import tables

    original = tables.read_tables
    tables.read_tables = functools.lru_cache(maxsize=8)(original)
    try:
        yield
    finally:
        tables.read_tables = original


def load_ensemble(
    path: str | Path, hours: int | None = None, solver_threads: int | None = 1
) -> tuple[EnsembleFile, list[Member]]:
    """Read, expand and validate an ensemble file.

    Parameters
    ----------
    path
        Ensemble file (YAML), e.g. ``runs/ensemble-hydro-carbon.yaml``.
    hours
        Solve only the first N hours of every scenario (overrides the file).
    solver_threads
        HiGHS threads of every scenario that does not set ``solver.threads`` itself
        (``None``: HiGHS decides).

    Returns
    -------
    tuple
        The parsed file and its members in order (grid points in the order written, the
        last key varying fastest; sample draws innermost).

    Raises
    ------
    InputError
        Every problem found: unknown keys (with the closest known key), wrong types, values a
        scenario would refuse (named by scenario and key path), duplicate or unsafe names.
    """
    path = Path(path)
    fname = str(path)
    ctx = "ensemble file"
    raw = _read_yaml(path, ctx)
    try:
        ef = EnsembleFile.model_validate(raw)
    except ValidationError as exc:
        raise InputError(_problems(exc, fname, "", EnsembleFile), context=ctx) from None
    problems: list[Problem] = []
    base: dict[str, Any] = {}
    if ef.base_run is not None:
        run_path = path.parent / ef.base_run.file
        if not run_path.is_file():
            run_path = Path(ef.base_run.file)
        _, run_scen = load_run(run_path)
        if ef.base_run.scenario not in run_scen:
            close = difflib.get_close_matches(ef.base_run.scenario, list(run_scen), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise InputError(
                [
                    Problem(
                        fname,
                        None,
                        "base_run.scenario",
                        ef.base_run.scenario,
                        f"a scenario of {run_path}{hint}",
                    )
                ],
                context=ctx,
            )
        base = run_scen[ef.base_run.scenario].model_dump(exclude_unset=True)
        base["dataset"] = run_scen[ef.base_run.scenario].dataset
    base = _deep_merge(base, ef.base)
    known = list(Scenario.model_fields)
    axes = list(ef.grid) + (list(ef.sample.parameters) if ef.sample else [])
    for where, key in [("grid", k) for k in ef.grid] + [
        ("sample.parameters", k) for k in (ef.sample.parameters if ef.sample else {})
    ]:
        head = key.split(".")[0]
        if head not in known:
            close = difflib.get_close_matches(head, known, n=1, cutoff=0.5)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(Problem(fname, None, where, key, f"a scenario key path{hint}"))
    for key, values in ef.grid.items():
        if not values:
            problems.append(Problem(fname, None, f"grid.{key}", "[]", "at least one value"))
    if len(set(axes)) != len(axes):
        problems.append(Problem(fname, None, "sample.parameters", "", "keys not also in grid"))
    if problems:
        raise InputError(problems, context=ctx)
    labels = _labels(axes)
    grid_points = [
        dict(zip(ef.grid, combo, strict=True)) for combo in itertools.product(*ef.grid.values())
    ]
    draws = _draw(ef.sample) if ef.sample else [{}]
    members: list[Member] = []
    raw_scen: list[tuple[str, dict, dict]] = []
    for point in grid_points:
        tags = [
            _value_tag(labels[k], v, ef.grid[k].index(v) if v in ef.grid[k] else 0)
            for k, v in point.items()
        ]
        for i, draw in enumerate(draws):
            params = {**point, **draw}
            if ef.name:
                try:
                    name = ef.name.format(**{labels[k]: v for k, v in point.items()}, draw=i)
                except (KeyError, IndexError, ValueError) as exc:
                    raise InputError(
                        [
                            Problem(
                                fname,
                                None,
                                "name",
                                ef.name,
                                f"a template using {{draw}} and the labels "
                                f"{', '.join(labels[k] for k in ef.grid)} ({exc})",
                            )
                        ],
                        context=ctx,
                    ) from None
                if ef.sample and "{draw" not in ef.name:
                    name = f"{name}-s{i:03d}"
            else:
                name = "-".join([*tags, *([f"s{i:03d}"] if ef.sample else [])]) or "base"
            merged = copy.deepcopy(base)
            for k, v in params.items():
                _set_path(merged, k, v)
            raw_scen.append((name, {labels[k]: v for k, v in params.items()}, merged))
    names = [n for n, _, _ in raw_scen]
    for n in sorted({n for n in names if names.count(n) > 1}):
        problems.append(Problem(fname, None, "name", n, "a template giving unique names"))
    for n in dict.fromkeys(names):
        if not SAFE_NAME.fullmatch(n) or ".." in n:
            problems.append(
                Problem(fname, None, "name", n, "names of letters, digits, '.', '_' or '-'")
            )
    if problems:
        raise InputError(problems, context=ctx)
    with _tables_read_once():
        for name, params, merged in raw_scen:
            try:
                s = Scenario.model_validate(merged)
            except ValidationError as exc:
                problems += _problems(exc, fname, f"scenarios.{name}", Scenario)
                continue
            found = resolve_dataset(s.dataset, path)
            if found is None:
                problems.append(
                    Problem(fname, None, f"scenarios.{name}.dataset", s.dataset, "a dataset")
                )
                continue
            update: dict[str, Any] = {"dataset": str(found)}
            if hours:
                update["hours"] = hours
            if solver_threads and s.solver.threads is None:
                update["solver"] = s.solver.model_copy(update={"threads": solver_threads})
            s = s.model_copy(update=update)
            problems += check_scenario(s, fname, f"scenarios.{name}")
            members.append(Member(name, params, s))
    if problems:
        raise InputError(problems, context=ctx)
    return ef, members


# ----------------------------------------------------------------------------------------------
# Work done in a worker


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


def _peak_rss_mb() -> float:
    """Peak resident memory of this process so far [MB]."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1e6 if sys.platform == "darwin" else 1e3), 1)


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return f"local:{socket.gethostname()}"


def _announce(record: dict) -> None:
    """Tell the client a scenario finished (a Dask event; nothing outside a worker)."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return
    keys = ("name", "status", "total_s", "warm_start", "error", "peak_rss_mb", "pid")
    worker.log_event(EVENT_TOPIC, {k: record.get(k) for k in keys})


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _write_result(res: xr.Dataset, path: Path) -> None:
    from .results.store import write_netcdf

    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write_netcdf(res, tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def is_complete(folder: str | Path, name: str, scenario_json: str) -> bool:
    """Whether ``scenarios/<name>.nc`` holds results solved for exactly this scenario."""
    p = Path(folder) / "scenarios" / f"{name}.nc"
    if not p.is_file():
        return False
    import h5py  # h5netcdf's own backend: reads the attribute without decoding the file

    try:
        with h5py.File(p, "r") as f:
            stored = f.attrs.get(SCENARIO_ATTR)
    except (OSError, ValueError):
        return False
    if isinstance(stored, bytes):
        stored = stored.decode()
    return stored == scenario_json


def _mtime(folder: Path, name: str) -> float:
    try:
        return (folder / "scenarios" / f"{name}.nc").stat().st_mtime
    except OSError:
        return -1.0


def _headline(res: xr.Dataset, name: str) -> dict[str, float]:
    from .compare import compare, headline

    row = headline(compare({name: res})).iloc[0]
    return {k: float(v) for k, v in row.items() if not k.startswith("Δ")}


def _record(name: str, params: dict, scenario_json: str, t0: float, res: xr.Dataset | None) -> dict:
    rec: dict[str, Any] = {
        "name": name,
        "parameters": params,
        "status": "ok",
        "exit_code": 0,
        "worker": _worker_name(),
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "total_s": round(time.perf_counter() - t0, 2),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "scenario": json.loads(scenario_json),
    }
    if res is not None:
        rec.update(
            objective_usd=float(res.attrs["objective_usd"]),
            build_s=float(res.attrs.get("time_build_s", 0.0)),
            solve_s=float(res.attrs.get("time_solve_s", 0.0)),
            simplex_iterations=int(res.attrs.get("simplex_iterations", 0)),
            warm_start=bool(res.attrs.get("warm_start", 0)),
            verified=bool(res.attrs.get("verified", 0)),
            headline=_headline(res, name),
        )
    rec["peak_rss_mb"] = _peak_rss_mb()
    return rec


def _failure(name: str, params: dict, scenario_json: str, t0: float, exc: BaseException) -> dict:
    rec = _record(name, params, scenario_json, t0, None)
    rec.update(
        status="failed",
        exit_code=int(getattr(exc, "exit_code", 1)),
        error_type=type(exc).__name__,
        error=str(exc),
        diagnosis=list(getattr(exc, "diagnosis", []) or []),
    )
    if not isinstance(exc, AseangridError):
        rec["traceback"] = traceback.format_exc()
    return rec


def _finish(folder: Path, name: str, rec: dict, res: xr.Dataset | None) -> dict:
    """Write a scenario's results (if any) and its record, each atomically; announce it."""
    sdir = folder / "scenarios"
    if res is not None:
        res.attrs["scenario_name"] = name
        _write_result(res, sdir / f"{name}.nc")
    _atomic_write_text(sdir / f"{name}.json", json.dumps(rec, indent=1, default=str))
    _announce(rec)
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

    A scenario already written for the same definition (at or after ``written_after``, a Unix
    time) is skipped, so a task retried after its worker died does not redo what it finished.
    With ``warm_start`` and more than one
    scenario, the scenarios must differ only in their carbon caps' values: the model is built
    once and each solve starts from the previous basis.

    Returns
    -------
    list of dict
        One record per scenario: ``status`` ``ok``, ``failed`` or ``skipped``, timings,
        objective, headline figures, worker, process id and its peak memory.
    """
    from .pipeline import options_of, solve_scenario
    from .scenario import load_scenario
    from .session import Session, set_sweep_values

    out = Path(folder)
    records: list[dict] = []
    session = None
    session_error: BaseException | None = None
    for i, (name, par, js) in enumerate(zip(names, params, scenario_jsons, strict=True)):
        t0 = time.perf_counter()
        if is_complete(out, name, js) and _mtime(out, name) >= written_after:
            records.append({"name": name, "status": "skipped", "pid": os.getpid()})
            continue
        if before_solve is not None:
            before_solve(name)
        s = Scenario.model_validate_json(js)
        res = None
        try:
            opts, so = options_of(s)
            if warm_start and len(names) > 1:
                if session is None and session_error is None:
                    try:
                        session = Session(load_scenario(s), opts, so)
                    except AseangridError as exc:
                        session_error = exc
                if session_error is not None:
                    raise session_error
                set_sweep_values(session, s)
                res = session.solve()
            else:
                res = solve_scenario(s)
            res.attrs[SCENARIO_ATTR] = js
            res.attrs["scenario"] = js
            rec = _record(name, par, js, t0, res)
        except AseangridError as exc:
            rec = _failure(name, par, js, t0, exc)
        except Exception as exc:
            rec = _failure(name, par, js, t0, exc)
        rec["task_position"] = i
        records.append(_finish(out, name, rec, res))
    return records


# ----------------------------------------------------------------------------------------------
# Planning and running


def plan_tasks(members: list[Member], n_workers: int, warm_start: bool) -> list[list[Member]]:
    """Cut the scenarios to solve into tasks.

    Without warm start every scenario is its own task. With it, scenarios that differ only in
    their carbon caps' values form one task (one live session); the largest tasks are then
    halved until there are at least as many tasks as workers, so no worker stays idle.
    """
    if not warm_start:
        return [[m] for m in members]
    from .session import sweep_groups

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


@dataclass
class EnsembleResult:
    """What an ensemble run produced.

    Attributes
    ----------
    folder
        Output folder: ``scenarios/<name>.nc`` and ``.json``, ``summary.csv``, ``log.json``,
        ``ensemble.nc`` (or ``ensemble.zarr``) and a copy of the ensemble file.
    summary
        One row per scenario: parameters, status, exit code, error, objective, headline
        figures, timings, worker and its peak memory.
    computed, skipped, failed
        Scenario names solved in this run, skipped as already complete, failed (in this run
        or earlier and not solved since).
    combined
        Path of the combined Dataset (``None`` if not written).
    wall_s
        Wall-clock time of the run [s].
    workers
        Per worker (address): scenarios solved and peak resident memory [MB].
    """

    folder: Path
    summary: pd.DataFrame
    computed: list[str]
    skipped: list[str]
    failed: list[str]
    combined: Path | None
    wall_s: float
    workers: dict[str, dict] = field(default_factory=dict)

    def open(self) -> xr.Dataset:
        """Open the combined Dataset (lazily, one chunk per scenario)."""
        if self.combined is None:
            raise OutputError(f"{self.folder} has no combined Dataset")
        if self.combined.suffix == ".zarr":
            return xr.open_zarr(self.combined)
        return xr.open_dataset(self.combined, engine="h5netcdf", chunks={"scenario": 1})

    def raise_for_failures(self) -> None:
        """Raise :class:`ScenarioFailures` when a scenario failed."""
        if self.failed:
            raise ScenarioFailures(self)


class ScenarioFailures(AseangridError):
    """Some scenarios of an ensemble failed; the others were solved and written.

    ``exit_code`` is that of the first failed scenario (3 infeasible, 7 time limit, ...;
    see :mod:`aseangrid.errors`).
    """

    def __init__(self, result: EnsembleResult):
        self.result = result
        rows = result.summary.loc[result.failed]
        self.exit_code = int(rows["exit_code"].iloc[0]) if len(rows) else 1
        lines = [
            f"  - {n}: {str(rows.loc[n, 'error']).splitlines()[0][:200]}" for n in result.failed
        ]
        super().__init__(
            f"{len(result.failed)} of {len(result.summary)} scenarios failed (the others are "
            f"in {result.folder}):\n" + "\n".join(lines)
        )


def _clean_tmp(folder: Path) -> None:
    for p in (folder / "scenarios").glob(".*.tmp"):
        p.unlink(missing_ok=True)
    for p in folder.glob(".*.tmp"):
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


def _read_record(folder: Path, name: str) -> dict | None:
    p = folder / "scenarios" / f"{name}.json"
    try:
        return json.loads(p.read_text())
    except (OSError, ValueError):
        return None


def _summary(folder: Path, members: list[Member], fresh: set[str]) -> pd.DataFrame:
    rows = []
    for m in members:
        rec = _read_record(folder, m.name) or {"status": "missing", "exit_code": 1}
        done = is_complete(folder, m.name, m.scenario.model_dump_json())
        status = "ok" if done else ("failed" if rec.get("status") == "failed" else "missing")
        row: dict[str, Any] = {"scenario": m.name}
        for k, v in m.parameters.items():
            row[k] = v if isinstance(v, str | int | float | bool) else json.dumps(v)
        row.update(
            status=status,
            solved_in_this_run=m.name in fresh,
            exit_code=0 if done else int(rec.get("exit_code", 1)),
            error="" if done else str(rec.get("error", "no results written")),
            objective_usd=rec.get("objective_usd", np.nan) if done else np.nan,
        )
        if done:
            row.update(rec.get("headline", {}))
        row.update(
            total_s=rec.get("total_s", np.nan),
            solve_s=rec.get("solve_s", np.nan),
            warm_start=rec.get("warm_start", False),
            worker=rec.get("worker", ""),
            pid=rec.get("pid", np.nan),
            peak_rss_mb=rec.get("peak_rss_mb", np.nan),
        )
        rows.append(row)
    return pd.DataFrame(rows).set_index("scenario")


def _combine(folder: Path, members: list[Member], fmt: str) -> Path | None:
    """Stack the complete scenarios' results along ``scenario`` into one file (streamed by
    Dask, one scenario in memory at a time) and rename it into place."""
    done = [m for m in members if is_complete(folder, m.name, m.scenario.model_dump_json())]
    if not done or fmt == "none":
        return None
    parts = []
    for m in done:
        ds = xr.open_dataset(folder / "scenarios" / f"{m.name}.nc", engine="h5netcdf", chunks={})
        for a in SCALAR_ATTRS:
            if a in ds.attrs:
                ds[a] = xr.DataArray(float(ds.attrs[a]))
        ds = ds.expand_dims(scenario=[m.name])
        parts.append(ds)
    combined = xr.concat(
        parts,
        dim="scenario",
        data_vars="all",
        coords="minimal",
        compat="override",
        join="exact",
        combine_attrs="drop_conflicts",
    )
    labels = list(dict.fromkeys(k for m in done for k in m.parameters))
    for lab in labels:
        vals = [m.parameters.get(lab) for m in done]
        if not all(isinstance(v, str | int | float | bool) for v in vals):
            vals = [json.dumps(v) for v in vals]
        coord = lab if lab not in combined.variables else f"parameter_{lab}"
        combined = combined.assign_coords({coord: ("scenario", vals)})
        combined[coord].attrs["description"] = f"ensemble parameter {lab}"
    combined["objective_usd"].attrs["units"] = "USD"
    combined.attrs["ensemble"] = folder.name
    target = folder / ("ensemble.zarr" if fmt == "zarr" else "ensemble.nc")
    tmp = folder / f".{target.name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        if fmt == "zarr":
            combined.to_zarr(tmp, mode="w")
        else:
            combined.to_netcdf(tmp, engine="h5netcdf")
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        for ds in parts:
            ds.close()
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True) if tmp.is_dir() else tmp.unlink()
    return target


@contextlib.contextmanager
def _client(
    scheduler: str | None, workers: int | None, memory_limit: str | float | None, say: Progress
):
    """A Dask client: on an existing scheduler, or on a local cluster started (and closed)
    here with one single-threaded worker per core and a memory limit per worker."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        client = Client(scheduler)
        try:
            yield client
        finally:
            client.close()
        return
    n = workers or os.cpu_count() or 1
    # saturation 1.0: a worker holds only the task it runs, the rest wait on the scheduler
    # and go to whichever worker frees first (scenarios take minutes, not milliseconds)
    conf = {
        "distributed.scheduler.allowed-failures": 3,
        "distributed.scheduler.worker-saturation": 1.0,
    }
    with dask.config.set(conf):
        cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            memory_limit=memory_limit if memory_limit is not None else "auto",
            dashboard_address=":0",  # any free port: several clusters may share a machine
            silence_logs=40,
        )
    client = Client(cluster)
    client.wait_for_workers(n, timeout=120)
    limits = [w.get("memory_limit") or 0 for w in client.scheduler_info()["workers"].values()]
    say(
        f"local Dask cluster: {n} worker(s), 1 thread each, memory limit "
        f"{max(limits, default=0) / 1e9:.1f} GB per worker ({cluster.scheduler_address}, "
        f"dashboard {cluster.dashboard_link})"
    )
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def _progress_line(rec: dict, k: int, total: int) -> str:
    if rec.get("status") == "ok":
        extra = ", warm start" if rec.get("warm_start") else ""
        return (
            f"  [{k}/{total}] {rec['name']}: solved in {rec.get('total_s', 0):.1f} s{extra} "
            f"(process {rec.get('pid')}, peak {rec.get('peak_rss_mb', 0):.0f} MB)"
        )
    err = str(rec.get("error", "")).splitlines()[0][:160] if rec.get("error") else ""
    return f"  [{k}/{total}] {rec['name']}: FAILED: {err}"


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
    workers
        Workers of the local cluster (default: the number of cores).
    memory_limit
        Memory limit per local worker (``"6GB"``, bytes, or ``"auto"``: the machine's memory
        shared equally); a worker above 95 % of it is restarted and its task retried.
    solver_threads
        HiGHS threads per scenario that does not set its own (default 1: one per worker).
    hours
        Solve only the first N hours of every scenario (quick checks).
    warm_start
        Solve scenarios that differ only in carbon-cap values in one live session (default:
        the file's ``warm_start``, itself true by default).
    resume
        Skip scenarios whose results are already written for the same definition.
    sequential
        Solve in this process, one scenario after another, without Dask (for comparison and
        debugging).
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
    say = progress or (lambda msg: None)
    t0 = time.perf_counter()
    path = Path(path)
    ef, members = load_ensemble(path, hours=hours, solver_threads=solver_threads)
    warm = ef.warm_start if warm_start is None else warm_start
    fmt = combine or ef.combine
    if fmt == "zarr":
        try:
            import zarr  # noqa: F401
        except ImportError:
            raise InputError(
                [Problem(str(path), None, "combine", "zarr", "netcdf (zarr is not installed)")],
                context="ensemble request",
            ) from None
    folder = Path(out) if out else path.with_suffix("")
    try:
        (folder / "scenarios").mkdir(parents=True, exist_ok=True)
        _clean_tmp(folder)
        shutil.copy(path, folder / "ensemble.yaml")
    except OSError as exc:
        raise OutputError(f"cannot write to {folder}: {exc}") from exc
    jsons = {m.name: m.scenario.model_dump_json() for m in members}
    done = (
        {m.name for m in members if is_complete(folder, m.name, jsons[m.name])} if resume else set()
    )
    pending = [m for m in members if m.name not in done]
    say(
        f"{len(members)} scenario(s): {len(done)} already complete, {len(pending)} to solve"
        f"{' (resumed)' if done else ''}"
    )
    # without resume, results of earlier runs are replaced as the new ones finish (never
    # deleted first); a retried task skips only what this run wrote
    written_after = 0.0 if resume else time.time() - 1.0
    records: dict[str, dict] = {}
    cluster_info: dict[str, Any] = {"mode": "sequential" if sequential else "dask"}

    def args(task: list[Member]) -> tuple:
        return (
            [m.name for m in task],
            [m.parameters for m in task],
            [jsons[m.name] for m in task],
            str(folder),
            warm and len(task) > 1,
            before_solve,
            written_after,
        )

    if pending and sequential:
        tasks = plan_tasks(pending, 1, warm)
        k = 0
        for task in tasks:
            for rec in solve_task(*args(task)):
                if rec["status"] != "skipped":
                    k += 1
                    records[rec["name"]] = rec
                    say(_progress_line(rec, k, len(pending)))
    elif pending:
        records, cluster_info = _run_on_dask(
            pending, args, warm, scheduler, workers, memory_limit, say
        )
    computed = [m.name for m in members if records.get(m.name, {}).get("status") == "ok"]
    if fmt != "none":
        say(f"combining the results into one Dataset ({fmt})")
    try:
        combined = _combine(folder, members, fmt)
    except ValueError as exc:  # scenarios of different shapes (e.g. different years)
        say(f"  not combined: {exc}")
        combined = None
    summary = _summary(folder, members, set(computed))
    failed = summary.index[summary["status"] != "ok"].tolist()
    per_worker: dict[str, dict] = {}
    for rec in records.values():
        w = per_worker.setdefault(
            f"{rec.get('worker')} (pid {rec.get('pid')})", {"scenarios": 0, "peak_rss_mb": 0.0}
        )
        w["scenarios"] += 1
        w["peak_rss_mb"] = max(w["peak_rss_mb"], float(rec.get("peak_rss_mb") or 0.0))
    wall = time.perf_counter() - t0
    log = {
        "ensemble_file": str(path),
        "wall_s": round(wall, 1),
        "warm_start": warm,
        "cluster": cluster_info,
        "computed": computed,
        "skipped": sorted(done),
        "failed": failed,
        "workers": per_worker,
        "combined": str(combined) if combined else None,
    }
    try:
        summary.to_csv(folder / "summary.csv")
        _atomic_write_text(folder / "log.json", json.dumps(log, indent=1, default=str))
    except OSError as exc:
        raise OutputError(f"cannot write the summary to {folder}: {exc}") from exc
    say(
        f"done in {wall:.0f} s: {len(computed)} solved, {len(done)} skipped, "
        f"{len(failed)} failed; {folder}/summary.csv"
    )
    return EnsembleResult(
        folder=folder,
        summary=summary,
        computed=computed,
        skipped=sorted(done, key=[m.name for m in members].index),
        failed=failed,
        combined=combined,
        wall_s=wall,
        workers=per_worker,
    )


def _run_on_dask(
    pending: list[Member],
    args: Callable[[list[Member]], tuple],
    warm: bool,
    scheduler: str | None,
    workers: int | None,
    memory_limit: str | float | None,
    say: Progress,
) -> tuple[dict[str, dict], dict]:
    """Submit the tasks, report scenarios as they finish, collect every record."""
    import threading

    from distributed import as_completed

    records: dict[str, dict] = {}
    lock = threading.Lock()
    total = len(pending)

    def report(rec: dict) -> None:
        with lock:
            if rec.get("status") == "skipped" or rec["name"] in records:
                return
            records[rec["name"]] = rec
            say(_progress_line(rec, len(records), total))

    with _client(scheduler, workers, memory_limit, say) as client:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        tasks = plan_tasks(pending, n_workers, warm)
        info = {
            "mode": "dask",
            "scheduler": client.scheduler.address,
            "workers": n_workers,
            "tasks": len(tasks),
        }
        if warm and len(tasks) < len(pending):
            say(f"{len(tasks)} task(s) on {n_workers} worker(s); cap sweeps share a session")
        with contextlib.suppress(Exception):
            client.subscribe_topic(EVENT_TOPIC, lambda event: report(event[1]))
        # greedy: as many tasks in flight as workers, the next one submitted when one ends,
        # so a free worker always takes the next task (the scheduler cannot know that a
        # scenario lasts minutes and would queue tasks behind a busy worker)
        futures: dict = {}
        queue = list(tasks)
        run_id = uuid.uuid4().hex[:6]

        def submit_next(ac=None) -> None:
            task = queue.pop(0)
            fut = client.submit(solve_task, *args(task), key=f"ensemble-{task[0].name}-{run_id}")
            futures[fut] = task
            if ac is not None:
                ac.add(fut)

        for _ in range(min(n_workers, len(queue))):
            submit_next()
        try:
            ac = as_completed(list(futures))
            for fut in ac:
                task = futures[fut]
                # workers may have joined (an adaptive cluster): keep one task per worker
                free = max(1, len(client.scheduler_info().get("workers", {})))
                while queue and sum(not f.done() for f in futures) < free:
                    submit_next(ac)
                try:
                    recs = fut.result()
                except Exception as exc:  # e.g. KilledWorker: record, go on
                    folder = Path(args(task)[3])
                    recs = []
                    for m in task:
                        if is_complete(folder, m.name, m.scenario.model_dump_json()):
                            recs.append(
                                _read_record(folder, m.name) or {"name": m.name, "status": "ok"}
                            )
                            continue
                        rec = {
                            "name": m.name,
                            "parameters": m.parameters,
                            "status": "failed",
                            "exit_code": 1,
                            "error_type": type(exc).__name__,
                            "error": f"the task failed outside the model: {exc}",
                        }
                        _atomic_write_text(
                            folder / "scenarios" / f"{m.name}.json", json.dumps(rec, default=str)
                        )
                        recs.append(rec)
                for rec in recs:
                    report(rec)
        except BaseException:
            client.cancel(list(futures))
            raise
        finally:
            with contextlib.suppress(Exception):
                client.unsubscribe_topic(EVENT_TOPIC)
    return records, info

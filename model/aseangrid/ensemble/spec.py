"""The ensemble file: its schema and its expansion into validated scenarios (members).

An ensemble file (YAML, ``runs/ensemble-*.yaml``) names a base scenario (``base_run`` and/or
``base``) and the parameters that vary around it: a full-factorial ``grid`` of values and/or a
``sample`` (:mod:`aseangrid.ensemble.sampling`). :func:`load_ensemble` reads it, expands it
into one :class:`Member` per scenario and validates every scenario as a run file's would be,
reporting every problem at once.
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import functools
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import InputError, Problem
from ..scenario import (
    SAFE_NAME,
    Scenario,
    check_scenario,
    deep_merge,
    load_run,
    resolve_dataset,
    validation_problems,
)
from .sampling import Sample, draw_sample

CONTEXT = "ensemble file"


class BaseRun(BaseModel):
    """A scenario of an existing run file used as the ensemble's base."""

    model_config = ConfigDict(extra="forbid")

    file: str = Field(..., description="Run file, relative to the ensemble file.")
    scenario: str = Field(..., description="Scenario of that run file.")


class EnsembleFile(BaseModel):
    """An ensemble file: a base scenario and the parameters varied around it."""

    model_config = ConfigDict(extra="forbid")

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

    def axes(self) -> list[str]:
        """Key paths that vary: the grid's, then the sample's."""
        return list(self.grid) + (list(self.sample.parameters) if self.sample else [])


@dataclass(frozen=True)
class Member:
    """One scenario of an ensemble: its name, the varied parameters and the full scenario.

    ``parameters`` maps each varied key path's label (:func:`labels`) to its value.
    """

    name: str
    parameters: dict[str, Any]
    scenario: Scenario


@dataclass(frozen=True)
class Draft:
    """A member before validation: name, labelled parameters and the merged scenario keys."""

    name: str
    parameters: dict[str, Any]
    keys: dict[str, Any]


def set_path(d: dict, path: str, value: Any) -> None:
    """Set ``d['a']['b']['c'] = value`` for ``path = 'a.b.c'``, creating mappings on the way."""
    *parents, last = path.split(".")
    cur = d
    for p in parents:
        if not isinstance(cur.get(p), dict):
            cur[p] = {}
        cur = cur[p]
    cur[last] = copy.deepcopy(value)


def labels(paths: list[str]) -> dict[str, str]:
    """Short label of each key path: its last part, or the whole path (``_`` for ``.``) where
    two paths end alike."""
    last = [p.split(".")[-1] for p in paths]
    return {
        p: (lab if last.count(lab) == 1 else p.replace(".", "_"))
        for p, lab in zip(paths, last, strict=True)
    }


def value_tag(label: str, value: Any, index: int) -> str:
    """The part of a default scenario name for one grid value (``mt800``, ``dry``, ...)."""
    if isinstance(value, bool):
        return f"{label}-{'yes' if value else 'no'}"
    if isinstance(value, int | float):
        return f"{label}{value:g}"
    if isinstance(value, str) and SAFE_NAME.fullmatch(value):
        return value
    return f"{label}{index}"


def read_yaml(path: Path, context: str = CONTEXT) -> dict:
    """A YAML file's mapping; :class:`InputError` if absent, not YAML or not a mapping."""
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
def tables_read_once() -> Iterator[None]:
    """Read each dataset's tables once while many scenarios of it are checked."""
    from ..data import tables

    original = tables.read_tables
    tables.read_tables = functools.lru_cache(maxsize=8)(original)
    try:
        yield
    finally:
        tables.read_tables = original


def base_keys(ef: EnsembleFile, path: Path) -> dict[str, Any]:
    """The base scenario's keys: ``base_run``'s scenario (if any) with ``base`` over it."""
    if ef.base_run is None:
        return deep_merge({}, ef.base)
    run_path = path.parent / ef.base_run.file
    if not run_path.is_file():
        run_path = Path(ef.base_run.file)
    _, scenarios = load_run(run_path)
    chosen = scenarios.get(ef.base_run.scenario)
    if chosen is None:
        close = difflib.get_close_matches(ef.base_run.scenario, list(scenarios), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        where = f"a scenario of {run_path}{hint}"
        problem = Problem(str(path), None, "base_run.scenario", ef.base_run.scenario, where)
        raise InputError([problem], context=CONTEXT)
    base = chosen.model_dump(exclude_unset=True)
    base["dataset"] = chosen.dataset
    return deep_merge(base, ef.base)


def axis_problems(ef: EnsembleFile, fname: str) -> list[Problem]:
    """Unknown key paths (with the closest scenario key), empty grids, keys varied twice."""
    known = list(Scenario.model_fields)
    sampled = list(ef.sample.parameters) if ef.sample else []
    problems = []
    for where, key in [("grid", k) for k in ef.grid] + [("sample.parameters", k) for k in sampled]:
        head = key.split(".")[0]
        if head not in known:
            close = difflib.get_close_matches(head, known, n=1, cutoff=0.5)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(Problem(fname, None, where, key, f"a scenario key path{hint}"))
    for key, values in ef.grid.items():
        if not values:
            problems.append(Problem(fname, None, f"grid.{key}", "[]", "at least one value"))
    if len(set(ef.axes())) != len(ef.axes()):
        problems.append(Problem(fname, None, "sample.parameters", "", "keys not also in grid"))
    return problems


def member_name(ef: EnsembleFile, point: dict[str, Any], i: int, fname: str) -> str:
    """Name of draw ``i`` at a grid point: the file's template, or the values joined by ``-``."""
    lab = labels(ef.axes())
    suffix = [f"s{i:03d}"] if ef.sample else []
    if not ef.name:
        idx = {k: ef.grid[k].index(v) if v in ef.grid[k] else 0 for k, v in point.items()}
        tags = [value_tag(lab[k], v, idx[k]) for k, v in point.items()]
        return "-".join([*tags, *suffix]) or "base"
    try:
        name = ef.name.format(**{lab[k]: v for k, v in point.items()}, draw=i)
    except (KeyError, IndexError, ValueError) as exc:
        usable = ", ".join(lab[k] for k in ef.grid)
        expected = f"a template using {{draw}} and the labels {usable} ({exc})"
        raise InputError([Problem(fname, None, "name", ef.name, expected)], CONTEXT) from None
    return name if "{draw" in ef.name or not ef.sample else f"{name}-{suffix[0]}"


def drafts(ef: EnsembleFile, base: dict[str, Any], fname: str) -> list[Draft]:
    """Every grid point (in the order written, the last key fastest) times every draw."""
    lab = labels(ef.axes())
    draws = draw_sample(ef.sample) if ef.sample else [{}]
    out = []
    for combo in itertools.product(*ef.grid.values()):
        point = dict(zip(ef.grid, combo, strict=True))
        for i, draw in enumerate(draws):
            params = {**point, **draw}
            keys = copy.deepcopy(base)
            for k, v in params.items():
                set_path(keys, k, v)
            name = member_name(ef, point, i, fname)
            out.append(Draft(name, {lab[k]: v for k, v in params.items()}, keys))
    return out


def name_problems(names: list[str], fname: str) -> list[Problem]:
    """Names given twice, and names unsafe as file names."""
    problems = [
        Problem(fname, None, "name", n, "a template giving unique names")
        for n in sorted({n for n in names if names.count(n) > 1})
    ]
    for n in dict.fromkeys(names):
        if not SAFE_NAME.fullmatch(n) or ".." in n:
            expected = "names of letters, digits, '.', '_' or '-'"
            problems.append(Problem(fname, None, "name", n, expected))
    return problems


def validated(
    draft: Draft, path: Path, hours: int | None, solver_threads: int | None
) -> tuple[Member | None, list[Problem]]:
    """A draft as a checked member (``None`` with the problems if it is not valid)."""
    fname, where = str(path), f"scenarios.{draft.name}"
    try:
        s = Scenario.model_validate(draft.keys)
    except ValidationError as exc:
        return None, validation_problems(exc, fname, where, Scenario)
    found = resolve_dataset(s.dataset, path)
    if found is None:
        return None, [Problem(fname, None, f"{where}.dataset", s.dataset, "a dataset")]
    update: dict[str, Any] = {"dataset": str(found)}
    if hours:
        update["hours"] = hours
    if solver_threads and s.solver.threads is None:
        update["solver"] = s.solver.model_copy(update={"threads": solver_threads})
    s = s.model_copy(update=update)
    return Member(draft.name, draft.parameters, s), check_scenario(s, fname, where)


def load_ensemble(
    path: str | Path, hours: int | None = None, solver_threads: int | None = 1
) -> tuple[EnsembleFile, list[Member]]:
    """Read, expand and validate an ensemble file.

    Parameters
    ----------
    path
        Ensemble file (YAML), e.g. ``runs/ensemble-hydro-carbon.yaml``.
    hours
        Solve only the first N hours of every scenario [h] (overrides the file).
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
    try:
        ef = EnsembleFile.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise InputError(validation_problems(exc, fname, "", EnsembleFile), CONTEXT) from None
    base = base_keys(ef, path)
    problems = axis_problems(ef, fname)
    if problems:
        raise InputError(problems, context=CONTEXT)
    todo = drafts(ef, base, fname)
    problems = name_problems([d.name for d in todo], fname)
    if problems:
        raise InputError(problems, context=CONTEXT)
    members = []
    with tables_read_once():
        for d in todo:
            member, found = validated(d, path, hours, solver_threads)
            problems += found
            if member is not None:
                members.append(member)
    if problems:
        raise InputError(problems, context=CONTEXT)
    return ef, members

"""Run files (YAML) read and validated into a :class:`RunFile` and its resolved scenarios."""

from __future__ import annotations

import copy
import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import InputError, Problem
from .checks import check_scenario
from .model import SAFE_NAME, RunFile, Scenario


def resolve_dataset(dataset: str, run_file: Path) -> Path | None:
    """Find a scenario's dataset folder: as given, beside the run file, or one level up."""
    p = Path(dataset)
    for cand in (p, run_file.parent / p, run_file.parent.parent / p):
        if cand.is_dir():
            return cand.resolve()
    return None


def deep_merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in (over or {}).items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names allowed at a location of a pydantic error (for close-match hints)."""
    cur: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if isinstance(cur, type) and issubclass(cur, BaseModel) and part in cur.model_fields:
            ann = cur.model_fields[part].annotation
            args = getattr(ann, "__args__", ())
            nxt = [a for a in (ann, *args) if isinstance(a, type) and issubclass(a, BaseModel)]
            if not nxt:
                # dict[str, Model]
                for a in args:
                    for b in getattr(a, "__args__", ()):
                        if isinstance(b, type) and issubclass(b, BaseModel):
                            nxt = [b]
            if nxt:
                cur = nxt[0]
    if isinstance(cur, type) and issubclass(cur, BaseModel):
        return list(cur.model_fields)
    return []


def validation_problems(exc: ValidationError, file: str, prefix: str, model: type[BaseModel]):
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        field = ".".join(str(x) for x in (prefix, *loc) if x != "")
        val = err.get("input")
        sval = repr(val) if not isinstance(val, dict) else "{...}"
        if err["type"] == "extra_forbidden":
            opts = fields_at(model, loc)
            close = difflib.get_close_matches(str(loc[-1]), opts, n=1, cutoff=0.5)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            out.append(
                Problem(
                    file, None, field, str(loc[-1]), f"a known key{hint}; known: {', '.join(opts)}"
                )
            )
        else:
            out.append(Problem(file, None, field, sval[:80], err["msg"]))
    return out


def load_run(path: str | Path) -> tuple[RunFile, dict[str, Scenario]]:
    """Read and validate a run file; return it and its fully resolved scenarios.

    Raises
    ------
    InputError
        Every problem found: unknown keys (with the closest known key), wrong types, unknown
        years, nodes, countries, links or scenario names, impossible combinations.
    """
    path = Path(path)
    fname = str(path)
    if not path.is_file():
        raise InputError(
            [Problem(fname, None, "(file)", fname, "an existing run file")], context="run file"
        )
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise InputError(
            [Problem(fname, line, "(yaml)", str(exc).splitlines()[0], "valid YAML")],
            context="run file",
        ) from None
    if not isinstance(raw, dict):
        raise InputError(
            [Problem(fname, None, "(file)", str(raw)[:40], "a mapping with 'scenarios'")],
            context="run file",
        )
    try:
        run = RunFile.model_validate(raw)
    except ValidationError as exc:
        raise InputError(validation_problems(exc, fname, "", RunFile), context="run file") from None
    problems: list[Problem] = []
    scenarios: dict[str, Scenario] = {}
    for kind, names in (("scenarios", run.scenarios), ("comparisons", run.comparisons)):
        for name in names:
            if not SAFE_NAME.fullmatch(str(name)) or ".." in str(name):
                problems.append(
                    Problem(
                        fname,
                        None,
                        kind,
                        str(name),
                        "a name of letters, digits, '.', '_' or '-' (it becomes a "
                        "folder name inside the run's folder)",
                    )
                )
    if problems:
        raise InputError(problems, context="run file")
    for name, over in run.scenarios.items():
        merged = deep_merge(run.defaults, over or {})
        try:
            scenarios[name] = Scenario.model_validate(merged)
        except ValidationError as exc:
            problems += validation_problems(exc, fname, f"scenarios.{name}", Scenario)
    for name in run.core:
        if name not in run.scenarios:
            problems.append(Problem(fname, None, "core", name, "a scenario defined in this file"))
    for name, sc_ in list(scenarios.items()):
        found = resolve_dataset(sc_.dataset, path)
        if found is None:
            problems.append(
                Problem(
                    fname,
                    None,
                    f"scenarios.{name}.dataset",
                    sc_.dataset,
                    "an existing dataset folder (relative to the working directory or "
                    "the run file)",
                )
            )
            del scenarios[name]
        else:
            scenarios[name] = sc_.model_copy(update={"dataset": str(found)})
    for cname, comp in run.comparisons.items():
        for s in [comp.reference, *comp.scenarios]:
            if s not in run.scenarios:
                close = difflib.get_close_matches(s, list(run.scenarios), n=1, cutoff=0.5)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                problems.append(
                    Problem(
                        fname,
                        None,
                        f"comparisons.{cname}",
                        s,
                        f"a scenario defined in this file{hint}",
                    )
                )
    for name, s in scenarios.items():
        problems += check_scenario(s, fname, f"scenarios.{name}")
    if problems:
        raise InputError(problems, context="run file")
    return run, scenarios

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


#: Names a scenario or comparison may not take: the files and folders of a run folder.
RESERVED_NAMES = frozenset(
    {
        "report.html",
        "report.md",
        "report.xlsx",
        "figures",
        "tables",
        "log.json",
        "run.yaml",
        "aseangrid-results.json",
        "scenarios",
        "summary.csv",
    }
)


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping (YAML keeps the last)."""


def _no_duplicates(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"key {key!r} is given twice (first on line {seen[key] + 1}); YAML would keep "
                "only the last",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def read_yaml(path: Path, context: str) -> dict:
    """A YAML mapping read safely (no object tags, no duplicate keys), or an InputError that
    names the file and line."""
    fname = str(path)
    if not path.is_file():
        raise InputError(
            [Problem(fname, None, "(file)", fname, f"an existing {context}")], context=context
        )
    try:
        raw = yaml.load(path.read_text(), Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(
            [Problem(fname, line, "(yaml)", str(what), "valid YAML")], context=context
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            [Problem(fname, None, "(file)", str(exc)[:60], "a UTF-8 text file")], context=context
        ) from None
    if not isinstance(raw, dict):
        raise InputError(
            [Problem(fname, None, "(file)", str(raw)[:40], "a mapping with 'scenarios'")],
            context=context,
        )
    return raw


def _name_problems(run: RunFile, fname: str) -> list[Problem]:
    problems = []
    for kind, names in (("scenarios", run.scenarios), ("comparisons", run.comparisons)):
        for name in names:
            if not SAFE_NAME.fullmatch(str(name)) or ".." in str(name):
                problems.append(
                    Problem(
                        fname,
                        None,
                        kind,
                        str(name),
                        "a name of letters, digits, '.', '_' "
                        "or '-' (it becomes a folder name inside the run's folder)",
                    )
                )
            elif str(name).lower() in RESERVED_NAMES:
                problems.append(
                    Problem(
                        fname,
                        None,
                        kind,
                        str(name),
                        "a name that is not one of the run "
                        f"folder's own files ({', '.join(sorted(RESERVED_NAMES))})",
                    )
                )
    clash = set(run.scenarios) & set(run.comparisons)
    for name in sorted(clash):
        problems.append(
            Problem(
                fname,
                None,
                "comparisons",
                name,
                "a name that no scenario has (both become folders of the run)",
            )
        )
    return problems


def _scenarios(run: RunFile, path: Path, fname: str, problems: list[Problem], datasets: bool):
    scenarios: dict[str, Scenario] = {}
    for name, over in run.scenarios.items():
        try:
            s = Scenario.model_validate(deep_merge(run.defaults, over or {}))
        except ValidationError as exc:
            problems += validation_problems(exc, fname, f"scenarios.{name}", Scenario)
            continue
        if not datasets:
            scenarios[name] = s
            continue
        found = resolve_dataset(s.dataset, path)
        if found is None:
            problems.append(
                Problem(
                    fname,
                    None,
                    f"scenarios.{name}.dataset",
                    s.dataset,
                    "an existing dataset "
                    "folder (relative to the working directory or the run file)",
                )
            )
            continue
        scenarios[name] = s.model_copy(update={"dataset": str(found)})
    return scenarios


def _reference_problems(run: RunFile, fname: str) -> list[Problem]:
    problems = []
    for name in run.core:
        if name not in run.scenarios:
            problems.append(Problem(fname, None, "core", name, "a scenario defined in this file"))
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
    return problems


def load_run(path: str | Path, datasets: bool = True) -> tuple[RunFile, dict[str, Scenario]]:
    """Read and validate a run file; return it and its fully resolved scenarios.

    Parameters
    ----------
    path
        The run file (YAML).
    datasets
        Resolve and check each scenario's dataset (``False``: the run file alone, e.g. to
        rewrite the report of a finished run that was moved).

    Raises
    ------
    InputError
        Every problem found: unknown keys (with the closest known key), duplicate keys, wrong
        types, unknown years, nodes, countries, links or scenario names, impossible
        combinations.
    """
    path = Path(path)
    fname = str(path)
    raw = read_yaml(path, "run file")
    try:
        run = RunFile.model_validate(raw)
    except ValidationError as exc:
        raise InputError(validation_problems(exc, fname, "", RunFile), context="run file") from None
    problems = _name_problems(run, fname)
    if problems:
        raise InputError(problems, context="run file")
    scenarios = _scenarios(run, path, fname, problems, datasets)
    problems += _reference_problems(run, fname)
    if datasets:
        for name, s in scenarios.items():
            problems += check_scenario(s, fname, f"scenarios.{name}")
    if problems:
        raise InputError(problems, context="run file")
    return run, scenarios

"""The report of a run: written with the run file's report settings, and rewritten later from
a finished run folder (its results and comparisons; the datasets are not needed)."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import InputError, Problem
from ..results.folders import is_results_folder
from ..results.store import read_results
from ..scenario import RunFile, load_run
from .reader import current_comparison


def report_run(
    folder: Path,
    runfile: RunFile,
    comps: dict,
    results: dict,
    name: str,
    pathways: dict | None = None,
) -> dict:
    """Write a run's report with the run file's report settings."""
    # looked up on the package when called, as ``aseangrid.report.write_report``
    from . import write_report

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
    """Rewrite the report of a finished run folder from its results and comparisons.

    Works on a run folder that was moved or copied (the datasets are not needed). Refuses a
    folder that is not a complete run: every scenario its ``log.json`` lists must be there.
    """
    folder = Path(folder)
    if not folder.is_dir() or not is_results_folder(folder) or not (folder / "run.yaml").is_file():
        raise InputError(
            [
                Problem(
                    str(folder),
                    None,
                    "(folder)",
                    str(folder),
                    "a finished run folder written by `aseangrid run` (with run.yaml and log.json)",
                )
            ],
            context="report request",
        )
    runfile, _ = load_run(folder / "run.yaml", datasets=False)
    missing = [n for n in _listed_scenarios(folder) if not (folder / n / "results.nc").is_file()]
    if missing:
        raise InputError(
            [
                Problem(
                    str(folder / n),
                    None,
                    "results.nc",
                    "(missing)",
                    "the results of every scenario of the run (rerun it)",
                )
                for n in missing
            ],
            context="report request",
        )
    results = {p.parent.name: read_results(p) for p in sorted(folder.glob("*/results.nc"))}
    comps = _comparisons(folder, runfile, results)
    pathways = {p.parent.name: read_results(p) for p in sorted(folder.glob("*/pathway.nc"))}
    return report_run(folder, runfile, comps, results, name=folder.name, pathways=pathways)


def _comparisons(folder: Path, runfile: RunFile, results: dict) -> dict:
    """The run's comparisons in run-file order (:func:`current_comparison` of each)."""
    names = list(runfile.comparisons) or ["all"]
    stored = {p.parent.name: p for p in folder.glob("*/comparison.nc")}
    order = [*(n for n in names if n in stored), *sorted(set(stored) - set(names))]
    return {n: current_comparison(read_results(stored[n]), results) for n in order}


def _listed_scenarios(folder: Path) -> list[str]:
    """The scenarios a run folder's ``log.json`` lists (its ``names``, else the names of its
    records without the per-year ones of pathways); none when the log cannot be read."""
    try:
        log = json.loads((folder / "log.json").read_text())
        return log.get("names") or [s["name"] for s in log["scenarios"] if "/" not in s["name"]]
    except (OSError, ValueError, KeyError):
        return []

"""Reading a finished run folder in a notebook: its scenarios, comparisons and pathways as
xarray Datasets, its log and the report's tables."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import xarray as xr

from ..errors import InputError, Problem
from ..results.store import read_results


@dataclass
class Run:
    """A finished run, read from its folder (:func:`open_run`).

    Attributes
    ----------
    folder
        The run folder.
    scenarios
        Scenario name -> results Dataset (``<name>/results.nc``).
    comparisons
        Comparison name -> comparison Dataset (``<name>/comparison.nc``; compared again from
        the scenarios when the file predates a variable of the current comparison).
    pathways
        Scenario name -> pathway Dataset (``<name>/pathway.nc``), pathway runs only.
    log
        The run's ``log.json`` (run file, per scenario: status, objective, input hash,
        versions); empty if absent.
    """

    folder: Path
    scenarios: dict[str, xr.Dataset] = field(default_factory=dict)
    comparisons: dict[str, xr.Dataset] = field(default_factory=dict)
    pathways: dict[str, xr.Dataset] = field(default_factory=dict)
    log: dict = field(default_factory=dict)

    def table(self, key: str) -> pd.DataFrame:
        """A table of the report by its key (``"integration-2030.cost"``), from ``tables/``
        (as printed: rounded, units in the column labels)."""
        from .fmt import slug

        path = self.folder / "tables" / f"{slug(key)}.csv"
        if not path.is_file():
            have = sorted(p.stem for p in (self.folder / "tables").glob("*.csv"))
            raise InputError(
                [Problem(str(path), None, "table", key, f"one of {have}")], context="open_run"
            )
        return pd.read_csv(path)

    def __repr__(self) -> str:
        return (
            f"Run({str(self.folder)!r}, scenarios={list(self.scenarios)}, "
            f"comparisons={list(self.comparisons)}, pathways={list(self.pathways)})"
        )


def current_comparison(cmp: xr.Dataset, results: dict[str, xr.Dataset]) -> xr.Dataset:
    """A stored comparison, or the same comparison made again from the results when the stored
    file lacks a variable the current :func:`aseangrid.compare.compare` writes (a run folder of
    an older version)."""
    from ..compare import METRICS, compare

    if all(m.name in cmp for m in METRICS):
        return cmp
    members = [str(s) for s in cmp["scenario"].values]
    if not all(m in results for m in members):
        return cmp
    return compare({m: results[m] for m in members}, reference=cmp.attrs.get("reference"))


def open_run(folder: str | Path) -> Run:
    """Open a run folder written by ``aseangrid run`` (or a copy of one).

    Parameters
    ----------
    folder
        The run folder (with ``log.json`` or ``run.yaml`` and ``<scenario>/results.nc``).

    Returns
    -------
    Run
        ``.scenarios``, ``.comparisons`` and ``.pathways`` as xarray Datasets, ``.log``.

    Examples
    --------
    >>> run = ag.open_run("runs/integrated-vs-isolated")          # doctest: +SKIP
    >>> run.comparisons["integration-2030"]["delta_total_cost_usd"]  # doctest: +SKIP
    """
    folder = Path(folder)
    if not folder.is_dir() or not any(folder.glob("*/results.nc")):
        raise InputError(
            [
                Problem(
                    str(folder),
                    None,
                    "(folder)",
                    str(folder),
                    "a run folder written by `aseangrid run` (with <scenario>/results.nc)",
                )
            ],
            context="open_run",
        )
    log = {}
    if (folder / "log.json").is_file():
        try:
            log = json.loads((folder / "log.json").read_text())
        except ValueError:
            log = {}
    order = log.get("names") or []

    def read(pattern: str) -> dict[str, xr.Dataset]:
        found = {p.parent.name: read_results(p) for p in sorted(folder.glob(pattern))}
        first = [n for n in order if n in found]
        return {n: found[n] for n in [*first, *(n for n in found if n not in first)]}

    scenarios = read("*/results.nc")
    comparisons = {n: current_comparison(c, scenarios) for n, c in read("*/comparison.nc").items()}
    return Run(
        folder,
        scenarios=scenarios,
        comparisons=comparisons,
        pathways=read("*/pathway.nc"),
        log=log,
    )

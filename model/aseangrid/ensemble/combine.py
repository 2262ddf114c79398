"""What an ensemble run produced: the summary table, the combined Dataset and the run log.

The combined Dataset stacks the complete scenarios' results along a ``scenario`` dimension,
with the per-scenario attributes (objective, timings, ...) as variables and the varied
parameters as coordinates. It is built lazily by Dask from the per-scenario files (one
scenario in memory at a time), written under a temporary name and renamed into place.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import AseangridError, OutputError
from .records import atomic_write_text, is_complete, read_record, results_path, temporary
from .spec import Member

#: Results attributes copied into per-scenario variables of the combined Dataset.
SCALAR_ATTRS = (
    "objective_usd",
    "simplex_iterations",
    "time_build_s",
    "time_solve_s",
    "warm_start",
    "verified",
)


def complete_members(folder: Path, members: list[Member]) -> list[Member]:
    """The members whose results are written for their current definition."""
    return [m for m in members if is_complete(folder, m.name, m.scenario.model_dump_json())]


def storable(value: Any) -> Any:
    """A parameter value as a table cell or coordinate value (JSON for lists and mappings)."""
    return value if isinstance(value, str | int | float | bool) else json.dumps(value)


def summary_row(folder: Path, m: Member, fresh: set[str]) -> dict[str, Any]:
    """One scenario's row of the summary table (from its record and its results file)."""
    rec = read_record(folder, m.name) or {"status": "missing", "exit_code": 1}
    done = is_complete(folder, m.name, m.scenario.model_dump_json())
    status = "ok" if done else ("failed" if rec.get("status") == "failed" else "missing")
    row: dict[str, Any] = {"scenario": m.name}
    row.update({k: storable(v) for k, v in m.parameters.items()})
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
    return row


def summary_table(folder: Path, members: list[Member], fresh: set[str]) -> pd.DataFrame:
    """One row per scenario, indexed by name: parameters, status, exit code, error,
    objective [USD], headline figures, timings [s], worker, process id, peak memory [MB].

    ``fresh`` names the scenarios solved in this run.
    """
    return pd.DataFrame([summary_row(folder, m, fresh) for m in members]).set_index("scenario")


def open_member(folder: Path, m: Member) -> xr.Dataset:
    """One scenario's results, lazily, with its scalar attributes as variables and a
    ``scenario`` dimension of length 1."""
    ds = xr.open_dataset(results_path(folder, m.name), engine="h5netcdf", chunks={})
    for a in SCALAR_ATTRS:
        if a in ds.attrs:
            ds[a] = xr.DataArray(float(ds.attrs[a]))
    return ds.expand_dims(scenario=[m.name])


def stacked(parts: list[xr.Dataset], done: list[Member], name: str) -> xr.Dataset:
    """The scenarios' results along ``scenario``, the varied parameters as coordinates.

    Raises
    ------
    ValueError
        The scenarios' dimensions differ (e.g. different years): no silent alignment.
    """
    combined = xr.concat(
        parts,
        dim="scenario",
        data_vars="all",
        coords="minimal",
        compat="override",
        join="exact",
        combine_attrs="drop_conflicts",
    )
    for lab in dict.fromkeys(k for m in done for k in m.parameters):
        vals = [m.parameters.get(lab) for m in done]
        if not all(isinstance(v, str | int | float | bool) for v in vals):
            vals = [json.dumps(v) for v in vals]
        coord = lab if lab not in combined.variables else f"parameter_{lab}"
        combined = combined.assign_coords({coord: ("scenario", vals)})
        combined[coord].attrs["description"] = f"ensemble parameter {lab}"
    combined["objective_usd"].attrs["units"] = "USD"
    combined.attrs["ensemble"] = name
    return combined


def combine_results(folder: Path, members: list[Member], fmt: str) -> Path | None:
    """Stack the complete scenarios' results into ``ensemble.nc`` (or ``ensemble.zarr``).

    Parameters
    ----------
    folder
        Output folder of the ensemble.
    members
        The ensemble's members; those not complete are left out.
    fmt
        ``netcdf``, ``zarr`` or ``none`` (nothing written).

    Returns
    -------
    pathlib.Path or None
        The combined Dataset, or ``None`` when nothing was written.

    Raises
    ------
    ValueError
        The scenarios' dimensions differ (nothing written).
    """
    done = complete_members(folder, members)
    if not done or fmt == "none":
        return None
    target = folder / ("ensemble.zarr" if fmt == "zarr" else "ensemble.nc")
    tmp = temporary(target)
    parts = [open_member(folder, m) for m in done]
    try:
        combined = stacked(parts, done, folder.name)
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
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)
    return target


def per_worker(records: dict[str, dict]) -> dict[str, dict]:
    """Per worker (address and process id): scenarios solved and peak resident memory [MB]."""
    out: dict[str, dict] = {}
    for rec in records.values():
        w = out.setdefault(
            f"{rec.get('worker')} (pid {rec.get('pid')})", {"scenarios": 0, "peak_rss_mb": 0.0}
        )
        w["scenarios"] += 1
        w["peak_rss_mb"] = max(w["peak_rss_mb"], float(rec.get("peak_rss_mb") or 0.0))
    return out


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

    def describe(self) -> str:
        """One line: wall time [s], scenarios solved, skipped and failed, the summary."""
        return (
            f"done in {self.wall_s:.0f} s: {len(self.computed)} solved, {len(self.skipped)} "
            f"skipped, {len(self.failed)} failed; {self.folder}/summary.csv"
        )

    def log(self, ensemble_file: Path, warm_start: bool, cluster: dict) -> dict[str, Any]:
        """The run log written to ``log.json``."""
        return {
            "ensemble_file": str(ensemble_file),
            "wall_s": round(self.wall_s, 1),
            "warm_start": warm_start,
            "cluster": cluster,
            "computed": self.computed,
            "skipped": sorted(self.skipped),
            "failed": self.failed,
            "workers": self.workers,
            "combined": str(self.combined) if self.combined else None,
        }

    def write(self, ensemble_file: Path, warm_start: bool, cluster: dict) -> None:
        """Write ``summary.csv`` and ``log.json`` into the folder.

        Raises
        ------
        OutputError
            The folder cannot be written.
        """
        log = self.log(ensemble_file, warm_start, cluster)
        try:
            self.summary.to_csv(self.folder / "summary.csv")
            atomic_write_text(self.folder / "log.json", json.dumps(log, indent=1, default=str))
        except OSError as exc:
            raise OutputError(f"cannot write the summary to {self.folder}: {exc}") from exc


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

"""Files and records of an ensemble's scenarios: where they are, how they are written, and
what a record holds.

Each scenario has its results (``scenarios/<name>.nc``, carrying the scenario it was solved
for in the attribute :data:`SCENARIO_ATTR`) and its record (``scenarios/<name>.json``: status,
exit code, error, timings, objective, headline figures, worker, process id, peak memory), each
written under a temporary name and renamed into place when complete, so a killed worker or
run leaves no half-written file. :func:`is_complete` is the resume test.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import socket
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import xarray as xr

from ..errors import AseangridError
from .spec import Member

Progress = Callable[[str], None]

#: Dask event topic on which workers announce each finished scenario.
EVENT_TOPIC = "aseangrid-ensemble"
#: Attribute of a scenario's results file holding the scenario it was solved for (resume key).
SCENARIO_ATTR = "ensemble_scenario"
#: Record keys sent with a worker's announcement (enough for a progress line).
ANNOUNCED = ("name", "status", "total_s", "warm_start", "error", "peak_rss_mb", "pid")


# ----------------------------------------------------------------------------------------------
# Files


def results_path(folder: str | Path, name: str) -> Path:
    """A scenario's results file, ``<folder>/scenarios/<name>.nc``."""
    return Path(folder) / "scenarios" / f"{name}.nc"


def record_path(folder: str | Path, name: str) -> Path:
    """A scenario's record, ``<folder>/scenarios/<name>.json``."""
    return Path(folder) / "scenarios" / f"{name}.json"


def temporary(path: Path) -> Path:
    """A hidden temporary name beside ``path`` (``.<name>.<random>.tmp``)."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")


def atomic_write_text(path: Path, text: str) -> None:
    """Write a text file under a temporary name and rename it into place."""
    tmp = temporary(path)
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_result(res: xr.Dataset, path: Path) -> None:
    """Write results (NetCDF) under a temporary name and rename them into place."""
    from ..results.store import write_netcdf

    tmp = temporary(path)
    try:
        write_netcdf(res, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def remove_temporaries(folder: Path) -> None:
    """Remove what a killed run left under temporary names (files and Zarr folders)."""
    for p in [*(folder / "scenarios").glob(".*.tmp"), *folder.glob(".*.tmp")]:
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


def is_complete(folder: str | Path, name: str, scenario_json: str) -> bool:
    """Whether ``scenarios/<name>.nc`` holds results solved for exactly this scenario.

    Parameters
    ----------
    folder
        Output folder of the ensemble.
    name
        Scenario name.
    scenario_json
        The scenario's definition (``Scenario.model_dump_json()``), compared with the one
        stored in the file's attributes.
    """
    p = results_path(folder, name)
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


def written_at(folder: str | Path, name: str) -> float:
    """Modification time of a scenario's results file [s since the epoch]; -1 if absent."""
    try:
        return results_path(folder, name).stat().st_mtime
    except OSError:
        return -1.0


def read_record(folder: str | Path, name: str) -> dict | None:
    """A scenario's record, or ``None`` if it is absent or unreadable."""
    try:
        return json.loads(record_path(folder, name).read_text())
    except (OSError, ValueError):
        return None


# ----------------------------------------------------------------------------------------------
# Records


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far [MB]."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1e6 if sys.platform == "darwin" else 1e3), 1)


def worker_name() -> str:
    """Address of the Dask worker running this code, or ``local:<host>`` outside one."""
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return f"local:{socket.gethostname()}"


def announce(record: dict) -> None:
    """Tell the client a scenario finished (a Dask event; nothing outside a worker)."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return
    worker.log_event(EVENT_TOPIC, {k: record.get(k) for k in ANNOUNCED})


def headline_of(res: xr.Dataset, name: str) -> dict[str, float]:
    """The headline figures of one scenario's results (:func:`aseangrid.compare.headline`)."""
    from ..compare import compare, headline

    row = headline(compare({name: res})).iloc[0]
    return {k: float(v) for k, v in row.items() if not k.startswith("Δ")}


def base_record(name: str, params: dict, scenario_json: str, t0: float) -> dict[str, Any]:
    """What every record holds: name, parameters, where and when it ran, time since ``t0``."""
    return {
        "name": name,
        "parameters": params,
        "status": "ok",
        "exit_code": 0,
        "worker": worker_name(),
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "total_s": round(time.perf_counter() - t0, 2),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "scenario": json.loads(scenario_json),
    }


def ok_record(rec: dict, res: xr.Dataset) -> dict:
    """A solved scenario's record: objective [USD], timings [s], iterations, headline."""
    a = res.attrs
    rec.update(
        objective_usd=float(a["objective_usd"]),
        build_s=float(a.get("time_build_s", 0.0)),
        solve_s=float(a.get("time_solve_s", 0.0)),
        simplex_iterations=int(a.get("simplex_iterations", 0)),
        warm_start=bool(a.get("warm_start", 0)),
        verified=bool(a.get("verified", 0)),
        headline=headline_of(res, rec["name"]),
        peak_rss_mb=peak_rss_mb(),
    )
    return rec


def failed_record(rec: dict, exc: BaseException) -> dict:
    """A failed scenario's record: exit code, error, diagnosis (a traceback for a bug).

    Call it while ``exc`` is being handled (the traceback is that of the current exception).
    """
    rec.update(
        status="failed",
        exit_code=int(getattr(exc, "exit_code", 1)),
        error_type=type(exc).__name__,
        error=str(exc),
        diagnosis=list(getattr(exc, "diagnosis", []) or []),
        peak_rss_mb=peak_rss_mb(),
    )
    if not isinstance(exc, AseangridError):
        rec["traceback"] = traceback.format_exc()
    return rec


def lost_task_records(folder: str | Path, task: list[Member], exc: BaseException) -> list[dict]:
    """Records of a task that failed outside the model (e.g. ``KilledWorker``).

    Scenarios it had written before are kept as solved; the others get a failed record
    (written to their ``.json``) naming the exception.
    """
    out = []
    for m in task:
        if is_complete(folder, m.name, m.scenario.model_dump_json()):
            out.append(read_record(folder, m.name) or {"name": m.name, "status": "ok"})
            continue
        rec = {
            "name": m.name,
            "parameters": m.parameters,
            "status": "failed",
            "exit_code": 1,
            "error_type": type(exc).__name__,
            "error": f"the task failed outside the model: {exc}",
        }
        atomic_write_text(record_path(folder, m.name), json.dumps(rec, default=str))
        out.append(rec)
    return out


def progress_line(rec: dict, k: int, total: int) -> str:
    """One progress line for a finished scenario (the ``k``-th of ``total``)."""
    if rec.get("status") == "ok":
        extra = ", warm start" if rec.get("warm_start") else ""
        return (
            f"  [{k}/{total}] {rec['name']}: solved in {rec.get('total_s', 0):.1f} s{extra} "
            f"(process {rec.get('pid')}, peak {rec.get('peak_rss_mb', 0):.0f} MB)"
        )
    err = str(rec.get("error", "")).splitlines()[0][:160] if rec.get("error") else ""
    return f"  [{k}/{total}] {rec['name']}: FAILED: {err}"


class Reporter:
    """The records of finished scenarios, and one progress line for each.

    A scenario is reported by its worker's announcement (a Dask event, as soon as it is
    written) and again in its task's result; the first says the line, the fuller record is
    kept. A ``skipped`` record (a retried task finding what its first attempt wrote) is
    replaced by the record on disk. Safe to call from the client's event thread.
    """

    def __init__(self, folder: str | Path, total: int, say: Progress):
        self.folder = Path(folder)
        self.total = total
        self.say = say
        self.records: dict[str, dict] = {}
        self._lock = threading.Lock()

    def __call__(self, rec: dict) -> None:
        if rec.get("status") == "skipped":
            rec = read_record(self.folder, rec["name"]) or rec
            if rec.get("status") == "skipped":
                return
        with self._lock:
            known = self.records.get(rec["name"])
            if known is None or len(rec) >= len(known):
                self.records[rec["name"]] = rec
            if known is None:
                self.say(progress_line(rec, len(self.records), self.total))

    def on_event(self, event: tuple[float, dict]) -> None:
        """Handler of :data:`EVENT_TOPIC` events (``(timestamp, record)``)."""
        self(event[1])

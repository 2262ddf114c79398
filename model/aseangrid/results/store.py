"""Writing and reading results: NetCDF files and folders that appear whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xarray as xr

from ..errors import InputError, Problem
from .folders import atomic_folder
from .summary import summary_tables


def netcdf_ready(ds: xr.Dataset) -> xr.Dataset:
    """Make object/bool arrays and attrs storable in NetCDF."""
    out = ds.copy()
    for name, var in list(out.variables.items()):
        if var.dtype == bool:
            out[name] = var.astype("int8")
            out[name].attrs.update(var.attrs)
            out[name].attrs["dtype"] = "bool"
        elif var.dtype == object:
            out[name] = var.astype(str)
            out[name].attrs.update(var.attrs)
    for k, val in list(out.attrs.items()):
        if isinstance(val, bool):
            out.attrs[k] = int(val)
        elif isinstance(val, dict | list | tuple):
            out.attrs[k] = str(val)
        elif val is None:
            out.attrs[k] = ""
    return out


def write_results(
    res: xr.Dataset,
    folder: str | Path,
    overwrite: bool = False,
    tables: dict[str, pd.DataFrame] | None = None,
    protect: tuple = (),
) -> Path:
    """Write a results Dataset (NetCDF + CSV tables) as a folder, whole or not at all.

    The files are written to a temporary folder beside ``folder`` and renamed into place only
    when complete; an existing folder is replaced only with ``overwrite`` and only if it is
    aseangrid's own results (:mod:`aseangrid.results.folders`); ``protect`` lists inputs the
    target must not touch.

    Parameters
    ----------
    res
        Results Dataset.
    folder
        Target folder, e.g. ``runs/base-2024``.
    overwrite
        Replace an earlier results folder.
    tables
        Tidy tables written as ``<name>.csv`` (default: :func:`summary_tables`).
    protect
        Input paths (dataset folder) that must not be replaced.

    Returns
    -------
    pathlib.Path
        The folder written.
    """
    with atomic_folder(folder, overwrite, protect, kind="results", nbytes=result_bytes(res)) as tmp:
        write_netcdf(res, tmp / "results.nc")
        for name, df in (summary_tables(res) if tables is None else tables).items():
            df.to_csv(tmp / f"{name}.csv", index=True)
    return Path(folder)


def result_bytes(res: xr.Dataset) -> int:
    """Bytes a results Dataset takes in memory (about what its NetCDF file takes)."""
    return int(sum(v.nbytes for v in res.variables.values()))


def write_netcdf(res: xr.Dataset, path: str | Path) -> None:
    """Write a Dataset as NetCDF (h5netcdf) with booleans and objects made storable."""
    netcdf_ready(res).to_netcdf(path, engine="h5netcdf")


def write_scenario(res: xr.Dataset, folder: str | Path) -> Path:
    """Write one scenario's results into a new folder: ``results.nc`` and its CSV tables.

    The folder must not exist (callers write inside a temporary run folder that is renamed
    into place when complete).
    """
    out = Path(folder)
    out.mkdir(parents=True)
    write_netcdf(res, out / "results.nc")
    for name, df in summary_tables(res).items():
        df.to_csv(out / f"{name}.csv")
    return out


def read_results(path: str | Path) -> xr.Dataset:
    """Open a results (or comparison, pathway) NetCDF file written by aseangrid, or the
    ``results.nc`` of a results folder; booleans come back as booleans."""
    p = Path(path)
    if p.is_dir():
        p = p / "results.nc"
    if not p.is_file():
        raise InputError(
            [Problem(str(p), None, "(file)", str(path), "a results file written by aseangrid")],
            context="results",
        )
    try:
        ds = xr.load_dataset(p, engine="h5netcdf")
    except Exception as exc:  # truncated or foreign files: h5py/netCDF raise many kinds
        raise InputError(
            [
                Problem(
                    str(p),
                    None,
                    "(file)",
                    type(exc).__name__,
                    f"a readable NetCDF file written by aseangrid ({str(exc)[:80]})",
                )
            ],
            context="results",
        ) from None
    for v in list(ds.variables):
        if ds[v].attrs.get("dtype") == "bool":
            ds[v] = ds[v].astype(bool)
    return ds

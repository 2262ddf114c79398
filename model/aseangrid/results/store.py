"""Writing and reading results: NetCDF files and folders that appear whole or not at all."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import xarray as xr

from ..errors import OutputError
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


def replace_folder(tmp: Path, folder: Path) -> None:
    """Move a complete temporary folder into place; an existing folder is swapped out first
    and deleted only after the new one is in place."""
    if folder.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old.", dir=folder.parent))
        os.replace(folder, old / folder.name)
        os.replace(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, folder)


def write_results(
    res: xr.Dataset,
    folder: str | Path,
    overwrite: bool = False,
    tables: dict[str, pd.DataFrame] | None = None,
) -> Path:
    """Write a results Dataset (NetCDF + CSV tables) atomically.

    The files are written to a temporary folder beside ``folder`` and renamed into place only
    when complete; an existing folder is kept unless ``overwrite`` is true, and even then it is
    replaced only after the new one is complete.

    Parameters
    ----------
    res
        Results Dataset.
    folder
        Target folder, e.g. ``runs/base-2024``.
    overwrite
        Replace an existing folder.
    tables
        Extra tidy tables written as ``<name>.csv``.

    Returns
    -------
    pathlib.Path
        The folder written.
    """
    folder = Path(folder)
    if folder.exists() and not overwrite:
        raise OutputError(
            f"{folder} already exists; pass overwrite=True (CLI: --overwrite) to replace it"
        )
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=parent))
    except OSError as exc:
        raise OutputError(f"cannot create the results folder in {parent}: {exc}") from exc
    try:
        netcdf_ready(res).to_netcdf(tmp / "results.nc", engine="h5netcdf")
        for name, df in (tables or {}).items():
            df.to_csv(tmp / f"{name}.csv", index=True)
        replace_folder(tmp, folder)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"cannot write results to {folder}: {exc}") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


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
    ds = xr.load_dataset(p, engine="h5netcdf")
    for v in list(ds.variables):
        if ds[v].attrs.get("dtype") == "bool":
            ds[v] = ds[v].astype(bool)
    return ds

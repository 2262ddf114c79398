"""Provenance of a run's inputs: the share of each country's capacity and generation that rests
on sourced, planned, derived or assumed rows of the dataset's ``generators.csv``.

Read from the dataset the results record (``input_dataset``); when that folder is gone (a run
folder copied elsewhere) the table is left out and the method section says so.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from .fmt import Table

BASES = ("sourced", "planned", "derived", "assumption")


def row_basis(basis: object, source: object) -> str:
    """A row's basis: its ``basis`` column when filled, else the marker its ``source`` opens
    with (``[assumption]``, ``[derived]``), else ``sourced``."""
    b = str(basis).strip().lower() if isinstance(basis, str) else ""
    if b in BASES:
        return b
    s = str(source).strip().lower() if isinstance(source, str) else ""
    for marker in ("assumption", "derived"):
        if s.startswith(f"[{marker}]"):
            return marker
    return "sourced"


def folder_hash(folder: Path) -> str:
    """The dataset hash the results record as ``input_hash`` (every CSV's path and bytes;
    the rule of :func:`aseangrid.load_inputs`)."""
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*.csv")):
        h.update(str(p.relative_to(folder)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _rows(res: xr.Dataset) -> pd.DataFrame | None:
    path = Path(str(res.attrs.get("input_dataset", ""))) / "generators.csv"
    if not path.is_file():
        return None
    g = pd.read_csv(path)
    if "generator" not in g or "capacity_mw" not in g:
        return None
    g["basis_"] = [
        row_basis(b, s)
        for b, s in zip(
            g.get("basis", [None] * len(g)), g.get("source", [None] * len(g)), strict=True
        )
    ]
    return g.drop_duplicates("generator").set_index("generator")


def provenance_frame(res: xr.Dataset) -> pd.DataFrame | None:
    """Per country: capacity [GW], generation [TWh] and the share of each on every basis [%]
    (a model generator made of several rows splits its generation by their capacity)."""
    g = _rows(res)
    if g is None or "generator_rows" not in res.coords:
        return None
    recs = []
    gen = (
        res["generation_twh"].values
        if "generation_twh" in res
        else np.zeros(res.sizes["generator"])
    )
    for rows, country, twh in zip(
        res["generator_rows"].values, res["generator_country"].values, gen, strict=True
    ):
        names = [n for n in str(rows).split(";") if n in g.index]
        cap = np.array([float(g.loc[n, "capacity_mw"]) for n in names])
        if not names or cap.sum() <= 0:
            continue
        for n, c in zip(names, cap, strict=True):
            recs.append((country, g.loc[n, "basis_"], c / 1e3, float(twh) * c / cap.sum()))
    if not recs:
        return None
    df = pd.DataFrame(recs, columns=["country", "basis", "gw", "twh"])
    out = pd.DataFrame(index=sorted(df["country"].unique()))
    cap = df.pivot_table(index="country", columns="basis", values="gw", aggfunc="sum").fillna(0)
    en = df.pivot_table(index="country", columns="basis", values="twh", aggfunc="sum").fillna(0)
    out["capacity [GW]"] = cap.sum(axis=1)
    out["generation [TWh]"] = en.sum(axis=1)
    for b in BASES:
        if b in cap:
            out[f"capacity {b} [%]"] = 100 * cap[b] / cap.sum(axis=1)
    for b in BASES:
        if b in en:
            out[f"generation {b} [%]"] = 100 * en[b] / en.sum(axis=1).replace(0, np.nan)
    out.index.name = "country"
    return out.fillna(0.0)


def fuel_cost_shares(res: xr.Dataset) -> pd.DataFrame | None:
    """Per country: the variable cost of fuel-burning generation (generation x marginal cost
    [bn USD]) and its share on rows of ``fuel_prices.csv`` of each basis (the row of the
    generator's fuel, country and year) [%]; None when the file is not found."""
    path = Path(str(res.attrs.get("input_dataset", ""))) / "fuel_prices.csv"
    need = ("generator_fuel", "generation_twh", "marginal_cost_usd_per_mwh")
    if not path.is_file() or not all(v in res.variables for v in need):
        return None
    fp = pd.read_csv(path)
    year = int(res.attrs.get("year", pd.DatetimeIndex(res["time"].values)[0].year))
    fp = fp[fp["year"] == year]
    basis = {
        (f, c): row_basis(b, src)
        for f, c, b, src in zip(
            fp["fuel"], fp["country"], fp.get("basis", [None] * len(fp)), fp["source"], strict=True
        )
    }
    cost = res["generation_twh"].values * res["marginal_cost_usd_per_mwh"].values * 1e6
    recs = [
        (c, basis.get((f, c), "no row"), v / 1e9)
        for f, c, v in zip(
            res["generator_fuel"].values, res["generator_country"].values, cost, strict=True
        )
        if f != "none" and v > 0
    ]
    if not recs:
        return None
    df = pd.DataFrame(recs, columns=["country", "basis", "bn"])
    piv = df.pivot_table(index="country", columns="basis", values="bn", aggfunc="sum").fillna(0)
    out = pd.DataFrame({"variable cost of fuels [bn USD]": piv.sum(axis=1)})
    for b in (*BASES, "no row"):
        if b in piv:
            out[f"fuel price {b} [%]"] = 100 * piv[b] / piv.sum(axis=1)
    return out


def provenance_table(results: Mapping[str, xr.Dataset]) -> Table | None:
    """The provenance table of the run's first scenario (the rows are those of its dataset
    and year), or None when the dataset cannot be found."""
    if not results:
        return None
    name, res = next(iter(results.items()))
    df = provenance_frame(res)
    if df is None:
        return None
    fuel = fuel_cost_shares(res)
    if fuel is not None:
        df = df.join(fuel, how="left").fillna(0.0)
    folder = Path(str(res.attrs.get("input_dataset", "")))
    now, then = folder_hash(folder), str(res.attrs.get("input_hash", ""))
    changed = (
        f" The dataset has changed since the run (hash {now} now, {then} then): the bases are "
        "those of its current rows."
        if then and now != then
        else ""
    )
    return Table(
        "method.provenance",
        f"Provenance of capacity, generation and fuel cost, {name}",
        df,
        "Share of each country's capacity and generation on rows of generators.csv whose "
        "basis is sourced (a named statistic), planned (a national plan), derived (arithmetic "
        "on those) or assumption (our own number). Dataset: "
        f"{res.attrs.get('input_dataset', '')} (hash {then}). A generator made of several rows "
        "splits its capacity and generation by their capacities. Fuel price: share of the variable "
        "cost of fuel-burning generation (generation x marginal cost) whose fuel price row in "
        "fuel_prices.csv (fuel, country, year) has each basis (its source's opening marker)."
        + changed,
    )

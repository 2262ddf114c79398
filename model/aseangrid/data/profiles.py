"""Read the hourly profile files (``profiles/*.csv``) and check their time axis and values."""

from __future__ import annotations

import difflib
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem
from . import schema as sc
from .csvfile import read_csv_text


def _time_axis(raw: pd.DataFrame, fname: str, problems: list[Problem]) -> bool:
    """Hours 0..8759, each once and in order; ``True`` when the axis is sound."""
    lines = raw.attrs["lines"]
    hour = pd.to_numeric(raw["hour"], errors="coerce")
    if hour.isna().any():
        i = int(np.flatnonzero(hour.isna().to_numpy())[0])
        problems.append(
            Problem(fname, int(lines[i]), "hour", raw["hour"].iloc[i], "an hour number 0..8759")
        )
        return False
    h = hour.to_numpy()
    dup = pd.Series(h).duplicated().to_numpy()
    steps = np.diff(h)
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        problems.append(
            Problem(fname, int(lines[i]), "hour", f"{h[i]:g}", "each hour once (duplicate hour)")
        )
        return False
    if len(h) and (h[0] != 0 or (steps != 1).any()):
        bad = np.flatnonzero(steps != 1)
        i = int(bad[0]) + 1 if len(bad) else 0
        problems.append(
            Problem(
                fname,
                int(lines[i]),
                "hour",
                f"{h[i]:g}",
                f"hour {0 if i == 0 else h[i - 1] + 1:g} (hours 0..8759 without gaps)",
            )
        )
        return False
    if len(raw) != sc.HOURS_PER_YEAR:
        problems.append(
            Problem(fname, None, "hour", f"{len(raw)} rows", f"{sc.HOURS_PER_YEAR} hourly rows")
        )
        return False
    return True


def _columns(raw: pd.DataFrame, fname: str, needed: list[str], known: set[str], problems) -> None:
    for c in raw.columns:
        if known and c != "hour" and c not in known:
            close = difflib.get_close_matches(c, sorted(known), n=1, cutoff=0.5)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(Problem(fname, 1, c, c, f"a column per node of nodes.csv{hint}"))
    for node in needed:
        if node not in raw.columns:
            problems.append(Problem(fname, 1, node, "(missing)", f"a column for node {node}"))


def _values(raw: pd.DataFrame, prof: sc.Profile, fname: str, node: str, problems) -> np.ndarray:
    lines = raw.attrs["lines"]
    text = raw[node]
    vals = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    for i in np.flatnonzero(~np.isfinite(vals))[:5]:
        problems.append(
            Problem(fname, int(lines[i]), node, text.iloc[i], "a finite number", f"hour {i}")
        )
    rng = np.isfinite(vals) & ((vals < prof.low) | (vals > prof.high))
    for i in np.flatnonzero(rng)[:5]:
        problems.append(
            Problem(
                fname,
                int(lines[i]),
                node,
                text.iloc[i],
                f"a value between {prof.low:g} and {prof.high:g}",
                f"hour {i}",
            )
        )
    return vals


def read_profile(
    folder: Path,
    prof: sc.Profile,
    nodes: list[str],
    problems: list[Problem],
    known_nodes: set[str] | None = None,
) -> pd.DataFrame | None:
    """Read one hourly profile file and check its time axis, columns and values.

    Parameters
    ----------
    nodes
        Nodes that need a column.
    known_nodes
        Every node of the dataset: a column for any other name is refused (a typo must not
        leave a node without its series). Default: no check (:func:`profile_headers` checks
        the files against ``nodes.csv`` when the tables are read).

    Returns a frame indexed by hour 0..8759 with one column per required node, or ``None``.
    """
    fname = f"profiles/{prof.name}.csv"
    path = folder / fname
    if not path.is_file():
        problems.append(Problem(fname, None, "(file)", str(path), "the file to exist"))
        return None
    n0 = len(problems)
    raw = read_csv_text(path, fname, problems)
    if raw is None:
        return None
    if "hour" not in raw.columns:
        problems.append(Problem(fname, 1, "hour", ",".join(raw.columns[:3]), "a column 'hour'"))
        return None
    _time_axis(raw, fname, problems)
    _columns(raw, fname, nodes, set(known_nodes or ()), problems)
    if len(problems) > n0:
        return None
    out = pd.DataFrame(
        {n: _values(raw, prof, fname, n, problems) for n in nodes},
        index=pd.RangeIndex(sc.HOURS_PER_YEAR, name="hour"),
    )
    return out if len(problems) == n0 else None


def profile_headers(folder: Path, nodes: set[str], problems: list[Problem]) -> None:
    """Every profile file's columns are ``hour`` and nodes of ``nodes.csv``, each once."""
    for p in sc.PROFILE_FILES:
        path = folder / "profiles" / f"{p.name}.csv"
        if not path.is_file():
            continue
        fname = f"profiles/{p.name}.csv"
        try:
            with path.open(encoding="utf-8-sig") as f:
                header = [c.strip() for c in f.readline().rstrip("\r\n").split(",")]
        except (OSError, UnicodeDecodeError):
            continue  # read_profile names it when the file is needed
        for c in sorted({c for c in header if header.count(c) > 1}):
            problems.append(
                Problem(fname, 1, c, c, "each column once (this column is given twice)")
            )
        for c in header:
            if c and c != "hour" and c not in nodes:
                close = difflib.get_close_matches(c, sorted(nodes), n=1, cutoff=0.5)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                problems.append(Problem(fname, 1, c, c, f"a column per node of nodes.csv{hint}"))

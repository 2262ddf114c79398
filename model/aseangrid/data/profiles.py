"""Read the hourly profile files (``profiles/*.csv``) and check their time axis and values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem
from . import schema as sc


def read_profile(
    folder: Path, prof: sc.Profile, nodes: list[str], problems: list[Problem]
) -> pd.DataFrame | None:
    """Read one hourly profile file and check its time axis and values.

    Returns a frame indexed by hour 0..8759 with one column per required node, or ``None``.
    """
    fname = f"profiles/{prof.name}.csv"
    path = folder / fname
    if not path.is_file():
        problems.append(Problem(fname, None, "(file)", str(path), "the file to exist"))
        return None
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        problems.append(Problem(fname, None, "(file)", str(exc).splitlines()[0], "a readable CSV"))
        return None
    n0 = len(problems)
    if "hour" not in raw.columns:
        problems.append(Problem(fname, 1, "hour", ",".join(raw.columns[:3]), "a column 'hour'"))
        return None
    hour = pd.to_numeric(raw["hour"], errors="coerce")
    axis_problem = False
    if hour.isna().any():
        i = int(np.flatnonzero(hour.isna().to_numpy())[0])
        problems.append(
            Problem(fname, i + 2, "hour", raw["hour"].iloc[i], "an hour number 0..8759")
        )
        axis_problem = True
    else:
        h = hour.to_numpy()
        dup = pd.Series(h).duplicated().to_numpy()
        steps = np.diff(h)
        if dup.any():
            i = int(np.flatnonzero(dup)[0])
            problems.append(
                Problem(fname, i + 2, "hour", f"{h[i]:g}", "each hour once (duplicate hour)")
            )
            axis_problem = True
        elif len(h) and (h[0] != 0 or (steps != 1).any()):
            axis_problem = True
            bad = np.flatnonzero(steps != 1)
            i = int(bad[0]) + 1 if len(bad) else 0
            problems.append(
                Problem(
                    fname,
                    i + 2,
                    "hour",
                    f"{h[i]:g}",
                    f"hour {0 if i == 0 else h[i - 1] + 1:g} (hours 0..8759 without gaps)",
                )
            )
    if len(raw) != sc.HOURS_PER_YEAR and not axis_problem:
        problems.append(
            Problem(fname, None, "hour", f"{len(raw)} rows", f"{sc.HOURS_PER_YEAR} hourly rows")
        )
    for node in nodes:
        if node not in raw.columns:
            problems.append(Problem(fname, 1, node, "(missing)", f"a column for node {node}"))
    if len(problems) > n0:
        return None
    out = pd.DataFrame(index=pd.RangeIndex(sc.HOURS_PER_YEAR, name="hour"))
    for node in nodes:
        text = raw[node].str.strip()
        vals = pd.to_numeric(text, errors="coerce").to_numpy()
        bad = ~np.isfinite(vals)
        for i in np.flatnonzero(bad)[:5]:
            problems.append(
                Problem(fname, int(i) + 2, node, text.iloc[i], "a finite number", f"hour {i}")
            )
        rng = np.isfinite(vals) & ((vals < prof.low) | (vals > prof.high))
        for i in np.flatnonzero(rng)[:5]:
            problems.append(
                Problem(
                    fname,
                    int(i) + 2,
                    node,
                    text.iloc[i],
                    f"a value between {prof.low:g} and {prof.high:g}",
                    f"hour {i}",
                )
            )
        out[node] = vals
    return out if len(problems) == n0 else None

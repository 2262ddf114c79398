"""Dry-year response of each country's hydro generation against EIA's 1980-2023 spread.

Usage::

    aseangrid solve inputs/asean --year 2024 --out runs/base-2024
    aseangrid solve inputs/asean --year 2024 --hydrology dry --out runs/base-2024-dry
    python benchmarks/calibration.py runs/base-2024 --dry runs/base-2024-dry

The model's response is the ratio of a country's hydro generation in the dry-year solve to
that in the normal one, after dispatch (spill, storage and trade included). EIA's spread is
the ratio of each year's hydro generation :math:`G_t` to its local level

.. math:: \\hat G_t = \\operatorname{median}(G_{t-2}, G_{t-1}, G_{t+1}, G_{t+2}),

which follows the growth of the fleet where capacity grows steadily; years where any of the
five values is below ``EIA_MIN_TWH`` are left out. A dry year of the model passes when its
ratio lies between EIA's driest year and the lower quartile: as dry as one year in four or
drier, but not drier than the driest on record. Where a country's ``dry_year_factor`` was
itself taken from EIA years (its ``hydro.csv`` source names EIA) the comparison is labelled
fitted; where a ``hydrology`` energy limit fixes the base year's hydro energy the response
cannot be read and the row says so.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

EIA_FILE = Path("sources") / "eia_hydro_net_generation_asean_1980-2023.csv"
#: EIA country names -> ISO 3166 alpha-3 as in ``nodes.csv``.
EIA_COUNTRIES = {
    "Burma": "MMR",
    "Cambodia": "KHM",
    "Indonesia": "IDN",
    "Laos": "LAO",
    "Malaysia": "MYS",
    "Philippines": "PHL",
    "Thailand": "THA",
    "Vietnam": "VNM",
}
#: Smallest annual hydro generation [TWh] for a year to enter EIA's spread.
EIA_MIN_TWH = 1.0
HYDRO = ("hydro_reservoir", "hydro_ror")
#: Marks of a dry-year factor taken from EIA years in a ``hydro.csv`` source.
EIA_MARKERS = ("EIA", "§3.1")


def eia_ratios(eia: pd.DataFrame) -> dict[str, pd.Series]:
    """Each year's hydro generation over its local level, per country.

    Parameters
    ----------
    eia : pandas.DataFrame
        EIA's table: a ``country`` column and one column per year [TWh].

    Returns
    -------
    dict of str to pandas.Series
        ISO3 code -> ratio :math:`G_t / \\hat G_t` indexed by year (dimensionless).
    """
    years = [c for c in eia.columns if str(c).isdigit()]
    out = {}
    for _, row in eia.iterrows():
        code = EIA_COUNTRIES.get(str(row["country"]))
        if code is None:
            continue
        g = pd.Series(row[years].astype(float).to_numpy(), index=[int(y) for y in years])
        ratios = {}
        for t in g.index[2:-2]:
            window = g.loc[t - 2 : t + 2]
            if (window < EIA_MIN_TWH).any():
                continue
            level = float(np.median(window.drop(t)))
            ratios[t] = float(g[t]) / level
        out[code] = pd.Series(ratios, dtype=float)
    return out


def _hydro_twh(res) -> pd.Series:
    """Hydro generation per country [TWh], from the results' ``generation_country_twh``."""
    g = res["generation_country_twh"]
    techs = [t for t in g["technology"].values.tolist() if t in HYDRO]
    return g.sel(technology=techs).sum("technology").to_pandas()


def from_eia(source: str) -> bool:
    """Whether the dry-year clause of a ``hydro.csv`` source names EIA's years.

    The clause is the text from ``dry-year`` to the next ``;``; it counts as taken from EIA
    when it names ``EIA`` or ``§3.1`` (the section of the reference sheet
    ``asean-profiles-costs.md`` whose dry/wet ratios are EIA year pairs).
    """
    i = source.lower().find("dry-year")
    clause = source[i:].split(";")[0] if i >= 0 else ""
    return any(m in clause for m in EIA_MARKERS)


def _factor_notes(data: Path, nodes: pd.DataFrame) -> dict[str, str]:
    hydro = pd.read_csv(data / "hydro.csv", keep_default_na=False)
    hydro = hydro[hydro["technology"] == "hydro_reservoir"].merge(nodes, on="node")
    notes = {}
    for c, sub in hydro.groupby("country"):
        factors = "/".join(f"{f:g}" for f in sorted(set(sub["dry_year_factor"].astype(float))))
        eia = sub["source"].map(from_eia).any()
        notes[c] = f"{factors}" + (" (from EIA years)" if eia else "")
    return notes


def _capped(data: Path, year: int) -> set[str]:
    path = data / "energy_limits.csv"
    if not path.is_file():
        return set()
    lim = pd.read_csv(path, keep_default_na=False)
    lim = lim[(lim["kind"] == "hydrology") & (lim["year"].astype(int) == year)]
    return set(lim["country"])


def dry_year(res, dry, data: Path) -> pd.DataFrame:
    """Compare the dry-year response of each country's hydro with EIA's spread.

    Parameters
    ----------
    res, dry : xarray.Dataset
        Results of the normal and the dry-year solve of the same year and horizon.
    data : pathlib.Path
        The dataset folder (``hydro.csv``, ``energy_limits.csv``, ``sources/``).

    Returns
    -------
    pandas.DataFrame
        One row per country with hydro: the model's dry/normal ratio, EIA's driest, 10th
        percentile, lower quartile and median ratio (with the number of years), the
        ``dry_year_factor`` of its reservoirs, and ``test`` (``ok``/``MISS``; blank where a
        ``hydrology`` limit fixes the energy); ``fitted_by`` names the input when the factor
        came from EIA years.
    """
    nodes = pd.read_csv(data / "nodes.csv", keep_default_na=False)[["node", "country"]]
    ratios = eia_ratios(pd.read_csv(data / EIA_FILE))
    normal, wet_less = _hydro_twh(res), _hydro_twh(dry)
    notes = _factor_notes(data, nodes)
    capped = _capped(data, int(pd.DatetimeIndex(res["time"].values)[0].year))
    rows = []
    for c, r in ratios.items():
        if c not in normal.index or normal[c] <= 0 or r.empty:
            continue
        model = float(wet_less.get(c, 0.0)) / float(normal[c])
        lo, p10, p25, med = (float(r.quantile(q)) for q in (0.0, 0.1, 0.25, 0.5))
        test = "" if c in capped else ("ok" if lo <= model <= p25 else "MISS")
        rows.append(
            {
                "country": c,
                "model dry/normal": round(model, 2),
                "EIA driest (year)": f"{lo:.2f} ({int(r.idxmin())})",
                "EIA p10": round(p10, 2),
                "EIA p25": round(p25, 2),
                "EIA median": round(med, 2),
                "EIA years": len(r),
                "dry_year_factor": notes.get(c, ""),
                "test": test,
                "fitted_by": (
                    "hydrology limit fixes the base year's hydro"
                    if c in capped
                    else ("hydro.csv dry_year_factor" if "EIA" in notes.get(c, "") else "")
                ),
            }
        )
    return pd.DataFrame(rows)

"""What a scenario may build and retire, what earlier pathway steps left, and cost helpers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ...errors import InputError, Problem

#: Fixed O&M of new transmission per year as a share of its capital cost (ENTSO-E/TYNDP-style
#: 2 %/yr quoted in shared reference asean-profiles-costs §6.6).
LINK_FOM_SHARE = 0.02
#: Default real discount rate: 10 % (OSeMOSYS Global Indonesia application, based on the IEA
#: cost of capital; shared reference asean-profiles-costs §6.7).
DISCOUNT_RATE = 0.10


def crf(rate: float, years: np.ndarray | float) -> np.ndarray:
    """Capital recovery factor ``r / (1 - (1 + r)^-n)`` [1/yr] (``1/n`` when ``r = 0``)."""
    n = np.asarray(years, dtype=float)
    if rate == 0:
        return 1.0 / n
    return rate / (1.0 - (1.0 + rate) ** (-n))


@dataclass(frozen=True)
class ExpansionSpec:
    """What a scenario lets the model build and retire (see ``docs/expansion.md``).

    Parameters
    ----------
    discount_rate
        Real discount rate for annuities and for discounting a pathway's costs.
    countries
        Countries where new capacity may be built (``None``: every modelled country).
    technologies
        Technologies that may be built (``None``: all with a ``build_limits.csv`` row).
    links
        Candidate corridors allowed: ``"all"``, ``"none"`` or a list of candidate ids.
    retirements
        Kinds of ``retirements.csv`` rows applied (``age``, ``plan``, ``early_candidate``).
    early_retirement
        Technologies whose existing plants the model may retire early when that saves cost.
    no_new_coal_from
        First year in which no new coal or lignite may be built (``None``: no ban beyond
        ``build_limits.csv``). Plants already in the fleet tables (committed) still come.
    keep_adequacy_rows
        Keep the ``[assumption]`` adequacy top-up rows (default: dropped, expansion replaces
        them).
    """

    discount_rate: float = DISCOUNT_RATE
    countries: tuple[str, ...] | None = None
    technologies: tuple[str, ...] | None = None
    links: str | tuple[str, ...] = "all"
    retirements: tuple[str, ...] = ("age", "plan")
    early_retirement: tuple[str, ...] = ()
    no_new_coal_from: int | None = None
    keep_adequacy_rows: bool = False


@dataclass
class PathwayState:
    """What earlier steps of a pathway left behind.

    ``built`` holds one record per asset built: ``kind`` (generator, storage, link), ``id``,
    ``node``/``technology`` or link ends, ``year``, ``capacity_mw``, ``energy_mwh``,
    ``lifetime_yr`` and ``annual_cost_usd`` (what it costs every year of its life).
    ``retired_early`` maps ``(node, technology)`` to MW retired early so far.
    """

    built: list[dict] = field(default_factory=list)
    retired_early: dict[tuple[str, str], float] = field(default_factory=dict)

    def built_mw(self, node: str, technology: str) -> float:
        """MW of a node's technology built so far (for the remaining potential)."""
        return sum(
            b["capacity_mw"]
            for b in self.built
            if b["kind"] in ("generator", "storage")
            and b["node"] == node
            and b["technology"] == technology
        )

    def built_link_mw(self, link: str) -> float:
        """MW of a candidate corridor built so far."""
        return sum(b["capacity_mw"] for b in self.built if b["kind"] == "link" and b["id"] == link)

    def annual_cost_usd(self, year: int) -> float:
        """Annuities and fixed O&M of earlier builds still in service in ``year`` [USD/yr]."""
        return sum(
            b["annual_cost_usd"]
            for b in self.built
            if b["year"] <= year < b["year"] + b["lifetime_yr"]
        )


def is_adequacy(gens: pd.DataFrame) -> np.ndarray:
    src = gens["source"].astype(str).str.lower()
    return (gens["generator"].str.contains("_adequacy_") & src.str.contains("adequacy")).to_numpy()


def costs(tables: dict[str, pd.DataFrame], year: int, tech: str) -> tuple[float, float, float]:
    """Capex per kW, capex per kWh (storage) and FOM per kW-yr of ``tech`` in ``year``: its
    cost trajectory, interpolated; a column the trajectory does not give comes from the
    technology's row of ``technologies.csv`` where that table has it (else 0)."""
    ct = tables["cost_trajectories"]
    rows = ct[ct["technology"] == tech].sort_values("year")
    techs = tables.get("technologies")
    own = (
        techs.set_index("technology").loc[tech]
        if techs is not None and tech in set(techs["technology"])
        else None
    )
    y = rows["year"].to_numpy(dtype=float)
    out = []
    for col in ("capex_usd_per_kw", "capex_usd_per_kwh", "fom_usd_per_kw_yr"):
        v = rows[col].to_numpy(dtype=float)
        ok = ~np.isnan(v)
        if ok.any():
            out.append(float(np.interp(year, y[ok], v[ok])))
        elif own is not None and col in own.index and pd.notna(own[col]):
            out.append(float(own[col]))
        else:
            out.append(0.0)
    return out[0], out[1], out[2]


def annual_cost_usd_per_mw(
    tables: dict[str, pd.DataFrame], year: int, tech: str, rate: float
) -> float:
    """Annualised capital cost plus fixed O&M of new ``tech`` built in ``year``, USD/MW-yr:

    .. math:: 1000 \\left(\\mathrm{crf}(r, n)\\, c_{kW} + f_{kW}\\right)

    with the technology's lifetime ``n`` and :func:`costs`."""
    capex, _, fom = costs(tables, year, tech)
    life = tables["technologies"].set_index("technology").loc[tech, "lifetime_yr"]
    return 1000.0 * (float(crf(rate, life)) * capex + fom)


def restrict_countries(tables: dict[str, pd.DataFrame], countries: list[str]) -> dict:
    """Keep only the nodes of ``countries`` (and the fleet, links and candidates among them)."""
    t = dict(tables)
    nodes = t["nodes"][t["nodes"]["country"].isin(countries)]
    keep = set(nodes["node"])
    t["nodes"] = nodes.reset_index(drop=True)
    for name in ("demand", "generators", "storage", "hydro", "build_limits", "retirements"):
        if name in t:
            t[name] = t[name][t[name]["node"].isin(keep)].reset_index(drop=True)
    for name in ("links", "link_candidates"):
        if name in t:
            df = t[name]
            t[name] = df[df["node_from"].isin(keep) & df["node_to"].isin(keep)].reset_index(
                drop=True
            )
    return t


def need(tables: dict[str, pd.DataFrame]) -> None:
    missing = [
        n for n in ("build_limits", "cost_trajectories") if n not in tables or tables[n] is None
    ]
    if missing:
        raise InputError(
            [
                Problem(
                    f"{n}.csv",
                    None,
                    "(file)",
                    "missing",
                    "the table in the dataset folder (expansion needs it; see inputs/README.md)",
                )
                for n in missing
            ]
        )

"""Checks of a scenario that need its dataset: nodes, countries and links that exist, and
combinations that cannot work."""

from __future__ import annotations

import difflib
from pathlib import Path

import pandas as pd

from ..data import schema as sc
from ..errors import Problem
from .model import Contract, Scenario


def _link_in_service(
    links: pd.DataFrame, lk: str, year: int, file: str, where: str
) -> list[Problem]:
    """An override of a link that is not in operation in the scenario's year would be
    silently ignored: refuse it."""
    row = links[links["link"] == lk].iloc[0]
    first, last = int(row["commission_year"]), row["retire_year"]
    if first <= year and (last != last or year < int(last)):
        return []
    span = f"from {first}" + ("" if last != last else f" until {int(last) - 1}")
    return [
        Problem(
            file,
            None,
            f"{where}.link_capacity_mw",
            lk,
            f"a link in operation in {year} (this one is in operation {span})",
        )
    ]


def check_scenario(s: Scenario, file: str, where: str) -> list[Problem]:
    """Checks that need the dataset: nodes, countries and links that exist; combinations."""
    from ..data.tables import read_tables

    folder = Path(s.dataset)
    if not folder.is_dir():
        return [Problem(file, None, f"{where}.dataset", s.dataset, "an existing dataset folder")]
    tables, _ = read_tables(folder)
    nodes = set(tables["nodes"]["node"]) if "nodes" in tables else set()
    node_country = (
        dict(zip(tables["nodes"]["node"], tables["nodes"]["country"], strict=True))
        if "nodes" in tables
        else {}
    )
    problems = _policy_problems(s, file, where)
    problems += _scale_problems(s, file, where)
    problems += _link_problems(s, tables.get("links"), file, where)
    for cname, c in s.contracts.items():
        problems += _contract_problems(
            s, c, f"{where}.contracts.{cname}", nodes, node_country, file
        )
    return problems


def _hint(x: str, choices) -> str:
    """`` (did you mean '...'?)`` for the closest of ``choices`` to ``x``, or nothing."""
    close = difflib.get_close_matches(x, choices, n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _country_problems(c: str, file: str, field: str, allow_asean: bool = True) -> list[Problem]:
    """A key ``c`` of the scenario field ``field`` that is not a country (or ``ASEAN``)."""
    if c in sc.COUNTRIES or (allow_asean and c == sc.ASEAN):
        return []
    hint = _hint(c, [*sc.COUNTRIES, sc.ASEAN])
    return [Problem(file, None, field, c, f"an ISO3 country{hint}")]


def _policy_problems(s: Scenario, file: str, where: str) -> list[Problem]:
    """Policy keys that are not countries, and renewable shares outside 0..1 [1]."""
    problems: list[Problem] = []
    for c in s.carbon_price_usd_per_t:
        problems += _country_problems(c, file, f"{where}.carbon_price_usd_per_t")
    for key in ("renewable_share_min", "coal_capacity_max_mw", "coal_generation_max_twh"):
        for c in getattr(s, key):
            problems += _country_problems(c, file, f"{where}.{key}", allow_asean=False)
    for c, v in s.renewable_share_min.items():
        if v is not None and not 0 <= v <= 1:
            problems.append(
                Problem(
                    file,
                    None,
                    f"{where}.renewable_share_min.{c}",
                    str(v),
                    "a fraction between 0 and 1",
                )
            )
    return problems


def _scale_problems(s: Scenario, file: str, where: str) -> list[Problem]:
    """Demand scales outside (0, 10] and fuel price scales outside [0, 20] or of unknown fuels
    (the scales are factors [1]); demand scale keys that are not countries."""
    problems: list[Problem] = []
    if isinstance(s.demand_scale, dict):
        for c, v in s.demand_scale.items():
            problems += _country_problems(c, file, f"{where}.demand_scale", allow_asean=False)
            if not 0 < v <= 10:
                problems.append(
                    Problem(file, None, f"{where}.demand_scale.{c}", str(v), "a factor in (0, 10]")
                )
    elif not 0 < s.demand_scale <= 10:
        problems.append(
            Problem(file, None, f"{where}.demand_scale", str(s.demand_scale), "a factor in (0, 10]")
        )
    for f, v in s.fuel_price_scale.items():
        if f not in sc.FUELS:
            problems.append(
                Problem(file, None, f"{where}.fuel_price_scale", f, f"one of {', '.join(sc.FUELS)}")
            )
        if not 0 <= v <= 20:
            problems.append(
                Problem(file, None, f"{where}.fuel_price_scale.{f}", str(v), "a factor in [0, 20]")
            )
    return problems


def _link_problems(s: Scenario, links: pd.DataFrame | None, file: str, where: str) -> list[Problem]:
    """Link overrides and topology entries that name no link of ``links.csv``; overrides of
    links not in operation in the scenario's year (``links``: the table, or ``None``)."""
    link_ids = set(links["link"]) if links is not None else set()
    problems: list[Problem] = []
    for lk in s.link_capacity_mw:
        if lk not in link_ids:
            hint = _hint(lk, sorted(link_ids))
            problems.append(
                Problem(file, None, f"{where}.link_capacity_mw", lk, f"a link of links.csv{hint}")
            )
        elif s.pathway is None:
            problems += _link_in_service(links, lk, s.year, file, where)
    if isinstance(s.topology, list):
        for lk in s.topology:
            if lk not in link_ids:
                problems.append(Problem(file, None, f"{where}.topology", lk, "a link of links.csv"))
    return problems


def _contract_problems(
    s: Scenario, c: Contract, w: str, nodes: set[str], node_country: dict[str, str], file: str
) -> list[Problem]:
    """Problems of one contract ``c`` (at ``w`` in the file): unknown nodes, a path that does
    not join seller and buyer, its size given twice or not at all, wheeling charged by a
    country it does not cross, and a cross-border contract on an isolated topology."""
    problems: list[Problem] = []
    for n in (c.seller, c.buyer, *c.path):
        if n not in nodes:
            hint = _hint(n, sorted(nodes))
            problems.append(Problem(file, None, w, n, f"a node of nodes.csv{hint}"))
    if c.path and (c.path[0] != c.seller or c.path[-1] != c.buyer):
        problems.append(
            Problem(
                file,
                None,
                f"{w}.path",
                "-".join(c.path),
                "a path starting at the seller and ending at the buyer",
            )
        )
    if (c.mw is None) == (c.monthly_mw is None):
        problems.append(Problem(file, None, w, "mw/monthly_mw", "exactly one of mw or monthly_mw"))
    for country in c.wheeling_usd_per_mwh:
        transit = {node_country.get(n) for n in c.path[1:-1]}
        if country not in transit:
            problems.append(
                Problem(
                    file,
                    None,
                    f"{w}.wheeling_usd_per_mwh",
                    country,
                    f"a transit country of the path ({sorted(transit)})",
                )
            )
    if s.topology == "isolated" and node_country.get(c.seller) != node_country.get(c.buyer):
        problems.append(
            Problem(
                file,
                None,
                w,
                "topology isolated",
                "a cross-border contract needs cross-border links (impossible combination)",
            )
        )
    return problems

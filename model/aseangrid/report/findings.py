"""The summary of findings: templated sentences whose every number is a cell of a table.

Each number enters a sentence through :meth:`Writer.cite`, which prints the table's cell as the
table prints it and records where it came from (:class:`Cite`), so that a test can check that
every number of the summary equals the table it points to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from .fmt import Table, show, unit_of
from .tables import ALL_CORRIDORS, AMOUNT

#: a corridor at its limit in at least this share of hours is called congested [%]
CONGESTED_PCT = 25.0


@dataclass(frozen=True)
class Cite:
    """One number of a sentence: the table, row and column it is read from, as printed."""

    table: str
    row: object
    col: str
    shown: str
    absolute: bool = False


@dataclass
class Finding:
    """One sentence of the summary, the numbers it cites and the anchors it points to."""

    topic: str
    text: str
    cites: list[Cite] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    caveat: bool = False
    group: str = ""


class Writer:
    """Builds sentences from table cells (see the module docstring)."""

    def __init__(self, tables: Mapping[str, Table]):
        self.tables = tables
        self._cites: list[Cite] = []
        self.findings: list[Finding] = []
        self.group = ""

    def cite(self, key: str, row: object, col: str, absolute: bool = False) -> str:
        """The cell ``(row, col)`` of table ``key`` as printed (``absolute``: without sign)."""
        v = self.tables[key].value(row, col)
        s = show(v, col, absolute)
        self._cites.append(Cite(key, row, col, s, absolute))
        return s

    def signed(self, key: str, row: object, col: str) -> str:
        """As :meth:`cite`, with a ``+`` in front of positive values."""
        s = self.cite(key, row, col)
        return s if s.startswith("-") or float(s.replace(",", "")) == 0 else "+" + s

    def add(self, topic: str, text: str, refs: list[str], caveat: bool = False) -> None:
        """Close the sentence: it takes the numbers cited since the last one."""
        anchors = [self.tables[r].anchor if r in self.tables else r for r in refs]
        self.findings.append(Finding(topic, text, self._cites, anchors, caveat, self.group))
        self._cites = []

    def value(self, key: str, row: object, col: str) -> float:
        return float(self.tables[key].value(row, col))

    def col(self, key: str, prefix: str) -> tuple[str, str]:
        """The column of table ``key`` whose label starts with ``prefix`` and its unit."""
        for c in self.tables[key].df.columns:
            if str(c).startswith(prefix):
                return str(c), unit_of(c)
        raise KeyError(f"{key}: no column {prefix}...")

    def change(self, key: str, row: object, col: str, up: str, down: str) -> str:
        """``"<up|down> by <|value|> <unit>"`` or ``"is unchanged"`` (as printed: 0)."""
        s = self.cite(key, row, col, absolute=True)
        if float(s.replace(",", "")) == 0:
            return f"is unchanged at {s} {unit_of(col)}"
        return f"{up if self.value(key, row, col) > 0 else down} by {s} {unit_of(col)}"


def cost_finding(w: Writer, cname: str, ref: str, s: str) -> None:
    k = f"{cname}.cost"
    d, u = w.col(k, f"Δ {s} vs {ref} [")
    ex = "total without unserved energy and penalties"
    parts = []
    un = "unserved energy (at the value of lost load)"
    pen = "policy penalties (missed targets and caps)"
    for comp in w.tables[k].df.index:
        if comp not in (un, pen) and not str(comp).startswith("total"):
            if abs(w.value(k, comp, d)) > 0:
                parts.append(f"{comp} {w.signed(k, comp, d)}")
    text = (
        f"{s} against {ref}: the annual system cost without unserved energy and policy "
        f"penalties {w.change(k, ex, d, 'rises', 'falls')}, from "
        f"{w.cite(k, ex, f'{ref} [{u}]')} to {w.cite(k, ex, f'{s} [{u}]')} {u}"
        + (f"; by component: {', '.join(parts)} {u}." if parts else ".")
    )
    text += (
        f" Unserved energy at the value of lost load changes the objective by "
        f"{w.signed(k, un, d)} {u} and policy penalties by {w.signed(k, pen, d)} {u}, "
        f"{w.signed(k, 'total', d)} {u} in all with them: these are modelling devices, not "
        "costs or savings."
    )
    w.add("cost", text, [k, f"f-{cname}-waterfall"])


def fallback_and_gains_finding(w: Writer, cname: str, ref: str, s: str, top: int = 2) -> None:
    """The isolated-grid fallback (when called) and the countries that gain and pay most."""
    k, g = f"{cname}.decomposition", f"{cname}.who_gains"
    row = f"{s} vs {ref}"
    parts = []
    df = w.tables[k].df if k in w.tables else pd.DataFrame()
    fb = "fallback capacity called by the reference [MW]"
    inv = "Δ fallback investment (OCGT annuity) [bn USD]"
    tot = "Δ cost excl. VoLL and penalties, incl. fallback investment [bn USD]"
    if row in df.columns and {fb, inv, tot} <= set(df.index) and w.value(k, fb, row) > 0:
        parts.append(
            f"{ref} calls on {w.cite(k, fb, row)} MW of isolated-grid fallback capacity; with its "
            f"annuity ({w.signed(k, inv, row)} bn USD) the cost changes by "
            f"{w.signed(k, tot, row)} bn USD"
        )
    gdf = w.tables[g].df if g in w.tables else pd.DataFrame()
    col = "Δ cost excl. VoLL [bn USD]"
    if len(gdf) and col in gdf and row in gdf.index.get_level_values(0):
        sub = gdf.xs(row, level=0, drop_level=False)[col].sort_values()
        gain = [i for i in sub.index[:top] if sub[i] < 0]
        pay = [i for i in sub.index[::-1][:top] if sub[i] > 0]
        if gain:
            parts.append(
                "the countries whose cost falls most: "
                + ", ".join(f"{i[1]} {w.signed(g, i, col)}" for i in gain)
                + " bn USD"
            )
        if pay:
            parts.append(
                "whose cost rises most: "
                + ", ".join(f"{i[1]} {w.signed(g, i, col)}" for i in pay)
                + " bn USD"
            )
    if parts:
        w.add("who gains", f"{s} against {ref}: " + "; ".join(parts) + ".", [g, k])


def emissions_finding(w: Writer, cname: str, ref: str, s: str, top: int = 3) -> None:
    k = f"{cname}.emissions"
    df = w.tables[k].df
    dp, u = w.col(k, f"Δ production {s} [")
    dc, _ = w.col(k, f"Δ consumption {s} [")
    text = (
        f"{s} against {ref}: production-based CO2 "
        f"{w.change(k, 'ASEAN', dp, 'rises', 'falls')}, from "
        f"{w.cite(k, 'ASEAN', f'production {ref} [{u}]')} to "
        f"{w.cite(k, 'ASEAN', f'production {s} [{u}]')} {u}"
    )
    countries = df.drop(index="ASEAN")[dp].abs().sort_values(ascending=False)
    countries = [c for c in countries.index[:top] if abs(df.loc[c, dp]) > 0]
    if countries:
        text += "; largest changes, production-based (consumption-based): " + ", ".join(
            f"{c} {w.signed(k, c, dp)} ({w.signed(k, c, dc)}) {u}" for c in countries
        )
    w.add("emissions", text + ".", [k, f"f-{cname}-emissions-change"])


def displacement_finding(w: Writer, cname: str, s: str, top: int = 3) -> None:
    k = f"{cname}.displacement"
    df = w.tables[k].df
    col = "Δ generation [TWh]"
    if not len(df) or s not in df.index.get_level_values("scenario"):
        return
    sub = df.xs(s, level="scenario", drop_level=False)[col]
    down = sub[sub < 0].sort_values().index[:top]
    up = sub[sub > 0].sort_values(ascending=False).index[:top]
    if not len(down) and not len(up):
        return

    def items(idx) -> str:
        return ", ".join(f"{t} in {c} ({w.signed(k, (sc_, c, t), col)} TWh)" for sc_, c, t in idx)

    text = (
        f"{s}: generation displaced: {items(down) or 'none'}; displacing it: {items(up) or 'none'}."
    )
    w.add("displacement", text, [k, f"f-{cname}-displacement", f"f-{cname}-mix"])


def corridor_finding(w: Writer, cname: str, s: str, top: int = 3) -> None:
    k = f"{cname}.corridors"
    df = w.tables[k].df
    if not len(df) or s not in df.index.get_level_values("scenario"):
        return
    tot = (s, ALL_CORRIDORS)
    text = (
        f"{s}: {w.cite(k, tot, 'sent [TWh]')} TWh cross the borders, with congestion rents of "
        f"{w.cite(k, tot, 'congestion rent [M USD]')} M USD"
    )
    sub = df.xs(s, level="scenario", drop_level=False).drop(index=[tot])
    busy = sub[sub["at limit [% of hours]"] >= CONGESTED_PCT]
    busy = busy.sort_values("congestion rent [M USD]", ascending=False).index[:top]
    if len(busy):
        text += "; congested corridors (at their limit, rent): " + ", ".join(
            f"{c} {w.cite(k, (sc_, c), 'at limit [% of hours]')} % of hours, "
            f"{w.cite(k, (sc_, c), 'congestion rent [M USD]')} M USD"
            for sc_, c in busy
        )
    else:
        text += f"; no corridor is at its limit in {CONGESTED_PCT:g} % of hours or more"
    w.add("corridors", text + ".", [k, f"f-{cname}-trade"])


def price_finding(w: Writer, cname: str, ref: str, s: str) -> None:
    k = f"{cname}.prices"
    a, b = f"{ref} [USD/MWh]", f"{s} [USD/MWh]"
    text = (
        f"{s}: the ASEAN demand-weighted price is {w.cite(k, 'ASEAN', b)} USD/MWh against "
        f"{w.cite(k, 'ASEAN', a)} USD/MWh in {ref}"
    )
    pen = f"hours priced at a penalty, {s} [h]"
    if pen in w.tables[k].df and w.value(k, "ASEAN", pen) > 0:
        text += (
            f"; in {w.cite(k, 'ASEAN', pen)} node-hours its price is set by unserved energy or "
            "a missed policy, not by a generator"
        )
    w.add("prices", text + ".", [k, f"f-{cname}-price-heatmap"])


def scenario_finding(w: Writer, cname: str, s: str) -> None:
    """The level of one scenario (a comparison with nothing to compare against)."""
    k, e, p = f"{cname}.cost", f"{cname}.emissions", f"{cname}.prices"
    ex = "total without unserved energy and penalties"
    col, u = w.col(k, f"{s} [")
    ecol, eu = w.col(e, f"production {s} [")
    text = (
        f"{s}: the annual system cost without unserved energy and policy penalties is "
        f"{w.cite(k, ex, col)} {u}, production-based CO2 {w.cite(e, 'ASEAN', ecol)} {eu} and the "
        f"ASEAN demand-weighted price {w.cite(p, 'ASEAN', f'{s} [USD/MWh]')} USD/MWh"
    )
    c = f"{cname}.corridors"
    if len(w.tables[c].df) and (s, ALL_CORRIDORS) in w.tables[c].df.index:
        text += f"; {w.cite(c, (s, ALL_CORRIDORS), 'sent [TWh]')} TWh cross the borders"
    w.add("scenario", text + ".", [k, e, p])


def comparison_findings(w: Writer, cname: str, ref: str, scenarios: list[str]) -> None:
    """The findings of one comparison, scenario by scenario against the reference."""
    others = [x for x in scenarios if x != ref]
    w.group = f"Comparison {cname}: {', '.join(others)} against {ref}" if others else ref
    if not others:
        scenario_finding(w, cname, ref)
    for s in scenarios:
        if s == ref:
            continue
        cost_finding(w, cname, ref, s)
        fallback_and_gains_finding(w, cname, ref, s)
        emissions_finding(w, cname, ref, s)
        displacement_finding(w, cname, s)
        corridor_finding(w, cname, s)
        price_finding(w, cname, ref, s)


def caveat_findings(w: Writer, top: int = 6) -> None:
    """Missed policies and unserved energy (always shown when present), decomposition gaps and
    unverified solves."""
    k = "caveats.issues"
    df = w.tables[k].df if k in w.tables else pd.DataFrame()
    if len(df):
        for s in dict.fromkeys(df.index.get_level_values("scenario")):
            sub = df.xs(s, level="scenario", drop_level=False)
            cost, _ = w.col(k, "in the objective [")
            order = sub[cost].abs().sort_values(ascending=False).index
            shown = [i for i in order if show(sub.loc[i, AMOUNT], AMOUNT) != show(0.0, AMOUNT)]
            items = [_issue(w, k, i, sub.loc[i, "unit"], cost) for i in shown[:top]]
            rest = len(order) - len(items)
            more = ", and smaller ones (see the table)" if rest else ""
            w.add(
                "caveat",
                f"{s}: " + "; ".join(items) + more + ". Shortfalls are bought at the policy "
                "penalty and unserved energy at the value of lost load; prices set by them are "
                "not market prices.",
                [k],
                caveat=True,
            )
    decomposition_findings(w)
    assumption_findings(w)


#: generation of a country resting on rows of our own assumption above this is a caveat [%]
ASSUMED_PCT = 10.0


def assumption_findings(w: Writer) -> None:
    """Countries whose generation rests for more than :data:`ASSUMED_PCT` on assumed rows."""
    k = "method.provenance"
    if k not in w.tables:
        return
    df = w.tables[k].df
    for col, what in (
        ("generation assumption [%]", "generation resting on generators.csv rows"),
        ("fuel price assumption [%]", "variable fuel cost resting on fuel_prices.csv rows"),
    ):
        if col not in df:
            continue
        hit = df[df[col] > ASSUMED_PCT].sort_values(col, ascending=False).index
        if len(hit):
            w.add(
                "assumptions",
                f"Share of {what} that are our own assumption: "
                + ", ".join(f"{c} {w.cite(k, c, col)} %" for c in hit)
                + ".",
                [k],
                caveat=True,
            )


def _issue(w: Writer, k: str, i: tuple, unit: str, col: str) -> str:
    _, what, where = i
    amount = w.cite(k, i, AMOUNT)
    cost = f"{w.cite(k, i, col)} {unit_of(col)}"
    if what == "unserved energy":
        return f"unserved energy at {where}: {amount} {unit} ({cost} at the value of lost load)"
    return f"{what} {where} missed by {amount} {unit} ({cost} of penalty in the objective)"


def decomposition_findings(w: Writer) -> None:
    k = "method.solve"
    df = w.tables[k].df
    for s in df.index:
        if str(df.loc[s, "method"]).startswith("decomposed"):
            w.add(
                "decomposition",
                f"{s} was solved by decomposition: lower bound "
                f"{w.cite(k, s, 'lower bound [bn USD]')} bn USD, objective "
                f"{w.cite(k, s, 'objective [bn USD]')} bn USD, a certified gap of "
                f"{w.cite(k, s, 'certified gap [% of objective]')} % of the objective and "
                f"{w.cite(k, s, 'certified gap [% of cost without penalties]')} % of the cost "
                "without penalties.",
                [k],
                caveat=True,
            )
        if not bool(df.loc[s, "verified against every row"]):
            w.add("verification", f"{s}: the solution was not verified.", [k], caveat=True)

"""The report of a run: summary of findings, method, tables and figures, written as a
self-contained HTML page, Markdown, an Excel workbook and CSV files.

Only results and comparison Datasets are used (no Pyomo). Tables are rounded as printed
(:mod:`aseangrid.report.fmt`) and the summary's numbers are cells of those tables
(:mod:`aseangrid.report.findings`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import xarray as xr

from .figures import SOURCE_NOTE
from .findings import Finding, Writer, caveat_findings, comparison_findings
from .fmt import Table, slug
from .gallery import comparison_figures, figure
from .method import method_sentences, method_tables, run_id
from .pathways import pathway_section
from .provenance import provenance_table
from .render import Section, write_html, write_markdown
from .tables import comparison_tables, issues_table


def prune(folder: Path, keep: set[str], patterns: tuple[str, ...]) -> None:
    """Remove the files of an earlier report (``figures/``, ``tables/``) that this one did not
    write, so that a rewritten report's folder holds only what its pages show."""
    for pattern in patterns:
        for p in folder.glob(pattern):
            if p.name not in keep:
                p.unlink()


def _intro(description: str, results: Mapping[str, xr.Dataset], rid: str) -> list[str]:
    first = next(iter(results.values()), None)
    versions = first.attrs.get("versions", "") if first is not None else ""
    hashes = sorted({str(r.attrs.get("input_hash", "")) for r in results.values()})
    return [
        p
        for p in (
            description,
            f"Run id {rid}; input hash {', '.join(hashes)}; {versions}. The same fields are "
            "in the run's log.json.",
        )
        if p
    ]


def write_report(
    folder: str | Path,
    comparisons: Mapping[str, xr.Dataset],
    results: Mapping[str, xr.Dataset],
    title: str,
    description: str = "",
    dispatch_nodes: list[str] | None = None,
    dispatch_week_start: str = "04-01",
    pathways: Mapping[str, xr.Dataset] | None = None,
) -> dict[str, Path]:
    """Write the report: ``report.html`` (self-contained), ``report.md``, ``report.xlsx``,
    ``figures/`` (PNG and SVG) and ``tables/`` (CSV).

    Parameters
    ----------
    folder
        Output folder.
    comparisons
        Comparison name -> Dataset from :func:`aseangrid.compare`.
    results
        Scenario name -> results Dataset.
    title, description
        Report heading and the question the run answers.
    dispatch_nodes, dispatch_week_start
        Nodes of the dispatch, price and heat-map figures and the ``MM-DD`` start of the
        dispatch week.
    pathways
        Scenario name -> pathway Dataset (:mod:`aseangrid.pathway`): adds a "Pathways"
        section.

    Returns
    -------
    dict
        Paths of ``html``, ``md`` and ``xlsx``.
    """
    folder = Path(folder)
    figs, tables_dir = folder / "figures", folder / "tables"
    tables_dir.mkdir(parents=True, exist_ok=True)
    nodes = [
        n
        for n in (dispatch_nodes or ["SG"])
        if all(n in r["node"].values for r in results.values())
    ]
    run_yaml = (folder / "run.yaml").read_text() if (folder / "run.yaml").is_file() else ""
    rid = run_id(results, run_yaml)
    all_tables, sections = build_sections(
        comparisons, results, nodes, dispatch_week_start, figs, pathways
    )
    findings = summarise(all_tables, comparisons)
    for t in all_tables.values():
        t.df.to_csv(tables_dir / f"{slug(t.key)}.csv")
    keep = {f"{slug(t.key)}.csv" for t in all_tables.values()}
    keep |= {n for s in sections for f in s.figures for n in (f.png, f.svg)}
    prune(figs, keep, ("*.png", "*.svg"))
    prune(tables_dir, keep, ("*.csv",))
    footer = (
        f"Source: {SOURCE_NOTE}. Units: USD of the cost data's year, MWh, tCO2. "
        "Consumption-based emissions by proportional flow tracing (aseangrid.results.tracing). "
        f"Run id {rid}."
    )
    intro = _intro(description, results, rid)
    html_p = write_html(folder / "report.html", title, intro, findings, sections, footer)
    md_p = write_markdown(folder / "report.md", title, intro, findings, sections, footer)
    from .excel import write_workbook

    about = {"title": title, "run id": rid, "description": description}
    about.update(
        {f"input hash {s}": str(r.attrs.get("input_hash", "")) for s, r in results.items()}
    )
    about["versions"] = intro[-1]
    xlsx = write_workbook(folder / "report.xlsx", list(all_tables.values()), about)
    return {"html": html_p, "md": md_p, "xlsx": xlsx}


def build_sections(comparisons, results, nodes, week, figs, pathways=None):
    """All tables by key (in the report's order) and the report's sections in order."""
    mt = method_tables(results)
    prov = provenance_table(results)
    method = Section(
        "Method and assumptions",
        "method",
        paragraphs=method_sentences(results),
        tables=[mt["scenarios"], mt["solve"], *([prov] if prov is not None else []), mt["trace"]],
    )
    issues = Table(
        "caveats.issues",
        "Missed policies and unserved energy",
        issues_table(results),
        "Amounts over the horizon (Mt for carbon caps, TWh otherwise) and what they add to "
        "the objective at the policy penalty or the value of lost load. Source: the results "
        "of each scenario (results.nc).",
    )
    caveat = Section(
        "Caveats detected in this run",
        "caveats",
        paragraphs=[] if len(issues.df) else ["No policy was missed and no energy unserved."],
        tables=[issues],
    )
    sections = [method, caveat]
    for cname, cmp in comparisons.items():
        names = [str(s) for s in cmp["scenario"].values]
        sub = {s: results[s] for s in names if s in results}
        tabs = comparison_tables(cname, cmp, sub)
        sections.append(
            Section(
                f"Comparison {cname}",
                f"c-{slug(cname)}",
                subtitle=f"{' vs '.join(names)} (reference: {cmp.attrs.get('reference')})",
                tables=list(tabs.values()),
                figures=comparison_figures(cname, cmp, tabs, sub, nodes, week, figs),
            )
        )
    if pathways:
        sections.insert(2, pathway_section(pathways, figs, figure))
    tables = {t.key: t for s in sections for t in s.tables}
    return tables, sections


def summarise(tables: Mapping[str, Table], comparisons: Mapping[str, xr.Dataset]) -> list[Finding]:
    """The summary: caveats (missed policies, unserved energy, decomposition gaps), then the
    findings of each comparison."""
    w = Writer(tables)
    caveat_findings(w)
    for cname, cmp in comparisons.items():
        names = [str(s) for s in cmp["scenario"].values]
        comparison_findings(w, cname, str(cmp.attrs.get("reference")), names)
    return w.findings

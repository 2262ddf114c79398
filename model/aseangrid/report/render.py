"""Writing the report: a self-contained HTML page (figures embedded as base64, a table of
contents with anchors) and a Markdown version that links the PNG files of ``figures/``."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .findings import Finding
from .fmt import Table, md_table, shown_frame

CSS = (
    "body{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em;color:#222;"
    "line-height:1.4}table{border-collapse:collapse;font-size:12px;margin:0.5em 0}"
    "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td.t,th.t{text-align:left}"
    "th{background:#f3f3f3}img{max-width:100%}.summary h3{font-size:14px;margin:0.6em 0 0}"
    "h2{border-bottom:1px solid #ccc;margin-top:1.6em}.note{font-size:11px;color:#555}"
    ".caveats{border:2px solid #b00;background:#fff4f4;padding:0.5em 1em}"
    ".summary{background:#f6f9fc;border:1px solid #cdd;padding:0.5em 1em}"
    "nav{font-size:13px}nav ul{margin:0.2em 0}.ref{font-size:11px}"
    ".scroll{overflow-x:auto}"
)


@dataclass
class Figure:
    """A saved figure: PNG and SVG file names, the PNG as base64, its anchor and caption."""

    key: str
    title: str
    png: str
    svg: str
    b64: str
    note: str = ""

    @property
    def anchor(self) -> str:
        return "f-" + self.key


@dataclass
class Section:
    """A part of the report with its own heading and anchor."""

    title: str
    anchor: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    subtitle: str = ""


def _titles(sections: list[Section]) -> dict[str, str]:
    out = {}
    for s in sections:
        out[s.anchor] = s.title
        out.update({t.anchor: t.title for t in s.tables})
        out.update({f.anchor: f.title for f in s.figures})
    return out


def _finding_html(f: Finding, titles: dict[str, str]) -> str:
    refs = ", ".join(
        f"<a href='#{html.escape(a)}'>{html.escape(titles[a])}</a>" for a in f.refs if a in titles
    )
    return f"<li>{html.escape(f.text)} <span class='ref'>(→ {refs})</span></li>"


def _finding_md(f: Finding, titles: dict[str, str]) -> str:
    refs = ", ".join(f"[{titles[a]}](#{a})" for a in f.refs if a in titles)
    return f"- {f.text} (→ {refs})"


def _html_table(t: Table) -> str:
    """The table as HTML: numbers right-aligned, text left-aligned (class ``t``)."""
    flat = t.df.reset_index() if any(n is not None for n in t.df.index.names) else t.df
    shown = shown_frame(t.df)
    text = [not pd.api.types.is_numeric_dtype(flat[c]) for c in flat.columns]
    head = "".join(
        f"<th{' class=t' if x else ''}>{html.escape(str(c))}</th>"
        for c, x in zip(shown.columns, text, strict=True)
    )
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=t' if x else ''}>{html.escape(str(v))}</td>"
            for v, x in zip(r, text, strict=True)
        )
        + "</tr>"
        for r in shown.values
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def table_html(t: Table) -> str:
    if not len(t.df):
        return f"<h3 id='{t.anchor}'>{html.escape(t.title)}</h3><p class='note'>No rows.</p>"
    body = _html_table(t)
    note = f"<p class='note'>{html.escape(t.note)}</p>" if t.note else ""
    return f"<h3 id='{t.anchor}'>{html.escape(t.title)}</h3><div class='scroll'>{body}</div>{note}"


def figure_html(f: Figure) -> str:
    note = f"<p class='note'>{html.escape(f.note)}</p>" if f.note else ""
    return (
        f"<h3 id='{f.anchor}'>{html.escape(f.title)}</h3><img alt='{html.escape(f.title)}' "
        f"src='data:image/png;base64,{f.b64}'>{note}"
    )


def _toc(sections: list[Section]) -> str:
    items = []
    for s in sections:
        sub = "".join(
            f"<li><a href='#{x.anchor}'>{html.escape(x.title)}</a></li>"
            for x in [*s.tables, *s.figures]
        )
        items.append(
            f"<li><a href='#{s.anchor}'>{html.escape(s.title)}</a>"
            + (f"<ul>{sub}</ul>" if sub and len(sections) < 12 else "")
            + "</li>"
        )
    return f"<nav id='contents'><h2>Contents</h2><ul>{''.join(items)}</ul></nav>"


def write_html(
    path: Path,
    title: str,
    intro: list[str],
    findings: list[Finding],
    sections: list[Section],
    footer: str,
) -> Path:
    """Write the self-contained HTML report: summary (caveats first), contents, sections."""
    titles = _titles(sections)
    caveats = [f for f in findings if f.caveat]
    found = [f for f in findings if not f.caveat]
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>"
        f"{html.escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        *[f"<p>{html.escape(p)}</p>" for p in intro],
        "<h2 id='summary'>Summary of findings</h2>",
    ]
    if caveats:
        parts.append(
            "<div class='caveats' id='read-first'><b>Read first: what this run could not do "
            "or bought at a penalty.</b><ul>"
            + "".join(_finding_html(f, titles) for f in caveats)
            + "</ul></div>"
        )
    body = []
    for g in dict.fromkeys(f.group for f in found):
        items = "".join(_finding_html(f, titles) for f in found if f.group == g)
        body.append((f"<h3>{html.escape(g)}</h3>" if g else "") + f"<ul>{items}</ul>")
    parts.append(
        "<div class='summary'>"
        + "".join(body)
        + "<p class='note'>Every number above is a cell of the table it points to.</p></div>"
    )
    parts.append(_toc(sections))
    for s in sections:
        parts.append(f"<h2 id='{s.anchor}'>{html.escape(s.title)}</h2>")
        if s.subtitle:
            parts.append(f"<p><i>{html.escape(s.subtitle)}</i></p>")
        parts += [f"<p>{html.escape(p)}</p>" for p in s.paragraphs]
        parts += [table_html(t) for t in s.tables]
        parts += [figure_html(f) for f in s.figures]
    parts.append(f"<hr><p class='note'>{html.escape(footer)}</p></body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def write_markdown(
    path: Path,
    title: str,
    intro: list[str],
    findings: list[Finding],
    sections: list[Section],
    footer: str,
) -> Path:
    """Write ``report.md``: the same content; figures link ``figures/<name>.png``."""
    titles = _titles(sections)
    md = [f"# {title}", "", *[p + "\n" for p in intro], "## Summary of findings", ""]
    caveats = [f for f in findings if f.caveat]
    if caveats:
        md += ["> **Read first: what this run could not do or bought at a penalty.**", ">"]
        md += ["> " + _finding_md(f, titles) for f in caveats] + [""]
    found = [f for f in findings if not f.caveat]
    for g in dict.fromkeys(f.group for f in found):
        md += ([f"**{g}**", ""] if g else []) + [
            _finding_md(f, titles) for f in found if f.group == g
        ]
        md += [""]
    md += ["## Contents", ""] + [f"- [{s.title}](#{s.anchor})" for s in sections] + [""]
    for s in sections:
        md += [f'<a id="{s.anchor}"></a>', "", f"## {s.title}", ""]
        if s.subtitle:
            md += [f"*{s.subtitle}*", ""]
        md += [p + "\n" for p in s.paragraphs]
        for t in s.tables:
            md += [f'<a id="{t.anchor}"></a>', "", f"### {t.title}", ""]
            md += [md_table(t.df) if len(t.df) else "No rows.", ""]
            md += [f"*{t.note}*", ""] if t.note and len(t.df) else []
        for f in s.figures:
            md += [f'<a id="{f.anchor}"></a>', "", f"### {f.title}", ""]
            md += [f"![{f.title}](figures/{f.png})", "", f"[SVG](figures/{f.svg})", ""]
    md += ["---", "", footer, ""]
    path.write_text("\n".join(md), encoding="utf-8")
    return path

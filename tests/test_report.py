"""The report: summary sentences equal the tables they cite, breaches and unserved energy are
always in the summary, the workbook holds every table, the HTML parses and embeds every figure.

Two nodes in two countries over 48 hours, solved in memory (about a second): A (THA) has gas
at 30 USD/MWh (0.4 t/MWh) and solar, B (LAO) coal at 20 USD/MWh (0.9 t/MWh) but only 80 MW
against a demand of 75..105 MW, so that the isolated B sheds load; an ASEAN cap of 0.003 Mt
over the horizon is missed in both scenarios.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import warnings
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

import aseangrid as ag
from aseangrid.report import fmt
from aseangrid.report.document import build_sections, summarise, write_report
from aseangrid.results.store import write_netcdf, write_scenario
from conftest import ROOT, make_ds

T = 48
H = np.arange(T)


def two_node(link_mw: float):
    ds = make_ds(
        {
            "A": list(80 + 20 * np.sin(H / 24 * 2 * np.pi)),
            "B": list(90 + 15 * np.cos(H / 24 * 2 * np.pi)),
        },
        generators=[
            dict(node="A", technology="gas_ccgt", capacity_mw=200, cost=30, ef=0.4),
            dict(
                node="A",
                technology="solar_pv",
                capacity_mw=60,
                avail=list(np.clip(np.sin((H % 24 - 6) / 12 * np.pi), 0, None)),
                renewable=True,
            ),
            dict(node="B", technology="coal", capacity_mw=80, cost=20, ef=0.9),
        ],
        links=[dict(a="A", b="B", fwd=link_mw, bwd=link_mw, loss=0.02)],
        country_of={"A": "THA", "B": "LAO"},
        carbon_caps={"ASEAN": (0.003, ["THA", "LAO"])},
    )
    return ds.assign_coords(node_lat=("node", [13.7, 18.0]), node_lon=("node", [100.5, 102.6]))


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the breaches are what this report must show
        results = {"integrated": ag.solve(two_node(60.0)), "isolated": ag.solve(two_node(0.0))}
    cmp = ag.compare(results, reference="isolated")
    paths = write_report(
        folder, {"integration": cmp}, results, "two nodes", "A test.", ["A", "B"], "01-01"
    )
    tables, _ = build_sections({"integration": cmp}, results, ["A"], "01-01", folder / "f2")
    findings = summarise(tables, {"integration": cmp})
    return folder, paths, results, cmp, tables, findings


def test_every_number_of_the_summary_is_the_cell_it_cites(written):
    folder, _, _, _, tables, findings = written
    assert {f.topic for f in findings} >= {"cost", "emissions", "corridors", "prices", "caveat"}
    for f in findings:
        assert f.cites, f.text
        text = f.text
        for c in f.cites:
            t = tables[c.table]
            assert c.shown == fmt.show(t.value(c.row, c.col), c.col, c.absolute)
            assert c.shown in text, (c, text)
            text = text.replace(c.shown, "", 1)
            # the same cell in the CSV the report wrote
            csv = pd.read_csv(folder / "tables" / f"{fmt.slug(c.table)}.csv")
            idx = list(t.df.index.names)
            row = c.row if isinstance(c.row, tuple) else (c.row,)
            hit = csv[
                np.all(
                    [csv[n].astype(str) == str(v) for n, v in zip(idx, row, strict=True)], axis=0
                )
            ]
            assert len(hit) == 1, (c, idx)
            assert fmt.show(hit[c.col].iloc[0], c.col, c.absolute) == c.shown
        # no number left in the sentence that is not a cited cell (names and constants aside)
        left = re.sub(r"\b(CO2|25 %)", "", text)
        assert not re.findall(r"\d", left), (left, f.text)


def test_cost_sentence_by_hand(written):
    _, _, results, _, _, findings = written
    cost = {s: r["cost_usd"].to_pandas() for s, r in results.items()}
    ex = {s: c.drop(["unserved_energy", "policy_penalty"]).sum() / 1e3 for s, c in cost.items()}
    sent = next(f.text for f in findings if f.topic == "cost")
    d = ex["integrated"] - ex["isolated"]
    assert f"{'falls' if d < 0 else 'rises'} by {abs(d):,.1f} k USD" in sent
    assert f"from {ex['isolated']:,.1f} to {ex['integrated']:,.1f} k USD" in sent
    voll = (cost["integrated"]["unserved_energy"] - cost["isolated"]["unserved_energy"]) / 1e3
    assert voll < 0 and f"{voll:,.1f} k USD and policy penalties" in sent


def test_breach_and_unserved_energy_are_in_the_summary(written):
    _, _, results, _, _, findings = written
    caveats = {f.text.split(":")[0]: f.text for f in findings if f.topic == "caveat"}
    assert set(caveats) == {"integrated", "isolated"}
    for s, r in results.items():
        mt = float(r["carbon_cap_excess_t"].sum()) / 1e6
        assert mt > 0 and f"carbon cap ASEAN missed by {mt:,.4f} Mt" in caveats[s]
    twh = float(results["isolated"]["unserved_twh"].sel(node="B"))
    assert twh > 0 and f"unserved energy at B: {twh:,.4f} TWh" in caveats["isolated"]
    assert "unserved energy at B" not in caveats["integrated"]


def test_decomposition_gap_is_in_the_summary(written, tmp_path):
    """The report reads the decomposition's records from the results' attributes."""
    _, _, results, cmp, _, _ = written
    res = {s: r.copy() for s, r in results.items()}
    res["integrated"].attrs.update(
        decomposition="decomposed: coarse year in 6-hour blocks, 2 sub-horizons of 168 h",
        lower_bound_usd=3.2e6,
        objective_usd=3.21e6,
        certified_gap=0.01 / 3.21,
        certified_gap_excl_penalties=0.0123,
    )
    tables, _ = build_sections({"integration": cmp}, res, ["A"], "01-01", tmp_path)
    text = " ".join(f.text for f in summarise(tables, {"integration": cmp}))
    assert "integrated was solved by decomposition: lower bound 0.00 bn USD" in text
    assert "certified gap of 0.312 % of the objective and 1.230 % of the cost" in text


def test_workbook_holds_every_table(written):
    _, paths, _, _, tables, _ = written
    book = pd.read_excel(paths["xlsx"], sheet_name=None, header=None)
    assert "contents" in book
    keys = [t.key for t in tables.values() if len(t.df)]
    contents = pd.read_excel(paths["xlsx"], sheet_name="contents", header=None).astype(str)
    for k in keys:
        assert (contents == k).any().any(), k
    assert len(book) == len(keys) + 1
    from aseangrid.report.excel import sheet_names

    filled = [t for t in tables.values() if len(t.df)]
    for name, t in zip(sheet_names(filled), filled, strict=True):
        sheet = pd.read_excel(paths["xlsx"], sheet_name=name, header=2)
        flat = t.df.reset_index() if any(n is not None for n in t.df.index.names) else t.df
        assert list(sheet.columns) == [str(c) for c in flat.columns], name
        for col in flat.columns:
            if pd.api.types.is_numeric_dtype(flat[col]) and flat[col].dtype != bool:
                assert np.allclose(
                    sheet[str(col)].astype(float), flat[col].astype(float), equal_nan=True
                ), (name, col)


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.hrefs, self.srcs, self.tags = set(), [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            self.ids.add(a["id"])
        if "href" in a:
            self.hrefs.append(a["href"])
        if "src" in a:
            self.srcs.append(a["src"])


def test_html_parses_embeds_every_figure_and_has_no_broken_reference(written):
    folder, paths, _, _, _, _ = written
    p = _Refs()
    p.feed(paths["html"].read_text(encoding="utf-8"))
    p.close()
    pngs = sorted((folder / "figures").glob("*.png"))
    assert len(pngs) >= 10 and len(p.srcs) == len(pngs)
    for src in p.srcs:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    for h in p.hrefs:
        assert h.startswith("#") and h[1:] in p.ids, h
    for piece in ("summary", "method", "caveats", "t-method-solve", "f-integration-waterfall"):
        assert piece in p.ids
    for kind in ("waterfall", "emissions-change", "trade", "price-heatmap", "map", "dispatch"):
        assert any(kind in f.name for f in pngs), kind
    md = paths["md"].read_text()
    for f in pngs:
        assert f"figures/{f.name}" in md


def test_tables_print_for_people():
    assert fmt.show(-0.0001, "Δ cost [bn USD]") == "0.00"
    assert fmt.show(-0.4, "limit [MW]") == "0"
    assert fmt.show(1234.5678, "cost [bn USD]") == "1,234.57"
    assert fmt.show(2030, "year") == "2030"
    assert fmt.show(np.int64(2186), "variables") == "2,186"
    df = fmt.tidy(
        pd.DataFrame({"year": [2030.0, 2035.0], "CO2 [Mt]": [-0.0001, 12.3456]}).set_index("year")
    )
    assert list(df.index) == [2030, 2035] and df.index.dtype.kind == "i"
    assert df["CO2 [Mt]"].tolist() == [0.0, 12.35]
    assert not np.signbit(df["CO2 [Mt]"].iloc[0])
    assert "| year | CO2 [Mt] |" in fmt.md_table(df) and "| 2030 | 0.00 |" in fmt.md_table(df)


def test_open_run_reads_a_run_folder(tmp_path, written):
    _, _, results, cmp, _, _ = written
    for s, r in results.items():
        write_scenario(r, tmp_path / s)
    (tmp_path / "integration").mkdir()
    write_netcdf(cmp, tmp_path / "integration" / "comparison.nc")
    run = ag.open_run(tmp_path)
    assert list(run.scenarios) == ["integrated", "isolated"]
    assert float(
        run.comparisons["integration"]["delta_total_cost_usd"].sel(scenario="integrated")
    ) == pytest.approx(float(cmp["delta_total_cost_usd"].sel(scenario="integrated")))
    with pytest.raises(ag.InputError):
        ag.open_run(tmp_path / "integration")
    # the example script of docs/ reads the same folder
    import runpy

    example = runpy.run_path(str(ROOT / "docs" / "examples" / "report_headline.py"))
    example["headline"](str(tmp_path))


def test_row_basis_reads_the_basis_column_then_the_source_marker():
    from aseangrid.report.provenance import row_basis

    assert row_basis("planned", "[derived] RUPTL") == "planned"
    assert row_basis(np.nan, "[derived] IRENA 994 MW - 550 MW") == "derived"
    assert row_basis("", "[assumption] captive plant") == "assumption"
    assert row_basis(None, "IRENA 2023 Brunei coal 220 MW") == "sourced"


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no headless Chromium here")
def test_headless_chromium_renders_the_report(written, tmp_path):
    """The page renders offline in headless Chromium (Debian's `chromium`): a screenshot that
    is not blank."""
    from PIL import Image

    _, paths, _, _, _, _ = written
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1100,1600",
            f"--screenshot={shot}",
            paths["html"].resolve().as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    grey = np.asarray(Image.open(shot).convert("L"))
    assert grey.shape == (1600, 1100) and (grey < 128).mean() > 0.01


def test_a_single_scenario_is_summarised_from_its_tables(written, tmp_path):
    _, _, results, _, _, _ = written
    one = {"integrated": results["integrated"]}
    cmp = ag.compare(one)
    tables, _ = build_sections({"all": cmp}, one, ["A"], "01-01", tmp_path)
    f = next(f for f in summarise(tables, {"all": cmp}) if f.topic == "scenario")
    paid = (
        float(
            results["integrated"]["cost_usd"]
            .drop_sel(cost_component=["unserved_energy", "policy_penalty"])
            .sum()
        )
        / 1e3
    )
    assert (
        "integrated: the annual system cost without unserved energy and policy penalties is "
        f"{paid:,.1f} k USD" in f.text
    )
    for c in f.cites:
        assert c.shown == fmt.show(tables[c.table].value(c.row, c.col), c.col) and c.shown in f.text


def test_provenance_shares_by_hand(written, tmp_path):
    """Capacity, generation and fuel cost split by the basis of their input rows; a model
    generator of two rows splits by their capacities; assumed fuel prices are a caveat."""
    from aseangrid.report.provenance import provenance_table

    _, _, results, cmp, _, _ = written
    pd.DataFrame(
        {
            "generator": ["g0", "g1", "g1b", "g2"],
            "capacity_mw": [200.0, 40.0, 20.0, 80.0],
            "basis": ["sourced", "planned", "", ""],
            "source": ["IRENA", "RUPTL", "[assumption] split", "[derived] a - b"],
        }
    ).to_csv(tmp_path / "generators.csv", index=False)
    pd.DataFrame(
        {
            "fuel": ["gas", "coal"],
            "country": ["THA", "LAO"],
            "year": [2030, 2030],
            "price_usd_per_gj": [8.0, 2.0],
            "source": ["IEA WEO 2024", "[assumption] mine-mouth"],
        }
    ).to_csv(tmp_path / "fuel_prices.csv", index=False)
    res = results["integrated"].assign_coords(
        generator_rows=("generator", ["g0", "g1;g1b", "g2"]),
        generator_fuel=("generator", ["gas", "none", "coal"]),
    )
    res.attrs.update(input_dataset=str(tmp_path), year=2030)
    t = provenance_table({"integrated": res})
    df = t.df
    assert df.loc["THA", "capacity [GW]"] == pytest.approx(0.26)
    assert df.loc["THA", "capacity sourced [%]"] == pytest.approx(round(100 * 200 / 260, 1))
    assert df.loc["THA", "capacity planned [%]"] == pytest.approx(round(100 * 40 / 260, 1))
    assert df.loc["THA", "capacity assumption [%]"] == pytest.approx(round(100 * 20 / 260, 1))
    assert df.loc["LAO", "capacity derived [%]"] == 100.0
    g = res["generation_twh"].values
    assumed = 100 * g[1] / 3 / (g[0] + g[1])
    assert df.loc["THA", "generation assumption [%]"] == pytest.approx(round(assumed, 1))
    assert df.loc["LAO", "fuel price assumption [%]"] == 100.0
    assert df.loc["THA", "fuel price sourced [%]"] == 100.0
    tables, _ = build_sections({"integration": cmp}, {"integrated": res}, ["A"], "01-01", tmp_path)
    text = " ".join(f.text for f in summarise(tables, {}))
    assert (
        "variable fuel cost resting on fuel_prices.csv rows that are our own assumption: "
        "LAO 100.0 %" in text
    )


def test_a_rewritten_report_keeps_only_its_own_files(written, tmp_path):
    _, _, results, cmp, _, _ = written
    write_report(tmp_path, {"integration": cmp}, results, "first", dispatch_nodes=["A"])
    one = {"integrated": results["integrated"]}
    paths = write_report(tmp_path, {"all": ag.compare(one)}, one, "again", dispatch_nodes=["A"])
    html = paths["html"].read_text()
    pngs = sorted((tmp_path / "figures").glob("*.png"))
    assert pngs and html.count("data:image/png;base64,") == len(pngs)
    assert not any(p.name.startswith("integration") for p in (tmp_path / "tables").iterdir())

"""End to end on a small dataset: run file -> scenarios -> comparison -> report; and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

import aseangrid as ag
from aseangrid.runner import load_results, run
from test_io import write_tiny


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e")
    data = write_tiny(folder / "tiny")
    rf = folder / "demo.yaml"
    rf.write_text(
        textwrap.dedent(f"""
        description: Does the tiny link lower cost and emissions?
        defaults: {{dataset: {data}, year: 2030, hours: 336}}
        scenarios:
          integrated: {{}}
          isolated: {{topology: isolated}}
          capped: {{carbon_caps: {{ASEAN: {{countries: ASEAN, mt: 0.5}}}}}}
        core: [integrated, isolated]
        comparisons:
          integration: {{reference: isolated, scenarios: [integrated]}}
          cap: {{reference: integrated, scenarios: [capped]}}
        report: {{dispatch_nodes: [X1], dispatch_week_start: "01-03"}}
    """)
    )
    lines: list[str] = []
    out = run(rf, jobs=1, progress=lines.append)
    return rf, out, lines


def test_run_writes_results_comparison_and_report(finished_run):
    rf, out, lines = finished_run
    assert out == rf.with_suffix("")
    for p in (
        "integrated/results.nc",
        "isolated/results.nc",
        "integration/comparison.nc",
        "report.html",
        "report.md",
        "run.yaml",
        "log.json",
        "integrated/summary_country.csv",
    ):
        assert (out / p).is_file(), p
    assert not (out / "capped").exists()  # not in core
    assert not (out / "cap").exists()  # its scenarios did not all run
    html = (out / "report.html").read_text()
    for piece in (
        "Summary of findings",
        "Method and assumptions",
        "Headline",
        "CO2 emissions by country",
        "Trade per corridor",
        "data:image/png;base64",
        "Dispatch, X1",
        "Grid map",
    ):
        assert piece in html, piece
    md = (out / "report.md").read_text()
    assert "| scenario |" in md and "figures/integration-emissions.png" in md
    # the log names the run by the id the report prints
    rid = json.loads((out / "log.json").read_text())["run_id"]
    assert len(rid) == 12 and rid in html
    assert (out / "figures" / "integration-emissions.svg").is_file()
    assert (out / "report.xlsx").is_file() and (out / "tables" / "integration-cost.csv").is_file()
    assert any("solved" in x for x in lines) and any("report" in x for x in lines)


def test_run_results_are_consistent(finished_run):
    _, out, _ = finished_run
    integ = load_results(out / "integrated")
    iso = load_results(out / "isolated")
    assert integ.attrs["objective_usd"] <= iso.attrs["objective_usd"] * (1 + 1e-9)
    cmp = load_results(out / "integration" / "comparison.nc")
    assert float(cmp["delta_total_cost_usd"].sel(scenario="integrated")) <= 1e-6
    for s in ("integrated", "isolated"):
        c = cmp.sel(scenario=s)
        assert float(c["emissions_consumption_t"].sum()) == pytest.approx(
            float(c["emissions_production_t"].sum()), rel=1e-6
        )


def test_existing_output_is_kept_without_overwrite(finished_run):
    rf, out, _ = finished_run
    before = (out / "report.html").read_bytes()
    with pytest.raises(ag.OutputError):
        run(rf, jobs=1)
    assert (out / "report.html").read_bytes() == before


def test_run_a_named_scenario_and_all(tmp_path, finished_run):
    rf, _, _ = finished_run
    out = run(rf, scenarios=["capped"], out=tmp_path / "one", jobs=1)
    assert (out / "capped" / "results.nc").is_file()
    with pytest.raises(ag.InputError):
        run(rf, scenarios=["nope"], out=tmp_path / "two", jobs=1)
    assert not (tmp_path / "two").exists()


def cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "aseangrid.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def test_cli_exit_codes_and_messages(tmp_path, finished_run):
    rf, out, _ = finished_run
    data = out.parent / "tiny"
    r = cli("validate", str(data), "--year", "2030")
    assert r.returncode == 0 and "ok" in r.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"defaults: {{dataset: {data}}}\nscenarios: {{a: {{yeer: 2030}}}}\n")
    r = cli("run", str(bad))
    assert r.returncode == 2
    assert "did you mean 'year'" in r.stderr and "Traceback" not in r.stderr
    r = cli("run", str(rf))  # exists, no --overwrite
    assert r.returncode == 5 and "already exists" in r.stderr
    r = cli("info", str(data), "--year", "2030")
    assert r.returncode == 0 and "THA" in r.stdout
    r = cli(
        "compare",
        str(out / "integrated"),
        str(out / "isolated"),
        "--reference",
        "isolated",
        "--out",
        str(tmp_path / "c.nc"),
    )
    assert r.returncode == 0 and (tmp_path / "c.nc").is_file(), r.stderr
    r = cli("report", str(out))
    assert r.returncode == 0, r.stderr


def test_cap_sweep_runs_in_one_live_session(tmp_path):
    """Scenarios that differ only in cap values are solved in one session (built once,
    warm-started) and give the same optima as independent solves."""
    import json

    from aseangrid.scenario import load_run, load_scenario

    data = write_tiny(tmp_path / "tiny")
    rf = tmp_path / "sweep.yaml"
    rf.write_text(
        textwrap.dedent(f"""
        defaults: {{dataset: {data}, year: 2030, hours: 168}}
        scenarios:
          cap-5: {{carbon_caps: {{ASEAN: {{countries: ASEAN, mt: 5.0}}}}}}
          cap-0.02: {{carbon_caps: {{ASEAN: {{countries: ASEAN, mt: 0.02}}}}}}
          cap-0.01: {{carbon_caps: {{ASEAN: {{countries: ASEAN, mt: 0.01}}}}}}
          uncapped: {{}}
    """)
    )
    lines: list[str] = []
    out = run(rf, jobs=2, progress=lines.append)
    assert any("one live session" in x for x in lines)
    log = {s["name"]: s for s in json.loads((out / "log.json").read_text())["scenarios"]}
    assert sum(s["warm_start"] for s in log.values()) == 2
    _, scen = load_run(rf)
    for name in ("cap-5", "cap-0.02", "cap-0.01", "uncapped"):
        cold = ag.solve(load_scenario(scen[name]))
        assert log[name]["objective_usd"] == pytest.approx(cold.attrs["objective_usd"], rel=1e-7), (
            name
        )

"""Fault injection: one fault at a time, run through the command line as a user would.

For every fault: the exit code of its class, a message naming the file, line or timestamp,
field, offending value and what was expected (or, for solve faults, the node, hour and
constraint family), no Python traceback, no new results folder, and the earlier results
byte-identical. The table of faults, exit codes and messages is in docs/robustness.md.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from test_io import edit, write_tiny

RUN = textwrap.dedent("""
    description: fault-injection base case
    defaults: {{dataset: {data}, year: 2030, hours: 48}}
    scenarios:
      integrated: {{}}
      isolated: {{topology: isolated}}
    comparisons:
      main: {{reference: isolated, scenarios: [integrated]}}
""")


def cli(*args, cwd: Path, env: dict | None = None, timeout: float = 300):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "aseangrid.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env=e,
    )


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A good dataset, a good run file and an earlier finished run of it."""
    root = tmp_path_factory.mktemp("faults")
    data = write_tiny(root / "data")
    (root / "runs").mkdir()
    rf = root / "runs" / "demo.yaml"
    rf.write_text(RUN.format(data=data))
    r = cli("run", rf, "--jobs", "1", cwd=root)
    assert r.returncode == 0, r.stderr
    return root


@pytest.fixture()
def case(base, tmp_path):
    """A fresh copy of the dataset and run file; the earlier run folder is shared (read-only)."""
    data = tmp_path / "data"
    shutil.copytree(base / "data", data)
    rf = tmp_path / "demo.yaml"
    rf.write_text(RUN.format(data=data))
    return {
        "root": base,
        "data": data,
        "rf": rf,
        "earlier": base / "runs" / "demo",
        "digest": digest(base / "runs" / "demo"),
        "tmp": tmp_path,
    }


def run_fault(case, *extra, expect_code: int, pieces: list[str], env=None, args=None):
    """Run the case against the earlier results folder with --overwrite and check the rules."""
    args = args or ["run", case["rf"], "--jobs", "1", "--out", case["earlier"], "--overwrite"]
    r = cli(*args, *extra, cwd=case["tmp"], env=env)
    msg = r.stderr
    assert r.returncode == expect_code, (r.returncode, msg[-2000:])
    for p in pieces:
        assert p in msg, (p, msg[-2000:])
    assert "Traceback" not in msg
    assert digest(case["earlier"]) == case["digest"], "earlier results changed"
    leftovers = [p.name for p in case["earlier"].parent.iterdir() if p.name.startswith(".demo")]
    assert not leftovers, leftovers
    return msg


def table(path, fn):
    return lambda c: edit(c["data"], path, fn)


def series(name, fn):
    return lambda c: edit(c["data"], f"profiles/{name}.csv", fn)


def run_text(old, new):
    def mutate(c):
        c["rf"].write_text(c["rf"].read_text().replace(old, new))

    return mutate


G, L, S, D, P, N = (
    "generators.csv",
    "links.csv",
    "storage.csv",
    "demand.csv",
    "policies.csv",
    "nodes.csv",
)

INPUT_FAULTS = {
    # missing files, columns, keys
    "missing file": (lambda c: (c["data"] / G).unlink(), ["generators.csv", "exist"]),
    "missing column": (
        table(G, lambda d: d.drop(columns="status")),
        ["generators.csv", "status", "missing"],
    ),
    "misspelled column": (
        table(G, lambda d: d.rename(columns={"capacity_mw": "capacty_mw"})),
        ["generators.csv", "capacty_mw", "did you mean 'capacity_mw'"],
    ),
    # non-numbers, blanks, NaN, infinities, absurd magnitudes
    "non-number": (
        table(G, lambda d: d.assign(capacity_mw=d.capacity_mw.where(d.index != 1, "1,500"))),
        ["generators.csv, line 3", "capacity_mw", "'1,500'", "a number"],
    ),
    "blank cell": (
        table(S, lambda d: d.assign(power_mw="")),
        ["storage.csv, line 2", "power_mw", "expected a value"],
    ),
    "NaN cell": (
        table(L, lambda d: d.assign(loss_fraction="NaN")),
        ["links.csv, line 2", "loss_fraction", "expected a value"],
    ),
    "infinity": (
        table(D, lambda d: d.assign(demand_twh=d.demand_twh.where(d.index != 2, "inf"))),
        ["demand.csv, line 4", "demand_twh", "'inf'", "finite"],
    ),
    "absurd magnitude 1e15": (
        table(G, lambda d: d.assign(capacity_mw=d.capacity_mw.where(d.index != 0, "1e15"))),
        ["generators.csv, line 2", "capacity_mw", "'1e15'", "between"],
    ),
    # out of physical range, min above max
    "efficiency above 1": (
        table(G, lambda d: d.assign(efficiency=d.efficiency.where(d.index != 0, "1.6"))),
        ["generators.csv, line 2", "efficiency", "'1.6'", "between"],
    ),
    "negative price": (
        table(
            "fuel_prices.csv",
            lambda d: d.assign(price_usd_per_gj=d.price_usd_per_gj.where(d.index != 0, "-3")),
        ),
        ["fuel_prices.csv, line 2", "price_usd_per_gj", "'-3'"],
    ),
    "retirement before commissioning": (
        table(G, lambda d: d.assign(retire_year=d.retire_year.where(d.index != 3, "2020"))),
        ["generators.csv, line 5", "retire_year", "after commission_year"],
    ),
    # duplicates, dangling references
    "duplicate id": (
        table(L, lambda d: pd.concat([d, d])),
        ["links.csv, line 3", "link", "unique"],
    ),
    "dangling node": (
        table(S, lambda d: d.assign(node="X9")),
        ["storage.csv, line 2", "node", "'X9'", "did you mean 'X1'"],
    ),
    "unknown technology": (
        table(G, lambda d: d.assign(technology=d.technology.where(d.index != 1, "solar"))),
        ["generators.csv, line 3", "technology", "'solar'"],
    ),
    "unknown country": (
        table(N, lambda d: d.assign(country=d.country.where(d.index != 0, "TH"))),
        ["nodes.csv, line 2", "country", "'TH'"],
    ),
    # broken time axes
    "series too short": (
        series("wind_onshore", lambda d: d.iloc[:8000]),
        ["wind_onshore.csv", "8000 rows", "8760"],
    ),
    "series with a gap": (
        series("demand_shape", lambda d: d.drop(index=[500, 501])),
        ["demand_shape.csv", "hour", "500"],
    ),
    "duplicate hour": (
        series("solar_pv", lambda d: d.assign(hour=d.hour.where(d.index != 9, "8"))),
        ["solar_pv.csv", "duplicate hour"],
    ),
    "timestamps instead of hours": (
        series(
            "solar_pv",
            lambda d: d.assign(
                hour=pd.date_range(
                    "2030-01-01", periods=len(d), freq="h", tz="Asia/Bangkok"
                ).astype(str)
            ),
        ),
        ["solar_pv.csv", "hour", "an hour number"],
    ),
    "blank in series": (
        series("hydro_inflow", lambda d: d.assign(Y1=d.Y1.where(d.index != 40, ""))),
        ["hydro_inflow.csv", "Y1", "hour 40", "finite"],
    ),
    "NaN in series": (
        series("demand_shape", lambda d: d.assign(X1=d.X1.where(d.index != 7, "nan"))),
        ["demand_shape.csv", "X1", "hour 7", "finite"],
    ),
    "capacity factor above 1": (
        series("solar_pv", lambda d: d.assign(X1=d.X1.where(d.index != 12, "1.4"))),
        ["solar_pv.csv", "X1", "'1.4'", "between 0 and 1"],
    ),
    # unit mix-ups caught by magnitude
    "demand in GWh": (
        table(D, lambda d: d.assign(demand_twh=d.demand_twh.where(d.index != 1, "876"))),
        ["demand.csv, line 3", "peak_mw", "load factor", "TWh vs GWh"],
    ),
    "storage MW and MWh swapped": (
        table(S, lambda d: d.assign(power_mw="400", energy_mwh="1")),
        ["storage.csv, line 2", "energy_mwh", "MW and MWh"],
    ),
    "renewable share in percent": (
        table(P, lambda d: d.assign(value=d.value.where(d.index != 2, "30"))),
        ["policies.csv, line 4", "value", "fraction"],
    ),
    # self-loops, zero-capacity links
    "self-loop": (
        table(L, lambda d: d.assign(node_to=d.node_from)),
        ["links.csv, line 2", "node_to", "itself"],
    ),
    # scenario faults
    "misspelled scenario key": (
        run_text("hours: 48", "hours: 48, topolgy: isolated"),
        ["demo.yaml", "topolgy", "did you mean 'topology'"],
    ),
    "wrong type": (run_text("year: 2030", "year: soon"), ["demo.yaml", "year", "integer"]),
    "unknown comparison scenario": (
        run_text("reference: isolated", "reference: islanded"),
        ["demo.yaml", "comparisons.main", "'islanded'", "did you mean 'isolated'"],
    ),
    "contradictory options": (
        run_text(
            "isolated: {topology: isolated}",
            "isolated: {topology: isolated, contracts: {k: {seller: Y1, buyer: X1, "
            "path: [Y1, X1], mw: 10}}}",
        ),
        ["demo.yaml", "impossible combination"],
    ),
    "unsafe scenario name": (
        run_text("isolated: {topology", "../escape: {topology"),
        ["demo.yaml", "'../escape'", "folder name"],
    ),
    "YAML syntax error": (run_text("scenarios:", "scenarios: ["), ["demo.yaml", "yaml"]),
    "YAML object construction": (
        run_text(
            "description: fault-injection base case",
            "description: !!python/object/apply:os.system [ls]",
        ),
        ["demo.yaml", "yaml"],
    ),
}


@pytest.mark.parametrize("name", list(INPUT_FAULTS))
def test_input_fault(case, name):
    mutate, pieces = INPUT_FAULTS[name]
    mutate(case)
    msg = run_fault(case, expect_code=2, pieces=pieces)
    assert msg.count("\n") <= 3, msg  # one problem, one line (plus progress lines)


def test_unknown_scenario_name(case):
    run_fault(case, "-s", "nope", expect_code=2, pieces=["scenarios", "'nope'", "one of"])


def test_existing_results_without_overwrite(case):
    r = cli("run", case["rf"], "--jobs", "1", "--out", case["earlier"], cwd=case["tmp"])
    assert r.returncode == 5 and "already exists" in r.stderr and "--overwrite" in r.stderr
    assert digest(case["earlier"]) == case["digest"]


def test_unwritable_output_location(case):
    blocker = case["tmp"] / "a-file"
    blocker.write_text("x")
    r = cli("run", case["rf"], "--jobs", "1", "--out", blocker / "run", cwd=case["tmp"])
    assert r.returncode == 5 and "cannot create" in r.stderr and "Traceback" not in r.stderr


def test_infeasible_is_diagnosed_in_model_terms(case):
    run_text(
        "isolated: {topology: isolated}",
        "isolated: {topology: isolated, unserved_energy: false, demand_scale: 3}",
    )(case)
    msg = run_fault(
        case,
        expect_code=3,
        pieces=[
            "infeasible",
            "X1's balance at",
            "local capacity",
            "import limit",
            "< demand",
            "unserved_energy: true",
        ],
    )
    notes = list(case["earlier"].parent.glob("demo.isolated.infeasible.txt"))
    assert notes and "cannot be met" in notes[0].read_text()
    notes[0].unlink()
    assert "details:" in msg


def test_infeasible_cap_is_diagnosed(case):
    run_text(
        "isolated: {topology: isolated}",
        "isolated: {topology: isolated, policy_slack: false, carbon_caps: "
        "{ASEAN: {countries: ASEAN, mt: 0.0}}}",
    )(case)
    edit(
        case["data"],
        G,
        lambda d: d.assign(must_run_share=d.must_run_share.where(d.generator != "X1_gas", "0.5")),
    )
    run_fault(case, expect_code=3, pieces=["infeasible", "carbon cap 'ASEAN'"])
    for p in case["earlier"].parent.glob("demo.isolated.infeasible.txt"):
        p.unlink()


def test_time_limit_has_its_own_exit_code(case):
    run_text("hours: 48", "hours: 8760, solver: {time_limit_s: 1.0e-9}")(case)
    run_fault(case, expect_code=7, pieces=["time limit", "time_limit_s"])


def test_badly_scaled_but_valid_data_solves_with_a_warning(case, tmp_path):
    edit(
        case["data"],
        "technologies.csv",
        lambda d: d.assign(
            vom_usd_per_mwh=d.vom_usd_per_mwh.where(d.technology != "solar_pv", "1e-8")
        ),
    )
    r = cli("run", case["rf"], "--jobs", "1", "--out", tmp_path / "scaled", cwd=case["tmp"])
    assert r.returncode == 0, r.stderr[-1500:]
    assert "badly scaled" in r.stderr


def test_solver_missing(case, tmp_path):
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "highspy.py").write_text("raise ImportError('highspy was removed for this test')\n")
    env = {"PYTHONPATH": os.pathsep.join([str(fake), os.environ.get("PYTHONPATH", "")])}
    run_fault(case, expect_code=10, pieces=["highspy", "pip install"], env=env)


def _interrupt(case, sig, wait_for: str, delay: float):
    """Start a long run, wait for a progress line, send a signal, check nothing is lost."""
    shipped = Path(__file__).resolve().parents[1] / "inputs" / "asean"
    case["rf"].write_text(
        textwrap.dedent(f"""
        defaults: {{dataset: {shipped}, year: 2024, hours: 8760}}
        scenarios: {{a: {{}}}}
    """)
    )
    p = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aseangrid.cli",
            "run",
            str(case["rf"]),
            "--jobs",
            "1",
            "--out",
            str(case["earlier"]),
            "--overwrite",
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=case["tmp"],
    )
    buf = ""
    t0 = time.time()
    while wait_for not in buf and time.time() - t0 < 120:
        line = p.stderr.readline()
        if not line:
            break
        buf += line
    time.sleep(delay)
    p.send_signal(sig)
    _out, err = p.communicate(timeout=120)
    err = buf + err
    assert p.returncode == 130, (p.returncode, err[-1500:])
    assert "Traceback" not in err and "nothing was written" in err
    assert digest(case["earlier"]) == case["digest"]
    assert not [q for q in case["earlier"].parent.iterdir() if q.name.startswith(".demo")]


def test_sigint_during_solve(case):
    _interrupt(case, signal.SIGINT, "loading, building", delay=6.0)


def test_sigterm_during_solve(case):
    _interrupt(case, signal.SIGTERM, "loading, building", delay=6.0)


def test_interrupt_while_writing_leaves_nothing(case, monkeypatch):
    import importlib

    from aseangrid import runner

    report = importlib.import_module("aseangrid.report")  # ag.report is the function

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "write_report", boom)
    with pytest.raises(KeyboardInterrupt):
        runner.run(case["rf"], out=case["earlier"], overwrite=True, jobs=1)
    assert digest(case["earlier"]) == case["digest"]
    assert not [q for q in case["earlier"].parent.iterdir() if q.name.startswith(".demo")]


def test_full_disk_while_writing(case, monkeypatch):
    import errno

    import xarray as xr

    from aseangrid import OutputError, runner

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", full)
    with pytest.raises(OutputError) as e:
        runner.run(case["rf"], out=case["earlier"], overwrite=True, jobs=1)
    assert "No space left" in str(e.value)
    assert digest(case["earlier"]) == case["digest"]
    assert not [q for q in case["earlier"].parent.iterdir() if q.name.startswith(".demo")]


def test_stale_temporary_folders_are_cleaned(case):
    stale = case["earlier"].parent / ".demo.stale123"
    stale.mkdir()
    (stale / ".pid").write_text("999999999")
    from aseangrid import runner

    out = runner.run(case["rf"], out=case["tmp"] / "elsewhere" / "demo", jobs=1)
    assert out.is_dir()
    from aseangrid.results.folders import clean_stale

    clean_stale(case["earlier"])
    assert not stale.exists()


@pytest.mark.parametrize(
    "run_file,pieces",
    [
        (
            "infeasible-cambodia-islanded",
            ["KH's balance at", "local capacity", "import limit 0.00 GW", "< demand"],
        ),
        ("infeasible-tight-cap", ["carbon cap 'ASEAN' of 1 MtCO2", "nodal_balance"]),
    ],
)
def test_shipped_infeasible_examples_are_diagnosed(run_file, pieces, tmp_path):
    from aseangrid import SolveError, runner

    rf = Path(__file__).resolve().parents[1] / "runs" / f"{run_file}.yaml"
    with pytest.raises(SolveError) as e:
        runner.run(rf, out=tmp_path / run_file, jobs=1)
    assert e.value.exit_code == 3
    text = str(e.value) + "\n".join(e.value.diagnosis)
    for p in pieces:
        assert p in text, (p, text[:1500])
    assert not (tmp_path / run_file).exists()
    notes = list(tmp_path.glob(f"{run_file}.*.infeasible.txt"))
    assert notes and "way out" in notes[0].read_text()


# ---------------------------------------------------------------------------------------
# Faults of the outside campaign (issue 12): data loss, silent answers, tracebacks, processes

RUN_FAULTS = {
    "negative carbon price": (
        run_text("hours: 48", "hours: 48, carbon_price_usd_per_t: {THA: -5}"),
        ["carbon_price_usd_per_t.THA", "'-5'", "greater than or equal to 0"],
    ),
    "carbon price 1e16 in a sweep": (
        run_text(
            "isolated: {topology: isolated}",
            "isolated: {carbon_price_usd_per_t: {THA: 1.0e16}}\n"
            "  cheap: {carbon_price_usd_per_t: {THA: 5}}",
        ),
        ["carbon_price_usd_per_t.THA", "less than or equal to 10000"],
    ),
    "negative link capacity in a sweep": (
        run_text(
            "isolated: {topology: isolated}",
            "isolated: {link_capacity_mw: {Y1-X1: -100}}\n  wide: {link_capacity_mw: {Y1-X1: 900}}",
        ),
        ["link_capacity_mw.Y1-X1", "'-100'"],
    ),
    "negative coal limit": (
        run_text("hours: 48", "hours: 48, coal_generation_max_twh: {LAO: -1}"),
        ["coal_generation_max_twh.LAO", "'-1'"],
    ),
    "negative contract volume": (
        run_text(
            "isolated: {topology: isolated}",
            "isolated: {contracts: {k: {seller: Y1, buyer: X1, path: [Y1, X1], mw: -10}}}",
        ),
        ["contracts.k.mw", "'-10'"],
    ),
    "NaN in a run file": (
        run_text("hours: 48", "hours: 48, carbon_price_usd_per_t: {THA: .nan}"),
        ["carbon_price_usd_per_t.THA", "finite number"],
    ),
    "infinity in a run file": (
        run_text("hours: 48", "hours: 48, link_capacity_mw: {Y1-X1: .inf}"),
        ["link_capacity_mw.Y1-X1", "finite number"],
    ),
    "duplicate YAML key": (
        run_text("integrated: {}", "integrated: {}\n  integrated: {topology: isolated}"),
        ["demo.yaml, line", "key 'integrated' is given twice"],
    ),
    "no scenarios": (
        lambda c: c["rf"].write_text(f"defaults: {{dataset: {c['data']}}}\nscenarios: {{}}\n"),
        ["scenarios", "at least 1 item"],
    ),
    "link override of a link not in service that year": (
        lambda c: (
            edit(c["data"], L, lambda d: d.assign(commission_year="2035")),
            run_text("hours: 48", "hours: 48, link_capacity_mw: {Y1-X1: 100}")(c),
        ),
        ["link_capacity_mw", "Y1-X1", "in operation in 2030", "from 2035"],
    ),
    "impossible dispatch date": (
        run_text("comparisons:", "report: {dispatch_week_start: '02-30'}\ncomparisons:"),
        ["dispatch_week_start", "'02-30'", "MM-DD"],
    ),
    "report node that does not exist": (
        run_text("comparisons:", "report: {dispatch_nodes: [X1, ZZ]}\ncomparisons:"),
        ["report.dispatch_nodes", "'ZZ'", "a node of the run"],
    ),
    "scenario named like a report file": (
        run_text("isolated: {topology", "report.html: {topology"),
        ["scenarios", "'report.html'", "run folder's own files"],
    ),
    "profile column for a node that does not exist": (
        series("solar_pv", lambda d: d.assign(Z9=d.X1)),
        ["profiles/solar_pv.csv, line 1", "Z9", "a column per node"],
    ),
    "profile with a node column twice": (
        lambda c: (c["data"] / "profiles" / "wind_onshore.csv").write_text(
            (c["data"] / "profiles" / "wind_onshore.csv")
            .read_text()
            .replace("hour,X1,Y1", "hour,X1,X1", 1)
        ),
        ["wind_onshore.csv, line 1", "X1", "twice"],
    ),
    "misspelt table file": (
        lambda c: (c["data"] / "storage.csv").rename(c["data"] / "storge.csv"),
        ["storge.csv", "did you mean 'storage.csv'"],
    ),
    "semicolon-separated table": (
        table(N, lambda d: d),
        [],
    ),
    "n/a in a required cell is echoed as typed": (
        table(S, lambda d: d.assign(power_mw="n/a")),
        ["storage.csv, line 2", "power_mw", "'n/a'"],
    ),
}


def _semicolons(c):
    p = c["data"] / N
    p.write_text(p.read_text().replace(",", ";"))


RUN_FAULTS["semicolon-separated table"] = (
    _semicolons,
    ["nodes.csv, line 1", "the separator is ';'"],
)


@pytest.mark.parametrize("name", list(RUN_FAULTS))
def test_run_fault(case, name):
    mutate, pieces = RUN_FAULTS[name]
    mutate(case)
    run_fault(case, expect_code=2, pieces=pieces)


def test_line_numbers_survive_blank_lines(case):
    p = case["data"] / G
    lines = p.read_text().splitlines()
    lines.insert(2, "")  # a blank line after the first fleet row
    lines[3] = lines[3].replace("500.0", "lots", 1)  # the solar row, now on line 4
    p.write_text("\n".join(lines) + "\n")
    run_fault(case, expect_code=2, pieces=["generators.csv, line 4", "'lots'"])


def test_must_run_infeasibility_says_must_run(case):
    edit(
        case["data"],
        G,
        lambda d: d.assign(must_run_share=d.must_run_share.where(d.generator != "X1_gas", "1")),
    )
    edit(case["data"], L, lambda d: d.assign(capacity_forward_mw="0", capacity_backward_mw="0"))
    edit(case["data"], S, lambda d: d.assign(power_mw="1", energy_mwh="4"))
    msg = run_fault(case, expect_code=3, pieces=["must-run output at X1", "must_run_share"])
    for p in case["earlier"].parent.glob("demo.*.infeasible.txt"):
        p.unlink()
    assert "infeasible" in msg


def test_the_same_scenario_twice_is_refused_before_solving(case):
    run_fault(
        case,
        "-s",
        "integrated",
        "-s",
        "integrated",
        expect_code=2,
        pieces=["'integrated'", "each scenario once"],
    )


@pytest.mark.parametrize("hours", ["-8736", "9000"])
def test_bad_hours_are_refused(case, hours):
    r = cli("run", case["rf"], "--hours", hours, "--out", case["tmp"] / "x", cwd=case["tmp"])
    assert r.returncode == 2 and "Traceback" not in r.stderr and "--hours" in r.stderr
    r = cli("solve", case["data"], "--year", "2030", "--hours", hours, cwd=case["tmp"])
    assert r.returncode == 2 and "Traceback" not in r.stderr and "--hours" in r.stderr
    assert not (case["tmp"] / "x").exists()


# --- data loss --------------------------------------------------------------------------


def test_a_run_file_named_after_its_dataset_never_replaces_the_dataset(case):
    """data.yaml beside data/: the default output path is the dataset folder."""
    rf = case["tmp"] / "data.yaml"
    rf.write_text(RUN.format(data="data"))
    before = digest(case["data"])
    r = cli("run", rf, "--jobs", "1", "--overwrite", cwd=case["tmp"])
    assert r.returncode == 5, r.stderr[-800:]
    assert "not an aseangrid results folder" in r.stderr or "input" in r.stderr
    assert "Traceback" not in r.stderr
    assert digest(case["data"]) == before


def test_a_run_file_without_extension_is_not_replaced_by_its_results(case):
    rf = case["tmp"] / "demo"
    rf.write_text(case["rf"].read_text())
    r = cli("run", rf, "--jobs", "1", "--overwrite", cwd=case["tmp"])
    assert r.returncode == 0, r.stderr[-800:]
    assert rf.is_file() and (case["tmp"] / "demo.results" / "report.html").is_file()


def test_a_users_folder_is_never_replaced(case):
    mine = case["tmp"] / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("five years of work")
    r = cli("run", case["rf"], "--jobs", "1", "--out", mine, "--overwrite", cwd=case["tmp"])
    assert r.returncode == 5 and "not an aseangrid results folder" in r.stderr
    assert (mine / "thesis.tex").read_text() == "five years of work"
    assert sorted(p.name for p in mine.iterdir()) == ["thesis.tex"]
    r = cli(
        "solve",
        case["data"],
        "--year",
        "2030",
        "--hours",
        "24",
        "--out",
        case["data"],
        "--overwrite",
        cwd=case["tmp"],
    )
    assert r.returncode == 5 and "input" in r.stderr


def test_out_dot_is_refused_and_leaves_nothing(case):
    before = sorted(p.name for p in case["tmp"].iterdir())
    r = cli("run", case["rf"], "--jobs", "1", "--out", ".", "--overwrite", cwd=case["tmp"])
    assert r.returncode == 5 and "working folder" in r.stderr
    assert sorted(p.name for p in case["tmp"].iterdir()) == before


def test_a_second_writer_is_refused(case):
    target = case["tmp"] / "shared"
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (case["tmp"] / ".shared.lock").write_text(str(holder.pid))
        r = cli("run", case["rf"], "--jobs", "1", "--out", target, cwd=case["tmp"])
        assert r.returncode == 5 and "another aseangrid process" in r.stderr
        assert not target.exists()
    finally:
        holder.kill()
        holder.wait()
    # the lock of a process that is gone is cleared by the next writer
    r = cli("run", case["rf"], "--jobs", "1", "--out", target, cwd=case["tmp"])
    assert r.returncode == 0 and target.is_dir()
    assert not (case["tmp"] / ".shared.lock").exists()


def test_not_enough_disk_is_found_before_writing(case, monkeypatch):
    import shutil as sh
    from collections import namedtuple

    from aseangrid import OutputError, runner
    from aseangrid.results import folders

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(folders.shutil, "disk_usage", lambda p: usage(10**9, 10**9, 1000))
    with pytest.raises(OutputError, match="not enough free disk space"):
        ag_write = __import__("aseangrid").write_results
        ag_write(
            __import__("aseangrid").load_results(case["earlier"] / "integrated"), case["tmp"] / "r"
        )
    assert not (case["tmp"] / "r").exists() and not list(case["tmp"].glob(".r.*"))
    assert sh is not None and runner is not None


# --- silent answers made loud -----------------------------------------------------------


def test_a_breached_cap_warns_and_strict_fails(case):
    run_text(
        "hours: 48",
        "hours: 48, carbon_caps: {ASEAN: {countries: ASEAN, mt: 0.5}}, "
        "value_of_lost_load_usd_per_mwh: 50000",
    )(case)
    out = case["tmp"] / "loud"
    r = cli("run", case["rf"], "--jobs", "1", "--out", out, cwd=case["tmp"])
    assert r.returncode == 0, r.stderr[-800:]
    assert "WARNING" in r.stderr and "carbon cap ASEAN missed by" in r.stderr
    html = (out / "report.html").read_text()
    assert "Read first" in html and "carbon cap ASEAN missed" in html
    msg = run_fault(case, "--strict", expect_code=11, pieces=["strict run", "carbon cap ASEAN"])
    assert "missed" in msg


# --- results folders: report and compare ------------------------------------------------


def test_report_on_a_truncated_results_file(case):
    copy = case["tmp"] / "copy"
    shutil.copytree(case["earlier"], copy)
    p = copy / "integrated" / "results.nc"
    p.write_bytes(p.read_bytes()[:2000])
    r = cli("report", copy, cwd=case["tmp"])
    assert r.returncode == 2 and "results.nc" in r.stderr and "Traceback" not in r.stderr


def test_report_on_a_run_with_a_scenario_missing(case):
    copy = case["tmp"] / "copy"
    shutil.copytree(case["earlier"], copy)
    shutil.rmtree(copy / "isolated")
    r = cli("report", copy, cwd=case["tmp"])
    assert r.returncode == 2 and "isolated" in r.stderr and "every scenario" in r.stderr


def test_report_on_a_moved_run_folder(case):
    moved = case["tmp"] / "elsewhere" / "moved"
    shutil.copytree(case["earlier"], moved)
    shutil.rmtree(case["data"])  # the dataset is not needed to rewrite a report
    r = cli("report", moved, cwd=case["tmp"])
    assert r.returncode == 0, r.stderr[-800:]


def test_compare_faults(case):
    r = cli("compare", case["tmp"] / "nope", case["earlier"] / "integrated", cwd=case["tmp"])
    assert r.returncode == 2 and "nope" in r.stderr and "Traceback" not in r.stderr
    out = case["tmp"] / "cmp.nc"
    out.write_text("keep me")
    r = cli(
        "compare",
        case["earlier"] / "integrated",
        case["earlier"] / "isolated",
        "--out",
        out,
        cwd=case["tmp"],
    )
    assert r.returncode == 5 and "--overwrite" in r.stderr and out.read_text() == "keep me"


def test_comparing_different_horizons_is_refused(case):
    short = case["tmp"] / "short"
    r = cli(
        "run",
        case["rf"],
        "--jobs",
        "1",
        "--out",
        short,
        "--hours",
        "24",
        "-s",
        "isolated",
        cwd=case["tmp"],
    )
    assert r.returncode == 0, r.stderr[-800:]
    r = cli(
        "compare",
        short / "isolated",
        case["earlier"] / "integrated",
        "--out",
        case["tmp"] / "c.nc",
        cwd=case["tmp"],
    )
    assert r.returncode == 2 and "horizon" in r.stderr


# --- processes --------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        f = task / "children"
        if f.exists():
            out += [int(x) for x in f.read_text().split()]
    return out


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_solver_workers_die_with_a_killed_run(case):
    shipped = Path(__file__).resolve().parents[1] / "inputs" / "asean"
    case["rf"].write_text(
        textwrap.dedent(f"""
        defaults: {{dataset: {shipped}, year: 2024, hours: 4380}}
        scenarios: {{a: {{}}, b: {{topology: isolated}}}}
    """)
    )
    p = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aseangrid.cli",
            "run",
            str(case["rf"]),
            "--jobs",
            "2",
            "--out",
            str(case["tmp"] / "k"),
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=case["tmp"],
    )
    workers: list[int] = []
    t0 = time.time()
    while time.time() - t0 < 120 and len(workers) < 2:
        time.sleep(0.5)
        workers = [c for c in _children(p.pid) if Path(f"/proc/{c}").exists()]
    assert len(workers) >= 2, "workers did not start"
    time.sleep(3)
    p.kill()
    p.wait()
    t1 = time.time()
    while time.time() - t1 < 15 and any(Path(f"/proc/{w}").exists() for w in workers):
        time.sleep(0.5)
    alive = [
        w
        for w in workers
        if Path(f"/proc/{w}").exists() and "Z" not in Path(f"/proc/{w}/stat").read_text().split()[2]
    ]
    assert not alive, f"workers still running after the run was killed: {alive}"
    # and the next run clears what the killed one left
    from aseangrid.results.folders import clean_stale

    clean_stale(case["tmp"] / "k")
    assert not list(case["tmp"].glob(".k.*"))

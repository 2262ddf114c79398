"""The ``aseangrid`` command line: thin over the Python API.

Exit codes: 0 success, 2 bad input, 3 solver did not prove optimality, 4 verification failed,
5 results could not be written, 130 interrupted.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .data import schema as sc
from .errors import AseangridError, OutputError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Hourly dispatch of the ASEAN power system (Pyomo + HiGHS).",
)
console = Console(stderr=True)


def _fail(exc: BaseException, debug: bool) -> None:
    if debug:
        raise exc
    if isinstance(exc, AseangridError):
        console.print(
            f"error ({type(exc).__name__}): {exc}",
            style="red",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(exc.exit_code)
    if isinstance(exc, KeyboardInterrupt):
        console.print("[bold red]interrupted[/]: nothing was written")
        raise typer.Exit(130)
    raise exc


@app.command()
def validate(
    path: Path = typer.Argument(Path("inputs/asean"), help="Dataset folder."),
    year: int = typer.Option(sc.BASE_YEAR, help="Model year to check."),
    hydrology: str = typer.Option("normal", help="normal or dry."),
    debug: bool = typer.Option(False, help="Show Python tracebacks."),
) -> None:
    """Check a dataset for one year without solving; list every problem found."""
    from .data import load_inputs

    try:
        ds = load_inputs(path, year=year, hydrology=hydrology)
    except (AseangridError, KeyboardInterrupt) as exc:
        _fail(exc, debug)
    console.print(
        f"[green]ok[/]: {path} for {year}: {ds.sizes['node']} nodes, "
        f"{ds.sizes['generator']} generators, {ds.sizes['storage']} storage units, "
        f"{ds.sizes['link']} links, {ds.sizes['time']} hours"
    )


@app.command()
def info(
    path: Path = typer.Argument(Path("inputs/asean"), help="Dataset folder."),
    year: int = typer.Option(sc.BASE_YEAR, help="Model year."),
    debug: bool = typer.Option(False, help="Show Python tracebacks."),
) -> None:
    """Show what a dataset holds for one year: demand, capacity by technology, links."""
    from .data import load_inputs

    try:
        ds = load_inputs(path, year=year)
    except (AseangridError, KeyboardInterrupt) as exc:
        _fail(exc, debug)
    out = Console()
    cap = pd.DataFrame(
        {
            "country": ds["generator_country"].values,
            "technology": ds["generator_technology"].values,
            "mw": ds["capacity_mw"].values,
        }
    ).pivot_table(index="country", columns="technology", values="mw", aggfunc="sum", fill_value=0)
    dem = pd.Series(ds["demand_twh"].values, index=ds["node_country"].values).groupby(level=0).sum()
    t = Table(title=f"{path} — {year}: installed capacity [GW] and demand [TWh]")
    t.add_column("country")
    for c in cap.columns:
        t.add_column(c, justify="right")
    t.add_column("demand TWh", justify="right")
    for country, row in cap.iterrows():
        t.add_row(country, *[f"{v / 1e3:.2f}" for v in row], f"{dem.get(country, 0):.1f}")
    out.print(t)
    cross = ds["link_cross_border"].values.astype(bool)
    out.print(
        f"{ds.sizes['node']} nodes, {ds.sizes['link']} links ({int(cross.sum())} cross-border, "
        f"{int((~cross).sum())} domestic), {ds.sizes['storage']} storage units, "
        f"{ds.sizes['time']} hours"
    )


@app.command()
def solve(
    path: Path = typer.Argument(Path("inputs/asean"), help="Dataset folder."),
    year: int = typer.Option(sc.BASE_YEAR, help="Model year (chooses demand, fleet, grid)."),
    hydrology: str = typer.Option("normal", help="normal or dry hydro inflows."),
    out: Path = typer.Option(None, help="Results folder (default runs/<dataset>-<year>)."),
    overwrite: bool = typer.Option(False, help="Replace an earlier aseangrid results folder."),
    hours: int = typer.Option(
        0, min=0, max=8760, help="Solve only the first N hours (0: the whole year)."
    ),
    voll: float = typer.Option(5000.0, help="Value of lost load [USD/MWh]."),
    isolated: bool = typer.Option(False, help="No cross-border trade (domestic links kept)."),
    unserved_energy: bool = typer.Option(
        True, "--unserved-energy/--no-unserved-energy", help="Allow unserved energy at VoLL."
    ),
    policy_slack: bool = typer.Option(
        True, "--policy-slack/--no-policy-slack", help="Allow policy shortfalls at a penalty."
    ),
    strict: bool = typer.Option(
        False, help="A missed policy or unserved energy is an error (exit code 11)."
    ),
    exact: bool = typer.Option(
        False, help="One exact LP (default: a full year is decomposed, with a certified gap)."
    ),
    method: str = typer.Option(
        "simplex",
        help="HiGHS method: simplex, ipm (IPX), hipo (needs highspy-extras), pdlp or choose.",
    ),
    solver: str = typer.Option("highs", help="highs (direct) or pyomo:<name>."),
    crossover: bool = typer.Option(False, help="Run crossover after the interior point."),
    threads: int = typer.Option(0, min=0, help="HiGHS threads (0: let HiGHS decide)."),
    time_limit: float = typer.Option(0.0, min=0.0, help="Solver time limit in seconds (0: none)."),
    log: bool = typer.Option(False, help="Show the HiGHS log."),
    debug: bool = typer.Option(False, help="Show Python tracebacks."),
) -> None:
    """Solve the hourly dispatch of one year and write results (NetCDF + CSV tables)."""
    from .formulation import Options
    from .results.folders import check_target
    from .results.store import write_results
    from .solve import SolverOptions

    out = out or Path("runs") / f"{Path(path).name}-{year}{'-isolated' if isolated else ''}"
    t0 = time.perf_counter()
    try:
        check_target(out, overwrite, protect=[path])
        so = SolverOptions(
            solver=solver,
            method=method,
            crossover=crossover,
            threads=threads or None,
            time_limit_s=time_limit or None,
            log=log,
        )
        ds = _load_for_solve(path, year, hydrology, voll, hours, isolated, t0)
        opts = Options(unserved_energy=unserved_energy, policy_slack=policy_slack)
        res = _solve_and_say(ds, opts, so, strict, exact)
        with console.status(f"writing {out}"):
            write_results(res, out, overwrite=overwrite, protect=(path,))
    except (AseangridError, KeyboardInterrupt) as exc:
        _fail(exc, debug)
    _print_summary(res, out, time.perf_counter() - t0)


def _load_for_solve(path, year, hydrology, voll, hours, isolated, t0):
    from .data import load_inputs
    from .scenario import isolate

    with console.status(f"loading {path} for {year}"):
        ds = load_inputs(path, year=year, hydrology=hydrology, value_of_lost_load_usd_per_mwh=voll)
    _print_defaults(ds)
    if hours:
        ds = ds.isel(time=slice(0, hours))
    if isolated:
        ds = isolate(ds)
    console.print(
        f"[green]loaded[/] {ds.sizes['node']} nodes, {ds.sizes['generator']} generators, "
        f"{ds.sizes['link']} links, {ds.sizes['time']} hours ({time.perf_counter() - t0:.1f} s)"
    )
    return ds


def _solve_and_say(ds, opts, so, strict: bool, exact: bool):
    from .pipeline import solve as _solve
    from .progress import Heartbeat

    with console.status("building, solving and verifying") as status:
        if console.is_terminal:  # the spinner's line changes every 2 s
            show, every = status.update, 2.0
        else:  # a log: one line every 10 s
            show, every = (lambda line: console.print(line, markup=False, highlight=False)), 10.0
        with Heartbeat(show, "solving", every), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = _solve(
                ds, opts, solver_options=so, strict=strict, method="monolithic" if exact else "auto"
            )
    _print_warnings(caught)
    if str(res.attrs.get("decomposition", "")).startswith("decomposed"):
        console.print(
            f"[green]decomposed[/]: lower bound {res.attrs['lower_bound_usd'] / 1e9:.4f} bn USD, "
            f"certified gap {res.attrs['certified_gap_excl_penalties']:.3%} of the cost without "
            "policy penalties (--exact for the monolithic LP)"
        )
    console.print(
        f"[green]solved[/] build {res.attrs['time_build_s']:.1f} s, hand-over "
        f"{res.attrs['time_compile_s'] + res.attrs['time_handover_s']:.1f} s, solve "
        f"{res.attrs['time_solve_s']:.1f} s, verified ({res.attrs.get('time_verify_s', 0):.1f} s)"
    )
    return res


def _print_warnings(caught) -> None:
    """Warnings of a solve, one line each (policy breaches, unserved energy, scaling)."""
    for w in caught:
        console.print(
            f"WARNING ({w.category.__name__}): {w.message}",
            style="yellow",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def _print_defaults(ds) -> None:
    """Say which optional tables or profiles a small dataset left out and what they mean."""
    for note in str(ds.attrs.get("defaulted", "")).split("; "):
        if note:
            console.print(f"[dim]default[/]: {escape(note)}")


def _print_summary(res, out: Path, seconds: float) -> None:
    from .results.summary import summary_tables

    table = summary_tables(res)["summary_country"]
    t = Table(
        title=f"{res.attrs.get('year')} — total cost {res.attrs['objective_usd'] / 1e9:.2f} bn USD"
    )
    t.add_column("country")
    for c in table.columns:
        t.add_column(c, justify="right")
    for country, row in table.iterrows():
        t.add_row(country, *[f"{v:,.1f}" for v in row])
    Console().print(t)
    use = float(np.nansum(res["unserved_twh"].values))
    console.print(f"unserved energy {use:.3f} TWh; results in {out} ({seconds:.0f} s in all)")


@app.command()
def run(
    run_file: Path = typer.Argument(..., help="Run file (YAML), e.g. runs/ltms.yaml."),
    scenario: list[str] = typer.Option(
        None, "--scenario", "-s", help="Run only this scenario (repeatable)."
    ),
    all_scenarios: bool = typer.Option(
        False, "--all", help="Run every scenario, not only the file's core."
    ),
    out: Path = typer.Option(None, help="Output folder (default: beside the run file)."),
    overwrite: bool = typer.Option(
        False, help="Replace an earlier aseangrid results folder (never anything else)."
    ),
    jobs: int = typer.Option(2, min=1, max=64, help="Scenarios solved side by side."),
    hours: int = typer.Option(
        0, min=0, max=8760, help="Solve only the first N hours (0: the whole year)."
    ),
    strict: bool = typer.Option(
        None, "--strict/--no-strict", help="Missed policies or unserved energy are errors."
    ),
    exact: bool = typer.Option(
        False, help="Solve each scenario as one exact LP (default: decomposed full years)."
    ),
    debug: bool = typer.Option(False, help="Show Python tracebacks."),
) -> None:
    """Run a run file: solve its scenarios, compare them and write the report."""
    from .runner import run as _run

    t0 = time.perf_counter()

    def say(msg: str) -> None:
        console.print(f"[dim]{time.perf_counter() - t0:6.0f} s[/] {msg}")

    try:
        folder = _run(
            run_file,
            scenarios=scenario or None,
            all_scenarios=all_scenarios,
            out=out,
            overwrite=overwrite,
            jobs=jobs,
            hours=hours or None,
            progress=say,
            strict=strict,
            exact=exact,
        )
    except (AseangridError, KeyboardInterrupt) as exc:
        _fail(exc, debug)
    _print_headlines(folder)


@app.command()
def ensemble(
    ensemble_file: Path = typer.Argument(
        ..., help="Ensemble file (YAML), e.g. runs/ensemble-hydro-carbon.yaml."
    ),
    scheduler: str = typer.Option(
        None, help="Address of a running Dask scheduler (default: a local cluster)."
    ),
    workers: int = typer.Option(0, help="Local workers (0: one per core)."),
    memory_limit: str = typer.Option("auto", help="Memory limit per local worker, e.g. 6GB."),
    out: Path = typer.Option(None, help="Output folder (default: beside the ensemble file)."),
    hours: int = typer.Option(
        0, min=0, max=8760, help="Solve only the first N hours (0: the file's horizon)."
    ),
    warm_start: bool = typer.Option(
        None, "--warm-start/--no-warm-start", help="Share a session across cap sweeps."
    ),
    resume: bool = typer.Option(
        True, "--resume/--no-resume", help="Skip scenarios already solved."
    ),
    sequential: bool = typer.Option(False, help="One after another in this process, no Dask."),
    combine: str = typer.Option(None, help="Combined Dataset: netcdf, zarr or none."),
    debug: bool = typer.Option(False, help="Show Python tracebacks."),
) -> None:
    """Solve an ensemble of scenarios in parallel on Dask; resume where a run stopped."""
    from .ensemble import ensemble as _ensemble

    t0 = time.perf_counter()

    def say(msg: str) -> None:
        console.print(f"[dim]{time.perf_counter() - t0:6.0f} s[/] {escape(msg)}")

    try:
        result = _ensemble(
            ensemble_file,
            out=out,
            scheduler=scheduler,
            workers=workers or None,
            memory_limit=memory_limit,
            hours=hours or None,
            warm_start=warm_start,
            resume=resume,
            sequential=sequential,
            combine=combine,
            progress=say,
        )
        result.raise_for_failures()
    except KeyboardInterrupt:
        console.print(
            "[bold red]interrupted[/]: the scenarios finished so far are kept; run the same "
            "command again to resume"
        )
        raise typer.Exit(130) from None
    except AseangridError as exc:
        _fail(exc, debug)


def _print_headlines(folder: Path) -> None:
    from .compare import headline
    from .results.store import read_results

    out = Console()
    for nc in sorted(folder.glob("*/comparison.nc")):
        cmp = read_results(nc)
        df = headline(cmp).T  # one row per metric reads well in a terminal
        t = Table(title=f"{nc.parent.name} (reference: {cmp.attrs.get('reference')})")
        t.add_column("metric")
        for c in df.columns:
            t.add_column(escape(str(c)), justify="right")
        for metric, row in df.iterrows():
            t.add_row(escape(str(metric)), *[f"{v:,.2f}" for v in row])
        out.print(t)
    out.print(f"report: {folder / 'report.html'} (and report.md)")


@app.command()
def compare(
    results: list[Path] = typer.Argument(..., help="Scenario results folders or files."),
    reference: str = typer.Option(None, help="Reference scenario (default: the first)."),
    out: Path = typer.Option(Path("comparison.nc"), help="Comparison NetCDF to write."),
    overwrite: bool = typer.Option(False, help="Replace an existing comparison file."),
    debug: bool = typer.Option(False, help="Show Python tracebacks."),
) -> None:
    """Compare solved scenarios (results folders) and print the headline table."""
    from .compare import compare as _compare
    from .compare import headline
    from .results.folders import atomic_file
    from .results.store import read_results, write_netcdf

    try:
        if Path(out).exists() and not overwrite:
            raise OutputError(f"{out} already exists; pass --overwrite to replace it")
        res = {
            Path(p).stem if Path(p).is_file() else Path(p).name: read_results(p) for p in results
        }
        cmp = _compare(res, reference=reference)
        atomic_file(out, overwrite, lambda tmp: write_netcdf(cmp, tmp))
    except (AseangridError, KeyboardInterrupt) as exc:
        _fail(exc, debug)
    Console().print(headline(cmp).to_string())
    console.print(f"written {out}")


@app.command()
def report(
    folder: Path = typer.Argument(..., help="Folder written by `aseangrid run`."),
    debug: bool = typer.Option(False, help="Show Python tracebacks."),
) -> None:
    """(Re)write the report of a finished run from its results and comparisons: report.html
    (self-contained), report.md, report.xlsx and tables/*.csv."""
    from .report.rewrite import reread_report

    try:
        paths = reread_report(folder)
    except (AseangridError, KeyboardInterrupt) as exc:
        _fail(exc, debug)
    console.print(
        f"written {paths['html']}, {paths['md']} and {paths.get('xlsx', '')} (tables/*.csv)"
    )


def main() -> None:  # pragma: no cover
    try:
        app()
    except KeyboardInterrupt:
        console.print("[bold red]interrupted[/]")
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()

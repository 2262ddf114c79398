"""The method section, generated from the results' own records: scenarios as run, how each was
solved and verified, and the versions and input hashes that make the numbers traceable to the
run's ``log.json``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr

from .fmt import Table


def scenario_spec(res: xr.Dataset) -> dict:
    """The scenario as run (the ``scenario`` attribute, a JSON record); empty if absent."""
    try:
        return json.loads(str(res.attrs.get("scenario", "")) or "{}")
    except ValueError:
        return {}


def _policy_text(spec: dict) -> str:
    parts = []
    for name, cap in (spec.get("carbon_caps") or {}).items():
        parts.append(f"carbon cap {name} {cap.get('mt')} Mt ({cap.get('countries')})")
    for c, p in (spec.get("carbon_price_usd_per_t") or {}).items():
        parts.append(f"carbon price {c} {p} USD/t")
    for c, v in (spec.get("renewable_share_min") or {}).items():
        parts.append(f"RE share {c} ≥ {v}")
    for c, v in (spec.get("coal_generation_max_twh") or {}).items():
        parts.append(f"coal {c} ≤ {v} TWh")
    if not spec.get("dataset_policies", True):
        parts.append("dataset policies off")
    else:
        parts.append("dataset policies (policies.csv)")
    return "; ".join(parts)


def _resolution(res: xr.Dataset, spec: dict) -> str:
    tr = spec.get("time_resolution") or {}
    if tr.get("representative_periods"):
        return f"{tr['representative_periods']} representative periods of {tr['period_hours']} h"
    w = res["time_weight_h"].values if "time_weight_h" in res else np.ones(res.sizes["time"])
    return "hourly" if np.allclose(w, 1.0) else f"weighted steps ({w.min():g}..{w.max():g} h)"


def scenarios_table(results: Mapping[str, xr.Dataset]) -> pd.DataFrame:
    """One row per scenario: year, horizon, resolution, topology, hydrology, policies, prices."""
    rows = []
    for s, r in results.items():
        spec = scenario_spec(r)
        t = pd.DatetimeIndex(r["time"].values)
        scales = spec.get("fuel_price_scale") or {}
        rows.append(
            {
                "scenario": s,
                "year": int(r.attrs.get("year", spec.get("year", t[0].year))),
                "horizon": f"{t[0]:%Y-%m-%d %H:%M} .. {t[-1]:%Y-%m-%d %H:%M}",
                "horizon [h]": float(r["time_weight_h"].sum())
                if "time_weight_h" in r
                else float(r.sizes["time"]),
                "resolution": _resolution(r, spec),
                "topology": spec.get("topology", ""),
                "hydrology": r.attrs.get("hydrology", spec.get("hydrology", "")),
                "policies": _policy_text(spec),
                "demand scale": spec.get("demand_scale", 1.0),
                "fuel price scale": ", ".join(f"{k} x{v}" for k, v in scales.items()) or "none",
                "value of lost load [USD/MWh]": float(r["value_of_lost_load_usd_per_mwh"]),
                "policy penalty [USD/MWh or t]": float(r["policy_penalty_usd"]),
                "nodes": r.sizes.get("node", 0),
                "generators": r.sizes.get("generator", 0),
                "links": r.sizes.get("link", 0),
            }
        )
    return pd.DataFrame(rows).set_index("scenario")


def _num(v: object) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def solve_table(results: Mapping[str, xr.Dataset]) -> pd.DataFrame:
    """One row per scenario: solver, status, method (monolithic or decomposed), objective,
    lower bound, certified gap, verification and timings."""
    rows = []
    for s, r in results.items():
        a = r.attrs
        dec = str(a.get("decomposition", "")) or "monolithic"
        rows.append(
            {
                "scenario": s,
                "solver": a.get("solver", ""),
                "status": a.get("solver_status", ""),
                "method": dec,
                "objective [bn USD]": _num(a.get("objective_usd")) / 1e9,
                "lower bound [bn USD]": _num(a.get("lower_bound_usd")) / 1e9,
                "certified gap [% of objective]": 100 * _num(a.get("certified_gap")),
                "certified gap [% of cost without penalties]": 100
                * _num(a.get("certified_gap_excl_penalties")),
                "verified against every row": bool(int(a.get("verified", 0))),
                "variables": int(_num(a.get("n_variables")) or 0),
                "constraints": int(_num(a.get("n_constraints")) or 0),
                "solve time [s]": _num(a.get("time_solve_s")),
                "note": str(a.get("decomposition_note", "")),
            }
        )
    return pd.DataFrame(rows).set_index("scenario")


def trace_table(results: Mapping[str, xr.Dataset]) -> pd.DataFrame:
    """Input dataset, its hash and the versions of each scenario (the same fields as the
    scenarios of ``log.json``)."""
    rows = [
        {
            "scenario": s,
            "input dataset": r.attrs.get("input_dataset", ""),
            "input hash": r.attrs.get("input_hash", ""),
            "versions": r.attrs.get("versions", ""),
        }
        for s, r in results.items()
    ]
    return pd.DataFrame(rows).set_index("scenario")


def run_id(results: Mapping[str, xr.Dataset], run_yaml: str = "") -> str:
    """A short fingerprint of the run: the run file's text, the scenario names and their
    input hashes (the same run of the same inputs gives the same id)."""
    h = hashlib.sha256(run_yaml.encode())
    for s, r in sorted(results.items()):
        h.update(f"{s}:{r.attrs.get('input_hash', '')};".encode())
    return h.hexdigest()[:12]


def method_tables(results: Mapping[str, xr.Dataset]) -> dict[str, Table]:
    """The method section's tables: ``scenarios``, ``solve`` and ``trace``."""
    src = "Source: the results' attributes (the same records as log.json)."
    return {
        "scenarios": Table(
            "method.scenarios",
            "Scenarios as run",
            scenarios_table(results),
            "Horizon, resolution, topology, hydrology and policies of each scenario as solved. "
            + src,
        ),
        "solve": Table(
            "method.solve",
            "How each scenario was solved",
            solve_table(results),
            "Decomposed solves: the coarse year's optimum is a lower bound and the stitched "
            "hourly solution an upper bound; their distance is the certified gap. Verified: "
            "the solution was checked against every row of the hourly LP. " + src,
        ),
        "trace": Table(
            "method.trace",
            "Inputs and versions",
            trace_table(results),
            "Input dataset, its hash and the package versions. " + src,
        ),
    }


def method_sentences(results: Mapping[str, xr.Dataset]) -> list[str]:
    """A few sentences that state what was solved and how (the tables give the details)."""
    if not results:
        return []
    first = next(iter(results.values()))
    n_nodes, n_links = first.sizes.get("node", 0), first.sizes.get("link", 0)
    hours = sorted({int(r.sizes["time"]) for r in results.values()})
    years = sorted({str(r.attrs.get("year", "")) for r in results.values()})
    dec = [s for s, r in results.items() if str(r.attrs.get("decomposition", "")).startswith("dec")]
    out = [
        f"Each scenario is a linear programme of least-cost hourly dispatch over {n_nodes} "
        f"nodes and {n_links} links (transport model with losses), solved with HiGHS; "
        f"year(s) {', '.join(years)}, horizon of {' / '.join(str(h) for h in hours)} time "
        "steps. Generators bid fuel and variable O&M plus any carbon price; unserved energy "
        "is bought at the value of lost load and a missed policy at the policy penalty.",
        "Nodal prices are the duals of the energy balances; consumption-based emissions trace "
        "each node's supply back to the generators that produced it.",
    ]
    if dec:
        out.append(
            f"{', '.join(dec)}: solved by decomposition (a coarse year in blocks gives a lower "
            "bound and fixes storage and reservoir levels at weekly boundaries; the weeks are "
            "solved and stitched into one hourly solution, verified against the full LP). The "
            "certified gap bounds how far the stitched cost can be from the optimum."
        )
    return out

"""Scenario and run files (YAML): typed, validated, and applied to an input Dataset.

A *run file* holds shared ``defaults``, named ``scenarios`` (each a set of overrides of the
defaults) and the ``comparisons`` between them. A scenario names the dataset and year and
changes the inputs by pure xarray transforms (:func:`apply`): grid topology (integrated,
isolated, existing links only, or a named set of cross-border links), link capacities, carbon
caps and prices, renewable targets, coal limits, demand and fuel-price scaling, hydrology, the
value of lost load, bilateral contracts along a path (e.g. LTMS) and solver settings.

Integrated versus isolated is data (cross-border capacities set to zero), not a second code
path.
"""

from __future__ import annotations

import copy
import difflib
import re
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

import numpy as np
import xarray as xr
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import schema as sc
from .errors import InputError, Problem

#: Allowed scenario and comparison names: they become folder names.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,80}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SolverSettings(_Strict):
    """HiGHS settings of a scenario (see :class:`aseangrid.SolverOptions`)."""

    method: Literal["ipm", "simplex", "pdlp", "choose"] = "simplex"
    crossover: bool = False
    threads: int | None = Field(None, ge=1, le=64)
    time_limit_s: float | None = Field(None, gt=0)


class CarbonCap(_Strict):
    """A CO2 cap on a group of countries (``ASEAN`` for all ten)."""

    countries: list[str] | Literal["ASEAN"]
    mt: float = Field(..., ge=0, le=5000, description="Annual cap [MtCO2].")

    @field_validator("countries")
    @classmethod
    def _known(cls, v):
        if isinstance(v, list):
            for c in v:
                if c not in sc.COUNTRIES:
                    raise ValueError(
                        f"unknown country {c!r}; expected ISO3 codes {', '.join(sc.COUNTRIES)}"
                    )
        return v


class Contract(_Strict):
    """A bilateral trade along a contract path (e.g. LTMS: Laos to Singapore via TH and MY).

    The seller's node sends ``mw / (1 - loss)``, the buyer's node receives ``mw`` in every
    hour (the volume profile); the path's links reserve the contract's peak MW in the
    direction of the path; each transit country is paid its wheeling charge per MWh delivered.
    """

    seller: str = Field(..., description="Node that sells (generates) the energy.")
    buyer: str = Field(..., description="Node that buys the energy.")
    path: list[str] = Field(..., min_length=2, description="Nodes from seller to buyer.")
    mw: float | None = Field(None, ge=0, description="Constant volume [MW].")
    monthly_mw: list[float] | None = Field(
        None, min_length=12, max_length=12, description="Volume per calendar month [MW]."
    )
    wheeling_usd_per_mwh: dict[str, float] = Field(
        default_factory=dict, description="Charge per MWh delivered, per transit country."
    )
    loss_fraction: float | None = Field(
        None, ge=0, le=0.3, description="Transit losses (default: the path links' losses)."
    )


def _known_countries(v):
    """Validator: every entry an ISO3 code of an ASEAN member (``ASEAN`` and None pass)."""
    if isinstance(v, list):
        for c in v:
            if c not in sc.COUNTRIES:
                raise ValueError(f"unknown country {c!r}; expected one of {sc.COUNTRIES}")
    return v


class Expansion(_Strict):
    """What the model may build and retire (capacity expansion; see docs/expansion.md)."""

    discount_rate: float = Field(
        0.10, ge=0, le=0.3, description="Real discount rate (default 10 %, see expansion.py)."
    )
    countries: list[str] | None = Field(
        None, description="Countries where capacity may be built (default: all modelled)."
    )
    technologies: list[str] | None = Field(
        None, description="Technologies that may be built (default: all in build_limits.csv)."
    )
    links: Literal["all", "none"] | list[str] = Field(
        "all", description="Candidate corridors that may be built."
    )
    retirements: list[Literal["age", "plan", "early_candidate"]] = Field(
        default_factory=lambda: ["age", "plan"],
        description="Kinds of retirements.csv rows applied.",
    )
    early_retirement: list[str] = Field(
        default_factory=list,
        description="Technologies whose existing plants may be retired early when it pays.",
    )
    no_new_coal_from: int | None = Field(
        None, description="First year without new coal or lignite builds (fleet rows stay)."
    )
    keep_adequacy_rows: bool = False

    _countries = field_validator("countries")(classmethod(lambda cls, v: _known_countries(v)))

    @field_validator("technologies", "early_retirement")
    @classmethod
    def _techs(cls, v):
        for k in v or []:
            if k not in sc.TECHNOLOGIES:
                close = difflib.get_close_matches(k, sc.TECHNOLOGIES, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ValueError(f"unknown technology {k!r}{hint}")
        return v


class PathwayCap(_Strict):
    """A CO2 cap that changes over a pathway: values by year, linear between them, held after
    the last one, none before the first."""

    countries: list[str] | Literal["ASEAN"]
    mt: dict[int, float] = Field(..., min_length=1, description="Cap by year [MtCO2].")

    _known = field_validator("countries")(classmethod(lambda cls, v: _known_countries(v)))


class Pathway(_Strict):
    """Model years solved one after another, each with what the earlier ones built (myopic)."""

    years: list[int] = Field(default_factory=lambda: [2030, 2035, 2040, 2045, 2050])
    foresight: Literal["myopic"] = "myopic"
    carbon_caps: dict[str, PathwayCap] = Field(
        default_factory=dict, description="Caps by year (they replace same-named caps)."
    )
    renewable_share_min: dict[str, dict[int, float]] = Field(
        default_factory=dict, description="Renewable share targets by country and year."
    )

    @field_validator("years")
    @classmethod
    def _years(cls, v):
        bad = [y for y in v if y not in sc.YEARS]
        if bad or not v:
            raise ValueError(f"years {bad or v} are not model years; expected some of {sc.YEARS}")
        if sorted(set(v)) != list(v):
            raise ValueError("years must be increasing and distinct")
        return v


class TimeResolution(_Strict):
    """Hourly (default) or representative periods linked through the year."""

    representative_periods: int | None = Field(
        None, ge=1, le=365, description="Number of typical periods (None: every hour)."
    )
    period_hours: int = Field(24, ge=1, le=8760, description="Length of a period [h].")
    method: Literal["hierarchical", "kmeans", "kmedoids", "averaging"] = "hierarchical"


class Scenario(_Strict):
    """One scenario: a dataset, a year and the overrides applied to it."""

    description: str = ""
    dataset: str = "inputs/asean"
    year: int = sc.BASE_YEAR
    hydrology: Literal["normal", "dry"] = "normal"
    topology: Literal["integrated", "isolated", "existing"] | list[str] = "integrated"
    link_capacity_mw: dict[str, float] = Field(default_factory=dict)
    dataset_policies: bool = True
    carbon_caps: dict[str, CarbonCap] = Field(default_factory=dict)
    carbon_price_usd_per_t: dict[str, float] = Field(default_factory=dict)
    renewable_share_min: dict[str, float | None] = Field(default_factory=dict)
    coal_capacity_max_mw: dict[str, float | None] = Field(default_factory=dict)
    coal_generation_max_twh: dict[str, float | None] = Field(default_factory=dict)
    demand_scale: float | dict[str, float] = 1.0
    fuel_price_scale: dict[str, float] = Field(default_factory=dict)
    value_of_lost_load_usd_per_mwh: float = Field(5000.0, gt=0, le=1e5)
    policy_penalty_usd: float = Field(5000.0, gt=0, le=1e6)
    contracts: dict[str, Contract] = Field(default_factory=dict)
    hours: int | None = Field(None, ge=1, le=sc.HOURS_PER_YEAR)
    ramping: bool = False
    unserved_energy: bool = True
    policy_slack: bool = True
    solver: SolverSettings = Field(default_factory=SolverSettings)
    countries: list[str] | None = Field(
        None, description="Model only these countries' nodes (default: all)."
    )
    expansion: Expansion | None = None
    pathway: Pathway | None = None
    time_resolution: TimeResolution = Field(default_factory=TimeResolution)

    _countries = field_validator("countries")(classmethod(lambda cls, v: _known_countries(v)))

    @field_validator("year")
    @classmethod
    def _year(cls, v):
        if v not in sc.YEARS:
            raise ValueError(f"year {v} is not a model year; expected one of {sc.YEARS}")
        return v


class Comparison(_Strict):
    """Scenarios compared against a reference."""

    reference: str
    scenarios: list[str]


class ReportSettings(_Strict):
    """What the report shows."""

    dispatch_week_start: str = "04-01"
    dispatch_nodes: list[str] = Field(default_factory=lambda: ["SG", "TH-C", "ID-JAMALI"])


class RunFile(_Strict):
    """A run file: defaults, scenarios and comparisons."""

    description: str = ""
    defaults: dict[str, Any] = Field(default_factory=dict)
    scenarios: dict[str, dict[str, Any]]
    comparisons: dict[str, Comparison] = Field(default_factory=dict)
    core: list[str] = Field(
        default_factory=list,
        description="Scenarios run by default (the rest with --all); empty: all.",
    )
    report: ReportSettings = Field(default_factory=ReportSettings)


def resolve_dataset(dataset: str, run_file: Path) -> Path | None:
    """Find a scenario's dataset folder: as given, beside the run file, or one level up."""
    p = Path(dataset)
    for cand in (p, run_file.parent / p, run_file.parent.parent / p):
        if cand.is_dir():
            return cand.resolve()
    return None


def _deep_merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in (over or {}).items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names allowed at a location of a pydantic error (for close-match hints)."""
    cur: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if isinstance(cur, type) and issubclass(cur, BaseModel) and part in cur.model_fields:
            ann = cur.model_fields[part].annotation
            args = getattr(ann, "__args__", ())
            nxt = [a for a in (ann, *args) if isinstance(a, type) and issubclass(a, BaseModel)]
            if not nxt:
                # dict[str, Model]
                for a in args:
                    for b in getattr(a, "__args__", ()):
                        if isinstance(b, type) and issubclass(b, BaseModel):
                            nxt = [b]
            if nxt:
                cur = nxt[0]
    if isinstance(cur, type) and issubclass(cur, BaseModel):
        return list(cur.model_fields)
    return []


def _problems(exc: ValidationError, file: str, prefix: str, model: type[BaseModel]):
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        field = ".".join(str(x) for x in (prefix, *loc) if x != "")
        val = err.get("input")
        sval = repr(val) if not isinstance(val, dict) else "{...}"
        if err["type"] == "extra_forbidden":
            opts = _fields_at(model, loc)
            close = difflib.get_close_matches(str(loc[-1]), opts, n=1, cutoff=0.5)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            out.append(
                Problem(
                    file, None, field, str(loc[-1]), f"a known key{hint}; known: {', '.join(opts)}"
                )
            )
        else:
            out.append(Problem(file, None, field, sval[:80], err["msg"]))
    return out


def load_run(path: str | Path) -> tuple[RunFile, dict[str, Scenario]]:
    """Read and validate a run file; return it and its fully resolved scenarios.

    Raises
    ------
    InputError
        Every problem found: unknown keys (with the closest known key), wrong types, unknown
        years, nodes, countries, links or scenario names, impossible combinations.
    """
    path = Path(path)
    fname = str(path)
    if not path.is_file():
        raise InputError(
            [Problem(fname, None, "(file)", fname, "an existing run file")], context="run file"
        )
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise InputError(
            [Problem(fname, line, "(yaml)", str(exc).splitlines()[0], "valid YAML")],
            context="run file",
        ) from None
    if not isinstance(raw, dict):
        raise InputError(
            [Problem(fname, None, "(file)", str(raw)[:40], "a mapping with 'scenarios'")],
            context="run file",
        )
    try:
        run = RunFile.model_validate(raw)
    except ValidationError as exc:
        raise InputError(_problems(exc, fname, "", RunFile), context="run file") from None
    problems: list[Problem] = []
    scenarios: dict[str, Scenario] = {}
    for kind, names in (("scenarios", run.scenarios), ("comparisons", run.comparisons)):
        for name in names:
            if not SAFE_NAME.fullmatch(str(name)) or ".." in str(name):
                problems.append(
                    Problem(
                        fname,
                        None,
                        kind,
                        str(name),
                        "a name of letters, digits, '.', '_' or '-' (it becomes a "
                        "folder name inside the run's folder)",
                    )
                )
    if problems:
        raise InputError(problems, context="run file")
    for name, over in run.scenarios.items():
        merged = _deep_merge(run.defaults, over or {})
        try:
            scenarios[name] = Scenario.model_validate(merged)
        except ValidationError as exc:
            problems += _problems(exc, fname, f"scenarios.{name}", Scenario)
    for name in run.core:
        if name not in run.scenarios:
            problems.append(Problem(fname, None, "core", name, "a scenario defined in this file"))
    for name, sc_ in list(scenarios.items()):
        found = resolve_dataset(sc_.dataset, path)
        if found is None:
            problems.append(
                Problem(
                    fname,
                    None,
                    f"scenarios.{name}.dataset",
                    sc_.dataset,
                    "an existing dataset folder (relative to the working directory or "
                    "the run file)",
                )
            )
            del scenarios[name]
        else:
            scenarios[name] = sc_.model_copy(update={"dataset": str(found)})
    for cname, comp in run.comparisons.items():
        for s in [comp.reference, *comp.scenarios]:
            if s not in run.scenarios:
                close = difflib.get_close_matches(s, list(run.scenarios), n=1, cutoff=0.5)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                problems.append(
                    Problem(
                        fname,
                        None,
                        f"comparisons.{cname}",
                        s,
                        f"a scenario defined in this file{hint}",
                    )
                )
    for name, s in scenarios.items():
        problems += check_scenario(s, fname, f"scenarios.{name}")
    if problems:
        raise InputError(problems, context="run file")
    return run, scenarios


def check_scenario(s: Scenario, file: str, where: str) -> list[Problem]:
    """Checks that need the dataset: nodes, countries and links that exist; combinations."""
    from .io import read_tables

    problems: list[Problem] = []
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
    links = tables.get("links")
    link_ids = set(links["link"]) if links is not None else set()

    def country_ok(key: str, c: str, allow_asean: bool = True) -> None:
        ok = c in sc.COUNTRIES or (allow_asean and c == sc.ASEAN)
        if not ok:
            close = difflib.get_close_matches(c, [*sc.COUNTRIES, sc.ASEAN], n=1, cutoff=0.5)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(Problem(file, None, f"{where}.{key}", c, f"an ISO3 country{hint}"))

    for c in s.carbon_price_usd_per_t:
        country_ok("carbon_price_usd_per_t", c)
    for key in ("renewable_share_min", "coal_capacity_max_mw", "coal_generation_max_twh"):
        for c in getattr(s, key):
            country_ok(key, c, allow_asean=False)
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
    if isinstance(s.demand_scale, dict):
        for c, v in s.demand_scale.items():
            country_ok("demand_scale", c, allow_asean=False)
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
    for lk in s.link_capacity_mw:
        if lk not in link_ids:
            close = difflib.get_close_matches(lk, sorted(link_ids), n=1, cutoff=0.5)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(
                Problem(file, None, f"{where}.link_capacity_mw", lk, f"a link of links.csv{hint}")
            )
    if isinstance(s.topology, list):
        for lk in s.topology:
            if lk not in link_ids:
                problems.append(Problem(file, None, f"{where}.topology", lk, "a link of links.csv"))
    for cname, c in s.contracts.items():
        w = f"{where}.contracts.{cname}"
        for n in (c.seller, c.buyer, *c.path):
            if n not in nodes:
                close = difflib.get_close_matches(n, sorted(nodes), n=1, cutoff=0.5)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
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
            problems.append(
                Problem(file, None, w, "mw/monthly_mw", "exactly one of mw or monthly_mw")
            )
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


# ----------------------------------------------------------------------------------------------
def _set_country(ds: xr.Dataset, var: str, values: dict[str, float | None]) -> None:
    arr = ds[var].values.copy()
    countries = ds["country"].values.tolist()
    for c, v in values.items():
        val = np.nan if v is None else float(v)
        if c == sc.ASEAN:
            arr[:] = val
        else:
            arr[countries.index(c)] = val
    ds[var] = (ds[var].dims, arr, ds[var].attrs)


def _path_links(ds: xr.Dataset, path: list[str]) -> list[tuple[int, bool]]:
    """Links along a node path: (link position, True if used forward), largest capacity."""
    out = []
    frm, to = ds["link_from"].values, ds["link_to"].values
    capf = ds["link_capacity_forward_mw"].values
    capb = ds["link_capacity_backward_mw"].values
    for a, b in pairwise(path):
        cands = [(i, True, capf[i]) for i in np.flatnonzero((frm == a) & (to == b))]
        cands += [(i, False, capb[i]) for i in np.flatnonzero((frm == b) & (to == a))]
        if not cands:
            raise InputError(
                [
                    Problem(
                        "(scenario)",
                        None,
                        "contracts.path",
                        f"{a}-{b}",
                        f"a link between {a} and {b} in {ds.attrs.get('year')}",
                    )
                ],
                context="scenario",
            )
        i, fwd, _ = max(cands, key=lambda x: x[2])
        out.append((int(i), fwd))
    return out


def apply(ds: xr.Dataset, s: Scenario) -> xr.Dataset:
    """Apply a scenario's overrides to an input Dataset (a new Dataset is returned).

    The Dataset must have been loaded for the scenario's year and hydrology
    (:func:`load_scenario` does both).
    """
    ds = ds.copy(deep=True)
    cross = ds["link_cross_border"].values.astype(bool)
    capf = ds["link_capacity_forward_mw"].values.copy()
    capb = ds["link_capacity_backward_mw"].values.copy()
    if s.topology == "isolated":
        capf[cross] = 0.0
        capb[cross] = 0.0
    elif s.topology == "existing":
        keep = ds["link_status"].values == "existing"
        capf[~keep] = 0.0
        capb[~keep] = 0.0
    elif isinstance(s.topology, list):
        keep = np.isin(ds["link"].values, s.topology) | ~cross
        capf[~keep] = 0.0
        capb[~keep] = 0.0
    links = ds["link"].values.tolist()
    orig_b = ds["link_capacity_backward_mw"].values
    for lk, v in s.link_capacity_mw.items():
        if lk in links:  # links of other years are absent in this year
            i = links.index(lk)
            capf[i] = v
            capb[i] = v if orig_b[i] > 0 else 0.0  # one-way links stay one-way
    ds["link_capacity_forward_mw"].values[:] = capf
    ds["link_capacity_backward_mw"].values[:] = capb

    if not s.dataset_policies:
        ds["carbon_price_usd_per_t"].values[:] = 0.0
        for v in ("renewable_share_min", "coal_generation_max_twh", "coal_capacity_max_mw"):
            ds[v].values[:] = np.nan
        ds = ds.isel(carbon_cap=slice(0, 0))
    _set_country(ds, "carbon_price_usd_per_t", s.carbon_price_usd_per_t)
    _set_country(ds, "renewable_share_min", s.renewable_share_min)
    _set_country(ds, "coal_capacity_max_mw", s.coal_capacity_max_mw)
    _set_country(ds, "coal_generation_max_twh", s.coal_generation_max_twh)
    if s.carbon_caps:
        countries = ds["country"].values.tolist()
        ids = [c for c in ds["carbon_cap"].values.tolist() if c not in s.carbon_caps]
        keep = ds.sel(carbon_cap=ids)
        new_ids = list(s.carbon_caps)
        mt = np.array([s.carbon_caps[k].mt for k in new_ids])
        mem = np.array(
            [
                [cap.countries == sc.ASEAN or c in cap.countries for c in countries]
                for cap in s.carbon_caps.values()
            ],
            bool,
        )
        add = xr.Dataset(
            {
                "carbon_cap_mt": (("carbon_cap",), mt, ds["carbon_cap_mt"].attrs),
                "carbon_cap_member": (
                    ("carbon_cap", "country"),
                    mem,
                    ds["carbon_cap_member"].attrs,
                ),
            },
            coords={"carbon_cap": new_ids, "country": countries},
        )
        merged = xr.concat([keep[["carbon_cap_mt", "carbon_cap_member"]], add], "carbon_cap")
        ds = ds.drop_vars(["carbon_cap_mt", "carbon_cap_member", "carbon_cap"]).merge(merged)
    # demand
    if isinstance(s.demand_scale, dict):
        f = np.array([s.demand_scale.get(c, 1.0) for c in ds["node_country"].values])
    else:
        f = np.full(ds.sizes["node"], float(s.demand_scale))
    ds["demand_mw"] = ds["demand_mw"] * f[None, :]
    ds["demand_twh"] = ds["demand_twh"] * f
    ds["peak_mw"] = ds["peak_mw"] * f
    # fuel prices
    if s.fuel_price_scale:
        fac = np.array([s.fuel_price_scale.get(fu, 1.0) for fu in ds["generator_fuel"].values])
        price = ds["fuel_price_usd_per_gj"].values * fac
        fuelled = ds["generator_fuel"].values != "none"
        heat = np.where(fuelled, 3.6 / ds["efficiency"].values, 0.0)
        ds["fuel_price_usd_per_gj"].values[:] = price
        ds["marginal_cost_usd_per_mwh"].values[:] = price * heat + ds["vom_usd_per_mwh"].values
    ds["value_of_lost_load_usd_per_mwh"] = ds["value_of_lost_load_usd_per_mwh"].copy(
        data=float(s.value_of_lost_load_usd_per_mwh)
    )
    ds["policy_penalty_usd"] = ds["policy_penalty_usd"].copy(data=float(s.policy_penalty_usd))
    if s.hours:
        ds = ds.isel(time=slice(0, s.hours))
    if s.contracts:
        ds = _add_contracts(ds, s)
    ds.attrs["scenario"] = s.model_dump_json()
    return ds


def _add_contracts(ds: xr.Dataset, s: Scenario) -> xr.Dataset:
    names = list(s.contracts)
    T = ds.sizes["time"]
    months = ds["time"].dt.month.values
    countries = ds["country"].values.tolist()
    mw = np.zeros((T, len(names)))
    loss = np.zeros(len(names))
    wheel = np.zeros((len(names), len(countries)))
    capf = ds["link_capacity_forward_mw"].values
    capb = ds["link_capacity_backward_mw"].values
    for k, name in enumerate(names):
        c = s.contracts[name]
        mw[:, k] = c.mw if c.mw is not None else np.asarray(c.monthly_mw)[months - 1]
        used = _path_links(ds, c.path)
        keep = 1.0
        peak = mw[:, k].max()
        for i, fwd in used:
            keep *= 1 - ds["link_loss_fraction"].values[i]
            cap = capf if fwd else capb
            if cap[i] + 1e-9 < peak:
                raise InputError(
                    [
                        Problem(
                            "(scenario)",
                            None,
                            f"contracts.{name}",
                            f"{peak:g} MW",
                            f"at most the {cap[i]:g} MW of link {ds['link'].values[i]} on the path",
                        )
                    ],
                    context="scenario",
                )
            cap[i] -= peak  # firm reservation of the contract's peak on the path
        loss[k] = c.loss_fraction if c.loss_fraction is not None else 1 - keep
        for country, charge in c.wheeling_usd_per_mwh.items():
            wheel[k, countries.index(country)] = charge
    ds = ds.assign_coords(
        contract=names,
        contract_seller=("contract", [s.contracts[n].seller for n in names]),
        contract_buyer=("contract", [s.contracts[n].buyer for n in names]),
        contract_path=("contract", ["-".join(s.contracts[n].path) for n in names]),
    )
    ds["contract_mw"] = (
        ("time", "contract"),
        mw,
        {"units": "MW", "description": "Contracted delivery to the buyer."},
    )
    ds["contract_loss_fraction"] = (
        ("contract",),
        loss,
        {"units": "1", "description": "Transit losses."},
    )
    ds["contract_wheeling_usd_per_mwh"] = (
        ("contract", "country"),
        wheel,
        {
            "units": "USD/MWh",
            "description": "Wheeling charge per MWh delivered, per transit country.",
        },
    )
    return ds


def _by_year(values: dict[int, float], year: int) -> float | None:
    ys = sorted(values)
    if year < ys[0]:
        return None
    return float(np.interp(year, ys, [values[y] for y in ys]))


def scenario_for_year(s: Scenario, year: int) -> Scenario:
    """The scenario of one pathway year: its year, and the pathway's caps and targets for it
    (linear between the years given, held after the last, none before the first)."""
    if s.pathway is None:
        return s
    caps = dict(s.carbon_caps)
    for name, c in s.pathway.carbon_caps.items():
        v = _by_year(c.mt, year)
        if v is not None:
            caps[name] = CarbonCap(countries=c.countries, mt=v)
    ren = dict(s.renewable_share_min)
    for country, by_year in s.pathway.renewable_share_min.items():
        v = _by_year(by_year, year)
        if v is not None:
            ren[country] = v
    return s.model_copy(update={"year": year, "carbon_caps": caps, "renewable_share_min": ren})


def expansion_spec(s: Scenario):
    """The :class:`aseangrid.expansion.ExpansionSpec` of a scenario (``None``: dispatch only)."""
    from .expansion import ExpansionSpec

    if s.expansion is None:
        return None
    e = s.expansion
    return ExpansionSpec(
        discount_rate=e.discount_rate,
        countries=tuple(e.countries) if e.countries is not None else None,
        technologies=tuple(e.technologies) if e.technologies is not None else None,
        links=e.links if isinstance(e.links, str) else tuple(e.links),
        retirements=tuple(e.retirements),
        early_retirement=tuple(e.early_retirement),
        no_new_coal_from=e.no_new_coal_from,
        keep_adequacy_rows=e.keep_adequacy_rows,
    )


def load_scenario(s: Scenario, year: int | None = None, state=None) -> xr.Dataset:
    """Load the dataset named by a scenario for its year and hydrology and apply it.

    Parameters
    ----------
    s
        The scenario.
    year
        Model year (default: the scenario's ``year``; a pathway passes each of its years).
    state
        :class:`aseangrid.expansion.PathwayState` of a pathway's earlier steps (expansion
        scenarios only; default: nothing built yet).
    """
    from . import expansion as ex
    from .io import load_inputs
    from .timeagg import representative_periods

    y = s.year if year is None else int(year)
    spec = expansion_spec(s)
    state = state if state is not None else ex.PathwayState()
    seen: dict = {}

    def edit(tables, yr):
        if s.countries:
            tables = ex.restrict_countries(tables, s.countries)
        if spec is not None:
            tables = ex.edit_tables(tables, yr, spec, state)
        seen["tables"] = tables
        return tables

    ds = load_inputs(
        Path(s.dataset),
        year=y,
        hydrology=s.hydrology,
        value_of_lost_load_usd_per_mwh=s.value_of_lost_load_usd_per_mwh,
        policy_penalty_usd=s.policy_penalty_usd,
        edit_tables=edit if (s.countries or spec is not None) else None,
    )
    if spec is not None:
        ds = ex.annotate(ds, seen["tables"], y, spec, state)
    ds = apply(ds, s)
    if spec is not None:
        _restrict_candidates(ds, s)
    tr = s.time_resolution
    if tr.representative_periods:
        ds = representative_periods(ds, tr.representative_periods, tr.period_hours, tr.method)
    return ds


def _restrict_candidates(ds: xr.Dataset, s: Scenario) -> None:
    """Candidate corridors follow the topology: none across borders when isolated, none at
    all for the existing grid, only the named ones for a list."""
    if "link_extendable" not in ds:
        return
    ext = ds["link_extendable"].values.copy()
    cross = ds["link_cross_border"].values.astype(bool)
    if s.topology == "isolated":
        ext &= ~cross
    elif s.topology == "existing":
        ext[:] = False
    elif isinstance(s.topology, list):
        ext &= np.isin(ds["link"].values, s.topology) | ~cross
    ds["link_extendable"].values[:] = ext

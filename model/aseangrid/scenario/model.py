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

import difflib
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..data import schema as sc

#: Allowed scenario and comparison names: they become folder names.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,80}")


class _Strict(BaseModel):
    # unknown keys are errors; NaN and infinity are never valid values of a run file
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


#: A non-negative number with an upper bound, for per-key values of a run file.
def _bounded(high: float, unit: str):
    return Annotated[float, Field(ge=0, le=high, description=f"[{unit}]")]


LinkMW = _bounded(1e5, "MW")
CarbonPrice = _bounded(1e4, "USD/tCO2")
CoalMW = _bounded(1e6, "MW")
CoalTWh = _bounded(5000, "TWh")
Share = Annotated[float, Field(ge=0, le=1)]
Factor = Annotated[float, Field(gt=0, le=20)]


class SolverSettings(_Strict):
    """Solver settings of a scenario (see :class:`aseangrid.SolverOptions`)."""

    solver: str = Field(
        "highs",
        pattern=r"^(highs|pyomo:[A-Za-z0-9_.]+)$",
        description="highs (the direct path) or pyomo:<name> for any Pyomo solver.",
    )
    method: Literal["ipm", "hipo", "simplex", "pdlp", "choose"] = "simplex"
    crossover: bool = False
    threads: int | None = Field(None, ge=1, le=64)
    time_limit_s: float | None = Field(None, gt=0)


class SolveMethod(_Strict):
    """How a horizon is solved (see :mod:`aseangrid.decompose`)."""

    method: Literal["auto", "decomposed", "monolithic"] = Field(
        "auto",
        description="auto: decomposed where the horizon allows it (hourly dispatch of two weeks "
        "or more, no ramping rows or extensions), else monolithic; monolithic: the exact LP.",
    )
    block_hours: int = Field(6, ge=1, le=168, description="Hours per step of the coarse year.")
    subhorizon_hours: int = Field(168, ge=24, le=4380, description="Hours per sub-horizon.")
    tolerance: float = Field(
        1e-3,
        gt=0,
        le=0.5,
        description="Certified gap accepted (share of the objective) before refining.",
    )
    tolerance_excl_penalties: float = Field(
        5e-3,
        gt=0,
        le=0.5,
        description="Certified gap accepted as a share of the system cost without policy "
        "penalties (both must hold).",
    )
    start: Literal["auto", "cold", "decomposed"] = Field(
        "auto",
        description="Where the exact (monolithic) LP starts: auto: from the stitched solution "
        "of one decomposition pass on horizons of a quarter or more (3.2x fewer simplex "
        "iterations measured on a quarter); cold; decomposed: from it wherever possible.",
    )
    workers: int | None = Field(
        None,
        ge=1,
        le=64,
        description="Processes solving sub-horizons (default: the cores "
        "left per scenario being solved).",
    )


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
    mw: float | None = Field(None, ge=0, le=1e5, description="Constant volume [MW].")
    monthly_mw: list[LinkMW] | None = Field(
        None, min_length=12, max_length=12, description="Volume per calendar month [MW]."
    )
    wheeling_usd_per_mwh: dict[str, Annotated[float, Field(ge=0, le=500)]] = Field(
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
    dispatch: Literal["same", "hourly"] = Field(
        "same",
        description="'same': build and dispatch in one LP on the scenario's time resolution; "
        "'hourly': build on the representative periods, then dispatch the builds over the full "
        "hourly year, topping up peaks the typical days missed (aseangrid.twostage).",
    )

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
    link_capacity_mw: dict[str, LinkMW] = Field(default_factory=dict)
    disconnected_countries: list[str] = Field(
        default_factory=list,
        description="Countries whose grids trade with no one (their cross-border links at "
        "zero, domestic links kept) on top of the topology: the regional market without "
        "them. Export-only nodes without load (LA-EGAT, LA-EVN, ID-RIAU, KH-SG, VN-SG: "
        "projects dedicated to a buyer abroad) keep their links.",
    )
    isolated_fallback: bool = Field(
        True,
        description="Offer the isolated-grid fallback capacity (generators.csv rows named "
        "*_isolated_fallback, inputs/README.md 'isolated grids'); false: the planned fleet "
        "alone (the dispatch-only comparison, where a grid short when cut off sheds load).",
    )
    dataset_policies: bool = True
    carbon_caps: dict[str, CarbonCap] = Field(default_factory=dict)
    carbon_price_usd_per_t: dict[str, CarbonPrice] = Field(default_factory=dict)
    renewable_share_min: dict[str, float | None] = Field(default_factory=dict)
    coal_capacity_max_mw: dict[str, CoalMW | None] = Field(default_factory=dict)
    coal_generation_max_twh: dict[str, CoalTWh | None] = Field(default_factory=dict)
    demand_scale: Factor | dict[str, Factor] = 1.0
    fuel_price_scale: dict[str, Annotated[float, Field(ge=0, le=20)]] = Field(default_factory=dict)
    value_of_lost_load_usd_per_mwh: float = Field(5000.0, gt=0, le=1e5)
    policy_penalty_usd: float = Field(5000.0, gt=0, le=1e6)
    contracts: dict[str, Contract] = Field(default_factory=dict)
    hours: int | None = Field(None, ge=1, le=sc.HOURS_PER_YEAR)
    ramping: bool = False
    unserved_energy: bool = True
    policy_slack: bool = True
    strict: bool = Field(
        False,
        description="A missed policy or unserved energy is an error (exit code 11), not a "
        "penalised solution with warnings.",
    )
    solver: SolverSettings = Field(default_factory=SolverSettings)
    solve: SolveMethod = Field(default_factory=SolveMethod)
    countries: list[str] | None = Field(
        None, description="Model only these countries' nodes (default: all)."
    )
    expansion: Expansion | None = None
    pathway: Pathway | None = None
    time_resolution: TimeResolution = Field(default_factory=TimeResolution)
    extensions: list[str] = Field(
        default_factory=list,
        description="User functions 'package.module:function' called with the labelled Pyomo "
        "model and the Dataset before solving (see docs/extending.md).",
    )

    _countries = field_validator("countries", "disconnected_countries")(
        classmethod(lambda cls, v: _known_countries(v))
    )

    @field_validator("renewable_share_min")
    @classmethod
    def _shares(cls, v):
        for c, x in v.items():
            if x is not None and not 0 <= x <= 1:
                raise ValueError(f"{c}: {x:g} is not a fraction between 0 and 1 (not a percentage)")
        return v

    @field_validator("year")
    @classmethod
    def _year(cls, v):
        if v not in sc.YEARS:
            raise ValueError(f"year {v} is not a model year; expected one of {sc.YEARS}")
        return v

    @model_validator(mode="after")
    def _two_stage(self):
        e = self.expansion
        if e is None or e.dispatch != "hourly":
            return self
        if self.pathway is not None:
            raise ValueError(
                "expansion.dispatch: hourly is for one model year; a pathway dispatches each "
                "year on its own time resolution (drop dispatch or the pathway)"
            )
        if not self.time_resolution.representative_periods:
            raise ValueError(
                "expansion.dispatch: hourly builds on representative periods: set "
                "time_resolution.representative_periods (e.g. 16)"
            )
        return self


class Comparison(_Strict):
    """Scenarios compared against a reference."""

    reference: str
    scenarios: list[str]


class ReportSettings(_Strict):
    """What the report shows."""

    dispatch_week_start: str = "04-01"
    dispatch_nodes: list[str] = Field(default_factory=lambda: ["SG", "TH-C", "ID-JAMALI"])

    @field_validator("dispatch_week_start")
    @classmethod
    def _day(cls, v):
        import datetime as _dt

        try:
            _dt.date.fromisoformat(f"2023-{v}")  # a non-leap year: model years have 365 days
        except ValueError:
            raise ValueError(
                f"{v!r} is not a day of a (non-leap) year as MM-DD, e.g. 04-01"
            ) from None
        return v


class RunFile(_Strict):
    """A run file: defaults, scenarios and comparisons."""

    description: str = ""
    defaults: dict[str, Any] = Field(default_factory=dict)
    scenarios: dict[str, dict[str, Any] | None] = Field(..., min_length=1)
    comparisons: dict[str, Comparison] = Field(default_factory=dict)
    core: list[str] = Field(
        default_factory=list,
        description="Scenarios run by default (the rest with --all); empty: all.",
    )
    report: ReportSettings = Field(default_factory=ReportSettings)

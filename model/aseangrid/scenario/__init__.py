"""Scenarios: run files (YAML) into typed scenarios, checks against their dataset, and the
transforms that turn an input Dataset into a scenario's Dataset."""

from .checks import check_scenario
from .load import expansion_spec, load_scenario, scenario_for_year
from .model import (
    SAFE_NAME,
    CarbonCap,
    Comparison,
    Contract,
    Expansion,
    Pathway,
    PathwayCap,
    ReportSettings,
    RunFile,
    Scenario,
    SolveMethod,
    SolverSettings,
    TimeResolution,
)
from .runfile import deep_merge, load_run, resolve_dataset, validation_problems
from .transforms import apply, isolate

__all__ = [
    "SAFE_NAME",
    "CarbonCap",
    "Comparison",
    "Contract",
    "Expansion",
    "Pathway",
    "PathwayCap",
    "ReportSettings",
    "RunFile",
    "Scenario",
    "SolveMethod",
    "SolverSettings",
    "TimeResolution",
    "apply",
    "check_scenario",
    "deep_merge",
    "expansion_spec",
    "isolate",
    "load_run",
    "load_scenario",
    "resolve_dataset",
    "scenario_for_year",
    "validation_problems",
]

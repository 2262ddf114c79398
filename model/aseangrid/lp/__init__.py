"""The LP kernel: blocks with labels, assembly into one matrix, number checks, residuals and
the labelled Pyomo model users extend. No energy knowledge lives here."""

from .assemble import (
    MAX_COEFFICIENT,
    MAX_COST,
    MAX_MAGNITUDE,
    NumberProblem,
    ScalingWarning,
    StandardForm,
    assemble,
    check_numbers,
    warn_scaling,
)
from .model import LinearProgram, RowBlock, Triplets, VarBlock, label_text
from .residuals import Residual, objective_value, residuals

__all__ = [
    "MAX_COEFFICIENT",
    "MAX_COST",
    "MAX_MAGNITUDE",
    "LinearProgram",
    "NumberProblem",
    "Residual",
    "RowBlock",
    "ScalingWarning",
    "StandardForm",
    "Triplets",
    "VarBlock",
    "assemble",
    "check_numbers",
    "label_text",
    "objective_value",
    "residuals",
    "warn_scaling",
]

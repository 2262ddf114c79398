"""Sampled parameters of an ensemble: their schema and their random or Latin-hypercube draws.

A ``sample`` block of an ensemble file gives a number of draws, a seed, a method and, per
parameter (a scenario key path), either a range ``[low, high]`` drawn uniformly or a list of
``choices`` drawn with equal probability. Draws are made on the unit hypercube, one dimension
per parameter in the order written, and mapped onto each parameter's range or choices:

- ``latin_hypercube``: :class:`scipy.stats.qmc.LatinHypercube` (scrambled, strength 1): each
  dimension is cut into ``size`` equal strata and exactly one draw falls in each; the strata
  are paired at random across parameters;
- ``random``: independent uniform draws (:meth:`numpy.random.Generator.random`).

Both are reproducible: the same seed gives the same draws.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy.stats import qmc


class SampledParameter(BaseModel):
    """One sampled parameter: uniform on ``[low, high]`` or drawn from ``choices``.

    Attributes
    ----------
    low, high
        Bounds of the range, in the unit of the scenario key (e.g. a scale factor, MtCO2).
    choices
        Values drawn with equal probability instead of a range.
    """

    model_config = ConfigDict(extra="forbid")

    low: float | None = None
    high: float | None = None
    choices: list[Any] | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _one_kind(self) -> SampledParameter:
        ranged = self.low is not None and self.high is not None
        if ranged == (self.choices is not None) or (self.low is None) != (self.high is None):
            raise ValueError("give either low and high, or choices")
        if ranged and not self.low <= self.high:
            raise ValueError(f"low {self.low} is above high {self.high}")
        return self


class Sample(BaseModel):
    """A sample of scenario parameters (the same draws at every grid point)."""

    model_config = ConfigDict(extra="forbid")

    size: int = Field(..., ge=1, le=100_000, description="Number of draws.")
    seed: int = Field(0, ge=0, description="Seed of the random generator (reproducible).")
    method: Literal["latin_hypercube", "random"] = "latin_hypercube"
    parameters: dict[str, SampledParameter] = Field(..., min_length=1)


def unit_draws(sample: Sample) -> np.ndarray:
    """Draws on the unit hypercube, reproducible from the sample's seed.

    Parameters
    ----------
    sample
        The sample: its size, seed, method and parameters (one dimension each).

    Returns
    -------
    numpy.ndarray
        Shape ``(size, number of parameters)``, values in ``[0, 1)`` [-].
    """
    rng = np.random.default_rng(sample.seed)
    d = len(sample.parameters)
    if sample.method == "random":
        return rng.random((sample.size, d))
    # ``seed=`` takes a Generator from scipy 1.11 on (``rng=`` only from 1.15)
    return qmc.LatinHypercube(d, scramble=True, seed=rng).random(sample.size)


def scaled(par: SampledParameter, u: np.ndarray) -> list[Any]:
    """Values of one parameter for unit draws ``u`` (in ``[0, 1)``).

    A range maps linearly onto ``[low, high]``; choices take ``floor(u * len(choices))``, so a
    Latin hypercube of ``size`` a multiple of the number of choices draws each equally often.
    """
    if par.choices is not None:
        idx = np.minimum((u * len(par.choices)).astype(int), len(par.choices) - 1)
        return [par.choices[i] for i in idx]
    return [min(float(par.low + x * (par.high - par.low)), par.high) for x in u]


def draw_sample(sample: Sample) -> list[dict[str, Any]]:
    """Draws of a sample: one dict (key path -> value) per draw, reproducible from the seed.

    Parameters
    ----------
    sample
        The ``sample`` block of an ensemble file.

    Returns
    -------
    list of dict
        ``size`` draws in order, each mapping every sampled key path to its value (a float
        within ``[low, high]``, or one of the choices).
    """
    u = unit_draws(sample)
    cols = {key: scaled(par, u[:, j]) for j, (key, par) in enumerate(sample.parameters.items())}
    return [{k: v[i] for k, v in cols.items()} for i in range(sample.size)]

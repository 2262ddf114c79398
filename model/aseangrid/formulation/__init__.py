"""The formulation: one small function per variable family or constraint, in one ordered registry.

Each function has the signature ``add_<thing>(lp, ds) -> None``: it reads the input Dataset
and the switches in ``lp.options`` and adds blocks to the :class:`~aseangrid.lp.LinearProgram`
``lp``; it returns early when its input is absent. Components that inject into or withdraw
from a node register a term with :func:`._util.inject`; the balance (added last but one) sums
them, so a new component never edits the balance. Costs are registered with ``lp.add_cost``.
:func:`build_lp` runs the registry.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..lp import LinearProgram
from .balance import add_nodal_balance
from .contracts import add_contracts
from .energy_limits import add_energy_limits
from .generation import (
    add_generation,
    add_generation_expansion,
    add_ramping,
    add_retirement,
)
from .hydro import add_hydro_reservoir
from .objective import COST_COMPONENTS, add_objective
from .policy import (
    add_carbon_cap,
    add_coal_capacity_max,
    add_coal_generation_max,
    add_renewable_share_min,
)
from .storage import add_storage
from .transmission import add_transmission, add_transmission_expansion
from .unserved import add_unserved_energy


@dataclass(frozen=True)
class Options:
    """Switches of the formulation (new options go here, never into signatures).

    Parameters
    ----------
    ramping
        Add hourly ramping limits for technologies whose ``ramp_per_hour`` < 1.
    unserved_energy
        Allow unserved energy at the value of lost load (otherwise shortfalls are infeasible).
    policy_slack
        Allow policy shortfalls at ``policy_penalty_usd`` (otherwise policies are hard).
    cyclic
        Storage and reservoir levels end the horizon where they started.
    """

    ramping: bool = False
    unserved_energy: bool = True
    policy_slack: bool = True
    cyclic: bool = True


#: The order in which the model is built.
REGISTRY: tuple[Callable[[LinearProgram, xr.Dataset], None], ...] = (
    add_generation,
    add_generation_expansion,
    add_retirement,
    add_ramping,
    add_hydro_reservoir,
    add_storage,
    add_transmission,
    add_transmission_expansion,
    add_contracts,
    add_unserved_energy,
    add_carbon_cap,
    add_renewable_share_min,
    add_coal_generation_max,
    add_coal_capacity_max,
    add_energy_limits,
    add_nodal_balance,
    add_objective,
)


def build_lp(ds: xr.Dataset, options: Options | None = None) -> LinearProgram:
    """The linear program of one input Dataset: every registry function in order.

    Parameters
    ----------
    ds
        Input Dataset from :func:`aseangrid.load_inputs` (after any scenario changes).
    options
        Formulation switches.
    """
    t0 = _time.perf_counter()
    coords = {d: (ds[d].values if d in ds.coords else np.arange(ds.sizes[d])) for d in ds.dims}
    lp = LinearProgram(
        coords=coords, options=options or Options(), name=ds.attrs.get("title", "aseangrid")
    )
    for fn in REGISTRY:
        t1 = _time.perf_counter()
        fn(lp, ds)
        lp.timings[fn.__name__] = _time.perf_counter() - t1
    lp.timings["build_total"] = _time.perf_counter() - t0
    return lp


__all__ = ["COST_COMPONENTS", "REGISTRY", "Options", "build_lp"]

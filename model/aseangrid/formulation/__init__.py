"""The formulation: one small function per variable family or constraint, in one ordered registry.

Each function has the signature ``add_<thing>(m, ds) -> None``, reads only the input Dataset and
the switches in ``m._ag.options``, and returns early when its input is absent. Components that
inject into or withdraw from a node register a term with :func:`aseangrid.build.add_balance_term`;
the balance (added last but one) sums them, so a new component never edits the balance. Costs are
registered with :func:`aseangrid.build.add_cost` and summed by the objective.
"""

from __future__ import annotations

from collections.abc import Callable

from .balance import add_nodal_balance
from .contracts import add_contracts
from .generation import (
    add_generation,
    add_generation_expansion,
    add_ramping,
    add_retirement,
)
from .hydro import add_hydro_reservoir
from .objective import add_objective
from .policy import (
    add_carbon_cap,
    add_coal_capacity_max,
    add_coal_generation_max,
    add_renewable_share_min,
)
from .storage import add_storage
from .transmission import add_transmission, add_transmission_expansion
from .unserved import add_unserved_energy

#: The order in which the model is built.
REGISTRY: tuple[Callable, ...] = (
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
    add_nodal_balance,
    add_objective,
)

__all__ = ["REGISTRY"]

"""Capacity expansion inputs: build candidates, their annualised costs, retirements, carry-over.

This is the data side of expansion; the LP side is in :mod:`aseangrid.formulation`
(``add_generation_expansion``, ``add_retirement``, extendable storage and links).

For one model year ``Y`` of a pathway, :func:`edit_tables` turns the dataset tables into the
fleet of that year:

1. *adequacy top-ups* (the ``[assumption]`` gas rows that keep far years served in dispatch
   runs) are dropped: expansion decides what to build instead;
2. *scheduled retirements* (``retirements.csv``, kinds chosen by the scenario) and the early
   retirements chosen in earlier steps reduce the existing rows of their node and technology;
3. capacity *built in earlier steps* (the :class:`PathwayState`) joins the fleet as rows with
   status ``built``, retiring after its lifetime;
4. one *candidate* per buildable node and technology (``build_limits.csv``: first year reached,
   technology allowed, no new coal once forbidden) joins with zero capacity, likewise storage
   and transmission candidates (``link_candidates.csv``).

:func:`annotate` then adds, per candidate, the remaining potential and the annualised cost::

    k = CRF(r, n) * capex + fom,     CRF(r, n) = r / (1 - (1 + r) ** -n)      [USD/MW/yr]

with the discount rate ``r`` (real), the technology's lifetime ``n`` [yr] and the year's
capital and fixed O&M costs (``cost_trajectories.csv``, linear between the years given).
Storage has a power part [USD/MW/yr] and an energy part [USD/MWh/yr]; links pay their capital
cost per MW and a fixed O&M of :data:`LINK_FOM_SHARE` of it per year.
"""

from .annotate import annotate
from .carry import record_step
from .spec import (
    DISCOUNT_RATE,
    LINK_FOM_SHARE,
    ExpansionSpec,
    PathwayState,
    costs,
    crf,
    is_adequacy,
    restrict_countries,
)
from .tables import edit_tables

__all__ = [
    "DISCOUNT_RATE",
    "LINK_FOM_SHARE",
    "ExpansionSpec",
    "PathwayState",
    "annotate",
    "costs",
    "crf",
    "edit_tables",
    "is_adequacy",
    "record_step",
    "restrict_countries",
]

"""A year solved in steps, with a certified gap: a coarse year, then weeks in parallel.

1. **Coarse year.** The horizon in blocks of ``b`` hours (6 by default): demand, availability,
   inflows and contracts averaged over each block, every step weighing ``b`` hours; storage,
   reservoirs, annual caps, targets and limits kept. With time-invariant costs and no ramping
   rows, any hourly solution averaged over the blocks is feasible for this model at the same
   cost, so its optimum is a **lower bound** of the hourly optimum.
2. **Sub-horizons.** The hours cut into weeks (the last one takes the remainder). Each week
   starts and ends at the coarse year's storage and reservoir levels at its boundaries, and
   gets a budget of each annual policy: its share of the coarse year's emissions (coal
   generation, renewable generation) scaled so that the budgets add up to the annual amount.
   The weeks are independent: they are solved in parallel processes, each process a run of
   consecutive weeks, each week from the optimal basis of the week before it (same columns
   and rows: about 3,000 dual simplex iterations a week of 2030 instead of 20,000 cold).
3. **Stitching.** The weeks' values fill the hourly program of the whole horizon (annual
   slacks summed); the result is extracted and verified exactly like a monolithic solve,
   every row and column of the hourly program included. Its cost is an **upper bound**; the
   relative distance to the lower bound is the **certified gap**, recorded in the results.
   Annual policies hold exactly because the budgets add up to them.
4. **A tighter lower bound** when the coarse one leaves the gap above the tolerance: the weeks
   solved again with free boundary levels priced at the coarse year's values of stored energy
   and water, and the annual rows replaced by the coarse year's shadow prices (a Lagrangian
   relaxation: a valid bound for any prices, close to the optimum with good ones). Only if
   that is not enough is the coarse year solved again with shorter blocks.

5. **A start for the exact LP.** The monolithic solve (``--exact``) of a quarter or more
   starts from the stitched solution (:func:`start_point`): the same optimum in fewer
   simplex iterations.

Hourly prices and water values come from the weeks; the shadow prices of annual policies from
the coarse year. Cases the method cannot take (typical periods, capacity expansion, ramping
rows, user extensions, horizons shorter than two weeks, time weights other than 1 h) are
solved monolithically and say why (``decomposition`` attribute).
"""

from .method import (
    BoundaryShortageWarning,
    DecompositionGapWarning,
    solve_decomposed,
    start_point,
)
from .split import Decomposition, bounds_of_subhorizons, coarse, subhorizon_datasets, why_not
from .weeks import lagrangian_bound, solve_subhorizons, stitch

__all__ = [
    "BoundaryShortageWarning",
    "Decomposition",
    "DecompositionGapWarning",
    "bounds_of_subhorizons",
    "coarse",
    "lagrangian_bound",
    "solve_decomposed",
    "solve_subhorizons",
    "start_point",
    "stitch",
    "subhorizon_datasets",
    "why_not",
]

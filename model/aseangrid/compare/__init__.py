"""Comparisons of solved scenarios: stacked along ``scenario`` with differences to a
reference, trade per corridor, and the tables reports print."""

from .corridors import corridors
from .stack import METRICS, compare
from .tables import decomposition, emissions_table, headline, pathway_table, who_gains

__all__ = [
    "METRICS",
    "compare",
    "corridors",
    "decomposition",
    "emissions_table",
    "headline",
    "pathway_table",
    "who_gains",
]

"""The data layer: the data dictionary, reading and validating tables and profiles, and
assembling the Dataset of one model year (plus expansion candidates and time aggregation)."""

from .load import load_inputs
from .tables import read_tables

__all__ = ["load_inputs", "read_tables"]

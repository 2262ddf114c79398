"""Results: extraction of a solved program into a labelled Dataset, derived quantities,
verification against the inputs, flow tracing, and the one writer and reader of results."""

from .extract import RECORDED_INPUTS, extract
from .verify import verify_results

__all__ = ["RECORDED_INPUTS", "extract", "verify_results"]

"""Reports: figures, tables and the HTML/Markdown document of a run (results files only)."""

from .document import write_report

__all__ = ["write_report"]

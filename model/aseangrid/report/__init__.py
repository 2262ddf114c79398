"""Reports: findings, method, tables and figures of a run as HTML, Markdown, Excel and CSV
(results files only); :func:`open_run` reads a finished run folder."""

from .document import write_report
from .reader import Run, open_run

__all__ = ["Run", "open_run", "write_report"]

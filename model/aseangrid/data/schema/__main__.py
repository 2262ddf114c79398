"""``python -m aseangrid.data.schema``: print the data dictionary as Markdown."""

from .readme import render_markdown

print(render_markdown())

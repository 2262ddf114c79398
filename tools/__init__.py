"""Data-preparation tools of the aseangrid repository.

Nothing here is part of the runtime package ``aseangrid``: the tools may import ``aseangrid``,
``aseangrid`` never imports them.  Run them from the repository root, e.g.
``python -m tools.profiles inputs/asean``.
"""

"""Commands of this domain, registered on the ``cxpilot`` app by :func:`register`.

Uses the shared helpers of :mod:`cxpilot.cli` (``handle_errors``, ``setup``, ``FormatOpt``),
imported inside :func:`register`'s callers' module once they are defined.
"""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this domain's commands to ``app``."""

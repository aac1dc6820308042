"""The demo company's verbatims: their themes discovered and every verbatim analysed, so the
irritants and theme pages have something to show."""

from __future__ import annotations

from typing import Any

from cxpilot.kernel.errors import ValidationError
from cxpilot.verbatims.services import themes_discover, verbatims_analyse


def demo_load(*, seed: int, period_end: Any = None) -> dict[str, Any]:
    """Discover 20 themes (seed 0, so the demo's themes do not move with its seed) and analyse
    every verbatim (language, themes, sentiment)."""
    try:
        found = themes_discover(themes=30, seed=0)
    except ValidationError:  # a tiny demo has too few verbatims to find themes in
        return {"themes": 0, "mentions": 0}
    done = verbatims_analyse(full=True)
    return {"themes": found["themes"], "mentions": done["mentions"]}

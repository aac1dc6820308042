"""The demo company's target journey: an online order followed one purchase at a time
(``commande_en_ligne``, ``data/commande_en_ligne.yaml``), held against its orders in
``cxpilot journeys conformance --target commande_en_ligne``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cxpilot.journeys.services import target_load

TARGET = Path(__file__).parent / "data" / "commande_en_ligne.yaml"


def demo_load(*, seed: int = 0, period_end: Any = None) -> dict[str, Any]:
    """Create (or replace) the demo's target journey (``seed`` and ``period_end`` are not
    needed: it is a definition, not data)."""
    target, _created = target_load(actor=None, text=TARGET.read_bytes(), where=str(TARGET))
    return {"target_journeys": 1, "target": target.key}

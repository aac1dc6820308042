"""The demo company's customers resolved into persons: its CRM, e-shop and support records
made one person each, with golden records."""

from __future__ import annotations

from typing import Any

from cxpilot.customers.services import customers_resolve


def demo_load(*, seed: int, period_end: Any = None) -> dict[str, Any]:
    """Resolve the demo's customer records (the linkage model is seeded on its own)."""
    summary = customers_resolve()
    return {"persons": summary["persons"], "records": summary["records"]}

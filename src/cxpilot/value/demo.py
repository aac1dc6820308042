"""The demo company's customer values: the lifetime-value models fitted on its purchases up
to the end of its period, so the value page shows them filled."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cxpilot.value.services import customer_values_compute


def demo_load(*, seed: int = 0, period_end: dt.date | None = None) -> dict[str, Any]:
    """Compute every person's value at the demo's period end (the models are fitted by
    maximum likelihood: ``seed`` is not needed)."""
    end = period_end or dt.date.today()
    found = customer_values_compute(calibration_end=end)
    return {"customer_values": len(found.run.found.customer)}

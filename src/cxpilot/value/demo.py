"""The demo company's customer values and churn risk: the lifetime-value models fitted on its
purchases up to the end of its period, and the churn model trained on its past, so the value
pages show them filled."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cxpilot.kernel.errors import ValidationError
from cxpilot.value.services import customer_values_compute


def demo_load(*, seed: int = 0, period_end: dt.date | None = None) -> dict[str, Any]:
    """Compute every person's value at the demo's period end (the models are fitted by
    maximum likelihood: ``seed`` is not needed)."""
    from cxpilot.value.churn import churn_score

    end = period_end or dt.date.today()
    found = customer_values_compute(calibration_end=end)
    try:
        scored = churn_score(actor=None).persons
    except ValidationError:  # a demo too small to learn churn from: the page says to run it
        scored = 0
    return {"customer_values": len(found.run.found.customer), "churn_scores": scored}

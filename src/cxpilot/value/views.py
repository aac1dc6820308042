"""Pages of the customer-value domain."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cxpilot.kernel import roles
from cxpilot.kernel.errors import ValidationError

VIEW_VALUE = "value.view_value"


# --- customer value


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Customer equity (total, by segment, over time), the CLV distribution, the holdout
    check and the models' parameters; how to compute them when none are stored."""
    roles.require(request.user, VIEW_VALUE)
    from cxpilot.value import charts, selectors
    from cxpilot.warehouse.connection import warehouse

    context: dict[str, Any] = {"nav_current": "value:dashboard", "found": None}
    try:
        with warehouse() as con:
            found = selectors.value_dashboard(con)
    except ValidationError:
        return render(request, "value/dashboard.html", context)
    model = found["model"]
    holdout = model.get("holdout") or {}
    specs = {
        "equity": charts.equity_bars(found["segments"]),
        "history": charts.equity_lines(found["history"]),
        "clv": charts.clv_histogram(found["bins"]),
    }
    if holdout.get("weekly"):
        specs["holdout"] = charts.holdout_lines(holdout["weekly"], holdout["calibration_end"])
    history = [
        dict(e, label=charts.segment_label(e["segment"])) for e in reversed(found["history"])
    ]
    context.update(
        found=found,
        model=model,
        holdout=holdout,
        specs=specs,
        segments=[dict(s, label=charts.segment_label(s["segment"])) for s in found["segments"]],
        history=history,
        edge=model["gamma_gamma"]["p"] > selectors.EDGE_P,
    )
    return render(request, "value/dashboard.html", context)

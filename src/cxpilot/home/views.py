"""The home page (what there is, and where to start) and the liveness probe."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from cxpilot.analytics.charts import METRIC_INFO, change_label, number, period_label
from cxpilot.analytics.selectors import Pulse
from cxpilot.home import selectors
from cxpilot.kernel import roles

#: Labels of the warehouse tables on the home page (a table not named here shows its name).
WAREHOUSE_TABLE_LABELS = {
    "customers": _("Customers"),
    "interactions": _("Interactions"),
    "responses": _("Survey responses"),
    "transactions": _("Transactions"),
}

#: Home page rows for the organisation counts: label and list page.
ORG_COUNT_ROWS = {
    "departments": (_("Departments"), "department_list"),
    "touchpoints": (_("Touchpoints"), "touchpoint_list"),
    "journeys": (_("Journeys"), "journey_list"),
    "journey_stages": (_("Journey stages"), "journey_list"),
    "segments": (_("Segments"), "segment_list"),
    "brand_promises": (_("Brand promises"), "brand_promise_list"),
}


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe for whatever serves the app: public, no database access."""
    return HttpResponse("ok", content_type="text/plain")


def _labelled(pulse: Pulse | None) -> dict[str, Any] | None:
    """The pulse with its numbers written as the reader's language writes them."""
    if pulse is None or not pulse.month:
        return None

    def label(row: dict[str, Any]) -> dict[str, Any]:
        metric = row["metric"]
        return {
            **row,
            "label": METRIC_INFO[metric].label,
            "score_label": number(row["score"], metric),
            "ci_label": f"{number(row['ci_low'], metric)} – {number(row['ci_high'], metric)}",
            "change_label": change_label(row, metric),
        }

    return {
        "month": period_label("month", f"{pulse.month}-01"),
        "metrics": [label(r) for r in pulse.metrics],
        "movers": [label(r) for r in pulse.movers],
    }


def _headline(actor: Any) -> list[dict[str, Any]]:
    """The board's headline tiles, written in the reader's language."""
    from cxpilot.board import display

    return [display.kpi_row(k) for k in selectors.board_headline(actor=actor)]


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    summary = selectors.home_summary(actor=request.user)
    org_rows = [
        (label, summary.org_counts[name], reverse(url_name))
        for name, (label, url_name) in ORG_COUNT_ROWS.items()
        if name in summary.org_counts
    ]
    warehouse_rows = [
        (WAREHOUSE_TABLE_LABELS.get(name, name), name, count)
        for name, count in (summary.warehouse_counts or {}).items()
    ]
    return render(
        request,
        "home/home.html",
        {
            "summary": summary,
            "pulse": _labelled(summary.pulse),
            "org_rows": org_rows,
            "warehouse_rows": warehouse_rows,
            "has_role": bool(roles.roles_of(request.user)),
            "headline": _headline(request.user),
        },
    )

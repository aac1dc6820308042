"""Pages of the customer-value domain. Thin views: one section per page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cxpilot.kernel import csvcells, roles, web
from cxpilot.kernel.errors import ValidationError

# --- value × risk segments

VIEW_VALUE = "value.view_value"
OPEN_CASES = "loop.change_followupcase"
#: Customers on a page of a cell's list.
SEGMENT_PAGE = 50
TIER_CHOICES = [
    ("high", gettext_lazy("high")),
    ("medium", gettext_lazy("medium")),
    ("low", gettext_lazy("low")),
]
SORT_CHOICES = [
    ("-clv", gettext_lazy("Highest CLV first")),
    ("clv", gettext_lazy("Lowest CLV first")),
    ("-risk", gettext_lazy("Highest risk first")),
    ("risk", gettext_lazy("Lowest risk first")),
]


class SegmentsForm(forms.Form):
    """The page's filter and the cell it lists (a GET form; every field optional)."""

    segment = forms.CharField(label=gettext_lazy("Segment"), required=False, max_length=200)
    value = forms.ChoiceField(label=gettext_lazy("Value"), required=False, choices=TIER_CHOICES)
    risk = forms.ChoiceField(label=gettext_lazy("Risk"), required=False, choices=TIER_CHOICES)
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), required=False, choices=SORT_CHOICES)
    page = web.PageField()

    def cell(self) -> dict[str, Any]:
        """The segment, the cell and the sort chosen (high value at high risk by default)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "segment": data.get("segment") or None,
            "value": data.get("value") or "high",
            "risk": data.get("risk") or "high",
            "sort": data.get("sort") or "-clv",
        }


class SegmentCasesForm(forms.Form):
    segment = forms.CharField(required=False, max_length=200)
    value = forms.ChoiceField(choices=TIER_CHOICES)
    risk = forms.ChoiceField(choices=TIER_CHOICES)
    reason = forms.CharField(required=False, max_length=200)
    customers = forms.MultipleChoiceField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # the customers checked are checked against the cell by the service
        self.fields["customers"].valid_value = lambda value: len(str(value)) <= 200  # type: ignore[attr-defined]


@require_GET
def segments_page(request: HttpRequest) -> HttpResponse:
    """The value × risk matrix, the customers of one cell, its export and its cases."""
    from cxpilot.value import segments
    from cxpilot.warehouse.connection import warehouse

    roles.require(request.user, VIEW_VALUE)
    form = SegmentsForm(request.GET or None)
    context: dict[str, Any] = {
        "nav_current": "segments",
        "form": form,
        "matrix": None,
        "problem": "",
        "may_open": roles.may(request.user, OPEN_CASES),
        "default_reason": segments.DEFAULT_REASON,
    }
    if form.is_bound and not form.is_valid():
        return render(request, "value/segments.html", context, status=400)
    chosen = form.cell()
    page = (form.cleaned_data.get("page") if form.is_bound else None) or 1
    try:
        with warehouse() as con:
            matrix = segments.value_risk_matrix(con, segment=chosen["segment"])
            cell = matrix.cell(chosen["value"], chosen["risk"])
            page = min(page, max(1, -(-cell.customers // SEGMENT_PAGE)))  # past the end: the last
            listed = segments.cell_customers(
                con,
                value=chosen["value"],
                risk=chosen["risk"],
                segment=chosen["segment"],
                sort=chosen["sort"],
                offset=(page - 1) * SEGMENT_PAGE,
                limit=SEGMENT_PAGE,
            )
    except ValidationError as exc:
        # no customer values yet: the page says which command writes them
        context["problem"] = exc.detail
        context["missing"] = exc.where == "customer_value"
        return render(
            request, "value/segments.html", context, status=200 if context["missing"] else 400
        )
    labels = dict(TIER_CHOICES)
    most = max((c.clv_at_risk for c in matrix.cells), default=0.0)
    grid = [
        {
            "label": labels[value],
            "cells": [
                {
                    "cell": c,
                    # the shade: the cell's CLV at risk against the largest (0.05 to 0.45)
                    "alpha": f"{0.05 + 0.4 * (c.clv_at_risk / most if most > 0 else 0):.2f}",
                    "chosen": (c.value, c.risk) == (chosen["value"], chosen["risk"]),
                }
                for c in matrix.cells
                if c.value == value
            ],
        }
        for value in segments.TIERS
    ]
    numbers = [
        {**r, "value_label": labels[r["value"]], "risk_label": labels[r["risk"]]}
        for r in matrix.rows()
    ]
    start = (page - 1) * SEGMENT_PAGE
    context.update(
        matrix=matrix,
        spec=segments.matrix_spec(matrix),
        chosen=chosen,
        cell=cell,
        cell_value=labels[chosen["value"]],
        cell_risk=labels[chosen["risk"]],
        tiers=TIER_CHOICES,
        sorts=SORT_CHOICES,
        grid=grid,
        number_rows=numbers,
        listed=listed,
        page=page,
        pages=max(1, -(-listed.total // SEGMENT_PAGE)),
        first=start + 1,
        last=start + len(listed.rows),
        query_string=urlencode({k: v for k, v in chosen.items() if v}),
    )
    return render(request, "value/segments.html", context)


@require_GET
def segments_export(request: HttpRequest) -> HttpResponse:
    """Every customer of one cell as CSV (cells a spreadsheet cannot run)."""
    from cxpilot.value import segments
    from cxpilot.warehouse.connection import warehouse

    roles.require(request.user, VIEW_VALUE)
    form = SegmentsForm(request.GET or None)
    if not form.is_valid():
        return HttpResponse(_("Bad filter."), status=400, content_type="text/plain")
    chosen = form.cell()
    try:
        with warehouse() as con:
            listed = segments.cell_customers(con, limit=None, **chosen)
    except ValidationError as exc:
        return HttpResponse(exc.detail, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"customers-{chosen['value']}-value-{chosen['risk']}-risk.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csvcells.writer(response)
    writer.writerow(segments.LIST_COLUMNS)
    for row in listed.rows:
        writer.writerow(["" if row[c] is None else row[c] for c in segments.LIST_COLUMNS])
    return response


@require_POST
def segments_cases(request: HttpRequest) -> HttpResponse:
    """Open a retention case for every customer of the cell, or the checked ones."""
    from cxpilot.value import segments

    roles.require(request.user, VIEW_VALUE)
    roles.require(request.user, OPEN_CASES)
    form = SegmentCasesForm(request.POST)
    back = reverse("value:segments")
    if not form.is_valid():
        messages.error(request, _("Choose a cell of the matrix."))
        return redirect(back)
    data = form.cleaned_data
    query = {"value": data["value"], "risk": data["risk"]}
    if data["segment"]:
        query["segment"] = data["segment"]
    back = f"{back}?{urlencode(query)}"
    try:
        done = segments.segment_cases_open(
            actor=request.user,
            value=data["value"],
            risk=data["risk"],
            segment=data["segment"] or None,
            reason=data["reason"] or segments.DEFAULT_REASON,
            customers=data["customers"] or None,
        )
    except ValidationError as exc:
        messages.error(request, exc.detail)
        return redirect(back)
    cases_url = reverse("case_list") + "?kind=retention&status=open"
    text = _(
        "%(opened)s follow-up case(s) opened for %(customers)s customer(s) "
        "(%(already)s already had one open)."
    ) % {
        "opened": done.opened,
        "customers": done.customers,
        "already": done.as_dict()["already_open"],
    }
    if done.without_record:
        text += " " + _("%(n)s customer(s) have no customer record to open a case on.") % {
            "n": len(done.without_record)
        }
    messages.success(
        request,
        format_html('{} <a href="{}">{}</a>', text, cases_url, _("See the retention cases")),
    )
    return redirect(back)

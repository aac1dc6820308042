"""Pages of the customers domain: the last resolution (its figures and the fitted model, as
Splink charts it) and the review of the pairs near the threshold. Thin: selectors read,
services decide."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from cxpilot.customers import charts, selectors, services
from cxpilot.customers.forms import PairDecisionForm, ReviewFilterForm
from cxpilot.customers.labels import comparison_label, level_label
from cxpilot.customers.models import RECORD_LABELS, Decision, LinkageRun
from cxpilot.customers.selectors import RECORD_FIELDS
from cxpilot.kernel import errors, periods, roles
from cxpilot.kernel.web import form_errors

REVIEW = "customers.review_pairs"

FIELD_LABELS = RECORD_LABELS


def _labels() -> dict[str, str]:
    return {name: str(label) for name, label in FIELD_LABELS.items()}


@require_GET
def resolution(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, REVIEW)
    ctx: dict[str, Any] = {"nav_current": "customers_resolution"}
    try:
        model = selectors.resolution_model()
    except errors.NotFound:
        model = None
    if model is not None:  # the comparisons and levels named in the user's language
        levels = [
            {
                **lv,
                "comparison": comparison_label(lv["comparison"]),
                "level": level_label(lv["level"]),
            }
            for lv in model.levels
        ]
        model = dataclasses.replace(model, levels=levels)
    ctx["model"] = model
    if model is not None:
        ctx["duplicates"] = sorted((model.summary.get("duplicates_found") or {}).items())
        if model.levels:
            ctx["weights_spec"] = charts.match_weights_chart(model.levels, model.prior_match_weight)
    ctx["runs"] = list(LinkageRun.objects.order_by("-started_at", "-pk")[:10])
    return render(request, "customers/resolution.html", ctx)


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, REVIEW)
    if request.method == "POST":
        form = PairDecisionForm(request.POST)
        if form.is_valid():
            done = _decide(request, form)
            if done:
                return redirect(reverse("customers_review") + _query(request))
        messages.error(
            request,
            "; ".join(str(e) for errs in form.errors.values() for e in errs)
            or gettext("The decision was not recorded."),
        )
        return redirect(reverse("customers_review") + _query(request))
    filters = ReviewFilterForm(request.GET or None)
    pairs: list[dict[str, Any]] = []
    status = 200
    if request.GET and not filters.is_valid():
        status = 400  # the filters are shown with what is wrong in them
    else:
        data = filters.cleaned_data if request.GET else {}
        try:
            pairs = selectors.customers_pairs_to_review(
                low=data.get("low"),
                high=data.get("high"),
                limit=data.get("limit") or 20,
                decided=bool(data.get("decided")),
            )
        except errors.ValidationError as exc:
            form_errors(filters, exc, field=lambda where: where.lstrip("-"))
            status = 400
    labels = _labels()
    for pair in pairs:
        pair["fields"] = [
            (labels[name], *(_shown(name, pair[f"{name}_{side}"]) for side in "ab"))
            for name in RECORD_FIELDS
        ]
        pair["form"] = PairDecisionForm(
            initial={"record_a": pair["record_a"], "record_b": pair["record_b"]}
        )
    ctx = {
        "nav_current": "customers_review",
        "filters": filters,
        "pairs": pairs,
        "query": _query(request),
        "confirm": Decision.CONFIRM,
        "reject": Decision.REJECT,
    }
    return render(request, "customers/review.html", ctx, status=status)


def _shown(name: str, value: Any) -> Any:
    """A record's field as the page shows it: its creation time in the user's time zone and
    format, the rest as it is."""
    if name != "created_at" or not value:
        return value
    moment = dt.datetime.fromisoformat(str(value))
    return date_format(timezone.localtime(periods.utc(moment)), "SHORT_DATETIME_FORMAT")


def _query(request: HttpRequest) -> str:
    """The review's filters, kept across a decision (only the known ones)."""
    from urllib.parse import urlencode

    keep = {k: request.GET[k] for k in ("low", "high", "limit", "decided") if k in request.GET}
    return f"?{urlencode(keep)}" if keep else ""


def _decide(request: HttpRequest, form: PairDecisionForm) -> bool:
    data = form.cleaned_data
    decide = services.pair_confirm if data["decision"] == Decision.CONFIRM else services.pair_reject
    try:
        a = selectors.record_key(data["record_a"], where="record_a")
        b = selectors.record_key(data["record_b"], where="record_b")
        done = decide(actor=request.user, a=a, b=b, reason=data["reason"])
    except (errors.ValidationError, errors.NotFound) as exc:
        messages.error(request, str(exc.detail))
        return False
    said = (
        gettext("%(a)s and %(b)s are the same person: %(person)s.")
        if data["decision"] == Decision.CONFIRM
        else gettext("%(a)s and %(b)s are different persons.")
    ) % {"a": done["record_a"], "b": done["record_b"], "person": done["person_a"]}
    if not done["applied"]:
        said += " " + gettext("It applies at the next resolution.")
    if done["moved"]:
        said += " " + ngettext(
            "Another record changed person with them: %(records)s.",
            "%(count)d other records changed person with them: %(records)s.",
            len(done["moved"]),
        ) % {"count": len(done["moved"]), "records": ", ".join(done["moved"][:20])}
    messages.success(request, said)
    return True

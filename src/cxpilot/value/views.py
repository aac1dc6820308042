"""Pages of the customer-value domain."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cxpilot.kernel import roles, web
from cxpilot.kernel.errors import ValidationError

# --- the customer advocate: decisions and their impact


@require_GET
def decision_list(request: HttpRequest) -> HttpResponse:
    from cxpilot.value import decisions
    from cxpilot.value.models import DecisionStatus

    status = request.GET.get("status") or ""
    if status not in DecisionStatus.values:
        status = ""
    found = decisions.decision_list(actor=request.user, status=status or None)
    return render(
        request,
        "value/decision_list.html",
        {
            "nav_current": "decisions",
            "decisions": found,
            "statuses": DecisionStatus.choices,
            "status": status,
            "may_add": roles.may(request.user, decisions.ADD),
        },
    )


def _decision_form(request: HttpRequest, decision: Any) -> HttpResponse:
    from cxpilot.value import decisions
    from cxpilot.value.forms import DecisionForm

    initial: dict[str, Any] = {"status": "proposed", "owner": request.user.pk}
    if decision is not None:
        initial = {
            name: getattr(decision, name)
            for name in (
                "title", "description", "segments", "touchpoints", "channels", "stages",
                "churn_low", "churn_high", "nps_low", "nps_high", "status", "decision_date",
            )
        }  # fmt: skip
        initial["owner"] = decision.owner_id
    form = DecisionForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            where = {"churn": "churn_low", "nps": "nps_low"}
            try:
                saved = decisions.decision_save(
                    actor=request.user,
                    title=data["title"],
                    description=data["description"],
                    scope={k: data[k] for k in ("segments", "touchpoints", "channels", "stages")},
                    churn=(data["churn_low"], data["churn_high"]),
                    nps=(data["nps_low"], data["nps_high"]),
                    status=data["status"],
                    owner=data["owner"],
                    decision_date=data["decision_date"],
                    decision=decision,
                )
            except ValidationError as exc:
                web.form_errors(form, exc, lambda w: where.get(w, w))
            else:
                messages.success(request, gettext("“%(name)s” was saved.") % {"name": saved.title})
                if saved.assessment is None:
                    _assess(request, saved)
                return redirect("value:decision_detail", pk=saved.pk)
    if decision is None:
        title, cancel = gettext("New decision"), reverse("value:decisions")
    else:
        title = gettext("Edit decision")
        cancel = reverse("value:decision_detail", args=[decision.pk])
    return render(
        request,
        "value/decision_form.html",
        {"form": form, "title": title, "cancel_url": cancel},
        status=status,
    )


def _assess(request: HttpRequest, decision: Any) -> None:
    from cxpilot.value import decisions

    try:
        decisions.decision_assess(actor=request.user, decision=decision)
    except ValidationError as exc:
        messages.error(request, gettext("Not assessed: %(reason)s") % {"reason": str(exc)})


@require_http_methods(["GET", "POST"])
def decision_create(request: HttpRequest) -> HttpResponse:
    from cxpilot.value import decisions

    roles.require(request.user, decisions.ADD)
    return _decision_form(request, None)


@require_http_methods(["GET", "POST"])
def decision_update(request: HttpRequest, pk: int) -> HttpResponse:
    from cxpilot.value import decisions

    decision = decisions.decision_get(actor=request.user, pk=pk)
    roles.require(request.user, decisions.CHANGE)
    return _decision_form(request, decision)


@require_POST
def decision_reassess(request: HttpRequest, pk: int) -> HttpResponse:
    from cxpilot.value import decisions

    decision = decisions.decision_get(actor=request.user, pk=pk)
    roles.require(request.user, decisions.CHANGE)
    _assess(request, decision)
    return redirect("value:decision_detail", pk=decision.pk)


def _names() -> dict[str, dict[str, str]]:
    from cxpilot.value.impact import KINDS, known_keys

    return {kind: known_keys(kind) for kind in KINDS}


def _page(decision: Any) -> dict[str, Any]:
    """What the impact page and its PDF show: the scope with names, and the kept
    assessment."""
    names = _names()
    scope = [
        (kind, [(k, names[kind].get(k, k)) for k in getattr(decision, kind) or []])
        for kind in ("segments", "touchpoints", "channels", "stages")
    ]
    labels = {
        "segments": gettext("Segments"),
        "touchpoints": gettext("Touchpoints"),
        "channels": gettext("Channels"),
        "stages": gettext("Journey stages"),
    }
    return {
        "scope": [(labels[kind], keys) for kind, keys in scope if keys],
        "a": decision.assessment,
        "outcomes": {
            "churn": gettext("Churn"),
            "repeat": gettext("Repeat purchase"),
            "nps": gettext("Relationship NPS"),
        },
    }


@require_GET
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from cxpilot.value import decisions

    decision = decisions.decision_get(actor=request.user, pk=pk)
    return render(
        request,
        "value/decision_detail.html",
        {
            "nav_current": "decisions",
            "decision": decision,
            "may_change": roles.may(request.user, decisions.CHANGE),
            "settled": decision.status in decisions.SETTLED,
            **_page(decision),
        },
    )


def _range(value: Any, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict):
        low, high = value.get("low"), value.get("high")
        if low == high:
            return f"{low:,.{digits}f}"
        return f"{low:,.{digits}f} – {high:,.{digits}f}"
    return f"{value:,.{digits}f}"


@require_GET
def decision_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from cxpilot.value import decisions
    from cxpilot.value.exports import tables_pdf

    decision = decisions.decision_get(actor=request.user, pk=pk)
    page = _page(decision)
    a = page["a"]
    scope = "; ".join(f"{label}: {', '.join(k for k, _n in keys)}" for label, keys in page["scope"])
    subtitle = f"{decision.get_status_display()} · {scope}"
    tables: list[tuple[str, list[str], list[list[str]]]] = []
    if a:
        used = a["assumption"]["churn_uplift_used"]
        nps = a["nps"]
        rows = [
            [gettext("Customers touched"), f"{a['customers']:,}"],
            [gettext("Revenue of the last 12 months"), _range(a["revenue_12m"])],
            [gettext("Lifetime value (CLV)"), _range(a["clv"])],
            [gettext("Churn uplift assumed (points)"), _range(used)],
            [gettext("NPS change assumed (points)"), _range(a["assumption"]["nps_change"], 1)],
            [gettext("Customers expected lost"), _range(a["customers_lost"], 1)],
            [gettext("Revenue at risk"), _range(a["revenue_at_risk"])],
            [gettext("CLV at risk"), _range(a["clv_at_risk"])],
            [
                gettext("NPS of the touched"),
                "—"
                if nps["score"] is None
                else f"{nps['score']} ({nps['ci_low']} – {nps['ci_high']}, n = {nps['n']})",
            ],
            [gettext("Open cases"), str(a["open_cases"]["count"])],
            [gettext("Assessed at"), a["computed_at"]],
            [gettext("Data up to"), a["data_end"]],
        ]
        tables.append(
            (gettext("What it puts at risk"), [gettext("Figure"), gettext("Value")], rows)
        )
        seen = a["evidence"]["churn_observed"]
        tables.append(
            (
                gettext("Observed churn (no purchase in the last %(days)s days)")
                % {"days": seen["window_days"]},
                [
                    gettext("Customers"),
                    gettext("n"),
                    gettext("Churned (%)"),
                    gettext("95% interval"),
                ],
                [
                    [
                        label,
                        str(s["n"]),
                        "—" if s["rate"] is None else str(s["rate"]),
                        "—" if s["rate"] is None else f"{s['ci_low']} – {s['ci_high']}",
                    ]
                    for label, s in (
                        (gettext("Touched"), seen["touched"]),
                        (gettext("Others"), seen["others"]),
                    )
                ],
            )
        )
        if a["evidence"]["touchpoints"]:
            tables.append(
                (
                    gettext("After a poor answer at the touchpoints in scope"),
                    [
                        gettext("Touchpoint"),
                        gettext("Outcome"),
                        gettext("Effect"),
                        gettext("95% interval"),
                        gettext("Moment of truth"),
                    ],  # fmt: skip
                    [
                        [
                            r["touchpoint_name"],
                            page["outcomes"].get(r["outcome"], r["outcome"]),
                            f"{r['effect']} {r['unit']}",
                            f"{r['ci_low']} – {r['ci_high']}",
                            gettext("yes") if r["moment"] else "",
                        ]
                        for r in a["evidence"]["touchpoints"]
                    ],
                )
            )
        if a["notes"]:
            tables.append((gettext("Notes"), [gettext("Note")], [[n] for n in a["notes"]]))
    paragraphs = [decision.description] if decision.description else []
    if not a:
        paragraphs.append(gettext("Not assessed yet."))
    body = tables_pdf(title=decision.title, subtitle=subtitle, paragraphs=paragraphs, tables=tables)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="decision-{decision.pk}.pdf"'
    return response

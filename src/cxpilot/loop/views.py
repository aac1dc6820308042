"""Pages of the closing-the-loop domain: cases, alerts, loop settings. Thin views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cxpilot.kernel import csvcells, errors, roles, web
from cxpilot.loop import selectors as case_queries
from cxpilot.loop import services as cases
from cxpilot.loop.forms import (
    AssignForm,
    CaseFilterForm,
    EscalateForm,
    LoopSettingsForm,
    NoteForm,
    ReplyForm,
    RootCauseForm,
    StatusForm,
)
from cxpilot.loop.models import Alert, LoopSettings
from cxpilot.organisation.models import Touchpoint


@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, "loop.view_followupcase")
    filters = _case_filters(request)
    found = case_queries.case_list(actor=request.user, **filters.filters())
    pages = Paginator(found, CASES_PER_PAGE)
    page = pages.get_page(filters.cleaned_data.get("page") if filters.is_valid() else 1)
    query = request.GET.copy()
    query.pop("page", None)
    names = dict(Touchpoint.objects.values_list("key", "name"))
    for case in page.object_list:
        case.touchpoint_name = names.get(case.touchpoint, case.touchpoint)
    return render(
        request,
        "loop/case_list.html",
        {
            "cases": page.object_list,
            "page": page,
            "filters": filters,
            "base_query": query.urlencode(),
            "kpis": case_queries.case_kpis(actor=request.user),
            "now": timezone.now(),
        },
        status=200 if not filters.errors else 400,
    )


@require_GET
def case_export(request: HttpRequest) -> HttpResponse:
    """The cases of the list's filters, all of them, as CSV (cells a spreadsheet cannot run)."""
    roles.require(request.user, "loop.view_followupcase")
    filters = _case_filters(request)
    rows = case_queries.case_rows(
        case_queries.case_list(actor=request.user, **filters.filters()).iterator()
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cases.csv"'
    writer = csvcells.writer(response)
    columns = list(rows[0]) if rows else ["id"]
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row[c] is None else row[c] for c in columns])
    return response


#: Rows on a page of the case list.
CASES_PER_PAGE = 50


def _case_filters(request: HttpRequest) -> CaseFilterForm:
    sees_all = roles.may(request.user, "loop.change_followupcase")
    return CaseFilterForm(request.GET or None, departments=sees_all)


#: The forms of a case page: name → the form and the service it calls.
CASE_FORMS: dict[str, tuple[type[forms.Form], Callable[..., object]]] = {
    "note": (NoteForm, cases.case_note_add),
    "status": (StatusForm, cases.case_status_set),
    "assign": (AssignForm, cases.case_assign),
    "root_cause": (RootCauseForm, cases.case_root_cause_set),
    "escalate": (EscalateForm, cases.case_escalate),
    "reply": (ReplyForm, cases.case_reply),
}


@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_queries.case_get(actor=request.user, pk=pk)
    return _detail(request, case, {})


def _form(name: str, case: cases.FollowUpCase, email: str, data: Any = None) -> forms.Form:
    """The case page's form ``name``, bound to ``data`` when given."""
    if name == "status":
        return StatusForm(data, initial={"status": case.status})
    if name == "note":
        return NoteForm(data)
    if name == "reply":
        reply: forms.Form = ReplyForm(data, case=case, email=email)
        return reply
    made: forms.Form = CASE_FORMS[name][0](data, case=case)  # type: ignore[call-arg]
    return made


def _detail(
    request: HttpRequest, case: cases.FollowUpCase, bound: dict[str, forms.Form]
) -> HttpResponse:
    customer = case_queries.case_customer(actor=request.user, case=case)
    email = str((customer.contact or {}).get("email") or "")
    page_forms = {name: bound.get(name) or _form(name, case, email) for name in CASE_FORMS}
    names = dict(Touchpoint.objects.values_list("key", "name"))
    for answer in customer.answers:
        answer["touchpoint_name"] = names.get(answer["touchpoint"], answer["touchpoint"])
    return render(
        request,
        "loop/case_detail.html",
        {
            "case": case,
            "touchpoint_name": names.get(case.touchpoint, case.touchpoint),
            "customer": customer,
            "notes": case.notes.select_related("author"),
            "forms": page_forms,
            "root_causes": cases.root_causes(),
            "may_work": cases.may_work(request.user, case),
            "now": timezone.now(),
        },
        status=422 if bound else 200,
    )


@require_POST
def case_note(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_post(request, pk, "note")


@require_POST
def case_status(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_post(request, pk, "status")


@require_POST
def case_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Assign, tag the root cause, escalate, reply by e-mail."""
    if action not in CASE_FORMS:
        raise Http404("no such action on a case")
    return _case_post(request, pk, action)


#: What the page says once each form is saved.
SAVED = {
    "escalate": gettext_lazy("Escalated: the CX lead is told by e-mail."),
    "reply": gettext_lazy("Sent, and recorded as a contact."),
}


def _case_post(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Apply one of the case page's forms; back to the case, or the page again with errors."""
    case = case_queries.case_get(actor=request.user, pk=pk)
    write = CASE_FORMS[name][1]
    customer_email = ""
    if name == "reply":
        contact = case_queries.case_customer(actor=request.user, case=case).contact or {}
        customer_email = str(contact.get("email") or "")
    form = _form(name, case, customer_email, request.POST)
    if form.is_valid():
        try:
            write(actor=request.user, case=case, **form.cleaned_data)
        except errors.ValidationError as exc:
            web.form_errors(form, exc)
        else:
            messages.success(request, SAVED.get(name, _("Saved.")))
            return redirect("case_detail", pk=case.pk)
    return _detail(request, case, {name: form})


@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    alerts = list(case_queries.alert_list(actor=request.user)[:200])
    names = dict(Touchpoint.objects.values_list("key", "name"))
    for alert in alerts:
        alert.touchpoint_name = names.get(alert.touchpoint, alert.touchpoint)
    return render(request, "loop/alert_list.html", {"alerts": alerts})


@require_POST
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    roles.require(request.user, "loop.change_alert")
    Alert.objects.filter(pk=pk, acknowledged_at__isnull=True).update(acknowledged_at=timezone.now())
    return redirect("alert_list")


@require_http_methods(["GET", "POST"])
def loop_settings(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, "loop.change_loopsettings")
    form = LoopSettingsForm(request.POST or None, instance=LoopSettings.current())
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("loop_settings")
    return render(request, "loop/case_settings.html", {"form": form})

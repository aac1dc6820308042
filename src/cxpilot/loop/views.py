"""Pages of the closing-the-loop domain: cases, alerts, loop settings. Thin views."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cxpilot.kernel import csvcells, errors, roles
from cxpilot.loop import selectors as case_queries
from cxpilot.loop import services as cases
from cxpilot.loop.forms import CaseFilterForm, LoopSettingsForm, NoteForm, StatusForm
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


@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_queries.case_get(actor=request.user, pk=pk)
    return _detail(request, case, NoteForm(), StatusForm(initial={"status": case.status}))


def _detail(
    request: HttpRequest, case: cases.FollowUpCase, note: NoteForm, status: StatusForm
) -> HttpResponse:
    return render(
        request,
        "loop/case_detail.html",
        {
            "case": case,
            "notes": case.notes.select_related("author"),
            "note_form": note,
            "status_form": status,
            "may_work": cases.may_work(request.user, case),
            "now": timezone.now(),
        },
    )


@require_POST
def case_note(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_post(request, pk, NoteForm, cases.case_note_add)


@require_POST
def case_status(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_post(request, pk, StatusForm, cases.case_status_set)


def _case_post(
    request: HttpRequest,
    pk: int,
    form_class: type[NoteForm] | type[StatusForm],
    write: Callable[..., object],
) -> HttpResponse:
    """Apply one of the case page's forms; back to the case, or the page again with errors."""
    case = case_queries.case_get(actor=request.user, pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            write(actor=request.user, case=case, **form.cleaned_data)
        except errors.ValidationError as exc:
            form.add_error(exc.where if exc.where in form.fields else None, exc.detail)
        else:
            messages.success(request, _("Saved."))
            return redirect("case_detail", pk=case.pk)
    note = form if isinstance(form, NoteForm) else NoteForm()
    status = form if isinstance(form, StatusForm) else StatusForm(initial={"status": case.status})
    return _detail(request, case, note, status)


@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    alerts = case_queries.alert_list(actor=request.user)[:200]
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

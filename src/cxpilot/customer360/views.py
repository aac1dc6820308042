"""Pages of the customer 360: the search, and one person whole. Thin views: the reads and the
permission checks are the selectors'."""

from __future__ import annotations

import math
import unicodedata
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from cxpilot.customer360 import selectors as c360
from cxpilot.customer360 import services
from cxpilot.customers.models import RECORD_LABELS
from cxpilot.kernel import errors, roles, web
from cxpilot.organisation.models import Channel

#: Persons on a page of the search.
PERSONS_PER_PAGE = 25
#: Events on a page of a person's timeline.
EVENTS_PER_PAGE = 50

FIELD_LABELS = RECORD_LABELS
#: The kinds of event of the timeline, as its filter names them.
KIND_LABELS = {
    "interaction": _("Interactions"),
    "answer": _("Survey answers"),
    "transaction": _("Purchases and refunds"),
}
#: What a search was read as.
SEARCH_KIND_LABELS = {
    "person": _("a person id"),
    "record": _("a record"),
    "customer_id": _("a customer id"),
    "email": _("an e-mail"),
    "phone": _("a phone number"),
    "name": _("a name"),
}


class SearchForm(forms.Form):
    """The search box (what it may hold is the selector's to check) and the page."""

    q = forms.CharField(label=_("Name, e-mail, phone or id"), required=False, strip=False)
    page = web.PageField()


class TimelineForm(forms.Form):
    """The timeline's filter by kind of event, and its page."""

    kind = forms.MultipleChoiceField(
        label=_("Show"),
        required=False,
        choices=list(KIND_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    page = web.PageField()


class EraseForm(forms.Form):
    """Why a person is erased (kept in the erasure log: it may not name them)."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Kept in the erasure log, which holds no personal data: do not write the person's "
            "name, e-mail, phone or ids (e.g. “request by e-mail of 2 March, ticket 1234”)."
        ),
    )


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _sources(text: Any) -> str:
    """The sources of a golden record (``crm,eshop``) as a reader reads them."""
    return ", ".join(s for s in str(text or "").split(",") if s)


def _pages(total: int, per_page: int) -> int:
    return max(1, math.ceil(total / per_page))


@require_GET
def customer_search(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, c360.VIEW)
    form = SearchForm(request.GET or None)
    found: Any = None
    page = 1
    status = 200
    if form.is_bound and "q" in request.GET:
        if form.is_valid():
            page = form.cleaned_data["page"] or 1
            try:
                found = c360.customers_search(
                    actor=request.user,
                    query=form.cleaned_data["q"],
                    limit=PERSONS_PER_PAGE,
                    offset=(page - 1) * PERSONS_PER_PAGE,
                )
                if not found.rows and found.total:  # past the last page: the last one
                    page = _pages(found.total, PERSONS_PER_PAGE)
                    found = c360.customers_search(
                        actor=request.user,
                        query=form.cleaned_data["q"],
                        limit=PERSONS_PER_PAGE,
                        offset=(page - 1) * PERSONS_PER_PAGE,
                    )
            except errors.ValidationError as exc:
                web.form_errors(form, exc, field=lambda where: "q" if where == "query" else where)
        if form.errors:
            status = 400
    pages = _pages(found.total, PERSONS_PER_PAGE) if found else 1
    for row in found.rows if found else ():
        row["sources_shown"] = _sources(row.get("sources"))
    return render(
        request,
        "customer360/search.html",
        {
            "form": form,
            "found": found,
            "read_as": [SEARCH_KIND_LABELS[k] for k in found.kinds] if found else [],
            "page": page,
            "pages": pages,
            "first": (page - 1) * PERSONS_PER_PAGE + 1,
            "last": (page - 1) * PERSONS_PER_PAGE + len(found.rows) if found else 0,
            "base_query": _query_without_page(request),
            "base": c360.customers_counted(actor=request.user),
        },
        status=status,
    )


def _not_found(
    request: HttpRequest, key: str, exc: errors.NotFound | errors.ValidationError
) -> HttpResponse:
    return render(
        request,
        "customer360/not_found.html",
        {
            "key": key,
            "detail": exc.detail,
            "bad": not isinstance(exc, errors.NotFound),
            "form": SearchForm(),
        },
        status=404 if isinstance(exc, errors.NotFound) else 400,
    )


def _key_checked(key: str) -> None:
    """A person id or record in a URL holds no control character (``%00`` would hide)."""
    bad = next((ch for ch in key if unicodedata.category(ch) in ("Cc", "Cf")), None)
    if bad is not None:
        raise errors.ValidationError(
            gettext("an id holds no control character, and this one holds U+%(code)04X")
            % {"code": ord(bad)},
            where="ID",
        )


@require_GET
def customer_detail(request: HttpRequest, person_id: str) -> HttpResponse:
    roles.require(request.user, c360.VIEW)
    try:
        _key_checked(person_id)
        customer = c360.customer_get(actor=request.user, key=person_id)
    except (errors.NotFound, errors.ValidationError) as exc:
        return _not_found(request, person_id, exc)
    if customer.person_id != person_id:  # a record, or an id merged into another since
        target = reverse("customer_detail", args=[customer.person_id])
        query = request.GET.urlencode()
        return redirect(f"{target}?{query}" if query else target)
    form = TimelineForm(request.GET or None)
    kinds: list[str] = []
    page = 1
    if form.is_bound and form.is_valid():
        kinds = form.cleaned_data["kind"]
        page = form.cleaned_data["page"] or 1

    def timeline_page(number: int) -> c360.Timeline:
        return c360.customer_timeline(
            actor=request.user,
            person_id=customer.person_id,
            kinds=kinds,
            limit=EVENTS_PER_PAGE,
            offset=(number - 1) * EVENTS_PER_PAGE,
            records=customer.keys,
        )

    timeline = timeline_page(page)
    if not timeline.events and timeline.total:  # past the last page: the last one
        page = _pages(timeline.total, EVENTS_PER_PAGE)
        timeline = timeline_page(page)
    channels = dict(Channel.choices)
    for event in timeline.events:  # a known channel in the user's language, others as written
        event["channel"] = channels.get(event.get("channel"), event.get("channel"))
    segments = c360.segment_names()
    return render(
        request,
        "customer360/person.html",
        {
            "customer": customer,
            "sources": _sources(customer.golden.get("sources")),
            "name": " ".join(
                str(customer.golden[k])
                for k in ("first_name", "last_name")
                if customer.golden.get(k)
            ),
            "fields": [
                (FIELD_LABELS.get(f, f), g, values)
                if f != "segment"
                else (
                    FIELD_LABELS.get(f, f),
                    segments.get(g, g),
                    [segments.get(v, v) for v in values],
                )
                for f, g, values in customer.fields
            ],
            "kinds": [(k, KIND_LABELS[k], customer.counts.get(k, 0)) for k in c360.KINDS],
            "form": form,
            "selected": kinds,
            "now": timezone.now(),
            "timeline": timeline,
            "page": page,
            "pages": _pages(timeline.total, EVENTS_PER_PAGE),
            "first": (page - 1) * EVENTS_PER_PAGE + 1,
            "last": (page - 1) * EVENTS_PER_PAGE + len(timeline.events),
            "base_query": _query_without_page(request),
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def customer_erase(request: HttpRequest, person_id: str) -> HttpResponse:
    """Erase a person (GDPR art. 17): their records and every row of theirs, in both stores,
    after a confirmation that shows what goes."""
    roles.require(request.user, services.ERASE)
    roles.require(request.user, c360.VIEW)
    try:
        _key_checked(person_id)
        customer = c360.customer_get(actor=request.user, key=person_id)
    except (errors.NotFound, errors.ValidationError) as exc:
        return _not_found(request, person_id, exc)
    if customer.person_id != person_id:
        return redirect("customer_erase", customer.person_id)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            done = services.person_erase(
                actor=request.user, person_id=person_id, reason=form.cleaned_data["reason"]
            )
        except errors.ValidationError as exc:
            web.form_errors(form, exc, field=lambda where: "reason" if where == "reason" else None)
        else:
            messages.success(
                request,
                ngettext(
                    "%(person)s is erased: %(records)d record and %(rows)d rows in all.",
                    "%(person)s is erased: %(records)d records and %(rows)d rows in all.",
                    done["records"],
                )
                % {
                    "person": done["person_id"],
                    "records": done["records"],
                    "rows": sum(done["rows"].values()),
                },
            )
            return redirect("customer_search")
    return render(
        request,
        "customer360/erase.html",
        {"customer": customer, "form": form},
        status=422 if form.errors else 200,
    )

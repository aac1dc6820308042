"""Pages of the app shell and the organisation model. Thin: forms check, services write,
selectors read; errors of the one exception tree become 403, 404 or form errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from cxpilot.kernel import roles
from cxpilot.kernel.web import form_call
from cxpilot.organisation import selectors, services
from cxpilot.organisation.forms import (
    BrandPromiseForm,
    DepartmentForm,
    JourneyForm,
    SegmentForm,
    StageFormSet,
    TouchpointFilterForm,
    TouchpointForm,
    stage_specs,
)

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, P], HttpResponse]

T = TypeVar("T")
StrOrPromise = str | Promise


def _delete_page(
    request: HttpRequest,
    *,
    obj: Any,
    perm: str,
    delete: Callable[[], None],
    cancel_url: str,
    done_url: str,
    consequences: str = "",
) -> HttpResponse:
    roles.require(request.user, perm)
    if request.method == "POST":
        delete()
        messages.success(request, gettext("“%(name)s” was deleted.") % {"name": obj})
        return redirect(done_url)
    return render(
        request,
        "organisation/confirm_delete.html",
        {
            "object": obj,
            "verbose_name": obj._meta.verbose_name,
            "cancel_url": cancel_url,
            "consequences": consequences,
        },
    )


def _form_page(
    request: HttpRequest,
    *,
    form: forms.BaseForm,
    save: Callable[[dict[str, Any]], Any],
    created: bool,
    title: StrOrPromise,
    cancel_url: str,
    done: Callable[[Any], str],
) -> HttpResponse:
    """A create or edit page: on a valid POST the service saves (its ValidationError becomes
    form errors) and the browser goes to ``done(saved object)``."""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = form_call(form, lambda: save(data))
        if saved is not None:
            _saved(request, saved, created=created)
            return redirect(done(saved))
    return render(
        request, "organisation/form.html", {"form": form, "title": title, "cancel_url": cancel_url}
    )


def _saved(request: HttpRequest, obj: Any, created: bool) -> None:
    text = gettext("“%(name)s” was created.") if created else gettext("“%(name)s” was saved.")
    messages.success(request, text % {"name": obj})


# --- Departments ---------------------------------------------------------------------------


@require_GET
def department_list(request: HttpRequest) -> HttpResponse:
    departments = selectors.department_list(actor=request.user)
    return render(request, "organisation/department_list.html", {"departments": departments})


@require_GET
def department_detail(request: HttpRequest, pk: int) -> HttpResponse:
    department = selectors.department_get(actor=request.user, pk=pk)
    return render(request, "organisation/department_detail.html", {"department": department})


@require_http_methods(["GET", "POST"])
def department_create(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, "organisation.add_department")
    return _form_page(
        request,
        form=DepartmentForm(request.POST or None),
        save=lambda data: services.department_create(actor=request.user, **data),
        created=True,
        title=_("New department"),
        cancel_url=reverse("department_list"),
        done=lambda d: reverse("department_detail", args=[d.pk]),
    )


@require_http_methods(["GET", "POST"])
def department_update(request: HttpRequest, pk: int) -> HttpResponse:
    roles.require(request.user, "organisation.change_department")
    department = selectors.department_get(actor=request.user, pk=pk)
    return _form_page(
        request,
        form=DepartmentForm(request.POST or None, instance=department),
        save=lambda data: services.department_update(
            actor=request.user, department=department, data=data
        ),
        created=False,
        title=_("Edit department"),
        cancel_url=reverse("department_detail", args=[pk]),
        done=lambda d: reverse("department_detail", args=[d.pk]),
    )


@require_http_methods(["GET", "POST"])
def department_delete(request: HttpRequest, pk: int) -> HttpResponse:
    department = selectors.department_get(actor=request.user, pk=pk)
    count = len(department.touchpoints.all())
    return _delete_page(
        request,
        obj=department,
        perm="organisation.delete_department",
        delete=lambda: services.department_delete(actor=request.user, department=department),
        cancel_url=reverse("department_detail", args=[pk]),
        done_url=reverse("department_list"),
        consequences=ngettext(
            "Its touchpoint will stay, with no owning department.",
            "Its %(count)d touchpoints will stay, with no owning department.",
            count,
        )
        % {"count": count}
        if count
        else "",
    )


# --- Touchpoints ---------------------------------------------------------------------------


@require_GET
def touchpoint_list(request: HttpRequest) -> HttpResponse:
    filters = TouchpointFilterForm(request.GET or None)
    criteria: dict[str, Any] = {}
    if filters.is_valid():
        criteria = {k: v for k, v in filters.cleaned_data.items() if v}
    touchpoints = selectors.touchpoint_list(actor=request.user, **criteria)
    return render(
        request,
        "organisation/touchpoint_list.html",
        {"touchpoints": touchpoints, "filters": filters, "filtered": bool(criteria)},
    )


@require_GET
def touchpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    touchpoint = selectors.touchpoint_get(actor=request.user, pk=pk)
    return render(request, "organisation/touchpoint_detail.html", {"touchpoint": touchpoint})


@require_http_methods(["GET", "POST"])
def touchpoint_create(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, "organisation.add_touchpoint")
    initial = {}
    if stage := request.GET.get("stage", ""):
        initial["stage"] = stage
    if department := request.GET.get("department", ""):
        initial["department"] = department
    return _form_page(
        request,
        form=TouchpointForm(request.POST or None, initial=initial),
        save=lambda data: services.touchpoint_create(actor=request.user, **data),
        created=True,
        title=_("New touchpoint"),
        cancel_url=reverse("touchpoint_list"),
        done=lambda t: reverse("touchpoint_detail", args=[t.pk]),
    )


@require_http_methods(["GET", "POST"])
def touchpoint_update(request: HttpRequest, pk: int) -> HttpResponse:
    roles.require(request.user, "organisation.change_touchpoint")
    touchpoint = selectors.touchpoint_get(actor=request.user, pk=pk)
    return _form_page(
        request,
        form=TouchpointForm(request.POST or None, instance=touchpoint),
        save=lambda data: services.touchpoint_update(
            actor=request.user, touchpoint=touchpoint, data=data
        ),
        created=False,
        title=_("Edit touchpoint"),
        cancel_url=reverse("touchpoint_detail", args=[pk]),
        done=lambda t: reverse("touchpoint_detail", args=[t.pk]),
    )


@require_http_methods(["GET", "POST"])
def touchpoint_delete(request: HttpRequest, pk: int) -> HttpResponse:
    touchpoint = selectors.touchpoint_get(actor=request.user, pk=pk)
    return _delete_page(
        request,
        obj=touchpoint,
        perm="organisation.delete_touchpoint",
        delete=lambda: services.touchpoint_delete(actor=request.user, touchpoint=touchpoint),
        cancel_url=reverse("touchpoint_detail", args=[pk]),
        done_url=reverse("touchpoint_list"),
        consequences=gettext(
            "Data files and survey answers that name its key “%(key)s” will no longer match a touchpoint."
        )
        % {"key": touchpoint.key},
    )


# --- Journeys ------------------------------------------------------------------------------


@require_GET
def journey_list(request: HttpRequest) -> HttpResponse:
    journeys = selectors.journey_list(actor=request.user)
    return render(request, "organisation/journey_list.html", {"journeys": journeys})


@require_GET
def journey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    journey = selectors.journey_get(actor=request.user, pk=pk)
    return render(request, "organisation/journey_detail.html", {"journey": journey})


def _journey_page(
    request: HttpRequest, form: JourneyForm, formset: Any, title: Any, cancel_url: str
) -> HttpResponse:
    return render(
        request,
        "organisation/journey_form.html",
        {"form": form, "formset": formset, "title": title, "cancel_url": cancel_url},
    )


@require_http_methods(["GET", "POST"])
def journey_create(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, "organisation.add_journey")
    form = JourneyForm(request.POST or None)
    formset = StageFormSet(request.POST or None, prefix="stages")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data, stages = form.cleaned_data, stage_specs(formset)
        journey = form_call(
            form,
            lambda: services.journey_create(actor=request.user, stages=stages, **data),
        )
        if journey is not None:
            _saved(request, journey, created=True)
            return redirect("journey_detail", pk=journey.pk)
    return _journey_page(request, form, formset, _("New journey"), reverse("journey_list"))


@require_http_methods(["GET", "POST"])
def journey_update(request: HttpRequest, pk: int) -> HttpResponse:
    roles.require(request.user, "organisation.change_journey")
    journey = selectors.journey_get(actor=request.user, pk=pk)
    form = JourneyForm(request.POST or None, instance=journey)
    formset = StageFormSet(request.POST or None, instance=journey, prefix="stages")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data, stages = form.cleaned_data, stage_specs(formset)
        saved = form_call(
            form,
            lambda: services.journey_update(
                actor=request.user, journey=journey, data=data, stages=stages
            ),
        )
        if saved is not None:
            _saved(request, saved, created=False)
            return redirect("journey_detail", pk=saved.pk)
    return _journey_page(
        request, form, formset, _("Edit journey"), reverse("journey_detail", args=[pk])
    )


@require_http_methods(["GET", "POST"])
def journey_delete(request: HttpRequest, pk: int) -> HttpResponse:
    journey = selectors.journey_get(actor=request.user, pk=pk)
    stages = journey.stages.all()
    touchpoints = sum(len(stage.touchpoints.all()) for stage in stages)
    consequences = ngettext(
        "Its stage will be deleted too.", "Its %(count)d stages will be deleted too.", len(stages)
    ) % {"count": len(stages)}
    if touchpoints:
        consequences += " " + ngettext(
            "Its touchpoint will stay, with no journey stage.",
            "Its %(count)d touchpoints will stay, with no journey stage.",
            touchpoints,
        ) % {"count": touchpoints}
    return _delete_page(
        request,
        obj=journey,
        perm="organisation.delete_journey",
        delete=lambda: services.journey_delete(actor=request.user, journey=journey),
        cancel_url=reverse("journey_detail", args=[pk]),
        done_url=reverse("journey_list"),
        consequences=consequences if stages else "",
    )


# --- Segments ------------------------------------------------------------------------------


@require_GET
def segment_list(request: HttpRequest) -> HttpResponse:
    segments = selectors.segment_list(actor=request.user)
    return render(request, "organisation/segment_list.html", {"segments": segments})


@require_http_methods(["GET", "POST"])
def segment_create(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, "organisation.add_segment")
    return _form_page(
        request,
        form=SegmentForm(request.POST or None),
        save=lambda data: services.segment_create(actor=request.user, **data),
        created=True,
        title=_("New segment"),
        cancel_url=reverse("segment_list"),
        done=lambda _segment: reverse("segment_list"),
    )


@require_http_methods(["GET", "POST"])
def segment_update(request: HttpRequest, pk: int) -> HttpResponse:
    roles.require(request.user, "organisation.change_segment")
    segment = selectors.segment_get(actor=request.user, pk=pk)
    return _form_page(
        request,
        form=SegmentForm(request.POST or None, instance=segment),
        save=lambda data: services.segment_update(actor=request.user, segment=segment, data=data),
        created=False,
        title=_("Edit segment"),
        cancel_url=reverse("segment_list"),
        done=lambda _segment: reverse("segment_list"),
    )


@require_http_methods(["GET", "POST"])
def segment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    segment = selectors.segment_get(actor=request.user, pk=pk)
    return _delete_page(
        request,
        obj=segment,
        perm="organisation.delete_segment",
        delete=lambda: services.segment_delete(actor=request.user, segment=segment),
        cancel_url=reverse("segment_list"),
        done_url=reverse("segment_list"),
    )


# --- Brand promises ------------------------------------------------------------------------


@require_GET
def brand_promise_list(request: HttpRequest) -> HttpResponse:
    promises = selectors.brand_promise_list(actor=request.user)
    return render(request, "organisation/brand_promise_list.html", {"promises": promises})


@require_http_methods(["GET", "POST"])
def brand_promise_create(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, "organisation.add_brandpromise")
    return _form_page(
        request,
        form=BrandPromiseForm(request.POST or None),
        save=lambda data: services.brand_promise_create(
            actor=request.user,
            key=data["key"],
            statement=data["statement"],
            touchpoints=data["touchpoints"],
        ),
        created=True,
        title=_("New brand promise"),
        cancel_url=reverse("brand_promise_list"),
        done=lambda _promise: reverse("brand_promise_list"),
    )


@require_http_methods(["GET", "POST"])
def brand_promise_update(request: HttpRequest, pk: int) -> HttpResponse:
    roles.require(request.user, "organisation.change_brandpromise")
    promise = selectors.brand_promise_get(actor=request.user, pk=pk)
    return _form_page(
        request,
        form=BrandPromiseForm(request.POST or None, instance=promise),
        save=lambda data: services.brand_promise_update(
            actor=request.user,
            promise=promise,
            data={"key": data["key"], "statement": data["statement"]},
            touchpoints=data["touchpoints"],
        ),
        created=False,
        title=_("Edit brand promise"),
        cancel_url=reverse("brand_promise_list"),
        done=lambda _promise: reverse("brand_promise_list"),
    )


@require_http_methods(["GET", "POST"])
def brand_promise_delete(request: HttpRequest, pk: int) -> HttpResponse:
    promise = selectors.brand_promise_get(actor=request.user, pk=pk)
    return _delete_page(
        request,
        obj=promise,
        perm="organisation.delete_brandpromise",
        delete=lambda: services.brand_promise_delete(actor=request.user, promise=promise),
        cancel_url=reverse("brand_promise_list"),
        done_url=reverse("brand_promise_list"),
    )

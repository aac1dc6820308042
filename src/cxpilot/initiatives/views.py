"""Pages of the initiatives domain. Thin: forms shape the input, services write, selectors
read."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cxpilot.kernel import roles, web
from cxpilot.kernel.errors import CxPilotError

RULE = (
    "score = w_stake·stake + w_reach·reach + w_effect·effect − w_effort·effort "
    "(each criterion divided by its largest value in the backlog; effort S = 1/3, M = 2/3, L = 1)"
)


def _may(request: HttpRequest) -> dict[str, bool]:
    from cxpilot.initiatives import services

    return {
        "add": roles.may(request.user, services.ADD),
        "change": roles.may(request.user, services.CHANGE),
        "settings": roles.may(request.user, services.SETTINGS),
    }


@require_GET
def initiative_list(request: HttpRequest) -> HttpResponse:
    from cxpilot.initiatives import selectors
    from cxpilot.initiatives.forms import SettingsForm

    initiatives = list(selectors.initiative_list(actor=request.user))
    found = selectors.backlog(actor=request.user)
    may = _may(request)
    settings_form = SettingsForm(instance=selectors.settings_get()) if may["settings"] else None
    return render(
        request,
        "initiatives/list.html",
        {
            "initiatives": initiatives,
            "backlog": found,
            "rule": RULE,
            "may": may,
            "settings_form": settings_form,
            "nav_current": "initiatives",
        },
    )


@require_POST
def settings_update(request: HttpRequest) -> HttpResponse:
    from cxpilot.initiatives import selectors, services
    from cxpilot.initiatives.forms import SettingsForm

    roles.require(request.user, services.SETTINGS)
    form = SettingsForm(request.POST, instance=selectors.settings_get())
    if form.is_valid():
        saved = web.form_call(
            form,
            lambda: services.settings_update(
                actor=request.user, **{f: form.cleaned_data[f] for f in services.SETTING_FIELDS}
            ),
        )
        if saved is not None:
            messages.success(request, gettext("The settings were saved."))
            return redirect("initiatives:list")
    found = selectors.backlog(actor=request.user)
    return render(
        request,
        "initiatives/list.html",
        {
            "initiatives": list(selectors.initiative_list(actor=request.user)),
            "backlog": found,
            "rule": RULE,
            "may": _may(request),
            "settings_form": form,
            "nav_current": "initiatives",
        },
        status=400,
    )


def _form(request: HttpRequest, initiative: Any) -> HttpResponse:
    from cxpilot.governance.selectors import council_list
    from cxpilot.initiatives import services
    from cxpilot.initiatives.forms import InitiativeForm, initial_data
    from cxpilot.organisation import selectors as org

    touchpoints = [(t.key, f"{t.name} ({t.key})") for t in org.touchpoint_choices()]
    departments = [(d.key, d.name) for d in org.department_list(actor=None)]
    councils = [(str(c.pk), c.name) for c in council_list(actor=None)]
    initial = initial_data(initiative) if initiative is not None else {}
    if initiative is None and request.GET.get("council", "").isdigit():
        initial["council"] = request.GET["council"]  # from the council's page
    data = request.POST if request.method == "POST" else None
    form = InitiativeForm(
        data, initial=initial, touchpoints=touchpoints, departments=departments, councils=councils
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            saved = web.form_call(
                form,
                lambda: services.initiative_save(
                    actor=request.user, draft=form.draft(), initiative=initiative
                ),
            )
            if saved is not None:
                messages.success(request, gettext("“%(name)s” was saved.") % {"name": saved.name})
                return redirect("initiatives:detail", pk=saved.pk)
    if initiative is None:
        title, cancel = gettext("New initiative"), reverse("initiatives:list")
    else:
        title = gettext("Edit initiative")
        cancel = reverse("initiatives:detail", args=[initiative.pk])
    return render(
        request,
        "initiatives/form.html",
        {"form": form, "title": title, "cancel_url": cancel, "nav_current": "initiatives"},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def initiative_create(request: HttpRequest) -> HttpResponse:
    from cxpilot.initiatives import services

    roles.require(request.user, services.ADD)
    return _form(request, None)


@require_http_methods(["GET", "POST"])
def initiative_update(request: HttpRequest, pk: int) -> HttpResponse:
    from cxpilot.initiatives import selectors, services

    initiative = selectors.initiative_get(actor=request.user, pk=pk)
    roles.require(request.user, services.CHANGE)
    return _form(request, initiative)


@require_GET
def initiative_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from cxpilot.initiatives import selectors
    from cxpilot.initiatives.charts import effect_chart

    initiative = selectors.initiative_get(actor=request.user, pk=pk)
    effect, problem, spec = None, "", None
    if initiative.started_on is not None:
        try:
            effect = selectors.initiative_effect(actor=request.user, initiative=initiative)
        except CxPilotError as exc:
            problem = exc.detail
        else:
            spec = effect_chart(effect)
    assumption, returned = selectors.initiative_return(initiative, effect)
    source = initiative.source
    source_url = source if urlsplit(source).scheme in ("http", "https") else ""
    return render(
        request,
        "initiatives/detail.html",
        {
            "initiative": initiative,
            "touchpoints": selectors.touchpoint_keys(initiative),
            "effect": effect,
            "found": effect.as_dict() if effect else None,
            "problem": problem,
            "spec": spec,
            "assumption": assumption,
            "returned": returned,
            "source_url": source_url,
            "may": _may(request),
            "nav_current": "initiatives",
        },
    )

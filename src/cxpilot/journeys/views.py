"""Pages of the journeys domain. Thin: forms shape the input, services write, selectors
read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from cxpilot.kernel import roles, web
from cxpilot.kernel.errors import CxPilotError, ValidationError

# --- target journeys


def _choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
    """The organisation's journeys, touchpoints and segments, as (key, name) choices."""
    from cxpilot.organisation import selectors as org

    return (
        [(j.key, j.name) for j in org.journey_list(actor=None)],
        [(t.key, f"{t.name} ({t.key})") for t in org.touchpoint_choices()],
        [(s.key, s.name) for s in org.segment_list(actor=None)],
    )


def _deviation_label(d: dict[str, Any]) -> str:
    if d["kind"] == "missing_step":
        return gettext("Missing step: %(step)s") % {"step": d["step_name"]}
    if d["kind"] == "wrong_order":
        return gettext("Wrong order: %(step)s before %(before)s") % {
            "step": d["step_name"],
            "before": d["before_name"],
        }
    if d["kind"] == "time_limit":
        return gettext("Time limit breached: %(step)s (%(hours)s h)") % {
            "step": d["step_name"],
            "hours": f"{d['within_hours']:g}",
        }
    return gettext("Unexpected activity: %(activity)s") % {"activity": d["activity"]}


def _outcome_label(name: str) -> str:
    return {
        "nps": gettext("NPS (latest answer, start to 30 days after the end)"),
        "repeat_purchase": gettext("Repeat purchase within 90 days (%)"),
        "churn": gettext("Churn: no purchase after the case (%)"),
    }.get(name, name)


@require_GET
def target_list(request: HttpRequest) -> HttpResponse:
    from cxpilot.journeys import selectors, services

    targets = selectors.target_list(actor=request.user)
    may = {
        verb: roles.may(request.user, perm)
        for verb, perm in (
            ("add", services.ADD),
            ("change", services.CHANGE),
            ("delete", services.DELETE),
        )
    }
    return render(request, "journeys/target_list.html", {"targets": targets, "may": may})


def _target_form(request: HttpRequest, target: Any) -> HttpResponse:
    from cxpilot.journeys import selectors, services
    from cxpilot.journeys.forms import (
        StepFormSet,
        TargetForm,
        definition_data,
        initial_data,
        put_errors,
    )
    from cxpilot.journeys.targets import parse

    journeys, touchpoints, _segments = _choices()
    initial: dict[str, Any] = {"case": "person", "activity": "touchpoint"}
    steps: list[dict[str, Any]] = []
    if target is not None:
        initial, steps = initial_data(
            selectors.target_definition(target), {k for k, _n in touchpoints}
        )
    data = request.POST if request.method == "POST" else None
    form = TargetForm(data, initial=initial, journeys=journeys)
    formset = StepFormSet(data, initial=steps or None, prefix="steps", touchpoints=touchpoints)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and formset.is_valid():
            raw, rows = definition_data(form, formset)
            try:
                saved = services.target_save(
                    actor=request.user, definition=parse(raw), target=target
                )
            except ValidationError as exc:
                put_errors(exc, form, formset, rows)
            else:
                messages.success(request, gettext("“%(name)s” was saved.") % {"name": saved.name})
                return redirect("journeys:target_report", key=saved.key)
    if target is None:
        title, cancel = gettext("New target journey"), reverse("journeys:target_list")
    else:
        title = gettext("Edit target journey")
        cancel = reverse("journeys:target_report", args=[target.key])
    return render(
        request,
        "journeys/target_form.html",
        {"form": form, "formset": formset, "title": title, "cancel_url": cancel, "no_step": "-"},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def target_create(request: HttpRequest) -> HttpResponse:
    from cxpilot.journeys import services

    roles.require(request.user, services.ADD)
    return _target_form(request, None)


@require_http_methods(["GET", "POST"])
def target_update(request: HttpRequest, key: str) -> HttpResponse:
    from cxpilot.journeys import selectors, services

    target = selectors.target_get(actor=request.user, key=key)
    roles.require(request.user, services.CHANGE)
    return _target_form(request, target)


@require_http_methods(["GET", "POST"])
def target_import(request: HttpRequest) -> HttpResponse:
    from cxpilot.journeys import services
    from cxpilot.journeys.forms import ImportForm

    roles.require(request.user, services.ADD)
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            upload = data.get("upload")
            text: str | bytes = upload.read() if upload is not None else data["text"]
            where = upload.name if upload is not None else gettext("the YAML")
            try:
                target, created = services.target_load(
                    actor=request.user, text=text, where=str(where)[:80], replace=data["replace"]
                )
            except ValidationError as exc:
                for problem in exc.problems or ():
                    form.add_error(None, str(problem))
                if not exc.problems:
                    form.add_error(None, str(exc))
            else:
                text_done = (
                    gettext("“%(name)s” was created.")
                    if created
                    else gettext("“%(name)s” was replaced.")
                )
                messages.success(request, text_done % {"name": target.name})
                return redirect("journeys:target_report", key=target.key)
    return render(
        request,
        "journeys/target_import.html",
        {
            "form": form,
            "title": gettext("Import a target journey"),
            "cancel_url": reverse("journeys:target_list"),
        },
        status=status,
    )


@require_GET
def target_yaml(request: HttpRequest, key: str) -> HttpResponse:
    from cxpilot.journeys import selectors

    target = selectors.target_get(actor=request.user, key=key)
    response = HttpResponse(
        selectors.target_definition(target).to_yaml(),
        content_type="application/yaml; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{target.key}.yaml"'
    return response


@require_http_methods(["GET", "POST"])
def target_delete(request: HttpRequest, key: str) -> HttpResponse:
    from cxpilot.journeys import selectors, services

    target = selectors.target_get(actor=request.user, key=key)
    roles.require(request.user, services.DELETE)
    if request.method == "POST":
        services.target_delete(actor=request.user, target=target)
        messages.success(request, gettext("“%(name)s” was deleted.") % {"name": target.name})
        return redirect("journeys:target_list")
    return render(
        request,
        "journeys/target_delete.html",
        {"target": target, "cancel_url": reverse("journeys:target_report", args=[key])},
    )


@require_GET
def target_report(request: HttpRequest, key: str) -> HttpResponse:
    """A target journey: its steps, and the conformance of the warehouse's journeys to it."""
    from cxpilot.journeys import charts, selectors, services
    from cxpilot.journeys.forms import ReportForm

    target = selectors.target_get(actor=request.user, key=key)
    definition = selectors.target_definition(target)
    _j, _t, segments = _choices()
    form = ReportForm(request.GET or None)
    context: dict[str, Any] = {
        "target": target,
        "definition": definition,
        "form": form,
        "segments": segments,
        "may_change": roles.may(request.user, services.CHANGE),
        "may_delete": roles.may(request.user, services.DELETE),
        "may_analyse": roles.may(request.user, selectors.ANALYTICS),
        "report": None,
    }
    if context["may_analyse"] and (not request.GET or form.is_valid()):
        data = form.cleaned_data if request.GET else {}
        try:
            report = selectors.target_conformance(
                actor=request.user,
                definition=definition,
                start=data.get("from"),
                end=data.get("to"),
                segment=data.get("segment") or None,
            )
        except CxPilotError as exc:
            context["problem"] = str(exc)
        else:
            for d in report.deviations:
                d["label"] = _deviation_label(d)
            for o in report.outcomes or []:
                o["label"] = _outcome_label(o["outcome"])
            context["report"] = report
            if report.deviations:
                context["chart"] = charts.deviations_chart(report.deviations)
    return render(
        request,
        "journeys/target_report.html",
        context,
        status=200 if form.is_bound is False or form.is_valid() else 400,
    )


# --- consistency and promises --------------------------------------------------------------

ANALYTICS = "organisation.view_analytics"


class PeriodSegmentForm(forms.Form):
    """A period (``from``, ``to``) and a segment of the organisation, every field optional."""

    def __init__(self, data: QueryDict | Mapping[str, Any]) -> None:
        from cxpilot.organisation.models import Segment

        super().__init__(data)
        self.fields["from"] = web.DateField(label=_("From"), required=False)
        self.fields["to"] = web.DateField(label=_("To"), required=False)
        segments = list(Segment.objects.order_by("name").values_list("key", "name"))
        self.fields["segment"] = forms.ChoiceField(
            label=_("Segment"), required=False, choices=[("", _("All segments")), *segments]
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("from") and data.get("to") and data["to"] < data["from"]:
            self.add_error("to", gettext("The end of the period is before its start."))
        return data


def _checked(request: HttpRequest, template: str, read: Any) -> HttpResponse:
    """The page of ``template``: the filters checked, then ``read`` (a selector)."""
    roles.require(request.user, ANALYTICS)
    form = PeriodSegmentForm(request.GET)
    context: dict[str, Any] = {"form": form, "result": None, "problem": ""}
    if not form.is_valid():
        return render(request, template, context, status=400)
    values = form.cleaned_data
    try:
        context["result"] = read(
            actor=request.user,
            start=values["from"],
            end=values["to"],
            segment=values["segment"] or None,
        )
    except ValidationError as exc:
        context["problem"] = exc.detail
    return render(request, template, context)


@require_GET
def consistency_page(request: HttpRequest) -> HttpResponse:
    """The human − digital gap per stage, paired per person."""
    from cxpilot.journeys.consistency import consistency

    return _checked(request, "journeys/consistency.html", consistency)


@require_GET
def promises_page(request: HttpRequest) -> HttpResponse:
    """The measured brand promises, kept or not, per touchpoint and month."""
    from cxpilot.journeys.promises import promises_checked

    return _checked(request, "journeys/promises.html", promises_checked)

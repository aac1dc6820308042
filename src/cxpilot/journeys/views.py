"""Pages of the journeys domain."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from cxpilot.kernel import roles, web
from cxpilot.kernel.errors import ValidationError

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

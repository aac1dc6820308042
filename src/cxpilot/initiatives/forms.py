"""Forms of the initiatives pages: they shape the input; the services check and write it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cxpilot.initiatives.models import Effort, Initiative, InitiativeSettings, Metric, Status
from cxpilot.initiatives.services import Draft
from cxpilot.kernel.web import DateField


def money(label: Any, *, required: bool = True, initial: int | None = None) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        initial=initial,
        min_value=0,
        max_value=999_999_999_999,
        decimal_places=2,
        max_digits=14,
    )


class InitiativeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    touchpoints = forms.MultipleChoiceField(
        label=_("Touchpoints addressed"), widget=forms.CheckboxSelectMultiple
    )
    themes = forms.CharField(
        label=_("Irritants addressed"),
        required=False,
        max_length=5000,
        help_text=_("Labels of verbatim themes, one a line (as on the Irritants page)."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    metric = forms.ChoiceField(label=_("KPI it should move"), choices=Metric.choices)
    expected_change = forms.FloatField(
        label=_("Expected change"),
        required=False,
        min_value=-200,
        max_value=200,
        help_text=_("In points of the KPI (CES or CSAT mean, NPS points)."),
    )
    department = forms.ChoiceField(
        label=_("Owning department"),
        required=False,
        help_text=_("Empty: the department the RACI makes responsible for the touchpoints."),
    )
    effort = forms.ChoiceField(label=_("Effort"), choices=Effort.choices, initial=Effort.M)
    person_days = forms.IntegerField(
        label=_("Person-days"), required=False, min_value=0, max_value=1_000_000
    )
    cost_one_off = money(_("One-off cost"), initial=0)
    cost_monthly = money(_("Running cost per month"), initial=0)
    expected_return = money(_("Expected return per year"), required=False)
    customers_reached = forms.IntegerField(
        label=_("Customers reached in a year"),
        required=False,
        min_value=0,
        max_value=2_000_000_000,
        help_text=_("Used to turn the measured effect into a return."),
    )
    planned_on = DateField(label=_("Planned for"), required=False)
    started_on = DateField(label=_("Started on"), required=False)
    done_on = DateField(label=_("Done on"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("From the dates")), *Status.choices],
    )
    source = forms.CharField(
        label=_("Comes from"),
        required=False,
        max_length=500,
        help_text=_("The roadmap action or council decision (text or link)."),
    )
    council = forms.ChoiceField(
        label=_("Decided by the council"),
        required=False,
        help_text=_("The council's page lists the initiatives it decided."),
    )

    def __init__(
        self,
        *args: Any,
        touchpoints: list[tuple[str, str]],
        departments: list[tuple[str, str]],
        councils: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["touchpoints"].choices = touchpoints  # type: ignore[attr-defined]
        self.fields["department"].choices = [("", "—"), *departments]  # type: ignore[attr-defined]
        self.fields["council"].choices = [("", "—"), *(councils or [])]  # type: ignore[attr-defined]

    def draft(self) -> Draft:
        data = dict(self.cleaned_data)
        data["themes"] = [t for t in data["themes"].splitlines() if t.strip()]
        data["council"] = int(data["council"]) if data.get("council") else None
        return Draft(**data)


def initial_data(initiative: Initiative) -> dict[str, Any]:
    fields = (
        "name description metric expected_change effort person_days cost_one_off cost_monthly "
        "expected_return customers_reached planned_on started_on done_on status source"
    ).split()
    data = {f: getattr(initiative, f) for f in fields}
    data["touchpoints"] = [t.key for t in initiative.touchpoints.all()]
    data["themes"] = "\n".join(initiative.themes)
    data["department"] = initiative.department.key if initiative.department else ""
    data["council"] = str(initiative.council_id) if initiative.council_id else ""
    return data


class SettingsForm(forms.ModelForm):
    class Meta:
        model = InitiativeSettings
        fields = (
            "weight_stake",
            "weight_reach",
            "weight_effect",
            "weight_effort",
            "value_nps",
            "value_ces",
            "value_csat",
            "window_months",
            "horizon_months",
        )

"""Forms of the organisation pages. They check input; the services write."""

from __future__ import annotations

from typing import Any

import yaml
from django import forms
from django.utils.translation import gettext_lazy as _

from cxpilot.kernel.errors import ValidationError
from cxpilot.kernel.textfiles import yaml_load
from cxpilot.organisation import selectors
from cxpilot.organisation.checks import promise_check
from cxpilot.organisation.models import (
    BrandPromise,
    Channel,
    Department,
    Journey,
    JourneyStage,
    Phase,
    Segment,
    Touchpoint,
)


class NamedForm(forms.ModelForm):
    """The form of a ``Named`` entity: key, name and a short description."""

    class Meta:
        fields = ["key", "name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class DepartmentForm(NamedForm):
    class Meta(NamedForm.Meta):
        model = Department


class TouchpointForm(forms.ModelForm):
    class Meta:
        model = Touchpoint
        fields = ["key", "name", "channel", "mode", "phase", "stage", "department"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stage = self.fields["stage"]
        assert isinstance(stage, forms.ModelChoiceField)
        stage.queryset = selectors.stage_choices()


class TouchpointFilterForm(forms.Form):
    """The filters of the touchpoint list (a GET form; every field optional)."""

    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("All channels")), *Channel.choices],
    )
    phase = forms.ChoiceField(
        label=_("Purchase phase"),
        required=False,
        choices=[("", _("All phases")), *Phase.choices],
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        required=False,
        queryset=Department.objects.order_by("name"),
        empty_label=_("All departments"),
    )


class JourneyForm(NamedForm):
    class Meta(NamedForm.Meta):
        model = Journey


class StageForm(forms.ModelForm):
    """One stage row of a journey. Its order comes from the formset's order field."""

    class Meta:
        model = JourneyStage
        fields = ["key", "name", "phase"]

    def validate_unique(self) -> None:
        """Skip the per-row database check: every stage of the journey is in the formset,
        which checks keys against each other, so keys can be swapped between stages."""


StageFormSet = forms.inlineformset_factory(
    Journey,
    JourneyStage,
    form=StageForm,
    fields=["key", "name", "phase"],
    extra=3,
    can_order=True,
    can_delete=True,
)


def stage_specs(formset: forms.BaseInlineFormSet[Any, Any, Any]) -> list[dict[str, Any]]:
    """The stages a valid formset describes, in their chosen order, for the journey services."""
    specs = []
    for form in formset.ordered_forms:
        spec: dict[str, Any] = {name: form.cleaned_data[name] for name in ("key", "name", "phase")}
        if form.instance.pk is not None:
            spec["id"] = form.instance.pk
        specs.append(spec)
    return specs


class SegmentForm(NamedForm):
    class Meta(NamedForm.Meta):
        model = Segment
        fields = ["key", "name", "is_persona", "description"]


class MeasureField(forms.CharField):
    """A brand promise's measure written as YAML (or JSON): a mapping, checked by
    :func:`~cxpilot.organisation.checks.promise_check`."""

    widget = forms.Textarea(attrs={"rows": 5, "spellcheck": "false"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return yaml.safe_dump(value, allow_unicode=True, sort_keys=False).strip()
        return value

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return None
        try:
            found = yaml_load(text)
        except yaml.YAMLError:
            raise forms.ValidationError(_("Not valid YAML.")) from None
        try:
            return promise_check(found)
        except ValidationError as exc:
            raise forms.ValidationError(str(exc)) from None


class BrandPromiseForm(forms.ModelForm):
    measure = MeasureField(
        label=_("Measure"),
        required=False,
        help_text=_(
            "Optional, in YAML. A delay: “from: {types: [order], touchpoints: [website]}”, "
            "“to: {touchpoints: [delivery]}”, “within_hours: 48”. A score: “metric: csat”, "
            "“at_least: 4” (on the promise's touchpoints)."
        ),
    )

    class Meta:
        model = BrandPromise
        fields = ["key", "statement", "touchpoints", "measure"]
        widgets = {
            "statement": forms.Textarea(attrs={"rows": 3}),
            "touchpoints": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        touchpoints = self.fields["touchpoints"]
        assert isinstance(touchpoints, forms.ModelMultipleChoiceField)
        touchpoints.queryset = selectors.touchpoint_choices()


ROLE_CHOICES = [
    ("cx_lead", _("CX lead")),
    ("analyst", _("Analyst")),
    ("department_owner", _("Department owner")),
    ("viewer", _("Viewer")),
    ("admin", _("Administrator")),
]


class _RoleFields(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.order_by("name"),
        required=False,
        help_text=_("A department owner works the cases of their department."),
    )


class InviteForm(_RoleFields):
    email = forms.EmailField(label=_("E-mail address"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    field_order = ["email", "first_name", "last_name", "role", "department"]


class UserRoleForm(_RoleFields):
    is_active = forms.BooleanField(label=_("May log in"), required=False)


class PeriodSegmentForm(forms.Form):
    """The filters most analysis pages share (a GET form; every field optional): a period
    (``from``, ``to``, the end not before the start) and a segment of the organisation."""

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        from cxpilot.kernel import web

        super().__init__(data, **kwargs)
        self.fields["from"] = web.DateField(label=_("From"), required=False)
        self.fields["to"] = web.DateField(label=_("To"), required=False)
        segments = [(s.key, s.name) for s in selectors.segment_list(actor=None)]
        self.fields["segment"] = forms.ChoiceField(
            label=_("Segment"), required=False, choices=[("", _("All segments")), *segments]
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("from") and data.get("to") and data["to"] < data["from"]:
            self.add_error("to", _("The end of the period is before its start."))
        return data

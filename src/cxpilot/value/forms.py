"""Forms of the customer-value domain."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from cxpilot.kernel import web
from cxpilot.value.impact import KINDS, MAX_CHURN, MAX_NPS, known_keys
from cxpilot.value.models import DecisionStatus

#: A churn uplift is 0 to 100 points: more customers lost, never fewer.
CHURN_ERRORS = {
    "min_value": _("A churn uplift is 0 to 100 points (more customers lost), not negative."),
    "max_value": _("A churn uplift is 0 to 100 points."),
}


class DecisionForm(forms.Form):
    """A decision: its title, scope (keys of the organisation model), assumed effect (ranges
    in points), status, owner and date."""

    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=20000, widget=forms.Textarea
    )
    segments = forms.MultipleChoiceField(label=_("Segments"), required=False)
    touchpoints = forms.MultipleChoiceField(label=_("Touchpoints"), required=False)
    channels = forms.MultipleChoiceField(label=_("Channels"), required=False)
    stages = forms.MultipleChoiceField(label=_("Journey stages"), required=False)
    churn_low = forms.FloatField(
        label=_("Churn uplift, low (points)"),
        required=False,
        min_value=0,
        max_value=MAX_CHURN,
        error_messages=CHURN_ERRORS,
    )
    churn_high = forms.FloatField(
        label=_("Churn uplift, high (points)"),
        required=False,
        min_value=0,
        max_value=MAX_CHURN,
        error_messages=CHURN_ERRORS,
    )
    nps_low = forms.FloatField(
        label=_("NPS change, low (points)"), required=False, min_value=-MAX_NPS, max_value=MAX_NPS
    )
    nps_high = forms.FloatField(
        label=_("NPS change, high (points)"),
        required=False,
        min_value=-MAX_NPS,
        max_value=MAX_NPS,
    )
    status = forms.ChoiceField(label=_("Status"), choices=DecisionStatus.choices)
    owner = forms.ModelChoiceField(
        label=_("Owner"), required=False, queryset=get_user_model().objects.none()
    )
    decision_date = web.DateField(label=_("Decision date"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in KINDS:
            field = self.fields[kind]
            assert isinstance(field, forms.MultipleChoiceField)
            field.choices = [(k, f"{name} ({k})") for k, name in known_keys(kind).items()]
            field.widget.attrs["size"] = 6
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = get_user_model().objects.filter(is_active=True).order_by("username")

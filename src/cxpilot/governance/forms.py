"""Forms of the governance pages. They check input; the services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxpilot.governance import engine
from cxpilot.governance.models import (
    BusinessModel,
    Council,
    CouncilMember,
    GovernanceModel,
    GovernanceSettings,
    Meeting,
    ReportingLine,
)
from cxpilot.kernel import web
from cxpilot.organisation.models import Department

CRITERION_LABELS = {
    "customer_data": _("Owns customer data"),
    "brand_promise": _("Owns the brand promise"),
    "operational_kpis": _("Holds the operational KPIs"),
    "product_quality": _("Closest to product quality"),
    "capacity": _("Capacity to coordinate"),
    "maturity_fit": _("Fit with the weakest maturity dimensions"),
    "business_model_fit": _("Fit with the business model"),
}

KIND_LABELS = {
    "marketing": _("Marketing"),
    "customer_service": _("Customer service"),
    "product": _("Product"),
    "sales": _("Sales"),
    "operations": _("Operations"),
    "it": _("IT"),
    "cx": _("CX team"),
    "other": _("Other"),
}


class ThresholdsForm(forms.ModelForm):
    class Meta:
        model = GovernanceSettings
        fields = ["max_r_or_a_per_department", "max_consulted", "max_informed"]


class RaciImportForm(forms.Form):
    file = forms.FileField(
        label=_("RACI file (CSV)"),
        help_text=_("Header activity,name,<department keys>…; cells R, A, C, I or A/R."),
    )


class CouncilForm(forms.ModelForm):
    class Meta:
        model = Council
        fields = ["name", "cadence", "purpose"]
        widgets = {"purpose": forms.Textarea(attrs={"rows": 3})}


class CouncilPartForm(forms.Form):
    """A form of a council's page: what it offers to choose from is the council's own."""

    def __init__(self, *args: Any, council: Council, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices(council)

    def limit_choices(self, council: Council) -> None:
        """Narrow the choice fields to ``council``'s members, meetings, or active users."""


class MemberForm(CouncilPartForm):
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    user = forms.ModelChoiceField(
        label=_("or a user"), queryset=get_user_model().objects.none(), required=False
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.all(), required=False
    )
    role = forms.CharField(label=_("Role"), max_length=120, required=False)

    def limit_choices(self, council: Council) -> None:
        user = self.fields["user"]
        assert isinstance(user, forms.ModelChoiceField)
        user.queryset = get_user_model().objects.filter(is_active=True).order_by("username")


class MeetingForm(CouncilPartForm):
    date = web.DateField(label=_("Date"))
    attendees = forms.ModelMultipleChoiceField(
        label=_("Attendees"),
        queryset=CouncilMember.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    minutes = forms.CharField(
        label=_("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def limit_choices(self, council: Council) -> None:
        attendees = self.fields["attendees"]
        assert isinstance(attendees, forms.ModelMultipleChoiceField)
        attendees.queryset = council.members.all()

    def clean_attendees(self) -> list[CouncilMember]:
        return list(self.cleaned_data["attendees"])


class _MeetingChoice(CouncilPartForm):
    def limit_choices(self, council: Council) -> None:
        meeting = self.fields["meeting"]
        assert isinstance(meeting, forms.ModelChoiceField)
        meeting.queryset = council.meetings.all()


class DecisionForm(_MeetingChoice):
    date = web.DateField(label=_("Date"), initial=timezone.localdate)
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}))
    meeting = forms.ModelChoiceField(
        label=_("Meeting"), queryset=Meeting.objects.none(), required=False
    )


class ActionForm(_MeetingChoice):
    title = forms.CharField(label=_("Action"), max_length=300)
    owner = forms.CharField(label=_("Owner"), max_length=120)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.all(), required=False
    )
    due_date = web.DateField(label=_("Due date"))
    meeting = forms.ModelChoiceField(
        label=_("Meeting"), queryset=Meeting.objects.none(), required=False
    )


class ReportingLineForm(forms.Form):
    reporting_line = forms.ChoiceField(
        label=_("The CX leader reports to"),
        choices=[("", _("Not recorded")), *ReportingLine.choices],
        required=False,
    )
    reporting_line_note = forms.CharField(
        label=_("Note"),
        max_length=300,
        required=False,
        help_text=_("For example the leader's title, or who “other” is."),
    )


class ChampionSettingsForm(forms.Form):
    has_cx_team = forms.BooleanField(
        label=_("The organisation has a dedicated CX team"), required=False
    )
    business_model = forms.ChoiceField(
        label=_("Business model"),
        choices=[("", _("Not set")), *BusinessModel.choices],
        required=False,
    )


class WeightsForm(forms.Form):
    """One weight (0–10) per champion criterion."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for criterion in engine.CHAMPION_CRITERIA:
            self.fields[f"w_{criterion}"] = forms.DecimalField(
                label=CRITERION_LABELS[criterion],
                min_value=0,
                max_value=10,
                decimal_places=1,
                max_digits=3,
            )

    def weights(self) -> dict[str, float]:
        return {c: float(self.cleaned_data[f"w_{c}"]) for c in engine.CHAMPION_CRITERIA}


class GovernanceModelForm(forms.Form):
    model = forms.ChoiceField(
        label=_("Governance model chosen"),
        choices=GovernanceModel.choices,
        widget=forms.RadioSelect,
    )
    chosen_on = web.DateField(label=_("Chosen on"), initial=timezone.localdate)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example who decided, and why."),
    )

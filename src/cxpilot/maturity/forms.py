"""Forms of the maturity pages (checks of shape only; services check the rest)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cxpilot.kernel import web
from cxpilot.organisation.models import Department


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    starts_on = web.DateField(label=_("Starts on"), initial=dt.date.today)
    ends_on = web.DateField(label=_("Ends on"))


class InviteForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.all(), empty_label=None
    )
    emails = forms.CharField(
        label=_("E-mail addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One personal link per address (separated by commas or new lines). The addresses "
            "are not stored: the links are shown once, for you to send."
        ),
    )
    count = forms.IntegerField(
        label=_("Or a number of links"),
        required=False,
        min_value=1,
        max_value=1000,
        help_text=_("Links to hand out yourself, e.g. in a meeting."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("emails") or "").strip() and not data.get("count"):
            raise forms.ValidationError(_("Give e-mail addresses or a number of links."))
        return data

"""Forms of the follow-up case pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cxpilot.loop.models import CaseStatus, LoopSettings, NoteKind
from cxpilot.loop.services import CONTACT_CHANNELS


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All"))] + list(CaseStatus.choices)
    )
    overdue = forms.BooleanField(label=_("Only overdue"), required=False)


class NoteForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What"),
        choices=[(NoteKind.NOTE, _("Note")), (NoteKind.CONTACT, _("Contact with the customer"))],
    )
    channel = forms.ChoiceField(
        label=_("How (for a contact)"),
        required=False,
        choices=[("", "—")] + [(c, c) for c in CONTACT_CHANNELS],
    )
    text = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=CaseStatus.choices)
    resolution = forms.CharField(
        label=_("Resolution"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
    )


class LoopSettingsForm(forms.ModelForm):
    webhook_url = forms.URLField(
        label=_("Alert webhook (Slack-compatible)"),
        required=False,
        max_length=500,
        assume_scheme="https",
    )

    class Meta:
        model = LoopSettings
        fields = [
            "nps_max",
            "ces_max",
            "csat_max",
            "sla_hours",
            "alert_min_sample",
            "alert_alpha",
            "alert_emails",
            "webhook_url",
        ]

    def clean_alert_alpha(self) -> float:
        alpha = float(self.cleaned_data["alert_alpha"])
        if not 0 < alpha < 0.5:
            raise forms.ValidationError(_("Between 0 and 0.5, e.g. 0.01."))
        return alpha

    def clean_alert_emails(self) -> str:
        from django.core.validators import validate_email

        lines = [
            line.strip() for line in self.cleaned_data["alert_emails"].splitlines() if line.strip()
        ]
        for line in lines:
            try:
                validate_email(line)
            except forms.ValidationError:
                raise forms.ValidationError(
                    _("%(value)s is not an e-mail address."), params={"value": line}
                ) from None
        return "\n".join(lines)

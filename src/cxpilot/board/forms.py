"""The forms of the board's pages: the month picked, a KPI's target, the month's comment, the
mailing settings. They shape the input; the services validate and write."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def shown(value: Any, limit: int = 40) -> str:
    """``value`` as an error may echo it: without control characters, at most ``limit``
    characters (then an ellipsis)."""
    clean = "".join(c for c in str(value) if c.isprintable())
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


class _MonthField(forms.ChoiceField):
    """A choice of month whose error echoes the value sent cleaned and cut short."""

    def validate(self, value: Any) -> None:
        try:
            super().validate(value)
        except forms.ValidationError as exc:
            params = getattr(exc, "params", None)
            if params and "value" in params:
                params["value"] = shown(params["value"])
            raise


class MonthForm(forms.Form):
    """The month of the board, one of those with data (``board_months()``)."""

    month = _MonthField(label=_("Month"), required=False)

    def __init__(self, *args: Any, months: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = months  # type: ignore[attr-defined]
        self.fields["month"].error_messages["invalid_choice"] = _(
            "There is no board for %(value)s: pick one of the months listed."
        )


class TargetForm(forms.Form):
    """A KPI's target and its amber tolerance, in the KPI's unit."""

    kpi = forms.CharField(widget=forms.HiddenInput, max_length=120)
    target = forms.FloatField(label=_("Target"), required=False)
    tolerance = forms.FloatField(label=_("Amber tolerance"), required=False, min_value=0)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.data.get("action") != "delete" and data.get("target") is None:
            if "target" not in self.errors:
                self.add_error("target", _("Enter the target."))
        return data


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("The CX lead's comment"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=5000,
    )


class MailingForm(forms.Form):
    recipients = forms.CharField(
        label=_("Recipients"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("One e-mail address per line."),
    )
    day = forms.IntegerField(
        label=_("Day of the month"),
        min_value=1,
        max_value=28,
        help_text=_("The board of the month before is sent on this day (1 to 28)."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    enabled = forms.BooleanField(label=_("Send the board each month"), required=False)

    def recipient_list(self) -> list[str]:
        text = self.cleaned_data.get("recipients") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

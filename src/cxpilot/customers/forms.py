"""Forms of the customers pages: a decision on a pair of records, and the review's filter."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cxpilot.customers.models import Decision

#: The most pairs one review page lists.
MAX_LISTED = 200


class ReviewFilterForm(forms.Form):
    """The review's band and how many pairs (a GET form; every field optional)."""

    low = forms.FloatField(label=_("From probability"), required=False, min_value=0, max_value=1)
    high = forms.FloatField(label=_("Up to"), required=False, min_value=0, max_value=1)
    limit = forms.IntegerField(
        label=_("Pairs shown"), required=False, min_value=1, max_value=MAX_LISTED
    )
    decided = forms.BooleanField(label=_("With the pairs already decided"), required=False)


class PairDecisionForm(forms.Form):
    """Two records (``source:customer_id``) and whether they are the same person, with why."""

    record_a = forms.CharField(max_length=200, widget=forms.HiddenInput)
    record_b = forms.CharField(max_length=200, widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=Decision.choices)
    reason = forms.CharField(
        label=_("Why"),
        max_length=2000,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Kept in the audit trail."),
    )

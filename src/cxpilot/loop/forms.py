"""Forms of the follow-up case pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from cxpilot.kernel import web
from cxpilot.loop.models import (
    CaseKind,
    CaseStatus,
    ContactChannel,
    FollowUpCase,
    LoopSettings,
    NoteKind,
)
from cxpilot.loop.services import MAX_REPLY, MAX_ROOT_CAUSE, case_assignees
from cxpilot.organisation.models import Department, Touchpoint


class CaseFilterForm(forms.Form):
    """The filters and the sort of the case list (a GET form; every field optional)."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All"))] + list(CaseStatus.choices)
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All"))] + list(CaseKind.choices)
    )
    department = forms.ChoiceField(label=_("Department"), required=False)
    touchpoint = forms.ChoiceField(label=_("Touchpoint"), required=False)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    age = forms.ChoiceField(
        label=_("Opened"),
        required=False,
        choices=[
            ("", _("Any time")),
            ("day", _("In the last 24 hours")),
            ("week", _("1 to 7 days ago")),
            ("month", _("7 to 30 days ago")),
            ("older", _("More than 30 days ago")),
        ],
    )
    overdue = forms.BooleanField(label=_("Only overdue"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("-opened", _("Newest first")),
            ("opened", _("Oldest first")),
            ("due", _("Due soonest")),
            ("score", _("Lowest score")),
            ("touchpoint", _("Touchpoint")),
            ("department", _("Department")),
        ],
    )
    page = web.PageField()

    def __init__(self, *args: Any, departments: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        if departments:
            fields["department"].choices = [
                ("", _("All")),
                *Department.objects.order_by("name").values_list("key", "name"),
            ]
        else:  # a department owner sees their department's cases only
            del self.fields["department"]
        fields["touchpoint"].choices = [
            ("", _("All")),
            *Touchpoint.objects.order_by("name").values_list("key", "name"),
        ]
        users = get_user_model().objects.filter(cases__isnull=False).distinct()
        fields["assignee"].choices = [
            ("", _("Anyone")),
            ("me", _("Me")),
            ("none", _("Unassigned")),
            *((u.username, u.get_full_name() or u.username) for u in users.order_by("username")),
        ]

    def filters(self) -> dict[str, Any]:
        """The valid filters as :func:`~cxpilot.loop.selectors.case_list` takes them."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "status": data.get("status") or "",
            "kind": data.get("kind") or "",
            "department": data.get("department") or "",
            "touchpoint": data.get("touchpoint") or "",
            "assignee": data.get("assignee") or "",
            "age": data.get("age") or "",
            "overdue": bool(data.get("overdue")),
            "sort": data.get("sort") or "-opened",
        }


class NoteForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What"),
        choices=[(NoteKind.NOTE, _("Note")), (NoteKind.CONTACT, _("Contact with the customer"))],
    )
    channel = forms.ChoiceField(
        label=_("How (for a contact)"),
        required=False,
        choices=[("", "—"), *ContactChannel.choices],
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


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assignee"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Nobody"),
    )

    def __init__(self, *args: Any, case: FollowUpCase, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"assignee": case.assignee_id})
        super().__init__(*args, **kwargs)
        field: Any = self.fields["assignee"]
        field.queryset = case_assignees(case)
        field.label_from_instance = lambda u: u.get_full_name() or u.username


class RootCauseForm(forms.Form):
    root_cause = forms.CharField(
        label=_("Root cause"),
        required=False,
        max_length=MAX_ROOT_CAUSE,
        help_text=_("A few words the team reuses, e.g. “carrier late”, “out of stock”."),
        widget=forms.TextInput(attrs={"list": "root-causes"}),
    )

    def __init__(self, *args: Any, case: FollowUpCase, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"root_cause": case.root_cause})
        super().__init__(*args, **kwargs)


class EscalateForm(forms.Form):
    reason = forms.CharField(
        label=_("Why escalate"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )

    def __init__(self, *args: Any, case: FollowUpCase, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class ReplyForm(forms.Form):
    to = forms.EmailField(label=_("To"), max_length=320)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}), max_length=MAX_REPLY
    )

    def __init__(self, *args: Any, case: FollowUpCase, email: str = "", **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {"to": email, "subject": _("Following up on your feedback")},
        )
        super().__init__(*args, **kwargs)


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

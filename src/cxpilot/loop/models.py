"""Follow-up cases (closing the loop) and alerts on significant drops."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cxpilot.organisation.models import Department, Touchpoint

__all__ = [
    "Alert",
    "AlertMethod",
    "CaseKind",
    "CaseNote",
    "CaseStatus",
    "ContactChannel",
    "FollowUpCase",
    "LoopSettings",
    "NoteKind",
]


class LoopSettings(models.Model):
    """How the loop is closed: triggers, SLA and where alerts go (one row)."""

    nps_max = models.PositiveSmallIntegerField(
        _("open a case for an NPS up to"), default=6, help_text=_("Detractors are 0–6.")
    )
    ces_max = models.PositiveSmallIntegerField(_("open a case for a CES up to"), default=3)
    csat_max = models.PositiveSmallIntegerField(_("open a case for a CSAT up to"), default=2)
    sla_hours = models.PositiveIntegerField(_("hours to close a case (SLA)"), default=48)
    alert_min_sample = models.PositiveIntegerField(
        _("minimum answers per period for an alert"), default=30
    )
    alert_alpha = models.FloatField(
        _("significance level of alerts"),
        default=0.01,
        help_text=_(
            "A drop is alerted when its p-value is below this. Many touchpoints × metrics × "
            "periods are tested: 0.01 keeps false alarms rare."
        ),
    )
    alert_emails = models.TextField(
        _("alert e-mail recipients"), blank=True, help_text=_("One address per line.")
    )
    webhook_url = models.URLField(_("alert webhook (Slack-compatible)"), blank=True, max_length=500)
    updated_at = models.DateTimeField(auto_now=True)

    objects: models.Manager[LoopSettings] = models.Manager()

    class Meta:
        verbose_name = _("closing-the-loop settings")
        verbose_name_plural = _("closing-the-loop settings")

    def __str__(self) -> str:
        return str(_("Closing-the-loop settings"))

    @classmethod
    def current(cls) -> LoopSettings:
        found = cls.objects.order_by("pk").first()
        return found if found is not None else cls.objects.create()


class CaseStatus(models.TextChoices):
    # a case ("un dossier") agrees in French: Ouvert, Fermé
    OPEN = "open", pgettext_lazy("case", "Open")
    IN_PROGRESS = "in_progress", pgettext_lazy("case", "In progress")
    CLOSED = "closed", pgettext_lazy("case", "Closed")


class ContactChannel(models.TextChoices):
    """How the customer was reached."""

    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    CHAT = "chat", _("Chat")
    STORE = "store", _("In store")
    OTHER = "other", _("Other")


class CaseKind(models.TextChoices):
    """Why a case was opened."""

    ANSWER = "answer", _("Survey answer")
    RETENTION = "retention", _("Retention")


class FollowUpCase(models.Model):
    """A customer to call back: a detractor, a hard effort or an unsatisfied customer (kind
    ``answer``: opened from one survey answer), or a valuable customer at risk of leaving
    (kind ``retention``: opened for a ``reason``, from no answer).

    A retention case has no answer: its ``response_id`` and ``metric`` are empty, its
    ``score`` is null, its ``answered_at`` is the time it was opened, and its ``touchpoint``
    is the one the customer last answered about (empty when they never answered)."""

    kind = models.CharField(
        _("kind"), max_length=12, choices=CaseKind.choices, default=CaseKind.ANSWER
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=60)
    response_id = models.CharField(_("response id"), max_length=120, blank=True)
    customer_id = models.CharField(_("customer id"), max_length=120)
    touchpoint = models.CharField(_("touchpoint"), max_length=60, blank=True)
    metric = models.CharField(_("metric"), max_length=10, blank=True)
    score = models.SmallIntegerField(_("score"), null=True, blank=True)
    verbatim = models.TextField(_("verbatim"), blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    answered_at = models.DateTimeField(_("answered at"))
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
    )
    routed_by = models.CharField(_("routed by"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True, db_index=True)
    due_at = models.DateTimeField(_("due at"))
    first_contact_at = models.DateTimeField(_("first contact at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    root_cause = models.CharField(
        _("root cause"),
        max_length=80,
        blank=True,
        help_text=_("What caused the customer's trouble, in a few words the team reuses."),
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("follow-up case")
        verbose_name_plural = _("follow-up cases")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "response_id"],
                condition=models.Q(kind="answer"),
                name="case_response_unique",
            )
        ]
        permissions = [("work_case", "Can work the follow-up cases of their department")]

    def __str__(self) -> str:
        return f"{self.headline} · {self.touchpoint or '—'} · {self.customer_id}"

    @property
    def headline(self) -> str:
        """What the case is about, in a few words: the answer (``NPS 3``) or the reason."""
        if self.kind == CaseKind.RETENTION:
            return self.reason or str(CaseKind.RETENTION.label)
        return f"{self.metric.upper()} {self.score}"

    @property
    def touchpoint_obj(self) -> Touchpoint | None:
        return Touchpoint.objects.filter(key=self.touchpoint).first()


class NoteKind(models.TextChoices):
    NOTE = "note", _("Note")
    CONTACT = "contact", _("Contact with the customer")
    STATUS = "status", _("Status change")
    ASSIGNMENT = "assignment", _("Assignment")
    ROOT_CAUSE = "root_cause", _("Root cause")
    ESCALATION = "escalation", _("Escalation")


class CaseNote(models.Model):
    case = models.ForeignKey(FollowUpCase, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=NoteKind.choices)
    channel = models.CharField(
        _("contact channel"), max_length=20, blank=True, choices=ContactChannel.choices
    )
    status = models.CharField(
        _("new status"), max_length=12, blank=True, choices=CaseStatus.choices
    )
    text = models.TextField(_("text"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")

    def __str__(self) -> str:
        return self.text[:60]


class AlertMethod(models.TextChoices):
    PERIOD = "period", _("Period to period")
    CUSUM = "cusum", _("Sustained shift (CUSUM)")


class Alert(models.Model):
    """A metric that dropped on a touchpoint: significantly from one period to the next
    (method ``period``), or by a sustained shift over weeks (method ``cusum``)."""

    method = models.CharField(
        _("method"), max_length=10, choices=AlertMethod.choices, default=AlertMethod.PERIOD
    )
    metric = models.CharField(_("metric"), max_length=10)
    touchpoint = models.CharField(_("touchpoint"), max_length=60)
    period_kind = models.CharField(_("period kind"), max_length=10)
    period = models.CharField(_("period"), max_length=10)
    detected_on = models.DateField(
        _("detected on"),
        null=True,
        blank=True,
        help_text=_("The last day of the data that raised it: the end of the period or week."),
    )
    previous_score = models.FloatField(_("previous score"))
    score = models.FloatField(_("score"))
    delta = models.FloatField(_("change"))
    p_value = models.FloatField(_("p-value"), null=True, blank=True)
    n = models.PositiveIntegerField(_("answers"))
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    webhook_at = models.DateTimeField(_("webhook sent at"), null=True, blank=True)
    last_error = models.TextField(_("last delivery error"), blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["method", "metric", "touchpoint", "period_kind", "period"],
                name="alert_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.metric.upper()} {self.touchpoint} {self.period}: {self.delta:+.1f}"

    @property
    def measure(self) -> str:
        """What the scores are: NPS points, a mean score, or a percentage satisfied."""
        if self.metric == "nps":
            return "nps"
        if self.metric == "csat" and self.method == AlertMethod.PERIOD:
            return "pct_satisfied"
        return "mean"

"""App-DB tables of the customer-value domain."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CostRule(models.Model):
    """A cost to serve of one interaction of a type, on a channel ("" = any), for the
    interactions whose own ``cost`` is empty (the cost a file gives wins)."""

    type = models.CharField(_("interaction type"), max_length=60, blank=True)
    channel = models.CharField(_("channel"), max_length=60, blank=True)
    cost = models.DecimalField(_("cost per interaction"), max_digits=12, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("cost rule")
        verbose_name_plural = _("cost rules")
        ordering = ("type", "channel")
        constraints = (
            models.UniqueConstraint(fields=("type", "channel"), name="value_costrule_unique"),
        )
        permissions = (("view_value", _("Can see customer value, profitability and churn risk")),)

    def __str__(self) -> str:
        return f"{self.type or '*'} / {self.channel or '*'}: {self.cost}"


class DecisionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    UNDER_REVIEW = "under_review", _("Under review")
    DECIDED = "decided", _("Decided")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Decision(models.Model):
    """A decision that may hurt customers ("raise prices 5 % for segment X", "close the call
    centre on Saturdays"), its scope (keys of the organisation model), the effect assumed (a
    range of churn uplift in percentage points and/or of NPS change), and the assessment kept
    as it was shown (:mod:`cxpilot.value.impact`), so the CX council sees what it decided on."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    segments = models.JSONField(_("segments"), default=list, blank=True)
    touchpoints = models.JSONField(_("touchpoints"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    stages = models.JSONField(_("journey stages"), default=list, blank=True)
    churn_low = models.FloatField(_("churn uplift, low (points)"), null=True, blank=True)
    churn_high = models.FloatField(_("churn uplift, high (points)"), null=True, blank=True)
    nps_low = models.FloatField(_("NPS change, low (points)"), null=True, blank=True)
    nps_high = models.FloatField(_("NPS change, high (points)"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=DecisionStatus.choices, default=DecisionStatus.PROPOSED
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    assessment = models.JSONField(_("assessment"), null=True, blank=True)
    assessed_at = models.DateTimeField(_("assessed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return self.title

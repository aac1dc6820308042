"""App-DB tables of the journeys domain: the target journeys the CX team defines."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseKind(models.TextChoices):
    PERSON = "person", _("Person (a unified customer)")
    JOURNEY = "journey", _("Journey id (of the interactions' attributes)")


class ActivityKind(models.TextChoices):
    TOUCHPOINT = "touchpoint", _("Touchpoint")
    TYPE = "type", _("Event type")


class TargetJourney(models.Model):
    """The expected path of a journey: its steps, their order and time limits
    (``definition``, as :func:`cxpilot.journeys.targets.parse` reads it)."""

    key = models.SlugField(_("key"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    journey = models.ForeignKey(
        "organisation.Journey",
        verbose_name=_("journey of the organisation model"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="targets",
    )
    case = models.CharField(_("case"), max_length=10, choices=CaseKind.choices)
    activity = models.CharField(_("activity"), max_length=10, choices=ActivityKind.choices)
    definition = models.JSONField(_("definition"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["name", "key"]
        verbose_name = _("target journey")
        verbose_name_plural = _("target journeys")

    def __str__(self) -> str:
        return self.name

"""App-DB tables of the initiatives domain: the CX initiatives, and the settings of their
backlog and return (weights of the ranking, value of a KPI point)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cxpilot.organisation.models import Department, Touchpoint


class Metric(models.TextChoices):
    NPS = "nps", "NPS"
    CES = "ces", "CES"
    CSAT = "csat", "CSAT"


class Effort(models.TextChoices):
    S = "S", _("Small")
    M = "M", _("Medium")
    L = "L", _("Large")


class Status(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    PLANNED = "planned", _("Planned")
    STARTED = "started", _("Started")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


def money(label: str | Any, *, null: bool = False, default: int | None = None) -> Any:
    """An amount of money: 0 or more, two decimals."""
    extra: dict[str, Any] = {"null": True, "blank": True} if null else {"default": default}
    return models.DecimalField(
        label, max_digits=14, decimal_places=2, validators=[MinValueValidator(0)], **extra
    )


class Initiative(models.Model):
    """A CX initiative: what it addresses (touchpoints, irritant themes), the KPI it should
    move on those touchpoints and by how much, who owns it, what it costs and when it runs."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    touchpoints: models.ManyToManyField[Touchpoint, Any] = models.ManyToManyField(
        Touchpoint,
        verbose_name=_("touchpoints addressed"),
        related_name="initiatives",
    )
    themes = models.JSONField(
        _("irritants addressed"),
        default=list,
        blank=True,
        help_text=_("Labels of the verbatim themes (irritants) it addresses."),
    )
    metric = models.CharField(_("KPI"), max_length=4, choices=Metric.choices)
    expected_change = models.FloatField(
        _("expected change"),
        null=True,
        blank=True,
        help_text=_("In points of the KPI (CES or CSAT mean, NPS points)."),
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("owning department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="initiatives",
    )
    effort = models.CharField(_("effort"), max_length=1, choices=Effort.choices, default="M")
    person_days = models.PositiveIntegerField(
        _("person-days"), null=True, blank=True, validators=[MaxValueValidator(1_000_000)]
    )
    cost_one_off = money(_("one-off cost"), default=0)
    cost_monthly = money(_("running cost per month"), default=0)
    expected_return = money(_("expected return per year"), null=True)
    customers_reached = models.PositiveIntegerField(
        _("customers reached"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(2_000_000_000)],
        help_text=_("How many customers the change reaches in a year (for the return)."),
    )
    planned_on = models.DateField(_("planned for"), null=True, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    source = models.CharField(
        _("comes from"),
        max_length=500,
        blank=True,
        help_text=_("The roadmap action or council decision (text or link)."),
    )
    council = models.ForeignKey(
        "governance.Council",
        verbose_name=_("decided by the council"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="initiatives",
        help_text=_("The governance council that decided it, listed on the council's page."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")

    def __str__(self) -> str:
        return self.name


class InitiativeSettings(models.Model):
    """One row: the weights of the backlog's score and the value of a KPI point (the
    editable assumptions of the return on investment), and the effect's windows."""

    weight_stake = models.FloatField(_("weight of the NPS points at stake"), default=0.4)
    weight_reach = models.FloatField(_("weight of the reach"), default=0.2)
    weight_effect = models.FloatField(_("weight of the expected effect"), default=0.2)
    weight_effort = models.FloatField(_("weight of the effort"), default=0.2)
    value_nps = money(_("value of one NPS point per customer per year"), default=0)
    value_ces = money(_("value of one CES point per customer per year"), default=0)
    value_csat = money(_("value of one CSAT point per customer per year"), default=0)
    window_months = models.PositiveSmallIntegerField(
        _("months before and after the start"),
        default=6,
        validators=[MinValueValidator(2), MaxValueValidator(36)],
    )
    horizon_months = models.PositiveSmallIntegerField(
        _("months of return counted"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("initiative settings")
        verbose_name_plural = _("initiative settings")

    def __str__(self) -> str:
        return str(_("initiative settings"))

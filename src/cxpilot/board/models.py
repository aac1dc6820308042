"""App-DB tables of the executive board: a target per KPI, the CX lead's comment of a month,
and who receives the board by e-mail and when."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class KpiTarget(models.Model):
    """The target of one KPI of the board (its stable key, e.g. ``nps`` or
    ``nps.touchpoint.website``). Green when the value meets the target; amber when it misses it
    by no more than ``tolerance`` (in the KPI's own unit); red beyond. Whether higher or lower
    is better is the KPI's (see :data:`cxpilot.board.kpis.CATALOGUE`)."""

    kpi = models.CharField(_("KPI"), max_length=120, unique=True)
    target = models.FloatField(_("target"))
    tolerance = models.FloatField(
        _("amber tolerance"),
        default=0.0,
        validators=[MinValueValidator(0)],
        help_text=_("How far short of the target is still amber, in the KPI's unit."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects: models.Manager[KpiTarget] = models.Manager()

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        ordering = ("kpi",)
        permissions = [("view_board", "Can view the executive board")]

    def __str__(self) -> str:
        return f"{self.kpi} → {self.target:g}"


class BoardComment(models.Model):
    """What the CX lead writes about a month's board (``YYYY-MM``)."""

    month = models.CharField(_("month"), max_length=7, unique=True)
    text = models.TextField(_("comment"), max_length=5000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects: models.Manager[BoardComment] = models.Manager()

    class Meta:
        verbose_name = _("board comment")
        verbose_name_plural = _("board comments")
        ordering = ("-month",)

    def __str__(self) -> str:
        return self.month


class BoardMailing(models.Model):
    """Who receives the board by e-mail (the alerts' mail settings send it) and on which day of
    the month; the board sent is the last complete month's. One row."""

    recipients = models.TextField(
        _("recipients"), blank=True, help_text=_("One e-mail address per line.")
    )
    day = models.PositiveSmallIntegerField(
        _("day of the month"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("The board of the month before is sent on this day (1 to 28)."),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    enabled = models.BooleanField(_("send the board each month"), default=False)
    last_sent_month = models.CharField(max_length=7, blank=True, default="")
    last_error = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    objects: models.Manager[BoardMailing] = models.Manager()

    class Meta:
        verbose_name = _("board mailing")
        verbose_name_plural = _("board mailing")

    def __str__(self) -> str:
        return str(_("board mailing"))

    @classmethod
    def current(cls) -> BoardMailing:
        row, _created = cls.objects.get_or_create(pk=1)
        return row

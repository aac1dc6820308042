"""App-DB tables of the customer-value domain."""

from __future__ import annotations

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

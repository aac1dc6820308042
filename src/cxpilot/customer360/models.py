"""App-database tables of the customer 360: the erasure log (an audit line per person erased,
with no personal data) and the permissions to see a customer whole and to erase one."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Erasure(models.Model):
    """One person erased (GDPR art. 17): who, when, why, how many rows of each table.

    It keeps no personal data of the customer: not their names, e-mail, phone or record ids,
    only the person id the resolution gave them (a number of CX Pilot's own) and counts."""

    erased_at = models.DateTimeField(_("erased at"))
    person_id = models.CharField(_("person"), max_length=40)
    records = models.PositiveIntegerField(_("records"), default=0)
    rows = models.JSONField(_("rows erased per table"), default=dict)
    reason = models.TextField(_("reason"))
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("erased by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    erased_by_name = models.CharField(_("erased by (name)"), max_length=150)

    objects: models.Manager[Erasure] = models.Manager()

    class Meta:
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")
        ordering = ["-erased_at", "-pk"]
        permissions = [
            ("view_customer", _("Can see a customer's 360")),
            ("erase_customer", _("Can erase a customer (right to erasure)")),
        ]

    def __str__(self) -> str:
        return f"{self.erased_at:%Y-%m-%d %H:%M} {self.person_id}"

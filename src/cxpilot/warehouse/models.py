"""The inbox: collected answers and events, committed here before they are acknowledged."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class InboxItem(models.Model):
    """One collected record, waiting to be flushed to the warehouse.

    Unique by ``(table, source, record_id)``: posting the same record twice stores it once.
    ``flushed_at`` is set once the record is in the warehouse; the flush is idempotent, so a
    crash between the warehouse write and this mark only means the next flush sets it.
    """

    table = models.CharField(_("table"), max_length=20)
    source = models.CharField(_("source"), max_length=60)
    record_id = models.CharField(_("record id"), max_length=120)
    payload = models.JSONField(_("payload"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)
    flushed_at = models.DateTimeField(_("flushed at"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("inbox item")
        verbose_name_plural = _("inbox items")
        constraints = [
            models.UniqueConstraint(
                fields=["table", "source", "record_id"], name="inbox_record_unique"
            )
        ]
        indexes = [models.Index(fields=["flushed_at", "id"], name="inbox_pending")]

    def __str__(self) -> str:
        return f"{self.table}:{self.source}:{self.record_id}"

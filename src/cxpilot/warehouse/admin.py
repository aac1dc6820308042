"""Django admin for the inbox: read-only, since the flush owns these rows."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cxpilot.warehouse.models import InboxItem


class PendingFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("pending", _("waiting for the flush")), ("flushed", _("in the warehouse"))]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() == "pending":
            return queryset.filter(flushed_at__isnull=True)
        if self.value() == "flushed":
            return queryset.filter(flushed_at__isnull=False)
        return queryset


@admin.register(InboxItem)
class InboxItemAdmin(admin.ModelAdmin):
    list_display = ["id", "table", "source", "record_id", "received_at", "flushed_at"]
    list_filter = [PendingFilter, "table", "source"]
    search_fields = ["record_id", "source"]
    date_hierarchy = "received_at"
    ordering = ["-received_at", "-id"]
    readonly_fields = ["table", "source", "record_id", "payload", "received_at", "flushed_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: InboxItem | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: InboxItem | None = None) -> bool:
        return False

"""Django admin for the customer 360: the erasure log, read only (an audit line is never
added, changed or deleted by hand)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cxpilot.customer360.models import Erasure


@admin.register(Erasure)
class ErasureAdmin(admin.ModelAdmin):
    list_display = ["erased_at", "person_id", "records", "erased_by_name", "reason"]
    search_fields = ["person_id", "erased_by_name", "reason"]
    date_hierarchy = "erased_at"
    readonly_fields = [
        "erased_at",
        "person_id",
        "records",
        "rows",
        "reason",
        "erased_by",
        "erased_by_name",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

"""Django admin for the customers domain: the resolution settings (survivorship rules, trust
order, threshold and review band), and read-only views of the runs, the decisions on pairs
and the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cxpilot.customers.models import LinkageRun, PairDecision, PersonEvent, ResolveSettings


@admin.register(ResolveSettings)
class ResolveSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "threshold", "review_low", "review_high", "updated_at"]
    fieldsets = [
        (_("Persons"), {"fields": ["threshold", "review_low", "review_high"]}),
        (
            _("Golden record"),
            {
                "fields": [
                    "source_trust",
                    "first_name_rule",
                    "last_name_rule",
                    "email_rule",
                    "phone_rule",
                    "address_rule",
                    "birth_date_rule",
                    "segment_rule",
                ],
                "description": _(
                    "Per field: the value of the most trusted source, of the most recent "
                    "record, or the most complete value. Applied at the next resolution."
                ),
            },
        ),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not ResolveSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LinkageRun)
class LinkageRunAdmin(_ReadOnly):
    list_display = ["started_at", "records", "persons", "pairs_scored", "threshold", "seconds"]
    date_hierarchy = "started_at"


@admin.register(PairDecision)
class PairDecisionAdmin(_ReadOnly):
    list_display = [
        "source_a",
        "customer_id_a",
        "source_b",
        "customer_id_b",
        "decision",
        "decided_by_name",
        "decided_at",
    ]
    list_filter = ["decision"]
    search_fields = ["customer_id_a", "customer_id_b", "reason", "decided_by_name"]
    date_hierarchy = "decided_at"


@admin.register(PersonEvent)
class PersonEventAdmin(_ReadOnly):
    list_display = ["at", "kind", "person", "actor_name", "reason"]
    list_filter = ["kind"]
    search_fields = ["person_id", "reason", "actor_name"]
    date_hierarchy = "at"

    @admin.display(description=_("person"), ordering="person_id")
    def person(self, obj: PersonEvent) -> str:
        """The person id, a link to their customer 360 page."""
        if not obj.person_id:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("customer_detail", args=[obj.person_id]), obj.person_id
        )

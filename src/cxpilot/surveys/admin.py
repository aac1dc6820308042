"""Django admin for surveys: definitions (the survey pages are the main editor), settings, and
read-only views of submissions and the contact log. Texts are shown escaped, as everywhere."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cxpilot.surveys.models import ContactLog, Question, Submission, Survey, SurveySettings


class QuestionInline(admin.TabularInline):
    model = Question
    fields = [
        "position",
        "key",
        "kind",
        "text",
        "choices",
        "show_if_question",
        "show_if_min",
        "show_if_max",
    ]
    ordering = ["position"]
    extra = 0


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["key", "title_text", "default_language", "is_active", "sampling_rate"]
    list_filter = ["is_active", "default_language", "touchpoints"]
    search_fields = ["key"]
    filter_horizontal = ["touchpoints"]
    readonly_fields = ["public_key", "key_rotated_at", "created_at", "updated_at"]
    inlines = [QuestionInline]

    @admin.display(description=_("title"))
    def title_text(self, obj: Survey) -> str:
        return obj.name()


@admin.register(SurveySettings)
class SurveySettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "recontact_days", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SurveySettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(_ReadOnly):
    list_display = [
        "uid",
        "survey",
        "channel",
        "customer_id",
        "touchpoint",
        "language",
        "created_at",
    ]
    list_filter = ["channel", "language", "survey"]
    search_fields = ["uid", "customer_id", "idempotency_key"]
    date_hierarchy = "created_at"
    list_select_related = ["survey"]


@admin.register(ContactLog)
class ContactLogAdmin(_ReadOnly):
    list_display = ["customer_id", "survey", "event", "channel", "at"]
    list_filter = ["event", "channel", "survey"]
    search_fields = ["customer_id"]
    date_hierarchy = "at"
    list_select_related = ["survey"]

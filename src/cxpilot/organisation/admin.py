"""Django admin for the organisation model, and the department of each user."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cxpilot.organisation.models import (
    BrandPromise,
    Department,
    Journey,
    JourneyStage,
    Profile,
    Segment,
    Touchpoint,
)


class TouchpointInline(admin.TabularInline):
    model = Touchpoint
    fields = ["key", "name", "channel", "mode", "phase", "stage"]
    autocomplete_fields = ["stage"]
    extra = 0
    show_change_link = True


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "touchpoint_count"]
    search_fields = ["name", "key", "description"]
    prepopulated_fields = {"key": ["name"]}
    inlines = [TouchpointInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Department]:
        return super().get_queryset(request).annotate(_touchpoint_count=Count("touchpoints"))

    @admin.display(description=_("touchpoints"), ordering="_touchpoint_count")
    def touchpoint_count(self, obj: Any) -> int:
        return int(obj._touchpoint_count)


class JourneyStageInline(admin.TabularInline):
    model = JourneyStage
    fields = ["position", "key", "name", "phase"]
    ordering = ["position"]
    extra = 1


@admin.register(Journey)
class JourneyAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "stage_count"]
    search_fields = ["name", "key", "description", "stages__name"]
    prepopulated_fields = {"key": ["name"]}
    inlines = [JourneyStageInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Journey]:
        return super().get_queryset(request).annotate(_stage_count=Count("stages"))

    @admin.display(description=_("stages"), ordering="_stage_count")
    def stage_count(self, obj: Any) -> int:
        return int(obj._stage_count)


@admin.register(JourneyStage)
class JourneyStageAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "journey", "position", "phase"]
    list_filter = ["journey", "phase"]
    search_fields = ["name", "key", "journey__name"]
    list_select_related = ["journey"]
    ordering = ["journey__name", "position"]


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "channel", "mode", "phase", "stage", "department"]
    list_filter = ["channel", "mode", "phase", "department", "stage__journey"]
    search_fields = ["name", "key"]
    list_select_related = ["stage__journey", "department"]
    autocomplete_fields = ["stage", "department"]


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "is_persona"]
    list_filter = ["is_persona"]
    fields = ["key", "name", "is_persona", "description"]  # the persona flag before the text
    search_fields = ["name", "key", "description"]
    prepopulated_fields = {"key": ["name"]}


@admin.register(BrandPromise)
class BrandPromiseAdmin(admin.ModelAdmin):
    list_display = ["key", "statement", "measured"]
    search_fields = ["key", "statement", "touchpoints__name"]
    list_filter = ["touchpoints"]
    filter_horizontal = ["touchpoints"]

    @admin.display(description=_("measured"), boolean=True)
    def measured(self, obj: BrandPromise) -> bool:
        return bool(obj.measure)


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "department"]
    list_filter = ["department"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    list_select_related = ["user", "department"]
    autocomplete_fields = ["user", "department"]


class ProfileInline(admin.StackedInline):
    model = Profile
    fields = ["department"]
    can_delete = False
    verbose_name = _("CX Pilot profile")
    verbose_name_plural = _("CX Pilot profile")


User = get_user_model()


class CxUserAdmin(UserAdmin):
    """Django's user admin, with the user's department."""

    inlines = [ProfileInline]
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "department"]
    list_select_related = ["cx_profile__department"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups", "cx_profile__department"]

    @admin.display(description=_("department"), ordering="cx_profile__department__name")
    def department(self, obj: Any) -> str:
        profile = getattr(obj, "cx_profile", None)
        return str(profile.department) if profile and profile.department else "—"


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, CxUserAdmin)

"""URLs of the governance pages (mounted at /governance/)."""

from __future__ import annotations

from django.urls import path

from cxpilot.governance import views

urlpatterns = [
    path("", views.raci, name="governance_raci"),
    path("raci/export.csv", views.raci_export, name="governance_raci_export"),
    path("raci/import/", views.raci_import, name="governance_raci_import"),
    path("raci/catalogue/", views.catalogue_sync, name="governance_catalogue_sync"),
    path("raci/thresholds/", views.thresholds, name="governance_thresholds"),
    path("councils/", views.council_list, name="governance_council_list"),
    path("councils/new/", views.council_create, name="governance_council_create"),
    path("councils/reporting-line/", views.reporting_line, name="governance_reporting_line"),
    path("councils/<int:pk>/", views.council_detail, name="governance_council_detail"),
    path("councils/<int:pk>/edit/", views.council_update, name="governance_council_update"),
    *[
        path(
            f"councils/<int:pk>/{kind}s/",
            views.council_add,
            {"kind": kind},
            name=f"governance_{kind}_add",
        )
        for kind in views.COUNCIL_PARTS
    ],
    path(
        "councils/<int:pk>/members/<int:member_pk>/remove/",
        views.member_remove,
        name="governance_member_remove",
    ),
    path(
        "councils/<int:pk>/actions/<int:action_pk>/status/",
        views.action_status,
        name="governance_action_status",
    ),
    path("model/", views.governance_model, name="governance_model"),
    path("champion/", views.champion, name="governance_champion"),
    path("champion/weights/", views.champion_weights, name="governance_champion_weights"),
    path("champion/settings/", views.champion_settings, name="governance_champion_settings"),
    path("champion/scores/", views.champion_scores, name="governance_champion_scores"),
]

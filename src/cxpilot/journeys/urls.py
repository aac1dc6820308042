"""Pages of the journeys domain."""

from __future__ import annotations

from django.urls import URLPattern, path

from cxpilot.journeys import views

app_name = "journeys"
urlpatterns: list[URLPattern] = [
    # --- journey map
    path("", views.journey_map_page, name="map"),
    path("map.pdf", views.journey_map_pdf, name="map_pdf"),
    path("<str:chart>.png", views.journey_map_png, name="map_png"),
    # --- target journeys
    path("targets/", views.target_list, name="target_list"),
    path("targets/new/", views.target_create, name="target_create"),
    path("targets/import/", views.target_import, name="target_import"),
    path("targets/<slug:key>/", views.target_report, name="target_report"),
    path("targets/<slug:key>/edit/", views.target_update, name="target_update"),
    path("targets/<slug:key>/delete/", views.target_delete, name="target_delete"),
    path("targets/<slug:key>/yaml/", views.target_yaml, name="target_yaml"),
]

# --- consistency and promises
urlpatterns += [
    path("consistency/", views.consistency_page, name="consistency"),
    path("promises/", views.promises_page, name="promises"),
]

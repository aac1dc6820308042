"""Pages of the journeys domain."""

from __future__ import annotations

from django.urls import URLPattern, path

from cxpilot.journeys import views

app_name = "journeys"
urlpatterns: list[URLPattern] = []

# --- consistency and promises
urlpatterns += [
    path("consistency/", views.consistency_page, name="consistency"),
    path("promises/", views.promises_page, name="promises"),
]

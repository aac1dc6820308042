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
]

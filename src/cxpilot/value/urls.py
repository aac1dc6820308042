"""Pages of the customer-value domain."""

from __future__ import annotations

from django.urls import URLPattern, path

from cxpilot.value import views

app_name = "value"
urlpatterns: list[URLPattern] = [
    # --- value × risk segments
    path("segments/", views.segments_page, name="segments"),
    path("segments/export.csv", views.segments_export, name="segments_export"),
    path("segments/cases/", views.segments_cases, name="segments_cases"),
]

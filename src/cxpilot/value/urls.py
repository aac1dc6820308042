"""Pages of the customer-value domain."""

from __future__ import annotations

from django.urls import URLPattern, path

from cxpilot.value import views

app_name = "value"
urlpatterns: list[URLPattern] = []

# --- customer value
urlpatterns += [path("", views.dashboard, name="dashboard")]

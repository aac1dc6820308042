"""Pages of the journeys domain."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "journeys"
urlpatterns: list[URLPattern] = []

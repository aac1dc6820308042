"""URLs of the VoC dashboard (included under ``voc/``)."""

from __future__ import annotations

from django.urls import path

from cxpilot.analytics import views as dashboard_views

urlpatterns = [
    path("", dashboard_views.voc_dashboard, name="voc_dashboard"),
    path("verbatims/", dashboard_views.voc_verbatims, name="voc_verbatims"),
    path("drivers/", dashboard_views.voc_drivers, name="voc_drivers"),
]

"""Pages of the initiatives domain."""

from __future__ import annotations

from django.urls import URLPattern, path

from cxpilot.initiatives import views

app_name = "initiatives"
urlpatterns: list[URLPattern] = [
    path("", views.initiative_list, name="list"),
    path("new/", views.initiative_create, name="create"),
    path("settings/", views.settings_update, name="settings"),
    path("<int:pk>/", views.initiative_detail, name="detail"),
    path("<int:pk>/edit/", views.initiative_update, name="update"),
]

"""URLs of the warehouse's pages (included under ``data/``)."""

from __future__ import annotations

from django.urls import path

from cxpilot.warehouse import views

urlpatterns = [
    path("import/", views.data_import, name="data_import"),
    path("import/<slug:token>/", views.data_import_confirm, name="data_import_confirm"),
]

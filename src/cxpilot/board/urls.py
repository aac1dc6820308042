"""Pages of the executive board."""

from __future__ import annotations

from django.urls import URLPattern, path

from cxpilot.board import views

app_name = "board"

urlpatterns: list[URLPattern] = [
    path("", views.board_page, name="page"),
    path("targets/", views.targets_page, name="targets"),
    path("mailing/", views.mailing_page, name="mailing"),
    path("<str:month>/comment/", views.comment_save, name="comment"),
    path("<str:month>.pdf", views.board_pdf, name="pdf"),
    path("<str:month>/<str:chart>.png", views.board_png, name="png"),
]

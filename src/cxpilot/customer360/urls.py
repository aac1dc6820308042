from __future__ import annotations

from django.urls import URLPattern, path

from cxpilot.customer360 import views

urlpatterns: list[URLPattern] = [
    path("", views.customer_search, name="customer_search"),
    path("<str:person_id>/", views.customer_detail, name="customer_detail"),
    path("<str:person_id>/erase/", views.customer_erase, name="customer_erase"),
]

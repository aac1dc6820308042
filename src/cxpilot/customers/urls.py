from __future__ import annotations

from django.urls import path

from cxpilot.customers import views

urlpatterns = [
    path("", views.resolution, name="customers_resolution"),
    path("review/", views.review, name="customers_review"),
]

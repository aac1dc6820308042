"""Pages of the customer-value domain."""

from __future__ import annotations

from django.urls import URLPattern, path

from cxpilot.value import views

app_name = "value"
urlpatterns: list[URLPattern] = [
    # --- churn risk
    path("churn/", views.churn_page, name="churn"),
]

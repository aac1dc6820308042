"""Pages of the customer-value domain."""

from __future__ import annotations

from django.urls import URLPattern, path

from cxpilot.value import views

app_name = "value"
urlpatterns: list[URLPattern] = []

# --- profitability
urlpatterns += [
    path("profitability/", views.profitability_page, name="profitability"),
    path("costs/", views.cost_rule_list, name="cost_rule_list"),
    path("costs/<int:pk>/edit/", views.cost_rule_update, name="cost_rule_update"),
    path("costs/<int:pk>/delete/", views.cost_rule_delete, name="cost_rule_delete"),
]
# --- customer value
urlpatterns += [path("", views.dashboard, name="dashboard")]

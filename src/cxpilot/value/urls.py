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
# --- the customer advocate: decisions and their impact
urlpatterns += [
    path("decisions/", views.decision_list, name="decisions"),
    path("decisions/new/", views.decision_create, name="decision_create"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision_detail"),
    path("decisions/<int:pk>/edit/", views.decision_update, name="decision_update"),
    path("decisions/<int:pk>/assess/", views.decision_reassess, name="decision_reassess"),
    path("decisions/<int:pk>.pdf", views.decision_pdf, name="decision_pdf"),
]
# --- churn risk
urlpatterns += [path("churn/", views.churn_page, name="churn")]
# --- value × risk segments
urlpatterns += [
    path("segments/", views.segments_page, name="segments"),
    path("segments/export.csv", views.segments_export, name="segments_export"),
    path("segments/cases/", views.segments_cases, name="segments_cases"),
]

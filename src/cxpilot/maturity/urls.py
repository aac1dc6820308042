"""URLs of the maturity pages (mounted at ``/maturity/``). ``r/<token>/`` is the public page
of a personal link; everything else needs a login."""

from __future__ import annotations

from django.urls import path

from cxpilot.maturity import views

urlpatterns = [
    path("", views.campaign_list, name="maturity_campaigns"),
    path("new/", views.campaign_create, name="maturity_campaign_create"),
    path("<int:pk>/", views.campaign_detail, name="maturity_campaign"),
    path("<int:pk>/invite/", views.campaign_invite, name="maturity_invite"),
    path("<int:pk>/close/", views.campaign_close, name="maturity_close"),
    path("<int:pk>/results/", views.campaign_results, name="maturity_results"),
    path("<int:pk>/culture/", views.campaign_culture, name="maturity_culture"),
    path("<int:pk>/roadmap/", views.campaign_roadmap, name="maturity_roadmap"),
    path("<int:pk>/roadmap.csv", views.campaign_roadmap_csv, name="maturity_roadmap_csv"),
    path("<int:pk>/roadmap.pdf", views.campaign_roadmap_pdf, name="maturity_roadmap_pdf"),
    path("r/<str:token>/", views.respond, name="maturity_respond"),
]

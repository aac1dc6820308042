"""URLs of the survey domain: the CX lead's pages under /voc/surveys/, the public pages under
/s/ (no login: see ``cxpilot.kernel.middleware``)."""

from __future__ import annotations

from django.urls import path

from cxpilot.surveys import views

urlpatterns = [
    path("voc/surveys/", views.survey_list, name="survey_list"),
    path("voc/surveys/new/", views.survey_create, name="survey_create"),
    path("voc/surveys/settings/", views.survey_settings, name="survey_settings"),
    path("voc/surveys/<int:pk>/", views.survey_detail, name="survey_detail"),
    path("voc/surveys/<int:pk>/edit/", views.survey_update, name="survey_update"),
    path("voc/surveys/<int:pk>/delete/", views.survey_delete, name="survey_delete"),
    path("voc/surveys/<int:pk>/rotate-key/", views.survey_key_rotate, name="survey_key_rotate"),
    path("s/<slug:key>/", views.survey_page, name="survey_page"),
    path("s/<slug:key>/thanks/", views.survey_thanks, name="survey_thanks"),
    path("s/<slug:key>/widget.js", views.survey_widget, name="survey_widget"),
]

from django.urls import path

from cxpilot.loop import views as case_views

urlpatterns = [
    path("cases/", case_views.case_list, name="case_list"),
    path("cases/export.csv", case_views.case_export, name="case_export"),
    path("cases/settings/", case_views.loop_settings, name="loop_settings"),
    path("cases/<int:pk>/", case_views.case_detail, name="case_detail"),
    path("cases/<int:pk>/note/", case_views.case_note, name="case_note"),
    path("cases/<int:pk>/status/", case_views.case_status, name="case_status"),
    path("cases/<int:pk>/<slug:action>/", case_views.case_act, name="case_act"),
    path("alerts/", case_views.alert_list, name="alert_list"),
    path("alerts/<int:pk>/acknowledge/", case_views.alert_acknowledge, name="alert_acknowledge"),
]

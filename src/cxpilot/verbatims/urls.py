from django.urls import path

from cxpilot.verbatims import views

urlpatterns = [
    path("irritants/", views.irritants_page, name="text_irritants"),
    path("themes/", views.themes_page, name="text_themes"),
    path("themes/apply/", views.themes_apply, name="text_themes_apply"),
    path("themes/<int:pk>/", views.theme_page, name="text_theme"),
]

"""URLs of the app shell and the organisation pages (included at the site root)."""

from __future__ import annotations

from django.urls import path

from cxpilot.organisation import views
from cxpilot.organisation.views import ENTITIES

urlpatterns = [
    *(pattern for entity in ENTITIES for pattern in entity.urls()),
    path("organisation/users/", views.user_list, name="user_list"),
    path("organisation/users/<int:pk>/", views.user_edit, name="user_edit"),
    path(
        "accounts/invite/<str:uidb64>/<str:token>/",
        views.invitation_accept,
        name="invitation_accept",
    ),
]

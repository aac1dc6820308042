"""URLs of the app shell and the organisation pages (included at the site root)."""

from __future__ import annotations

from django.urls import path

from cxpilot.organisation import views

urlpatterns = [
    path("organisation/departments/", views.department_list, name="department_list"),
    path("organisation/departments/new/", views.department_create, name="department_create"),
    path("organisation/departments/<int:pk>/", views.department_detail, name="department_detail"),
    path(
        "organisation/departments/<int:pk>/edit/", views.department_update, name="department_update"
    ),
    path(
        "organisation/departments/<int:pk>/delete/",
        views.department_delete,
        name="department_delete",
    ),
    path("organisation/touchpoints/", views.touchpoint_list, name="touchpoint_list"),
    path("organisation/touchpoints/new/", views.touchpoint_create, name="touchpoint_create"),
    path("organisation/touchpoints/<int:pk>/", views.touchpoint_detail, name="touchpoint_detail"),
    path(
        "organisation/touchpoints/<int:pk>/edit/", views.touchpoint_update, name="touchpoint_update"
    ),
    path(
        "organisation/touchpoints/<int:pk>/delete/",
        views.touchpoint_delete,
        name="touchpoint_delete",
    ),
    path("organisation/journeys/", views.journey_list, name="journey_list"),
    path("organisation/journeys/new/", views.journey_create, name="journey_create"),
    path("organisation/journeys/<int:pk>/", views.journey_detail, name="journey_detail"),
    path("organisation/journeys/<int:pk>/edit/", views.journey_update, name="journey_update"),
    path("organisation/journeys/<int:pk>/delete/", views.journey_delete, name="journey_delete"),
    path("organisation/segments/", views.segment_list, name="segment_list"),
    path("organisation/segments/new/", views.segment_create, name="segment_create"),
    path("organisation/segments/<int:pk>/edit/", views.segment_update, name="segment_update"),
    path("organisation/segments/<int:pk>/delete/", views.segment_delete, name="segment_delete"),
    path("organisation/brand-promises/", views.brand_promise_list, name="brand_promise_list"),
    path(
        "organisation/brand-promises/new/", views.brand_promise_create, name="brand_promise_create"
    ),
    path(
        "organisation/brand-promises/<int:pk>/edit/",
        views.brand_promise_update,
        name="brand_promise_update",
    ),
    path(
        "organisation/brand-promises/<int:pk>/delete/",
        views.brand_promise_delete,
        name="brand_promise_delete",
    ),
]

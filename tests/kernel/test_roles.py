"""Each role sees what it may; what it may not do is refused by the page and by the service."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cxpilot.kernel.errors import PermissionDenied
from cxpilot.organisation import services
from cxpilot.organisation.models import BrandPromise, Department, Journey, Segment, Touchpoint

READ_ONLY_ROLES = ["viewer", "analyst", "department_owner"]


def _write_urls() -> list[tuple[str, dict]]:
    """(url, POST data) of every write page, for the ``org`` fixture's objects."""
    department = Department.objects.get(key="ecommerce")
    touchpoint = Touchpoint.objects.get(key="website")
    journey = Journey.objects.get(key="purchase")
    segment = Segment.objects.get(key="families")
    promise = BrandPromise.objects.create(key="promise", statement="We answer in a day")
    return [
        (reverse("department_create"), {"key": "new", "name": "New"}),
        (
            reverse("department_update", args=[department.pk]),
            {"key": "ecommerce", "name": "Hacked"},
        ),
        (reverse("department_delete", args=[department.pk]), {}),
        (reverse("touchpoint_create"), {"key": "new", "name": "New"}),
        (reverse("touchpoint_update", args=[touchpoint.pk]), {"key": "website", "name": "Hacked"}),
        (reverse("touchpoint_delete", args=[touchpoint.pk]), {}),
        (reverse("journey_create"), {"key": "new", "name": "New"}),
        (reverse("journey_update", args=[journey.pk]), {"key": "purchase", "name": "Hacked"}),
        (reverse("journey_delete", args=[journey.pk]), {}),
        (reverse("segment_create"), {"key": "new", "name": "New"}),
        (reverse("segment_update", args=[segment.pk]), {"key": "families", "name": "Hacked"}),
        (reverse("segment_delete", args=[segment.pk]), {}),
        (reverse("brand_promise_create"), {"key": "new", "statement": "New"}),
        (
            reverse("brand_promise_update", args=[promise.pk]),
            {"key": "promise", "statement": "Hacked"},
        ),
        (reverse("brand_promise_delete", args=[promise.pk]), {}),
    ]


def _snapshot() -> list:
    return [
        list(model.objects.order_by("pk").values())
        for model in (Department, Touchpoint, Journey, Segment, BrandPromise)
    ]


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_read_only_roles_can_read_every_list(org, client_as, role: str) -> None:
    client = client_as(role)
    for name in (
        "department_list",
        "touchpoint_list",
        "journey_list",
        "segment_list",
        "brand_promise_list",
    ):
        assert client.get(reverse(name)).status_code == 200
    for name, model in (
        ("department_detail", Department),
        ("touchpoint_detail", Touchpoint),
        ("journey_detail", Journey),
    ):
        assert client.get(reverse(name, args=[model.objects.first().pk])).status_code == 200


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_read_only_roles_get_403_on_every_write_even_by_post(org, client_as, role: str) -> None:
    client = client_as(role)
    urls = _write_urls()
    before = _snapshot()
    for url, data in urls:
        assert client.get(url).status_code == 403, url
        response = client.post(url, data)
        assert response.status_code == 403, url
        assert "Your role does not allow this." in response.content.decode()
    assert _snapshot() == before


def test_viewer_cannot_create_a_touchpoint_by_posting_directly(org, viewer: Client) -> None:
    response = viewer.post(
        reverse("touchpoint_create"), {"key": "sneaky", "name": "Sneaky", "channel": "web"}
    )
    assert response.status_code == 403
    assert not Touchpoint.objects.filter(key="sneaky").exists()


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_read_only_roles_see_no_write_buttons(org, client_as, role: str) -> None:
    client = client_as(role)
    BrandPromise.objects.create(key="promise", statement="We answer in a day")
    pages = [
        reverse("department_list"),
        reverse("department_detail", args=[Department.objects.get(key="ecommerce").pk]),
        reverse("touchpoint_list"),
        reverse("touchpoint_detail", args=[Touchpoint.objects.get(key="website").pk]),
        reverse("journey_list"),
        reverse("journey_detail", args=[Journey.objects.get(key="purchase").pk]),
        reverse("segment_list"),
        reverse("brand_promise_list"),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        for action in ("/new/", "/edit/", "/delete/"):
            assert action not in html, (url, action)


def test_cx_lead_sees_write_buttons(org, lead: Client) -> None:
    html = lead.get(reverse("touchpoint_list")).content.decode()
    assert f'href="{reverse("touchpoint_create")}"' in html
    website = Touchpoint.objects.get(key="website")
    assert f'href="{reverse("touchpoint_update", args=[website.pk])}"' in html
    assert f'href="{reverse("touchpoint_delete", args=[website.pk])}"' in html


@pytest.mark.parametrize("role", ["cx_lead", "admin", "superuser"])
def test_writing_roles_can_write(db, client_as, role: str) -> None:
    client = client_as(role)
    response = client.post(reverse("department_create"), {"key": f"d_{role}", "name": "D"})
    assert response.status_code == 302
    assert Department.objects.filter(key=f"d_{role}").exists()


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_services_refuse_read_only_roles(org, make_user, role: str) -> None:
    user = make_user(role)
    department = Department.objects.get(key="ecommerce")
    journey = Journey.objects.get(key="purchase")
    calls = [
        lambda: services.department_create(actor=user, key="x", name="X"),
        lambda: services.department_update(actor=user, department=department, data={"name": "X"}),
        lambda: services.department_delete(actor=user, department=department),
        lambda: services.touchpoint_create(actor=user, key="x", name="X"),
        lambda: services.journey_create(actor=user, key="x", name="X"),
        lambda: services.journey_update(actor=user, journey=journey, data={}, stages=[]),
        lambda: services.journey_delete(actor=user, journey=journey),
        lambda: services.segment_create(actor=user, key="x", name="X"),
        lambda: services.brand_promise_create(actor=user, key="x", statement="X"),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert not Department.objects.filter(key="x").exists()
    assert journey.stages.count() == 3


def test_anonymous_actor_is_refused_by_services(org) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.touchpoint_create(actor=AnonymousUser(), key="x", name="X")

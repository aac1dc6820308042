"""The Django admin: every organisation model, the read-only inbox, a user's department."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from cxpilot.organisation.models import Department, Profile
from cxpilot.warehouse.models import InboxItem

MODELS = [
    "department",
    "journey",
    "journeystage",
    "touchpoint",
    "segment",
    "brandpromise",
    "profile",
]


@pytest.fixture
def admin_client_(org, client_as):
    return client_as("superuser")


@pytest.mark.parametrize("model", MODELS)
def test_changelists_and_add_pages_render(admin_client_, model: str) -> None:
    assert admin_client_.get(reverse(f"admin:organisation_{model}_changelist")).status_code == 200
    assert admin_client_.get(reverse(f"admin:organisation_{model}_add")).status_code == 200


def test_changelists_search_and_filter(admin_client_) -> None:
    response = admin_client_.get(
        reverse("admin:organisation_touchpoint_changelist"),
        {"q": "call", "channel__exact": "phone"},
    )
    assert response.status_code == 200
    assert [t.key for t in response.context["cl"].result_list] == ["call_centre"]


def test_inbox_is_read_only(admin_client_) -> None:
    item = InboxItem.objects.create(
        table="responses", source="api", record_id="r1", payload={"score": 9}
    )
    assert (
        admin_client_.get(
            reverse("admin:warehouse_inboxitem_changelist"), {"state": "pending"}
        ).status_code
        == 200
    )
    assert admin_client_.get(reverse("admin:warehouse_inboxitem_add")).status_code == 403
    page = admin_client_.get(reverse("admin:warehouse_inboxitem_change", args=[item.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert (
        admin_client_.post(
            reverse("admin:warehouse_inboxitem_delete", args=[item.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert InboxItem.objects.filter(pk=item.pk).exists()


def test_admin_sets_a_users_department(admin_client_, make_user) -> None:
    user = make_user("department_owner", username="olga")
    department = Department.objects.get(key="service")
    url = reverse("admin:auth_user_change", args=[user.pk])
    page = admin_client_.get(url)
    assert page.status_code == 200
    assert 'name="cx_profile-0-department"' in page.content.decode()
    response = admin_client_.post(
        url,
        {
            "username": "olga",
            "first_name": "",
            "last_name": "",
            "email": "",
            "is_active": "on",
            "groups": [g.pk for g in user.groups.all()],
            "date_joined_0": "2025-01-01",
            "date_joined_1": "00:00:00",
            "cx_profile-TOTAL_FORMS": "1",
            "cx_profile-INITIAL_FORMS": "0",
            "cx_profile-MIN_NUM_FORMS": "0",
            "cx_profile-MAX_NUM_FORMS": "1",
            "cx_profile-0-department": department.pk,
            "cx_profile-0-user": user.pk,
        },
    )
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else ""
    )
    assert Profile.objects.get(user=user).department == department
    listing = admin_client_.get(reverse("admin:auth_user_changelist")).content.decode()
    assert "Service client" in listing
    assert User.objects.get(pk=user.pk).groups.count() == 1


def test_a_department_owner_needs_a_department(org):
    from django.contrib.auth.models import User

    from cxpilot.kernel.errors import ValidationError
    from cxpilot.organisation.users import user_upsert

    with pytest.raises(ValidationError, match="needs a department: add --department"):
        user_upsert(username="bob", role="department_owner")
    assert not User.objects.filter(username="bob").exists()
    user, _ = user_upsert(username="bob", role="department_owner", department="service")
    # updated without --department, the owner keeps theirs
    user_upsert(username="bob", role="department_owner", password="a-new-long-password")
    assert Profile.objects.get(user=user).department.key == "service"


@pytest.mark.parametrize("name", ["bad name", "bad\x01name", "ève<script>", "a\u202eb"])
def test_a_username_with_spaces_or_control_characters_is_refused(db, name) -> None:
    from django.contrib.auth import get_user_model

    from cxpilot.kernel.errors import ValidationError
    from cxpilot.organisation.users import user_upsert

    with pytest.raises(ValidationError, match="is not a username") as caught:
        user_upsert(username=name, role="viewer")
    assert caught.value.where == "username"
    assert not get_user_model().objects.exists()

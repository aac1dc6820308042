"""Users managed in the app: the CX lead invites someone with a role, the invited person sets
a password through a one-time link and starts; roles change; nobody locks themselves out or
makes an administrator without being one."""

from __future__ import annotations

import re

from django.contrib.auth.models import User
from django.test import Client

from cxpilot.organisation.models import Department, Profile


def invite(client, **fields):
    data = {"email": "Nadia@Example.org", "first_name": "Nadia", "role": "analyst"} | fields
    return client.post("/organisation/users/", data)


def test_the_cx_lead_invites_and_the_invited_person_starts(org, client_as, mailoutbox):
    lead = client_as("cx_lead")
    assert lead.get("/organisation/users/").status_code == 200
    response = invite(lead)
    assert response.status_code == 302  # and a reload of the next page sends nothing again
    response = lead.get(response["Location"])
    link = re.search(
        r'<code class="invite-link">(http://testserver(/accounts/invite/[^<]+))</code>',
        response.content.decode(),
    )
    assert link, response.content.decode()[-3000:]
    nadia = User.objects.get(username="nadia@example.org")
    assert not nadia.is_active and not nadia.has_usable_password()
    assert mailoutbox[-1].to == ["nadia@example.org"] and link[1] in mailoutbox[-1].body
    later = lead.get("/organisation/users/").content.decode()
    assert "Invited, not yet started" in later and "invite-link" not in later  # shown once

    stranger = Client()
    page = stranger.get(link[2])
    assert page.status_code == 200 and "Welcome, Nadia" in page.content.decode()
    weak = stranger.post(link[2], {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 422
    nadia.refresh_from_db()
    assert not nadia.is_active
    started = stranger.post(
        link[2],
        {"new_password1": "a long and good one 42", "new_password2": "a long and good one 42"},
    )
    assert started.status_code == 302 and started["Location"] == "/"
    nadia.refresh_from_db()
    assert nadia.is_active and nadia.groups.get().name == "analyst"
    assert stranger.get("/").status_code == 200  # logged in
    # the link works once
    assert Client().get(link[2]).status_code == 404
    assert Client().get("/accounts/invite/Mg/not-a-token/").status_code == 404
    assert Client().get("/accounts/invite/%00%ff/x/").status_code == 404


def test_roles_change_but_nobody_locks_themselves_out(org, client_as, make_user):
    lead = client_as("cx_lead")
    me = User.objects.get(groups__name="cx_lead")
    person = make_user("viewer", username="paul")
    service = Department.objects.get(key="service")
    # a department owner needs a department
    bad = lead.post(
        f"/organisation/users/{person.pk}/", {"role": "department_owner", "is_active": "on"}
    )
    assert bad.status_code == 422
    ok = lead.post(
        f"/organisation/users/{person.pk}/",
        {"role": "department_owner", "department": service.pk, "is_active": "on"},
    )
    assert ok.status_code == 302
    assert person.groups.get().name == "department_owner"
    assert Profile.objects.get(user=person).department == service
    # a CX lead makes no administrator
    refused = lead.post(f"/organisation/users/{person.pk}/", {"role": "admin", "is_active": "on"})
    assert refused.status_code == 422 and not User.objects.get(pk=person.pk).is_superuser
    # deactivated: may no longer log in
    lead.post(f"/organisation/users/{person.pk}/", {"role": "viewer"})
    assert not User.objects.get(pk=person.pk).is_active
    # nobody demotes or deactivates themselves
    for data in ({"role": "viewer", "is_active": "on"}, {"role": "cx_lead"}):
        assert lead.post(f"/organisation/users/{me.pk}/", data).status_code == 422
    me.refresh_from_db()
    assert me.is_active and me.groups.get().name == "cx_lead"


def test_only_who_may_manage_users_sees_them(org, client_as):
    assert client_as("analyst").get("/organisation/users/").status_code == 403
    assert client_as("viewer").post("/organisation/users/", {"email": "x@y.org"}).status_code == 403
    assert User.objects.filter(username="x@y.org").count() == 0
    assert Client().get("/organisation/users/").status_code == 302  # to the login


def test_an_address_already_used_is_refused(org, client_as, make_user):
    lead = client_as("cx_lead")
    assert invite(lead).status_code == 302
    again = invite(lead, email="nadia@example.org")
    assert again.status_code == 422
    assert "already has an account" in again.content.decode()
    assert User.objects.filter(username="nadia@example.org").count() == 1

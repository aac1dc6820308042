"""Failed logins are throttled: passwords cannot be guessed at speed, on the app's login page
nor on the admin's."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from cxpilot.kernel.login import MAX_PER_ACCOUNT
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


def login(client: Client, username: str, password: str, path: str = "/accounts/login/"):
    return client.post(path, {"username": username, "password": password})


def test_after_too_many_failures_even_the_right_password_is_refused(make_user):
    make_user("cx_lead", username="claire")
    make_user("viewer", username="paul")
    client = Client()
    for _ in range(MAX_PER_ACCOUNT):
        assert login(client, "claire", "wrong").status_code == 200  # the form again
    response = login(client, "Claire ", PASSWORD)  # the same account, however it is typed
    assert response.status_code == 200 and "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert login(Client(), "paul", PASSWORD).status_code == 302  # another account logs in


def test_the_message_is_french_for_a_french_user(make_user):
    make_user("cx_lead", username="claire")
    client = Client()
    client.cookies["django_language"] = "fr"
    for _ in range(MAX_PER_ACCOUNT):
        login(client, "claire", "wrong")
    assert "Trop d’échecs de connexion" in login(client, "claire", PASSWORD).content.decode()


def test_a_success_clears_the_count(make_user):
    make_user("cx_lead", username="claire")
    for _ in range(MAX_PER_ACCOUNT - 1):
        login(Client(), "claire", "wrong")
    assert login(Client(), "claire", PASSWORD).status_code == 302
    for _ in range(MAX_PER_ACCOUNT - 1):
        login(Client(), "claire", "wrong")
    assert login(Client(), "claire", PASSWORD).status_code == 302


def test_the_admin_login_is_throttled_too(make_user):
    user = make_user("superuser", username="root")
    assert user.is_staff
    client = Client()
    for _ in range(MAX_PER_ACCOUNT):
        login(client, "root", "wrong", "/admin/login/")
    response = login(client, "root", PASSWORD, "/admin/login/")
    assert response.status_code == 200 and "Too many failed logins" in response.content.decode()


def test_behind_a_trusted_proxy_each_client_address_has_its_own_count(make_user, settings):
    import ipaddress

    from cxpilot.kernel.login import MAX_PER_ADDRESS

    settings.CXPILOT_TRUSTED_PROXIES = (ipaddress.ip_network("10.0.0.2"),)
    make_user("cx_lead", username="claire")
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    for n in range(MAX_PER_ADDRESS):
        proxy.post(
            "/accounts/login/",
            {"username": f"nobody{n}", "password": "x"},
            HTTP_X_FORWARDED_FOR="203.0.113.1",
        )
    refused = proxy.post(
        "/accounts/login/",
        {"username": "claire", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.1",
    )
    assert "Too many failed logins" in refused.content.decode()
    # another client behind the same proxy is not held back by the first one's failures
    other = proxy.post(
        "/accounts/login/",
        {"username": "claire", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.2",
    )
    assert other.status_code == 302

"""The app shell through HTTP: login, navigation, language switch, home page, health check."""

from __future__ import annotations

import pyarrow as pa
import pytest
from django.test import Client
from django.urls import reverse

from cxpilot.warehouse import connection
from cxpilot.warehouse.ingest import load_arrow
from cxpilot.warehouse.models import InboxItem

PAGES = [
    ("home", []),
    ("department_list", []),
    ("department_create", []),
    ("department_detail", [1]),
    ("department_update", [1]),
    ("department_delete", [1]),
    ("touchpoint_list", []),
    ("touchpoint_create", []),
    ("touchpoint_detail", [1]),
    ("touchpoint_update", [1]),
    ("touchpoint_delete", [1]),
    ("journey_list", []),
    ("journey_create", []),
    ("journey_detail", [1]),
    ("journey_update", [1]),
    ("journey_delete", [1]),
    ("segment_list", []),
    ("segment_create", []),
    ("segment_update", [1]),
    ("segment_delete", [1]),
    ("brand_promise_list", []),
    ("brand_promise_create", []),
    ("brand_promise_update", [1]),
    ("brand_promise_delete", [1]),
]


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_every_page_requires_login(db, client: Client, name: str, args: list[int]) -> None:
    url = reverse(name, args=args)
    for response in (client.get(url), client.post(url, {"key": "x", "name": "x"})):
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"


def test_healthz_is_public(db, client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")


def test_login_page_renders_with_labels(db, client: Client) -> None:
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username"' in html
    assert '<label for="id_password"' in html
    assert "csrfmiddlewaretoken" in html


def test_login_works_and_lands_on_home(make_user, client: Client) -> None:
    make_user("viewer", username="ana", first_name="Ana", last_name="Lopez")
    response = client.post(reverse("login"), {"username": "ana", "password": "pw-secret-123"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "Ana Lopez" in home.content.decode()
    assert "Viewer" in home.content.decode()


def test_login_with_a_wrong_password_says_so(make_user, client: Client) -> None:
    make_user("viewer", username="ana")
    response = client.post(reverse("login"), {"username": "ana", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_redirects_to_next(make_user, client: Client) -> None:
    make_user("viewer", username="ana")
    url = reverse("touchpoint_list")
    response = client.post(
        reverse("login"), {"username": "ana", "password": "pw-secret-123", "next": url}
    )
    assert response["Location"] == url


def test_logout_is_a_post_form(viewer: Client) -> None:
    html = viewer.get(reverse("home")).content.decode()
    assert f'action="{reverse("logout")}" method="post"' in html
    response = viewer.post(reverse("logout"))
    assert response.status_code == 302
    assert viewer.get(reverse("home")).status_code == 302


def test_navigation_lists_the_organisation_pages(viewer: Client) -> None:
    html = viewer.get(reverse("touchpoint_list")).content.decode()
    for name in (
        "home",
        "department_list",
        "touchpoint_list",
        "journey_list",
        "segment_list",
        "brand_promise_list",
    ):
        assert f'href="{reverse(name)}"' in html
    assert f'href="{reverse("touchpoint_list")}" aria-current="page"' in html
    assert reverse("admin:index") not in html


def test_staff_see_the_admin_link(client_as) -> None:
    html = client_as("superuser").get(reverse("home")).content.decode()
    assert f'href="{reverse("admin:index")}"' in html
    assert "Administrator" in html


def test_roles_are_shown_in_the_header(client_as) -> None:
    assert "CX lead" in client_as("cx_lead").get(reverse("home")).content.decode()
    assert "Department owner" in client_as("department_owner").get(reverse("home")).content.decode()


def test_language_switch_renders_french(viewer: Client) -> None:
    html = viewer.get(reverse("home")).content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert '<option value="fr" lang="fr">Français</option>' in html
    response = viewer.post("/i18n/setlang/", {"language": "fr", "next": reverse("touchpoint_list")})
    assert response.status_code == 302
    assert response["Location"] == reverse("touchpoint_list")
    html = viewer.get(reverse("touchpoint_list")).content.decode()
    assert '<html lang="fr">' in html
    assert "Points de contact" in html
    assert "Accueil" in html
    assert "Se déconnecter" in html
    assert "Tous les canaux" in html
    # and back to English
    viewer.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Touchpoints" in viewer.get(reverse("touchpoint_list")).content.decode()


def test_login_page_in_french(db, client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "fr", "next": reverse("login")})
    html = client.get(reverse("login")).content.decode()
    assert "Se connecter" in html
    assert "Nom d’utilisateur" in html


def test_home_shows_real_counts(org, viewer: Client) -> None:
    customers = pa.table({"customer_id": ["c1", "c2", "c3"], "source": ["crm", "crm", "crm"]})
    assert load_arrow(table="customers", data=customers) == 3
    InboxItem.objects.create(table="responses", source="api", record_id="r1", payload={})
    InboxItem.objects.create(table="responses", source="api", record_id="r2", payload={})
    done = InboxItem.objects.create(table="responses", source="api", record_id="r3", payload={})
    InboxItem.objects.filter(pk=done.pk).update(flushed_at="2025-01-01T00:00:00Z")

    response = viewer.get(reverse("home"))
    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary.warehouse_counts == {
        "customers": 3,
        "interactions": 0,
        "responses": 0,
        "transactions": 0,
    }
    assert summary.org_counts == {
        "departments": 2,
        "touchpoints": 3,
        "journeys": 1,
        "journey_stages": 3,
        "segments": 1,
        "brand_promises": 0,
    }
    assert summary.inbox_pending == 2
    html = response.content.decode()
    assert 'Customers <code>customers</code></th><td class="number">3</td>' in html
    assert (
        f'<a href="{reverse("touchpoint_list")}">Touchpoints</a></th><td class="number">3</td>'
        in html
    )
    assert "2 collected answers and events are waiting in the inbox." in html
    assert "What to do next" not in html


def test_home_on_an_empty_warehouse_says_what_to_do(viewer: Client) -> None:
    html = viewer.get(reverse("home")).content.decode()
    assert "What to do next" in html
    assert "cxpilot import customers" in html
    assert "The organisation model is empty" in html
    assert "0 collected answers and events are waiting in the inbox." in html


def test_home_shows_the_warehouse_error_instead_of_crashing(
    viewer: Client, settings, tmp_path
) -> None:
    connection.close()
    settings.CXPILOT_WAREHOUSE_URL = (
        f"duckdb:///{tmp_path / 'missing-dir' / 'deeper' / 'wh.duckdb'}"
    )
    response = viewer.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The warehouse cannot be opened:" in html
    assert "cannot open the warehouse" in html
    assert "What to do next" not in html


def test_a_user_without_a_role_is_told_so(client_as) -> None:
    client = client_as(None)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your account has no role yet" in html
    assert reverse("department_list") not in html
    assert response.context["summary"].warehouse_counts is None
    assert client.get(reverse("department_list")).status_code == 403


def test_unknown_object_is_a_404_page(viewer: Client) -> None:
    response = viewer.get(reverse("department_detail", args=[999]))
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_the_stylesheet_is_served(viewer: Client) -> None:
    html = viewer.get(reverse("home")).content.decode()
    assert 'href="/static/cxpilot/app.css"' in html
    assert "//cdn" not in html and "https://" not in html

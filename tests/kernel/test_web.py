"""What every page and API answer shares: JSON errors for any /api/ address, the app's own
page for a form sent without its security token, the favicon."""

from __future__ import annotations

from django.test import Client


def test_an_unknown_api_address_is_a_json_404(db):
    response = Client().get("/api/v1/nonexistent")
    assert response.status_code == 404
    assert response.json() == {
        "error": "not_found",
        "detail": "there is no such API endpoint: see /api/v1/docs",
        "where": "GET /api/v1/nonexistent",
    }


def test_a_wrong_method_is_a_json_405(db):
    response = Client().get("/api/v1/responses")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"
    assert response.json()["where"] == "GET /api/v1/responses"


def test_pages_keep_their_own_404(lead):
    response = lead.get("/no/such/page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_a_form_without_its_token_gets_the_app_page_in_french(make_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("cx_lead"))
    response = client.post("/organisation/departments/new/", {"key": "x", "name": "X"})
    assert response.status_code == 403
    assert "Form expired" in response.content.decode()
    client.cookies["django_language"] = "fr"
    response = client.post("/organisation/departments/new/", {"key": "x", "name": "X"})
    assert "Formulaire expiré" in response.content.decode()


def test_the_favicon_is_served_and_linked(lead):
    page = lead.get("/").content.decode()
    assert 'rel="icon"' in page and "cxpilot/favicon.svg" in page
    assert lead.get("/static/cxpilot/favicon.svg").status_code == 200


def test_the_api_docs_page_loads_nothing_from_another_site(db):
    page = Client().get("/api/v1/docs")
    html = page.content.decode()
    assert page.status_code == 200 and "swagger-ui-bundle.js" in html
    assert "cdn." not in html and "https://" not in html.split("<body", 1)[-1].split("</body>")[0]


def test_every_answer_carries_the_content_security_policy(lead):
    from cxpilot.kernel.web import CONTENT_SECURITY_POLICY

    for path in ("/", "/voc/", "/accounts/login/", "/api/v1/docs", "/no/such/page/"):
        response = lead.get(path)
        policy = response["Content-Security-Policy"]
        assert policy == CONTENT_SECURITY_POLICY, path
        assert "script-src 'self'" in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy


def test_a_form_too_large_to_read_gets_a_page_that_says_so(org, client_as):
    """A text pasted into a form beyond what a form takes (2.5 MB) is refused with a page
    saying why (the CSRF check reads the form first), and nothing is saved."""
    from cxpilot.journeys.models import TargetJourney

    lead = client_as("cx_lead")
    lead.raise_request_exception = False
    response = lead.post(
        "/journeys/targets/import/", {"text": "key: big\n" + "#" * 3_000_000, "replace": "on"}
    )
    assert response.status_code == 400
    assert b"larger than a form takes" in response.content
    assert not TargetJourney.objects.exists()

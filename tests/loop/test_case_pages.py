"""The follow-up case pages, through HTTP."""

from __future__ import annotations

import pytest

from cxpilot.loop.models import FollowUpCase, LoopSettings
from cxpilot.loop.services import cases_open
from tests.hostile import HOSTILE, HOSTILE_ESCAPED


def answer(i: int, touchpoint: str, score: int) -> dict:
    return {
        "response_id": f"r{i}",
        "customer_id": f"c{i}",
        "touchpoint": touchpoint,
        "timestamp": "2025-04-02T10:00:00",
        "metric": "nps",
        "score": score,
        "source": "web",
        "verbatim": f"{HOSTILE} colis perdu",
    }


@pytest.fixture
def cases(org):
    cases_open(records=[answer(1, "website", 2), answer(2, "call_centre", 1)])
    return {c.touchpoint: c for c in FollowUpCase.objects.all()}


def test_department_owner_works_their_cases(client_as, cases):
    client = client_as("department_owner", department="ecommerce")
    page = client.get("/voc/cases/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "website" in body and "call_centre" not in body
    assert HOSTILE not in body and HOSTILE_ESCAPED in body
    assert client.get(f"/voc/cases/{cases['call_centre'].pk}/").status_code == 404
    detail = client.get(f"/voc/cases/{cases['website'].pk}/")
    assert detail.status_code == 200 and "&lt;script&gt;" in detail.content.decode()
    response = client.post(
        f"/voc/cases/{cases['website'].pk}/note/",
        {"kind": "contact", "channel": "phone", "text": "Rappel, geste commercial"},
    )
    assert response.status_code == 302
    case = FollowUpCase.objects.get(pk=cases["website"].pk)
    assert case.status == "in_progress" and case.notes.count() == 1
    response = client.post(f"/voc/cases/{case.pk}/status/", {"status": "closed", "resolution": ""})
    assert (
        response.status_code == 200 and "say how the case was resolved" in response.content.decode()
    )
    assert FollowUpCase.objects.get(pk=case.pk).status == "in_progress"
    response = client.post(
        f"/voc/cases/{cases['call_centre'].pk}/note/", {"kind": "note", "text": "x"}
    )
    assert response.status_code == 404
    assert client.get("/voc/cases/settings/").status_code == 403


def test_viewer_has_no_cases(client_as, cases):
    client = client_as("viewer")
    assert client.get("/voc/cases/").status_code == 403
    assert client.get(f"/voc/cases/{cases['website'].pk}/").status_code == 403
    assert client.get("/voc/alerts/").status_code == 403


def test_cx_lead_sees_all_and_edits_settings(client_as, cases):
    client = client_as("cx_lead")
    body = client.get("/voc/cases/").content.decode()
    assert "website" in body and "call_centre" in body
    assert client.get("/voc/cases/?status=bogus").status_code == 200
    response = client.post(
        "/voc/cases/settings/",
        {
            "nps_max": 6,
            "ces_max": 3,
            "csat_max": 2,
            "sla_hours": 24,
            "alert_min_sample": 30,
            "alert_alpha": 0.01,
            "alert_emails": "cx@example.fr\nnot-an-address",
            "webhook_url": "",
        },
    )
    assert (
        response.status_code == 200
        and "not-an-address is not an e-mail address" in response.content.decode()
    )
    assert LoopSettings.current().sla_hours == 48
    response = client.post(
        "/voc/cases/settings/",
        {
            "nps_max": 6,
            "ces_max": 3,
            "csat_max": 2,
            "sla_hours": 24,
            "alert_min_sample": 30,
            "alert_alpha": 0.01,
            "alert_emails": "cx@example.fr",
            "webhook_url": "https://hooks.example.com/x",
        },
    )
    assert response.status_code == 302 and LoopSettings.current().sla_hours == 24
    assert client.get("/voc/alerts/").status_code == 200


def test_login_required(client, cases):
    assert client.get("/voc/cases/").status_code == 302


def test_dashboard_shows_case_kpis_to_who_may_see_cases(client_as, cases):
    body = client_as("cx_lead").get("/voc/").content.decode()
    assert "Closing the loop, last 30 days" in body and "Cases opened" in body
    client = client_as("analyst")
    body = client.get("/voc/").content.decode()
    assert "Cases opened" not in body

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
    assert [c.touchpoint for c in page.context["cases"]] == ["website"]
    assert "<td>Website</td>" in body and "<td>Call centre</td>" not in body
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
        response.status_code == 422 and "say how the case was resolved" in response.content.decode()
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
    assert client.get("/voc/cases/?status=bogus").status_code == 400  # a form error
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
    assert "Closing the loop, the 30 days to" in body and "Cases opened" in body
    client = client_as("analyst")
    body = client.get("/voc/").content.decode()
    assert "Cases opened" not in body


def many_cases(n: int) -> None:
    import datetime as dt

    from django.utils import timezone

    touchpoints = ["website", "store", "call_centre"]
    cases_open(records=[answer(i, touchpoints[i % 3], i % 7) for i in range(n)])
    # opened over the last 60 days, one every 12 hours
    now = timezone.now()
    for i, case in enumerate(FollowUpCase.objects.order_by("response_id")):
        FollowUpCase.objects.filter(pk=case.pk).update(
            opened_at=now - dt.timedelta(hours=12 * i), due_at=now - dt.timedelta(hours=12 * i - 48)
        )


def test_the_case_list_pages_counts_filters_sorts_and_exports(org, lead, make_user):
    many_cases(120)
    page = lead.get("/voc/cases/")
    body = page.content.decode()
    assert len(page.context["cases"]) == 50 and "Cases 1–50 of 120" in body
    assert 'rel="next"' in body
    last = lead.get("/voc/cases/?page=3")
    assert len(last.context["cases"]) == 20 and "Cases 101–120 of 120" in last.content.decode()
    assert lead.get("/voc/cases/?page=99").context["page"].number == 3  # past the end: the last

    store = lead.get("/voc/cases/?touchpoint=store")
    assert {c.touchpoint for c in store.context["cases"]} == {"store"}
    assert store.context["page"].paginator.count == 40
    service = lead.get("/voc/cases/?department=service")
    assert {c.touchpoint for c in service.context["cases"]} == {"call_centre"}
    recent = lead.get("/voc/cases/?age=day")
    assert recent.context["page"].paginator.count == 2  # opened 0 and 12 hours ago
    older = lead.get("/voc/cases/?age=older")
    assert older.context["page"].paginator.count == 60  # 30 days (60 × 12 h) ago or more
    worst = lead.get("/voc/cases/?sort=score").context["cases"]
    assert [c.score for c in worst][:3] == [0, 0, 0]
    oldest = lead.get("/voc/cases/?sort=opened").context["cases"][0]
    assert oldest.opened_at == FollowUpCase.objects.order_by("opened_at").first().opened_at
    owner = make_user("cx_lead", username="amelie")
    FollowUpCase.objects.filter(touchpoint="website").update(assignee=owner)
    mine = lead.get("/voc/cases/?assignee=amelie")
    assert mine.context["page"].paginator.count == 40
    assert lead.get("/voc/cases/?assignee=none").context["page"].paginator.count == 80

    bad = lead.get("/voc/cases/?sort=password&age=forever&page=0")
    assert bad.status_code == 400 and set(bad.context["filters"].errors) == {"sort", "age", "page"}

    export = lead.get("/voc/cases/export.csv?touchpoint=store&sort=score")
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    lines = export.content.decode().splitlines()
    assert lines[0].startswith("id,opened_at,due_at,status,department,touchpoint")
    assert len(lines) == 1 + 40  # every case of the filter, not a page
    # the respondent's text cannot become a formula in the CX team's spreadsheet
    FollowUpCase.objects.filter(touchpoint="store").update(verbatim='=HYPERLINK("http://x")')
    export = lead.get("/voc/cases/export.csv?touchpoint=store").content.decode()
    assert "'=HYPERLINK" in export


def test_a_department_owner_exports_only_their_cases(org, client_as):
    many_cases(30)
    client = client_as("department_owner", department="service")
    page = client.get("/voc/cases/")
    assert "department" not in page.context["filters"].fields
    lines = client.get("/voc/cases/export.csv").content.decode().splitlines()
    assert len(lines) == 1 + 10 and all(",call_centre," in line for line in lines[1:])


def test_a_case_reads_in_french(cases, client_as):
    client = client_as("cx_lead")
    case = cases["website"]
    client.post(
        f"/voc/cases/{case.pk}/note/", {"kind": "contact", "channel": "phone", "text": "Rappel"}
    )
    client.post(f"/voc/cases/{case.pk}/status/", {"status": "closed", "resolution": "Geste"})
    client.cookies["django_language"] = "fr"
    page = client.get(f"/voc/cases/{case.pk}/").content.decode()
    assert "(Téléphone)" in page and "(phone)" not in page
    assert "Statut changé : Fermé" in page or ": Fermé" in page
    assert "closed:" not in page
    listing = client.get("/voc/cases/").content.decode()
    assert "<td>Fermé</td>" in listing and "Fermée" not in listing


def test_working_a_case_assign_tag_escalate_and_reply(
    cases, client_as, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    import pyarrow as pa

    from cxpilot.loop.models import LoopSettings as Settings
    from cxpilot.warehouse.ingest import load_arrow

    load_arrow(
        table="customers",
        data=pa.Table.from_pylist(
            [
                {
                    "customer_id": "c1",
                    "source": "web",
                    "first_name": "Léa",
                    "last_name": "Martin",
                    "email": "lea.martin@example.org",
                    "phone": "+33612345678",
                }
            ]
        ),
    )
    import datetime as dt

    answered = [answer(1, "website", 2), {**answer(9, "store", 9), "customer_id": "c1"}]
    for row in answered:
        row["timestamp"] = dt.datetime.fromisoformat(row["timestamp"])
    load_arrow(table="responses", data=pa.Table.from_pylist(answered))
    Settings.objects.update_or_create(
        pk=Settings.current().pk, defaults={"alert_emails": "cx@x.org"}
    )
    lead = client_as("cx_lead")
    case = cases["website"]  # customer c1, routed to e-commerce
    page = lead.get(f"/voc/cases/{case.pk}/")
    body = page.content.decode()
    assert "Léa" in body and "lea.martin@example.org" in body and "this case" in body
    assert page.context["forms"]["reply"].initial["to"] == "lea.martin@example.org"

    owner = make_user("department_owner", username="eve", department="ecommerce")
    stranger = make_user("department_owner", username="sam", department="service")
    refused = lead.post(f"/voc/cases/{case.pk}/assign/", {"assignee": stranger.pk})
    assert refused.status_code == 422
    assert lead.post(f"/voc/cases/{case.pk}/assign/", {"assignee": owner.pk}).status_code == 302
    case.refresh_from_db()
    assert case.assignee == owner

    assert (
        lead.post(f"/voc/cases/{case.pk}/root_cause/", {"root_cause": "  carrier   late "})
    ).status_code == 302
    case.refresh_from_db()
    assert case.root_cause == "carrier late"
    assert "carrier late" in lead.get(f"/voc/cases/{cases['call_centre'].pk}/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = lead.post(f"/voc/cases/{case.pk}/escalate/", {"reason": "Client VIP"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.escalated_at is not None
    assert mailoutbox[-1].to == ["cx@x.org"] and "escalated" in mailoutbox[-1].subject

    bad = lead.post(
        f"/voc/cases/{case.pk}/reply/", {"to": "not an address", "subject": "x", "body": "y"}
    )
    assert bad.status_code == 422 and len(mailoutbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        sent = lead.post(
            f"/voc/cases/{case.pk}/reply/",
            {"to": "lea.martin@example.org", "subject": "Votre colis", "body": "Bonjour Léa"},
        )
    assert sent.status_code == 302
    assert mailoutbox[-1].to == ["lea.martin@example.org"] and mailoutbox[-1].body == "Bonjour Léa"
    case.refresh_from_db()
    assert case.status == "in_progress" and case.first_contact_at is not None
    kinds = list(case.notes.values_list("kind", flat=True))
    assert kinds == ["assignment", "root_cause", "escalation", "contact"]
    assert lead.post(f"/voc/cases/{case.pk}/nonsense/", {}).status_code == 404
    # the owner works it too; a viewer may not
    assert client_as("viewer").post(
        f"/voc/cases/{case.pk}/escalate/", {"reason": "x"}
    ).status_code in (403, 404)

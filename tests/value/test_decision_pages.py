"""The decision pages: the list for the CX council, the form, the impact page, its PDF."""

from __future__ import annotations

import pytest

from cxpilot.value.models import Decision
from tests.hostile import HOSTILE, HOSTILE_ESCAPED
from tests.value.test_impact import _load, _values


@pytest.fixture
def valued(org) -> None:
    _load()
    _values()


FORM = {
    "title": "Close the call centre on Saturdays",
    "description": "Saves two agents.",
    "touchpoints": ["call_centre"],
    "churn_low": "2",
    "churn_high": "5",
    "status": "proposed",
}


def test_a_lead_creates_a_decision_and_reads_its_impact(valued, lead):
    response = lead.post("/value/decisions/new/", FORM)
    assert response.status_code == 302, response.content.decode()[:2000]
    decision = Decision.objects.get()
    assert decision.touchpoints == ["call_centre"] and decision.assessment is not None
    # C0, C1, C4 called: CLV 100 + 200 + 1000 = 1300, at risk 26 to 65
    assert decision.assessment["clv_at_risk"] == pytest.approx({"low": 26.0, "high": 65.0})
    page = lead.get(f"/value/decisions/{decision.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Close the call centre on Saturdays" in text and "CLV at risk" in text
    assert "26" in text and "65" in text
    listing = lead.get("/value/decisions/?status=proposed")
    assert "Close the call centre on Saturdays" in listing.content.decode()
    assert (
        "Close the call centre" not in lead.get("/value/decisions/?status=decided").content.decode()
    )
    before = decision.assessed_at
    assert lead.post(f"/value/decisions/{decision.pk}/assess/").status_code == 302
    decision.refresh_from_db()
    assert decision.assessed_at >= before
    edit = lead.post(f"/value/decisions/{decision.pk}/edit/", {**FORM, "status": "decided"})
    assert edit.status_code == 302
    decision.refresh_from_db()
    assert decision.status == "decided"


def test_the_pdf_opens(valued, lead):
    import re
    import zlib

    lead.post("/value/decisions/new/", FORM)
    decision = Decision.objects.get()
    response = lead.get(f"/value/decisions/{decision.pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", response.content, re.S)
    text = b"".join(zlib.decompress(s) for s in streams if s[:1] == b"x").decode("latin-1")
    assert "Close the call centre on Saturdays" in text and "CLV at risk" in text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"segments": ["nobody"]}, "segments"),
        ({"churn_low": "5", "churn_high": "2"}, "churn_low"),
        ({"churn_high": "150"}, "churn_high"),
        ({"churn_low": "-5", "churn_high": "-2"}, "churn_low"),
        ({"churn_low": "-1", "churn_high": "3"}, "churn_low"),
        ({"touchpoints": [], "churn_low": "1"}, None),
        ({"churn_low": "", "churn_high": ""}, "churn_low"),
        ({"title": " "}, "title"),
    ],
)
def test_bad_input_changes_nothing(valued, lead, change, field):
    response = lead.post("/value/decisions/new/", {**FORM, **change})
    assert response.status_code == 400
    assert not Decision.objects.exists()
    if field:
        assert field in response.context["form"].errors


def test_a_negative_churn_uplift_is_refused_on_its_field(valued, lead):
    from cxpilot.kernel.errors import ValidationError
    from cxpilot.value import decisions

    response = lead.post("/value/decisions/new/", {**FORM, "churn_low": "-5", "churn_high": "-2"})
    assert "0 to 100 points" in " ".join(response.context["form"].errors["churn_low"])
    with pytest.raises(ValidationError) as error:
        decisions.decision_save(
            actor=response.wsgi_request.user,
            title="t",
            scope={"touchpoints": ["call_centre"]},
            churn=(-5.0, -2.0),
        )
    assert error.value.where == "churn" and "0 to 100" in error.value.detail
    assert not Decision.objects.exists()


def test_times_are_shown_in_the_time_zone_and_counts_with_separators(valued, lead, settings):
    import re
    import zlib

    settings.TIME_ZONE = "Europe/Paris"
    lead.post("/value/decisions/new/", FORM)
    decision = Decision.objects.get()
    a = decision.assessment
    a["computed_at"] = "2026-12-01T10:54:16+00:00"
    a["customers"] = 3221
    a["open_cases"] = {
        "count": 1,
        "rows": [
            {
                "id": 1,
                "source": "shop",
                "customer_id": "C0",
                "touchpoint": "website",
                "metric": "nps",
                "score": 3,
                "status": "open",
                "due_at": "2026-12-02T08:30+00:00",
            }
        ],
    }
    Decision.objects.filter(pk=decision.pk).update(assessment=a)
    text = lead.get(f"/value/decisions/{decision.pk}/").content.decode()
    assert "2026-12-01T10:54" not in text and "11:54" in text  # Paris is UTC+1 in December
    assert "2026-12-02T08:30" not in text and "09:30" in text
    assert "3,221" in text
    pdf = lead.get(f"/value/decisions/{decision.pk}.pdf").content
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
    body = b"".join(zlib.decompress(s) for s in streams if s[:1] == b"x").decode("latin-1")
    assert "2026-12-01T10:54" not in body and "11:54" in body and "Europe/Paris" in body
    assert "3,221" in body


def test_a_hostile_title_is_escaped(valued, lead):
    response = lead.post("/value/decisions/new/", {**FORM, "title": HOSTILE[:200]})
    if response.status_code == 302:
        decision = Decision.objects.get()
        text = lead.get(f"/value/decisions/{decision.pk}/").content.decode()
        assert HOSTILE not in text
        assert HOSTILE_ESCAPED[:20] in text or "&lt;" in text
    else:
        assert response.status_code == 400 and not Decision.objects.exists()


def test_a_viewer_reads_but_cannot_create(valued, lead, viewer):
    lead.post("/value/decisions/new/", FORM)
    decision = Decision.objects.get()
    assert viewer.get("/value/decisions/").status_code == 200
    assert viewer.get(f"/value/decisions/{decision.pk}/").status_code == 200
    assert viewer.get("/value/decisions/new/").status_code == 403
    assert viewer.post("/value/decisions/new/", FORM).status_code == 403
    assert viewer.post(f"/value/decisions/{decision.pk}/assess/").status_code == 403
    assert Decision.objects.count() == 1


def test_an_analyst_adds_but_does_not_delete(valued, client_as):
    from cxpilot.kernel.errors import PermissionDenied
    from cxpilot.value.decisions import decision_delete

    analyst = client_as("analyst")
    assert analyst.post("/value/decisions/new/", FORM).status_code == 302
    decision = Decision.objects.get()
    with pytest.raises(PermissionDenied):
        decision_delete(actor=decision.created_by, decision=decision)


def test_the_council_page_links_to_the_decisions(org, lead):
    text = lead.get("/governance/councils/").content.decode()
    assert "/value/decisions/" in text


def test_the_pages_speak_french(valued, lead):
    lead.post("/value/decisions/new/", FORM)
    decision = Decision.objects.get()
    html = lead.get(f"/value/decisions/{decision.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Clients touchés" in html and "CLV en jeu" in html and "Réévaluer" in html
    listing = lead.get("/value/decisions/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Nouvelle décision" in listing and "Proposée" in listing
    pdf = lead.get(f"/value/decisions/{decision.pk}.pdf", HTTP_ACCEPT_LANGUAGE="fr")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_settled_decision_keeps_what_it_was_decided_on(valued, lead):
    lead.post("/value/decisions/new/", FORM)
    decision = Decision.objects.get()
    # a proposed decision whose scope changes is assessed again: the families who called
    moved = lead.post(f"/value/decisions/{decision.pk}/edit/", {**FORM, "segments": ["families"]})
    assert moved.status_code == 302
    decision.refresh_from_db()
    assert decision.assessment["customers"] == 2
    assert lead.post(f"/value/decisions/{decision.pk}/edit/", {**FORM, "segments": ["families"],
                     "status": "decided"}).status_code == 302  # fmt: skip
    decision.refresh_from_db()
    kept = (decision.assessment, decision.assessed_at)
    # decided: neither re-assessed nor re-scoped
    assert lead.post(f"/value/decisions/{decision.pk}/assess/").status_code == 302
    refused = lead.post(f"/value/decisions/{decision.pk}/edit/", {**FORM, "status": "decided"})
    assert refused.status_code == 400 and "segments" in refused.context["form"].errors
    decision.refresh_from_db()
    assert (decision.assessment, decision.assessed_at) == kept and decision.segments == ["families"]
    assert "Re-assess" not in lead.get(f"/value/decisions/{decision.pk}/").content.decode()


def test_a_decision_created_settled_keeps_the_assessment_of_that_day(valued, lead):
    assert lead.post("/value/decisions/new/", {**FORM, "status": "decided"}).status_code == 302
    decision = Decision.objects.get()
    assert decision.assessment is not None and decision.assessment["customers"] == 3
    # settled but never assessed (data arrived later): it may still be moved back and assessed
    Decision.objects.filter(pk=decision.pk).update(assessment=None, assessed_at=None)
    back = lead.post(f"/value/decisions/{decision.pk}/edit/", {**FORM, "segments": ["families"]})
    assert back.status_code == 302
    decision.refresh_from_db()
    assert decision.status == "proposed" and decision.assessment["customers"] == 2


def test_a_decision_on_an_empty_warehouse_is_kept_unassessed(org, lead):
    response = lead.post("/value/decisions/new/", FORM, follow=True)
    assert response.status_code == 200
    decision = Decision.objects.get()
    assert decision.assessment is None
    text = response.content.decode()
    assert "Not assessed: " in text and "nothing to assess" in text

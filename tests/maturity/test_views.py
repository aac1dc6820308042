"""The maturity pages through the Django test client."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from cxpilot.maturity.catalog import model_load
from cxpilot.maturity.models import Campaign, Invitation, Rating, ValuePick
from tests.hostile import HOSTILE, HOSTILE_ESCAPED


def test_lead_creates_invites_and_respondents_answer(client, org, lead):
    response = lead.post(
        reverse("maturity_campaign_create"),
        {"name": f"Audit {HOSTILE}", "starts_on": "2026-01-05", "ends_on": "2026-02-05"},
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    page = lead.get(reverse("maturity_campaign", args=[campaign.pk])).content.decode()
    assert HOSTILE not in page and HOSTILE_ESCAPED in page
    response = lead.post(
        reverse("maturity_invite", args=[campaign.pk]),
        {"department": campaign_dept(org), "emails": "a@x.org, b@x.org\nc@x.org; d@x.org e@x.org"},
    )
    assert response.status_code == 200
    links = re.findall(r'href="(http://testserver/maturity/r/[^"]+)"', response.content.decode())
    assert len(links) == 5 and Invitation.objects.count() == 5
    assert "a@x.org" in response.content.decode()
    practices = list(model_load().practices)
    for i, link in enumerate(links):
        path = link.removeprefix("http://testserver")
        assert client.get(path).status_code == 200
        data = {f"p-{p}": str(1 + (i % 4)) for p in practices}
        data.update({"current": ["blame", "trust"], "desired": ["trust"], "submit": "1"})
        response = client.post(path, data)
        assert response.status_code == 200 and b"submitted" in response.content
    # one answer set per link: a second visit says it is done and nothing more is stored
    assert b"already submitted" in client.get(path).content
    client.post(path, {**data, "current": ["control"]})
    assert Rating.objects.count() == 5 * len(practices)
    assert ValuePick.objects.filter(value="control").count() == 0

    results = lead.get(reverse("maturity_results", args=[campaign.pk])).content.decode()
    # ratings 1, 2, 3, 4, 1 everywhere: mean 11 / 5 = 2.2 → (2.2 − 1) / 3 × 100 = 40.0
    assert "40.0" in results and "Mobilise" in results
    assert HOSTILE not in results
    culture = lead.get(reverse("maturity_culture", args=[campaign.pk])).content.decode()
    # 5 "blame" of 10 current votes are limiting: 50.0 %, critical
    assert "50.0 %" in culture and "indicative" in culture and "critical" in culture
    roadmap = lead.get(reverse("maturity_roadmap", args=[campaign.pk])).content.decode()
    assert "quick win" in roadmap and "30 days" in roadmap
    csv = lead.get(reverse("maturity_roadmap_csv", args=[campaign.pk]))
    assert csv["Content-Type"].startswith("text/csv") and b"Write the CX vision" in csv.content
    pdf = lead.get(reverse("maturity_roadmap_pdf", args=[campaign.pk]))
    assert pdf.content.startswith(b"%PDF-") and pdf.content.rstrip().endswith(b"%%EOF")


def campaign_dept(org) -> int:
    from cxpilot.organisation.models import Department

    return Department.objects.get(key="service").pk


def test_resume_until_submitted_and_too_many_values(client, answered, lead_user):
    campaign = answered([], close=False)
    from cxpilot.maturity.services import campaign_invite
    from cxpilot.organisation.models import Department

    [(_, invitation)] = campaign_invite(
        actor=lead_user,
        campaign=campaign,
        department=Department.objects.get(key="service"),
        count=1,
    )
    path = reverse("maturity_respond", args=[invitation.token])
    response = client.post(path, {"p-cx_vision": "3", "current": ["trust"], "save": "1"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Saved: 1 of 32" in page and 'value="3" checked' in page
    too_many = ["trust", "blame", "control", "confusion", "respect", "quality", "learning"]
    too_many += ["agility", "courage", "empathy", "integrity"]
    response = client.post(path, {"p-cx_vision": "4", "current": too_many, "save": "1"})
    assert response.status_code == 422 and b"at most 10" in response.content
    # nothing of the refused post was stored
    assert Rating.objects.get().rating == 3
    response = client.post(path, {"p-cx_vision": "4", "submit": "1"})
    assert response.status_code == 422 and b"Rate this practice." in response.content
    assert Invitation.objects.get().submitted_at is None


def test_unknown_link_is_404_and_closed_campaign_refuses(client, answered, lead_user):
    assert client.get("/maturity/r/nope/").status_code == 404
    campaign = answered([("service", 2)] * 5)
    from cxpilot.maturity.services import campaign_invite
    from cxpilot.organisation.models import Department

    with pytest.raises(Exception, match="closed"):
        campaign_invite(
            actor=lead_user,
            campaign=campaign,
            department=Department.objects.get(key="service"),
            count=1,
        )


def test_small_departments_are_hidden(answered, lead):
    # 5 in service, 3 in e-commerce: e-commerce is not shown, but counts in the overall
    campaign = answered([("service", 4)] * 5 + [("ecommerce", 1)] * 3)
    page = lead.get(reverse("maturity_results", args=[campaign.pk])).content.decode()
    assert "hidden (fewer than 5)" in page
    # overall: (5 × 4 + 3 × 1) / 8 = 2.875 → (2.875 − 1) / 3 × 100 = 62.5
    assert "62.5" in page
    table = page.split('id="heatmap-table"')[1]
    assert "E-commerce" in table and ">0.0<" not in table


def test_fewer_than_five_respondents_show_nothing(answered, lead):
    campaign = answered([("service", 4)] * 4)
    page = lead.get(reverse("maturity_results", args=[campaign.pk])).content.decode()
    assert "Results are shown from 5 respondents" in page and "100.0" not in page
    page = lead.get(reverse("maturity_culture", args=[campaign.pk])).content.decode()
    assert "hidden to keep answers anonymous" in page


def test_viewer_reads_but_cannot_manage(answered, viewer):
    campaign = answered([("service", 3)] * 5)
    assert viewer.get(reverse("maturity_campaigns")).status_code == 200
    assert viewer.get(reverse("maturity_results", args=[campaign.pk])).status_code == 200
    assert viewer.get(reverse("maturity_campaign_create")).status_code == 403
    assert viewer.post(reverse("maturity_close", args=[campaign.pk])).status_code == 403
    page = viewer.get(reverse("maturity_campaign", args=[campaign.pk])).content.decode()
    assert "/maturity/r/" not in page


def test_level_history_and_change_since_previous(answered, lead):
    import datetime as dt

    answered([("service", 2)] * 5, name="2025-11", starts_on=dt.date(2025, 11, 1))
    later = answered([("service", 3)] * 5, name="2026-10", starts_on=dt.date(2026, 10, 1))
    page = lead.get(reverse("maturity_campaigns")).content.decode()
    assert "spec-history" in page and "33.3" in page and "66.7" in page
    page = lead.get(reverse("maturity_results", args=[later.pk])).content.decode()
    # 66.7 − 33.3 = +33.3 in every dimension
    assert "Change since 2025-11" in page and "+33.3" in page


def test_french_pages(answered, lead):
    campaign = answered([("service", 3)] * 5)
    page = lead.get(
        reverse("maturity_results", args=[campaign.pk]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Stratégie" in page and "66,7" in page


def test_bad_input_leaves_nothing_stored(answered, lead):
    campaign = answered([], close=False)
    response = lead.post(
        reverse("maturity_invite", args=[campaign.pk]),
        {"department": campaign_dept(None), "emails": "a@x.org, not-an-address"},
    )
    assert response.status_code == 422
    assert "“not-an-address” is not an e-mail address." in response.content.decode()
    assert Invitation.objects.count() == 0
    response = lead.post(
        reverse("maturity_campaign_create"),
        {"name": "Backwards", "starts_on": "2026-02-01", "ends_on": "2026-01-01"},
    )
    assert response.status_code == 200 and b"The end date is before the start date." in (
        response.content
    )
    assert not Campaign.objects.filter(name="Backwards").exists()


def test_compare_with_any_campaign(answered, lead):
    import datetime as dt

    first = answered([("service", 1)] * 5, name="first", starts_on=dt.date(2024, 1, 1))
    answered([("service", 2)] * 5, name="second", starts_on=dt.date(2025, 1, 1))
    third = answered([("service", 4)] * 5, name="third", starts_on=dt.date(2026, 1, 1))
    url = reverse("maturity_results", args=[third.pk])
    # by default the previous closed campaign: 100 − 33.3 = +66.7
    assert "+66.7" in lead.get(url).content.decode()
    # chosen: the first one, 100 − 0 = +100.0
    page = lead.get(url, {"compare": first.pk}).content.decode()
    assert "Change since first" in page and "+100.0" in page
    assert "Change since" not in lead.get(url, {"compare": "none"}).content.decode()


def test_respondent_page_in_french_without_login(client, answered, lead_user):
    campaign = answered([], close=False)
    from cxpilot.maturity.services import campaign_invite
    from cxpilot.organisation.models import Department

    [(_, invitation)] = campaign_invite(
        actor=lead_user,
        campaign=campaign,
        department=Department.objects.get(key="service"),
        count=1,
    )
    response = client.get(reverse("maturity_respond", args=[invitation.token]), {"lang": "fr"})
    page = response.content.decode()
    assert response.status_code == 200 and response["Content-Language"] == "fr"
    assert "Inexistant" in page and "Systématique" in page and "Stratégie" in page
    assert "Culture du blâme" in page and "Envoyer mes réponses" in page
    assert 'name="robots" content="noindex"' in page


def test_personal_links_are_public_with_the_real_middleware(client, answered, lead_user):
    campaign = answered([], close=False)
    from cxpilot.maturity.services import campaign_invite
    from cxpilot.organisation.models import Department

    [(_, invitation)] = campaign_invite(
        actor=lead_user,
        campaign=campaign,
        department=Department.objects.get(key="service"),
        count=1,
    )
    response = client.get(reverse("maturity_respond", args=[invitation.token]))
    assert response.status_code == 200


def test_addresses_and_a_different_number_of_links_are_refused(org, lead):
    response = lead.post(
        reverse("maturity_campaign_create"),
        {"name": "Audit", "starts_on": "2026-01-05", "ends_on": "2026-02-05"},
    )
    campaign = Campaign.objects.get()
    response = lead.post(
        reverse("maturity_invite", args=[campaign.pk]),
        {"department": campaign_dept(org), "emails": "a@x.org, b@x.org", "count": "4"},
    )
    assert response.status_code == 422
    assert "You gave 2 e-mail addresses and asked for 4 links" in response.content.decode()
    assert response.context["form"].errors["count"]
    assert Invitation.objects.count() == 0
    # the same number is no contradiction
    response = lead.post(
        reverse("maturity_invite", args=[campaign.pk]),
        {"department": campaign_dept(org), "emails": "a@x.org, b@x.org", "count": "2"},
    )
    assert response.status_code == 200 and Invitation.objects.count() == 2

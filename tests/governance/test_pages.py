"""The governance pages through HTTP: grid and warnings, CSV, council, champion, roles."""

from __future__ import annotations

import datetime as dt

import pytest

from cxpilot.governance.models import (
    ActionStatus,
    Activity,
    ChampionScore,
    Council,
    CouncilAction,
    GovernanceSettings,
    RaciCell,
)
from cxpilot.governance.services import catalogue_sync, raci_cells_set
from cxpilot.organisation.models import Department
from tests.hostile import HOSTILE, HOSTILE_ESCAPED


@pytest.fixture
def lead(org, lead):
    """The root ``lead`` client, over the small organisation."""
    return lead


@pytest.fixture
def viewer(org, viewer):
    return viewer


def test_login_required(client, org):
    response = client.get("/governance/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_catalogue_is_added_on_request(lead):
    page = lead.get("/governance/")
    assert page.status_code == 200
    assert "activities of the default catalogue" in page.content.decode()
    lead.post("/governance/raci/catalogue/")
    keys = set(Activity.objects.values_list("key", flat=True))
    assert {"voc_programme", "journey_mapping", "brand_promise", "cx_kpis_dashboard"} <= keys
    assert {"close_loop_website", "close_loop_store", "close_loop_call_centre"} <= keys
    assert Activity.objects.get(key="close_loop_store").touchpoint.key == "store"
    lead.post("/governance/raci/catalogue/")  # idempotent
    assert Activity.objects.count() == len(keys)


def test_grid_shows_warnings_and_saves_all_or_nothing(lead):
    catalogue_sync()
    activity = Activity.objects.get(key="voc_programme")
    ecommerce, service = (
        Department.objects.get(key="ecommerce"),
        Department.objects.get(key="service"),
    )
    page = lead.get("/governance/").content.decode()
    assert "Nobody is Accountable" in page and "flag-row" in page
    good = f"cell-{activity.pk}-{ecommerce.pk}"
    bad = f"cell-{activity.pk}-{service.pk}"
    response = lead.post("/governance/", {good: "a/r", bad: "Q"})
    assert response.status_code == 422
    assert "is not a RACI code" in response.content.decode()
    assert RaciCell.objects.count() == 0  # nothing saved
    response = lead.post("/governance/", {good: "a/r", bad: "c"})
    assert response.status_code == 302
    assert RaciCell.objects.get(activity=activity, department=ecommerce).code == "A/R"
    # two Accountables: the warning shows on the row, then clears
    lead.post("/governance/", {bad: "A"})
    page = lead.get("/governance/").content.decode()
    assert "2 departments are Accountable (E-commerce, Service client)" in page
    lead.post("/governance/", {bad: "I"})
    page = lead.get("/governance/").content.decode()
    assert "departments are Accountable (E-commerce, Service client)" not in page


def test_hostile_names_are_escaped(lead):
    Department.objects.create(key="hostile", name=HOSTILE)
    Activity.objects.create(key="evil", name_en=HOSTILE, name_fr=HOSTILE)
    council = Council.objects.create(name=HOSTILE, cadence=HOSTILE, purpose=HOSTILE)
    CouncilAction.objects.create(
        council=council, title=HOSTILE, owner=HOSTILE, due_date=dt.date(2020, 1, 1)
    )
    for url in (
        "/governance/",
        "/governance/councils/",
        f"/governance/councils/{council.pk}/",
        "/governance/champion/",
    ):
        page = lead.get(url).content.decode()
        assert HOSTILE not in page, url
        assert HOSTILE_ESCAPED in page, url


def test_csv_export_and_import_through_pages(lead):
    catalogue_sync()
    raci_cells_set(actor=None, cells={("voc_programme", "ecommerce"): "A/R"})
    response = lead.get("/governance/raci/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert "voc_programme,Voice-of-the-customer programme,A/R," in text
    text = text.replace(
        "voc_programme,Voice-of-the-customer programme,A/R,", "voc_programme,x,A/R,C"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = lead.post(
        "/governance/raci/import/", {"file": SimpleUploadedFile("raci.csv", text.encode())}
    )
    assert response.status_code == 302
    assert (
        RaciCell.objects.get(activity__key="voc_programme", department__key="service").code == "C"
    )
    bad = "activity,ecommerce,legal\nvoc_programme,R,\n"
    response = lead.post(
        "/governance/raci/import/", {"file": SimpleUploadedFile("bad.csv", bad.encode())}
    )
    assert response.status_code == 200 and "is not a department key" in response.content.decode()
    assert (
        RaciCell.objects.get(activity__key="voc_programme", department__key="ecommerce").code
        == "A/R"
    )


def test_thresholds_are_settings(lead):
    response = lead.post(
        "/governance/raci/thresholds/",
        {"max_r_or_a_per_department": 1, "max_consulted": 2, "max_informed": 3},
    )
    assert response.status_code == 302
    assert GovernanceSettings.current().thresholds().max_r_or_a_per_department == 1
    catalogue_sync()
    raci_cells_set(
        actor=None,
        cells={("voc_programme", "ecommerce"): "A/R", ("journey_mapping", "ecommerce"): "A/R"},
    )
    page = lead.get("/governance/").content.decode()
    assert "Responsible or Accountable for 2 activities (more than 1)" in page


def test_a_viewer_reads_but_cannot_edit(viewer):
    catalogue_sync()
    page = viewer.get("/governance/")
    assert page.status_code == 200 and 'name="cell-' not in page.content.decode()
    activity, dept = Activity.objects.first(), Department.objects.first()
    assert viewer.post("/governance/", {f"cell-{activity.pk}-{dept.pk}": "R"}).status_code == 403
    assert viewer.get("/governance/raci/import/").status_code == 403
    assert viewer.get("/governance/raci/thresholds/").status_code == 403
    assert viewer.post("/governance/raci/catalogue/").status_code == 403
    assert viewer.get("/governance/councils/").status_code == 200
    assert viewer.get("/governance/councils/new/").status_code == 403
    assert viewer.get("/governance/champion/").status_code == 200
    assert viewer.post("/governance/champion/weights/", {}).status_code == 403
    assert RaciCell.objects.count() == 0


def test_council_members_meetings_decisions_actions_and_overdue(lead):
    response = lead.post(
        "/governance/councils/new/", {"name": "Conseil CX", "cadence": "monthly", "purpose": ""}
    )
    council = Council.objects.get()
    assert response["Location"] == f"/governance/councils/{council.pk}/"
    base = f"/governance/councils/{council.pk}"
    assert (
        lead.post(
            f"{base}/members/",
            {
                "name": "Claire",
                "department": Department.objects.get(key="service").pk,
                "role": "chair",
            },
        ).status_code
        == 302
    )
    assert (
        lead.post(f"{base}/members/", {"name": "", "role": "x"}).status_code == 422
    )  # a name or a user
    member = council.members.get()
    assert (
        lead.post(
            f"{base}/meetings/",
            {"date": "2026-10-05", "attendees": [member.pk], "minutes": "Kick-off"},
        ).status_code
        == 302
    )
    assert council.meetings.get().attendees.get() == member
    assert (
        lead.post(
            f"{base}/decisions/", {"date": "2026-10-05", "text": "Monthly NPS review"}
        ).status_code
        == 302
    )
    assert (
        lead.post(
            f"{base}/actions/",
            {"title": "Map the delivery journey", "owner": "Claire", "due_date": "2020-01-31"},
        ).status_code
        == 302
    )
    assert (
        lead.post(
            f"{base}/actions/", {"title": "Later", "owner": "Paul", "due_date": "2199-01-31"}
        ).status_code
        == 302
    )
    page = lead.get(f"{base}/").content.decode()
    assert "Map the delivery journey" in page and "overdue-list" in page
    assert '<span class="badge">1</span>' in page
    listing = lead.get("/governance/councils/").content.decode()
    assert '<span class="badge">1</span>' in listing
    action = council.actions.get(title="Map the delivery journey")
    lead.post(f"{base}/actions/{action.pk}/status/", {"status": "done"})
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE and action.done_at is not None
    assert "overdue-list" not in lead.get(f"{base}/").content.decode()


def test_reporting_line_beside_the_gartner_reference(lead):
    page = lead.get("/governance/councils/").content.decode()
    assert "Gartner 2019" in page and "46 %" in page and "Not recorded yet" in page
    response = lead.post(
        "/governance/councils/reporting-line/",
        {"reporting_line": "cmo", "reporting_line_note": "Directrice marketing"},
    )
    assert response.status_code == 302
    page = lead.get("/governance/councils/").content.decode()
    assert "CMO (marketing)</strong>" in page and "Directrice marketing" in page
    response = lead.post("/governance/councils/reporting-line/", {"reporting_line": "ceo"})
    assert GovernanceSettings.current().reporting_line == "ceo"


def test_champion_weights_and_scores_change_the_ranking(lead):
    page = lead.get("/governance/champion/").content.decode()
    assert "suggested scores, not saved yet" in page
    scores = {
        "kind-ecommerce": "other",
        "kind-service": "customer_service",
        **{f"score-ecommerce-{c}": "5" for c in ("customer_data", "brand_promise")},
        **{
            f"score-ecommerce-{c}": "0" for c in ("operational_kpis", "product_quality", "capacity")
        },
        **{
            f"score-service-{c}": "1" for c in ("customer_data", "brand_promise", "product_quality")
        },
        **{f"score-service-{c}": "5" for c in ("operational_kpis", "capacity")},
    }
    assert lead.post("/governance/champion/scores/", scores).status_code == 302
    assert ChampionScore.objects.get(department__key="service").operational_kpis == 5
    only = {
        f"w_{c}": "0"
        for c in (
            "customer_data",
            "brand_promise",
            "operational_kpis",
            "product_quality",
            "capacity",
            "maturity_fit",
            "business_model_fit",
        )
    }
    lead.post("/governance/champion/weights/", {**only, "w_customer_data": "1"})
    page = lead.get("/governance/champion/").content.decode()
    assert page.index("E-commerce") < page.index("Service client")
    lead.post("/governance/champion/weights/", {**only, "w_capacity": "2"})
    page = lead.get("/governance/champion/").content.decode()
    ranking = page[page.index('id="champion-ranking"') :]
    assert ranking.index("Service client") < ranking.index("E-commerce")
    assert "5.0 × 2.0" in ranking and "= 10.0" in ranking
    bad = {**scores, "score-service-capacity": "9"}
    assert lead.post("/governance/champion/scores/", bad).status_code == 422
    assert ChampionScore.objects.get(department__key="service").capacity == 5


def test_french_pages(lead):
    lead.cookies["django_language"] = "fr"
    catalogue_sync()
    page = lead.get("/governance/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Programme de voix du client" in page
    assert "Personne n’est" in page or "Personne n'est" in page


def test_champion_uses_the_weakest_maturity_dimensions(lead, monkeypatch):
    from cxpilot.governance import selectors

    page = lead.get("/governance/champion/").content.decode()
    assert "No closed maturity campaign yet" in page
    dims = {"measurement": 20.0, "culture": 30.0, "employee_engagement": 35.0, "strategy": 80.0}
    monkeypatch.setattr(selectors, "latest_dimension_scores", lambda: dims)
    view = selectors.champion_view(actor=None)
    assert view.weakest == ["measurement", "culture", "employee_engagement"]
    service = next(r for r in view.rows if r.department.key == "service")
    assert service.kind == "customer_service"
    assert service.scores["maturity_fit"] == pytest.approx((5 + 4 + 4) / 3)
    page = lead.get("/governance/champion/").content.decode()
    # the dimensions by name, in the reader's language, not by key
    assert "Measurement, Culture, Employee engagement" in page
    assert "employee_engagement" not in page
    lead.cookies["django_language"] = "fr"
    assert "Mesure" in lead.get("/governance/champion/").content.decode()


def test_a_bad_score_keeps_what_was_typed(lead):
    lead.get("/governance/champion/")
    data = {"kind-ecommerce": "other", "kind-service": "customer_service"}
    for dept in ("ecommerce", "service"):
        for c in (
            "customer_data",
            "brand_promise",
            "operational_kpis",
            "product_quality",
            "capacity",
        ):
            data[f"score-{dept}-{c}"] = "3"
    data["score-service-capacity"] = "lots"
    response = lead.post("/governance/champion/scores/", data)
    assert response.status_code == 422
    assert 'value="lots"' in response.content.decode()
    assert ChampionScore.objects.count() == 0


def test_every_page_renders_in_french(lead):
    catalogue_sync()
    council = Council.objects.create(name="Conseil", cadence="mensuel")
    CouncilAction.objects.create(
        council=council, title="A", owner="B", due_date=dt.date(2020, 1, 1)
    )
    lead.cookies["django_language"] = "fr"
    for url in (
        "/governance/",
        "/governance/raci/import/",
        "/governance/raci/thresholds/",
        "/governance/councils/",
        "/governance/councils/reporting-line/",
        f"/governance/councils/{council.pk}/",
        "/governance/champion/",
        "/governance/model/",
    ):
        response = lead.get(url)
        assert response.status_code == 200, url
        assert 'lang="fr"' in response.content.decode(), url
    assert "Actions en retard" in lead.get(f"/governance/councils/{council.pk}/").content.decode()
    assert "Champion CX par intérim" in lead.get("/governance/champion/").content.decode()


def test_closing_the_loop_is_named_after_the_touchpoint(lead):
    from django.utils import translation

    from cxpilot.organisation.models import Touchpoint

    catalogue_sync()
    Touchpoint.objects.filter(key="store").update(name="Boutiques")
    activity = Activity.objects.select_related("touchpoint").get(key="close_loop_store")
    assert activity.name == "Closing the loop on Boutiques"
    with translation.override("fr"):
        assert activity.name == "Boucler la boucle sur Boutiques"


def test_date_inputs_hold_iso_dates_in_french_and_post_back(lead):
    """A ``type="date"`` input refuses ``30/11/2026``: whatever the language, its value is ISO,
    and the prefilled form saves as it is."""
    import re

    from django.utils import timezone

    council = Council.objects.create(name="Conseil CX")
    lead.cookies["django_language"] = "fr"
    page = lead.get(f"/governance/councils/{council.pk}/").content.decode()
    inputs = re.findall(r'<input type="date" name="(\w+)"[^>]*>', page)
    assert {"date", "due_date"} <= set(inputs), inputs
    values = re.findall(r'<input type="date" name="date" value="([^"]*)"', page)
    assert values == [timezone.localdate().isoformat()], values
    response = lead.post(
        f"/governance/councils/{council.pk}/decisions/", {"date": values[0], "text": "Revue NPS"}
    )
    assert response.status_code == 302
    assert council.decisions.get().date == timezone.localdate()
    new = lead.get("/maturity/new/").content.decode()
    assert re.search(r'name="starts_on" value="\d{4}-\d{2}-\d{2}"', new), new

"""The pages under /initiatives/: the backlog, the form, the detail with the measured effect."""

from __future__ import annotations

import pyarrow as pa
import pytest

from cxpilot.initiatives.models import Initiative
from cxpilot.initiatives.services import Draft, initiative_save
from cxpilot.warehouse.ingest import load_arrow
from tests.hostile import HOSTILE, HOSTILE_ESCAPED
from tests.initiatives.test_initiatives import START, answers


def form(**changes: object) -> dict[str, object]:
    data = {
        "name": "Faster checkout",
        "touchpoints": ["website"],
        "metric": "ces",
        "effort": "S",
        "cost_one_off": "100",
        "cost_monthly": "0",
        "started_on": "2025-09-15",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_list_renders_for_a_viewer_without_the_create_button(org, viewer) -> None:
    initiative_save(actor=None, draft=Draft(name=HOSTILE, touchpoints=["store"], metric="nps"))
    page = viewer.get("/initiatives/")
    assert page.status_code == 200
    text = page.content.decode()
    assert HOSTILE_ESCAPED in text and HOSTILE not in text
    assert "/initiatives/new/" not in text
    assert 'href="/initiatives/"' in text  # the menu entry


def test_a_viewer_cannot_create(org, viewer) -> None:
    assert viewer.get("/initiatives/new/").status_code == 403
    assert viewer.post("/initiatives/new/", form()).status_code == 403
    assert viewer.post("/initiatives/settings/", {"weight_stake": 1}).status_code == 403
    assert Initiative.objects.count() == 0


def test_the_lead_creates_and_edits(org, lead) -> None:
    assert lead.get("/initiatives/new/").status_code == 200
    created = lead.post("/initiatives/new/", form())
    assert created.status_code == 302
    saved = Initiative.objects.get()
    assert saved.department is not None and saved.department.key == "ecommerce"
    edited = lead.post(f"/initiatives/{saved.pk}/edit/", form(name="Checkout v2", effort="M"))
    assert edited.status_code == 302
    saved.refresh_from_db()
    assert (saved.name, saved.effort) == ("Checkout v2", "M")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"touchpoints": ["nowhere"]}, "Select a valid choice"),
        ({"metric": "nsp"}, "Select a valid choice"),
        ({"done_on": "2025-09-01"}, "before it started"),
        ({"name": "a\x07b"}, "control characters"),
        ({"cost_one_off": "-1"}, "greater than or equal to 0"),
        ({"started_on": "15/09/2025"}, "Enter a valid date"),
    ],
)
def test_bad_input_is_refused_with_nothing_stored(org, lead, changes, message) -> None:
    page = lead.post("/initiatives/new/", form(**changes))
    assert page.status_code == 400
    assert message in page.content.decode()
    assert Initiative.objects.count() == 0


def test_the_detail_shows_the_effect_the_chart_and_the_numbers(org, viewer) -> None:
    load_arrow(table="responses", data=pa.Table.from_pylist(answers()))
    saved = initiative_save(
        actor=None,
        draft=Draft(
            name="Faster checkout", touchpoints=["website"], metric="ces", started_on=START
        ),
    )
    page = viewer.get(f"/initiatives/{saved.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "spec-effect" in text  # the Vega-Lite spec
    assert "Parallel-trends check" in text
    assert "<strong>1.5</strong>" in text
    assert "No return yet" in text


def test_the_detail_of_an_initiative_not_started(org, viewer) -> None:
    saved = initiative_save(
        actor=None, draft=Draft(name="Later", touchpoints=["store"], metric="nps")
    )
    page = viewer.get(f"/initiatives/{saved.pk}/")
    assert page.status_code == 200 and "has not started" in page.content.decode()
    assert viewer.get("/initiatives/999/").status_code == 404


def test_the_lead_edits_the_weights(org, lead) -> None:
    from cxpilot.initiatives.selectors import settings_get

    data = {
        "weight_stake": "1",
        "weight_reach": "0",
        "weight_effect": "0.5",
        "weight_effort": "0.5",
        "value_nps": "2",
        "value_ces": "5",
        "value_csat": "0",
        "window_months": "6",
        "horizon_months": "12",
    }
    assert lead.post("/initiatives/settings/", data).status_code == 302
    assert settings_get().weight_stake == 1.0
    bad = lead.post("/initiatives/settings/", {**data, "weight_reach": "-3"})
    assert bad.status_code == 400
    assert settings_get().weight_reach == 0.0


def test_the_pages_render_in_french(org, client_as) -> None:
    lead = client_as("cx_lead")
    lead.cookies["django_language"] = "fr"
    page = lead.get("/initiatives/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    assert "Initiatives" in page.content.decode()
    assert "<h2>Priorités</h2>" in page.content.decode()


def test_a_hostile_name_in_the_form_is_escaped_or_refused(org, lead, hostile) -> None:
    page = lead.post("/initiatives/new/", form(name=hostile))
    assert page.status_code in (302, 400)
    if page.status_code == 400:
        assert Initiative.objects.count() == 0
    else:
        detail = lead.get(page["Location"])
        assert detail.status_code == 200
        assert HOSTILE not in detail.content.decode()


def test_the_detail_in_french(org, client_as) -> None:
    load_arrow(table="responses", data=pa.Table.from_pylist(answers()))
    saved = initiative_save(
        actor=None,
        draft=Draft(name="Caisse", touchpoints=["website"], metric="ces", started_on=START),
    )
    reader = client_as("viewer")
    reader.cookies["django_language"] = "fr"
    text = reader.get(f"/initiatives/{saved.pk}/").content.decode()
    assert "Effet mesuré" in text and "Différence de différences" in text
    assert "intervalle à 95 %" in text and "%%" not in text


def test_the_source_is_a_link_only_when_it_is_a_web_address(org, viewer) -> None:
    web = initiative_save(
        actor=None,
        draft=Draft(
            name="A", touchpoints=["store"], metric="nps", source="https://example.com/roadmap/4"
        ),
    )
    script = initiative_save(
        actor=None,
        draft=Draft(name="B", touchpoints=["store"], metric="nps", source="javascript:alert(1)"),
    )
    assert (
        'href="https://example.com/roadmap/4"'
        in viewer.get(f"/initiatives/{web.pk}/").content.decode()
    )
    text = viewer.get(f"/initiatives/{script.pk}/").content.decode()
    assert "javascript:alert(1)" in text and 'href="javascript:' not in text

